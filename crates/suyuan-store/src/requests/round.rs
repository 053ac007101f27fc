//! The requests' round, run every minute on every instance: answered
//! requests whose reopening window passed are resolved; requests past a
//! deadline climb the unit tree; and each unit is reminded once ahead of
//! each deadline. Each is a step over the version read, so two instances
//! running at once take each one once.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use suyuan_core::requests::{
    self as rules, EventKind, REOPEN_WITHIN, RequestId, State, escalation_level,
};
use suyuan_core::units::UnitId;

use super::Request;
use super::entities::request;
use super::steps::{Change, NewEvent};
use crate::{Store, StoreError, StoreResult};

/// What one round did, for the notices it sends.
#[derive(Debug, Default)]
pub struct RequestRound {
    pub lapsed: usize,
    /// Requests that climbed, with the unit they now stand at.
    pub escalated: Vec<(Request, UnitId)>,
    /// Requests whose unit is to be reminded, with the deadline.
    pub reminders: Vec<(Request, DateTime<Utc>)>,
}

/// How many requests one round looks at of each kind.
const ROUND_BATCH: u64 = 500;

/// Whether a step lost to another taking it at the same time.
fn lost(result: &StoreResult<Request>) -> bool {
    matches!(
        result,
        Err(StoreError::Conflict(_) | StoreError::Request(_))
    )
}

impl Store {
    pub async fn request_round(&self, now: DateTime<Utc>) -> StoreResult<RequestRound> {
        let mut round = RequestRound::default();
        let answered = request::Entity::find()
            .select_only()
            .column(request::Column::Id)
            .filter(request::Column::State.eq(State::Answered.code()))
            .filter(request::Column::AnsweredAt.lt(now - REOPEN_WITHIN))
            .order_by_asc(request::Column::AnsweredAt)
            .limit(ROUND_BATCH)
            .into_tuple::<i64>()
            .all(&self.db)
            .await?;
        for id in answered {
            let done = self
                .step(RequestId(id), now, |r| {
                    if !r.handling.lapsed(now) {
                        return Err(StoreError::Request(rules::RequestError::NotNow(r.state())));
                    }
                    Ok(Change::default()
                        .set(request::Column::State, State::Resolved.code())
                        .event(NewEvent::new(EventKind::Lapsed, now).due(r.handling.resolve_due)))
                })
                .await;
            match done {
                Ok(_) => round.lapsed += 1,
                Err(_) if lost(&done) => {}
                Err(e) => return Err(e),
            }
        }
        // Owed requests with a deadline passed, or within a day of one.
        let soon = now + Duration::days(1);
        let owed = request::Entity::find()
            .filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(request::Column::State.eq(State::Open.code()))
                            .add(request::Column::AcknowledgeDue.lte(soon)),
                    )
                    .add(
                        Condition::all()
                            .add(request::Column::State.eq(State::Acknowledged.code()))
                            .add(request::Column::ResolveDue.lte(soon)),
                    ),
            )
            .order_by_asc(request::Column::Id)
            .limit(ROUND_BATCH * 4)
            .all(&self.db)
            .await?;
        for request in self.requests_of(owed).await? {
            let Some(due) = request.handling.next_deadline() else {
                continue;
            };
            if now >= due {
                let above = u32::try_from(request.unit.path.depth()).unwrap_or_default();
                let level = escalation_level(due, now, above);
                if level <= request.escalation {
                    continue;
                }
                let to = rules::escalated_to(&request.unit.path, level);
                let from = request.escalation;
                let done = self
                    .step(request.id, now, |r| {
                        if r.escalation != from {
                            return Err(StoreError::Conflict("escalated meanwhile".into()));
                        }
                        let mut change = Change::default().set(
                            request::Column::Escalation,
                            i32::try_from(level).unwrap_or(i32::MAX),
                        );
                        for step in from + 1..=level {
                            change = change.event(
                                NewEvent::new(EventKind::Escalated, now)
                                    .to(rules::escalated_to(&r.unit.path, step))
                                    .due(due)
                                    .value(step.into()),
                            );
                        }
                        Ok(change)
                    })
                    .await;
                match done {
                    Ok(request) => round.escalated.push((request, to)),
                    Err(_) if lost(&done) => {}
                    Err(e) => return Err(e),
                }
            } else if now >= rules::remind_at(request.received_at, due) {
                let done = self
                    .step(request.id, now, |r| {
                        if r.handling.next_deadline() != Some(due) || r.reminded_due == Some(due) {
                            return Err(StoreError::Conflict("reminded meanwhile".into()));
                        }
                        Ok(Change::default()
                            .set(request::Column::RemindedDue, Some(due))
                            .event(NewEvent::new(EventKind::Reminded, now).due(due)))
                    })
                    .await;
                match done {
                    Ok(request) => round.reminders.push((request, due)),
                    Err(_) if lost(&done) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(round)
    }
}
