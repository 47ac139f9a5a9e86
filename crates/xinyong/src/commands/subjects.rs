//! `xinyong subjects flagged`: name conflicts awaiting the office's review.

use std::process::ExitCode;

use serde::Serialize;
use xinyong_store::PageRequest;

use crate::commands::{print_json, print_line};
use crate::config::{Config, GlobalArgs};
use crate::wiring::Platform;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Rows whose subject name disagreed with the name known for the same code.
    Flagged {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// How many at most.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Serialize)]
struct FlagLine<'a> {
    flag_id: i64,
    subject: &'a str,
    known_name: &'a str,
    incoming_name: &'a str,
    first_batch: i64,
    first_row: i64,
    rows: i64,
}

pub async fn run(global: &GlobalArgs, command: Command) -> anyhow::Result<ExitCode> {
    let Command::Flagged { json, limit } = command;
    let platform = Platform::open_existing(Config::load(global)?).await?;
    let page = platform
        .store
        .name_flags(&PageRequest::first(limit.clamp(1, 10_000)))
        .await?;
    let lines: Vec<FlagLine<'_>> = page
        .items
        .iter()
        .map(|f| FlagLine {
            flag_id: f.id,
            subject: &f.subject_key,
            known_name: &f.subject_name,
            incoming_name: &f.incoming_name,
            first_batch: f.first_batch,
            first_row: f.first_row,
            rows: f.n_rows,
        })
        .collect();
    if json {
        print_json(&lines)?;
    } else if lines.is_empty() {
        print_line("没有待复核的名称冲突")?;
    } else {
        for line in &lines {
            print_line(&format!(
                "{}\t已有名称“{}”\t上报名称“{}”\t批次{}第{}行（共{}行）",
                line.subject, line.known_name, line.incoming_name, line.first_batch, line.first_row, line.rows
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
