use std::sync::Arc;

use chrono::Utc;
use xinyong_domain::audit::{Event, Verifier};
use xinyong_store::{NewCheck, SpoolMark, Spooled, Store};
use xinyong_store_sqlite::SqliteStore;

use super::{Entry, FAILED, ROTATE_AT, Spool};

async fn store(dir: &std::path::Path) -> Arc<dyn Store> {
    Arc::new(SqliteStore::open(&dir.join("xinyong.db")).await.unwrap())
}

fn read(n: i64) -> Entry {
    Entry::Audit {
        event: Event {
            at: Utc::now(),
            actor: "key:k1:审批系统".into(),
            action: "subject.read".into(),
            subject_id: Some(n),
            purpose: Some("xzsp".into()),
            detail: format!("{{\"records\":[{n}]}}"),
            origin: Some("127.0.0.1".into()),
        },
    }
}

fn check(id: &str) -> Entry {
    let checked_at = Utc::now();
    Entry::Check {
        check: Box::new(NewCheck {
            id: id.into(),
            client: "公共资源交易平台".into(),
            department_id: None,
            subject_id: None,
            subject_shown: "淮北市鑫源商贸有限公司".into(),
            matter: "zfcg".into(),
            purpose: "zfcg".into(),
            checked_at,
            month: checked_at.format("%Y-%m").to_string(),
            book: "ab".repeat(32),
            n_measures: 0,
            n_mandatory: 0,
            answer: "{}".into(),
            batch: None,
        }),
        event: Event {
            at: checked_at,
            actor: "key:k2:公共资源交易平台".into(),
            action: "check".into(),
            subject_id: None,
            purpose: Some("zfcg".into()),
            detail: format!("{{\"check\":\"{id}\"}}"),
            origin: None,
        },
    }
}

/// Subject ids of the `subject.read` entries in the chain, in chain order,
/// after checking that the chain is intact.
async fn reads_in_log(store: &dyn Store) -> Vec<i64> {
    let mut entries = Vec::new();
    loop {
        let after = entries.last().map_or(0, |e: &xinyong_domain::audit::Entry| e.seq);
        let page = store.audit_entries(after, 10_000).await.unwrap();
        if page.is_empty() {
            break;
        }
        entries.extend(page);
    }
    let mut verifier = Verifier::default();
    for entry in &entries {
        verifier.check(entry, |_| None).unwrap();
    }
    entries
        .iter()
        .filter(|e| e.event.action == "subject.read")
        .filter_map(|e| e.event.subject_id)
        .collect()
}

fn spool_files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A spool file as a process that died would have left it.
fn leave_file(dir: &std::path::Path, name: &str, lines: &[(i64, Entry)], tail: &str) {
    let mut text = String::new();
    for (position, entry) in lines {
        text.push_str(&format!("{position}\t{}\n", serde_json::to_string(entry).unwrap()));
    }
    text.push_str(tail);
    std::fs::write(dir.join(format!("{name}.spool")), text).unwrap();
}

#[tokio::test]
async fn entries_are_in_the_file_before_the_database_and_committed_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store(tmp.path()).await;
    let dir = tmp.path().join("spool");
    let spool = Spool::open(&dir, Arc::clone(&store)).await.unwrap();
    for n in 1..=300 {
        spool.push(read(n)).await.unwrap();
    }
    spool.push(check("c1")).await.unwrap();
    let file = dir.join(&spool_files(&dir)[0]);
    assert!(std::fs::read_to_string(&file).unwrap().contains("\"id\":\"c1\""));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            (mode(&dir), mode(&file)),
            (0o700, 0o600),
            "the spool is the owner's only"
        );
    }
    spool.settled().await;
    assert_eq!(reads_in_log(&*store).await, (1..=300).collect::<Vec<_>>());
    assert!(store.check("c1").await.unwrap().is_some());
    spool.close().await.unwrap();
    assert!(spool_files(&dir).is_empty(), "a closed spool leaves no file");
    assert!(
        spool.push(read(301)).await.is_err(),
        "a closed spool takes nothing more"
    );
}

