//! `GET /api/v1/subjects` (search) and `GET /api/v1/subjects/{ref}` (one
//! subject with its public records).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use xinyong_domain::names::{QueryKind, classify_query};
use xinyong_domain::subject::SubjectRef;
use xinyong_domain::visibility::Viewer;
use xinyong_store::{Page, PageRequest, Subject, SubjectQuery};

use xinyong_access::SubjectFile;

use crate::api::dto::{SubjectDetail, SubjectPage, mark_objections, public_commitments, read_record, subject_summary};
use crate::api::{page_request, today};
use crate::auth::Caller;
use crate::extract::{PathText, Query};
use crate::{AppState, Error};

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// Part of a name (Chinese characters), or the beginning of a unified social credit code.
    q: Option<String>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size (1–100, default 20).
    limit: Option<u32>,
}

/// Longest query accepted, in characters.
const MAX_QUERY_CHARS: usize = 60;

/// Finds subjects by part of their name or the start of their code.
#[utoipa::path(get, path = "/api/v1/subjects", tag = "subjects", params(SearchParams),
    responses((status = 200, body = SubjectPage), (status = 400, body = crate::error::Problem)))]
pub(crate) async fn list_subjects(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Json<SubjectPage>, Error> {
    let page = page_request(&state, params.cursor, params.limit)?;
    let (_, found) = search(&state, &params.q.unwrap_or_default(), &page).await?;
    Ok(Json(SubjectPage {
        items: found.items.iter().map(|s| subject_summary(s, Viewer::Public)).collect(),
        next_cursor: found.next.map(|c| c.0),
    }))
}

/// Runs a search box query: what it was read as, and the page of subjects.
pub(crate) async fn search(
    state: &AppState,
    text: &str,
    page: &PageRequest,
) -> Result<(QueryKind, Page<Subject>), Error> {
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(Error::InvalidRequest(format!("查询内容不能超过{MAX_QUERY_CHARS}个字")));
    }
    let kind = classify_query(text).ok_or_else(|| {
        Error::InvalidRequest(match text.trim() {
            "" => "请输入主体名称或统一社会信用代码".into(),
            // Typed, but only punctuation and symbols (`%`, `_`, `（）`).
            typed => format!("“{typed}”中没有可查找的文字（标点和符号不参与查找）：请输入主体名称或统一社会信用代码"),
        })
    })?;
    let query = match &kind {
        QueryKind::CodePrefix(prefix) => SubjectQuery::CodePrefix(prefix.clone()),
        QueryKind::Name(chars) => SubjectQuery::Name(chars.clone()),
    };
    let found = state.store.search_subjects(&query, page).await?;
    Ok((kind, found))
}

/// Finds a subject by its URL reference: a person's platform reference
/// (`p` and 16 hexadecimal digits) or a unified social credit code.
/// A code that is not a valid one is answered with its fault (a mistyped
/// check character), not as a subject the platform lacks.
pub(crate) async fn find_subject(state: &AppState, reference: &str) -> Result<Subject, Error> {
    match SubjectRef::parse(reference) {
        SubjectRef::Person(person_ref) => state.store.subject_by_ref(&person_ref).await?,
        SubjectRef::Code(code) => match state.store.subject_by_uscc(&code).await? {
            Some(subject) => Some(subject),
            None => match xinyong_domain::id::Uscc::parse(&code) {
                Ok(_) => None,
                Err(reason) => {
                    let shown = xinyong_domain::id::mask_embedded_identifiers(&code).into_owned();
                    return Err(Error::InvalidRequest(format!(
                        "“{shown}”不是有效的统一社会信用代码或自然人的平台编号：{reason}"
                    )));
                }
            },
        },
    }
    .ok_or(Error::SubjectNotFound)
}

/// Parameters of a subject read.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReadParams {
    /// 查询用途: the code of a configured purpose. Without it every caller
    /// gets the public view; with it, officials and system keys get what
    /// their role, key and the subject's authorisations allow, and the read
    /// is logged in the subject's query log.
    purpose: Option<String>,
}

/// One subject with the records the caller may see.
#[utoipa::path(get, path = "/api/v1/subjects/{ref}", tag = "subjects",
    params(("ref" = String, Path, description = "统一社会信用代码，或自然人的平台编号"), ReadParams),
    responses((status = 200, body = SubjectDetail), (status = 400, body = crate::error::Problem),
              (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem)))]
pub(crate) async fn get_subject(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(reference): PathText,
    Query(params): Query<ReadParams>,
) -> Result<Json<SubjectDetail>, Error> {
    let subject = find_subject(&state, &reference).await?;
    let purpose = params.purpose.as_deref().map(str::trim).filter(|p| !p.is_empty());
    let today = today();
    let reader = state.access.reader(&caller, subject, purpose, today).await?;
    let detail = reader
        .answer(
            |code| state.catalog.get(code).map(|e| &*e.record_type),
            today,
            async |file| subject_detail(file, &state).await,
        )
        .await?;
    Ok(Json(detail))
}

/// The API view of a file read through the access layer: the records
/// marked where an objection runs, and the published commitments.
pub(crate) async fn subject_detail(file: &SubjectFile, state: &AppState) -> Result<SubjectDetail, Error> {
    let mut records: Vec<_> = file
        .records
        .iter()
        .filter_map(|read| read_record(read, &state.catalog))
        .collect();
    mark_objections(&state.rights, &mut records).await?;
    Ok(SubjectDetail {
        subject: subject_summary(&file.subject, file.viewer),
        records,
        commitments: public_commitments(state, &file.subject).await?,
    })
}
