//! Sitting a test: an attempt starts with its questions drawn and its
//! deadline fixed; answers are saved through the exam writer (group
//! commit) and refused after the deadline; submission grades them once.

use super::*;

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
pub struct AttemptId(pub i64);

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

pub(super) fn attempt_from(row: attempt::Model) -> StoreResult<Attempt> {
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

/// Writes one transaction of the exam writer takes at most.
pub(super) const MAX_EXAM_WRITES: usize = 2_000;

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
pub(super) async fn write_exam_batch(
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

pub(super) async fn commit_exam_writes(
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
pub(super) async fn record_submission(
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

/// Whether an answer may be saved: the attempt is the member's, open,
/// within its deadline, and has that question.
pub(super) fn check_save(attempt: Option<&attempt::Model>, save: &AnswerSave) -> StoreResult<()> {
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

/// Why an answer or a submission was refused.
pub(super) fn time_is_up(deadline: DateTime<Utc>) -> StoreError {
    StoreError::Invalid(format!(
        "the time was up at {deadline}; the answer was not saved"
    ))
}

impl Store {
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
        test.window.may_start(now, made.len() as u32)?;
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
        let drawn = draw(&test.rules, &candidates, &due, test.mistakes, seed)?;
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
    pub(super) fn exam_writer(&self) -> &ExamWriter {
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
    pub(super) async fn exam_write(&self, write: ExamWrite) -> StoreResult<()> {
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
