use super::*;

/// Study material: collections, their chapters and excerpts, and the log
/// of changes that search indexes catch up from.
pub(super) struct Library;

impl MigrationName for Library {
    fn name(&self) -> &str {
        "m0002_library"
    }
}

#[derive(DeriveIden)]
pub(super) enum Collections {
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
pub(super) enum Chapters {
    Table,
    Id,
    CollectionId,
    ParentId,
    Position,
    Level,
    Heading,
}

#[derive(DeriveIden)]
pub(super) enum Excerpts {
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
pub(super) enum LibraryChanges {
    Table,
    Seq,
    CollectionId,
    ChangedAt,
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
