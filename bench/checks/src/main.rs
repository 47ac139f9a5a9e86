//! Load for the credit-check benchmark (`bench/checks.sh`).
//!
//! - `check-load http --url URL --key KEY --codes FILE --rate N --seconds S`:
//!   an open-loop load: requests are *scheduled* at a fixed rate and each
//!   latency is counted from its scheduled time, so a stalled server shows
//!   up as latency instead of silently lowering the rate (no coordinated
//!   omission). Prints p50/p90/p99/max and the rate achieved; fails on any
//!   non-200 answer.
//! - `check-load inproc --data DIR [--database-url URL] --codes FILE`:
//!   the same check in process, against a bare indexed lookup of the
//!   subject's records through the same store driver (no HTTP on either
//!   side), one at a time; then checks from 16 tasks for the throughput
//!   ceiling without HTTP.
//!
//! Subjects are drawn at random from FILE (one code per line).
#![expect(clippy::print_stdout, reason = "a benchmark prints its results")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use xinyong_access::{Access, AccessSettings, Principal, Spool};
use xinyong_checks::{BookSource, CheckPlatform, CheckRequest, CheckSettings, Checks};
use xinyong_crypto::Keys;
use xinyong_domain::id::IdPolicy;
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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn codes() -> anyhow::Result<Arc<Vec<String>>> {
    let path = arg("--codes").context("--codes FILE")?;
    let text = std::fs::read_to_string(&path).with_context(|| path.clone())?;
    let codes: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    anyhow::ensure!(!codes.is_empty(), "{path} holds no codes");
    Ok(Arc::new(codes))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("http") => http().await,
        Some("inproc") => inproc().await,
        _ => bail!("usage: check-load http|inproc …"),
    }
}

async fn http() -> anyhow::Result<()> {
    let url = format!("{}/api/v1/checks", arg("--url").context("--url URL")?);
    let key = arg("--key").context("--key KEY")?;
    let rate: u32 = arg("--rate").context("--rate N")?.parse()?;
    let seconds: u64 = arg("--seconds").map_or(Ok(20), |s| s.parse())?;
    let matter = arg("--matter").unwrap_or_else(|| "zfcg".into());
    let codes = codes()?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(512).build()?;
    let (done, mut samples) = tokio::sync::mpsc::unbounded_channel::<(Duration, u16)>();
    let period = Duration::from_secs_f64(1.0 / f64::from(rate));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let start = tokio::time::Instant::now();
    let total = u64::from(rate) * seconds;
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..total {
        let scheduled = ticks.tick().await;
        let body = serde_json::json!({
            "subject": codes[rng.usize(..codes.len())],
            "matter": matter,
            "purpose": matter,
        });
        let request = client.post(&url).bearer_auth(&key).json(&body);
        let done = done.clone();
        tokio::spawn(async move {
            let status = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    // Read the whole answer: the server's work includes sending it.
                    let _ = response.bytes().await;
                    status
                }
                Err(_) => 0,
            };
            let _ = done.send((scheduled.elapsed(), status));
        });
    }
    drop(done);
    let mut latencies = Vec::with_capacity(total as usize);
    let mut failures = 0u64;
    while let Some((latency, status)) = samples.recv().await {
        if status != 200 {
            failures += 1;
        }
        latencies.push(latency);
    }
    let elapsed = start.elapsed();
    latencies.sort();
    println!(
        "| {rate}/s offered | {:.0}/s done | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {failures} |",
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.9)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap_or(&Duration::ZERO)),
    );
    anyhow::ensure!(failures == 0, "{failures} checks failed or were not answered 200");
    Ok(())
}

async fn inproc() -> anyhow::Result<()> {
    let data = std::path::PathBuf::from(arg("--data").context("--data DIR")?);
    let iterations: usize = arg("--iterations").map_or(Ok(5000), |n| n.parse())?;
    let codes = codes()?;
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
    let access =
        Access::new(Arc::clone(&store), Arc::clone(&keys), AccessSettings::default()).with_spool(spool.clone());
    let platform = CheckPlatform {
        access,
        store: Arc::clone(&store),
        keys,
        policy: Arc::new(IdPolicy::default()),
        types: catalog.entries().map(|e| Arc::clone(&e.record_type)).collect(),
    };
    let checks = Checks::new(platform, BookSource::Builtin, CheckSettings::default())?;
    let desk = checks.desk(&Principal::console("bench"))?;
    let request = |code: &str| CheckRequest {
        subject: code.to_owned(),
        matter: "zfcg".into(),
        purpose: Some("zfcg".into()),
    };

    // Warm the caches with every code once (both sides read the same pages).
    for code in codes.iter().take(iterations) {
        if let Some(subject) = store.subject_by_uscc(code).await? {
            store.records_of_subject(subject.id, false).await?;
        }
    }
    let mut rng = fastrand::Rng::with_seed(11);
    let (mut bare, mut full) = (Vec::with_capacity(iterations), Vec::with_capacity(iterations));
    let mut n_records = 0usize;
    for _ in 0..iterations {
        let code = &codes[rng.usize(..codes.len())];
        let started = Instant::now();
        if let Some(subject) = store.subject_by_uscc(code).await? {
            n_records += store.records_of_subject(subject.id, false).await?.len();
        }
        bare.push(started.elapsed());
        let started = Instant::now();
        desk.check(&request(code), chrono::Utc::now()).await?;
        full.push(started.elapsed());
    }
    bare.sort();
    full.sort();
    let mean = |v: &[Duration]| v.iter().sum::<Duration>() / v.len() as u32;
    println!(
        "{iterations} subjects, {:.1} records each on average",
        n_records as f64 / iterations as f64
    );
    println!();
    println!("| in process | p50 | p99 | mean |");
    println!("|---|---:|---:|---:|");
    for (label, samples) in [
        ("bare lookup (subject + its records)", &bare),
        ("check (lookup, rules, answer, spooled with its audit entry)", &full),
    ] {
        println!(
            "| {label} | {:.3} ms | {:.3} ms | {:.3} ms |",
            ms(percentile(samples, 0.5)),
            ms(percentile(samples, 0.99)),
            ms(mean(samples))
        );
    }
    println!(
        "\ncheck / bare: {:.2}× at p50, {:.2}× at the mean",
        percentile(&full, 0.5).as_secs_f64() / percentile(&bare, 0.5).as_secs_f64(),
        mean(&full).as_secs_f64() / mean(&bare).as_secs_f64()
    );

    // Throughput without HTTP: 16 tasks checking for 10 seconds.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut tasks = Vec::new();
    for task in 0..16u64 {
        let desk = checks.desk(&Principal::console("bench"))?;
        let codes = Arc::clone(&codes);
        tasks.push(tokio::spawn(async move {
            let mut rng = fastrand::Rng::with_seed(100 + task);
            let mut n = 0u64;
            while Instant::now() < deadline {
                let request = CheckRequest {
                    subject: codes[rng.usize(..codes.len())].clone(),
                    matter: "zfcg".into(),
                    purpose: Some("zfcg".into()),
                };
                desk.check(&request, chrono::Utc::now()).await?;
                n += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let mut n = 0;
    for task in tasks {
        n += task.await??;
    }
    println!("in-process throughput, 16 tasks: {:.0} checks/s", n as f64 / 10.0);
    spool.close().await?;
    Ok(())
}
