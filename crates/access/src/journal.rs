//! Appending to the audit log on behalf of a caller.

use std::sync::Arc;

use chrono::Utc;
use xinyong_domain::audit::Event;
use xinyong_store::{Batch, NewCheck, Store, SubjectId};

use crate::spool::{Entry, Spool};
use crate::{AccessError, Principal};

/// Writes audit entries. Every write the platform makes and every
/// non-public read goes through here before its answer leaves, by way of
/// the [`Spool`].
#[derive(Debug, Clone)]
pub struct Journal {
    spool: Spool,
}

impl Journal {
    /// A journal over `store`'s audit log, spooled in memory only.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            spool: Spool::in_memory(store),
        }
    }

    /// A journal written through `spool`.
    pub fn with_spool(spool: Spool) -> Self {
        Self { spool }
    }

    /// The spool behind it (to close when the process stops).
    pub fn spool(&self) -> &Spool {
        &self.spool
    }

    /// Appends one entry; returns once it is in the audit log.
    pub async fn record(
        &self,
        principal: &Principal,
        action: &str,
        subject_id: Option<SubjectId>,
        purpose: Option<&str>,
        detail: serde_json::Value,
    ) -> Result<(), AccessError> {
        let position = self
            .spool
            .push(Self::entry(principal, action, subject_id, purpose, detail))
            .await?;
        self.spool.settle(position).await
    }

    /// Writes down the entry of a read; returns once it is spooled, so
    /// that the read's answer may leave (committed right behind it).
    pub async fn record_read(
        &self,
        principal: &Principal,
        action: &str,
        subject_id: SubjectId,
        purpose: Option<&str>,
        detail: serde_json::Value,
    ) -> Result<(), AccessError> {
        let entry = Self::entry(principal, action, Some(subject_id), purpose, detail);
        self.spool.push(entry).await.map(drop)
    }

    /// Writes down a credit check with its audit entry; returns once it is
    /// spooled.
    pub async fn record_check(&self, check: NewCheck, event: Event) -> Result<(), AccessError> {
        let entry = Entry::Check {
            check: Box::new(check),
            event,
        };
        self.spool.push(entry).await.map(drop)
    }

    /// Waits until everything journaled so far is in the database: call
    /// before reading the audit log or the checks.
    pub async fn settled(&self) {
        self.spool.settled().await;
    }

    fn entry(
        principal: &Principal,
        action: &str,
        subject_id: Option<SubjectId>,
        purpose: Option<&str>,
        detail: serde_json::Value,
    ) -> Entry {
        Entry::Audit {
            event: Event {
                at: Utc::now(),
                actor: principal.actor(),
                action: action.to_owned(),
                subject_id,
                purpose: purpose.map(str::to_owned),
                detail: detail.to_string(),
                origin: principal.origin.clone(),
            },
        }
    }

    /// Journals an import (from a department's desk or the console).
    pub async fn batch_imported(&self, principal: &Principal, batch: &Batch) -> Result<(), AccessError> {
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
