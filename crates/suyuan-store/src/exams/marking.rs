//! Short answers marked by hand, after submission.

use super::*;

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

impl Store {
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
        let grade = hand_mark(share)?;
        use sea_orm::sea_query::ExprTrait;
        let found = self.attempt(attempt).await?;
        let question = found
            .items
            .get(position)
            .map(|i| i.question)
            .ok_or(StoreError::NotFound)?;
        let txn = self.db.begin().await?;
        let marked = answer::Entity::update_many()
            .col_expr(answer::Column::Grade, to_json(&grade).into())
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
}
