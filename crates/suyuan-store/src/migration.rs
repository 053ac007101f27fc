//! The one migration set, written with SeaORM's schema builder so that the
//! same steps run on SQLite and PostgreSQL. Migrations are only ever added,
//! never edited once landed.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(Foundation),
            Box::new(Library),
            Box::new(Compilations),
            Box::new(Campaigns),
            Box::new(Reminders),
            Box::new(Questions),
            Box::new(Exams),
            Box::new(Mistakes),
            Box::new(Gatherings),
            Box::new(Progress),
            Box::new(CoveringMarks),
            Box::new(SessionChanges),
        ]
    }
}

/// Units, members, sessions, login throttling and the app's secrets.
struct Foundation;

impl MigrationName for Foundation {
    fn name(&self) -> &str {
        "m0001_foundation"
    }
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    ParentId,
    Code,
    Name,
    Kind,
    Path,
    Depth,
    CreatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
    UnitId,
    MemberNumber,
    Name,
    Phone,
    Role,
    PasswordHash,
    MustChangePassword,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    TokenHash,
    MemberId,
    Kind,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    LoginKey,
    FailedAt,
}

#[derive(DeriveIden)]
enum AppSecrets {
    Table,
    Name,
    Value,
}

fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn timestamp(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Foundation {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Subtree queries are byte-wise ranges over the path; PostgreSQL
        // must compare it byte-wise too, whatever the database's locale.
        let mut path = ColumnDef::new(Units::Path);
        path.string_len(1000).not_null();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            path.extra("COLLATE \"C\"");
        }
        manager
            .create_table(
                Table::create()
                    .table(Units::Table)
                    .col(id(Units::Id))
                    .col(ColumnDef::new(Units::ParentId).big_integer().null())
                    .col(
                        ColumnDef::new(Units::Code)
                            .string_len(40)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Units::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Units::Kind).string_len(20).not_null())
                    .col(path)
                    .col(ColumnDef::new(Units::Depth).integer().not_null())
                    .col(timestamp(Units::CreatedAt))
                    .col(
                        ColumnDef::new(Units::ArchivedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Units::Table, Units::ParentId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("units_path")
                    .table(Units::Table)
                    .col(Units::Path)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("units_sibling_name")
                    .table(Units::Table)
                    .col(Units::ParentId)
                    .col(Units::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Members::Table)
                    .col(id(Members::Id))
                    .col(ColumnDef::new(Members::UnitId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Members::MemberNumber)
                            .string_len(40)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Members::Name).string_len(100).not_null())
                    .col(
                        ColumnDef::new(Members::Phone)
                            .string_len(20)
                            .null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Members::Role).string_len(20).not_null())
                    .col(ColumnDef::new(Members::PasswordHash).string_len(200).null())
                    .col(
                        ColumnDef::new(Members::MustChangePassword)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(timestamp(Members::CreatedAt))
                    .col(timestamp(Members::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Members::Table, Members::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("members_unit")
                    .table(Members::Table)
                    .col(Members::UnitId)
                    .col(Members::Name)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(
                        ColumnDef::new(Sessions::TokenHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Sessions::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(Sessions::Kind).string_len(10).not_null())
                    .col(timestamp(Sessions::CreatedAt))
                    .col(timestamp(Sessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sessions_member")
                    .table(Sessions::Table)
                    .col(Sessions::MemberId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginFailures::Table)
                    .col(id(LoginFailures::Id))
                    .col(
                        ColumnDef::new(LoginFailures::LoginKey)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(timestamp(LoginFailures::FailedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("login_failures_key")
                    .table(LoginFailures::Table)
                    .col(LoginFailures::LoginKey)
                    .col(LoginFailures::FailedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AppSecrets::Table)
                    .col(
                        ColumnDef::new(AppSecrets::Name)
                            .string_len(40)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AppSecrets::Value).string_len(200).not_null())
                    .to_owned(),
            )
            .await
    }
}

/// Study material: collections, their chapters and excerpts, and the log
/// of changes that search indexes catch up from.
struct Library;

impl MigrationName for Library {
    fn name(&self) -> &str {
        "m0002_library"
    }
}

#[derive(DeriveIden)]
enum Collections {
    Table,
    Id,
    Title,
    Subtitle,
    Edition,
    DisplayTitle,
    Source,
    OwnerUnitId,
    Visibility,
    Kind,
    ChapterCount,
    ExcerptCount,
    CharCount,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Chapters {
    Table,
    Id,
    CollectionId,
    ParentId,
    Position,
    Level,
    Heading,
}

#[derive(DeriveIden)]
enum Excerpts {
    Table,
    Id,
    CollectionId,
    ChapterId,
    Position,
    Label,
    HeadingPath,
    Text,
}

#[derive(DeriveIden)]
enum LibraryChanges {
    Table,
    Seq,
    CollectionId,
    ChangedAt,
}

fn string(column: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(column).string_len(len).not_null().to_owned()
}

fn int(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).integer().not_null().to_owned()
}

fn reference(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).big_integer().not_null().to_owned()
}

fn index<const N: usize>(
    name: &str,
    table: impl IntoIden,
    columns: [DynIden; N],
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Library {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Collections::Table)
                    .col(id(Collections::Id))
                    .col(string(Collections::Title, 200))
                    .col(string(Collections::Subtitle, 200))
                    .col(string(Collections::Edition, 10))
                    .col(string(Collections::DisplayTitle, 440).unique_key())
                    .col(ColumnDef::new(Collections::Source).text().not_null())
                    .col(reference(Collections::OwnerUnitId))
                    .col(string(Collections::Visibility, 10))
                    .col(string(Collections::Kind, 20))
                    .col(int(Collections::ChapterCount))
                    .col(int(Collections::ExcerptCount))
                    .col(
                        ColumnDef::new(Collections::CharCount)
                            .big_integer()
                            .not_null(),
                    )
                    .col(timestamp(Collections::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Collections::Table, Collections::OwnerUnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Chapters::Table)
                    .col(id(Chapters::Id))
                    .col(reference(Chapters::CollectionId))
                    .col(ColumnDef::new(Chapters::ParentId).big_integer().null())
                    .col(int(Chapters::Position))
                    .col(int(Chapters::Level))
                    .col(string(Chapters::Heading, 400))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Chapters::Table, Chapters::CollectionId)
                            .to(Collections::Table, Collections::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "chapters_collection",
                Chapters::Table,
                [
                    Chapters::CollectionId.into_iden(),
                    Chapters::Position.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Excerpts::Table)
                    .col(id(Excerpts::Id))
                    .col(reference(Excerpts::CollectionId))
                    .col(ColumnDef::new(Excerpts::ChapterId).big_integer().null())
                    .col(int(Excerpts::Position))
                    .col(string(Excerpts::Label, 40))
                    .col(ColumnDef::new(Excerpts::HeadingPath).text().not_null())
                    .col(ColumnDef::new(Excerpts::Text).text().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Excerpts::Table, Excerpts::CollectionId)
                            .to(Collections::Table, Collections::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "excerpts_collection",
                Excerpts::Table,
                [
                    Excerpts::CollectionId.into_iden(),
                    Excerpts::Position.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "excerpts_chapter",
                Excerpts::Table,
                [Excerpts::ChapterId.into_iden()],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LibraryChanges::Table)
                    .col(id(LibraryChanges::Seq))
                    .col(reference(LibraryChanges::CollectionId))
                    .col(timestamp(LibraryChanges::ChangedAt))
                    .to_owned(),
            )
            .await
    }
}

/// Compilations (汇编): drafts an admin assembles from excerpts under
/// headings of their own, and the link from a published excerpt to the
/// one it was taken from.
struct Compilations;

impl MigrationName for Compilations {
    fn name(&self) -> &str {
        "m0003_compilations"
    }
}

#[derive(DeriveIden)]
enum CompilationDrafts {
    Table,
    Id,
    OwnerUnitId,
    Title,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CompilationItems {
    Table,
    Id,
    DraftId,
    Position,
    Heading,
    ExcerptId,
}

#[derive(DeriveIden)]
enum ExcerptSource {
    #[sea_orm(iden = "excerpts")]
    Table,
    SourceExcerptId,
}

#[async_trait::async_trait]
impl MigrationTrait for Compilations {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CompilationDrafts::Table)
                    .col(id(CompilationDrafts::Id))
                    .col(reference(CompilationDrafts::OwnerUnitId))
                    .col(string(CompilationDrafts::Title, 200))
                    .col(timestamp(CompilationDrafts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CompilationDrafts::Table, CompilationDrafts::OwnerUnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CompilationItems::Table)
                    .col(id(CompilationItems::Id))
                    .col(reference(CompilationItems::DraftId))
                    .col(int(CompilationItems::Position))
                    .col(string(CompilationItems::Heading, 400))
                    .col(
                        ColumnDef::new(CompilationItems::ExcerptId)
                            .big_integer()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CompilationItems::Table, CompilationItems::DraftId)
                            .to(CompilationDrafts::Table, CompilationDrafts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CompilationItems::Table, CompilationItems::ExcerptId)
                            .to(Excerpts::Table, Excerpts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "compilation_items_draft",
                CompilationItems::Table,
                [
                    CompilationItems::DraftId.into_iden(),
                    CompilationItems::Position.into_iden(),
                ],
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ExcerptSource::Table)
                    .add_column(
                        ColumnDef::new(ExcerptSource::SourceExcerptId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }
}

/// Campaigns: their dates, zone and participating units, and the plan of
/// what is read on which day.
struct Campaigns;

impl MigrationName for Campaigns {
    fn name(&self) -> &str {
        "m0004_campaigns"
    }
}

#[derive(DeriveIden)]
enum CampaignsTable {
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
enum CampaignUnits {
    Table,
    CampaignId,
    UnitId,
}

#[derive(DeriveIden)]
enum PlanReadings {
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
enum PlanTopics {
    Table,
    CampaignId,
    WeekOf,
    Topic,
}

#[derive(DeriveIden)]
enum ReadingMarks {
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

/// Evening reminders: members' e-mail addresses, units' group-robot
/// webhooks, who was reminded on which day, and which instance ran a
/// campaign's reminders for a day (so that only one does).
struct Reminders;

impl MigrationName for Reminders {
    fn name(&self) -> &str {
        "m0005_reminders"
    }
}

#[derive(DeriveIden)]
enum MemberEmails {
    Table,
    MemberId,
    Email,
}

#[derive(DeriveIden)]
enum ReminderHooks {
    Table,
    UnitId,
    Url,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReminderRuns {
    Table,
    CampaignId,
    Day,
    ClaimedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum RemindersSent {
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

/// The question bank: questions owned by a unit and shared down its
/// subtree. The answer (options, weights, what is accepted) is one JSON
/// document; a fingerprint of what the question says keeps a bank from
/// holding the same question twice.
struct Questions;

impl MigrationName for Questions {
    fn name(&self) -> &str {
        "m0006_questions"
    }
}

#[derive(DeriveIden)]
enum QuestionsTable {
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

/// Tests (`exams`: a window, a time limit, draw rules and a pass mark),
/// members' attempts at them (the questions drawn, in the member's order,
/// and the server's deadline) and the answers given, one row each.
struct Exams;

impl MigrationName for Exams {
    fn name(&self) -> &str {
        "m0007_exams"
    }
}

#[derive(DeriveIden)]
enum ExamsTable {
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
enum Attempts {
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
enum AttemptAnswers {
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

/// The mistake book: each member's wrong answers, with their review
/// schedule (an FSRS card as JSON) and when each is next due.
struct Mistakes;

impl MigrationName for Mistakes {
    fn name(&self) -> &str {
        "m0008_mistakes"
    }
}

#[derive(DeriveIden)]
enum MistakesTable {
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

/// Gatherings (weekly study, lectures, activity days) with their
/// attendance, wrong check-in codes, leave requests, reflections and
/// photos, and the tokens of calendar feeds.
struct Gatherings;

impl MigrationName for Gatherings {
    fn name(&self) -> &str {
        "m0009_gatherings"
    }
}

#[derive(DeriveIden)]
enum GatheringsTable {
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
enum CheckInFailures {
    Table,
    GatheringId,
    MemberId,
    Failures,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AttendanceTable {
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
enum Leaves {
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
enum Reflections {
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
enum GatheringPhotos {
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
enum CalendarFeeds {
    Table,
    Token,
    MemberId,
    UnitId,
    CreatedAt,
}

/// A row per member and gathering, keyed by both.
fn per_member(
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

/// Summaries kept on write for the dashboards (see `progress`): a row of
/// counts per campaign, unit and day for the unit's whole subtree; each
/// member's tests and gatherings as last counted (to take back when they
/// change); each member's streak of days read in full; and each unit's
/// members, subtree included.
struct Progress;

impl MigrationName for Progress {
    fn name(&self) -> &str {
        "m0010_progress"
    }
}

#[derive(DeriveIden)]
enum ProgressDays {
    Table,
    CampaignId,
    UnitId,
    Day,
}

#[derive(DeriveIden)]
enum ProgressMembers {
    Table,
    CampaignId,
    MemberId,
    Day,
    UnitId,
}

#[derive(DeriveIden)]
enum ReadingStreaks {
    Table,
    CampaignId,
    MemberId,
    LastDay,
    Run,
}

#[derive(DeriveIden)]
enum UnitSizes {
    Table,
    UnitId,
    Members,
}

fn with_counts(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    for field in suyuan_core::progress::Counts::FIELDS {
        table.col(
            ColumnDef::new(Alias::new(*field))
                .big_integer()
                .not_null()
                .default(0),
        );
    }
    table
}

#[async_trait::async_trait]
impl MigrationTrait for Progress {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                with_counts(
                    Table::create()
                        .table(ProgressDays::Table)
                        .col(reference(ProgressDays::CampaignId))
                        .col(reference(ProgressDays::UnitId))
                        .col(ColumnDef::new(ProgressDays::Day).date().not_null()),
                )
                .primary_key(
                    Index::create()
                        .col(ProgressDays::CampaignId)
                        .col(ProgressDays::UnitId)
                        .col(ProgressDays::Day),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                with_counts(
                    Table::create()
                        .table(ProgressMembers::Table)
                        .col(reference(ProgressMembers::CampaignId))
                        .col(reference(ProgressMembers::MemberId))
                        .col(ColumnDef::new(ProgressMembers::Day).date().not_null())
                        .col(reference(ProgressMembers::UnitId)),
                )
                .primary_key(
                    Index::create()
                        .col(ProgressMembers::CampaignId)
                        .col(ProgressMembers::MemberId)
                        .col(ProgressMembers::Day),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReadingStreaks::Table)
                    .col(reference(ReadingStreaks::CampaignId))
                    .col(reference(ReadingStreaks::MemberId))
                    .col(ColumnDef::new(ReadingStreaks::LastDay).date().not_null())
                    .col(int(ReadingStreaks::Run))
                    .primary_key(
                        Index::create()
                            .col(ReadingStreaks::CampaignId)
                            .col(ReadingStreaks::MemberId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UnitSizes::Table)
                    .col(
                        ColumnDef::new(UnitSizes::UnitId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(reference(UnitSizes::Members))
                    .to_owned(),
            )
            .await?;
        // Units and members made before this migration are counted once.
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO unit_sizes (unit_id, members) \
             SELECT a.id, COUNT(m.id) FROM units a \
             JOIN units u ON u.path >= a.path \
             AND u.path < substr(a.path, 1, length(a.path) - 1) || '0' \
             JOIN members m ON m.unit_id = u.id GROUP BY a.id",
        )
        .await?;
        Ok(())
    }
}

/// The marks index carries what the mark writer reads back of a member's
/// day (kind and excerpt), so that counting a batch reads the index alone
/// instead of a table row per mark.
struct CoveringMarks;

impl MigrationName for CoveringMarks {
    fn name(&self) -> &str {
        "m0011_covering_marks"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CoveringMarks {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("reading_marks_daily")
                    .table(ReadingMarks::Table)
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
                    ReadingMarks::Kind.into_iden(),
                    ReadingMarks::ExcerptId.into_iden(),
                ],
            ))
            .await
    }
}

/// Changes to who may use which session (sign-outs, new passwords, moved
/// members), so that every instance forgets what it remembered of them.
struct SessionChanges;

impl MigrationName for SessionChanges {
    fn name(&self) -> &str {
        "m0012_session_changes"
    }
}

#[derive(DeriveIden)]
enum SessionChangesTable {
    #[sea_orm(iden = "session_changes")]
    Table,
    Seq,
    MemberId,
    ChangedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for SessionChanges {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SessionChangesTable::Table)
                    .col(id(SessionChangesTable::Seq))
                    // None: everyone's sessions.
                    .col(ColumnDef::new(SessionChangesTable::MemberId).big_integer())
                    .col(timestamp(SessionChangesTable::ChangedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "session_changes_at",
                SessionChangesTable::Table,
                [SessionChangesTable::ChangedAt.into_iden()],
            ))
            .await
    }
}
