//! No identity document number is stored in clear: after importing a file
//! full of them, neither the SQLite file (with its WAL), nor a `pg_dump`,
//! nor the kept (sealed) copy of the upload contains any of them; and
//! `xinyong batch original` gives the upload back byte for byte.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Arc;

use serde_json::{Map, Value};
use xinyong_store::Rewrite;

use xinyong_testkit::Platform;

/// Every 18-character citizen ID number in a text: 17 digits and a digit or X.
fn id_numbers(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut found = BTreeSet::new();
    for start in 0..bytes.len().saturating_sub(17) {
        let window = &bytes[start..start + 18];
        let bounded = |idx: Option<usize>| {
            idx.and_then(|i| bytes.get(i))
                .is_none_or(|b| !b.is_ascii_alphanumeric())
        };
        if window[..17].iter().all(u8::is_ascii_digit)
            && (window[17].is_ascii_digit() || window[17] == b'X')
            && bounded(start.checked_sub(1))
            && bounded(Some(start + 18))
        {
            found.insert(String::from_utf8_lossy(window).into_owned());
        }
    }
    found
}

fn database_bytes(platform: &Platform) -> Vec<u8> {
    match platform.schema() {
        None => {
            let mut bytes = Vec::new();
            for name in [
                "xinyong.db",
                "xinyong.db-wal",
                "xinyong.journal.db",
                "xinyong.journal.db-wal",
            ] {
                if let Ok(mut content) = std::fs::read(platform.dir.join(name)) {
                    bytes.append(&mut content);
                }
            }
            bytes
        }
        Some(schema) => {
            let output = Command::new("pg_dump")
                .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-n", schema])
                .output()
                .expect("pg_dump is installed by scripts/setup");
            assert!(output.status.success());
            output.stdout
        }
    }
}

/// A generated file of penalties whose 备注 (the last column, empty as
/// generated) names each row's legal representative's ID number, as clerks
/// copy them into free text — in groups on every other row. The numbers
/// in it, whole and as grouped.
fn penalties_with_ids_in_free_text(platform: &Platform) -> (std::path::PathBuf, BTreeSet<String>, Vec<String>) {
    let file = platform.dir.join("people.csv");
    let status = Command::new(env!("CARGO_BIN_EXE_xinyong"))
        .args([
            "gen",
            "--type",
            "xzcf",
            "--rows",
            "400",
            "--seed",
            "11",
            "--error-rate",
            "0.2",
            "--out",
        ])
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let generated = std::fs::read_to_string(&file).unwrap();
    let mut lines = generated.lines();
    let header = lines.next().unwrap();
    let column = |name: &str| header.split(',').position(|h| h == name).unwrap();
    let (rep_id, remark) = (column("法定代表人证件号码"), column("备注"));
    assert_eq!(remark, header.split(',').count() - 1);
    let mut edited = format!("{header}\n");
    let mut grouped = Vec::new();
    for (n, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        match cells.get(rep_id) {
            Some(id) if id.len() == 18 && line.ends_with(',') && !line.contains('"') => {
                let id = if n % 2 == 0 {
                    (*id).to_owned()
                } else {
                    grouped.push(format!("{} {} {}", &id[..6], &id[6..14], &id[14..]));
                    grouped[grouped.len() - 1].clone()
                };
                edited.push_str(&format!("{line}法定代表人身份证号{id}，电话13905611234\n"));
            }
            _ => edited.push_str(&format!("{line}\n")),
        }
    }
    std::fs::write(&file, &edited).unwrap();
    assert!(grouped.len() > 20);
    (file, id_numbers(&edited), grouped)
}

/// The numbers among `ids` found as raw bytes in the database (stored
/// text, JSON, FTS and index pages alike) and in `extra`.
fn leaked<'a>(platform: &Platform, ids: impl IntoIterator<Item = &'a String>, extra: &[u8]) -> Vec<&'a String> {
    let mut stored = database_bytes(platform);
    stored.extend_from_slice(extra);
    ids.into_iter()
        .filter(|id| stored.windows(id.len()).any(|w| w == id.as_bytes()))
        .collect()
}

