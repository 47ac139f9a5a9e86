//! Credit checks (逢办必查) for other systems' workflows, their feedback,
//! the credit office's statistics, and the measure book.

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use utoipa::{IntoParams, ToSchema};
use xinyong_checks::{BatchRequest, CheckAnswer, CheckRequest, FeedbackRequest};
use xinyong_domain::measures::MeasureBook;
use xinyong_store::{Check, CheckBatch, CheckStats};

use crate::api::batches::{extension_of, incoming, multipart_error};
use crate::api::page_request;
use crate::auth::Caller;
use crate::extract::{JsonBody, PathText, Query};
use crate::{AppState, Error};

/// A check with its answer and the feedback, if given.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CheckView {
    answer: CheckAnswer,
    feedback: Option<FeedbackView>,
}

/// Feedback as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FeedbackView {
    applied: Vec<String>,
    outcome: String,
    case_no: Option<String>,
    at: DateTime<Utc>,
}

impl TryFrom<Check> for CheckView {
    type Error = Error;

    fn try_from(check: Check) -> Result<Self, Error> {
        let answer = serde_json::from_str(&check.new.answer)
            .map_err(|e| Error::Internal(format!("check {}: {e}", check.new.id)))?;
        Ok(Self {
            answer,
            feedback: check.feedback.map(|f| FeedbackView {
                applied: f.applied,
                outcome: f.outcome,
                case_no: f.case_no,
                at: f.at,
            }),
        })
    }
}

/// Checks a subject in a matter: the lists and records that matter and the
/// measures that apply, each with its basis. A subject the platform does
/// not know is an answer without records.
#[utoipa::path(post, path = "/api/v1/checks", tag = "checks", request_body = CheckRequest,
    responses((status = 200, body = CheckAnswer), (status = 400, body = crate::error::Problem),
              (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub(crate) async fn check(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(request): JsonBody<CheckRequest>,
) -> Result<Json<CheckAnswer>, Error> {
    let desk = state.checks.desk(&caller)?;
    Ok(Json(desk.check(&request, Utc::now()).await?))
}

/// One of the caller's own checks.
#[utoipa::path(get, path = "/api/v1/checks/{id}", tag = "checks",
    params(("id" = String, Path, description = "核查编号")),
    responses((status = 200, body = CheckView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(id): PathText,
) -> Result<Json<CheckView>, Error> {
    let desk = state.checks.desk(&caller)?;
    Ok(Json(desk.own(&id).await?.try_into()?))
}

/// Reports which of the returned measures the caller applied, and the
/// outcome; once per check, and only by the system that checked.
#[utoipa::path(post, path = "/api/v1/checks/{id}/feedback", tag = "checks", request_body = FeedbackRequest,
    params(("id" = String, Path, description = "核查编号")),
    responses((status = 200, body = CheckView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub(crate) async fn feedback(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(id): PathText,
    JsonBody(request): JsonBody<FeedbackRequest>,
) -> Result<Json<CheckView>, Error> {
    let desk = state.checks.desk(&caller)?;
    Ok(Json(desk.feedback(&id, &request, Utc::now()).await?.try_into()?))
}

/// Which overdue checks to list, and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct OverdueParams {
    /// `own` (default): the caller's; `all`: every system's (credit office).
    scope: Option<String>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size.
    limit: Option<u32>,
}

/// A check awaiting feedback: what it was, not what it showed (the
/// subject's records stay with the system that checked).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OverdueView {
    check_id: String,
    /// `key`, `account` or `cli`.
    caller_kind: String,
    /// The system's or account's name.
    caller: String,
    department_id: Option<i64>,
    matter: String,
    purpose: String,
    checked_at: DateTime<Utc>,
    measures: i32,
    mandatory: i32,
}

impl From<Check> for OverdueView {
    fn from(check: Check) -> Self {
        let (caller_kind, caller) = split_owner(&check.new.client);
        Self {
            check_id: check.new.id,
            caller_kind,
            caller,
            department_id: check.new.department_id,
            matter: check.new.matter,
            purpose: check.new.purpose,
            checked_at: check.new.checked_at,
            measures: check.new.n_measures,
            mandatory: check.new.n_mandatory,
        }
    }
}

/// Splits a check's owner (`key:公共资源交易平台`) into its kind and name.
fn split_owner(owner: &str) -> (String, String) {
    match owner.split_once(':') {
        Some((kind, name)) => (kind.to_owned(), name.to_owned()),
        None => (String::new(), owner.to_owned()),
    }
}

/// A page of overdue checks.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CheckPage {
    items: Vec<OverdueView>,
    next_cursor: Option<String>,
}

/// Checks that returned measures and got no feedback within the configured
/// time, oldest first.
#[utoipa::path(get, path = "/api/v1/checks/overdue", tag = "checks", params(OverdueParams),
    responses((status = 200, body = CheckPage), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem)))]
