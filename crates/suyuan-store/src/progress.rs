//! Progress summaries, kept on write so that a dashboard or a member's
//! page never scans raw records: `progress_days` holds, per campaign, unit
//! and day, the counts (`suyuan_core::progress::Counts`) of the unit's
//! whole subtree; `member_reading_days` the reading part of each member's
//! own. Every writer that changes what a member did adds the change to the
//! member's unit and each unit above it, in the writer's own transaction:
//!
//! - the mark writer (`reading`) counts days read in full on time or late,
//!   streaks and reading points, from the batch and the member's marks of
//!   the days it touches (`reading_streaks` keeps each member's run), and
//!   adds them to the member's own days too;
//! - tests and gatherings count each member again from their own records
//!   (`retally`), and add the difference from what `progress_members`
//!   says was counted before.
//!
//! `unit_sizes` keeps each unit's members, subtree included. `recount`
//! derives the same figures from the raw records, to check them and to
//! rebuild them after a bulk load, a change of rules, or an upgrade that
//! flagged a campaign in `progress_stale`.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, OnConflict, Query};
use sea_orm::{ConnectionTrait, TransactionTrait};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use suyuan_core::exams::Score;
use suyuan_core::gatherings::{Attendance, Kind};
use suyuan_core::members::MemberId;
use suyuan_core::progress::counts::{
    Days, OnRoll, Sitting, changes, last_run, other_days, reading_days,
};
use suyuan_core::progress::{Counts, Figures};
use suyuan_core::reading::Run;
use suyuan_core::units::{UnitId, UnitPath};

use crate::batch::{Field, json_rows, json_statement};
use crate::{Store, StoreResult};
use suyuan_core::campaigns::{Campaign, CampaignId};

const DAYS: &str = "progress_days";
const MEMBERS: &str = "progress_members";
const MEMBER_DAYS: &str = "member_reading_days";
const STALE: &str = "progress_stale";
const SIZES: &str = "unit_sizes";

fn col(name: &str) -> Alias {
    Alias::new(name)
}

/// Some key columns, then every count's.
fn with_counts(keys: &[&str]) -> Vec<Alias> {
    keys.iter()
        .chain(Counts::FIELDS)
        .map(|name| col(name))
        .collect()
}

/// Rows per multi-row statement: 16 values a row stays well under both
/// databases' limits on parameters.
const ROWS_PER_STATEMENT: usize = 500;

/// Adds changes to the days of each unit and every unit above it.
pub(crate) async fn add_days<C: ConnectionTrait>(
    conn: &C,
    campaign: CampaignId,
    changes: Vec<(UnitPath, NaiveDate, Counts)>,
) -> StoreResult<()> {
    let mut merged: BTreeMap<(i64, NaiveDate), Counts> = BTreeMap::new();
    for (path, day, counts) in changes {
        for unit in path.ids() {
            *merged.entry((unit.0, day)).or_default() += counts;
        }
    }
    add_rows(conn, DAYS, "unit_id", Counts::FIELDS, campaign, merged).await
}

/// Adds changes to members' own days of reading (only the reading part
/// of the counts is kept there).
pub(crate) async fn add_member_days<C: ConnectionTrait>(
    conn: &C,
    campaign: CampaignId,
    changes: Vec<(i64, NaiveDate, Counts)>,
) -> StoreResult<()> {
    let mut merged: BTreeMap<(i64, NaiveDate), Counts> = BTreeMap::new();
    for (member, day, counts) in changes {
        *merged.entry((member, day)).or_default() += counts.reading();
    }
    let fields = Counts::READING_FIELDS;
    add_rows(conn, MEMBER_DAYS, "member_id", fields, campaign, merged).await
}

