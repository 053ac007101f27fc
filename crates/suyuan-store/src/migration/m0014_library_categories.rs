use super::*;

/// Collections keep the category they were filed under (the corpus's
/// folders: 宪法, 民法商法, …), for the library to group them. And a
/// collection's chapters are counted as a reader counts them: its 章, not
/// every 编 and 节 heading as before (recounted here from the stored
/// headings); one without 章 keeps its count of outermost headings.
pub(super) struct LibraryCategories;

impl MigrationName for LibraryCategories {
    fn name(&self) -> &str {
        "m0014_library_categories"
    }
}

#[derive(DeriveIden)]
enum Collections {
    Table,
    Category,
}

#[async_trait::async_trait]
impl MigrationTrait for LibraryCategories {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Collections::Table)
                    .add_column(
                        ColumnDef::new(Collections::Category)
                            .string_len(100)
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        // A chapter heading reads `第三章 国家机构`.
        let chapters = "SELECT COUNT(*) FROM chapters \
             WHERE chapters.collection_id = collections.id \
             AND chapters.heading LIKE '第%章 %'";
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE collections SET chapter_count = ({chapters}) \
                 WHERE ({chapters}) > 0"
            ))
            .await?;
        Ok(())
    }
}
