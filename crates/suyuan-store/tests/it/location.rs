//! Where a store lives: the bench's PostgreSQL database, made when missing.

use suyuan_store::testing::TestDb;
use suyuan_store::{Location, Store};

#[tokio::test]
async fn a_missing_postgres_database_is_created_once() {
    // `TestDb::postgres` makes its database with `create_database_if_missing`.
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    db.location
        .create_database_if_missing()
        .await
        .expect("found the second time, not made again");
    let store = Store::open(&db.location)
        .await
        .expect("the new database opens");
    assert!(store.is_postgres());
    assert_eq!(store.count_marks().await.expect("count"), 0);
    drop(store);
    db.drop_database().await;
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
