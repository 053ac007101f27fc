//! The question bank: questions owned by a unit and shared down its
//! subtree. Questions proposed by generation wait for an admin's review
//! before they enter the bank.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashSet};

use suyuan_core::library::ExcerptId;
use suyuan_core::questions::{Answer, Difficulty, Kind, Question, QuestionId};
use suyuan_core::units::{UnitId, UnitPath};

use crate::library::excerpt;
use crate::{Store, StoreError, StoreResult};

pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "questions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub owner_unit_id: i64,
        pub status: String,
        pub kind: String,
        pub category: String,
        pub title: Option<String>,
        pub text: String,
        pub answer: String,
        pub tags: String,
        pub difficulty: i32,
        pub explanation: String,
        pub excerpt_id: Option<i64>,
        pub fingerprint: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::Column;

/// Whether a question is in the bank or still waits for review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// In the bank: tests draw from it.
    Active,
    /// Generated from a reading; an admin accepts or drops it.
    Proposed,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Proposed => "proposed",
        }
    }

    fn parse(code: &str) -> Option<Self> {
        match code {
            "active" => Some(Status::Active),
            "proposed" => Some(Status::Proposed),
            _ => None,
        }
    }
}

/// A question of the bank, with its owner.
#[derive(Debug, Clone, PartialEq)]
pub struct BankQuestion {
    pub id: QuestionId,
    pub owner: UnitId,
    pub status: Status,
    pub question: Question,
}

/// Which units' questions a listing covers.
#[derive(Debug, Clone)]
pub enum Owners {
    /// The bank as a unit sees it: its own questions and those of the
    /// units above it, which are shared down.
    SeenFrom(UnitPath),
    /// The questions that units within a subtree own (what its admins
    /// manage).
    Within(UnitPath),
}

/// What a listing of the bank asks for.
#[derive(Debug, Clone)]
pub struct QuestionFilter {
    pub owners: Owners,
    pub status: Status,
    pub category: Option<String>,
    pub kind: Option<Kind>,
    /// Words the question's text contains.
    pub text: Option<String>,
    pub offset: u64,
    pub limit: u64,
}

