//! Backups of the embedded SQLite database, and restoring one. PostgreSQL
//! has its own tools (pg_dump, pg_restore).

use std::path::{Path, PathBuf};

use suyuan_store::{DB_FILE, Location, Store};

use crate::{AppError, AppResult};

/// Writes a consistent copy of the database to `file`, which must not
/// exist yet, while the database is in use.
pub async fn backup(store: &Store, file: &Path) -> AppResult<()> {
    Ok(store.backup_to(file).await?)
}

/// Replaces the SQLite database at `location` with the backup `file`,
/// once the copy has opened and its schema has been brought up to date,
/// so that a bad file replaces nothing. The server must be stopped.
/// Answers the database file now in place.
pub async fn restore(location: &Location, file: &Path) -> AppResult<PathBuf> {
    let Location::DataDir(data_dir) = location else {
        return Err(AppError::Invalid(
            "restore works on the SQLite data directory; restore PostgreSQL with pg_restore or psql"
                .into(),
        ));
    };
    let header = std::fs::read(file)
        .map_err(AppError::io(file))?
        .get(..16)
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    if header != b"SQLite format 3\0" {
        return Err(AppError::Invalid(format!(
            "{} is not an SQLite database",
            file.display()
        )));
    }
    std::fs::create_dir_all(data_dir).map_err(AppError::io(data_dir))?;
    let target = data_dir.join(DB_FILE);
    let staging = data_dir.join(format!("{DB_FILE}.restoring"));
    std::fs::copy(file, &staging).map_err(AppError::io(&staging))?;
    let opened = Store::open(&Location::Url(format!("sqlite://{}", staging.display()))).await;
    let store = opened.map_err(|e| {
        AppError::Invalid(format!("{} is not a Suyuan backup: {e}", file.display()))
    })?;
    store.close().await?;
    for suffix in ["-wal", "-shm"] {
        // Left over from the database being replaced, or from the check.
        let _ = std::fs::remove_file(data_dir.join(format!("{DB_FILE}{suffix}")));
        let _ = std::fs::remove_file(data_dir.join(format!("{DB_FILE}.restoring{suffix}")));
    }
    std::fs::rename(&staging, &target).map_err(AppError::io(&target))?;
    Ok(target)
}
