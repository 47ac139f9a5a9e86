//! Commitments and repairs in SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};
use xinyong_store::{
    Commitment, CommitmentFinding, NewCommitment, NewRepair, Repair, RepairFilter, RepairUpdate, RightsStore,
    StoreError, SubjectId,
};

use crate::SqliteStore;
use crate::rows::{date, now, timestamp};

const COMMITMENT_COLUMNS: &str = "id, subject_id, kind, matter, addressee, signer, text, digest, public, signed_on, status, \
     finding_on, finding_note, found_by, created_at";

fn commitment(row: &Row<'_>) -> rusqlite::Result<Commitment> {
    Ok(Commitment {
        id: row.get(0)?,
        new: NewCommitment {
            subject_id: row.get(1)?,
            kind: row.get(2)?,
            matter: row.get(3)?,
            addressee: row.get(4)?,
            signer: row.get(5)?,
            text: row.get(6)?,
            digest: row.get(7)?,
            public: row.get(8)?,
            signed_on: date(&row.get::<_, String>(9)?)?,
        },
        status: row.get(10)?,
        finding_on: optional_date(row, 11)?,
        finding_note: row.get(12)?,
        found_by: row.get(13)?,
        created_at: timestamp(&row.get::<_, String>(14)?)?,
    })
}

const REPAIR_COLUMNS: &str = "id, record_id, subject_id, source, applicant, commitment_id, proof, submitted_on, \
     status, due_on, forwarded_on, closed_on, reasons, created_at, platform_due";

fn repair(row: &Row<'_>) -> rusqlite::Result<Repair> {
    Ok(Repair {
        id: row.get(0)?,
        new: NewRepair {
            record_id: row.get(1)?,
            subject_id: row.get(2)?,
            source: row.get(3)?,
            applicant: row.get(4)?,
            commitment_id: row.get(5)?,
            proof: row.get(6)?,
            submitted_on: date(&row.get::<_, String>(7)?)?,
            due_on: date(&row.get::<_, String>(14)?)?,
        },
        status: row.get(8)?,
        due_on: optional_date(row, 9)?,
        forwarded_on: optional_date(row, 10)?,
        closed_on: optional_date(row, 11)?,
        reasons: row.get(12)?,
        created_at: timestamp(&row.get::<_, String>(13)?)?,
    })
}

