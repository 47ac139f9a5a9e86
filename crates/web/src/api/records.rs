//! `GET /api/v1/records`: the 双公示 listing, filtered and paged.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use xinyong_domain::visibility::Viewer;
use xinyong_store::RecordFilter;

use crate::api::dto::{RecordPage, mark_objections, public_record, subject_summary};
use crate::api::{page_request, today};
use crate::extract::Query;
use crate::{AppState, Error};

/// Listing filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct RecordParams {
    /// Record type: `xzcf` (行政处罚) or `xzxk` (行政许可).
    #[serde(rename = "type")]
    pub(crate) record_type: Option<String>,
    /// Supplying department, exactly as named.
    pub(crate) source: Option<String>,
    /// Decided on or after this date.
    pub(crate) from: Option<String>,
    /// Decided on or before this date.
    pub(crate) to: Option<String>,
    /// Cursor from the previous page.
    pub(crate) cursor: Option<String>,
    /// Page size (1–100, default 20).
    pub(crate) limit: Option<u32>,
}

fn date_param(name: &str, text: Option<String>) -> Result<Option<chrono::NaiveDate>, Error> {
    match text.filter(|t| !t.trim().is_empty()) {
        None => Ok(None),
        Some(text) => xinyong_domain::date::parse(&text)
            .map(Some)
            .ok_or_else(|| Error::InvalidRequest(format!("{name}“{text}”不是有效日期，请使用如2024-01-05的格式"))),
    }
}

/// Public records, newest decision first.
#[utoipa::path(get, path = "/api/v1/records", tag = "records", params(RecordParams),
    responses((status = 200, body = RecordPage), (status = 400, body = crate::error::Problem)))]
pub(crate) async fn list_records(
    State(state): State<AppState>,
    Query(params): Query<RecordParams>,
) -> Result<Json<RecordPage>, Error> {
    Ok(Json(public_records(&state, params).await?))
}

/// A page of the public listing.
pub(crate) async fn public_records(state: &AppState, params: RecordParams) -> Result<RecordPage, Error> {
    let record_type = params.record_type.filter(|t| !t.is_empty());
    if let Some(code) = &record_type
        && state.catalog.get(code).is_none()
    {
        return Err(Error::UnknownRecordType(code.clone()));
    }
    let today = today();
    let (from, to) = (
        date_param("起始日期（from）", params.from)?,
        date_param("截止日期（to）", params.to)?,
    );
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(Error::InvalidRequest(format!(
            "起始日期（from）{from}晚于截止日期（to）{to}"
        )));
    }
    let filter = RecordFilter {
        record_type,
        source: params.source.filter(|s| !s.is_empty()),
        from,
        to,
        public_on: Some(today),
    };
    let page = page_request(state, params.cursor, params.limit)?;
    let found = state.store.list_records(&filter, &page).await?;
    let items = found
        .items
        .iter()
        .filter_map(|(record, subject)| {
            let mut shown = public_record(record, subject, &state.catalog, Viewer::Public, today)?;
            shown.subject = Some(subject_summary(subject, Viewer::Public));
            Some(shown)
        })
        .collect();
    let mut items: Vec<_> = items;
    mark_objections(&state.rights, &mut items).await?;
    Ok(RecordPage {
        items,
        next_cursor: found.next.map(|c| c.0),
    })
}
