//! Who was at a gathering: check-in with the rotating code, marking by
//! the organizer, and closing an ended gathering (everyone without a
//! status is absent).

use super::*;

pub(crate) mod attendance {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attendance")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub gathering_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: i64,
        pub status: String,
        pub checked_in_at: Option<DateTimeUtc>,
        pub marked_by: Option<i64>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod failure {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "check_in_failures")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub gathering_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: i64,
        pub failures: i32,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A member's attendance at a gathering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    pub status: Attendance,
    pub checked_in_at: Option<DateTime<Utc>>,
}

pub(super) async fn mark_chunk(
    txn: &impl sea_orm::ConnectionTrait,
    gathering: GatheringId,
    marks: &[(MemberId, Attendance)],
    by: MemberId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    attendance::Entity::insert_many(
        marks
            .iter()
            .map(|(member, status)| attendance::ActiveModel {
                gathering_id: Set(gathering.0),
                member_id: Set(member.0),
                status: Set(status.code().to_owned()),
                checked_in_at: Set(None),
                marked_by: Set(Some(by.0)),
                updated_at: Set(now),
            }),
    )
    .on_conflict(
        OnConflict::columns([
            attendance::Column::GatheringId,
            attendance::Column::MemberId,
        ])
        .update_columns([
            attendance::Column::Status,
            attendance::Column::MarkedBy,
            attendance::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec(txn)
    .await?;
    Ok(())
}

pub(super) fn attendance_of(code: &str) -> StoreResult<Attendance> {
    Attendance::parse(code).ok_or_else(|| StoreError::Corrupt(format!("attendance {code:?}")))
}

impl Store {
    /// Checks a member in (after the code was checked): present or late by
    /// the time. A member already checked in keeps their first check-in;
    /// one statement, so that a double tap records it once.
    pub async fn check_in(
        &self,
        gathering: &Gathering,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Presence> {
        let status = gathering.slot.arrival(now);
        let attended = [Attendance::Present.code(), Attendance::Late.code()];
        let txn = self.db.begin().await?;
        attendance::Entity::insert(attendance::ActiveModel {
            gathering_id: Set(gathering.id.0),
            member_id: Set(member.0),
            status: Set(status.code().to_owned()),
            checked_in_at: Set(Some(now)),
            marked_by: Set(None),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                attendance::Column::GatheringId,
                attendance::Column::MemberId,
            ])
            .update_columns([
                attendance::Column::Status,
                attendance::Column::CheckedInAt,
                attendance::Column::MarkedBy,
                attendance::Column::UpdatedAt,
            ])
            .action_and_where(
                Expr::col((attendance::Entity, attendance::Column::Status)).is_not_in(attended),
            )
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        retally_gathering(&txn, gathering.id, Some(vec![member.0])).await?;
        txn.commit().await?;
        self.presence(gathering.id, member)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// How many wrong codes a member has typed for a gathering.
    pub async fn wrong_codes(&self, gathering: GatheringId, member: MemberId) -> StoreResult<u32> {
        Ok(failure::Entity::find_by_id((gathering.0, member.0))
            .one(&self.db)
            .await?
            .map_or(0, |row| u32::try_from(row.failures).unwrap_or(0)))
    }

    /// Counts one more wrong code.
    pub async fn note_wrong_code(
        &self,
        gathering: GatheringId,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        failure::Entity::insert(failure::ActiveModel {
            gathering_id: Set(gathering.0),
            member_id: Set(member.0),
            failures: Set(1),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([failure::Column::GatheringId, failure::Column::MemberId])
                .value(
                    failure::Column::Failures,
                    Expr::col((failure::Entity, failure::Column::Failures)).add(1),
                )
                .update_column(failure::Column::UpdatedAt)
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// The organizer marks a member's attendance by hand.
    pub async fn mark_attendance(
        &self,
        gathering: GatheringId,
        member: MemberId,
        status: Attendance,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.mark_many(gathering, &[(member, status)], by, now)
            .await
    }

    /// Marks several members at once (a roll taken on paper, say), in
    /// statements of a few hundred rows.
    pub async fn mark_many(
        &self,
        gathering: GatheringId,
        marks: &[(MemberId, Attendance)],
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        for chunk in marks.chunks(CHUNK) {
            mark_chunk(&txn, gathering, chunk, by, now).await?;
        }
        let members = marks.iter().map(|(m, _)| m.0).collect();
        retally_gathering(&txn, gathering, Some(members)).await?;
        txn.commit().await?;
        Ok(())
    }

    /// A member's attendance at a gathering, if any is recorded.
    pub async fn presence(
        &self,
        gathering: GatheringId,
        member: MemberId,
    ) -> StoreResult<Option<Presence>> {
        attendance::Entity::find_by_id((gathering.0, member.0))
            .one(&self.db)
            .await?
            .map(|row| {
                Ok(Presence {
                    status: attendance_of(&row.status)?,
                    checked_in_at: row.checked_in_at,
                })
            })
            .transpose()
    }

    /// Everyone invited to a gathering (its unit's subtree), with their
    /// attendance so far, by unit and name.
    pub async fn roll(
        &self,
        gathering: &Gathering,
    ) -> StoreResult<Vec<(Member, Option<Presence>)>> {
        let members = self
            .list_members(&MemberFilter {
                within: gathering.unit.path.clone(),
                only: None,
                limit: u64::MAX >> 1,
                offset: 0,
            })
            .await?;
        let mut recorded: HashMap<i64, Presence> = HashMap::new();
        for row in attendance::Entity::find()
            .filter(attendance::Column::GatheringId.eq(gathering.id.0))
            .all(&self.db)
            .await?
        {
            recorded.insert(
                row.member_id,
                Presence {
                    status: attendance_of(&row.status)?,
                    checked_in_at: row.checked_in_at,
                },
            );
        }
        Ok(members
            .into_iter()
            .map(|member| {
                let presence = recorded.remove(&member.id.0);
                (member, presence)
            })
            .collect())
    }

    /// Fills in "absent" for everyone without a status at each gathering
    /// that ended before `now` and is not yet closed, and closes it. Each
    /// gathering is claimed in its own transaction, so instances running
    /// this side by side close each once. Returns how many were closed.
    pub async fn close_ended(&self, now: DateTime<Utc>) -> StoreResult<usize> {
        let ended: Vec<i64> = gathering::Entity::find()
            .select_only()
            .column(gathering::Column::Id)
            .filter(gathering::Column::ClosedAt.is_null())
            .filter(gathering::Column::EndsAt.lt(now))
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut closed = 0;
        for id in ended {
            let txn = self.db.begin().await?;
            let claimed = gathering::Entity::update_many()
                .col_expr(gathering::Column::ClosedAt, Expr::value(now))
                .filter(gathering::Column::Id.eq(id))
                .filter(gathering::Column::ClosedAt.is_null())
                .exec(&txn)
                .await?;
            if claimed.rows_affected == 0 {
                continue;
            }
            let row = gathering::Entity::find_by_id(id)
                .find_also_related(units::entity::Entity)
                .one(&txn)
                .await?
                .ok_or(StoreError::NotFound)?;
            let gathering = gathering_from(row.0, row.1)?;
            if !gathering.cancelled {
                let (low, high) = gathering.unit.path.subtree_range();
                let invited: Vec<i64> = members::entity::Entity::find()
                    .select_only()
                    .column(members::entity::Column::Id)
                    .join(
                        sea_orm::JoinType::InnerJoin,
                        sea_orm::RelationTrait::def(&members::entity::Relation::Unit),
                    )
                    .filter(units::entity::Column::Path.gte(low))
                    .filter(units::entity::Column::Path.lt(high))
                    .into_tuple()
                    .all(&txn)
                    .await?;
                let recorded: std::collections::HashSet<i64> = attendance::Entity::find()
                    .select_only()
                    .column(attendance::Column::MemberId)
                    .filter(attendance::Column::GatheringId.eq(id))
                    .into_tuple()
                    .all(&txn)
                    .await?
                    .into_iter()
                    .collect();
                let absent: Vec<i64> = invited
                    .into_iter()
                    .filter(|member| !recorded.contains(member))
                    .collect();
                for chunk in absent.chunks(CHUNK) {
                    // A mark made meanwhile by hand wins.
                    attendance::Entity::insert_many(chunk.iter().map(|member| {
                        attendance::ActiveModel {
                            gathering_id: Set(id),
                            member_id: Set(*member),
                            status: Set(Attendance::Absent.code().to_owned()),
                            checked_in_at: Set(None),
                            marked_by: Set(None),
                            updated_at: Set(now),
                        }
                    }))
                    .on_conflict(
                        OnConflict::columns([
                            attendance::Column::GatheringId,
                            attendance::Column::MemberId,
                        ])
                        .do_nothing()
                        .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await?;
                }
                retally_gathering(&txn, gathering.id, Some(absent)).await?;
            }
            txn.commit().await?;
            closed += 1;
        }
        Ok(closed)
    }
}
