use super::*;

/// Summaries kept on write for the dashboards (see `progress`): a row of
/// counts per campaign, unit and day for the unit's whole subtree; each
/// member's tests and gatherings as last counted (to take back when they
/// change); each member's streak of days read in full; and each unit's
/// members, subtree included.
pub(super) struct Progress;

impl MigrationName for Progress {
    fn name(&self) -> &str {
        "m0010_progress"
    }
}

#[derive(DeriveIden)]
pub(super) enum ProgressDays {
    Table,
    CampaignId,
    UnitId,
    Day,
}

#[derive(DeriveIden)]
pub(super) enum ProgressMembers {
    Table,
    CampaignId,
    MemberId,
    Day,
    UnitId,
}

#[derive(DeriveIden)]
pub(super) enum ReadingStreaks {
    Table,
    CampaignId,
    MemberId,
    LastDay,
    Run,
}

#[derive(DeriveIden)]
pub(super) enum UnitSizes {
    Table,
    UnitId,
    Members,
}

pub(super) fn with_counts(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    for field in suyuan_core::progress::Counts::FIELDS {
        table.col(
            ColumnDef::new(Alias::new(*field))
                .big_integer()
                .not_null()
                .default(0),
        );
    }
    table
}

#[async_trait::async_trait]
impl MigrationTrait for Progress {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                with_counts(
                    Table::create()
                        .table(ProgressDays::Table)
                        .col(reference(ProgressDays::CampaignId))
                        .col(reference(ProgressDays::UnitId))
                        .col(ColumnDef::new(ProgressDays::Day).date().not_null()),
                )
                .primary_key(
                    Index::create()
                        .col(ProgressDays::CampaignId)
                        .col(ProgressDays::UnitId)
                        .col(ProgressDays::Day),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                with_counts(
                    Table::create()
                        .table(ProgressMembers::Table)
                        .col(reference(ProgressMembers::CampaignId))
                        .col(reference(ProgressMembers::MemberId))
                        .col(ColumnDef::new(ProgressMembers::Day).date().not_null())
                        .col(reference(ProgressMembers::UnitId)),
                )
                .primary_key(
                    Index::create()
                        .col(ProgressMembers::CampaignId)
                        .col(ProgressMembers::MemberId)
                        .col(ProgressMembers::Day),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReadingStreaks::Table)
                    .col(reference(ReadingStreaks::CampaignId))
                    .col(reference(ReadingStreaks::MemberId))
                    .col(ColumnDef::new(ReadingStreaks::LastDay).date().not_null())
                    .col(int(ReadingStreaks::Run))
                    .primary_key(
                        Index::create()
                            .col(ReadingStreaks::CampaignId)
                            .col(ReadingStreaks::MemberId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UnitSizes::Table)
                    .col(
                        ColumnDef::new(UnitSizes::UnitId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(reference(UnitSizes::Members))
                    .to_owned(),
            )
            .await?;
        // Units and members made before this migration are counted once.
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO unit_sizes (unit_id, members) \
             SELECT a.id, COUNT(m.id) FROM units a \
             JOIN units u ON u.path >= a.path \
             AND u.path < substr(a.path, 1, length(a.path) - 1) || '0' \
             JOIN members m ON m.unit_id = u.id GROUP BY a.id",
        )
        .await?;
        Ok(())
    }
}