/// Adds counts to the rows of a summary table (by campaign, `key` and
/// day), making rows that are missing: one statement whatever the number
/// of rows, as the mark writer adds a different number every batch.
async fn add_rows<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    key: &str,
    fields: &[&str],
    campaign: CampaignId,
    mut merged: BTreeMap<(i64, NaiveDate), Counts>,
) -> StoreResult<()> {
    merged.retain(|_, c| !c.is_zero());
    if merged.is_empty() {
        return Ok(());
    }
    let rows: Vec<Vec<serde_json::Value>> = merged
        .into_iter()
        .map(|((id, day), counts)| {
            let mut row = vec![campaign.0.into(), id.into(), day.to_string().into()];
            row.extend(
                counts.values()[..fields.len()]
                    .iter()
                    .map(|v| serde_json::Value::from(*v)),
            );
            row
        })
        .collect();
    let backend = conn.get_database_backend();
    let mut types = vec![Field::BigInt, Field::BigInt, Field::Date];
    types.extend(fields.iter().map(|_| Field::BigInt));
    let columns = ["campaign_id", key, "day"]
        .iter()
        .chain(fields)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let sums = fields
        .iter()
        .map(|f| format!("{f} = {table}.{f} + excluded.{f}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO {table} ({columns}) {} \
         ON CONFLICT (campaign_id, {key}, day) DO UPDATE SET {sums}",
        json_rows(backend, &types)
    );
    conn.execute_raw(json_statement(backend, sql, &rows)?)
        .await?;
    Ok(())
}

/// Adds to the members of each unit and every unit above it.
pub(crate) async fn resize<C: ConnectionTrait>(
    conn: &C,
    changes: impl IntoIterator<Item = (UnitPath, i64)>,
) -> StoreResult<()> {
    let mut merged: BTreeMap<i64, i64> = BTreeMap::new();
    for (path, change) in changes {
        for unit in path.ids() {
            *merged.entry(unit.0).or_default() += change;
        }
    }
    add_sizes(conn, merged).await
}

/// Moves the members of a subtree (now at `new`, before at `old`) from the
/// units above its old place to those above its new one. What they did
/// before stays counted where they were then.
pub(crate) async fn move_subtree<C: ConnectionTrait>(
    conn: &C,
    old: &UnitPath,
    new: &UnitPath,
) -> StoreResult<()> {
    let unit = old.unit_id();
    let members = *Store::sizes_on(conn, &[unit])
        .await?
        .get(&unit)
        .unwrap_or(&0) as i64;
    let mut merged: BTreeMap<i64, i64> = BTreeMap::new();
    for (path, change) in [(old, -members), (new, members)] {
        for above in path.ids().into_iter().filter(|id| *id != unit) {
            *merged.entry(above.0).or_default() += change;
        }
    }
    add_sizes(conn, merged).await
}

async fn add_sizes<C: ConnectionTrait>(
    conn: &C,
    mut merged: BTreeMap<i64, i64>,
) -> StoreResult<()> {
    merged.retain(|_, c| *c != 0);
    let rows: Vec<_> = merged.into_iter().collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut insert = Query::insert();
        insert
            .into_table(col(SIZES))
            .columns([col("unit_id"), col("members")]);
        for (unit, change) in chunk {
            insert.values_panic([(*unit).into(), (*change).into()]);
        }
        insert.on_conflict(
            OnConflict::column(col("unit_id"))
                .value(
                    col("members"),
                    Expr::col((col(SIZES), col("members")))
                        .add(Expr::col((col("excluded"), col("members")))),
                )
                .to_owned(),
        );
        conn.execute(&insert).await?;
    }
    Ok(())
}

/// What members' tests and gatherings count, from their own records, by
/// member (those with none are left out).
async fn others_of<C: ConnectionTrait>(
    conn: &C,
    campaign: &Campaign,
    members: &[i64],
) -> StoreResult<HashMap<i64, Days>> {
    let day = |at: DateTime<Utc>| campaign.calendar.date_at(at);
    let mut sittings = crate::exams::best_sittings(conn, members, campaign.id).await?;
    let mut rolls = crate::gatherings::rolls_of(conn, members, campaign.id).await?;
    let mut out = HashMap::new();
    for member in members {
        let sat: Vec<Sitting> = sittings
            .remove(member)
            .unwrap_or_default()
            .into_iter()
            .map(
                |(opens_at, submitted_at, score, pass_mark): (_, _, Score, u32)| Sitting {
                    held_on: day(opens_at),
                    handed_in: day(submitted_at),
                    percent: score.percent(),
                    passed: score.passes(pass_mark),
                },
            )
            .collect();
        let record = rolls.remove(member).unwrap_or_default();
        let on_rolls: Vec<OnRoll> = record
            .rolls
            .into_iter()
            .map(|(starts_at, kind, status): (_, Kind, Attendance)| OnRoll {
                on: day(starts_at),
                kind,
                attended: status.attended(),
            })
            .collect();
        let accepted: Vec<NaiveDate> = record.accepted.into_iter().map(day).collect();
        let days = other_days(&campaign.rules, &sat, &on_rolls, &accepted);
        if !days.is_empty() {
            out.insert(*member, days);
        }
    }
    Ok(out)
}

/// The counts of a summary row, read from its columns starting at
/// `first` (in the order of `with_counts`).
fn counts_at(row: &sea_orm::QueryResult, first: usize) -> StoreResult<Counts> {
    first_counts_at(row, first, Counts::FIELDS.len())
}

/// The first `fields` counts (in the order of `Counts::FIELDS`) of a row,
/// read from its columns starting at `first`; the rest are 0.
fn first_counts_at(row: &sea_orm::QueryResult, first: usize, fields: usize) -> StoreResult<Counts> {
    let values = (0..fields)
        .map(|i| row.try_get_by_index::<i64>(first + i))
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(Counts::from_values(&values))
}

