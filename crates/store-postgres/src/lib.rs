#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod access;
mod audit;
mod batches;
mod catalog;
mod checks;
mod copy;
mod error;
mod import;
mod objections;
mod records;
mod rekey;
mod rights;
mod rows;
mod search;
mod spool;
mod subjects;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use xinyong_store::{Backend, Store, StoreError};

use crate::error::map_error;

/// A PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and applies pending
    /// migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Self::connect_with(options).await
    }

    /// Connects with explicit options (tests use them to set a schema).
    pub async fn connect_with(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(map_error)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Other(format!("migration: {e}")))?;
        Ok(Self { pool })
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(map_error)
    }

    async fn ensure_meta(&self, key: &str, value: &str) -> Result<String, StoreError> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(map_error)?;
        sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_one(&self.pool)
            .await
            .map_err(map_error)
    }

    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)
    }
}

/// Schemas as separate databases inside one PostgreSQL database: tests use
/// one schema each, so that runs in parallel never see each other's rows.
pub mod schemas {
    use std::str::FromStr;

    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sqlx::{AssertSqlSafe, Connection, PgConnection};
    use xinyong_store::StoreError;

    use crate::PostgresStore;
    use crate::error::map_error;

    fn checked(name: &str) -> Result<&str, StoreError> {
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if valid {
            Ok(name)
        } else {
            Err(StoreError::Other(format!("invalid schema name {name:?}")))
        }
    }

    /// Creates schema `name` if needed and opens a store whose tables live in it.
    pub async fn open_in(url: &str, name: &str) -> Result<PostgresStore, StoreError> {
        let name = checked(name)?;
        let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let mut conn = PgConnection::connect_with(&options).await.map_err(map_error)?;
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {name}")))
            .execute(&mut conn)
            .await
            .map_err(map_error)?;
        conn.close().await.map_err(map_error)?;
        PostgresStore::connect_with(options.options([("search_path", name)])).await
    }

    /// Drops the schemas whose names start with `prefix` and for which
    /// `is_stale` holds, with everything in them; returns how many.
    pub async fn drop_where(url: &str, prefix: &str, is_stale: impl Fn(&str) -> bool) -> Result<usize, StoreError> {
        let prefix = checked(prefix)?;
        let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(map_error)?;
        let names: Vec<String> =
            sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE starts_with(nspname, $1)")
                .bind(prefix)
                .fetch_all(&pool)
                .await
                .map_err(map_error)?;
        let mut n_dropped = 0;
        for name in names.iter().filter(|name| is_stale(name)) {
            let name = checked(name)?;
            sqlx::query(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {name} CASCADE")))
                .execute(&pool)
                .await
                .map_err(map_error)?;
            n_dropped += 1;
        }
        Ok(n_dropped)
    }
}
