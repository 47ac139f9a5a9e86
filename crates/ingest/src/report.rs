//! What a department is told about a batch: counts, and every problem of
//! every row with its row number, item and Chinese message.
//!
//! Issues are read back from the store page by page, so a report of a
//! batch with many rejected rows is streamed, not held in memory.

use std::io::Write;

use serde::Serialize;
use xinyong_store::{Batch, BatchStatus, IssueSeverity, PageRequest, RowIssue, Store};

use crate::IngestError;

/// Issues read per page.
const PAGE: u32 = 1000;

#[derive(Serialize)]
struct Header<'a> {
    batch_id: i64,
    status: &'static str,
    refusal: Option<&'a str>,
    record_type: &'a str,
    source: &'a str,
    file_name: &'a str,
    format: &'static str,
    encoding: Option<&'a str>,
    generation: Option<&'a str>,
    rows: i64,
    accepted: i64,
    rejected: i64,
    duplicates: i64,
    new_versions: i64,
    new_subjects: i64,
    flagged: i64,
    unknown_headers: &'a [String],
    created_at: String,
}

/// One problem as the report lists it.
#[derive(Debug, Serialize)]
pub struct IssueView<'a> {
    /// Row number in the file (header = 1).
    pub row: i64,
    /// The column as the file names it.
    pub field: &'a str,
    /// Stable problem code.
    pub code: &'a str,
    /// Chinese message.
    pub message: &'a str,
}

impl<'a> From<&'a RowIssue> for IssueView<'a> {
    fn from(issue: &'a RowIssue) -> Self {
        Self {
            row: issue.row_no,
            field: &issue.field,
            code: &issue.code,
            message: &issue.message,
        }
    }
}

/// Calls `each` for every issue of `severity`, in row order.
pub async fn for_each_issue(
    store: &dyn Store,
    batch_id: i64,
    severity: IssueSeverity,
    mut each: impl FnMut(&RowIssue) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let mut page = PageRequest::first(PAGE);
    loop {
        let issues = store.batch_issues(batch_id, &page).await?;
        for issue in issues.items.iter().filter(|issue| issue.severity == severity) {
            each(issue)?;
        }
        match issues.next {
            Some(next) => {
                page = PageRequest {
                    after: Some(next),
                    limit: PAGE,
                }
            }
            None => return Ok(()),
        }
    }
}

/// Writes the batch report as one JSON object:
/// `{batch_id, status, rows, accepted, rejected, duplicates, …, errors: [{row, field, code, message}], warnings: […]}`.
pub async fn write_json(store: &dyn Store, batch: &Batch, out: &mut (impl Write + Send)) -> Result<(), IngestError> {
    let header = Header {
        batch_id: batch.id,
        status: batch.status.code(),
        refusal: batch.refusal.as_deref(),
        record_type: &batch.new.record_type,
        source: &batch.new.source,
        file_name: &batch.new.file_name,
        format: batch.new.format.code(),
        encoding: batch.new.encoding.as_deref(),
        generation: batch.new.generation.as_deref(),
        rows: batch.summary.n_rows,
        accepted: batch.summary.n_accepted,
        rejected: batch.summary.n_rejected,
        duplicates: batch.summary.n_duplicates,
        new_versions: batch.summary.n_new_versions,
        new_subjects: batch.summary.n_new_subjects,
        flagged: batch.summary.n_flagged,
        unknown_headers: &batch.summary.unknown_headers,
        created_at: batch.created_at.to_rfc3339(),
    };
    let head = serde_json::to_string(&header).map_err(IngestError::writing_json)?;
    // Open the object and leave it open for the two streamed arrays.
    out.write_all(&head.as_bytes()[..head.len() - 1])?;
    for (name, severity) in [("errors", IssueSeverity::Error), ("warnings", IssueSeverity::Warning)] {
        write!(out, ",\"{name}\":[")?;
        let mut first = true;
        for_each_issue(store, batch.id, severity, |issue| {
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            serde_json::to_writer(&mut *out, &IssueView::from(issue)).map_err(IngestError::writing_json)
        })
        .await?;
        out.write_all(b"]")?;
    }
    out.write_all(b"}\n")?;
    Ok(())
}

/// A short Chinese summary for people: counts, and the refusal if any.
pub fn summary_text(batch: &Batch) -> String {
    let s = &batch.summary;
    match batch.status {
        BatchStatus::Refused => {
            format!(
                "批次 {}：文件“{}”未导入。原因：{}",
                batch.id,
                batch.new.file_name,
                batch.refusal.as_deref().unwrap_or("")
            )
        }
        BatchStatus::Applied => {
            let mut text = format!(
                "批次 {}：共 {} 行，接受 {} 行（其中更正 {} 行），拒绝 {} 行，重复 {} 行；新增主体 {} 个",
                batch.id, s.n_rows, s.n_accepted, s.n_new_versions, s.n_rejected, s.n_duplicates, s.n_new_subjects
            );
            if s.n_flagged > 0 {
                text.push_str(&format!("；{} 行的名称与已有主体不一致，已提交复核", s.n_flagged));
            }
            if !s.unknown_headers.is_empty() {
                text.push_str(&format!("；未识别的列（已忽略）：{}", s.unknown_headers.join("、")));
            }
            text
        }
    }
}
