//! Reading marks: the record that a member really read an excerpt.
//!
//! Marks arrive in bursts (the morning peak), so they are written by one
//! `MarkWriter` (a `batch::BatchWriter`) that commits whatever has queued
//! up in one transaction and only then answers each request. A member
//! marks an excerpt once a day: a mark of the same excerpt on the same
//! day, or a retry or offline replay under the client's id, is a repeat,
//! and gets the first mark back.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
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
    /// A mark with this id, or of this excerpt by this member on this
    /// day, was there already; this is the first one.
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

/// Inserts marks given as JSON rows (`mark_row`), skipping repeats: ids
/// already recorded, and excerpts the member marked that day already.
fn insert_sql(backend: DbBackend) -> String {
    use Field::{BigInt, Date, Int, Text, Timestamp};
    format!(
        "INSERT INTO reading_marks \
         (client_id, campaign_id, member_id, excerpt_id, read_on, kind, seconds, recorded_at) \
         {} ON CONFLICT DO NOTHING",
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

/// Inserts marks, skipping repeats: how many it added.
async fn insert_rows<C: ConnectionTrait>(conn: &C, marks: &[&NewMark]) -> StoreResult<u64> {
    let backend = conn.get_database_backend();
    let rows: Vec<MarkRow> = marks.iter().map(|m| mark_row(m)).collect();
    let statement = json_statement(backend, insert_sql(backend), &rows)?;
    Ok(conn.execute_raw(statement).await?.rows_affected())
}

/// What makes a mark a repeat besides its id: one mark per member,
/// excerpt and day (in a campaign).
type MarkKey = (CampaignId, MemberId, ExcerptId, NaiveDate);

fn key_of(mark: &NewMark) -> MarkKey {
    (mark.campaign, mark.member, mark.excerpt, mark.read_on)
}

/// The marks recorded before repeats: by id where their id is known, and
/// otherwise by what they mark.
async fn recorded_before<C: ConnectionTrait>(
    conn: &C,
    repeats: &[&NewMark],
) -> StoreResult<(HashMap<String, Mark>, HashMap<MarkKey, Mark>)> {
    let mut by_id: HashMap<String, Mark> = HashMap::new();
    let ids: Vec<String> = repeats.iter().map(|m| m.id.as_str().to_owned()).collect();
    for chunk in ids.chunks(MAX_BATCH) {
        for row in mark::Entity::find()
            .filter(mark::Column::ClientId.is_in(chunk.iter().cloned()))
            .all(conn)
            .await?
        {
            by_id.insert(row.client_id.clone(), mark_from(row)?);
        }
    }
    let keys: BTreeSet<MarkKey> = repeats
        .iter()
        .filter(|m| !by_id.contains_key(m.id.as_str()))
        .map(|m| key_of(m))
        .collect();
    let keys: Vec<MarkKey> = keys.into_iter().collect();
    let mut by_key: HashMap<MarkKey, Mark> = HashMap::new();
    for chunk in keys.chunks(200) {
        let mut any = Condition::any();
        for (campaign, member, excerpt, day) in chunk {
            any = any.add(
                Condition::all()
                    .add(mark::Column::CampaignId.eq(campaign.0))
                    .add(mark::Column::MemberId.eq(member.0))
                    .add(mark::Column::ExcerptId.eq(excerpt.0))
                    .add(mark::Column::ReadOn.eq(*day)),
            );
        }
        for row in mark::Entity::find().filter(any).all(conn).await? {
            let mark = mark_from(row)?;
            by_key.insert(key_of(&mark), mark);
        }
    }
    Ok((by_id, by_key))
}

/// Each mark's answer, in order: `None` for those this insert added, and
/// for a repeat the first mark (one earlier in the batch included).
fn answer_repeats(
    marks: &[&NewMark],
    inserted: &HashSet<String>,
    mut by_id: HashMap<String, Mark>,
    mut by_key: HashMap<MarkKey, Mark>,
) -> StoreResult<Vec<Option<Mark>>> {
    let mut added: HashSet<&str> = HashSet::new();
    marks
        .iter()
        .map(|mark| {
            let id = mark.id.as_str();
            if inserted.contains(id) && added.insert(id) {
                by_id.insert(id.to_owned(), (*mark).clone());
                by_key.insert(key_of(mark), (*mark).clone());
                return Ok(None);
            }
            by_id
                .get(id)
                .or_else(|| by_key.get(&key_of(mark)))
                .cloned()
                .map(Some)
                .ok_or_else(|| {
                    StoreError::Unavailable(format!("reading mark {id} neither added nor found"))
                })
        })
        .collect()
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
    /// recorded it (`None`) or which mark was recorded before it (under
    /// its id, or of its excerpt by its member that day).
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
        let inserted: HashSet<String> = txn
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
        let repeats: Vec<&NewMark> = marks
            .iter()
            .copied()
            .filter(|m| !inserted.contains(m.id.as_str()))
            .collect();
        let (by_id, by_key) = recorded_before(&txn, &repeats).await?;
        txn.commit().await?;
        answer_repeats(&marks, &inserted, by_id, by_key)
    }

    /// A member's marks of one day of a campaign: one index seek.
    pub async fn marks_on(
        &self,
        member: MemberId,
        campaign: CampaignId,
        day: NaiveDate,
    ) -> StoreResult<Vec<Mark>> {
        self.marks_on_days(member, campaign, vec![day]).await
    }

    /// A member's marks in a campaign, oldest first (what a recount reads):
    /// one index seek per day of the campaign.
    pub async fn marks_of(&self, member: MemberId, campaign: &Campaign) -> StoreResult<Vec<Mark>> {
        let days: Vec<NaiveDate> = campaign.calendar.days().collect();
        self.marks_on_days(member, campaign.id, days).await
    }

    async fn marks_on_days(
        &self,
        member: MemberId,
        campaign: CampaignId,
        days: Vec<NaiveDate>,
    ) -> StoreResult<Vec<Mark>> {
        mark::Entity::find()
            .filter(mark::Column::CampaignId.eq(campaign.0))
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
    /// in one transaction through the writer's own statements; how many
    /// were added (repeats are skipped).
    #[cfg(feature = "bench")]
    pub async fn insert_mark_batch(&self, marks: &[NewMark]) -> StoreResult<u64> {
        let refs: Vec<&NewMark> = marks.iter().collect();
        let txn = self.hot.begin().await?;
        let added = insert_rows(&txn, &refs).await?;
        txn.commit().await?;
        Ok(added)
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

/// Each member's readings already recorded that a batch's counting looks
/// at, each with how many marks made it (one, a mark being once a day).
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
/// member catching up an earlier day, their marks of that day's excerpts
/// since it. Both are bounded by a day's reading, not by how long the
/// member has read. Read after the insert (a transaction that writes
/// first holds the write lock from its start), so the batch's own marks
/// are taken out again.
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
        let days: BTreeSet<(i64, NaiveDate)> = marks
            .iter()
            .map(|m| (m.mark.member.0, m.mark.read_on))
            .collect();
        let mut since: BTreeSet<(i64, i64, NaiveDate)> = BTreeSet::new();
        for (member, days) in &catching_up {
            for day in days {
                for excerpt in scoring.plan.get(day).into_iter().flatten() {
                    since.insert((*member, excerpt.0, *day));
                }
            }
        }
        let mut before = load_before(conn, campaign, &days, &since).await?;
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

/// The recorded readings of each member on the days listed with them, and
/// of the excerpts listed with them on or after the day given: one
/// statement each, the tuples bound as JSON rows, each tuple one seek in
/// an index of the marks, the readings read back as one JSON value.
async fn load_before<C: ConnectionTrait>(
    conn: &C,
    campaign: i64,
    days: &BTreeSet<(i64, NaiveDate)>,
    since: &BTreeSet<(i64, i64, NaiveDate)>,
) -> StoreResult<Before> {
    use Field::{BigInt, Date};
    let backend = conn.get_database_backend();
    let field = |i, kind| json_field(backend, i, kind);
    // CROSS JOIN: SQLite takes the tuples first (as written) and seeks each
    // in the index; left to choose, it scanned the campaign's marks.
    let select = |marks: &str, condition: String| {
        format!(
            "SELECT m.member_id, m.read_on, m.kind, m.excerpt_id, COUNT(m.id) AS marks \
             FROM {} CROSS JOIN {marks} \
             WHERE m.campaign_id = {} AND m.member_id = {} AND {condition} \
             GROUP BY m.member_id, m.read_on, m.kind, m.excerpt_id",
            json_source(backend),
            field(0, BigInt),
            field(1, BigInt),
        )
    };
    // By excerpt, SQLite preferred the day index (it covers the columns
    // read) and scanned every member's marks since the day: named here, the
    // one-a-day index seeks the member's marks of the excerpt alone.
    let by_excerpt = match backend {
        DbBackend::Sqlite => "reading_marks m INDEXED BY reading_marks_once",
        _ => "reading_marks m",
    };
    let columns = ["member_id", "read_on", "kind", "excerpt_id", "marks"];
    let mut rows: Vec<(i64, NaiveDate, String, i64, u32)> = Vec::new();
    let on_days: Vec<(i64, i64, NaiveDate)> = days
        .iter()
        .map(|(member, day)| (campaign, *member, *day))
        .collect();
    let sql = select("reading_marks m", format!("m.read_on = {}", field(2, Date)));
    rows.extend(query_json(conn, &sql, &columns, &on_days).await?);
    if !since.is_empty() {
        let excerpts: Vec<(i64, i64, i64, NaiveDate)> = since
            .iter()
            .map(|(member, excerpt, day)| (campaign, *member, *excerpt, *day))
            .collect();
        let sql = select(
            by_excerpt,
            format!(
                "m.excerpt_id = {} AND m.read_on >= {}",
                field(2, BigInt),
                field(3, Date)
            ),
        );
        rows.extend(query_json(conn, &sql, &columns, &excerpts).await?);
    }
    // A reading found by both statements is one reading.
    let mut found: HashMap<i64, BTreeMap<Reading<ExcerptId>, u32>> = HashMap::new();
    for (member, day, kind, excerpt, marks) in rows {
        let kind = MarkKind::parse(&kind).ok_or_else(|| {
            StoreError::Corrupt(format!("a reading mark of member {member}: kind {kind}"))
        })?;
        found
            .entry(member)
            .or_default()
            .insert((day, kind, ExcerptId(excerpt)), marks);
    }
    Ok(found
        .into_iter()
        .map(|(member, readings)| (member, readings.into_iter().collect()))
        .collect())
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
        let mut changes: Vec<(i64, NaiveDate, Counts)> = Vec::new();
        let mut completed: BTreeMap<i64, Vec<NaiveDate>> = BTreeMap::new();
        let no_days = BTreeSet::new();
        for (member, added) in &new {
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
                    .map(|(day, counts)| (*member, day, counts)),
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
            &mut changes,
        )
        .await?;
        let campaign = CampaignId(share.campaign);
        let by_unit: Vec<(UnitPath, NaiveDate, Counts)> = changes
            .iter()
            .filter_map(|(member, day, counts)| {
                Some(((*units.get(member)?).clone(), *day, *counts))
            })
            .collect();
        progress::add_days(conn, campaign, by_unit).await?;
        progress::add_member_days(conn, campaign, changes).await?;
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
    changes: &mut Vec<(i64, NaiveDate, Counts)>,
) -> StoreResult<()> {
    if completed.is_empty() {
        return Ok(());
    }
    let runs = load_runs(conn, campaign, completed.keys().copied()).await?;
    let mut extended: BTreeMap<i64, (NaiveDate, u32)> = BTreeMap::new();
    for (member, days) in completed {
        let last = runs.get(&member).copied();
        let (counted, after) = streak_changes(rules, last, &days);
        changes.extend(
            counted
                .into_iter()
                .map(|(day, counts)| (member, day, counts)),
        );
        if let Some(after) = after.filter(|after| Some(*after) != last) {
            extended.insert(member, after);
        }
    }
    save_streaks(conn, campaign, extended.into_iter()).await
}

/// Members' runs so far: the last day each read in full and its run
/// length, in one statement (the members bound as JSON rows).
pub(crate) async fn load_runs<C: ConnectionTrait>(
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
