//! Rate limits for what the public may send without an account (outside
//! bookings, later requests and comments): events counted per key (an
//! address, a phone) in the database, so every instance counts the same.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::{Store, StoreResult};

pub(crate) mod event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "throttle_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub key: String,
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// How many events a key may have within a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub events: u64,
    pub within: Duration,
}

/// Events older than this are dropped by the sweep.
const KEPT: Duration = Duration::days(1);

impl Store {
    /// Counts one event under each key; `None` when every key is still
    /// within its limit, else how long until the next event would pass.
    /// The events are committed first (one commit however many keys a
    /// form has) and counted after, so that requests sent at once see
    /// each other's and cannot all slip under the limit.
    pub async fn within_limits(
        &self,
        keys: &[(String, Limit)],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Duration>> {
        if keys.is_empty() {
            return Ok(None);
        }
        event::Entity::insert_many(keys.iter().map(|(key, _)| event::ActiveModel {
            key: Set(key.clone()),
            at: Set(now),
            ..Default::default()
        }))
        .exec_without_returning(&self.db)
        .await?;
        let mut wait: Option<Duration> = None;
        for (key, limit) in keys {
            let recent = || {
                event::Entity::find()
                    .filter(event::Column::Key.eq(key.as_str()))
                    .filter(event::Column::At.gt(now - limit.within))
            };
            let count = recent().count(&self.db).await?;
            if count <= limit.events {
                continue;
            }
            // The next event passes once enough of these have aged out
            // that it makes no more than the limit.
            let ages_out = recent()
                .order_by_asc(event::Column::At)
                .offset(count - limit.events)
                .one(&self.db)
                .await?
                .map_or(limit.within, |event| event.at + limit.within - now);
            wait = wait.max(Some(ages_out.max(Duration::seconds(1))));
        }
        Ok(wait)
    }

    /// Drops events no limit looks at any more.
    pub async fn forget_old_events(&self, now: DateTime<Utc>) -> StoreResult<()> {
        event::Entity::delete_many()
            .filter(event::Column::At.lt(now - KEPT))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
