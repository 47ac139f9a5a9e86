//! Rejected rows go back to the department in the format it uploaded,
//! with an added 错误原因 column; fixed and uploaded again (错误原因 column
//! and all), they are accepted.

use std::collections::BTreeMap;
use std::path::Path;

use xinyong_ingest::export::{REASON_HEADER, UNPARSED_KEY, write_rejected};
use xinyong_store::{Batch, BatchStatus, IssueSeverity, Store};
use xinyong_synth::{Layout, RecordKind};
use xinyong_testkit::{Platform, backends, spec};

use crate::{
    MISTAKES, SOURCE, Text, broken_indices, issues, read_gbk_csv, read_jsonl, read_xlsx, with_mistakes, write_csv,
    write_jsonl, write_xlsx,
};

const ROWS: u64 = 40;

/// The headers and clean rows of a generated 行政处罚 file.
fn clean(seed: u64) -> (Vec<String>, Vec<Vec<String>>) {
    let file_spec = spec(RecordKind::Penalty, Layout::Gen2, ROWS, seed, 0.0);
    let headers = file_spec.headers().into_iter().map(str::to_owned).collect();
    (headers, file_spec.rows().collect())
}

/// Each rejected row's reasons as the export must write them: its error
/// messages in order, joined by "；".
async fn reasons_by_row(store: &dyn Store, batch: &Batch) -> BTreeMap<i64, String> {
    let mut reasons: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for issue in issues(store, batch.id, IssueSeverity::Error).await {
        reasons.entry(issue.row_no).or_default().push(issue.message);
    }
    reasons
        .into_iter()
        .map(|(row, messages)| (row, messages.join("；")))
        .collect()
}

