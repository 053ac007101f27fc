//! Reading marks: the record that a member really read an excerpt.
//!
//! Marks arrive in bursts (the morning peak), so they are written by one
//! `MarkWriter` (a `batch::BatchWriter`) that commits whatever has queued
//! up in one transaction and only then answers each request. The
//! client's id makes a retry or an offline replay harmless: the first mark
//! with an id is kept, and a repeat gets that first mark back.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use suyuan_core::campaigns::{Campaign, CampaignId, Scoring};
use suyuan_core::library::ExcerptId;
use suyuan_core::members::MemberId;
use suyuan_core::progress::Counts;
use suyuan_core::progress::counts::{reading_changes, streak_changes};
use suyuan_core::reading::{MarkId, MarkKind, PointRules, Reading};
use suyuan_core::units::UnitPath;

use crate::batch::{
    BatchWriter, Field, all_failed, json_field, json_rows, json_source, json_statement, query_json,
    timestamp,
};
use crate::{Store, StoreError, StoreResult, members, progress};

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

/// A mark handed to the writer, with what counting it needs: the
/// member's unit and the campaign's scoring.
#[derive(Debug, Clone)]
pub struct Marking {
    pub mark: NewMark,
    pub unit: UnitPath,
    pub scoring: Arc<Scoring>,
}

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

/// Inserts marks given as JSON rows (`mark_row`), skipping ids already
/// recorded.
fn insert_sql(backend: DbBackend) -> String {
    use Field::{BigInt, Date, Int, Text, Timestamp};
    format!(
        "INSERT INTO reading_marks \
         (client_id, campaign_id, member_id, excerpt_id, read_on, kind, seconds, recorded_at) \
         {} ON CONFLICT (client_id) DO NOTHING",
        json_rows(
            backend,
            &[Text, BigInt, BigInt, BigInt, Date, Text, Int, Timestamp]
        )
    )
}

/// A mark as `insert_sql` reads it.
type MarkRow<'a> = (&'a str, i64, i64, i64, NaiveDate, &'static str, i32, String);

fn mark_row(mark: &NewMark) -> MarkRow<'_> {
    (
        mark.id.as_str(),
        mark.campaign.0,
        mark.member.0,
        mark.excerpt.0,
        mark.read_on,
        mark.kind.code(),
        i32::try_from(mark.seconds).unwrap_or(i32::MAX),
        timestamp(mark.recorded_at),
    )
}

/// Inserts marks, skipping ids already recorded: how many it added.
async fn insert_rows<C: ConnectionTrait>(conn: &C, marks: &[&NewMark]) -> StoreResult<u64> {
    let backend = conn.get_database_backend();
    let rows: Vec<MarkRow> = marks.iter().map(|m| mark_row(m)).collect();
    let statement = json_statement(backend, insert_sql(backend), &rows)?;
    Ok(conn.execute_raw(statement).await?.rows_affected())
}

/// The most marks one transaction takes.
const MAX_BATCH: usize = 2_000;
/// The one writer of reading marks of this instance.
pub type MarkWriter = BatchWriter<Marking, Recorded>;

impl Store {
    /// Starts this instance's mark writer on the current runtime.
    pub fn mark_writer(&self) -> MarkWriter {
        let store = self.clone();
        BatchWriter::start("mark writer", MAX_BATCH, move |marks| {
            let store = store.clone();
            async move { store.write_marks(marks).await }
        })
    }

    async fn write_marks(&self, marks: Vec<Marking>) -> Vec<StoreResult<Recorded>> {
        match self.insert_marks(&marks).await {
            Ok(earlier) => marks
                .into_iter()
                .zip(earlier)
                .map(|(marking, earlier)| {
                    Ok(match earlier {
                        None => Recorded::New(marking.mark),
                        Some(first) => Recorded::Again(first),
                    })
                })
                .collect(),
            Err(err) => {
                // The whole batch failed: tell everyone why, so that each
                // client retries (with the same id, so nothing counts twice).
                tracing::error!(%err, marks = marks.len(), "a batch of reading marks failed");
                all_failed(&marks, &err)
            }
        }
    }

