//! A small pool of connections to one database file.
//!
//! Connections are cheap to open but carry their page cache, so they are
//! kept and reused. Every connection gets the same pragmas: WAL journal,
//! `synchronous = NORMAL` (a committed transaction survives a crash of the
//! process; WAL keeps the file consistent), and a busy timeout so that a
//! writer waits for another rather than failing.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::Connection;
use xinyong_store::StoreError;

use crate::error::map_error;

/// How long a connection waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(120);
/// Idle connections kept for reuse.
const MAX_IDLE: usize = 8;

#[derive(Debug)]
pub(crate) struct Pool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

pub(crate) struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<Connection>,
}

impl Pool {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn get(&self) -> Result<Pooled<'_>, StoreError> {
        let reused = self
            .idle
            .lock()
            .map_err(|_| StoreError::Other("connection pool poisoned".into()))?
            .pop();
        let conn = match reused {
            Some(conn) => conn,
            None => self.open()?,
        };
        Ok(Pooled {
            pool: self,
            conn: Some(conn),
        })
    }

    /// A new connection with the platform's pragmas.
    pub(crate) fn open(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open(&self.path).map_err(map_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(map_error)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -16000;",
        )
        .map_err(map_error)?;
        Ok(conn)
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let (Some(conn), Ok(mut idle)) = (self.conn.take(), self.pool.idle.lock())
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
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
