use super::*;

/// One mark per member, excerpt and day: the repeats a client could send
/// under fresh ids are removed (the first is kept) and a unique index
/// keeps them out. Each member's reading is kept day by day beside the
/// units' (`member_reading_days`), so that a member's pages read what is
/// kept rather than every mark. Every campaign is flagged for its
/// summaries to be rebuilt (`progress_stale`): removed repeats earned
/// points, and the members' days have still to be counted.
pub(super) struct OneMarkADay;

impl MigrationName for OneMarkADay {
    fn name(&self) -> &str {
        "m0013_one_mark_a_day"
    }
}

#[derive(DeriveIden)]
pub(super) enum MemberReadingDays {
    Table,
    CampaignId,
    MemberId,
    Day,
    ReadOnTime,
    ReadLate,
    OnStreak,
    Points,
}

#[derive(DeriveIden)]
pub(super) enum ProgressStale {
    Table,
    CampaignId,
}

fn count(column: MemberReadingDays) -> ColumnDef {
    ColumnDef::new(column)
        .big_integer()
        .not_null()
        .default(0)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for OneMarkADay {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "DELETE FROM reading_marks WHERE id NOT IN (\
             SELECT MIN(id) FROM reading_marks \
             GROUP BY campaign_id, member_id, excerpt_id, read_on)",
        )
        .await?;
        manager
            .create_index(
                index(
                    "reading_marks_once",
                    ReadingMarks::Table,
                    [
                        ReadingMarks::CampaignId.into_iden(),
                        ReadingMarks::MemberId.into_iden(),
                        ReadingMarks::ExcerptId.into_iden(),
                        ReadingMarks::ReadOn.into_iden(),
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MemberReadingDays::Table)
                    .col(reference(MemberReadingDays::CampaignId))
                    .col(reference(MemberReadingDays::MemberId))
                    .col(ColumnDef::new(MemberReadingDays::Day).date().not_null())
                    .col(count(MemberReadingDays::ReadOnTime))
                    .col(count(MemberReadingDays::ReadLate))
                    .col(count(MemberReadingDays::OnStreak))
                    .col(count(MemberReadingDays::Points))
                    .primary_key(
                        Index::create()
                            .col(MemberReadingDays::CampaignId)
                            .col(MemberReadingDays::MemberId)
                            .col(MemberReadingDays::Day),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProgressStale::Table)
                    .col(
                        ColumnDef::new(ProgressStale::CampaignId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("INSERT INTO progress_stale (campaign_id) SELECT id FROM campaigns")
            .await?;
        Ok(())
    }
}
