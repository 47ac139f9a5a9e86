//! Administration (管理员): departments, accounts and API keys.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xinyong_access::{AccountRequest, KeyRequest};
use xinyong_domain::Role;
use xinyong_store::{Account, ApiKey, Department};

use crate::api::today;
use crate::auth::Caller;
use crate::extract::{JsonBody, PathText};
use crate::{AppState, Error};

/// A department.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DepartmentView {
    id: i64,
    name: String,
    uscc: String,
    region: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<Department> for DepartmentView {
    fn from(d: Department) -> Self {
        Self {
            id: d.id,
            name: d.new.name,
            uscc: d.new.uscc,
            region: d.new.region,
            created_at: d.created_at,
        }
    }
}

/// A department to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewDepartmentForm {
    /// 单位名称.
    name: String,
    /// 统一社会信用代码.
    uscc: String,
    /// 行政区划代码.
    region: Option<String>,
}

/// Every department.
#[utoipa::path(get, path = "/api/v1/departments", tag = "admin",
    responses((status = 200, body = [DepartmentView]), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem)))]
pub(crate) async fn list_departments(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<DepartmentView>>, Error> {
    let desk = state.access.admin_desk(&caller)?;
    Ok(Json(desk.departments().await?.into_iter().map(Into::into).collect()))
}

/// Creates a department.
#[utoipa::path(post, path = "/api/v1/departments", tag = "admin", request_body = NewDepartmentForm,
    responses((status = 201, body = DepartmentView), (status = 400, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub(crate) async fn create_department(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(form): JsonBody<NewDepartmentForm>,
) -> Result<(StatusCode, Json<DepartmentView>), Error> {
    let desk = state.access.admin_desk(&caller)?;
    let department = desk
        .create_department(&form.name, &form.uscc, form.region.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(department.into())))
}

/// An account (never its password hash).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AccountView {
    id: i64,
    username: String,
    role: String,
    role_label: String,
    department_id: Option<i64>,
    subject_id: Option<i64>,
    disabled: bool,
    created_at: DateTime<Utc>,
}

impl From<Account> for AccountView {
    fn from(a: Account) -> Self {
        Self {
            id: a.id,
            username: a.new.username,
            role: a.new.role.code().into(),
            role_label: a.new.role.label().into(),
            department_id: a.new.department_id,
            subject_id: a.new.subject_id,
            disabled: a.disabled,
            created_at: a.created_at,
        }
    }
}

/// An account to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAccountForm {
    /// 用户名.
    username: String,
    /// `subject`, `operator`, `reviewer`, `admin` or `auditor`.
    role: String,
    /// The department's 统一社会信用代码 (operators).
    department: Option<String>,
    /// The subject's 统一社会信用代码, 公民身份号码 or platform reference (subject accounts).
    subject: Option<String>,
    /// Initial password (at least 10 characters).
    password: String,
}

/// Every account.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "admin",
    responses((status = 200, body = [AccountView]), (status = 403, body = crate::error::Problem)))]
pub(crate) async fn list_accounts(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<AccountView>>, Error> {
    let desk = state.access.admin_desk(&caller)?;
    Ok(Json(desk.accounts().await?.into_iter().map(Into::into).collect()))
}

/// Creates an account.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "admin", request_body = NewAccountForm,
    responses((status = 201, body = AccountView), (status = 400, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub(crate) async fn create_account(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(form): JsonBody<NewAccountForm>,
) -> Result<(StatusCode, Json<AccountView>), Error> {
    let desk = state.access.admin_desk(&caller)?;
    let role = Role::from_code(form.role.trim())
        .ok_or_else(|| Error::InvalidRequest("role 应为 subject、operator、reviewer、admin 或 auditor".into()))?;
    let subject = match form.subject.as_deref() {
        Some(reference) => Some(desk.subject_for_account(reference, today()).await?),
        None => None,
    };
    let account = desk
        .create_account(AccountRequest {
            username: form.username,
            role,
            department_uscc: form.department,
            subject,
            password: form.password,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(account.into())))
}

/// Account state change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountChange {
    /// Disable (true) or enable (false) the account.
    disabled: bool,
}

/// Disables or enables an account (disabling ends its sessions).
#[utoipa::path(patch, path = "/api/v1/accounts/{username}", tag = "admin", request_body = AccountChange,
    params(("username" = String, Path, description = "用户名")),
    responses((status = 200, body = AccountView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem)))]
pub(crate) async fn change_account(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(username): PathText,
    JsonBody(change): JsonBody<AccountChange>,
) -> Result<Json<AccountView>, Error> {
    let desk = state.access.admin_desk(&caller)?;
    Ok(Json(desk.set_disabled(&username, change.disabled).await?.into()))
}

/// An API key (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct KeyView {
    key_id: String,
    client: String,
    department_id: Option<i64>,
    purposes: Vec<String>,
    expires_on: Option<NaiveDate>,
    revoked_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<ApiKey> for KeyView {
    fn from(k: ApiKey) -> Self {
        Self {
            key_id: k.new.key_id,
            client: k.new.client,
            department_id: k.new.department_id,
            purposes: k.new.purposes,
            expires_on: k.new.expires_on,
            revoked_at: k.revoked_at,
            created_at: k.created_at,
        }
    }
}

/// A key to issue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewKeyForm {
    /// The system client's name.
    client: String,
    /// Purpose codes it may state.
    #[serde(default)]
    purposes: Vec<String>,
    /// The department's 统一社会信用代码, if it uploads for one.
    department: Option<String>,
    /// Last day it works.
    expires: Option<NaiveDate>,
}

/// A newly issued key: `key` is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IssuedKeyView {
    /// The whole key, for `Authorization: Bearer …`.
    key: String,
    /// The client.
    client: String,
    /// Purpose codes.
    purposes: Vec<String>,
    /// Last day it works.
    expires: Option<NaiveDate>,
    /// Its public identifier.
    key_id: String,
}

/// Every key.
#[utoipa::path(get, path = "/api/v1/keys", tag = "admin",
    responses((status = 200, body = [KeyView]), (status = 403, body = crate::error::Problem)))]
pub(crate) async fn list_keys(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<KeyView>>, Error> {
    let desk = state.access.admin_desk(&caller)?;
    Ok(Json(desk.keys().await?.into_iter().map(Into::into).collect()))
}

/// Issues a key.
#[utoipa::path(post, path = "/api/v1/keys", tag = "admin", request_body = NewKeyForm,
    responses((status = 201, body = IssuedKeyView), (status = 400, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem)))]
pub(crate) async fn issue_key(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(form): JsonBody<NewKeyForm>,
) -> Result<(StatusCode, Json<IssuedKeyView>), Error> {
    let desk = state.access.admin_desk(&caller)?;
    let (issued, key) = desk
        .issue_key(
            KeyRequest {
                client: form.client,
                purposes: form.purposes,
                department_uscc: form.department,
                expires_on: form.expires,
            },
            today(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedKeyView {
            key: issued.key,
            client: key.new.client,
            purposes: key.new.purposes,
            expires: key.new.expires_on,
            key_id: key.new.key_id,
        }),
    ))
}

/// Revokes a key.
#[utoipa::path(delete, path = "/api/v1/keys/{key_id}", tag = "admin",
    params(("key_id" = String, Path, description = "密钥标识")),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub(crate) async fn revoke_key(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathText(key_id): PathText,
) -> Result<StatusCode, Error> {
    let desk = state.access.admin_desk(&caller)?;
    desk.revoke_key(&key_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
