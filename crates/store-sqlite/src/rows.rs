//! Converting between SQLite values and the store's types. Dates are ISO
//! 8601 text, timestamps RFC 3339 text in UTC, booleans 0/1.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::Row;
use xinyong_domain::SubjectCategory;
use xinyong_domain::publicity::{PublicityWindow, Severity};
use xinyong_store::{NaturalKey, StoredRecord, Subject, payload_items};

use crate::error::corrupt;

pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn timestamp(text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| corrupt(format!("timestamp {text}: {e}")))
}

pub(crate) fn date(text: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| corrupt(format!("date {text}: {e}")))
}

/// Columns of `subjects` read by [`subject`], in order.
pub(crate) const SUBJECT_COLUMNS: &str =
    "s.id, s.category, s.uscc, s.person_ref, s.id_masked, s.name, s.flagged, s.created_at";

pub(crate) fn subject(row: &Row<'_>, offset: usize) -> rusqlite::Result<Subject> {
    let category: String = row.get(offset + 1)?;
    Ok(Subject {
        id: row.get(offset)?,
        category: SubjectCategory::from_code(&category).ok_or_else(|| corrupt(format!("category {category}")))?,
        uscc: row.get(offset + 2)?,
        person_ref: row.get(offset + 3)?,
        id_masked: row.get(offset + 4)?,
        name: row.get(offset + 5)?,
        flagged: row.get(offset + 6)?,
        created_at: timestamp(&row.get::<_, String>(offset + 7)?)?,
    })
}

/// Columns of `records` read by [`record`], in order.
/// The order of a subject's file: newest decision first (the id breaks
/// ties), for every query that reads one, so that a check, a read and a
/// purposed read list the same records alike.
pub(crate) const NEWEST_FIRST: &str = "r.decision_date DESC, r.id DESC";

pub(crate) const RECORD_COLUMNS: &str = "r.id, r.subject_id, r.record_type, r.doc_no, r.catalog_version, \
     r.decision_date, r.severity, r.published, r.publicity_until, r.authority, r.source, r.batch_id, r.row_no, \
     r.version, r.is_current, r.payload, r.created_at, r.sealed, r.repaired_on";

/// Number of columns in [`RECORD_COLUMNS`].
pub(crate) const N_RECORD_COLUMNS: usize = 19;

pub(crate) fn record(row: &Row<'_>) -> rusqlite::Result<StoredRecord> {
    let payload = serde_json::from_str(text(row, 15)?);
    read_record(row, payload, true)
}

/// A record as a credit check reads it: only `items` of its payload, and
/// its sealed identifiers left unread (`CheckStore::file_for_check`).
pub(crate) fn checked_record(row: &Row<'_>, items: &[String]) -> rusqlite::Result<StoredRecord> {
    let payload = payload_items(bytes(row, 15)?, items);
    read_record(row, payload, false)
}

/// Column `idx` as text borrowed from the row (no copy).
fn text<'r>(row: &'r Row<'_>, idx: usize) -> rusqlite::Result<&'r str> {
    row.get_ref(idx)?
        .as_str()
        .map_err(|e| corrupt(format!("column {idx}: {e}")))
}

fn bytes<'r>(row: &'r Row<'_>, idx: usize) -> rusqlite::Result<&'r [u8]> {
    row.get_ref(idx)?
        .as_bytes()
        .map_err(|e| corrupt(format!("column {idx}: {e}")))
}

fn read_record(
    row: &Row<'_>,
    payload: serde_json::Result<serde_json::Map<String, serde_json::Value>>,
    with_sealed: bool,
) -> rusqlite::Result<StoredRecord> {
    let payload = payload.map_err(|_| corrupt("record payload is not a JSON object"))?;
    let decision_date = date(text(row, 5)?)?;
    let severity: Option<String> = row.get(6)?;
    let severity = severity
        .map(|label| Severity::from_label(&label).ok_or_else(|| corrupt(format!("severity {label}"))))
        .transpose()?;
    let until: Option<String> = row.get(8)?;
    Ok(StoredRecord {
        id: row.get(0)?,
        key: NaturalKey {
            subject_id: row.get(1)?,
            record_type: row.get(2)?,
            doc_no: row.get(3)?,
        },
        catalog_version: row.get(4)?,
        decision_date,
        publicity: PublicityWindow {
            severity,
            published: row.get(7)?,
            from: decision_date,
            until: until.as_deref().map(date).transpose()?,
        },
        authority: row.get(9)?,
        source: row.get(10)?,
        batch_id: row.get(11)?,
        row_no: row.get(12)?,
        version: row.get(13)?,
        current: row.get(14)?,
        payload,
        created_at: timestamp(&row.get::<_, String>(16)?)?,
        sealed: if with_sealed { row.get(17)? } else { None },
        repaired_on: row.get::<_, Option<String>>(18)?.as_deref().map(date).transpose()?,
    })
}
