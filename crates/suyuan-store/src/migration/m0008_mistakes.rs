use super::*;

/// The mistake book: each member's wrong answers, with their review
/// schedule (an FSRS card as JSON) and when each is next due.
pub(super) struct Mistakes;

impl MigrationName for Mistakes {
    fn name(&self) -> &str {
        "m0008_mistakes"
    }
}

#[derive(DeriveIden)]
pub(super) enum MistakesTable {
    #[sea_orm(iden = "mistakes")]
    Table,
    MemberId,
    QuestionId,
    Schedule,
    DueAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Mistakes {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MistakesTable::Table)
                    .col(reference(MistakesTable::MemberId))
                    .col(reference(MistakesTable::QuestionId))
                    .col(ColumnDef::new(MistakesTable::Schedule).text().not_null())
                    .col(timestamp(MistakesTable::DueAt))
                    .col(timestamp(MistakesTable::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(MistakesTable::MemberId)
                            .col(MistakesTable::QuestionId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MistakesTable::Table, MistakesTable::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MistakesTable::Table, MistakesTable::QuestionId)
                            .to(QuestionsTable::Table, QuestionsTable::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "mistakes_member_due",
                MistakesTable::Table,
                [
                    MistakesTable::MemberId.into_iden(),
                    MistakesTable::DueAt.into_iden(),
                ],
            ))
            .await
    }
}
