//! Credit checks in PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Row};
use xinyong_domain::audit::Event;
use xinyong_store::{
    Check, CheckBatch, CheckBatchStatus, CheckLookup, CheckStats, CheckStore, CheckedFile, Feedback, FeedbackRefusal,
    NewCheck, NewCheckBatch, Page, PageRequest, StoreError,
};

use crate::PostgresStore;
use crate::audit::append_in;
use crate::error::{corrupt, map_error};
use crate::objections::UNDER_OBJECTION;
use crate::rows::{CHECKED_RECORD_COLUMNS, NEWEST_FIRST, SUBJECT_COLUMNS, checked_record, subject};

const CHECK_COLUMNS: &str = "id, client, department_id, subject_id, subject_shown, matter, purpose, checked_at, month, \
     book, n_measures, n_mandatory, answer, feedback_at, applied, outcome, case_no, batch_id, batch_row";
const BATCH_COLUMNS: &str = "b.id, b.client, b.department_id, b.matter, b.purpose, b.total, b.subjects_sealed, b.status, \
     b.created_at, b.finished_at, (SELECT count(*) FROM checks c WHERE c.batch_id = b.id) AS done";

fn check(row: PgRow) -> sqlx::Result<Check> {
    let feedback = match row.try_get::<Option<DateTime<Utc>>, _>("feedback_at")? {
        None => None,
        Some(at) => {
            let applied: serde_json::Value = row.try_get("applied")?;
            Some(Feedback {
                applied: serde_json::from_value(applied).map_err(|e| corrupt(format!("applied: {e}")))?,
                outcome: row.try_get("outcome")?,
                case_no: row.try_get("case_no")?,
                at,
            })
        }
    };
    Ok(Check {
        new: NewCheck {
            id: row.try_get("id")?,
            client: row.try_get("client")?,
            department_id: row.try_get("department_id")?,
            subject_id: row.try_get("subject_id")?,
            subject_shown: row.try_get("subject_shown")?,
            matter: row.try_get("matter")?,
            purpose: row.try_get("purpose")?,
            checked_at: row.try_get("checked_at")?,
            month: row.try_get("month")?,
            book: row.try_get("book")?,
            n_measures: row.try_get("n_measures")?,
            n_mandatory: row.try_get("n_mandatory")?,
            answer: row.try_get("answer")?,
            batch: match (
                row.try_get::<Option<i64>, _>("batch_id")?,
                row.try_get::<Option<i32>, _>("batch_row")?,
            ) {
                (Some(id), Some(n)) => Some((id, n)),
                _ => None,
            },
        },
        feedback,
    })
}

fn batch(row: PgRow) -> sqlx::Result<CheckBatch> {
    let status: String = row.try_get("status")?;
    Ok(CheckBatch {
        id: row.try_get("id")?,
        new: NewCheckBatch {
            client: row.try_get("client")?,
            department_id: row.try_get("department_id")?,
            matter: row.try_get("matter")?,
            purpose: row.try_get("purpose")?,
            total: row.try_get("total")?,
            subjects_sealed: row.try_get("subjects_sealed")?,
            created_at: row.try_get("created_at")?,
        },
        status: CheckBatchStatus::from_code(&status).ok_or_else(|| corrupt(format!("batch status {status}")))?,
        finished_at: row.try_get("finished_at")?,
        done: row.try_get("done")?,
    })
}

async fn load(conn: &mut sqlx::PgConnection, id: &str) -> Result<Option<Check>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {CHECK_COLUMNS} FROM checks WHERE id = $1"
    )))
    .bind(id)
    .try_map(check)
    .fetch_optional(conn)
    .await
    .map_err(map_error)
}

/// The sort key of a check in the overdue listing.
fn overdue_key(check: &Check) -> String {
    format!(
        "{}|{}",
        check.new.checked_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        check.new.id
    )
}

