#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod access;
mod audit;
mod batches;
mod catalog;
mod checks;
mod error;
mod items;
mod objections;
mod page;
mod records;
mod rekey;
mod rights;
mod search;
mod spool;
mod subjects;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use access::{
    AccessStore, Account, ApiKey, Authorisation, Department, NewAccount, NewApiKey, NewAuthorisation, NewDepartment,
    NewSession, Session,
};
pub use audit::{AuditStore, Checkpoint};
pub use batches::{
    Batch, BatchFormat, BatchStatus, BatchStore, BatchSummary, ImportTx, IssueSeverity, NewBatch, NewRejection,
    RowIssue,
};
pub use catalog::{CatalogStore, CatalogVersion};
pub use checks::{
    Check, CheckBatch, CheckBatchStatus, CheckLookup, CheckStats, CheckStore, CheckedFile, Feedback, FeedbackRefusal,
    NewCheck, NewCheckBatch,
};
pub use error::StoreError;
pub use items::payload_items;
pub use objections::{NewObjection, Objection, ObjectionFilter, ObjectionStore, ObjectionUpdate};
pub use page::{Cursor, Page, PageRequest};
pub use records::{NaturalKey, NewRecord, RecordFilter, RecordHead, RecordId, RecordStore, StoredRecord};
pub use rekey::{Rekey, RekeyCounts, RekeyStore, Rewrite, Rewritten, Transform};
pub use rights::{
    Commitment, CommitmentFinding, NewCommitment, NewRepair, Repair, RepairFilter, RepairUpdate, RightsStore,
};
pub use search::{SearchStore, SubjectQuery};
pub use spool::{SpoolMark, SpoolStore, Spooled};
pub use subjects::{
    AliasKind, KnownSubject, NameDecision, NameFlag, NewAlias, NewNameFlag, NewSubject, PersonIdentity, Subject,
    SubjectId, SubjectLookup, SubjectStore,
};

use async_trait::async_trait;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite, the default.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// Stable machine name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Everything the platform stores, behind one object.
#[async_trait]
pub trait Store:
    CatalogStore
    + SubjectStore
    + RecordStore
    + BatchStore
    + SearchStore
    + AccessStore
    + AuditStore
    + CheckStore
    + RekeyStore
    + RightsStore
    + ObjectionStore
    + SpoolStore
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
    /// The engine behind this store.
    fn backend(&self) -> Backend;

    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Platform metadata: stores `value` under `key` unless a value is
    /// already stored, and returns the stored value either way. Used to
    /// pin facts that must never change silently, such as the fingerprint
    /// of the key personal identifiers are sealed with.
    async fn ensure_meta(&self, key: &str, value: &str) -> Result<String, StoreError>;

    /// The platform metadata stored under `key`, if any (read only).
    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;
}
