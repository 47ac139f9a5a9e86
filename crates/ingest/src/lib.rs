#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod apply;
mod catalog;
mod error;
pub mod export;
mod free_text;
mod incoming;
pub mod read;
pub mod report;
mod validate;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use tokio::sync::mpsc;
use xinyong_crypto::{Keys, create_private_dir, create_private_file};
use xinyong_domain::catalog::{ColumnMap, HeaderProblem, RecordType};
use xinyong_domain::id::IdPolicy;
use xinyong_store::{Batch, BatchFormat, BatchSummary, NewBatch, Store};

pub use crate::catalog::{Catalog, CatalogEntry, builtin_catalog, load_catalog};
pub use crate::error::IngestError;
pub use crate::free_text::seal_free_text;
pub use crate::incoming::{IncomingFile, clear_incoming};
pub use crate::read::Progress;
use crate::validate::{Prepared, Validator};

/// Rows validated and applied together.
const CHUNK_ROWS: usize = 2000;
/// Chunks waiting between validation and storage; bounds memory.
const CHUNKS_IN_FLIGHT: usize = 3;

/// Imports files for one platform: its store, keys and identifier policy.
#[derive(Debug, Clone)]
pub struct Importer {
    store: Arc<dyn Store>,
    keys: Arc<Keys>,
    policy: Arc<IdPolicy>,
}

/// One file to import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// Where the file is.
    pub path: PathBuf,
    /// Its name as uploaded (for the batch record and the kept copy).
    pub file_name: String,
    /// The record type and its catalogue version.
    pub record_type: CatalogEntry,
    /// The department the batch is filed for.
    pub source: String,
    /// Today in China Standard Time (no decision may lie after it).
    pub today: NaiveDate,
    /// The data directory, where the uploaded file is kept under `uploads/`.
    pub data_dir: Option<PathBuf>,
    /// Refuse rows whose 数据来源单位 is not `source` (a department's own
    /// upload); the credit office's console imports for any department.
    pub own_source_only: bool,
    /// Rows the platform made itself (a breach of a commitment signed on
    /// it, an objection's correction): they may use the document numbers
    /// the catalogue reserves for the platform.
    pub platform_made: bool,
}

impl Importer {
    /// An importer writing to `store`.
    pub fn new(store: Arc<dyn Store>, keys: Arc<Keys>, policy: Arc<IdPolicy>) -> Self {
        Self { store, keys, policy }
    }

    /// The keys rows are sealed with (to open rejected rows for export).
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Imports one file. Returns the batch, applied or refused; an `Err`
    /// means a technical failure, after which nothing of the batch is stored.
    pub async fn import(&self, request: ImportRequest, progress: &Progress) -> Result<Batch, IngestError> {
        // The original is sealed and kept while the rows are read and applied.
        let (original_file, mut keeping) = match &request.data_dir {
            Some(dir) => {
                let (target, relative) = original_target(dir, &request.file_name)?;
                let (keys, path) = (Arc::clone(&self.keys), request.path.clone());
                let sealing = tokio::task::spawn_blocking(move || keep_original(&keys, &path, &target));
                (Some(relative), Keeping(Some(sealing)))
            }
            None => (None, Keeping(None)),
        };
        let mut new = NewBatch {
            record_type: request.record_type.record_type.code.clone(),
            catalog_version: request.record_type.version,
            source: request.source.clone(),
            file_name: request.file_name.clone(),
            format: BatchFormat::Csv,
            encoding: None,
            generation: None,
            headers: Vec::new(),
            original_file,
        };
        let path = request.path.clone();
        let opened = {
            let progress = progress.clone();
            tokio::task::spawn_blocking(move || {
                let format = read::detect_format(&path)?;
                Ok::<_, read::ReadError>((format, read::open(&path, format, &progress)))
            })
            .await
            .map_err(|e| IngestError::Internal(e.to_string()))?
        };
        // A file refused after its format was recognised is recorded with that format.
        let table = match opened {
            Ok((format, Ok(table))) => {
                new.format = format;
                table
            }
            Ok((format, Err(error))) => {
                new.format = format;
                return self.refuse(&new, &error.to_string(), keeping).await;
            }
            Err(error) => return self.refuse(&new, &error.to_string(), keeping).await,
        };
        new.encoding = table.encoding.map(|e| e.name().to_owned());
        new.headers = table.headers.clone();
        let record_type = Arc::clone(&request.record_type.record_type);
        let map = match record_type.map_headers(&table.headers) {
            Ok(map) => map,
            Err(problem @ HeaderProblem::NotATable { .. }) => {
                let reason = format!("{problem}{}", read::header_as_read(&table.headers, table.encoding));
                return self.refuse(&new, &reason, keeping).await;
            }
            Err(problem) => return self.refuse(&new, &problem.to_string(), keeping).await,
        };
        new.generation = Some(map.generation.code().to_owned());
        self.apply(new, table, record_type, map, &request, &mut keeping).await
    }

