//! `xinyong serve`: runs the platform.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use xinyong_access::{AccountRequest, Principal};
use xinyong_domain::Role;
use xinyong_ingest::{ImportRequest, Progress};
use xinyong_store::{PageRequest, RecordFilter};
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
    let day = std::time::Duration::from_secs(86_400);
    let cleared = xinyong_ingest::clear_incoming(&platform.config.data_dir, day).context("无法清理上传暂存目录")?;
    if cleared > 0 {
        tracing::info!(cleared, "incoming files left by an earlier stop removed");
    }
    let rights = platform.rights()?;
    if let Some((calendar_end, days_left)) = rights.calendar_ending() {
        tracing::warn!(%calendar_end, days_left, "the working-day calendar ends soon: add next year's holiday file (calendar_dir)");
    }
    let settled = rights.recover().await.context("无法检查上次停止时未完成的办理")?;
    if settled > 0 {
        tracing::warn!(settled, "steps cut halfway by the last stop were settled");
    }
    let listener = tokio::net::TcpListener::bind(platform.config.web.bind)
        .await
        .with_context(|| format!("无法监听 {}", platform.config.web.bind))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, database = platform.store.backend().code(), "xinyong is serving; API at /api/v1");
    let checkpoints = tokio::spawn(keep_checkpoints(platform.store.clone()));
    let checks = platform.checks()?;
    let resumed = checks.resume_batches().await?;
    if resumed > 0 {
        tracing::info!(resumed, "batch checks interrupted by the last stop resume");
    }
    let state = AppState::new(
        platform.store.clone(),
        platform.catalog.clone(),
        platform.access(),
        checks,
        rights,
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
/// mistakes departments make), then a few of their companies on the black,
/// abnormal-operations and red lists, all imported through the normal
/// pipeline, so that search, subject pages and credit checks have
/// something to show.
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
        import_demo_file(platform, &path, code, today).await?;
    }
    let companies = platform
        .store
        .list_records(
            &RecordFilter {
                record_type: Some("xzcf".into()),
                ..RecordFilter::default()
            },
            &PageRequest::first(100),
        )
        .await?
        .items
        .into_iter()
        .filter_map(|(_, subject)| Some((subject.name, subject.uscc.filter(|c| c.starts_with("91"))?)))
        .collect::<std::collections::BTreeMap<_, _>>();
    let listed = |since: chrono::Days| (today - since).to_string();
    let mut lists = [
        (
            "yzsx",
            "主体名称,主体类别,统一社会信用代码,名单名称,列入决定文书号,列入原因,列入依据,列入机关,列入日期\n"
                .to_owned(),
        ),
        (
            "jyyc",
            "主体名称,主体类别,统一社会信用代码,列入经营异常名录原因,列入决定书文号,作出决定机关,列入日期\n".to_owned(),
        ),
        (
            "sxjl",
            "主体名称,主体类别,统一社会信用代码,荣誉名称,认定文书号,认定机关,认定日期,有效期至\n".to_owned(),
        ),
    ];
    for (n, (name, code)) in companies.iter().enumerate().take(12) {
        let (file, row) = match n % 3 {
            0 => (
                0,
                format!(
                    "{name},法人及非法人组织,{code},政府采购严重违法失信行为记录名单,皖财购〔{}〕{n}号,提供虚假材料谋取中标,《中华人民共和国政府采购法》第七十七条,安徽省财政厅,{}\n",
                    today.format("%Y"),
                    listed(chrono::Days::new(40))
                ),
            ),
            1 => (
                1,
                format!(
                    "{name},法人及非法人组织,{code},未按规定期限公示年度报告,淮市监异〔{}〕{n}号,淮北市市场监督管理局,{}\n",
                    today.format("%Y"),
                    listed(chrono::Days::new(90))
                ),
            ),
            _ => (
                2,
                format!(
                    "{name},法人及非法人组织,{code},A级纳税人,淮税信〔{}〕{n}号,国家税务总局淮北市税务局,{},{}\n",
                    today.format("%Y"),
                    listed(chrono::Days::new(120)),
                    (today + chrono::Days::new(245)).format("%Y-%m-%d")
                ),
            ),
        };
        lists[file].1.push_str(&row);
    }
    for (code, text) in lists {
        let path = dir.join(format!("demo-{code}.csv"));
        std::fs::write(&path, text)?;
        import_demo_file(platform, &path, code, today).await?;
    }
    Ok(())
}

/// Imports one demo file as 演示数据 and removes it.
async fn import_demo_file(
    platform: &Platform,
    path: &std::path::Path,
    code: &str,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    let entry = platform
        .catalog
        .get(code)
        .context("目录中缺少演示所需的信息类别")?
        .clone();
    let request = ImportRequest {
        path: path.to_owned(),
        file_name: format!("demo-{code}.csv"),
        record_type: entry,
        source: "演示数据".into(),
        today,
        data_dir: Some(platform.config.data_dir.clone()),
        own_source_only: false,
        platform_made: false,
    };
    let batch = platform.importer().import(request, &Progress::default()).await?;
    tracing::info!(
        batch = batch.id,
        record_type = code,
        accepted = batch.summary.n_accepted,
        rejected = batch.summary.n_rejected,
        "demo data loaded"
    );
    std::fs::remove_file(path)?;
    Ok(())
}
