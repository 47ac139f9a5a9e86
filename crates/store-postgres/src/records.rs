//! Reading records from PostgreSQL.

use async_trait::async_trait;
use chrono::NaiveDate;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};
use xinyong_store::{Page, PageRequest, RecordFilter, RecordStore, StoreError, StoredRecord, Subject, SubjectId};

use crate::PostgresStore;
use crate::error::map_error;
use crate::rows::{NEWEST_FIRST, RECORD_COLUMNS, SUBJECT_COLUMNS, record, subject};

#[async_trait]
impl RecordStore for PostgresStore {
    async fn records_of_subject(
        &self,
        subject_id: SubjectId,
        with_history: bool,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let current_only = if with_history { "" } else { "AND r.is_current" };
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {RECORD_COLUMNS} FROM records r WHERE r.subject_id = $1 {current_only}
             ORDER BY {NEWEST_FIRST}"
        )))
        .bind(subject_id)
        .try_map(|row: PgRow| record(&row))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn list_records(
        &self,
        filter: &RecordFilter,
        page: &PageRequest,
    ) -> Result<Page<(StoredRecord, Subject)>, StoreError> {
        let mut sql: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "SELECT {RECORD_COLUMNS}, {SUBJECT_COLUMNS} FROM records r JOIN subjects s ON s.id = r.subject_id
             WHERE r.is_current"
        ));
        if let Some(record_type) = &filter.record_type {
            sql.push(" AND r.record_type = ").push_bind(record_type.clone());
        }
        if let Some(source) = &filter.source {
            sql.push(" AND r.source = ").push_bind(source.clone());
        }
        if let Some(from) = filter.from {
            sql.push(" AND r.decision_date >= ").push_bind(from);
        }
        if let Some(to) = filter.to {
            sql.push(" AND r.decision_date <= ").push_bind(to);
        }
        if let Some(day) = filter.public_on {
            // Mirrors PublicityWindow::is_public_on.
            sql.push(" AND r.published AND r.repaired_on IS NULL AND r.decision_date <= ")
                .push_bind(day);
            sql.push(" AND (r.publicity_until IS NULL OR r.publicity_until >= ")
                .push_bind(day)
                .push(")");
        }
        if let Some(cursor) = &page.after {
            let Some((date, id)) = cursor.decode().and_then(|key| {
                let (date, id) = key.split_once('.')?;
                Some((
                    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?,
                    id.parse::<i64>().ok()?,
                ))
            }) else {
                return Ok(Page {
                    items: Vec::new(),
                    next: None,
                });
            };
            sql.push(" AND (r.decision_date, r.id) < (")
                .push_bind(date)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        sql.push(" ORDER BY r.decision_date DESC, r.id DESC LIMIT ")
            .push_bind(i64::from(page.limit) + 1);
        let items = sql
            .build()
            .try_map(|row: PgRow| Ok((record(&row)?, subject(&row)?)))
            .fetch_all(&self.pool)
            .await
            .map_err(map_error)?;
        Ok(Page::from_overfetch(items, page.limit, |(record, _)| {
            format!("{}.{}", record.decision_date, record.id)
        }))
    }

    async fn count_records(&self) -> Result<Vec<(String, i64)>, StoreError> {
        sqlx::query(
            "SELECT record_type, COUNT(*) AS n FROM records WHERE is_current GROUP BY record_type ORDER BY record_type",
        )
        .try_map(|row: PgRow| Ok((row.try_get("record_type")?, row.try_get("n")?)))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }

    async fn record_by_id(&self, id: i64) -> Result<Option<StoredRecord>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {RECORD_COLUMNS} FROM records r WHERE r.id = $1"
        )))
        .bind(id)
        .try_map(|row: PgRow| record(&row))
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)
    }
}
