//! The mistake book: each member's wrong answers and when each is next
//! due for review. Submitting an attempt updates it, in the same
//! transaction as the grades.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

use suyuan_core::members::MemberId;
use suyuan_core::mistakes::Schedule;
use suyuan_core::questions::{Grade, QuestionId, Response, grade};

use crate::{Store, StoreError, StoreResult};

pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mistakes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub question_id: i64,
        pub schedule: String,
        pub due_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::Column;

/// A question in a member's mistake book.
#[derive(Debug, Clone, PartialEq)]
pub struct Mistake {
    pub question: QuestionId,
    pub schedule: Schedule,
}

fn from_row(row: entity::Model) -> StoreResult<Mistake> {
    Ok(Mistake {
        question: QuestionId(row.question_id),
        schedule: Schedule::from_json(&row.schedule).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "mistake {} of member {}: schedule",
                row.question_id, row.member_id
            ))
        })?,
    })
}

/// Notes how a member answered questions, on `conn` (a transaction, as a
/// rule): a wrong answer enters the book or comes back soon; a right
/// answer to a question in the book pushes it further out. Questions
/// marked by hand are left until they are marked.
pub(crate) async fn note_answers(
    conn: &impl ConnectionTrait,
    member: MemberId,
    answered: &[(QuestionId, Grade)],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let ids: Vec<i64> = answered.iter().map(|(q, _)| q.0).collect();
    let mut known: HashMap<i64, Mistake> = HashMap::new();
    for row in entity::Entity::find()
        .filter(Column::MemberId.eq(member.0))
        .filter(Column::QuestionId.is_in(ids))
        .all(conn)
        .await?
    {
        let mistake = from_row(row)?;
        known.insert(mistake.question.0, mistake);
    }
    let mut rows = Vec::new();
    for (question, graded) in answered {
        if *graded == Grade::Pending {
            continue;
        }
        let right = graded.is_full();
        let schedule = match (known.get(&question.0), right) {
            (Some(mistake), _) => mistake.schedule.reviewed(now, right),
            (None, false) => Schedule::after_mistake(now),
            (None, true) => continue,
        };
        rows.push(entity::ActiveModel {
            member_id: Set(member.0),
            question_id: Set(question.0),
            schedule: Set(schedule.to_json()),
            due_at: Set(schedule.due()),
            updated_at: Set(now),
        });
    }
    // One statement for them all (a question appears once in an attempt).
    if !rows.is_empty() {
        entity::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([Column::MemberId, Column::QuestionId])
                    .update_columns([Column::Schedule, Column::DueAt, Column::UpdatedAt])
                    .to_owned(),
            )
            .exec(conn)
            .await?;
    }
    Ok(())
}

impl Store {
    /// The member's mistakes due for review now, the longest overdue first.
    pub async fn due_mistakes(
        &self,
        member: MemberId,
        now: DateTime<Utc>,
        limit: u64,
    ) -> StoreResult<Vec<Mistake>> {
        entity::Entity::find()
            .filter(Column::MemberId.eq(member.0))
            .filter(Column::DueAt.lte(now))
            .order_by_asc(Column::DueAt)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// Every question in the member's book, the soonest due first.
    pub async fn mistakes(&self, member: MemberId) -> StoreResult<Vec<Mistake>> {
        entity::Entity::find()
            .filter(Column::MemberId.eq(member.0))
            .order_by_asc(Column::DueAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// Practises one mistake: grades the answer and reschedules it.
    pub async fn practise(
        &self,
        member: MemberId,
        question: QuestionId,
        response: &Response,
        now: DateTime<Utc>,
    ) -> StoreResult<Grade> {
        let stored = self.question(question).await?;
        let graded = grade(&stored.question.answer, response);
        note_answers(&self.db, member, &[(question, graded)], now).await?;
        Ok(graded)
    }
}
