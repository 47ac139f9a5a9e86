//! What authentication, the authorisation decision and the audit append add
//! to one read of a subject's file, measured in process so that HTTP and the
//! size of the answer are the same on both sides:
//!
//! - **bare**: the subject's records, the visibility decision for an
//!   official reader, the answer serialised and the records released;
//! - **full**: the same, reached the way a system key reaches it — the key
//!   authenticated, the purpose checked, the subject's authorisations
//!   looked up, and the read journaled in the audit log (written to the
//!   platform's spool before the answer is handed back, as the API does).
//!
//! `access-overhead --data DIR --subject USCC [--database-url URL] [--iterations N]`
#![expect(clippy::print_stdout, reason = "a benchmark prints its results")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use xinyong_access::{Access, AccessSettings, KeyRequest, Principal, ReadRecord, Spool};
use xinyong_crypto::Keys;
use xinyong_domain::visibility::{RecordFacts, Viewer, Visibility, decide};
use xinyong_ingest::{builtin_catalog, load_catalog};
use xinyong_store::Store;

/// The platform binary's allocator, so that in-process figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn summary(label: &str, mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let (p50, p99) = (percentile(&samples, 0.5), percentile(&samples, 0.99));
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "| {label} | {:.0} µs | {:.0} µs | {:.0} µs |",
        micros(p50),
        micros(p99),
        micros(mean)
    );
    (micros(p50), micros(mean))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let data = std::path::PathBuf::from(arg("--data").context("--data DIR")?);
    let code = arg("--subject").context("--subject USCC")?;
    let iterations: usize = arg("--iterations").map_or(Ok(3000), |n| n.parse())?;
    let store: Arc<dyn Store> = match arg("--database-url") {
        Some(url) => Arc::new(xinyong_store_postgres::PostgresStore::connect(&url).await?),
        None => Arc::new(xinyong_store_sqlite::SqliteStore::open(&data.join("xinyong.db")).await?),
    };
    let keys = Arc::new(Keys::from_hex(&std::fs::read_to_string(
        data.join("keys/platform.key"),
    )?)?);
    let catalog = load_catalog(store.as_ref(), &builtin_catalog()).await?;
    // The platform's own spool directory, as the server journals through it.
    let spool = Spool::open(&data.join("spool"), Arc::clone(&store)).await?;
    let access = Access::new(Arc::clone(&store), keys, AccessSettings::default()).with_spool(spool.clone());
    let today = xinyong_domain::date::china_date(chrono::Utc::now());
    let (issued, _) = access
        .admin_desk(&Principal::console("bench"))?
        .issue_key(
            KeyRequest {
                client: "基准测试".into(),
                purposes: vec!["xzsp".into()],
                department_uscc: None,
                expires_on: None,
            },
            today,
        )
        .await?;
    let subject = store.subject_by_uscc(&code).await?.context("no such subject")?;
    let record_type = |code: &str| catalog.get(code).map(|e| &*e.record_type);
    let serialise = |records: &[ReadRecord]| -> usize {
        let payloads: Vec<_> = records.iter().map(|r| &r.record.payload).collect();
        serde_json::to_vec(&payloads).map(|v| v.len()).unwrap_or(0)
    };

    let mut bare = Vec::with_capacity(iterations);
    let mut full = Vec::with_capacity(iterations);
    let mut sizes = (0, 0);
    for i in 0..iterations * 2 {
        let started = Instant::now();
        // Alternate which goes first so that neither always gets the warm cache.
        if (i % 2 == 0) == (i / 2 % 2 == 0) {
            let stored = store.records_of_subject(subject.id, false).await?;
            let viewer = Viewer::Official { authorised: false };
            let records: Vec<ReadRecord> = stored
                .into_iter()
                .filter_map(|record| {
                    let record_type = record_type(&record.key.record_type)?;
                    let facts = RecordFacts {
                        record_type,
                        publicity: &record.publicity,
                        current: record.current,
                        subject_category: subject.category,
                        repaired: record.repaired_on.is_some(),
                    };
                    let decision = decide(&facts, viewer, today);
                    (decision.record != Visibility::Hidden).then(|| ReadRecord {
                        record,
                        decision,
                        clear: serde_json::Map::new(),
                    })
                })
                .collect();
            sizes.0 = serialise(&records);
            // The full read releases its file before it returns: so does this.
            drop(records);
            bare.push(started.elapsed());
        } else {
            let principal = access
                .authenticate_key(&issued.key, Some("127.0.0.1".into()), today)
                .await?;
            let reader = access.reader(&principal, subject.clone(), Some("xzsp"), today).await?;
            sizes.1 = reader
                .answer(record_type, today, async |file| {
                    Ok::<_, xinyong_access::AccessError>(serialise(&file.records))
                })
                .await?;
            full.push(started.elapsed());
        }
    }
    anyhow::ensure!(sizes.0 == sizes.1, "both sides must give the same answer: {sizes:?}");
    println!(
        "Subject {code}: {} bytes of records per answer, {iterations} reads each.",
        sizes.0
    );
    println!();
    println!("| read | p50 | p99 | mean |");
    println!("|---|---:|---:|---:|");
    let (bare_p50, bare_mean) = summary("bare (decision only)", bare);
    let (full_p50, full_mean) = summary("key + purpose + authorisation + audit", full);
    println!();
    println!(
        "Overhead: {:+.0} % at p50, {:+.0} % on the mean.",
        100.0 * (full_p50 / bare_p50 - 1.0),
        100.0 * (full_mean / bare_mean - 1.0)
    );
    spool.close().await?;
    Ok(())
}
