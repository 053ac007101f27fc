use super::*;

/// The question bank: questions owned by a unit and shared down its
/// subtree. The answer (options, weights, what is accepted) is one JSON
/// document; a fingerprint of what the question says keeps a bank from
/// holding the same question twice.
pub(super) struct Questions;

impl MigrationName for Questions {
    fn name(&self) -> &str {
        "m0006_questions"
    }
}

#[derive(DeriveIden)]
pub(super) enum QuestionsTable {
    #[sea_orm(iden = "questions")]
    Table,
    Id,
    OwnerUnitId,
    Status,
    Kind,
    Category,
    Title,
    Text,
    Answer,
    Tags,
    Difficulty,
    Explanation,
    ExcerptId,
    Fingerprint,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Questions {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(QuestionsTable::Table)
                    .col(id(QuestionsTable::Id))
                    .col(reference(QuestionsTable::OwnerUnitId))
                    .col(string(QuestionsTable::Status, 16))
                    .col(string(QuestionsTable::Kind, 16))
                    .col(string(QuestionsTable::Category, 200))
                    .col(ColumnDef::new(QuestionsTable::Title).string_len(200).null())
                    .col(ColumnDef::new(QuestionsTable::Text).text().not_null())
                    .col(ColumnDef::new(QuestionsTable::Answer).text().not_null())
                    .col(ColumnDef::new(QuestionsTable::Tags).text().not_null())
                    .col(int(QuestionsTable::Difficulty))
                    .col(
                        ColumnDef::new(QuestionsTable::Explanation)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(QuestionsTable::ExcerptId)
                            .big_integer()
                            .null(),
                    )
                    .col(string(QuestionsTable::Fingerprint, 64))
                    .col(timestamp(QuestionsTable::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(QuestionsTable::Table, QuestionsTable::OwnerUnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(QuestionsTable::Table, QuestionsTable::ExcerptId)
                            .to(Excerpts::Table, Excerpts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "questions_owner_fingerprint",
                    QuestionsTable::Table,
                    [
                        QuestionsTable::OwnerUnitId.into_iden(),
                        QuestionsTable::Fingerprint.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "questions_owner_category",
                QuestionsTable::Table,
                [
                    QuestionsTable::OwnerUnitId.into_iden(),
                    QuestionsTable::Category.into_iden(),
                ],
            ))
            .await
    }
}
