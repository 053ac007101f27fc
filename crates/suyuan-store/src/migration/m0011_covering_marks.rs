use super::*;

/// The marks index carries what the mark writer reads back of a member's
/// day (kind and excerpt), so that counting a batch reads the index alone
/// instead of a table row per mark.
pub(super) struct CoveringMarks;

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
