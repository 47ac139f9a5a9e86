//! Objections in SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params, params_from_iter};
use xinyong_store::{NewObjection, Objection, ObjectionFilter, ObjectionStore, ObjectionUpdate, RecordId, StoreError};

use crate::SqliteStore;
use crate::rows::{date, now, timestamp};

/// Whether record `r` is under an objection still running (filed or under
/// review): a record stays marked through new versions while its objection
/// runs, whichever version it was filed against. The one statement of that
/// rule in this backend (`records_under_objection`, `file_for_check`).
pub(crate) const UNDER_OBJECTION: &str = "EXISTS (SELECT 1 FROM records d \
     JOIN objections o ON o.record_id = d.id AND o.status IN ('filed', 'reviewing') \
     WHERE d.subject_id = r.subject_id AND d.record_type = r.record_type AND d.doc_no = r.doc_no)";

const COLUMNS: &str = "id, record_id, subject_id, source, filer, reasons, filed_on, accept_due, status, due_on, \
     accepted_on, closed_on, outcome, corrected_record, created_at, attachments";

fn optional_date(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<chrono::NaiveDate>> {
    row.get::<_, Option<String>>(idx)?.as_deref().map(date).transpose()
}

fn objection(row: &Row<'_>) -> rusqlite::Result<Objection> {
    Ok(Objection {
        id: row.get(0)?,
        new: NewObjection {
            record_id: row.get(1)?,
            subject_id: row.get(2)?,
            source: row.get(3)?,
            filer: row.get(4)?,
            reasons: row.get(5)?,
            filed_on: date(&row.get::<_, String>(6)?)?,
            accept_due: date(&row.get::<_, String>(7)?)?,
            attachments: row.get(15)?,
        },
        status: row.get(8)?,
        due_on: optional_date(row, 9)?,
        accepted_on: optional_date(row, 10)?,
        closed_on: optional_date(row, 11)?,
        outcome: row.get(12)?,
        corrected_record: row.get(13)?,
        created_at: timestamp(&row.get::<_, String>(14)?)?,
    })
}

fn text_date(day: Option<chrono::NaiveDate>) -> Option<String> {
    day.map(|d| d.to_string())
}

#[async_trait]
impl ObjectionStore for SqliteStore {
    async fn create_objection(&self, new: &NewObjection) -> Result<Objection, StoreError> {
        let new = new.clone();
        self.write(move |tx| {
            let id: i64 = tx.query_row(
                "INSERT INTO objections (record_id, subject_id, source, filer, reasons, filed_on, accept_due, status,
                                         due_on, created_at, attachments)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'filed', ?7, ?8, ?9) RETURNING id",
                params![
                    new.record_id,
                    new.subject_id,
                    new.source,
                    new.filer,
                    new.reasons,
                    new.filed_on.to_string(),
                    new.accept_due.to_string(),
                    now(),
                    new.attachments
                ],
                |row| row.get(0),
            )?;
            tx.query_row(
                &format!("SELECT {COLUMNS} FROM objections WHERE id = ?1"),
                [id],
                objection,
            )
        })
        .await
    }

    async fn objection(&self, id: i64) -> Result<Option<Objection>, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {COLUMNS} FROM objections WHERE id = ?1"),
                [id],
                objection,
            )
            .optional()
        })
        .await
    }

    async fn objections(&self, filter: &ObjectionFilter) -> Result<Vec<Objection>, StoreError> {
        let filter = filter.clone();
        self.read(move |conn| {
            conn.prepare(&format!(
                "SELECT {COLUMNS} FROM objections
                 WHERE (?1 IS NULL OR subject_id = ?1) AND (?2 IS NULL OR source = ?2)
                   AND (?3 = 0 OR status IN ('filed', 'reviewing')) AND (?4 IS NULL OR closed_on >= ?4)
                 ORDER BY id DESC LIMIT 1000"
            ))?
            .query_map(
                params![
                    filter.subject_id,
                    filter.source,
                    filter.open_only,
                    text_date(filter.closed_since)
                ],
                objection,
            )?
            .collect()
        })
        .await
    }

    async fn update_objection(&self, id: i64, from: &str, update: &ObjectionUpdate) -> Result<bool, StoreError> {
        let (from, update) = (from.to_owned(), update.clone());
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE objections SET status = ?3, due_on = ?4, accepted_on = COALESCE(?5, accepted_on),
                                       closed_on = ?6, outcome = ?7, corrected_record = ?8
                 WHERE id = ?1 AND status = ?2",
                params![
                    id,
                    from,
                    update.status,
                    text_date(update.due_on),
                    text_date(update.accepted_on),
                    text_date(update.closed_on),
                    update.outcome,
                    update.corrected_record
                ],
            )? == 1;
            if changed && update.withdraw_record {
                // The current version, whichever it is now.
                tx.execute(
                    "UPDATE records SET is_current = 0
                     WHERE (subject_id, record_type, doc_no) =
                           (SELECT r.subject_id, r.record_type, r.doc_no FROM objections o JOIN records r ON r.id = o.record_id
                            WHERE o.id = ?1)",
                    [id],
                )?;
            }
            Ok(changed)
        })
        .await
    }

    async fn records_under_objection(&self, records: &[RecordId]) -> Result<Vec<RecordId>, StoreError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let records = records.to_vec();
        self.read(move |conn| {
            let marks = vec!["?"; records.len()].join(", ");
            conn.prepare(&format!(
                "SELECT r.id FROM records r WHERE r.id IN ({marks}) AND {UNDER_OBJECTION}"
            ))?
            .query_map(params_from_iter(records.iter()), |row| row.get(0))?
            .collect()
        })
        .await
    }
}