    /// Inserts marks in one transaction with what they count (see
    /// `progress`), and says for each, in order, whether this insert
    /// recorded it (`None`) or which mark was recorded under its id before
    /// (a known id keeps its first mark).
    ///
    /// Nearly every batch is all new, and then the row counts say so
    /// without a row coming back; a batch with a repeat is written again,
    /// returning the ids it added, to tell which marks were known.
    async fn insert_marks(&self, marks: &[Marking]) -> StoreResult<Vec<Option<Mark>>> {
        let refs: Vec<&NewMark> = marks.iter().map(|m| &m.mark).collect();
        let txn = self.hot.begin().await?;
        if insert_rows(&txn, &refs).await? == marks.len() as u64 {
            let added: Vec<&Marking> = marks.iter().collect();
            count_readings(&txn, &shares_of(&txn, &added).await?).await?;
            txn.commit().await?;
            return Ok(vec![None; marks.len()]);
        }
        txn.rollback().await?;
        self.insert_marks_with_repeats(marks).await
    }

    async fn insert_marks_with_repeats(
        &self,
        markings: &[Marking],
    ) -> StoreResult<Vec<Option<Mark>>> {
        let marks: Vec<&NewMark> = markings.iter().map(|m| &m.mark).collect();
        let txn = self.hot.begin().await?;
        let backend = txn.get_database_backend();
        let rows: Vec<MarkRow> = marks.iter().map(|m| mark_row(m)).collect();
        let returning = format!("{} RETURNING client_id", insert_sql(backend));
        let mut inserted: HashSet<String> = txn
            .query_all_raw(json_statement(backend, returning, &rows)?)
            .await?
            .into_iter()
            .filter_map(|row| row.try_get_by_index::<String>(0).ok())
            .collect();
        // Only what this insert added counts, and an id sent twice in one
        // batch the first time only.
        let mut counted: HashSet<&str> = HashSet::new();
        let added: Vec<&Marking> = markings
            .iter()
            .filter(|m| inserted.contains(m.mark.id.as_str()) && counted.insert(m.mark.id.as_str()))
            .collect();
        count_readings(&txn, &shares_of(&txn, &added).await?).await?;
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
        // A repeat within the batch answers with the first mark.
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
    #[cfg(feature = "bench")]
    pub async fn insert_mark_batch(&self, marks: &[NewMark]) -> StoreResult<()> {
        let refs: Vec<&NewMark> = marks.iter().collect();
        let txn = self.hot.begin().await?;
        insert_rows(&txn, &refs).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Adds marks in bulk, for generated history (the demo, the bench);
    /// ids already there are skipped. They are not counted: rebuild the
    /// campaign's progress after (`rebuild_progress`).
    pub async fn add_marks(&self, marks: &[NewMark]) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        let refs: Vec<&NewMark> = marks.iter().collect();
        insert_rows(&txn, &refs).await?;
        txn.commit().await?;
        Ok(())
    }

    /// A campaign's scoring: its rules and what its plan assigns each day.
    pub async fn scoring(&self, campaign: &Campaign) -> StoreResult<Scoring> {
        Ok(campaign.scoring(&self.plan_of(campaign.id).await?))
    }

    pub async fn count_marks(&self) -> StoreResult<u64> {
        use sea_orm::PaginatorTrait;
        Ok(mark::Entity::find().count(&self.db).await?)
    }
}

/// Each member's run of days read in full, for the streak figures.
pub(crate) const STREAKS: &str = "reading_streaks";

/// Each member's readings already recorded on the days a batch looks at:
/// every distinct reading once, with how many marks made it. Its size
/// follows what a member read, not how often they sent it.
type Before = HashMap<i64, Vec<(Reading<ExcerptId>, u32)>>;

/// A batch's marks of one campaign, with what was recorded before them.
struct Share<'a> {
    campaign: i64,
    scoring: Arc<Scoring>,
    marks: Vec<&'a Marking>,
    /// Members catching up, and the earlier days whose excerpts they read.
    catching_up: BTreeMap<i64, BTreeSet<NaiveDate>>,
    before: Before,
}

