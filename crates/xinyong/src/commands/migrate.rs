//! `xinyong migrate`: opens the database, applying pending migrations, and
//! applies to records stored under an older rule what import does now.

use std::process::ExitCode;
use std::sync::Arc;

use xinyong_ingest::seal_free_text;
use xinyong_store::Rewrite;

use crate::commands::accounts::console;
use crate::commands::print_line;
use crate::config::{Config, GlobalArgs};
use crate::wiring::{FREE_TEXT_SEALED, Platform};

pub async fn run(global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let platform = Platform::open(Config::load(global)?).await?;
    print_line(&format!("数据库已是最新结构（{}）", platform.store.backend().code()))?;
    if platform.store.meta(FREE_TEXT_SEALED).await?.is_none() {
        let n = seal_old_free_text(&platform).await?;
        print_line(&format!(
            "已检查此前保存的全部记录：{n} 条记录的自由文本中写有身份证号或手机号，现已遮蔽，原文加密保存"
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Records imported before identifiers written into free text were masked
/// at import: the same rule applied to each, a chunk per transaction (run
/// again after a stop, it goes on where nothing is left to mask). Marked
/// done in the database, and journaled, once every record was seen.
async fn seal_old_free_text(platform: &Platform) -> anyhow::Result<u64> {
    let (catalog, keys) = (platform.catalog.clone(), Arc::clone(&platform.keys));
    let rewrite: Rewrite = Box::new(move |code: &str, payload: &str, sealed: Option<&[u8]>| {
        let Some(entry) = catalog.get(code) else {
            return Ok(None);
        };
        seal_free_text(&entry.record_type, payload, sealed, &keys).map_err(|e| format!("{code}: {e}"))
    });
    let n = platform.store.rewrite_records(rewrite).await?;
    platform
        .access()
        .journal()
        .record(
            &console(),
            "records.seal_free_text",
            None,
            None,
            serde_json::json!({ "records": n }),
        )
        .await?;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    platform.store.ensure_meta(FREE_TEXT_SEALED, &today).await?;
    Ok(n)
}
