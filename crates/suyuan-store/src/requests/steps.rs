//! The steps a request goes through, each one transaction: core says
//! whether the step may be taken, the request's row is written over the
//! version that was read, and the step's events are appended and counted.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait,
};

use suyuan_core::members::MemberId;
use suyuan_core::requests::{self as rules, EventKind, RequestId, Stars, State, Tally};
use suyuan_core::text;
use suyuan_core::units::UnitId;

use super::entities::{event, request};
use super::{Request, add_counts, local_day};
use crate::units::Unit;
use crate::{Store, StoreError, StoreResult};

/// An event a step appends.
#[derive(Debug, Clone)]
pub(super) struct NewEvent {
    kind: EventKind,
    at: DateTime<Utc>,
    other_unit: Option<UnitId>,
    due_at: Option<DateTime<Utc>>,
    value: Option<i64>,
    note: String,
    by: Option<MemberId>,
}

impl NewEvent {
    pub(super) fn new(kind: EventKind, at: DateTime<Utc>) -> Self {
        Self {
            kind,
            at,
            other_unit: None,
            due_at: None,
            value: None,
            note: String::new(),
            by: None,
        }
    }

    pub(super) fn to(mut self, unit: UnitId) -> Self {
        self.other_unit = Some(unit);
        self
    }

    pub(super) fn due(mut self, due: DateTime<Utc>) -> Self {
        self.due_at = Some(due);
        self
    }

    pub(super) fn value(mut self, value: i64) -> Self {
        self.value = Some(value);
        self
    }

    pub(super) fn note(mut self, note: &str) -> Self {
        self.note = note.to_owned();
        self
    }

    pub(super) fn by(mut self, member: Option<MemberId>) -> Self {
        self.by = member;
        self
    }
}

/// Appends a request's events and adds what they count to the figures of
/// `unit` (the one handling it when they happened) and the units above.
pub(super) async fn record(
    conn: &impl ConnectionTrait,
    request: i64,
    unit: &Unit,
    zone: Tz,
    answered_at: Option<DateTime<Utc>>,
    events: &[NewEvent],
) -> StoreResult<()> {
    let mut tally = Tally::resume(answered_at);
    for new in events {
        event::Entity::insert(event::ActiveModel {
            request_id: Set(request),
            kind: Set(new.kind.code().to_owned()),
            unit_id: Set(unit.id.0),
            other_unit_id: Set(new.other_unit.map(|u| u.0)),
            at: Set(new.at),
            due_at: Set(new.due_at),
            value: Set(new.value),
            note: Set(new.note.clone()),
            by_member: Set(new.by.map(|m| m.0)),
            ..Default::default()
        })
        .exec_without_returning(conn)
        .await?;
        let counts = tally.count(new.kind, new.at, new.due_at, new.value);
        add_counts(conn, &unit.path, local_day(zone, new.at), counts).await?;
    }
    Ok(())
}

/// What a step writes: columns of the request, and events.
#[derive(Default)]
pub(super) struct Change {
    set: Vec<(request::Column, Expr)>,
    events: Vec<NewEvent>,
}

impl Change {
    pub(super) fn set(mut self, column: request::Column, value: impl Into<sea_orm::Value>) -> Self {
        self.set.push((column, Expr::value(value)));
        self
    }

    pub(super) fn event(mut self, event: NewEvent) -> Self {
        self.events.push(event);
        self
    }
}

/// How the requester responds to an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// It is solved; the stars for the answer.
    Confirm(Stars),
    /// It is not: reopened with a reason, stars if given.
    Reopen {
        stars: Option<Stars>,
        reason: String,
    },
}

/// A reason a step must give.
fn reason(field: &'static str, input: &str) -> StoreResult<String> {
    Ok(text::required(field, input, 500).map_err(rules::RequestError::from)?)
}

/// A note a step may carry.
fn optional_note(input: &str) -> StoreResult<String> {
    Ok(text::bounded("note", input, 500).map_err(rules::RequestError::from)?)
}

