//! Department ingestion through the API (`/api/v1/batches`): an upload is
//! always filed as the caller's own department's batch, and batches are
//! read only within the caller's scope.

use std::io::Write;
use std::path::Path;

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use utoipa::{IntoParams, ToSchema};
use xinyong_access::DepartmentDesk;
use xinyong_ingest::{ImportRequest, IncomingFile, Progress, export, report};
use xinyong_store::Batch;

use crate::api::{page_request, today};
use crate::auth::Caller;
use crate::extract::{PathText, Query};
use crate::{AppState, Error};

/// Rows posted as JSON instead of a file.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct JsonRows {
    /// Record type code (`xzcf`, `xzxk`).
    #[serde(rename = "type")]
    record_type: String,
    /// Rows: objects keyed by the catalogue's column codes or Chinese names.
    #[schema(value_type = Vec<Object>)]
    rows: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// A batch as listed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BatchLine {
    batch_id: i64,
    status: String,
    record_type: String,
    source: String,
    file_name: String,
    rows: i64,
    accepted: i64,
    rejected: i64,
    duplicates: i64,
    created_at: String,
}

impl From<&Batch> for BatchLine {
    fn from(b: &Batch) -> Self {
        Self {
            batch_id: b.id,
            status: b.status.code().into(),
            record_type: b.new.record_type.clone(),
            source: b.new.source.clone(),
            file_name: b.new.file_name.clone(),
            rows: b.summary.n_rows,
            accepted: b.summary.n_accepted,
            rejected: b.summary.n_rejected,
            duplicates: b.summary.n_duplicates,
            created_at: b.created_at.to_rfc3339(),
        }
    }
}

/// A page of batches.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BatchList {
    items: Vec<BatchLine>,
    next_cursor: Option<String>,
}

/// An upload being received (see [`IncomingFile`]).
pub(crate) fn incoming(state: &AppState, extension: &str) -> Result<IncomingFile, Error> {
    IncomingFile::new(&state.data_dir, extension).map_err(|e| Error::Internal(format!("incoming file: {e}")))
}

pub(crate) fn extension_of(file_name: &str) -> &str {
    Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| e.len() <= 8 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or("dat")
}

/// Uploads a file (multipart `type` and `file`) or rows (JSON) for the
/// caller's department, imports it, and answers with the batch report.
#[utoipa::path(post, path = "/api/v1/batches", tag = "batches",
    request_body(content = JsonRows, description = "JSON rows, or multipart/form-data with fields `type` and `file`"),
    responses((status = 201, description = "批次报告：{batch_id, status, rows, accepted, rejected, duplicates, errors, warnings}"),
              (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 413, body = crate::error::Problem),
              (status = 422, description = "文件整体未导入（不是表格、缺少表头或必需的列）：code 为 file_refused，batch 为记录此次拒收的批次报告", body = crate::error::Problem)))]
pub(crate) async fn upload(
    State(state): State<AppState>,
    Caller(caller): Caller,
    request: Request,
) -> Result<Response, Error> {
    let desk = state.access.department_desk(&caller).await?;
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (record_type, file_name, file) = if content_type.starts_with("multipart/form-data") {
        receive_multipart(&state, request).await?
    } else if content_type.starts_with("application/json") {
        receive_rows(&state, request).await?
    } else {
        return Err(Error::InvalidRequest(
            "请以 multipart/form-data 上传文件（字段 type 与 file），或以 JSON 提交数据行".into(),
        ));
    };
    let batch = import_upload(&state, &desk, &record_type, file_name, &file).await?;
    let mut body = Vec::new();
    report::write_json(&*state.store, &batch, &mut body)
        .await
        .map_err(|e| Error::Internal(format!("report: {e}")))?;
    if let Some(reason) = batch.refusal {
        // Nothing was imported: an error for the caller, with the batch
        // that records the refusal (the department sees it in its list).
        let report = serde_json::from_slice(&body).map_err(|e| Error::Internal(format!("report: {e}")))?;
        return Err(Error::FileRefused {
            reason,
            batch: Box::new(report),
        });
    }
    Ok(json_response(StatusCode::CREATED, body))
}

/// Imports a received file as the batch of the desk's department.
pub(crate) async fn import_upload(
    state: &AppState,
    desk: &DepartmentDesk,
    record_type: &str,
    file_name: String,
    file: &IncomingFile,
) -> Result<Batch, Error> {
    let entry = state
        .catalog
        .get(record_type)
        .ok_or_else(|| Error::UnknownRecordType(record_type.chars().take(40).collect()))?
        .clone();
    desk.record_upload(&entry.record_type.code, &file_name).await?;
    let batch = state
        .importer
        .import(
            ImportRequest {
                path: file.path().to_owned(),
                file_name,
                record_type: entry,
                source: desk.source().to_owned(),
                today: today(),
                data_dir: Some(state.data_dir.clone()),
                own_source_only: true,
                platform_made: false,
            },
            &Progress::default(),
        )
        .await
        .map_err(|e| Error::Internal(format!("import: {}", crate::error::with_causes(&e))))?;
    desk.record_import(&batch).await?;
    Ok(batch)
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn receive_multipart(state: &AppState, request: Request) -> Result<(String, String, IncomingFile), Error> {
    let multipart = crate::extract::multipart(request, state).await?;
    receive_fields(state, multipart).await
}

/// Receives the `type` and `file` fields of an upload, the file streamed
/// to disk.
pub(crate) async fn receive_fields(
    state: &AppState,
    mut multipart: Multipart,
) -> Result<(String, String, IncomingFile), Error> {
    let mut record_type = None;
    let mut received = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("type") => {
                let text = field.text().await.map_err(multipart_error)?;
                record_type = Some(text.trim().to_owned());
            }
            Some("file") => {
                let file_name = field
                    .file_name()
                    .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_owned())
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| "upload.csv".into());
                let target = incoming(state, extension_of(&file_name))?;
                let mut out = target
                    .create()
                    .map(tokio::fs::File::from_std)
                    .map_err(|e| Error::Internal(format!("incoming file: {e}")))?;
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    out.write_all(&chunk)
                        .await
                        .map_err(|e| Error::Internal(format!("incoming file: {e}")))?;
                }
                out.flush()
                    .await
                    .map_err(|e| Error::Internal(format!("incoming file: {e}")))?;
                received = Some((file_name, target));
            }
            _ => return Err(Error::InvalidRequest("上传内容只能包含字段 type 与 file".into())),
        }
    }
    let record_type = record_type.ok_or_else(|| Error::InvalidRequest("缺少字段 type（信息类别，如 xzcf）".into()))?;
    let (file_name, file) = received.ok_or_else(|| Error::InvalidRequest("缺少字段 file（要上传的文件）".into()))?;
    Ok((record_type, file_name, file))
}

