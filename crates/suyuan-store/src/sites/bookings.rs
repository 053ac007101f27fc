//! Bookings of sites' slots: booking (once per request, never past a
//! capacity, all legs of a route or none), the waiting list and its
//! offers, cancellation, check-in at the door, and the sweep that marks
//! no-shows and lapses offers.

use super::places::{Release, ensure_rows, release, take};
use super::*;
use chrono::Duration;
use suyuan_core::sites::{
    BookingCode, BookingError, BookingStatus, NoShowRule, OrgKind, Party, RouteId, VisitSlot,
    may_cancel,
};

/// A booking as its pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub id: i64,
    pub code: BookingCode,
    pub site: SiteId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: BookingStatus,
    pub organization: String,
    pub org_kind: OrgKind,
    pub credit_code: Option<String>,
    pub org_unit: Option<UnitId>,
    pub contact_name: String,
    pub phone: String,
    pub email: Option<String>,
    pub headcount: u32,
    pub roster: Vec<String>,
    /// The member who booked, when booked from an account.
    pub member: Option<MemberId>,
    pub gathering: Option<i64>,
    pub route: Option<RouteId>,
    pub offered_until: Option<DateTime<Utc>>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub actual_headcount: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn booking_of(row: booking::Model) -> StoreResult<Booking> {
    Ok(Booking {
        id: row.id,
        code: BookingCode::parse(&row.code).ok_or_else(|| corrupt("a booking's code"))?,
        site: SiteId(row.site_id),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        status: BookingStatus::parse(&row.status).ok_or_else(|| corrupt("a booking's status"))?,
        organization: row.org_name,
        org_kind: OrgKind::parse(&row.org_kind).unwrap_or(OrgKind::Other),
        credit_code: row.credit_code,
        org_unit: row.org_unit_id.map(UnitId),
        contact_name: row.contact_name,
        phone: row.phone,
        email: row.email,
        headcount: to_u32(row.headcount),
        roster: serde_json::from_str(&row.roster).unwrap_or_default(),
        member: row.member_id.map(MemberId),
        gathering: row.gathering_id,
        route: row.route_id.map(RouteId),
        offered_until: row.offered_until,
        checked_in_at: row.checked_in_at,
        actual_headcount: row.actual_headcount.map(to_u32),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn bookings_of(rows: Vec<booking::Model>) -> StoreResult<Vec<Booking>> {
    rows.into_iter().map(booking_of).collect()
}

/// Who asks for a booking, and the key that makes a retried request book
/// once.
#[derive(Debug, Clone, Copy)]
pub struct Asker<'a> {
    pub party: &'a Party,
    /// The member booking from their account.
    pub member: Option<MemberId>,
    /// The activity day the visit is for.
    pub gathering: Option<i64>,
    /// The request's idempotency key, already scoped to who sent it.
    pub key: Option<&'a str>,
}

impl<'a> Asker<'a> {
    /// A group asking without an account, an activity day or a key.
    pub fn group(party: &'a Party) -> Self {
        Self {
            party,
            member: None,
            gathering: None,
            key: None,
        }
    }
}

/// What a booking request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booked {
    /// Booked now: one booking, or one per leg of a route.
    New(Vec<Booking>),
    /// The same request was booked before (its key was seen): what it
    /// booked then.
    Repeat(Vec<Booking>),
}

impl Booked {
    pub fn bookings(&self) -> &[Booking] {
        match self {
            Booked::New(b) | Booked::Repeat(b) => b,
        }
    }
}

/// What a check-in did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckedIn {
    Now(Booking),
    /// Checked in before (a retry, or a second scan): counted once.
    Already(Booking),
}

/// A leg to book: a slot at a site.
pub(super) struct LegAsk<'a> {
    pub site: &'a Site,
    pub slot: VisitSlot,
}

enum Attempt {
    Done(Vec<Booking>),
    /// The request's key was taken by another request meanwhile.
    KeySeen,
    /// The random code is held at one of the sites: draw another.
    CodeTaken,
}

