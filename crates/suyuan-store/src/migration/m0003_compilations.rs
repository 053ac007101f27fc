use super::*;

/// Compilations (汇编): drafts an admin assembles from excerpts under
/// headings of their own, and the link from a published excerpt to the
/// one it was taken from.
pub(super) struct Compilations;

impl MigrationName for Compilations {
    fn name(&self) -> &str {
        "m0003_compilations"
    }
}

#[derive(DeriveIden)]
pub(super) enum CompilationDrafts {
    Table,
    Id,
    OwnerUnitId,
    Title,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(super) enum CompilationItems {
    Table,
    Id,
    DraftId,
    Position,
    Heading,
    ExcerptId,
}

#[derive(DeriveIden)]
pub(super) enum ExcerptSource {
    #[sea_orm(iden = "excerpts")]
    Table,
    SourceExcerptId,
}

#[async_trait::async_trait]
impl MigrationTrait for Compilations {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CompilationDrafts::Table)
                    .col(id(CompilationDrafts::Id))
                    .col(reference(CompilationDrafts::OwnerUnitId))
                    .col(string(CompilationDrafts::Title, 200))
                    .col(timestamp(CompilationDrafts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CompilationDrafts::Table, CompilationDrafts::OwnerUnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CompilationItems::Table)
                    .col(id(CompilationItems::Id))
                    .col(reference(CompilationItems::DraftId))
                    .col(int(CompilationItems::Position))
                    .col(string(CompilationItems::Heading, 400))
                    .col(
                        ColumnDef::new(CompilationItems::ExcerptId)
                            .big_integer()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CompilationItems::Table, CompilationItems::DraftId)
                            .to(CompilationDrafts::Table, CompilationDrafts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CompilationItems::Table, CompilationItems::ExcerptId)
                            .to(Excerpts::Table, Excerpts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "compilation_items_draft",
                CompilationItems::Table,
                [
                    CompilationItems::DraftId.into_iden(),
                    CompilationItems::Position.into_iden(),
                ],
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ExcerptSource::Table)
                    .add_column(
                        ColumnDef::new(ExcerptSource::SourceExcerptId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }
}