/// Counts members' tests and gatherings in a campaign again, and adds what
/// changed since they were last counted, in the caller's transaction: a
/// few statements for every few hundred members.
pub(crate) async fn retally<C: ConnectionTrait>(
    conn: &C,
    campaign: &Campaign,
    members: &[(MemberId, UnitPath)],
) -> StoreResult<()> {
    let backend = conn.get_database_backend();
    let mut paths: HashMap<i64, UnitPath> = HashMap::new();
    for chunk in members.chunks(400) {
        let ids: Vec<i64> = chunk.iter().map(|(m, _)| m.0).collect();
        let mut now = others_of(conn, campaign, &ids).await?;
        // What was counted before, and under which unit.
        let mut select = Query::select();
        select
            .from(col(MEMBERS))
            .columns(with_counts(&["member_id", "day", "unit_id"]))
            .and_where(Expr::col(col("campaign_id")).eq(campaign.id.0))
            .and_where(Expr::col(col("member_id")).is_in(ids.iter().copied()));
        let mut before: HashMap<i64, BTreeMap<i64, Days>> = HashMap::new();
        for row in conn.query_all_raw(backend.build(&select)).await? {
            let member: i64 = row.try_get_by_index(0)?;
            let day: NaiveDate = row.try_get_by_index(1)?;
            let unit: i64 = row.try_get_by_index(2)?;
            before
                .entry(member)
                .or_default()
                .entry(unit)
                .or_default()
                .insert(day, counts_at(&row, 3)?);
        }
        let mut change: Vec<(UnitPath, NaiveDate, Counts)> = Vec::new();
        let mut rewritten: Vec<(i64, i64, Days)> = Vec::new();
        for (member, path) in chunk {
            let days = now.remove(&member.0).unwrap_or_default();
            let mut counted = before.remove(&member.0).unwrap_or_default();
            let here = path.unit_id().0;
            let stayed = counted.remove(&here).unwrap_or_default();
            let mut changed: Vec<(UnitPath, NaiveDate, Counts)> = changes(&stayed, &days)
                .into_iter()
                .map(|(day, counts)| (path.clone(), day, counts))
                .collect();
            // Counted under a unit the member has since left: take it back
            // there.
            for (unit, days) in counted {
                let from = match paths.get(&unit) {
                    Some(path) => path.clone(),
                    None => {
                        let path = crate::units::path_of(conn, UnitId(unit)).await?;
                        paths.insert(unit, path.clone());
                        path
                    }
                };
                for (day, counts) in days {
                    changed.push((from.clone(), day, Counts::default() - counts));
                }
            }
            if !changed.is_empty() {
                change.extend(changed);
                rewritten.push((member.0, here, days));
            }
        }
        if rewritten.is_empty() {
            continue;
        }
        add_days(conn, campaign.id, change).await?;
        let mut delete = Query::delete();
        delete
            .from_table(col(MEMBERS))
            .and_where(Expr::col(col("campaign_id")).eq(campaign.id.0))
            .and_where(Expr::col(col("member_id")).is_in(rewritten.iter().map(|(m, _, _)| *m)));
        conn.execute(&delete).await?;
        let rows: Vec<(i64, i64, NaiveDate, Counts)> = rewritten
            .into_iter()
            .flat_map(|(member, unit, days)| {
                days.into_iter()
                    .map(move |(day, counts)| (member, unit, day, counts))
            })
            .collect();
        for rows in rows.chunks(ROWS_PER_STATEMENT) {
            let mut insert = Query::insert();
            insert.into_table(col(MEMBERS)).columns(with_counts(&[
                "campaign_id",
                "member_id",
                "day",
                "unit_id",
            ]));
            for (member, unit, day, counts) in rows {
                let mut values: Vec<Expr> = vec![
                    campaign.id.0.into(),
                    (*member).into(),
                    (*day).into(),
                    (*unit).into(),
                ];
                values.extend(counts.values().into_iter().map(Expr::from));
                insert.values_panic(values);
            }
            conn.execute(&insert).await?;
        }
    }
    Ok(())
}

/// Replaces a campaign's reading summaries with recounted ones (units'
/// days, members' days and runs), leaving members' tests and gatherings
/// to `retally`; the campaign is no longer stale.
async fn load<C: ConnectionTrait>(
    conn: &C,
    campaign: &Campaign,
    recounted: &Recounted,
) -> StoreResult<()> {
    for table in [DAYS, MEMBER_DAYS, crate::reading::STREAKS, STALE] {
        let mut delete = Query::delete();
        delete
            .from_table(col(table))
            .and_where(Expr::col(col("campaign_id")).eq(campaign.id.0));
        conn.execute(&delete).await?;
    }
    // The sums are of whole subtrees already, so each goes to its own
    // unit's row only (a path of that one id).
    let units: Vec<(UnitPath, NaiveDate, Counts)> = recounted
        .summed
        .iter()
        .map(|((unit, day), counts)| (UnitPath::root(*unit), *day, *counts))
        .collect();
    add_days(conn, campaign.id, units).await?;
    let mut members: Vec<(i64, NaiveDate, Counts)> = Vec::new();
    for (member, days) in &recounted.members {
        members.extend(days.iter().map(|(day, counts)| (*member, *day, *counts)));
    }
    add_member_days(conn, campaign.id, members).await?;
    crate::reading::save_streaks(conn, campaign.id.0, recounted.runs.iter().copied()).await
}