fn new_row(
    leg: &LegAsk<'_>,
    asker: &Asker<'_>,
    code: &BookingCode,
    slot_id: i64,
    route: Option<RouteId>,
    status: BookingStatus,
    now: DateTime<Utc>,
) -> booking::ActiveModel {
    let party = asker.party;
    let (credit_code, org_unit) = match &party.organization.identity {
        suyuan_core::sites::OrgIdentity::CreditCode(code) => (Some(code.to_string()), None),
        suyuan_core::sites::OrgIdentity::Unit(unit) => (None, Some(unit.0)),
    };
    booking::ActiveModel {
        code: Set(code.as_str().to_owned()),
        site_id: Set(leg.site.id.0),
        slot_id: Set(slot_id),
        starts_at: Set(leg.slot.starts_at),
        ends_at: Set(leg.slot.ends_at),
        route_id: Set(route.map(|r| r.0)),
        gathering_id: Set(asker.gathering),
        status: Set(status.code().to_owned()),
        org_name: Set(party.organization.name.clone()),
        org_kind: Set(party.organization.kind().code().to_owned()),
        org_key: Set(party.organization.key()),
        credit_code: Set(credit_code),
        org_unit_id: Set(org_unit),
        contact_name: Set(party.contact.name.clone()),
        phone: Set(party.contact.phone.clone()),
        email: Set(party.contact.email.clone()),
        headcount: Set(to_i32(party.headcount)),
        roster: Set(serde_json::Value::from(party.roster.clone()).to_string()),
        member_id: Set(asker.member.map(|m| m.0)),
        offered_until: Set(None),
        checked_in_at: Set(None),
        actual_headcount: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

async fn slot_id(txn: &impl ConnectionTrait, site: SiteId, at: DateTime<Utc>) -> StoreResult<i64> {
    slot::Entity::find()
        .select_only()
        .column(slot::Column::Id)
        .filter(slot::Column::SiteId.eq(site.0))
        .filter(slot::Column::StartsAt.eq(at))
        .into_tuple()
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Offers a slot's free places to those waiting for it, in the order they
/// joined, each whose group fits; an offer is held for the site's offer
/// hours (never past the slot's start).
pub(super) async fn offer_freed(
    txn: &impl ConnectionTrait,
    site: &Site,
    slot: &VisitSlot,
    now: DateTime<Utc>,
) -> StoreResult<u32> {
    if slot.starts_at <= now {
        return Ok(0);
    }
    let waiting = booking::Entity::find()
        .filter(booking::Column::SiteId.eq(site.id.0))
        .filter(booking::Column::StartsAt.eq(slot.starts_at))
        .filter(booking::Column::Status.eq(BookingStatus::Waiting.code()))
        .order_by_asc(booking::Column::CreatedAt)
        .order_by_asc(booking::Column::Id)
        .all(txn)
        .await?;
    let until = std::cmp::min(
        now + Duration::hours(i64::from(site.rules.offer_hours)),
        slot.starts_at,
    );
    let mut offered = 0;
    for row in waiting {
        if take(txn, site, slot, to_u32(row.headcount)).await? {
            let made = booking::Entity::update_many()
                .col_expr(
                    booking::Column::Status,
                    Expr::value(BookingStatus::Offered.code()),
                )
                .col_expr(booking::Column::OfferedUntil, Expr::value(until))
                .col_expr(booking::Column::UpdatedAt, Expr::value(now))
                .filter(booking::Column::Id.eq(row.id))
                .filter(booking::Column::Status.eq(BookingStatus::Waiting.code()))
                .exec(txn)
                .await?;
            if made.rows_affected == 0 {
                // It left the list meanwhile: the places go back.
                let places = to_u32(row.headcount);
                release(
                    txn,
                    site.id,
                    slot.starts_at,
                    slot.date,
                    places,
                    Release::SlotAndDay,
                )
                .await?;
                continue;
            }
            offered += 1;
        }
    }
    Ok(offered)
}

impl Store {
    /// Books a slot of a site (`at`: its start) for a group.
    pub async fn book(
        &self,
        site: &Site,
        at: DateTime<Utc>,
        asker: Asker<'_>,
        rule: &NoShowRule,
        now: DateTime<Utc>,
    ) -> StoreResult<Booked> {
        let slot = site.hours.slot_at(at).ok_or(BookingError::NoSuchSlot)?;
        self.book_legs(&[LegAsk { site, slot }], None, asker, rule, now)
            .await
    }

    pub(super) async fn book_legs(
        &self,
        legs: &[LegAsk<'_>],
        route: Option<RouteId>,
        asker: Asker<'_>,
        rule: &NoShowRule,
        now: DateTime<Utc>,
    ) -> StoreResult<Booked> {
        for leg in legs {
            asker.party.may_book(&leg.site.rules, &leg.slot, now)?;
            if leg.site.archived {
                return Err(BookingError::SiteClosed.into());
            }
        }
        self.refuse_if_held(asker.party, rule, now).await?;
        if let Some(seen) = self.repeat_of(asker.key).await? {
            return Ok(seen);
        }
        // A slot already too full is refused on a read, without queueing
        // for the write lock: in a rush most requests are refusals. (Were
        // places freed just after the read, the refusal still held when
        // read; a slot read as free is checked again by the write.)
        for leg in legs {
            let free = self
                .slot_places(leg.site, leg.slot.starts_at)
                .await?
                .load
                .free();
            if free < asker.party.headcount {
                return Err(BookingError::Full { free }.into());
            }
        }
        self.write_booking(legs, route, &asker, BookingStatus::Booked, now)
            .await
    }

    /// Writes a booking under a fresh code (another is drawn in the rare
    /// case one is held at a site already), or gives what a request with
    /// the same key booked meanwhile.
    async fn write_booking(
        &self,
        legs: &[LegAsk<'_>],
        route: Option<RouteId>,
        asker: &Asker<'_>,
        status: BookingStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<Booked> {
        for _ in 0..4 {
            let code = BookingCode::from_random(crate::auth::random_bytes());
            match self
                .try_booking(legs, route, asker, &code, status, now)
                .await?
            {
                Attempt::Done(bookings) => return Ok(Booked::New(bookings)),
                Attempt::CodeTaken => continue,
                Attempt::KeySeen => {
                    return self
                        .repeat_of(asker.key)
                        .await?
                        .ok_or_else(|| StoreError::Unavailable("a booking key".into()));
                }
            }
        }
        Err(StoreError::Unavailable("no free booking code".into()))
    }

    /// What a request with this key booked before, if it was seen.
    async fn repeat_of(&self, key: Option<&str>) -> StoreResult<Option<Booked>> {
        let Some(key) = key else {
            return Ok(None);
        };
        let Some(seen) = booking_request::Entity::find_by_id(key.to_owned())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let code = BookingCode::parse(&seen.code).ok_or_else(|| corrupt("a booking's code"))?;
        Ok(Some(Booked::Repeat(self.bookings_by_code(&code).await?)))
    }

    /// One transaction: the key, then each leg's places and booking.
    /// Every statement writes, so on SQLite the first takes the write lock
    /// and bookings queue instead of failing on a stale read.
    async fn try_booking(
        &self,
        legs: &[LegAsk<'_>],
        route: Option<RouteId>,
        asker: &Asker<'_>,
        code: &BookingCode,
        status: BookingStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<Attempt> {
        let txn = self.db.begin().await?;
        if let Some(key) = asker.key {
            let recorded = booking_request::Entity::insert(booking_request::ActiveModel {
                key: Set(key.to_owned()),
                code: Set(code.as_str().to_owned()),
                created_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await;
            match recorded {
                Ok(_) => {}
                Err(err) if crate::is_unique_violation(&err) => return Ok(Attempt::KeySeen),
                Err(err) => return Err(err.into()),
            }
        }
        // A code names one group's booking at whatever site.
        let claimed = booking_code::Entity::insert(booking_code::ActiveModel {
            code: Set(code.as_str().to_owned()),
            created_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await;
        match claimed {
            Ok(_) => {}
            Err(err) if crate::is_unique_violation(&err) => return Ok(Attempt::CodeTaken),
            Err(err) => return Err(err.into()),
        }
        // Rows are locked site by site in one order, so that two routes
        // over the same sites cannot wait on each other.
        let mut in_order: Vec<&LegAsk<'_>> = legs.iter().collect();
        in_order.sort_by_key(|leg| (leg.site.id, leg.slot.starts_at));
        let mut ids = Vec::with_capacity(legs.len());
        for leg in in_order {
            ensure_rows(&txn, leg.site, &leg.slot).await?;
            if status.holds_places()
                && !take(&txn, leg.site, &leg.slot, asker.party.headcount).await?
            {
                txn.rollback().await?;
                let free = self
                    .slot_places(leg.site, leg.slot.starts_at)
                    .await
                    .map_or(0, |p| p.load.free());
                return Err(BookingError::Full { free }.into());
            }
            let slot = slot_id(&txn, leg.site.id, leg.slot.starts_at).await?;
            let inserted =
                booking::Entity::insert(new_row(leg, asker, code, slot, route, status, now))
                    .exec(&txn)
                    .await;
            match inserted {
                Ok(done) => ids.push(done.last_insert_id),
                Err(err) if crate::is_unique_violation(&err) => return Ok(Attempt::CodeTaken),
                Err(err) => return Err(err.into()),
            }
        }
        let rows = booking::Entity::find()
            .filter(booking::Column::Id.is_in(ids))
            .order_by_asc(booking::Column::StartsAt)
            .all(&txn)
            .await?;
        txn.commit().await?;
        Ok(Attempt::Done(bookings_of(rows)?))
    }

    /// Puts a group on the waiting list of a full slot. It holds no
    /// places until freed ones are offered to it.
    pub async fn join_waiting_list(
        &self,
        site: &Site,
        at: DateTime<Utc>,
        asker: Asker<'_>,
        rule: &NoShowRule,
        now: DateTime<Utc>,
    ) -> StoreResult<Booked> {
        if site.archived {
            return Err(BookingError::SiteClosed.into());
        }
        let places = self.slot_places(site, at).await?;
        asker.party.may_book(&site.rules, &places.slot, now)?;
        if places.load.free() >= asker.party.headcount {
            return Err(BookingError::NotFull.into());
        }
        self.refuse_if_held(asker.party, rule, now).await?;
        if let Some(seen) = self.repeat_of(asker.key).await? {
            return Ok(seen);
        }
        let legs = [LegAsk {
            site,
            slot: places.slot,
        }];
        self.write_booking(&legs, None, &asker, BookingStatus::Waiting, now)
            .await
    }

    /// The sites of these ids, each read once.
    async fn sites_by_id(
        &self,
        ids: impl Iterator<Item = SiteId>,
    ) -> StoreResult<HashMap<SiteId, Site>> {
        let mut sites = HashMap::new();
        for id in ids {
            if let std::collections::hash_map::Entry::Vacant(entry) = sites.entry(id) {
                entry.insert(self.site(id).await?);
            }
        }
        Ok(sites)
    }

    /// Every booking made under a code (a route's legs share one), by
    /// start.
    pub async fn bookings_by_code(&self, code: &BookingCode) -> StoreResult<Vec<Booking>> {
        bookings_of(
            booking::Entity::find()
                .filter(booking::Column::Code.eq(code.as_str()))
                .order_by_asc(booking::Column::StartsAt)
                .all(&self.db)
                .await?,
        )
    }

    /// A site's bookings whose slots start from `from` until `to`, by
    /// start and then in the order they were made.
    pub async fn site_bookings(
        &self,
        site: SiteId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Booking>> {
        bookings_of(
            booking::Entity::find()
                .filter(booking::Column::SiteId.eq(site.0))
                .filter(booking::Column::StartsAt.gte(from))
                .filter(booking::Column::StartsAt.lt(to))
                .order_by_asc(booking::Column::StartsAt)
                .order_by_asc(booking::Column::Id)
                .all(&self.db)
                .await?,
        )
    }

    /// The bookings a member made from their account, latest visit first.
    pub async fn member_bookings(&self, member: MemberId) -> StoreResult<Vec<Booking>> {
        bookings_of(
            booking::Entity::find()
                .filter(booking::Column::MemberId.eq(member.0))
                .order_by_desc(booking::Column::StartsAt)
                .limit(200)
                .all(&self.db)
                .await?,
        )
    }

    /// The bookings made for an activity day.
    pub async fn gathering_bookings(&self, gathering: i64) -> StoreResult<Vec<Booking>> {
        bookings_of(
            booking::Entity::find()
                .filter(booking::Column::GatheringId.eq(gathering))
                .order_by_asc(booking::Column::StartsAt)
                .all(&self.db)
                .await?,
        )
    }

    /// Refuses an organization held for its no-shows.
    async fn refuse_if_held(
        &self,
        party: &Party,
        rule: &NoShowRule,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        match self
            .held_until(&party.organization.key(), rule, now)
            .await?
        {
            Some(until) => Err(BookingError::Held {
                count: rule.count,
                days: rule.within.num_days(),
                until,
            }
            .into()),
            None => Ok(()),
        }
    }

    /// Until when an organization is held from booking for its no-shows.
    pub async fn held_until(
        &self,
        org_key: &str,
        rule: &NoShowRule,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let since = now - rule.within - rule.hold;
        let missed: Vec<DateTime<Utc>> = booking::Entity::find()
            .select_only()
            .column(booking::Column::EndsAt)
            .filter(booking::Column::OrgKey.eq(org_key))
            .filter(booking::Column::Status.eq(BookingStatus::NoShow.code()))
            .filter(booking::Column::EndsAt.gt(since))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rule.held_until(&missed, now))
    }

    /// Cancels what a code booked (every leg of a route), each leg until
    /// its site's cancellation deadline; freed places are offered to
    /// those waiting. Gives the bookings as they now stand.
    pub async fn cancel_booking(
        &self,
        code: &BookingCode,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Booking>> {
        self.cancel(code, now, true).await
    }

    /// Takes back a booking whose request then failed (the activity day it
    /// was for could not be planned): cancelled whatever the deadline.
    pub async fn withdraw_booking(
        &self,
        code: &BookingCode,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Booking>> {
        self.cancel(code, now, false).await
    }

    /// Ties what a code booked to the activity day it is for.
    pub async fn link_booking(&self, code: &BookingCode, gathering: i64) -> StoreResult<()> {
        booking::Entity::update_many()
            .col_expr(booking::Column::GatheringId, Expr::value(gathering))
            .filter(booking::Column::Code.eq(code.as_str()))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    async fn cancel(
        &self,
        code: &BookingCode,
        now: DateTime<Utc>,
        keep_deadline: bool,
    ) -> StoreResult<Vec<Booking>> {
        let bookings = self.bookings_by_code(code).await?;
        if bookings.is_empty() {
            return Err(StoreError::NotFound);
        }
        let sites = self.sites_by_id(bookings.iter().map(|b| b.site)).await?;
        for booking in bookings.iter().filter(|b| b.status.cancellable()) {
            if keep_deadline && booking.status != BookingStatus::Waiting {
                may_cancel(&sites[&booking.site].rules, booking.starts_at, now)?;
            }
        }
        // Site by site, in the order bookings lock their rows.
        let mut in_order: Vec<&Booking> =
            bookings.iter().filter(|b| b.status.cancellable()).collect();
        in_order.sort_by_key(|b| (b.site, b.starts_at));
        let txn = self.db.begin().await?;
        for booking in in_order {
            let site = &sites[&booking.site];
            let cancelled = booking::Entity::update_many()
                .col_expr(
                    booking::Column::Status,
                    Expr::value(BookingStatus::Cancelled.code()),
                )
                .col_expr(booking::Column::UpdatedAt, Expr::value(now))
                .filter(booking::Column::Id.eq(booking.id))
                .filter(booking::Column::Status.eq(booking.status.code()))
                .exec(&txn)
                .await?;
            if cancelled.rows_affected == 1 && booking.status.holds_places() {
                free_and_offer(&txn, site, booking, now).await?;
            }
        }
        txn.commit().await?;
        self.bookings_by_code(code).await
    }

    /// A group offered freed places takes them up, before the offer
    /// lapses.
    pub async fn accept_offer(
        &self,
        code: &BookingCode,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Booking>> {
        let accepted = booking::Entity::update_many()
            .col_expr(
                booking::Column::Status,
                Expr::value(BookingStatus::Booked.code()),
            )
            .col_expr(
                booking::Column::OfferedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(booking::Column::UpdatedAt, Expr::value(now))
            .filter(booking::Column::Code.eq(code.as_str()))
            .filter(booking::Column::Status.eq(BookingStatus::Offered.code()))
            .filter(booking::Column::OfferedUntil.gt(now))
            .exec(&self.db)
            .await?;
        if accepted.rows_affected == 0 {
            return Err(BookingError::NoOffer.into());
        }
        self.bookings_by_code(code).await
    }

    /// Checks a group in at the door of `site`, by its code, at `at` (when
    /// the code was scanned or typed, which may be earlier than now when
    /// the door was offline). A repeat is counted once.
    pub async fn check_in_booking(
        &self,
        site: &Site,
        code: &BookingCode,
        actual: Option<u32>,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<CheckedIn> {
        let find = || {
            booking::Entity::find()
                .filter(booking::Column::Code.eq(code.as_str()))
                .filter(booking::Column::SiteId.eq(site.id.0))
        };
        let row = find().one(&self.db).await?.ok_or(StoreError::NotFound)?;
        let booking = booking_of(row)?;
        match booking.status {
            BookingStatus::CheckedIn => return Ok(CheckedIn::Already(booking)),
            BookingStatus::Booked | BookingStatus::NoShow => {}
            other => return Err(BookingError::NotBooked(other).into()),
        }
        let zone = site.hours.zone;
        let day = local_day(zone, booking.starts_at);
        if local_day(zone, at) != day || at > now + Duration::minutes(5) {
            return Err(BookingError::NotToday(day).into());
        }
        if let Some(given) = actual
            && (given == 0 || given > site.rules.slot_capacity)
        {
            return Err(BookingError::Headcount {
                max: site.rules.slot_capacity,
                given,
            }
            .into());
        }
        let done = booking::Entity::update_many()
            .col_expr(
                booking::Column::Status,
                Expr::value(BookingStatus::CheckedIn.code()),
            )
            .col_expr(booking::Column::CheckedInAt, Expr::value(at))
            .col_expr(
                booking::Column::ActualHeadcount,
                Expr::value(to_i32(actual.unwrap_or(booking.headcount))),
            )
            .col_expr(booking::Column::UpdatedAt, Expr::value(now))
            .filter(booking::Column::Id.eq(booking.id))
            .filter(
                booking::Column::Status
                    .is_in([BookingStatus::Booked.code(), BookingStatus::NoShow.code()]),
            )
            .exec(&self.db)
            .await?;
        let row = find().one(&self.db).await?.ok_or(StoreError::NotFound)?;
        let booking = booking_of(row)?;
        Ok(if done.rows_affected == 1 {
            CheckedIn::Now(booking)
        } else {
            CheckedIn::Already(booking)
        })
    }

    /// The sweep every instance runs: offers that lapsed free their places
    /// for the next in line; bookings of slots that ended without a
    /// check-in become no-shows; those still waiting when a slot began
    /// lapse. Gives how many no-shows it marked.
    pub async fn close_ended_bookings(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let lapsed = booking::Entity::find()
            .filter(booking::Column::Status.eq(BookingStatus::Offered.code()))
            .filter(booking::Column::OfferedUntil.lte(now))
            .limit(500)
            .all(&self.db)
            .await?;
        let sites = self
            .sites_by_id(lapsed.iter().map(|row| SiteId(row.site_id)))
            .await?;
        for row in lapsed {
            let site = &sites[&SiteId(row.site_id)];
            let booking = booking_of(row)?;
            let txn = self.db.begin().await?;
            let claimed = booking::Entity::update_many()
                .col_expr(
                    booking::Column::Status,
                    Expr::value(BookingStatus::Lapsed.code()),
                )
                .col_expr(booking::Column::UpdatedAt, Expr::value(now))
                .filter(booking::Column::Id.eq(booking.id))
                .filter(booking::Column::Status.eq(BookingStatus::Offered.code()))
                .exec(&txn)
                .await?;
            if claimed.rows_affected == 1 {
                free_and_offer(&txn, site, &booking, now).await?;
            }
            txn.commit().await?;
        }
        let no_shows = booking::Entity::update_many()
            .col_expr(
                booking::Column::Status,
                Expr::value(BookingStatus::NoShow.code()),
            )
            .col_expr(booking::Column::UpdatedAt, Expr::value(now))
            .filter(booking::Column::Status.eq(BookingStatus::Booked.code()))
            .filter(booking::Column::EndsAt.lte(now))
            .exec(&self.db)
            .await?;
        booking::Entity::update_many()
            .col_expr(
                booking::Column::Status,
                Expr::value(BookingStatus::Lapsed.code()),
            )
            .col_expr(booking::Column::UpdatedAt, Expr::value(now))
            .filter(booking::Column::Status.eq(BookingStatus::Waiting.code()))
            .filter(booking::Column::StartsAt.lte(now))
            .exec(&self.db)
            .await?;
        Ok(no_shows.rows_affected)
    }

    /// The places held at a site's slot by bookings, by status: the
    /// recount the slot's `taken` must equal.
    pub async fn recount_slot(&self, site: SiteId, at: DateTime<Utc>) -> StoreResult<(u32, u32)> {
        let held: Vec<String> = BookingStatus::ALL
            .iter()
            .filter(|s| s.holds_places())
            .map(|s| s.code().to_owned())
            .collect();
        let sum: Option<i64> = booking::Entity::find()
            .select_only()
            .column_as(Expr::col(booking::Column::Headcount).sum(), "sum")
            .filter(booking::Column::SiteId.eq(site.0))
            .filter(booking::Column::StartsAt.eq(at))
            .filter(booking::Column::Status.is_in(held))
            .into_tuple::<Option<i64>>()
            .one(&self.db)
            .await?
            .flatten();
        let taken = slot::Entity::find()
            .filter(slot::Column::SiteId.eq(site.0))
            .filter(slot::Column::StartsAt.eq(at))
            .one(&self.db)
            .await?
            .map_or(0, |row| row.taken);
        Ok((u32::try_from(sum.unwrap_or(0)).unwrap_or(0), to_u32(taken)))
    }
}

/// Gives back a booking's places and offers them to those waiting.
async fn free_and_offer(
    txn: &impl ConnectionTrait,
    site: &Site,
    booking: &Booking,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let day = local_day(site.hours.zone, booking.starts_at);
    release(
        txn,
        site.id,
        booking.starts_at,
        day,
        booking.headcount,
        Release::SlotAndDay,
    )
    .await?;
    if let Some(slot) = site.hours.slot_at(booking.starts_at) {
        offer_freed(txn, site, &slot, now).await?;
    }
    Ok(())
}
