//! Suyuan's database: SQLite by default, PostgreSQL when given a URL, with
//! one query code path (SeaORM) and one migration set for both.
//!
//! One module per domain area; each holds its tables' entities and the
//! functions the rest of Suyuan calls. Only this crate contains SQL.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod batch;
pub mod campaigns;
mod error;
pub mod exams;
pub mod gatherings;
pub mod library;
pub mod members;
mod migration;
pub mod mistakes;
pub mod pledges;
pub mod progress;
pub mod public;
pub mod questions;
pub mod reading;
pub mod reminders;
pub mod requests;
pub mod second_factor;
pub mod sites;
#[cfg(feature = "testing")]
pub mod testing;
pub mod throttle;
pub mod units;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, Statement,
    TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use error::{StoreError, StoreResult};

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file `suyuan.db` in this directory, created if need be.
    DataDir(PathBuf),
    /// A `postgres://` (or `sqlite://`) URL.
    Url(String),
}

impl Location {
    /// A `--database-url` wins over a `--data-dir`.
    pub fn from_options(data_dir: &Path, database_url: Option<&str>) -> Self {
        match database_url {
            Some(url) if !url.trim().is_empty() => Location::Url(url.trim().to_owned()),
            _ => Location::DataDir(data_dir.to_owned()),
        }
    }

    /// Creates a PostgreSQL URL's database when the server has none of
    /// that name, through the server's `postgres` database: for the bench,
    /// whose databases are its own. A server never does this; its
    /// database is made by whoever runs PostgreSQL.
    pub async fn create_database_if_missing(&self) -> StoreResult<()> {
        let Location::Url(url) = self else {
            return Ok(());
        };
        if !is_postgres_url(url) {
            return Ok(());
        }
        let (server, rest) = url
            .rsplit_once('/')
            .ok_or_else(|| StoreError::Invalid(format!("{url}: no /DATABASE at its end")))?;
        let (name, query) = rest
            .split_once('?')
            .map_or((rest, None), |(n, q)| (n, Some(q)));
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(StoreError::Invalid(format!(
                "{url}: to be created, a database's name is lower-case letters, digits and _"
            )));
        }
        let admin_url = match query {
            Some(query) => format!("{server}/postgres?{query}"),
            None => format!("{server}/postgres"),
        };
        let admin = Database::connect(admin_url).await?;
        let found = admin
            .query_one_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT 1 FROM pg_database WHERE datname = $1",
                [name.into()],
            ))
            .await?;
        if found.is_none() {
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
        }
        admin.close().await?;
        Ok(())
    }

    fn url(&self) -> StoreResult<String> {
        match self {
            Location::Url(url) => Ok(url.clone()),
            Location::DataDir(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                    path: dir.clone(),
                    source,
                })?;
                Ok(format!("sqlite://{}?mode=rwc", dir.join(DB_FILE).display()))
            }
        }
    }
}

pub const DB_FILE: &str = "suyuan.db";

/// Whether a database URL is PostgreSQL's (`postgres://` or
/// `postgresql://`); the others are SQLite's.
fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres")
}

/// A migration lock id shared by every instance (any constant will do).
const MIGRATION_LOCK: i64 = 0x0053_5955_414e;

#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
    /// One connection for the group-commit writers.
    hot: DatabaseConnection,
    /// The test evening's writer, started on first use.
    exam_writer: std::sync::Arc<std::sync::OnceLock<exams::ExamWriter>>,
}

/// Page cache of the writers' connection: the indexes of millions of
/// reading marks stay in memory (SQLite's default is 2 MiB).
const WRITER_CACHE_KIB: u32 = 65_536;
/// Page cache of each pooled connection. Every commit of the writer
/// empties it (a changed log), and emptying it walks a table as large as
/// the most the cache has held: at the morning peak, large caches made
/// each session lookup pay for that walk.
const READER_CACHE_KIB: u32 = 8_192;

