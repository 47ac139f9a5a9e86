//! Batches (归集批次): every upload, applied all-or-nothing, with its
//! rejected rows kept for correction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{
    KnownSubject, NaturalKey, NewAlias, NewNameFlag, NewRecord, NewSubject, Page, PageRequest, RecordHead, RecordId,
    StoreError, SubjectId, SubjectLookup,
};

/// File formats departments upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFormat {
    /// Comma-separated values.
    Csv,
    /// Excel 2007+ workbook (first sheet).
    Xlsx,
    /// One JSON object per line.
    JsonLines,
}

impl BatchFormat {
    /// Stable machine name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
            Self::JsonLines => "jsonl",
        }
    }

    /// Parses [`BatchFormat::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Csv, Self::Xlsx, Self::JsonLines]
            .into_iter()
            .find(|f| f.code() == code)
    }
}

/// A batch about to be imported (or refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBatch {
    /// Record type code.
    pub record_type: String,
    /// Catalogue version the rows are checked against.
    pub catalog_version: i32,
    /// The department the batch is filed for.
    pub source: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// Its format.
    pub format: BatchFormat,
    /// The text encoding detected (`UTF-8`, `GB18030`), for text formats.
    pub encoding: Option<String>,
    /// The item-set generation of its headers, once known.
    pub generation: Option<String>,
    /// Its header row.
    pub headers: Vec<String>,
    /// Where the uploaded file is kept, relative to the data directory.
    pub original_file: Option<String>,
}

/// Outcome of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchStatus {
    /// Every accepted row is stored.
    Applied,
    /// The file was refused whole; nothing but the batch itself is stored.
    Refused,
}

impl BatchStatus {
    /// Stable machine name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Refused => "refused",
        }
    }

    /// Parses [`BatchStatus::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Applied, Self::Refused].into_iter().find(|s| s.code() == code)
    }
}

/// Counts and notes an import hands over when it commits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchSummary {
    /// Data rows read.
    pub n_rows: i64,
    /// Rows stored as a new record or a new version.
    pub n_accepted: i64,
    /// Rows refused with their problems.
    pub n_rejected: i64,
    /// Rows identical to a stored record.
    pub n_duplicates: i64,
    /// Accepted rows that were a new version of a stored record.
    pub n_new_versions: i64,
    /// Subjects the batch created.
    pub n_new_subjects: i64,
    /// Rows whose name disagreed with their subject's (flagged for review).
    pub n_flagged: i64,
    /// Headers that matched no data item.
    pub unknown_headers: Vec<String>,
}

/// A stored batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Primary key.
    pub id: i64,
    /// What was uploaded.
    pub new: NewBatch,
    /// Its outcome.
    pub status: BatchStatus,
    /// Why the file was refused, in Chinese.
    pub refusal: Option<String>,
    /// Counts.
    pub summary: BatchSummary,
    /// When the upload began.
    pub created_at: DateTime<Utc>,
}

/// Severity of a row issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueSeverity {
    /// The row was rejected.
    Error,
    /// The row was accepted with a remark.
    Warning,
}

impl IssueSeverity {
    /// Stable machine name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

/// One problem of one row, as reported to the department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIssue {
    /// Row number in the file (header = 1).
    pub row_no: i64,
    /// Error or warning.
    pub severity: IssueSeverity,
    /// The column as the file names it (or the item's Chinese name).
    pub field: String,
    /// Stable problem code.
    pub code: String,
    /// Chinese message.
    pub message: String,
}

/// A rejected row to keep: its original cells (sealed, they may hold
/// personal identifiers) and its problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRejection {
    /// Row number in the file.
    pub row_no: i64,
    /// The row's cells as a JSON array, SM4-sealed.
    pub sealed_cells: Vec<u8>,
}

/// Batches.
#[async_trait]
pub trait BatchStore {
    /// Opens the transaction of one import. Nothing it writes is visible
    /// until [`ImportTx::commit`]; dropping it undoes everything.
    async fn begin_import(&self, batch: &NewBatch) -> Result<Box<dyn ImportTx>, StoreError>;

    /// Records a file refused whole.
    async fn record_refusal(&self, batch: &NewBatch, reason: &str) -> Result<Batch, StoreError>;

    /// One batch.
    async fn batch(&self, id: i64) -> Result<Batch, StoreError>;

    /// Batches, newest first; only those filed for `source` if given.
    async fn list_batches(&self, source: Option<&str>, page: &PageRequest) -> Result<Page<Batch>, StoreError>;

    /// A batch's row issues, by row.
    async fn batch_issues(&self, id: i64, page: &PageRequest) -> Result<Page<RowIssue>, StoreError>;

    /// A batch's rejected rows, by row: (row number, sealed cells).
    async fn batch_rejections(&self, id: i64, page: &PageRequest) -> Result<Page<(i64, Vec<u8>)>, StoreError>;
}

/// The write side of one import, one transaction.
///
/// The import calls these with chunks of rows (owned, so that a backend
/// can hand them to its own thread); reads see the transaction's own
/// earlier writes.
#[async_trait]
pub trait ImportTx: Send {
    /// The batch's primary key (assigned when the transaction opened).
    fn batch_id(&self) -> i64;

    /// Subjects known under these keys.
    async fn find_subjects(&mut self, keys: Vec<SubjectLookup>) -> Result<Vec<KnownSubject>, StoreError>;

    /// Creates subjects; returns their ids in order.
    async fn insert_subjects(&mut self, subjects: Vec<NewSubject>) -> Result<Vec<SubjectId>, StoreError>;

    /// Records aliases, ignoring those already recorded.
    async fn add_aliases(&mut self, aliases: Vec<NewAlias>) -> Result<(), StoreError>;

    /// Records name conflicts (counting repeats of an open one).
    async fn flag_names(&mut self, flags: Vec<NewNameFlag>) -> Result<(), StoreError>;

    /// The latest version of the records with these natural keys: the
    /// current one, or the last one of a record withdrawn (so that a row
    /// uploaded again after a withdrawal is a new version, or a duplicate).
    async fn find_current_records(&mut self, keys: Vec<NaturalKey>) -> Result<Vec<RecordHead>, StoreError>;

    /// Marks versions as no longer current.
    async fn supersede(&mut self, ids: Vec<RecordId>) -> Result<(), StoreError>;

    /// Writes record versions.
    async fn insert_records(&mut self, records: Vec<NewRecord>) -> Result<(), StoreError>;

    /// Keeps rejected rows.
    async fn insert_rejections(&mut self, rejections: Vec<NewRejection>) -> Result<(), StoreError>;

    /// Records row issues (errors of rejected rows, warnings of accepted ones).
    async fn insert_issues(&mut self, issues: Vec<RowIssue>) -> Result<(), StoreError>;

    /// Writes the summary and commits everything.
    async fn commit(self: Box<Self>, summary: &BatchSummary) -> Result<Batch, StoreError>;
}
