//! `xinyong import FILE --type xzcf --source 部门`: imports one file as one batch.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use xinyong_ingest::{ImportRequest, Progress, report};
use xinyong_store::BatchStatus;

use crate::commands::{init_logging, print_line};
use crate::config::{Config, GlobalArgs};
use crate::wiring::Platform;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file: CSV (UTF-8 or GBK), XLSX or JSON Lines.
    file: PathBuf,
    /// Record type: xzcf (行政处罚) or xzxk (行政许可).
    #[arg(long = "type", value_name = "TYPE")]
    record_type: String,
    /// The department the batch is filed for (数据提供单位).
    #[arg(long)]
    source: String,
    /// Print the report as JSON: {batch_id, rows, accepted, rejected, duplicates, errors: [{row, field, code, message}], …}.
    #[arg(long)]
    json: bool,
}

pub async fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<ExitCode> {
    init_logging("warn");
    anyhow::ensure!(!args.file.is_dir(), "{} 是目录，不是文件", args.file.display());
    anyhow::ensure!(args.file.is_file(), "文件 {} 不存在", args.file.display());
    let source = args.source.trim();
    anyhow::ensure!(!source.is_empty(), "--source 不能为空");
    let platform = Platform::open(Config::load(global)?).await?;
    // Once the office has registered its departments, a batch is filed
    // under one of them: a misspelt name would be published as a source
    // and would own the records it brought.
    let departments = platform.store.departments().await?;
    if !departments.is_empty() && !departments.iter().any(|d| d.new.name == source) {
        anyhow::bail!(
            "报送单位“{source}”不是已登记的数据提供单位：请核对名称（xinyong dept list 列出已登记的单位），\
             新单位请先用 xinyong dept create 登记"
        );
    }
    let entry = platform
        .catalog
        .get(&args.record_type)
        .with_context(|| format!("未知的信息类别“{}”", args.record_type))?
        .clone();
    let request = ImportRequest {
        path: args.file.clone(),
        file_name: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        record_type: entry,
        source: source.to_owned(),
        today: xinyong_domain::date::china_date(chrono::Utc::now()),
        data_dir: Some(platform.config.data_dir.clone()),
        own_source_only: false,
        platform_made: false,
    };
    let progress = Progress::default();
    let bar = progress_bar(&args.file, progress.clone());
    let batch = platform.importer().import(request, &progress).await;
    if let Some((bar, ticker)) = bar {
        ticker.abort();
        bar.finish_and_clear();
    }
    let batch = batch?;
    platform
        .access()
        .journal()
        .batch_imported(&crate::commands::accounts::console(), &batch)
        .await?;
    if args.json {
        let mut out = std::io::BufWriter::new(std::io::stdout());
        report::write_json(platform.store.as_ref(), &batch, &mut out).await?;
        std::io::Write::flush(&mut out)?;
    } else {
        print_line(&report::summary_text(&batch))?;
        if batch.summary.n_rejected > 0 {
            print_line(&format!(
                "查看被拒绝的行：xinyong batch show {0}；导出以便修改后重新上传：xinyong batch rejected {0} -o 文件名",
                batch.id
            ))?;
        }
    }
    Ok(match batch.status {
        BatchStatus::Applied => ExitCode::SUCCESS,
        BatchStatus::Refused => ExitCode::FAILURE,
    })
}

/// A progress bar over the file's bytes, on a terminal only.
fn progress_bar(file: &std::path::Path, progress: Progress) -> Option<(ProgressBar, tokio::task::JoinHandle<()>)> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let total = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template("{spinner} 导入中 [{bar:40}] {bytes}/{total_bytes} ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    let ticking = bar.clone();
    let ticker = tokio::spawn(async move {
        loop {
            ticking.set_position(progress.bytes_read());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    Some((bar, ticker))
}
