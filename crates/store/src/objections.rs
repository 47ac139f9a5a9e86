//! Objections (异议) to records as stored. The rules and states are in
//! `xinyong_domain::rights::objection`; the store keeps the state and moves
//! it only from the state the caller read.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::{RecordId, StoreError, SubjectId};

/// An objection as filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewObjection {
    /// The record objected to (its current version).
    pub record_id: RecordId,
    /// Its subject.
    pub subject_id: SubjectId,
    /// The record's department, which verifies it.
    pub source: String,
    /// Who filed it.
    pub filer: String,
    /// What is wrong, in the filer's words.
    pub reasons: String,
    /// Supporting documents kept: JSON array of `{name, size, digest, file}`.
    pub attachments: String,
    /// Day filed.
    pub filed_on: NaiveDate,
    /// Last day for the platform to accept or refuse it.
    pub accept_due: NaiveDate,
}

/// A stored objection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objection {
    /// Primary key.
    pub id: i64,
    /// As filed.
    pub new: NewObjection,
    /// `filed`, `reviewing`, `upheld`, `rejected`, `refused` or `withdrawn`.
    pub status: String,
    /// Last day of the step now due.
    pub due_on: Option<NaiveDate>,
    /// Day accepted.
    pub accepted_on: Option<NaiveDate>,
    /// Day closed.
    pub closed_on: Option<NaiveDate>,
    /// The outcome: reasons given, or the remedy as JSON.
    pub outcome: Option<String>,
    /// The corrected version, when upheld with a correction.
    pub corrected_record: Option<RecordId>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// A step of an objection as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionUpdate {
    /// The new status.
    pub status: String,
    /// Last day of the next step, if one is due.
    pub due_on: Option<NaiveDate>,
    /// Day accepted (kept once set).
    pub accepted_on: Option<NaiveDate>,
    /// Day closed.
    pub closed_on: Option<NaiveDate>,
    /// Reasons or remedy.
    pub outcome: Option<String>,
    /// The corrected version, when upheld with a correction.
    pub corrected_record: Option<RecordId>,
    /// Upheld with the record's withdrawal: the record stops being current,
    /// in the same transaction.
    pub withdraw_record: bool,
}

/// Which objections to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectionFilter {
    /// Only this subject's.
    pub subject_id: Option<SubjectId>,
    /// Only those on records from this department.
    pub source: Option<String>,
    /// Only those still running.
    pub open_only: bool,
    /// Only those closed on or after this day.
    pub closed_since: Option<NaiveDate>,
}

/// Objections.
#[async_trait]
pub trait ObjectionStore {
    /// Stores an objection; [`StoreError::Conflict`] if one on the same
    /// record is still running.
    async fn create_objection(&self, new: &NewObjection) -> Result<Objection, StoreError>;

    /// An objection by id.
    async fn objection(&self, id: i64) -> Result<Option<Objection>, StoreError>;

    /// Objections matching `filter`, newest first.
    async fn objections(&self, filter: &ObjectionFilter) -> Result<Vec<Objection>, StoreError>;

    /// Moves an objection from status `from` (compare and set); `false` if
    /// it was no longer in that status.
    async fn update_objection(&self, id: i64, from: &str, update: &ObjectionUpdate) -> Result<bool, StoreError>;

    /// Which of `records` have an objection running (异议处理中).
    async fn records_under_objection(&self, records: &[RecordId]) -> Result<Vec<RecordId>, StoreError>;
}
