//! Pledges of practical things for the people: made by a unit, or by a
//! member and approved by an admin of their unit; updated along the way;
//! completed with evidence; confirmed by the public, who may also comment
//! (each comment held until a moderator shows it; a shown one can be
//! hidden, the record kept with who hid it).
//!
//! `pledge_days` keeps, per unit and day, the figures of the unit's
//! subtree, changed in the same transaction as what changes them (as
//! `progress_days` does for the study figures): pledged on the day a
//! pledge is approved, done on time or late on the day it is done,
//! overdue on its deadline's day once the deadline has passed undone (the
//! sweep counts each pledge once; a late completion takes it back), and
//! confirmed on the day of each confirmation. `recount_pledge_days`
//! derives the same from the pledges themselves.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::BTreeMap;

use suyuan_core::members::MemberId;
use suyuan_core::pledges::{
    Approval, CommentState, PledgeId, Pledger, Promise, Standing, Timeline,
};
use suyuan_core::units::{UnitId, UnitPath};

use crate::units::Unit;
use crate::{Store, StoreError, StoreResult};

mod entities;
use entities::*;

/// A pledge as its pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pledge {
    pub id: PledgeId,
    /// The pledging unit, or the member's own unit.
    pub unit: Unit,
    pub member: Option<MemberId>,
    /// The unit's name, or the member's.
    pub pledger_name: String,
    pub promise: Promise,
    pub timeline: Timeline,
    pub approval: Approval,
    pub returned_reason: String,
    pub evidence: String,
    pub created_at: DateTime<Utc>,
}

impl Pledge {
    pub fn pledger(&self) -> Pledger {
        match self.member {
            Some(member) => Pledger::Member(member),
            None => Pledger::Unit(self.unit.id),
        }
    }

    pub fn standing(&self, now: DateTime<Utc>) -> Standing {
        self.timeline.standing(now)
    }
}

/// A pledge's figures over days: what `pledge_days` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PledgeCounts {
    pub pledged: i64,
    pub done_on_time: i64,
    pub done_late: i64,
    pub overdue: i64,
    pub confirmed: i64,
}

/// What one pledge adds to one of the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Figure {
    Pledged,
    DoneOnTime,
    DoneLate,
    Overdue,
    Confirmed,
}

impl PledgeCounts {
    /// One more (or, with -1, one fewer) of a figure.
    fn one(figure: Figure, by: i64) -> Self {
        let mut counts = Self::default();
        *match figure {
            Figure::Pledged => &mut counts.pledged,
            Figure::DoneOnTime => &mut counts.done_on_time,
            Figure::DoneLate => &mut counts.done_late,
            Figure::Overdue => &mut counts.overdue,
            Figure::Confirmed => &mut counts.confirmed,
        } = by;
        counts
    }
}

