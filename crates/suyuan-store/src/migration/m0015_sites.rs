use super::*;

/// Teaching sites: their days out of the weekly pattern, managers and
/// photos; the slots booked so far with the places they and their days
/// hold; bookings (waiting list, offers, check-in and no-shows in one
/// table); the codes handed out; the keys that make a retried booking
/// book once; routes; the events public forms are rate-limited by; and
/// calendar feeds of a site's bookings.
pub(super) struct Sites;

impl MigrationName for Sites {
    fn name(&self) -> &str {
        "m0015_sites"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum SitesTable {
    #[sea_orm(iden = "sites")]
    Table,
    Id,
    UnitId,
    Name,
    Kind,
    Address,
    Latitude,
    Longitude,
    Description,
    Zone,
    SlotMinutes,
    Hours,
    SlotCapacity,
    DayCapacity,
    MinGroup,
    MaxGroup,
    DaysAhead,
    CancelHours,
    OfferHours,
    Archived,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SiteDays {
    Table,
    SiteId,
    Day,
    Windows,
}

#[derive(DeriveIden, Clone, Copy)]
enum SiteManagers {
    Table,
    SiteId,
    MemberId,
}

#[derive(DeriveIden, Clone, Copy)]
enum SitePhotos {
    Table,
    Id,
    SiteId,
    Width,
    Height,
    Data,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SiteSlots {
    Table,
    Id,
    SiteId,
    StartsAt,
    EndsAt,
    Day,
    Capacity,
    Taken,
    Closed,
}

#[derive(DeriveIden, Clone, Copy)]
enum SiteDayLoads {
    Table,
    SiteId,
    Day,
    Taken,
}

#[derive(DeriveIden, Clone, Copy)]
enum Bookings {
    Table,
    Id,
    Code,
    SiteId,
    SlotId,
    StartsAt,
    EndsAt,
    RouteId,
    GatheringId,
    Status,
    OrgName,
    OrgKind,
    OrgKey,
    CreditCode,
    OrgUnitId,
    ContactName,
    Phone,
    Email,
    Headcount,
    Roster,
    MemberId,
    OfferedUntil,
    CheckedInAt,
    ActualHeadcount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum BookingRequests {
    Table,
    Key,
    Code,
    CreatedAt,
}

/// Every code handed out, once: a code names one group's booking (all the
/// legs of a route) whatever the site.
#[derive(DeriveIden, Clone, Copy)]
enum BookingCodes {
    Table,
    Code,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SiteRoutes {
    Table,
    Id,
    UnitId,
    Name,
    Description,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RouteStops {
    Table,
    RouteId,
    Position,
    SiteId,
    TravelMinutes,
}

#[derive(DeriveIden, Clone, Copy)]
enum ThrottleEvents {
    Table,
    Id,
    Key,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
enum Feeds {
    #[sea_orm(iden = "calendar_feeds")]
    Table,
    SiteId,
}

fn site_key(
    table: impl IntoIden + Copy + 'static,
    column: impl IntoIden + Copy + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(SitesTable::Table, SitesTable::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn optional(column: impl IntoIden, kind: fn(&mut ColumnDef) -> &mut ColumnDef) -> ColumnDef {
    let mut def = ColumnDef::new(column);
    kind(&mut def).null();
    def
}

#[async_trait::async_trait]
impl MigrationTrait for Sites {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let text = |column: SitesTable| ColumnDef::new(column).text().not_null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(SitesTable::Table)
                    .col(id(SitesTable::Id))
                    .col(reference(SitesTable::UnitId))
                    .col(string(SitesTable::Name, 80))
                    .col(string(SitesTable::Kind, 24))
                    .col(string(SitesTable::Address, 200))
                    .col(optional(SitesTable::Latitude, ColumnDef::double))
                    .col(optional(SitesTable::Longitude, ColumnDef::double))
                    .col(text(SitesTable::Description))
                    .col(string(SitesTable::Zone, 64))
                    .col(int(SitesTable::SlotMinutes))
                    .col(text(SitesTable::Hours))
                    .col(int(SitesTable::SlotCapacity))
                    .col(int(SitesTable::DayCapacity))
                    .col(int(SitesTable::MinGroup))
                    .col(int(SitesTable::MaxGroup))
                    .col(int(SitesTable::DaysAhead))
                    .col(int(SitesTable::CancelHours))
                    .col(int(SitesTable::OfferHours))
                    .col(
                        ColumnDef::new(SitesTable::Archived)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(timestamp(SitesTable::CreatedAt))
                    .col(timestamp(SitesTable::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SitesTable::Table, SitesTable::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "sites_unit",
                SitesTable::Table,
                [SitesTable::UnitId.into_iden()],
            ))
            .await?;
        // A day out of the weekly pattern: windows of its own, or closed
        // (no windows).
        manager
            .create_table(
                Table::create()
                    .table(SiteDays::Table)
                    .col(reference(SiteDays::SiteId))
                    .col(ColumnDef::new(SiteDays::Day).date().not_null())
                    .col(string(SiteDays::Windows, 200))
                    .primary_key(Index::create().col(SiteDays::SiteId).col(SiteDays::Day))
                    .foreign_key(&mut site_key(SiteDays::Table, SiteDays::SiteId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SiteManagers::Table)
                    .col(reference(SiteManagers::SiteId))
                    .col(reference(SiteManagers::MemberId))
                    .primary_key(
                        Index::create()
                            .col(SiteManagers::SiteId)
                            .col(SiteManagers::MemberId),
                    )
                    .foreign_key(&mut site_key(SiteManagers::Table, SiteManagers::SiteId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SiteManagers::Table, SiteManagers::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "site_managers_member",
                SiteManagers::Table,
                [SiteManagers::MemberId.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SitePhotos::Table)
                    .col(id(SitePhotos::Id))
                    .col(reference(SitePhotos::SiteId))
                    .col(int(SitePhotos::Width))
                    .col(int(SitePhotos::Height))
                    .col(ColumnDef::new(SitePhotos::Data).blob().not_null())
                    .col(reference(SitePhotos::UploadedBy))
                    .col(timestamp(SitePhotos::CreatedAt))
                    .foreign_key(&mut site_key(SitePhotos::Table, SitePhotos::SiteId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "site_photos_site",
                SitePhotos::Table,
                [SitePhotos::SiteId.into_iden()],
            ))
            .await?;
        // A slot has a row once it is booked or changed by its manager;
        // `taken` counts the places its bookings hold.
        manager
            .create_table(
                Table::create()
                    .table(SiteSlots::Table)
                    .col(id(SiteSlots::Id))
                    .col(reference(SiteSlots::SiteId))
                    .col(timestamp(SiteSlots::StartsAt))
                    .col(timestamp(SiteSlots::EndsAt))
                    .col(ColumnDef::new(SiteSlots::Day).date().not_null())
                    .col(int(SiteSlots::Capacity))
                    .col(int(SiteSlots::Taken))
                    .col(ColumnDef::new(SiteSlots::Closed).boolean().not_null())
                    .foreign_key(&mut site_key(SiteSlots::Table, SiteSlots::SiteId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "site_slots_start",
                    SiteSlots::Table,
                    [
                        SiteSlots::SiteId.into_iden(),
                        SiteSlots::StartsAt.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SiteDayLoads::Table)
                    .col(reference(SiteDayLoads::SiteId))
                    .col(ColumnDef::new(SiteDayLoads::Day).date().not_null())
                    .col(int(SiteDayLoads::Taken))
                    .primary_key(
                        Index::create()
                            .col(SiteDayLoads::SiteId)
                            .col(SiteDayLoads::Day),
                    )
                    .foreign_key(&mut site_key(SiteDayLoads::Table, SiteDayLoads::SiteId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SiteRoutes::Table)
                    .col(id(SiteRoutes::Id))
                    .col(reference(SiteRoutes::UnitId))
                    .col(string(SiteRoutes::Name, 80))
                    .col(ColumnDef::new(SiteRoutes::Description).text().not_null())
                    .col(timestamp(SiteRoutes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SiteRoutes::Table, SiteRoutes::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RouteStops::Table)
                    .col(reference(RouteStops::RouteId))
                    .col(int(RouteStops::Position))
                    .col(reference(RouteStops::SiteId))
                    .col(int(RouteStops::TravelMinutes))
                    .primary_key(
                        Index::create()
                            .col(RouteStops::RouteId)
                            .col(RouteStops::Position),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RouteStops::Table, RouteStops::RouteId)
                            .to(SiteRoutes::Table, SiteRoutes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut site_key(RouteStops::Table, RouteStops::SiteId))
                    .to_owned(),
            )
            .await?;
        let reference_or_null = |column: Bookings| optional(column, ColumnDef::big_integer);
        let moment_or_null =
            |column: Bookings| optional(column, ColumnDef::timestamp_with_time_zone);
        manager
            .create_table(
                Table::create()
                    .table(Bookings::Table)
                    .col(id(Bookings::Id))
                    .col(string(Bookings::Code, 8))
                    .col(reference(Bookings::SiteId))
                    .col(reference(Bookings::SlotId))
                    .col(timestamp(Bookings::StartsAt))
                    .col(timestamp(Bookings::EndsAt))
                    .col(reference_or_null(Bookings::RouteId))
                    .col(reference_or_null(Bookings::GatheringId))
                    .col(string(Bookings::Status, 16))
                    .col(string(Bookings::OrgName, 100))
                    .col(string(Bookings::OrgKind, 16))
                    .col(string(Bookings::OrgKey, 64))
                    .col(ColumnDef::new(Bookings::CreditCode).string_len(18).null())
                    .col(reference_or_null(Bookings::OrgUnitId))
                    .col(string(Bookings::ContactName, 40))
                    .col(string(Bookings::Phone, 24))
                    .col(ColumnDef::new(Bookings::Email).string_len(120).null())
                    .col(int(Bookings::Headcount))
                    .col(ColumnDef::new(Bookings::Roster).text().not_null())
                    .col(reference_or_null(Bookings::MemberId))
                    .col(moment_or_null(Bookings::OfferedUntil))
                    .col(moment_or_null(Bookings::CheckedInAt))
                    .col(optional(Bookings::ActualHeadcount, ColumnDef::integer))
                    .col(timestamp(Bookings::CreatedAt))
                    .col(timestamp(Bookings::UpdatedAt))
                    .foreign_key(&mut site_key(Bookings::Table, Bookings::SiteId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Bookings::Table, Bookings::SlotId)
                            .to(SiteSlots::Table, SiteSlots::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Bookings::Table, Bookings::RouteId)
                            .to(SiteRoutes::Table, SiteRoutes::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // A group's code is its own at each site (a route's legs share it).
        manager
            .create_index(
                index(
                    "bookings_code_site",
                    Bookings::Table,
                    [Bookings::Code.into_iden(), Bookings::SiteId.into_iden()],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        for (name, columns) in [
            // The waiting list of a slot, in order.
            (
                "bookings_slot_status",
                vec![Bookings::SlotId, Bookings::Status, Bookings::CreatedAt],
            ),
            // A site's bookings by day.
            (
                "bookings_site_starts",
                vec![Bookings::SiteId, Bookings::StartsAt],
            ),
            // The sweeps: slots ended, offers lapsed.
            (
                "bookings_status_ends",
                vec![Bookings::Status, Bookings::EndsAt],
            ),
            // An organization's no-shows.
            (
                "bookings_org_status",
                vec![Bookings::OrgKey, Bookings::Status],
            ),
            ("bookings_member", vec![Bookings::MemberId]),
            ("bookings_gathering", vec![Bookings::GatheringId]),
        ] {
            let mut statement = Index::create();
            statement.name(name).table(Bookings::Table);
            for column in columns {
                statement.col(column);
            }
            manager.create_index(statement.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(BookingRequests::Table)
                    .col(
                        ColumnDef::new(BookingRequests::Key)
                            .string_len(100)
                            .not_null()
                            .primary_key(),
                    )
                    .col(string(BookingRequests::Code, 8))
                    .col(timestamp(BookingRequests::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BookingCodes::Table)
                    .col(
                        ColumnDef::new(BookingCodes::Code)
                            .string_len(8)
                            .not_null()
                            .primary_key(),
                    )
                    .col(timestamp(BookingCodes::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ThrottleEvents::Table)
                    .col(id(ThrottleEvents::Id))
                    .col(string(ThrottleEvents::Key, 120))
                    .col(timestamp(ThrottleEvents::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "throttle_events_key_at",
                ThrottleEvents::Table,
                [
                    ThrottleEvents::Key.into_iden(),
                    ThrottleEvents::At.into_iden(),
                ],
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Feeds::Table)
                    .add_column(ColumnDef::new(Feeds::SiteId).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "calendar_feeds_site",
                    Feeds::Table,
                    [Feeds::SiteId.into_iden()],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        Ok(())
    }
}
