//! Catalogue versions in PostgreSQL.

use async_trait::async_trait;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::postgres::PgRow;
use xinyong_store::{CatalogStore, CatalogVersion, StoreError};

use crate::PostgresStore;
use crate::error::map_error;

fn version(row: &PgRow) -> sqlx::Result<CatalogVersion> {
    Ok(CatalogVersion {
        record_type: row.try_get("record_type")?,
        version: row.try_get("version")?,
        digest: row.try_get("digest")?,
        source: row.try_get("source")?,
        loaded_at: row.try_get("loaded_at")?,
    })
}

const COLUMNS: &str = "record_type, version, digest, source, loaded_at";

#[async_trait]
impl CatalogStore for PostgresStore {
    async fn register_catalog(
        &self,
        record_type: &str,
        digest: &str,
        source: &str,
    ) -> Result<CatalogVersion, StoreError> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        // Serialise concurrent registrations of the same type (two servers starting at once).
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('catalog:' || $1))")
            .bind(record_type)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        let latest = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM catalog_versions WHERE record_type = $1 ORDER BY version DESC LIMIT 1"
        )))
        .bind(record_type)
        .try_map(|row: PgRow| version(&row))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_error)?;
        if let Some(latest) = &latest
            && latest.digest == digest
        {
            return Ok(latest.clone());
        }
        let next = latest.map_or(1, |v| v.version + 1);
        let inserted = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO catalog_versions ({COLUMNS}) VALUES ($1, $2, $3, $4, now()) RETURNING {COLUMNS}"
        )))
        .bind(record_type)
        .bind(next)
        .bind(digest)
        .bind(source)
        .try_map(|row: PgRow| version(&row))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(inserted)
    }

    async fn catalog_versions(&self) -> Result<Vec<CatalogVersion>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM catalog_versions ORDER BY record_type, version"
        )))
        .try_map(|row: PgRow| version(&row))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)
    }
}
