//! Backups of the database, and restoring one. SQLite copies itself
//! (`VACUUM INTO`); PostgreSQL is copied by its own client tools —
//! `pg_dump`, `pg_restore` and `psql`, of the server's version or newer —
//! which read a consistent snapshot while the server keeps serving.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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
    if file.exists() {
        return Err(AppError::Invalid(format!(
            "{} already exists; choose a new file name",
            file.display()
        )));
    }
    let Some(url) = postgres_url(location) else {
        return Ok(store.backup_to(file).await?);
    };
    let (url, file) = (url.to_owned(), file.to_owned());
    blocking(move || {
        let dumped = run(Command::new("pg_dump")
            .args(["--format=custom", "--no-owner", "--no-privileges"])
            .arg("--file")
            .arg(&file)
            .arg("--dbname")
            .arg(&url));
        if dumped.is_err() {
            // Half a dump is not a backup.
            let _ = std::fs::remove_file(&file);
        }
        dumped
    })
    .await
}

/// Replaces the database at `location` with the backup `file`, so that a
/// bad file replaces nothing: an SQLite copy must open before it takes the
/// database's place, and PostgreSQL's is put back in one transaction. The
/// restored schema is then brought up to date. The server must be stopped.
pub async fn restore(location: &Location, file: &Path) -> AppResult<Restored> {
    let header = file_header(file)?;
    let postgres = postgres_url(location);
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

fn postgres_url(location: &Location) -> Option<&str> {
    match location {
        Location::Url(url)
            if url.starts_with("postgres://") || url.starts_with("postgresql://") =>
        {
            Some(url)
        }
        _ => None,
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

/// Puts a `pg_dump` archive back in place of everything in the database's
/// schema. `pg_restore` turns the archive into SQL, which `psql` runs in
/// one transaction after dropping the schema; should the archive fail to
/// read to its end, `psql` is stopped before it commits, and the server
/// rolls the whole of it back.
async fn restore_postgres(url: &str, file: &Path) -> AppResult<()> {
    let (url, file) = (url.to_owned(), file.to_owned());
    blocking(move || {
        let contents = output(Command::new("pg_restore").arg("--list").arg(&file))?;
        if !contents.contains(" TABLE public seaql_migrations ") {
            return Err(AppError::Invalid(format!(
                "{} is a PostgreSQL archive, but not of a Suyuan database",
                file.display()
            )));
        }
        let mut psql = spawn(
            Command::new("psql")
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction"])
                .arg("--dbname")
                .arg(&url)
                .args([
                    "-c",
                    "DROP SCHEMA public CASCADE",
                    "-c",
                    "CREATE SCHEMA public",
                ])
                .args(["-f", "-"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped()),
        )?;
        let mut script = spawn(
            Command::new("pg_restore")
                .args([
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--file=-",
                ])
                .arg(&file)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        )?;
        let mut sql = script.stdout.take().expect("piped");
        let mut into = psql.stdin.take().expect("piped");
        let copied = std::io::copy(&mut sql, &mut into);
        drop(sql);
        let read = script
            .wait_with_output()
            .map_err(tool_error("pg_restore"))?;
        if copied.is_ok() && !read.status.success() {
            // Before psql sees the end of its input, which would commit.
            let _ = psql.kill();
        }
        drop(into);
        let ran = psql.wait_with_output().map_err(tool_error("psql"))?;
        let complaint = if !read.status.success() && copied.is_ok() {
            Some(read.stderr)
        } else if !ran.status.success() {
            Some(ran.stderr)
        } else {
            None
        };
        if let Some(complaint) = complaint {
            return Err(AppError::Invalid(format!(
                "{} was not restored; nothing changed: {}",
                file.display(),
                String::from_utf8_lossy(&complaint).trim()
            )));
        }
        Ok(())
    })
    .await
}

/// Runs blocking work (the tools and their pipes) off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Invalid(format!("the backup's worker stopped: {e}")))?
}

fn program(command: &Command) -> String {
    command.get_program().to_string_lossy().into_owned()
}

fn tool_error(tool: &str) -> impl FnOnce(std::io::Error) -> AppError + '_ {
    move |err| {
        if err.kind() == std::io::ErrorKind::NotFound {
            AppError::Invalid(format!(
                "{tool} was not found: install PostgreSQL's client tools \
                 (Debian: postgresql-client) of the server's version or newer"
            ))
        } else {
            AppError::Invalid(format!("{tool}: {err}"))
        }
    }
}

fn spawn(command: &mut Command) -> AppResult<std::process::Child> {
    let tool = program(command);
    command.spawn().map_err(tool_error(&tool))
}

/// Runs a tool to its end: its standard output, or its complaint.
fn output(command: &mut Command) -> AppResult<String> {
    let tool = program(command);
    let done = command
        .stdin(Stdio::null())
        .output()
        .map_err(tool_error(&tool))?;
    if done.status.success() {
        Ok(String::from_utf8_lossy(&done.stdout).into_owned())
    } else {
        Err(AppError::Invalid(format!(
            "{tool}: {}",
            String::from_utf8_lossy(&done.stderr).trim()
        )))
    }
}

fn run(command: &mut Command) -> AppResult<()> {
    output(command).map(drop)
}
