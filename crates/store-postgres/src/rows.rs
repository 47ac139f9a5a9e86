//! Converting PostgreSQL rows to the store's types.

use sqlx::Row;
use sqlx::postgres::PgRow;
use xinyong_domain::SubjectCategory;
use xinyong_domain::publicity::{PublicityWindow, Severity};
use xinyong_store::{NaturalKey, StoredRecord, Subject, payload_items};

use crate::error::corrupt;

/// Columns of `subjects` read by [`subject`], with aliases `s_*`.
pub(crate) const SUBJECT_COLUMNS: &str = "s.id AS s_id, s.category AS s_category, s.uscc AS s_uscc, \
     s.person_ref AS s_person_ref, s.id_masked AS s_id_masked, s.name AS s_name, s.flagged AS s_flagged, \
     s.created_at AS s_created_at";

pub(crate) fn subject(row: &PgRow) -> sqlx::Result<Subject> {
    let category: String = row.try_get("s_category")?;
    Ok(Subject {
        id: row.try_get("s_id")?,
        category: SubjectCategory::from_code(&category).ok_or_else(|| corrupt(format!("category {category}")))?,
        uscc: row.try_get("s_uscc")?,
        person_ref: row.try_get("s_person_ref")?,
        id_masked: row.try_get("s_id_masked")?,
        name: row.try_get("s_name")?,
        flagged: row.try_get("s_flagged")?,
        created_at: row.try_get("s_created_at")?,
    })
}

/// Columns of `records` read by [`record`].
/// The order of a subject's file: newest decision first (the id breaks
/// ties), for every query that reads one, so that a check, a read and a
/// purposed read list the same records alike.
pub(crate) const NEWEST_FIRST: &str = "r.decision_date DESC, r.id DESC";

pub(crate) const RECORD_COLUMNS: &str = "r.id, r.subject_id, r.record_type, r.doc_no, r.catalog_version, \
     r.decision_date, r.severity, r.published, r.publicity_until, r.authority, r.source, r.batch_id, r.row_no, \
     r.version, r.is_current, r.payload, r.created_at, r.sealed, r.repaired_on";

/// Columns of `records` read by [`checked_record`]: the payload as text,
/// parsed in part, and no sealed identifiers.
pub(crate) const CHECKED_RECORD_COLUMNS: &str = "r.id, r.subject_id, r.record_type, r.doc_no, \
     r.catalog_version, r.decision_date, r.severity, r.published, r.publicity_until, r.authority, r.source, \
     r.batch_id, r.row_no, r.version, r.is_current, r.payload::text AS payload, r.created_at, r.repaired_on";

pub(crate) fn record(row: &PgRow) -> sqlx::Result<StoredRecord> {
    let payload = match row.try_get::<serde_json::Value, _>("payload")? {
        serde_json::Value::Object(map) => map,
        _ => return Err(corrupt("record payload is not a JSON object")),
    };
    let sealed = row.try_get("sealed")?;
    read_record(row, payload, sealed)
}

/// A record as a credit check reads it ([`CHECKED_RECORD_COLUMNS`]): only
/// `items` of its payload (`CheckStore::file_for_check`).
pub(crate) fn checked_record(row: &PgRow, items: &[String]) -> sqlx::Result<StoredRecord> {
    let payload = payload_items(row.try_get::<&str, _>("payload")?.as_bytes(), items)
        .map_err(|_| corrupt("record payload is not a JSON object"))?;
    read_record(row, payload, None)
}

fn read_record(
    row: &PgRow,
    payload: serde_json::Map<String, serde_json::Value>,
    sealed: Option<Vec<u8>>,
) -> sqlx::Result<StoredRecord> {
    let decision_date = row.try_get("decision_date")?;
    let severity: Option<String> = row.try_get("severity")?;
    let severity = severity
        .map(|label| Severity::from_label(&label).ok_or_else(|| corrupt(format!("severity {label}"))))
        .transpose()?;
    Ok(StoredRecord {
        id: row.try_get("id")?,
        key: NaturalKey {
            subject_id: row.try_get("subject_id")?,
            record_type: row.try_get("record_type")?,
            doc_no: row.try_get("doc_no")?,
        },
        catalog_version: row.try_get("catalog_version")?,
        decision_date,
        publicity: PublicityWindow {
            severity,
            published: row.try_get("published")?,
            from: decision_date,
            until: row.try_get("publicity_until")?,
        },
        authority: row.try_get("authority")?,
        source: row.try_get("source")?,
        batch_id: row.try_get("batch_id")?,
        row_no: row.try_get("row_no")?,
        version: row.try_get("version")?,
        current: row.try_get("is_current")?,
        payload,
        created_at: row.try_get("created_at")?,
        sealed,
        repaired_on: row.try_get("repaired_on")?,
    })
}

/// A `tsvector` literal of a name's bigram tokens with their positions,
/// built here so that search does not depend on the database's
/// text-search locale.
pub(crate) fn tsvector_literal(name: &str, category: xinyong_domain::SubjectCategory) -> String {
    xinyong_domain::names::search_tokens(name, category)
        .split(' ')
        .filter(|token| !token.is_empty())
        .enumerate()
        .map(|(idx, token)| format!("'{token}':{}", idx + 1))
        .collect::<Vec<_>>()
        .join(" ")
}
