//! Reading subjects from PostgreSQL.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Postgres, Row};
use xinyong_store::{AliasKind, NameFlag, Page, PageRequest, StoreError, Subject, SubjectId, SubjectStore};

use crate::PostgresStore;
use crate::error::{corrupt, map_error};
use crate::rows::{SUBJECT_COLUMNS, subject};

impl PostgresStore {
    async fn subject_where<T>(&self, condition: &str, value: T) -> Result<Option<Subject>, StoreError>
    where
        T: for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send + 'static,
    {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {SUBJECT_COLUMNS} FROM subjects s WHERE {condition}"
        )))
        .bind(value)
        .try_map(|row: PgRow| subject(&row))
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)
    }
}

#[async_trait]
impl SubjectStore for PostgresStore {
    async fn subject_by_uscc(&self, uscc: &str) -> Result<Option<Subject>, StoreError> {
        self.subject_where("s.uscc = $1", uscc.to_owned()).await
    }

    async fn subject_by_ref(&self, person_ref: &str) -> Result<Option<Subject>, StoreError> {
        self.subject_where("s.person_ref = $1", person_ref.to_owned()).await
    }

    async fn subject_by_id(&self, id: SubjectId) -> Result<Option<Subject>, StoreError> {
        self.subject_where("s.id = $1", id).await
    }

    async fn subject_by_person_hash(&self, hash: &[u8; 32]) -> Result<Option<Subject>, StoreError> {
        self.subject_where("s.person_hash = $1", hash.to_vec()).await
    }

    async fn subject_aliases(&self, id: SubjectId) -> Result<Vec<(AliasKind, String)>, StoreError> {
        sqlx::query("SELECT kind, value FROM subject_aliases WHERE subject_id = $1 ORDER BY first_batch, kind, value")
            .bind(id)
            .try_map(|row: PgRow| {
                let kind: String = row.try_get("kind")?;
                Ok((
                    AliasKind::from_code(&kind).ok_or_else(|| corrupt(format!("alias kind {kind}")))?,
                    row.try_get("value")?,
                ))
            })
            .fetch_all(&self.pool)
            .await
            .map_err(map_error)
    }

    async fn name_flags(&self, page: &PageRequest) -> Result<Page<NameFlag>, StoreError> {
        let after = page.after.as_ref().map_or(Some(0), |cursor| cursor.decode_id());
        let Some(after) = after else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let items = sqlx::query(
            "SELECT f.id, f.subject_id, COALESCE(s.uscc, s.id_masked, '') AS subject_key, s.name, f.incoming_name,
                    f.first_batch, f.first_row, f.n_rows, f.created_at
             FROM name_flags f JOIN subjects s ON s.id = f.subject_id
             WHERE f.resolved_at IS NULL AND f.id > $1 ORDER BY f.id LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(page.limit) + 1)
        .try_map(|row: PgRow| {
            Ok(NameFlag {
                id: row.try_get("id")?,
                subject_id: row.try_get("subject_id")?,
                subject_key: row.try_get("subject_key")?,
                subject_name: row.try_get("name")?,
                incoming_name: row.try_get("incoming_name")?,
                first_batch: row.try_get("first_batch")?,
                first_row: row.try_get("first_row")?,
                n_rows: row.try_get("n_rows")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(Page::from_overfetch(items, page.limit, |flag| flag.id.to_string()))
    }
}