/// Imports the fixed file and checks that every formerly rejected row is in.
async fn assert_fixed_file_imports(platform: &Platform, path: &Path, n_fixed: i64) {
    let batch = platform.import(path, "xzcf", SOURCE).await;
    assert_eq!(batch.status, BatchStatus::Applied, "{:?}", batch.refusal);
    let s = &batch.summary;
    assert_eq!(
        (s.n_rows, s.n_accepted, s.n_rejected, s.n_duplicates),
        (n_fixed, n_fixed, 0, 0),
        "{:?}",
        issues(platform.store.as_ref(), batch.id, IssueSeverity::Error).await
    );
    assert!(
        s.unknown_headers.is_empty(),
        "the platform's own 错误原因 column is not unknown: {:?}",
        s.unknown_headers
    );
    let total: i64 = platform
        .store
        .count_records()
        .await
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(total, ROWS as i64 + i64::from(path.extension().unwrap() == "jsonl"));
    // Nothing is left to export.
    let again = platform
        .dir
        .join(format!("nothing-left.{}", path.extension().unwrap().to_string_lossy()));
    let n = write_rejected(platform.store.as_ref(), &platform.keys, &batch, &again)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

/// Checks the reasons written for each broken row: exactly its messages,
/// each mistake's message among them.
fn assert_reasons(reasons: &[String], expected: &BTreeMap<i64, String>) {
    assert_eq!(reasons, expected.values().cloned().collect::<Vec<_>>());
    for (reason, idx) in reasons.iter().zip(broken_indices()) {
        let n_mistakes = MISTAKES.iter().filter(|m| m.0 == idx).count();
        assert_eq!(reason.split('；').count(), n_mistakes, "{reason}");
        assert!(crate::is_chinese(reason));
    }
}

#[tokio::test]
async fn a_gbk_csv_comes_back_as_gbk_with_reasons_and_imports_once_fixed() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let (headers, clean) = clean(31);
        let broken = with_mistakes(&headers, &clean);
        let path = write_csv(&platform.dir.join("cf.csv"), &headers, &broken, Text::Gbk);
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        assert_eq!(batch.new.encoding.as_deref(), Some("GB18030"));
        let n_broken = broken_indices().len();
        assert_eq!(
            (batch.summary.n_accepted, batch.summary.n_rejected),
            (ROWS as i64 - n_broken as i64, n_broken as i64)
        );
        let expected = reasons_by_row(store, &batch).await;
        let rows: Vec<i64> = broken_indices().iter().map(|idx| *idx as i64 + 2).collect();
        assert_eq!(expected.keys().copied().collect::<Vec<_>>(), rows);

        let out = platform.dir.join("rejected.csv");
        let n = write_rejected(store, &platform.keys, &batch, &out).await.unwrap();
        assert_eq!(n, n_broken as u64);
        let bytes = std::fs::read(&out).unwrap();
        assert!(!bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "GBK has no BOM");
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "the Chinese text is GBK, not UTF-8"
        );
        let lines = read_gbk_csv(&out);
        let mut expected_header = headers.clone();
        expected_header.push(REASON_HEADER.to_owned());
        assert_eq!(lines[0], expected_header);
        assert_eq!(lines.len(), 1 + n_broken);
        let n_headers = headers.len();
        for (line, idx) in lines[1..].iter().zip(broken_indices()) {
            assert_eq!(line.len(), n_headers + 1);
            assert_eq!(line[..n_headers], broken[idx], "row {idx} comes back as uploaded");
        }
        let reasons: Vec<String> = lines[1..].iter().map(|l| l[n_headers].clone()).collect();
        assert_reasons(&reasons, &expected);

        // The clerk fixes each row in the returned file and uploads it as it is.
        let fixed: Vec<Vec<String>> = lines[1..]
            .iter()
            .zip(broken_indices())
            .map(|(line, idx)| {
                let mut row = clean[idx].clone();
                row.push(line[n_headers].clone());
                row
            })
            .collect();
        let path = write_csv(&platform.dir.join("fixed.csv"), &lines[0], &fixed, Text::Gbk);
        assert_fixed_file_imports(&platform, &path, n_broken as i64).await;
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn a_utf8_csv_comes_back_as_utf8_with_a_bom() {
    for platform in backends().await {
        let (headers, clean) = clean(32);
        let broken = with_mistakes(&headers, &clean);
        let path = write_csv(&platform.dir.join("cf.csv"), &headers, &broken, Text::Utf8);
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        let out = platform.dir.join("rejected.csv");
        write_rejected(platform.store.as_ref(), &platform.keys, &batch, &out)
            .await
            .unwrap();
        let bytes = std::fs::read(&out).unwrap();
        let text = std::str::from_utf8(bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap()).unwrap();
        assert_eq!(text.lines().count(), 1 + broken_indices().len());
        assert!(text.lines().next().unwrap().ends_with(",错误原因"));
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn an_xlsx_comes_back_as_xlsx_with_reasons_and_imports_once_fixed() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let (headers, clean) = clean(33);
        let broken = with_mistakes(&headers, &clean);
        let path = write_xlsx(&platform.dir.join("cf.xlsx"), &headers, &broken);
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        let n_broken = broken_indices().len();
        assert_eq!(batch.summary.n_rejected, n_broken as i64);
        let expected = reasons_by_row(store, &batch).await;

        let out = platform.dir.join("rejected.xlsx");
        let n = write_rejected(store, &platform.keys, &batch, &out).await.unwrap();
        assert_eq!(n, n_broken as u64);
        let sheet = read_xlsx(&out);
        let mut expected_header = headers.clone();
        expected_header.push(REASON_HEADER.to_owned());
        assert_eq!(sheet[0], expected_header);
        assert_eq!(sheet.len(), 1 + n_broken);
        let n_headers = headers.len();
        for (line, idx) in sheet[1..].iter().zip(broken_indices()) {
            assert_eq!(line[..n_headers], broken[idx], "row {idx} comes back as uploaded");
        }
        let reasons: Vec<String> = sheet[1..].iter().map(|l| l[n_headers].clone()).collect();
        assert_reasons(&reasons, &expected);

        let fixed: Vec<Vec<String>> = sheet[1..]
            .iter()
            .zip(broken_indices())
            .map(|(line, idx)| {
                let mut row = clean[idx].clone();
                row.push(line[n_headers].clone());
                row
            })
            .collect();
        let path = write_xlsx(&platform.dir.join("fixed.xlsx"), &sheet[0], &fixed);
        assert_fixed_file_imports(&platform, &path, n_broken as i64).await;
        platform.cleanup().await;
    }
}

