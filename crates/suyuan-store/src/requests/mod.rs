//! Requests from the people: received without an account, routed to the
//! responsible unit, handled against their clocks, answered, rated and
//! resolved or reopened by their requester.
//!
//! Every step appends to the request's history (`request_events`, never
//! changed) and writes over the version of the request it read, so that
//! two steps taken at once (two admins, two instances' rounds) cannot both
//! pass: the second is told the request changed. The figures per unit and
//! day (`request_days`, subtree included) change in the same transaction
//! as the events that count for them, by core's `Tally`; `recount_request_days`
//! replays the events through the same `Tally`.
//!
//! A requester's contact is read only through `request_contact`, which
//! writes who read it and when.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::HashMap;

use suyuan_core::members::MemberId;
use suyuan_core::requests::{
    self as rules, Contact, EventKind, Handling, Point, RequestCounts, RequestId, Stars, State,
    Submission, TrackingCode, Urgency,
};
use suyuan_core::units::{UnitId, UnitPath};

use crate::units::Unit;
use crate::{Store, StoreError, StoreResult};

mod entities;
mod figures;
mod round;
mod settings;
mod steps;

use entities::*;
pub use round::RequestRound;
pub use settings::{Open311Key, RequestCategory, RoutingRule};
pub use steps::Response;

/// A request as its pages show it (never its contact).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: RequestId,
    pub code: TrackingCode,
    pub category: RequestCategory,
    pub submission: Submission,
    /// Whose ground it is on.
    pub area: Unit,
    /// Who handles it now.
    pub unit: Unit,
    pub zone: Tz,
    pub received_at: DateTime<Utc>,
    pub handling: Handling,
    pub answer: String,
    /// The requester's stars for the answer standing now.
    pub stars: Option<Stars>,
    pub reopened: u32,
    /// How many levels above its unit a missed deadline has taken it.
    pub escalation: u32,
    /// Its text hidden from the public by a moderator.
    pub hidden: bool,
    pub has_contact: bool,
    /// The deadline its unit was last reminded of.
    pub reminded_due: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl Request {
    pub fn state(&self) -> State {
        self.handling.state
    }
}

/// One step in a request's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    /// The unit handling the request when it happened.
    pub unit: UnitId,
    /// Where it was sent, or escalated to.
    pub other_unit: Option<UnitId>,
    pub at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub value: Option<i64>,
    pub note: String,
    pub by: Option<MemberId>,
}

/// Who read a requester's contact, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactView {
    pub member: MemberId,
    pub member_name: String,
    pub at: DateTime<Utc>,
}

/// A new request, as received.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    pub category: &'a RequestCategory,
    pub submission: &'a Submission,
    pub area: &'a Unit,
    pub contact: &'a Contact,
    pub zone: Tz,
    /// The Open311 key it came through, if any.
    pub key: Option<i64>,
    /// Photos sent with it (already re-encoded as JPEGs): kept in the
    /// same transaction, so a request is never there without them.
    pub photos: &'a [suyuan_core::gatherings::photo::Photo],
}

/// What the similar-request index keeps of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestText {
    pub id: RequestId,
    pub category: i64,
    /// Its description and address.
    pub text: String,
    /// Still owed an answer (only these are offered to follow).
    pub open: bool,
    pub updated_at: DateTime<Utc>,
}

/// Which requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// Handled within this subtree.
    pub within: Option<UnitPath>,
    pub category: Option<i64>,
    pub states: Vec<State>,
    /// Received in `[from, until)`.
    pub received_from: Option<DateTime<Utc>>,
    pub received_until: Option<DateTime<Utc>>,
    pub ids: Vec<RequestId>,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

