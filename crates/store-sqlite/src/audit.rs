//! The audit log in SQLite: appends link to the head inside one
//! `BEGIN IMMEDIATE` transaction, which serialises writers.

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, Row, params};
use xinyong_domain::audit::{self, Entry, Event, GENESIS, Hash};
use xinyong_store::{AuditStore, Checkpoint, Page, PageRequest, StoreError, SubjectId};

use crate::SqliteStore;
use crate::error::corrupt;
use crate::rows::{now, timestamp};

const ENTRY_COLUMNS: &str = "seq, at, actor, action, subject_id, purpose, detail, origin, prev_hash, hash";

fn stored_at(at: DateTime<Utc>) -> String {
    Event::stored_at(at).to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn hash(row: &Row<'_>, idx: usize) -> rusqlite::Result<Hash> {
    let bytes: Vec<u8> = row.get(idx)?;
    bytes.try_into().map_err(|_| corrupt("audit digest is not 32 bytes"))
}

fn entry(row: &Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        seq: row.get(0)?,
        event: Event {
            at: timestamp(&row.get::<_, String>(1)?)?,
            actor: row.get(2)?,
            action: row.get(3)?,
            subject_id: row.get(4)?,
            purpose: row.get(5)?,
            detail: row.get(6)?,
            origin: row.get(7)?,
        },
        prev_hash: hash(row, 8)?,
        hash: hash(row, 9)?,
    })
}

/// The chain's last position, digest and time (none for an empty chain).
fn head(conn: &rusqlite::Connection) -> rusqlite::Result<(i64, Hash, Option<DateTime<Utc>>)> {
    let found = conn
        .prepare_cached("SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |row| {
            Ok((row.get(0)?, hash(row, 1)?, Some(timestamp(&row.get::<_, String>(2)?)?)))
        })
        .optional()?;
    Ok(found.unwrap_or((0, GENESIS, None)))
}

