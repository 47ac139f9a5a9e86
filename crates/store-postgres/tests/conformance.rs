//! The storage conformance suite on PostgreSQL, each case in a fresh schema
//! of the test database.
//!
//! The database comes from `XINYONG_TEST_DATABASE_URL` (default: the local
//! `test` database as `postgres`). Without PostgreSQL the test says plainly
//! that it did not run, unless `XINYONG_REQUIRE_POSTGRES=1` (as CI sets it),
//! in which case it fails.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use xinyong_store::Store;
use xinyong_store_postgres::PostgresStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance() {
    let url = std::env::var("XINYONG_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let options = PgConnectOptions::from_str(&url).expect("a valid PostgreSQL URL");
    let admin = match PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options.clone())
        .await
    {
        Ok(pool) => pool,
        Err(error) if std::env::var("XINYONG_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
            panic!("PostgreSQL is required but unreachable at {url}: {error}")
        }
        Err(error) => {
            eprintln!("PostgreSQL conformance tests DID NOT RUN: cannot connect to {url}: {error}");
            return;
        }
    };
    let prefix = format!("conformance_{}", std::process::id());
    let counter = AtomicUsize::new(0);
    xinyong_store::conformance::run_all(|| {
        let schema = format!("{prefix}_{}", counter.fetch_add(1, Ordering::Relaxed));
        let (admin, options) = (admin.clone(), options.clone());
        async move {
            sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&admin)
                .await
                .expect("create schema");
            let options = options.options([("search_path", schema.as_str())]);
            Arc::new(PostgresStore::connect_with(options).await.expect("connect")) as Arc<dyn Store>
        }
    })
    .await;
    for idx in 0..counter.load(Ordering::Relaxed) {
        sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {prefix}_{idx} CASCADE")))
            .execute(&admin)
            .await
            .expect("drop schema");
    }
}
