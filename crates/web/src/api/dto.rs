//! The API's own types, converted explicitly from store and domain types so
//! that a change inside the platform cannot silently change the public API.
//! Records are converted only through [`public_record`], which applies the
//! one visibility decision.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Map;
use utoipa::ToSchema;
use xinyong_access::ReadRecord;
use xinyong_domain::RecordType;
use xinyong_domain::catalog::Role;
use xinyong_domain::id::mask_person_name;
use xinyong_domain::visibility::{self, Decision, RecordFacts, Viewer, Visibility, decide};
use xinyong_ingest::Catalog;
use xinyong_store::{StoredRecord, Subject};

use crate::{AppState, Error};

/// A subject as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectSummary {
    /// The subject's reference in URLs: its unified social credit code, or
    /// the platform's reference for a person.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Name (masked for people).
    pub name: String,
    /// `organisation`, `individual_business` or `person`.
    pub category: String,
    /// 行政相对人类别 in Chinese.
    pub category_label: String,
    /// Unified social credit code (organisations and 个体工商户).
    pub uscc: Option<String>,
    /// Masked identity document number (people).
    pub id_masked: Option<String>,
}

/// A subject with its public records.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectDetail {
    /// The subject.
    pub subject: SubjectSummary,
    /// Its records the viewer may see, newest decision first.
    pub records: Vec<PublicRecord>,
    /// The commitments it made whose kind is published (信用承诺公示), newest first.
    pub commitments: Vec<PublicCommitment>,
}

/// A commitment as it is published: its kind, what it was for (where the
/// kind publishes that), when, and whether it was kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicCommitment {
    /// The kind's code (`gzcn`).
    pub kind: String,
    /// The kind's name.
    pub kind_name: String,
    /// The matter, identifiers in it masked; empty where the kind does not
    /// publish it (a repair commitment names the record being repaired).
    pub matter: String,
    /// Day signed.
    pub signed_on: NaiveDate,
    /// `signed`, `kept` or `broken`.
    pub status: String,
    /// The same in Chinese.
    pub status_label: String,
}

/// Free text about `subject` (a commitment's matter, an objection's
/// reasons) as `viewer` may see it: identifiers in it masked, and a
/// person's name masked where the viewer sees it masked.
pub(crate) fn scrubbed(text: &str, subject: &Subject, viewer: Viewer) -> String {
    visibility::scrubbed_text(text, &subject.name, subject.category, viewer)
}

/// The published commitments of `subject`, as the public sees them.
pub(crate) async fn public_commitments(state: &AppState, subject: &Subject) -> Result<Vec<PublicCommitment>, Error> {
    let book = state.rights.book();
    Ok(state
        .rights
        .public_commitments(subject.id)
        .await?
        .into_iter()
        .map(|c| {
            let new = c.commitment.new;
            PublicCommitment {
                matter: if book.matter_public(&new.kind) {
                    scrubbed(&new.matter, subject, Viewer::Public)
                } else {
                    String::new()
                },
                kind: new.kind,
                kind_name: c.kind_name,
                signed_on: new.signed_on,
                status: c.commitment.status,
                status_label: c.state_label.to_owned(),
            }
        })
        .collect())
}

/// One data item of a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldValue {
    /// Column code (`CF_WSH`).
    pub key: String,
    /// Chinese item name.
    pub name: String,
    /// Value as shown to this viewer (masked where the rules say).
    pub value: String,
}

/// A record as the viewer may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicRecord {
    /// Record id.
    pub id: i64,
    /// Record type code (`xzcf`).
    pub record_type: String,
    /// Record type name (行政处罚).
    pub record_type_name: String,
    /// 决定书文号.
    pub doc_no: String,
    /// 决定日期.
    pub decision_date: NaiveDate,
    /// Last day of publication, if it ends.
    pub publicity_until: Option<NaiveDate>,
    /// 轻微 / 一般 / 严重, for adverse records.
    pub severity: Option<String>,
    /// The deciding authority.
    pub authority: String,
    /// The department that supplied it.
    pub source: String,
    /// The day it was repaired (信用修复): shown to its subject only,
    /// marked 已修复.
    pub repaired_on: Option<NaiveDate>,
    /// An objection (异议) to it is being handled: shown as 异议处理中.
    pub under_objection: bool,
    /// The subject (in listings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<SubjectSummary>,
    /// The data items the viewer may see, in catalogue order.
    pub fields: Vec<FieldValue>,
}

/// A page of subjects.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectPage {
    /// The subjects.
    pub items: Vec<SubjectSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A page of records.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordPage {
    /// The records.
    pub items: Vec<PublicRecord>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Service health.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// Platform version.
    pub version: String,
}

/// A subject as `viewer` may see it.
pub fn subject_summary(subject: &Subject, viewer: Viewer) -> SubjectSummary {
    let name = visibility::shown_name(&subject.name, subject.category, viewer);
    SubjectSummary {
        reference: subject
            .uscc
            .clone()
            .or_else(|| subject.person_ref.clone())
            .unwrap_or_default(),
        name,
        category: subject.category.code().to_owned(),
        category_label: subject.category.label().to_owned(),
        uscc: subject.uscc.clone(),
        id_masked: subject.id_masked.clone(),
    }
}

