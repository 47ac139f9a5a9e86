//! Every route of the platform, and the middleware around them.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::api::{admin, audit, batches, checks, health, me, records, rights, session, subjects};
use crate::{AppState, Error, auth, limits};

/// The application: routes, state and middleware.
pub fn router(state: AppState) -> Router {
    let max_body = state.settings.max_body_bytes;
    let max_upload = state.settings.max_upload_bytes;
    let search_limit = axum::middleware::from_fn_with_state(state.clone(), limits::limit_search);
    let sign_in_limit = axum::middleware::from_fn_with_state(state.clone(), limits::limit_sign_in);
    let password_limit = axum::middleware::from_fn_with_state(state.clone(), limits::limit_password);
    let api = Router::new()
        .route("/health", get(health::get_health))
        .route("/purposes", get(audit::purposes))
        .route("/subjects", get(subjects::list_subjects).layer(search_limit))
        .route("/subjects/{ref}", get(subjects::get_subject))
        .route("/records", get(records::list_records))
        .route(
            "/session",
            post(session::sign_in).layer(sign_in_limit).delete(session::sign_out),
        )
        .route("/me", get(session::get_me))
        .route("/me/password", post(session::change_password).layer(password_limit))
        .route("/me/file", get(me::get_file))
        .route("/me/queries", get(me::get_queries))
        .route("/me/authorisations", get(me::list_authorisations).post(me::authorise))
        .route("/me/authorisations/{id}", delete(me::withdraw))
        .route(
            "/batches",
            post(batches::upload)
                .layer(DefaultBodyLimit::max(max_upload))
                .get(batches::list),
        )
        .route("/batches/{id}", get(batches::show))
        .route("/batches/{id}/rejected", get(batches::rejected))
        .route(
            "/departments",
            get(admin::list_departments).post(admin::create_department),
        )
        .route("/accounts", get(admin::list_accounts).post(admin::create_account))
        .route("/accounts/{username}", patch(admin::change_account))
        .route("/keys", get(admin::list_keys).post(admin::issue_key))
        .route("/keys/{key_id}", delete(admin::revoke_key))
        .route("/checks", post(checks::check))
        .route("/checks/overdue", get(checks::overdue))
        .route("/checks/batches", post(checks::start_batch))
        .route("/checks/batches/{id}", get(checks::show_batch))
        .route("/checks/batches/{id}/result", get(checks::batch_result))
        .route("/checks/statistics", get(checks::statistics))
        .route("/checks/{id}", get(checks::show))
        .route("/checks/{id}/feedback", post(checks::feedback))
        .route("/commitment-kinds", get(rights::kinds))
        .route("/me/commitments", get(rights::my_commitments).post(rights::sign))
        .route("/me/records/{id}/repair-eligibility", get(rights::eligibility))
        .route(
            "/me/repairs",
            get(rights::my_repairs)
                .post(rights::apply)
                .layer(DefaultBodyLimit::max(max_upload)),
        )
        .route("/me/repairs/{id}/withdraw", post(rights::withdraw))
        .route("/commitments", get(rights::commitments))
        .route("/commitments/{id}/finding", post(rights::finding))
        .route("/repairs", get(rights::repairs))
        .route("/repairs/{id}/steps", post(rights::step))
        .route(
            "/me/objections",
            get(rights::my_objections)
                .post(rights::object)
                .layer(DefaultBodyLimit::max(max_upload)),
        )
        .route("/me/objections/{id}/withdraw", post(rights::withdraw_objection))
        .route(
            "/objections",
            get(rights::objections)
                .post(rights::register_objection)
                .layer(DefaultBodyLimit::max(max_upload)),
        )
        .route("/objections/{id}/steps", post(rights::objection_step))
        .route("/measures", get(checks::book))
        .route("/measures/reload", post(checks::reload))
        .route("/audit", get(audit::list))
        .route("/audit/verify", post(audit::verify))
        .route("/openapi.json", get(openapi_json))
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        // Answers hold personal data, CSRF tokens and rejected rows in
        // clear; none may stay in a browser's or a proxy's cache.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    Router::new()
        .nest("/api/v1", api)
        .merge(crate::site::routes(&state))
        .fallback(|| async { Error::NotFound })
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(axum::middleware::from_fn_with_state(state.clone(), deadline))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(axum::middleware::from_fn(crate::error::render_errors))
                .layer(CatchPanicLayer::custom(|_| {
                    Error::Internal("handler panicked".into()).into_response()
                }))
                .layer(DefaultBodyLimit::max(max_body))
                .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
                .layer(security_header(header::REFERRER_POLICY, "no-referrer"))
                .layer(security_header(
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                     frame-ancestors 'none'; base-uri 'none'",
                )),
        )
}

/// Every request gets the configured time, uploads (which import the
/// file before answering) their longer one.
async fn deadline(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let is_upload = request.method() == Method::POST && request.uri().path() == "/api/v1/batches";
    let limit = if is_upload {
        state.settings.upload_timeout()
    } else {
        state.settings.request_timeout()
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Error::Timeout.into_response(),
    }
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

async fn openapi_json() -> impl IntoResponse {
    axum::Json(crate::openapi::document())
}