/// Each member's days counted from the raw records, their runs of days
/// read in full, and the days summed by unit, subtrees included.
#[derive(Debug, Default)]
pub struct Recounted {
    pub summed: Summed,
    pub runs: Vec<(i64, Run)>,
    pub members: Vec<(i64, Days)>,
}

impl Recounted {
    /// Adds a member of the unit at `path`, with their days and run.
    pub fn add(&mut self, member: i64, path: &UnitPath, days: Days, run: Option<Run>) {
        for (day, counts) in &days {
            for unit in path.ids() {
                *self.summed.entry((unit, *day)).or_default() += *counts;
            }
        }
        if let Some(run) = run {
            self.runs.push((member, run));
        }
        self.members.push((member, days));
    }
}

/// What is kept of where a member stands in a campaign (see
/// `Store::member_standings`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Kept {
    /// Points so far: reading, tests and gatherings.
    pub points: u64,
    /// The last day read in full and the run it ends.
    pub run: Option<Run>,
    /// Today's reading counts.
    pub today: Counts,
}

/// A unit's counts, day by day.
pub type UnitDays = BTreeMap<NaiveDate, Counts>;

/// Counts by unit and day.
pub type Summed = BTreeMap<(UnitId, NaiveDate), Counts>;

impl Store {
    /// The days `from..=to` of a campaign for some units (each its whole
    /// subtree): one index range per unit.
    pub async fn unit_days(
        &self,
        campaign: CampaignId,
        units: &[UnitId],
        (from, to): (NaiveDate, NaiveDate),
    ) -> StoreResult<HashMap<UnitId, UnitDays>> {
        let mut out: HashMap<UnitId, UnitDays> =
            units.iter().map(|u| (*u, UnitDays::new())).collect();
        let backend = self.db.get_database_backend();
        for chunk in units.chunks(ROWS_PER_STATEMENT) {
            let mut select = Query::select();
            select
                .from(col(DAYS))
                .columns(with_counts(&["unit_id", "day"]))
                .and_where(Expr::col(col("campaign_id")).eq(campaign.0))
                .and_where(Expr::col(col("unit_id")).is_in(chunk.iter().map(|u| u.0)))
                .and_where(Expr::col(col("day")).gte(from))
                .and_where(Expr::col(col("day")).lte(to));
            for row in self.db.query_all_raw(backend.build(&select)).await? {
                let unit: i64 = row.try_get_by_index(0)?;
                let day: NaiveDate = row.try_get_by_index(1)?;
                out.entry(UnitId(unit))
                    .or_default()
                    .insert(day, counts_at(&row, 2)?);
            }
        }
        Ok(out)
    }

    /// Each unit's members, subtree included.
    pub async fn unit_sizes(&self, units: &[UnitId]) -> StoreResult<HashMap<UnitId, u64>> {
        Self::sizes_on(&self.db, units).await
    }

    async fn sizes_on<C: ConnectionTrait>(
        conn: &C,
        units: &[UnitId],
    ) -> StoreResult<HashMap<UnitId, u64>> {
        let mut out: HashMap<UnitId, u64> = units.iter().map(|u| (*u, 0)).collect();
        let backend = conn.get_database_backend();
        for chunk in units.chunks(ROWS_PER_STATEMENT) {
            let mut select = Query::select();
            select
                .from(col(SIZES))
                .columns([col("unit_id"), col("members")])
                .and_where(Expr::col(col("unit_id")).is_in(chunk.iter().map(|u| u.0)));
            for row in conn.query_all_raw(backend.build(&select)).await? {
                let unit: i64 = row.try_get_by_index(0)?;
                let members: i64 = row.try_get_by_index(1)?;
                out.insert(UnitId(unit), u64::try_from(members).unwrap_or(0));
            }
        }
        Ok(out)
    }

    /// Counts members' tests and gatherings again (after a change that
    /// touches many, or to repair), in one transaction.
    pub async fn retally_members(
        &self,
        campaign: &Campaign,
        members: &[(MemberId, UnitPath)],
    ) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        retally(&txn, campaign, members).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Whether the stored days of a campaign are what the raw records say:
    /// the differences, by unit and day (empty when they agree).
    pub async fn recount_differences(
        &self,
        campaign: &Campaign,
    ) -> StoreResult<Vec<(UnitId, NaiveDate, Counts)>> {
        let derived = self.recount(campaign).await?;
        let units: Vec<UnitId> = derived.keys().map(|(u, _)| *u).collect();
        let (from, to) = (campaign.calendar.start, campaign.calendar.end);
        let stored = self.unit_days(campaign.id, &units, (from, to)).await?;
        let mut out = Vec::new();
        for ((unit, day), counts) in &derived {
            let kept = stored
                .get(unit)
                .and_then(|d| d.get(day))
                .copied()
                .unwrap_or_default();
            if kept != *counts {
                out.push((*unit, *day, kept - *counts));
            }
        }
        for (unit, days) in stored {
            for (day, counts) in days {
                if !derived.contains_key(&(unit, day)) && !counts.is_zero() {
                    out.push((unit, day, counts));
                }
            }
        }
        Ok(out)
    }