impl Store {
    /// Takes a step on a request: `decide` says what it writes, from the
    /// request as it stands, or why it may not be taken.
    pub(super) async fn step(
        &self,
        id: RequestId,
        now: DateTime<Utc>,
        decide: impl FnOnce(&Request) -> StoreResult<Change>,
    ) -> StoreResult<Request> {
        let row = request::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let version = row.version;
        let answered_at = row.answered_at;
        let request = self
            .requests_of(vec![row])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        let change = decide(&request)?;
        let txn = self.db.begin().await?;
        let mut update = request::Entity::update_many()
            .col_expr(request::Column::Version, Expr::value(version + 1))
            .col_expr(request::Column::UpdatedAt, Expr::value(now));
        for (column, value) in change.set {
            update = update.col_expr(column, value);
        }
        let written = update
            .filter(request::Column::Id.eq(id.0))
            .filter(request::Column::Version.eq(version))
            .exec(&txn)
            .await?;
        if written.rows_affected == 0 {
            return Err(StoreError::Conflict(
                "the request changed meanwhile; look at it again".into(),
            ));
        }
        // When the round must look at it next, as it stands now.
        let after = request::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let path = if after.unit_id == request.unit.id.0 {
            request.unit.path.clone()
        } else {
            crate::units::entity::Entity::find_by_id(after.unit_id)
                .one(&txn)
                .await?
                .ok_or(StoreError::NotFound)
                .and_then(Unit::try_from)?
                .path
        };
        request::Entity::update_many()
            .col_expr(
                request::Column::NextCheckAt,
                Expr::value(super::next_check_of(&after, &path, now)?),
            )
            .filter(request::Column::Id.eq(id.0))
            .exec(&txn)
            .await?;
        record(
            &txn,
            id.0,
            &request.unit,
            request.zone,
            answered_at,
            &change.events,
        )
        .await?;
        txn.commit().await?;
        self.request(id).await
    }

