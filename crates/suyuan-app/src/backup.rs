//! Backups of the database, and restoring one: which copy a database
//! takes, which file may replace it, and that a bad file replaces
//! nothing. The store makes and puts back the copies (`suyuan_store::backup`).

use std::io::Read;
use std::path::{Path, PathBuf};

use suyuan_store::backup::{dump_postgres, restore_postgres};
use suyuan_store::{DB_FILE, Location, Store};

use crate::{AppError, AppResult};

/// How each backend's backup file begins.
const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";
const PG_DUMP_HEADER: &[u8] = b"PGDMP";

/// What a restore put back: an SQLite file, or a PostgreSQL database.
#[derive(Debug)]
pub enum Restored {
    File(PathBuf),
    Database,
}

/// Writes a consistent copy of the database to `file`, which must not
/// exist yet, while the database is in use.
pub async fn backup(store: &Store, location: &Location, file: &Path) -> AppResult<()> {
    match location.postgres_url() {
        Some(url) => dump_postgres(url, file).await?,
        None => store.backup_to(file).await?,
    }
    Ok(())
}

/// Replaces the database at `location` with the backup `file`, so that a
/// bad file replaces nothing: an SQLite copy must open before it takes the
/// database's place, and PostgreSQL's is put back in one transaction. The
/// restored schema is then brought up to date. The server must be stopped.
pub async fn restore(location: &Location, file: &Path) -> AppResult<Restored> {
    let header = file_header(file)?;
    let postgres = location.postgres_url();
    match (postgres, header.as_slice()) {
        (None, h) if h.starts_with(SQLITE_HEADER) => restore_sqlite(location, file).await,
        (Some(url), h) if h.starts_with(PG_DUMP_HEADER) => {
            restore_postgres(url, file).await?;
            Store::open(location).await?.close().await?;
            Ok(Restored::Database)
        }
        (None, h) if h.starts_with(PG_DUMP_HEADER) => Err(AppError::Invalid(format!(
            "{} is a PostgreSQL backup; restore it with --database-url postgres://…",
            file.display()
        ))),
        (Some(_), h) if h.starts_with(SQLITE_HEADER) => Err(AppError::Invalid(format!(
            "{} is an SQLite backup; restore it with --data-dir",
            file.display()
        ))),
        (None, _) => Err(AppError::Invalid(format!(
            "{} is not an SQLite database",
            file.display()
        ))),
        (Some(_), _) => Err(AppError::Invalid(format!(
            "{} is not a PostgreSQL backup made by `suyuan backup`",
            file.display()
        ))),
    }
}

fn file_header(file: &Path) -> AppResult<Vec<u8>> {
    let mut header = Vec::with_capacity(SQLITE_HEADER.len());
    std::fs::File::open(file)
        .and_then(|f| f.take(SQLITE_HEADER.len() as u64).read_to_end(&mut header))
        .map_err(AppError::io(file))?;
    Ok(header)
}

async fn restore_sqlite(location: &Location, file: &Path) -> AppResult<Restored> {
    let Location::DataDir(data_dir) = location else {
        return Err(AppError::Invalid(
            "an SQLite backup is restored into a data directory: give --data-dir".into(),
        ));
    };
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
    Ok(Restored::File(target))
}
