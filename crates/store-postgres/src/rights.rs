//! Commitments and repairs in PostgreSQL.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Row};
use xinyong_store::{
    Commitment, CommitmentFinding, NewCommitment, NewRepair, Repair, RepairFilter, RepairUpdate, RightsStore,
    StoreError, SubjectId,
};

use crate::PostgresStore;
use crate::error::map_error;

const COMMITMENT_COLUMNS: &str = "id, subject_id, kind, matter, addressee, signer, text, digest, public, signed_on, status, \
     finding_on, finding_note, found_by, created_at";

fn commitment(row: &PgRow) -> sqlx::Result<Commitment> {
    Ok(Commitment {
        id: row.try_get("id")?,
        new: NewCommitment {
            subject_id: row.try_get("subject_id")?,
            kind: row.try_get("kind")?,
            matter: row.try_get("matter")?,
            addressee: row.try_get("addressee")?,
            signer: row.try_get("signer")?,
            text: row.try_get("text")?,
            digest: row.try_get("digest")?,
            public: row.try_get("public")?,
            signed_on: row.try_get("signed_on")?,
        },
        status: row.try_get("status")?,
        finding_on: row.try_get("finding_on")?,
        finding_note: row.try_get("finding_note")?,
        found_by: row.try_get("found_by")?,
        created_at: row.try_get("created_at")?,
    })
}

const REPAIR_COLUMNS: &str = "id, record_id, subject_id, source, applicant, commitment_id, proof, submitted_on, \
     platform_due, status, due_on, forwarded_on, closed_on, reasons, created_at";

fn repair(row: &PgRow) -> sqlx::Result<Repair> {
    Ok(Repair {
        id: row.try_get("id")?,
        new: NewRepair {
            record_id: row.try_get("record_id")?,
            subject_id: row.try_get("subject_id")?,
            source: row.try_get("source")?,
            applicant: row.try_get("applicant")?,
            commitment_id: row.try_get("commitment_id")?,
            proof: row.try_get("proof")?,
            submitted_on: row.try_get("submitted_on")?,
            due_on: row.try_get("platform_due")?,
        },
        status: row.try_get("status")?,
        due_on: row.try_get("due_on")?,
        forwarded_on: row.try_get("forwarded_on")?,
        closed_on: row.try_get("closed_on")?,
        reasons: row.try_get("reasons")?,
        created_at: row.try_get("created_at")?,
    })
}

