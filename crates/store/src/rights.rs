//! The subject's due-process workflows as stored: credit commitments
//! (信用承诺) and credit repairs (信用修复). The workflows' rules live in
//! `xinyong_domain::rights`; the store keeps their state and moves it only
//! from the state the caller read (compare and set), so two officials
//! acting at once cannot both succeed.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::{RecordId, StoreError, SubjectId};

/// A commitment as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCommitment {
    /// The subject that commits.
    pub subject_id: SubjectId,
    /// Kind code (`xyxf`).
    pub kind: String,
    /// The matter it is signed for.
    pub matter: String,
    /// The department it is made to, which records whether it was kept
    /// (none for a 主动型 commitment to the public: the credit office does).
    pub addressee: Option<String>,
    /// Who signed.
    pub signer: String,
    /// The full text signed.
    pub text: String,
    /// SM3 of the text, hexadecimal.
    pub digest: String,
    /// Whether it is published.
    pub public: bool,
    /// Signing day (China Standard Time).
    pub signed_on: NaiveDate,
}

/// A stored commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    /// Primary key.
    pub id: i64,
    /// As signed.
    pub new: NewCommitment,
    /// `signed`, `kept` or `broken`.
    pub status: String,
    /// The day a department recorded its finding.
    pub finding_on: Option<NaiveDate>,
    /// What was not kept, for a breach.
    pub finding_note: Option<String>,
    /// Who recorded the finding.
    pub found_by: Option<String>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// A department's finding on a commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentFinding {
    /// `kept` or `broken`.
    pub status: String,
    /// The day.
    pub on: NaiveDate,
    /// What was not kept.
    pub note: Option<String>,
    /// Who recorded it.
    pub by: String,
}

/// A repair application as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRepair {
    /// The record to repair (its current version).
    pub record_id: RecordId,
    /// Its subject.
    pub subject_id: SubjectId,
    /// The department the record came from (谁认定、谁修复).
    pub source: String,
    /// Who applied.
    pub applicant: String,
    /// The 信用修复承诺书 signed on the platform.
    pub commitment_id: i64,
    /// The proof submitted: JSON array of `{name, size, digest, file}`.
    pub proof: String,
    /// Day received.
    pub submitted_on: NaiveDate,
    /// Last day for the platform's answer.
    pub due_on: NaiveDate,
}

/// A stored repair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// Primary key.
    pub id: i64,
    /// As received.
    pub new: NewRepair,
    /// `submitted`, `forwarded`, `repaired`, `denied` or `withdrawn`.
    pub status: String,
    /// Last day of the step now due.
    pub due_on: Option<NaiveDate>,
    /// Day forwarded to the deciding department.
    pub forwarded_on: Option<NaiveDate>,
    /// Day closed.
    pub closed_on: Option<NaiveDate>,
    /// Reasons given for a denial.
    pub reasons: Option<String>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// A step of a repair as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairUpdate {
    /// The new status.
    pub status: String,
    /// Last day of the next step, if one is due.
    pub due_on: Option<NaiveDate>,
    /// Day forwarded (kept once set).
    pub forwarded_on: Option<NaiveDate>,
    /// Day closed.
    pub closed_on: Option<NaiveDate>,
    /// Reasons for a denial.
    pub reasons: Option<String>,
    /// When approved: the record is marked repaired on this day, in the same
    /// transaction.
    pub repaired_on: Option<NaiveDate>,
}

/// Which repairs to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepairFilter {
    /// Only this subject's.
    pub subject_id: Option<SubjectId>,
    /// Only those of records from this department.
    pub source: Option<String>,
    /// Only those still running.
    pub open_only: bool,
}

/// Commitments and repairs.
#[async_trait]
pub trait RightsStore {
    /// Stores a signed commitment.
    async fn sign_commitment(&self, new: &NewCommitment) -> Result<Commitment, StoreError>;

    /// A commitment by id.
    async fn commitment(&self, id: i64) -> Result<Option<Commitment>, StoreError>;

    /// A subject's commitments, newest first.
    async fn commitments_of(&self, subject_id: SubjectId) -> Result<Vec<Commitment>, StoreError>;

    /// Commitments made to `addressee` (a department's name; `None`: to the
    /// public), newest first, at most `limit`; only those awaiting a
    /// finding if `signed_only`.
    async fn commitments_to(
        &self,
        addressee: Option<&str>,
        signed_only: bool,
        limit: i64,
    ) -> Result<Vec<Commitment>, StoreError>;

    /// Commitments found `broken` on or after `since`, oldest first (at most
    /// 1,000): a start checks that each has its breach record.
    async fn broken_since(&self, since: NaiveDate) -> Result<Vec<Commitment>, StoreError>;

    /// Records a finding on a commitment whose status is still `from`, or
    /// with `None` takes a finding back (status `signed` again); `false`
    /// if the status was not `from` (any more).
    async fn record_finding(
        &self,
        id: i64,
        from: &str,
        finding: Option<&CommitmentFinding>,
    ) -> Result<bool, StoreError>;

    /// Stores a repair application; [`StoreError::Conflict`] if one for the
    /// same record is still running.
    async fn create_repair(&self, new: &NewRepair) -> Result<Repair, StoreError>;

    /// A repair by id.
    async fn repair(&self, id: i64) -> Result<Option<Repair>, StoreError>;

    /// Repairs matching `filter`, newest first.
    async fn repairs(&self, filter: &RepairFilter) -> Result<Vec<Repair>, StoreError>;

    /// Moves a repair from status `from` (compare and set); `false` if it
    /// was no longer in that status.
    async fn update_repair(&self, id: i64, from: &str, update: &RepairUpdate) -> Result<bool, StoreError>;
}
