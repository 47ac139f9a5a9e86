//! Credit checks in SQLite.

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, params};
use xinyong_domain::audit::Event;
use xinyong_store::{
    Check, CheckBatch, CheckBatchStatus, CheckLookup, CheckStats, CheckStore, CheckedFile, Feedback, FeedbackRefusal,
    NewCheck, NewCheckBatch, Page, PageRequest, StoreError,
};

use crate::SqliteStore;
use crate::audit::append_in;
use crate::error::corrupt;
use crate::objections::UNDER_OBJECTION;
use crate::rows::{
    N_RECORD_COLUMNS, NEWEST_FIRST, RECORD_COLUMNS, SUBJECT_COLUMNS, checked_record, subject, timestamp,
};

const CHECK_COLUMNS: &str = "id, client, department_id, subject_id, subject_shown, matter, purpose, checked_at, month, \
     book, n_measures, n_mandatory, answer, feedback_at, applied, outcome, case_no, batch_id, batch_row";
const BATCH_COLUMNS: &str = "b.id, b.client, b.department_id, b.matter, b.purpose, b.total, b.subjects_sealed, b.status, \
     b.created_at, b.finished_at, (SELECT count(*) FROM checks c WHERE c.batch_id = b.id)";

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn check(row: &Row<'_>) -> rusqlite::Result<Check> {
    let feedback = match row.get::<_, Option<String>>(13)? {
        None => None,
        Some(at) => {
            let applied: String = row.get(14)?;
            Some(Feedback {
                applied: serde_json::from_str(&applied).map_err(|e| corrupt(format!("applied: {e}")))?,
                outcome: row.get(15)?,
                case_no: row.get(16)?,
                at: timestamp(&at)?,
            })
        }
    };
    Ok(Check {
        new: NewCheck {
            id: row.get(0)?,
            client: row.get(1)?,
            department_id: row.get(2)?,
            subject_id: row.get(3)?,
            subject_shown: row.get(4)?,
            matter: row.get(5)?,
            purpose: row.get(6)?,
            checked_at: timestamp(&row.get::<_, String>(7)?)?,
            month: row.get(8)?,
            book: row.get(9)?,
            n_measures: row.get(10)?,
            n_mandatory: row.get(11)?,
            answer: row.get(12)?,
            batch: match (row.get::<_, Option<i64>>(17)?, row.get::<_, Option<i32>>(18)?) {
                (Some(id), Some(n)) => Some((id, n)),
                _ => None,
            },
        },
        feedback,
    })
}

fn batch(row: &Row<'_>) -> rusqlite::Result<CheckBatch> {
    let status: String = row.get(7)?;
    Ok(CheckBatch {
        id: row.get(0)?,
        new: NewCheckBatch {
            client: row.get(1)?,
            department_id: row.get(2)?,
            matter: row.get(3)?,
            purpose: row.get(4)?,
            total: row.get(5)?,
            subjects_sealed: row.get(6)?,
            created_at: timestamp(&row.get::<_, String>(8)?)?,
        },
        status: CheckBatchStatus::from_code(&status).ok_or_else(|| corrupt(format!("batch status {status}")))?,
        finished_at: row.get::<_, Option<String>>(9)?.as_deref().map(timestamp).transpose()?,
        done: row.get(10)?,
    })
}

/// Where a page of overdue checks starts; `None` for a cursor not made here.
fn after(page: &PageRequest) -> Option<(String, String)> {
    match &page.after {
        None => Some((String::new(), String::new())),
        Some(cursor) => {
            let key = cursor.decode()?;
            let (at, id) = key.split_once('|')?;
            Some((at.to_owned(), id.to_owned()))
        }
    }
}

/// Stores checks inside the caller's write transaction on the journal.
pub(crate) fn insert_in(tx: &rusqlite::Transaction<'_>, checks: Vec<NewCheck>) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO checks (id, client, department_id, subject_id, subject_shown, matter, purpose,
            checked_at, month, book, n_measures, n_mandatory, answer, batch_id, batch_row)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?;
    for new in checks {
        stmt.execute(params![
            new.id,
            new.client,
            new.department_id,
            new.subject_id,
            new.subject_shown,
            new.matter,
            new.purpose,
            rfc3339(new.checked_at),
            new.month,
            new.book,
            new.n_measures,
            new.n_mandatory,
            new.answer,
            new.batch.map(|(id, _)| id),
            new.batch.map(|(_, n)| n),
        ])?;
    }
    Ok(())
}

