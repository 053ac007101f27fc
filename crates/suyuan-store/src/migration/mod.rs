//! The one migration set, written with SeaORM's schema builder so that the
//! same steps run on SQLite and PostgreSQL. Migrations are only ever added,
//! never edited once landed: each is a file of its own, named as it is
//! recorded (`m0001_foundation`), and shares the column helpers below.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_library;
mod m0003_compilations;
mod m0004_campaigns;
mod m0005_reminders;
mod m0006_questions;
mod m0007_exams;
mod m0008_mistakes;
mod m0009_gatherings;
mod m0010_progress;
mod m0011_covering_marks;
mod m0012_session_changes;
mod m0013_one_mark_a_day;
mod m0014_library_categories;
mod m0015_sites;
mod m0016_pledges;
mod m0017_pledge_reminders;
mod m0018_requests;
mod m0019_elder_mode;
mod m0020_public;
mod m0021_audit_log;
mod m0022_second_factor;

use m0001_foundation::*;
use m0002_library::*;
use m0003_compilations::*;
use m0004_campaigns::*;
use m0005_reminders::*;
use m0006_questions::*;
use m0007_exams::*;
use m0008_mistakes::*;
use m0009_gatherings::*;
use m0010_progress::*;
use m0011_covering_marks::*;
use m0012_session_changes::*;
use m0013_one_mark_a_day::*;
use m0014_library_categories::*;
use m0015_sites::*;
use m0016_pledges::*;
use m0017_pledge_reminders::*;
use m0018_requests::*;
use m0019_elder_mode::*;
use m0020_public::*;
use m0021_audit_log::*;
use m0022_second_factor::*;

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
            Box::new(OneMarkADay),
            Box::new(LibraryCategories),
            Box::new(Sites),
            Box::new(Pledges),
            Box::new(PledgeReminders),
            Box::new(Requests),
            Box::new(ElderMode),
            Box::new(Public),
            Box::new(AuditLog),
            Box::new(SecondFactor),
        ]
    }
}

pub(super) fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

pub(super) fn timestamp(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

pub(super) fn string(column: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(column).string_len(len).not_null().to_owned()
}

pub(super) fn int(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).integer().not_null().to_owned()
}

pub(super) fn reference(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).big_integer().not_null().to_owned()
}

pub(super) fn index<const N: usize>(
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
