use super::*;

/// Changes to who may use which session (sign-outs, new passwords, moved
/// members), so that every instance forgets what it remembered of them.
pub(super) struct SessionChanges;

impl MigrationName for SessionChanges {
    fn name(&self) -> &str {
        "m0012_session_changes"
    }
}

#[derive(DeriveIden)]
pub(super) enum SessionChangesTable {
    #[sea_orm(iden = "session_changes")]
    Table,
    Seq,
    MemberId,
    ChangedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for SessionChanges {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SessionChangesTable::Table)
                    .col(id(SessionChangesTable::Seq))
                    // None: everyone's sessions.
                    .col(ColumnDef::new(SessionChangesTable::MemberId).big_integer())
                    .col(timestamp(SessionChangesTable::ChangedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "session_changes_at",
                SessionChangesTable::Table,
                [SessionChangesTable::ChangedAt.into_iden()],
            ))
            .await
    }
}
