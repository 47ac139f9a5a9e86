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
                action: e.event.action,
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
