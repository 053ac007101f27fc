use super::*;

/// The Constitution for the whole public: the public question bank (the
/// questions a top unit's admins published), the quizzes taken without an
/// account, the figures of public participation by day (and who read that
/// day, by a random id of the browser's, to count each reader once), and
/// what an admin says on the Constitution Day page. A day's figures are
/// kept in a few rows (shards) added together when read, so that readers
/// and quizzes on every instance do not all wait on one row.
pub(super) struct Public;

impl MigrationName for Public {
    fn name(&self) -> &str {
        "m0020_public"
    }
}

#[derive(DeriveIden)]
enum PublicQuestions {
    Table,
    QuestionId,
    PublishedBy,
    PublishedAt,
}

#[derive(DeriveIden)]
enum PublicQuizzes {
    Table,
    Id,
    Code,
    Nickname,
    Questions,
    Answers,
    Score,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum PublicDays {
    Table,
    Day,
    Shard,
    Readers,
    Quizzes,
    ScoreSum,
}

#[derive(DeriveIden)]
enum PublicReaders {
    Table,
    Day,
    Reader,
}

#[derive(DeriveIden)]
enum PublicFeatures {
    Table,
    Page,
    Headline,
    Message,
    Featured,
    UpdatedBy,
    UpdatedAt,
}

fn tally(column: PublicDays) -> ColumnDef {
    ColumnDef::new(column)
        .big_integer()
        .not_null()
        .default(0)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Public {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PublicQuestions::Table)
                    .col(
                        ColumnDef::new(PublicQuestions::QuestionId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(reference(PublicQuestions::PublishedBy))
                    .col(timestamp(PublicQuestions::PublishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PublicQuestions::Table, PublicQuestions::QuestionId)
                            .to(QuestionsTable::Table, QuestionsTable::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PublicQuizzes::Table)
                    .col(id(PublicQuizzes::Id))
                    .col(string(PublicQuizzes::Code, 16).unique_key().to_owned())
                    .col(
                        ColumnDef::new(PublicQuizzes::Nickname)
                            .string_len(80)
                            .null(),
                    )
                    .col(ColumnDef::new(PublicQuizzes::Questions).text().not_null())
                    .col(ColumnDef::new(PublicQuizzes::Answers).text().null())
                    .col(ColumnDef::new(PublicQuizzes::Score).integer().null())
                    .col(timestamp(PublicQuizzes::StartedAt))
                    .col(
                        ColumnDef::new(PublicQuizzes::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PublicDays::Table)
                    .col(ColumnDef::new(PublicDays::Day).date().not_null())
                    .col(int(PublicDays::Shard))
                    .col(tally(PublicDays::Readers))
                    .col(tally(PublicDays::Quizzes))
                    .col(tally(PublicDays::ScoreSum))
                    .primary_key(Index::create().col(PublicDays::Day).col(PublicDays::Shard))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PublicReaders::Table)
                    .col(ColumnDef::new(PublicReaders::Day).date().not_null())
                    .col(string(PublicReaders::Reader, 32))
                    .primary_key(
                        Index::create()
                            .col(PublicReaders::Day)
                            .col(PublicReaders::Reader),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PublicFeatures::Table)
                    .col(
                        ColumnDef::new(PublicFeatures::Page)
                            .string_len(40)
                            .not_null()
                            .primary_key(),
                    )
                    .col(string(PublicFeatures::Headline, 240))
                    .col(ColumnDef::new(PublicFeatures::Message).text().not_null())
                    .col(
                        ColumnDef::new(PublicFeatures::Featured)
                            .boolean()
                            .not_null(),
                    )
                    .col(reference(PublicFeatures::UpdatedBy))
                    .col(timestamp(PublicFeatures::UpdatedAt))
                    .to_owned(),
            )
            .await
    }
}