    /// Records a refusal once the original is kept.
    async fn refuse(&self, new: &NewBatch, reason: &str, mut keeping: Keeping) -> Result<Batch, IngestError> {
        keeping.done().await?;
        Ok(self.store.record_refusal(new, reason).await?)
    }

    async fn apply(
        &self,
        new: NewBatch,
        table: read::Table,
        record_type: Arc<RecordType>,
        map: ColumnMap,
        request: &ImportRequest,
        keeping: &mut Keeping,
    ) -> Result<Batch, IngestError> {
        let tx = self.store.begin_import(&new).await?;
        let labels = Validator::labels_for(&record_type, &map, &table.headers);
        let doc_label = record_type
            .field_with_role(xinyong_domain::catalog::Role::DocNo)
            .map(|idx| labels[idx.0].clone())
            .unwrap_or_default();
        let mut applier = apply::Applier {
            tx,
            keys: Arc::clone(&self.keys),
            doc_label,
            record_type: record_type.code.clone(),
            catalog_version: request.record_type.version,
            summary: BatchSummary {
                unknown_headers: map.unknown_headers.clone(),
                ..BatchSummary::default()
            },
        };
        let (sender, mut receiver) = mpsc::channel::<Result<Vec<Prepared>, ChunkError>>(CHUNKS_IN_FLIGHT);
        let (keys, policy) = (Arc::clone(&self.keys), Arc::clone(&self.policy));
        let (today, source) = (request.today, request.source.clone());
        let (own_source_only, platform_made) = (request.own_source_only, request.platform_made);
        let validation = tokio::task::spawn_blocking(move || {
            let validator = Validator {
                record_type: &record_type,
                map: &map,
                policy: &policy,
                keys: &keys,
                today,
                source: &source,
                own_source_only,
                platform_made,
                labels,
            };
            let mut chunk = Vec::with_capacity(CHUNK_ROWS);
            for row in table.rows {
                let prepared = match row {
                    Ok(row) => validator.prepare(row).map_err(ChunkError::Ingest),
                    Err(error) => Err(ChunkError::Read(error.to_string())),
                };
                match prepared {
                    Ok(prepared) => chunk.push(prepared),
                    Err(error) => {
                        let _ = sender.blocking_send(Err(error));
                        return;
                    }
                }
                if chunk.len() == CHUNK_ROWS
                    && sender
                        .blocking_send(Ok(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_ROWS))))
                        .is_err()
                {
                    return;
                }
            }
            if !chunk.is_empty() {
                let _ = sender.blocking_send(Ok(chunk));
            }
        });
        while let Some(chunk) = receiver.recv().await {
            match chunk {
                Ok(chunk) => applier.apply(chunk).await?,
                Err(ChunkError::Ingest(error)) => return Err(error),
                Err(ChunkError::Read(reason)) => {
                    // Dropping the transaction undoes every row applied so far.
                    drop(applier);
                    let reason = format!("{reason}（文件未导入任何数据）");
                    keeping.done().await?;
                    return Ok(self.store.record_refusal(&new, &reason).await?);
                }
            }
        }
        validation
            .await
            .map_err(|e| IngestError::Internal(format!("validation thread: {e}")))?;
        if applier.summary.n_rows == 0 {
            drop(applier);
            keeping.done().await?;
            return Ok(self.store.record_refusal(&new, "文件中没有数据行").await?);
        }
        let summary = applier.summary.clone();
        // A batch commits only with its original kept.
        keeping.done().await?;
        Ok(applier.tx.commit(&summary).await?)
    }
}