pub(crate) async fn overdue(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(params): Query<OverdueParams>,
) -> Result<Json<CheckPage>, Error> {
    let page = page_request(&state, params.cursor, params.limit)?;
    let found = match params.scope.as_deref() {
        None | Some("own") => state.checks.desk(&caller)?.overdue(&page, Utc::now()).await?,
        Some("all") => state.checks.stats_desk(&caller)?.overdue(&page, Utc::now()).await?,
        Some(_) => return Err(Error::InvalidRequest("scope 应为 own 或 all".into())),
    };
    Ok(Json(CheckPage {
        items: found.items.into_iter().map(Into::into).collect(),
        next_cursor: found.next.map(|c| c.0),
    }))
}

/// Months to count.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatsParams {
    /// First month, `YYYY-MM`.
    from: String,
    /// Last month, `YYYY-MM` (default: `from`).
    to: Option<String>,
}

/// Checks and applied measures of one system in one matter and month.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StatsView {
    month: String,
    /// `key`, `account` or `cli`.
    caller_kind: String,
    /// The system's or account's name.
    caller: String,
    department_id: Option<i64>,
    matter: String,
    checks: i64,
    with_measures: i64,
    answered: i64,
    applied: i64,
}

impl From<CheckStats> for StatsView {
    fn from(s: CheckStats) -> Self {
        let (caller_kind, caller) = split_owner(&s.client);
        Self {
            month: s.month,
            caller_kind,
            caller,
            department_id: s.department_id,
            matter: s.matter,
            checks: s.checks,
            with_measures: s.with_measures,
            answered: s.answered,
            applied: s.applied,
        }
    }
}

/// Checks, checks that returned measures, feedback and measures applied,
/// per month (China time), system and matter (联合奖惩 statistics).
#[utoipa::path(get, path = "/api/v1/checks/statistics", tag = "checks", params(StatsParams),
    responses((status = 200, body = [StatsView]), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub(crate) async fn statistics(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(params): Query<StatsParams>,
) -> Result<Json<Vec<StatsView>>, Error> {
    let desk = state.checks.stats_desk(&caller)?;
    let to = params.to.as_deref().unwrap_or(&params.from);
    let stats = desk.stats(&params.from, to).await?;
    Ok(Json(stats.into_iter().map(Into::into).collect()))
}

/// The measure book in force: measures, matters and rules.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BookView {
    /// SM3 digest of the files it was compiled from.
    digest: String,
    measures: Vec<MeasureView>,
    matters: Vec<MatterView>,
    rules: Vec<RuleView>,
}

/// A measure.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MeasureView {
    code: String,
    name: String,
    kind: String,
    category: String,
    basis: String,
    departments: Vec<String>,
    mandatory: bool,
    active: bool,
}

/// A matter.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MatterView {
    code: String,
    name: String,
    group: String,
    /// The purpose a check in this matter usually states.
    purpose: Option<String>,
}

/// A rule.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RuleView {
    code: String,
    name: String,
    /// Empty: every matter.
    matters: Vec<String>,
    subjects: Vec<String>,
    record_type: String,
    severities: Vec<String>,
    within_months: Option<u32>,
    unless: Vec<String>,
    measures: Vec<String>,
    basis: String,
}

impl From<&MeasureBook> for BookView {
    fn from(book: &MeasureBook) -> Self {
        Self {
            digest: book.digest().to_owned(),
            measures: book
                .measures()
                .iter()
                .map(|m| MeasureView {
                    code: m.code.clone(),
                    name: m.name.clone(),
                    kind: m.kind.label().to_owned(),
                    category: m.category.clone(),
                    basis: m.basis.clone(),
                    departments: m.departments.clone(),
                    mandatory: m.mandatory,
                    active: m.active,
                })
                .collect(),
            matters: book
                .matters()
                .iter()
                .map(|m| MatterView {
                    code: m.code.clone(),
                    name: m.name.clone(),
                    group: m.group.clone(),
                    purpose: m.purpose.clone(),
                })
                .collect(),
            rules: book
                .rules()
                .iter()
                .map(|r| RuleView {
                    code: r.code.clone(),
                    name: r.name.clone(),
                    matters: r.matters.clone(),
                    subjects: r.subjects.iter().map(|s| s.label().to_owned()).collect(),
                    record_type: r.when.record_type.clone(),
                    severities: r.when.severities.iter().map(|s| s.label().to_owned()).collect(),
                    within_months: r.when.within_months,
                    unless: r.unless.clone(),
                    measures: r.measures.clone(),
                    basis: r.basis.clone(),
                })
                .collect(),
        }
    }
}

