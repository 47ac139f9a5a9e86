//! A batch is one transaction: `kill -9` in the middle of an import leaves
//! the database exactly as before the batch, and importing again completes
//! it. Checked on SQLite (`sqlite3 .dump`) and PostgreSQL (`pg_dump`).
#![expect(clippy::unwrap_used, reason = "tests")]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use xinyong_testkit::Platform;

const ROWS: &str = "60000";

fn xinyong(data: &Path, url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xinyong"));
    command
        .arg("--data")
        .arg(data)
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env_remove("XINYONG_CONFIG");
    command
}

/// The database's content as text, ignoring what is not data: sequence
/// positions (PostgreSQL does not roll them back) and dump headers.
fn dump(platform: &Platform) -> String {
    let output = match platform.schema() {
        // Both files: the records and their journal.
        None => Command::new("sqlite3")
            .arg(platform.dir.join("xinyong.db"))
            .arg(".dump")
            .arg(format!(".open {}", platform.dir.join("xinyong.journal.db").display()))
            .arg(".dump")
            .output(),
        Some(schema) => Command::new("pg_dump")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "test",
                "--no-owner",
                "-n",
                schema,
            ])
            .output(),
    }
    .expect("sqlite3 and pg_dump are installed by scripts/setup");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| {
            !line.contains("setval(")
                && !line.starts_with("--")
                && !line.starts_with("\\restrict")
                && !line.starts_with("\\unrestrict")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn kill_mid_import(platform: Platform) {
    let url = platform.database_url();
    let dir = platform.dir.clone();
    let first = dir.join("first.csv");
    let big = dir.join("big.csv");
    for (file, rows, seed) in [(&first, "300", "1"), (&big, ROWS, "2")] {
        let status = xinyong(
            &dir,
            &url,
            &[
                "gen",
                "--type",
                "xzcf",
                "--rows",
                rows,
                "--seed",
                seed,
                "--out",
                file.to_str().unwrap(),
            ],
        )
        .status()
        .unwrap();
        assert!(status.success());
    }
    let status = xinyong(
        &dir,
        &url,
        &["import", first.to_str().unwrap(), "--type", "xzcf", "--source", "某局"],
    )
    .stdout(Stdio::null())
    .status()
    .unwrap();
    assert!(status.success());
    let before = dump(&platform);

    let mut child = xinyong(
        &dir,
        &url,
        &["import", big.to_str().unwrap(), "--type", "xzcf", "--source", "某局"],
    )
    .stdout(Stdio::null())
    .spawn()
    .unwrap();
    // Wait until the import is writing: the SQLite WAL grows, or PostgreSQL shows the COPY.
    let started = Instant::now();
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be killed; use a larger file"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the import never started writing"
        );
        let writing = match platform.schema() {
            None => std::fs::metadata(dir.join("xinyong.db-wal")).is_ok_and(|m| m.len() > 4 << 20),
            Some(_) => started.elapsed() > Duration::from_secs(4),
        };
        if writing {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(dump(&platform), before, "the killed batch left a trace");

    let output = xinyong(
        &dir,
        &url,
        &[
            "import",
            big.to_str().unwrap(),
            "--type",
            "xzcf",
            "--source",
            "某局",
            "--json",
        ],
    )
    .output()
    .unwrap();
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["rows"], ROWS.parse::<i64>().unwrap());
    assert_eq!(
        report["accepted"],
        ROWS.parse::<i64>().unwrap(),
        "the second run stores every row"
    );
    platform.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_during_import_on_sqlite() {
    kill_mid_import(Platform::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_during_import_on_postgres() {
    match Platform::postgres().await {
        Some(platform) => kill_mid_import(platform).await,
        None => eprintln!("PostgreSQL crash test DID NOT RUN"),
    }
}
