//! XLSX workbooks: the first sheet, streamed cell by cell on a thread of
//! its own (the cell reader borrows the workbook). Date cells become ISO
//! dates, whole numbers lose their `.0`, errors keep their Excel text.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::mpsc;

use calamine::{DataRef, Reader, Xlsx};
use xinyong_store::BatchFormat;

use super::{Counting, Progress, RawRow, ReadError, Table, column_label, is_blank, is_header};

/// Columns read of each row. Cells beyond the header (up to this) are kept,
/// so that a row with content where no item is gets refused rather than
/// stored without it; a row is never held wider than this.
const MAX_COLUMNS: usize = 1024;

enum Message {
    Header(Vec<String>),
    Row(RawRow),
    Failed(ReadError),
}

pub(super) fn open(path: &Path, progress: &Progress) -> Result<Table, ReadError> {
    let file = File::open(path)?;
    let reader = BufReader::new(Counting {
        inner: file,
        progress: progress.clone(),
    });
    let workbook: Xlsx<_> =
        Xlsx::new(reader).map_err(|e| ReadError::Unreadable(format!("Excel文件已损坏或不是XLSX格式：{e}")))?;
    let (sender, receiver) = mpsc::sync_channel::<Message>(1024);
    std::thread::Builder::new()
        .name("xlsx-reader".into())
        .spawn(move || {
            if let Err(error) = stream(workbook, &sender) {
                let _ = sender.send(Message::Failed(error));
            }
        })
        .map_err(ReadError::Io)?;
    let headers = match receiver.recv() {
        Ok(Message::Header(headers)) => headers,
        Ok(Message::Failed(error)) => return Err(error),
        Ok(Message::Row(_)) | Err(_) => return Err(ReadError::NoHeader),
    };
    let rows = receiver.into_iter().map(|message| match message {
        Message::Row(row) => Ok(row),
        Message::Failed(error) => Err(error),
        Message::Header(_) => Err(ReadError::Unreadable("表头重复出现".into())),
    });
    Ok(Table {
        headers,
        format: BatchFormat::Xlsx,
        encoding: None,
        rows: Box::new(rows),
    })
}

fn stream(mut workbook: Xlsx<BufReader<Counting<File>>>, sender: &mpsc::SyncSender<Message>) -> Result<(), ReadError> {
    let names = workbook.sheet_names();
    let sheet = names.first().cloned().ok_or(ReadError::Empty)?;
    let more_sheets = names.len() > 1;
    let mut cells = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(|e| ReadError::Unreadable(format!("无法读取工作表“{sheet}”：{e}")))?;
    // The header row once found (its width bounds nothing: cells beyond it
    // are kept, see MAX_COLUMNS).
    let mut header: Option<Vec<String>> = None;
    let mut current: Option<Pending> = None;
    let emit = |row: Pending, header: &mut Option<Vec<String>>| -> bool {
        let Pending {
            row_idx,
            mut values,
            rounded,
            beyond,
        } = row;
        let Some(headers) = header else {
            if is_header(&values) {
                *header = Some(values.clone());
                return sender.send(Message::Header(values)).is_ok();
            }
            return true;
        };
        if values.len() < headers.len() {
            values.resize(headers.len(), String::new());
        }
        if is_blank(&values) {
            return true;
        }
        let too_wide = beyond.then(|| {
            format!("该行第{MAX_COLUMNS}列之后还有内容：平台只读取每行的前{MAX_COLUMNS}列，请删除或移到表内后重新上传")
        });
        let problem = too_wide.or_else(|| {
            rounded.first().map(|&col| {
                let which = column_label(headers, col);
                format!(
                    "{which}的单元格被Excel存成了数字，超过15位的数字末尾几位已经丢失（身份证号码、证件号码常见）：\
                 请把该列设置为“文本”格式，重新填写后上传"
                )
            })
        });
        sender
            .send(Message::Row(RawRow {
                row_no: i64::from(row_idx) + 1,
                cells: values,
                problem,
                unparsed: None,
            }))
            .is_ok()
    };
    loop {
        let next = cells
            .next_cell()
            .map_err(|e| ReadError::Unreadable(format!("工作表内容无法解析：{e}")))?;
        let Some(cell) = next else { break };
        let (row_idx, col_idx) = cell.get_position();
        if current.as_ref().is_some_and(|row| row.row_idx != row_idx)
            && let Some(done) = current.take()
            && !emit(done, &mut header)
        {
            // The importer stopped listening: nothing more to do.
            return Ok(());
        }
        let row = current.get_or_insert_with(|| Pending {
            row_idx,
            values: Vec::new(),
            rounded: Vec::new(),
            beyond: false,
        });
        let col_idx = col_idx as usize;
        if col_idx >= MAX_COLUMNS {
            row.beyond |= !text_of(cell.get_value()).trim().is_empty();
        } else {
            if row.values.len() <= col_idx {
                row.values.resize(col_idx + 1, String::new());
            }
            let value = cell.get_value();
            if is_rounded(value) {
                row.rounded.push(col_idx);
            }
            row.values[col_idx] = text_of(value);
        }
    }
    if let Some(row) = current.take() {
        emit(row, &mut header);
    }
    if header.is_none() {
        // A workbook with an instructions sheet first: say which sheet was read.
        return Err(if more_sheets {
            ReadError::NoHeaderInFirstSheet(sheet)
        } else {
            ReadError::NoHeader
        });
    }
    Ok(())
}

/// A row being gathered cell by cell.
struct Pending {
    row_idx: u32,
    values: Vec<String>,
    /// Columns holding a number too long for Excel to keep whole.
    rounded: Vec<usize>,
    /// Content past the columns read: the row is refused, not cut.
    beyond: bool,
}

/// A whole number Excel stored with more digits than a double keeps (15
/// significant): an ID number typed into a cell formatted as a number
/// comes back with its last digits changed, so its text cannot be trusted.
fn is_rounded(value: &DataRef<'_>) -> bool {
    matches!(value, DataRef::Float(number) if number.fract() == 0.0 && number.abs() >= 1e15)
}

/// A cell's text as a clerk sees it.
fn text_of(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text.clone(),
        DataRef::SharedString(text) => (*text).to_owned(),
        DataRef::Int(number) => number.to_string(),
        DataRef::Float(number) if number.fract() == 0.0 && number.abs() < 1e15 => format!("{number:.0}"),
        DataRef::Float(number) => number.to_string(),
        DataRef::Bool(flag) => flag.to_string(),
        DataRef::DateTime(date) if date.is_datetime() => {
            let (year, month, day, ..) = date.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02}")
        }
        DataRef::DateTime(date) => date.as_f64().to_string(),
        DataRef::Error(error) => error.to_string(),
    }
}