#[async_trait]
impl RightsStore for PostgresStore {
    async fn sign_commitment(&self, new: &NewCommitment) -> Result<Commitment, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO commitments (subject_id, kind, matter, addressee, signer, text, digest, public, signed_on,
                                      status, created_at)
             VALUES ($1, $2, $3, $9, $4, $5, $6, $7, $8, 'signed', now()) RETURNING {COMMITMENT_COLUMNS}"
        )))
        .bind(new.subject_id)
        .bind(&new.kind)
        .bind(&new.matter)
        .bind(&new.signer)
        .bind(&new.text)
        .bind(&new.digest)
        .bind(new.public)
        .bind(new.signed_on)
        .bind(&new.addressee)
        .try_map(|row: PgRow| commitment(&row))
        .fetch_one(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn commitment(&self, id: i64) -> Result<Option<Commitment>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COMMITMENT_COLUMNS} FROM commitments WHERE id = $1"
        )))
        .bind(id)
        .try_map(|row: PgRow| commitment(&row))
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn commitments_of(&self, subject_id: SubjectId) -> Result<Vec<Commitment>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COMMITMENT_COLUMNS} FROM commitments WHERE subject_id = $1 ORDER BY id DESC"
        )))
        .bind(subject_id)
        .try_map(|row: PgRow| commitment(&row))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn commitments_to(
        &self,
        addressee: Option<&str>,
        signed_only: bool,
        limit: i64,
    ) -> Result<Vec<Commitment>, StoreError> {
        // `IS NOT DISTINCT FROM` would not use the (addressee, id) index.
        let to = if addressee.is_some() {
            "addressee = $1"
        } else {
            "addressee IS NULL AND $1::text IS NULL"
        };
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COMMITMENT_COLUMNS} FROM commitments
             WHERE {to} AND (NOT $2 OR status = 'signed')
             ORDER BY id DESC LIMIT $3"
        )))
        .bind(addressee)
        .bind(signed_only)
        .bind(limit)
        .try_map(|row: PgRow| commitment(&row))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn broken_since(&self, since: chrono::NaiveDate) -> Result<Vec<Commitment>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COMMITMENT_COLUMNS} FROM commitments
             WHERE status = 'broken' AND finding_on >= $1 ORDER BY id LIMIT 1000"
        )))
        .bind(since)
        .try_map(|row: PgRow| commitment(&row))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn record_finding(
        &self,
        id: i64,
        from: &str,
        finding: Option<&CommitmentFinding>,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE commitments SET status = $3, finding_on = $4, finding_note = $5, found_by = $6
             WHERE id = $1 AND status = $2",
        )
        .bind(id)
        .bind(from)
        .bind(finding.map_or("signed", |f| f.status.as_str()))
        .bind(finding.map(|f| f.on))
        .bind(finding.and_then(|f| f.note.as_deref()))
        .bind(finding.map(|f| f.by.as_str()))
        .execute(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(result.rows_affected() == 1)
    }

    async fn create_repair(&self, new: &NewRepair) -> Result<Repair, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO repairs (record_id, subject_id, source, applicant, commitment_id, proof, submitted_on,
                                  platform_due, status, due_on, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'submitted', $8, now()) RETURNING {REPAIR_COLUMNS}"
        )))
        .bind(new.record_id)
        .bind(new.subject_id)
        .bind(&new.source)
        .bind(&new.applicant)
        .bind(new.commitment_id)
        .bind(&new.proof)
        .bind(new.submitted_on)
        .bind(new.due_on)
        .try_map(|row: PgRow| repair(&row))
        .fetch_one(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn repair(&self, id: i64) -> Result<Option<Repair>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {REPAIR_COLUMNS} FROM repairs WHERE id = $1"
        )))
        .bind(id)
        .try_map(|row: PgRow| repair(&row))
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn repairs(&self, filter: &RepairFilter) -> Result<Vec<Repair>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {REPAIR_COLUMNS} FROM repairs
             WHERE ($1::BIGINT IS NULL OR subject_id = $1) AND ($2::TEXT IS NULL OR source = $2)
               AND (NOT $3 OR status IN ('submitted', 'forwarded'))
             ORDER BY id DESC LIMIT 1000"
        )))
        .bind(filter.subject_id)
        .bind(&filter.source)
        .bind(filter.open_only)
        .try_map(|row: PgRow| repair(&row))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn update_repair(&self, id: i64, from: &str, update: &RepairUpdate) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        let changed = sqlx::query(
            "UPDATE repairs SET status = $3, due_on = $4, forwarded_on = COALESCE($5, forwarded_on),
                                closed_on = $6, reasons = $7
             WHERE id = $1 AND status = $2",
        )
        .bind(id)
        .bind(from)
        .bind(&update.status)
        .bind(update.due_on)
        .bind(update.forwarded_on)
        .bind(update.closed_on)
        .bind(&update.reasons)
        .execute(&mut *tx)
        .await
        .map_err(map_error)?
        .rows_affected()
            == 1;
        if changed && let Some(day) = update.repaired_on {
            // Every version of the record: the one applied for may have been superseded since.
            sqlx::query(
                "UPDATE records SET repaired_on = $2
                 WHERE (subject_id, record_type, doc_no) =
                       (SELECT r.subject_id, r.record_type, r.doc_no FROM repairs p JOIN records r ON r.id = p.record_id
                        WHERE p.id = $1)",
            )
            .bind(id)
            .bind(day)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        }
        tx.commit().await.map_err(map_error)?;
        Ok(changed)
    }
}
