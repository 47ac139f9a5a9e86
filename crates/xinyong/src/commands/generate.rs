//! `xinyong gen`: writes realistic synthetic 双公示 data.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use xinyong_synth::{Encoding, Format, Layout, RecordKind, Spec};

use crate::commands::print_line;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Record type: xzcf (行政处罚) or xzxk (行政许可).
    #[arg(long = "type", value_name = "TYPE")]
    record_type: String,
    /// Number of data rows.
    #[arg(long)]
    rows: u64,
    /// Output file; the format follows the extension (.csv, .xlsx, .jsonl) unless --format is given.
    #[arg(long, short = 'o')]
    out: PathBuf,
    /// csv, xlsx or jsonl.
    #[arg(long)]
    format: Option<String>,
    /// Text encoding of CSV: utf8, utf8-bom or gbk.
    #[arg(long, default_value = "utf8")]
    encoding: String,
    /// Share of rows with the mistakes departments make (0–1).
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Seed: the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Header layout: gen2 (current item set) or gen1 (2015–2018 templates).
    #[arg(long, default_value = "gen2")]
    layout: String,
    /// Number of distinct subjects (default: a third of the rows).
    #[arg(long)]
    subjects: Option<u64>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let kind = RecordKind::from_code(&args.record_type)
        .with_context(|| format!("未知的信息类别“{}”，应为 xzcf 或 xzxk", args.record_type))?;
    let format_name = args.format.clone().unwrap_or_else(|| {
        args.out
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("csv")
            .to_ascii_lowercase()
    });
    let format = match format_name.as_str() {
        "csv" | "txt" => Format::Csv,
        "xlsx" => Format::Xlsx,
        "jsonl" | "ndjson" => Format::JsonLines,
        other => bail!("不支持的格式“{other}”，应为 csv、xlsx 或 jsonl"),
    };
    let encoding = match args.encoding.to_ascii_lowercase().as_str() {
        "utf8" | "utf-8" => Encoding::Utf8,
        "utf8-bom" => Encoding::Utf8Bom,
        "gbk" | "gb18030" => Encoding::Gbk,
        other => bail!("不支持的编码“{other}”，应为 utf8、utf8-bom 或 gbk"),
    };
    let layout = match args.layout.as_str() {
        "gen2" => Layout::Gen2,
        "gen1" => Layout::Gen1,
        other => bail!("不支持的数据项版本“{other}”，应为 gen2 或 gen1"),
    };
    if !(0.0..=1.0).contains(&args.error_rate) {
        bail!("--error-rate 应在0到1之间");
    }
    if args.subjects == Some(0) && args.rows > 0 {
        bail!("--subjects 应至少为1：每行记录都需要一个主体");
    }
    let spec = Spec {
        kind,
        layout,
        rows: args.rows,
        seed: args.seed,
        error_rate: args.error_rate,
        today: xinyong_domain::date::china_date(chrono::Utc::now()),
        subjects: args.subjects,
    };
    let n_rows = xinyong_synth::write(&spec, format, encoding, &args.out)
        .with_context(|| format!("无法写出 {}", args.out.display()))?;
    print_line(&format!("已生成 {n_rows} 行：{}", args.out.display()))?;
    Ok(ExitCode::SUCCESS)
}
