//! Where a store lives: the bench's PostgreSQL database, made when missing.

use sea_orm::{ConnectionTrait, Database};
use suyuan_store::testing::DEFAULT_POSTGRES;
use suyuan_store::{Location, Store};

#[tokio::test]
async fn a_missing_postgres_database_is_created_once() {
    let admin_url =
        std::env::var("SUYUAN_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
    let admin = match Database::connect(&admin_url).await {
        Ok(admin) => admin,
        Err(err) if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("PostgreSQL must answer in CI at {admin_url}: {err}")
        }
        Err(err) => {
            eprintln!("skipping: {admin_url} does not answer ({err})");
            return;
        }
    };
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a time after 1970")
        .as_nanos();
    let name = format!("suyuan_test_made_{}_{stamp}", std::process::id());
    let (server, _) = admin_url
        .rsplit_once('/')
        .expect("a database URL ends with /NAME");
    let location = Location::Url(format!("{server}/{name}"));

    location
        .create_database_if_missing()
        .await
        .expect("the database is made");
    location
        .create_database_if_missing()
        .await
        .expect("found the second time, not made again");
    let store = Store::open(&location)
        .await
        .expect("the new database opens");
    assert!(store.is_postgres());
    assert_eq!(store.count_marks().await.expect("count"), 0);
    drop(store);
    admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .expect("drop the database");
}

#[tokio::test]
async fn a_database_name_that_is_not_plain_is_not_made() {
    let location = Location::Url("postgres://postgres@127.0.0.1:5432/bench;DROP".into());
    let err = location
        .create_database_if_missing()
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("lower-case"), "{err}");
}
