use super::*;

/// Tests (`exams`: a window, a time limit, draw rules and a pass mark),
/// members' attempts at them (the questions drawn, in the member's order,
/// and the server's deadline) and the answers given, one row each.
pub(super) struct Exams;

impl MigrationName for Exams {
    fn name(&self) -> &str {
        "m0007_exams"
    }
}

#[derive(DeriveIden)]
pub(super) enum ExamsTable {
    #[sea_orm(iden = "exams")]
    Table,
    Id,
    OwnerUnitId,
    CampaignId,
    Title,
    OpensAt,
    ClosesAt,
    TimeLimitSeconds,
    AttemptsAllowed,
    PassMark,
    Rules,
    Mistakes,
    ReadingsFrom,
    ReadingsTo,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(super) enum Attempts {
    Table,
    Id,
    ExamId,
    MemberId,
    Number,
    StartedAt,
    Deadline,
    SubmittedAt,
    Items,
    Earned,
    Possible,
    Pending,
}

#[derive(DeriveIden)]
pub(super) enum AttemptAnswers {
    Table,
    AttemptId,
    Position,
    Response,
    SavedAt,
    Grade,
}

#[async_trait::async_trait]
impl MigrationTrait for Exams {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ExamsTable::Table)
                    .col(id(ExamsTable::Id))
                    .col(reference(ExamsTable::OwnerUnitId))
                    .col(ColumnDef::new(ExamsTable::CampaignId).big_integer().null())
                    .col(string(ExamsTable::Title, 200))
                    .col(timestamp(ExamsTable::OpensAt))
                    .col(timestamp(ExamsTable::ClosesAt))
                    .col(int(ExamsTable::TimeLimitSeconds))
                    .col(int(ExamsTable::AttemptsAllowed))
                    .col(int(ExamsTable::PassMark))
                    .col(ColumnDef::new(ExamsTable::Rules).text().not_null())
                    .col(int(ExamsTable::Mistakes))
                    .col(ColumnDef::new(ExamsTable::ReadingsFrom).date().null())
                    .col(ColumnDef::new(ExamsTable::ReadingsTo).date().null())
                    .col(timestamp(ExamsTable::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExamsTable::Table, ExamsTable::OwnerUnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExamsTable::Table, ExamsTable::CampaignId)
                            .to(CampaignsTable::Table, CampaignsTable::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Attempts::Table)
                    .col(id(Attempts::Id))
                    .col(reference(Attempts::ExamId))
                    .col(reference(Attempts::MemberId))
                    .col(int(Attempts::Number))
                    .col(timestamp(Attempts::StartedAt))
                    .col(timestamp(Attempts::Deadline))
                    .col(
                        ColumnDef::new(Attempts::SubmittedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Attempts::Items).text().not_null())
                    .col(ColumnDef::new(Attempts::Earned).double().null())
                    .col(ColumnDef::new(Attempts::Possible).double().null())
                    .col(ColumnDef::new(Attempts::Pending).integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attempts::Table, Attempts::ExamId)
                            .to(ExamsTable::Table, ExamsTable::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attempts::Table, Attempts::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "attempts_exam_member_number",
                    Attempts::Table,
                    [
                        Attempts::ExamId.into_iden(),
                        Attempts::MemberId.into_iden(),
                        Attempts::Number.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        // Open attempts by deadline: what the auto-submit sweep looks for.
        manager
            .create_index(index(
                "attempts_open_deadline",
                Attempts::Table,
                [
                    Attempts::SubmittedAt.into_iden(),
                    Attempts::Deadline.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AttemptAnswers::Table)
                    .col(reference(AttemptAnswers::AttemptId))
                    .col(int(AttemptAnswers::Position))
                    .col(ColumnDef::new(AttemptAnswers::Response).text().not_null())
                    .col(timestamp(AttemptAnswers::SavedAt))
                    .col(ColumnDef::new(AttemptAnswers::Grade).text().null())
                    .primary_key(
                        Index::create()
                            .col(AttemptAnswers::AttemptId)
                            .col(AttemptAnswers::Position),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AttemptAnswers::Table, AttemptAnswers::AttemptId)
                            .to(Attempts::Table, Attempts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }
}
