use super::*;

/// Requests from the people: categories with their clocks, routing rules,
/// the working-day calendar's named days, the requests with their photos,
/// each request's append-only history, the log of who saw a requester's
/// contact, the figures kept per unit and day (subtree included), and the
/// Open311 keys issued to units.
pub(super) struct Requests;

impl MigrationName for Requests {
    fn name(&self) -> &str {
        "m0018_requests"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum RequestCategories {
    Table,
    Id,
    Code,
    Name,
    Description,
    GroupName,
    NormalAcknowledge,
    NormalResolve,
    UrgentAcknowledge,
    UrgentResolve,
    Position,
    Active,
}

#[derive(DeriveIden, Clone, Copy)]
enum RequestRoutes {
    Table,
    Id,
    CategoryId,
    AreaUnitId,
    UnitId,
}

#[derive(DeriveIden, Clone, Copy)]
enum CalendarDays {
    Table,
    Day,
    Kind,
}

#[derive(DeriveIden, Clone, Copy)]
enum RequestsTable {
    #[sea_orm(iden = "requests")]
    Table,
    Id,
    Code,
    CategoryId,
    Urgency,
    Description,
    Address,
    Lat,
    Long,
    AreaUnitId,
    UnitId,
    State,
    Zone,
    ReceivedAt,
    AssignedAt,
    AcknowledgeDue,
    ResolveDue,
    ExtensionUntil,
    AnsweredAt,
    Answer,
    Stars,
    Reopened,
    Escalation,
    RemindedDue,
    /// When the round must look at it next (none: until a step).
    NextCheckAt,
    Hidden,
    ContactName,
    ContactPhone,
    ContactEmail,
    KeyId,
    /// Raised by every step: a step writes only over the version it read.
    Version,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RequestEvents {
    Table,
    Id,
    RequestId,
    Kind,
    UnitId,
    OtherUnitId,
    At,
    DueAt,
    Value,
    Note,
    ByMember,
}

#[derive(DeriveIden, Clone, Copy)]
enum RequestPhotos {
    Table,
    Id,
    RequestId,
    Width,
    Height,
    Data,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RequestContactViews {
    Table,
    Id,
    RequestId,
    MemberId,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
enum RequestDays {
    Table,
    UnitId,
    Day,
    Received,
    Acknowledged,
    AcknowledgedOnTime,
    Answered,
    Resolved,
    ResolvedOnTime,
    Rated,
    Stars,
    Satisfied,
    Reopened,
    Escalated,
}

#[derive(DeriveIden, Clone, Copy)]
enum Open311Keys {
    Table,
    Id,
    UnitId,
    Name,
    KeyHash,
    CreatedBy,
    CreatedAt,
    RevokedAt,
}

fn request_key(
    table: impl IntoIden + Copy + 'static,
    column: impl IntoIden + Copy + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(RequestsTable::Table, RequestsTable::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn moment_or_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Requests {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RequestCategories::Table)
                    .col(id(RequestCategories::Id))
                    .col(string(RequestCategories::Code, 40).unique_key().to_owned())
                    .col(string(RequestCategories::Name, 40))
                    .col(string(RequestCategories::Description, 300))
                    .col(string(RequestCategories::GroupName, 40))
                    .col(string(RequestCategories::NormalAcknowledge, 8))
                    .col(string(RequestCategories::NormalResolve, 8))
                    .col(string(RequestCategories::UrgentAcknowledge, 8))
                    .col(string(RequestCategories::UrgentResolve, 8))
                    .col(int(RequestCategories::Position))
                    .col(
                        ColumnDef::new(RequestCategories::Active)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RequestRoutes::Table)
                    .col(id(RequestRoutes::Id))
                    .col(
                        ColumnDef::new(RequestRoutes::CategoryId)
                            .big_integer()
                            .null(),
                    )
                    .col(reference(RequestRoutes::AreaUnitId))
                    .col(reference(RequestRoutes::UnitId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RequestRoutes::Table, RequestRoutes::CategoryId)
                            .to(RequestCategories::Table, RequestCategories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RequestRoutes::Table, RequestRoutes::AreaUnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RequestRoutes::Table, RequestRoutes::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarDays::Table)
                    .col(
                        ColumnDef::new(CalendarDays::Day)
                            .date()
                            .not_null()
                            .primary_key(),
                    )
                    .col(string(CalendarDays::Kind, 16))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RequestsTable::Table)
                    .col(id(RequestsTable::Id))
                    .col(string(RequestsTable::Code, 16).unique_key().to_owned())
                    .col(reference(RequestsTable::CategoryId))
                    .col(string(RequestsTable::Urgency, 16))
                    .col(ColumnDef::new(RequestsTable::Description).text().not_null())
                    .col(string(RequestsTable::Address, 200))
                    .col(ColumnDef::new(RequestsTable::Lat).double().null())
                    .col(ColumnDef::new(RequestsTable::Long).double().null())
                    .col(reference(RequestsTable::AreaUnitId))
                    .col(reference(RequestsTable::UnitId))
                    .col(string(RequestsTable::State, 16))
                    .col(string(RequestsTable::Zone, 64))
                    .col(timestamp(RequestsTable::ReceivedAt))
                    .col(timestamp(RequestsTable::AssignedAt))
                    .col(timestamp(RequestsTable::AcknowledgeDue))
                    .col(timestamp(RequestsTable::ResolveDue))
                    .col(moment_or_null(RequestsTable::ExtensionUntil))
                    .col(moment_or_null(RequestsTable::AnsweredAt))
                    .col(ColumnDef::new(RequestsTable::Answer).text().not_null())
                    .col(ColumnDef::new(RequestsTable::Stars).integer().null())
                    .col(int(RequestsTable::Reopened))
                    .col(int(RequestsTable::Escalation))
                    .col(moment_or_null(RequestsTable::RemindedDue))
                    .col(moment_or_null(RequestsTable::NextCheckAt))
                    .col(
                        ColumnDef::new(RequestsTable::Hidden)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(string(RequestsTable::ContactName, 40))
                    .col(string(RequestsTable::ContactPhone, 24))
                    .col(string(RequestsTable::ContactEmail, 120))
                    .col(ColumnDef::new(RequestsTable::KeyId).big_integer().null())
                    .col(int(RequestsTable::Version))
                    .col(timestamp(RequestsTable::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RequestsTable::Table, RequestsTable::CategoryId)
                            .to(RequestCategories::Table, RequestCategories::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RequestsTable::Table, RequestsTable::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RequestsTable::Table, RequestsTable::AreaUnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            // A unit's desk: what it holds, by state.
            (
                "requests_unit_state",
                vec![RequestsTable::UnitId, RequestsTable::State],
            ),
            // The round: what it must look at by now.
            ("requests_next_check", vec![RequestsTable::NextCheckAt]),
            // The desk: what is owed, by each state's deadline.
            (
                "requests_state_acknowledge",
                vec![RequestsTable::State, RequestsTable::AcknowledgeDue],
            ),
            (
                "requests_state_resolve",
                vec![RequestsTable::State, RequestsTable::ResolveDue],
            ),
            // Similar open requests of a category, and Open311's lists.
            (
                "requests_category_state",
                vec![RequestsTable::CategoryId, RequestsTable::State],
            ),
            ("requests_received", vec![RequestsTable::ReceivedAt]),
        ] {
            let mut statement = Index::create();
            statement.name(name).table(RequestsTable::Table);
            for column in columns {
                statement.col(column);
            }
            manager.create_index(statement.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RequestEvents::Table)
                    .col(id(RequestEvents::Id))
                    .col(reference(RequestEvents::RequestId))
                    .col(string(RequestEvents::Kind, 24))
                    .col(reference(RequestEvents::UnitId))
                    .col(
                        ColumnDef::new(RequestEvents::OtherUnitId)
                            .big_integer()
                            .null(),
                    )
                    .col(timestamp(RequestEvents::At))
                    .col(moment_or_null(RequestEvents::DueAt))
                    .col(ColumnDef::new(RequestEvents::Value).big_integer().null())
                    .col(ColumnDef::new(RequestEvents::Note).text().not_null())
                    .col(ColumnDef::new(RequestEvents::ByMember).big_integer().null())
                    .foreign_key(&mut request_key(
                        RequestEvents::Table,
                        RequestEvents::RequestId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "request_events_request",
                RequestEvents::Table,
                [
                    RequestEvents::RequestId.into_iden(),
                    RequestEvents::Id.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RequestPhotos::Table)
                    .col(id(RequestPhotos::Id))
                    .col(reference(RequestPhotos::RequestId))
                    .col(int(RequestPhotos::Width))
                    .col(int(RequestPhotos::Height))
                    .col(ColumnDef::new(RequestPhotos::Data).blob().not_null())
                    .col(timestamp(RequestPhotos::CreatedAt))
                    .foreign_key(&mut request_key(
                        RequestPhotos::Table,
                        RequestPhotos::RequestId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RequestContactViews::Table)
                    .col(id(RequestContactViews::Id))
                    .col(reference(RequestContactViews::RequestId))
                    .col(reference(RequestContactViews::MemberId))
                    .col(timestamp(RequestContactViews::At))
                    .foreign_key(&mut request_key(
                        RequestContactViews::Table,
                        RequestContactViews::RequestId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RequestContactViews::Table, RequestContactViews::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "request_contact_views_request",
                RequestContactViews::Table,
                [RequestContactViews::RequestId.into_iden()],
            ))
            .await?;
        let count = |column: RequestDays| {
            ColumnDef::new(column)
                .big_integer()
                .not_null()
                .default(0)
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(RequestDays::Table)
                    .col(reference(RequestDays::UnitId))
                    .col(ColumnDef::new(RequestDays::Day).date().not_null())
                    .col(count(RequestDays::Received))
                    .col(count(RequestDays::Acknowledged))
                    .col(count(RequestDays::AcknowledgedOnTime))
                    .col(count(RequestDays::Answered))
                    .col(count(RequestDays::Resolved))
                    .col(count(RequestDays::ResolvedOnTime))
                    .col(count(RequestDays::Rated))
                    .col(count(RequestDays::Stars))
                    .col(count(RequestDays::Satisfied))
                    .col(count(RequestDays::Reopened))
                    .col(count(RequestDays::Escalated))
                    .primary_key(
                        Index::create()
                            .col(RequestDays::UnitId)
                            .col(RequestDays::Day),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Open311Keys::Table)
                    .col(id(Open311Keys::Id))
                    .col(reference(Open311Keys::UnitId))
                    .col(string(Open311Keys::Name, 80))
                    .col(string(Open311Keys::KeyHash, 64).unique_key().to_owned())
                    .col(reference(Open311Keys::CreatedBy))
                    .col(timestamp(Open311Keys::CreatedAt))
                    .col(moment_or_null(Open311Keys::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Open311Keys::Table, Open311Keys::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
