//! `xinyong calendar …`, `xinyong repairs list`, `xinyong objections list`:
//! the working-day calendar in force, and the credit office's queues with
//! their deadlines (overdue ones marked).

use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use serde::Serialize;
use xinyong_access::Principal;

use crate::commands::{print_json, print_line};
use crate::config::{Config, GlobalArgs};
use crate::wiring::Platform;

#[derive(Debug, clap::Subcommand)]
pub enum CalendarCommand {
    /// The years loaded and the notices they come from.
    Years,
    /// The last day of a period of DAYS working days from DATE (DATE not counted).
    Deadline {
        /// The day the period starts from, e.g. 2026-09-30.
        from: String,
        /// Working days.
        days: u32,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum QueueCommand {
    /// Running ones (all with --all), newest first, with their deadlines.
    List {
        /// Closed ones too.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn calendar(global: &GlobalArgs, command: CalendarCommand) -> anyhow::Result<ExitCode> {
    let platform = Platform::open(Config::load(global)?).await?;
    let rights = platform.rights()?;
    let calendar = rights.calendar();
    match command {
        CalendarCommand::Years => {
            for year in calendar.years() {
                print_line(&format!(
                    "{}\t放假 {} 天（含其中的周末）\t调休上班 {} 天\t{}",
                    year.year,
                    year.holidays.len(),
                    year.workdays.len(),
                    year.source
                ))?;
            }
        }
        CalendarCommand::Deadline { from, days } => {
            let start = xinyong_domain::date::parse(&from).with_context(|| format!("“{from}”不是有效日期"))?;
            let due = calendar.add_working_days(start, days)?;
            print_line(&format!("{start} 起 {days} 个工作日：截止 {due}"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct Line {
    id: i64,
    record_id: i64,
    source: String,
    status: String,
    status_label: &'static str,
    due_on: Option<NaiveDate>,
    overdue: bool,
}

fn print_lines(lines: &[Line], json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&lines);
    }
    for line in lines {
        let due = line.due_on.map(|d| d.to_string()).unwrap_or_default();
        let late = if line.overdue { "\t已超期" } else { "" };
        print_line(&format!(
            "{}\t信息 {}\t{}\t{}\t{due}{late}",
            line.id, line.record_id, line.source, line.status_label
        ))?;
    }
    Ok(())
}

fn console() -> Principal {
    Principal::console(std::env::var("USER").unwrap_or_else(|_| "operator".into()))
}

pub async fn repairs(global: &GlobalArgs, command: QueueCommand) -> anyhow::Result<ExitCode> {
    let QueueCommand::List { all, json } = command;
    let platform = Platform::open(Config::load(global)?).await?;
    let rights = platform.rights()?;
    let found = rights.office_desk(&console())?.repairs(!all).await?;
    let lines: Vec<Line> = found
        .into_iter()
        .map(|v| Line {
            id: v.repair.id,
            record_id: v.repair.new.record_id,
            source: v.repair.new.source,
            status: v.repair.status,
            status_label: v.state_label,
            due_on: v.repair.due_on,
            overdue: v.overdue,
        })
        .collect();
    print_lines(&lines, json)?;
    Ok(ExitCode::SUCCESS)
}

pub async fn objections(global: &GlobalArgs, command: QueueCommand) -> anyhow::Result<ExitCode> {
    let QueueCommand::List { all, json } = command;
    let platform = Platform::open(Config::load(global)?).await?;
    let rights = platform.rights()?;
    let found = rights.office_desk(&console())?.objections(!all).await?;
    let lines: Vec<Line> = found
        .into_iter()
        .map(|v| Line {
            id: v.objection.id,
            record_id: v.objection.new.record_id,
            source: v.objection.new.source,
            status: v.objection.status,
            status_label: v.state_label,
            due_on: v.objection.due_on,
            overdue: v.overdue,
        })
        .collect();
    print_lines(&lines, json)?;
    Ok(ExitCode::SUCCESS)
}
