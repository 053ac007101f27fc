use super::*;

/// When a pledger was reminded that a pledge's deadline is near: set once,
/// by whichever instance claims the reminder, so that nobody hears it
/// twice.
pub(super) struct PledgeReminders;

impl MigrationName for PledgeReminders {
    fn name(&self) -> &str {
        "m0017_pledge_reminders"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum PledgeColumns {
    #[sea_orm(iden = "pledges")]
    Table,
    RemindedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for PledgeReminders {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PledgeColumns::Table)
                    .add_column(
                        ColumnDef::new(PledgeColumns::RemindedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }
}
