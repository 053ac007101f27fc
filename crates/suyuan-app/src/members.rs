//! Rosters: members imported or updated from a spreadsheet, all or nothing.

use chrono::{DateTime, Utc};

use suyuan_core::members::{MemberRow, NewPassword, parse_roster};
use suyuan_core::units::UnitPath;
use suyuan_store::Store;
use suyuan_store::auth::hash_password_off_thread;
use suyuan_store::members::ImportReport;

use crate::{AppError, AppResult};

/// What a roster import did, and the roster's columns it did not read,
/// which the person importing is to be told of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterReport {
    pub imported: ImportReport,
    pub ignored_columns: Vec<String>,
}

/// Imports or updates the members of a roster (CSV in UTF-8 or GB18030,
/// or XLSX), all or nothing: within `scope` when given (an admin's
/// subtree), anywhere otherwise (an operator). New members first sign in
/// with `initial_password`, and must change it.
pub async fn import_roster(
    store: &Store,
    bytes: &[u8],
    scope: Option<&UnitPath>,
    initial_password: &str,
    now: DateTime<Utc>,
) -> AppResult<RosterReport> {
    let password = NewPassword::parse(initial_password)
        .map_err(|e| AppError::invalid("initial password", e))?;
    let roster = parse_roster(bytes)?;
    let imported = import_rows(store, &roster.rows, scope, &password, now).await?;
    Ok(RosterReport {
        imported,
        ignored_columns: roster.ignored_columns,
    })
}

/// Imports or updates members from rows already read (a roster, or the
/// demo's and the bench's generated members), all or nothing.
pub async fn import_rows(
    store: &Store,
    rows: &[MemberRow],
    scope: Option<&UnitPath>,
    initial_password: &NewPassword,
    now: DateTime<Utc>,
) -> AppResult<ImportReport> {
    // One hash for the whole import: new members share the initial
    // password until they change it, and argon2 is slow by design.
    let hash = hash_password_off_thread(initial_password).await?;
    Ok(store.import_members(rows, scope, &hash, now).await?)
}
