//! `xinyong batch …`: reports and rejected rows of batches.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use serde::Serialize;
use xinyong_ingest::{export, report};
use xinyong_store::{BatchFormat, IssueSeverity, PageRequest};

use crate::commands::{print_json, print_line};
use crate::config::{Config, GlobalArgs};
use crate::wiring::Platform;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Show a batch: counts, and every problem of every rejected row.
    Show {
        /// The batch id.
        id: i64,
        /// Print the full report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a batch's rejected rows, in the uploaded format, with an added 错误原因 column.
    Rejected {
        /// The batch id.
        id: i64,
        /// Output file.
        #[arg(short = 'o', long = "out", value_name = "FILE")]
        out: PathBuf,
    },
    /// Write the file a batch was uploaded as (kept sealed), opened.
    Original {
        /// The batch id.
        id: i64,
        /// Output file.
        #[arg(short = 'o', long = "out", value_name = "FILE")]
        out: PathBuf,
    },
    /// List recent batches, newest first.
    List {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct BatchLine<'a> {
    batch_id: i64,
    status: &'static str,
    record_type: &'a str,
    source: &'a str,
    file_name: &'a str,
    rows: i64,
    accepted: i64,
    rejected: i64,
    duplicates: i64,
    created_at: String,
}

/// Errors listed in the text report before pointing to the full export.
const SHOWN_ERRORS: usize = 50;

pub async fn run(global: &GlobalArgs, command: Command) -> anyhow::Result<ExitCode> {
    let platform = Platform::open_existing(Config::load(global)?).await?;
    let store = platform.store.as_ref();
    match command {
        Command::Show { id, json } => {
            let batch = store.batch(id).await.map_err(|e| not_found(e, id))?;
            if json {
                let mut out = std::io::BufWriter::new(std::io::stdout());
                report::write_json(store, &batch, &mut out).await?;
                std::io::Write::flush(&mut out)?;
            } else {
                print_line(&report::summary_text(&batch))?;
                print_issues(store, id, IssueSeverity::Error, "").await?;
                // Accepted rows whose data the platform adjusted (a 公示截止期
                // beyond its class's bounds, say): the clerk must see them.
                print_issues(store, id, IssueSeverity::Warning, "提示（该行已接受）：").await?;
            }
        }
        Command::Original { id, out } => {
            let batch = store.batch(id).await.map_err(|e| not_found(e, id))?;
            let kept = batch
                .new
                .original_file
                .as_deref()
                .with_context(|| format!("批次 {id} 没有保存原始文件"))?;
            platform
                .access()
                .journal()
                .record(
                    &crate::commands::accounts::console(),
                    "batch.original_download",
                    None,
                    None,
                    serde_json::json!({ "batch": id }),
                )
                .await?;
            let input = std::fs::File::open(platform.config.data_dir.join(kept))
                .with_context(|| format!("无法打开保存的原始文件 {kept}"))?;
            let output =
                xinyong_crypto::create_private_file(&out).with_context(|| format!("无法创建 {}", out.display()))?;
            let n = platform
                .keys
                .open_file(std::io::BufReader::new(input), std::io::BufWriter::new(output))
                .with_context(|| format!("保存的原始文件 {kept} 无法解密：已被改动或密钥不符"))?;
            print_line(&format!("已写出批次 {id} 的原始文件（{n} 字节）：{}", out.display()))?;
        }
        Command::Rejected { id, out } => {
            let batch = store.batch(id).await.map_err(|e| not_found(e, id))?;
            refuse_other_format(id, batch.new.format, &out)?;
            // The rows hold the uploaded cells in clear: the read is journaled.
            platform
                .access()
                .journal()
                .record(
                    &crate::commands::accounts::console(),
                    "batch.rejected_download",
                    None,
                    None,
                    serde_json::json!({ "batch": id }),
                )
                .await?;
            let n_rows = export::write_rejected(store, &platform.keys, &batch, &out)
                .await
                .with_context(|| format!("无法写出 {}", out.display()))?;
            print_line(&format!("已导出 {n_rows} 行被拒绝的数据：{}", out.display()))?;
        }
        Command::List { limit, json } => {
            let page = store
                .list_batches(None, &PageRequest::first(limit.clamp(1, 1000)))
                .await?;
            let lines: Vec<BatchLine<'_>> = page
                .items
                .iter()
                .map(|b| BatchLine {
                    batch_id: b.id,
                    status: b.status.code(),
                    record_type: &b.new.record_type,
                    source: &b.new.source,
                    file_name: &b.new.file_name,
                    rows: b.summary.n_rows,
                    accepted: b.summary.n_accepted,
                    rejected: b.summary.n_rejected,
                    duplicates: b.summary.n_duplicates,
                    created_at: b.created_at.to_rfc3339(),
                })
                .collect();
            if json {
                print_json(&lines)?;
            } else {
                for line in &lines {
                    print_line(&format!(
                        "{}\t{}\t{}\t{}\t{}\t共{}行 接受{} 拒绝{} 重复{}",
                        line.batch_id,
                        line.created_at,
                        line.status,
                        line.record_type,
                        line.source,
                        line.rows,
                        line.accepted,
                        line.rejected,
                        line.duplicates
                    ))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn not_found(error: xinyong_store::StoreError, id: i64) -> anyhow::Error {
    match error {
        xinyong_store::StoreError::NotFound => anyhow::anyhow!("批次 {id} 不存在"),
        other => other.into(),
    }
}

/// The rejected rows go back in the format they came in, ready to fix and
/// upload again; an output name that promises another format (`-o 待改.csv`
/// for a workbook's batch) would hand the clerk a file that is not what its
/// name says, so it is refused. Names without a known extension are taken.
fn refuse_other_format(id: i64, format: BatchFormat, out: &Path) -> anyhow::Result<()> {
    let extension = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let named = match extension.as_str() {
        "csv" | "tsv" | "txt" => BatchFormat::Csv,
        "xlsx" | "xls" => BatchFormat::Xlsx,
        "jsonl" | "ndjson" | "json" => BatchFormat::JsonLines,
        _ => return Ok(()),
    };
    if named != format {
        anyhow::bail!(
            "批次 {id} 上传的是 {} 文件，被拒绝的行按上传时的格式导出：请将输出文件的扩展名改为 .{}",
            format.code().to_uppercase(),
            format.code()
        );
    }
    Ok(())
}

/// Prints the first [`SHOWN_ERRORS`] issues of `severity`, each prefixed
/// with `prefix`, and how many more there are.
async fn print_issues(
    store: &dyn xinyong_store::Store,
    id: i64,
    severity: IssueSeverity,
    prefix: &str,
) -> anyhow::Result<()> {
    let mut shown = 0;
    report::for_each_issue(store, id, severity, |issue| {
        if shown < SHOWN_ERRORS {
            let _ = print_line(&format!(
                "{prefix}第{}行\t{}\t{}",
                issue.row_no, issue.field, issue.message
            ));
        }
        shown += 1;
        Ok(())
    })
    .await?;
    if shown > SHOWN_ERRORS {
        print_line(&format!("……另有 {} 条，完整内容请用 --json 查看", shown - SHOWN_ERRORS))?;
    }
    Ok(())
}
