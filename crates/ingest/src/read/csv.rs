//! CSV files: encoding detected from the first bytes, comma or tab
//! delimited (whichever the header line uses), ragged rows allowed.

use std::io::{BufRead, BufReader, Read};

use encoding_rs_io::DecodeReaderBytesBuilder;
use xinyong_store::BatchFormat;

use super::encoding::{TextEncoding, detect};
use super::{MAX_ROW_BYTES, RawRow, ReadError, Table, column_label, is_blank, is_header};

/// Bytes looked at to detect the encoding and the delimiter.
const SAMPLE_BYTES: usize = 64 * 1024;

pub(super) fn open<R: Read + Send + 'static>(reader: R) -> Result<Table, ReadError> {
    let mut buffered = BufReader::with_capacity(SAMPLE_BYTES * 4, reader);
    let sample = buffered.fill_buf()?.to_vec();
    if sample.is_empty() {
        return Err(ReadError::Empty);
    }
    let encoding = detect(&sample);
    let delimiter = delimiter(&encoding.encoding().decode_without_bom_handling(&sample).0);
    let text: Box<dyn Read + Send> = match encoding {
        TextEncoding::Utf8 => {
            if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
                buffered.consume(3);
            }
            Box::new(buffered)
        }
        other => Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(other.encoding()))
                .build(buffered),
        ),
    };
    let (text, line_starts) = LineStarts::new(text);
    let mut records = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(SAMPLE_BYTES)
        .from_reader(text)
        .into_byte_records();
    let line_of = move |record: &::csv::ByteRecord| line_starts.line_at(record);

    // Line breaks inside quoted cells so far: a spreadsheet shows such a
    // cell on one row, so the rows after it are numbered that much lower
    // than their line in the file.
    let mut breaks_in_cells = 0;
    let (headers, header_row) = loop {
        match records.next() {
            None => return Err(ReadError::NoHeader),
            Some(Err(error)) => return Err(ReadError::Unreadable(error.to_string())),
            Some(Ok(record)) => {
                let cells = cells_of(&record);
                let row = line_of(&record) - breaks_in_cells;
                breaks_in_cells += line_breaks(record.as_slice());
                if is_header(&cells) {
                    break (cells, row);
                }
            }
        }
    };
    let n_columns = headers.len();
    let header_names = headers.clone();
    let mut last_row = header_row;
    let rows = records.filter_map(move |record| match record {
        Err(error) => match error.kind() {
            ::csv::ErrorKind::Io(_) => Some(Err(ReadError::Unreadable(error.to_string()))),
            _ => Some(Err(ReadError::Unreadable(format!("CSV格式错误：{error}")))),
        },
        Ok(record) => {
            // The line the record starts on; row numbers only ever grow,
            // whatever the line ends, so no two rows share one.
            let row_no = (line_of(&record) - breaks_in_cells).max(last_row + 1);
            last_row = row_no;
            // The record's fields laid end to end: its line breaks are its cells'.
            let breaks = line_breaks(record.as_slice());
            breaks_in_cells += breaks;
            if record.as_slice().len() > MAX_ROW_BYTES {
                let problem = Some(format!("该行长度超过{}字节，无法处理", MAX_ROW_BYTES));
                return Some(Ok(RawRow {
                    row_no,
                    cells: vec![String::new(); n_columns],
                    problem,
                    unparsed: None,
                }));
            }
            let cells = cells_of(&record);
            if is_blank(&cells) {
                return None;
            }
            // Only a cell with a line break can have swallowed rows.
            let problem = (breaks > 0)
                .then(|| swallowed_rows(row_no, &cells, &header_names, delimiter))
                .flatten();
            Some(Ok(RawRow {
                row_no,
                cells,
                problem,
                unparsed: None,
            }))
        }
    });
    Ok(Table {
        headers,
        format: BatchFormat::Csv,
        encoding: Some(encoding),
        rows: Box::new(rows),
    })
}

/// A quote that opens a cell and is never closed makes the reader take the
/// lines after it, up to the next quote or the end of the file, as that
/// cell's text: whole rows vanish into one. A line break inside a quoted
/// cell is allowed (a 违法事实 of several paragraphs), so the sign taken is
/// a line inside a cell holding at least half a row's delimiters, which
/// prose (written with full-width "，") does not.
fn swallowed_rows(row_no: i64, cells: &[String], headers: &[String], delimiter: u8) -> Option<String> {
    if headers.len() < 4 {
        return None;
    }
    let delimiters_in_a_row = (headers.len() - 1) / 2;
    let column = cells.iter().position(|cell| {
        cell.split('\n')
            .skip(1)
            .any(|line| line.bytes().filter(|b| *b == delimiter).count() >= delimiters_in_a_row)
    })?;
    // The last line taken into that cell; a file's final line break ends
    // the file, not a row.
    let last_row = row_no + line_breaks(cells[column].trim_end_matches(['\r', '\n']).as_bytes());
    // The cell may lie beyond the header (a row wider than it).
    let which = column_label(headers, column);
    let taken = if last_row == row_no + 1 {
        format!("第{last_row}行")
    } else {
        format!("第{}至{last_row}行", row_no + 1)
    };
    Some(format!(
        "{which}的单元格以英文双引号开头，却没有配对的结束引号，{taken}因此被读进了这个单元格，没有作为数据行导入。\
         请补上结束引号或删去该引号，核对这些行后重新上传"
    ))
}

