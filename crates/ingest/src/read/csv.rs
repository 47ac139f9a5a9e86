//! CSV files: encoding detected from the first bytes, comma or tab
//! delimited (whichever the header line uses), ragged rows allowed.

use std::io::{BufRead, BufReader, Read};

use encoding_rs_io::DecodeReaderBytesBuilder;
use xinyong_store::BatchFormat;

use super::encoding::{TextEncoding, detect};
use super::{MAX_ROW_BYTES, RawRow, ReadError, Table, is_blank, is_header};

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
    let mut records = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(SAMPLE_BYTES)
        .from_reader(text)
        .into_byte_records();

    let (headers, header_row) = loop {
        match records.next() {
            None => return Err(ReadError::NoHeader),
            Some(Err(error)) => return Err(ReadError::Unreadable(error.to_string())),
            Some(Ok(record)) => {
                let cells = cells_of(&record);
                if is_header(&cells) {
                    break (cells, line_of(&record));
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
            // The line the record starts on; records ended by a bare CR
            // (old Mac exports) share a line, so each is at least one more.
            let row_no = line_of(&record).max(last_row + 1);
            last_row = row_no;
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
            let problem = swallowed_rows(row_no, &cells, &header_names, delimiter);
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
    // The last line taken; a file's final line break ends the file, not a row.
    let last_row = row_no
        + cells
            .iter()
            .map(|cell| cell.trim_end_matches(['\r', '\n']).matches('\n').count() as i64)
            .sum::<i64>();
    let header = headers[column].trim();
    let which = if header.is_empty() {
        format!("第{}列", column + 1)
    } else {
        format!("“{header}”列")
    };
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

/// The line a record starts on (1-based).
fn line_of(record: &::csv::ByteRecord) -> i64 {
    record.position().map_or(0, |p| p.line() as i64)
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
