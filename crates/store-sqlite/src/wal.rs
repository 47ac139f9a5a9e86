//! Checkpoints of the journal file's WAL, off the writers' path.
//!
//! SQLite's default copies the WAL back into the database file, and syncs
//! the file, inside whichever commit grows the WAL past 1,000 pages. On the
//! journal that commit is the check writer's, with every check waiting on
//! it: a sync of a few hundred milliseconds became a stall of every check
//! in flight. The journal's connections therefore never checkpoint; a
//! thread of its own does, passively (it copies what is committed and never
//! waits for or blocks a writer), once a second.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use xinyong_store::StoreError;

use crate::error::map_error;
use crate::pool::Pool;

/// How often the WAL is copied back.
const EVERY: Duration = Duration::from_secs(1);

/// The checkpoint thread. Dropping this stops it and waits for its last
/// checkpoint, so that a process leaves no committed entry only in the WAL.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    running: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    pub(crate) fn start(pool: Arc<Pool>) -> Result<Self, StoreError> {
        let (running, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let checkpoint = |mode: &str| {
                    let done = pool.get().and_then(|conn| {
                        conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |_| Ok(()))
                            .map_err(map_error)
                    });
                    if let Err(error) = done {
                        tracing::warn!(%error, journal = %pool.path().display(), "checkpointing the journal failed");
                    }
                };
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    checkpoint("PASSIVE");
                }
                checkpoint("PASSIVE");
            })
            .map_err(|e| StoreError::Other(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Self {
            running: Some(running),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.running.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the journal checkpoint thread panicked");
        }
    }
}