/// The first position at or after which the chain's times reach `at` (one
/// past the end if they never do), by bisection: times never go back along
/// the chain, so no index on them is needed.
fn first_position_at(conn: &rusqlite::Connection, at: &str) -> rusqlite::Result<i64> {
    let mut time_at = conn.prepare_cached("SELECT at FROM audit_log WHERE seq >= ?1 ORDER BY seq LIMIT 1")?;
    let (mut low, mut high) = (1, head(conn)?.0 + 1);
    while low < high {
        let mid = low + (high - low) / 2;
        let time: Option<String> = time_at.query_row([mid], |row| row.get(0)).optional()?;
        if time.is_some_and(|time| time.as_str() < at) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    Ok(low)
}

/// How far before and after a range of times its bounds are searched from.
/// Entries appended before times were kept from going back were stamped
/// when their caller asked, not when they were stored, so they may be out
/// of order by as long as a writer waited for its turn: up to the busy
/// timeout (two minutes), more than doubled here. A clock set back further
/// than this before that change can still hide an old entry from a range;
/// entries appended since are in order, and the margin only costs the scan
/// of the entries inside it.
const OLD_DISORDER: chrono::Duration = chrono::Duration::minutes(5);

/// Appends `events` to the chain inside the caller's write transaction.
pub(crate) fn append_in(tx: &rusqlite::Transaction<'_>, events: Vec<Event>) -> rusqlite::Result<Vec<i64>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let (mut seq, mut prev, mut last_at) = head(tx)?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO audit_log (seq, at, actor, action, subject_id, purpose, detail, origin, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut positions = Vec::with_capacity(events.len());
    for mut event in events {
        event.at = Event::stored_after(event.at, last_at);
        last_at = Some(event.at);
        let next = audit::link(&prev, &event);
        seq += 1;
        stmt.execute(params![
            seq,
            stored_at(event.at),
            event.actor,
            event.action,
            event.subject_id,
            event.purpose,
            event.detail,
            event.origin,
            prev.as_slice(),
            next.as_slice()
        ])?;
        positions.push(seq);
        prev = next;
    }
    Ok(positions)
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, events: Vec<Event>) -> Result<Vec<i64>, StoreError> {
        self.write_journal(move |tx| append_in(tx, events)).await
    }

    async fn audit_entries(&self, after: i64, limit: u32) -> Result<Vec<Entry>, StoreError> {
        self.read_journal(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ))?;
            stmt.query_map(params![after, limit], entry)?.collect()
        })
        .await
    }

    async fn audit_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        page: &PageRequest,
    ) -> Result<Page<Entry>, StoreError> {
        // A cursor this store did not make reads as the end of the listing.
        let after = match &page.after {
            Some(cursor) => cursor.decode_id().unwrap_or(i64::MAX),
            None => 0,
        };
        let limit = page.limit;
        let (search_from, search_to) = (
            stored_at(from.checked_sub_signed(OLD_DISORDER).unwrap_or(from)),
            stored_at(to.checked_add_signed(OLD_DISORDER).unwrap_or(to)),
        );
        let (from, to) = (stored_at(from), stored_at(to));
        let items = self
            .read_journal(move |conn| {
                let first = first_position_at(conn, &search_from)?;
                let end = first_position_at(conn, &search_to)?;
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {ENTRY_COLUMNS} FROM audit_log
                     WHERE seq > ?1 AND seq < ?2 AND at >= ?3 AND at <= ?4
                     ORDER BY seq LIMIT ?5"
                ))?;
                stmt.query_map(
                    params![after.max(first - 1), end, from, to, i64::from(limit) + 1],
                    entry,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        Ok(Page::from_overfetch(items, limit, |e| e.seq.to_string()))
    }

    async fn audit_position(&self, hash: &Hash) -> Result<Option<i64>, StoreError> {
        let hash = *hash;
        self.read_journal(move |conn| {
            conn.query_row(
                "SELECT seq FROM audit_log WHERE hash = ?1 ORDER BY seq LIMIT 1",
                [hash.as_slice()],
                |row| row.get(0),
            )
            .optional()
        })
        .await
    }

    async fn audit_hash(&self, seq: i64) -> Result<Option<Hash>, StoreError> {
        self.read_journal(move |conn| {
            conn.query_row("SELECT hash FROM audit_log WHERE seq = ?1", [seq], |row| hash(row, 0))
                .optional()
        })
        .await
    }

    async fn audit_reads_of(&self, subject_id: SubjectId, page: &PageRequest) -> Result<Page<Entry>, StoreError> {
        let before = match &page.after {
            Some(cursor) => cursor.decode_id().unwrap_or(0),
            None => i64::MAX,
        };
        let limit = page.limit;
        let items = self
            .read_journal(move |conn| {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {ENTRY_COLUMNS} FROM audit_log
                     WHERE subject_id = ?1 AND action = 'subject.read' AND seq < ?2
                     ORDER BY seq DESC LIMIT ?3"
                ))?;
                stmt.query_map(params![subject_id, before, i64::from(limit) + 1], entry)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        Ok(Page::from_overfetch(items, limit, |e| e.seq.to_string()))
    }

    async fn checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        self.write_journal(|tx| {
            let (seq, hash, _) = head(tx)?;
            if seq == 0 {
                return Ok(None);
            }
            let at = now();
            tx.execute(
                "INSERT INTO audit_checkpoints (seq, hash, at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (seq) DO NOTHING",
                params![seq, hash.as_slice(), at],
            )?;
            tx.query_row(
                "SELECT seq, hash, at FROM audit_checkpoints WHERE seq = ?1",
                [seq],
                checkpoint,
            )
            .map(Some)
        })
        .await
    }

    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        self.read_journal(|conn| {
            let mut stmt = conn.prepare("SELECT seq, hash, at FROM audit_checkpoints ORDER BY seq")?;
            stmt.query_map([], checkpoint)?.collect()
        })
        .await
    }
}

fn checkpoint(row: &Row<'_>) -> rusqlite::Result<Checkpoint> {
    Ok(Checkpoint {
        seq: row.get(0)?,
        hash: hash(row, 1)?,
        at: timestamp(&row.get::<_, String>(2)?)?,
    })
}
