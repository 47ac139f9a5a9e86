//! Batches in SQLite: reading them, refusing a file, opening an import.

use async_trait::async_trait;
use rusqlite::{Row, params};
use xinyong_store::{
    Batch, BatchFormat, BatchStatus, BatchStore, BatchSummary, ImportTx, IssueSeverity, NewBatch, Page, PageRequest,
    RowIssue, StoreError,
};

use crate::SqliteStore;
use crate::error::corrupt;
use crate::rows::{now, timestamp};

pub(crate) const BATCH_COLUMNS: &str = "id, record_type, catalog_version, source, file_name, format, encoding, \
     generation, headers, original_file, status, refusal, n_rows, n_accepted, n_rejected, n_duplicates, \
     n_new_versions, n_new_subjects, n_flagged, unknown_headers, created_at";

fn json_list(text: &str) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| corrupt(format!("JSON list: {e}")))
}

pub(crate) fn batch(row: &Row<'_>) -> rusqlite::Result<Batch> {
    let format: String = row.get(5)?;
    let status: String = row.get(10)?;
    Ok(Batch {
        id: row.get(0)?,
        new: NewBatch {
            record_type: row.get(1)?,
            catalog_version: row.get(2)?,
            source: row.get(3)?,
            file_name: row.get(4)?,
            format: BatchFormat::from_code(&format).ok_or_else(|| corrupt(format!("format {format}")))?,
            encoding: row.get(6)?,
            generation: row.get(7)?,
            headers: json_list(&row.get::<_, String>(8)?)?,
            original_file: row.get(9)?,
        },
        status: BatchStatus::from_code(&status).ok_or_else(|| corrupt(format!("status {status}")))?,
        refusal: row.get(11)?,
        summary: BatchSummary {
            n_rows: row.get(12)?,
            n_accepted: row.get(13)?,
            n_rejected: row.get(14)?,
            n_duplicates: row.get(15)?,
            n_new_versions: row.get(16)?,
            n_new_subjects: row.get(17)?,
            n_flagged: row.get(18)?,
            unknown_headers: json_list(&row.get::<_, String>(19)?)?,
        },
        created_at: timestamp(&row.get::<_, String>(20)?)?,
    })
}

/// Inserts the batch row and returns its id.
pub(crate) fn insert_batch(
    conn: &rusqlite::Connection,
    new: &NewBatch,
    status: BatchStatus,
    refusal: Option<&str>,
) -> rusqlite::Result<i64> {
    conn.query_row(
        "INSERT INTO batches (record_type, catalog_version, source, file_name, format, encoding, generation,
                              headers, original_file, status, refusal, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
        params![
            new.record_type,
            new.catalog_version,
            new.source,
            new.file_name,
            new.format.code(),
            new.encoding,
            new.generation,
            serde_json::to_string(&new.headers).unwrap_or_else(|_| "[]".into()),
            new.original_file,
            status.code(),
            refusal,
            now(),
        ],
        |row| row.get(0),
    )
}

pub(crate) fn read_batch(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<Batch> {
    conn.query_row(
        &format!("SELECT {BATCH_COLUMNS} FROM batches WHERE id = ?1"),
        [id],
        batch,
    )
}

#[async_trait]
impl BatchStore for SqliteStore {
    async fn begin_import(&self, batch: &NewBatch) -> Result<Box<dyn ImportTx>, StoreError> {
        let conn = self.pool.open()?;
        Ok(Box::new(crate::import::SqliteImport::start(conn, batch.clone()).await?))
    }

    async fn record_refusal(&self, batch: &NewBatch, reason: &str) -> Result<Batch, StoreError> {
        let (batch, reason) = (batch.clone(), reason.to_owned());
        self.write(move |tx| {
            let id = insert_batch(tx, &batch, BatchStatus::Refused, Some(&reason))?;
            read_batch(tx, id)
        })
        .await
    }

    async fn batch(&self, id: i64) -> Result<Batch, StoreError> {
        self.read(move |conn| read_batch(conn, id)).await
    }

    async fn list_batches(&self, source: Option<&str>, page: &PageRequest) -> Result<Page<Batch>, StoreError> {
        let before = page.after.as_ref().map_or(Some(i64::MAX), |cursor| cursor.decode_id());
        let Some(before) = before else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let limit = page.limit;
        let source = source.map(str::to_owned);
        let items = self
            .read(move |conn| {
                let mut stmt = conn.prepare(&format!(
                    "SELECT {BATCH_COLUMNS} FROM batches WHERE id < ?1 AND (?3 IS NULL OR source = ?3)
                     ORDER BY id DESC LIMIT ?2"
                ))?;
                stmt.query_map(params![before, i64::from(limit) + 1, source], batch)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        Ok(Page::from_overfetch(items, limit, |b| b.id.to_string()))
    }

    async fn batch_issues(&self, id: i64, page: &PageRequest) -> Result<Page<RowIssue>, StoreError> {
        // Cursor: the rowid of the last issue, which follows insertion (row) order.
        let after = page.after.as_ref().map_or(Some(0), |cursor| cursor.decode_id());
        let Some(after) = after else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let limit = page.limit;
        let items = self
            .read(move |conn| {
                let mut stmt = conn.prepare(
                    "SELECT rowid, row_no, severity, field, code, message FROM batch_issues
                     WHERE batch_id = ?1 AND rowid > ?2 ORDER BY rowid LIMIT ?3",
                )?;
                stmt.query_map(params![id, after, i64::from(limit) + 1], |row| {
                    let severity: String = row.get(2)?;
                    let issue = RowIssue {
                        row_no: row.get(1)?,
                        severity: if severity == "error" {
                            IssueSeverity::Error
                        } else {
                            IssueSeverity::Warning
                        },
                        field: row.get(3)?,
                        code: row.get(4)?,
                        message: row.get(5)?,
                    };
                    Ok((row.get::<_, i64>(0)?, issue))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        let page = Page::from_overfetch(items, limit, |(rowid, _)| rowid.to_string());
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
        let limit = page.limit;
        let items = self
            .read(move |conn| {
                let mut stmt = conn.prepare(
                    "SELECT row_no, sealed_cells FROM batch_rejections WHERE batch_id = ?1 AND row_no > ?2
                     ORDER BY row_no LIMIT ?3",
                )?;
                stmt.query_map(params![id, after, i64::from(limit) + 1], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        Ok(Page::from_overfetch(items, limit, |(row_no, _)| row_no.to_string()))
    }
}
