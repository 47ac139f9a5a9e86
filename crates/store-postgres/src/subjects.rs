//! Reading subjects from PostgreSQL.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Postgres, Row};
use xinyong_store::{
    AliasKind, NameDecision, NameFlag, Page, PageRequest, StoreError, Subject, SubjectId, SubjectStore,
};

use crate::PostgresStore;
use crate::error::{corrupt, map_error};
use crate::rows::{SUBJECT_COLUMNS, subject, tsvector_literal};
use xinyong_domain::SubjectCategory;

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

    async fn sealed_identity(&self, id: SubjectId) -> Result<Option<Vec<u8>>, StoreError> {
        let sealed: Option<Option<Vec<u8>>> = sqlx::query_scalar("SELECT person_sealed FROM subjects WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)?;
        Ok(sealed.flatten())
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
        let items = sqlx::query(AssertSqlSafe(format!(
            "{FLAG_SELECT} WHERE f.resolved_at IS NULL AND f.id > $1 ORDER BY f.id LIMIT $2"
        )))
        .bind(after)
        .bind(i64::from(page.limit) + 1)
        .try_map(|row: PgRow| flag_row(&row))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(Page::from_overfetch(items, page.limit, |flag| flag.id.to_string()))
    }

    async fn resolve_name_flag(&self, id: i64, decision: NameDecision) -> Result<Option<NameFlag>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        let flag = sqlx::query(AssertSqlSafe(format!(
            "{FLAG_SELECT} WHERE f.id = $1 AND f.resolved_at IS NULL FOR UPDATE OF f"
        )))
        .bind(id)
        .try_map(|row: PgRow| flag_row(&row))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_error)?;
        let Some(flag) = flag else {
            return Ok(None);
        };
        let alias = match decision {
            NameDecision::Rename => Some(&flag.subject_name),
            NameDecision::Alias => Some(&flag.incoming_name),
            NameDecision::Reject => None,
        };
        if let Some(name) = alias {
            sqlx::query(
                "INSERT INTO subject_aliases (subject_id, kind, value, first_batch) VALUES ($1, 'name', $2, $3)
                 ON CONFLICT DO NOTHING",
            )
            .bind(flag.subject_id)
            .bind(name)
            .bind(flag.first_batch)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        }
        if decision == NameDecision::Rename {
            let category: String = sqlx::query_scalar("SELECT category FROM subjects WHERE id = $1")
                .bind(flag.subject_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_error)?;
            let category = SubjectCategory::from_code(&category).unwrap_or(SubjectCategory::Person);
            // Found by both names from now on (`||` shifts the old name's positions past the new one's).
            sqlx::query("UPDATE subjects SET name = $2, search_tokens = $3::tsvector || $4::tsvector WHERE id = $1")
                .bind(flag.subject_id)
                .bind(&flag.incoming_name)
                .bind(tsvector_literal(&flag.incoming_name, category))
                .bind(tsvector_literal(&flag.subject_name, category))
                .execute(&mut *tx)
                .await
                .map_err(map_error)?;
        }
        sqlx::query("UPDATE name_flags SET resolved_at = now() WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        sqlx::query(
            "UPDATE subjects SET flagged = EXISTS (SELECT 1 FROM name_flags WHERE subject_id = $1 AND resolved_at IS NULL)
             WHERE id = $1",
        )
        .bind(flag.subject_id)
        .execute(&mut *tx)
        .await
        .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(Some(flag))
    }
}

const FLAG_SELECT: &str = "SELECT f.id, f.subject_id, COALESCE(s.uscc, s.id_masked, '') AS subject_key, s.name,
                                  f.incoming_name, f.first_batch, f.first_row, f.n_rows, f.created_at
                           FROM name_flags f JOIN subjects s ON s.id = f.subject_id";

fn flag_row(row: &PgRow) -> Result<NameFlag, sqlx::Error> {
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
}
