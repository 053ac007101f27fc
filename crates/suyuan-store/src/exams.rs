//! Tests and attempts. An attempt keeps the questions drawn for it, in the
//! member's order, and a deadline fixed when it starts; answers are saved
//! one by one and refused after the deadline; submitting grades them.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{CaseStatement, Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

use suyuan_core::campaigns::Dekad;
use suyuan_core::exams::{
    Candidate, DrawRule, Score, Sitting, TenDayTests, Window, attempt_seed, deadline, draw,
    option_order,
};
use suyuan_core::members::MemberId;
use suyuan_core::questions::{Grade, QuestionId, Response, grade};
use suyuan_core::units::{UnitId, UnitPath};

use crate::batch::{BatchWriter, MOST_PADDED, all_failed, padded, statement_chunks};
use crate::members::{self, Member};
use crate::units;
use crate::{Store, StoreError, StoreResult};
use suyuan_core::campaigns::CampaignId;

pub(crate) mod exam {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "exams")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub owner_unit_id: i64,
        pub campaign_id: Option<i64>,
        pub title: String,
        pub opens_at: DateTimeUtc,
        pub closes_at: DateTimeUtc,
        pub time_limit_seconds: i32,
        pub attempts_allowed: i32,
        pub pass_mark: i32,
        pub rules: String,
        pub mistakes: i32,
        pub readings_from: Option<Date>,
        pub readings_to: Option<Date>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod attempt {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "attempts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub exam_id: i64,
        pub member_id: i64,
        pub number: i32,
        pub started_at: DateTimeUtc,
        pub deadline: DateTimeUtc,
        pub submitted_at: Option<DateTimeUtc>,
        pub items: String,
        pub earned: Option<f64>,
        pub possible: Option<f64>,
        pub pending: Option<i32>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod answer {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attempt_answers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub attempt_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub position: i32,
        pub response: String,
        pub saved_at: DateTimeUtc,
        pub grade: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExamId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AttemptId(pub i64);

/// A test to be set.
#[derive(Debug, Clone, PartialEq)]
pub struct NewExam {
    pub owner: UnitId,
    /// The campaign it belongs to (its participants sit it), if any;
    /// otherwise the owner unit's members do.
    pub campaign: Option<CampaignId>,
    pub title: String,
    pub window: Window,
    /// The lowest passing score, out of 100.
    pub pass_mark: u32,
    pub rules: Vec<DrawRule>,
    /// How many of a member's due mistakes an attempt may draw.
    pub mistakes: usize,
    /// The days whose readings `from_readings` rules draw on.
    pub readings: Option<(NaiveDate, NaiveDate)>,
}

/// A test as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Exam {
    pub id: ExamId,
    pub test: NewExam,
}

/// An answer waiting to be marked by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct ToMark {
    pub attempt: AttemptId,
    pub member: MemberId,
    pub position: usize,
    pub question: QuestionId,
    pub response: Response,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Who sat a test, and the attempt that counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Sat {
    pub member: Member,
    pub attempt: AttemptId,
}

/// What setting a campaign's ten-day tests did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestsSet {
    pub set: usize,
    /// Dekads that had a test already.
    pub already: usize,
}

/// One question of an attempt: which, and its options in the order the
/// member sees them (`options[i]` is the bank index of the `i`th shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub question: QuestionId,
    pub options: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub id: AttemptId,
    pub exam: ExamId,
    pub member: MemberId,
    pub number: u32,
    pub started_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub items: Vec<Item>,
    /// Once submitted.
    pub score: Option<Score>,
}

impl Attempt {
    pub fn is_open(&self) -> bool {
        self.submitted_at.is_none()
    }
}

/// An answer given in an attempt, and its grade once submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct GivenAnswer {
    pub position: usize,
    pub response: Response,
    pub saved_at: DateTime<Utc>,
    pub grade: Option<Grade>,
}

fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(what)
}

fn exam_from(row: exam::Model) -> StoreResult<Exam> {
    let rules: Vec<DrawRule> =
        serde_json::from_str(&row.rules).map_err(|_| corrupt(format!("exam {}: rules", row.id)))?;
    Ok(Exam {
        id: ExamId(row.id),
        test: NewExam {
            owner: UnitId(row.owner_unit_id),
            campaign: row.campaign_id.map(CampaignId),
            title: row.title,
            window: Window {
                opens: row.opens_at,
                closes: row.closes_at,
                limit: Duration::seconds(i64::from(row.time_limit_seconds)),
                attempts_allowed: row.attempts_allowed.max(0) as u32,
            },
            pass_mark: row.pass_mark.max(0) as u32,
            rules,
            mistakes: row.mistakes.max(0) as usize,
            readings: row.readings_from.zip(row.readings_to),
        },
    })
}

