//! The audit chain against tampering, through the binary: change one byte
//! of one entry, swap two, delete one — `xinyong audit verify` names each
//! and exits 1. On SQLite and PostgreSQL, tampering with the database's own
//! client as an attacker with database access would.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use xinyong_testkit::Platform;

fn xinyong(platform: &Platform, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xinyong"))
        .arg("--data")
        .arg(&platform.dir)
        .arg("--database-url")
        .arg(platform.database_url())
        .args(args)
        .env_remove("XINYONG_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// Runs SQL with the database's own client, as an attacker would.
fn tamper(platform: &Platform, sql: &str) {
    let output = match platform.schema() {
        None => Command::new("sqlite3")
            .arg(Path::new(&platform.dir).join("xinyong.journal.db"))
            .arg(sql)
            .output(),
        Some(schema) => Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "test",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
            ])
            .arg(format!("SET search_path TO {schema}; {sql}"))
            .output(),
    }
    .expect("sqlite3 and psql are installed by scripts/setup");
    assert!(
        output.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn verify(platform: &Platform) -> (Option<i32>, String) {
    let output = xinyong(platform, &["audit", "verify"], None);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn ok(output: &Output) {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

async fn tamper_and_verify(platform: Platform) {
    ok(&xinyong(
        &platform,
        &[
            "dept",
            "create",
            "--name",
            "淮北市市场监督管理局",
            "--uscc",
            "11340600003140164U",
        ],
        None,
    ));
    ok(&xinyong(
        &platform,
        &["admin", "create", "--username", "root", "--password-stdin"],
        Some("a-long-enough-password\n"),
    ));
    for client in ["审批系统", "交易系统", "某银行"] {
        ok(&xinyong(
            &platform,
            &["key", "create", "--client", client, "--purposes", "xzsp"],
            None,
        ));
    }
    let (code, text) = verify(&platform);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("审计日志完好：5 条记录"), "{text}");

    // The auditor's export: every entry with its digests, owner-only.
    let exported = Path::new(&platform.dir).join("审计导出.jsonl");
    ok(&xinyong(
        &platform,
        &["audit", "export", "-o", exported.to_str().unwrap()],
        None,
    ));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&exported)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    // The five entries and the verification just made (journaled too).
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[5]["action"], "audit.verify");
    for (n, pair) in lines.windows(2).enumerate() {
        assert_eq!(pair[0]["seq"], n + 1);
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&exported).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let output = xinyong(
        &platform,
        &["audit", "export", "--from", "2026-02-01", "--to", "2026-01-01"],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--from 不能晚于 --to"));

    // One byte of one entry.
    tamper(
        &platform,
        "UPDATE audit_log SET actor = replace(actor, 'cli:', 'clj:') WHERE seq = 3",
    );
    let (code, text) = verify(&platform);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("第3条审计记录的内容被改动"), "{text}");
    tamper(
        &platform,
        "UPDATE audit_log SET actor = replace(actor, 'clj:', 'cli:') WHERE seq = 3",
    );
    assert_eq!(verify(&platform).0, Some(0), "restored");

    // Two entries swapped.
    tamper(&platform, "UPDATE audit_log SET seq = -2 WHERE seq = 2");
    tamper(&platform, "UPDATE audit_log SET seq = 2 WHERE seq = 3");
    tamper(&platform, "UPDATE audit_log SET seq = 3 WHERE seq = -2");
    let (code, text) = verify(&platform);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("第2条审计记录的顺序被调换"), "{text}");
    tamper(&platform, "UPDATE audit_log SET seq = -2 WHERE seq = 2");
    tamper(&platform, "UPDATE audit_log SET seq = 2 WHERE seq = 3");
    tamper(&platform, "UPDATE audit_log SET seq = 3 WHERE seq = -2");
    assert_eq!(verify(&platform).0, Some(0), "restored");

    // A checkpoint kept elsewhere catches a log cut after it.
    let checkpoint = xinyong(&platform, &["audit", "checkpoint"], None);
    ok(&checkpoint);
    let kept: serde_json::Value = serde_json::from_slice(&checkpoint.stdout).unwrap();
    let kept = kept["verify_with"].as_str().unwrap().to_owned();

    // One entry removed.
    tamper(&platform, "DELETE FROM audit_log WHERE seq = 4");
    let (code, text) = verify(&platform);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("第4条起的审计记录被删除"), "{text}");

    // The tail removed, and the stored checkpoints with it: only the kept one tells.
    tamper(&platform, "DELETE FROM audit_log WHERE seq >= 4");
    tamper(&platform, "DELETE FROM audit_checkpoints");
    let (code, text) = verify(&platform);
    assert_eq!(code, Some(0), "a cut tail is invisible without a checkpoint: {text}");
    let output = xinyong(&platform, &["audit", "verify", "--checkpoint", &kept], None);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("检查点"), "{text}");
    platform.cleanup().await;
}

#[tokio::test]
async fn tampering_is_named_on_every_backend() {
    for platform in xinyong_testkit::backends().await {
        tamper_and_verify(platform).await;
    }
}

/// A process that dies between an answer and the commit of its audit
/// entry leaves its spool file behind; the next command that opens the
/// data directory commits what it holds, once, and removes it.
async fn left_spool_is_committed(platform: Platform) {
    ok(&xinyong(
        &platform,
        &[
            "dept",
            "create",
            "--name",
            "淮北市市场监督管理局",
            "--uscc",
            "11340600003140164U",
        ],
        None,
    ));
    let dir = platform.dir.join("spool");
    let entry = serde_json::json!({
        "kind": "audit",
        "event": {
            "at": "2026-11-29T05:00:00Z",
            "actor": "key:k9:审批系统",
            "action": "subject.read",
            "subject_id": null,
            "purpose": "xzsp",
            "detail": "{\"records\":[]}",
            "origin": "127.0.0.1",
        },
    });
    std::fs::write(
        dir.join("20261129T050000.000000000-4242.spool"),
        format!("1\t{entry}\n2\t{entry}\n"),
    )
    .unwrap();
    let (code, text) = verify(&platform);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("审计日志完好：3 条记录"), "{text}");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    let (_, text) = verify(&platform);
    assert!(
        text.contains("审计日志完好：4 条记录"),
        "committed once (and the first verify journaled): {text}"
    );
    platform.cleanup().await;
}

#[tokio::test]
async fn a_spool_left_behind_is_committed_on_every_backend() {
    for platform in xinyong_testkit::backends().await {
        left_spool_is_committed(platform).await;
    }
}
