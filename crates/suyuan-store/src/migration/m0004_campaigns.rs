use super::*;

/// Campaigns: their dates, zone and participating units, and the plan of
/// what is read on which day.
pub(super) struct Campaigns;

impl MigrationName for Campaigns {
    fn name(&self) -> &str {
        "m0004_campaigns"
    }
}

#[derive(DeriveIden)]
pub(super) enum CampaignsTable {
    #[sea_orm(iden = "campaigns")]
    Table,
    Id,
    OwnerUnitId,
    Title,
    Theme,
    Zone,
    StartsOn,
    EndsOn,
    Evening,
    ReadingPace,
    PointRules,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(super) enum CampaignUnits {
    Table,
    CampaignId,
    UnitId,
}

#[derive(DeriveIden)]
pub(super) enum PlanReadings {
    Table,
    Id,
    CampaignId,
    DayIndex,
    Position,
    ExcerptId,
    Chars,
}

#[async_trait::async_trait]
impl MigrationTrait for Campaigns {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CampaignsTable::Table)
                    .col(id(CampaignsTable::Id))
                    .col(reference(CampaignsTable::OwnerUnitId))
                    .col(string(CampaignsTable::Title, 200))
                    .col(string(CampaignsTable::Theme, 400))
                    .col(string(CampaignsTable::Zone, 64))
                    .col(ColumnDef::new(CampaignsTable::StartsOn).date().not_null())
                    .col(ColumnDef::new(CampaignsTable::EndsOn).date().not_null())
                    .col(string(CampaignsTable::Evening, 5))
                    .col(int(CampaignsTable::ReadingPace))
                    .col(ColumnDef::new(CampaignsTable::PointRules).text().not_null())
                    .col(timestamp(CampaignsTable::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignsTable::Table, CampaignsTable::OwnerUnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CampaignUnits::Table)
                    .col(reference(CampaignUnits::CampaignId))
                    .col(reference(CampaignUnits::UnitId))
                    .primary_key(
                        Index::create()
                            .col(CampaignUnits::CampaignId)
                            .col(CampaignUnits::UnitId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignUnits::Table, CampaignUnits::CampaignId)
                            .to(CampaignsTable::Table, CampaignsTable::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignUnits::Table, CampaignUnits::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "campaign_units_unit",
                CampaignUnits::Table,
                [CampaignUnits::UnitId.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlanReadings::Table)
                    .col(id(PlanReadings::Id))
                    .col(reference(PlanReadings::CampaignId))
                    .col(int(PlanReadings::DayIndex))
                    .col(int(PlanReadings::Position))
                    .col(reference(PlanReadings::ExcerptId))
                    .col(int(PlanReadings::Chars))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PlanReadings::Table, PlanReadings::CampaignId)
                            .to(CampaignsTable::Table, CampaignsTable::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PlanReadings::Table, PlanReadings::ExcerptId)
                            .to(Excerpts::Table, Excerpts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "plan_readings_day",
                PlanReadings::Table,
                [
                    PlanReadings::CampaignId.into_iden(),
                    PlanReadings::DayIndex.into_iden(),
                    PlanReadings::Position.into_iden(),
                ],
            ))
            .await?;
        // Reading marks arrive in bursts of thousands a second, so every
        // index they touch grows at its end: rows in id order, client ids
        // that are time-ordered UUIDs (version 7, as our pages make them),
        // and one index by campaign and day (today's marks all land in
        // today's part of it). A member's marks are found through that
        // index too, one seek per campaign day. No foreign keys: the
        // server checks member, campaign and excerpt before it queues a
        // mark, and each would cost more lookups per row on the hot path.
        manager
            .create_table(
                Table::create()
                    .table(ReadingMarks::Table)
                    .col(id(ReadingMarks::Id))
                    .col(string(ReadingMarks::ClientId, 36).unique_key())
                    .col(reference(ReadingMarks::CampaignId))
                    .col(reference(ReadingMarks::MemberId))
                    .col(reference(ReadingMarks::ExcerptId))
                    .col(ColumnDef::new(ReadingMarks::ReadOn).date().not_null())
                    .col(string(ReadingMarks::Kind, 8))
                    .col(int(ReadingMarks::Seconds))
                    .col(timestamp(ReadingMarks::RecordedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlanTopics::Table)
                    .col(reference(PlanTopics::CampaignId))
                    .col(ColumnDef::new(PlanTopics::WeekOf).date().not_null())
                    .col(string(PlanTopics::Topic, 200))
                    .primary_key(
                        Index::create()
                            .col(PlanTopics::CampaignId)
                            .col(PlanTopics::WeekOf),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PlanTopics::Table, PlanTopics::CampaignId)
                            .to(CampaignsTable::Table, CampaignsTable::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "reading_marks_daily",
                ReadingMarks::Table,
                [
                    ReadingMarks::CampaignId.into_iden(),
                    ReadingMarks::ReadOn.into_iden(),
                    ReadingMarks::MemberId.into_iden(),
                ],
            ))
            .await
    }
}

#[derive(DeriveIden)]
pub(super) enum PlanTopics {
    Table,
    CampaignId,
    WeekOf,
    Topic,
}

#[derive(DeriveIden)]
pub(super) enum ReadingMarks {
    Table,
    Id,
    ClientId,
    CampaignId,
    MemberId,
    ExcerptId,
    ReadOn,
    Kind,
    Seconds,
    RecordedAt,
}
