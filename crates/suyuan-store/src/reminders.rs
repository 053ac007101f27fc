//! Evening reminders: who has not read, who was already reminded, where
//! a unit's group robot listens, and the claim that lets exactly one
//! instance run a campaign's reminders for a day.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashSet;

use suyuan_core::members::{Email, MemberId};
use suyuan_core::units::{UnitId, UnitPath};

use crate::members::{Member, MemberFilter};
use crate::{Store, StoreResult};
use suyuan_core::campaigns::{Campaign, CampaignId};

pub(crate) mod email {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "member_emails")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: i64,
        pub email: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod hook {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reminder_hooks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub unit_id: i64,
        pub url: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod run {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reminder_runs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub campaign_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: Date,
        pub claimed_at: DateTimeUtc,
        pub finished_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod sent {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reminders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: Date,
        #[sea_orm(primary_key, auto_increment = false)]
        pub campaign_id: i64,
        pub sent_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A run left unfinished this long (its instance died) may be taken over.
const RUN_TAKEN_OVER_AFTER: i64 = 10;

impl Store {
    /// Claims the reminders of a campaign's day for this instance: true for
    /// exactly one caller, however many instances ask at once (or for a
    /// later one, if the first died without finishing).
    pub async fn claim_reminder_run(
        &self,
        campaign: CampaignId,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut insert = Query::insert();
        insert
            .into_table(run::Entity)
            .columns([
                run::Column::CampaignId,
                run::Column::Day,
                run::Column::ClaimedAt,
            ])
            .values_panic([campaign.0.into(), day.into(), now.into()])
            .on_conflict(
                OnConflict::columns([run::Column::CampaignId, run::Column::Day])
                    .do_nothing()
                    .to_owned(),
            );
        let statement = self.db.get_database_backend().build(&insert);
        if self.db.execute_raw(statement).await?.rows_affected() == 1 {
            return Ok(true);
        }
        let stale = now - Duration::minutes(RUN_TAKEN_OVER_AFTER);
        let taken = run::Entity::update_many()
            .col_expr(run::Column::ClaimedAt, Expr::value(now))
            .filter(run::Column::CampaignId.eq(campaign.0))
            .filter(run::Column::Day.eq(day))
            .filter(run::Column::FinishedAt.is_null())
            .filter(run::Column::ClaimedAt.lt(stale))
            .exec(&self.db)
            .await?;
        Ok(taken.rows_affected == 1)
    }

    pub async fn finish_reminder_run(
        &self,
        campaign: CampaignId,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        run::Entity::update_many()
            .col_expr(run::Column::FinishedAt, Expr::value(Some(now)))
            .filter(run::Column::CampaignId.eq(campaign.0))
            .filter(run::Column::Day.eq(day))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The members taking part in a campaign who have not read the whole
    /// of a day's assignment (`assigned` excerpts) on that day.
    pub async fn unread_members(
        &self,
        campaign: &Campaign,
        day: NaiveDate,
        assigned: usize,
    ) -> StoreResult<Vec<Member>> {
        let readers: HashSet<i64> = self
            .day_readers(campaign.id, day, assigned)
            .await?
            .into_iter()
            .collect();
        let mut unread = Vec::new();
        let mut seen = HashSet::new();
        for unit in &campaign.units {
            let unit = self.unit(*unit).await?;
            let members = self
                .list_members(&MemberFilter {
                    within: unit.path.clone(),
                    only: None,
                    limit: u64::MAX >> 1,
                    offset: 0,
                })
                .await?;
            for member in members {
                if !readers.contains(&member.id.0) && seen.insert(member.id) {
                    unread.push(member);
                }
            }
        }
        Ok(unread)
    }

    /// Notes that members were reminded of a day; returns those not noted
    /// before, so that no one is reminded twice.
    pub async fn note_reminders(
        &self,
        campaign: CampaignId,
        day: NaiveDate,
        members: &[MemberId],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<MemberId>> {
        let mut noted = Vec::new();
        for chunk in members.chunks(500) {
            let mut insert = Query::insert();
            insert
                .into_table(sent::Entity)
                .columns([
                    sent::Column::CampaignId,
                    sent::Column::MemberId,
                    sent::Column::Day,
                    sent::Column::SentAt,
                ])
                .on_conflict(
                    OnConflict::columns([
                        sent::Column::MemberId,
                        sent::Column::Day,
                        sent::Column::CampaignId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .returning_col(sent::Column::MemberId);
            for member in chunk {
                insert.values_panic([campaign.0.into(), member.0.into(), day.into(), now.into()]);
            }
            let statement = self.db.get_database_backend().build(&insert);
            noted.extend(
                self.db
                    .query_all_raw(statement)
                    .await?
                    .into_iter()
                    .filter_map(|row| row.try_get_by_index::<i64>(0).ok())
                    .map(MemberId),
            );
        }
        Ok(noted)
    }

    /// Whether a member was reminded of a day (in any campaign).
    pub async fn was_reminded(&self, member: MemberId, day: NaiveDate) -> StoreResult<bool> {
        Ok(sent::Entity::find()
            .filter(sent::Column::MemberId.eq(member.0))
            .filter(sent::Column::Day.eq(day))
            .one(&self.db)
            .await?
            .is_some())
    }

    pub async fn set_email(&self, member: MemberId, email: Option<&Email>) -> StoreResult<()> {
        email::Entity::delete_by_id(member.0).exec(&self.db).await?;
        if let Some(address) = email {
            email::Entity::insert(email::ActiveModel {
                member_id: sea_orm::ActiveValue::Set(member.0),
                email: sea_orm::ActiveValue::Set(address.as_str().to_owned()),
            })
            .exec(&self.db)
            .await?;
        }
        Ok(())
    }

    /// The e-mail addresses of some members, where they gave one.
    pub async fn emails_of(&self, members: &[MemberId]) -> StoreResult<Vec<(MemberId, String)>> {
        let mut found = Vec::new();
        for chunk in members.chunks(500) {
            found.extend(
                email::Entity::find()
                    .filter(email::Column::MemberId.is_in(chunk.iter().map(|m| m.0)))
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|row| (MemberId(row.member_id), row.email)),
            );
        }
        Ok(found)
    }

    /// Sets (or with `None` removes) the group robot of a unit.
    pub async fn set_reminder_hook(
        &self,
        unit: UnitId,
        url: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        hook::Entity::delete_by_id(unit.0).exec(&self.db).await?;
        if let Some(url) = url {
            hook::Entity::insert(hook::ActiveModel {
                unit_id: sea_orm::ActiveValue::Set(unit.0),
                url: sea_orm::ActiveValue::Set(url.to_owned()),
                created_at: sea_orm::ActiveValue::Set(now),
            })
            .exec(&self.db)
            .await?;
        }
        Ok(())
    }

    /// The group robots of the units on a path, nearest last.
    pub async fn hooks_on_path(&self, path: &UnitPath) -> StoreResult<Vec<(UnitId, String)>> {
        let ids: Vec<i64> = path.ids().into_iter().map(|u| u.0).collect();
        let rows = hook::Entity::find()
            .filter(hook::Column::UnitId.is_in(ids.clone()))
            .all(&self.db)
            .await?;
        let mut hooks: Vec<(UnitId, String)> = rows
            .into_iter()
            .map(|row| (UnitId(row.unit_id), row.url))
            .collect();
        hooks.sort_by_key(|(unit, _)| ids.iter().position(|id| *id == unit.0));
        Ok(hooks)
    }

    /// Every campaign, for the reminder round.
    pub async fn all_campaigns(&self) -> StoreResult<Vec<Campaign>> {
        let ids: Vec<i64> = crate::campaigns::campaign_ids(&self.db).await?;
        let mut campaigns = Vec::with_capacity(ids.len());
        for id in ids {
            campaigns.push(self.campaign(CampaignId(id)).await?);
        }
        Ok(campaigns)
    }
}
