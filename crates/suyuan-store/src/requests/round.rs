//! The requests' round, run every minute on every instance: answered
//! requests whose reopening window passed are resolved; requests past a
//! deadline climb the unit tree; and each unit is reminded once ahead of
//! each deadline. Each is a step over the version read, so two instances
//! running at once take each one once.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use suyuan_core::requests::{self as rules, EventKind, RequestId, State, escalation_level};
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

/// How many requests one round looks at.
const ROUND_BATCH: u64 = 2_000;

/// Whether a step lost to another taking it at the same time.
fn lost(result: &StoreResult<Request>) -> bool {
    matches!(
        result,
        Err(StoreError::Conflict(_) | StoreError::Request(_))
    )
}

impl Store {
    /// Takes what is due by `now` of the requests whose next look has
    /// come (each request says when: `next_check_at`, set by every step),
    /// the earliest first.
    pub async fn request_round(&self, now: DateTime<Utc>) -> StoreResult<RequestRound> {
        let mut round = RequestRound::default();
        let rows = request::Entity::find()
            .filter(request::Column::NextCheckAt.lte(now))
            .order_by_asc(request::Column::NextCheckAt)
            .order_by_asc(request::Column::Id)
            .limit(ROUND_BATCH)
            .all(&self.db)
            .await?;
        for request in self.requests_of(rows).await? {
            let done = if request.handling.lapsed(now) {
                self.lapse(&request, now).await.map(|_| round.lapsed += 1)
            } else if let Some(due) = request.handling.next_deadline().filter(|due| now >= *due) {
                self.escalate(&request, due, now)
                    .await
                    .map(|climbed| round.escalated.extend(climbed))
            } else if let Some(due) = request
                .handling
                .next_deadline()
                .filter(|due| now >= rules::remind_at(request.received_at, *due))
                .filter(|due| request.reminded_due != Some(*due))
            {
                self.remind(&request, due, now)
                    .await
                    .map(|reminded| round.reminders.push((reminded, due)))
            } else {
                // Nothing is due after all (a step took it meanwhile):
                // when to look next, from what it is now.
                self.look_again(request.id, now).await
            };
            match done {
                Ok(()) => {}
                Err(StoreError::Conflict(_) | StoreError::Request(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(round)
    }

    /// An answer left unopened past its window: resolved.
    async fn lapse(&self, request: &Request, now: DateTime<Utc>) -> StoreResult<Request> {
        self.step(request.id, now, |r| {
            if !r.handling.lapsed(now) {
                return Err(StoreError::Request(rules::RequestError::NotNow(r.state())));
            }
            Ok(Change::default()
                .set(request::Column::State, State::Resolved.code())
                .event(NewEvent::new(EventKind::Lapsed, now).due(r.handling.resolve_due)))
        })
        .await
    }

    /// A missed deadline: up as many levels as the days since say.
    async fn escalate(
        &self,
        request: &Request,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Request, UnitId)>> {
        let above = u32::try_from(request.unit.path.depth()).unwrap_or_default();
        let level = escalation_level(due, now, above);
        if level <= request.escalation {
            self.look_again(request.id, now).await?;
            return Ok(None);
        }
        let to = rules::escalated_to(&request.unit.path, level);
        let from = request.escalation;
        let done = self
            .step(request.id, now, |r| {
                if r.escalation != from || r.handling.next_deadline() != Some(due) {
                    return Err(StoreError::Conflict("changed meanwhile".into()));
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
            Ok(request) => Ok(Some((request, to))),
            Err(_) if lost(&done) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The unit reminded of a deadline ahead, once.
    async fn remind(
        &self,
        request: &Request,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Request> {
        self.step(request.id, now, |r| {
            if r.handling.next_deadline() != Some(due) || r.reminded_due == Some(due) {
                return Err(StoreError::Conflict("reminded meanwhile".into()));
            }
            Ok(Change::default()
                .set(request::Column::RemindedDue, Some(due))
                .event(NewEvent::new(EventKind::Reminded, now).due(due)))
        })
        .await
    }

    /// Sets when the round looks at a request next, from its row as it is.
    async fn look_again(&self, id: RequestId, now: DateTime<Utc>) -> StoreResult<()> {
        let row = request::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let unit = self.unit(UnitId(row.unit_id)).await?;
        let next = super::next_check_of(&row, &unit.path, now)?;
        request::Entity::update_many()
            .col_expr(request::Column::NextCheckAt, Expr::value(next))
            .filter(request::Column::Id.eq(id.0))
            .filter(request::Column::Version.eq(row.version))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
