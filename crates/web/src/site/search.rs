//! `/search?q=…`: subjects by part of their name or the start of their
//! code, the match highlighted, people masked.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xinyong_domain::names::{QueryKind, match_span};
use xinyong_domain::visibility::Viewer;
use xinyong_store::Subject;

use crate::api::dto::subject_summary;
use crate::api::page_request;
use crate::api::subjects::search;
use crate::auth::{Caller, Session};
use crate::extract::Query;
use crate::site::layout::{Layout, render};
use crate::{AppState, Error};

#[derive(Debug, Deserialize)]
// Unknown parameters are ignored: shared links pick up tracking ones.
pub(crate) struct Params {
    q: Option<String>,
    cursor: Option<String>,
}

/// One subject found, split around the highlighted match.
#[derive(Debug)]
struct Hit {
    reference: String,
    before: String,
    matched: String,
    after: String,
    category: String,
    code_before: String,
    code_matched: String,
    code_after: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    query: String,
    message: Option<String>,
    searched: bool,
    hits: Vec<Hit>,
    first_page: bool,
    next: Option<String>,
}

fn split(text: &str, span: Option<std::ops::Range<usize>>) -> (String, String, String) {
    match span {
        Some(span) => (
            text[..span.start].to_owned(),
            text[span.clone()].to_owned(),
            text[span.end..].to_owned(),
        ),
        None => (text.to_owned(), String::new(), String::new()),
    }
}

fn hit(subject: &Subject, kind: &QueryKind) -> Hit {
    // Highlight what the public sees: a person's name is masked first.
    let shown = subject_summary(subject, Viewer::Public);
    let code = shown.uscc.clone().or(shown.id_masked.clone()).unwrap_or_default();
    let (name_span, code_span) = match kind {
        QueryKind::Name(chars) => (match_span(&shown.name, chars), None),
        QueryKind::CodePrefix(prefix) => (None, code.starts_with(prefix.as_str()).then_some(0..prefix.len())),
    };
    let (before, matched, after) = split(&shown.name, name_span);
    let (code_before, code_matched, code_after) = split(&code, code_span);
    Hit {
        reference: shown.reference,
        before,
        matched,
        after,
        category: shown.category_label,
        code_before,
        code_matched,
        code_after,
    }
}

/// `GET /search`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Session(session): Session,
    Query(params): Query<Params>,
) -> Result<Response, Error> {
    let query = params.q.unwrap_or_default().trim().to_owned();
    let mut page = SearchPage {
        layout: Layout::new(
            format!("“{}”的查询结果", query.chars().take(20).collect::<String>()),
            &caller,
            session.as_ref(),
        ),
        first_page: params.cursor.as_deref().is_none_or(str::is_empty),
        query,
        message: None,
        searched: false,
        hits: Vec::new(),
        next: None,
    };
    if page.query.is_empty() {
        page.layout.title = "查询".into();
        return render(&page, &page.layout);
    }
    let found = match page_request(&state, params.cursor, None) {
        Ok(request) => search(&state, &page.query, &request).await,
        Err(error) => Err(error),
    };
    match found {
        Ok((kind, found)) => {
            page.searched = true;
            page.hits = found.items.iter().map(|s| hit(s, &kind)).collect();
            page.next = found.next.map(|c| c.0);
            render(&page, &page.layout)
        }
        Err(Error::InvalidRequest(message)) => {
            page.message = Some(message);
            Ok((StatusCode::BAD_REQUEST, render(&page, &page.layout)?).into_response())
        }
        Err(Error::InvalidCursor) => {
            page.message = Some("分页已失效，请重新查询。".into());
            Ok((StatusCode::BAD_REQUEST, render(&page, &page.layout)?).into_response())
        }
        Err(other) => Err(other),
    }
}
