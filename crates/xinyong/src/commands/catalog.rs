//! `xinyong catalog list`: record types and their versions.

use std::process::ExitCode;

use crate::commands::print_line;
use crate::config::{Config, GlobalArgs};
use crate::wiring::Platform;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List every version of every record type.
    List,
}

pub async fn run(global: &GlobalArgs, command: Command) -> anyhow::Result<ExitCode> {
    let Command::List = command;
    let platform = Platform::open(Config::load(global)?).await?;
    for version in platform.store.catalog_versions().await? {
        let name = platform
            .catalog
            .get(&version.record_type)
            .map(|e| e.record_type.name.as_str())
            .unwrap_or("（已不在目录中）");
        print_line(&format!(
            "{}\t{}\t版本{}\t{}\t{}",
            version.record_type,
            name,
            version.version,
            version.loaded_at.to_rfc3339(),
            &version.digest[..16]
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
