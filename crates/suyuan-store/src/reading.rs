//! Reading marks: the record that a member really read an excerpt.
//!
//! Marks arrive in bursts (the morning peak), so they are written by one
//! `MarkWriter` (a `batch::BatchWriter`) that commits whatever has queued
//! up in one transaction and only then answers each request. The
//! client's id makes a retry or an offline replay harmless: the first mark
//! with an id is kept, and a repeat gets that first mark back.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, InsertStatement, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use std::collections::{HashMap, HashSet};

use suyuan_core::library::ExcerptId;
use suyuan_core::members::MemberId;
use suyuan_core::reading::{MarkId, MarkKind};
use suyuan_core::units::UnitPath;

use crate::batch::{BatchWriter, statement_chunks};
use crate::campaigns::{Campaign, CampaignId};
use crate::{Store, StoreError, StoreResult, members};

pub(crate) mod mark {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reading_marks")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub client_id: String,
        pub campaign_id: i64,
        pub member_id: i64,
        pub excerpt_id: i64,
        pub read_on: Date,
        pub kind: String,
        pub seconds: i32,
        pub recorded_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A reading, checked and ready to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMark {
    pub id: MarkId,
    pub campaign: CampaignId,
    pub member: MemberId,
    pub excerpt: ExcerptId,
    /// The local day it was read, in the campaign's zone.
    pub read_on: NaiveDate,
    pub kind: MarkKind,
    pub seconds: u32,
    pub recorded_at: DateTime<Utc>,
}

/// A recorded reading.
pub type Mark = NewMark;

/// What became of a mark handed to the writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Committed now.
    New(Mark),
    /// A mark with this id was there already; this is the first one.
    Again(Mark),
}

fn mark_from(row: mark::Model) -> StoreResult<Mark> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("reading mark {}: {what}", row.id));
    Ok(Mark {
        id: MarkId::parse(&row.client_id).map_err(|_| corrupt("client id"))?,
        campaign: CampaignId(row.campaign_id),
        member: MemberId(row.member_id),
        excerpt: ExcerptId(row.excerpt_id),
        read_on: row.read_on,
        kind: MarkKind::parse(&row.kind).ok_or_else(|| corrupt("kind"))?,
        seconds: u32::try_from(row.seconds).map_err(|_| corrupt("seconds"))?,
        recorded_at: row.recorded_at,
    })
}

/// The ids of members whose on-time marks of a day cover all `assigned`
/// excerpts of it.
fn day_readers_query(
    campaign: CampaignId,
    day: NaiveDate,
    assigned: usize,
) -> sea_orm::Select<mark::Entity> {
    mark::Entity::find()
        .select_only()
        .column(mark::Column::MemberId)
        .filter(mark::Column::CampaignId.eq(campaign.0))
        .filter(mark::Column::ReadOn.eq(day))
        .filter(mark::Column::Kind.eq(MarkKind::OnTime.code()))
        .group_by(mark::Column::MemberId)
        .having(
            Expr::col((mark::Entity, mark::Column::ExcerptId))
                .count_distinct()
                .gte(assigned.max(1) as i64),
        )
}

/// One multi-row INSERT of marks that skips ids already recorded.
fn insert_query(marks: &[&NewMark]) -> InsertStatement {
    let mut insert = Query::insert();
    insert
        .into_table(mark::Entity)
        .columns([
            mark::Column::ClientId,
            mark::Column::CampaignId,
            mark::Column::MemberId,
            mark::Column::ExcerptId,
            mark::Column::ReadOn,
            mark::Column::Kind,
            mark::Column::Seconds,
            mark::Column::RecordedAt,
        ])
        .on_conflict(
            OnConflict::column(mark::Column::ClientId)
                .do_nothing()
                .to_owned(),
        );
    for mark in marks {
        insert.values_panic([
            mark.id.as_str().into(),
            mark.campaign.0.into(),
            mark.member.0.into(),
            mark.excerpt.0.into(),
            mark.read_on.into(),
            mark.kind.code().into(),
            i32::try_from(mark.seconds).unwrap_or(i32::MAX).into(),
            mark.recorded_at.into(),
        ]);
    }
    insert
}

/// The most marks one transaction takes.
const MAX_BATCH: usize = 2_000;
/// The one writer of reading marks of this instance.
pub type MarkWriter = BatchWriter<NewMark, Recorded>;

impl Store {
    /// Starts this instance's mark writer on the current runtime.
    pub fn mark_writer(&self) -> MarkWriter {
        let store = self.clone();
        BatchWriter::start("mark writer", MAX_BATCH, move |marks| {
            let store = store.clone();
            async move { store.write_marks(marks).await }
        })
    }

    async fn write_marks(&self, marks: Vec<NewMark>) -> Vec<StoreResult<Recorded>> {
        match self.insert_marks(&marks).await {
            Ok(earlier) => marks
                .into_iter()
                .zip(earlier)
                .map(|(mark, earlier)| {
                    Ok(match earlier {
                        None => Recorded::New(mark),
                        Some(first) => Recorded::Again(first),
                    })
                })
                .collect(),
            Err(err) => {
                // The whole batch failed: tell everyone why, so that each
                // client retries (with the same id, so nothing counts twice).
                tracing::error!(%err, marks = marks.len(), "a batch of reading marks failed");
                let message = err.to_string();
                marks
                    .iter()
                    .map(|_| Err(StoreError::Unavailable(message.clone())))
                    .collect()
            }
        }
    }