fn attempt_from(row: attempt::Model) -> StoreResult<Attempt> {
    let items: Vec<Item> = serde_json::from_str(&row.items)
        .map_err(|_| corrupt(format!("attempt {}: items", row.id)))?;
    let score = match (row.earned, row.possible, row.pending) {
        (Some(earned), Some(possible), Some(pending)) => Some(Score {
            earned,
            possible,
            pending: pending.max(0) as usize,
        }),
        _ => None,
    };
    Ok(Attempt {
        id: AttemptId(row.id),
        exam: ExamId(row.exam_id),
        member: MemberId(row.member_id),
        number: row.number.max(0) as u32,
        started_at: row.started_at,
        deadline: row.deadline,
        submitted_at: row.submitted_at,
        items,
        score,
    })
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Our own plain types always serialize.
    serde_json::to_string(value).unwrap_or_default()
}

/// Writes one transaction of the exam writer takes at most.
const MAX_EXAM_WRITES: usize = 2_000;

/// An answer to save.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerSave {
    pub attempt: AttemptId,
    pub member: MemberId,
    /// The question's place in the attempt, from 0.
    pub position: usize,
    pub response: Response,
    pub at: DateTime<Utc>,
}

/// A graded attempt to record.
#[derive(Debug)]
pub(crate) struct Submission {
    attempt: AttemptId,
    member: MemberId,
    at: DateTime<Utc>,
    score: Score,
    /// Each answered question: its place, which, and its grade.
    graded: Vec<(usize, QuestionId, Grade)>,
}

/// The writes of a test evening: many at once, a few statements each. One
/// task per store commits what has queued up in one transaction (on
/// SQLite, one fsync for all of them instead of one each).
#[derive(Debug)]
pub(crate) enum ExamWrite {
    Start(attempt::ActiveModel),
    Answer(AnswerSave),
    Submit(Submission),
}

pub(crate) type ExamWriter = BatchWriter<ExamWrite, ()>;

