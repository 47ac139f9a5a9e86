//! The two files' schemas: the SQL files in `migrations/` (the records
//! file) and `migrations/journal/` (its journal file), applied in order,
//! each once; and the pairing of the two files.
//!
//! The journal (audit chain, checkpoints, credit checks) once lived in the
//! records file. A records file from then has its journal tables moved out
//! at the first start: copied in one transaction of the journal file, then
//! dropped in one of the records file. A stop between the two is finished
//! at the next start, which finds the copy complete and only drops.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use xinyong_store::StoreError;

use crate::error::map_error;
use crate::pool::{Pool, in_transaction};

type Migration = (&'static str, &'static str);

/// The records file's migrations, in order: (name, SQL).
const RECORDS: &[Migration] = &[
    ("0001_init", include_str!("../migrations/0001_init.sql")),
    ("0002_access", include_str!("../migrations/0002_access.sql")),
    ("0003_checks", include_str!("../migrations/0003_checks.sql")),
    (
        "0004_check_batches",
        include_str!("../migrations/0004_check_batches.sql"),
    ),
    ("0005_rights", include_str!("../migrations/0005_rights.sql")),
    ("0006_objections", include_str!("../migrations/0006_objections.sql")),
    (
        "0007_objection_attachments",
        include_str!("../migrations/0007_objection_attachments.sql"),
    ),
    (
        "0008_commitment_addressee",
        include_str!("../migrations/0008_commitment_addressee.sql"),
    ),
    (
        "0009_person_search_tokens",
        include_str!("../migrations/0009_person_search_tokens.sql"),
    ),
];

/// The journal file's migrations, in order.
const JOURNAL: &[Migration] = &[
    ("0001_journal", include_str!("../migrations/journal/0001_journal.sql")),
    (
        "0002_no_digest_index",
        include_str!("../migrations/journal/0002_no_digest_index.sql"),
    ),
    (
        "0003_forget_batch_lists",
        include_str!("../migrations/journal/0003_forget_batch_lists.sql"),
    ),
    (
        "0004_no_time_index",
        include_str!("../migrations/journal/0004_no_time_index.sql"),
    ),
    (
        "0005_spool_marks",
        include_str!("../migrations/journal/0005_spool_marks.sql"),
    ),
];

/// The tables the journal file took over from the records file, parents
/// first, with the columns they share.
const MOVED: [(&str, &str); 4] = [
    (
        "audit_log",
        "seq, at, actor, action, subject_id, purpose, detail, origin, prev_hash, hash",
    ),
    ("audit_checkpoints", "seq, hash, at"),
    (
        "check_batches",
        "id, client, department_id, matter, purpose, total, subjects_sealed, status, created_at, finished_at",
    ),
    (
        "checks",
        "seq, id, client, department_id, subject_id, subject_shown, matter, purpose, checked_at, month, book, \
         n_measures, n_mandatory, answer, feedback_at, applied, n_applied, outcome, case_no, batch_id, batch_row",
    ),
];

/// The `meta` key under which both files keep the identity of their pair.
const PAIR: &str = "journal_id";

/// Brings both files to the current schema and checks that the journal
/// belongs to the records file: a journal that was deleted, or one that
/// belongs to another records file, is refused rather than started afresh
/// (that would silently restart the audit chain).
pub(crate) fn prepare(records: &Pool, journal: &Pool) -> Result<(), StoreError> {
    let journal_existed = journal.path().exists();
    let mut records_conn = records.get()?;
    in_transaction(&mut records_conn, |tx| apply(tx, RECORDS))?;
    let paired: Option<String> = meta(&records_conn, PAIR).map_err(map_error)?;
    if paired.is_some() && !journal_existed {
        return Err(StoreError::Corrupt(format!(
            "the journal file {} of {} is missing: restore both files from the same backup",
            journal.path().display(),
            records.path().display()
        )));
    }
    let fresh_id = xinyong_crypto::random_hex(16).map_err(|e| StoreError::Other(e.to_string()))?;
    let mut journal_conn = journal.get()?;
    let (id, used) = in_transaction(&mut journal_conn, |tx| {
        apply(tx, JOURNAL)?;
        let id = ensure_meta(tx, PAIR, &fresh_id)?;
        let used: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM audit_log) OR EXISTS (SELECT 1 FROM checks)",
            [],
            |row| row.get(0),
        )?;
        Ok((id, used))
    })?;
    let foreign = || {
        StoreError::Corrupt(format!(
            "the journal file {} belongs to another database than {}",
            journal.path().display(),
            records.path().display()
        ))
    };
    match paired {
        Some(paired) if paired == id => {}
        Some(_) => return Err(foreign()),
        None if used => return Err(foreign()),
        None => {
            // The journal's pairing reaches the disk before the records file names it.
            sync(&journal_conn)?;
            let stored = in_transaction(&mut records_conn, |tx| ensure_meta(tx, PAIR, &id))?;
            // Another process starting at the same moment paired them first: with this journal, or not.
            if stored != id {
                return Err(foreign());
            }
        }
    }
    move_journal_tables(records, &mut records_conn, &mut journal_conn)
}