/// A row as a JSON Lines object would carry it: non-empty cells by header.
fn object_of(headers: &[String], row: &[String]) -> BTreeMap<String, String> {
    headers
        .iter()
        .zip(row)
        .filter(|(_, cell)| !cell.is_empty())
        .map(|(h, cell)| (h.clone(), cell.clone()))
        .collect()
}

#[tokio::test]
async fn json_lines_come_back_with_reasons_and_the_unparsed_line_kept() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let (headers, mut clean) = clean(34);
        // One more row, which the file carries cut off in the middle.
        let extra = spec(RecordKind::Penalty, Layout::Gen2, ROWS + 1, 34, 0.0)
            .rows()
            .last()
            .unwrap();
        let mut broken = with_mistakes(&headers, &clean);
        let path = platform.dir.join("cf.jsonl");
        write_jsonl(&path, &headers, &broken);
        let cut = {
            let line = serde_json::to_string(&object_of(&headers, &extra)).unwrap();
            line.chars().take(line.chars().count() / 2).collect::<String>()
        };
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(&cut);
        text.push('\n');
        std::fs::write(&path, text).unwrap();
        clean.push(extra);
        broken.push(Vec::new());

        let batch = platform.import(&path, "xzcf", SOURCE).await;
        let mut indices = broken_indices();
        indices.push(ROWS as usize);
        assert_eq!(batch.summary.n_rejected, indices.len() as i64);
        let expected = reasons_by_row(store, &batch).await;
        // JSON Lines rows are numbered by line: the first object is row 1.
        let rows: Vec<i64> = indices.iter().map(|idx| *idx as i64 + 1).collect();
        assert_eq!(expected.keys().copied().collect::<Vec<_>>(), rows);

        let out = platform.dir.join("rejected.jsonl");
        let n = write_rejected(store, &platform.keys, &batch, &out).await.unwrap();
        assert_eq!(n, indices.len() as u64);
        let objects = read_jsonl(&out);
        assert_eq!(objects.len(), indices.len());
        let reasons: Vec<String> = objects
            .iter()
            .map(|o| o[REASON_HEADER].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(reasons, expected.values().cloned().collect::<Vec<_>>());
        for (object, idx) in objects.iter().zip(&indices) {
            let cells: BTreeMap<String, String> = object
                .iter()
                .filter(|(key, value)| *key != REASON_HEADER && *value != "")
                .map(|(key, value)| (key.clone(), value.as_str().unwrap().to_owned()))
                .collect();
            if *idx == ROWS as usize {
                // The line that could not be read comes back whole, under its own key.
                assert_eq!(cells, BTreeMap::from([(UNPARSED_KEY.to_owned(), cut.clone())]));
            } else {
                assert_eq!(cells, object_of(&headers, &broken[*idx]), "row {idx}");
            }
        }

        let fixed: Vec<Vec<String>> = objects
            .iter()
            .zip(&indices)
            .map(|(object, idx)| {
                let mut row = clean[*idx].clone();
                row.push(object[REASON_HEADER].as_str().unwrap().to_owned());
                row
            })
            .collect();
        let mut fixed_headers = headers.clone();
        fixed_headers.push(REASON_HEADER.to_owned());
        let path = write_jsonl(&platform.dir.join("fixed.jsonl"), &fixed_headers, &fixed);
        assert_fixed_file_imports(&platform, &path, indices.len() as i64).await;
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn cells_beyond_the_header_refuse_the_row_and_come_back_after_the_reasons() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let headers: Vec<String> = crate::CF_HEADERS.iter().map(|h| (*h).to_owned()).collect();
        let mut ragged = crate::penalty_row(&[("处罚类别", "罚金")]);
        ragged.extend(["多余1".to_owned(), "多余2".to_owned()]);
        // Valid but for one cell past the header: refused, not stored without it.
        let mut stray = crate::penalty_row(&[("行政处罚决定书文号", "淮市监罚〔2024〕13号")]);
        stray.extend([String::new(), "注：已结案".to_owned()]);
        // Trailing empty cells, as spreadsheets export them, are no content.
        let mut trailing = crate::penalty_row(&[("行政处罚决定书文号", "淮市监罚〔2024〕14号")]);
        trailing.extend([String::new(), " ".to_owned()]);
        let rows = [ragged.clone(), stray, trailing];
        let path = write_csv(&platform.dir.join("ragged.csv"), &headers, &rows, Text::Gbk);
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        assert_eq!((batch.summary.n_accepted, batch.summary.n_rejected), (1, 2));
        let errors = issues(store, batch.id, IssueSeverity::Error).await;
        let first_of = |row: i64| errors.iter().find(|i| i.row_no == row).unwrap();
        assert_eq!(first_of(2).code, "stray_cells", "{errors:?}");
        assert!(
            first_of(2).message.contains("第21列“多余1”、第22列“多余2”"),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|i| i.row_no == 2 && i.message.contains("“罚金”不是有效值"))
        );
        let row_3: Vec<&str> = errors
            .iter()
            .filter(|i| i.row_no == 3)
            .map(|i| i.code.as_str())
            .collect();
        assert_eq!(row_3, ["stray_cells"]);
        assert!(first_of(3).message.contains("第22列“注：已结案”"), "{errors:?}");

        let out = platform.dir.join("rejected.csv");
        write_rejected(store, &platform.keys, &batch, &out).await.unwrap();
        let lines = read_gbk_csv(&out);
        assert_eq!(lines.len(), 3);
        let n = headers.len();
        assert_eq!(lines[1][..n], ragged[..n]);
        assert!(lines[1][n].contains("表头只有20列") && lines[1][n].contains("“罚金”不是有效值"));
        assert_eq!(lines[1][n + 1..], ["多余1", "多余2"], "stray cells follow the reasons");
        assert_eq!(lines[2][n + 1..], ["", "注：已结案"]);
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn a_note_beside_a_workbooks_table_refuses_its_row_and_comes_back() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let headers: Vec<String> = crate::CF_HEADERS.iter().map(|h| (*h).to_owned()).collect();
        let mut noted = crate::penalty_row(&[]);
        noted.extend(["".to_owned(), "".to_owned(), "请核实 110101199003074514".to_owned()]);
        let clean = crate::penalty_row(&[("行政处罚决定书文号", "淮市监罚〔2024〕13号")]);
        let path = write_xlsx(&platform.dir.join("noted.xlsx"), &headers, &[noted, clean]);
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        assert_eq!((batch.summary.n_accepted, batch.summary.n_rejected), (1, 1));
        let errors = issues(store, batch.id, IssueSeverity::Error).await;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].row_no, errors[0].code.as_str()), (2, "stray_cells"));
        // The message is kept in clear: a number typed out there is masked in it.
        assert!(
            errors[0].message.contains("第23列“请核实 110101********4514”"),
            "{errors:?}"
        );

        let out = platform.dir.join("rejected.xlsx");
        write_rejected(store, &platform.keys, &batch, &out).await.unwrap();
        let sheet = read_xlsx(&out);
        let n = headers.len();
        assert_eq!(sheet[1][n + 1..], ["", "", "请核实 110101199003074514"]);
        platform.cleanup().await;
    }
}
