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
mod spool;
mod subjects;
mod wal;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use xinyong_store::{Backend, Store, StoreError};

use crate::error::map_error;
use crate::pool::{Pool, Tuning, in_transaction};
use crate::wal::{Checkpointer, Policy};

/// Connections to the records file. Their page cache keeps the upper
/// levels of the subject, record and search indexes. The file is read
/// through a memory map: a read of a page not in the page cache is then a
/// look into the kernel's cache rather than a `pread` copying it into a
/// page SQLite allocated, which was a fifth of a credit check's CPU
/// (`bench/RESULTS.md`, 2026-11-29 (evening)). Nothing on a check's or an
/// audited read's path writes to this file (their entries go to the
/// journal). A commit to it (an import, a sign-in, a new authorisation …)
/// makes every connection drop its page cache, and now its map, at its next
/// read, as it always dropped the cache; pages are then mapped back from
/// the kernel's cache rather than read again. The costs: a disk error on a
/// mapped page, or the file cut short under the process (a backup copied
/// over it), ends the process (SIGBUS) instead of failing one request. The
/// map's size is capped at compile time (`SQLITE_MAX_MMAP_SIZE` in
/// `.cargo/config.toml`); an import's own connection does not map (see
/// `import.rs`).
const RECORDS: Tuning = Tuning {
    cache_kib: 16_000,
    autocheckpoint: true,
    mmap_bytes: 1 << 40,
};
/// Connections to the journal file. Appends touch only the right edges of
/// its b-trees, and every commit walks the whole cache (SQLite truncates it
/// to the file's size), so the cache is kept small; the file grows all the
/// time, so it is not mapped; its WAL is checkpointed by a thread of its own.
const JOURNAL: Tuning = Tuning {
    cache_kib: 2_000,
    autocheckpoint: false,
    mmap_bytes: 0,
};

/// A SQLite database: the records file and, beside it, its journal file
/// (see [`SqliteStore::journal_path`]).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: Arc<Pool>,
    journal: Arc<Pool>,
    /// Checkpoints the journal's WAL while any clone of the store lives.
    _checkpoints: Arc<Checkpointer>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and its journal
    /// file, and applies pending migrations to both.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let records = Arc::new(Pool::new(path.to_owned(), RECORDS));
        let journal = Arc::new(Pool::new(Self::journal_path(path), JOURNAL));
        let (r, j) = (Arc::clone(&records), Arc::clone(&journal));
        blocking(move || migrate::prepare(&r, &j)).await?;
        Ok(Self {
            _checkpoints: Arc::new(Checkpointer::start(Arc::clone(&journal), Policy::JOURNAL)?),
            pool: records,
            journal,
        })
    }

    /// The journal file of the database at `path`: the audit chain and the
    /// credit checks, in a file of their own (`xinyong.db` →
    /// `xinyong.journal.db`). Appending to it leaves the page caches of the
    /// connections reading records warm (SQLite empties a connection's
    /// cache whenever its file changed) and never waits for an import,
    /// which holds the records file's write lock from its first row to its
    /// commit. The two files are one database: back them up together.
    pub fn journal_path(path: &Path) -> PathBuf {
        let mut name = path.file_stem().unwrap_or_default().to_os_string();
        name.push(".journal.db");
        path.with_file_name(name)
    }

    /// Runs `work` on a pooled connection to the records file.
    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        read_on(Arc::clone(&self.pool), work).await
    }

    /// Runs `work` inside one `BEGIN IMMEDIATE` transaction of the records file.
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    {
        write_on(Arc::clone(&self.pool), work).await
    }

    /// Runs `work` on a pooled connection to the journal file.
    async fn read_journal<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        read_on(Arc::clone(&self.journal), work).await
    }

    /// Runs `work` inside one `BEGIN IMMEDIATE` transaction of the journal file.
    async fn write_journal<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    {
        write_on(Arc::clone(&self.journal), work).await
    }
}

/// Runs `work` on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Other(format!("blocking task failed: {e}")))?
}

async fn read_on<T, F>(pool: Arc<Pool>, work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
{
    blocking(move || {
        let conn = pool.get()?;
        work(&conn).map_err(map_error)
    })
    .await
}

async fn write_on<T, F>(pool: Arc<Pool>, work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
{
    blocking(move || {
        let _turn = pool.writer_turn()?;
        let mut conn = pool.get()?;
        in_transaction(&mut conn, work)
    })
    .await
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
        self.write(move |tx| migrate::ensure_meta(tx, &key, &value)).await
    }

    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let key = key.to_owned();
        self.read(move |conn| migrate::meta(conn, &key)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn mmap_size(pool: &Arc<Pool>) -> i64 {
        read_on(Arc::clone(pool), |conn| {
            conn.query_row("PRAGMA mmap_size", [], |row| row.get(0))
        })
        .await
        .unwrap()
    }

    /// SQLite silently lowers a map's size to its compile-time cap, so this
    /// also shows that the build raised the cap (`.cargo/config.toml`).
    #[tokio::test]
    async fn the_records_file_is_read_through_a_map_and_the_journal_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("xinyong.db")).await.unwrap();
        assert_eq!(mmap_size(&store.pool).await, 1 << 40);
        assert_eq!(mmap_size(&store.journal).await, 0);
    }
}
