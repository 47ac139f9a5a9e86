//! Integration tests of ingestion, each on SQLite and (when reachable)
//! PostgreSQL.
//!
//! The helpers below build the files the tests import: hand-written
//! 行政处罚 rows under the Gen-2 headers (a valid organisation row that each
//! test changes cell by cell), valid codes, and writers and readers for
//! CSV (UTF-8 or GBK), XLSX and JSON Lines.
#![expect(clippy::unwrap_used, reason = "tests")]

mod export;
mod formats;
mod idempotence;
mod lists;
mod readers;
mod refusals;
mod subjects;
mod validation;

use std::path::{Path, PathBuf};

use xinyong_domain::id::{CitizenId, OrgCode, Uscc};
use xinyong_store::{IssueSeverity, PageRequest, RecordFilter, RowIssue, Store, StoredRecord, Subject};

/// The department the tests file batches for.
pub const SOURCE: &str = "淮北市市场监督管理局";

/// The Gen-2 行政处罚 headers of the hand-written files.
pub const CF_HEADERS: &[&str] = &[
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额(万元)",
    "处罚决定日期",
    "处罚有效期",
    "公示截止期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
];

/// The organisation of [`penalty_row`].
pub const ORG_NAME: &str = "淮北市鑫源商贸有限公司";
/// Its unified social credit code.
pub const ORG_USCC: &str = "91340000711771143J";

const BASE_ROW: [&str; 20] = [
    ORG_NAME,
    "法人及非法人组织",
    ORG_USCC,
    "张三",
    "",
    "",
    "淮市监罚〔2024〕12号",
    "销售过期食品",
    "经查，当事人销售过期食品。",
    "《中华人民共和国食品安全法》第一百二十四条",
    "罚款",
    "罚款2000元",
    "0.2",
    "2024/1/5",
    "2025-01-05",
    "",
    "淮北市市场监督管理局",
    "11340600003140164U",
    "淮北市市场监督管理局",
    "11340600003140164U",
];

/// A valid 行政处罚 row of [`ORG_NAME`] under [`CF_HEADERS`], with `changes`
/// (header, new cell) applied.
pub fn penalty_row(changes: &[(&str, &str)]) -> Vec<String> {
    let mut row: Vec<String> = BASE_ROW.iter().map(|cell| (*cell).to_owned()).collect();
    for (header, value) in changes {
        row[column(CF_HEADERS, header)] = (*value).to_owned();
    }
    row
}

/// A valid 行政处罚 row of a person (自然人 with a 身份证), with `changes` applied.
pub fn person_row(name: &str, id_number: &str, doc_no: &str, changes: &[(&str, &str)]) -> Vec<String> {
    let mut row = penalty_row(&[
        ("行政相对人名称", name),
        ("行政相对人类别", "自然人"),
        ("统一社会信用代码", ""),
        ("法定代表人", ""),
        ("证件类型", "身份证"),
        ("证件号码", id_number),
        ("行政处罚决定书文号", doc_no),
    ]);
    for (header, value) in changes {
        row[column(CF_HEADERS, header)] = (*value).to_owned();
    }
    row
}

/// Known mistakes put into a clean generated 行政处罚 file (Gen-2 headers):
/// (row index, header, wrong cell), with the error code each gives.
pub const MISTAKES: &[(usize, &str, &str, &str)] = &[
    (1, "行政处罚决定书文号", "", "required"),
    (4, "处罚决定日期", "2024-02-30", "invalid_date"),
    (7, "处罚类别", "罚金", "invalid_enum"),
    (10, "行政相对人名称", "", "required"),
    (13, "处罚决定日期", "2027-03-01", "future_date"),
    (16, "违法事实", "", "required"),
    (16, "处罚依据", "", "required"),
];

/// The indices of the rows [`MISTAKES`] break.
pub fn broken_indices() -> Vec<usize> {
    let mut indices: Vec<usize> = MISTAKES.iter().map(|m| m.0).collect();
    indices.dedup();
    indices
}

/// `rows` with [`MISTAKES`] put in.
pub fn with_mistakes<S: AsRef<str>>(headers: &[S], rows: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut rows = rows.to_vec();
    for (idx, header, cell, _) in MISTAKES {
        rows[*idx][column(headers, header)] = (*cell).to_owned();
    }
    rows
}

/// The position of `header` in `headers`.
pub fn column<S: AsRef<str>>(headers: &[S], header: &str) -> usize {
    headers
        .iter()
        .position(|h| h.as_ref() == header)
        .unwrap_or_else(|| panic!("no column {header}"))
}

/// A valid unified social credit code (`prefix` `91` for a company, `92`
/// for a 个体工商户) registered in 淮北, distinct for each `n`.
pub fn uscc(prefix: &str, n: u32) -> String {
    let org_code = OrgCode::complete(&format!("MB{n:06}")).unwrap();
    let code = Uscc::complete(&format!("{prefix}340603{org_code}")).unwrap();
    assert!(Uscc::parse(&code).is_ok(), "{code}");
    code
}

