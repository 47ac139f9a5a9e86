//! Every route of the platform, and the middleware around them.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::api::{health, records, subjects};
use crate::{AppState, Error};

/// The application: routes, state and middleware.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health::get_health))
        .route("/subjects", get(subjects::list_subjects))
        .route("/subjects/{ref}", get(subjects::get_subject))
        .route("/records", get(records::list_records))
        .route("/openapi.json", get(openapi_json))
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed });
    let timeout = state.settings.request_timeout();
    let max_body = state.settings.max_body_bytes;
    Router::new()
        .nest("/api/v1", api)
        .fallback(|| async { Error::NotFound })
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(CatchPanicLayer::custom(|_| {
                    Error::Internal("handler panicked".into()).into_response()
                }))
                .layer(axum::middleware::map_response(problem_for_bare_errors))
                .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
                .layer(DefaultBodyLimit::max(max_body))
                .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
                .layer(security_header(header::REFERRER_POLICY, "no-referrer"))
                .layer(security_header(
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; frame-ancestors 'none'",
                )),
        )
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

/// Middleware (a timeout, a body limit) answers with a bare status; give
/// those answers the problem body every other error has.
async fn problem_for_bare_errors(response: Response) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/problem+json");
    if is_problem || response.status().is_success() {
        return response;
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge.into_response(),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => Error::Timeout.into_response(),
        StatusCode::METHOD_NOT_ALLOWED => Error::MethodNotAllowed.into_response(),
        _ => response,
    }
}

async fn openapi_json() -> impl IntoResponse {
    axum::Json(crate::openapi::document())
}
