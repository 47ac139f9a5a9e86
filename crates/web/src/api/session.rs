//! Signing in and out (`/api/v1/session`) and who am I (`/api/v1/me`).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xinyong_access::Caller as Who;

use crate::auth::{Caller, SESSION_COOKIE, Session};
use crate::extract::JsonBody;
use crate::{AppState, Error};

/// Sign-in form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignIn {
    /// 用户名.
    username: String,
    /// 密码.
    password: String,
}

/// The caller as the platform sees it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Me {
    /// `anonymous`, `account` or `client`.
    kind: String,
    /// Sign-in name (accounts).
    username: Option<String>,
    /// Role code (accounts).
    role: Option<String>,
    /// Role in Chinese (accounts).
    role_label: Option<String>,
    /// Department id (operators, department keys).
    department_id: Option<i64>,
    /// Client name (keys).
    client: Option<String>,
    /// Purposes the key may state (keys).
    purposes: Vec<String>,
    /// The token unsafe requests must echo in `X-CSRF-Token` (sessions).
    csrf_token: Option<String>,
}

fn me(caller: &Who, csrf: Option<String>) -> Me {
    let mut me = Me {
        kind: "anonymous".into(),
        username: None,
        role: None,
        role_label: None,
        department_id: None,
        client: None,
        purposes: Vec::new(),
        csrf_token: csrf,
    };
    match caller {
        Who::Account(account) => {
            me.kind = "account".into();
            me.username = Some(account.new.username.clone());
            me.role = Some(account.new.role.code().into());
            me.role_label = Some(account.new.role.label().into());
            me.department_id = account.new.department_id;
        }
        Who::Client(key) => {
            me.kind = "client".into();
            me.client = Some(key.new.client.clone());
            me.department_id = key.new.department_id;
            me.purposes = key.new.purposes.clone();
        }
        Who::Anonymous | Who::Console(_) => {}
    }
    me
}

/// `SameSite=Strict`: a link from another site must not make a signed-in
/// official's browser perform a purposeful (and journaled) read.
pub(crate) fn session_cookie(state: &AppState, value: &str, max_age_secs: u64) -> Result<HeaderValue, Error> {
    let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    ))
    .map_err(|e| Error::Internal(format!("cookie header: {e}")))
}

/// Signs in with username and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "access", request_body = SignIn,
    responses((status = 200, body = Me), (status = 401, body = crate::error::Problem),
              (status = 429, body = crate::error::Problem)))]
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(form): JsonBody<SignIn>,
) -> Result<Response, Error> {
    let signed_in = state
        .access
        .sign_in(form.username.trim(), &form.password, caller.origin.clone())
        .await?;
    let hours = u64::from(state.access.session_hours());
    let cookie = session_cookie(&state, &signed_in.token.token, hours * 3600)?;
    let body = me(&Who::Account(signed_in.account), Some(signed_in.token.csrf));
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Signs out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/v1/session", tag = "access",
    responses((status = 204), (status = 403, body = crate::error::Problem)))]
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Session(session): Session,
) -> Result<Response, Error> {
    if let Some(session) = session {
        state.access.sign_out(&caller, &session.token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0)?);
    Ok(response)
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/me", tag = "access", responses((status = 200, body = Me)))]
pub(crate) async fn get_me(Caller(caller): Caller, Session(session): Session) -> Json<Me> {
    Json(me(&caller.caller, session.map(|s| s.csrf)))
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordChange {
    /// 当前密码.
    current: String,
    /// 新密码 (at least 10 characters).
    new: String,
}

/// Changes the signed-in account's own password; every session of the
/// account ends (sign in again with the new password).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "access", request_body = PasswordChange,
    responses((status = 204), (status = 400, body = crate::error::Problem),
              (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(form): JsonBody<PasswordChange>,
) -> Result<Response, Error> {
    state
        .access
        .change_own_password(&caller, &form.current, &form.new)
        .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0)?);
    Ok(response)
}
