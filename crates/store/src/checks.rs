//! Credit checks (逢办必查) and their feedback: each check is kept with the
//! answer it got, and written together with its audit entry, so that the
//! count of checks and the audit log cannot disagree.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use xinyong_domain::audit::Event;

use crate::{Page, PageRequest, RecordId, StoreError, StoredRecord, Subject, SubjectId};

/// How a credit check names the subject it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckLookup {
    /// By 统一社会信用代码.
    Uscc(String),
    /// By the keyed hash of a person's identity.
    Person([u8; 32]),
    /// By the platform's person reference.
    Reference(String),
}

/// A subject's file as a credit check reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedFile {
    /// Which of the lookups found the subject (its index).
    pub found_by: usize,
    /// The subject.
    pub subject: Subject,
    /// Its current records, latest decision first, with only the items
    /// asked for (see [`CheckStore::file_for_check`]).
    pub records: Vec<StoredRecord>,
    /// Those of `records` under an objection still running (filed or
    /// under review), whichever version the objection was filed against.
    pub under_objection: Vec<RecordId>,
}

/// A check as answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewCheck {
    /// Public identifier (random, so that ids reveal no volumes).
    pub id: String,
    /// The checking system (the key's client, or the account).
    pub client: String,
    /// The checking department, when the caller belongs to one.
    pub department_id: Option<i64>,
    /// The subject found, if any.
    pub subject_id: Option<SubjectId>,
    /// The subject as the caller named it, masked as the caller may see it.
    pub subject_shown: String,
    /// 事项 code.
    pub matter: String,
    /// 查询用途 code.
    pub purpose: String,
    /// When it was answered.
    pub checked_at: DateTime<Utc>,
    /// Month of the answer in China Standard Time (`2026-11`), for statistics.
    pub month: String,
    /// Digest of the measure book that answered.
    pub book: String,
    /// Number of measures returned.
    pub n_measures: i32,
    /// Number of mandatory measures returned.
    pub n_mandatory: i32,
    /// The answer as JSON.
    pub answer: String,
    /// The batch it was made in and its row there (from 1), if any.
    pub batch: Option<(i64, i32)>,
}

/// A batch check (a list of subjects checked in one matter) as started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCheckBatch {
    /// The checking caller (as for [`NewCheck::client`]).
    pub client: String,
    /// Its department, if any.
    pub department_id: Option<i64>,
    /// 事项 code.
    pub matter: String,
    /// 查询用途 code.
    pub purpose: String,
    /// Number of subjects.
    pub total: i32,
    /// The subjects' codes as given, SM4-sealed JSON (they may be ID
    /// numbers); kept only while the batch runs (empty once it ended: the
    /// results name each subject as its viewer may see it).
    pub subjects_sealed: Vec<u8>,
    /// When it was started.
    pub created_at: DateTime<Utc>,
}

/// Where a batch check stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckBatchStatus {
    /// Checks are being made (or will be resumed at the next start).
    Running,
    /// Every subject was checked.
    Done,
    /// It stopped on an error; the checks made so far stand.
    Failed,
}

impl CheckBatchStatus {
    /// Stable machine name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// Parses [`CheckBatchStatus::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Running, Self::Done, Self::Failed]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A stored batch check with its progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckBatch {
    /// Identifier.
    pub id: i64,
    /// As started.
    pub new: NewCheckBatch,
    /// Where it stands.
    pub status: CheckBatchStatus,
    /// Subjects checked so far.
    pub done: i64,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
}

/// What the checking system did with the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    /// The measures it applied, by code.
    pub applied: Vec<String>,
    /// The outcome (不予受理, 限制参与, 正常办理 …).
    pub outcome: String,
    /// Its own case number.
    pub case_no: Option<String>,
    /// When it answered.
    pub at: DateTime<Utc>,
}

/// A stored check with its feedback, if given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The check.
    pub new: NewCheck,
    /// The feedback.
    pub feedback: Option<Feedback>,
}

/// Checks and applied measures of one department (or client) in one matter
/// and month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckStats {
    /// `2026-11`.
    pub month: String,
    /// The checking client.
    pub client: String,
    /// Its department, if any.
    pub department_id: Option<i64>,
    /// The matter.
    pub matter: String,
    /// Checks made.
    pub checks: i64,
    /// Checks whose answer held at least one measure.
    pub with_measures: i64,
    /// Checks answered with feedback.
    pub answered: i64,
    /// Measures the callers reported as applied.
    pub applied: i64,
}

/// Why feedback was not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedbackRefusal {
    /// No check with this id.
    Unknown,
    /// Feedback was already given (it is not overwritten).
    AlreadyGiven,
}

/// Checks.
#[async_trait]
pub trait CheckStore {
    /// A credit check's read of one subject, made in one call because it
    /// is the platform's hottest path: the first subject that `lookups`
    /// find, tried in order, with its current records and which of them
    /// are under objection; `None` if no lookup finds a subject.
    ///
    /// A check reads of a record only its type, dates, publicity and the
    /// few items its rules test, so each record's `payload` holds just the
    /// items named in `items` and `sealed` is `None`: parsing whole
    /// payloads was the largest single cost of a check.
    async fn file_for_check(
        &self,
        lookups: &[CheckLookup],
        items: &[String],
    ) -> Result<Option<CheckedFile>, StoreError>;

    /// The check with this id.
    async fn check(&self, id: &str) -> Result<Option<Check>, StoreError>;

    /// Records feedback on a check that has none, with its audit entry.
    async fn record_feedback(
        &self,
        id: &str,
        feedback: &Feedback,
        event: Event,
    ) -> Result<Result<Check, FeedbackRefusal>, StoreError>;

    /// Checks of `client` (all clients if `None`) that returned measures and
    /// got no feedback, answered before `before`; oldest first.
    async fn overdue_checks(
        &self,
        client: Option<&str>,
        before: DateTime<Utc>,
        page: &PageRequest,
    ) -> Result<Page<Check>, StoreError>;

    /// Statistics for the months `from..=to` (`2026-01`), by month, client
    /// and matter.
    async fn check_stats(&self, from: &str, to: &str) -> Result<Vec<CheckStats>, StoreError>;

    /// Stores a new batch check, running.
    async fn create_check_batch(&self, new: &NewCheckBatch) -> Result<CheckBatch, StoreError>;

    /// The batch with this id, with its progress.
    async fn check_batch(&self, id: i64) -> Result<Option<CheckBatch>, StoreError>;

    /// Batches still running (to resume after a restart), oldest first.
    async fn running_check_batches(&self) -> Result<Vec<CheckBatch>, StoreError>;

    /// Ends a running batch and forgets its list of subjects.
    async fn finish_check_batch(&self, id: i64, status: CheckBatchStatus, at: DateTime<Utc>) -> Result<(), StoreError>;

    /// The checks of a batch, by row.
    async fn batch_checks(&self, id: i64) -> Result<Vec<Check>, StoreError>;
}
