use super::*;

/// Whether a member reads in elder mode (长辈版): remembered with the
/// person, so that it follows them to every phone they sign in on.
pub(super) struct ElderMode;

impl MigrationName for ElderMode {
    fn name(&self) -> &str {
        "m0019_elder_mode"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum MemberColumns {
    #[sea_orm(iden = "members")]
    Table,
    ElderMode,
}

#[async_trait::async_trait]
impl MigrationTrait for ElderMode {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MemberColumns::Table)
                    .add_column(
                        ColumnDef::new(MemberColumns::ElderMode)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }
}