fn local_day(zone: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

impl Store {
    /// Receives a request: routed by the rules to its unit, its clocks set
    /// from its category and urgency (in working days where the category
    /// says so), and a fresh tracking code drawn.
    pub async fn submit_request(
        &self,
        new: NewRequest<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<Request> {
        let routes = self.routing_rules().await?;
        let rules: Vec<rules::Route> = routes.into_iter().map(|r| r.route).collect();
        let unit_id = rules::route(&rules, &new.category.category.code, &new.area.path);
        let unit = self.unit(unit_id).await?;
        let calendar = self.work_calendar().await?;
        let clocks = new.category.category.clocks.of(new.submission.urgency);
        let acknowledge_due = clocks.acknowledge.due(now, new.zone, &calendar);
        let resolve_due = clocks.resolve.due(now, new.zone, &calendar);
        let submission = new.submission;
        // A fresh code each try: 64 random bits rarely clash, and a clash
        // costs only a redraw. The insert comes first in its transaction,
        // so that on SQLite it takes the write lock at once.
        for _ in 0..4 {
            let code =
                TrackingCode::from_random(u64::from_le_bytes(crate::auth::random_bytes::<8>()));
            let row = request::ActiveModel {
                code: Set(code.as_str().to_owned()),
                category_id: Set(new.category.id),
                urgency: Set(submission.urgency.code().to_owned()),
                description: Set(submission.description.clone()),
                address: Set(submission.address.clone()),
                lat: Set(submission.point.map(|p| p.lat)),
                long: Set(submission.point.map(|p| p.long)),
                area_unit_id: Set(new.area.id.0),
                unit_id: Set(unit.id.0),
                state: Set(State::Open.code().to_owned()),
                zone: Set(new.zone.name().to_owned()),
                received_at: Set(now),
                assigned_at: Set(now),
                acknowledge_due: Set(acknowledge_due),
                resolve_due: Set(resolve_due),
                extension_until: Set(None),
                answered_at: Set(None),
                answer: Set(String::new()),
                stars: Set(None),
                reopened: Set(0),
                escalation: Set(0),
                reminded_due: Set(None),
                hidden: Set(false),
                contact_name: Set(new.contact.name.clone()),
                contact_phone: Set(new.contact.phone.clone().unwrap_or_default()),
                contact_email: Set(new.contact.email.clone().unwrap_or_default()),
                key_id: Set(new.key),
                version: Set(0),
                updated_at: Set(now),
                ..Default::default()
            };
            let handling = Handling {
                state: State::Open,
                assigned_at: now,
                acknowledge_due,
                resolve_due,
                extension_asked: None,
                answered_at: None,
            };
            let watch = rules::Watch {
                received_at: now,
                reminded_due: None,
                escalation: 0,
                levels_above: u32::try_from(unit.path.depth()).unwrap_or_default(),
            };
            let row = request::ActiveModel {
                next_check_at: Set(handling.next_check(now, watch)),
                ..row
            };
            let txn = self.db.begin().await?;
            let id = match request::Entity::insert(row).exec(&txn).await {
                Ok(inserted) => inserted.last_insert_id,
                Err(err) if crate::is_unique_violation(&err) => continue,
                Err(err) => return Err(err.into()),
            };
            let received = steps::NewEvent::new(EventKind::Received, now);
            steps::record(&txn, id, &unit, new.zone, None, &[received]).await?;
            for photo in new.photos {
                photo::Entity::insert(photo::ActiveModel {
                    request_id: Set(id),
                    width: Set(i32::try_from(photo.width).unwrap_or(i32::MAX)),
                    height: Set(i32::try_from(photo.height).unwrap_or(i32::MAX)),
                    data: Set(photo.jpeg.clone()),
                    created_at: Set(now),
                    ..Default::default()
                })
                .exec_without_returning(&txn)
                .await?;
            }
            txn.commit().await?;
            return self.request(RequestId(id)).await;
        }
        Err(StoreError::Unavailable("no free tracking code".into()))
    }

    /// A request's photos' ids, oldest first.
    pub async fn request_photos(&self, id: RequestId) -> StoreResult<Vec<i64>> {
        Ok(photo::Entity::find()
            .select_only()
            .column(photo::Column::Id)
            .filter(photo::Column::RequestId.eq(id.0))
            .order_by_asc(photo::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// A request photo's JPEG bytes.
    pub async fn request_photo(&self, id: RequestId, photo: i64) -> StoreResult<Vec<u8>> {
        photo::Entity::find_by_id(photo)
            .filter(photo::Column::RequestId.eq(id.0))
            .one(&self.db)
            .await?
            .map(|row| row.data)
            .ok_or(StoreError::NotFound)
    }

    pub async fn request(&self, id: RequestId) -> StoreResult<Request> {
        let row = request::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.requests_of(vec![row])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// The request a tracking code follows.
    pub async fn request_by_code(&self, code: &TrackingCode) -> StoreResult<Request> {
        let row = request::Entity::find()
            .filter(request::Column::Code.eq(code.as_str()))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.requests_of(vec![row])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// A request's history, oldest first.
    pub async fn request_events(&self, id: RequestId) -> StoreResult<Vec<Event>> {
        event::Entity::find()
            .filter(event::Column::RequestId.eq(id.0))
            .order_by_asc(event::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(event_of)
            .collect()
    }

    /// Requests as a list shows them, newest first, a page at a time; and
    /// how many there are in all.
    pub async fn requests(
        &self,
        filter: &RequestFilter,
        limit: u64,
        offset: u64,
    ) -> StoreResult<(Vec<Request>, u64)> {
        let query = filtered(filter);
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_desc(request::Column::ReceivedAt)
            .order_by_desc(request::Column::Id)
            .limit(crate::rows(limit))
            .offset(crate::rows(offset))
            .all(&self.db)
            .await?;
        Ok((self.requests_of(rows).await?, total))
    }

    /// What a unit's desk works through: requests within `within` still
    /// owed an answer, the nearest deadline first (waiting ones by their
    /// acknowledge deadline, those in hand by their resolve deadline).
    pub async fn requests_owed_within(
        &self,
        within: &UnitPath,
        limit: u64,
    ) -> StoreResult<Vec<Request>> {
        let mut rows = Vec::new();
        for (stage, due) in [
            (State::Open, request::Column::AcknowledgeDue),
            (State::Acknowledged, request::Column::ResolveDue),
        ] {
            rows.extend(
                request::Entity::find()
                    .filter(request::Column::UnitId.in_subquery(crate::units::ids_within(within)))
                    .filter(request::Column::State.eq(stage.code()))
                    .order_by_asc(due)
                    .order_by_asc(request::Column::Id)
                    .limit(limit)
                    .all(&self.db)
                    .await?,
            );
        }
        let mut requests = self.requests_of(rows).await?;
        requests.sort_by_key(|r| (r.handling.next_deadline(), r.id));
        requests.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(requests)
    }

    /// Open requests of a category, newest first: the candidates a new
    /// request is compared with.
    pub async fn open_requests_of_category(
        &self,
        category: i64,
        limit: u64,
    ) -> StoreResult<Vec<Request>> {
        let filter = RequestFilter {
            category: Some(category),
            states: vec![State::Open, State::Acknowledged],
            ..Default::default()
        };
        Ok(self.requests(&filter, limit, 0).await?.0)
    }

    /// The texts of requests changed after `since` (a change's time and
    /// the request's id: all, without it), in that order, at most
    /// `limit`: what the similar-request index catches up from.
    pub async fn request_texts_since(
        &self,
        since: Option<(DateTime<Utc>, RequestId)>,
        limit: u64,
    ) -> StoreResult<Vec<RequestText>> {
        let mut query = request::Entity::find();
        if let Some((at, id)) = since {
            query = query.filter(
                sea_orm::Condition::any()
                    .add(request::Column::UpdatedAt.gt(at))
                    .add(
                        sea_orm::Condition::all()
                            .add(request::Column::UpdatedAt.eq(at))
                            .add(request::Column::Id.gt(id.0)),
                    ),
            );
        }
        let rows = query
            .order_by_asc(request::Column::UpdatedAt)
            .order_by_asc(request::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|row| {
                let open = handling_of(&row)?.state.awaits_unit() && !row.hidden;
                Ok(RequestText {
                    id: RequestId(row.id),
                    category: row.category_id,
                    text: format!("{}\n{}", row.description, row.address),
                    open,
                    updated_at: row.updated_at,
                })
            })
            .collect()
    }

    /// How many requests a list would show.
    pub async fn count_requests(&self, filter: &RequestFilter) -> StoreResult<u64> {
        Ok(filtered(filter).count(&self.db).await?)
    }

    /// The requester's contact, for an admin of the handling unit: the
    /// reading is written down first.
    pub async fn request_contact(
        &self,
        id: RequestId,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact> {
        let row = request::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        contact_view::Entity::insert(contact_view::ActiveModel {
            request_id: Set(id.0),
            member_id: Set(by.0),
            at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(&self.db)
        .await?;
        Ok(Contact {
            name: row.contact_name,
            phone: Some(row.contact_phone).filter(|p| !p.is_empty()),
            email: Some(row.contact_email).filter(|e| !e.is_empty()),
        })
    }

    /// Who has read a request's contact, oldest first.
    pub async fn request_contact_views(&self, id: RequestId) -> StoreResult<Vec<ContactView>> {
        let rows = contact_view::Entity::find()
            .filter(contact_view::Column::RequestId.eq(id.0))
            .order_by_asc(contact_view::Column::Id)
            .all(&self.db)
            .await?;
        let mut names: HashMap<MemberId, String> = HashMap::new();
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            let member = MemberId(row.member_id);
            let name = match names.get(&member) {
                Some(name) => name.clone(),
                None => {
                    let name = self.member(member).await?.name;
                    names.insert(member, name.clone());
                    name
                }
            };
            views.push(ContactView {
                member,
                member_name: name,
                at: row.at,
            });
        }
        Ok(views)
    }

    /// Rows made requests: the categories and units they name read in one
    /// query each.
    async fn requests_of(&self, rows: Vec<request::Model>) -> StoreResult<Vec<Request>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let categories: HashMap<i64, RequestCategory> = self
            .request_categories(false)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let units = self
            .units_by_ids(
                rows.iter()
                    .flat_map(|r| [UnitId(r.unit_id), UnitId(r.area_unit_id)]),
            )
            .await?;
        rows.into_iter()
            .map(|row| {
                let category = categories
                    .get(&row.category_id)
                    .cloned()
                    .ok_or_else(|| corrupt("a request's category"))?;
                let unit = units
                    .get(&UnitId(row.unit_id))
                    .cloned()
                    .ok_or_else(|| corrupt("a request's unit"))?;
                let area = units
                    .get(&UnitId(row.area_unit_id))
                    .cloned()
                    .ok_or_else(|| corrupt("a request's area"))?;
                request_of(row, category, area, unit)
            })
            .collect()
    }
}

fn filtered(filter: &RequestFilter) -> sea_orm::Select<request::Entity> {
    let mut query = request::Entity::find();
    if let Some(within) = &filter.within {
        query = query.filter(request::Column::UnitId.in_subquery(crate::units::ids_within(within)));
    }
    if let Some(category) = filter.category {
        query = query.filter(request::Column::CategoryId.eq(category));
    }
    if !filter.states.is_empty() {
        query = query.filter(request::Column::State.is_in(filter.states.iter().map(|s| s.code())));
    }
    if let Some(from) = filter.received_from {
        query = query.filter(request::Column::ReceivedAt.gte(from));
    }
    if let Some(until) = filter.received_until {
        query = query.filter(request::Column::ReceivedAt.lt(until));
    }
    if !filter.ids.is_empty() {
        query = query.filter(request::Column::Id.is_in(filter.ids.iter().map(|id| id.0)));
    }
    query
}

fn handling_of(row: &request::Model) -> StoreResult<Handling> {
    Ok(Handling {
        state: State::parse(&row.state).ok_or_else(|| corrupt("a request's state"))?,
        assigned_at: row.assigned_at,
        acknowledge_due: row.acknowledge_due,
        resolve_due: row.resolve_due,
        extension_asked: row.extension_until,
        answered_at: row.answered_at,
    })
}

/// When the round must look at a request next, as its row stands at
/// `now` (its unit at `path`).
fn next_check_of(
    row: &request::Model,
    path: &UnitPath,
    now: DateTime<Utc>,
) -> StoreResult<Option<DateTime<Utc>>> {
    let watch = rules::Watch {
        received_at: row.received_at,
        reminded_due: row.reminded_due,
        escalation: u32::try_from(row.escalation).unwrap_or_default(),
        levels_above: u32::try_from(path.depth()).unwrap_or_default(),
    };
    Ok(handling_of(row)?.next_check(now, watch))
}

fn zone_of(row: &request::Model) -> StoreResult<Tz> {
    row.zone.parse().map_err(|_| corrupt("a request's zone"))
}

fn request_of(
    row: request::Model,
    category: RequestCategory,
    area: Unit,
    unit: Unit,
) -> StoreResult<Request> {
    let handling = handling_of(&row)?;
    let zone = zone_of(&row)?;
    let point = row.lat.zip(row.long).map(|(lat, long)| Point { lat, long });
    Ok(Request {
        id: RequestId(row.id),
        code: TrackingCode::parse(&row.code).ok_or_else(|| corrupt("a tracking code"))?,
        category,
        submission: Submission {
            description: row.description,
            address: row.address,
            point,
            urgency: Urgency::parse(&row.urgency).ok_or_else(|| corrupt("an urgency"))?,
        },
        area,
        unit,
        zone,
        received_at: row.received_at,
        handling,
        answer: row.answer,
        stars: row.stars.and_then(|s| Stars::new(s.into()).ok()),
        reopened: u32::try_from(row.reopened).unwrap_or_default(),
        escalation: u32::try_from(row.escalation).unwrap_or_default(),
        hidden: row.hidden,
        has_contact: !(row.contact_name.is_empty()
            && row.contact_phone.is_empty()
            && row.contact_email.is_empty()),
        reminded_due: row.reminded_due,
        updated_at: row.updated_at,
    })
}

fn event_of(row: event::Model) -> StoreResult<Event> {
    Ok(Event {
        kind: EventKind::parse(&row.kind).ok_or_else(|| corrupt("a request event"))?,
        unit: UnitId(row.unit_id),
        other_unit: row.other_unit_id.map(UnitId),
        at: row.at,
        due_at: row.due_at,
        value: row.value,
        note: row.note,
        by: row.by_member.map(MemberId),
    })
}

/// Adds a change to the figures of `path`'s unit and every unit above it
/// on `day`.
async fn add_counts(
    conn: &impl ConnectionTrait,
    path: &UnitPath,
    day: NaiveDate,
    change: RequestCounts,
) -> StoreResult<()> {
    if change.is_empty() {
        return Ok(());
    }
    use request_day::Column as C;
    for unit in path.ids() {
        request_day::Entity::insert(request_day::ActiveModel {
            unit_id: Set(unit.0),
            day: Set(day),
            received: Set(0),
            acknowledged: Set(0),
            acknowledged_on_time: Set(0),
            answered: Set(0),
            resolved: Set(0),
            resolved_on_time: Set(0),
            rated: Set(0),
            stars: Set(0),
            satisfied: Set(0),
            reopened: Set(0),
            escalated: Set(0),
        })
        .on_conflict(
            OnConflict::columns([C::UnitId, C::Day])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
        let mut update = request_day::Entity::update_many();
        for (column, by) in [
            (C::Received, change.received),
            (C::Acknowledged, change.acknowledged),
            (C::AcknowledgedOnTime, change.acknowledged_on_time),
            (C::Answered, change.answered),
            (C::Resolved, change.resolved),
            (C::ResolvedOnTime, change.resolved_on_time),
            (C::Rated, change.rated),
            (C::Stars, change.stars),
            (C::Satisfied, change.satisfied),
            (C::Reopened, change.reopened),
            (C::Escalated, change.escalated),
        ] {
            if by != 0 {
                update = update.col_expr(column, Expr::col(column).add(by));
            }
        }
        update
            .filter(C::UnitId.eq(unit.0))
            .filter(C::Day.eq(day))
            .exec(conn)
            .await?;
    }
    Ok(())
}
