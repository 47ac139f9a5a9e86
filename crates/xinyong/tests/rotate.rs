//! `xinyong rotate-key` re-encrypts everything under a new key: afterwards
//! the rejected rows, the kept upload and the proof documents open as
//! before (a batch check still running makes it wait), people are found
//! by their recomputed keyed hashes (re-importing the file adds nothing),
//! the audit chain holds, and the old key file is retired. SQLite and
//! PostgreSQL.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::path::Path;
use std::process::{Command, Output};

use xinyong_crypto::Keys;
use xinyong_store::{CheckBatchStatus, NewCheckBatch};
use xinyong_testkit::Platform;

fn xinyong(platform: &Platform, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xinyong"))
        .arg("--data")
        .arg(&platform.dir)
        .arg("--database-url")
        .arg(platform.database_url())
        .args(args)
        .env_remove("XINYONG_CONFIG")
        .env_remove("XINYONG_CRYPTO__KEY")
        .output()
        .unwrap()
}

fn ok(output: Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

async fn rotate(platform: Platform) {
    let dir = platform.dir.clone();
    let file = dir.join("people.csv");
    ok(xinyong(
        &platform,
        &[
            "gen",
            "--type",
            "xzcf",
            "--rows",
            "300",
            "--seed",
            "5",
            "--error-rate",
            "0.2",
            "--out",
            path(&file),
        ],
    ));
    let report: serde_json::Value = serde_json::from_str(&ok(xinyong(
        &platform,
        &[
            "import",
            path(&file),
            "--type",
            "xzcf",
            "--source",
            "淮北市公安局",
            "--json",
        ],
    )))
    .unwrap();
    let batch = report["batch_id"].as_i64().unwrap().to_string();
    let accepted = report["accepted"].as_i64().unwrap();
    assert!(accepted > 0 && report["rejected"].as_i64().unwrap() > 0);
    let before = dir.join("rejected-before.csv");
    ok(xinyong(&platform, &["batch", "rejected", &batch, "-o", path(&before)]));
    let old_key = std::fs::read_to_string(dir.join("keys/platform.key")).unwrap();
    // A proof document of an objection or repair, sealed under the old key.
    std::fs::create_dir_all(dir.join("attachments")).unwrap();
    let proof = dir.join("attachments/0a1b.sm4");
    let sealed = Keys::from_hex(&old_key).unwrap().seal("缴款凭证".as_bytes()).unwrap();
    std::fs::write(&proof, sealed).unwrap();

    // A batch check still running holds its list under the old key.
    let running = platform
        .store
        .create_check_batch(&NewCheckBatch {
            client: "公共资源交易平台".into(),
            department_id: None,
            matter: "zfcg".into(),
            purpose: "zfcg".into(),
            total: 1,
            subjects_sealed: vec![1, 2, 3],
            created_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    let refused = xinyong(&platform, &["rotate-key"]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains(&format!("批量核查（编号 {}）尚未完成", running.id)),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("keys/platform.key")).unwrap(),
        old_key,
        "nothing rotated"
    );
    platform
        .store
        .finish_check_batch(running.id, CheckBatchStatus::Done, chrono::Utc::now())
        .await
        .unwrap();

    let said = ok(xinyong(&platform, &["rotate-key"]));
    assert!(said.contains("密钥已轮换"), "{said}");
    let new_key = std::fs::read_to_string(dir.join("keys/platform.key")).unwrap();
    assert_ne!(old_key, new_key);
    let retired: Vec<_> = std::fs::read_dir(dir.join("keys"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("platform.key.retired-"))
        .collect();
    assert_eq!(retired.len(), 1, "the old key is kept aside once");
    assert!(!dir.join("keys/platform.key.next").exists());
    let reopened = Keys::from_hex(&new_key).unwrap().open(&std::fs::read(&proof).unwrap());
    assert_eq!(
        reopened.unwrap(),
        "缴款凭证".as_bytes(),
        "the proof re-sealed under the new key"
    );
    assert!(!dir.join("attachments/0a1b.sm4.next").exists());

    let after = dir.join("rejected-after.csv");
    ok(xinyong(&platform, &["batch", "rejected", &batch, "-o", path(&after)]));
    assert_eq!(std::fs::read(&before).unwrap(), std::fs::read(&after).unwrap());
    let original = dir.join("original.csv");
    ok(xinyong(
        &platform,
        &["batch", "original", &batch, "-o", path(&original)],
    ));
    assert_eq!(std::fs::read(&original).unwrap(), std::fs::read(&file).unwrap());

    let again: serde_json::Value = serde_json::from_str(&ok(xinyong(
        &platform,
        &[
            "import",
            path(&file),
            "--type",
            "xzcf",
            "--source",
            "淮北市公安局",
            "--json",
        ],
    )))
    .unwrap();
    assert_eq!(
        again["duplicates"].as_i64().unwrap(),
        accepted,
        "people found under the new key: {again}"
    );
    assert_eq!(again["new_subjects"], 0);
    assert!(ok(xinyong(&platform, &["audit", "verify"])).contains("审计日志完好"));
    platform.cleanup().await;
}

#[tokio::test]
async fn rotating_the_key_keeps_everything_readable() {
    for platform in xinyong_testkit::backends().await {
        rotate(platform).await;
    }
}

/// Every kept upload under `uploads/` (not counting `.next` copies).
fn uploads(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.join("uploads")];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_none_or(|e| e != "next") {
                found.push(path);
            }
        }
    }
    found
}

fn retired_keys(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("keys"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("platform.key.retired-")
        })
        .count()
}

