//! Who is calling: every request passes through [`authenticate`], which
//! turns its credentials (an API key as a bearer token, or a session
//! cookie) into a [`Principal`] for the handlers, and checks the CSRF token
//! of every unsafe request made with a cookie.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use xinyong_access::{AccessError, Principal};

use crate::api::today;
use crate::limits::peer;
use crate::{AppState, Error};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "xy_session";
/// The header unsafe cookie-authenticated requests echo the CSRF token in.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// The session behind a cookie-authenticated request.
#[derive(Debug, Clone)]
pub(crate) struct SessionContext {
    pub(crate) token: String,
    pub(crate) csrf: String,
}

/// A cookie-authenticated unsafe request to a page whose CSRF token is not
/// in a header: pages post it in the form itself. Until a site form
/// extractor (`site::form`) has checked it, the request acts as the public,
/// so a page handler that forgot the check gains nothing from the cookie.
#[derive(Debug, Clone)]
pub(crate) struct Unconfirmed {
    pub(crate) principal: Principal,
    pub(crate) session: SessionContext,
}

/// The caller of a request (the public when no credentials were given).
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Error> {
        Ok(Self(
            parts
                .extensions
                .get::<Principal>()
                .cloned()
                .unwrap_or_else(|| Principal::anonymous(None)),
        ))
    }
}

/// The session of a cookie-authenticated request, if any.
#[derive(Debug, Clone)]
pub(crate) struct Session(pub(crate) Option<SessionContext>);

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Error> {
        Ok(Self(parts.extensions.get::<SessionContext>().cloned()))
    }
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Resolves the caller; refuses a presented credential that is not good
/// (a wrong, expired or revoked key) rather than treating it as the public.
pub(crate) async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    match resolve(&state, &mut request).await {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

async fn resolve(state: &AppState, request: &mut Request) -> Result<(), Error> {
    let origin = peer(request).map(|ip| ip.to_string());
    let headers = request.headers();
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let presented = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(Error::Access(AccessError::KeyUnknown))?;
        let principal = state.access.authenticate_key(presented.trim(), origin, today()).await?;
        request.extensions_mut().insert(principal);
        return Ok(());
    }
    let Some(token) = cookie(headers, SESSION_COOKIE).map(str::to_owned) else {
        request.extensions_mut().insert(Principal::anonymous(origin));
        return Ok(());
    };
    match state.access.authenticate_session(&token, origin.clone()).await {
        Ok((principal, csrf)) => {
            let path = request.uri().path();
            let signing_in = path == "/api/v1/session" && request.method() == Method::POST;
            let session = SessionContext { token, csrf };
            if !is_safe(request.method()) && !signing_in {
                let echoed = request.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                if echoed != Some(session.csrf.as_str()) {
                    if path.starts_with("/api/") {
                        return Err(AccessError::Csrf.into());
                    }
                    let extensions = request.extensions_mut();
                    extensions.insert(Principal::anonymous(origin));
                    extensions.insert(Unconfirmed { principal, session });
                    return Ok(());
                }
            }
            request.extensions_mut().insert(principal);
            request.extensions_mut().insert(session);
        }
        // A stale cookie is no credential: the request is the public's.
        Err(AccessError::SessionEnded) => {
            request.extensions_mut().insert(Principal::anonymous(origin));
        }
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