impl std::ops::AddAssign for PledgeCounts {
    fn add_assign(&mut self, other: Self) {
        self.pledged += other.pledged;
        self.done_on_time += other.done_on_time;
        self.done_late += other.done_late;
        self.overdue += other.overdue;
        self.confirmed += other.confirmed;
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

fn local_day(zone: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

/// Adds a change to the figures of `unit_path`'s unit and every unit above
/// it on `day`.
async fn add_counts(
    conn: &impl ConnectionTrait,
    path: &UnitPath,
    day: NaiveDate,
    change: PledgeCounts,
) -> StoreResult<()> {
    for unit in path.ids() {
        pledge_day::Entity::insert(pledge_day::ActiveModel {
            unit_id: Set(unit.0),
            day: Set(day),
            pledged: Set(0),
            done_on_time: Set(0),
            done_late: Set(0),
            overdue: Set(0),
            confirmed: Set(0),
        })
        .on_conflict(
            OnConflict::columns([pledge_day::Column::UnitId, pledge_day::Column::Day])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
        let add = |column: pledge_day::Column, by: i64| Expr::col(column).add(by);
        pledge_day::Entity::update_many()
            .col_expr(
                pledge_day::Column::Pledged,
                add(pledge_day::Column::Pledged, change.pledged),
            )
            .col_expr(
                pledge_day::Column::DoneOnTime,
                add(pledge_day::Column::DoneOnTime, change.done_on_time),
            )
            .col_expr(
                pledge_day::Column::DoneLate,
                add(pledge_day::Column::DoneLate, change.done_late),
            )
            .col_expr(
                pledge_day::Column::Overdue,
                add(pledge_day::Column::Overdue, change.overdue),
            )
            .col_expr(
                pledge_day::Column::Confirmed,
                add(pledge_day::Column::Confirmed, change.confirmed),
            )
            .filter(pledge_day::Column::UnitId.eq(unit.0))
            .filter(pledge_day::Column::Day.eq(day))
            .exec(conn)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Makes a pledge: a unit's is approved at once (and counted), a
    /// member's awaits an admin of their unit.
    pub async fn create_pledge(
        &self,
        unit: &Unit,
        pledger: Pledger,
        promise: &Promise,
        timeline: &Timeline,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Pledge> {
        let approval = Approval::of_new(pledger);
        let txn = self.db.begin().await?;
        let row = pledge::ActiveModel {
            unit_id: Set(unit.id.0),
            member_id: Set(match pledger {
                Pledger::Member(member) => Some(member.0),
                Pledger::Unit(_) => None,
            }),
            title: Set(promise.title.clone()),
            description: Set(promise.description.clone()),
            beneficiaries: Set(promise.beneficiaries.clone()),
            place: Set(promise.place.clone()),
            deadline: Set(timeline.deadline),
            zone: Set(timeline.zone.name().to_owned()),
            approval: Set(approval.code().to_owned()),
            returned_reason: Set(String::new()),
            approved_by: Set((approval == Approval::Approved).then_some(by.0)),
            approved_at: Set((approval == Approval::Approved).then_some(now)),
            completed_at: Set(None),
            evidence: Set(String::new()),
            overdue_counted: Set(false),
            reminded_at: Set(None),
            created_by: Set(by.0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if approval == Approval::Approved {
            let pledged = PledgeCounts::one(Figure::Pledged, 1);
            add_counts(&txn, &unit.path, local_day(timeline.zone, now), pledged).await?;
        }
        txn.commit().await?;
        self.pledge(PledgeId(row.id)).await
    }

    pub async fn pledge(&self, id: PledgeId) -> StoreResult<Pledge> {
        let row = pledge::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.pledges_of(vec![row])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// Pledges from their rows, with their units and members' names read
    /// once for all.
    async fn pledges_of(&self, rows: Vec<pledge::Model>) -> StoreResult<Vec<Pledge>> {
        let units = self
            .units_by_ids(rows.iter().map(|r| UnitId(r.unit_id)))
            .await?;
        let member_ids: Vec<i64> = rows.iter().filter_map(|r| r.member_id).collect();
        let mut names = std::collections::HashMap::new();
        for chunk in member_ids.chunks(500) {
            for (id, name) in crate::members::entity::Entity::find()
                .select_only()
                .column(crate::members::entity::Column::Id)
                .column(crate::members::entity::Column::Name)
                .filter(crate::members::entity::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple::<(i64, String)>()
                .all(&self.db)
                .await?
            {
                names.insert(id, name);
            }
        }
        rows.into_iter()
            .map(|row| {
                let unit = units
                    .get(&UnitId(row.unit_id))
                    .cloned()
                    .ok_or_else(|| corrupt("a pledge's unit"))?;
                let name = match row.member_id {
                    Some(member) => names
                        .get(&member)
                        .cloned()
                        .ok_or_else(|| corrupt("a pledge's member"))?,
                    None => unit.name.clone(),
                };
                pledge_of(row, unit, name)
            })
            .collect()
    }

    /// An admin approves a member's pledge (it is then public and counted)
    /// or returns it with a reason.
    pub async fn decide_pledge(
        &self,
        id: PledgeId,
        approve: bool,
        reason: &str,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Pledge> {
        let pledge = self.pledge(id).await?;
        let txn = self.db.begin().await?;
        let decided = if approve {
            Approval::Approved
        } else {
            Approval::Returned
        };
        let changed = pledge::Entity::update_many()
            .col_expr(pledge::Column::Approval, Expr::value(decided.code()))
            .col_expr(pledge::Column::ReturnedReason, Expr::value(reason.trim()))
            .col_expr(pledge::Column::ApprovedBy, Expr::value(by.0))
            .col_expr(pledge::Column::ApprovedAt, Expr::value(now))
            .col_expr(pledge::Column::UpdatedAt, Expr::value(now))
            .filter(pledge::Column::Id.eq(id.0))
            .filter(pledge::Column::Approval.eq(Approval::Awaiting.code()))
            .exec(&txn)
            .await?;
        if changed.rows_affected == 0 {
            return Err(StoreError::Invalid(
                "pledge: it has been decided already".into(),
            ));
        }
        if approve {
            let pledged = PledgeCounts::one(Figure::Pledged, 1);
            add_counts(
                &txn,
                &pledge.unit.path,
                local_day(pledge.timeline.zone, now),
                pledged,
            )
            .await?;
        }
        txn.commit().await?;
        self.pledge(id).await
    }

    /// Marks a pledge done, with its evidence: on time or late by its
    /// deadline; an overdue one counted as such is taken back from its
    /// deadline's day.
    pub async fn complete_pledge(
        &self,
        id: PledgeId,
        evidence: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Pledge> {
        let pledge = self.pledge(id).await?;
        if pledge.approval != Approval::Approved {
            return Err(StoreError::Invalid("pledge: it is not approved yet".into()));
        }
        let evidence = suyuan_core::text::required("evidence", evidence, 2000)?;
        let txn = self.db.begin().await?;
        let done = pledge::Entity::update_many()
            .col_expr(pledge::Column::CompletedAt, Expr::value(now))
            .col_expr(pledge::Column::Evidence, Expr::value(evidence))
            .col_expr(pledge::Column::UpdatedAt, Expr::value(now))
            .filter(pledge::Column::Id.eq(id.0))
            .filter(pledge::Column::CompletedAt.is_null())
            .exec(&txn)
            .await?;
        if done.rows_affected == 0 {
            return Err(StoreError::Invalid("pledge: it is done already".into()));
        }
        let mut timeline = pledge.timeline;
        timeline.completed_at = Some(now);
        let zone = timeline.zone;
        let change = match timeline.standing(now) {
            Standing::DoneOnTime => PledgeCounts::one(Figure::DoneOnTime, 1),
            _ => PledgeCounts::one(Figure::DoneLate, 1),
        };
        add_counts(&txn, &pledge.unit.path, local_day(zone, now), change).await?;
        // Counted overdue before: no longer.
        let row = pledge::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        if row.overdue_counted {
            let back = PledgeCounts::one(Figure::Overdue, -1);
            add_counts(&txn, &pledge.unit.path, timeline.deadline, back).await?;
        }
        txn.commit().await?;
        self.pledge(id).await
    }

    /// Counts, once each, the approved pledges whose deadline has passed
    /// undone, on their deadline's day. Gives how many it counted.
    pub async fn count_overdue_pledges(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        // No zone's day ends before its date in UTC has begun: the
        // candidates are those due by today's UTC date, and each one's own
        // end of day is checked in its zone.
        let candidates = pledge::Entity::find()
            .filter(pledge::Column::Approval.eq(Approval::Approved.code()))
            .filter(pledge::Column::CompletedAt.is_null())
            .filter(pledge::Column::OverdueCounted.eq(false))
            .filter(pledge::Column::Deadline.lte(now.date_naive()))
            .limit(1000)
            .all(&self.db)
            .await?;
        let mut counted = 0;
        for pledge in self.pledges_of(candidates).await? {
            if pledge.standing(now) != Standing::Overdue {
                continue;
            }
            let txn = self.db.begin().await?;
            let claimed = pledge::Entity::update_many()
                .col_expr(pledge::Column::OverdueCounted, Expr::value(true))
                .filter(pledge::Column::Id.eq(pledge.id.0))
                .filter(pledge::Column::OverdueCounted.eq(false))
                .filter(pledge::Column::CompletedAt.is_null())
                .exec(&txn)
                .await?;
            if claimed.rows_affected == 1 {
                let overdue = PledgeCounts::one(Figure::Overdue, 1);
                add_counts(&txn, &pledge.unit.path, pledge.timeline.deadline, overdue).await?;
                counted += 1;
            }
            txn.commit().await?;
        }
        Ok(counted)
    }

    /// Someone of the public says it was done: once per pledge and key
    /// (their address or phone). Whether it counted.
    pub async fn confirm_pledge(
        &self,
        id: PledgeId,
        key: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let pledge = self.pledge(id).await?;
        if pledge.approval != Approval::Approved {
            return Err(StoreError::NotFound);
        }
        let txn = self.db.begin().await?;
        let inserted = confirmation::Entity::insert(confirmation::ActiveModel {
            pledge_id: Set(id.0),
            key: Set(key.chars().take(120).collect()),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([confirmation::Column::PledgeId, confirmation::Column::Key])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if inserted == 0 {
            return Ok(false);
        }
        let confirmed = PledgeCounts::one(Figure::Confirmed, 1);
        add_counts(
            &txn,
            &pledge.unit.path,
            local_day(pledge.timeline.zone, now),
            confirmed,
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// How many have confirmed a pledge.
    pub async fn confirmations(&self, id: PledgeId) -> StoreResult<u64> {
        Ok(confirmation::Entity::find()
            .filter(confirmation::Column::PledgeId.eq(id.0))
            .count(&self.db)
            .await?)
    }

    /// A comment from the public, held until a moderator shows it.
    pub async fn add_pledge_comment(
        &self,
        id: PledgeId,
        text: &str,
        author: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let text = suyuan_core::pledges::comment_text(text)
            .map_err(|err| StoreError::Invalid(err.to_string()))?;
        let author = suyuan_core::text::bounded("author", &suyuan_core::text::tidy(author), 40)?;
        let row = comment::ActiveModel {
            pledge_id: Set(id.0),
            text: Set(text),
            author_name: Set(author),
            state: Set(CommentState::Held.code().to_owned()),
            moderated_by: Set(None),
            moderated_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(row.id)
    }

    /// A moderator shows or hides a comment; who did is kept.
    pub async fn moderate_comment(
        &self,
        id: PledgeId,
        comment: i64,
        state: CommentState,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let done = comment::Entity::update_many()
            .col_expr(comment::Column::State, Expr::value(state.code()))
            .col_expr(comment::Column::ModeratedBy, Expr::value(by.0))
            .col_expr(comment::Column::ModeratedAt, Expr::value(now))
            .filter(comment::Column::Id.eq(comment))
            .filter(comment::Column::PledgeId.eq(id.0))
            .exec(&self.db)
            .await?;
        if done.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// A pledge's comments: for the public only the shown ones, for
    /// moderators all, oldest first.
    pub async fn pledge_comments(
        &self,
        id: PledgeId,
        all: bool,
    ) -> StoreResult<Vec<PledgeComment>> {
        let mut query = comment::Entity::find().filter(comment::Column::PledgeId.eq(id.0));
        if !all {
            query = query.filter(comment::Column::State.eq(CommentState::Shown.code()));
        }
        query
            .order_by_asc(comment::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(comment_of)
            .collect()
    }

    /// The approved pledges of a unit's subtree, by deadline; with
    /// `deadlines`, those due from its first day to its last.
    pub async fn pledges_within(
        &self,
        within: &UnitPath,
        deadlines: Option<(NaiveDate, NaiveDate)>,
    ) -> StoreResult<Vec<Pledge>> {
        let mut query = pledge::Entity::find()
            .filter(pledge::Column::UnitId.in_subquery(crate::units::ids_within(within)))
            .filter(pledge::Column::Approval.eq(Approval::Approved.code()));
        if let Some((first, last)) = deadlines {
            query = query
                .filter(pledge::Column::Deadline.gte(first))
                .filter(pledge::Column::Deadline.lte(last));
        }
        let rows = query
            .order_by_asc(pledge::Column::Deadline)
            .order_by_asc(pledge::Column::Id)
            .all(&self.db)
            .await?;
        self.pledges_of(rows).await
    }

    /// The approved pledges of a subtree not done yet, nearest deadline
    /// (or longest overdue) first, at most `limit`.
    pub async fn open_pledges_within(
        &self,
        within: &UnitPath,
        limit: u64,
    ) -> StoreResult<Vec<Pledge>> {
        let rows = open_pledges()
            .filter(pledge::Column::UnitId.in_subquery(crate::units::ids_within(within)))
            .limit(limit)
            .all(&self.db)
            .await?;
        self.pledges_of(rows).await
    }

    /// A unit's own pledges (not its members') not done yet, nearest
    /// deadline first.
    pub async fn open_pledges_of(&self, unit: UnitId) -> StoreResult<Vec<Pledge>> {
        let rows = open_pledges()
            .filter(pledge::Column::UnitId.eq(unit.0))
            .filter(pledge::Column::MemberId.is_null())
            .all(&self.db)
            .await?;
        self.pledges_of(rows).await
    }

    /// A member's own pledges, whatever their approval, newest first.
    pub async fn member_pledges(&self, member: MemberId) -> StoreResult<Vec<Pledge>> {
        let rows = pledge::Entity::find()
            .filter(pledge::Column::MemberId.eq(member.0))
            .order_by_desc(pledge::Column::Id)
            .all(&self.db)
            .await?;
        self.pledges_of(rows).await
    }

    /// The members' pledges of a subtree waiting for an admin, oldest
    /// first.
    pub async fn pledges_to_decide(&self, within: &UnitPath) -> StoreResult<Vec<Pledge>> {
        let rows = pledge::Entity::find()
            .filter(pledge::Column::UnitId.in_subquery(crate::units::ids_within(within)))
            .filter(pledge::Column::Approval.eq(Approval::Awaiting.code()))
            .order_by_asc(pledge::Column::Id)
            .all(&self.db)
            .await?;
        self.pledges_of(rows).await
    }

    /// The comments on a subtree's pledges waiting for a moderator, oldest
    /// first, each with its pledge.
    pub async fn held_comments(
        &self,
        within: &UnitPath,
        limit: u64,
    ) -> StoreResult<Vec<(Pledge, PledgeComment)>> {
        let pledges_within = Query::select()
            .column(pledge::Column::Id)
            .from(pledge::Entity)
            .and_where(pledge::Column::UnitId.in_subquery(crate::units::ids_within(within)))
            .to_owned();
        let comments: Vec<comment::Model> = comment::Entity::find()
            .filter(comment::Column::State.eq(CommentState::Held.code()))
            .filter(comment::Column::PledgeId.in_subquery(pledges_within))
            .order_by_asc(comment::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        let ids: std::collections::BTreeSet<i64> = comments.iter().map(|c| c.pledge_id).collect();
        let rows = pledge::Entity::find()
            .filter(pledge::Column::Id.is_in(ids))
            .all(&self.db)
            .await?;
        let pledges: std::collections::HashMap<i64, Pledge> = self
            .pledges_of(rows)
            .await?
            .into_iter()
            .map(|p| (p.id.0, p))
            .collect();
        comments
            .into_iter()
            .map(|row| {
                let pledge = pledges
                    .get(&row.pledge_id)
                    .cloned()
                    .ok_or_else(|| corrupt("a comment's pledge"))?;
                Ok((pledge, comment_of(row)?))
            })
            .collect()
    }

    /// How many have confirmed each of these pledges (those none has
    /// confirmed are left out).
    pub async fn confirmation_counts(
        &self,
        ids: &[PledgeId],
    ) -> StoreResult<std::collections::HashMap<PledgeId, u64>> {
        let mut counts = std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            for (id, n) in confirmation::Entity::find()
                .select_only()
                .column(confirmation::Column::PledgeId)
                .column_as(confirmation::Column::Id.count(), "n")
                .filter(confirmation::Column::PledgeId.is_in(chunk.iter().map(|p| p.0)))
                .group_by(confirmation::Column::PledgeId)
                .into_tuple::<(i64, i64)>()
                .all(&self.db)
                .await?
            {
                counts.insert(PledgeId(id), u64::try_from(n).unwrap_or_default());
            }
        }
        Ok(counts)
    }

    /// The units that have public pledges.
    pub async fn pledging_units(&self) -> StoreResult<Vec<UnitId>> {
        Ok(pledge::Entity::find()
            .select_only()
            .column(pledge::Column::UnitId)
            .distinct()
            .filter(pledge::Column::Approval.eq(Approval::Approved.code()))
            .into_tuple::<i64>()
            .all(&self.db)
            .await?
            .into_iter()
            .map(UnitId)
            .collect())
    }

    /// Claims the reminders due at `now` (approved pledges not done whose
    /// deadline is within `before`), each for exactly one caller however
    /// many instances ask: the pledges this caller is to remind of.
    pub async fn claim_pledge_reminders(
        &self,
        now: DateTime<Utc>,
        before: chrono::Duration,
    ) -> StoreResult<Vec<Pledge>> {
        // No zone's day is more than a day from UTC's: the candidates are
        // those due by then, each checked in its own zone.
        let horizon = (now + before + chrono::Duration::days(1)).date_naive();
        let candidates = pledge::Entity::find()
            .filter(pledge::Column::Approval.eq(Approval::Approved.code()))
            .filter(pledge::Column::CompletedAt.is_null())
            .filter(pledge::Column::RemindedAt.is_null())
            .filter(pledge::Column::Deadline.lte(horizon))
            .limit(1000)
            .all(&self.db)
            .await?;
        let mut claimed = Vec::new();
        for pledge in self.pledges_of(candidates).await? {
            if !pledge.timeline.reminder_due(now, before) {
                continue;
            }
            let taken = pledge::Entity::update_many()
                .col_expr(pledge::Column::RemindedAt, Expr::value(now))
                .filter(pledge::Column::Id.eq(pledge.id.0))
                .filter(pledge::Column::RemindedAt.is_null())
                .exec(&self.db)
                .await?;
            if taken.rows_affected == 1 {
                claimed.push(pledge);
            }
        }
        Ok(claimed)
    }

    /// The figures of a unit's subtree from `from` to `to` (both
    /// included), as kept.
    pub async fn pledge_counts(
        &self,
        unit: UnitId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<PledgeCounts> {
        let mut total = PledgeCounts::default();
        for row in pledge_day::Entity::find()
            .filter(pledge_day::Column::UnitId.eq(unit.0))
            .filter(pledge_day::Column::Day.gte(from))
            .filter(pledge_day::Column::Day.lte(to))
            .all(&self.db)
            .await?
        {
            total += counts_of(&row);
        }
        Ok(total)
    }

    /// The figures per unit and day derived from the pledges themselves,
    /// as they stand at `now` after the overdue sweep: what `pledge_days`
    /// must hold.
    pub async fn recount_pledge_days(
        &self,
    ) -> StoreResult<BTreeMap<(i64, NaiveDate), PledgeCounts>> {
        let mut days: BTreeMap<(i64, NaiveDate), PledgeCounts> = BTreeMap::new();
        let mut add = |path: &UnitPath, day: NaiveDate, change: PledgeCounts| {
            for unit in path.ids() {
                *days.entry((unit.0, day)).or_default() += change;
            }
        };
        let rows = pledge::Entity::find()
            .filter(pledge::Column::Approval.eq(Approval::Approved.code()))
            .all(&self.db)
            .await?;
        let kept: std::collections::HashMap<i64, (bool, Option<DateTime<Utc>>)> = rows
            .iter()
            .map(|r| (r.id, (r.overdue_counted, r.approved_at)))
            .collect();
        for pledge in self.pledges_of(rows).await? {
            let (overdue_counted, approved_at) = kept[&pledge.id.0];
            let approved_at = approved_at.ok_or_else(|| corrupt("an approval's time"))?;
            let zone = pledge.timeline.zone;
            let path = &pledge.unit.path;
            add(
                path,
                local_day(zone, approved_at),
                PledgeCounts::one(Figure::Pledged, 1),
            );
            match pledge.timeline.completed_at {
                Some(done) => {
                    let change = if done < pledge.timeline.due_at() {
                        PledgeCounts::one(Figure::DoneOnTime, 1)
                    } else {
                        PledgeCounts::one(Figure::DoneLate, 1)
                    };
                    add(path, local_day(zone, done), change);
                }
                None if overdue_counted => add(
                    path,
                    pledge.timeline.deadline,
                    PledgeCounts::one(Figure::Overdue, 1),
                ),
                None => {}
            }
            for at in confirmation::Entity::find()
                .select_only()
                .column(confirmation::Column::CreatedAt)
                .filter(confirmation::Column::PledgeId.eq(pledge.id.0))
                .into_tuple::<DateTime<Utc>>()
                .all(&self.db)
                .await?
            {
                add(
                    path,
                    local_day(zone, at),
                    PledgeCounts::one(Figure::Confirmed, 1),
                );
            }
        }
        days.retain(|_, c| *c != PledgeCounts::default());
        Ok(days)
    }

    /// What `pledge_days` holds, without its empty rows.
    pub async fn kept_pledge_days(&self) -> StoreResult<BTreeMap<(i64, NaiveDate), PledgeCounts>> {
        Ok(pledge_day::Entity::find()
            .all(&self.db)
            .await?
            .iter()
            .map(|row| ((row.unit_id, row.day), counts_of(row)))
            .filter(|(_, c)| *c != PledgeCounts::default())
            .collect())
    }
}

/// A progress update on a pledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeUpdate {
    pub text: String,
    pub by: MemberId,
    pub at: DateTime<Utc>,
}

impl Store {
    /// Writes how a pledge is getting on.
    pub async fn add_pledge_update(
        &self,
        id: PledgeId,
        text: &str,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let text = suyuan_core::text::required("update", text, 2000)?;
        update::ActiveModel {
            pledge_id: Set(id.0),
            text: Set(text),
            written_by: Set(by.0),
            written_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// A pledge's updates, oldest first.
    pub async fn pledge_updates(&self, id: PledgeId) -> StoreResult<Vec<PledgeUpdate>> {
        Ok(update::Entity::find()
            .filter(update::Column::PledgeId.eq(id.0))
            .order_by_asc(update::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| PledgeUpdate {
                text: row.text,
                by: MemberId(row.written_by),
                at: row.written_at,
            })
            .collect())
    }

    /// Keeps an evidence photo (already re-encoded as a JPEG).
    pub async fn add_pledge_photo(
        &self,
        id: PledgeId,
        photo: &suyuan_core::gatherings::photo::Photo,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let row = photo::ActiveModel {
            pledge_id: Set(id.0),
            width: Set(i32::try_from(photo.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(photo.height).unwrap_or(i32::MAX)),
            data: Set(photo.jpeg.clone()),
            uploaded_by: Set(by.0),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(row.id)
    }

    /// A pledge's photos' ids, oldest first.
    pub async fn pledge_photos(&self, id: PledgeId) -> StoreResult<Vec<i64>> {
        Ok(photo::Entity::find()
            .select_only()
            .column(photo::Column::Id)
            .filter(photo::Column::PledgeId.eq(id.0))
            .order_by_asc(photo::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// A pledge photo's JPEG bytes.
    pub async fn pledge_photo(&self, id: PledgeId, photo: i64) -> StoreResult<Vec<u8>> {
        photo::Entity::find_by_id(photo)
            .filter(photo::Column::PledgeId.eq(id.0))
            .one(&self.db)
            .await?
            .map(|row| row.data)
            .ok_or(StoreError::NotFound)
    }
}

/// A comment on a pledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeComment {
    pub id: i64,
    pub text: String,
    pub author: String,
    pub state: CommentState,
    /// Who showed or hid it.
    pub moderated_by: Option<MemberId>,
    pub created_at: DateTime<Utc>,
}

fn counts_of(row: &pledge_day::Model) -> PledgeCounts {
    PledgeCounts {
        pledged: i64::from(row.pledged),
        done_on_time: i64::from(row.done_on_time),
        done_late: i64::from(row.done_late),
        overdue: i64::from(row.overdue),
        confirmed: i64::from(row.confirmed),
    }
}

fn comment_of(row: comment::Model) -> StoreResult<PledgeComment> {
    Ok(PledgeComment {
        id: row.id,
        text: row.text,
        author: row.author_name,
        state: CommentState::parse(&row.state).ok_or_else(|| corrupt("a comment's state"))?,
        moderated_by: row.moderated_by.map(MemberId),
        created_at: row.created_at,
    })
}

/// The approved pledges not done, by deadline.
fn open_pledges() -> sea_orm::Select<pledge::Entity> {
    pledge::Entity::find()
        .filter(pledge::Column::Approval.eq(Approval::Approved.code()))
        .filter(pledge::Column::CompletedAt.is_null())
        .order_by_asc(pledge::Column::Deadline)
        .order_by_asc(pledge::Column::Id)
}

fn pledge_of(row: pledge::Model, unit: Unit, pledger_name: String) -> StoreResult<Pledge> {
    let zone: Tz = row.zone.parse().map_err(|_| corrupt("a pledge's zone"))?;
    Ok(Pledge {
        id: PledgeId(row.id),
        unit,
        member: row.member_id.map(MemberId),
        pledger_name,
        promise: Promise {
            title: row.title,
            description: row.description,
            beneficiaries: row.beneficiaries,
            place: row.place,
        },
        timeline: Timeline {
            deadline: row.deadline,
            zone,
            completed_at: row.completed_at,
        },
        approval: Approval::parse(&row.approval).ok_or_else(|| corrupt("a pledge's approval"))?,
        returned_reason: row.returned_reason,
        evidence: row.evidence,
        created_at: row.created_at,
    })
}