/// Stores checks inside the caller's transaction.
pub(crate) async fn insert_in(conn: &mut sqlx::PgConnection, checks: Vec<NewCheck>) -> Result<(), StoreError> {
    if checks.is_empty() {
        return Ok(());
    }
    // One array per column, bound to UNNEST: one statement for the group.
    let column = |f: fn(&NewCheck) -> String| checks.iter().map(f).collect::<Vec<_>>();
    let ids = column(|c| c.id.clone());
    let clients = column(|c| c.client.clone());
    let shown = column(|c| c.subject_shown.clone());
    let matters = column(|c| c.matter.clone());
    let purposes = column(|c| c.purpose.clone());
    let months = column(|c| c.month.clone());
    let books = column(|c| c.book.clone());
    let answers = column(|c| c.answer.clone());
    let departments: Vec<Option<i64>> = checks.iter().map(|c| c.department_id).collect();
    let subjects: Vec<Option<i64>> = checks.iter().map(|c| c.subject_id).collect();
    let checked_at: Vec<DateTime<Utc>> = checks.iter().map(|c| c.checked_at).collect();
    let n_measures: Vec<i32> = checks.iter().map(|c| c.n_measures).collect();
    let n_mandatory: Vec<i32> = checks.iter().map(|c| c.n_mandatory).collect();
    let batch_ids: Vec<Option<i64>> = checks.iter().map(|c| c.batch.map(|(id, _)| id)).collect();
    let batch_rows: Vec<Option<i32>> = checks.iter().map(|c| c.batch.map(|(_, row)| row)).collect();
    sqlx::query(
        "INSERT INTO checks (id, client, department_id, subject_id, subject_shown, matter, purpose, checked_at,
            month, book, n_measures, n_mandatory, answer, batch_id, batch_row)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
            $7::text[], $8::timestamptz[], $9::text[], $10::text[], $11::int[], $12::int[], $13::text[],
            $14::bigint[], $15::int[])",
    )
    .bind(&ids)
    .bind(&clients)
    .bind(&departments)
    .bind(&subjects)
    .bind(&shown)
    .bind(&matters)
    .bind(&purposes)
    .bind(&checked_at)
    .bind(&months)
    .bind(&books)
    .bind(&n_measures)
    .bind(&n_mandatory)
    .bind(&answers)
    .bind(&batch_ids)
    .bind(&batch_rows)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?;
    Ok(())
}