/// Commits a batch of exam writes in one transaction on the writers'
/// connection; one result each. Answers are checked against their
/// attempts first (one query), and a refused answer fails alone.
async fn write_exam_batch(
    db: &DatabaseConnection,
    hot: &DatabaseConnection,
    writes: Vec<ExamWrite>,
) -> Vec<StoreResult<()>> {
    let ids: Vec<i64> = writes
        .iter()
        .filter_map(|w| match w {
            ExamWrite::Answer(save) => Some(save.attempt.0),
            _ => None,
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut attempts: HashMap<i64, attempt::Model> = HashMap::new();
    for chunk in ids.chunks(MOST_PADDED) {
        match attempt::Entity::find()
            .filter(attempt::Column::Id.is_in(padded(chunk)))
            .all(db)
            .await
        {
            Ok(rows) => attempts.extend(rows.into_iter().map(|r| (r.id, r))),
            Err(err) => return all_failed(&writes, &err.into()),
        }
    }
    let mut results: Vec<StoreResult<()>> = writes
        .iter()
        .map(|write| match write {
            ExamWrite::Answer(save) => check_save(attempts.get(&save.attempt.0), save),
            _ => Ok(()),
        })
        .collect();
    match commit_exam_writes(hot, &writes, &results).await {
        Ok(()) => results,
        Err(err) => {
            tracing::error!(%err, writes = writes.len(), "a batch of exam writes failed");
            let message = err.to_string();
            for result in results.iter_mut().filter(|r| r.is_ok()) {
                *result = Err(StoreError::Unavailable(message.clone()));
            }
            results
        }
    }
}

async fn commit_exam_writes(
    hot: &DatabaseConnection,
    writes: &[ExamWrite],
    checked: &[StoreResult<()>],
) -> StoreResult<()> {
    let txn = hot.begin().await?;
    // The last save of a question in the batch is the one that stands.
    let mut latest: HashMap<(i64, usize), &AnswerSave> = HashMap::new();
    for (write, check) in writes.iter().zip(checked) {
        if let (ExamWrite::Answer(save), Ok(())) = (write, check) {
            latest.insert((save.attempt.0, save.position), save);
        }
    }
    let rows: Vec<answer::ActiveModel> = latest
        .into_values()
        .map(|save| answer::ActiveModel {
            attempt_id: Set(save.attempt.0),
            position: Set(save.position as i32),
            response: Set(to_json(&save.response)),
            saved_at: Set(save.at),
            grade: Set(None),
        })
        .collect();
    for chunk in statement_chunks(&rows) {
        answer::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([answer::Column::AttemptId, answer::Column::Position])
                    .update_columns([answer::Column::Response, answer::Column::SavedAt])
                    .to_owned(),
            )
            .exec(&txn)
            .await?;
    }
    let mut handed_in = Vec::new();
    for write in writes {
        match write {
            // Of two phones starting the same attempt, the first stands.
            ExamWrite::Start(row) => {
                attempt::Entity::insert(row.clone())
                    .on_conflict(
                        OnConflict::columns([
                            attempt::Column::ExamId,
                            attempt::Column::MemberId,
                            attempt::Column::Number,
                        ])
                        .do_nothing()
                        .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await?;
            }
            ExamWrite::Submit(submission) => {
                if record_submission(&txn, submission).await? {
                    handed_in.push(submission.attempt);
                }
            }
            ExamWrite::Answer(_) => {}
        }
    }
    // What the batch's hand-ins change in the campaigns' progress, counted
    // once for the batch.
    retally_sitters(&txn, &handed_in).await?;
    txn.commit().await?;
    Ok(())
}

/// Records a graded attempt, once: of two submissions, one grades it and
/// the other finds it done. Says whether this one graded it.
async fn record_submission(
    txn: &DatabaseTransaction,
    submission: &Submission,
) -> StoreResult<bool> {
    let Submission {
        attempt: id,
        member,
        at,
        score,
        graded,
    } = submission;
    let submitted = attempt::Entity::update_many()
        .col_expr(attempt::Column::SubmittedAt, (*at).into())
        .col_expr(attempt::Column::Earned, score.earned.into())
        .col_expr(attempt::Column::Possible, score.possible.into())
        .col_expr(attempt::Column::Pending, (score.pending as i32).into())
        .filter(attempt::Column::Id.eq(id.0))
        .filter(attempt::Column::SubmittedAt.is_null())
        .exec(txn)
        .await?;
    if submitted.rows_affected == 1 {
        // Every grade in one statement: CASE position WHEN … THEN ….
        if !graded.is_empty() {
            let mut grades = CaseStatement::new();
            for (position, _, grade) in graded {
                grades = grades.case(
                    answer::Column::Position.eq(*position as i32),
                    Expr::val(to_json(grade)),
                );
            }
            answer::Entity::update_many()
                .col_expr(answer::Column::Grade, grades.into())
                .filter(answer::Column::AttemptId.eq(id.0))
                .filter(answer::Column::Position.is_in(graded.iter().map(|g| g.0 as i32)))
                .exec(txn)
                .await?;
        }
        let answered: Vec<_> = graded.iter().map(|(_, q, g)| (*q, *g)).collect();
        crate::mistakes::note_answers(txn, *member, &answered, *at).await?;
    }
    Ok(submitted.rows_affected == 1)
}

/// Members' best attempts at each of a campaign's tests they handed in:
/// when the test opened, when the attempt was handed in, its score and the
/// pass mark, by member. On any connection, so that a writer can count
/// them.
pub(crate) async fn best_sittings<C: sea_orm::ConnectionTrait>(
    conn: &C,
    members: &[i64],
    campaign: CampaignId,
) -> StoreResult<HashMap<i64, Vec<(DateTime<Utc>, DateTime<Utc>, Score, u32)>>> {
    let tests: HashMap<i64, (DateTime<Utc>, u32)> = exam::Entity::find()
        .select_only()
        .columns([
            exam::Column::Id,
            exam::Column::OpensAt,
            exam::Column::PassMark,
        ])
        .filter(exam::Column::CampaignId.eq(campaign.0))
        .into_tuple::<(i64, DateTime<Utc>, i32)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, opens, mark)| (id, (opens, mark.max(0) as u32)))
        .collect();
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    if tests.is_empty() {
        return Ok(out);
    }
    let mut by_member: HashMap<i64, Vec<attempt::Model>> = HashMap::new();
    for chunk in members.chunks(400) {
        for row in attempt::Entity::find()
            .filter(attempt::Column::MemberId.is_in(chunk.iter().copied()))
            .filter(attempt::Column::ExamId.is_in(tests.keys().copied()))
            .filter(attempt::Column::SubmittedAt.is_not_null())
            .order_by_asc(attempt::Column::Number)
            .all(conn)
            .await?
        {
            by_member.entry(row.member_id).or_default().push(row);
        }
    }
    for (member, rows) in by_member {
        let best = best_attempts(rows, |a| a.exam.0)?
            .into_values()
            .filter_map(|a| {
                let (opens, pass_mark) = tests.get(&a.exam.0)?;
                Some((*opens, a.submitted_at?, a.score?, *pass_mark))
            })
            .collect();
        out.insert(member, best);
    }
    Ok(out)
}

