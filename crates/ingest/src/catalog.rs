//! Loading the catalogue: parse each record type's TOML file, register it
//! in the store (a changed file becomes a new version), and keep the parsed
//! types with their versions for the imports and views that use them.

use std::collections::BTreeMap;
use std::sync::Arc;

use xinyong_domain::RecordType;
use xinyong_store::Store;

use crate::IngestError;

/// The catalogue files shipped with the platform (the repository's
/// `catalog/` directory), as (file name, text).
pub fn builtin_catalog() -> Vec<(String, String)> {
    [
        ("xzcf.toml", include_str!("../../../catalog/xzcf.toml")),
        ("xzxk.toml", include_str!("../../../catalog/xzxk.toml")),
        ("yzsx.toml", include_str!("../../../catalog/yzsx.toml")),
        ("sxjl.toml", include_str!("../../../catalog/sxjl.toml")),
        ("jyyc.toml", include_str!("../../../catalog/jyyc.toml")),
        ("cnwy.toml", include_str!("../../../catalog/cnwy.toml")),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_owned(), text.to_owned()))
    .collect()
}

/// A record type with the catalogue version it was loaded as.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    /// The parsed record type.
    pub record_type: Arc<RecordType>,
    /// Its version in the store.
    pub version: i32,
}

/// The loaded catalogue, by record type code.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: BTreeMap<String, CatalogEntry>,
}

impl Catalog {
    /// The record type with this code (`xzcf`).
    pub fn get(&self, code: &str) -> Option<&CatalogEntry> {
        self.entries.get(code)
    }

    /// Every record type, by code.
    pub fn entries(&self) -> impl Iterator<Item = &CatalogEntry> {
        self.entries.values()
    }
}

/// Parses and registers catalogue files, given as (file name, text).
/// Every file is parsed before any is registered, so a broken file changes
/// nothing.
pub async fn load_catalog(store: &dyn Store, files: &[(String, String)]) -> Result<Catalog, IngestError> {
    let mut parsed = Vec::with_capacity(files.len());
    for (file_name, text) in files {
        let record_type = RecordType::from_toml(text).map_err(|error| IngestError::Catalog {
            file: file_name.clone(),
            message: error.to_string(),
        })?;
        if parsed
            .iter()
            .any(|(other, _): &(RecordType, &String)| other.code == record_type.code)
        {
            let message = format!("记录类型“{}”重复定义", record_type.code);
            return Err(IngestError::Catalog {
                file: file_name.clone(),
                message,
            });
        }
        parsed.push((record_type, text));
    }
    let mut entries = BTreeMap::new();
    for (record_type, text) in parsed {
        let digest = xinyong_crypto::hex(&xinyong_crypto::sm3(text.as_bytes()));
        let version = store.register_catalog(&record_type.code, &digest, text).await?;
        entries.insert(
            record_type.code.clone(),
            CatalogEntry {
                record_type: Arc::new(record_type),
                version: version.version,
            },
        );
    }
    Ok(Catalog { entries })
}
