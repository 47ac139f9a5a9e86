//! Reading department files as tables: a header row, then data rows with
//! the file's own row numbers.
//!
//! CSV (UTF-8 with or without BOM, GBK/GB18030 detected, UTF-16 with BOM),
//! XLSX (first sheet, streamed) and JSON Lines. Every reader streams, so
//! memory stays flat however large the file; a malformed row becomes a row
//! with a problem, never a panic.

mod csv;
mod encoding;
mod jsonl;
mod xlsx;

use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use encoding::TextEncoding;
use xinyong_store::BatchFormat;

/// One data row as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// The row's number in the file (header = 1): CSV record, sheet row, or line.
    pub row_no: i64,
    /// The cells, in header order.
    pub cells: Vec<String>,
    /// A problem with the row as a whole (malformed JSON, an over-long row).
    pub problem: Option<String>,
    /// The text of a line that could not be parsed into cells (JSON Lines).
    pub unparsed: Option<String>,
}

/// Why a file cannot be read as a table at all; the file is refused whole.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file has no content.
    #[error("文件为空")]
    Empty,
    /// No header row could be found.
    #[error("未找到表头行：文件的第一行应为数据项名称")]
    NoHeader,
    /// No header row in the first sheet of a workbook that has others.
    #[error("第一个工作表“{0}”中未找到表头行：平台只读取工作簿的第一个工作表，请把数据表移到第一个工作表后重新上传")]
    NoHeaderInFirstSheet(String),
    /// A structure the reader cannot parse (a corrupt workbook, a binary file).
    #[error("无法读取文件：{0}")]
    Unreadable(String),
    /// The operating system failed to read the file.
    #[error("读取文件失败：{0}")]
    Io(#[from] io::Error),
}

/// A table being read.
pub struct Table {
    /// The header row.
    pub headers: Vec<String>,
    /// The file format.
    pub format: BatchFormat,
    /// The text encoding, for text formats.
    pub encoding: Option<TextEncoding>,
    /// The data rows.
    pub rows: Box<dyn Iterator<Item = Result<RawRow, ReadError>> + Send>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("headers", &self.headers)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// Bytes read so far, for progress bars.
#[derive(Debug, Clone, Default)]
pub struct Progress(Arc<AtomicU64>);

impl Progress {
    /// Bytes of the file read so far.
    pub fn bytes_read(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Counts the bytes that pass through it.
pub(crate) struct Counting<R> {
    inner: R,
    progress: Progress,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.0.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: io::Seek> io::Seek for Counting<R> {
    fn seek(&mut self, position: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(position)
    }
}

/// A row longer than this is rejected rather than held in memory.
pub(crate) const MAX_ROW_BYTES: usize = 1 << 20;

/// Which format a file is in: by its first bytes (a ZIP container is an
/// XLSX workbook, a `{` a JSON Lines file), then by its extension.
pub fn detect_format(path: &Path) -> Result<BatchFormat, ReadError> {
    let mut head = [0u8; 64];
    let mut file = std::fs::File::open(path)?;
    let n = read_up_to(&mut file, &mut head)?;
    if n == 0 {
        return Err(ReadError::Empty);
    }
    let head = &head[..n];
    if head.starts_with(b"PK\x03\x04") {
        return Ok(BatchFormat::Xlsx);
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let first = head
        .iter()
        .find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF));
    if matches!(extension.as_str(), "jsonl" | "ndjson") || first == Some(&b'{') {
        return Ok(BatchFormat::JsonLines);
    }
    Ok(BatchFormat::Csv)
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Opens `path` as a table in `format`.
pub fn open(path: &Path, format: BatchFormat, progress: &Progress) -> Result<Table, ReadError> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Err(ReadError::Empty);
    }
    let counting = Counting {
        inner: file,
        progress: progress.clone(),
    };
    let table = match format {
        BatchFormat::Csv => csv::open(counting),
        BatchFormat::JsonLines => jsonl::open(std::fs::File::open(path)?, counting),
        BatchFormat::Xlsx => xlsx::open(path, progress),
    }?;
    Ok(table.without_nul())
}

impl Table {
    /// No department means a NUL character, and PostgreSQL cannot store one
    /// in text: each becomes U+FFFD, which row validation reports as an
    /// encoding problem of its item (and which no header matches).
    fn without_nul(self) -> Self {
        let rows = self.rows.map(|row| {
            row.map(|mut row| {
                row.cells.iter_mut().for_each(replace_nul);
                row
            })
        });
        let mut headers = self.headers;
        headers.iter_mut().for_each(replace_nul);
        Self {
            headers,
            format: self.format,
            encoding: self.encoding,
            rows: Box::new(rows),
        }
    }
}

fn replace_nul(text: &mut String) {
    if text.contains('\0') {
        *text = text.replace('\0', "\u{FFFD}");
    }
}

/// A cell's text as a stored message quotes it: its first `chars`
/// characters (and `…` if there were more), with identifiers masked, since
/// messages are kept and shown in clear.
pub(crate) fn quoted_in_message(text: &str, chars: usize) -> String {
    let masked = xinyong_domain::id::mask_embedded_identifiers(text);
    let mut quoted: String = masked.chars().take(chars).collect();
    if masked.chars().count() > chars {
        quoted.push('…');
    }
    quoted
}

/// How a message names a column: by its header, or by its position when it
/// has none (or lies beyond the header).
pub(crate) fn column_label(headers: &[String], column: usize) -> String {
    match headers.get(column).map(|h| h.trim()).filter(|h| !h.is_empty()) {
        Some(header) => format!("“{header}”列"),
        None => format!("第{}列", column + 1),
    }
}

/// What was read as the header of a file whose header matched nothing, for
/// the refusal: a clerk sees whether the first row is data, another table,
/// or garbled text from a file saved in an encoding the platform cannot
/// tell apart (Big5 or Shift-JIS read as GBK, say). A first row of data can
/// hold a person's ID number, so identifiers in it are masked.
pub fn header_as_read(headers: &[String], encoding: Option<TextEncoding>) -> String {
    /// Cells quoted, and characters of each.
    const CELLS: usize = 3;
    const CHARS: usize = 16;
    let quoted: Vec<String> = headers
        .iter()
        .map(|h| h.trim())
        .filter(|h| !h.is_empty())
        .take(CELLS)
        .map(|h| format!("“{}”", quoted_in_message(h, CHARS)))
        .collect();
    let mut hint = format!("。第一行读到的是{}", quoted.join("、"));
    if headers.iter().filter(|h| !h.trim().is_empty()).count() > CELLS {
        hint.push('等');
    }
    if let Some(encoding) = encoding.filter(|e| *e != TextEncoding::Utf8) {
        hint.push_str(&format!(
            "（按{encoding}编码读取；如显示为乱码，请将文件另存为UTF-8或GBK编码的CSV后重新上传）"
        ));
    }
    hint
}

/// Whether a row holds nothing but blanks (skipped, as spreadsheets leave them).
pub(crate) fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|cell| cell.trim().is_empty())
}

/// A header row holds at least two non-empty cells; rows above it (a title
/// such as "行政处罚信息表" in a merged cell) are skipped.
pub(crate) fn is_header(cells: &[String]) -> bool {
    cells.iter().filter(|cell| !cell.trim().is_empty()).count() >= 2
}