/// Moves the journal's tables out of a records file made before the split.
fn move_journal_tables(
    records: &Pool,
    records_conn: &mut Connection,
    journal_conn: &mut Connection,
) -> Result<(), StoreError> {
    let present: bool = records_conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log')",
            [],
            |row| row.get(0),
        )
        .map_err(map_error)?;
    if !present {
        return Ok(());
    }
    // ATTACH is not allowed inside a transaction.
    let path = records.path().to_string_lossy().into_owned();
    journal_conn
        .execute("ATTACH DATABASE ?1 AS records", [&path])
        .map_err(map_error)?;
    let copied = in_transaction(journal_conn, |tx| {
        for (table, columns) in MOVED {
            let count = |schema: &str| -> rusqlite::Result<i64> {
                tx.query_row(&format!("SELECT count(*) FROM {schema}.{table}"), [], |row| row.get(0))
            };
            let (there, here) = (count("records")?, count("main")?);
            if here == 0 {
                tx.execute(
                    &format!("INSERT INTO main.{table} ({columns}) SELECT {columns} FROM records.{table}"),
                    [],
                )?;
            } else if here != there {
                // An error, so that the transaction rolls back whatever it copied.
                return Err(crate::error::corrupt(format!(
                    "moving the journal out of the records file: {table} has {there} rows there and {here} in the journal"
                )));
            }
        }
        Ok(())
    });
    let detached = journal_conn.execute("DETACH DATABASE records", []).map_err(map_error);
    copied?;
    detached?;
    // The copy reaches the disk before the originals are dropped.
    sync(journal_conn)?;
    in_transaction(records_conn, |tx| {
        for (table, _) in MOVED.iter().rev() {
            tx.execute(&format!("DROP TABLE {table}"), [])?;
        }
        Ok(())
    })?;
    tracing::info!(records = %records.path().display(), "moved the audit log and the credit checks to the journal file");
    Ok(())
}

/// Copies the WAL of `conn`'s file into the file and syncs it: what was
/// committed there survives a power loss from now on, whatever the other
/// file does next.
fn sync(conn: &Connection) -> Result<(), StoreError> {
    conn.query_row("PRAGMA wal_checkpoint(FULL)", [], |_| Ok(()))
        .map_err(map_error)
}

/// The value stored under `key`, storing `value` first if there is none.
pub(crate) fn ensure_meta(tx: &Transaction<'_>, key: &str, value: &str) -> rusqlite::Result<String> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
        [key, value],
    )?;
    tx.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0))
}

pub(crate) fn meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0))
        .optional()
}

fn digest(sql: &str) -> String {
    xinyong_crypto::hex(&xinyong_crypto::sm3(sql.as_bytes()))
}

/// Applies pending migrations; fails if an applied one was edited since.
fn apply(tx: &Transaction<'_>, migrations: &[Migration]) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            name TEXT PRIMARY KEY, digest TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    for (name, sql) in migrations {
        let applied: Option<String> = tx
            .query_row("SELECT digest FROM schema_migrations WHERE name = ?1", [name], |row| {
                row.get(0)
            })
            .optional()?;
        match applied {
            Some(stored) if stored == digest(sql) => {}
            Some(_) => {
                return Err(crate::error::corrupt(format!(
                    "migration {name} was changed after it was applied"
                )));
            }
            None => {
                tx.execute_batch(sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (name, digest, applied_at) VALUES (?1, ?2, ?3)",
                    params![name, digest(sql), crate::rows::now()],
                )?;
            }
        }
    }
    Ok(())
}
