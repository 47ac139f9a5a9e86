//! `/password`: a signed-in account changes its own password (the first
//! administrator's printed one, say). Every session of the account ends;
//! it signs in again with the new password. Attempts count against the
//! sign-in throttle, as over the API.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use xinyong_access::{AccessError, Principal};

use crate::api::session::session_cookie;
use crate::auth::{Caller, Session, SessionContext};
use crate::site::console::signed_out;
use crate::site::form::SignedForm;
use crate::site::layout::{Layout, render};
use crate::{AppState, Error};

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    error: Option<String>,
}

fn page(principal: &Principal, session: Option<&SessionContext>, error: Option<String>) -> Result<Response, Error> {
    let page = PasswordPage {
        layout: Layout::new("修改密码", principal, session),
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page, &page.layout)?).into_response())
}

/// `GET /password`.
pub(crate) async fn form(Caller(caller): Caller, Session(session): Session) -> Result<Response, Error> {
    if let Some(redirect) = signed_out(&caller) {
        return Ok(redirect);
    }
    page(&caller, session.as_ref(), None)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Change {
    current: String,
    new: String,
    repeat: String,
}

/// `POST /password`: on success, to the sign-in page with the session ended.
pub(crate) async fn change(State(state): State<AppState>, signed: SignedForm<Change>) -> Result<Response, Error> {
    let form = &signed.form;
    if form.new != form.repeat {
        return page(
            &signed.principal,
            Some(&signed.session),
            Some("两次输入的新密码不一致".into()),
        );
    }
    match state
        .access
        .change_own_password(&signed.principal, &form.current, &form.new)
        .await
    {
        Ok(()) => {
            let mut response = Redirect::to("/login").into_response();
            response
                .headers_mut()
                .insert(header::SET_COOKIE, session_cookie(&state, "", 0)?);
            Ok(response)
        }
        Err(AccessError::WrongCredentials) => {
            page(&signed.principal, Some(&signed.session), Some("当前密码不正确".into()))
        }
        Err(AccessError::Invalid(text)) => page(&signed.principal, Some(&signed.session), Some(text)),
        Err(other) => Err(other.into()),
    }
}
