//! Request extractors that reject in Chinese, as problem+json. axum's own
//! `Query` and `Path` answer in English plain text; `clippy.toml` bans them.

use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::Error;

/// Query parameters, deserialised with a Chinese error for bad input.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Error> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(Query)
            .map_err(|error| Error::InvalidRequest(format!("查询参数无效：{}", describe(&error.to_string()))))
    }
}

/// One path parameter as text.
#[derive(Debug)]
pub struct PathText(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathText {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        #[expect(clippy::disallowed_types, reason = "the one place axum's Path is wrapped")]
        let extracted = axum::extract::Path::<String>::from_request_parts(parts, state).await;
        extracted
            .map(|axum::extract::Path(text)| PathText(text))
            .map_err(|_| Error::InvalidRequest("路径参数无效".into()))
    }
}

/// Turns serde's English into a short Chinese hint where it can.
fn describe(message: &str) -> String {
    if let Some(field) = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
    {
        return format!("不支持的参数“{field}”");
    }
    if let Some(field) = message
        .strip_prefix("duplicate field `")
        .and_then(|rest| rest.split('`').next())
    {
        return format!("参数“{field}”重复");
    }
    if message.contains("invalid digit") || message.contains("invalid type") {
        return "参数类型不正确（应为数字）".into();
    }
    message.to_owned()
}

/// A JSON request body, with Chinese errors for a wrong content type,
/// malformed JSON or unexpected fields.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = Error;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Error> {
        let is_json = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim() == "application/json"));
        if !is_json {
            return Err(Error::InvalidRequest(
                "请求内容须为JSON（Content-Type: application/json）".into(),
            ));
        }
        let bytes = <axum::body::Bytes as FromRequest<S>>::from_request(request, state)
            .await
            .map_err(|rejection| match rejection.status() {
                axum::http::StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge,
                _ => Error::InvalidRequest("无法读取请求内容".into()),
            })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|error| {
            Error::InvalidRequest(format!(
                "请求内容有误（第{}行第{}列）：{}",
                error.line(),
                error.column(),
                describe(&error.to_string())
            ))
        })
    }
}
