//! Forms posted from the site's own pages. A signed-in user's form carries
//! the session's CSRF token in its `csrf` field (uploads: as the first
//! part); [`SignedForm`] and [`SignedUpload`] check it and only then hand
//! the handler who is calling. Rejections are in Chinese.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use xinyong_access::{AccessError, Principal};

use crate::Error;
use crate::api::batches::multipart_error;
use crate::auth::{SessionContext, Unconfirmed};

/// Name of the hidden field that carries the CSRF token.
const CSRF_FIELD: &str = "csrf";

/// A form from a signed-in user, its CSRF token checked.
#[derive(Debug)]
pub(crate) struct SignedForm<T> {
    pub(crate) principal: Principal,
    pub(crate) session: SessionContext,
    pub(crate) form: T,
}

/// A file upload from a signed-in user, its CSRF token checked; the rest
/// of the parts are left to read.
#[derive(Debug)]
pub(crate) struct SignedUpload {
    pub(crate) principal: Principal,
    pub(crate) session: SessionContext,
    pub(crate) multipart: Multipart,
}

/// A form from anyone (signing in).
#[derive(Debug)]
pub(crate) struct PlainForm<T>(pub(crate) T);

/// The session a page's form claims, not yet confirmed.
fn claimed(request: &mut Request) -> Result<Unconfirmed, Error> {
    let extensions = request.extensions_mut();
    if let Some(unconfirmed) = extensions.remove::<Unconfirmed>() {
        return Ok(unconfirmed);
    }
    // The token came in the header instead (a script on our page).
    match (extensions.get::<SessionContext>(), extensions.get::<Principal>()) {
        (Some(session), Some(principal)) => Ok(Unconfirmed {
            principal: principal.clone(),
            session: session.clone(),
        }),
        _ => Err(AccessError::Unauthenticated.into()),
    }
}

fn confirm(claimed: &Unconfirmed, token: Option<&str>) -> Result<(), Error> {
    if token == Some(claimed.session.csrf.as_str()) {
        Ok(())
    } else {
        Err(AccessError::Csrf.into())
    }
}

async fn form_pairs<S: Send + Sync>(request: Request, state: &S) -> Result<Vec<(String, String)>, Error> {
    let bytes = Bytes::from_request(request, state)
        .await
        .map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge,
            _ => Error::InvalidRequest("无法读取表单内容".into()),
        })?;
    serde_urlencoded::from_bytes(&bytes).map_err(|_| Error::InvalidRequest("表单内容格式有误".into()))
}

fn decode<T: DeserializeOwned>(pairs: &[(String, String)]) -> Result<T, Error> {
    let encoded = serde_urlencoded::to_string(pairs).map_err(|e| Error::Internal(e.to_string()))?;
    serde_urlencoded::from_str(&encoded).map_err(|_| Error::InvalidRequest("表单内容不完整或有多余的项".into()))
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for SignedForm<T> {
    type Rejection = Error;

    async fn from_request(mut request: Request, state: &S) -> Result<Self, Error> {
        let claimed = claimed(&mut request)?;
        let mut pairs = form_pairs(request, state).await?;
        let token = pairs
            .iter()
            .position(|(key, _)| key == CSRF_FIELD)
            .map(|at| pairs.remove(at).1);
        confirm(&claimed, token.as_deref())?;
        Ok(Self {
            form: decode(&pairs)?,
            principal: claimed.principal,
            session: claimed.session,
        })
    }
}

impl<S: Send + Sync> FromRequest<S> for SignedUpload {
    type Rejection = Error;

    async fn from_request(mut request: Request, state: &S) -> Result<Self, Error> {
        let claimed = claimed(&mut request)?;
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|_| Error::InvalidRequest("无法读取上传内容，请通过页面上的表单上传".into()))?;
        let first = multipart.next_field().await.map_err(multipart_error)?;
        let token = match first {
            Some(field) if field.name() == Some(CSRF_FIELD) => Some(field.text().await.map_err(multipart_error)?),
            _ => None,
        };
        confirm(&claimed, token.as_deref())?;
        Ok(Self {
            principal: claimed.principal,
            session: claimed.session,
            multipart,
        })
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PlainForm<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Error> {
        if is_cross_site(&request) {
            return Err(AccessError::Csrf.into());
        }
        let pairs = form_pairs(request, state).await?;
        Ok(Self(decode(&pairs)?))
    }
}

/// Whether a browser says the form was posted from another site. A form
/// without a session has no token to check, but signing in from another
/// site (login CSRF: a visitor signed into an account the other site
/// chose, whose pages then record what the visitor does) is refused by
/// what browsers send with every POST: `Sec-Fetch-Site` (anything but this
/// origin, or none for a typed address, is refused), or for browsers too
/// old for it an `Origin` naming another host than any this request was
/// addressed to. `Origin: null` proves nothing either way (this site's own
/// no-referrer policy makes browsers send it), so such old browsers remain
/// open to a sandboxed frame on another site. Clients that send neither
/// (scripts) are not on another site's page.
fn is_cross_site(request: &Request) -> bool {
    let headers = request.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = text("origin").filter(|origin| *origin != "null") else {
        return false;
    };
    // The names this server answers under: the Host header (HTTP/1.1), the
    // request's authority (HTTP/2), and the host a reverse proxy forwarded.
    let names: Vec<&str> = [
        text("host"),
        request.uri().authority().map(|a| a.as_str()),
        text("x-forwarded-host"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let origin_host = origin.rsplit("://").next().unwrap_or(origin);
    !names.is_empty() && !names.contains(&origin_host)
}