/// Cuts the marks a batch added by campaign and reads what counting them
/// compares with: each member's marks of the batch's days, and for a
/// member catching up an earlier day, their marks of every day since it.
/// Read after the insert (a transaction that writes first holds the write
/// lock from its start), so the batch's own marks are taken out again.
async fn shares_of<'a, C: ConnectionTrait>(
    conn: &C,
    added: &[&'a Marking],
) -> StoreResult<Vec<Share<'a>>> {
    let mut by_campaign: BTreeMap<i64, Vec<&Marking>> = BTreeMap::new();
    for marking in added {
        by_campaign
            .entry(marking.mark.campaign.0)
            .or_default()
            .push(marking);
    }
    let mut shares = Vec::with_capacity(by_campaign.len());
    for (campaign, marks) in by_campaign {
        let scoring = marks[0].scoring.clone();
        let mut catching_up: BTreeMap<i64, BTreeSet<NaiveDate>> = BTreeMap::new();
        for m in marks.iter().filter(|m| m.mark.kind == MarkKind::Late) {
            if let Some(day) = scoring.assigned_on(m.mark.excerpt) {
                catching_up.entry(m.mark.member.0).or_default().insert(day);
            }
        }
        let mut looked: BTreeSet<(i64, NaiveDate)> = marks
            .iter()
            .map(|m| (m.mark.member.0, m.mark.read_on))
            .collect();
        if let Some(last) = marks.iter().map(|m| m.mark.read_on).max() {
            for (member, days) in &catching_up {
                if let Some(first) = days.first() {
                    looked.extend(
                        first
                            .iter_days()
                            .take_while(|day| *day <= last)
                            .map(|day| (*member, day)),
                    );
                }
            }
        }
        let mut before = load_before(conn, campaign, &looked).await?;
        for m in &marks {
            let reading = (m.mark.read_on, m.mark.kind, m.mark.excerpt);
            if let Some(rows) = before.get_mut(&m.mark.member.0)
                && let Some(row) = rows.iter_mut().find(|(r, _)| *r == reading)
            {
                row.1 = row.1.saturating_sub(1);
            }
        }
        for rows in before.values_mut() {
            rows.retain(|(_, marks)| *marks > 0);
        }
        shares.push(Share {
            campaign,
            scoring,
            marks,
            catching_up,
            before,
        });
    }
    Ok(shares)
}

/// The recorded readings of each member on the days listed with them:
/// one statement, the (member, day) pairs bound as JSON rows, each pair
/// one seek in the marks index, the readings read back as one JSON value.
async fn load_before<C: ConnectionTrait>(
    conn: &C,
    campaign: i64,
    looked: &BTreeSet<(i64, NaiveDate)>,
) -> StoreResult<Before> {
    use Field::{BigInt, Date};
    let backend = conn.get_database_backend();
    let field = |i, kind| json_field(backend, i, kind);
    // CROSS JOIN: SQLite takes the pairs first (as written) and seeks each
    // in the index; left to choose, it scanned the campaign's marks.
    let readings = format!(
        "SELECT m.member_id, m.read_on, m.kind, m.excerpt_id, COUNT(m.id) AS marks \
         FROM {} CROSS JOIN reading_marks m \
         WHERE m.campaign_id = {} AND m.member_id = {} AND m.read_on = {} \
         GROUP BY m.member_id, m.read_on, m.kind, m.excerpt_id",
        json_source(backend),
        field(0, BigInt),
        field(1, BigInt),
        field(2, Date),
    );
    let pairs: Vec<(i64, i64, NaiveDate)> = looked
        .iter()
        .map(|(member, day)| (campaign, *member, *day))
        .collect();
    let columns = ["member_id", "read_on", "kind", "excerpt_id", "marks"];
    let rows: Vec<(i64, NaiveDate, String, i64, u32)> =
        query_json(conn, &readings, &columns, &pairs).await?;
    let mut before = Before::new();
    for (member, day, kind, excerpt, marks) in rows {
        let kind = MarkKind::parse(&kind).ok_or_else(|| {
            StoreError::Corrupt(format!("a reading mark of member {member}: kind {kind}"))
        })?;
        before
            .entry(member)
            .or_default()
            .push(((day, kind, ExcerptId(excerpt)), marks));
    }
    Ok(before)
}

