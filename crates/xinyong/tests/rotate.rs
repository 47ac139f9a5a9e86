//! `xinyong rotate-key` re-encrypts everything under a new key: afterwards
//! the rejected rows and the kept upload open as before, people are found
//! by their recomputed keyed hashes (re-importing the file adds nothing),
//! the audit chain holds, and the old key file is retired. SQLite and
//! PostgreSQL.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::path::Path;
use std::process::{Command, Output};

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