#[tokio::test]
async fn a_spool_in_memory_returns_once_committed() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store(tmp.path()).await;
    let spool = Spool::in_memory(Arc::clone(&store));
    spool.push(read(7)).await.unwrap();
    assert_eq!(reads_in_log(&*store).await, vec![7]);
}

#[tokio::test]
async fn a_file_left_by_a_process_that_died_is_committed_once_past_its_mark() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store(tmp.path()).await;
    let dir = tmp.path().join("spool");
    std::fs::create_dir_all(&dir).unwrap();
    // Positions 1 and 2 were committed before the process died; 3 and 4
    // were only written down; the last line was cut short.
    store
        .commit_spooled(super::spooled(
            vec![read(1), read(2)],
            Some(SpoolMark {
                spool: "dead".into(),
                upto: 2,
            }),
        ))
        .await
        .unwrap();
    let lines: Vec<(i64, Entry)> = (1..=4).map(|n| (n, read(n))).collect();
    leave_file(&dir, "dead", &lines, "5\t{\"kind\":\"au");

    let spool = Spool::open(&dir, Arc::clone(&store)).await.unwrap();
    assert_eq!(reads_in_log(&*store).await, vec![1, 2, 3, 4]);
    assert_eq!(
        store.spool_mark("dead").await.unwrap(),
        None,
        "the mark goes with the file"
    );
    assert_eq!(
        spool_files(&dir).len(),
        1,
        "only the new process's own file: {:?}",
        spool_files(&dir)
    );

    // Opening again replays nothing twice.
    drop(spool);
    Spool::open(&dir, Arc::clone(&store)).await.unwrap();
    assert_eq!(reads_in_log(&*store).await, vec![1, 2, 3, 4]);
}

#[tokio::test]
async fn a_dropped_spool_is_replayed_by_the_next_process() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store(tmp.path()).await;
    let dir = tmp.path().join("spool");
    let spool = Spool::open(&dir, Arc::clone(&store)).await.unwrap();
    for n in 1..=50 {
        spool.push(read(n)).await.unwrap();
    }
    spool.settled().await;
    // Dropped without close (a crash after the commits): the file stays,
    // its mark says everything was committed.
    drop(spool);
    tokio::task::yield_now().await;
    Spool::open(&dir, Arc::clone(&store)).await.unwrap();
    assert_eq!(reads_in_log(&*store).await, (1..=50).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_live_process_file_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store(tmp.path()).await;
    let dir = tmp.path().join("spool");
    let first = Spool::open(&dir, Arc::clone(&store)).await.unwrap();
    let before = spool_files(&dir);
    let second = Spool::open(&dir, Arc::clone(&store)).await.unwrap();
    let after = spool_files(&dir);
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(before.iter().all(|name| after.contains(name)));
    first.push(read(1)).await.unwrap();
    second.push(read(2)).await.unwrap();
    first.close().await.unwrap();
    second.close().await.unwrap();
    let mut reads = reads_in_log(&*store).await;
    reads.sort_unstable();
    assert_eq!(reads, vec![1, 2]);
    assert!(spool_files(&dir).is_empty());
}

#[tokio::test]
async fn a_damaged_file_is_kept_and_what_precedes_the_damage_committed() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store(tmp.path()).await;
    let dir = tmp.path().join("spool");
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = format!("1\t{}\n", serde_json::to_string(&read(1)).unwrap());
    text.push_str("2\tnot an entry\n");
    text.push_str(&format!("3\t{}\n", serde_json::to_string(&read(3)).unwrap()));
    std::fs::write(dir.join("hurt.spool"), text).unwrap();
    Spool::open(&dir, Arc::clone(&store)).await.unwrap();
    assert_eq!(reads_in_log(&*store).await, vec![1]);
    assert!(dir.join("hurt.damaged").exists(), "{:?}", spool_files(&dir));
}

