//! Gatherings and their records: who was there (attendance), who asked
//! for leave, the minutes, members' reflections and the calendar feeds
//! that carry gatherings to phones.
//!
//! A gathering is for the members of its unit's subtree. Each has its own
//! secret for the rotating check-in code. When it ends, `close_ended`
//! marks everyone without a status absent, once, on whichever instance
//! gets there first.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::HashMap;

use suyuan_core::gatherings::{
    Attendance, Details, Kind, LeaveDecision, NotNow, Occasion, ReflectionReview, Review, Slot,
    Text,
};
use suyuan_core::members::MemberId;
use suyuan_core::units::{UnitId, UnitPath};

use crate::members::{self, Member, MemberFilter};
use crate::units::{self, Unit};
use crate::{Store, StoreError, StoreResult};
use suyuan_core::campaigns::CampaignId;

mod feeds;
mod leaves;
mod photos;
mod reflections;
mod roll;
mod tallies;

pub use feeds::*;
pub use leaves::*;
pub use photos::*;
pub use reflections::*;
pub use roll::*;
pub use tallies::*;

pub(crate) mod gathering {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "gatherings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub unit_id: i64,
        pub campaign_id: Option<i64>,
        pub kind: String,
        pub title: String,
        pub topic: String,
        pub speaker: String,
        pub place: String,
        pub meeting_point: String,
        pub materials: String,
        pub starts_at: DateTimeUtc,
        pub ends_at: DateTimeUtc,
        pub cancelled: bool,
        pub sequence: i32,
        pub code_secret: String,
        pub minutes: String,
        pub closed_at: Option<DateTimeUtc>,
        pub changed_at: Option<DateTimeUtc>,
        pub created_by: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "crate::units::entity::Entity",
            from = "Column::UnitId",
            to = "crate::units::entity::Column::Id"
        )]
        Unit,
    }

    impl Related<crate::units::entity::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Unit.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GatheringId(pub i64);

/// A gathering, with the unit it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gathering {
    pub id: GatheringId,
    pub unit: Unit,
    pub campaign: Option<CampaignId>,
    pub kind: Kind,
    pub details: Details,
    pub slot: Slot,
    pub cancelled: bool,
    /// Bumped by each reschedule or cancellation (iCalendar's SEQUENCE).
    pub sequence: u32,
    /// The secret its check-in codes are made from.
    pub code_secret: Vec<u8>,
    pub minutes: String,
    /// When "absent" was filled in, after the end.
    pub closed: bool,
    /// When it was last moved or cancelled: what members are told of.
    pub changed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl Gathering {
    /// When it is and whether it was cancelled, as core's rules see it.
    pub fn occasion(&self) -> Occasion {
        Occasion {
            slot: self.slot,
            cancelled: self.cancelled,
        }
    }
}

fn slot_of(row: &gathering::Model) -> Slot {
    Slot {
        starts_at: row.starts_at,
        ends_at: row.ends_at,
    }
}

fn occasion_of(row: &gathering::Model) -> Occasion {
    Occasion {
        slot: slot_of(row),
        cancelled: row.cancelled,
    }
}

/// One gathering to plan.
#[derive(Debug, Clone)]
pub struct NewGathering {
    pub unit: UnitId,
    pub campaign: Option<CampaignId>,
    pub kind: Kind,
    pub details: Details,
    pub slot: Slot,
}

pub(super) fn gathering_from(
    row: gathering::Model,
    unit: Option<units::entity::Model>,
) -> StoreResult<Gathering> {
    let corrupt = |what: String| StoreError::Corrupt(format!("gathering {}: {what}", row.id));
    let unit = unit
        .ok_or_else(|| corrupt("no unit".into()))
        .and_then(Unit::try_from)?;
    let kind = Kind::parse(&row.kind).ok_or_else(|| corrupt(format!("kind {:?}", row.kind)))?;
    let code_secret = hex::decode(&row.code_secret).map_err(|e| corrupt(e.to_string()))?;
    let slot = slot_of(&row);
    Ok(Gathering {
        id: GatheringId(row.id),
        unit,
        campaign: row.campaign_id.map(CampaignId),
        kind,
        details: Details {
            title: row.title,
            topic: row.topic,
            speaker: row.speaker,
            place: row.place,
            meeting_point: row.meeting_point,
            materials: row.materials,
        },
        slot,
        cancelled: row.cancelled,
        sequence: u32::try_from(row.sequence).unwrap_or(0),
        code_secret,
        minutes: row.minutes,
        closed: row.closed_at.is_some(),
        changed_at: row.changed_at,
        updated_at: row.updated_at,
    })
}

/// A gathering's own secret for its check-in codes.
pub(super) fn random_secret() -> String {
    hex::encode(crate::auth::random_bytes::<20>())
}

pub(super) const CHUNK: usize = 500;

