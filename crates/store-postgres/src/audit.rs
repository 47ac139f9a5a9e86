//! The audit log in PostgreSQL: appends hold a transaction-scoped advisory
//! lock while they read the head and link to it, which serialises writers
//! (from every process sharing the database).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Row};
use xinyong_domain::audit::{self, Entry, Event, GENESIS, Hash};
use xinyong_store::{AuditStore, Checkpoint, Page, PageRequest, StoreError, SubjectId};

use crate::PostgresStore;
use crate::access::digest;
use crate::error::map_error;

const ENTRY_COLUMNS: &str = "seq, at, actor, action, subject_id, purpose, detail, origin, prev_hash, hash";
/// Key of the advisory lock that serialises appends ("audit" in ASCII).
const APPEND_LOCK: i64 = 0x0061_7564_6974;

fn entry(row: PgRow) -> sqlx::Result<Entry> {
    Ok(Entry {
        seq: row.try_get("seq")?,
        event: Event {
            at: row.try_get("at")?,
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            subject_id: row.try_get("subject_id")?,
            purpose: row.try_get("purpose")?,
            detail: row.try_get("detail")?,
            origin: row.try_get("origin")?,
        },
        prev_hash: digest(&row, "prev_hash")?,
        hash: digest(&row, "hash")?,
    })
}

fn checkpoint(row: PgRow) -> sqlx::Result<Checkpoint> {
    Ok(Checkpoint {
        seq: row.try_get("seq")?,
        hash: digest(&row, "hash")?,
        at: row.try_get("at")?,
    })
}

/// The chain's last position, digest and time (none for an empty chain).
async fn head(conn: &mut sqlx::PgConnection) -> Result<(i64, Hash, Option<DateTime<Utc>>), StoreError> {
    let found = sqlx::query("SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1")
        .try_map(|row: PgRow| {
            Ok((
                row.try_get::<i64, _>("seq")?,
                digest(&row, "hash")?,
                Some(row.try_get("at")?),
            ))
        })
        .fetch_optional(conn)
        .await
        .map_err(map_error)?;
    Ok(found.unwrap_or((0, GENESIS, None)))
}

async fn lock(conn: &mut sqlx::PgConnection) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(APPEND_LOCK)
        .execute(conn)
        .await
        .map_err(map_error)?;
    Ok(())
}

/// Appends `events` to the chain inside the caller's transaction, in one
/// statement however many there are.
pub(crate) async fn append_in(conn: &mut sqlx::PgConnection, events: Vec<Event>) -> Result<Vec<i64>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    lock(conn).await?;
    let (mut seq, mut prev, mut last_at) = head(conn).await?;
    let n = events.len();
    let (mut seqs, mut ats, mut actors, mut actions) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut subjects, mut purposes, mut details, mut origins) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut prevs, mut hashes) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for mut event in events {
        event.at = Event::stored_after(event.at, last_at);
        last_at = Some(event.at);
        let next = audit::link(&prev, &event);
        seq += 1;
        seqs.push(seq);
        ats.push(event.at);
        actors.push(event.actor);
        actions.push(event.action);
        subjects.push(event.subject_id);
        purposes.push(event.purpose);
        details.push(event.detail);
        origins.push(event.origin);
        prevs.push(prev.to_vec());
        hashes.push(next.to_vec());
        prev = next;
    }
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, subject_id, purpose, detail, origin, prev_hash, hash)
         SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::bigint[], $6::text[],
                              $7::text[], $8::text[], $9::bytea[], $10::bytea[])",
    )
    .bind(&seqs)
    .bind(&ats)
    .bind(&actors)
    .bind(&actions)
    .bind(&subjects)
    .bind(&purposes)
    .bind(&details)
    .bind(&origins)
    .bind(&prevs)
    .bind(&hashes)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?;
    Ok(seqs)
}

#[async_trait]
impl AuditStore for PostgresStore {
    async fn append_audit(&self, events: Vec<Event>) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        let positions = append_in(&mut tx, events).await?;
        tx.commit().await.map_err(map_error)?;
        Ok(positions)
    }

    async fn audit_entries(&self, after: i64, limit: u32) -> Result<Vec<Entry>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        )))
        .bind(after)
        .bind(i64::from(limit))
        .try_map(entry)
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
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
        let items = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq > $1 AND at >= $2 AND at <= $3 ORDER BY seq LIMIT $4"
        )))
        .bind(after)
        .bind(Event::stored_at(from))
        .bind(Event::stored_at(to))
        .bind(i64::from(page.limit) + 1)
        .try_map(entry)
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(Page::from_overfetch(items, page.limit, |e| e.seq.to_string()))
    }

    async fn audit_position(&self, hash: &Hash) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT seq FROM audit_log WHERE hash = $1 ORDER BY seq LIMIT 1")
            .bind(hash.as_slice())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)
    }

    async fn audit_hash(&self, seq: i64) -> Result<Option<Hash>, StoreError> {
        sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(seq)
            .try_map(|row: PgRow| digest(&row, "hash"))
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)
    }

    async fn audit_reads_of(&self, subject_id: SubjectId, page: &PageRequest) -> Result<Page<Entry>, StoreError> {
        let before = match &page.after {
            Some(cursor) => cursor.decode_id().unwrap_or(0),
            None => i64::MAX,
        };
        let items = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_log
             WHERE subject_id = $1 AND action = 'subject.read' AND seq < $2
             ORDER BY seq DESC LIMIT $3"
        )))
        .bind(subject_id)
        .bind(before)
        .bind(i64::from(page.limit) + 1)
        .try_map(entry)
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(Page::from_overfetch(items, page.limit, |e| e.seq.to_string()))
    }

    async fn checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        lock(&mut tx).await?;
        let (seq, hash, _) = head(&mut tx).await?;
        if seq == 0 {
            return Ok(None);
        }
        sqlx::query("INSERT INTO audit_checkpoints (seq, hash) VALUES ($1, $2) ON CONFLICT (seq) DO NOTHING")
            .bind(seq)
            .bind(hash.as_slice())
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        let kept = sqlx::query("SELECT seq, hash, at FROM audit_checkpoints WHERE seq = $1")
            .bind(seq)
            .try_map(checkpoint)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(Some(kept))
    }

    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        sqlx::query("SELECT seq, hash, at FROM audit_checkpoints ORDER BY seq")
            .try_map(checkpoint)
            .fetch_all(&self.pool)
            .await
            .map_err(map_error)
    }
}
