//! Versions of the catalogue's record-type files.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreError;

/// One version of one record type's catalogue file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogVersion {
    /// The record type's code (`xzcf`).
    pub record_type: String,
    /// 1 for the first file loaded, +1 for each changed file.
    pub version: i32,
    /// SM3 digest of the file text, hexadecimal.
    pub digest: String,
    /// The file text itself, so that old versions can be re-read.
    pub source: String,
    /// When this version was first loaded.
    pub loaded_at: DateTime<Utc>,
}

/// Catalogue versions.
#[async_trait]
pub trait CatalogStore {
    /// Registers a catalogue file: returns the latest version if its digest
    /// equals `digest`, otherwise stores the text as a new version.
    async fn register_catalog(
        &self,
        record_type: &str,
        digest: &str,
        source: &str,
    ) -> Result<CatalogVersion, StoreError>;

    /// Every version of every record type, oldest first.
    async fn catalog_versions(&self) -> Result<Vec<CatalogVersion>, StoreError>;
}
