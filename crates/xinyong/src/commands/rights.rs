//! `xinyong calendar …`, `xinyong repairs …`, `xinyong objections …`,
//! `xinyong commitments …`: the working-day calendar in force, and the
//! credit office's queues with their deadlines (overdue ones marked) and
//! its own steps in them, taken as the console (and journaled so). The
//! departments' steps are theirs, on their console or with their keys.

use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use serde::Serialize;
use xinyong_access::Principal;
use xinyong_domain::rights::commitment::Finding;
use xinyong_domain::rights::objection::{Channel, ObjectionStep, Registration, Remedy, Standing};
use xinyong_domain::rights::repair::RepairStep;
use xinyong_domain::visibility::{Viewer, scrubbed_text, shown_name};
use xinyong_rights::{ObjectionView, OfficialDesk, RepairView};

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

/// `--all` and `--json` of every list.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Closed ones too.
    #[arg(long)]
    all: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum RepairCommand {
    /// Running applications (all with --all), newest first, with their deadlines.
    List(ListArgs),
    /// Forward an application to the department that decided the record.
    Forward {
        /// The application's number.
        id: i64,
    },
    /// Deny an application, with the reasons the applicant is told.
    Deny {
        /// The application's number.
        id: i64,
        /// Reasons.
        #[arg(long)]
        reasons: String,
    },
    /// Repair a record the credit office made itself (a breach of a
    /// commitment made to the public), once the application is forwarded.
    Approve {
        /// The application's number.
        id: i64,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum ObjectionCommand {
    /// Running objections (all with --all), newest first, with their deadlines.
    List(ListArgs),
    /// Accept an objection: it goes to the record's department.
    Accept {
        /// The objection's number.
        id: i64,
    },
    /// Refuse an objection, with the reasons the filer is told.
    Refuse {
        /// The objection's number.
        id: i64,
        /// Reasons.
        #[arg(long)]
        reasons: String,
    },
    /// Uphold an objection to a record the credit office made itself,
    /// withdrawing the record or correcting items (`--correct ITEM=VALUE`).
    Uphold {
        /// The objection's number.
        id: i64,
        /// Withdraw the record.
        #[arg(long, conflicts_with = "correct")]
        withdraw: bool,
        /// An item to correct, as its code and new value (repeat for several).
        #[arg(long, value_name = "ITEM=VALUE")]
        correct: Vec<String>,
    },
    /// Reject an objection to a record the credit office made itself, with
    /// the reasons the filer is told.
    Reject {
        /// The objection's number.
        id: i64,
        /// Reasons.
        #[arg(long)]
        reasons: String,
    },
    /// Register an objection filed elsewhere (forwarded by Credit China, at
    /// a window, by letter); it then runs like any other.
    Register {
        /// The record objected to (its number).
        #[arg(long)]
        record: i64,
        /// The applicant's name.
        #[arg(long)]
        applicant: String,
        /// `subject` (the subject itself or its legal representative) or
        /// `agent` (委托代理人, who must attach the 授权委托书).
        #[arg(long)]
        standing: String,
        /// `credit_china`, `counter` or `mail`.
        #[arg(long)]
        channel: String,
        /// What is wrong, as the applicant put it.
        #[arg(long)]
        reasons: String,
        /// A document filed with it (repeat for several).
        #[arg(long)]
        attachment: Vec<std::path::PathBuf>,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum CommitmentCommand {
    /// Commitments made to the public awaiting a finding (all with --all), newest first.
    List(ListArgs),
    /// Record that a commitment made to the public was kept.
    Kept {
        /// The commitment's number.
        id: i64,
    },
    /// Record that a commitment made to the public was broken: it becomes a
    /// 违背信用承诺信息 record of the credit office.
    Broken {
        /// The commitment's number.
        id: i64,
        /// What was not kept.
        #[arg(long)]
        note: String,
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

pub async fn repairs(global: &GlobalArgs, command: RepairCommand) -> anyhow::Result<ExitCode> {
    let platform = Platform::open_existing(Config::load(global)?).await?;
    let rights = platform.rights()?;
    let desk = rights.office_desk(&console())?;
    let (id, step) = match command {
        RepairCommand::List(ListArgs { all, json }) => {
            let lines: Vec<Line> = desk.repairs(!all).await?.into_iter().map(repair_line).collect();
            print_lines(&lines, json)?;
            return Ok(ExitCode::SUCCESS);
        }
        RepairCommand::Forward { id } => (id, RepairStep::Forward),
        RepairCommand::Deny { id, reasons } => (id, RepairStep::Deny(reasons)),
        RepairCommand::Approve { id } => (id, RepairStep::Approve),
    };
    // The office's desk: it checks every application and decides those on
    // the records it made.
    let view = OfficialDesk::Office(desk).repair_step(id, step).await?;
    print_lines(&[repair_line(view)], false)?;
    Ok(ExitCode::SUCCESS)
}

fn repair_line(v: RepairView) -> Line {
    Line {
        id: v.repair.id,
        record_id: v.repair.new.record_id,
        source: v.repair.new.source,
        status: v.repair.status,
        status_label: v.state_label,
        due_on: v.repair.due_on,
        overdue: v.overdue,
    }
}

pub async fn objections(global: &GlobalArgs, command: ObjectionCommand) -> anyhow::Result<ExitCode> {
    let platform = Platform::open_existing(Config::load(global)?).await?;
    let rights = platform.rights()?;
    let desk = rights.office_desk(&console())?;
    let (id, step) = match command {
        ObjectionCommand::List(ListArgs { all, json }) => {
            let lines: Vec<Line> = desk.objections(!all).await?.into_iter().map(objection_line).collect();
            print_lines(&lines, json)?;
            return Ok(ExitCode::SUCCESS);
        }
        ObjectionCommand::Accept { id } => (id, ObjectionStep::Accept),
        ObjectionCommand::Refuse { id, reasons } => (id, ObjectionStep::Refuse(reasons)),
        ObjectionCommand::Reject { id, reasons } => (id, ObjectionStep::Reject(reasons)),
        ObjectionCommand::Uphold { id, withdraw, correct } => {
            let remedy = if withdraw {
                Remedy::Withdrawal
            } else {
                let mut changes = Vec::with_capacity(correct.len());
                for pair in &correct {
                    let (item, value) = pair
                        .split_once('=')
                        .with_context(|| format!("--correct 应为 信息项代码=更正后的值，实为“{pair}”"))?;
                    changes.push((item.trim().to_owned(), value.to_owned()));
                }
                anyhow::ensure!(
                    !changes.is_empty(),
                    "请给出 --withdraw 或至少一个 --correct 信息项代码=更正后的值"
                );
                Remedy::Correction(changes)
            };
            (id, ObjectionStep::Uphold(remedy))
        }
        ObjectionCommand::Register {
            record,
            applicant,
            standing,
            channel,
            reasons,
            attachment,
        } => {
            let standing = Standing::from_code(&standing).context("--standing 应为 subject 或 agent")?;
            let channel = Channel::from_code(&channel).context("--channel 应为 credit_china、counter 或 mail")?;
            let mut attachments = Vec::with_capacity(attachment.len());
            for path in &attachment {
                anyhow::ensure!(path.is_file(), "附件 {} 不是文件", path.display());
                let file = std::fs::File::open(path).with_context(|| format!("无法读取 {}", path.display()))?;
                let name = path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                attachments.push(rights.keep_proof(&name, file)?);
            }
            let registration = Registration::new(&applicant, standing, channel, attachments.len())?;
            let view = desk
                .register_objection(record, &registration, &reasons, attachments)
                .await?;
            print_lines(&[objection_line(view)], false)?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    let view = OfficialDesk::Office(desk).objection_step(id, step).await?;
    print_lines(&[objection_line(view)], false)?;
    Ok(ExitCode::SUCCESS)
}

fn objection_line(v: ObjectionView) -> Line {
    Line {
        id: v.objection.id,
        record_id: v.objection.new.record_id,
        source: v.objection.new.source,
        status: v.objection.status,
        status_label: v.state_label,
        due_on: v.objection.due_on,
        overdue: v.overdue,
    }
}

#[derive(Serialize)]
struct CommitmentLine {
    id: i64,
    subject_id: i64,
    subject: String,
    kind: String,
    kind_name: String,
    matter: String,
    signed_on: NaiveDate,
    status: String,
    status_label: &'static str,
}

pub async fn commitments(global: &GlobalArgs, command: CommitmentCommand) -> anyhow::Result<ExitCode> {
    let platform = Platform::open_existing(Config::load(global)?).await?;
    let rights = platform.rights()?;
    let desk = OfficialDesk::Office(rights.office_desk(&console())?);
    let (found, json) = match command {
        CommitmentCommand::List(ListArgs { all, json }) => (desk.commitments(!all).await?, json),
        CommitmentCommand::Kept { id } | CommitmentCommand::Broken { id, .. } => {
            let finding = match command {
                CommitmentCommand::Broken { note, .. } => Finding::Broken(note),
                _ => Finding::Kept,
            };
            (vec![desk.record_finding(id, finding).await?], false)
        }
    };
    let lines: Vec<CommitmentLine> = found
        .into_iter()
        .map(|(v, subject)| CommitmentLine {
            id: v.commitment.id,
            subject_id: v.commitment.new.subject_id,
            // As the public sees them: the office reads this list without a stated purpose.
            subject: shown_name(&subject.name, subject.category, Viewer::Public),
            kind: v.commitment.new.kind,
            kind_name: v.kind_name,
            matter: scrubbed_text(
                &v.commitment.new.matter,
                &subject.name,
                subject.category,
                Viewer::Public,
            ),
            signed_on: v.commitment.new.signed_on,
            status: v.commitment.status,
            status_label: v.state_label,
        })
        .collect();
    if json {
        return print_json(&lines).map(|()| ExitCode::SUCCESS);
    }
    for line in lines {
        print_line(&format!(
            "{}	{}	{}	{}	{}	{}",
            line.id, line.subject, line.kind_name, line.matter, line.signed_on, line.status_label
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
