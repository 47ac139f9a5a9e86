//! Records the platform makes itself (an objection's correction, a breach
//! of a commitment) go through the same import as a department's upload:
//! checked item by item against the catalogue, kept as a batch of that
//! department, versioned by natural key.

use std::io::Write;

use serde_json::{Map, Value};
use xinyong_domain::rights::RightsError;
use xinyong_ingest::{CatalogEntry, ImportRequest, IncomingFile, Progress};
use xinyong_store::{Batch, StoreError};

use crate::{Rights, RightsFailure};

fn internal(context: &str, error: impl std::fmt::Display) -> RightsFailure {
    RightsFailure::Store(StoreError::Other(format!("{context}: {error}")))
}

impl Rights {
    /// Imports one row (item keys to values, identifiers whole) of `entry`
    /// as `source`'s batch named `file_name`. A row the catalogue refuses
    /// is an [`RightsError::Incomplete`] naming `what` was refused and
    /// why, after which the refused batch stays on record like any other.
    pub(crate) async fn import_row(
        &self,
        entry: &CatalogEntry,
        row: &Map<String, Value>,
        (what, file_name): (&str, &str),
        source: &str,
    ) -> Result<Batch, RightsFailure> {
        let inner = &self.inner;
        // The row holds identifiers whole: a private file, gone when dropped.
        let file = IncomingFile::new(&inner.data_dir, "jsonl").map_err(|e| internal("platform row file", e))?;
        file.create()
            .and_then(|mut out| {
                serde_json::to_writer(&mut out, row)?;
                out.write_all(b"\n")
            })
            .map_err(|e| internal("platform row file", e))?;
        let imported = inner
            .importer
            .import(
                ImportRequest {
                    path: file.path().to_owned(),
                    file_name: file_name.to_owned(),
                    record_type: entry.clone(),
                    source: source.to_owned(),
                    today: crate::service::today(),
                    data_dir: Some(inner.data_dir.clone()),
                    own_source_only: true,
                    platform_made: true,
                },
                &Progress::default(),
            )
            .await;
        drop(file);
        let batch = imported.map_err(|e| internal("platform import", e))?;
        // An identical row already stored is a duplicate, not a refusal:
        // the caller decides what that means.
        if batch.summary.n_accepted + batch.summary.n_duplicates != 1 {
            let issues = inner
                .store
                .batch_issues(batch.id, &xinyong_store::PageRequest::first(20))
                .await?;
            let mut reasons: Vec<String> = issues.items.into_iter().map(|i| i.message).collect();
            reasons.extend(batch.refusal.clone());
            let reasons = if reasons.is_empty() {
                "未通过校验".to_owned()
            } else {
                reasons.join("；")
            };
            return Err(RightsError::Incomplete(format!("{what}未通过校验：{reasons}")).into());
        }
        Ok(batch)
    }
}
