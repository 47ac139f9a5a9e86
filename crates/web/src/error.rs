//! The one place errors become HTTP answers.
//!
//! Each variant has a stable `code` (part of the API contract), a status
//! and a Chinese `detail`. Internal error text is logged with the request
//! and never shown.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use xinyong_access::AccessError;
use xinyong_domain::rights::RightsError;
use xinyong_rights::RightsFailure;
use xinyong_store::StoreError;

/// What a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such route or resource.
    #[error("not found")]
    NotFound,
    /// No subject with that code or reference.
    #[error("subject not found")]
    SubjectNotFound,
    /// A query or path parameter is malformed; the text says which, in Chinese.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A record type the catalogue does not have.
    #[error("unknown record type {0}")]
    UnknownRecordType(String),
    /// A cursor this server did not issue.
    #[error("invalid cursor")]
    InvalidCursor,
    /// The method is not allowed on this route.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request body is larger than allowed.
    #[error("payload too large")]
    PayloadTooLarge,
    /// The request took too long.
    #[error("timeout")]
    Timeout,
    /// The database is unreachable.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The access layer refused (credentials, role, purpose, CSRF …).
    #[error("access refused: {0}")]
    Access(AccessError),
    /// Too many requests from this address.
    #[error("rate limited")]
    TooManyRequests {
        /// Seconds until a request would be allowed.
        retry_after_secs: u64,
    },
    /// An uploaded file refused whole (not a table, no header, required
    /// columns missing): nothing was imported, the refusal is a batch.
    #[error("file refused: {reason}")]
    FileRefused {
        /// Why, in Chinese.
        reason: String,
        /// The batch report of the refusal.
        batch: Box<serde_json::Value>,
    },
    /// A commitment or repair request the workflow refused.
    #[error("workflow: {0}")]
    Rights(RightsFailure),
    /// Anything else: a bug or a broken invariant.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The `application/problem+json` body (RFC 9457) with a stable `code`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// URI of the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short Chinese title.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Stable machine code.
    pub code: String,
    /// What went wrong, in Chinese.
    pub detail: String,
    /// For `file_refused`: the report of the batch that records the refusal
    /// (`batch_id`, `refusal`, …), as `GET /api/v1/batches/{id}` gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub batch: Option<serde_json::Value>,
}

impl Error {
    /// The HTTP status this error answers with (a page that shows the
    /// error in place answers with it too).
    pub(crate) fn status(&self) -> StatusCode {
        self.parts().0
    }

    /// (status, code, title, detail) — the code table.
    fn parts(&self) -> (StatusCode, &'static str, &'static str, String) {
        match self {
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found", "未找到", "未找到请求的资源".into()),
            Self::SubjectNotFound => (
                StatusCode::NOT_FOUND,
                "subject_not_found",
                "未找到主体",
                "未找到该信用主体，请检查代码是否正确".into(),
            ),
            Self::InvalidRequest(detail) => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "请求参数有误",
                detail.clone(),
            ),
            Self::UnknownRecordType(code) => (
                StatusCode::BAD_REQUEST,
                "unknown_record_type",
                "请求参数有误",
                format!("信息类别“{code}”不存在"),
            ),
            Self::InvalidCursor => (
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
                "请求参数有误",
                "分页游标无效，请从第一页重新查询".into(),
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "不支持的请求方法",
                "该地址不支持此请求方法".into(),
            ),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "请求内容过大",
                "请求内容超过允许的大小".into(),
            ),
            Self::Timeout => (
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "请求超时",
                "请求处理超时，请稍后再试".into(),
            ),
            Self::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "服务暂不可用",
                "数据库暂时不可用，请稍后再试".into(),
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "服务器内部错误",
                "服务器内部错误，请稍后再试".into(),
            ),
            Self::TooManyRequests { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "请求过于频繁",
                format!("请求过于频繁，请{retry_after_secs}秒后再试"),
            ),
            Self::FileRefused { reason, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "file_refused",
                "文件未导入",
                reason.clone(),
            ),
            Self::Access(error) => access_parts(error),
            Self::Rights(failure) => rights_parts(failure),
        }
    }

    /// The problem body of this error.
    pub fn problem(&self) -> Problem {
        let (status, code, title, detail) = self.parts();
        Problem {
            kind: format!("https://xinyong.invalid/problems/{code}"),
            title: title.into(),
            status: status.as_u16(),
            code: code.into(),
            detail,
            batch: match self {
                Self::FileRefused { batch, .. } => Some((**batch).clone()),
                _ => None,
            },
        }
    }
}

