//! Catalogue versions in SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use xinyong_store::{CatalogStore, CatalogVersion, StoreError};

use crate::SqliteStore;
use crate::rows::{now, timestamp};

fn version(row: &rusqlite::Row<'_>) -> rusqlite::Result<CatalogVersion> {
    Ok(CatalogVersion {
        record_type: row.get(0)?,
        version: row.get(1)?,
        digest: row.get(2)?,
        source: row.get(3)?,
        loaded_at: timestamp(&row.get::<_, String>(4)?)?,
    })
}

const COLUMNS: &str = "record_type, version, digest, source, loaded_at";

#[async_trait]
impl CatalogStore for SqliteStore {
    async fn register_catalog(
        &self,
        record_type: &str,
        digest: &str,
        source: &str,
    ) -> Result<CatalogVersion, StoreError> {
        let (record_type, digest, source) = (record_type.to_owned(), digest.to_owned(), source.to_owned());
        self.write(move |tx| {
            let latest = tx
                .query_row(
                    &format!(
                        "SELECT {COLUMNS} FROM catalog_versions WHERE record_type = ?1 ORDER BY version DESC LIMIT 1"
                    ),
                    [&record_type],
                    version,
                )
                .optional()?;
            if let Some(latest) = &latest
                && latest.digest == digest
            {
                return Ok(latest.clone());
            }
            let next = latest.map_or(1, |v| v.version + 1);
            tx.query_row(
                &format!("INSERT INTO catalog_versions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING {COLUMNS}"),
                params![record_type, next, digest, source, now()],
                version,
            )
        })
        .await
    }

    async fn catalog_versions(&self) -> Result<Vec<CatalogVersion>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {COLUMNS} FROM catalog_versions ORDER BY record_type, version"
            ))?;
            stmt.query_map([], version)?.collect()
        })
        .await
    }
}
