//! `/subjects/{ref}`: a subject's public credit file (信用档案), read through
//! the access layer as the public reads it.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use xinyong_domain::visibility::Viewer;

use crate::api::dto::{PublicCommitment, SubjectSummary, page_record, public_commitments, subject_summary};
use crate::api::subjects::find_subject;
use crate::api::today;
use crate::auth::{Caller, Session};
use crate::extract::PathText;
use crate::site::layout::{Layout, render};
use crate::site::sections::{Section, sections};
use crate::{AppState, Error};

#[derive(Template)]
#[template(path = "subject.html")]
struct SubjectPage {
    layout: Layout,
    subject: SubjectSummary,
    sections: Vec<Section>,
    commitments: Vec<PublicCommitment>,
}

/// `GET /subjects/{ref}`. Signed-in officials see the public view here too:
/// a fuller read names a purpose and goes through the API.
pub(crate) async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Session(session): Session,
    PathText(reference): PathText,
) -> Result<Response, Error> {
    let subject = find_subject(&state, &reference).await?;
    let today = today();
    let public = xinyong_access::Principal::anonymous(caller.origin.clone());
    let reader = state.access.reader(&public, subject, None, today).await?;
    let file = reader
        .read(|code| state.catalog.get(code).map(|e| &*e.record_type), today)
        .await?;
    let commitments = public_commitments(&state, &file.subject).await?;
    let summary = subject_summary(&file.subject, Viewer::Public);
    let mut records: Vec<_> = file
        .records
        .iter()
        .filter_map(|read| page_record(read, &state.catalog))
        .collect();
    crate::api::dto::mark_objections(&state.rights, &mut records).await?;
    let page = SubjectPage {
        layout: Layout::new(format!("{}的信用档案", summary.name), &caller, session.as_ref()),
        subject: summary,
        sections: sections(&state.catalog, records),
        commitments,
    };
    render(&page, &page.layout)
}