/// Counts the tests of the members whose attempts changed again, once
/// per campaign.
async fn retally_sitters<C: sea_orm::ConnectionTrait>(
    conn: &C,
    attempts: &[AttemptId],
) -> StoreResult<()> {
    let mut sitters: Vec<(i64, i64)> = Vec::with_capacity(attempts.len());
    for chunk in attempts.chunks(400) {
        sitters.extend(
            attempt::Entity::find()
                .select_only()
                .columns([attempt::Column::ExamId, attempt::Column::MemberId])
                .filter(attempt::Column::Id.is_in(chunk.iter().map(|a| a.0)))
                .into_tuple::<(i64, i64)>()
                .all(conn)
                .await?,
        );
    }
    if sitters.is_empty() {
        return Ok(());
    }
    let campaigns: HashMap<i64, Option<i64>> = exam::Entity::find()
        .select_only()
        .columns([exam::Column::Id, exam::Column::CampaignId])
        .filter(exam::Column::Id.is_in(sitters.iter().map(|(exam, _)| *exam)))
        .into_tuple::<(i64, Option<i64>)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut by_campaign: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
    for (exam, member) in sitters {
        if let Some(Some(campaign)) = campaigns.get(&exam) {
            by_campaign.entry(*campaign).or_default().push(member);
        }
    }
    for (campaign, mut members) in by_campaign {
        members.sort_unstable();
        members.dedup();
        let campaign = crate::campaigns::load(conn, CampaignId(campaign)).await?;
        let paths = members::paths_of(conn, &members).await?;
        crate::progress::retally(conn, &campaign, &paths).await?;
    }
    Ok(())
}

/// The best submitted attempt per key (a member, a test), the earliest
/// of equals: rows come oldest first.
fn best_attempts(
    rows: Vec<attempt::Model>,
    key: impl Fn(&Attempt) -> i64,
) -> StoreResult<HashMap<i64, Attempt>> {
    let earned = |a: &Attempt| a.score.map_or(0.0, |s| s.earned);
    let mut best: HashMap<i64, Attempt> = HashMap::new();
    for row in rows {
        let attempt = attempt_from(row)?;
        if attempt.score.is_none() {
            continue;
        }
        match best.get(&key(&attempt)) {
            Some(kept) if earned(kept) >= earned(&attempt) => {}
            _ => {
                best.insert(key(&attempt), attempt);
            }
        }
    }
    Ok(best)
}

/// The attempts at a test by members within a subtree.
fn attempts_within(exam: ExamId, within: &UnitPath) -> sea_orm::Select<attempt::Entity> {
    members::of_members_within(
        attempt::Entity::find().filter(attempt::Column::ExamId.eq(exam.0)),
        attempt::Column::MemberId,
        within,
    )
}

/// Whether an answer may be saved: the attempt is the member's, open,
/// within its deadline, and has that question.
fn check_save(attempt: Option<&attempt::Model>, save: &AnswerSave) -> StoreResult<()> {
    let row = attempt
        .filter(|row| row.member_id == save.member.0)
        .ok_or(StoreError::NotFound)?;
    if row.submitted_at.is_some() {
        return Err(StoreError::Invalid(
            "the attempt has been submitted; the answer was not saved".into(),
        ));
    }
    if save.at > row.deadline {
        return Err(time_is_up(row.deadline));
    }
    let items: Vec<Item> = serde_json::from_str(&row.items)
        .map_err(|_| corrupt(format!("attempt {}: items", row.id)))?;
    if save.position >= items.len() {
        return Err(StoreError::Invalid(format!(
            "the attempt has {} questions; there is no question {}",
            items.len(),
            save.position + 1
        )));
    }
    Ok(())
}

fn exam_row(new: &NewExam, now: DateTime<Utc>) -> exam::ActiveModel {
    exam::ActiveModel {
        owner_unit_id: Set(new.owner.0),
        campaign_id: Set(new.campaign.map(|c| c.0)),
        title: Set(new.title.trim().to_owned()),
        opens_at: Set(new.window.opens),
        closes_at: Set(new.window.closes),
        time_limit_seconds: Set(new.window.limit.num_seconds() as i32),
        attempts_allowed: Set(new.window.attempts_allowed as i32),
        pass_mark: Set(new.pass_mark as i32),
        rules: Set(to_json(&new.rules)),
        mistakes: Set(new.mistakes as i32),
        readings_from: Set(new.readings.map(|r| r.0)),
        readings_to: Set(new.readings.map(|r| r.1)),
        created_at: Set(now),
        ..Default::default()
    }
}

/// Why an answer or a submission was refused.
fn time_is_up(deadline: DateTime<Utc>) -> StoreError {
    StoreError::Invalid(format!(
        "the time was up at {deadline}; the answer was not saved"
    ))
}

impl Store {
    /// Sets a test, after checking that its bank can fill every rule.
    pub async fn create_exam(&self, new: NewExam, now: DateTime<Utc>) -> StoreResult<Exam> {
        self.check_exam(&new).await?;
        exam_from(exam_row(&new, now).insert(&self.db).await?)
    }

    async fn check_exam(&self, new: &NewExam) -> StoreResult<()> {
        let invalid = |m: &str| Err(StoreError::Invalid(m.to_owned()));
        if new.title.trim().is_empty() {
            return invalid("the test needs a title");
        }
        if new.window.closes <= new.window.opens {
            return invalid("the test must close after it opens");
        }
        if new.window.limit <= Duration::zero() || new.window.limit > Duration::hours(24) {
            return invalid("the time limit is between 1 minute and 24 hours");
        }
        if new.window.attempts_allowed == 0 {
            return invalid("allow at least one attempt");
        }
        if new.pass_mark > 100 {
            return invalid("the pass mark is out of 100");
        }
        let owner = self.unit(new.owner).await?;
        let candidates = self
            .candidates(&owner.path, new.campaign, new.readings)
            .await?;
        draw(&new.rules, &candidates, &[], 0, 0).map_err(|e| StoreError::Invalid(e.to_string()))?;
        Ok(())
    }

