//! Batches in PostgreSQL: reading them, refusing a file, opening an import.

use async_trait::async_trait;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use xinyong_store::{
    Batch, BatchFormat, BatchStatus, BatchStore, BatchSummary, ImportTx, IssueSeverity, NewBatch, Page, PageRequest,
    RowIssue, StoreError,
};

use crate::PostgresStore;
use crate::error::{corrupt, map_error};

const BATCH_COLUMNS: &str = "id, record_type, catalog_version, source, file_name, format, encoding, generation, \
     headers, original_file, status, refusal, n_rows, n_accepted, n_rejected, n_duplicates, n_new_versions, \
     n_new_subjects, n_flagged, unknown_headers, created_at";

fn json_list(value: serde_json::Value) -> sqlx::Result<Vec<String>> {
    serde_json::from_value(value).map_err(|e| corrupt(format!("JSON list: {e}")))
}

fn batch(row: &PgRow) -> sqlx::Result<Batch> {
    let format: String = row.try_get("format")?;
    let status: String = row.try_get("status")?;
    Ok(Batch {
        id: row.try_get("id")?,
        new: NewBatch {
            record_type: row.try_get("record_type")?,
            catalog_version: row.try_get("catalog_version")?,
            source: row.try_get("source")?,
            file_name: row.try_get("file_name")?,
            format: BatchFormat::from_code(&format).ok_or_else(|| corrupt(format!("format {format}")))?,
            encoding: row.try_get("encoding")?,
            generation: row.try_get("generation")?,
            headers: json_list(row.try_get("headers")?)?,
            original_file: row.try_get("original_file")?,
        },
        status: BatchStatus::from_code(&status).ok_or_else(|| corrupt(format!("status {status}")))?,
        refusal: row.try_get("refusal")?,
        summary: BatchSummary {
            n_rows: row.try_get("n_rows")?,
            n_accepted: row.try_get("n_accepted")?,
            n_rejected: row.try_get("n_rejected")?,
            n_duplicates: row.try_get("n_duplicates")?,
            n_new_versions: row.try_get("n_new_versions")?,
            n_new_subjects: row.try_get("n_new_subjects")?,
            n_flagged: row.try_get("n_flagged")?,
            unknown_headers: json_list(row.try_get("unknown_headers")?)?,
        },
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) async fn insert_batch(
    conn: &mut PgConnection,
    new: &NewBatch,
    status: BatchStatus,
    refusal: Option<&str>,
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO batches (record_type, catalog_version, source, file_name, format, encoding, generation,
                              headers, original_file, status, refusal, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now()) RETURNING id",
    )
    .bind(&new.record_type)
    .bind(new.catalog_version)
    .bind(&new.source)
    .bind(&new.file_name)
    .bind(new.format.code())
    .bind(&new.encoding)
    .bind(&new.generation)
    .bind(serde_json::json!(new.headers))
    .bind(&new.original_file)
    .bind(status.code())
    .bind(refusal)
    .fetch_one(conn)
    .await
    .map_err(map_error)
}

pub(crate) async fn read_batch(conn: &mut PgConnection, id: i64) -> Result<Batch, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {BATCH_COLUMNS} FROM batches WHERE id = $1"
    )))
    .bind(id)
    .try_map(|row: PgRow| batch(&row))
    .fetch_one(conn)
    .await
    .map_err(map_error)
}

#[async_trait]
impl BatchStore for PostgresStore {
    async fn begin_import(&self, new: &NewBatch) -> Result<Box<dyn ImportTx>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        let batch_id = insert_batch(&mut tx, new, BatchStatus::Applied, None).await?;
        Ok(Box::new(crate::import::PostgresImport::new(
            tx,
            self.pool.clone(),
            batch_id,
        )))
    }

    async fn record_refusal(&self, new: &NewBatch, reason: &str) -> Result<Batch, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(map_error)?;
        let id = insert_batch(&mut conn, new, BatchStatus::Refused, Some(reason)).await?;
        read_batch(&mut conn, id).await
    }

    async fn batch(&self, id: i64) -> Result<Batch, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(map_error)?;
        read_batch(&mut conn, id).await
    }

    async fn list_batches(&self, source: Option<&str>, page: &PageRequest) -> Result<Page<Batch>, StoreError> {
        let before = page.after.as_ref().map_or(Some(i64::MAX), |cursor| cursor.decode_id());
        let Some(before) = before else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let items = sqlx::query(AssertSqlSafe(format!(
            "SELECT {BATCH_COLUMNS} FROM batches WHERE id < $1 AND ($3::text IS NULL OR source = $3)
             ORDER BY id DESC LIMIT $2"
        )))
        .bind(before)
        .bind(i64::from(page.limit) + 1)
        .bind(source)
        .try_map(|row: PgRow| batch(&row))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(Page::from_overfetch(items, page.limit, |b| b.id.to_string()))
    }

    async fn batch_issues(&self, id: i64, page: &PageRequest) -> Result<Page<RowIssue>, StoreError> {
        let after = page.after.as_ref().map_or(Some(0), |cursor| cursor.decode_id());
        let Some(after) = after else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let items = sqlx::query(
            "SELECT id, row_no, severity, field, code, message FROM batch_issues
             WHERE batch_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(id)
        .bind(after)
        .bind(i64::from(page.limit) + 1)
        .try_map(|row: PgRow| {
            let severity: String = row.try_get("severity")?;
            let issue = RowIssue {
                row_no: row.try_get("row_no")?,
                severity: if severity == "error" {
                    IssueSeverity::Error
                } else {
                    IssueSeverity::Warning
                },
                field: row.try_get("field")?,
                code: row.try_get("code")?,
                message: row.try_get("message")?,
            };
            Ok((row.try_get::<i64, _>("id")?, issue))
        })
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        let page = Page::from_overfetch(items, page.limit, |(id, _)| id.to_string());
        Ok(Page {
            items: page.items.into_iter().map(|(_, issue)| issue).collect(),
            next: page.next,
        })
    }

    async fn batch_rejections(&self, id: i64, page: &PageRequest) -> Result<Page<(i64, Vec<u8>)>, StoreError> {
        let after = page.after.as_ref().map_or(Some(0), |cursor| cursor.decode_id());
        let Some(after) = after else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let items = sqlx::query(
            "SELECT row_no, sealed_cells FROM batch_rejections WHERE batch_id = $1 AND row_no > $2
             ORDER BY row_no LIMIT $3",
        )
        .bind(id)
        .bind(after)
        .bind(i64::from(page.limit) + 1)
        .try_map(|row: PgRow| Ok((row.try_get("row_no")?, row.try_get("sealed_cells")?)))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(Page::from_overfetch(items, page.limit, |(row_no, _)| {
            row_no.to_string()
        }))
    }
}
