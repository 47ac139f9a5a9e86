//! The append-only audit log and its checkpoints. The store keeps the
//! chain: each append reads the head and links the new entries to it inside
//! one transaction, so concurrent writers cannot fork it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use xinyong_domain::audit::{Entry, Event, Hash};

use crate::{Page, PageRequest, StoreError, SubjectId};

/// A checkpoint: the chain's head at a moment, kept so that it can be
/// exported and compared later (a log truncated after it is caught).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Position of the entry.
    pub seq: i64,
    /// Its digest.
    pub hash: Hash,
    /// When the checkpoint was taken.
    pub at: DateTime<Utc>,
}

/// The audit log.
#[async_trait]
pub trait AuditStore {
    /// Appends events in order; returns their positions.
    async fn append_audit(&self, events: Vec<Event>) -> Result<Vec<i64>, StoreError>;
    /// Up to `limit` entries after position `after`, in order.
    async fn audit_entries(&self, after: i64, limit: u32) -> Result<Vec<Entry>, StoreError>;
    /// Entries in a time range (inclusive), in order, paged by position.
    async fn audit_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        page: &PageRequest,
    ) -> Result<Page<Entry>, StoreError>;
    /// Position of the entry with this digest.
    async fn audit_position(&self, hash: &Hash) -> Result<Option<i64>, StoreError>;
    /// Digest of the entry at a position.
    async fn audit_hash(&self, seq: i64) -> Result<Option<Hash>, StoreError>;
    /// Reads of one subject's file (`subject.read` entries), newest first.
    async fn audit_reads_of(&self, subject_id: SubjectId, page: &PageRequest) -> Result<Page<Entry>, StoreError>;
    /// Keeps the current head as a checkpoint; `None` while the log is empty.
    async fn checkpoint(&self) -> Result<Option<Checkpoint>, StoreError>;
    /// Every checkpoint, in order.
    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError>;
}