/// The measure book in force (public: the measure lists are published).
#[utoipa::path(get, path = "/api/v1/measures", tag = "checks",
    responses((status = 200, body = BookView)))]
pub(crate) async fn book(State(state): State<AppState>) -> Json<BookView> {
    Json(BookView::from(state.checks.book().as_ref()))
}

/// Re-reads the measure, matter and rule files and puts them in force
/// (administrators). A broken file changes nothing and says what is wrong.
#[utoipa::path(post, path = "/api/v1/measures/reload", tag = "checks",
    responses((status = 200, body = BookView), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub(crate) async fn reload(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<BookView>, Error> {
    let book = state.checks.reload(&caller).await?;
    Ok(Json(BookView::from(book.as_ref())))
}

/// A batch check and its progress.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BatchView {
    id: i64,
    matter: String,
    purpose: String,
    /// Subjects in the batch.
    total: i32,
    /// Subjects checked so far.
    done: i64,
    /// `running`, `done` or `failed`.
    status: String,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

impl From<CheckBatch> for BatchView {
    fn from(b: CheckBatch) -> Self {
        Self {
            id: b.id,
            matter: b.new.matter,
            purpose: b.new.purpose,
            total: b.new.total,
            done: b.done,
            status: b.status.code().to_owned(),
            created_at: b.new.created_at,
            finished_at: b.finished_at,
        }
    }
}

/// Starts a batch check of up to 10,000 subjects in one matter; the checks
/// run in the background, each logged like a single check. The subjects
/// come as JSON, or as a file (multipart `matter`, `purpose`, `file`: CSV in
/// UTF-8 or GBK, or XLSX, with a header row; the column headed
/// 统一社会信用代码, 主体代码 or 证件号码, else the first).
#[utoipa::path(post, path = "/api/v1/checks/batches", tag = "checks",
    request_body(content = BatchRequest, description = "JSON，或 multipart/form-data 字段 matter、purpose、file（主体清单 CSV/XLSX）"),
    responses((status = 202, body = BatchView), (status = 400, body = crate::error::Problem),
              (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub(crate) async fn start_batch(
    State(state): State<AppState>,
    Caller(caller): Caller,
    request: Request,
) -> Result<(StatusCode, Json<BatchView>), Error> {
    let desk = state.checks.desk(&caller)?;
    let request = if crate::extract::is_multipart(&request) {
        batch_from_file(&state, request).await?
    } else {
        JsonBody::<BatchRequest>::from_request(request, &state).await?.0
    };
    let batch = desk.start_batch(&request, Utc::now()).await?;
    Ok((StatusCode::ACCEPTED, Json(batch.into())))
}

/// Headers naming the column of subject codes in an uploaded list; without
/// one, the first column is taken.
const CODE_HEADERS: [&str; 6] = [
    "统一社会信用代码",
    "主体代码",
    "证件号码",
    "身份证号码",
    "代码",
    "subject",
];

/// A batch from a multipart upload: `matter`, `purpose` and `file` (CSV in
/// UTF-8 or GBK, or XLSX; a header row, then one subject per row).
async fn batch_from_file(state: &AppState, request: Request) -> Result<BatchRequest, Error> {
    let mut multipart = crate::extract::multipart(request, state).await?;
    let (mut matter, mut purpose, mut file) = (None, None, None);
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("matter") => matter = Some(field.text().await.map_err(multipart_error)?.trim().to_owned()),
            Some("purpose") => purpose = Some(field.text().await.map_err(multipart_error)?.trim().to_owned()),
            Some("file") => {
                let name = field.file_name().unwrap_or("list.csv").to_owned();
                let bytes = field.bytes().await.map_err(multipart_error)?;
                let target = incoming(state, extension_of(&name))?;
                let mut out = target
                    .create()
                    .map(tokio::fs::File::from_std)
                    .map_err(|e| Error::Internal(format!("incoming file: {e}")))?;
                out.write_all(&bytes)
                    .await
                    .map_err(|e| Error::Internal(format!("incoming file: {e}")))?;
                out.flush()
                    .await
                    .map_err(|e| Error::Internal(format!("incoming file: {e}")))?;
                file = Some(target);
            }
            _ => {
                return Err(Error::InvalidRequest(
                    "上传内容只能包含字段 matter、purpose 与 file".into(),
                ));
            }
        }
    }
    let matter = matter.ok_or_else(|| Error::InvalidRequest("缺少字段 matter（事项代码）".into()))?;
    let file = file.ok_or_else(|| Error::InvalidRequest("缺少字段 file（主体清单文件）".into()))?;
    let path = file.path().to_owned();
    let subjects = tokio::task::spawn_blocking(move || read_codes(&path))
        .await
        .map_err(|e| Error::Internal(format!("reading the list: {e}")))??;
    drop(file);
    Ok(BatchRequest {
        matter,
        purpose: purpose.filter(|p| !p.is_empty()),
        subjects,
    })
}

/// The subject codes of a list file, at most one more than a batch takes
/// (so that an over-long list is refused by the batch's own rule).
fn read_codes(path: &std::path::Path) -> Result<Vec<String>, Error> {
    use xinyong_ingest::read;
    let unreadable = |e: read::ReadError| Error::InvalidRequest(format!("主体清单无法读取：{e}"));
    let format = read::detect_format(path).map_err(unreadable)?;
    let table = read::open(path, format, &Default::default()).map_err(unreadable)?;
    let column = table
        .headers
        .iter()
        .position(|h| CODE_HEADERS.contains(&h.trim()))
        .unwrap_or(0);
    let mut codes = Vec::new();
    for row in table.rows.take(xinyong_checks::MAX_BATCH + 1) {
        let row = row.map_err(unreadable)?;
        let code = row.cells.get(column).map(|c| c.trim()).unwrap_or_default();
        if !code.is_empty() {
            codes.push(code.to_owned());
        }
    }
    Ok(codes)
}

/// A batch check's progress.
#[utoipa::path(get, path = "/api/v1/checks/batches/{id}", tag = "checks",
    params(("id" = i64, Path, description = "批量核查编号")),
    responses((status = 200, body = BatchView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem)))]
