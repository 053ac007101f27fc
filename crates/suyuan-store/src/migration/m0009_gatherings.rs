use super::*;

/// Gatherings (weekly study, lectures, activity days) with their
/// attendance, wrong check-in codes, leave requests, reflections and
/// photos, and the tokens of calendar feeds.
pub(super) struct Gatherings;

impl MigrationName for Gatherings {
    fn name(&self) -> &str {
        "m0009_gatherings"
    }
}

#[derive(DeriveIden)]
pub(super) enum GatheringsTable {
    #[sea_orm(iden = "gatherings")]
    Table,
    Id,
    UnitId,
    CampaignId,
    Kind,
    Title,
    Topic,
    Speaker,
    Place,
    MeetingPoint,
    Materials,
    StartsAt,
    EndsAt,
    Cancelled,
    Sequence,
    CodeSecret,
    Minutes,
    ClosedAt,
    ChangedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub(super) enum CheckInFailures {
    Table,
    GatheringId,
    MemberId,
    Failures,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub(super) enum AttendanceTable {
    #[sea_orm(iden = "attendance")]
    Table,
    GatheringId,
    MemberId,
    Status,
    CheckedInAt,
    MarkedBy,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub(super) enum Leaves {
    Table,
    GatheringId,
    MemberId,
    Reason,
    State,
    AskedAt,
    DecidedBy,
    DecidedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub(super) enum Reflections {
    Table,
    GatheringId,
    MemberId,
    Text,
    State,
    Comment,
    SubmittedAt,
    ReviewedBy,
    ReviewedAt,
}

#[derive(DeriveIden)]
pub(super) enum GatheringPhotos {
    Table,
    Id,
    GatheringId,
    ContentType,
    Width,
    Height,
    Data,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(super) enum CalendarFeeds {
    Table,
    Token,
    MemberId,
    UnitId,
    CreatedAt,
}

/// A row per member and gathering, keyed by both.
pub(super) fn per_member(
    table: impl IntoIden + Clone + 'static,
    gathering: impl IntoIden + Clone + 'static,
    member: impl IntoIden + Clone + 'static,
) -> TableCreateStatement {
    Table::create()
        .table(table.clone())
        .col(reference(gathering.clone()))
        .col(reference(member.clone()))
        .primary_key(Index::create().col(gathering.clone()).col(member.clone()))
        .foreign_key(
            ForeignKey::create()
                .from(table.clone(), gathering)
                .to(GatheringsTable::Table, GatheringsTable::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .from(table, member)
                .to(Members::Table, Members::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Gatherings {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let text = |column: GatheringsTable| ColumnDef::new(column).text().not_null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(GatheringsTable::Table)
                    .col(id(GatheringsTable::Id))
                    .col(reference(GatheringsTable::UnitId))
                    .col(
                        ColumnDef::new(GatheringsTable::CampaignId)
                            .big_integer()
                            .null(),
                    )
                    .col(string(GatheringsTable::Kind, 16))
                    .col(string(GatheringsTable::Title, 200))
                    .col(text(GatheringsTable::Topic))
                    .col(string(GatheringsTable::Speaker, 200))
                    .col(string(GatheringsTable::Place, 200))
                    .col(string(GatheringsTable::MeetingPoint, 200))
                    .col(text(GatheringsTable::Materials))
                    .col(timestamp(GatheringsTable::StartsAt))
                    .col(timestamp(GatheringsTable::EndsAt))
                    .col(
                        ColumnDef::new(GatheringsTable::Cancelled)
                            .boolean()
                            .not_null(),
                    )
                    .col(int(GatheringsTable::Sequence))
                    .col(string(GatheringsTable::CodeSecret, 64))
                    .col(text(GatheringsTable::Minutes))
                    .col(
                        ColumnDef::new(GatheringsTable::ClosedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(GatheringsTable::ChangedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(reference(GatheringsTable::CreatedBy))
                    .col(timestamp(GatheringsTable::CreatedAt))
                    .col(timestamp(GatheringsTable::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GatheringsTable::Table, GatheringsTable::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GatheringsTable::Table, GatheringsTable::CampaignId)
                            .to(CampaignsTable::Table, CampaignsTable::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "gatherings_unit_starts",
                GatheringsTable::Table,
                [
                    GatheringsTable::UnitId.into_iden(),
                    GatheringsTable::StartsAt.into_iden(),
                ],
            ))
            .await?;
        // Ended gatherings not yet closed: what the "absent" sweep looks for.
        manager
            .create_index(index(
                "gatherings_open_ends",
                GatheringsTable::Table,
                [
                    GatheringsTable::ClosedAt.into_iden(),
                    GatheringsTable::EndsAt.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_table(
                per_member(
                    AttendanceTable::Table,
                    AttendanceTable::GatheringId,
                    AttendanceTable::MemberId,
                )
                .col(string(AttendanceTable::Status, 16))
                .col(
                    ColumnDef::new(AttendanceTable::CheckedInAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(AttendanceTable::MarkedBy)
                        .big_integer()
                        .null(),
                )
                .col(timestamp(AttendanceTable::UpdatedAt))
                .to_owned(),
            )
            .await?;
        // Wrong check-in codes, so that a code cannot be guessed.
        manager
            .create_table(
                per_member(
                    CheckInFailures::Table,
                    CheckInFailures::GatheringId,
                    CheckInFailures::MemberId,
                )
                .col(int(CheckInFailures::Failures))
                .col(timestamp(CheckInFailures::UpdatedAt))
                .to_owned(),
            )
            .await?;
        // A member's attendance across gatherings, for points and progress.
        manager
            .create_index(index(
                "attendance_member",
                AttendanceTable::Table,
                [AttendanceTable::MemberId.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                per_member(Leaves::Table, Leaves::GatheringId, Leaves::MemberId)
                    .col(ColumnDef::new(Leaves::Reason).text().not_null())
                    .col(string(Leaves::State, 16))
                    .col(timestamp(Leaves::AskedAt))
                    .col(ColumnDef::new(Leaves::DecidedBy).big_integer().null())
                    .col(
                        ColumnDef::new(Leaves::DecidedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                per_member(
                    Reflections::Table,
                    Reflections::GatheringId,
                    Reflections::MemberId,
                )
                .col(ColumnDef::new(Reflections::Text).text().not_null())
                .col(string(Reflections::State, 16))
                .col(ColumnDef::new(Reflections::Comment).text().not_null())
                .col(timestamp(Reflections::SubmittedAt))
                .col(ColumnDef::new(Reflections::ReviewedBy).big_integer().null())
                .col(
                    ColumnDef::new(Reflections::ReviewedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "reflections_member",
                Reflections::Table,
                [Reflections::MemberId.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GatheringPhotos::Table)
                    .col(id(GatheringPhotos::Id))
                    .col(reference(GatheringPhotos::GatheringId))
                    .col(string(GatheringPhotos::ContentType, 32))
                    .col(int(GatheringPhotos::Width))
                    .col(int(GatheringPhotos::Height))
                    .col(ColumnDef::new(GatheringPhotos::Data).blob().not_null())
                    .col(reference(GatheringPhotos::UploadedBy))
                    .col(timestamp(GatheringPhotos::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GatheringPhotos::Table, GatheringPhotos::GatheringId)
                            .to(GatheringsTable::Table, GatheringsTable::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "gathering_photos_gathering",
                GatheringPhotos::Table,
                [GatheringPhotos::GatheringId.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarFeeds::Table)
                    .col(string(CalendarFeeds::Token, 64).primary_key())
                    .col(ColumnDef::new(CalendarFeeds::MemberId).big_integer().null())
                    .col(ColumnDef::new(CalendarFeeds::UnitId).big_integer().null())
                    .col(timestamp(CalendarFeeds::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CalendarFeeds::Table, CalendarFeeds::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CalendarFeeds::Table, CalendarFeeds::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("calendar_feeds_member", CalendarFeeds::MemberId),
            ("calendar_feeds_unit", CalendarFeeds::UnitId),
        ] {
            manager
                .create_index(
                    index(name, CalendarFeeds::Table, [column.into_iden()])
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
