//! The journal file beside the records file: moved out of a records file
//! made before it existed, finished after an interrupted move, refused when
//! missing or when it belongs to another records file.

#![expect(clippy::unwrap_used, reason = "tests")]

use std::path::{Path, PathBuf};

use chrono::Utc;
use rusqlite::Connection;
use xinyong_domain::audit::{Entry, Event};
use xinyong_store::{AuditStore, StoreError};
use xinyong_store_sqlite::SqliteStore;

fn event(n: u32) -> Event {
    Event {
        at: Utc::now(),
        actor: "account:1:admin".into(),
        action: "subject.read".into(),
        subject_id: Some(7),
        purpose: Some("xzsp".into()),
        detail: format!("{{\"n\":{n}}}"),
        origin: None,
    }
}

/// A platform's database with three audit entries and a checkpoint; returns its entries.
async fn populated(path: &Path) -> Vec<Entry> {
    let store = SqliteStore::open(path).await.unwrap();
    store.append_audit((1..=3).map(event).collect()).await.unwrap();
    store.checkpoint().await.unwrap().unwrap();
    store.audit_entries(0, 10).await.unwrap()
}

/// Copies `from` (a records file and its journal) to a records file laid out
/// as before the split: the journal's tables inside it, no journal file.
fn old_layout(from: &Path, to: &Path) -> PathBuf {
    std::fs::copy(from, to).unwrap();
    let conn = Connection::open(to).unwrap();
    conn.execute(
        "ATTACH DATABASE ?1 AS j",
        [SqliteStore::journal_path(from).to_string_lossy()],
    )
    .unwrap();
    conn.execute_batch(
        "CREATE TABLE audit_log AS SELECT * FROM j.audit_log;
         CREATE TABLE audit_checkpoints AS SELECT * FROM j.audit_checkpoints;
         CREATE TABLE check_batches AS SELECT * FROM j.check_batches;
         CREATE TABLE checks AS SELECT * FROM j.checks;
         DELETE FROM meta WHERE key = 'journal_id';",
    )
    .unwrap();
    SqliteStore::journal_path(to)
}

fn tables(path: &Path) -> Vec<String> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('audit_log', 'checks') ORDER BY name",
        )
        .unwrap();
    stmt.query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn a_records_file_from_before_the_split_has_its_journal_moved_out() {
    let dir = tempfile::tempdir().unwrap();
    let entries = populated(&dir.path().join("a.db")).await;
    let old = dir.path().join("old.db");
    let journal = old_layout(&dir.path().join("a.db"), &old);
    assert!(!journal.exists());
    assert_eq!(tables(&old), ["audit_log", "checks"]);

    let store = SqliteStore::open(&old).await.unwrap();
    assert_eq!(
        store.audit_entries(0, 10).await.unwrap(),
        entries,
        "the chain, unchanged"
    );
    assert_eq!(store.checkpoints().await.unwrap().len(), 1);
    assert!(tables(&old).is_empty(), "the records file no longer holds them");
    assert_eq!(tables(&journal), ["audit_log", "checks"]);
    // The chain goes on where it was.
    assert_eq!(store.append_audit(vec![event(4)]).await.unwrap(), vec![4]);
    drop(store);
    // And a second start finds nothing to move.
    let store = SqliteStore::open(&old).await.unwrap();
    assert_eq!(store.audit_entries(0, 10).await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_move_cut_short_after_the_copy_is_finished_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let entries = populated(&a).await;
    let old = dir.path().join("old.db");
    let journal = old_layout(&a, &old);
    // The copy committed in the journal (a copy of a's, paired with it), the drop did not.
    std::fs::copy(SqliteStore::journal_path(&a), &journal).unwrap();
    let pair: String = Connection::open(&journal)
        .unwrap()
        .query_row("SELECT value FROM meta WHERE key = 'journal_id'", [], |row| row.get(0))
        .unwrap();
    Connection::open(&old)
        .unwrap()
        .execute("INSERT INTO meta (key, value) VALUES ('journal_id', ?1)", [&pair])
        .unwrap();

    let store = SqliteStore::open(&old).await.unwrap();
    assert_eq!(
        store.audit_entries(0, 10).await.unwrap(),
        entries,
        "nothing copied twice"
    );
    assert!(tables(&old).is_empty());
}

#[tokio::test]
async fn a_missing_journal_is_refused_not_started_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    populated(&a).await;
    std::fs::remove_file(SqliteStore::journal_path(&a)).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", SqliteStore::journal_path(&a).display()));
    }
    match SqliteStore::open(&a).await {
        Err(StoreError::Corrupt(message)) => assert!(message.contains("missing"), "{message}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(!SqliteStore::journal_path(&a).exists(), "no empty journal left behind");
}

#[tokio::test]
async fn another_databases_journal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    populated(&a).await;
    populated(&b).await;
    std::fs::copy(SqliteStore::journal_path(&b), SqliteStore::journal_path(&a)).unwrap();
    match SqliteStore::open(&a).await {
        Err(StoreError::Corrupt(message)) => assert!(message.contains("another database"), "{message}"),
        other => panic!("expected a refusal, got {other:?}"),
    }

    // A used journal beside a records file that never had one is foreign too.
    let fresh = dir.path().join("fresh.db");
    std::fs::copy(SqliteStore::journal_path(&b), SqliteStore::journal_path(&fresh)).unwrap();
    assert!(matches!(SqliteStore::open(&fresh).await, Err(StoreError::Corrupt(_))));
}

#[test]
fn the_journal_sits_beside_its_records_file() {
    assert_eq!(
        SqliteStore::journal_path(Path::new("/srv/xinyong/xinyong.db")),
        Path::new("/srv/xinyong/xinyong.journal.db")
    );
    assert_eq!(
        SqliteStore::journal_path(Path::new("data/credit")),
        Path::new("data/credit.journal.db")
    );
}
