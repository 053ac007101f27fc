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

use suyuan_core::gatherings::{Attendance, Kind, MAX_TEXT, Review, Slot};
use suyuan_core::members::MemberId;
use suyuan_core::units::{UnitId, UnitPath};

use crate::members::{self, Member, MemberFilter};
use crate::units::{self, Unit};
use crate::{Store, StoreError, StoreResult};
use suyuan_core::campaigns::CampaignId;

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

pub(crate) mod attendance {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attendance")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub gathering_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: i64,
        pub status: String,
        pub checked_in_at: Option<DateTimeUtc>,
        pub marked_by: Option<i64>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod leave {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "leaves")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub gathering_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: i64,
        pub reason: String,
        pub state: String,
        pub asked_at: DateTimeUtc,
        pub decided_by: Option<i64>,
        pub decided_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod reflection {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reflections")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub gathering_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: i64,
        pub text: String,
        pub state: String,
        pub comment: String,
        pub submitted_at: DateTimeUtc,
        pub reviewed_by: Option<i64>,
        pub reviewed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod photo {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "gathering_photos")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub gathering_id: i64,
        pub content_type: String,
        pub width: i32,
        pub height: i32,
        pub data: Vec<u8>,
        pub uploaded_by: i64,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod failure {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "check_in_failures")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub gathering_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: i64,
        pub failures: i32,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod feed {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "calendar_feeds")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token: String,
        pub member_id: Option<i64>,
        pub unit_id: Option<i64>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

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

/// What a gathering is about: a title, its topic or theme, and where
/// lectures and activity days need them, the speaker, place, meeting
/// point and materials (empty where they do not apply).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    pub title: String,
    pub topic: String,
    pub speaker: String,
    pub place: String,
    pub meeting_point: String,
    pub materials: String,
}

impl Details {
    /// Trims every field and checks lengths, naming the field at fault.
    pub fn validate(self) -> StoreResult<Self> {
        let trim = |value: String| value.trim().to_owned();
        let details = Details {
            title: trim(self.title),
            topic: trim(self.topic),
            speaker: trim(self.speaker),
            place: trim(self.place),
            meeting_point: trim(self.meeting_point),
            materials: trim(self.materials),
        };
        if details.title.is_empty() {
            return Err(StoreError::Invalid(
                "title: a gathering needs a title".into(),
            ));
        }
        for (field, value, limit) in [
            ("title", &details.title, 200),
            ("speaker", &details.speaker, 200),
            ("place", &details.place, 200),
            ("meeting_point", &details.meeting_point, 200),
            ("topic", &details.topic, MAX_TEXT),
            ("materials", &details.materials, MAX_TEXT),
        ] {
            if value.chars().count() > limit {
                return Err(StoreError::Invalid(format!(
                    "{field}: at most {limit} characters"
                )));
            }
        }
        Ok(details)
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

/// A member's attendance at a gathering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    pub status: Attendance,
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// A leave request (请假).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leave {
    pub member: MemberId,
    pub name: String,
    pub reason: String,
    pub state: Review,
    pub asked_at: DateTime<Utc>,
}

/// A member's reflection (心得) on a gathering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reflection {
    pub member: MemberId,
    pub name: String,
    pub text: String,
    pub state: Review,
    /// The organizer's comment when it was returned.
    pub comment: String,
    pub submitted_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

/// A stored photo, without its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoMeta {
    pub id: i64,
    pub width: u32,
    pub height: u32,
}

/// The most photos one gathering keeps.
pub const MAX_PHOTOS: u64 = 30;

/// Whose gatherings a calendar feed carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedOwner {
    /// Every gathering a member is invited to.
    Member(MemberId),
    /// A unit's gatherings and those of its subtree.
    Unit(UnitId),
}

fn gathering_from(
    row: gathering::Model,
    unit: Option<units::entity::Model>,
) -> StoreResult<Gathering> {
    let corrupt = |what: String| StoreError::Corrupt(format!("gathering {}: {what}", row.id));
    let unit = unit
        .ok_or_else(|| corrupt("no unit".into()))
        .and_then(Unit::try_from)?;
    let kind = Kind::parse(&row.kind).ok_or_else(|| corrupt(format!("kind {:?}", row.kind)))?;
    let code_secret = hex::decode(&row.code_secret).map_err(|e| corrupt(e.to_string()))?;
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
        slot: Slot {
            starts_at: row.starts_at,
            ends_at: row.ends_at,
        },
        cancelled: row.cancelled,
        sequence: u32::try_from(row.sequence).unwrap_or(0),
        code_secret,
        minutes: row.minutes,
        closed: row.closed_at.is_some(),
        changed_at: row.changed_at,
        updated_at: row.updated_at,
    })
}