    /// Sets a campaign's ten-day tests: one for each dekad that has none
    /// yet, all or nothing. `title` names a dekad's test.
    pub async fn set_ten_day_tests(
        &self,
        campaign: CampaignId,
        owner: UnitId,
        plan: TenDayTests,
        title: impl Fn(Dekad) -> String,
        now: DateTime<Utc>,
    ) -> StoreResult<TestsSet> {
        if plan.questions == 0 {
            return Err(StoreError::Invalid(
                "a test draws at least one question".into(),
            ));
        }
        let calendar = self.campaign(campaign).await?.calendar;
        let owner_path = self.unit(owner).await?.path;
        let existing: HashSet<Option<(NaiveDate, NaiveDate)>> = self
            .exams_of(campaign)
            .await?
            .into_iter()
            .map(|e| e.test.readings)
            .collect();
        let mut tests = Vec::new();
        let mut already = 0;
        for dekad in TenDayTests::dekads(&calendar) {
            if existing.contains(&Some(dekad.readings)) {
                already += 1;
                continue;
            }
            let candidates = self
                .candidates(&owner_path, Some(campaign), Some(dekad.readings))
                .await?;
            let read = candidates.iter().filter(|c| c.from_readings).count();
            let new = NewExam {
                owner,
                campaign: Some(campaign),
                title: title(dekad.dekad),
                window: Window {
                    opens: dekad.opens,
                    closes: dekad.closes,
                    limit: plan.limit,
                    attempts_allowed: plan.attempts_allowed,
                },
                pass_mark: plan.pass_mark,
                rules: plan.rules(read),
                mistakes: plan.mistakes,
                readings: Some(dekad.readings),
            };
            self.check_exam(&new)
                .await
                .map_err(|e| StoreError::Invalid(format!("{}: {e}", new.title)))?;
            tests.push(new);
        }
        let txn = self.db.begin().await?;
        for new in &tests {
            exam_row(new, now).insert(&txn).await?;
        }
        txn.commit().await?;
        Ok(TestsSet {
            set: tests.len(),
            already,
        })
    }

    pub async fn exam(&self, id: ExamId) -> StoreResult<Exam> {
        let row = exam::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        exam_from(row)
    }

    /// The tests of a campaign, by when they open.
    pub async fn exams_of(&self, campaign: CampaignId) -> StoreResult<Vec<Exam>> {
        exam::Entity::find()
            .filter(exam::Column::CampaignId.eq(campaign.0))
            .order_by_asc(exam::Column::OpensAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(exam_from)
            .collect()
    }

    /// The tests a member of the unit at `path` may sit: those of the
    /// campaigns they take part in, and those set by their unit or the
    /// units above it outside a campaign; the latest to open first.
    pub async fn exams_for(&self, path: &UnitPath) -> StoreResult<Vec<Exam>> {
        let campaigns: Vec<i64> = self
            .campaigns_for(path)
            .await?
            .into_iter()
            .map(|c| c.id.0)
            .collect();
        let owners: Vec<i64> = path.ids().into_iter().map(|u| u.0).collect();
        exam::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(exam::Column::CampaignId.is_in(campaigns))
                    .add(
                        sea_orm::Condition::all()
                            .add(exam::Column::CampaignId.is_null())
                            .add(exam::Column::OwnerUnitId.is_in(owners)),
                    ),
            )
            .order_by_desc(exam::Column::OpensAt)
            .limit(200)
            .all(&self.db)
            .await?
            .into_iter()
            .map(exam_from)
            .collect()
    }

    /// The questions a test of `owner` may draw: the bank as the owner
    /// sees it, marked where they come from the test's readings.
    async fn candidates(
        &self,
        owner: &UnitPath,
        campaign: Option<CampaignId>,
        readings: Option<(NaiveDate, NaiveDate)>,
    ) -> StoreResult<Vec<Candidate>> {
        let mut read: HashSet<i64> = HashSet::new();
        if let (Some(campaign), Some((from, to))) = (campaign, readings) {
            let plan = self
                .campaign(campaign)
                .await?
                .plan(&self.plan_of(campaign).await?);
            for excerpts in plan.range(from..=to).map(|(_, excerpts)| excerpts) {
                read.extend(excerpts.iter().map(|e| e.0));
            }
        }
        Ok(self
            .draw_pool(owner)
            .await?
            .into_iter()
            .map(|(id, category, difficulty, excerpt)| Candidate {
                id,
                from_readings: excerpt.is_some_and(|e| read.contains(&e.0)),
                category,
                difficulty,
            })
            .collect())
    }