    /// A campaign's days for every unit, derived from the raw records of
    /// each member (their marks, best attempts and gatherings), as the
    /// member's own pages derive them.
    pub async fn recount(&self, campaign: &Campaign) -> StoreResult<Summed> {
        let scoring = self.scoring(campaign).await?;
        let mut summed = self.recount_members(campaign, &scoring, true).await?.summed;
        summed.retain(|_, c| !c.is_zero());
        Ok(summed)
    }

    /// Whether the members' kept days of reading and runs are what their
    /// marks say: the members whose differ, with what was kept and what
    /// the recount says (empty when they agree).
    pub async fn recount_member_differences(
        &self,
        campaign: &Campaign,
    ) -> StoreResult<Vec<(MemberId, String)>> {
        let scoring = self.scoring(campaign).await?;
        let recounted = self.recount_members(campaign, &scoring, false).await?;
        let ids: Vec<i64> = recounted.members.iter().map(|(m, _)| *m).collect();
        let whole = (campaign.calendar.start, campaign.calendar.end);
        let mut kept = kept_days(&self.db, campaign.id, &ids, whole, false).await?;
        let runs: HashMap<i64, Run> = recounted.runs.iter().copied().collect();
        let mut kept_runs =
            crate::reading::load_runs(&self.db, campaign.id.0, ids.iter().copied()).await?;
        let mut out = Vec::new();
        for (member, mut days) in recounted.members {
            days.retain(|_, c| !c.is_zero());
            let mut mine = kept.remove(&member).unwrap_or_default();
            mine.retain(|_, c| !c.is_zero());
            let run = kept_runs.remove(&member);
            if mine != days || run != runs.get(&member).copied() {
                out.push((
                    MemberId(member),
                    format!(
                        "kept {mine:?} {run:?}, recounted {days:?} {:?}",
                        runs.get(&member)
                    ),
                ));
            }
        }
        Ok(out)
    }

    /// Every member's days (their readings, and their tests and
    /// gatherings when asked) and runs, from the raw records.
    async fn recount_members(
        &self,
        campaign: &Campaign,
        scoring: &suyuan_core::campaigns::Scoring,
        with_others: bool,
    ) -> StoreResult<Recounted> {
        let members = self.members_of_campaign(campaign).await?;
        let mut out = Recounted::default();
        for chunk in members.chunks(400) {
            let ids: Vec<MemberId> = chunk.iter().map(|(m, _)| *m).collect();
            let counted = self.days_of(campaign, scoring, &ids, with_others).await?;
            for ((days, run), (member, path)) in counted.into_iter().zip(chunk) {
                out.add(member.0, path, days, run);
            }
        }
        Ok(out)
    }

