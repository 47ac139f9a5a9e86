//! Writing a batch's rejected rows back in the format they were uploaded
//! in, with an added 错误原因 column, ready to fix and upload again. The
//! rows hold the uploaded cells in clear (identifiers included), so the
//! file is created readable by its owner only.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use xinyong_crypto::{Keys, create_private_file};
use xinyong_store::{Batch, BatchFormat, IssueSeverity, PageRequest, RowIssue, Store};

use crate::IngestError;
use crate::read::TextEncoding;

/// The column of reasons added to each row (known to the importer, so a
/// fixed file can go back as it is).
pub use xinyong_domain::catalog::REASON_HEADER;

/// The key under which a JSON Lines row that could not be parsed is written back.
pub const UNPARSED_KEY: &str = "原始内容";

const PAGE: u32 = 500;

/// A rejected row with its reasons.
struct RejectedRow {
    cells: Vec<String>,
    /// A JSON line that could not be parsed.
    unparsed: Option<String>,
    /// Cells a table row had beyond the header, written after the reasons
    /// so that the 错误原因 column stays under its header.
    stray: Vec<String>,
    reasons: String,
}

/// Writes the rejected rows of `batch` to `path`; returns how many.
pub async fn write_rejected(store: &dyn Store, keys: &Keys, batch: &Batch, path: &Path) -> Result<u64, IngestError> {
    let mut writer = Writer::create(batch, path)?;
    let n_headers = batch.new.headers.len();
    let mut errors = ErrorPages::new(batch.id);
    let mut page = PageRequest::first(PAGE);
    let mut n_rows = 0;
    loop {
        let rejections = store.batch_rejections(batch.id, &page).await?;
        for (row_no, sealed) in &rejections.items {
            let json = keys.open(sealed)?;
            let mut cells: Vec<String> =
                serde_json::from_slice(&json).map_err(|e| IngestError::Internal(format!("sealed row: {e}")))?;
            // Beyond the header: a JSON line's text, or a table row's stray cells.
            let beyond = if cells.len() > n_headers {
                cells.split_off(n_headers)
            } else {
                Vec::new()
            };
            let (unparsed, stray) = match batch.new.format {
                BatchFormat::JsonLines => (beyond.into_iter().next(), Vec::new()),
                BatchFormat::Csv | BatchFormat::Xlsx => (None, beyond),
            };
            cells.resize(n_headers, String::new());
            let reasons = errors.reasons_for(store, *row_no).await?;
            writer.write(&RejectedRow {
                cells,
                unparsed,
                stray,
                reasons,
            })?;
            n_rows += 1;
        }
        match rejections.next {
            Some(next) => {
                page = PageRequest {
                    after: Some(next),
                    limit: PAGE,
                }
            }
            None => break,
        }
    }
    writer.finish()?;
    Ok(n_rows)
}

/// Walks the batch's error issues in row order alongside the rejected rows.
struct ErrorPages {
    batch_id: i64,
    buffered: std::collections::VecDeque<RowIssue>,
    next: Option<PageRequest>,
}

impl ErrorPages {
    fn new(batch_id: i64) -> Self {
        Self {
            batch_id,
            buffered: Default::default(),
            next: Some(PageRequest::first(PAGE)),
        }
    }

    /// The messages of row `row_no`, joined; rows are asked for in ascending order.
    async fn reasons_for(&mut self, store: &dyn Store, row_no: i64) -> Result<String, IngestError> {
        let mut reasons = Vec::new();
        loop {
            while let Some(issue) = self.buffered.front() {
                if issue.row_no > row_no {
                    return Ok(reasons.join("；"));
                }
                let issue = self.buffered.pop_front().expect("front exists");
                if issue.row_no == row_no {
                    reasons.push(issue.message);
                }
            }
            let Some(page) = self.next.take() else {
                return Ok(reasons.join("；"));
            };
            let issues = store.batch_issues(self.batch_id, &page).await?;
            self.buffered
                .extend(issues.items.into_iter().filter(|i| i.severity == IssueSeverity::Error));
            self.next = issues.next.map(|after| PageRequest {
                after: Some(after),
                limit: PAGE,
            });
        }
    }
}

enum Writer {
    Csv {
        out: BufWriter<File>,
        encoding: TextEncoding,
    },
    Jsonl {
        out: BufWriter<File>,
        headers: Vec<String>,
    },
    Xlsx {
        workbook: Box<rust_xlsxwriter::Workbook>,
        path: std::path::PathBuf,
        next_row: u32,
    },
}

fn xlsx_error(error: rust_xlsxwriter::XlsxError) -> IngestError {
    IngestError::Internal(format!("writing the workbook: {error}"))
}