/// Line breaks in `text` as a line counter counts them: CRLF once, a bare
/// CR or LF once each.
fn line_breaks(text: &[u8]) -> i64 {
    let ends = text.iter().filter(|b| matches!(b, b'\n' | b'\r')).count();
    let crlf = text.windows(2).filter(|pair| pair == b"\r\n").count();
    (ends - crlf) as i64
}

/// Where the non-empty lines of the text start, for the row numbers a
/// clerk sees in the spreadsheet. The CSV reader's own line count is taken
/// where it began reading a record, before the empty lines it skips, so
/// every row after an empty line would be numbered one short; and it does
/// not count lines ended by a bare CR (old Mac exports). This wrapper notes
/// the (offset, line) of each non-empty line as the text streams past; a
/// record's line is the first noted at or after the offset the reader
/// began it at. Only lines the reader has buffered but not yet returned
/// are held.
struct LineStarts<R> {
    inner: R,
    offset: u64,
    line: i64,
    at_line_start: bool,
    after_cr: bool,
    starts: LineQueue,
}

#[derive(Clone, Default)]
struct LineQueue(std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<(u64, i64)>>>);

impl<R: Read> LineStarts<R> {
    fn new(inner: R) -> (Self, LineQueue) {
        let starts = LineQueue::default();
        let wrapper = Self {
            inner,
            offset: 0,
            line: 1,
            at_line_start: true,
            after_cr: false,
            starts: starts.clone(),
        };
        (wrapper, starts)
    }
}

impl<R: Read> Read for LineStarts<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut noted = Vec::new();
        for (i, byte) in buf[..n].iter().enumerate() {
            match byte {
                // The LF of a CRLF ends the line its CR already ended.
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.line += 1;
                    self.at_line_start = true;
                    self.after_cr = *byte == b'\r';
                }
                _ => {
                    self.after_cr = false;
                    if self.at_line_start {
                        noted.push((self.offset + i as u64, self.line));
                        self.at_line_start = false;
                    }
                }
            }
        }
        self.offset += n as u64;
        if !noted.is_empty() {
            self.starts.lock().extend(noted);
        }
        Ok(n)
    }
}

impl LineQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::VecDeque<(u64, i64)>> {
        // Nothing that holds the lock can panic halfway.
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The line `record` starts on (1-based); records come in order.
    fn line_at(&self, record: &::csv::ByteRecord) -> i64 {
        let Some(position) = record.position() else { return 0 };
        let mut starts = self.lock();
        while starts.front().is_some_and(|(offset, _)| *offset < position.byte()) {
            starts.pop_front();
        }
        starts.front().map_or(position.line() as i64, |(_, line)| *line)
    }
}

/// The delimiter the first line uses most: comma (the national format),
/// tab (Excel's 文本文件) or semicolon (Excel where the list separator is
/// one); comma on a tie or when none appears.
fn delimiter(sample: &str) -> u8 {
    let first_line = sample.lines().next().unwrap_or_default();
    let count = |d: u8| first_line.bytes().filter(|b| *b == d).count();
    [b'\t', b';']
        .into_iter()
        .fold(b',', |best, d| if count(d) > count(best) { d } else { best })
}

/// Cells as text; bytes that are not valid UTF-8 become U+FFFD, which row
/// validation reports as an encoding problem of that item.
fn cells_of(record: &::csv::ByteRecord) -> Vec<String> {
    record
        .iter()
        .map(|field| String::from_utf8_lossy(field).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::{delimiter, swallowed_rows};

    #[rstest]
    #[case("名称,类别,代码\n", b',')]
    #[case("名称\t类别\t代码\n", b'\t')]
    #[case("名称;类别;代码\n", b';')]
    #[case("名称;类别,代码\n", b',')]
    #[case("名称\n", b',')]
    fn the_header_lines_delimiter_is_used(#[case] sample: &str, #[case] expected: u8) {
        assert_eq!(delimiter(sample), expected);
    }

    fn headers() -> Vec<String> {
        ["名称", "类别", "代码", "事实", "日期"].map(String::from).to_vec()
    }

    #[test]
    fn a_cell_holding_whole_rows_is_reported_with_the_rows_it_took() {
        let cells = [
            "甲公司",
            "法人",
            "X",
            "经查，\n乙公司,法人,Y,经查,2024-01-01\n丙公司,法人,Z,经查,2024-01-02\n",
        ]
        .map(String::from);
        let problem = swallowed_rows(4, &cells, &headers(), b',').unwrap();
        assert!(problem.starts_with("“事实”列的单元格"), "{problem}");
        assert!(problem.contains("第5至6行"), "{problem}");
    }

    #[test]
    fn a_swallowing_cell_beyond_the_header_is_named_by_its_column() {
        let cells = [
            "甲公司",
            "法人",
            "X",
            "经查",
            "2024-01-01",
            "\n乙公司,法人,Y,经查,2024-01-01\n",
        ]
        .map(String::from);
        let problem = swallowed_rows(2, &cells, &headers(), b',').unwrap();
        assert!(problem.starts_with("第6列的单元格"), "{problem}");
        assert!(problem.contains("第3行"), "{problem}");
    }

    #[test]
    fn paragraphs_in_a_quoted_cell_are_text() {
        let cells = [
            "甲公司",
            "法人",
            "X",
            "经查，当事人销售过期食品。\n另查明，其未索证索票, 责令改正。",
            "2024-01-01",
        ]
        .map(String::from);
        assert_eq!(swallowed_rows(2, &cells, &headers(), b','), None);
    }
}
