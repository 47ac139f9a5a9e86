//! `/publicity`: the 双公示 listing with its filters, newest first.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::api::dto::PublicRecord;
use crate::api::records::{RecordParams, public_records};
use crate::auth::{Caller, Session};
use crate::extract::Query;
use crate::site::layout::{Layout, render};
use crate::site::sections::record_types;
use crate::{AppState, Error};

#[derive(Debug, Default, Deserialize, Serialize)]
// Unknown parameters are ignored: shared links pick up tracking ones.
pub(crate) struct Params {
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    record_type: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    source: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    to: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    cursor: String,
}

#[derive(Debug)]
struct Kind {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "publicity.html")]
struct PublicityPage {
    layout: Layout,
    heading: String,
    kinds: Vec<Kind>,
    record_type: String,
    source: String,
    from: String,
    to: String,
    message: Option<String>,
    records: Vec<PublicRecord>,
    next: Option<String>,
}

/// `GET /publicity`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Session(session): Session,
    Query(mut params): Query<Params>,
) -> Result<Response, Error> {
    let kinds: Vec<Kind> = record_types(&state.catalog)
        .into_iter()
        .map(|(code, name)| Kind { code, name })
        .collect();
    let heading = kinds
        .iter()
        .find(|k| k.code == params.record_type)
        .map_or_else(|| "公示信息".to_owned(), |k| format!("{}公示", k.name));
    let listed = public_records(
        &state,
        RecordParams {
            record_type: Some(params.record_type.clone()),
            source: Some(params.source.trim().to_owned()),
            from: Some(params.from.clone()),
            to: Some(params.to.clone()),
            cursor: Some(params.cursor.clone()),
            limit: None,
        },
    )
    .await;
    let mut page = PublicityPage {
        layout: Layout::new(heading.clone(), &caller, session.as_ref()),
        heading,
        kinds,
        record_type: params.record_type.clone(),
        source: params.source.clone(),
        from: params.from.clone(),
        to: params.to.clone(),
        message: None,
        records: Vec::new(),
        next: None,
    };
    let status = match listed {
        Ok(listed) => {
            page.records = listed.items;
            if let Some(cursor) = listed.next_cursor {
                params.cursor = cursor;
                let query = serde_urlencoded::to_string(&params).map_err(|e| Error::Internal(e.to_string()))?;
                page.next = Some(format!("/publicity?{query}"));
            }
            StatusCode::OK
        }
        Err(Error::InvalidRequest(message)) => {
            page.message = Some(message);
            StatusCode::BAD_REQUEST
        }
        Err(Error::UnknownRecordType(code)) => {
            page.message = Some(format!("信息类别“{code}”不存在"));
            StatusCode::BAD_REQUEST
        }
        Err(Error::InvalidCursor) => {
            page.message = Some("分页已失效，请重新筛选。".into());
            StatusCode::BAD_REQUEST
        }
        Err(other) => return Err(other),
    };
    Ok((status, render(&page, &page.layout)?).into_response())
}