    /// Inserts marks in one transaction, and says for each, in order,
    /// whether this insert recorded it (`None`) or which mark was recorded
    /// under its id before (a known id keeps its first mark).
    ///
    /// Nearly every batch is all new, and then the row counts say so
    /// without a row coming back; a batch with a repeat is written again,
    /// returning the ids it added, to tell which marks were known.
    async fn insert_marks(&self, marks: &[NewMark]) -> StoreResult<Vec<Option<Mark>>> {
        let refs: Vec<&NewMark> = marks.iter().collect();
        let txn = self.hot.begin().await?;
        let mut added = 0;
        for chunk in statement_chunks(&refs) {
            let statement = txn.get_database_backend().build(&insert_query(chunk));
            added += txn.execute_raw(statement).await?.rows_affected();
        }
        if added == marks.len() as u64 {
            txn.commit().await?;
            return Ok(vec![None; marks.len()]);
        }
        txn.rollback().await?;
        self.insert_marks_with_repeats(&refs).await
    }

    async fn insert_marks_with_repeats(
        &self,
        marks: &[&NewMark],
    ) -> StoreResult<Vec<Option<Mark>>> {
        let txn = self.hot.begin().await?;
        let mut inserted: HashSet<String> = HashSet::with_capacity(marks.len());
        for chunk in statement_chunks(marks) {
            let mut insert = insert_query(chunk);
            insert.returning_col(mark::Column::ClientId);
            let statement = txn.get_database_backend().build(&insert);
            inserted.extend(
                txn.query_all_raw(statement)
                    .await?
                    .into_iter()
                    .filter_map(|row| row.try_get_by_index::<String>(0).ok()),
            );
        }
        let known: Vec<String> = marks
            .iter()
            .map(|m| m.id.as_str().to_owned())
            .filter(|id| !inserted.contains(id))
            .collect();
        let mut first: HashMap<String, Mark> = HashMap::with_capacity(known.len());
        for chunk in known.chunks(MAX_BATCH) {
            for row in mark::Entity::find()
                .filter(mark::Column::ClientId.is_in(chunk.iter().cloned()))
                .all(&txn)
                .await?
            {
                first.insert(row.client_id.clone(), mark_from(row)?);
            }
        }
        txn.commit().await?;
        // An id sent twice in one batch is new the first time only, and
        // its repeat answers with that first mark.
        marks
            .iter()
            .map(|mark| {
                let id = mark.id.as_str();
                if inserted.remove(id) {
                    first.insert(id.to_owned(), (*mark).clone());
                    Ok(None)
                } else {
                    first.get(id).cloned().map(Some).ok_or_else(|| {
                        StoreError::Unavailable(format!(
                            "reading mark {id} neither added nor found"
                        ))
                    })
                }
            })
            .collect()
    }

    /// A member's marks in a campaign, oldest first: one index seek per
    /// day of the campaign.
    pub async fn marks_of(&self, member: MemberId, campaign: &Campaign) -> StoreResult<Vec<Mark>> {
        let days: Vec<NaiveDate> = campaign.calendar.days().collect();
        mark::Entity::find()
            .filter(mark::Column::CampaignId.eq(campaign.id.0))
            .filter(mark::Column::ReadOn.is_in(days))
            .filter(mark::Column::MemberId.eq(member.0))
            .order_by_asc(mark::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(mark_from)
            .collect()
    }

    /// How many members within a subtree read the whole of a day's
    /// assignment (`assigned` excerpts) on that day, against how many
    /// members there are.
    pub async fn completion(
        &self,
        campaign: CampaignId,
        within: &UnitPath,
        day: NaiveDate,
        assigned: usize,
    ) -> StoreResult<(u64, u64)> {
        let readers: Vec<i64> = members::of_members_within(
            day_readers_query(campaign, day, assigned),
            mark::Column::MemberId,
            within,
        )
        .into_tuple()
        .all(&self.db)
        .await?;
        let members = self.count_members(within).await?;
        Ok((readers.len() as u64, members))
    }

    /// The members who read the whole of a day's assignment (`assigned`
    /// excerpts) on that day.
    pub async fn day_readers(
        &self,
        campaign: CampaignId,
        day: NaiveDate,
        assigned: usize,
    ) -> StoreResult<Vec<i64>> {
        Ok(day_readers_query(campaign, day, assigned)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// The storage limit for reading marks, for the bench: marks written
    /// in one transaction through the writer's own statements.
    pub async fn insert_mark_batch(&self, marks: &[NewMark]) -> StoreResult<()> {
        self.insert_marks(marks).await?;
        Ok(())
    }

    /// Adds marks in bulk, for generated history (the demo, the bench);
    /// ids already there are skipped.
    pub async fn add_marks(&self, marks: &[NewMark]) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        let refs: Vec<&NewMark> = marks.iter().collect();
        for chunk in statement_chunks(&refs) {
            let statement = txn.get_database_backend().build(&insert_query(chunk));
            txn.execute_raw(statement).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    pub async fn count_marks(&self) -> StoreResult<u64> {
        use sea_orm::PaginatorTrait;
        Ok(mark::Entity::find().count(&self.db).await?)
    }
}

/// A fresh mark id: a version 7 UUID of the current time, so that marks
/// made together are stored together.
pub fn new_mark_id() -> StoreResult<MarkId> {
    let mut random = [0u8; 10];
    getrandom::fill(&mut random).map_err(|e| {
        StoreError::Unavailable(format!(
            "the operating system's random generator failed: {e}"
        ))
    })?;
    let unix_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Ok(MarkId::v7(unix_ms, random))
}