fn load(conn: &rusqlite::Connection, id: &str) -> rusqlite::Result<Option<Check>> {
    conn.prepare_cached(&format!("SELECT {CHECK_COLUMNS} FROM checks WHERE id = ?1"))?
        .query_row([id], check)
        .optional()
}

#[async_trait]
impl CheckStore for SqliteStore {
    async fn file_for_check(
        &self,
        lookups: &[CheckLookup],
        items: &[String],
    ) -> Result<Option<CheckedFile>, StoreError> {
        let (lookups, items) = (lookups.to_vec(), items.to_vec());
        // One connection, one trip to a blocking thread: the hand-offs
        // between threads cost more than the statements. One snapshot.
        self.read(move |conn| {
            let conn = conn.unchecked_transaction()?;
            for (found_by, lookup) in lookups.into_iter().enumerate() {
                let (condition, value): (&str, Value) = match lookup {
                    CheckLookup::Uscc(code) => ("s.uscc = ?1", code.into()),
                    CheckLookup::Person(hash) => ("s.person_hash = ?1", hash.to_vec().into()),
                    CheckLookup::Reference(reference) => ("s.person_ref = ?1", reference.into()),
                };
                let Some(subject) = conn
                    .prepare_cached(&format!("SELECT {SUBJECT_COLUMNS} FROM subjects s WHERE {condition}"))?
                    .query_row([value], |row| subject(row, 0))
                    .optional()?
                else {
                    continue;
                };
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {RECORD_COLUMNS}, {UNDER_OBJECTION}
                     FROM records r WHERE r.subject_id = ?1 AND r.is_current = 1
                     ORDER BY {NEWEST_FIRST}"
                ))?;
                let mut records = Vec::new();
                let mut under_objection = Vec::new();
                let mut rows = stmt.query([subject.id])?;
                while let Some(row) = rows.next()? {
                    let record = checked_record(row, &items)?;
                    if row.get::<_, bool>(N_RECORD_COLUMNS)? {
                        under_objection.push(record.id);
                    }
                    records.push(record);
                }
                return Ok(Some(CheckedFile {
                    found_by,
                    subject,
                    records,
                    under_objection,
                }));
            }
            Ok(None)
        })
        .await
    }

    async fn check(&self, id: &str) -> Result<Option<Check>, StoreError> {
        let id = id.to_owned();
        self.read_journal(move |conn| load(conn, &id)).await
    }

    async fn record_feedback(
        &self,
        id: &str,
        feedback: &Feedback,
        event: Event,
    ) -> Result<Result<Check, FeedbackRefusal>, StoreError> {
        let id = id.to_owned();
        let feedback = feedback.clone();
        self.write_journal(move |tx| {
            let applied = serde_json::to_string(&feedback.applied).map_err(|e| corrupt(e.to_string()))?;
            let changed = tx.execute(
                "UPDATE checks SET feedback_at = ?2, applied = ?3, n_applied = ?4, outcome = ?5, case_no = ?6
                 WHERE id = ?1 AND feedback_at IS NULL",
                params![
                    id,
                    rfc3339(feedback.at),
                    applied,
                    feedback.applied.len() as i64,
                    feedback.outcome,
                    feedback.case_no
                ],
            )?;
            if changed == 0 {
                return Ok(Err(match load(tx, &id)? {
                    None => FeedbackRefusal::Unknown,
                    Some(_) => FeedbackRefusal::AlreadyGiven,
                }));
            }
            append_in(tx, vec![event])?;
            load(tx, &id)?
                .map(Ok)
                .ok_or_else(|| corrupt("check vanished inside its transaction"))
        })
        .await
    }

    async fn overdue_checks(
        &self,
        client: Option<&str>,
        before: DateTime<Utc>,
        page: &PageRequest,
    ) -> Result<Page<Check>, StoreError> {
        let client = client.map(str::to_owned);
        let Some((after_at, after_id)) = after(page) else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let limit = page.limit;
        let items = self
            .read_journal(move |conn| {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {CHECK_COLUMNS} FROM checks
                     WHERE feedback_at IS NULL AND n_measures > 0 AND checked_at < ?1
                       AND (?2 IS NULL OR client = ?2) AND (checked_at, id) > (?3, ?4)
                     ORDER BY checked_at, id LIMIT ?5"
                ))?;
                stmt.query_map(
                    params![rfc3339(before), client, after_at, after_id, i64::from(limit) + 1],
                    check,
                )?
                .collect()
            })
            .await?;
        Ok(Page::from_overfetch(items, limit, |c: &Check| {
            format!("{}|{}", rfc3339(c.new.checked_at), c.new.id)
        }))
    }

    async fn check_stats(&self, from: &str, to: &str) -> Result<Vec<CheckStats>, StoreError> {
        let (from, to) = (from.to_owned(), to.to_owned());
        self.read_journal(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT month, client, department_id, matter, COUNT(*), COUNT(*) FILTER (WHERE n_measures > 0),
                        COUNT(feedback_at), COALESCE(SUM(n_applied), 0)
                 FROM checks WHERE month BETWEEN ?1 AND ?2
                 GROUP BY month, client, department_id, matter
                 ORDER BY month, client, matter, department_id",
            )?;
            stmt.query_map(params![from, to], |row| {
                Ok(CheckStats {
                    month: row.get(0)?,
                    client: row.get(1)?,
                    department_id: row.get(2)?,
                    matter: row.get(3)?,
                    checks: row.get(4)?,
                    with_measures: row.get(5)?,
                    answered: row.get(6)?,
                    applied: row.get(7)?,
                })
            })?
            .collect()
        })
        .await
    }

    async fn create_check_batch(&self, new: &NewCheckBatch) -> Result<CheckBatch, StoreError> {
        let new = new.clone();
        self.write_journal(move |tx| {
            tx.execute(
                "INSERT INTO check_batches (client, department_id, matter, purpose, total, subjects_sealed, status,
                    created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7)",
                params![
                    new.client,
                    new.department_id,
                    new.matter,
                    new.purpose,
                    new.total,
                    new.subjects_sealed,
                    rfc3339(new.created_at)
                ],
            )?;
            Ok(CheckBatch {
                id: tx.last_insert_rowid(),
                new,
                status: CheckBatchStatus::Running,
                done: 0,
                finished_at: None,
            })
        })
        .await
    }

    async fn check_batch(&self, id: i64) -> Result<Option<CheckBatch>, StoreError> {
        self.read_journal(move |conn| {
            conn.prepare_cached(&format!("SELECT {BATCH_COLUMNS} FROM check_batches b WHERE b.id = ?1"))?
                .query_row([id], batch)
                .optional()
        })
        .await
    }

    async fn running_check_batches(&self) -> Result<Vec<CheckBatch>, StoreError> {
        self.read_journal(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {BATCH_COLUMNS} FROM check_batches b WHERE b.status = 'running' ORDER BY b.id"
            ))?;
            stmt.query_map([], batch)?.collect()
        })
        .await
    }

    async fn finish_check_batch(&self, id: i64, status: CheckBatchStatus, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.write_journal(move |tx| {
            tx.execute(
                "UPDATE check_batches SET status = ?2, finished_at = ?3, subjects_sealed = x''
                 WHERE id = ?1 AND status = 'running'",
                params![id, status.code(), rfc3339(at)],
            )?;
            Ok(())
        })
        .await
    }

    async fn batch_checks(&self, id: i64) -> Result<Vec<Check>, StoreError> {
        self.read_journal(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {CHECK_COLUMNS} FROM checks WHERE batch_id = ?1 ORDER BY batch_row"
            ))?;
            stmt.query_map([id], check)?.collect()
        })
        .await
    }
}
