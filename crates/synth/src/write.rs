//! Writing generated rows to a file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::Datelike;

use crate::Spec;

/// File formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values.
    Csv,
    /// Excel workbook.
    Xlsx,
    /// One JSON object per line, keys are the headers.
    JsonLines,
}

/// Text encodings for CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without BOM.
    Utf8,
    /// UTF-8 with BOM, as Excel writes it.
    Utf8Bom,
    /// GBK, as many Chinese government systems export.
    Gbk,
}

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The file system refused.
    #[error("写入失败")]
    Io(#[from] std::io::Error),
    /// Writing the workbook failed.
    #[error("无法写出工作簿：{0}")]
    Xlsx(String),
}

/// Writes the spec's rows to `path`; returns the number of data rows.
/// Dates in XLSX files are real date cells, as spreadsheets hold them.
pub fn write(spec: &Spec, format: Format, encoding: Encoding, path: &Path) -> Result<u64, SynthError> {
    match format {
        Format::Csv => write_csv(spec, encoding, path),
        Format::JsonLines => write_jsonl(spec, path),
        Format::Xlsx => write_xlsx(spec, path),
    }
}

fn write_csv(spec: &Spec, encoding: Encoding, path: &Path) -> Result<u64, SynthError> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    if encoding == Encoding::Utf8Bom {
        out.write_all(&[0xEF, 0xBB, 0xBF])?;
    }
    let mut line = Vec::with_capacity(4096);
    let mut emit = |cells: &[&str], out: &mut BufWriter<File>| -> Result<(), SynthError> {
        line.clear();
        {
            let mut csv = csv::Writer::from_writer(&mut line);
            csv.write_record(cells)
                .map_err(|e| SynthError::Io(std::io::Error::other(e)))?;
            csv.flush()?;
        }
        match encoding {
            Encoding::Gbk => {
                let text = String::from_utf8_lossy(&line);
                out.write_all(&encoding_rs::GBK.encode(&text).0)?;
            }
            Encoding::Utf8 | Encoding::Utf8Bom => out.write_all(&line)?,
        }
        Ok(())
    };
    emit(&spec.headers(), &mut out)?;
    let mut n_rows = 0;
    for row in spec.rows() {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        emit(&cells, &mut out)?;
        n_rows += 1;
    }
    out.flush()?;
    Ok(n_rows)
}

fn write_jsonl(spec: &Spec, path: &Path) -> Result<u64, SynthError> {
    let mut out = BufWriter::new(File::create(path)?);
    let headers = spec.headers();
    let mut n_rows = 0;
    for row in spec.rows() {
        let object: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .zip(row)
            .filter(|(_, value)| !value.is_empty())
            .map(|(header, value)| ((*header).to_owned(), value.into()))
            .collect();
        serde_json::to_writer(&mut out, &object).map_err(|e| SynthError::Io(std::io::Error::other(e)))?;
        out.write_all(b"\n")?;
        n_rows += 1;
    }
    out.flush()?;
    Ok(n_rows)
}

fn write_xlsx(spec: &Spec, path: &Path) -> Result<u64, SynthError> {
    let xlsx = |e: rust_xlsxwriter::XlsxError| SynthError::Xlsx(e.to_string());
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let sheet = workbook.add_worksheet_with_constant_memory().map_err(xlsx)?;
    let headers = spec.headers();
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(0, col as u16, *header).map_err(xlsx)?;
    }
    let date_columns: Vec<bool> = headers
        .iter()
        .map(|h| h.contains("日期") || h.contains("有效期") || h.contains("截止期"))
        .collect();
    let mut n_rows = 0;
    for (row_idx, row) in spec.rows().enumerate() {
        let sheet_row = row_idx as u32 + 1;
        for (col, value) in row.iter().enumerate() {
            let date = date_columns[col].then(|| xinyong_domain::date::parse(value)).flatten();
            match date {
                Some(date) => {
                    let cell = rust_xlsxwriter::ExcelDateTime::from_ymd(
                        date.year() as u16,
                        date.month() as u8,
                        date.day() as u8,
                    )
                    .map_err(xlsx)?;
                    sheet
                        .write_datetime_with_format(sheet_row, col as u16, &cell, &date_format)
                        .map_err(xlsx)?;
                }
                None if !value.is_empty() => {
                    sheet.write_string(sheet_row, col as u16, value).map_err(xlsx)?;
                }
                None => {}
            }
        }
        n_rows += 1;
    }
    workbook.save(path).map_err(xlsx)?;
    Ok(n_rows)
}