impl Writer {
    fn create(batch: &Batch, path: &Path) -> Result<Self, IngestError> {
        let mut headers = batch.new.headers.clone();
        headers.push(REASON_HEADER.to_owned());
        match batch.new.format {
            BatchFormat::Csv => {
                // GBK files go back as GBK; UTF-8 (and UTF-16, which cannot be
                // encoded here) as UTF-8 with a BOM so that Excel reads it.
                let encoding = match batch.new.encoding.as_deref().and_then(TextEncoding::from_name) {
                    Some(TextEncoding::Gb18030) => TextEncoding::Gb18030,
                    _ => TextEncoding::Utf8,
                };
                let mut out = BufWriter::new(create_private_file(path)?);
                if encoding == TextEncoding::Utf8 {
                    out.write_all(&[0xEF, 0xBB, 0xBF])?;
                }
                let mut writer = Self::Csv { out, encoding };
                writer.csv_line(&headers)?;
                Ok(writer)
            }
            BatchFormat::JsonLines => Ok(Self::Jsonl {
                out: BufWriter::new(create_private_file(path)?),
                headers: batch.new.headers.clone(),
            }),
            BatchFormat::Xlsx => {
                let mut workbook = Box::new(rust_xlsxwriter::Workbook::new());
                let sheet = workbook.add_worksheet_with_constant_memory().map_err(xlsx_error)?;
                for (col, header) in headers.iter().enumerate() {
                    sheet.write_string(0, col as u16, header).map_err(xlsx_error)?;
                }
                Ok(Self::Xlsx {
                    workbook,
                    path: path.to_owned(),
                    next_row: 1,
                })
            }
        }
    }

    fn csv_line(&mut self, cells: &[String]) -> Result<(), IngestError> {
        let Self::Csv { out, encoding } = self else {
            return Ok(());
        };
        let mut line = Vec::new();
        {
            let mut csv = ::csv::WriterBuilder::new().from_writer(&mut line);
            csv.write_record(cells.iter().map(|cell| defuse_formula(cell).into_owned()))
                .map_err(|e| IngestError::Internal(e.to_string()))?;
            csv.flush()?;
        }
        let text = String::from_utf8_lossy(&line);
        let (bytes, _, _) = encoding.encoding().encode(&text);
        out.write_all(&bytes)?;
        Ok(())
    }

    fn write(&mut self, row: &RejectedRow) -> Result<(), IngestError> {
        match self {
            Self::Csv { .. } => {
                let mut cells = row.cells.clone();
                if let Some(text) = &row.unparsed {
                    cells.push(text.clone());
                }
                cells.push(row.reasons.clone());
                cells.extend(row.stray.iter().cloned());
                self.csv_line(&cells)
            }
            Self::Jsonl { out, headers } => {
                let mut object = serde_json::Map::new();
                match &row.unparsed {
                    Some(text) => {
                        object.insert(UNPARSED_KEY.to_owned(), text.clone().into());
                    }
                    None => {
                        for (header, cell) in headers.iter().zip(&row.cells) {
                            object.insert(header.clone(), cell.clone().into());
                        }
                    }
                }
                object.insert(REASON_HEADER.to_owned(), row.reasons.clone().into());
                serde_json::to_writer(&mut *out, &object).map_err(IngestError::writing_json)?;
                out.write_all(b"\n")?;
                Ok(())
            }
            Self::Xlsx { workbook, next_row, .. } => {
                let sheet = workbook.worksheet_from_index(0).map_err(xlsx_error)?;
                let reason_col = row.cells.len() as u16;
                for (col, cell) in row.cells.iter().enumerate() {
                    sheet.write_string(*next_row, col as u16, cell).map_err(xlsx_error)?;
                }
                sheet
                    .write_string(*next_row, reason_col, &row.reasons)
                    .map_err(xlsx_error)?;
                for (offset, cell) in row.stray.iter().enumerate() {
                    let col = reason_col as usize + 1 + offset;
                    // A sheet has 16,384 columns; the reader keeps no more than that.
                    let Ok(col) = u16::try_from(col) else { break };
                    sheet.write_string(*next_row, col, cell).map_err(xlsx_error)?;
                }
                *next_row += 1;
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<(), IngestError> {
        match self {
            Self::Csv { mut out, .. } | Self::Jsonl { mut out, .. } => Ok(out.flush()?),
            Self::Xlsx { mut workbook, path, .. } => {
                let file = create_private_file(&path)?;
                workbook.save_to_writer(&file).map_err(xlsx_error)
            }
        }
    }
}

/// A cell a spreadsheet would run as a formula (`=HYPERLINK(…)`, `@SUM(…)`,
/// `-1+2`) is written with a leading `'`, which spreadsheets show as text:
/// the file goes back to a department's desktop, and its cells came from
/// outside. Plain signed numbers (`-5`, `+0.5`) are left alone.
fn defuse_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    let mut chars = cell.chars();
    let risky = match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => {
            let rest = chars.as_str();
            rest.is_empty() || !rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        }
        _ => false,
    };
    if risky && cell != "-" {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::defuse_formula;

    #[test]
    fn formulas_are_written_as_text() {
        for (cell, written) in [
            ("=1+2", "'=1+2"),
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-1+2", "'-1+2"),
            ("+cmd", "'+cmd"),
            ("-5", "-5"),
            ("+0.5", "+0.5"),
            ("-", "-"),
            ("淮市监罚〔2026〕1号", "淮市监罚〔2026〕1号"),
            ("", ""),
        ] {
            assert_eq!(defuse_formula(cell), written, "{cell}");
        }
    }
}
