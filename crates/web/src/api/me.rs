//! A signed-in subject's own file (`/api/v1/me/…`): the whole file, who read
//! it and why, and the authorisations it has given.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xinyong_access::Principal;
use xinyong_store::{Authorisation, PageRequest};

use crate::api::dto::SubjectDetail;
use crate::api::subjects::subject_detail;
use crate::api::{page_request, today};
use crate::auth::Caller;
use crate::extract::{JsonBody, PathText, Query};
use crate::{AppState, Error};

/// The subject's whole file, as its owner sees it.
#[utoipa::path(get, path = "/api/v1/me/file", tag = "me",
    responses((status = 200, body = SubjectDetail), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem)))]
pub(crate) async fn get_file(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<SubjectDetail>, Error> {
    let own = state.access.own_file(&caller).await?;
    let today = today();
    let detail = own
        .reader()
        .answer(
            |code| state.catalog.get(code).map(|e| &*e.record_type),
            today,
            async |file| subject_detail(file, &state).await,
        )
        .await?;
    Ok(Json(detail))
}

/// Paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageParams {
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size.
    limit: Option<u32>,
}

/// One read of the subject's file.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QueryEntry {
    /// When.
    pub(crate) at: DateTime<Utc>,
    /// Who: an account, a system client, or the subject itself.
    pub(crate) reader: String,
    /// The purpose code stated.
    pub(crate) purpose: Option<String>,
    /// The purpose in Chinese.
    pub(crate) purpose_name: Option<String>,
    /// The records the reader was shown.
    pub(crate) records: Vec<i64>,
    /// For a credit check (信用核查): the check and the matter it was for.
    pub(crate) check: Option<CheckRef>,
}

/// The credit check behind a read.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CheckRef {
    /// Check id.
    pub(crate) id: String,
    /// Matter code.
    pub(crate) matter: String,
    /// Matter name.
    pub(crate) matter_name: Option<String>,
}

/// A page of reads.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QueryPage {
    /// Reads, newest first.
    pub(crate) items: Vec<QueryEntry>,
    /// Pass as `cursor` for the next page.
    pub(crate) next_cursor: Option<String>,
}

/// Names a reader for the subject without revealing credentials: the
/// account's username or the client's name.
fn reader_name(actor: &str) -> String {
    let mut parts = actor.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("account"), _, Some(username)) => format!("账号 {username}"),
        (Some("key"), _, Some(client)) => format!("系统 {client}"),
        (Some("cli"), _, _) => "平台控制台".into(),
        // `batch:{id}:{kind}:{name}`: a batch check made by a system or an account.
        (Some("batch"), _, Some(owner)) => match owner.split_once(':') {
            Some(("key", client)) => format!("系统 {client}（批量核查）"),
            Some(("account", username)) => format!("账号 {username}（批量核查）"),
            _ => "平台控制台（批量核查）".into(),
        },
        _ => actor.to_owned(),
    }
}

/// Who read the subject's file, for what purpose, and which records.
#[utoipa::path(get, path = "/api/v1/me/queries", tag = "me", params(PageParams),
    responses((status = 200, body = QueryPage), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem)))]
pub(crate) async fn get_queries(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(params): Query<PageParams>,
) -> Result<Json<QueryPage>, Error> {
    let page = page_request(&state, params.cursor, params.limit)?;
    Ok(Json(query_page(&state, &caller, &page).await?))
}

