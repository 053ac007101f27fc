//! Leave requests (请假): asked by a member, decided by the organizer.

use super::*;

pub(crate) mod leave {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "leaves")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub gathering_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: i64,
        pub reason: String,
        pub state: String,
        pub asked_at: DateTimeUtc,
        pub decided_by: Option<i64>,
        pub decided_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A leave request (请假).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leave {
    pub member: MemberId,
    pub name: String,
    pub reason: String,
    pub state: Review,
    pub asked_at: DateTime<Utc>,
}

impl Store {
    /// A member asks for leave (请假) from a gathering that has not ended;
    /// asking again (after a refusal, or before any decision) replaces the
    /// reason and waits for a new decision. Approved leave stays approved.
    pub async fn ask_leave(
        &self,
        gathering: &Gathering,
        member: MemberId,
        reason: &Text,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let reason = reason.as_str().to_owned();
        gathering.occasion().may_ask_leave(now)?;
        let inserted = leave::Entity::insert(leave::ActiveModel {
            gathering_id: Set(gathering.id.0),
            member_id: Set(member.0),
            reason: Set(reason),
            state: Set(Review::Pending.code().to_owned()),
            asked_at: Set(now),
            decided_by: Set(None),
            decided_at: Set(None),
        })
        .on_conflict(
            OnConflict::columns([leave::Column::GatheringId, leave::Column::MemberId])
                .update_columns([
                    leave::Column::Reason,
                    leave::Column::State,
                    leave::Column::AskedAt,
                    leave::Column::DecidedBy,
                    leave::Column::DecidedAt,
                ])
                .action_and_where(
                    Expr::col((leave::Entity, leave::Column::State)).ne(Review::Accepted.code()),
                )
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        if inserted == 0 {
            return Err(NotNow::LeaveApproved.into());
        }
        Ok(())
    }

    /// The organizer approves or refuses a leave request; approval marks
    /// the member excused (unless they came after all).
    pub async fn decide_leave(
        &self,
        gathering: GatheringId,
        member: MemberId,
        decision: LeaveDecision,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        let row = leave::Entity::find_by_id((gathering.0, member.0))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let state = decision.review();
        let mut row: leave::ActiveModel = row.into();
        row.state = Set(state.code().to_owned());
        row.decided_by = Set(Some(by.0));
        row.decided_at = Set(Some(now));
        row.update(&txn).await?;
        let presence = attendance::Entity::find_by_id((gathering.0, member.0))
            .one(&txn)
            .await?;
        let attended = match &presence {
            Some(row) => attendance_of(&row.status)?.attended(),
            None => false,
        };
        let excused = presence
            .as_ref()
            .is_some_and(|row| row.status == Attendance::Excused.code());
        // Approval excuses the member; refusing an approval given before
        // takes the excuse back: absent once the gathering is closed, no
        // status before.
        let approve = decision == LeaveDecision::Approve;
        let status = match (approve, attended, excused) {
            (true, false, _) => Some(Attendance::Excused),
            (false, _, true) => {
                let closed = gathering::Entity::find_by_id(gathering.0)
                    .one(&txn)
                    .await?
                    .is_some_and(|g| g.closed_at.is_some());
                if !closed {
                    attendance::Entity::delete_by_id((gathering.0, member.0))
                        .exec(&txn)
                        .await?;
                }
                closed.then_some(Attendance::Absent)
            }
            _ => None,
        };
        if let Some(status) = status {
            mark_chunk(&txn, gathering, &[(member, status)], by, now).await?;
        }
        retally_gathering(&txn, gathering, Some(vec![member.0])).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Leave requests for a gathering, oldest first.
    pub async fn leaves(&self, gathering: GatheringId) -> StoreResult<Vec<Leave>> {
        let rows = leave::Entity::find()
            .filter(leave::Column::GatheringId.eq(gathering.0))
            .order_by_asc(leave::Column::AskedAt)
            .all(&self.db)
            .await?;
        let names = self.names(rows.iter().map(|r| r.member_id)).await?;
        rows.into_iter()
            .map(|row| {
                Ok(Leave {
                    member: MemberId(row.member_id),
                    name: names.get(&row.member_id).cloned().unwrap_or_default(),
                    state: review_of(&row.state, "leave")?,
                    reason: row.reason,
                    asked_at: row.asked_at,
                })
            })
            .collect()
    }
}
