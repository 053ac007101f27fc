use super::*;

/// The second step of an admin's sign-in: the authenticator secret a
/// member set up (kept unconfirmed until a first code proves the app has
/// it), the last code step taken (a code is never taken twice), and the
/// recovery codes, kept as digests and spent once each.
pub(super) struct SecondFactor;

impl MigrationName for SecondFactor {
    fn name(&self) -> &str {
        "m0022_second_factor"
    }
}

#[derive(DeriveIden)]
enum SecondFactors {
    Table,
    MemberId,
    Secret,
    ConfirmedAt,
    LastStep,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    MemberId,
    Digest,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for SecondFactor {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SecondFactors::Table)
                    .col(
                        ColumnDef::new(SecondFactors::MemberId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(string(SecondFactors::Secret, 64))
                    .col(
                        ColumnDef::new(SecondFactors::ConfirmedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(SecondFactors::LastStep).big_integer().null())
                    .col(timestamp(SecondFactors::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SecondFactors::Table, SecondFactors::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCodes::Table)
                    .col(id(RecoveryCodes::Id))
                    .col(reference(RecoveryCodes::MemberId))
                    .col(string(RecoveryCodes::Digest, 64))
                    .col(
                        ColumnDef::new(RecoveryCodes::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RecoveryCodes::Table, RecoveryCodes::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "recovery_codes_by_member",
                RecoveryCodes::Table,
                [
                    RecoveryCodes::MemberId.into_iden(),
                    RecoveryCodes::Digest.into_iden(),
                ],
            ))
            .await
    }
}