/// Counts what newly recorded marks change (see `progress`), as core's
/// `reading_changes` and `streak_changes` decide from the member's marks
/// of those days before: the days they complete, on time or caught up,
/// the streaks they extend and the points they earn.
async fn count_readings<C: ConnectionTrait>(conn: &C, shares: &[Share<'_>]) -> StoreResult<()> {
    for share in shares {
        let scoring = &share.scoring;
        let mut new: BTreeMap<i64, Vec<(Reading<ExcerptId>, u32)>> = BTreeMap::new();
        for marking in &share.marks {
            let mark = &marking.mark;
            new.entry(mark.member.0)
                .or_default()
                .push(((mark.read_on, mark.kind, mark.excerpt), 1));
        }
        let units: HashMap<i64, &UnitPath> = share
            .marks
            .iter()
            .map(|m| (m.mark.member.0, &m.unit))
            .collect();
        let mut changes: Vec<(UnitPath, NaiveDate, Counts)> = Vec::new();
        let mut completed: BTreeMap<i64, Vec<NaiveDate>> = BTreeMap::new();
        let no_days = BTreeSet::new();
        for (member, added) in &new {
            let Some(path) = units.get(member) else {
                continue;
            };
            let (counted, days) = reading_changes(
                &scoring.rules,
                &scoring.plan,
                share.before.get(member).map_or(&[], Vec::as_slice),
                added,
                share.catching_up.get(member).unwrap_or(&no_days),
            );
            changes.extend(
                counted
                    .into_iter()
                    .map(|(day, counts)| ((*path).clone(), day, counts)),
            );
            if !days.is_empty() {
                completed.insert(*member, days);
            }
        }
        extend_streaks(
            conn,
            share.campaign,
            &scoring.rules,
            completed,
            &units,
            &mut changes,
        )
        .await?;
        progress::add_days(conn, CampaignId(share.campaign), changes).await?;
    }
    Ok(())
}

/// Extends the runs of members who completed days (in order, per member),
/// adding the days on a streak and the bonus to `changes`.
async fn extend_streaks<C: ConnectionTrait>(
    conn: &C,
    campaign: i64,
    rules: &PointRules,
    completed: BTreeMap<i64, Vec<NaiveDate>>,
    units: &HashMap<i64, &UnitPath>,
    changes: &mut Vec<(UnitPath, NaiveDate, Counts)>,
) -> StoreResult<()> {
    if completed.is_empty() {
        return Ok(());
    }
    let runs = load_runs(conn, campaign, completed.keys().copied()).await?;
    let mut extended: BTreeMap<i64, (NaiveDate, u32)> = BTreeMap::new();
    for (member, days) in completed {
        let last = runs.get(&member).copied();
        let (counted, after) = streak_changes(rules, last, &days);
        if let Some(path) = units.get(&member) {
            changes.extend(
                counted
                    .into_iter()
                    .map(|(day, counts)| ((*path).clone(), day, counts)),
            );
        }
        if let Some(after) = after.filter(|after| Some(*after) != last) {
            extended.insert(member, after);
        }
    }
    save_streaks(conn, campaign, extended.into_iter()).await
}

/// Members' runs so far: the last day each read in full and its run
/// length, in one statement (the members bound as JSON rows).
async fn load_runs<C: ConnectionTrait>(
    conn: &C,
    campaign: i64,
    members: impl Iterator<Item = i64>,
) -> StoreResult<HashMap<i64, (NaiveDate, u32)>> {
    use Field::BigInt;
    let backend = conn.get_database_backend();
    let runs = format!(
        "SELECT s.member_id, s.last_day, s.run FROM {} CROSS JOIN {STREAKS} s \
         WHERE s.campaign_id = {} AND s.member_id = {}",
        json_source(backend),
        json_field(backend, 0, BigInt),
        json_field(backend, 1, BigInt),
    );
    let pairs: Vec<(i64, i64)> = members.map(|member| (campaign, member)).collect();
    let rows: Vec<(i64, NaiveDate, u32)> =
        query_json(conn, &runs, &["member_id", "last_day", "run"], &pairs).await?;
    Ok(rows
        .into_iter()
        .map(|(member, last, run)| (member, (last, run)))
        .collect())
}

/// Stores members' runs: the last day read in full and its run length.
pub(crate) async fn save_streaks<C: ConnectionTrait>(
    conn: &C,
    campaign: i64,
    runs: impl Iterator<Item = (i64, (NaiveDate, u32))>,
) -> StoreResult<()> {
    use Field::{BigInt, Date, Int};
    let rows: Vec<(i64, i64, NaiveDate, i32)> = runs
        .map(|(member, (day, run))| {
            (
                campaign,
                member,
                day,
                i32::try_from(run).unwrap_or(i32::MAX),
            )
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let backend = conn.get_database_backend();
    let sql = format!(
        "INSERT INTO {STREAKS} (campaign_id, member_id, last_day, run) {} \
         ON CONFLICT (campaign_id, member_id) \
         DO UPDATE SET last_day = excluded.last_day, run = excluded.run",
        json_rows(backend, &[BigInt, BigInt, Date, Int])
    );
    conn.execute_raw(json_statement(backend, sql, &rows)?)
        .await?;
    Ok(())
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
