//! Objections in PostgreSQL.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Row};
use xinyong_store::{NewObjection, Objection, ObjectionFilter, ObjectionStore, ObjectionUpdate, RecordId, StoreError};

use crate::PostgresStore;
use crate::error::map_error;

/// Whether record `r` is under an objection still running (filed or under
/// review): a record stays marked through new versions while its objection
/// runs, whichever version it was filed against. The one statement of that
/// rule in this backend (`records_under_objection`, `file_for_check`).
pub(crate) const UNDER_OBJECTION: &str = "EXISTS (SELECT 1 FROM records d \
     JOIN objections o ON o.record_id = d.id AND o.status IN ('filed', 'reviewing') \
     WHERE d.subject_id = r.subject_id AND d.record_type = r.record_type AND d.doc_no = r.doc_no)";

const COLUMNS: &str = "id, record_id, subject_id, source, filer, reasons, filed_on, accept_due, status, due_on, \
     accepted_on, closed_on, outcome, corrected_record, created_at, attachments";

fn objection(row: &PgRow) -> sqlx::Result<Objection> {
    Ok(Objection {
        id: row.try_get("id")?,
        new: NewObjection {
            record_id: row.try_get("record_id")?,
            subject_id: row.try_get("subject_id")?,
            source: row.try_get("source")?,
            filer: row.try_get("filer")?,
            reasons: row.try_get("reasons")?,
            filed_on: row.try_get("filed_on")?,
            accept_due: row.try_get("accept_due")?,
            attachments: row.try_get("attachments")?,
        },
        status: row.try_get("status")?,
        due_on: row.try_get("due_on")?,
        accepted_on: row.try_get("accepted_on")?,
        closed_on: row.try_get("closed_on")?,
        outcome: row.try_get("outcome")?,
        corrected_record: row.try_get("corrected_record")?,
        created_at: row.try_get("created_at")?,
    })
}

#[async_trait]
impl ObjectionStore for PostgresStore {
    async fn create_objection(&self, new: &NewObjection) -> Result<Objection, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO objections (record_id, subject_id, source, filer, reasons, filed_on, accept_due, status,
                                     due_on, created_at, attachments)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'filed', $7, now(), $8) RETURNING {COLUMNS}"
        )))
        .bind(new.record_id)
        .bind(new.subject_id)
        .bind(&new.source)
        .bind(&new.filer)
        .bind(&new.reasons)
        .bind(new.filed_on)
        .bind(new.accept_due)
        .bind(&new.attachments)
        .try_map(|row: PgRow| objection(&row))
        .fetch_one(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn objection(&self, id: i64) -> Result<Option<Objection>, StoreError> {
        sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM objections WHERE id = $1")))
            .bind(id)
            .try_map(|row: PgRow| objection(&row))
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)
    }

    async fn objections(&self, filter: &ObjectionFilter) -> Result<Vec<Objection>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM objections
             WHERE ($1::BIGINT IS NULL OR subject_id = $1) AND ($2::TEXT IS NULL OR source = $2)
               AND (NOT $3 OR status IN ('filed', 'reviewing')) AND ($4::DATE IS NULL OR closed_on >= $4)
             ORDER BY id DESC LIMIT 1000"
        )))
        .bind(filter.subject_id)
        .bind(&filter.source)
        .bind(filter.open_only)
        .bind(filter.closed_since)
        .try_map(|row: PgRow| objection(&row))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn update_objection(&self, id: i64, from: &str, update: &ObjectionUpdate) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        let changed = sqlx::query(
            "UPDATE objections SET status = $3, due_on = $4, accepted_on = COALESCE($5, accepted_on),
                                   closed_on = $6, outcome = $7, corrected_record = $8
             WHERE id = $1 AND status = $2",
        )
        .bind(id)
        .bind(from)
        .bind(&update.status)
        .bind(update.due_on)
        .bind(update.accepted_on)
        .bind(update.closed_on)
        .bind(&update.outcome)
        .bind(update.corrected_record)
        .execute(&mut *tx)
        .await
        .map_err(map_error)?
        .rows_affected()
            == 1;
        if changed && update.withdraw_record {
            // The current version, whichever it is now.
            sqlx::query(
                "UPDATE records SET is_current = false
                 WHERE (subject_id, record_type, doc_no) =
                       (SELECT r.subject_id, r.record_type, r.doc_no FROM objections o JOIN records r ON r.id = o.record_id
                        WHERE o.id = $1)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        }
        tx.commit().await.map_err(map_error)?;
        Ok(changed)
    }

    async fn records_under_objection(&self, records: &[RecordId]) -> Result<Vec<RecordId>, StoreError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT r.id FROM records r WHERE r.id = ANY($1) AND {UNDER_OBJECTION}"
        )))
        .bind(records)
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }
}