/// Every SQLite connection's settings.
fn sqlite_options(opts: SqliteConnectOptions, cache_kib: u32) -> SqliteConnectOptions {
    // FULL: an acknowledged write survives a power loss, not only a
    // crash. WAL keeps readers off the writer's back.
    opts.journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .pragma("cache_size", format!("-{cache_kib}"))
        // Checkpoint at 64 MiB of log rather than 4 MiB: a checkpoint
        // copies each page it finds once, however often it was rewritten,
        // and at the morning peak the small default had the mark writer
        // spend half its time copying the same index pages back.
        .pragma("wal_autocheckpoint", "16384")
        // A multi-row statement inside a transaction keeps a journal of
        // its own, to undo just itself; past 64 KiB SQLite spilled it to a
        // temporary file, which the morning peak's writer paid for on
        // every batch.
        .pragma("temp_store", "memory")
        .busy_timeout(Duration::from_secs(30))
}

impl Store {
    /// Connects and brings the schema up to date. Several instances may
    /// start at once on PostgreSQL: an advisory lock lets one migrate.
    pub async fn open(location: &Location) -> StoreResult<Self> {
        let url = location.url()?;
        let postgres = is_postgres_url(&url);
        let mut options = ConnectOptions::new(url);
        options
            .max_connections(16)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|opts| sqlite_options(opts, READER_CACHE_KIB));
        // sqlx pings a connection on its way back to the pool. On
        // PostgreSQL an idle connection can still be cut by the server (or a
        // balancer) meanwhile, so one idle for a second is pinged again on
        // its way out; one in use moments ago is not (a ping in front of
        // every statement cost a page of eight statements a quarter of its
        // throughput). An SQLite connection cannot be cut, and its ping was
        // one more round trip to its thread in front of every statement.
        if postgres {
            options.test_before_acquire_if_idle_for(Duration::from_secs(1));
        } else {
            options.test_before_acquire(false);
        }
        let db = Database::connect(options.clone()).await?;
        // The hot-path writer (reading marks) keeps one connection of its
        // own: its page cache and prepared statements stay warm instead of
        // passing between the pool's connections.
        options
            .max_connections(1)
            .min_connections(1)
            // Pinged on its way back already (see above): a ping on the way
            // out put one more round trip in front of every batch.
            .test_before_acquire(false)
            .map_sqlx_sqlite_opts(|opts| sqlite_options(opts, WRITER_CACHE_KIB))
            // Its lookups list a batch's members and days as parameters,
            // and every one of them is a few index seeks per member. Left
            // to itself, PostgreSQL planned them generically (after five
            // runs: 400 ms a batch), or as a JIT-compiled parallel scan of
            // the marks table, whole (270 ms) or the campaign's part.
            .map_sqlx_postgres_opts(|opts| {
                opts.options([
                    ("plan_cache_mode", "force_custom_plan"),
                    ("enable_seqscan", "off"),
                    ("max_parallel_workers_per_gather", "0"),
                    ("jit", "off"),
                ])
            });
        let hot = Database::connect(options).await?;
        let store = Self {
            db,
            hot,
            exam_writer: Default::default(),
        };
        store.migrate().await?;
        store.rebuild_stale().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        if self.backend() == DatabaseBackend::Postgres {
            txn.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [MIGRATION_LOCK.into()],
            ))
            .await?;
        }
        migration::Migrator::up(&txn, None).await?;
        txn.commit().await?;
        Ok(())
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    pub fn is_postgres(&self) -> bool {
        self.backend() == DatabaseBackend::Postgres
    }

    /// Refreshes PostgreSQL's planner statistics, as after a bulk load
    /// (autovacuum does it in time; the bench cannot wait). Without them
    /// it estimates a day's marks at a few dozen rows and reads the whole
    /// day instead of seeking each member. SQLite plans these queries by
    /// its indexes alone, so there it does nothing.
    pub async fn analyze(&self) -> StoreResult<()> {
        if self.is_postgres() {
            self.db.execute_unprepared("ANALYZE").await?;
        }
        Ok(())
    }

    /// Answers whether the database is reachable; for `/healthz`.
    pub async fn ping(&self) -> StoreResult<()> {
        self.db.ping().await.map_err(StoreError::from)
    }

    pub async fn close(self) -> StoreResult<()> {
        self.hot.close().await?;
        self.db.close().await.map_err(StoreError::from)
    }
}

/// Whether a statement broke a unique index (a race lost, or a random
/// code drawn twice).
/// A count of rows asked for from outside (an API's `limit`, `offset`),
/// as the databases take one: at most PostgreSQL's largest bigint, which
/// is past the end of any table.
pub(crate) fn rows(asked: u64) -> u64 {
    asked.min(i64::MAX.unsigned_abs())
}

pub(crate) fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
