//! Campaigns and their plans: which units take part, and which excerpts
//! are read on which day.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

use suyuan_core::campaigns::{
    Calendar, Campaign, CampaignId, PlannedReading, Topic, parse_zone, spread_collections,
};
use suyuan_core::library::{self, CollectionId, ExcerptId};
use suyuan_core::reading::{PointRules, ReadingPace};
use suyuan_core::units::{UnitId, UnitPath};

use crate::library::{Excerpt, excerpt};
use crate::{Store, StoreError, StoreResult, units};

pub(crate) mod campaign {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "campaigns")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub owner_unit_id: i64,
        pub title: String,
        pub theme: String,
        pub zone: String,
        pub starts_on: Date,
        pub ends_on: Date,
        pub evening: String,
        pub reading_pace: i32,
        pub point_rules: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod participant {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "campaign_units")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub campaign_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub unit_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod reading {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plan_readings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub campaign_id: i64,
        pub day_index: i32,
        pub position: i32,
        pub excerpt_id: i64,
        /// The excerpt's length, so that the plan is read without its text.
        pub chars: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod topic {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plan_topics")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub campaign_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub week_of: Date,
        pub topic: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// What a new campaign is made of; its plan spreads the collections'
/// readable excerpts, whole and in the order given, over its days by
/// length, a day within one collection where the days allow.
pub struct NewCampaign {
    pub owner: UnitId,
    pub title: String,
    pub theme: String,
    pub calendar: Calendar,
    pub evening: NaiveTime,
    pub pace: ReadingPace,
    pub rules: PointRules,
    pub units: Vec<UnitId>,
    pub collections: Vec<CollectionId>,
}

const CHUNK: usize = 500;

/// What an edit of a campaign changes; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct CampaignChange {
    pub title: Option<String>,
    pub theme: Option<String>,
    pub evening: Option<NaiveTime>,
    pub pace: Option<ReadingPace>,
    pub rules: Option<PointRules>,
}

/// A campaign, read on any connection (a writer's transaction too).
pub(crate) async fn load<C: sea_orm::ConnectionTrait>(
    conn: &C,
    id: CampaignId,
) -> StoreResult<Campaign> {
    let row = campaign::Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let units = participant::Entity::find()
        .filter(participant::Column::CampaignId.eq(id.0))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| UnitId(p.unit_id))
        .collect();
    campaign_from(row, units)
}

/// The participating units of campaigns, by campaign.
async fn units_of<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> StoreResult<std::collections::HashMap<i64, Vec<UnitId>>> {
    let mut units: std::collections::HashMap<i64, Vec<UnitId>> = Default::default();
    for chunk in ids.chunks(CHUNK) {
        for p in participant::Entity::find()
            .filter(participant::Column::CampaignId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            units
                .entry(p.campaign_id)
                .or_default()
                .push(UnitId(p.unit_id));
        }
    }
    Ok(units)
}

/// Campaigns by id, in the order of their ids: two statements however many.
async fn load_many<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> StoreResult<Vec<Campaign>> {
    let mut units = units_of(conn, ids).await?;
    let mut campaigns = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        for row in campaign::Entity::find()
            .filter(campaign::Column::Id.is_in(chunk.iter().copied()))
            .order_by_asc(campaign::Column::Id)
            .all(conn)
            .await?
        {
            let units = units.remove(&row.id).unwrap_or_default();
            campaigns.push(campaign_from(row, units)?);
        }
    }
    Ok(campaigns)
}

fn campaign_from(row: campaign::Model, units: Vec<UnitId>) -> StoreResult<Campaign> {
    let zone = parse_zone(&row.zone).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let calendar = Calendar::new(zone, row.starts_on, row.ends_on)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let evening = NaiveTime::parse_from_str(&row.evening, "%H:%M").map_err(|e| {
        StoreError::Corrupt(format!(
            "campaign {} evening {:?}: {e}",
            row.id, row.evening
        ))
    })?;
    let corrupt = |what: String| StoreError::Corrupt(format!("campaign {}: {what}", row.id));
    let pace = u32::try_from(row.reading_pace)
        .ok()
        .and_then(|pace| ReadingPace::new(pace).ok())
        .ok_or_else(|| corrupt(format!("reading pace {}", row.reading_pace)))?;
    let rules = PointRules::from_json(&row.point_rules).map_err(|e| corrupt(e.to_string()))?;
    Ok(Campaign {
        id: CampaignId(row.id),
        owner: UnitId(row.owner_unit_id),
        title: row.title,
        theme: row.theme,
        calendar,
        evening,
        pace,
        rules,
        units,
    })
}