    /// The member's attempts at a test, oldest first.
    pub async fn attempts_of(&self, exam: ExamId, member: MemberId) -> StoreResult<Vec<Attempt>> {
        attempt::Entity::find()
            .filter(attempt::Column::ExamId.eq(exam.0))
            .filter(attempt::Column::MemberId.eq(member.0))
            .order_by_asc(attempt::Column::Number)
            .all(&self.db)
            .await?
            .into_iter()
            .map(attempt_from)
            .collect()
    }

    pub async fn attempt(&self, id: AttemptId) -> StoreResult<Attempt> {
        let row = attempt::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        attempt_from(row)
    }

    /// Starts an attempt, or gives back the member's open one (a reload or
    /// another phone resumes it). An open attempt past its deadline is
    /// submitted first.
    pub async fn start_attempt(
        &self,
        exam: &Exam,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Attempt> {
        let (exam_id, test) = (&exam.id, &exam.test);
        let made = self.attempts_of(*exam_id, member).await?;
        if let Some(open) = made.iter().find(|a| a.is_open()) {
            if now <= open.deadline {
                return Ok(open.clone());
            }
            self.submit_attempt(open.id, open.deadline).await?;
        }
        test.window
            .may_start(now, made.len() as u32)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let number = made.len() as u32 + 1;
        let seed = attempt_seed(exam_id.0, member.0, number);
        let owner = self.unit(test.owner).await?;
        let candidates = self
            .candidates(&owner.path, test.campaign, test.readings)
            .await?;
        // Due mistakes from this test's bank may come back in it.
        let due: Vec<QuestionId> = self
            .due_mistakes(member, now, 200)
            .await?
            .into_iter()
            .map(|m| m.question)
            .filter(|q| candidates.iter().any(|c| c.id == *q))
            .collect();
        let drawn = draw(&test.rules, &candidates, &due, test.mistakes, seed)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let questions = self.questions_by_id(&drawn).await?;
        let mut items = Vec::with_capacity(drawn.len());
        for (position, id) in drawn.into_iter().enumerate() {
            let options = questions
                .get(&id)
                .ok_or(StoreError::NotFound)?
                .answer
                .choices()
                .len();
            items.push(Item {
                question: id,
                options: option_order(options, seed, position),
            });
        }
        let row = attempt::ActiveModel {
            exam_id: Set(exam_id.0),
            member_id: Set(member.0),
            number: Set(number as i32),
            started_at: Set(now),
            deadline: Set(deadline(now, test.window.limit, test.window.closes)),
            submitted_at: Set(None),
            items: Set(to_json(&items)),
            ..Default::default()
        };
        self.exam_write(ExamWrite::Start(row)).await?;
        // The one inserted, or (if another phone started the same attempt
        // a moment ago) theirs.
        self.attempts_of(*exam_id, member)
            .await?
            .into_iter()
            .find(|a| a.number == number)
            .ok_or(StoreError::NotFound)
    }

    /// The writer of this store's test evening, started on first use.
    fn exam_writer(&self) -> &ExamWriter {
        self.exam_writer.get_or_init(|| {
            // The task holds the connections, not the store, so that it
            // ends when the last clone of the store is dropped.
            let (db, hot) = (self.db.clone(), self.hot.clone());
            BatchWriter::start("exam writer", MAX_EXAM_WRITES, move |writes| {
                let (db, hot) = (db.clone(), hot.clone());
                async move { write_exam_batch(&db, &hot, writes).await }
            })
        })
    }

    /// Queues an exam write; answers once it is committed.
    async fn exam_write(&self, write: ExamWrite) -> StoreResult<()> {
        self.exam_writer().submit(write).await
    }

    /// Saves (or changes) one answer, if the attempt is the member's,
    /// still open and within its deadline. Answers arriving together are
    /// committed together; each is acknowledged after its commit.
    pub async fn save_answer(
        &self,
        attempt: AttemptId,
        member: MemberId,
        position: usize,
        response: &Response,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.exam_write(ExamWrite::Answer(AnswerSave {
            attempt,
            member,
            position,
            response: response.clone(),
            at,
        }))
        .await
    }

    /// The answers given in an attempt, by position.
    pub async fn answers(&self, id: AttemptId) -> StoreResult<Vec<GivenAnswer>> {
        answer::Entity::find()
            .filter(answer::Column::AttemptId.eq(id.0))
            .order_by_asc(answer::Column::Position)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| {
                let bad = || {
                    corrupt(format!(
                        "attempt {} answer {}",
                        row.attempt_id, row.position
                    ))
                };
                Ok(GivenAnswer {
                    position: row.position.max(0) as usize,
                    response: serde_json::from_str(&row.response).map_err(|_| bad())?,
                    saved_at: row.saved_at,
                    grade: row
                        .grade
                        .as_deref()
                        .map(serde_json::from_str)
                        .transpose()
                        .map_err(|_| bad())?,
                })
            })
            .collect()
    }

