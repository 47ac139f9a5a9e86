//! `xinyong migrate`: opens the database, applying pending migrations, and
//! applies to records stored under an older rule what import does now.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
        let (sealed, unknown) = seal_old_free_text(&platform).await?;
        print_line(&format!(
            "已检查此前保存的记录：{sealed} 条记录的自由文本中写有身份证号或手机号，现已遮蔽，原文加密保存"
        ))?;
        if unknown > 0 {
            anyhow::bail!(
                "另有 {unknown} 条记录的信用信息类别不在当前目录中，无法判断其自由文本：请恢复该类别的目录文件后再次运行 xinyong migrate"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Records imported before identifiers written into free text were masked
/// at import: the same rule applied to each, a chunk per transaction (run
/// again after a stop, it goes on where nothing is left to mask). Marked
/// done in the database, and journaled, once every record was seen and
/// understood; returns how many were sealed, and how many have a type the
/// catalogue no longer holds (their free items unknown: not marked done).
async fn seal_old_free_text(platform: &Platform) -> anyhow::Result<(u64, u64)> {
    let (catalog, keys) = (platform.catalog.clone(), Arc::clone(&platform.keys));
    let unknown = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&unknown);
    let rewrite: Rewrite = Box::new(move |code: &str, payload: &str, sealed: Option<&[u8]>| {
        let Some(entry) = catalog.get(code) else {
            counted.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        };
        seal_free_text(&entry.record_type, payload, sealed, &keys).map_err(|e| format!("{code}: {e}"))
    });
    let n = platform.store.rewrite_records(rewrite).await?;
    let unknown = unknown.load(Ordering::Relaxed);
    platform
        .access()
        .journal()
        .record(
            &console(),
            "records.seal_free_text",
            None,
            None,
            serde_json::json!({ "records": n, "unknown_type": unknown }),
        )
        .await?;
    if unknown == 0 {
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        platform.store.ensure_meta(FREE_TEXT_SEALED, &today).await?;
    }
    Ok((n, unknown))
}