    /// The unit takes the request on.
    pub async fn acknowledge_request(
        &self,
        id: RequestId,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Request> {
        self.step(id, now, |r| {
            r.handling.acknowledge()?;
            Ok(Change::default()
                .set(request::Column::State, State::Acknowledged.code())
                .set(request::Column::Escalation, 0)
                .event(
                    NewEvent::new(EventKind::Acknowledged, now)
                        .due(r.handling.acknowledge_due)
                        .by(Some(by)),
                ))
        })
        .await
    }

    /// Sends a request on to a unit below its own; its clocks run on.
    pub async fn send_request_on(
        &self,
        id: RequestId,
        to: &Unit,
        note: &str,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Request> {
        let note = optional_note(note)?;
        self.step(id, now, |r| {
            r.handling.move_on()?;
            rules::may_send_on(&r.unit.path, &to.path)?;
            Ok(moved(to.id, now).event(
                NewEvent::new(EventKind::SentOn, now)
                    .to(to.id)
                    .note(&note)
                    .by(Some(by)),
            ))
        })
        .await
    }

    /// Sends a request that is not the unit's back to the unit above,
    /// with the reason: unacknowledged, within a day of its arrival.
    pub async fn send_request_back(
        &self,
        id: RequestId,
        why: &str,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Request> {
        let why = reason("reason", why)?;
        self.step(id, now, |r| {
            r.handling.send_back(now)?;
            let to = rules::sent_back_to(&r.unit.path)?;
            Ok(moved(to, now).event(
                NewEvent::new(EventKind::SentBack, now)
                    .to(to)
                    .note(&why)
                    .by(Some(by)),
            ))
        })
        .await
    }

    /// A dispatcher above moves a request to another unit (the caller has
    /// checked that both are theirs).
    pub async fn reroute_request(
        &self,
        id: RequestId,
        to: &Unit,
        note: &str,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Request> {
        let note = optional_note(note)?;
        self.step(id, now, |r| {
            r.handling.move_on()?;
            if r.unit.id == to.id {
                return Err(StoreError::Invalid(
                    "unit: the request is already there".into(),
                ));
            }
            Ok(moved(to.id, now).event(
                NewEvent::new(EventKind::Rerouted, now)
                    .to(to.id)
                    .note(&note)
                    .by(Some(by)),
            ))
        })
        .await
    }

    /// The unit asks a level up for a later resolve deadline.
    pub async fn ask_request_extension(
        &self,
        id: RequestId,
        until: DateTime<Utc>,
        why: &str,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Request> {
        let why = reason("reason", why)?;
        self.step(id, now, |r| {
            r.handling.ask_extension(until)?;
            Ok(Change::default()
                .set(request::Column::ExtensionUntil, Some(until))
                .event(
                    NewEvent::new(EventKind::ExtensionAsked, now)
                        .due(until)
                        .note(&why)
                        .by(Some(by)),
                ))
        })
        .await
    }

    /// The level above grants or refuses an asked extension.
    pub async fn decide_request_extension(
        &self,
        id: RequestId,
        grant: bool,
        note: &str,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Request> {
        let note = optional_note(note)?;
        self.step(id, now, |r| {
            let until = r.handling.decide_extension()?;
            let none: Option<DateTime<Utc>> = None;
            let change = Change::default().set(request::Column::ExtensionUntil, none);
            Ok(if grant {
                change
                    .set(request::Column::ResolveDue, until)
                    .set(request::Column::RemindedDue, none)
                    .set(request::Column::Escalation, 0)
                    .event(
                        NewEvent::new(EventKind::ExtensionGranted, now)
                            .due(until)
                            .note(&note)
                            .by(Some(by)),
                    )
            } else {
                change.event(
                    NewEvent::new(EventKind::ExtensionRefused, now)
                        .due(until)
                        .note(&note)
                        .by(Some(by)),
                )
            })
        })
        .await
    }

    /// The unit answers (acknowledging it too, if it had not).
    pub async fn answer_request(
        &self,
        id: RequestId,
        answer: &str,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Request> {
        let answer = text::required("answer", answer, 2000).map_err(rules::RequestError::from)?;
        self.step(id, now, |r| {
            let acknowledging = r.handling.answer()?;
            let mut change = Change::default();
            if acknowledging {
                change = change.event(
                    NewEvent::new(EventKind::Acknowledged, now)
                        .due(r.handling.acknowledge_due)
                        .by(Some(by)),
                );
            }
            let none: Option<i32> = None;
            let no_extension: Option<DateTime<Utc>> = None;
            Ok(change
                .set(request::Column::ExtensionUntil, no_extension)
                .set(request::Column::Escalation, 0)
                .set(request::Column::State, State::Answered.code())
                .set(request::Column::AnsweredAt, Some(now))
                .set(request::Column::Answer, answer.as_str())
                .set(request::Column::Stars, none)
                .event(
                    NewEvent::new(EventKind::Answered, now)
                        .due(r.handling.resolve_due)
                        .note(&answer)
                        .by(Some(by)),
                ))
        })
        .await
    }

    /// The requester confirms the answer with their stars, or reopens the
    /// request: its resolve clock starts again from now.
    pub async fn respond_to_request(
        &self,
        id: RequestId,
        response: &Response,
        now: DateTime<Utc>,
    ) -> StoreResult<Request> {
        let calendar = self.work_calendar().await?;
        let why = match response {
            Response::Reopen { reason: why, .. } => reason("reason", why)?,
            Response::Confirm(_) => String::new(),
        };
        self.step(id, now, |r| {
            let stars = match response {
                Response::Confirm(stars) => Some(*stars),
                Response::Reopen { stars, .. } => *stars,
            };
            let mut change = Change::default();
            if let Some(stars) = stars {
                change = change
                    .set(request::Column::Stars, Some(i32::from(stars.value())))
                    .event(NewEvent::new(EventKind::Rated, now).value(stars.value().into()));
            }
            Ok(match response {
                Response::Confirm(_) => {
                    r.handling.respond()?;
                    change
                        .set(request::Column::State, State::Resolved.code())
                        .event(NewEvent::new(EventKind::Confirmed, now).due(r.handling.resolve_due))
                }
                Response::Reopen { .. } => {
                    r.handling.reopen(now)?;
                    let clocks = r.category.category.clocks.of(r.submission.urgency);
                    let due = clocks.resolve.due(now, r.zone, &calendar);
                    let none: Option<DateTime<Utc>> = None;
                    change
                        .set(request::Column::State, State::Acknowledged.code())
                        .set(request::Column::ResolveDue, due)
                        .set(request::Column::RemindedDue, none)
                        .set(
                            request::Column::Reopened,
                            i32::try_from(r.reopened + 1).unwrap_or(i32::MAX),
                        )
                        .event(NewEvent::new(EventKind::Reopened, now).due(due).note(&why))
                }
            })
        })
        .await
    }

    /// A moderator hides a request's text from the public, or shows it
    /// again; the text is kept either way.
    pub async fn set_request_hidden(
        &self,
        id: RequestId,
        hidden: bool,
        note: &str,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Request> {
        let note = optional_note(note)?;
        self.step(id, now, |r| {
            if r.hidden == hidden {
                return Err(StoreError::Invalid(if hidden {
                    "it is hidden already".into()
                } else {
                    "it is shown already".into()
                }));
            }
            let kind = if hidden {
                EventKind::Hidden
            } else {
                EventKind::Shown
            };
            Ok(Change::default()
                .set(request::Column::Hidden, hidden)
                .event(NewEvent::new(kind, now).note(&note).by(Some(by))))
        })
        .await
    }
}

/// A request arriving at another unit: the time it arrived, for sending
/// it back, a fresh reminder for the unit, and no extension pending.
fn moved(to: UnitId, now: DateTime<Utc>) -> Change {
    let none: Option<DateTime<Utc>> = None;
    // An extension asked for by the unit it leaves is not the next one's.
    Change::default()
        .set(request::Column::UnitId, to.0)
        .set(request::Column::AssignedAt, now)
        .set(request::Column::RemindedDue, none)
        .set(request::Column::ExtensionUntil, none)
}
