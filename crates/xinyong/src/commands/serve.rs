//! `xinyong serve`: runs the platform.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use xinyong_access::{AccountRequest, Principal};
use xinyong_domain::Role;
use xinyong_ingest::{ImportRequest, Progress};
use xinyong_synth::{Encoding, Format, Layout, RecordKind, Spec};
use xinyong_web::AppState;

use crate::commands::init_logging;
use crate::config::{Config, GlobalArgs};
use crate::wiring::Platform;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (default from configuration: 127.0.0.1:8080).
    #[arg(long, env = "XINYONG_BIND")]
    bind: Option<SocketAddr>,
    /// On an empty database, load a demo city's data first.
    #[arg(long)]
    demo: bool,
}

pub async fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<ExitCode> {
    init_logging("info");
    let mut config = Config::load(global)?;
    if let Some(bind) = args.bind {
        config.web.bind = bind;
    }
    let platform = Platform::open(config).await?;
    if args.demo && platform.store.count_records().await?.is_empty() {
        load_demo(&platform).await.context("加载演示数据失败")?;
    }
    first_administrator(&platform).await?;
    let listener = tokio::net::TcpListener::bind(platform.config.web.bind)
        .await
        .with_context(|| format!("无法监听 {}", platform.config.web.bind))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, database = platform.store.backend().code(), "xinyong is serving; API at /api/v1");
    let checkpoints = tokio::spawn(keep_checkpoints(platform.store.clone()));
    let state = AppState::new(
        platform.store.clone(),
        platform.catalog.clone(),
        platform.access(),
        platform.checks()?,
        platform.importer(),
        platform.config.data_dir.clone(),
        platform.config.web.clone(),
    );
    xinyong_web::serve(listener, state, shutdown_signal()).await?;
    checkpoints.abort();
    Ok(ExitCode::SUCCESS)
}

/// On a platform without accounts, creates the administrator `admin` with a
/// random password and prints it once (`xinyong admin create` makes others).
async fn first_administrator(platform: &Platform) -> anyhow::Result<()> {
    if !platform.store.accounts().await?.is_empty() {
        return Ok(());
    }
    let password = xinyong_crypto::random_hex(9)?;
    let desk = platform.access().admin_desk(&Principal::console("serve"))?;
    desk.create_account(AccountRequest {
        username: "admin".into(),
        role: Role::Admin,
        department_uscc: None,
        subject: None,
        password: password.clone(),
    })
    .await?;
    print_notice(&format!(
        "首次启动：已创建管理员账号 admin，初始密码 {password}（只显示这一次，请登录后修改）"
    ));
    Ok(())
}

/// The one-time password goes to the operator's terminal, not the log; a
/// closed standard error is no reason to stop serving.
fn print_notice(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Keeps an audit checkpoint every hour, so that a truncated log is caught
/// even between exports.
async fn keep_checkpoints(store: std::sync::Arc<dyn xinyong_store::Store>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        if let Err(error) = store.checkpoint().await {
            tracing::warn!(%error, "audit checkpoint failed");
        }
    }
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}

/// A demo city: generated 行政处罚 and 行政许可 files (with a few of the
/// mistakes departments make) imported through the normal pipeline.
async fn load_demo(platform: &Platform) -> anyhow::Result<()> {
    let dir = platform.config.data_dir.join("demo");
    std::fs::create_dir_all(&dir)?;
    let today = xinyong_domain::date::china_date(chrono::Utc::now());
    for (kind, code, rows, seed) in [
        (RecordKind::Penalty, "xzcf", 3000, 2024),
        (RecordKind::Licence, "xzxk", 3000, 2025),
    ] {
        let spec = Spec {
            kind,
            layout: Layout::Gen2,
            rows,
            seed,
            error_rate: 0.03,
            today,
            subjects: Some(1500),
        };
        let path = dir.join(format!("demo-{code}.csv"));
        xinyong_synth::write(&spec, Format::Csv, Encoding::Utf8, &path)?;
        let entry = platform
            .catalog
            .get(code)
            .context("目录中缺少演示所需的信息类别")?
            .clone();
        let request = ImportRequest {
            path: path.clone(),
            file_name: format!("demo-{code}.csv"),
            record_type: entry,
            source: "演示数据".into(),
            today,
            data_dir: Some(platform.config.data_dir.clone()),
            own_source_only: false,
        };
        let batch = platform.importer().import(request, &Progress::default()).await?;
        tracing::info!(
            batch = batch.id,
            accepted = batch.summary.n_accepted,
            rejected = batch.summary.n_rejected,
            "demo data loaded"
        );
        std::fs::remove_file(&path)?;
    }
    Ok(())
}