/// The code table of access refusals.
fn access_parts(error: &AccessError) -> (StatusCode, &'static str, &'static str, String) {
    let (status, code, title) = match error {
        AccessError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", "需要登录"),
        AccessError::WrongCredentials => (StatusCode::UNAUTHORIZED, "wrong_credentials", "登录失败"),
        AccessError::SessionEnded => (StatusCode::UNAUTHORIZED, "session_ended", "登录已失效"),
        AccessError::KeyUnknown => (StatusCode::UNAUTHORIZED, "key_invalid", "接口密钥无效"),
        AccessError::KeyExpired => (StatusCode::UNAUTHORIZED, "key_expired", "接口密钥已过期"),
        AccessError::KeyRevoked => (StatusCode::UNAUTHORIZED, "key_revoked", "接口密钥已吊销"),
        AccessError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "无权访问"),
        AccessError::PurposeRequired => (StatusCode::BAD_REQUEST, "purpose_required", "缺少查询用途"),
        AccessError::PurposeUnknown(_) => (StatusCode::BAD_REQUEST, "purpose_unknown", "查询用途无效"),
        AccessError::PurposeNotAllowed(_) => (StatusCode::FORBIDDEN, "purpose_not_allowed", "无权用于该用途"),
        AccessError::Csrf => (StatusCode::FORBIDDEN, "csrf", "防伪令牌无效"),
        AccessError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid_request", "请求参数有误"),
        AccessError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "已存在"),
        AccessError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", "未找到"),
        // Mapped to their own variants by `From<AccessError>`; kept total here.
        AccessError::Store(_) | AccessError::Internal(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务器内部错误")
        }
    };
    let detail = if status.is_server_error() {
        "服务器内部错误，请稍后再试".to_owned()
    } else {
        error.to_string()
    };
    (status, code, title, detail)
}

/// The code table of workflow refusals.
fn rights_parts(failure: &RightsFailure) -> (StatusCode, &'static str, &'static str, String) {
    let (status, code, title) = match failure {
        RightsFailure::Workflow(RightsError::Illegal { .. }) => {
            (StatusCode::CONFLICT, "illegal_transition", "当前状态不能办理")
        }
        RightsFailure::Workflow(RightsError::Incomplete(_)) => (StatusCode::BAD_REQUEST, "incomplete", "材料不完整"),
        RightsFailure::Workflow(RightsError::NotAllowed(_)) => (StatusCode::CONFLICT, "not_eligible", "不符合办理条件"),
        RightsFailure::Workflow(RightsError::Calendar(_)) => {
            (StatusCode::SERVICE_UNAVAILABLE, "calendar_incomplete", "工作日历不完整")
        }
        RightsFailure::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", "未找到"),
        RightsFailure::Conflict(_) => (StatusCode::CONFLICT, "conflict", "状态冲突"),
        // Mapped to their own variants by `From<RightsFailure>`; kept total here.
        RightsFailure::Access(_) | RightsFailure::Store(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务器内部错误")
        }
    };
    let detail = if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
        "服务器内部错误，请稍后再试".to_owned()
    } else {
        failure.to_string()
    };
    (status, code, title, detail)
}

impl From<RightsFailure> for Error {
    fn from(failure: RightsFailure) -> Self {
        match failure {
            RightsFailure::Access(error) => error.into(),
            RightsFailure::Store(error) => error.into(),
            other => Self::Rights(other),
        }
    }
}

impl From<AccessError> for Error {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::Store(store) => store.into(),
            AccessError::Internal(text) => Self::Internal(text),
            other => Self::Access(other),
        }
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound,
            StoreError::Unavailable(text) => Self::Unavailable(text),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// An error and its causes, for the log (a library error's text may leave
/// the operating system's reason to its source).
pub(crate) fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let problem = self.problem();
        if problem.status >= 500 {
            tracing::error!(error = %self, "request failed");
        }
        let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Self::TooManyRequests { retry_after_secs } = self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        // The website turns this into an error page (see `site::errors`).
        response.extensions_mut().insert(Arc::new(problem));
        response
    }
}

/// Errors leave the platform here: under `/api/` as problem+json, anywhere
/// else as a Chinese error page built from the same problem.
pub(crate) async fn render_errors(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = problem_for_bare_errors(next.run(request).await);
    if is_api {
        return response;
    }
    match response.extensions().get::<Arc<Problem>>().cloned() {
        Some(problem) => crate::site::error_page(&problem, response),
        None => response,
    }
}

/// Middleware (a timeout, a body limit) answers with a bare status; give
/// those answers the problem body every other error has.
fn problem_for_bare_errors(response: Response) -> Response {
    // A problem, or a page that shows its refusal in place (with the
    // refusal's own status, e.g. 503 for an incomplete calendar), is not bare.
    let answered = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/problem+json" || v.to_str().is_ok_and(|t| t.starts_with("text/html")));
    if answered || response.status().is_success() {
        return response;
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge.into_response(),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => Error::Timeout.into_response(),
        StatusCode::METHOD_NOT_ALLOWED => Error::MethodNotAllowed.into_response(),
        _ => response,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{StatusCode, header};
    use axum::response::{IntoResponse, Response};

    use super::problem_for_bare_errors;

    #[test]
    fn a_bare_status_gets_a_problem_but_a_page_keeps_its_own_words() {
        let bare = problem_for_bare_errors(StatusCode::SERVICE_UNAVAILABLE.into_response());
        assert_eq!(bare.headers()[header::CONTENT_TYPE], "application/problem+json");
        let page: Response = (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<p>2027年的工作日历尚未加载</p>",
        )
            .into_response();
        let kept = problem_for_bare_errors(page);
        assert_eq!(kept.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(kept.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
    }
}