/// A rotation stopped after its database transaction is finished by the
/// next command, whichever of its file swaps it had done; one stopped
/// before it leaves nothing that a later rotation would bring back.
async fn interrupted(platform: Platform) {
    let dir = platform.dir.clone();
    let file = dir.join("licences.csv");
    ok(xinyong(
        &platform,
        &[
            "gen",
            "--type",
            "xzxk",
            "--rows",
            "40",
            "--seed",
            "9",
            "--out",
            path(&file),
        ],
    ));
    let report: serde_json::Value = serde_json::from_str(&ok(xinyong(
        &platform,
        &[
            "import",
            path(&file),
            "--type",
            "xzxk",
            "--source",
            "淮北市发展和改革委员会",
            "--json",
        ],
    )))
    .unwrap();
    let batch = report["batch_id"].as_i64().unwrap().to_string();
    let original = || {
        let out = dir.join("original.csv");
        ok(xinyong(&platform, &["batch", "original", &batch, "-o", path(&out)]));
        std::fs::read(&out).unwrap()
    };
    let clear = std::fs::read(&file).unwrap();
    assert_eq!(original(), clear);
    let key_file = dir.join("keys/platform.key");
    let next_key = dir.join("keys/platform.key.next");
    let old_key = std::fs::read_to_string(&key_file).unwrap();
    ok(xinyong(&platform, &["rotate-key"]));
    let new_key = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(retired_keys(&dir), 1);

    // Stopped after the transaction with no file swapped: the kept upload
    // still sealed under the old key, its copy under the new one beside it,
    // the old key in place and the new one in platform.key.next.
    let [upload] = uploads(&dir).try_into().unwrap();
    let mut next_copy = upload.clone().into_os_string();
    next_copy.push(".next");
    std::fs::rename(&upload, &next_copy).unwrap();
    Keys::from_hex(&old_key)
        .unwrap()
        .seal_file(&clear[..], std::fs::File::create(&upload).unwrap())
        .unwrap();
    std::fs::rename(&key_file, &next_key).unwrap();
    std::fs::write(&key_file, &old_key).unwrap();
    for entry in std::fs::read_dir(dir.join("keys")).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains(".retired-") {
            std::fs::remove_file(path).unwrap();
        }
    }
    assert_eq!(original(), clear, "the next command finishes the rotation first");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), new_key);
    assert!(!next_key.exists() && !Path::new(&next_copy).exists());
    assert_eq!(retired_keys(&dir), 1, "the old key retired once");

    // Stopped between retiring the old key file and renaming the new one:
    // no platform.key at all. That is not a first start: no key is made.
    std::fs::rename(&key_file, &next_key).unwrap();
    assert_eq!(original(), clear);
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), new_key);
    assert!(!next_key.exists());
    assert_eq!(retired_keys(&dir), 1, "no key of its own made and retired");

    // Stopped before the transaction: a key the database never took and a
    // copy of an upload deleted since. Ignored at start; deleted by the
    // next rotation rather than swapped in.
    std::fs::write(&next_key, Keys::generate().unwrap().to_hex()).unwrap();
    let ghost = upload.with_file_name("deleted-since.csv.sm4");
    let mut ghost_copy = ghost.clone().into_os_string();
    ghost_copy.push(".next");
    std::fs::write(&ghost_copy, b"sealed under a key never used").unwrap();
    assert_eq!(original(), clear);
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), new_key);
    ok(xinyong(&platform, &["rotate-key"]));
    assert!(!ghost.exists() && !Path::new(&ghost_copy).exists());
    assert_eq!(original(), clear);
    assert_eq!(retired_keys(&dir), 2);
    assert!(ok(xinyong(&platform, &["audit", "verify"])).contains("审计日志完好"));

    // A new key file cut short by a crash is no reason not to start.
    std::fs::write(&next_key, "0123").unwrap();
    assert_eq!(original(), clear);
    // While one rotation runs (holding the lock), another is refused.
    let lock = std::fs::File::create(dir.join("keys/rotate.lock")).unwrap();
    lock.lock().unwrap();
    let refused = xinyong(&platform, &["rotate-key"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("另一个进程正在轮换密钥"));
    drop(lock);
    // While another process has the platform open (a server, an import, a
    // migration: each holds the lock shared), a rotation is refused; they
    // still run beside each other.
    let open_elsewhere = std::fs::File::open(dir.join("keys/rotate.lock")).unwrap();
    open_elsewhere.lock_shared().unwrap();
    let refused = xinyong(&platform, &["rotate-key"]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("请先停止服务"), "{said}");
    assert!(ok(xinyong(&platform, &["audit", "verify"])).contains("审计日志完好"));
    drop(open_elsewhere);
    ok(xinyong(&platform, &["rotate-key"]));
    assert_eq!(original(), clear);
    // A lost key file is reported, not replaced by a new key.
    let rotated = std::fs::read_to_string(&key_file).unwrap();
    std::fs::remove_file(&key_file).unwrap();
    let lost = xinyong(
        &platform,
        &["batch", "original", &batch, "-o", path(&dir.join("x.csv"))],
    );
    assert!(!lost.status.success());
    assert!(String::from_utf8_lossy(&lost.stderr).contains("请从备份恢复该密钥文件"));
    assert!(!key_file.exists());
    std::fs::write(&key_file, rotated).unwrap();
    assert_eq!(original(), clear);
    platform.cleanup().await;
}

#[tokio::test]
async fn an_interrupted_rotation_is_finished_or_forgotten() {
    for platform in xinyong_testkit::backends().await {
        interrupted(platform).await;
    }
}