/// The ids of every campaign.
pub(crate) async fn campaign_ids(db: &impl sea_orm::ConnectionTrait) -> StoreResult<Vec<i64>> {
    Ok(campaign::Entity::find()
        .select_only()
        .column(campaign::Column::Id)
        .order_by_asc(campaign::Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}

impl Store {
    /// Creates a campaign and its reading plan in one transaction.
    pub async fn create_campaign(
        &self,
        new: NewCampaign,
        now: DateTime<Utc>,
    ) -> StoreResult<Campaign> {
        if new.units.is_empty() {
            return Err(StoreError::Invalid(
                "name at least one participating unit".into(),
            ));
        }
        let txn = self.db.begin().await?;
        // Each collection's readable excerpts, in the order picked.
        let mut collections: Vec<Vec<(i64, usize)>> = Vec::new();
        for collection in &new.collections {
            let rows: Vec<(i64, String)> = excerpt::Entity::find()
                .select_only()
                .column(excerpt::Column::Id)
                .column(excerpt::Column::Text)
                .filter(excerpt::Column::CollectionId.eq(collection.0))
                .order_by_asc(excerpt::Column::Position)
                .into_tuple()
                .all(&txn)
                .await?;
            let readable: Vec<(i64, usize)> = rows
                .into_iter()
                .filter(|(_, text)| library::is_readable(text))
                .map(|(id, text)| (id, text.chars().count()))
                .collect();
            if readable.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "collection {} has nothing to read",
                    collection.0
                )));
            }
            collections.push(readable);
        }
        let row = campaign::ActiveModel {
            owner_unit_id: Set(new.owner.0),
            title: Set(new.title.clone()),
            theme: Set(new.theme.clone()),
            zone: Set(new.calendar.zone.name().to_owned()),
            starts_on: Set(new.calendar.start),
            ends_on: Set(new.calendar.end),
            evening: Set(new.evening.format("%H:%M").to_string()),
            reading_pace: Set(new.pace.chars_per_minute as i32),
            point_rules: Set(new.rules.to_json()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        participant::Entity::insert_many(new.units.iter().map(|unit| participant::ActiveModel {
            campaign_id: Set(row.id),
            unit_id: Set(unit.0),
        }))
        .exec(&txn)
        .await?;
        let lengths: Vec<Vec<usize>> = collections
            .iter()
            .map(|c| c.iter().map(|(_, length)| *length).collect())
            .collect();
        let excerpts: Vec<(i64, usize)> = collections.into_iter().flatten().collect();
        let mut plan = Vec::with_capacity(excerpts.len());
        let days = spread_collections(&lengths, new.calendar.len());
        for (day, range) in days.into_iter().enumerate() {
            for (position, index) in range.enumerate() {
                plan.push(reading::ActiveModel {
                    campaign_id: Set(row.id),
                    day_index: Set(day as i32),
                    position: Set(position as i32),
                    excerpt_id: Set(excerpts[index].0),
                    chars: Set(i32::try_from(excerpts[index].1).unwrap_or(i32::MAX)),
                    ..Default::default()
                });
            }
        }
        let mut rows = plan.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(CHUNK).collect();
            reading::Entity::insert_many(chunk).exec(&txn).await?;
        }
        txn.commit().await?;
        self.campaign(CampaignId(row.id)).await
    }

    pub async fn campaign(&self, id: CampaignId) -> StoreResult<Campaign> {
        load(&self.db, id).await
    }

    /// The campaigns a member of `unit` takes part in: those of any unit
    /// on the path from the root to it.
    pub async fn campaigns_for(&self, unit: &UnitPath) -> StoreResult<Vec<Campaign>> {
        let ancestors: Vec<i64> = unit.ids().into_iter().map(|id| id.0).collect();
        let rows = campaign::Entity::find()
            .filter(
                campaign::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(participant::Column::CampaignId)
                        .from(participant::Entity)
                        .and_where(participant::Column::UnitId.is_in(ancestors))
                        .to_owned(),
                ),
            )
            .order_by_asc(campaign::Column::Id)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        let mut units = units_of(&self.db, &ids).await?;
        rows.into_iter()
            .map(|row| {
                let units = units.remove(&row.id).unwrap_or_default();
                campaign_from(row, units)
            })
            .collect()
    }

    /// The whole reading plan: each planned excerpt with its day and its
    /// length in characters, in reading order.
    pub async fn plan_of(&self, campaign: CampaignId) -> StoreResult<Vec<PlannedReading>> {
        let rows: Vec<(i32, i64, i32)> = reading::Entity::find()
            .select_only()
            .column(reading::Column::DayIndex)
            .column(reading::Column::ExcerptId)
            .column(reading::Column::Chars)
            .filter(reading::Column::CampaignId.eq(campaign.0))
            .order_by_asc(reading::Column::DayIndex)
            .order_by_asc(reading::Column::Position)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(day, excerpt, chars)| PlannedReading {
                day: usize::try_from(day).unwrap_or(0),
                excerpt: ExcerptId(excerpt),
                chars: usize::try_from(chars).unwrap_or(0),
            })
            .collect())
    }

    /// Changes what may change once a campaign runs: its title and theme,
    /// the reminder time, the reading pace and the points rules (points
    /// are derived from the marks, so new rules apply to every day: the
    /// summaries are counted again under them).
    pub async fn update_campaign(
        &self,
        id: CampaignId,
        change: CampaignChange,
    ) -> StoreResult<Campaign> {
        let row = campaign::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut row: campaign::ActiveModel = row.into();
        if let Some(title) = change.title {
            row.title = Set(title);
        }
        if let Some(theme) = change.theme {
            row.theme = Set(theme);
        }
        if let Some(evening) = change.evening {
            row.evening = Set(evening.format("%H:%M").to_string());
        }
        if let Some(pace) = change.pace {
            row.reading_pace = Set(pace.chars_per_minute as i32);
        }
        let new_rules = change.rules.is_some();
        if let Some(rules) = change.rules {
            row.point_rules = Set(rules.to_json());
        }
        row.update(&self.db).await?;
        let campaign = self.campaign(id).await?;
        if new_rules {
            self.rebuild_progress(&campaign).await?;
        }
        Ok(campaign)
    }

    /// Sets (or with an empty topic, clears) the study topic of the week
    /// that starts on `week_of` (a Monday the campaign touches).
    pub async fn set_week_topic(
        &self,
        campaign: &Campaign,
        week_of: NaiveDate,
        topic: &Topic,
    ) -> StoreResult<()> {
        let week_of = campaign.calendar.week(week_of)?;
        let topic = topic.as_str();
        let txn = self.db.begin().await?;
        topic::Entity::delete_many()
            .filter(topic::Column::CampaignId.eq(campaign.id.0))
            .filter(topic::Column::WeekOf.eq(week_of))
            .exec(&txn)
            .await?;
        if !topic.is_empty() {
            topic::ActiveModel {
                campaign_id: Set(campaign.id.0),
                week_of: Set(week_of),
                topic: Set(topic.to_owned()),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The weekly study topics of a campaign, by the Monday of each week.
    pub async fn week_topics(
        &self,
        campaign: CampaignId,
    ) -> StoreResult<std::collections::BTreeMap<NaiveDate, String>> {
        Ok(topic::Entity::find()
            .filter(topic::Column::CampaignId.eq(campaign.0))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| (row.week_of, row.topic))
            .collect())
    }

    /// The campaigns an admin of `within` looks after: those owned by a
    /// unit of the subtree, and those its members take part in.
    pub async fn campaigns_within(&self, within: &UnitPath) -> StoreResult<Vec<Campaign>> {
        let (low, high) = within.subtree_range();
        let owned: Vec<i64> = campaign::Entity::find()
            .select_only()
            .column(campaign::Column::Id)
            .join(
                sea_orm::JoinType::InnerJoin,
                campaign::Entity::belongs_to(units::entity::Entity)
                    .from(campaign::Column::OwnerUnitId)
                    .to(units::entity::Column::Id)
                    .into(),
            )
            .filter(units::entity::Column::Path.gte(low))
            .filter(units::entity::Column::Path.lt(high))
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut campaigns = self.campaigns_for(within).await?;
        let more: Vec<i64> = owned
            .into_iter()
            .filter(|id| !campaigns.iter().any(|c| c.id.0 == *id))
            .collect();
        campaigns.extend(load_many(&self.db, &more).await?);
        campaigns.sort_by(|a, b| {
            b.calendar
                .start
                .cmp(&a.calendar.start)
                .then(b.id.cmp(&a.id))
        });
        Ok(campaigns)
    }

    /// Moves a planned excerpt to another day of the campaign (at the end
    /// of that day's reading).
    pub async fn move_planned(
        &self,
        campaign: &Campaign,
        excerpt: ExcerptId,
        to: NaiveDate,
    ) -> StoreResult<()> {
        let day = campaign.calendar.day_index(to).ok_or_else(|| {
            StoreError::Invalid(format!(
                "{to} is not a day of the campaign ({} to {})",
                campaign.calendar.start, campaign.calendar.end
            ))
        })?;
        let txn = self.db.begin().await?;
        let row = reading::Entity::find()
            .filter(reading::Column::CampaignId.eq(campaign.id.0))
            .filter(reading::Column::ExcerptId.eq(excerpt.0))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let last: Option<i32> = reading::Entity::find()
            .select_only()
            .column_as(reading::Column::Position.max(), "last")
            .filter(reading::Column::CampaignId.eq(campaign.id.0))
            .filter(reading::Column::DayIndex.eq(day as i32))
            .into_tuple()
            .one(&txn)
            .await?
            .flatten();
        let mut moved: reading::ActiveModel = row.into();
        moved.day_index = Set(day as i32);
        moved.position = Set(last.map_or(0, |p| p + 1));
        moved.update(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// What the plan has members read on a date (nothing outside the
    /// campaign's days).
    pub async fn reading_on(
        &self,
        campaign: &Campaign,
        date: NaiveDate,
    ) -> StoreResult<Vec<Excerpt>> {
        let Some(day) = campaign.calendar.day_index(date) else {
            return Ok(Vec::new());
        };
        let planned: Vec<i64> = reading::Entity::find()
            .select_only()
            .column(reading::Column::ExcerptId)
            .filter(reading::Column::CampaignId.eq(campaign.id.0))
            .filter(reading::Column::DayIndex.eq(day as i32))
            .order_by_asc(reading::Column::Position)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut excerpts = Vec::with_capacity(planned.len());
        for id in planned {
            excerpts.push(self.excerpt(ExcerptId(id)).await?);
        }
        Ok(excerpts)
    }
}
