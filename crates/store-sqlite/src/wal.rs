//! Checkpoints of the journal file's WAL, off the writers' path.
//!
//! SQLite's default copies the WAL back into the database file, and syncs
//! the file, inside whichever commit grows the WAL past 1,000 pages. On the
//! journal that commit is the check writer's, with every check waiting on
//! it: a sync of a few hundred milliseconds became a stall of every check
//! in flight. The journal's connections therefore never checkpoint; a
//! thread of its own does, once a second.
//!
//! Passively: it copies what is committed and never waits for or blocks a
//! writer. But SQLite starts a WAL again from its beginning only when a
//! write begins with every frame already copied back, which under a steady
//! stream of checks never happens: the file grew without bound (8 GB after
//! a few minutes of benchmark). So once the WAL holds more than
//! [`Policy::restart_after`] frames, the thread catches up with passive
//! copies, then makes a last one while holding the writers' turn, so that
//! no frame is added before it ends and the next write starts the WAL over.
//! Writers wait for that last copy and its two syncs (0.1–0.2 s on the
//! benchmark machine, where a few thousand frames were left), once per
//! [`Policy::restart_after`] frames.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use rusqlite::Connection;
use xinyong_store::StoreError;

use crate::error::map_error;
use crate::pool::Pool;

/// When the thread checkpoints, and how.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    /// How often the WAL is copied back.
    pub(crate) every: Duration,
    /// WAL frames (pages) beyond which the WAL is restarted.
    pub(crate) restart_after: i64,
}

impl Policy {
    /// The journal's: once a second; a restart past 262,144 frames (1 GiB
    /// of 4 KiB pages: about a minute of checks at full load on the
    /// benchmark machine, so a stall as rare as that; days of a city's
    /// checks at their usual rate).
    pub(crate) const JOURNAL: Self = Self {
        every: Duration::from_secs(1),
        restart_after: 262_144,
    };
}

/// The checkpoint thread. Dropping this stops it and waits for its last
/// checkpoint, so that a process leaves no committed entry only in the WAL.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    running: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    pub(crate) fn start(pool: Arc<Pool>, policy: Policy) -> Result<Self, StoreError> {
        let (running, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let tick = || {
                    let done = pool.get().and_then(|conn| checkpoint(&pool, &conn, &policy));
                    if let Err(error) = done {
                        tracing::warn!(%error, journal = %pool.path().display(), "checkpointing the journal failed");
                    }
                };
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(policy.every) {
                    tick();
                }
                tick();
            })
            .map_err(|e| StoreError::Other(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Self {
            running: Some(running),
            thread: Some(thread),
        })
    }
}

/// Copies the WAL back; restarts it if it has grown past the policy's size.
///
/// The last copy takes the writers' turn: polling for SQLite's write lock
/// from here loses every race against a writer that commits back to back.
/// Writers wait while it copies what is left and syncs, so passive copies
/// first catch up with them until little is left (each one copies what was
/// committed when it began).
fn checkpoint(pool: &Pool, conn: &Connection, policy: &Policy) -> Result<(), StoreError> {
    let passive = || {
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
        })
        .map_err(map_error)
    };
    let (mut frames, mut copied) = passive()?;
    if frames <= policy.restart_after {
        return Ok(());
    }
    for _ in 0..CATCH_UP_PASSES {
        if frames - copied <= LEFT_FOR_RESTART {
            break;
        }
        (frames, copied) = passive()?;
    }
    if frames - copied > MOST_LEFT_FOR_RESTART {
        // Writers outran the copies (or a reader holds old frames): not now.
        return Ok(());
    }
    let _turn = pool.writer_turn()?;
    let (frames, copied) = passive()?;
    if copied < frames {
        // A reader still on older frames; the next tick tries again.
        tracing::debug!(frames, copied, "the journal's WAL could not be restarted yet");
    }
    Ok(())
}

/// Passive copies at most before a restart.
const CATCH_UP_PASSES: usize = 3;
/// Frames small enough for the restart to copy while writers wait.
const LEFT_FOR_RESTART: i64 = 256;
/// Frames left beyond which the restart waits for another tick, so that
/// writers never wait for the copy of more than 64 MiB.
const MOST_LEFT_FOR_RESTART: i64 = 16_384;

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

#[cfg(test)]
mod tests {
    use super::*;

    const COMMITS: usize = 12_000;

    /// How many times the WAL starts again from its beginning (its header's
    /// salts change) while one connection commits [`COMMITS`] rows back to
    /// back, with no pause in which a passive copy could catch up, under
    /// `policy`.
    fn restarts(policy: Policy) -> usize {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let pool = Arc::new(Pool::new(path, crate::JOURNAL));
        let conn = pool.get().unwrap();
        conn.execute_batch("CREATE TABLE t (b BLOB)").unwrap();
        let checkpointer = Checkpointer::start(Arc::clone(&pool), policy).unwrap();
        let wal = dir.path().join("journal.db-wal");
        let salts = || {
            let mut header = [0_u8; 24];
            std::io::Read::read_exact(&mut std::fs::File::open(&wal).unwrap(), &mut header).unwrap();
            header[16..].to_vec()
        };
        let blob = vec![7_u8; 3_000];
        let (mut last, mut restarts) = (None, 0);
        for n in 0..COMMITS {
            let turn = pool.writer_turn().unwrap();
            conn.execute("INSERT INTO t (b) VALUES (?1)", [&blob]).unwrap();
            drop(turn);
            if n % 50 == 0 {
                let now = Some(salts());
                if last.is_some() && now != last {
                    restarts += 1;
                }
                last = now;
            }
        }
        drop(checkpointer);
        restarts
    }

    #[test]
    fn a_steadily_written_wal_is_restarted() {
        let every = Duration::from_millis(20);
        // What the restart is for: passive copies alone never start the
        // WAL over, so it holds every frame ever written.
        assert_eq!(
            restarts(Policy {
                every,
                restart_after: i64::MAX
            }),
            0
        );
        assert!(
            restarts(Policy {
                every,
                restart_after: 256
            }) > 0
        );
    }
}
