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

/// Every path parameter as text, in the route's order.
#[derive(Debug)]
pub struct PathTexts(pub Vec<String>);

impl<S: Send + Sync> FromRequestParts<S> for PathTexts {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        #[expect(clippy::disallowed_types, reason = "the one place axum's Path is wrapped")]
        let extracted = axum::extract::Path::<Vec<String>>::from_request_parts(parts, state).await;
        extracted
            .map(|axum::extract::Path(texts)| PathTexts(texts))
            .map_err(|_| Error::InvalidRequest("路径参数无效".into()))
    }
}

/// Turns serde's English into a short Chinese hint; what it cannot place
/// becomes a general one (no English reaches the user).
fn describe(message: &str) -> String {
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    if let Some(field) = quoted("unknown field `") {
        return format!("不支持的参数“{field}”");
    }
    if let Some(field) = quoted("duplicate field `") {
        return format!("参数“{field}”重复");
    }
    if let Some(field) = quoted("missing field `") {
        return format!("缺少参数“{field}”");
    }
    if message.contains("invalid digit") {
        return "参数类型不正确（应为数字）".into();
    }
    if message.contains("was not `true` or `false`") {
        return "参数类型不正确（应为布尔值 true 或 false）".into();
    }
    if let Some(expected) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split(", expected ").nth(1))
    {
        let wanted = if expected.starts_with("a string") || expected.starts_with("string") {
            "文字"
        } else if expected.contains("bool") {
            "布尔值 true 或 false"
        } else if [
            "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64", "integer", "number",
        ]
        .iter()
        .any(|n| {
            expected.starts_with(n)
                || expected.starts_with(&format!("an {n}"))
                || expected.starts_with(&format!("a {n}"))
        }) {
            "数字"
        } else if expected.contains("sequence") {
            "列表"
        } else {
            "对象"
        };
        return format!("参数类型不正确（应为{wanted}）");
    }
    if message.starts_with("invalid value") || message.starts_with("unknown variant") {
        return "参数取值无效".into();
    }
    "格式不正确，不是有效的JSON或参数".into()
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
            // Every body this API takes is one object: a list, a string or
            // text that is not JSON is named as such, not as a type error
            // at "column 0" of the first line.
            if bytes.trim_ascii_start().first() != Some(&b'{') {
                return Error::InvalidRequest("请求内容须为一个JSON对象（以 { 开头的 {\"名称\": 值, …}）".into());
            }
            Error::InvalidRequest(format!(
                "请求内容有误（第{}行第{}列）：{}",
                error.line(),
                error.column(),
                describe(&error.to_string())
            ))
        })
    }
}

/// Whether a request's body is `multipart/form-data` (an upload) rather
/// than JSON.
pub(crate) fn is_multipart(request: &axum::extract::Request) -> bool {
    request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// A request's multipart body, or the Chinese problem a malformed one is.
pub(crate) async fn multipart(
    request: axum::extract::Request,
    state: &crate::AppState,
) -> Result<axum::extract::Multipart, Error> {
    axum::extract::Multipart::from_request(request, state)
        .await
        .map_err(|_| Error::InvalidRequest("无法读取上传内容（multipart/form-data）".into()))
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::describe;

    #[rstest]
    #[case(
        "unknown field `foo`, expected one of `a`, `b` at line 1 column 9",
        "不支持的参数“foo”"
    )]
    #[case("missing field `signer` at line 1 column 73", "缺少参数“signer”")]
    #[case(
        "invalid type: integer `123`, expected a string at line 1 column 12",
        "参数类型不正确（应为文字）"
    )]
    #[case(
        "invalid type: string \"yes\", expected a boolean at line 1 column 13",
        "参数类型不正确（应为布尔值 true 或 false）"
    )]
    #[case(
        "invalid type: string \"x\", expected i64 at line 1 column 5",
        "参数类型不正确（应为数字）"
    )]
    #[case("invalid type: string \"x\", expected a sequence", "参数类型不正确（应为列表）")]
    #[case(
        "provided string was not `true` or `false`",
        "参数类型不正确（应为布尔值 true 或 false）"
    )]
    #[case("invalid digit found in string", "参数类型不正确（应为数字）")]
    #[case("expected value at line 1 column 1", "格式不正确，不是有效的JSON或参数")]
    fn serde_messages_become_chinese(#[case] message: &str, #[case] expected: &str) {
        assert_eq!(describe(message), expected);
    }
}