impl QuestionFilter {
    pub fn bank(owners: Owners) -> Self {
        Self {
            owners,
            status: Status::Active,
            category: None,
            kind: None,
            text: None,
            offset: 0,
            limit: 100,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Added {
    pub added: usize,
    /// Questions the bank already held (the same category, text and
    /// answer), skipped.
    pub already: usize,
}

/// What a question says, as a key: the same question imported twice has
/// the same fingerprint.
fn fingerprint(question: &Question) -> String {
    let mut hash = Sha256::new();
    for part in [
        question.category.as_str(),
        question.text.as_str(),
        &answer_json(&question.answer),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex::encode(hash.finalize())
}

fn answer_json(answer: &Answer) -> String {
    // Serializing a plain enum of strings and numbers cannot fail.
    serde_json::to_string(answer).unwrap_or_default()
}

fn from_row(row: entity::Model) -> StoreResult<BankQuestion> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("question {}: {what}", row.id));
    let answer: Answer = serde_json::from_str(&row.answer).map_err(|_| corrupt("answer"))?;
    let tags: Vec<String> = serde_json::from_str(&row.tags).map_err(|_| corrupt("tags"))?;
    let difficulty = u8::try_from(row.difficulty)
        .ok()
        .and_then(|level| Difficulty::new(level).ok())
        .ok_or_else(|| corrupt("difficulty"))?;
    Ok(BankQuestion {
        id: QuestionId(row.id),
        owner: UnitId(row.owner_unit_id),
        status: Status::parse(&row.status).ok_or_else(|| corrupt("status"))?,
        question: Question {
            title: row.title,
            text: row.text,
            answer,
            category: row.category,
            tags,
            difficulty,
            explanation: row.explanation,
            excerpt: row.excerpt_id.map(ExcerptId),
        },
    })
}

impl Store {
    /// Adds questions to a unit's bank in one transaction, all or nothing;
    /// questions it already holds are skipped. Each question is checked,
    /// and the excerpts they name must exist.
    pub async fn add_questions(
        &self,
        owner: UnitId,
        questions: &[Question],
        status: Status,
        now: DateTime<Utc>,
    ) -> StoreResult<Added> {
        for (n, question) in questions.iter().enumerate() {
            question
                .check()
                .map_err(|e| StoreError::Invalid(format!("question {}: {e}", n + 1)))?;
        }
        let txn = self.db.begin().await?;
        let named: BTreeSet<i64> = questions
            .iter()
            .filter_map(|q| q.excerpt.map(|e| e.0))
            .collect();
        let found: HashSet<i64> = excerpt::Entity::find()
            .select_only()
            .column(excerpt::Column::Id)
            .filter(excerpt::Column::Id.is_in(named.iter().copied()))
            .into_tuple()
            .all(&txn)
            .await?
            .into_iter()
            .collect();
        if let Some((n, question)) = questions
            .iter()
            .enumerate()
            .find(|(_, q)| q.excerpt.is_some_and(|e| !found.contains(&e.0)))
        {
            return Err(StoreError::Invalid(format!(
                "question {}: there is no excerpt {}",
                n + 1,
                question.excerpt.map_or(0, |e| e.0)
            )));
        }
        let mut added = 0;
        for chunk in questions.chunks(200) {
            let mut insert = Query::insert();
            insert
                .into_table(entity::Entity)
                .columns([
                    Column::OwnerUnitId,
                    Column::Status,
                    Column::Kind,
                    Column::Category,
                    Column::Title,
                    Column::Text,
                    Column::Answer,
                    Column::Tags,
                    Column::Difficulty,
                    Column::Explanation,
                    Column::ExcerptId,
                    Column::Fingerprint,
                    Column::CreatedAt,
                ])
                .on_conflict(
                    OnConflict::columns([Column::OwnerUnitId, Column::Fingerprint])
                        .do_nothing()
                        .to_owned(),
                );
            for question in chunk {
                insert.values_panic([
                    owner.0.into(),
                    status.code().into(),
                    question.answer.kind().code().into(),
                    question.category.clone().into(),
                    question.title.clone().into(),
                    question.text.clone().into(),
                    answer_json(&question.answer).into(),
                    serde_json::to_string(&question.tags)
                        .unwrap_or_default()
                        .into(),
                    i32::from(question.difficulty.level()).into(),
                    question.explanation.clone().into(),
                    question.excerpt.map(|e| e.0).into(),
                    fingerprint(question).into(),
                    now.into(),
                ]);
            }
            let statement = txn.get_database_backend().build(&insert);
            added += txn.execute_raw(statement).await?.rows_affected() as usize;
        }
        txn.commit().await?;
        Ok(Added {
            added,
            already: questions.len() - added,
        })
    }

    fn bank_query(&self, filter: &QuestionFilter) -> sea_orm::Select<entity::Entity> {
        let mut query = entity::Entity::find().filter(Column::Status.eq(filter.status.code()));
        query = match &filter.owners {
            Owners::SeenFrom(path) => {
                query.filter(Column::OwnerUnitId.is_in(path.ids().into_iter().map(|u| u.0)))
            }
            Owners::Within(path) => {
                let (low, high) = path.subtree_range();
                query.filter(
                    Column::OwnerUnitId.in_subquery(
                        Query::select()
                            .column(crate::units::entity::Column::Id)
                            .from(crate::units::entity::Entity)
                            .and_where(crate::units::entity::Column::Path.gte(low))
                            .and_where(crate::units::entity::Column::Path.lt(high))
                            .to_owned(),
                    ),
                )
            }
        };
        if let Some(category) = &filter.category {
            query = query.filter(Column::Category.eq(category.as_str()));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(Column::Kind.eq(kind.code()));
        }
        if let Some(text) = filter
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            query = query.filter(Column::Text.contains(text));
        }
        query
    }

    /// A page of the bank, and how many questions the filter finds in all.
    pub async fn questions(
        &self,
        filter: &QuestionFilter,
    ) -> StoreResult<(u64, Vec<BankQuestion>)> {
        let total = self.bank_query(filter).count(&self.db).await?;
        let rows = self
            .bank_query(filter)
            .order_by_asc(Column::Category)
            .order_by_asc(Column::Id)
            .offset(crate::rows(filter.offset))
            .limit(crate::rows(filter.limit))
            .all(&self.db)
            .await?;
        let questions = rows.into_iter().map(from_row).collect::<StoreResult<_>>()?;
        Ok((total, questions))
    }

    /// Every question a filter finds, for an export.
    pub async fn all_questions(&self, filter: &QuestionFilter) -> StoreResult<Vec<BankQuestion>> {
        self.bank_query(filter)
            .order_by_asc(Column::Category)
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// The categories a filter's questions fall in, with how many each.
    pub async fn question_categories(
        &self,
        filter: &QuestionFilter,
    ) -> StoreResult<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> = self
            .bank_query(filter)
            .select_only()
            .column(Column::Category)
            .column_as(Column::Id.count(), "n")
            .group_by(Column::Category)
            .order_by_asc(Column::Category)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(c, n)| (c, n.max(0) as u64))
            .collect())
    }

    pub async fn question(&self, id: QuestionId) -> StoreResult<BankQuestion> {
        let row = entity::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        from_row(row)
    }

    /// Questions by id, in one query (an attempt's, say).
    pub async fn questions_by_id(
        &self,
        ids: &[QuestionId],
    ) -> StoreResult<std::collections::HashMap<QuestionId, Question>> {
        entity::Entity::find()
            .filter(Column::Id.is_in(ids.iter().map(|id| id.0)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| from_row(row).map(|q| (q.id, q.question)))
            .collect()
    }

    /// What a test needs to draw from the bank a unit sees: each active
    /// question's id, category, difficulty and excerpt, without the rest.
    pub(crate) async fn draw_pool(
        &self,
        seen_from: &UnitPath,
    ) -> StoreResult<Vec<(QuestionId, String, Difficulty, Option<ExcerptId>)>> {
        let rows: Vec<(i64, String, i32, Option<i64>)> = self
            .bank_query(&QuestionFilter::bank(Owners::SeenFrom(seen_from.clone())))
            .select_only()
            .columns([
                Column::Id,
                Column::Category,
                Column::Difficulty,
                Column::ExcerptId,
            ])
            .into_tuple()
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|(id, category, difficulty, excerpt)| {
                let difficulty = u8::try_from(difficulty)
                    .ok()
                    .and_then(|d| Difficulty::new(d).ok())
                    .ok_or_else(|| StoreError::Corrupt(format!("question {id}: difficulty")))?;
                Ok((QuestionId(id), category, difficulty, excerpt.map(ExcerptId)))
            })
            .collect()
    }

    /// Accepts a proposed question into the bank.
    pub async fn accept_question(&self, id: QuestionId) -> StoreResult<()> {
        let result = entity::Entity::update_many()
            .col_expr(Column::Status, Status::Active.code().into())
            .filter(Column::Id.eq(id.0))
            .filter(Column::Status.eq(Status::Proposed.code()))
            .exec(&self.db)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Accepts those of `ids` still proposed into the bank; how many.
    pub async fn accept_questions(&self, ids: &[QuestionId]) -> StoreResult<usize> {
        let result = entity::Entity::update_many()
            .col_expr(Column::Status, Status::Active.code().into())
            .filter(Column::Id.is_in(ids.iter().map(|id| id.0)))
            .filter(Column::Status.eq(Status::Proposed.code()))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected as usize)
    }

    /// Drops a proposed question.
    pub async fn drop_proposed_question(&self, id: QuestionId) -> StoreResult<()> {
        let result = entity::Entity::delete_many()
            .filter(Column::Id.eq(id.0))
            .filter(Column::Status.eq(Status::Proposed.code()))
            .exec(&self.db)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
