//! `xinyong id check CODE...`: checks unified social credit codes and
//! citizen ID numbers, one line each.

use std::process::ExitCode;

use serde::Serialize;

use crate::commands::{print_json, print_line};
use crate::config::{Config, GlobalArgs};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check codes: prints `CODE<TAB>valid<TAB>KIND` or `CODE<TAB>invalid<TAB>REASON`; exits 1 if any is invalid.
    Check {
        /// Codes to check.
        #[arg(required = true)]
        codes: Vec<String>,
        /// Print a JSON array of {code, valid, kind, reason}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct Verdict<'a> {
    code: &'a str,
    valid: bool,
    kind: Option<&'static str>,
    reason: Option<String>,
}

pub fn run(global: &GlobalArgs, command: Command) -> anyhow::Result<ExitCode> {
    let Command::Check { codes, json } = command;
    // The allow-list comes from the configuration, as for imports.
    let config = Config::load(global)?;
    let policy = xinyong_domain::id::IdPolicy::new(
        config.identifiers.allow_check_digit.iter().map(String::as_str),
        config.identifiers.extra_categories.iter().map(String::as_str),
    );
    let today = xinyong_domain::date::china_date(chrono::Utc::now());
    let verdicts: Vec<Verdict<'_>> = codes
        .iter()
        .map(|code| {
            let verdict = policy.classify(code, today);
            Verdict {
                code,
                valid: verdict.problem.is_none(),
                kind: verdict.kind.map(|k| k.code()),
                reason: verdict.problem,
            }
        })
        .collect();
    if json {
        print_json(&verdicts)?;
    } else {
        for verdict in &verdicts {
            let line = match &verdict.reason {
                None => format!("{}\tvalid\t{}", verdict.code, verdict.kind.unwrap_or_default()),
                Some(reason) => format!("{}\tinvalid\t{reason}", verdict.code),
            };
            print_line(&line)?;
        }
    }
    Ok(if verdicts.iter().all(|v| v.valid) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