/// A page of the signed-in subject's query log, readers named.
pub(crate) async fn query_page(state: &AppState, caller: &Principal, page: &PageRequest) -> Result<QueryPage, Error> {
    let own = state.access.own_file(caller).await?;
    let found = own.queries(page).await?;
    let book = state.checks.book();
    let items = found
        .items
        .into_iter()
        .map(|entry| {
            let detail: serde_json::Value = serde_json::from_str(&entry.event.detail).unwrap_or_default();
            let records = detail["records"]
                .as_array()
                .map(|ids| ids.iter().filter_map(serde_json::Value::as_i64).collect())
                .unwrap_or_default();
            let purpose_name = entry
                .event
                .purpose
                .as_deref()
                .and_then(|code| state.access.purpose(code).ok())
                .map(|p| p.name.clone());
            let check = match (detail["check"].as_str(), detail["matter"].as_str()) {
                (Some(id), Some(matter)) => Some(CheckRef {
                    id: id.to_owned(),
                    matter: matter.to_owned(),
                    matter_name: book.matter(matter).map(|m| m.name.clone()),
                }),
                _ => None,
            };
            QueryEntry {
                at: entry.event.at,
                reader: reader_name(&entry.event.actor),
                purpose: entry.event.purpose,
                purpose_name,
                records,
                check,
            }
        })
        .collect();
    Ok(QueryPage {
        items,
        next_cursor: found.next.map(|c| c.0),
    })
}

/// An authorisation the subject gave.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuthorisationView {
    /// Id.
    id: i64,
    /// The client authorised.
    client: String,
    /// The purpose code.
    purpose: String,
    /// Last day it holds.
    valid_until: NaiveDate,
    /// When it was withdrawn.
    revoked_at: Option<DateTime<Utc>>,
    /// When it was given.
    created_at: DateTime<Utc>,
}

impl From<Authorisation> for AuthorisationView {
    fn from(a: Authorisation) -> Self {
        Self {
            id: a.id,
            client: a.new.client,
            purpose: a.new.purpose,
            valid_until: a.new.valid_until,
            revoked_at: a.revoked_at,
            created_at: a.created_at,
        }
    }
}

/// The subject's authorisations.
#[utoipa::path(get, path = "/api/v1/me/authorisations", tag = "me",
    responses((status = 200, body = [AuthorisationView]), (status = 401, body = crate::error::Problem)))]
pub(crate) async fn list_authorisations(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<AuthorisationView>>, Error> {
    let own = state.access.own_file(&caller).await?;
    Ok(Json(own.authorisations().await?.into_iter().map(Into::into).collect()))
}

/// An authorisation to give.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Authorise {
    /// The client (as named on its keys), e.g. a bank.
    client: String,
    /// The purpose code, e.g. `xyd` (信易贷).
    purpose: String,
    /// Last day it holds.
    valid_until: NaiveDate,
}

/// Authorises a client to read the subject's 授权查询 data for a purpose.
#[utoipa::path(post, path = "/api/v1/me/authorisations", tag = "me", request_body = Authorise,
    responses((status = 201, body = AuthorisationView), (status = 400, body = crate::error::Problem),
              (status = 401, body = crate::error::Problem)))]
pub(crate) async fn authorise(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(form): JsonBody<Authorise>,
) -> Result<(StatusCode, Json<AuthorisationView>), Error> {
    let own = state.access.own_file(&caller).await?;
    let granted = own
        .authorise(&form.client, &form.purpose, form.valid_until, today())
        .await?;
    Ok((StatusCode::CREATED, Json(granted.into())))
}

/// Withdraws an authorisation.
#[utoipa::path(delete, path = "/api/v1/me/authorisations/{id}", tag = "me",
    params(("id" = i64, Path, description = "授权编号")),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(id): PathText,
) -> Result<StatusCode, Error> {
    let own = state.access.own_file(&caller).await?;
    let id = id
        .parse()
        .map_err(|_| Error::InvalidRequest("授权编号应为数字".into()))?;
    own.withdraw(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::reader_name;

    #[test]
    fn readers_are_named_without_their_credentials() {
        let cases = [
            ("account:7:zhang", "账号 zhang"),
            ("key:0123456789ab:公共资源交易平台", "系统 公共资源交易平台"),
            ("cli:root", "平台控制台"),
            ("batch:3:key:评先评优系统", "系统 评先评优系统（批量核查）"),
            ("batch:4:account:zhang", "账号 zhang（批量核查）"),
            ("batch:5:cli:root", "平台控制台（批量核查）"),
        ];
        for (actor, shown) in cases {
            assert_eq!(reader_name(actor), shown, "{actor}");
        }
    }
}