pub(crate) async fn show_batch(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(id): PathText,
) -> Result<Json<BatchView>, Error> {
    let desk = state.checks.desk(&caller)?;
    Ok(Json(desk.batch(batch_number(&id)?).await?.into()))
}

/// A batch check's answers so far as CSV (UTF-8 with BOM, one row per
/// subject, in the order given): subject, name, whether on file, measures,
/// mandatory measures, check id.
#[utoipa::path(get, path = "/api/v1/checks/batches/{id}/result", tag = "checks",
    params(("id" = i64, Path, description = "批量核查编号")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem)))]
pub(crate) async fn batch_result(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(id): PathText,
) -> Result<impl IntoResponse, Error> {
    let desk = state.checks.desk(&caller)?;
    let (batch, answers) = desk.batch_answers(batch_number(&id)?).await?;
    let mut csv = String::from("\u{feff}序号,主体代码,主体名称,是否在库,适用措施,必须实施的措施,核查编号\n");
    for (row, answer) in answers.iter().enumerate() {
        let measures: Vec<&str> = answer.measures.iter().map(|m| m.code.as_str()).collect();
        let mandatory: Vec<&str> = answer
            .measures
            .iter()
            .filter(|m| m.mandatory)
            .map(|m| m.code.as_str())
            .collect();
        csv.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            row + 1,
            csv_cell(&answer.subject.code),
            csv_cell(answer.subject.name.as_deref().unwrap_or("")),
            if answer.subject.found { "是" } else { "否" },
            measures.join(" "),
            mandatory.join(" "),
            answer.check_id
        ));
    }
    let disposition = format!("attachment; filename=\"check-batch-{}.csv\"", batch.id);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    ))
}

fn batch_number(text: &str) -> Result<i64, Error> {
    text.parse()
        .map_err(|_| Error::InvalidRequest("批量核查编号应为数字".into()))
}

/// One CSV cell: quoted when it holds a separator, a quote or a line break;
/// a leading formula character is defused for spreadsheets.
fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}
