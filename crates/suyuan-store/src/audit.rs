//! The audit log: entries are added and read, never changed (the
//! database refuses, see migration `m0021_audit_log`). A scope's admins
//! read the entries of their subtree, newest first.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use suyuan_core::audit::{Deed, Entry};
use suyuan_core::members::MemberId;
use suyuan_core::units::UnitPath;

use crate::{Store, StoreError, StoreResult};

pub(crate) mod entry {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_entries")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub at: DateTimeUtc,
        pub actor_id: i64,
        pub actor_name: String,
        pub actor_number: String,
        pub deed: String,
        pub action: String,
        pub target: String,
        pub scope_path: String,
        pub status: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Which entries of a subtree to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    pub within: UnitPath,
    /// From this instant, included, to that one, excluded.
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Only changes, or only views; both when `None`.
    pub deed: Option<Deed>,
}

/// Columns cut to what they can hold (a path can be long; the rest of
/// it names nothing more an auditor needs).
fn cut(text: &str, most: usize) -> String {
    text.chars().take(most).collect()
}

fn filtered(query: &AuditQuery) -> sea_orm::Select<entry::Entity> {
    let (low, high) = query.within.subtree_range();
    let mut select = entry::Entity::find()
        .filter(entry::Column::ScopePath.gte(low))
        .filter(entry::Column::ScopePath.lt(high))
        .filter(entry::Column::At.gte(query.from))
        .filter(entry::Column::At.lt(query.until));
    if let Some(deed) = query.deed {
        select = select.filter(entry::Column::Deed.eq(deed.as_str()));
    }
    select
}

fn entry_of(row: entry::Model) -> StoreResult<Entry> {
    Ok(Entry {
        at: row.at,
        actor: MemberId(row.actor_id),
        actor_name: row.actor_name,
        actor_number: row.actor_number,
        deed: Deed::parse(&row.deed).ok_or_else(|| {
            StoreError::Corrupt(format!("audit entry {}: deed {:?}", row.id, row.deed))
        })?,
        action: row.action,
        target: row.target,
        scope: UnitPath::parse(&row.scope_path).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "audit entry {}: scope {:?}",
                row.id, row.scope_path
            ))
        })?,
        status: u16::try_from(row.status).unwrap_or_default(),
    })
}

impl Store {
    /// Adds an entry to the log.
    pub async fn record(&self, entry: &Entry) -> StoreResult<()> {
        entry::Entity::insert(entry::ActiveModel {
            at: Set(entry.at),
            actor_id: Set(entry.actor.0),
            actor_name: Set(cut(&entry.actor_name, 100)),
            actor_number: Set(cut(&entry.actor_number, 64)),
            deed: Set(entry.deed.as_str().to_owned()),
            action: Set(cut(&entry.action, 200)),
            target: Set(cut(&entry.target, 400)),
            scope_path: Set(entry.scope.as_str().to_owned()),
            status: Set(i32::from(entry.status)),
            ..Default::default()
        })
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// How many entries `query` finds.
    pub async fn audit_count(&self, query: &AuditQuery) -> StoreResult<u64> {
        Ok(filtered(query).count(&self.db).await?)
    }

    /// Entries `query` finds, newest first: `limit` of them after skipping
    /// `offset`.
    pub async fn audit_entries(
        &self,
        query: &AuditQuery,
        offset: u64,
        limit: u64,
    ) -> StoreResult<Vec<Entry>> {
        filtered(query)
            .order_by_desc(entry::Column::At)
            .order_by_desc(entry::Column::Id)
            .offset(crate::rows(offset))
            .limit(crate::rows(limit))
            .all(&self.db)
            .await?
            .into_iter()
            .map(entry_of)
            .collect()
    }
}
