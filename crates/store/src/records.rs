//! Credit records: append-only, versioned by natural key.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use xinyong_domain::publicity::{PublicityWindow, Severity};

use crate::{Page, PageRequest, StoreError, Subject, SubjectId};

/// Primary key of one version of a record.
pub type RecordId = i64;

/// The natural key of a record: the same decision about the same subject.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NaturalKey {
    /// Record type code.
    pub record_type: String,
    /// 决定书文号.
    pub doc_no: String,
    /// The subject.
    pub subject_id: SubjectId,
}

/// The current version of a record, as an import needs it to decide
/// between duplicate and new version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordHead {
    /// Its natural key.
    pub key: NaturalKey,
    /// Primary key of the current version.
    pub id: RecordId,
    /// Its version number.
    pub version: i32,
    /// Hash of its content.
    pub content_hash: [u8; 16],
    /// The department that supplied it.
    pub source: String,
    /// The batch it came in, and its row there.
    pub batch_id: i64,
    /// Its row in that batch's file.
    pub row_no: i64,
}

/// One version of a record to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// Natural key.
    pub key: NaturalKey,
    /// Catalogue version the row was checked against.
    pub catalog_version: i32,
    /// 决定日期.
    pub decision_date: NaiveDate,
    /// Publicity class, for adverse records.
    pub severity: Option<Severity>,
    /// Whether the record is published at all.
    pub published: bool,
    /// Last day of publication; `None` for no end.
    pub publicity_until: Option<NaiveDate>,
    /// 处罚机关 / 许可机关.
    pub authority: String,
    /// The department that supplied it.
    pub source: String,
    /// The batch it came in.
    pub batch_id: i64,
    /// Its row in that batch's file.
    pub row_no: i64,
    /// 1 for a new record, previous + 1 for a correction.
    pub version: i32,
    /// Whether this is the current version (false if a later row of the
    /// same batch already supersedes it).
    pub current: bool,
    /// Hash of the content, for duplicate detection.
    pub content_hash: [u8; 16],
    /// Items by key as JSON (personal identifiers only masked).
    pub payload: String,
    /// Personal identifiers in clear, SM4-sealed JSON.
    pub sealed: Option<Vec<u8>>,
}

/// A stored version of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    /// Primary key.
    pub id: RecordId,
    /// Natural key.
    pub key: NaturalKey,
    /// Catalogue version it was checked against.
    pub catalog_version: i32,
    /// 决定日期.
    pub decision_date: NaiveDate,
    /// When it is public.
    pub publicity: PublicityWindow,
    /// 处罚机关 / 许可机关.
    pub authority: String,
    /// Supplying department.
    pub source: String,
    /// Batch and row it came from.
    pub batch_id: i64,
    /// Row in the batch's file.
    pub row_no: i64,
    /// Version number.
    pub version: i32,
    /// Whether this is the current version.
    pub current: bool,
    /// Items by key.
    pub payload: serde_json::Map<String, serde_json::Value>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// Personal identifiers in clear, SM4-sealed JSON, for the views
    /// allowed to see them whole.
    pub sealed: Option<Vec<u8>>,
    /// The day it was repaired (信用修复), if it was.
    pub repaired_on: Option<NaiveDate>,
}

/// A record together with its subject, for listings.
pub type RecordWithSubject = (StoredRecord, Subject);

/// Which current records a listing shows. Listings are ordered by decision
/// date, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// Only this record type.
    pub record_type: Option<String>,
    /// Only from this department.
    pub source: Option<String>,
    /// Decided on or after.
    pub from: Option<NaiveDate>,
    /// Decided on or before.
    pub to: Option<NaiveDate>,
    /// Only records public on this day (published, inside their window,
    /// not repaired).
    /// A pre-filter for paging: [`xinyong_domain::visibility::decide`] still
    /// decides each record shown.
    pub public_on: Option<NaiveDate>,
}

/// Reading records.
#[async_trait]
pub trait RecordStore {
    /// A subject's records, current versions only unless `with_history`,
    /// newest decision first.
    async fn records_of_subject(&self, subject: SubjectId, with_history: bool)
    -> Result<Vec<StoredRecord>, StoreError>;

    /// Current records matching `filter`, newest decision first.
    async fn list_records(
        &self,
        filter: &RecordFilter,
        page: &PageRequest,
    ) -> Result<Page<RecordWithSubject>, StoreError>;

    /// Counts of current records per record type.
    async fn count_records(&self) -> Result<Vec<(String, i64)>, StoreError>;

    /// One record (any version) by its id.
    async fn record_by_id(&self, id: RecordId) -> Result<Option<StoredRecord>, StoreError>;
}
