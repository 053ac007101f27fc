use super::*;

/// The audit log: who did what to which part of the tree, and who was
/// shown whose personal data. Nothing refers to it and it refers to
/// nothing, so that removing a member or a unit never touches it; the
/// database itself refuses to change or remove an entry (a trigger on
/// each backend), so the log is append-only whatever code runs.
pub(super) struct AuditLog;

impl MigrationName for AuditLog {
    fn name(&self) -> &str {
        "m0021_audit_log"
    }
}

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
    Id,
    At,
    ActorId,
    ActorName,
    ActorNumber,
    Deed,
    Action,
    Target,
    ScopePath,
    Status,
}

/// What each backend runs to refuse changes to an entry.
const SQLITE_GUARDS: [&str; 2] = [
    "CREATE TRIGGER audit_entries_kept BEFORE UPDATE ON audit_entries \
     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_entries_not_removed BEFORE DELETE ON audit_entries \
     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
];

const POSTGRES_GUARDS: [&str; 2] = [
    "CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
    "CREATE TRIGGER audit_entries_kept BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_entries \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()",
];

#[async_trait::async_trait]
impl MigrationTrait for AuditLog {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Read by subtree: a byte-wise range over the path, as units are.
        let mut scope = ColumnDef::new(AuditEntries::ScopePath);
        scope.string_len(1000).not_null();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            scope.extra("COLLATE \"C\"");
        }
        manager
            .create_table(
                Table::create()
                    .table(AuditEntries::Table)
                    .col(id(AuditEntries::Id))
                    .col(timestamp(AuditEntries::At))
                    .col(reference(AuditEntries::ActorId))
                    .col(string(AuditEntries::ActorName, 100))
                    .col(string(AuditEntries::ActorNumber, 64))
                    .col(string(AuditEntries::Deed, 16))
                    .col(string(AuditEntries::Action, 200))
                    .col(string(AuditEntries::Target, 400))
                    .col(scope)
                    .col(int(AuditEntries::Status))
                    .to_owned(),
            )
            .await?;
        // Read by a scope's admins, newest first within a span of days.
        manager
            .create_index(index(
                "audit_entries_by_scope",
                AuditEntries::Table,
                [
                    AuditEntries::ScopePath.into_iden(),
                    AuditEntries::At.into_iden(),
                ],
            ))
            .await?;
        let guards = match manager.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES_GUARDS,
            _ => SQLITE_GUARDS,
        };
        for guard in guards {
            manager.get_connection().execute_unprepared(guard).await?;
        }
        Ok(())
    }
}