impl Store {
    /// Plans gatherings (one, or each of a series) in one transaction.
    pub async fn create_gatherings(
        &self,
        new: Vec<NewGathering>,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<GatheringId>> {
        let txn = self.db.begin().await?;
        let mut ids = Vec::with_capacity(new.len());
        for gathering in new {
            let details = gathering.details.validate()?;
            let row = gathering::ActiveModel {
                unit_id: Set(gathering.unit.0),
                campaign_id: Set(gathering.campaign.map(|c| c.0)),
                kind: Set(gathering.kind.code().to_owned()),
                title: Set(details.title),
                topic: Set(details.topic),
                speaker: Set(details.speaker),
                place: Set(details.place),
                meeting_point: Set(details.meeting_point),
                materials: Set(details.materials),
                starts_at: Set(gathering.slot.starts_at),
                ends_at: Set(gathering.slot.ends_at),
                cancelled: Set(false),
                sequence: Set(0),
                code_secret: Set(random_secret()),
                minutes: Set(String::new()),
                closed_at: Set(None),
                changed_at: Set(None),
                created_by: Set(by.0),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            ids.push(GatheringId(row.id));
        }
        txn.commit().await?;
        Ok(ids)
    }

    pub async fn gathering(&self, id: GatheringId) -> StoreResult<Gathering> {
        let (row, unit) = gathering::Entity::find_by_id(id.0)
            .find_also_related(units::entity::Entity)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        gathering_from(row, unit)
    }

    /// The gatherings a member of the unit at `path` is invited to — those
    /// of the units on the path from the root to it — that end after
    /// `from` and start before `to`, in order.
    pub async fn gatherings_for(
        &self,
        path: &UnitPath,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Gathering>> {
        let units: Vec<i64> = path.ids().into_iter().map(|id| id.0).collect();
        gathering::Entity::find()
            .find_also_related(units::entity::Entity)
            .filter(gathering::Column::UnitId.is_in(units))
            .filter(gathering::Column::EndsAt.gt(from))
            .filter(gathering::Column::StartsAt.lt(to))
            .order_by_asc(gathering::Column::StartsAt)
            .order_by_asc(gathering::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(row, unit)| gathering_from(row, unit))
            .collect()
    }

    /// The gatherings of the units of a subtree that start in `[from, to)`,
    /// in order: an organizer's plan and a unit's ledger (台账).
    pub async fn gatherings_within(
        &self,
        within: &UnitPath,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Gathering>> {
        let (low, high) = within.subtree_range();
        gathering::Entity::find()
            .find_also_related(units::entity::Entity)
            .filter(units::entity::Column::Path.gte(low))
            .filter(units::entity::Column::Path.lt(high))
            .filter(gathering::Column::StartsAt.gte(from))
            .filter(gathering::Column::StartsAt.lt(to))
            .order_by_asc(gathering::Column::StartsAt)
            .order_by_asc(gathering::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(row, unit)| gathering_from(row, unit))
            .collect()
    }

    /// Changes what a gathering is about (not when: see `reschedule`).
    pub async fn edit_gathering(
        &self,
        id: GatheringId,
        details: Details,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let details = details.validate()?;
        let row = self.gathering_row(id).await?;
        let mut row: gathering::ActiveModel = row.into();
        row.title = Set(details.title);
        row.topic = Set(details.topic);
        row.speaker = Set(details.speaker);
        row.place = Set(details.place);
        row.meeting_point = Set(details.meeting_point);
        row.materials = Set(details.materials);
        row.updated_at = Set(now);
        row.update(&self.db).await?;
        Ok(())
    }

    pub(super) async fn gathering_row(&self, id: GatheringId) -> StoreResult<gathering::Model> {
        gathering::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Moves a gathering that has not ended to a new time; calendars see a
    /// new version of the event.
    pub async fn reschedule(
        &self,
        id: GatheringId,
        slot: Slot,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let row = self.gathering_row(id).await?;
        occasion_of(&row).may_move(&slot, now)?;
        let sequence = row.sequence + 1;
        let mut row: gathering::ActiveModel = row.into();
        row.starts_at = Set(slot.starts_at);
        row.ends_at = Set(slot.ends_at);
        row.sequence = Set(sequence);
        row.changed_at = Set(Some(now));
        row.updated_at = Set(now);
        let txn = self.db.begin().await?;
        row.update(&txn).await?;
        retally_gathering(&txn, id, None).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Cancels a gathering that has not ended. It stays listed (and in
    /// calendar feeds, as cancelled) so that members see the notice.
    pub async fn cancel_gathering(&self, id: GatheringId, now: DateTime<Utc>) -> StoreResult<()> {
        let row = self.gathering_row(id).await?;
        occasion_of(&row).may_cancel(now)?;
        if row.cancelled {
            return Ok(());
        }
        let sequence = row.sequence + 1;
        let mut row: gathering::ActiveModel = row.into();
        row.cancelled = Set(true);
        row.sequence = Set(sequence);
        row.changed_at = Set(Some(now));
        row.updated_at = Set(now);
        let txn = self.db.begin().await?;
        row.update(&txn).await?;
        retally_gathering(&txn, id, None).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Writes (or rewrites) the minutes (纪要).
    pub async fn set_minutes(
        &self,
        id: GatheringId,
        minutes: &Text,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let minutes = minutes.as_str().to_owned();
        let row = self.gathering_row(id).await?;
        occasion_of(&row).may_write_minutes(now)?;
        let mut row: gathering::ActiveModel = row.into();
        row.minutes = Set(minutes);
        row.updated_at = Set(now);
        row.update(&self.db).await?;
        Ok(())
    }

    pub(super) async fn names(
        &self,
        ids: impl Iterator<Item = i64>,
    ) -> StoreResult<HashMap<i64, String>> {
        let ids: Vec<i64> = ids.collect();
        let mut names = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let rows: Vec<(i64, String)> = members::entity::Entity::find()
                .select_only()
                .column(members::entity::Column::Id)
                .column(members::entity::Column::Name)
                .filter(members::entity::Column::Id.is_in(chunk.to_vec()))
                .into_tuple()
                .all(&self.db)
                .await?;
            names.extend(rows);
        }
        Ok(names)
    }
}