#[async_trait]
impl CheckStore for PostgresStore {
    async fn file_for_check(
        &self,
        lookups: &[CheckLookup],
        items: &[String],
    ) -> Result<Option<CheckedFile>, StoreError> {
        for (found_by, lookup) in lookups.iter().enumerate() {
            let condition = match lookup {
                CheckLookup::Uscc(_) => "s.uscc = $1",
                CheckLookup::Person(_) => "s.person_hash = $1",
                CheckLookup::Reference(_) => "s.person_ref = $1",
            };
            // One round trip: the subject on every row, joined to its
            // current records (none: one row with the record columns null).
            let query = sqlx::query(AssertSqlSafe(format!(
                "SELECT {SUBJECT_COLUMNS}, {CHECKED_RECORD_COLUMNS}, {UNDER_OBJECTION} AS disputed
                 FROM subjects s LEFT JOIN records r ON r.subject_id = s.id AND r.is_current
                 WHERE {condition}
                 ORDER BY {NEWEST_FIRST}"
            )));
            let query = match lookup {
                CheckLookup::Uscc(text) | CheckLookup::Reference(text) => query.bind(text.clone()),
                CheckLookup::Person(hash) => query.bind(hash.to_vec()),
            };
            let rows = query.fetch_all(&self.pool).await.map_err(map_error)?;
            let Some(first) = rows.first() else {
                continue;
            };
            let subject = subject(first).map_err(map_error)?;
            let mut records = Vec::with_capacity(rows.len());
            let mut under_objection = Vec::new();
            for row in &rows {
                if row.try_get::<Option<i64>, _>("id").map_err(map_error)?.is_none() {
                    continue;
                }
                let record = checked_record(row, items).map_err(map_error)?;
                if row.try_get::<bool, _>("disputed").map_err(map_error)? {
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
    }

    async fn check(&self, id: &str) -> Result<Option<Check>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(map_error)?;
        load(&mut conn, id).await
    }

    async fn record_feedback(
        &self,
        id: &str,
        feedback: &Feedback,
        event: Event,
    ) -> Result<Result<Check, FeedbackRefusal>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        let changed = sqlx::query(
            "UPDATE checks SET feedback_at = $2, applied = $3, n_applied = $4, outcome = $5, case_no = $6
             WHERE id = $1 AND feedback_at IS NULL",
        )
        .bind(id)
        .bind(feedback.at)
        .bind(serde_json::json!(feedback.applied))
        .bind(i32::try_from(feedback.applied.len()).unwrap_or(i32::MAX))
        .bind(&feedback.outcome)
        .bind(&feedback.case_no)
        .execute(&mut *tx)
        .await
        .map_err(map_error)?
        .rows_affected();
        if changed == 0 {
            let refusal = match load(&mut tx, id).await? {
                None => FeedbackRefusal::Unknown,
                Some(_) => FeedbackRefusal::AlreadyGiven,
            };
            return Ok(Err(refusal));
        }
        append_in(&mut tx, vec![event]).await?;
        let check = load(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("check vanished inside its transaction".into()))?;
        tx.commit().await.map_err(map_error)?;
        Ok(Ok(check))
    }

    async fn overdue_checks(
        &self,
        client: Option<&str>,
        before: DateTime<Utc>,
        page: &PageRequest,
    ) -> Result<Page<Check>, StoreError> {
        let (after_at, after_id) = match &page.after {
            None => (DateTime::<Utc>::UNIX_EPOCH, String::new()),
            Some(cursor) => {
                let parsed = cursor.decode().and_then(|key| {
                    let (at, id) = key.split_once('|')?;
                    let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
                    Some((at, id.to_owned()))
                });
                match parsed {
                    Some(after) => after,
                    None => {
                        return Ok(Page {
                            items: Vec::new(),
                            next: None,
                        });
                    }
                }
            }
        };
        let items = sqlx::query(AssertSqlSafe(format!(
            "SELECT {CHECK_COLUMNS} FROM checks
             WHERE feedback_at IS NULL AND n_measures > 0 AND checked_at < $1
               AND ($2::text IS NULL OR client = $2) AND (checked_at, id) > ($3, $4)
             ORDER BY checked_at, id LIMIT $5"
        )))
        .bind(before)
        .bind(client)
        .bind(after_at)
        .bind(after_id)
        .bind(i64::from(page.limit) + 1)
        .try_map(check)
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(Page::from_overfetch(items, page.limit, overdue_key))
    }

    async fn check_stats(&self, from: &str, to: &str) -> Result<Vec<CheckStats>, StoreError> {
        sqlx::query(
            "SELECT month, client, department_id, matter, COUNT(*) AS checks,
                    COUNT(*) FILTER (WHERE n_measures > 0) AS with_measures,
                    COUNT(feedback_at) AS answered, COALESCE(SUM(n_applied), 0)::bigint AS applied
             FROM checks WHERE month BETWEEN $1 AND $2
             GROUP BY month, client, department_id, matter
             ORDER BY month, client COLLATE \"C\", matter COLLATE \"C\", department_id",
        )
        .bind(from)
        .bind(to)
        .try_map(|row: PgRow| {
            Ok(CheckStats {
                month: row.try_get("month")?,
                client: row.try_get("client")?,
                department_id: row.try_get("department_id")?,
                matter: row.try_get("matter")?,
                checks: row.try_get("checks")?,
                with_measures: row.try_get("with_measures")?,
                answered: row.try_get("answered")?,
                applied: row.try_get("applied")?,
            })
        })
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn create_check_batch(&self, new: &NewCheckBatch) -> Result<CheckBatch, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO check_batches (client, department_id, matter, purpose, total, subjects_sealed, status,
                created_at) VALUES ($1, $2, $3, $4, $5, $6, 'running', $7) RETURNING id",
        )
        .bind(&new.client)
        .bind(new.department_id)
        .bind(&new.matter)
        .bind(&new.purpose)
        .bind(new.total)
        .bind(&new.subjects_sealed)
        .bind(new.created_at)
        .fetch_one(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(CheckBatch {
            id,
            new: new.clone(),
            status: CheckBatchStatus::Running,
            done: 0,
            finished_at: None,
        })
    }

    async fn check_batch(&self, id: i64) -> Result<Option<CheckBatch>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {BATCH_COLUMNS} FROM check_batches b WHERE b.id = $1"
        )))
        .bind(id)
        .try_map(batch)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn running_check_batches(&self) -> Result<Vec<CheckBatch>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {BATCH_COLUMNS} FROM check_batches b WHERE b.status = 'running' ORDER BY b.id"
        )))
        .try_map(batch)
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn finish_check_batch(&self, id: i64, status: CheckBatchStatus, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE check_batches SET status = $2, finished_at = $3, subjects_sealed = ''::bytea
             WHERE id = $1 AND status = 'running'",
        )
        .bind(id)
        .bind(status.code())
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn batch_checks(&self, id: i64) -> Result<Vec<Check>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {CHECK_COLUMNS} FROM checks WHERE batch_id = $1 ORDER BY batch_row"
        )))
        .bind(id)
        .try_map(check)
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }
}