/// A valid 公民身份号码 of someone born on `birth` (`YYYYMMDD`) in 相山区,
/// distinct for each `n` below 1000.
pub fn citizen_id(birth: &str, n: u32) -> String {
    let id = CitizenId::complete(&format!("340603{birth}{n:03}")).unwrap();
    assert!(CitizenId::parse(&id, xinyong_testkit::today()).is_ok(), "{id}");
    id
}

/// Which text encoding a CSV file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    Utf8,
    Gbk,
}

/// Writes a CSV file of `headers` and `rows`.
pub fn write_csv<S: AsRef<str>>(path: &Path, headers: &[S], rows: &[Vec<String>], text: Text) -> PathBuf {
    let mut out = Vec::new();
    {
        let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(&mut out);
        writer.write_record(headers.iter().map(|h| h.as_ref())).unwrap();
        for row in rows {
            writer.write_record(row).unwrap();
        }
        writer.flush().unwrap();
    }
    let bytes = match text {
        Text::Utf8 => out,
        Text::Gbk => {
            let (bytes, _, had_errors) = encoding_rs::GBK.encode(std::str::from_utf8(&out).unwrap());
            assert!(!had_errors, "text not encodable in GBK");
            bytes.into_owned()
        }
    };
    std::fs::write(path, bytes).unwrap();
    path.to_owned()
}

/// Writes a JSON Lines file: one object per row, empty cells left out.
pub fn write_jsonl<S: AsRef<str>>(path: &Path, headers: &[S], rows: &[Vec<String>]) -> PathBuf {
    let lines: Vec<String> = rows
        .iter()
        .map(|row| {
            let object: serde_json::Map<String, serde_json::Value> = headers
                .iter()
                .zip(row)
                .filter(|(_, cell)| !cell.is_empty())
                .map(|(header, cell)| (header.as_ref().to_owned(), cell.clone().into()))
                .collect();
            serde_json::Value::Object(object).to_string()
        })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
    path.to_owned()
}

/// Writes an XLSX workbook whose first sheet holds `headers` and `rows` as text cells.
pub fn write_xlsx<S: AsRef<str>>(path: &Path, headers: &[S], rows: &[Vec<String>]) -> PathBuf {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(0, col as u16, header.as_ref()).unwrap();
    }
    for (row_idx, row) in rows.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(row_idx as u32 + 1, col as u16, cell).unwrap();
            }
        }
    }
    workbook.save(path).unwrap();
    path.to_owned()
}

/// The lines of a GBK CSV file, decoded, as cells.
pub fn read_gbk_csv(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(&bytes);
    assert!(!had_errors, "not GBK: {}", path.display());
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The rows of the first sheet of a workbook, as text.
pub fn read_xlsx(path: &Path) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = workbook.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(range.start(), Some((0, 0)), "the sheet starts at A1");
    range
        .rows()
        .map(|row| row.iter().map(ToString::to_string).collect())
        .collect()
}

/// The objects of a JSON Lines file.
pub fn read_jsonl(path: &Path) -> Vec<serde_json::Map<String, serde_json::Value>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Every issue of a batch with `severity`, in row order.
pub async fn issues(store: &dyn Store, batch_id: i64, severity: IssueSeverity) -> Vec<RowIssue> {
    let mut all = Vec::new();
    let mut page = PageRequest::first(500);
    loop {
        let result = store.batch_issues(batch_id, &page).await.unwrap();
        all.extend(result.items.into_iter().filter(|i| i.severity == severity));
        match result.next {
            Some(next) => {
                page = PageRequest {
                    after: Some(next),
                    limit: 500,
                }
            }
            None => return all,
        }
    }
}

/// Every issue of a batch as (row, field, code), in the order stored.
pub async fn issue_keys(store: &dyn Store, batch_id: i64, severity: IssueSeverity) -> Vec<(i64, String, String)> {
    issues(store, batch_id, severity)
        .await
        .into_iter()
        .map(|i| (i.row_no, i.field, i.code))
        .collect()
}

/// Every stored record version with its subject: current records through
/// the listing, then each of their subjects' full histories.
pub async fn all_records(store: &dyn Store) -> Vec<(StoredRecord, Subject)> {
    let mut subjects: Vec<Subject> = Vec::new();
    let mut page = PageRequest::first(500);
    loop {
        let result = store.list_records(&RecordFilter::default(), &page).await.unwrap();
        for (_, subject) in result.items {
            if !subjects.iter().any(|s| s.id == subject.id) {
                subjects.push(subject);
            }
        }
        match result.next {
            Some(next) => {
                page = PageRequest {
                    after: Some(next),
                    limit: 500,
                }
            }
            None => break,
        }
    }
    let mut all = Vec::new();
    for subject in subjects {
        for record in store.records_of_subject(subject.id, true).await.unwrap() {
            all.push((record, subject.clone()));
        }
    }
    all
}

/// Whether `text` contains a CJK ideograph (the messages clerks read are Chinese).
pub fn is_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}
