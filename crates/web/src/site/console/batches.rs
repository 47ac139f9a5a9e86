//! `/console/batches`: a department operator uploads files and reads each
//! batch's result — every rejected row with its reasons — and its history.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use xinyong_ingest::report::summary_text;
use xinyong_store::{Batch, BatchStatus, IssueSeverity, PageRequest};

use crate::api::batches::{import_upload, receive_fields};
use crate::api::page_request;
use crate::auth::{Caller, Session};
use crate::extract::{PathText, Query};
use crate::site::console::signed_out;
use crate::site::form::SignedUpload;
use crate::site::layout::{Layout, render};
use crate::site::sections::record_types;
use crate::{AppState, Error};

/// Row problems shown on a batch page; the download has every rejected row.
const ISSUES_SHOWN: u32 = 500;

/// A batch as the history lists it.
#[derive(Debug)]
struct Line {
    id: i64,
    at: String,
    file_name: String,
    record_type: String,
    status: &'static str,
    rows: i64,
    accepted: i64,
    rejected: i64,
    duplicates: i64,
}

impl Line {
    fn of(batch: &Batch, state: &AppState) -> Self {
        Self {
            id: batch.id,
            at: xinyong_domain::date::china_time(batch.created_at)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            file_name: batch.new.file_name.clone(),
            record_type: state
                .catalog
                .get(&batch.new.record_type)
                .map_or_else(|| batch.new.record_type.clone(), |e| e.record_type.name.clone()),
            status: status_label(batch),
            rows: batch.summary.n_rows,
            accepted: batch.summary.n_accepted,
            rejected: batch.summary.n_rejected,
            duplicates: batch.summary.n_duplicates,
        }
    }
}

#[derive(Debug)]
struct Kind {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "console/batches.html")]
struct BatchesPage {
    layout: Layout,
    department: String,
    kinds: Vec<Kind>,
    batches: Vec<Line>,
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
// Unknown parameters are ignored: shared links pick up tracking ones.
pub(crate) struct ListParams {
    cursor: Option<String>,
}

/// `GET /console/batches`: the upload form and the department's batches.
pub(crate) async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Session(session): Session,
    Query(params): Query<ListParams>,
) -> Result<Response, Error> {
    if let Some(redirect) = signed_out(&caller) {
        return Ok(redirect);
    }
    let desk = state.access.department_desk(&caller).await?;
    let department = desk.source().to_owned();
    let page = page_request(&state, params.cursor, None)?;
    let found = desk.batches().list(&page).await?;
    let page = BatchesPage {
        layout: Layout::new("数据上报", &caller, session.as_ref()),
        department,
        kinds: record_types(&state.catalog)
            .into_iter()
            .map(|(code, name)| Kind { code, name })
            .collect(),
        batches: found.items.iter().map(|b| Line::of(b, &state)).collect(),
        next: found.next.map(|c| c.0),
    };
    render(&page, &page.layout)
}

/// `POST /console/batches`: imports the file as the operator's department's
/// batch and shows its result.
pub(crate) async fn upload(State(state): State<AppState>, signed: SignedUpload) -> Result<Response, Error> {
    let desk = state.access.department_desk(&signed.principal).await?;
    let (record_type, file_name, file) = receive_fields(&state, signed.multipart).await?;
    let batch = import_upload(&state, &desk, &record_type, file_name, &file).await?;
    Ok(Redirect::to(&format!("/console/batches/{}", batch.id)).into_response())
}

/// One rejected row's problems, each as shown.
#[derive(Debug)]
struct RowProblems {
    row: i64,
    problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/batch.html")]
struct BatchPage {
    layout: Layout,
    batch: Line,
    summary: String,
    refused: bool,
    errors: Vec<RowProblems>,
    warnings: Vec<RowProblems>,
    more: bool,
}

fn by_row(issues: impl Iterator<Item = (i64, String, String)>) -> Vec<RowProblems> {
    let mut rows: Vec<RowProblems> = Vec::new();
    for (row, field, message) in issues {
        // Most messages already name their item.
        let shown = if message.starts_with(&field) {
            message
        } else {
            format!("{field}：{message}")
        };
        match rows.last_mut() {
            Some(last) if last.row == row => last.problems.push(shown),
            _ => rows.push(RowProblems {
                row,
                problems: vec![shown],
            }),
        }
    }
    rows
}

/// `GET /console/batches/{id}`: the batch's counts and every problem found.
pub(crate) async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Session(session): Session,
    PathText(id): PathText,
) -> Result<Response, Error> {
    if let Some(redirect) = signed_out(&caller) {
        return Ok(redirect);
    }
    let id = id
        .parse()
        .map_err(|_| Error::InvalidRequest("批次编号应为数字".into()))?;
    let batch = state.access.batch_scope(&caller).await?.batch(id).await?;
    let issues = state
        .store
        .batch_issues(batch.id, &PageRequest::first(ISSUES_SHOWN))
        .await?;
    let of = |severity: IssueSeverity| {
        by_row(
            issues
                .items
                .iter()
                .filter(move |i| i.severity == severity)
                .map(|i| (i.row_no, i.field.clone(), i.message.clone())),
        )
    };
    let page = BatchPage {
        layout: Layout::new(format!("批次 {} 的处理结果", batch.id), &caller, session.as_ref()),
        summary: summary_text(&batch),
        refused: batch.status == BatchStatus::Refused,
        errors: of(IssueSeverity::Error),
        warnings: of(IssueSeverity::Warning),
        more: issues.next.is_some(),
        batch: Line::of(&batch, &state),
    };
    render(&page, &page.layout)
}

/// The batch's outcome as a clerk reads it: a batch applied with every row
/// rejected imported nothing, and one with some rejected is not done.
fn status_label(batch: &Batch) -> &'static str {
    let s = &batch.summary;
    match batch.status {
        BatchStatus::Refused => "未导入",
        BatchStatus::Applied if s.n_rejected > 0 && s.n_accepted + s.n_duplicates == 0 => "全部被拒绝",
        BatchStatus::Applied if s.n_rejected > 0 => "部分导入",
        BatchStatus::Applied => "已导入",
    }
}