fn text_field(field: &str, value: &str, required: bool) -> StoreResult<String> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(StoreError::Invalid(format!("{field}: write something")));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(StoreError::Invalid(format!(
            "{field}: at most {MAX_TEXT} characters"
        )));
    }
    Ok(value.to_owned())
}

/// A gathering's own secret for its check-in codes.
fn random_secret() -> String {
    hex::encode(crate::auth::random_bytes::<20>())
}

fn review_of(code: &str, what: &str) -> StoreResult<Review> {
    Review::parse(code).ok_or_else(|| StoreError::Corrupt(format!("{what} state {code:?}")))
}

const CHUNK: usize = 500;

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

    async fn gathering_row(&self, id: GatheringId) -> StoreResult<gathering::Model> {
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
        if row.cancelled {
            return Err(StoreError::Invalid(
                "this gathering is cancelled; plan a new one".into(),
            ));
        }
        if row.ends_at < now || slot.ends_at < now {
            return Err(StoreError::Invalid(
                "date: a gathering can be moved only before it ends, to a time to come".into(),
            ));
        }
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
        if row.cancelled {
            return Ok(());
        }
        if row.ends_at < now {
            return Err(StoreError::Invalid(
                "a gathering that has ended cannot be cancelled".into(),
            ));
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
        minutes: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let minutes = text_field("minutes", minutes, false)?;
        let row = self.gathering_row(id).await?;
        if row.starts_at > now {
            return Err(StoreError::Invalid(
                "minutes: a gathering's minutes are written once it has begun".into(),
            ));
        }
        let mut row: gathering::ActiveModel = row.into();
        row.minutes = Set(minutes);
        row.updated_at = Set(now);
        row.update(&self.db).await?;
        Ok(())
    }

    /// Checks a member in (after the code was checked): present or late by
    /// the time. A member already checked in keeps their first check-in;
    /// one statement, so that a double tap records it once.
    pub async fn check_in(
        &self,
        gathering: &Gathering,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Presence> {
        let status = gathering.slot.arrival(now);
        let attended = [Attendance::Present.code(), Attendance::Late.code()];
        let txn = self.db.begin().await?;
        attendance::Entity::insert(attendance::ActiveModel {
            gathering_id: Set(gathering.id.0),
            member_id: Set(member.0),
            status: Set(status.code().to_owned()),
            checked_in_at: Set(Some(now)),
            marked_by: Set(None),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                attendance::Column::GatheringId,
                attendance::Column::MemberId,
            ])
            .update_columns([
                attendance::Column::Status,
                attendance::Column::CheckedInAt,
                attendance::Column::MarkedBy,
                attendance::Column::UpdatedAt,
            ])
            .action_and_where(
                Expr::col((attendance::Entity, attendance::Column::Status)).is_not_in(attended),
            )
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        retally_gathering(&txn, gathering.id, Some(vec![member.0])).await?;
        txn.commit().await?;
        self.presence(gathering.id, member)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// How many wrong codes a member has typed for a gathering.
    pub async fn wrong_codes(&self, gathering: GatheringId, member: MemberId) -> StoreResult<u32> {
        Ok(failure::Entity::find_by_id((gathering.0, member.0))
            .one(&self.db)
            .await?
            .map_or(0, |row| u32::try_from(row.failures).unwrap_or(0)))
    }

    /// Counts one more wrong code.
    pub async fn note_wrong_code(
        &self,
        gathering: GatheringId,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        failure::Entity::insert(failure::ActiveModel {
            gathering_id: Set(gathering.0),
            member_id: Set(member.0),
            failures: Set(1),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([failure::Column::GatheringId, failure::Column::MemberId])
                .value(
                    failure::Column::Failures,
                    Expr::col((failure::Entity, failure::Column::Failures)).add(1),
                )
                .update_column(failure::Column::UpdatedAt)
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// The organizer marks a member's attendance by hand.
    pub async fn mark_attendance(
        &self,
        gathering: GatheringId,
        member: MemberId,
        status: Attendance,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.mark_many(gathering, &[(member, status)], by, now)
            .await
    }

    /// Marks several members at once (a roll taken on paper, say), in
    /// statements of a few hundred rows.
    pub async fn mark_many(
        &self,
        gathering: GatheringId,
        marks: &[(MemberId, Attendance)],
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        for chunk in marks.chunks(CHUNK) {
            mark_chunk(&txn, gathering, chunk, by, now).await?;
        }
        let members = marks.iter().map(|(m, _)| m.0).collect();
        retally_gathering(&txn, gathering, Some(members)).await?;
        txn.commit().await?;
        Ok(())
    }

    /// A member's attendance at a gathering, if any is recorded.
    pub async fn presence(
        &self,
        gathering: GatheringId,
        member: MemberId,
    ) -> StoreResult<Option<Presence>> {
        attendance::Entity::find_by_id((gathering.0, member.0))
            .one(&self.db)
            .await?
            .map(|row| {
                Ok(Presence {
                    status: attendance_of(&row.status)?,
                    checked_in_at: row.checked_in_at,
                })
            })
            .transpose()
    }

    /// Everyone invited to a gathering (its unit's subtree), with their
    /// attendance so far, by unit and name.
    pub async fn roll(
        &self,
        gathering: &Gathering,
    ) -> StoreResult<Vec<(Member, Option<Presence>)>> {
        let members = self
            .list_members(&MemberFilter {
                within: gathering.unit.path.clone(),
                only: None,
                limit: u64::MAX >> 1,
                offset: 0,
            })
            .await?;
        let mut recorded: HashMap<i64, Presence> = HashMap::new();
        for row in attendance::Entity::find()
            .filter(attendance::Column::GatheringId.eq(gathering.id.0))
            .all(&self.db)
            .await?
        {
            recorded.insert(
                row.member_id,
                Presence {
                    status: attendance_of(&row.status)?,
                    checked_in_at: row.checked_in_at,
                },
            );
        }
        Ok(members
            .into_iter()
            .map(|member| {
                let presence = recorded.remove(&member.id.0);
                (member, presence)
            })
            .collect())
    }

    /// Fills in "absent" for everyone without a status at each gathering
    /// that ended before `now` and is not yet closed, and closes it. Each
    /// gathering is claimed in its own transaction, so instances running
    /// this side by side close each once. Returns how many were closed.
    pub async fn close_ended(&self, now: DateTime<Utc>) -> StoreResult<usize> {
        let ended: Vec<i64> = gathering::Entity::find()
            .select_only()
            .column(gathering::Column::Id)
            .filter(gathering::Column::ClosedAt.is_null())
            .filter(gathering::Column::EndsAt.lt(now))
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut closed = 0;
        for id in ended {
            let txn = self.db.begin().await?;
            let claimed = gathering::Entity::update_many()
                .col_expr(gathering::Column::ClosedAt, Expr::value(now))
                .filter(gathering::Column::Id.eq(id))
                .filter(gathering::Column::ClosedAt.is_null())
                .exec(&txn)
                .await?;
            if claimed.rows_affected == 0 {
                continue;
            }
            let row = gathering::Entity::find_by_id(id)
                .find_also_related(units::entity::Entity)
                .one(&txn)
                .await?
                .ok_or(StoreError::NotFound)?;
            let gathering = gathering_from(row.0, row.1)?;
            if !gathering.cancelled {
                let (low, high) = gathering.unit.path.subtree_range();
                let invited: Vec<i64> = members::entity::Entity::find()
                    .select_only()
                    .column(members::entity::Column::Id)
                    .join(
                        sea_orm::JoinType::InnerJoin,
                        sea_orm::RelationTrait::def(&members::entity::Relation::Unit),
                    )
                    .filter(units::entity::Column::Path.gte(low))
                    .filter(units::entity::Column::Path.lt(high))
                    .into_tuple()
                    .all(&txn)
                    .await?;
                let recorded: std::collections::HashSet<i64> = attendance::Entity::find()
                    .select_only()
                    .column(attendance::Column::MemberId)
                    .filter(attendance::Column::GatheringId.eq(id))
                    .into_tuple()
                    .all(&txn)
                    .await?
                    .into_iter()
                    .collect();
                let absent: Vec<i64> = invited
                    .into_iter()
                    .filter(|member| !recorded.contains(member))
                    .collect();
                for chunk in absent.chunks(CHUNK) {
                    // A mark made meanwhile by hand wins.
                    attendance::Entity::insert_many(chunk.iter().map(|member| {
                        attendance::ActiveModel {
                            gathering_id: Set(id),
                            member_id: Set(*member),
                            status: Set(Attendance::Absent.code().to_owned()),
                            checked_in_at: Set(None),
                            marked_by: Set(None),
                            updated_at: Set(now),
                        }
                    }))
                    .on_conflict(
                        OnConflict::columns([
                            attendance::Column::GatheringId,
                            attendance::Column::MemberId,
                        ])
                        .do_nothing()
                        .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await?;
                }
                retally_gathering(&txn, gathering.id, Some(absent)).await?;
            }
            txn.commit().await?;
            closed += 1;
        }
        Ok(closed)
    }

    /// A member asks for leave (请假) from a gathering that has not ended;
    /// asking again (after a refusal, or before any decision) replaces the
    /// reason and waits for a new decision. Approved leave stays approved.
    pub async fn ask_leave(
        &self,
        gathering: &Gathering,
        member: MemberId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let reason = text_field("reason", reason, true)?;
        if gathering.cancelled || gathering.slot.is_over(now) {
            return Err(StoreError::Invalid(
                "reason: leave can be asked only for a gathering still to come".into(),
            ));
        }
        let inserted = leave::Entity::insert(leave::ActiveModel {
            gathering_id: Set(gathering.id.0),
            member_id: Set(member.0),
            reason: Set(reason),
            state: Set(Review::Pending.code().to_owned()),
            asked_at: Set(now),
            decided_by: Set(None),
            decided_at: Set(None),
        })
        .on_conflict(
            OnConflict::columns([leave::Column::GatheringId, leave::Column::MemberId])
                .update_columns([
                    leave::Column::Reason,
                    leave::Column::State,
                    leave::Column::AskedAt,
                    leave::Column::DecidedBy,
                    leave::Column::DecidedAt,
                ])
                .action_and_where(
                    Expr::col((leave::Entity, leave::Column::State)).ne(Review::Accepted.code()),
                )
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        if inserted == 0 {
            return Err(StoreError::Invalid(
                "reason: your leave is already approved".into(),
            ));
        }
        Ok(())
    }

    /// The organizer approves or refuses a leave request; approval marks
    /// the member excused (unless they came after all).
    pub async fn decide_leave(
        &self,
        gathering: GatheringId,
        member: MemberId,
        approve: bool,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        let row = leave::Entity::find_by_id((gathering.0, member.0))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let state = if approve {
            Review::Accepted
        } else {
            Review::Returned
        };
        let mut row: leave::ActiveModel = row.into();
        row.state = Set(state.code().to_owned());
        row.decided_by = Set(Some(by.0));
        row.decided_at = Set(Some(now));
        row.update(&txn).await?;
        let presence = attendance::Entity::find_by_id((gathering.0, member.0))
            .one(&txn)
            .await?;
        let attended = match &presence {
            Some(row) => attendance_of(&row.status)?.attended(),
            None => false,
        };
        let excused = presence
            .as_ref()
            .is_some_and(|row| row.status == Attendance::Excused.code());
        // Approval excuses the member; refusing an approval given before
        // takes the excuse back: absent once the gathering is closed, no
        // status before.
        let status = match (approve, attended, excused) {
            (true, false, _) => Some(Attendance::Excused),
            (false, _, true) => {
                let closed = gathering::Entity::find_by_id(gathering.0)
                    .one(&txn)
                    .await?
                    .is_some_and(|g| g.closed_at.is_some());
                if !closed {
                    attendance::Entity::delete_by_id((gathering.0, member.0))
                        .exec(&txn)
                        .await?;
                }
                closed.then_some(Attendance::Absent)
            }
            _ => None,
        };
        if let Some(status) = status {
            mark_chunk(&txn, gathering, &[(member, status)], by, now).await?;
        }
        retally_gathering(&txn, gathering, Some(vec![member.0])).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Leave requests for a gathering, oldest first.
    pub async fn leaves(&self, gathering: GatheringId) -> StoreResult<Vec<Leave>> {
        let rows = leave::Entity::find()
            .filter(leave::Column::GatheringId.eq(gathering.0))
            .order_by_asc(leave::Column::AskedAt)
            .all(&self.db)
            .await?;
        let names = self.names(rows.iter().map(|r| r.member_id)).await?;
        rows.into_iter()
            .map(|row| {
                Ok(Leave {
                    member: MemberId(row.member_id),
                    name: names.get(&row.member_id).cloned().unwrap_or_default(),
                    state: review_of(&row.state, "leave")?,
                    reason: row.reason,
                    asked_at: row.asked_at,
                })
            })
            .collect()
    }

    /// A member submits (or after it was returned, revises) a reflection
    /// on a gathering that has begun.
    pub async fn submit_reflection(
        &self,
        gathering: &Gathering,
        member: MemberId,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let text = text_field("text", text, true)?;
        if gathering.cancelled || gathering.slot.starts_at > now {
            return Err(StoreError::Invalid(
                "text: a reflection is written once the gathering has begun".into(),
            ));
        }
        // One statement: a revision never overwrites an accepted one, even
        // when it races the review.
        let written = reflection::Entity::insert(reflection::ActiveModel {
            gathering_id: Set(gathering.id.0),
            member_id: Set(member.0),
            text: Set(text),
            state: Set(Review::Pending.code().to_owned()),
            comment: Set(String::new()),
            submitted_at: Set(now),
            reviewed_by: Set(None),
            reviewed_at: Set(None),
        })
        .on_conflict(
            OnConflict::columns([
                reflection::Column::GatheringId,
                reflection::Column::MemberId,
            ])
            .update_columns([
                reflection::Column::Text,
                reflection::Column::State,
                reflection::Column::SubmittedAt,
                reflection::Column::ReviewedBy,
                reflection::Column::ReviewedAt,
            ])
            .action_and_where(
                Expr::col((reflection::Entity, reflection::Column::State))
                    .ne(Review::Accepted.code()),
            )
            .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        if written == 0 {
            return Err(StoreError::Invalid(
                "text: this reflection was accepted and can no longer change".into(),
            ));
        }
        Ok(())
    }

    /// The organizer accepts a waiting reflection, or returns it with a
    /// comment saying what to revise.
    pub async fn review_reflection(
        &self,
        gathering: GatheringId,
        member: MemberId,
        accept: bool,
        comment: &str,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let comment = text_field("comment", comment, !accept)?;
        let row = reflection::Entity::find_by_id((gathering.0, member.0))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        if review_of(&row.state, "reflection")? != Review::Pending {
            return Err(StoreError::Invalid(
                "this reflection was already reviewed".into(),
            ));
        }
        let state = if accept {
            Review::Accepted
        } else {
            Review::Returned
        };
        let txn = self.db.begin().await?;
        let updated = reflection::Entity::update_many()
            .col_expr(reflection::Column::State, Expr::value(state.code()))
            .col_expr(reflection::Column::Comment, Expr::value(comment))
            .col_expr(reflection::Column::ReviewedBy, Expr::value(by.0))
            .col_expr(reflection::Column::ReviewedAt, Expr::value(now))
            .filter(reflection::Column::GatheringId.eq(gathering.0))
            .filter(reflection::Column::MemberId.eq(member.0))
            .filter(reflection::Column::State.eq(Review::Pending.code()))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            return Err(StoreError::Invalid(
                "this reflection was already reviewed".into(),
            ));
        }
        if accept {
            retally_gathering(&txn, gathering, Some(vec![member.0])).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Reflections on a gathering, oldest first; `only` narrows them to
    /// one member's.
    pub async fn reflections(
        &self,
        gathering: GatheringId,
        only: Option<MemberId>,
    ) -> StoreResult<Vec<Reflection>> {
        let mut query =
            reflection::Entity::find().filter(reflection::Column::GatheringId.eq(gathering.0));
        if let Some(member) = only {
            query = query.filter(reflection::Column::MemberId.eq(member.0));
        }
        let rows = query
            .order_by_asc(reflection::Column::SubmittedAt)
            .all(&self.db)
            .await?;
        let names = self.names(rows.iter().map(|r| r.member_id)).await?;
        rows.into_iter()
            .map(|row| {
                Ok(Reflection {
                    member: MemberId(row.member_id),
                    name: names.get(&row.member_id).cloned().unwrap_or_default(),
                    state: review_of(&row.state, "reflection")?,
                    text: row.text,
                    comment: row.comment,
                    submitted_at: row.submitted_at,
                    reviewed_at: row.reviewed_at,
                })
            })
            .collect()
    }

    async fn names(&self, ids: impl Iterator<Item = i64>) -> StoreResult<HashMap<i64, String>> {
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

    /// What a member did at a campaign's gatherings that earns points: the
    /// starts of those they attended, and when each accepted reflection
    /// was accepted.
    pub async fn gathering_record(
        &self,
        member: MemberId,
        campaign: CampaignId,
    ) -> StoreResult<GatheringRecord> {
        let record = rolls_of(&self.db, &[member.0], campaign)
            .await?
            .remove(&member.0)
            .unwrap_or_default();
        Ok(GatheringRecord {
            attended: record
                .rolls
                .into_iter()
                .filter(|(_, _, status)| status.attended())
                .map(|(at, _, _)| at)
                .collect(),
            reflections_accepted: record.accepted,
        })
    }

    /// Each gathering's attendance by status and its reflections, in a
    /// few grouped queries.
    pub async fn tallies(&self, ids: &[GatheringId]) -> StoreResult<HashMap<GatheringId, Tally>> {
        let mut tallies: HashMap<GatheringId, Tally> =
            ids.iter().map(|id| (*id, Tally::default())).collect();
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        for chunk in ids.chunks(CHUNK) {
            let rows: Vec<(i64, String, i64)> = attendance::Entity::find()
                .select_only()
                .column(attendance::Column::GatheringId)
                .column(attendance::Column::Status)
                .column_as(attendance::Column::MemberId.count(), "n")
                .filter(attendance::Column::GatheringId.is_in(chunk.to_vec()))
                .group_by(attendance::Column::GatheringId)
                .group_by(attendance::Column::Status)
                .into_tuple()
                .all(&self.db)
                .await?;
            for (id, status, n) in rows {
                let status = attendance_of(&status)?;
                if let (Some(tally), Some(i)) = (
                    tallies.get_mut(&GatheringId(id)),
                    Attendance::ALL.iter().position(|s| *s == status),
                ) {
                    tally.attendance[i] = usize::try_from(n).unwrap_or(0);
                }
            }
            let rows: Vec<(i64, String, i64)> = reflection::Entity::find()
                .select_only()
                .column(reflection::Column::GatheringId)
                .column(reflection::Column::State)
                .column_as(reflection::Column::MemberId.count(), "n")
                .filter(reflection::Column::GatheringId.is_in(chunk.to_vec()))
                .group_by(reflection::Column::GatheringId)
                .group_by(reflection::Column::State)
                .into_tuple()
                .all(&self.db)
                .await?;
            for (id, state, n) in rows {
                if let Some(tally) = tallies.get_mut(&GatheringId(id)) {
                    let n = usize::try_from(n).unwrap_or(0);
                    tally.reflections += n;
                    if review_of(&state, "reflection")? == Review::Accepted {
                        tally.accepted += n;
                    }
                }
            }
        }
        Ok(tallies)
    }

    /// Keeps a photo (already re-encoded as a JPEG) of a gathering.
    pub async fn add_photo(
        &self,
        gathering: GatheringId,
        photo: &suyuan_core::gatherings::photo::Photo,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let txn = self.db.begin().await?;
        let count = photo::Entity::find()
            .filter(photo::Column::GatheringId.eq(gathering.0))
            .count(&txn)
            .await?;
        if count >= MAX_PHOTOS {
            return Err(StoreError::Invalid(format!(
                "photo: a gathering keeps at most {MAX_PHOTOS} photos"
            )));
        }
        let row = photo::ActiveModel {
            gathering_id: Set(gathering.0),
            content_type: Set("image/jpeg".into()),
            width: Set(i32::try_from(photo.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(photo.height).unwrap_or(i32::MAX)),
            data: Set(photo.jpeg.clone()),
            uploaded_by: Set(by.0),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(row.id)
    }

    /// A gathering's photos, oldest first, without their bytes.
    pub async fn photos(&self, gathering: GatheringId) -> StoreResult<Vec<PhotoMeta>> {
        let rows: Vec<(i64, i32, i32)> = photo::Entity::find()
            .select_only()
            .column(photo::Column::Id)
            .column(photo::Column::Width)
            .column(photo::Column::Height)
            .filter(photo::Column::GatheringId.eq(gathering.0))
            .order_by_asc(photo::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, width, height)| PhotoMeta {
                id,
                width: u32::try_from(width).unwrap_or(0),
                height: u32::try_from(height).unwrap_or(0),
            })
            .collect())
    }

    /// A photo's gathering, its content type and its bytes.
    pub async fn photo(&self, id: i64) -> StoreResult<(GatheringId, String, Vec<u8>)> {
        let row = photo::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((GatheringId(row.gathering_id), row.content_type, row.data))
    }

    /// Removes a photo of a gathering.
    pub async fn delete_photo(&self, gathering: GatheringId, id: i64) -> StoreResult<()> {
        let deleted = photo::Entity::delete_many()
            .filter(photo::Column::Id.eq(id))
            .filter(photo::Column::GatheringId.eq(gathering.0))
            .exec(&self.db)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The token of a calendar feed, made on first use.
    pub async fn feed_token(&self, owner: FeedOwner, now: DateTime<Utc>) -> StoreResult<String> {
        let query = match owner {
            FeedOwner::Member(member) => {
                feed::Entity::find().filter(feed::Column::MemberId.eq(member.0))
            }
            FeedOwner::Unit(unit) => feed::Entity::find().filter(feed::Column::UnitId.eq(unit.0)),
        };
        if let Some(row) = query.clone().one(&self.db).await? {
            return Ok(row.token);
        }
        let (member_id, unit_id) = match owner {
            FeedOwner::Member(member) => (Some(member.0), None),
            FeedOwner::Unit(unit) => (None, Some(unit.0)),
        };
        let token = crate::auth::random_token().expose().to_owned();
        let inserted = feed::Entity::insert(feed::ActiveModel {
            token: Set(token.clone()),
            member_id: Set(member_id),
            unit_id: Set(unit_id),
            created_at: Set(now),
        })
        .exec(&self.db)
        .await;
        match inserted {
            Ok(_) => Ok(token),
            // Another request made it first: use theirs.
            Err(err)
                if matches!(
                    err.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                query
                    .one(&self.db)
                    .await?
                    .map(|row| row.token)
                    .ok_or(StoreError::NotFound)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Forgets a feed's token, so that its old link stops working; the
    /// next `feed_token` makes a new one.
    pub async fn reset_feed(&self, owner: FeedOwner) -> StoreResult<()> {
        let delete = feed::Entity::delete_many();
        let delete = match owner {
            FeedOwner::Member(member) => delete.filter(feed::Column::MemberId.eq(member.0)),
            FeedOwner::Unit(unit) => delete.filter(feed::Column::UnitId.eq(unit.0)),
        };
        delete.exec(&self.db).await?;
        Ok(())
    }

    /// Whose feed a token opens, if any.
    pub async fn feed_owner(&self, token: &str) -> StoreResult<Option<FeedOwner>> {
        Ok(feed::Entity::find_by_id(token.to_owned())
            .one(&self.db)
            .await?
            .and_then(|row| match (row.member_id, row.unit_id) {
                (Some(member), _) => Some(FeedOwner::Member(MemberId(member))),
                (None, Some(unit)) => Some(FeedOwner::Unit(UnitId(unit))),
                (None, None) => None,
            }))
    }
}

/// A gathering's record in numbers, for a unit's ledger (台账).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Members by attendance, in the order of `Attendance::ALL`.
    pub attendance: [usize; 4],
    pub reflections: usize,
    pub accepted: usize,
}

impl Tally {
    pub fn of(&self, status: Attendance) -> usize {
        Attendance::ALL
            .iter()
            .position(|s| *s == status)
            .map_or(0, |i| self.attendance[i])
    }
}

/// A member's place on the rolls of a campaign's gatherings (not
/// cancelled): each gathering's start, kind and their status, and when
/// their reflections were accepted.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rolls {
    pub rolls: Vec<(DateTime<Utc>, Kind, Attendance)>,
    pub accepted: Vec<DateTime<Utc>>,
}

/// Members' rolls in a campaign, by member.
pub(crate) async fn rolls_of<C: sea_orm::ConnectionTrait>(
    conn: &C,
    members: &[i64],
    campaign: CampaignId,
) -> StoreResult<HashMap<i64, Rolls>> {
    let mut out: HashMap<i64, Rolls> = HashMap::new();
    for chunk in members.chunks(400) {
        let rows: Vec<(i64, DateTime<Utc>, String, String)> = attendance::Entity::find()
            .select_only()
            .column(attendance::Column::MemberId)
            .column(gathering::Column::StartsAt)
            .column(gathering::Column::Kind)
            .column(attendance::Column::Status)
            .join(
                sea_orm::JoinType::InnerJoin,
                attendance::Entity::belongs_to(gathering::Entity)
                    .from(attendance::Column::GatheringId)
                    .to(gathering::Column::Id)
                    .into(),
            )
            .filter(attendance::Column::MemberId.is_in(chunk.iter().copied()))
            .filter(gathering::Column::CampaignId.eq(campaign.0))
            .filter(gathering::Column::Cancelled.eq(false))
            .into_tuple()
            .all(conn)
            .await?;
        for (member, at, kind, status) in rows {
            let kind = Kind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("gathering kind {kind:?}")))?;
            out.entry(member)
                .or_default()
                .rolls
                .push((at, kind, attendance_of(&status)?));
        }
        let accepted: Vec<(i64, Option<DateTime<Utc>>)> = reflection::Entity::find()
            .select_only()
            .column(reflection::Column::MemberId)
            .column(reflection::Column::ReviewedAt)
            .join(
                sea_orm::JoinType::InnerJoin,
                reflection::Entity::belongs_to(gathering::Entity)
                    .from(reflection::Column::GatheringId)
                    .to(gathering::Column::Id)
                    .into(),
            )
            .filter(reflection::Column::MemberId.is_in(chunk.iter().copied()))
            .filter(reflection::Column::State.eq(Review::Accepted.code()))
            .filter(gathering::Column::CampaignId.eq(campaign.0))
            .filter(gathering::Column::Cancelled.eq(false))
            .into_tuple()
            .all(conn)
            .await?;
        for (member, at) in accepted {
            if let Some(at) = at {
                out.entry(member).or_default().accepted.push(at);
            }
        }
    }
    Ok(out)
}

/// Counts the gatherings of members again after a change to one gathering
/// (see `progress`); with no members given, everyone on its roll or with
/// a reflection on it.
async fn retally_gathering<C: sea_orm::ConnectionTrait>(
    conn: &C,
    id: GatheringId,
    members: Option<Vec<i64>>,
) -> StoreResult<()> {
    let campaign: Option<Option<i64>> = gathering::Entity::find_by_id(id.0)
        .select_only()
        .column(gathering::Column::CampaignId)
        .into_tuple()
        .one(conn)
        .await?;
    let Some(campaign) = campaign.flatten() else {
        return Ok(());
    };
    let members = match members {
        Some(members) => members,
        None => {
            let mut all: Vec<i64> = attendance::Entity::find()
                .select_only()
                .column(attendance::Column::MemberId)
                .filter(attendance::Column::GatheringId.eq(id.0))
                .into_tuple()
                .all(conn)
                .await?;
            all.extend(
                reflection::Entity::find()
                    .select_only()
                    .column(reflection::Column::MemberId)
                    .filter(reflection::Column::GatheringId.eq(id.0))
                    .into_tuple::<i64>()
                    .all(conn)
                    .await?,
            );
            all.sort_unstable();
            all.dedup();
            all
        }
    };
    if members.is_empty() {
        return Ok(());
    }
    let campaign = crate::campaigns::load(conn, CampaignId(campaign)).await?;
    let paths = members::paths_of(conn, &members).await?;
    crate::progress::retally(conn, &campaign, &paths).await
}

/// What earns a member points at a campaign's gatherings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatheringRecord {
    pub attended: Vec<DateTime<Utc>>,
    pub reflections_accepted: Vec<DateTime<Utc>>,
}

async fn mark_chunk(
    txn: &impl sea_orm::ConnectionTrait,
    gathering: GatheringId,
    marks: &[(MemberId, Attendance)],
    by: MemberId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    attendance::Entity::insert_many(
        marks
            .iter()
            .map(|(member, status)| attendance::ActiveModel {
                gathering_id: Set(gathering.0),
                member_id: Set(member.0),
                status: Set(status.code().to_owned()),
                checked_in_at: Set(None),
                marked_by: Set(Some(by.0)),
                updated_at: Set(now),
            }),
    )
    .on_conflict(
        OnConflict::columns([
            attendance::Column::GatheringId,
            attendance::Column::MemberId,
        ])
        .update_columns([
            attendance::Column::Status,
            attendance::Column::MarkedBy,
            attendance::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec(txn)
    .await?;
    Ok(())
}

fn attendance_of(code: &str) -> StoreResult<Attendance> {
    Attendance::parse(code).ok_or_else(|| StoreError::Corrupt(format!("attendance {code:?}")))
}
