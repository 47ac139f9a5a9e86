//! Appending to the audit log on behalf of a caller.

use std::sync::Arc;

use chrono::Utc;
use xinyong_domain::audit::Event;
use xinyong_store::{Batch, Store, SubjectId};

use crate::{AccessError, Principal};

/// Writes audit entries. Every write the platform makes and every
/// non-public read goes through here before its answer leaves.
#[derive(Debug, Clone)]
pub struct Journal {
    store: Arc<dyn Store>,
}

impl Journal {
    /// A journal over `store`'s audit log.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Appends one entry; returns its position.
    pub async fn record(
        &self,
        principal: &Principal,
        action: &str,
        subject_id: Option<SubjectId>,
        purpose: Option<&str>,
        detail: serde_json::Value,
    ) -> Result<i64, AccessError> {
        let event = Event {
            at: Utc::now(),
            actor: principal.actor(),
            action: action.to_owned(),
            subject_id,
            purpose: purpose.map(str::to_owned),
            detail: detail.to_string(),
            origin: principal.origin.clone(),
        };
        let positions = self.store.append_audit(vec![event]).await?;
        positions
            .first()
            .copied()
            .ok_or_else(|| AccessError::Internal("audit append returned no position".into()))
    }

    /// Journals an import (from a department's desk or the console).
    pub async fn batch_imported(&self, principal: &Principal, batch: &Batch) -> Result<i64, AccessError> {
        let detail = serde_json::json!({
            "batch": batch.id,
            "type": batch.new.record_type,
            "source": batch.new.source,
            "status": batch.status.code(),
            "accepted": batch.summary.n_accepted,
            "rejected": batch.summary.n_rejected,
        });
        self.record(principal, "batch.import", None, None, detail).await
    }
}
