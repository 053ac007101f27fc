//! Members' reflections (心得) on a gathering, and their review.

use super::*;

pub(crate) mod reflection {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reflections")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub gathering_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: i64,
        pub text: String,
        pub state: String,
        pub comment: String,
        pub submitted_at: DateTimeUtc,
        pub reviewed_by: Option<i64>,
        pub reviewed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A member's reflection (心得) on a gathering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reflection {
    pub member: MemberId,
    pub name: String,
    pub text: String,
    pub state: Review,
    /// The organizer's comment when it was returned.
    pub comment: String,
    pub submitted_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

pub(super) fn review_of(code: &str, what: &str) -> StoreResult<Review> {
    Review::parse(code).ok_or_else(|| StoreError::Corrupt(format!("{what} state {code:?}")))
}

impl Store {
    /// A member submits (or after it was returned, revises) a reflection
    /// on a gathering that has begun.
    pub async fn submit_reflection(
        &self,
        gathering: &Gathering,
        member: MemberId,
        text: &Text,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let text = text.as_str().to_owned();
        gathering.occasion().may_reflect(now)?;
        // One statement: a revision never overwrites an accepted one, even
        // when it races the review.
        let written = reflection::Entity::insert(reflection::ActiveModel {
            gathering_id: Set(gathering.id.0),
            member_id: Set(member.0),
            text: Set(text),
            state: Set(Review::Pending.code().to_owned()),
            comment: Set(String::new()),
            submitted_at: Set(now),
            reviewed_by: Set(None),
            reviewed_at: Set(None),
        })
        .on_conflict(
            OnConflict::columns([
                reflection::Column::GatheringId,
                reflection::Column::MemberId,
            ])
            .update_columns([
                reflection::Column::Text,
                reflection::Column::State,
                reflection::Column::SubmittedAt,
                reflection::Column::ReviewedBy,
                reflection::Column::ReviewedAt,
            ])
            .action_and_where(
                Expr::col((reflection::Entity, reflection::Column::State))
                    .ne(Review::Accepted.code()),
            )
            .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        if written == 0 {
            return Err(NotNow::ReflectionAccepted.into());
        }
        Ok(())
    }

    /// The organizer accepts a waiting reflection, or returns it with a
    /// comment saying what to revise.
    pub async fn review_reflection(
        &self,
        gathering: GatheringId,
        member: MemberId,
        review: &ReflectionReview,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let comment = review.comment().as_str();
        let row = reflection::Entity::find_by_id((gathering.0, member.0))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        if review_of(&row.state, "reflection")? != Review::Pending {
            return Err(NotNow::AlreadyReviewed.into());
        }
        let state = review.review();
        let txn = self.db.begin().await?;
        let updated = reflection::Entity::update_many()
            .col_expr(reflection::Column::State, Expr::value(state.code()))
            .col_expr(reflection::Column::Comment, Expr::value(comment))
            .col_expr(reflection::Column::ReviewedBy, Expr::value(by.0))
            .col_expr(reflection::Column::ReviewedAt, Expr::value(now))
            .filter(reflection::Column::GatheringId.eq(gathering.0))
            .filter(reflection::Column::MemberId.eq(member.0))
            .filter(reflection::Column::State.eq(Review::Pending.code()))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            return Err(NotNow::AlreadyReviewed.into());
        }
        if state == Review::Accepted {
            retally_gathering(&txn, gathering, Some(vec![member.0])).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Reflections on a gathering, oldest first; `only` narrows them to
    /// one member's.
    pub async fn reflections(
        &self,
        gathering: GatheringId,
        only: Option<MemberId>,
    ) -> StoreResult<Vec<Reflection>> {
        let mut query =
            reflection::Entity::find().filter(reflection::Column::GatheringId.eq(gathering.0));
        if let Some(member) = only {
            query = query.filter(reflection::Column::MemberId.eq(member.0));
        }
        let rows = query
            .order_by_asc(reflection::Column::SubmittedAt)
            .all(&self.db)
            .await?;
        let names = self.names(rows.iter().map(|r| r.member_id)).await?;
        rows.into_iter()
            .map(|row| {
                Ok(Reflection {
                    member: MemberId(row.member_id),
                    name: names.get(&row.member_id).cloned().unwrap_or_default(),
                    state: review_of(&row.state, "reflection")?,
                    text: row.text,
                    comment: row.comment,
                    submitted_at: row.submitted_at,
                    reviewed_at: row.reviewed_at,
                })
            })
            .collect()
    }
}
