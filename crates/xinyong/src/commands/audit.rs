//! `xinyong audit`: verify the audit log's hash chain, export it for the
//! auditor, and keep checkpoints to store elsewhere.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use xinyong_crypto::hex;
use xinyong_domain::audit::Hash;
use xinyong_store::PageRequest;

use crate::commands::accounts::console;
use crate::commands::{print_json, print_line};
use crate::config::{Config, GlobalArgs};
use crate::wiring::Platform;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Walk the whole chain and every checkpoint; name the first entry
    /// changed, removed or reordered. Exit 1 on any break.
    Verify {
        /// A checkpoint kept elsewhere, as SEQ:HASH (repeatable).
        #[arg(long = "checkpoint", value_name = "SEQ:HASH")]
        checkpoints: Vec<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Export entries as JSON Lines (one entry per line, with its digests).
    Export {
        /// From this day or time (YYYY-MM-DD or RFC 3339), inclusive.
        #[arg(long)]
        from: Option<String>,
        /// To this day or time, inclusive.
        #[arg(long)]
        to: Option<String>,
        /// Output file (default: standard output).
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
    },
    /// Keep the chain's current head as a checkpoint and print it (store
    /// the line somewhere the database's administrators cannot change).
    Checkpoint,
}

fn parse_hash(text: &str) -> Option<Hash> {
    if text.len() != 64 {
        return None;
    }
    let mut hash = [0u8; 32];
    for (idx, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(idx * 2..idx * 2 + 2)?, 16).ok()?;
    }
    Some(hash)
}

fn parse_checkpoint(text: &str) -> anyhow::Result<(i64, Hash)> {
    let (seq, hash) = text
        .split_once(':')
        .with_context(|| format!("检查点“{text}”应写作 序号:摘要"))?;
    let seq = seq.trim().parse().with_context(|| format!("检查点序号“{seq}”无效"))?;
    let hash = parse_hash(hash.trim()).with_context(|| format!("检查点摘要“{hash}”应为64位十六进制"))?;
    Ok((seq, hash))
}

/// A day (from its start, or to its end, China Standard Time) or a time.
fn parse_moment(text: &str, end_of_day: bool) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("时间“{text}”应为 YYYY-MM-DD 或 RFC 3339"))?;
    let time = if end_of_day {
        day.and_hms_micro_opt(23, 59, 59, 999_999)
    } else {
        day.and_hms_opt(0, 0, 0)
    }
    .context("无效的日期")?;
    // China Standard Time is UTC+8 all year.
    Ok(time.and_utc() - chrono::Duration::hours(8))
}

#[derive(Serialize)]
struct VerifyLine {
    intact: bool,
    entries: u64,
    head_seq: i64,
    head_hash: String,
    checkpoints: usize,
    problem: Option<String>,
}

#[derive(Serialize)]
struct ExportLine<'a> {
    seq: i64,
    at: String,
    actor: &'a str,
    action: &'a str,
    subject_id: Option<i64>,
    purpose: Option<&'a str>,
    detail: &'a str,
    origin: Option<&'a str>,
    prev_hash: String,
    hash: String,
}

pub async fn run(global: &GlobalArgs, command: Command) -> anyhow::Result<ExitCode> {
    let platform = Platform::open_existing(Config::load(global)?).await?;
    let desk = platform.access().audit_desk(&console())?;
    match command {
        Command::Verify { checkpoints, json } => {
            let kept = checkpoints
                .iter()
                .map(|c| parse_checkpoint(c))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let report = desk.verify(&kept).await?;
            let line = VerifyLine {
                intact: report.broken.is_none(),
                entries: report.intact,
                head_seq: report.head.0,
                head_hash: hex(&report.head.1),
                checkpoints: report.checkpoints,
                problem: report.broken.as_ref().map(ToString::to_string),
            };
            if json {
                print_json(&line)?;
            } else if let Some(problem) = &line.problem {
                print_line(&format!("审计日志已被篡改：{problem}（此前 {} 条完好）", line.entries))?;
            } else {
                print_line(&format!(
                    "审计日志完好：{} 条记录，{} 个检查点；最新第{}条，摘要 {}",
                    line.entries, line.checkpoints, line.head_seq, line.head_hash
                ))?;
            }
            return Ok(if line.intact {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        Command::Export { from, to, out } => {
            let from = from.as_deref().map(|t| parse_moment(t, false)).transpose()?;
            let to = to.as_deref().map(|t| parse_moment(t, true)).transpose()?;
            let from = from.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
            let to = to.unwrap_or_else(Utc::now);
            if from > to {
                bail!("--from 不能晚于 --to");
            }
            let mut writer: Box<dyn Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    xinyong_crypto::create_private_file(path)
                        .with_context(|| format!("无法创建 {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout())),
            };
            let mut page = PageRequest::first(1000);
            let mut n = 0u64;
            loop {
                let found = desk.entries(from, to, &page).await?;
                for e in &found.items {
                    let line = ExportLine {
                        seq: e.seq,
                        at: e.event.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                        actor: &e.event.actor,
                        action: &e.event.action,
                        subject_id: e.event.subject_id,
                        purpose: e.event.purpose.as_deref(),
                        detail: &e.event.detail,
                        origin: e.event.origin.as_deref(),
                        prev_hash: hex(&e.prev_hash),
                        hash: hex(&e.hash),
                    };
                    serde_json::to_writer(&mut writer, &line)?;
                    writer.write_all(b"\n")?;
                    n += 1;
                }
                match found.next {
                    Some(next) => {
                        page = PageRequest {
                            after: Some(next),
                            limit: 1000,
                        }
                    }
                    None => break,
                }
            }
            writer.flush()?;
            if let Some(path) = out {
                print_line(&format!("已导出 {n} 条审计记录：{}", path.display()))?;
            }
        }
        Command::Checkpoint => match desk.checkpoint().await? {
            Some(c) => print_json(&serde_json::json!({
                "seq": c.seq,
                "hash": hex(&c.hash),
                "at": c.at.to_rfc3339(),
                "verify_with": format!("{}:{}", c.seq, hex(&c.hash)),
            }))?,
            None => print_line("审计日志为空，无需检查点")?,
        },
    }
    Ok(ExitCode::SUCCESS)
}