pub(crate) fn multipart_error(error: axum::extract::multipart::MultipartError) -> Error {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::PayloadTooLarge
    } else {
        Error::InvalidRequest("上传内容格式有误（multipart/form-data）".into())
    }
}

async fn receive_rows(state: &AppState, request: Request) -> Result<(String, String, IncomingFile), Error> {
    let crate::extract::JsonBody(rows) = crate::extract::JsonBody::<JsonRows>::from_request(request, state).await?;
    if rows.rows.is_empty() {
        return Err(Error::InvalidRequest("rows 不能为空".into()));
    }
    let target = incoming(state, "jsonl")?;
    let mut out = std::io::BufWriter::new(
        target
            .create()
            .map_err(|e| Error::Internal(format!("incoming file: {e}")))?,
    );
    for row in &rows.rows {
        serde_json::to_writer(&mut out, row).map_err(|e| Error::Internal(e.to_string()))?;
        out.write_all(b"\n").map_err(|e| Error::Internal(e.to_string()))?;
    }
    out.flush().map_err(|e| Error::Internal(e.to_string()))?;
    Ok((rows.record_type, "api-rows.jsonl".into(), target))
}

/// Listing parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size.
    limit: Option<u32>,
}

/// The caller's batches (its department's; all of them for the credit office).
#[utoipa::path(get, path = "/api/v1/batches", tag = "batches", params(ListParams),
    responses((status = 200, body = BatchList), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(params): Query<ListParams>,
) -> Result<Json<BatchList>, Error> {
    let scope = state.access.batch_scope(&caller).await?;
    let page = page_request(&state, params.cursor, params.limit)?;
    let found = scope.list(&page).await?;
    Ok(Json(BatchList {
        items: found.items.iter().map(BatchLine::from).collect(),
        next_cursor: found.next.map(|c| c.0),
    }))
}

fn batch_id(text: &str) -> Result<i64, Error> {
    text.parse()
        .map_err(|_| Error::InvalidRequest("批次编号应为数字".into()))
}

/// One batch's report.
#[utoipa::path(get, path = "/api/v1/batches/{id}", tag = "batches",
    params(("id" = i64, Path, description = "批次编号")),
    responses((status = 200, description = "批次报告"), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(id): PathText,
) -> Result<Response, Error> {
    let scope = state.access.batch_scope(&caller).await?;
    let batch = scope.batch(batch_id(&id)?).await?;
    let mut body = Vec::new();
    report::write_json(&*state.store, &batch, &mut body)
        .await
        .map_err(|e| Error::Internal(format!("report: {e}")))?;
    Ok(json_response(StatusCode::OK, body))
}

/// The batch's rejected rows in the uploaded format, with a 错误原因 column.
#[utoipa::path(get, path = "/api/v1/batches/{id}/rejected", tag = "batches",
    params(("id" = i64, Path, description = "批次编号")),
    responses((status = 200, description = "被拒绝的数据行文件"), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn rejected(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(id): PathText,
) -> Result<Response, Error> {
    let scope = state.access.batch_scope(&caller).await?;
    let batch = scope.open_rejected(batch_id(&id)?).await?;
    let extension = batch.new.format.code();
    let target = incoming(&state, extension)?;
    export::write_rejected(&*state.store, state.importer.keys(), &batch, target.path())
        .await
        .map_err(|e| Error::Internal(format!("export: {}", crate::error::with_causes(&e))))?;
    let bytes = tokio::fs::read(target.path())
        .await
        .map_err(|e| Error::Internal(format!("export: {e}")))?;
    let stem = Path::new(&batch.new.file_name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("batch");
    let download = format!("{stem}-错误行.{extension}");
    let content_type = match extension {
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "jsonl" => "application/x-ndjson",
        _ => "text/csv",
    };
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_DISPOSITION,
        attachment(&format!("batch-{}-rejected.{extension}", batch.id), &download)?,
    );
    Ok(response)
}

/// A `Content-Disposition` that downloads as `name` (RFC 6266 / 5987:
/// percent-encoded UTF-8), with an ASCII `fallback` for old clients.
pub(crate) fn attachment(fallback: &str, name: &str) -> Result<HeaderValue, Error> {
    let encode = |text: &str, keep: fn(u8) -> bool| -> String {
        text.bytes()
            .map(|b| {
                if keep(b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-._".contains(&b);
    let fallback: String = fallback
        .bytes()
        .map(|b| if plain(b) { b as char } else { '_' })
        .collect();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        encode(name, plain)
    ))
    .map_err(|e| Error::Internal(e.to_string()))
}
