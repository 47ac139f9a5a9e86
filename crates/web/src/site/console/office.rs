//! `/console/office`: the credit office settles the name conflicts imports
//! flagged — a subject renamed, another name of the same subject, or a
//! wrong name.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use xinyong_access::{AccessError, Principal, ReviewDesk};
use xinyong_store::NameDecision;

use crate::api::page_request;
use crate::auth::{Caller, Session, SessionContext};
use crate::extract::{PathText, Query};
use crate::site::console::signed_out;
use crate::site::form::SignedForm;
use crate::site::layout::{Layout, render};
use crate::{AppState, Error};

#[derive(Debug)]
struct FlagLine {
    id: i64,
    subject_key: String,
    current: String,
    incoming: String,
    batch: i64,
    row: i64,
    rows: i64,
}

#[derive(Template)]
#[template(path = "console/office.html")]
struct OfficePage {
    layout: Layout,
    notice: Option<String>,
    error: Option<String>,
    flags: Vec<FlagLine>,
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
// Unknown parameters are ignored: shared links pick up tracking ones.
pub(crate) struct Params {
    cursor: Option<String>,
}

async fn render_page(
    state: &AppState,
    principal: &Principal,
    session: Option<&SessionContext>,
    desk: &ReviewDesk,
    cursor: Option<String>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, Error> {
    let found = desk.flags(&page_request(state, cursor, None)?).await?;
    let page = OfficePage {
        layout: Layout::new("名称冲突复核", principal, session),
        notice,
        error,
        flags: found
            .items
            .into_iter()
            .map(|f| FlagLine {
                id: f.id,
                subject_key: f.subject_key,
                current: f.subject_name,
                incoming: f.incoming_name,
                batch: f.first_batch,
                row: f.first_row,
                rows: f.n_rows,
            })
            .collect(),
        next: found.next.map(|c| c.0),
    };
    render(&page, &page.layout)
}

/// `GET /console/office`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Session(session): Session,
    Query(params): Query<Params>,
) -> Result<Response, Error> {
    if let Some(redirect) = signed_out(&caller) {
        return Ok(redirect);
    }
    let desk = state.access.review_desk(&caller)?;
    render_page(&state, &caller, session.as_ref(), &desk, params.cursor, None, None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Decision {
    decision: String,
}

/// `POST /console/office/flags/{id}`: settles one conflict.
pub(crate) async fn settle(
    State(state): State<AppState>,
    PathText(id): PathText,
    signed: SignedForm<Decision>,
) -> Result<Response, Error> {
    let desk = state.access.review_desk(&signed.principal)?;
    let id: i64 = id.parse().map_err(|_| Error::InvalidRequest("编号应为数字".into()))?;
    let decision = NameDecision::from_code(&signed.form.decision)
        .ok_or_else(|| Error::InvalidRequest("处理方式应为 rename、alias 或 reject".into()))?;
    let (notice, error) = match desk.settle(id, decision).await {
        Ok(flag) => (
            Some(match decision {
                NameDecision::Rename => format!(
                    "{} 已更名为 {}，原名称保留为曾用名",
                    flag.subject_name, flag.incoming_name
                ),
                NameDecision::Alias => format!("已将“{}”登记为 {} 的另一名称", flag.incoming_name, flag.subject_name),
                NameDecision::Reject => format!("已驳回名称“{}”，请通知报送单位更正", flag.incoming_name),
            }),
            None,
        ),
        Err(AccessError::NotFound(text)) => (None, Some(text)),
        Err(other) => return Err(other.into()),
    };
    render_page(
        &state,
        &signed.principal,
        Some(&signed.session),
        &desk,
        None,
        notice,
        error,
    )
    .await
}