async fn no_id_number_in_clear(platform: Platform) {
    let (file, ids, grouped) = penalties_with_ids_in_free_text(&platform);
    assert!(ids.len() > 50, "the file holds many ID numbers: {}", ids.len());
    let batch = platform.import(&file, "xzcf", "淮北市公安局").await;
    assert!(
        batch.summary.n_accepted > 0 && batch.summary.n_rejected > 0,
        "accepted and rejected rows both kept"
    );
    let kept = std::fs::read(platform.dir.join(batch.new.original_file.as_deref().unwrap())).unwrap();
    let leaked = leaked(&platform, ids.iter().chain(&grouped), &kept);
    assert!(
        leaked.is_empty(),
        "{:?}: ID numbers in clear: {leaked:?}",
        platform.backend()
    );

    let restored = platform.dir.join("restored.csv");
    let output = Command::new(env!("CARGO_BIN_EXE_xinyong"))
        .arg("--data")
        .arg(&platform.dir)
        .arg("--database-url")
        .arg(platform.database_url())
        .args(["batch", "original", &batch.id.to_string(), "-o"])
        .arg(&restored)
        .env("XINYONG_CRYPTO__KEY", platform.keys.to_hex())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        std::fs::read(&restored).unwrap(),
        std::fs::read(&file).unwrap(),
        "the kept copy opens to the upload, byte for byte"
    );
    platform.cleanup().await;
}

#[tokio::test]
async fn a_database_dump_holds_no_id_number_in_clear() {
    for platform in xinyong_testkit::backends().await {
        no_id_number_in_clear(platform).await;
    }
}

/// Records stored before free text was masked at import hold the numbers
/// in clear; `xinyong migrate` masks them once (and journals it), leaving
/// the text whole in the sealed items.
async fn old_free_text_is_sealed_by_migrate(platform: Platform) {
    let (file, ids, grouped) = penalties_with_ids_in_free_text(&platform);
    platform.import(&file, "xzcf", "淮北市公安局").await;
    // As an older version stored them: 备注 in clear, not among the sealed items.
    let keys = Arc::clone(&platform.keys);
    let unmask: Rewrite = Box::new(move |_: &str, payload: &str, sealed: Option<&[u8]>| {
        let Some(sealed) = sealed else { return Ok(None) };
        let mut items: Map<String, Value> = serde_json::from_slice(&keys.open(sealed).unwrap()).unwrap();
        let Some(remark) = items.remove("BZ") else {
            return Ok(None);
        };
        let mut payload: Map<String, Value> = serde_json::from_str(payload).unwrap();
        payload.insert("BZ".into(), remark);
        let sealed = keys.seal(Value::Object(items).to_string().as_bytes()).unwrap();
        Ok(Some((Value::Object(payload).to_string(), Some(sealed))))
    });
    let n = platform.store.rewrite_records(unmask).await.unwrap();
    assert!(n > 20);
    assert!(!leaked(&platform, ids.iter(), &[]).is_empty(), "stored as before");
    // A database an older version opened has its key pinned.
    let fingerprint = xinyong_crypto::hex(&platform.keys.keyed_hash(b"xinyong key fingerprint")[..8]);
    platform
        .store
        .ensure_meta("key_fingerprint", &fingerprint)
        .await
        .unwrap();

    let migrate = || {
        let output = Command::new(env!("CARGO_BIN_EXE_xinyong"))
            .arg("--data")
            .arg(&platform.dir)
            .arg("--database-url")
            .arg(platform.database_url())
            .arg("migrate")
            .env("XINYONG_CRYPTO__KEY", platform.keys.to_hex())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let said = migrate();
    assert!(said.contains(&format!("{n} 条记录的自由文本")), "{said}");
    let leaked = leaked(&platform, ids.iter().chain(&grouped), &[]);
    assert!(leaked.is_empty(), "{:?}: {leaked:?}", platform.backend());
    assert!(!migrate().contains("自由文本"), "done once");
    let entries = platform.store.audit_entries(0, 1000).await.unwrap();
    assert!(entries.iter().any(|e| e.event.action == "records.seal_free_text"
        && e.event.detail == format!("{{\"records\":{n},\"unknown_type\":0}}")));
    platform.cleanup().await;
}

#[tokio::test]
async fn migrate_seals_free_text_stored_before() {
    for platform in xinyong_testkit::backends().await {
        old_free_text_is_sealed_by_migrate(platform).await;
    }
}