    /// Submits an attempt: grades every answer and records the score. A
    /// submitted attempt is given back as it is.
    pub async fn submit_attempt(&self, id: AttemptId, now: DateTime<Utc>) -> StoreResult<Attempt> {
        let attempt = self.attempt(id).await?;
        if !attempt.is_open() {
            return Ok(attempt);
        }
        let given: HashMap<usize, GivenAnswer> = self
            .answers(id)
            .await?
            .into_iter()
            .map(|a| (a.position, a))
            .collect();
        let ids: Vec<QuestionId> = attempt.items.iter().map(|i| i.question).collect();
        let questions = self.questions_by_id(&ids).await?;
        let mut grades = Vec::with_capacity(attempt.items.len());
        let mut noted = Vec::new();
        for (position, item) in attempt.items.iter().enumerate() {
            grades.push(match given.get(&position) {
                Some(answer) => {
                    let question = questions.get(&item.question).ok_or(StoreError::NotFound)?;
                    let graded = grade(&question.answer, &answer.response);
                    noted.push((position, item.question, graded));
                    Some(graded)
                }
                None => None,
            });
        }
        let score = Score::of(&grades);
        self.exam_write(ExamWrite::Submit(Submission {
            attempt: id,
            member: attempt.member,
            at: now,
            score,
            graded: noted,
        }))
        .await?;
        self.attempt(id).await
    }

    /// Answers of a test waiting to be marked by hand, from members within
    /// a subtree: oldest hand-in first.
    pub async fn answers_to_mark(
        &self,
        exam: ExamId,
        within: &UnitPath,
        limit: usize,
    ) -> StoreResult<Vec<ToMark>> {
        let attempts: HashMap<i64, attempt::Model> = attempts_within(exam, within)
            .filter(attempt::Column::Pending.gt(0))
            .order_by_asc(attempt::Column::SubmittedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        let mut waiting = Vec::new();
        for chunk in attempts.keys().copied().collect::<Vec<_>>().chunks(400) {
            waiting.extend(
                answer::Entity::find()
                    .filter(answer::Column::AttemptId.is_in(chunk.iter().copied()))
                    .filter(answer::Column::Grade.eq(to_json(&Grade::Pending)))
                    .all(&self.db)
                    .await?,
            );
        }
        let mut out = Vec::new();
        for row in waiting {
            let Some(attempt) = attempts.get(&row.attempt_id) else {
                continue;
            };
            let attempt = attempt_from(attempt.clone())?;
            let position = row.position.max(0) as usize;
            let Some(item) = attempt.items.get(position) else {
                continue;
            };
            let response: Response = serde_json::from_str(&row.response).map_err(|_| {
                corrupt(format!(
                    "attempt {} answer {}",
                    row.attempt_id, row.position
                ))
            })?;
            out.push(ToMark {
                attempt: attempt.id,
                member: attempt.member,
                position,
                question: item.question,
                response,
                submitted_at: attempt.submitted_at,
            });
        }
        out.sort_by_key(|m| (m.submitted_at, m.attempt, m.position));
        out.truncate(limit);
        Ok(out)
    }

    /// Marks an answer that waits for a person: its share of the mark (0
    /// to 1) joins the attempt's score, and a short answer not wholly
    /// right enters the mistake book. Each answer is marked once.
    pub async fn mark_by_hand(
        &self,
        attempt: AttemptId,
        position: usize,
        share: f64,
        now: DateTime<Utc>,
    ) -> StoreResult<Attempt> {
        if !(0.0..=1.0).contains(&share) {
            return Err(StoreError::Invalid(
                "a mark is a share of the question's marks, from 0 to 1".into(),
            ));
        }
        use sea_orm::sea_query::ExprTrait;
        let found = self.attempt(attempt).await?;
        let question = found
            .items
            .get(position)
            .map(|i| i.question)
            .ok_or(StoreError::NotFound)?;
        let txn = self.db.begin().await?;
        let marked = answer::Entity::update_many()
            .col_expr(answer::Column::Grade, to_json(&Grade::Scored(share)).into())
            .filter(answer::Column::AttemptId.eq(attempt.0))
            .filter(answer::Column::Position.eq(position as i32))
            .filter(answer::Column::Grade.eq(to_json(&Grade::Pending)))
            .exec(&txn)
            .await?;
        if marked.rows_affected != 1 {
            return Err(StoreError::Invalid(
                "the answer is not waiting to be marked (marked already?)".into(),
            ));
        }
        attempt::Entity::update_many()
            .col_expr(
                attempt::Column::Earned,
                Expr::col(attempt::Column::Earned).add(share),
            )
            .col_expr(
                attempt::Column::Pending,
                Expr::col(attempt::Column::Pending).sub(1),
            )
            .filter(attempt::Column::Id.eq(attempt.0))
            .exec(&txn)
            .await?;
        crate::mistakes::note_answers(&txn, found.member, &[(question, Grade::Scored(share))], now)
            .await?;
        retally_sitters(&txn, &[attempt]).await?;
        txn.commit().await?;
        self.attempt(attempt).await
    }

    /// How a member did in each of a campaign's tests they handed in: the
    /// best attempt's hand-in time and score (the earliest of equals), and
    /// the test's pass mark. What the campaign's points rules count.
    pub async fn best_results(
        &self,
        member: MemberId,
        campaign: CampaignId,
    ) -> StoreResult<Vec<(DateTime<Utc>, Score, u32)>> {
        let pass_marks: HashMap<i64, u32> = exam::Entity::find()
            .select_only()
            .columns([exam::Column::Id, exam::Column::PassMark])
            .filter(exam::Column::CampaignId.eq(campaign.0))
            .into_tuple::<(i64, i32)>()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(id, mark)| (id, mark.max(0) as u32))
            .collect();
        let attempts = attempt::Entity::find()
            .filter(attempt::Column::MemberId.eq(member.0))
            .filter(attempt::Column::ExamId.is_in(pass_marks.keys().copied()))
            .filter(attempt::Column::SubmittedAt.is_not_null())
            .order_by_asc(attempt::Column::Number)
            .all(&self.db)
            .await?;
        let best = best_attempts(attempts, |a| a.exam.0)?;
        Ok(best
            .into_values()
            .filter_map(|a| Some((a.submitted_at?, a.score?, *pass_marks.get(&a.exam.0)?)))
            .collect())
    }

