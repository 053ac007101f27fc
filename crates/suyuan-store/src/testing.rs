//! Fresh databases for tests: a temporary SQLite directory, or a uniquely
//! named PostgreSQL database at `SUYUAN_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/test`). PostgreSQL is skipped when it
//! does not answer, except under `CI=true`, where that is a failure.

use sea_orm::{ConnectionTrait, Database, Statement};
use std::future::Future;

use crate::units::{NewUnit, Unit};
use crate::{Location, Store, StoreResult};
use suyuan_core::units::{UnitCode, UnitKind, UnitName};

pub const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database made for one test; `drop_database` removes a PostgreSQL one.
pub struct TestDb {
    pub backend: Backend,
    pub location: Location,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        Self {
            backend: Backend::Sqlite,
            location: Location::DataDir(dir.path().to_owned()),
            postgres: None,
            _dir: Some(dir),
        }
    }

    /// `None` when PostgreSQL does not answer (outside CI). The database
    /// is made as the bench makes its own (`create_database_if_missing`).
    pub async fn postgres() -> Option<Self> {
        let admin_url =
            std::env::var("SUYUAN_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
        let name = format!(
            "suyuan_test_{}",
            hex::encode(crate::auth::random_bytes::<8>())
        );
        let made = match admin_url.rsplit_once('/') {
            Some((base, _)) => {
                let location = Location::Url(format!("{base}/{name}"));
                match location.create_database_if_missing().await {
                    Ok(()) => Ok(location),
                    Err(err) => Err(format!("does not answer ({err})")),
                }
            }
            None => Err("does not end with /NAME".to_owned()),
        };
        let location = match made {
            Ok(location) => location,
            Err(why) if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
                panic!("PostgreSQL must answer in CI at {admin_url}: it {why}")
            }
            Err(why) => {
                eprintln!("skipping PostgreSQL: {admin_url} {why}");
                return None;
            }
        };
        Some(Self {
            backend: Backend::Postgres,
            location,
            postgres: Some((admin_url, name)),
            _dir: None,
        })
    }

    pub async fn open(&self) -> Store {
        Store::open(&self.location)
            .await
            .expect("open the test store")
    }

    /// Leaves the database as a release with only the first `steps`
    /// migrations made it, holding what `statements` insert: for a test
    /// that the migrations since carry it forward.
    pub async fn made_by_first_migrations(&self, steps: u32, statements: &[&str]) {
        use sea_orm_migration::MigratorTrait;
        let url = match &self.location {
            Location::DataDir(dir) => {
                format!("sqlite://{}?mode=rwc", dir.join(crate::DB_FILE).display())
            }
            Location::Url(url) => url.clone(),
        };
        let db = Database::connect(&url).await.expect("connect");
        crate::migration::Migrator::up(&db, Some(steps))
            .await
            .expect("the earlier migrations");
        for sql in statements {
            db.execute_unprepared(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        db.close().await.expect("close");
    }

    pub async fn drop_database(self) {
        if let Some((admin_url, name)) = &self.postgres
            && let Ok(admin) = Database::connect(admin_url).await
        {
            let _ = admin
                .execute_raw(Statement::from_string(
                    admin.get_database_backend(),
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ))
                .await;
            let _ = admin.close().await;
        }
    }
}

/// Runs `test` once against SQLite and once against PostgreSQL, each time
/// on a fresh database, dropping the PostgreSQL one even if the test fails.
pub async fn each_backend<F, Fut>(test: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let sqlite = TestDb::sqlite();
    let store = sqlite.open().await;
    tokio::spawn(test(store.clone()))
        .await
        .unwrap_or_else(|e| panic!("on SQLite: {e}"));
    let _ = store.close().await;

    if let Some(postgres) = TestDb::postgres().await {
        let store = postgres.open().await;
        let outcome = tokio::spawn(test(store.clone())).await;
        let _ = store.close().await;
        postgres.drop_database().await;
        outcome.unwrap_or_else(|e| panic!("on PostgreSQL: {e}"));
    }
}

impl Store {
    /// Runs statements as they are, for a test that puts the database back
    /// in an earlier shape (as an earlier release left it).
    pub async fn run_sql(&self, statements: &[&str]) {
        for sql in statements {
            self.db
                .execute_unprepared(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }

    /// Runs one statement as it is, answering the database's refusal: for
    /// a test that what the schema forbids stays forbidden.
    pub async fn try_sql(&self, sql: &str) -> Result<(), String> {
        self.db
            .execute_unprepared(sql)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// How the database answers a subtree query, with sequential scans
    /// discouraged on PostgreSQL (its planner prefers them on tiny tables):
    /// for checking that the query can use the path index.
    pub async fn subtree_plan(&self, root: &suyuan_core::units::UnitPath) -> String {
        use sea_orm::TransactionTrait;
        let (low, high) = root.subtree_range();
        let backend = self.db.get_database_backend();
        let txn = self.db.begin().await.expect("transaction");
        let (sql, column) = if self.is_postgres() {
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .expect("set");
            (
                "EXPLAIN SELECT id FROM units WHERE path >= $1 AND path < $2",
                0,
            )
        } else {
            (
                "EXPLAIN QUERY PLAN SELECT id FROM units WHERE path >= ? AND path < ?",
                3,
            )
        };
        let rows = txn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [low.into(), high.into()],
            ))
            .await
            .expect("explain");
        let plan = rows
            .iter()
            .filter_map(|row| row.try_get_by_index::<String>(column).ok())
            .collect::<Vec<_>>()
            .join("\n");
        txn.rollback().await.expect("rollback");
        plan
    }
}

/// Creates a unit for a test, panicking on bad input.
pub async fn add_unit(
    store: &Store,
    parent: Option<&Unit>,
    code: &str,
    name: &str,
    kind: UnitKind,
) -> Unit {
    store
        .create_unit(
            NewUnit {
                parent: parent.map(|p| p.id),
                code: UnitCode::parse(code).expect("a unit code"),
                name: UnitName::parse(name).expect("a unit name"),
                kind,
            },
            chrono::Utc::now(),
        )
        .await
        .expect("create the unit")
}

/// A table and what it holds: its rows, and a SHA-256 of them in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub table: String,
    pub rows: usize,
    pub digest: String,
}

/// Every table of the database, digested: for tests that a copy holds
/// what the original held, row for row.
pub async fn table_digests(store: &Store) -> StoreResult<Vec<TableDigest>> {
    use sha2::{Digest, Sha256};
    let backend = store.db.get_database_backend();
    let query = |sql: String| store.db.query_all_raw(Statement::from_string(backend, sql));
    let tables_sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
    };
    let tables = query(tables_sql.to_owned())
        .await?
        .iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect::<Result<Vec<_>, _>>()?;
    let mut digests = Vec::new();
    for table in tables {
        // Each row as one text: PostgreSQL writes a row out itself; SQLite
        // quotes each column.
        let row_text = match backend {
            sea_orm::DatabaseBackend::Postgres => "t::text".to_owned(),
            _ => query(format!("SELECT name FROM pragma_table_info('{table}')"))
                .await?
                .iter()
                .map(|c| {
                    c.try_get_by_index::<String>(0)
                        .map(|name| format!("quote(\"{name}\")"))
                })
                .collect::<Result<Vec<_>, _>>()?
                .join(" || ',' || "),
        };
        let rows = query(format!("SELECT {row_text} FROM \"{table}\" t ORDER BY 1")).await?;
        let mut hasher = Sha256::new();
        for row in &rows {
            let text: Option<String> = row.try_get_by_index(0)?;
            hasher.update(text.unwrap_or_default().as_bytes());
            hasher.update(b"\n");
        }
        digests.push(TableDigest {
            table,
            rows: rows.len(),
            digest: hex::encode(hasher.finalize()),
        });
    }
    Ok(digests)
}
