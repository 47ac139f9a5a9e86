//! `xinyong config example`: the commented example configuration.

use std::process::ExitCode;

use crate::commands::print_line;
use crate::config::{EXAMPLE, GlobalArgs};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print a commented example configuration file.
    Example,
}

pub fn run(_global: &GlobalArgs, command: Command) -> anyhow::Result<ExitCode> {
    let Command::Example = command;
    print_line(EXAMPLE.trim_end())?;
    Ok(ExitCode::SUCCESS)
}