    /// How each member within a subtree did in a test: their best
    /// submitted attempt (the earliest of equals), with every question's
    /// share of its mark. A question left unanswered earned nothing.
    pub async fn sittings(
        &self,
        exam: ExamId,
        within: &UnitPath,
    ) -> StoreResult<Vec<Sitting<Sat>>> {
        let rows = attempts_within(exam, within)
            .filter(attempt::Column::SubmittedAt.is_not_null())
            .order_by_asc(attempt::Column::Number)
            .all(&self.db)
            .await?;
        let best = best_attempts(rows, |a| a.member.0)?;
        let ids: Vec<i64> = best.values().map(|a| a.id.0).collect();
        let member_ids: Vec<i64> = best.keys().copied().collect();
        let mut grades: HashMap<(i64, i32), Option<Grade>> = HashMap::new();
        let mut who: HashMap<i64, Member> = HashMap::new();
        for chunk in ids.chunks(1_000) {
            let rows: Vec<(i64, i32, Option<String>)> = answer::Entity::find()
                .select_only()
                .columns([
                    answer::Column::AttemptId,
                    answer::Column::Position,
                    answer::Column::Grade,
                ])
                .filter(answer::Column::AttemptId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(&self.db)
                .await?;
            for (attempt, position, grade) in rows {
                let grade = grade
                    .as_deref()
                    .map(serde_json::from_str::<Grade>)
                    .transpose()
                    .map_err(|_| corrupt(format!("attempt {attempt} answer {position}")))?;
                grades.insert((attempt, position), grade);
            }
        }
        for chunk in member_ids.chunks(1_000) {
            for (row, unit) in members::entity::Entity::find()
                .find_also_related(units::entity::Entity)
                .filter(members::entity::Column::Id.is_in(chunk.iter().copied()))
                .all(&self.db)
                .await?
            {
                who.insert(row.id, members::member_from(row, unit)?);
            }
        }
        let mut sittings: Vec<Sitting<Sat>> = best
            .into_values()
            .filter_map(|attempt| {
                let member = who.remove(&attempt.member.0)?;
                let score = attempt.score?;
                let questions = attempt
                    .items
                    .iter()
                    .enumerate()
                    .map(|(position, item)| {
                        let earned = match grades.get(&(attempt.id.0, position as i32)) {
                            Some(Some(Grade::Scored(share))) => Some(*share),
                            Some(Some(Grade::Pending)) => None,
                            _ => Some(0.0),
                        };
                        (item.question, earned)
                    })
                    .collect();
                Some(Sitting {
                    member: Sat {
                        member,
                        attempt: attempt.id,
                    },
                    score,
                    questions,
                })
            })
            .collect();
        sittings.sort_by(|a, b| {
            (&a.member.member.unit.path, &a.member.member.name)
                .cmp(&(&b.member.member.unit.path, &b.member.member.name))
        });
        Ok(sittings)
    }

    /// Open attempts whose deadline has passed: for the auto-submit sweep.
    pub async fn overdue_attempts(&self, now: DateTime<Utc>) -> StoreResult<Vec<AttemptId>> {
        let ids: Vec<i64> = attempt::Entity::find()
            .select_only()
            .column(attempt::Column::Id)
            .filter(attempt::Column::SubmittedAt.is_null())
            .filter(attempt::Column::Deadline.lt(now))
            .limit(1_000)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(ids.into_iter().map(AttemptId).collect())
    }
}
