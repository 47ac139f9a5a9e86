//! `xinyong check CODE --matter M`: a credit check from the console, as a
//! checking system would make it (and logged and audited the same way).

use std::process::ExitCode;

use anyhow::Context;
use xinyong_access::Principal;
use xinyong_checks::{CheckAnswer, CheckRequest};

use crate::commands::{print_json, print_line};
use crate::config::{Config, GlobalArgs};
use crate::wiring::Platform;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 统一社会信用代码, 公民身份号码, or a person's platform reference.
    code: String,
    /// 事项 code (see `GET /api/v1/measures`), e.g. zfcg.
    #[arg(long)]
    matter: String,
    /// 查询用途; default: the matter's usual purpose.
    #[arg(long)]
    purpose: Option<String>,
    /// Print the answer as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<ExitCode> {
    let platform = Platform::open_existing(Config::load(global)?).await?;
    let checks = platform.checks()?;
    let book = checks.book();
    let Some(matter) = book.matter(&args.matter) else {
        let known: Vec<String> = book
            .matters()
            .iter()
            .map(|m| format!("{}（{}）", m.code, m.name))
            .collect();
        anyhow::bail!("未知的事项“{}”；可用事项：{}", args.matter, known.join("、"));
    };
    let purpose = args.purpose.or_else(|| matter.purpose.clone());
    let request = CheckRequest {
        subject: args.code,
        matter: args.matter,
        purpose,
    };
    let desk = checks.desk(&Principal::console(whoami()))?;
    let answer = desk.check(&request, chrono::Utc::now()).await.context("核查失败")?;
    if args.json {
        print_json(&answer)?;
    } else {
        print_answer(&answer)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "operator".into())
}

fn print_answer(answer: &CheckAnswer) -> anyhow::Result<()> {
    let subject = &answer.subject;
    match &subject.name {
        Some(name) => print_line(&format!("主体\t{name}（{}）", subject.code))?,
        None => print_line(&format!("主体\t{}：平台无该主体的信用记录", subject.code))?,
    }
    print_line(&format!(
        "事项\t{}（{}）\t用途 {}\t核查编号 {}",
        answer.matter.name, answer.matter.code, answer.purpose, answer.check_id
    ))?;
    for record in &answer.records {
        let until = record.until.map_or_else(|| "长期".to_owned(), |d| d.to_string());
        let state = if record.in_force { "有效" } else { "已届满" };
        print_line(&format!(
            "记录\t{}\t{}\t{}至{}（{state}）\t{}",
            record.type_name, record.doc_no, record.decided_on, until, record.authority
        ))?;
    }
    if answer.measures.is_empty() {
        print_line("措施\t无")?;
    }
    for measure in &answer.measures {
        let obligation = if measure.mandatory {
            "必须实施"
        } else {
            "可以实施"
        };
        print_line(&format!(
            "措施\t[{}·{obligation}] {} {}",
            measure.kind, measure.code, measure.name
        ))?;
        print_line(&format!("\t依据：{}", measure.basis))?;
        for reason in &measure.reasons {
            print_line(&format!(
                "\t原因：{} {} — {}",
                reason.rule, reason.rule_name, reason.record
            ))?;
        }
    }
    Ok(())
}
