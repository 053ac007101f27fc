use super::*;

/// Evening reminders: members' e-mail addresses, units' group-robot
/// webhooks, who was reminded on which day, and which instance ran a
/// campaign's reminders for a day (so that only one does).
pub(super) struct Reminders;

impl MigrationName for Reminders {
    fn name(&self) -> &str {
        "m0005_reminders"
    }
}

#[derive(DeriveIden)]
pub(super) enum MemberEmails {
    Table,
    MemberId,
    Email,
}

#[derive(DeriveIden)]
pub(super) enum ReminderHooks {
    Table,
    UnitId,
    Url,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(super) enum ReminderRuns {
    Table,
    CampaignId,
    Day,
    ClaimedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
pub(super) enum RemindersSent {
    #[sea_orm(iden = "reminders")]
    Table,
    CampaignId,
    MemberId,
    Day,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Reminders {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MemberEmails::Table)
                    .col(
                        ColumnDef::new(MemberEmails::MemberId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(string(MemberEmails::Email, 254))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberEmails::Table, MemberEmails::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReminderHooks::Table)
                    .col(
                        ColumnDef::new(ReminderHooks::UnitId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ReminderHooks::Url).text().not_null())
                    .col(timestamp(ReminderHooks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReminderHooks::Table, ReminderHooks::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReminderRuns::Table)
                    .col(reference(ReminderRuns::CampaignId))
                    .col(ColumnDef::new(ReminderRuns::Day).date().not_null())
                    .col(timestamp(ReminderRuns::ClaimedAt))
                    .col(
                        ColumnDef::new(ReminderRuns::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ReminderRuns::CampaignId)
                            .col(ReminderRuns::Day),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RemindersSent::Table)
                    .col(reference(RemindersSent::CampaignId))
                    .col(reference(RemindersSent::MemberId))
                    .col(ColumnDef::new(RemindersSent::Day).date().not_null())
                    .col(timestamp(RemindersSent::SentAt))
                    .primary_key(
                        Index::create()
                            .col(RemindersSent::MemberId)
                            .col(RemindersSent::Day)
                            .col(RemindersSent::CampaignId),
                    )
                    .to_owned(),
            )
            .await
    }
}