fn optional_date(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<chrono::NaiveDate>> {
    row.get::<_, Option<String>>(idx)?.as_deref().map(date).transpose()
}

fn text_date(day: Option<chrono::NaiveDate>) -> Option<String> {
    day.map(|d| d.to_string())
}

#[async_trait]
impl RightsStore for SqliteStore {
    async fn sign_commitment(&self, new: &NewCommitment) -> Result<Commitment, StoreError> {
        let new = new.clone();
        self.write(move |tx| {
            let id: i64 = tx.query_row(
                "INSERT INTO commitments (subject_id, kind, matter, addressee, signer, text, digest, public, signed_on,
                                          status, created_at)
                 VALUES (?1, ?2, ?3, ?10, ?4, ?5, ?6, ?7, ?8, 'signed', ?9) RETURNING id",
                params![
                    new.subject_id,
                    new.kind,
                    new.matter,
                    new.signer,
                    new.text,
                    new.digest,
                    new.public,
                    new.signed_on.to_string(),
                    now(),
                    new.addressee
                ],
                |row| row.get(0),
            )?;
            tx.query_row(
                &format!("SELECT {COMMITMENT_COLUMNS} FROM commitments WHERE id = ?1"),
                [id],
                commitment,
            )
        })
        .await
    }

    async fn commitment(&self, id: i64) -> Result<Option<Commitment>, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {COMMITMENT_COLUMNS} FROM commitments WHERE id = ?1"),
                [id],
                commitment,
            )
            .optional()
        })
        .await
    }

    async fn commitments_of(&self, subject_id: SubjectId) -> Result<Vec<Commitment>, StoreError> {
        self.read(move |conn| {
            conn.prepare(&format!(
                "SELECT {COMMITMENT_COLUMNS} FROM commitments WHERE subject_id = ?1 ORDER BY id DESC"
            ))?
            .query_map([subject_id], commitment)?
            .collect()
        })
        .await
    }

    async fn commitments_to(
        &self,
        addressee: Option<&str>,
        signed_only: bool,
        limit: i64,
    ) -> Result<Vec<Commitment>, StoreError> {
        let addressee = addressee.map(str::to_owned);
        self.read(move |conn| {
            conn.prepare(&format!(
                "SELECT {COMMITMENT_COLUMNS} FROM commitments
                 WHERE addressee IS ?1 AND (NOT ?2 OR status = 'signed')
                 ORDER BY id DESC LIMIT ?3"
            ))?
            .query_map(params![addressee, signed_only, limit], commitment)?
            .collect()
        })
        .await
    }

    async fn broken_since(&self, since: chrono::NaiveDate) -> Result<Vec<Commitment>, StoreError> {
        self.read(move |conn| {
            conn.prepare(&format!(
                "SELECT {COMMITMENT_COLUMNS} FROM commitments
                 WHERE status = 'broken' AND finding_on >= ?1 ORDER BY id LIMIT 1000"
            ))?
            .query_map([since.to_string()], commitment)?
            .collect()
        })
        .await
    }

    async fn record_finding(
        &self,
        id: i64,
        from: &str,
        finding: Option<&CommitmentFinding>,
    ) -> Result<bool, StoreError> {
        let (from, finding) = (from.to_owned(), finding.cloned());
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE commitments SET status = ?3, finding_on = ?4, finding_note = ?5, found_by = ?6
                 WHERE id = ?1 AND status = ?2",
                params![
                    id,
                    from,
                    finding.as_ref().map_or("signed", |f| f.status.as_str()),
                    finding.as_ref().map(|f| f.on.to_string()),
                    finding.as_ref().and_then(|f| f.note.as_deref()),
                    finding.as_ref().map(|f| f.by.as_str()),
                ],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn create_repair(&self, new: &NewRepair) -> Result<Repair, StoreError> {
        let new = new.clone();
        self.write(move |tx| {
            let id: i64 = tx.query_row(
                "INSERT INTO repairs (record_id, subject_id, source, applicant, commitment_id, proof, submitted_on,
                                      platform_due, status, due_on, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'submitted', ?8, ?9) RETURNING id",
                params![
                    new.record_id,
                    new.subject_id,
                    new.source,
                    new.applicant,
                    new.commitment_id,
                    new.proof,
                    new.submitted_on.to_string(),
                    new.due_on.to_string(),
                    now()
                ],
                |row| row.get(0),
            )?;
            tx.query_row(
                &format!("SELECT {REPAIR_COLUMNS} FROM repairs WHERE id = ?1"),
                [id],
                repair,
            )
        })
        .await
    }

    async fn repair(&self, id: i64) -> Result<Option<Repair>, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {REPAIR_COLUMNS} FROM repairs WHERE id = ?1"),
                [id],
                repair,
            )
            .optional()
        })
        .await
    }

    async fn repairs(&self, filter: &RepairFilter) -> Result<Vec<Repair>, StoreError> {
        let filter = filter.clone();
        self.read(move |conn| {
            conn.prepare(&format!(
                "SELECT {REPAIR_COLUMNS} FROM repairs
                 WHERE (?1 IS NULL OR subject_id = ?1) AND (?2 IS NULL OR source = ?2)
                   AND (?3 = 0 OR status IN ('submitted', 'forwarded'))
                 ORDER BY id DESC LIMIT 1000"
            ))?
            .query_map(params![filter.subject_id, filter.source, filter.open_only], repair)?
            .collect()
        })
        .await
    }

    async fn update_repair(&self, id: i64, from: &str, update: &RepairUpdate) -> Result<bool, StoreError> {
        let (from, update) = (from.to_owned(), update.clone());
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE repairs SET status = ?3, due_on = ?4, forwarded_on = COALESCE(?5, forwarded_on),
                                    closed_on = ?6, reasons = ?7
                 WHERE id = ?1 AND status = ?2",
                params![
                    id,
                    from,
                    update.status,
                    text_date(update.due_on),
                    text_date(update.forwarded_on),
                    text_date(update.closed_on),
                    update.reasons
                ],
            )?;
            if changed == 1
                && let Some(day) = update.repaired_on
            {
                // Every version of the record: the one applied for may have been superseded since.
                tx.execute(
                    "UPDATE records SET repaired_on = ?2
                     WHERE (subject_id, record_type, doc_no) =
                           (SELECT r.subject_id, r.record_type, r.doc_no FROM repairs p JOIN records r ON r.id = p.record_id
                            WHERE p.id = ?1)",
                    params![id, day.to_string()],
                )?;
            }
            Ok(changed == 1)
        })
        .await
    }
}