/// The record as `viewer` may see it on `today`, or `None` if hidden.
pub fn public_record(
    record: &StoredRecord,
    subject: &Subject,
    catalog: &Catalog,
    viewer: Viewer,
    today: NaiveDate,
) -> Option<PublicRecord> {
    // A record type no longer in the catalogue is shown to no one.
    let entry = catalog.get(&record.key.record_type)?;
    let record_type = &entry.record_type;
    let facts = RecordFacts {
        record_type,
        publicity: &record.publicity,
        current: record.current,
        subject_category: subject.category,
        repaired: record.repaired_on.is_some(),
    };
    let decision = decide(&facts, viewer, today);
    if decision.record == Visibility::Hidden {
        return None;
    }
    Some(record_view(record, record_type, &decision, &Map::new()))
}

/// A record read through the access layer, as its reader may see it (the
/// read's decision, and the identifiers opened for it).
pub fn read_record(read: &ReadRecord, catalog: &Catalog) -> Option<PublicRecord> {
    let entry = catalog.get(&read.record.key.record_type)?;
    Some(record_view(
        &read.record,
        &entry.record_type,
        &read.decision,
        &read.clear,
    ))
}

/// A record read through the access layer, as a page shows it: personal
/// identifiers stay masked, in their items and inside free text, even for
/// a reader entitled to them whole (the API gives such a reader its personal items whole; a
/// page never shows one in clear).
pub fn page_record(read: &ReadRecord, catalog: &Catalog) -> Option<PublicRecord> {
    let entry = catalog.get(&read.record.key.record_type)?;
    Some(record_view(
        &read.record,
        &entry.record_type,
        &read.decision,
        &Map::new(),
    ))
}

/// Builds the API view of a record from a visibility decision: hidden
/// items are left out, masked ones shown as stored (identifiers are stored
/// masked) or masked here (names), whole personal identifiers taken from
/// `clear` (opened only for viewers entitled to them). Identifiers written
/// inside free text stay masked for every viewer; where the viewer sees a
/// person's name masked, so is every mention of it in the record's other
/// items.
fn record_view(
    record: &StoredRecord,
    record_type: &RecordType,
    decision: &Decision,
    clear: &Map<String, serde_json::Value>,
) -> PublicRecord {
    let masked_name = record_type
        .fields
        .iter()
        .zip(&decision.fields)
        .find(|(field, visibility)| field.role == Some(Role::SubjectName) && **visibility == Visibility::Masked)
        .and_then(|(field, _)| record.payload.get(&field.key)?.as_str())
        .filter(|name| name.chars().count() >= 2)
        .map(|name| (name, mask_person_name(name)));
    // The record's own personal identifiers this viewer sees whole.
    let own: Vec<&str> = record_type
        .fields
        .iter()
        .zip(&decision.fields)
        .filter(|(field, visibility)| field.personal && **visibility == Visibility::Full)
        .filter_map(|(field, _)| clear.get(&field.key)?.as_str())
        .collect();
    let fields = record_type
        .fields
        .iter()
        .zip(&decision.fields)
        .filter(|(_, visibility)| **visibility != Visibility::Hidden)
        .filter_map(|(field, visibility)| {
            let stored = record.payload.get(&field.key)?.as_str()?;
            let value = match (visibility, field.role) {
                (Visibility::Masked, Some(Role::SubjectName)) => mask_person_name(stored),
                (Visibility::Full, _) if field.personal => clear
                    .get(&field.key)
                    .and_then(|v| v.as_str())
                    .unwrap_or(stored)
                    .to_owned(),
                // Free text opened for a viewer entitled to the record's
                // identifiers shows those whole and no other: a number a
                // clerk copied into 违法事实 may be a third person's (a
                // witness, a relative), which neither the subject nor a
                // reader it authorised may see.
                _ if field.is_free_text() && !own.is_empty() => {
                    clear.get(&field.key).and_then(|v| v.as_str()).map_or_else(
                        || stored.to_owned(),
                        |text| field.mask_free_text_except(text, &own).into_owned(),
                    )
                }
                _ => stored.to_owned(),
            };
            let value = match &masked_name {
                Some((name, masked)) if field.role != Some(Role::SubjectName) => value.replace(name, masked),
                _ => value,
            };
            // Records stored before identifiers in free text were masked at
            // import (until `xinyong migrate`) are masked here.
            let value = field.mask_free_text_except(&value, &own).into_owned();
            Some(FieldValue {
                key: field.key.clone(),
                name: field.name.clone(),
                value,
            })
        })
        .collect();
    PublicRecord {
        id: record.id,
        record_type: record_type.code.clone(),
        record_type_name: record_type.name.clone(),
        doc_no: record.key.doc_no.clone(),
        decision_date: record.decision_date,
        publicity_until: record.publicity.until,
        severity: record.publicity.severity.map(|s| s.label().to_owned()),
        authority: record.authority.clone(),
        source: record.source.clone(),
        repaired_on: record.repaired_on,
        under_objection: false,
        subject: None,
        fields,
    }
}

/// Marks the records that have an objection running (异议处理中).
pub(crate) async fn mark_objections(
    rights: &xinyong_rights::Rights,
    records: &mut [PublicRecord],
) -> Result<(), crate::Error> {
    let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    let under = rights.under_objection(&ids).await?;
    for record in records {
        record.under_objection = under.contains(&record.id);
    }
    Ok(())
}
