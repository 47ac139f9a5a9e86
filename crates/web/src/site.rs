//! The website (信用网站) and the consoles: server-rendered zh-CN pages over
//! the same capabilities the API uses. Pages read through the access layer
//! and the one visibility decision exactly as the API does, and render with
//! the templates under `templates/`, which mirror these modules. Reading
//! needs no JavaScript; the pages ship none.

mod assets;
mod console;
mod form;
mod home;
mod layout;
mod me;
mod password;
mod publicity;
mod search;
mod sections;
mod session;
mod subject;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};

pub(crate) use home::Cache;

use crate::AppState;
use crate::error::Problem;
use crate::site::layout::Layout;

/// Every page of the site.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let search_limit = axum::middleware::from_fn_with_state(state.clone(), crate::limits::limit_search);
    let sign_in_limit = axum::middleware::from_fn_with_state(state.clone(), crate::limits::limit_sign_in);
    let password_limit = axum::middleware::from_fn_with_state(state.clone(), crate::limits::limit_password);
    Router::new()
        .route("/", get(home::show))
        .route("/search", get(search::show).layer(search_limit))
        .route("/subjects/{ref}", get(subject::show))
        .route("/publicity", get(publicity::show))
        .route("/login", get(session::form).post(session::sign_in).layer(sign_in_limit))
        .route("/logout", post(session::sign_out))
        .route(
            "/password",
            get(password::form).merge(post(password::change).layer(password_limit)),
        )
        .route("/me", get(me::show))
        .route(
            "/me/objections",
            post(me::object).layer(DefaultBodyLimit::max(state.settings.max_upload_bytes)),
        )
        .route(
            "/me/repairs",
            post(me::apply).layer(DefaultBodyLimit::max(state.settings.max_upload_bytes)),
        )
        .route("/me/authorisations/withdraw", post(me::withdraw))
        .route("/console", get(console::start))
        .route(
            "/console/batches",
            get(console::batches::list)
                .post(console::batches::upload)
                .layer(DefaultBodyLimit::max(state.settings.max_upload_bytes)),
        )
        .route("/console/batches/{id}", get(console::batches::show))
        .route(
            "/console/accounts",
            get(console::accounts::show).post(console::accounts::create_account),
        )
        .route("/console/accounts/{username}", post(console::accounts::set_disabled))
        .route("/console/departments", post(console::accounts::create_department))
        .route("/console/keys", post(console::accounts::issue_key))
        .route("/console/keys/{key_id}/revoke", post(console::accounts::revoke_key))
        .route("/console/office", get(console::office::show))
        .route("/console/office/flags/{id}", post(console::office::settle))
        .route("/console/rights", get(console::rights::show))
        .route("/console/rights/repairs/{id}", post(console::rights::repair_step))
        .route(
            "/console/rights/repairs/{id}/documents/{digest}",
            get(console::rights::repair_document),
        )
        .route(
            "/console/rights/objections/{id}/documents/{digest}",
            get(console::rights::objection_document),
        )
        .route(
            "/console/rights/objections",
            post(console::rights::register_objection).layer(DefaultBodyLimit::max(state.settings.max_upload_bytes)),
        )
        .route("/console/rights/objections/{id}", post(console::rights::objection_step))
        .route(
            "/console/rights/commitments/{id}",
            post(console::rights::commitment_finding),
        )
        .route("/console/audit", get(console::audit::show))
        .route("/console/audit/verify", post(console::audit::verify))
        .route("/static/site.css", get(assets::stylesheet))
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    problem: &'a Problem,
}

/// Replaces the body of an error answer with its Chinese page, keeping its
/// status and headers (`Retry-After`).
pub(crate) fn error_page(problem: &Arc<Problem>, response: Response) -> Response {
    let page = ErrorPage {
        layout: Layout::public(problem.title.clone()),
        problem,
    };
    let Ok(body) = page.render() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    parts.headers.remove(header::WWW_AUTHENTICATE);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body.into())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;

    use super::error_page;
    use crate::Error;

    #[tokio::test]
    async fn a_server_error_is_a_chinese_page_without_the_internal_text() {
        let response = Error::Internal("stack trace: index out of bounds".into()).into_response();
        let problem = response
            .extensions()
            .get::<Arc<crate::error::Problem>>()
            .cloned()
            .unwrap();
        let page = error_page(&problem, response);
        assert_eq!(page.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(page.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
        let body = axum::body::to_bytes(page.into_body(), 1 << 20).await.unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains("服务器内部错误，请稍后再试") && html.contains("<html lang=\"zh-CN\">"));
        assert!(!html.contains("stack trace"));
    }

    #[tokio::test]
    async fn a_stale_form_is_explained_without_the_api_header() {
        let response = Error::from(xinyong_access::AccessError::Csrf).into_response();
        let problem = response
            .extensions()
            .get::<Arc<crate::error::Problem>>()
            .cloned()
            .unwrap();
        let page = error_page(&problem, response);
        assert_eq!(page.status(), StatusCode::FORBIDDEN);
        let body = axum::body::to_bytes(page.into_body(), 1 << 20).await.unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains("刷新后再提交"), "{html}");
        assert!(!html.contains("X-CSRF-Token"), "{html}");
    }
}
