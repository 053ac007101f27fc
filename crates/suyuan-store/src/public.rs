//! The Constitution for the whole public: the public question bank, the
//! quizzes taken without an account, the participation figures by day,
//! and what admins say on the Constitution Day page.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use suyuan_core::members::MemberId;
use suyuan_core::public::{DayFigures, Feature, may_be_public};
use suyuan_core::questions::{Grade, Question, QuestionId, Response};
use suyuan_core::requests::TrackingCode;
use suyuan_core::units::UnitId;

use crate::questions::{Status, entity as question};
use crate::{Store, StoreError, StoreResult};

mod entities {
    pub mod public_question {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "public_questions")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub question_id: i64,
            pub published_by: i64,
            pub published_at: DateTimeUtc,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod public_quiz {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "public_quizzes")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            pub code: String,
            pub nickname: Option<String>,
            pub questions: String,
            pub answers: Option<String>,
            pub score: Option<i32>,
            pub started_at: DateTimeUtc,
            pub finished_at: Option<DateTimeUtc>,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod public_day {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "public_days")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub day: Date,
            #[sea_orm(primary_key, auto_increment = false)]
            pub shard: i32,
            pub readers: i64,
            pub quizzes: i64,
            pub score_sum: i64,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod public_reader {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "public_readers")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub day: Date,
            #[sea_orm(primary_key, auto_increment = false)]
            pub reader: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod public_feature {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "public_features")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub page: String,
            pub headline: String,
            pub message: String,
            pub featured: bool,
            pub updated_by: i64,
            pub updated_at: DateTimeUtc,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }
}

use entities::{public_day, public_feature, public_question, public_quiz, public_reader};

/// One question of a public quiz once handed in: what was given, and its
/// grade (none when nothing was given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizAnswer {
    pub response: Option<Response>,
    pub grade: Option<Grade>,
}

/// A public quiz: open until handed in, then graded and kept.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicQuiz {
    pub code: TrackingCode,
    pub nickname: Option<String>,
    pub questions: Vec<QuestionId>,
    pub started_at: DateTime<Utc>,
    /// Once handed in: the answers (one per question), the score in whole
    /// percent, and when.
    pub result: Option<QuizResult>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuizResult {
    pub answers: Vec<QuizAnswer>,
    pub score: u32,
    pub finished_at: DateTime<Utc>,
}

fn quiz_from(row: public_quiz::Model) -> StoreResult<PublicQuiz> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("public quiz {}: {what}", row.id));
    let questions: Vec<i64> =
        serde_json::from_str(&row.questions).map_err(|_| corrupt("questions"))?;
    let result = match (row.answers, row.score, row.finished_at) {
        (Some(answers), Some(score), Some(finished_at)) => Some(QuizResult {
            answers: serde_json::from_str(&answers).map_err(|_| corrupt("answers"))?,
            score: u32::try_from(score).map_err(|_| corrupt("score"))?,
            finished_at,
        }),
        (None, None, None) => None,
        _ => return Err(corrupt("half handed in")),
    };
    Ok(PublicQuiz {
        code: TrackingCode::parse(&row.code).ok_or_else(|| corrupt("code"))?,
        nickname: row.nickname,
        questions: questions.into_iter().map(QuestionId).collect(),
        started_at: row.started_at,
        result,
    })
}

/// The page whose words an admin sets: the Constitution Day page.
pub const CONSTITUTION_DAY: &str = "constitution_day";

impl Store {
    // ------------------------------------------------------ the public bank