#[tokio::test]
async fn an_entry_the_database_refuses_is_set_aside_and_the_rest_committed() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store(tmp.path()).await;
    let dir = tmp.path().join("spool");
    let spool = Spool::open(&dir, Arc::clone(&store)).await.unwrap();
    spool.push(check("same")).await.unwrap();
    spool.settled().await;
    let refused = spool.push(check("same")).await.unwrap();
    spool.push(read(9)).await.unwrap();
    let error = spool.settle(refused).await.unwrap_err();
    assert!(error.to_string().contains("not stored"), "{error}");
    spool.settled().await;
    assert_eq!(reads_in_log(&*store).await, vec![9]);
    let kept = std::fs::read_to_string(dir.join(FAILED)).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(FAILED)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "refused entries are the owner's only");
    }
    assert!(
        kept.contains("\"same\"") && kept.contains(&format!("\"position\":{refused}")),
        "{kept}"
    );
    // A refused entry is not tried again by a replay.
    drop(spool);
    Spool::open(&dir, Arc::clone(&store)).await.unwrap();
    assert_eq!(reads_in_log(&*store).await, vec![9]);
}

#[tokio::test]
async fn a_full_file_is_retired_for_a_new_one_and_removed_once_committed() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store(tmp.path()).await;
    let dir = tmp.path().join("spool");
    let spool = Spool::open(&dir, Arc::clone(&store)).await.unwrap();
    let line = serde_json::to_string(&read(1)).unwrap().len() as u64;
    let n = i64::try_from(2 * ROTATE_AT / line + 10).unwrap();
    for i in 1..=n {
        spool.push(read(i)).await.unwrap();
    }
    spool.settled().await;
    let files = spool_files(&dir);
    assert_eq!(files.len(), 1, "retired files are removed once committed: {files:?}");
    assert!(files[0].ends_with("-000002.spool"), "{files:?}");
    for name in ["-000000", "-000001"] {
        let run = files[0].trim_end_matches("-000002.spool");
        assert_eq!(store.spool_mark(&format!("{run}{name}")).await.unwrap(), None);
    }
    // The current file's lines replay exactly once after a crash.
    spool.push(read(n + 1)).await.unwrap();
    drop(spool);
    Spool::open(&dir, Arc::clone(&store)).await.unwrap();
    let reads = reads_in_log(&*store).await;
    let expected: Vec<i64> = (1..=n + 1).collect();
    let first_difference = reads.iter().zip(&expected).position(|(a, b)| a != b);
    assert_eq!((reads.len(), first_difference), (expected.len(), None));
}

#[test]
fn a_file_another_start_removed_or_replaced_is_not_replayed() {
    // Another start replays and removes a dead process's file between
    // this start's opening it and taking its lock: the lock is then on a
    // removed file, which `still_at` tells.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("spool");
    std::fs::create_dir_all(&dir).unwrap();
    leave_file(&dir, "gone", &[(1, read(1))], "");
    let path = dir.join("gone.spool");
    let file = std::fs::File::open(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(!super::still_at(&file, &path));
    leave_file(&dir, "gone", &[(1, read(1))], "");
    assert!(!super::still_at(&file, &path), "another file under the same name");
    assert!(super::still_at(&std::fs::File::open(&path).unwrap(), &path));
}

#[test]
fn a_line_is_its_position_a_tab_and_the_entry() {
    let entry = check("c9");
    let line = format!("42\t{}", serde_json::to_string(&entry).unwrap());
    assert_eq!(super::parse_line(line.as_bytes()), Some((42, entry)));
    assert_eq!(super::parse_line(b"42"), None);
    assert_eq!(super::parse_line(b"x\t{}"), None);
    assert_eq!(super::parse_line(&[0xff, b'\t']), None);
    let _: Spooled = super::spooled(vec![read(1), check("c")], None);
}
