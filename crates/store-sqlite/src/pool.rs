//! A small pool of connections to one database file.
//!
//! Connections are cheap to open but carry their page cache, so they are
//! kept and reused. Every connection gets the same pragmas: WAL journal,
//! `synchronous = NORMAL` (a committed transaction survives a crash of the
//! process; WAL keeps the file consistent), and a busy timeout so that a
//! writer waits for another rather than failing.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use xinyong_store::StoreError;

use crate::error::map_error;

/// How long a connection waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(120);
/// Bytes a WAL file is cut back to when it starts again from its beginning
/// (an import's, or a journal's after a long burst, can reach gigabytes;
/// SQLite otherwise keeps the file at its largest).
const JOURNAL_SIZE_LIMIT: u64 = 1 << 30;
/// Connections open at most. More would not read faster on a small
/// machine, and opening one per request beyond the pool (then closing it)
/// costs a schema parse, a memory map and a cold page cache each time.
const MAX_OPEN: usize = 8;

/// How the connections of one pool are set up.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tuning {
    /// Page cache of each connection (KiB).
    pub(crate) cache_kib: u32,
    /// Whether the commit that grows the WAL past SQLite's threshold copies
    /// it back into the file (else someone else must: see `wal.rs`).
    pub(crate) autocheckpoint: bool,
    /// Bytes of the file read through a memory map instead of `pread`
    /// (0: none).
    pub(crate) mmap_bytes: u64,
}

#[derive(Debug)]
pub(crate) struct Pool {
    path: PathBuf,
    tuning: Tuning,
    slots: Mutex<Slots>,
    returned: Condvar,
    /// Taken around each write transaction of [`crate::write_on`]: writers
    /// queue here rather than poll SQLite's lock, and the WAL checkpoint
    /// thread gets a turn between two of them (`wal.rs`). parking_lot's,
    /// because it hands itself over to a thread that has waited about half
    /// a millisecond (std's lets a writer committing back to back take it
    /// again every time).
    writer: parking_lot::Mutex<()>,
}

#[derive(Debug, Default)]
struct Slots {
    idle: Vec<Connection>,
    open: usize,
}

pub(crate) struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<Connection>,
}

impl Pool {
    /// A pool over the file at `path` whose connections are set up as
    /// `tuning` says.
    pub(crate) fn new(path: PathBuf, tuning: Tuning) -> Self {
        Self {
            path,
            tuning,
            slots: Mutex::new(Slots::default()),
            returned: Condvar::new(),
            writer: parking_lot::Mutex::new(()),
        }
    }

    /// The writers' turn (see `writer`); held until dropped. Waits as long
    /// as SQLite's own lock would (an import holds that one without a
    /// turn), then the database is as busy as SQLite would have said.
    pub(crate) fn writer_turn(&self) -> Result<parking_lot::MutexGuard<'_, ()>, StoreError> {
        self.writer.try_lock_for(BUSY_TIMEOUT).ok_or_else(|| {
            StoreError::Unavailable(format!(
                "{}: waited {BUSY_TIMEOUT:?} for another writer",
                self.path.display()
            ))
        })
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// An idle connection, a new one while fewer than [`MAX_OPEN`] are
    /// open, or else the next one returned (callers run on blocking threads).
    pub(crate) fn get(&self) -> Result<Pooled<'_>, StoreError> {
        let poisoned = || StoreError::Other("connection pool poisoned".into());
        let mut slots = self.slots.lock().map_err(|_| poisoned())?;
        loop {
            if let Some(conn) = slots.idle.pop() {
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if slots.open < MAX_OPEN {
                slots.open += 1;
                drop(slots);
                return match self.open() {
                    Ok(conn) => Ok(Pooled {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(error) => {
                        if let Ok(mut slots) = self.slots.lock() {
                            slots.open -= 1;
                        }
                        self.returned.notify_one();
                        Err(error)
                    }
                };
            }
            slots = self.returned.wait(slots).map_err(|_| poisoned())?;
        }
    }

    /// A new connection with the platform's pragmas.
    pub(crate) fn open(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open(&self.path).map_err(map_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(map_error)?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -{};
             PRAGMA wal_autocheckpoint = {};
             PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT};
             PRAGMA mmap_size = {};",
            self.tuning.cache_kib,
            if self.tuning.autocheckpoint { 1000 } else { 0 },
            self.tuning.mmap_bytes,
        ))
        .map_err(map_error)?;
        Ok(conn)
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let (Some(conn), Ok(mut slots)) = (self.conn.take(), self.pool.slots.lock()) {
            slots.idle.push(conn);
        }
        self.pool.returned.notify_one();
    }
}

impl Deref for Pooled<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a pooled connection is present until dropped")
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
            .as_mut()
            .expect("a pooled connection is present until dropped")
    }
}

/// Runs `work` in one `BEGIN IMMEDIATE` transaction of `conn`.
pub(crate) fn in_transaction<T>(
    conn: &mut Connection,
    work: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>,
) -> Result<T, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(map_error)?;
    let value = work(&tx).map_err(map_error)?;
    tx.commit().map_err(map_error)?;
    Ok(value)
}
