//! `/me`: the subject portal. A signed-in subject sees its whole file,
//! items the public does not see included, and who read it and why.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use xinyong_access::Caller as Who;
use xinyong_store::PageRequest;

use crate::api::dto::{SubjectSummary, page_record, subject_summary};
use crate::api::me::{QueryEntry, query_page};
use crate::api::today;
use crate::auth::{Caller, Session};
use crate::site::layout::{Layout, console_of, render};
use crate::site::sections::{Section, sections};
use crate::{AppState, Error};

/// Reads shown on the portal; the API pages through the rest.
const QUERIES_SHOWN: u32 = 50;

#[derive(Template)]
#[template(path = "me.html")]
struct PortalPage {
    layout: Layout,
    subject: SubjectSummary,
    sections: Vec<Section>,
    queries: Vec<Read>,
    more_queries: bool,
    repairs: Vec<RepairLine>,
    platform_days: u32,
    authority_days: u32,
}

/// An adverse record of the subject's and where its repair stands.
#[derive(Debug)]
struct RepairLine {
    doc_no: String,
    severity: String,
    eligibility: String,
    application: String,
}

/// One read of the file, as the portal lists it.
#[derive(Debug)]
struct Read {
    /// Beijing time.
    at: String,
    reader: String,
    /// The purpose, and the matter for a credit check.
    purpose: String,
    records: usize,
}

impl From<QueryEntry> for Read {
    fn from(entry: QueryEntry) -> Self {
        let mut purpose = entry.purpose_name.or(entry.purpose).unwrap_or_default();
        if let Some(check) = entry.check {
            purpose.push_str(&format!("（信用核查：{}）", check.matter_name.unwrap_or(check.matter)));
        }
        Self {
            at: xinyong_domain::date::china_time(entry.at)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            reader: entry.reader,
            purpose,
            records: entry.records.len(),
        }
    }
}

/// `GET /me`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Session(session): Session,
) -> Result<Response, Error> {
    match &caller.caller {
        Who::Anonymous => return Ok(Redirect::to("/login").into_response()),
        Who::Account(account) => {
            if let Some(console) = console_of(account.new.role) {
                return Ok(Redirect::to(console).into_response());
            }
        }
        Who::Client(_) | Who::Console(_) => {}
    }
    let own = state.access.own_file(&caller).await?;
    let today = today();
    let file = own
        .reader()
        .read(|code| state.catalog.get(code).map(|e| &*e.record_type), today)
        .await?;
    let applications = state.rights.subject_desk(&caller).await?.repairs().await?;
    let repairs = file
        .records
        .iter()
        .filter(|read| read.record.publicity.severity.is_some())
        .map(|read| {
            let record = &read.record;
            let application = applications
                .iter()
                .find(|a| a.repair.new.record_id == record.id)
                .map_or_else(String::new, |a| {
                    format!("{}（{}提交）", a.state_label, a.repair.new.submitted_on)
                });
            RepairLine {
                doc_no: record.key.doc_no.clone(),
                severity: record
                    .publicity
                    .severity
                    .map(|s| s.label().to_owned())
                    .unwrap_or_default(),
                eligibility: match record.repaired_on {
                    Some(day) => format!("已于 {day} 修复"),
                    None => state.rights.eligibility_of(record, today).explain(),
                },
                application,
            }
        })
        .collect();
    let mut records: Vec<_> = file
        .records
        .iter()
        .filter_map(|read| page_record(read, &state.catalog))
        .collect();
    crate::api::dto::mark_objections(&state.rights, &mut records).await?;
    let queries = query_page(
        &state,
        &caller,
        &PageRequest {
            after: None,
            limit: QUERIES_SHOWN,
        },
    )
    .await?;
    let page = PortalPage {
        layout: Layout::new("我的信用", &caller, session.as_ref()),
        subject: subject_summary(&file.subject, file.viewer),
        sections: sections(&state.catalog, records),
        more_queries: queries.next_cursor.is_some(),
        queries: queries.items.into_iter().map(Read::from).collect(),
        repairs,
        platform_days: state.rights.settings().repair_platform_days,
        authority_days: state.rights.settings().repair_authority_days,
    };
    render(&page, &page.layout)
}
