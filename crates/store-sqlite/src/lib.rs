#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod access;
mod audit;
mod batches;
mod catalog;
mod checks;
mod error;
mod import;
mod migrate;
mod objections;
mod pool;
mod records;
mod rekey;
mod rights;
mod rows;
mod search;
mod subjects;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use xinyong_store::{Backend, Store, StoreError};

use crate::error::map_error;
use crate::pool::Pool;

/// A SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: Arc<Pool>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending
    /// migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let pool = Arc::new(Pool::new(path.to_owned()));
        let store = Self { pool };
        store.write(migrate::run).await?;
        Ok(store)
    }

    /// Runs `work` on a pooled connection on a blocking thread.
    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let pool = Arc::clone(&self.pool);
        tokio::task::spawn_blocking(move || {
            let conn = pool.get()?;
            work(&conn).map_err(map_error)
        })
        .await
        .map_err(|e| StoreError::Other(format!("blocking task failed: {e}")))?
    }

    /// Runs `work` inside one `BEGIN IMMEDIATE` transaction.
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    {
        let pool = Arc::clone(&self.pool);
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(map_error)?;
            let value = work(&tx).map_err(map_error)?;
            tx.commit().map_err(map_error)?;
            Ok(value)
        })
        .await
        .map_err(|e| StoreError::Other(format!("blocking task failed: {e}")))?
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| conn.query_row("SELECT 1", [], |_| Ok(()))).await
    }

    async fn ensure_meta(&self, key: &str, value: &str) -> Result<String, StoreError> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                [&key, &value],
            )?;
            tx.query_row("SELECT value FROM meta WHERE key = ?1", [&key], |row| row.get(0))
        })
        .await
    }
}
