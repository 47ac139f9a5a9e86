//! Reading records from SQLite.

use async_trait::async_trait;
use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use xinyong_store::{Page, PageRequest, RecordFilter, RecordStore, StoreError, StoredRecord, SubjectId};

use crate::SqliteStore;
use crate::rows::{N_RECORD_COLUMNS, NEWEST_FIRST, RECORD_COLUMNS, SUBJECT_COLUMNS, record, subject};

/// A subject's records, current versions only unless `with_history`,
/// newest decision first.
pub(crate) fn of_subject(
    conn: &rusqlite::Connection,
    subject_id: SubjectId,
    with_history: bool,
) -> rusqlite::Result<Vec<StoredRecord>> {
    let current_only = if with_history { "" } else { "AND r.is_current = 1" };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {RECORD_COLUMNS} FROM records r WHERE r.subject_id = ?1 {current_only}
         ORDER BY {NEWEST_FIRST}"
    ))?;
    stmt.query_map([subject_id], record)?.collect()
}

#[async_trait]
impl RecordStore for SqliteStore {
    async fn records_of_subject(
        &self,
        subject_id: SubjectId,
        with_history: bool,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        self.read(move |conn| of_subject(conn, subject_id, with_history)).await
    }

    async fn list_records(
        &self,
        filter: &RecordFilter,
        page: &PageRequest,
    ) -> Result<Page<(StoredRecord, xinyong_store::Subject)>, StoreError> {
        let mut conditions = vec!["r.is_current = 1".to_owned()];
        let mut values: Vec<Value> = Vec::new();
        let mut bind = |condition: &str, value: Value, values: &mut Vec<Value>| {
            values.push(value);
            conditions.push(condition.replace('?', &format!("?{}", values.len())));
        };
        if let Some(record_type) = &filter.record_type {
            bind("r.record_type = ?", record_type.clone().into(), &mut values);
        }
        if let Some(source) = &filter.source {
            bind("r.source = ?", source.clone().into(), &mut values);
        }
        if let Some(from) = filter.from {
            bind("r.decision_date >= ?", from.to_string().into(), &mut values);
        }
        if let Some(to) = filter.to {
            bind("r.decision_date <= ?", to.to_string().into(), &mut values);
        }
        if let Some(day) = filter.public_on {
            // Mirrors PublicityWindow::is_public_on.
            let day = day.to_string();
            bind(
                "r.published = 1 AND r.repaired_on IS NULL AND r.decision_date <= ?",
                day.clone().into(),
                &mut values,
            );
            bind(
                "(r.publicity_until IS NULL OR r.publicity_until >= ?)",
                day.into(),
                &mut values,
            );
        }
        if let Some(cursor) = &page.after {
            let Some((date, id)) = cursor.decode().and_then(|key| {
                let (date, id) = key.split_once('.')?;
                Some((date.to_owned(), id.parse::<i64>().ok()?))
            }) else {
                return Ok(Page {
                    items: Vec::new(),
                    next: None,
                });
            };
            values.push(date.into());
            let date_idx = values.len();
            values.push(id.into());
            conditions.push(format!(
                "(r.decision_date < ?{date_idx} OR (r.decision_date = ?{date_idx} AND r.id < ?{}))",
                date_idx + 1
            ));
        }
        values.push(i64::from(page.limit + 1).into());
        let sql = format!(
            "SELECT {RECORD_COLUMNS}, {SUBJECT_COLUMNS} FROM records r JOIN subjects s ON s.id = r.subject_id
             WHERE {} ORDER BY r.decision_date DESC, r.id DESC LIMIT ?{}",
            conditions.join(" AND "),
            values.len()
        );
        let limit = page.limit;
        let items = self
            .read(move |conn| {
                let mut stmt = conn.prepare_cached(&sql)?;
                stmt.query_map(rusqlite::params_from_iter(values), |row| {
                    Ok((record(row)?, subject(row, N_RECORD_COLUMNS)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        Ok(Page::from_overfetch(items, limit, |(record, _)| {
            format!("{}.{}", record.decision_date, record.id)
        }))
    }

    async fn count_records(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT record_type, COUNT(*) FROM records WHERE is_current = 1 GROUP BY record_type ORDER BY record_type",
            )?;
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect()
        })
        .await
    }

    async fn record_by_id(&self, id: i64) -> Result<Option<StoredRecord>, StoreError> {
        self.read(move |conn| {
            conn.prepare_cached(&format!("SELECT {RECORD_COLUMNS} FROM records r WHERE r.id = ?1"))?
                .query_row([id], record)
                .optional()
        })
        .await
    }
}
