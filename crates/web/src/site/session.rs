//! `/login` and `/logout`: signing in from the site, with the same
//! credentials, throttle and sessions as the API.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use xinyong_access::AccessError;

use crate::api::session::session_cookie;
use crate::auth::{Caller, Session};
use crate::site::form::{PlainForm, SignedForm};
use crate::site::layout::{Layout, console_of, render};
use crate::{AppState, Error};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    username: String,
    message: Option<String>,
}

/// `GET /login`.
pub(crate) async fn form(Caller(caller): Caller, Session(session): Session) -> Result<Response, Error> {
    let page = LoginPage {
        layout: Layout::new("登录", &caller, session.as_ref()),
        username: String::new(),
        message: None,
    };
    render(&page, &page.layout)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Credentials {
    username: String,
    password: String,
}

/// `POST /login`: on success the session cookie and a redirect to where the
/// account's work is; on failure the form again, with the reason.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PlainForm(form): PlainForm<Credentials>,
) -> Result<Response, Error> {
    let username = form.username.trim().to_owned();
    match state
        .access
        .sign_in(&username, &form.password, caller.origin.clone())
        .await
    {
        Ok(signed_in) => {
            let hours = u64::from(state.access.session_hours());
            let cookie = session_cookie(&state, &signed_in.token.token, hours * 3600)?;
            let target = console_of(signed_in.account.new.role).unwrap_or("/me");
            let mut response = Redirect::to(target).into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            Ok(response)
        }
        Err(AccessError::WrongCredentials) => {
            let page = LoginPage {
                layout: Layout::public("登录"),
                username,
                message: Some("用户名或密码不正确，或账号已停用。".into()),
            };
            Ok((StatusCode::UNAUTHORIZED, render(&page, &page.layout)?).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /logout`: ends the session for real and clears the cookie.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    signed: SignedForm<std::collections::BTreeMap<String, String>>,
) -> Result<Response, Error> {
    state.access.sign_out(&signed.principal, &signed.session.token).await?;
    let mut response = Redirect::to("/").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0)?);
    Ok(response)
}