enum ChunkError {
    Read(String),
    Ingest(IngestError),
}

/// The sealing of an upload's kept copy, running beside the import.
struct Keeping(Option<tokio::task::JoinHandle<Result<(), IngestError>>>);

impl Keeping {
    /// Waits for the copy to be kept (once).
    async fn done(&mut self) -> Result<(), IngestError> {
        match self.0.take() {
            Some(sealing) => sealing
                .await
                .map_err(|e| IngestError::Internal(format!("keeping the original: {e}")))?,
            None => Ok(()),
        }
    }
}

/// Where an upload's kept copy goes: `uploads/YYYY-MM/` in the data
/// directory (created owner-only); returns (absolute, relative to the data
/// directory).
fn original_target(data_dir: &Path, file_name: &str) -> Result<(PathBuf, String), IngestError> {
    let now = chrono::Utc::now();
    let month = now.format("%Y-%m").to_string();
    let dir = data_dir.join("uploads").join(&month);
    create_private_dir(&dir)?;
    let safe_name: String = file_name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let stored = format!(
        "{}-{}.sm4",
        now.format("%Y%m%dT%H%M%S%.6f"),
        shortened(&safe_name, MAX_KEPT_NAME_BYTES)
    );
    Ok((dir.join(&stored), format!("uploads/{month}/{stored}")))
}

/// The most bytes of an upload's own name kept in its copy's name: with the
/// time before it and `.sm4` (and a rotation's `.next`) after, the whole
/// stays under the 255 bytes a file name may have. The batch keeps the
/// name whole.
const MAX_KEPT_NAME_BYTES: usize = 200;

/// `name` cut to at most `max` bytes at a character boundary, its
/// extension kept: `很长的名称….csv` stays recognisable.
fn shortened(name: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if name.len() <= max {
        return std::borrow::Cow::Borrowed(name);
    }
    let extension = name
        .rfind('.')
        .map(|dot| &name[dot..])
        .filter(|ext| ext.len() <= 16)
        .unwrap_or("");
    let mut end = max.saturating_sub(extension.len() + 3);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}…{extension}", &name[..end]))
}

/// Keeps the uploaded file, SM4-sealed (uploads hold identity numbers in
/// clear), with owner-only permissions. `xinyong batch original` opens it.
fn keep_original(keys: &Keys, path: &Path, target: &Path) -> Result<(), IngestError> {
    let output = create_private_file(target)?;
    keys.seal_file(
        std::io::BufReader::new(std::fs::File::open(path)?),
        std::io::BufWriter::new(output),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_upload_name_is_shortened_for_its_copy_only() {
        assert_eq!(shortened("处罚.csv", 200), "处罚.csv");
        let long = format!("{}.csv", "淮北市市场监督管理局".repeat(10));
        let short = shortened(&long, MAX_KEPT_NAME_BYTES);
        assert!(short.len() <= MAX_KEPT_NAME_BYTES, "{}", short.len());
        assert!(short.ends_with("….csv") && short.starts_with("淮北市"));
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = original_target(dir.path(), &long).unwrap();
        std::fs::write(&path, b"kept").unwrap();
        let without_extension = "名".repeat(200);
        assert!(shortened(&without_extension, 10).len() <= 10);
    }
}
