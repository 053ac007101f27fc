use super::*;

/// Pledges of practical things for the people: the pledges with their
/// approval and completion, progress updates, evidence photos, comments
/// from the public (held for moderation), the public's confirmations, and
/// the figures kept per unit and day (subtree included), as progress keeps
/// its own.
pub(super) struct Pledges;

impl MigrationName for Pledges {
    fn name(&self) -> &str {
        "m0016_pledges"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum PledgesTable {
    #[sea_orm(iden = "pledges")]
    Table,
    Id,
    UnitId,
    MemberId,
    Title,
    Description,
    Beneficiaries,
    Place,
    Deadline,
    Zone,
    Approval,
    ReturnedReason,
    ApprovedBy,
    ApprovedAt,
    CompletedAt,
    Evidence,
    OverdueCounted,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PledgeUpdates {
    Table,
    Id,
    PledgeId,
    Text,
    WrittenBy,
    WrittenAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PledgePhotos {
    Table,
    Id,
    PledgeId,
    Width,
    Height,
    Data,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PledgeComments {
    Table,
    Id,
    PledgeId,
    Text,
    AuthorName,
    State,
    ModeratedBy,
    ModeratedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PledgeConfirmations {
    Table,
    Id,
    PledgeId,
    Key,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PledgeDays {
    Table,
    UnitId,
    Day,
    Pledged,
    DoneOnTime,
    DoneLate,
    Overdue,
    Confirmed,
}

fn pledge_key(
    table: impl IntoIden + Copy + 'static,
    column: impl IntoIden + Copy + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(PledgesTable::Table, PledgesTable::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Pledges {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let text = |column: PledgesTable| ColumnDef::new(column).text().not_null().to_owned();
        let moment_or_null = |column: PledgesTable| {
            ColumnDef::new(column)
                .timestamp_with_time_zone()
                .null()
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(PledgesTable::Table)
                    .col(id(PledgesTable::Id))
                    .col(reference(PledgesTable::UnitId))
                    .col(ColumnDef::new(PledgesTable::MemberId).big_integer().null())
                    .col(string(PledgesTable::Title, 80))
                    .col(text(PledgesTable::Description))
                    .col(string(PledgesTable::Beneficiaries, 200))
                    .col(string(PledgesTable::Place, 200))
                    .col(ColumnDef::new(PledgesTable::Deadline).date().not_null())
                    .col(string(PledgesTable::Zone, 64))
                    .col(string(PledgesTable::Approval, 16))
                    .col(text(PledgesTable::ReturnedReason))
                    .col(
                        ColumnDef::new(PledgesTable::ApprovedBy)
                            .big_integer()
                            .null(),
                    )
                    .col(moment_or_null(PledgesTable::ApprovedAt))
                    .col(moment_or_null(PledgesTable::CompletedAt))
                    .col(text(PledgesTable::Evidence))
                    .col(
                        ColumnDef::new(PledgesTable::OverdueCounted)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(reference(PledgesTable::CreatedBy))
                    .col(timestamp(PledgesTable::CreatedAt))
                    .col(timestamp(PledgesTable::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PledgesTable::Table, PledgesTable::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PledgesTable::Table, PledgesTable::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "pledges_unit",
                vec![PledgesTable::UnitId, PledgesTable::Deadline],
            ),
            // What the sweeps look for: approved pledges past their
            // deadline, and those whose reminder is due.
            (
                "pledges_open_deadlines",
                vec![
                    PledgesTable::Approval,
                    PledgesTable::CompletedAt,
                    PledgesTable::Deadline,
                ],
            ),
            ("pledges_member", vec![PledgesTable::MemberId]),
        ] {
            let mut statement = Index::create();
            statement.name(name).table(PledgesTable::Table);
            for column in columns {
                statement.col(column);
            }
            manager.create_index(statement.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(PledgeUpdates::Table)
                    .col(id(PledgeUpdates::Id))
                    .col(reference(PledgeUpdates::PledgeId))
                    .col(ColumnDef::new(PledgeUpdates::Text).text().not_null())
                    .col(reference(PledgeUpdates::WrittenBy))
                    .col(timestamp(PledgeUpdates::WrittenAt))
                    .foreign_key(&mut pledge_key(
                        PledgeUpdates::Table,
                        PledgeUpdates::PledgeId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PledgePhotos::Table)
                    .col(id(PledgePhotos::Id))
                    .col(reference(PledgePhotos::PledgeId))
                    .col(int(PledgePhotos::Width))
                    .col(int(PledgePhotos::Height))
                    .col(ColumnDef::new(PledgePhotos::Data).blob().not_null())
                    .col(reference(PledgePhotos::UploadedBy))
                    .col(timestamp(PledgePhotos::CreatedAt))
                    .foreign_key(&mut pledge_key(PledgePhotos::Table, PledgePhotos::PledgeId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PledgeComments::Table)
                    .col(id(PledgeComments::Id))
                    .col(reference(PledgeComments::PledgeId))
                    .col(ColumnDef::new(PledgeComments::Text).text().not_null())
                    .col(string(PledgeComments::AuthorName, 40))
                    .col(string(PledgeComments::State, 16))
                    .col(
                        ColumnDef::new(PledgeComments::ModeratedBy)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PledgeComments::ModeratedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(timestamp(PledgeComments::CreatedAt))
                    .foreign_key(&mut pledge_key(
                        PledgeComments::Table,
                        PledgeComments::PledgeId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "pledge_comments_state",
                PledgeComments::Table,
                [
                    PledgeComments::PledgeId.into_iden(),
                    PledgeComments::State.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PledgeConfirmations::Table)
                    .col(id(PledgeConfirmations::Id))
                    .col(reference(PledgeConfirmations::PledgeId))
                    .col(string(PledgeConfirmations::Key, 120))
                    .col(timestamp(PledgeConfirmations::CreatedAt))
                    .foreign_key(&mut pledge_key(
                        PledgeConfirmations::Table,
                        PledgeConfirmations::PledgeId,
                    ))
                    .to_owned(),
            )
            .await?;
        // Whoever confirms (an address, a phone) counts once a pledge.
        manager
            .create_index(
                index(
                    "pledge_confirmations_once",
                    PledgeConfirmations::Table,
                    [
                        PledgeConfirmations::PledgeId.into_iden(),
                        PledgeConfirmations::Key.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        let count = |column: PledgeDays| {
            ColumnDef::new(column)
                .integer()
                .not_null()
                .default(0)
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(PledgeDays::Table)
                    .col(reference(PledgeDays::UnitId))
                    .col(ColumnDef::new(PledgeDays::Day).date().not_null())
                    .col(count(PledgeDays::Pledged))
                    .col(count(PledgeDays::DoneOnTime))
                    .col(count(PledgeDays::DoneLate))
                    .col(count(PledgeDays::Overdue))
                    .col(count(PledgeDays::Confirmed))
                    .primary_key(Index::create().col(PledgeDays::UnitId).col(PledgeDays::Day))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