    /// Loads the reading part of a campaign's summaries made in bulk (the
    /// bench's generated history).
    #[cfg(feature = "bench")]
    pub async fn load_progress(
        &self,
        campaign: &Campaign,
        recounted: &Recounted,
    ) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        load(&txn, campaign, recounted).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The days each unit's members read in full on time, the plain way:
    /// grouped from the raw marks of the subtree, with nothing kept on
    /// write (the bench's yardstick for the summaries). By leaf unit and
    /// day: how many members read how many assigned excerpts.
    #[cfg(feature = "bench")]
    pub async fn on_time_from_raw(
        &self,
        campaign: &Campaign,
        within: &UnitPath,
        (from, to): (NaiveDate, NaiveDate),
    ) -> StoreResult<Vec<(i64, NaiveDate, i64, i64)>> {
        let (low, high) = within.subtree_range();
        let backend = self.db.get_database_backend();
        let sql = "SELECT unit_id, read_on, n, COUNT(*) FROM (\
             SELECT m.unit_id AS unit_id, r.read_on AS read_on, r.member_id, \
                    COUNT(DISTINCT r.excerpt_id) AS n \
             FROM reading_marks r \
             JOIN members m ON m.id = r.member_id \
             JOIN units u ON u.id = m.unit_id \
             WHERE r.campaign_id = $1 AND r.kind = 'on_time' \
               AND r.read_on >= $2 AND r.read_on <= $3 \
               AND u.path >= $4 AND u.path < $5 \
             GROUP BY m.unit_id, r.read_on, r.member_id) t \
             GROUP BY unit_id, read_on, n";
        let sql = if backend == sea_orm::DatabaseBackend::Sqlite {
            sql.replace('$', "?")
                .replace("?1", "?")
                .replace("?2", "?")
                .replace("?3", "?")
                .replace("?4", "?")
                .replace("?5", "?")
        } else {
            sql.to_owned()
        };
        let statement = sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [
                campaign.id.0.into(),
                from.into(),
                to.into(),
                low.into(),
                high.into(),
            ],
        );
        let mut out = Vec::new();
        for row in self.db.query_all_raw(statement).await? {
            out.push((
                row.try_get_by_index(0)?,
                row.try_get_by_index(1)?,
                row.try_get_by_index(2)?,
                row.try_get_by_index(3)?,
            ));
        }
        Ok(out)
    }

    /// What each of some members did, day by day, as kept: their reading,
    /// tests and gatherings (a unit's members on its dashboard).
    pub async fn member_days(
        &self,
        campaign: &Campaign,
        members: &[MemberId],
    ) -> StoreResult<Vec<Days>> {
        let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
        let whole = (campaign.calendar.start, campaign.calendar.end);
        let mut kept = kept_days(&self.db, campaign.id, &ids, whole, true).await?;
        Ok(ids
            .iter()
            .map(|id| kept.remove(id).unwrap_or_default())
            .collect())
    }

    /// A member's days `from..=to` of a campaign, as kept: their reading,
    /// tests and gatherings. Its cost follows the days asked for, not the
    /// member's marks.
    pub async fn member_record(
        &self,
        campaign: CampaignId,
        member: MemberId,
        days: (NaiveDate, NaiveDate),
    ) -> StoreResult<Days> {
        let mut kept = kept_days(&self.db, campaign, &[member.0], days, true).await?;
        Ok(kept.remove(&member.0).unwrap_or_default())
    }

    /// Where a member stands in campaigns, as kept, each on its own
    /// today: their points so far, their run of days read in full, and
    /// today's reading counts. Three statements however many campaigns and
    /// however long the member has read (the points are summed in the
    /// database over at most a campaign's days).
    pub async fn member_standings(
        &self,
        member: MemberId,
        campaigns: &[(CampaignId, NaiveDate)],
    ) -> StoreResult<HashMap<CampaignId, Kept>> {
        let mut out: HashMap<CampaignId, Kept> = campaigns
            .iter()
            .map(|(id, _)| (*id, Kept::default()))
            .collect();
        if campaigns.is_empty() {
            return Ok(out);
        }
        let ids: Vec<i64> = campaigns.iter().map(|(id, _)| id.0).collect();
        let todays: HashMap<i64, NaiveDate> =
            campaigns.iter().map(|(id, day)| (id.0, *day)).collect();
        let backend = self.db.get_database_backend();
        // Reading's points and those of tests and gatherings, summed in
        // one statement.
        let points_of = |table: &str| {
            Query::select()
                .from(col(table))
                .columns([col("campaign_id"), col("points")])
                .and_where(Expr::col(col("member_id")).eq(member.0))
                .and_where(Expr::col(col("campaign_id")).is_in(ids.iter().copied()))
                .to_owned()
        };
        let mut both = points_of(MEMBER_DAYS);
        both.union(sea_orm::sea_query::UnionType::All, points_of(MEMBERS));
        let mut sums = Query::select();
        sums.from_subquery(both, col("p"))
            .column(col("campaign_id"))
            // PostgreSQL sums big integers as numerics.
            .expr(Func::cast_as(Expr::col(col("points")).sum(), col("BIGINT")))
            .group_by_col(col("campaign_id"));
        for row in self.db.query_all_raw(backend.build(&sums)).await? {
            let campaign: i64 = row.try_get_by_index(0)?;
            let sum: Option<i64> = row.try_get_by_index(1)?;
            if let Some(kept) = out.get_mut(&CampaignId(campaign)) {
                kept.points = u64::try_from(sum.unwrap_or(0)).unwrap_or(0);
            }
        }
        let mut select = Query::select();
        select
            .from(col(MEMBER_DAYS))
            .columns(
                ["campaign_id", "day"]
                    .iter()
                    .chain(Counts::READING_FIELDS)
                    .map(|name| col(name)),
            )
            .and_where(Expr::col(col("member_id")).eq(member.0))
            .and_where(Expr::col(col("campaign_id")).is_in(ids.iter().copied()))
            .and_where(
                Expr::col(col("day")).is_in(todays.values().copied().collect::<BTreeSet<_>>()),
            );
        for row in self.db.query_all_raw(backend.build(&select)).await? {
            let campaign: i64 = row.try_get_by_index(0)?;
            let day: NaiveDate = row.try_get_by_index(1)?;
            if todays.get(&campaign) == Some(&day)
                && let Some(kept) = out.get_mut(&CampaignId(campaign))
            {
                kept.today = first_counts_at(&row, 2, Counts::READING_FIELDS.len())?;
            }
        }
        let mut select = Query::select();
        select
            .from(col(crate::reading::STREAKS))
            .columns([col("campaign_id"), col("last_day"), col("run")])
            .and_where(Expr::col(col("member_id")).eq(member.0))
            .and_where(Expr::col(col("campaign_id")).is_in(ids.iter().copied()));
        for row in self.db.query_all_raw(backend.build(&select)).await? {
            let campaign: i64 = row.try_get_by_index(0)?;
            let last: NaiveDate = row.try_get_by_index(1)?;
            let run: i32 = row.try_get_by_index(2)?;
            if let Some(kept) = out.get_mut(&CampaignId(campaign)) {
                kept.run = Some((last, u32::try_from(run).unwrap_or(0)));
            }
        }
        Ok(out)
    }

    /// Members' days (their readings, and their tests and gatherings when
    /// asked) and runs of days read in full, in the order given.
    async fn days_of(
        &self,
        campaign: &Campaign,
        scoring: &suyuan_core::campaigns::Scoring,
        members: &[MemberId],
        with_others: bool,
    ) -> StoreResult<Vec<(Days, Option<(NaiveDate, u32)>)>> {
        let mut others = if with_others {
            let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
            others_of(&self.db, campaign, &ids).await?
        } else {
            HashMap::new()
        };
        let mut out = Vec::with_capacity(members.len());
        for member in members {
            let marks: Vec<_> = self
                .marks_of(*member, campaign)
                .await?
                .into_iter()
                .map(|m| (m.read_on, m.kind, m.excerpt))
                .collect();
            let mut days = reading_days(&campaign.rules, &scoring.plan, &marks);
            for (day, counts) in others.remove(&member.0).unwrap_or_default() {
                *days.entry(day).or_default() += counts;
            }
            out.push((days, last_run(&scoring.plan, &marks)));
        }
        Ok(out)
    }

    /// Replaces a campaign's stored days with what the raw records say
    /// (after a bulk load such as the demo's history, a change of its
    /// points rules, or a migration that flagged it stale).
    pub async fn rebuild_progress(&self, campaign: &Campaign) -> StoreResult<()> {
        let scoring = self.scoring(campaign).await?;
        let members = self.members_of_campaign(campaign).await?;
        let reading = self.recount_members(campaign, &scoring, false).await?;
        let txn = self.db.begin().await?;
        let mut delete = Query::delete();
        delete
            .from_table(col(MEMBERS))
            .and_where(Expr::col(col("campaign_id")).eq(campaign.id.0));
        txn.execute(&delete).await?;
        load(&txn, campaign, &reading).await?;
        retally(&txn, campaign, &members).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Rebuilds every campaign flagged stale (by a migration), each in
    /// its own transaction that also lowers its flag.
    pub(crate) async fn rebuild_stale(&self) -> StoreResult<()> {
        let backend = self.db.get_database_backend();
        let mut select = Query::select();
        select.from(col(STALE)).column(col("campaign_id"));
        let stale: Vec<i64> = self
            .db
            .query_all_raw(backend.build(&select))
            .await?
            .iter()
            .map(|row| row.try_get_by_index(0))
            .collect::<Result<_, _>>()?;
        for id in stale {
            let campaign = self.campaign(CampaignId(id)).await?;
            tracing::info!(
                campaign = id,
                "rebuilding a campaign's progress after an upgrade"
            );
            self.rebuild_progress(&campaign).await?;
        }
        Ok(())
    }
}

