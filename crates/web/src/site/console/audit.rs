//! `/console/audit`: the auditor reads the audit log by day and verifies
//! the hash chain with one button.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use xinyong_crypto::hex;

use crate::api::{page_request, today};
use crate::auth::{Caller, Session};
use crate::extract::Query;
use crate::site::console::signed_out;
use crate::site::form::SignedForm;
use crate::site::layout::{Layout, render};
use crate::{AppState, Error};

#[derive(Debug, Deserialize)]
// Unknown parameters are ignored: shared links pick up tracking ones.
pub(crate) struct Params {
    /// A day (China Standard Time); today when absent.
    day: Option<String>,
    cursor: Option<String>,
}

#[derive(Debug)]
struct Line {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    purpose: String,
    origin: String,
    hash: String,
}

/// What an audit action is, in Chinese (the code is shown beside it).
fn action_label(action: &str) -> &'static str {
    match action {
        "session.sign_in" => "登录",
        "session.sign_in_failed" => "登录失败",
        "session.sign_out" => "退出登录",
        "account.create" => "创建账号",
        "account.disable" => "停用账号",
        "account.enable" => "启用账号",
        "account.list" => "查看账号",
        "account.password" => "重置密码",
        "account.password_own" => "修改本人密码",
        "department.create" => "添加单位",
        "department.list" => "查看单位",
        "key.issue" => "签发密钥",
        "key.list" => "查看密钥",
        "key.revoke" => "吊销密钥",
        "key.rotate" | "key.next" | "platform.key" => "密钥轮换",
        "audit.read" => "查看审计日志",
        "audit.verify" => "校验审计日志",
        "audit.checkpoint" => "审计检查点",
        "authorisation.grant" => "授权查询",
        "authorisation.withdraw" => "撤回授权",
        "batch.upload" => "上传数据",
        "batch.import" => "导入批次",
        "batch.list" | "batch.read" => "查看批次",
        "batch.rejected_download" => "下载被拒绝的数据行",
        "batch.original_download" => "下载原始文件",
        "subject.read" => "查询信用档案",
        "subject.read_own" => "主体查阅本档案",
        "document.read" => "查阅异议或修复材料",
        "subject.name_settled" => "复核名称冲突",
        "check.batch" => "批量信用核查",
        "check.feedback" => "核查反馈",
        "measures.reload" => "重新加载奖惩措施",
        "commitment.sign" => "签署信用承诺",
        "commitment.finding" => "登记承诺履行情况",
        "repair.apply" => "申请信用修复",
        "repair.step" => "办理信用修复",
        "objection.file" => "提出异议",
        "objection.step" => "办理异议",
        _ => "",
    }
}

/// The outcome of a verification, as shown.
#[derive(Debug)]
struct Verified {
    intact: bool,
    text: String,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    layout: Layout,
    day: String,
    previous: String,
    entries: Vec<Line>,
    next: Option<String>,
    verified: Option<Verified>,
}

/// The instants a China day runs between.
fn day_range(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start =
        |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()) - chrono::Duration::hours(8);
    (
        start(day),
        start(day + Days::new(1)) - chrono::Duration::microseconds(1),
    )
}

async fn page(
    state: &AppState,
    caller: &Caller,
    session: Option<&crate::auth::SessionContext>,
    day: NaiveDate,
    cursor: Option<String>,
    verified: Option<Verified>,
) -> Result<Response, Error> {
    let desk = state.access.audit_desk(&caller.0)?;
    let (from, to) = day_range(day);
    let request = page_request(state, cursor, None)?;
    let found = desk.entries(from, to, &request).await?;
    let page = AuditPage {
        layout: Layout::new("审计日志", &caller.0, session),
        day: day.to_string(),
        previous: (day - Days::new(1)).to_string(),
        entries: found
            .items
            .into_iter()
            .map(|e| Line {
                seq: e.seq,
                at: xinyong_domain::date::china_time(e.event.at)
                    .format("%H:%M:%S")
                    .to_string(),
                actor: e.event.actor,
                action: match action_label(&e.event.action) {
                    "" => e.event.action,
                    label => format!("{label}（{}）", e.event.action),
                },
                purpose: e.event.purpose.unwrap_or_default(),
                origin: e.event.origin.unwrap_or_default(),
                hash: hex(&e.hash).chars().take(16).collect(),
            })
            .collect(),
        next: found.next.map(|c| c.0),
        verified,
    };
    render(&page, &page.layout)
}

/// `GET /console/audit?day=…`.
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Session(session): Session,
    Query(params): Query<Params>,
) -> Result<Response, Error> {
    if let Some(redirect) = signed_out(&caller.0) {
        return Ok(redirect);
    }
    let day = match params.day.as_deref().filter(|d| !d.is_empty()) {
        Some(text) => xinyong_domain::date::parse(text)
            .ok_or_else(|| Error::InvalidRequest(format!("日期“{text}”无效，请使用如2026-11-27的格式")))?,
        None => today(),
    };
    page(&state, &caller, session.as_ref(), day, params.cursor, None).await
}

/// `POST /console/audit/verify`: walks the whole chain and shows the result.
pub(crate) async fn verify(
    State(state): State<AppState>,
    signed: SignedForm<std::collections::BTreeMap<String, String>>,
) -> Result<Response, Error> {
    let desk = state.access.audit_desk(&signed.principal)?;
    let report = desk.verify(&[]).await?;
    let verified = match report.broken {
        None => Verified {
            intact: true,
            text: format!(
                "审计日志完整：共 {} 条记录、{} 个检查点均校验通过；最新记录 {}，摘要 {}。",
                report.intact,
                report.checkpoints,
                report.head.0,
                hex(&report.head.1)
            ),
        },
        Some(broken) => Verified {
            intact: false,
            text: format!("审计日志被篡改或损坏：前 {} 条完整，问题：{broken}", report.intact),
        },
    };
    let caller = Caller(signed.principal.clone());
    page(&state, &caller, Some(&signed.session), today(), None, Some(verified)).await
}