    /// Publishes questions of `owner`'s bank to the public: each must be
    /// `owner`'s, in the bank (not waiting for review) and graded at once.
    /// All or nothing; questions already public stay as they are.
    pub async fn publish_questions(
        &self,
        owner: UnitId,
        ids: &[QuestionId],
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let rows = self.questions_by_id(ids).await?;
        for id in ids {
            let Some(found) = question::Entity::find_by_id(id.0).one(&self.db).await? else {
                return Err(StoreError::Invalid(format!("question {id}: not found")));
            };
            if found.owner_unit_id != owner.0 {
                return Err(StoreError::Invalid(format!(
                    "question {id}: not in this unit's bank"
                )));
            }
            if found.status != Status::Active.code() {
                return Err(StoreError::Invalid(format!(
                    "question {id}: still waits for review"
                )));
            }
            if !rows.get(id).is_some_and(|q| may_be_public(&q.answer)) {
                return Err(StoreError::Invalid(format!(
                    "question {id}: a written answer is marked by hand, so it cannot be in the public quiz"
                )));
            }
        }
        let txn = self.db.begin().await?;
        let mut added = 0;
        for id in ids {
            added += public_question::Entity::insert(public_question::ActiveModel {
                question_id: Set(id.0),
                published_by: Set(by.0),
                published_at: Set(now),
            })
            .on_conflict(
                OnConflict::column(public_question::Column::QuestionId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(usize::try_from(added).unwrap_or(usize::MAX))
    }

    /// Takes questions of `owner`'s bank out of the public quiz.
    pub async fn withdraw_questions(&self, owner: UnitId, ids: &[QuestionId]) -> StoreResult<u64> {
        let owned: Vec<i64> = question::Entity::find()
            .select_only()
            .column(question::Column::Id)
            .filter(question::Column::Id.is_in(ids.iter().map(|id| id.0)))
            .filter(question::Column::OwnerUnitId.eq(owner.0))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(public_question::Entity::delete_many()
            .filter(public_question::Column::QuestionId.is_in(owned))
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// Which of `ids` are public.
    pub async fn public_among(&self, ids: &[QuestionId]) -> StoreResult<HashSet<QuestionId>> {
        let rows: Vec<i64> = public_question::Entity::find()
            .select_only()
            .column(public_question::Column::QuestionId)
            .filter(public_question::Column::QuestionId.is_in(ids.iter().map(|id| id.0)))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(QuestionId).collect())
    }

    /// The questions of the public bank that are still in their bank.
    pub async fn public_question_ids(&self) -> StoreResult<Vec<QuestionId>> {
        let ids: Vec<i64> = public_question::Entity::find()
            .select_only()
            .column(public_question::Column::QuestionId)
            .order_by_asc(public_question::Column::QuestionId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let active: Vec<i64> = question::Entity::find()
            .select_only()
            .column(question::Column::Id)
            .filter(question::Column::Id.is_in(ids))
            .filter(question::Column::Status.eq(Status::Active.code()))
            .order_by_asc(question::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(active.into_iter().map(QuestionId).collect())
    }

    // ------------------------------------------------------ quizzes

    /// Starts a quiz of the questions drawn (in their order).
    pub async fn start_public_quiz(
        &self,
        nickname: Option<String>,
        questions: &[QuestionId],
        now: DateTime<Utc>,
    ) -> StoreResult<PublicQuiz> {
        let ids: Vec<i64> = questions.iter().map(|q| q.0).collect();
        let listed = serde_json::to_string(&ids)
            .map_err(|e| StoreError::Invalid(format!("questions: {e}")))?;
        loop {
            let code =
                TrackingCode::from_random(u64::from_le_bytes(crate::auth::random_bytes::<8>()));
            let inserted = public_quiz::Entity::insert(public_quiz::ActiveModel {
                code: Set(code.as_str().to_owned()),
                nickname: Set(nickname.clone()),
                questions: Set(listed.clone()),
                answers: Set(None),
                score: Set(None),
                started_at: Set(now),
                finished_at: Set(None),
                ..Default::default()
            })
            .exec(&self.db)
            .await;
            match inserted {
                Ok(_) => return self.public_quiz(&code).await,
                // Two random 64-bit codes alike: draw again.
                Err(err) if crate::is_unique_violation(&err) => continue,
                Err(err) => return Err(err.into()),
            }
        }
    }

    pub async fn public_quiz(&self, code: &TrackingCode) -> StoreResult<PublicQuiz> {
        let row = public_quiz::Entity::find()
            .filter(public_quiz::Column::Code.eq(code.as_str()))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        quiz_from(row)
    }

    /// Hands a quiz in, once: its answers and score are kept and the day's
    /// figures count it, in one transaction. A second hand-in is refused.
    pub async fn finish_public_quiz(
        &self,
        code: &TrackingCode,
        answers: &[QuizAnswer],
        score: u32,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> StoreResult<PublicQuiz> {
        let answers = serde_json::to_string(answers)
            .map_err(|e| StoreError::Invalid(format!("answers: {e}")))?;
        let score = score.min(100);
        let txn = self.db.begin().await?;
        let updated = public_quiz::Entity::update_many()
            .col_expr(public_quiz::Column::Answers, Expr::value(answers))
            .col_expr(public_quiz::Column::Score, Expr::value(score as i32))
            .col_expr(public_quiz::Column::FinishedAt, Expr::value(now))
            .filter(public_quiz::Column::Code.eq(code.as_str()))
            .filter(public_quiz::Column::FinishedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        if updated == 0 {
            // Unknown, or handed in already.
            txn.rollback().await?;
            self.public_quiz(code).await?;
            return Err(StoreError::Conflict(
                "this quiz was already handed in".into(),
            ));
        }
        add_to_day(&txn, day, 0, 1, i64::from(score)).await?;
        txn.commit().await?;
        self.public_quiz(code).await
    }

    // ------------------------------------------------------ figures

    /// Counts a reader of the public collections on `day`, once however
    /// often they read: whether this was their first read that day.
    pub async fn count_public_reader(&self, day: NaiveDate, reader: &str) -> StoreResult<bool> {
        let txn = self.db.begin().await?;
        let inserted = public_reader::Entity::insert(public_reader::ActiveModel {
            day: Set(day),
            reader: Set(reader.to_owned()),
        })
        .on_conflict(
            OnConflict::columns([public_reader::Column::Day, public_reader::Column::Reader])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if inserted > 0 {
            add_to_day(&txn, day, 1, 0, 0).await?;
        }
        txn.commit().await?;
        Ok(inserted > 0)
    }

    /// Forgets which readers read before `day`: only the counts are kept.
    pub async fn forget_public_readers_before(&self, day: NaiveDate) -> StoreResult<u64> {
        Ok(public_reader::Entity::delete_many()
            .filter(public_reader::Column::Day.lt(day))
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// The days from `from` to `to` that have figures, in order (each
    /// day's shards added together).
    pub async fn public_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DayFigures>> {
        let mut days: Vec<DayFigures> = Vec::new();
        for row in public_day::Entity::find()
            .filter(public_day::Column::Day.gte(from))
            .filter(public_day::Column::Day.lte(to))
            .order_by_asc(public_day::Column::Day)
            .all(&self.db)
            .await?
        {
            if days.last().is_none_or(|last| last.day != row.day) {
                days.push(DayFigures {
                    day: row.day,
                    ..DayFigures::default()
                });
            }
            if let Some(figures) = days.last_mut() {
                figures.readers += row.readers.max(0) as u64;
                figures.quizzes += row.quizzes.max(0) as u64;
                figures.score_sum += row.score_sum.max(0) as u64;
            }
        }
        Ok(days)
    }

    /// How many quizzes were ever handed in, and their scores together:
    /// for the recount check against `public_days`.
    pub async fn recount_public_quizzes(&self) -> StoreResult<(u64, u64)> {
        let finished = public_quiz::Entity::find()
            .filter(public_quiz::Column::FinishedAt.is_not_null())
            .count(&self.db)
            .await?;
        let sum: Option<i64> = public_quiz::Entity::find()
            .select_only()
            .column_as(public_quiz::Column::Score.sum(), "sum")
            .into_tuple::<Option<i64>>()
            .one(&self.db)
            .await?
            .flatten();
        Ok((finished, sum.unwrap_or(0).max(0) as u64))
    }

    // ------------------------------------------------------ features

    pub async fn public_feature(&self, page: &str) -> StoreResult<Option<Feature>> {
        Ok(public_feature::Entity::find_by_id(page.to_owned())
            .one(&self.db)
            .await?
            .map(|row| Feature {
                headline: row.headline,
                message: row.message,
                featured: row.featured,
            }))
    }

    pub async fn set_public_feature(
        &self,
        page: &str,
        feature: &Feature,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        use public_feature::Column as C;
        public_feature::Entity::insert(public_feature::ActiveModel {
            page: Set(page.to_owned()),
            headline: Set(feature.headline.clone()),
            message: Set(feature.message.clone()),
            featured: Set(feature.featured),
            updated_by: Set(by.0),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(C::Page)
                .update_columns([
                    C::Headline,
                    C::Message,
                    C::Featured,
                    C::UpdatedBy,
                    C::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// The questions of a quiz, in its order.
    pub async fn quiz_questions(&self, quiz: &PublicQuiz) -> StoreResult<Vec<Question>> {
        let mut found = self.questions_by_id(&quiz.questions).await?;
        quiz.questions
            .iter()
            .map(|id| {
                found.remove(id).ok_or_else(|| {
                    StoreError::Corrupt(format!("public quiz: question {id} is gone"))
                })
            })
            .collect()
    }
}

/// Rows a day's figures are spread over.
const DAY_SHARDS: u8 = 8;

/// Adds to a day's figures, in one of its shards chosen at random (the
/// row made if it is the shard's first).
async fn add_to_day(
    conn: &impl sea_orm::ConnectionTrait,
    day: NaiveDate,
    readers: i64,
    quizzes: i64,
    score_sum: i64,
) -> StoreResult<()> {
    use public_day::Column as C;
    use sea_orm::sea_query::ExprTrait as _;
    let shard = i32::from(crate::auth::random_bytes::<1>()[0] % DAY_SHARDS);
    public_day::Entity::insert(public_day::ActiveModel {
        day: Set(day),
        shard: Set(shard),
        readers: Set(0),
        quizzes: Set(0),
        score_sum: Set(0),
    })
    .on_conflict(
        OnConflict::columns([C::Day, C::Shard])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    public_day::Entity::update_many()
        .col_expr(C::Readers, Expr::col(C::Readers).add(readers))
        .col_expr(C::Quizzes, Expr::col(C::Quizzes).add(quizzes))
        .col_expr(C::ScoreSum, Expr::col(C::ScoreSum).add(score_sum))
        .filter(C::Day.eq(day))
        .filter(C::Shard.eq(shard))
        .exec(conn)
        .await?;
    Ok(())
}