/// Members' kept days of a campaign `from..=to`: their reading, and with
/// `others` their tests and gatherings, added up by day.
async fn kept_days<C: ConnectionTrait>(
    conn: &C,
    campaign: CampaignId,
    members: &[i64],
    (from, to): (NaiveDate, NaiveDate),
    others: bool,
) -> StoreResult<HashMap<i64, Days>> {
    let backend = conn.get_database_backend();
    let mut out: HashMap<i64, Days> = HashMap::new();
    let tables: &[(&str, &[&str])] = if others {
        &[
            (MEMBER_DAYS, Counts::READING_FIELDS),
            (MEMBERS, Counts::FIELDS),
        ]
    } else {
        &[(MEMBER_DAYS, Counts::READING_FIELDS)]
    };
    for chunk in members.chunks(ROWS_PER_STATEMENT) {
        for (table, fields) in tables {
            let mut select = Query::select();
            select
                .from(col(table))
                .columns(
                    ["member_id", "day"]
                        .iter()
                        .chain(fields.iter())
                        .map(|name| col(name)),
                )
                .and_where(Expr::col(col("campaign_id")).eq(campaign.0))
                .and_where(Expr::col(col("member_id")).is_in(chunk.iter().copied()))
                .and_where(Expr::col(col("day")).gte(from))
                .and_where(Expr::col(col("day")).lte(to));
            for row in conn.query_all_raw(backend.build(&select)).await? {
                let member: i64 = row.try_get_by_index(0)?;
                let day: NaiveDate = row.try_get_by_index(1)?;
                *out.entry(member).or_default().entry(day).or_default() +=
                    first_counts_at(&row, 2, fields.len())?;
            }
        }
    }
    Ok(out)
}

/// A unit's figures for a period of a campaign, and the period before's.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitFigures {
    pub unit: crate::units::Unit,
    pub now: Figures,
    pub before: Option<Figures>,
    /// Each day of the period up to today.
    pub daily: Vec<(NaiveDate, Figures)>,
}

