//! `xinyong migrate`: opens the database, applying pending migrations.

use std::process::ExitCode;

use crate::commands::print_line;
use crate::config::{Config, GlobalArgs};
use crate::wiring::Platform;

pub async fn run(global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let platform = Platform::open(Config::load(global)?).await?;
    print_line(&format!("数据库已是最新结构（{}）", platform.store.backend().code()))?;
    Ok(ExitCode::SUCCESS)
}
