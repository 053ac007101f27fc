use super::*;

/// Units, members, sessions, login throttling and the app's secrets.
pub(super) struct Foundation;

impl MigrationName for Foundation {
    fn name(&self) -> &str {
        "m0001_foundation"
    }
}

#[derive(DeriveIden)]
pub(super) enum Units {
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
pub(super) enum Members {
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
pub(super) enum Sessions {
    Table,
    TokenHash,
    MemberId,
    Kind,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
pub(super) enum LoginFailures {
    Table,
    Id,
    LoginKey,
    FailedAt,
}

#[derive(DeriveIden)]
pub(super) enum AppSecrets {
    Table,
    Name,
    Value,
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
