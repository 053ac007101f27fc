//! Copies of the database. SQLite copies itself (`VACUUM INTO`);
//! PostgreSQL is copied by its own client tools — `pg_dump`, `pg_restore`
//! and `psql`, of the server's version or newer — whose archive is a
//! consistent snapshot taken while the server keeps serving.

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::{Location, Store, StoreError, StoreResult, is_postgres_url};

impl Location {
    /// The URL, when the database is PostgreSQL's.
    pub fn postgres_url(&self) -> Option<&str> {
        match self {
            Location::Url(url) if is_postgres_url(url) => Some(url),
            _ => None,
        }
    }
}

impl Store {
    /// Writes a consistent copy of an SQLite database to `target`, which
    /// must not exist, while it is in use. PostgreSQL's is `dump_postgres`.
    pub async fn backup_to(&self, target: &Path) -> StoreResult<()> {
        if self.is_postgres() {
            return Err(StoreError::Unsupported(
                "a PostgreSQL database is copied with pg_dump (backup::dump_postgres)",
            ));
        }
        fresh(target)?;
        self.db
            .execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Sqlite,
                "VACUUM INTO ?",
                [target.display().to_string().into()],
            ))
            .await?;
        Ok(())
    }
}

/// A backup never overwrites a file.
fn fresh(target: &Path) -> StoreResult<()> {
    if target.exists() {
        return Err(StoreError::Invalid(format!(
            "{} already exists; choose a new file name",
            target.display()
        )));
    }
    Ok(())
}

/// Writes the PostgreSQL database at `url` to `file` as `pg_dump`'s
/// archive; a dump that fails leaves no file behind.
pub async fn dump_postgres(url: &str, file: &Path) -> StoreResult<()> {
    fresh(file)?;
    let (url, file) = (url.to_owned(), file.to_owned());
    blocking(move || {
        let dumped = run(connect(
            Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--no-privileges"])
                .arg("--file")
                .arg(&file),
            &url,
        )?);
        if dumped.is_err() {
            // Half a dump is not a backup.
            let _ = std::fs::remove_file(&file);
        }
        dumped
    })
    .await
}

/// Puts a `pg_dump` archive back in place of everything in the database's
/// schema. `pg_restore` turns the archive into SQL, which `psql` runs in
/// one transaction after dropping the schema; should the archive fail to
/// read to its end, `psql` is stopped before it commits, and the server
/// rolls the whole of it back.
pub async fn restore_postgres(url: &str, file: &Path) -> StoreResult<()> {
    let (url, file) = (url.to_owned(), file.to_owned());
    blocking(move || {
        let contents = output(Command::new("pg_restore").arg("--list").arg(&file))?;
        if !contents.contains(" TABLE public seaql_migrations ") {
            return Err(StoreError::Invalid(format!(
                "{} is a PostgreSQL archive, but not of a Suyuan database",
                file.display()
            )));
        }
        let mut psql = spawn(
            connect(
                Command::new("psql").args([
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "--single-transaction",
                ]),
                &url,
            )?
            // Unread until psql ends: no notices (the drop's would
            // list every table).
            .args([
                "-c",
                "SET client_min_messages = warning",
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
        let unpiped = |tool: &str| StoreError::Invalid(format!("{tool}: its pipe did not open"));
        let mut sql = script.stdout.take().ok_or_else(|| unpiped("pg_restore"))?;
        let mut into = psql.stdin.take().ok_or_else(|| unpiped("psql"))?;
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
            return Err(StoreError::Invalid(format!(
                "{} was not restored; nothing changed: {}",
                file.display(),
                String::from_utf8_lossy(&complaint).trim()
            )));
        }
        Ok(())
    })
    .await
}

/// Names the database to a tool. The password goes by the environment
/// (`PGPASSWORD`), not the command line, where anyone on the machine
/// could read it.
fn connect<'c>(command: &'c mut Command, url: &str) -> StoreResult<&'c mut Command> {
    let mut parsed =
        url::Url::parse(url).map_err(|e| StoreError::Invalid(format!("the database URL: {e}")))?;
    if let Some(password) = parsed.password() {
        let password = percent_encoding::percent_decode_str(password).decode_utf8_lossy();
        command.env("PGPASSWORD", password.as_ref());
        let _ = parsed.set_password(None);
    }
    Ok(command.arg("--dbname").arg(parsed.as_str()))
}

/// Runs blocking work (the tools and their pipes) off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> StoreResult<T> + Send + 'static,
) -> StoreResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Invalid(format!("the backup's worker stopped: {e}")))?
}

fn program(command: &Command) -> String {
    command.get_program().to_string_lossy().into_owned()
}

fn tool_error(tool: &str) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |err| {
        if err.kind() == std::io::ErrorKind::NotFound {
            StoreError::Invalid(format!(
                "{tool} was not found: install PostgreSQL's client tools \
                 (Debian: postgresql-client) of the server's version or newer"
            ))
        } else {
            StoreError::Invalid(format!("{tool}: {err}"))
        }
    }
}

fn spawn(command: &mut Command) -> StoreResult<std::process::Child> {
    let tool = program(command);
    command.spawn().map_err(tool_error(&tool))
}

/// Runs a tool to its end: its standard output, or its complaint.
fn output(command: &mut Command) -> StoreResult<String> {
    let tool = program(command);
    let done = command
        .stdin(Stdio::null())
        .output()
        .map_err(tool_error(&tool))?;
    if done.status.success() {
        Ok(String::from_utf8_lossy(&done.stdout).into_owned())
    } else {
        Err(StoreError::Invalid(format!(
            "{tool}: {}",
            String::from_utf8_lossy(&done.stderr).trim()
        )))
    }
}

fn run(command: &mut Command) -> StoreResult<()> {
    output(command).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_goes_by_the_environment_not_the_command_line() {
        let mut command = Command::new("psql");
        connect(
            &mut command,
            "postgres://suyuan:p%40ss@db.example:5432/study?sslmode=require",
        )
        .expect("a URL");
        let args: Vec<_> = command.get_args().collect();
        assert_eq!(
            args,
            [
                "--dbname",
                "postgres://suyuan@db.example:5432/study?sslmode=require"
            ]
        );
        let envs: Vec<_> = command.get_envs().collect();
        assert_eq!(
            envs,
            [(
                std::ffi::OsStr::new("PGPASSWORD"),
                Some(std::ffi::OsStr::new("p@ss"))
            )]
        );
    }
}
