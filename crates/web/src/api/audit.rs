//! The audit log for auditors (审计员): entries by time, and verification
//! of the hash chain. Also the public list of purposes.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xinyong_crypto::hex;
use xinyong_domain::audit::Entry;

use crate::api::page_request;
use crate::auth::Caller;
use crate::extract::Query;
use crate::{AppState, Error};

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EntryView {
    seq: i64,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    subject_id: Option<i64>,
    purpose: Option<String>,
    /// Details as JSON text, exactly as hashed.
    detail: String,
    origin: Option<String>,
    prev_hash: String,
    hash: String,
}

impl From<Entry> for EntryView {
    fn from(e: Entry) -> Self {
        Self {
            seq: e.seq,
            at: e.event.at,
            actor: e.event.actor,
            action: e.event.action,
            subject_id: e.event.subject_id,
            purpose: e.event.purpose,
            detail: e.event.detail,
            origin: e.event.origin,
            prev_hash: hex(&e.prev_hash),
            hash: hex(&e.hash),
        }
    }
}

/// A page of entries.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct EntryPage {
    items: Vec<EntryView>,
    next_cursor: Option<String>,
}

/// Range and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct RangeParams {
    /// From (RFC 3339), default: the beginning.
    from: Option<DateTime<Utc>>,
    /// To (RFC 3339), default: now.
    to: Option<DateTime<Utc>>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size.
    limit: Option<u32>,
}

/// Audit entries in a time range, in chain order.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(RangeParams),
    responses((status = 200, body = EntryPage), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(params): Query<RangeParams>,
) -> Result<Json<EntryPage>, Error> {
    let desk = state.access.audit_desk(&caller)?;
    let page = page_request(&state, params.cursor, params.limit)?;
    let from = params.from.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let to = params.to.unwrap_or_else(Utc::now);
    let found = desk.entries(from, to, &page).await?;
    Ok(Json(EntryPage {
        items: found.items.into_iter().map(Into::into).collect(),
        next_cursor: found.next.map(|c| c.0),
    }))
}

/// The outcome of a verification.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct VerifyView {
    /// Whether the whole chain and every checkpoint are intact.
    intact: bool,
    /// Entries intact before the first break (all, if none).
    entries: u64,
    /// Position of the last intact entry.
    head_seq: i64,
    /// Its digest.
    head_hash: String,
    /// Checkpoints compared.
    checkpoints: usize,
    /// The first break, in Chinese.
    problem: Option<String>,
}

/// Walks the whole chain and its checkpoints.
#[utoipa::path(post, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = VerifyView), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem)))]
pub(crate) async fn verify(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<VerifyView>, Error> {
    let desk = state.access.audit_desk(&caller)?;
    let report = desk.verify(&[]).await?;
    Ok(Json(VerifyView {
        intact: report.broken.is_none(),
        entries: report.intact,
        head_seq: report.head.0,
        head_hash: hex(&report.head.1),
        checkpoints: report.checkpoints,
        problem: report.broken.map(|b| b.to_string()),
    }))
}

/// A purpose a non-public read may state.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PurposeView {
    /// Code.
    code: String,
    /// Chinese name.
    name: String,
}

/// The configured purposes (查询用途).
#[utoipa::path(get, path = "/api/v1/purposes", tag = "access", responses((status = 200, body = [PurposeView])))]
pub(crate) async fn purposes(State(state): State<AppState>) -> Json<Vec<PurposeView>> {
    Json(
        state
            .access
            .purposes()
            .iter()
            .map(|p| PurposeView {
                code: p.code.clone(),
                name: p.name.clone(),
            })
            .collect(),
    )
}