/// What a dashboard shows: a unit's figures for a period, a row per child
/// unit, and the unit's figures day by day over the campaign so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub days: (NaiveDate, NaiveDate),
    pub unit: UnitFigures,
    pub children: Vec<UnitFigures>,
    pub daily: Vec<(NaiveDate, Figures)>,
    /// Members of the unit itself, not of the units below.
    pub own_members: u64,
}

/// What the figures of any span of a campaign's days need besides the
/// counts: the days with reading assigned, the days tests opened, today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basis {
    assigned: std::collections::BTreeSet<NaiveDate>,
    /// The local days the campaign's tests opened (those opened by now).
    tests: Vec<NaiveDate>,
    pub today: NaiveDate,
}

impl Basis {
    /// The figures of `members` who did `days` over a span of days.
    pub fn figures(
        &self,
        members: u64,
        days: &UnitDays,
        (from, to): (NaiveDate, NaiveDate),
    ) -> Figures {
        let until = Ord::min(to, self.today);
        Figures {
            members,
            reading_days: self.assigned.range(from..=until).count() as u64,
            tests: self
                .tests
                .iter()
                .filter(|d| (from..=until).contains(*d))
                .count() as u64,
            counts: days
                .range(from..=to)
                .fold(Counts::default(), |sum, (_, c)| sum + *c),
        }
    }
}

impl Store {
    pub async fn progress_basis(
        &self,
        campaign: &Campaign,
        now: DateTime<Utc>,
    ) -> StoreResult<Basis> {
        let calendar = campaign.calendar;
        let assigned = self.scoring(campaign).await?.plan.into_keys().collect();
        let tests = self
            .exams_of(campaign.id)
            .await?
            .into_iter()
            .filter(|exam| exam.test.window.opens <= now)
            .map(|exam| calendar.date_at(exam.test.window.opens))
            .collect();
        Ok(Basis {
            assigned,
            tests,
            today: calendar.date_at(now),
        })
    }

    /// The figures of `unit` and each of its children for the days of a
    /// period (clipped to the campaign), read from the summaries only.
    pub async fn progress_report(
        &self,
        campaign: &Campaign,
        unit: &crate::units::Unit,
        days: (NaiveDate, NaiveDate),
        before: Option<(NaiveDate, NaiveDate)>,
        now: DateTime<Utc>,
    ) -> StoreResult<Report> {
        let calendar = campaign.calendar;
        let basis = self.progress_basis(campaign, now).await?;
        let today = basis.today;
        let children = self.children(unit.id).await?;
        let mut ids: Vec<UnitId> = vec![unit.id];
        ids.extend(children.iter().map(|c| c.id));
        // Members take part through the campaign's units: a unit inside one
        // counts all its members, a unit above some counts theirs.
        let mut participants = Vec::with_capacity(campaign.units.len());
        for id in &campaign.units {
            participants.push((*id, crate::units::path_of(&self.db, *id).await?));
        }
        ids.extend(participants.iter().map(|(id, _)| *id));
        let sizes = self.unit_sizes(&ids).await?;
        let enrolled = |unit: &crate::units::Unit| -> u64 {
            if campaign.includes(&unit.path) {
                return sizes.get(&unit.id).copied().unwrap_or(0);
            }
            participants
                .iter()
                .filter(|(_, path)| unit.path.contains(path))
                .map(|(id, _)| sizes.get(id).copied().unwrap_or(0))
                .sum()
        };
        let first = before.map_or(days.0, |b| Ord::min(b.0, days.0));
        let stored = self
            .unit_days(campaign.id, &ids[..=children.len()], (first, days.1))
            .await?;
        let row = |unit: &crate::units::Unit| {
            let members = enrolled(unit);
            let kept = stored.get(&unit.id).cloned().unwrap_or_default();
            UnitFigures {
                unit: unit.clone(),
                now: basis.figures(members, &kept, days),
                before: before.map(|span| basis.figures(members, &kept, span)),
                daily: days
                    .0
                    .iter_days()
                    .take_while(|d| *d <= Ord::min(days.1, basis.today))
                    .map(|d| (d, basis.figures(members, &kept, (d, d))))
                    .collect(),
            }
        };
        let here = row(unit);
        let rows = children.iter().map(row).collect();
        let whole = self
            .unit_days(
                campaign.id,
                &[unit.id],
                (calendar.start, Ord::min(today, calendar.end)),
            )
            .await?
            .remove(&unit.id)
            .unwrap_or_default();
        // Finished days only: today's reading is still under way.
        let daily = calendar
            .days()
            .take_while(|d| *d < today)
            .filter(|d| basis.assigned.contains(d))
            .map(|d| (d, basis.figures(here.now.members, &whole, (d, d))))
            .collect();
        let below: u64 = children
            .iter()
            .map(|c| sizes.get(&c.id).copied().unwrap_or(0))
            .sum();
        Ok(Report {
            days,
            unit: here,
            children: rows,
            daily,
            own_members: sizes
                .get(&unit.id)
                .copied()
                .unwrap_or(0)
                .saturating_sub(below),
        })
    }
}
