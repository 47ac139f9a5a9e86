//! What a process's spool hands the database.
//!
//! Credit checks and the audit entries of reads are written to a spool
//! file before their answers leave, and committed from it in groups (see
//! `xinyong_access::Spool`). A group is committed in one transaction
//! together with the spool's mark — the last position committed from that
//! file — so that replaying a file left by a process that died skips what
//! was already committed and adds the rest exactly once.

use async_trait::async_trait;
use xinyong_domain::audit::Event;

use crate::{NewCheck, StoreError};

/// A group of spooled entries, committed in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spooled {
    /// Credit checks to store.
    pub checks: Vec<NewCheck>,
    /// Audit entries to append to the chain, in the order they were spooled.
    pub events: Vec<Event>,
    /// The spool file the group came from and its last position in it;
    /// `None` for a spool kept only in memory.
    pub mark: Option<SpoolMark>,
}

/// How far a spool file has been committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolMark {
    /// The spool file's name (unique per process run).
    pub spool: String,
    /// The last position committed from it.
    pub upto: i64,
}

/// Committing spooled entries, and the marks that make it exactly-once.
#[async_trait]
pub trait SpoolStore {
    /// Stores the group's checks, appends its audit entries in order and
    /// records its mark, all in one transaction.
    async fn commit_spooled(&self, spooled: Spooled) -> Result<(), StoreError>;

    /// The last position committed from the spool file `spool`, if any.
    async fn spool_mark(&self, spool: &str) -> Result<Option<i64>, StoreError>;

    /// Forgets the mark of a spool file that was removed.
    async fn forget_spool(&self, spool: &str) -> Result<(), StoreError>;
}
