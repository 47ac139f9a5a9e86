//! Files that are not a table of the record type are refused whole, with
//! a message naming what is wrong, and leave nothing behind but the batch
//! record of the refusal. A malformed line of a JSON Lines file is only a
//! rejected row.

use std::path::PathBuf;

use xinyong_store::{Batch, BatchFormat, BatchStatus, BatchSummary, IssueSeverity, PageRequest};
use xinyong_testkit::{Platform, backends};

use crate::{CF_HEADERS, ORG_USCC, SOURCE, Text, issue_keys, issues, penalty_row, write_csv, write_xlsx};

/// Deterministic noise: `len` bytes of a linear congruential generator,
/// each passed through `keep`.
fn noise(len: usize, seed: u64, keep: impl Fn(u8) -> u8) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            keep((state >> 56) as u8)
        })
        .collect()
}

/// Asserts that `batch` is refused for `reason` and that nothing but the
/// batch itself was stored.
async fn assert_refused_alone(platform: &Platform, batch: &Batch, name: &str) {
    let store = platform.store.as_ref();
    assert_eq!(batch.status, BatchStatus::Refused, "{name}");
    assert_eq!(batch.summary, BatchSummary::default(), "{name}");
    assert_eq!(&store.batch(batch.id).await.unwrap(), batch, "{name}");
    assert!(store.count_records().await.unwrap().is_empty(), "{name}");
    assert!(store.subject_by_uscc(ORG_USCC).await.unwrap().is_none(), "{name}");
    assert!(
        store
            .name_flags(&PageRequest::first(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let page = PageRequest::first(10);
    assert!(
        store.batch_issues(batch.id, &page).await.unwrap().items.is_empty(),
        "{name}"
    );
    assert!(
        store.batch_rejections(batch.id, &page).await.unwrap().items.is_empty(),
        "{name}"
    );
}

#[tokio::test]
async fn files_that_are_not_a_table_of_the_type_are_refused_whole() {
    for platform in backends().await {
        let dir = &platform.dir;
        let row = penalty_row(&[]);
        let without: Vec<&str> = CF_HEADERS
            .iter()
            .copied()
            .filter(|h| !["行政处罚决定书文号", "违法事实", "处罚机关"].contains(h))
            .collect();
        let without_row: Vec<String> = CF_HEADERS
            .iter()
            .zip(&row)
            .filter(|(h, _)| without.contains(h))
            .map(|(_, cell)| cell.clone())
            .collect();
        let mut doubled = CF_HEADERS.to_vec();
        doubled.push("CF_XDR_SHXYM");
        let mut doubled_row = row.clone();
        doubled_row.push(ORG_USCC.to_owned());

        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend(noise(4096, 7, |b| b));
        let files: Vec<(PathBuf, BatchFormat, &str)> = vec![
            (
                {
                    let path = dir.join("empty.csv");
                    std::fs::write(&path, b"").unwrap();
                    path
                },
                BatchFormat::Csv,
                "文件为空",
            ),
            (
                write_csv(&dir.join("header-only.csv"), CF_HEADERS, &[], Text::Utf8),
                BatchFormat::Csv,
                "文件中没有数据行",
            ),
            (
                write_csv(
                    &dir.join("blank-rows.csv"),
                    CF_HEADERS,
                    &vec![vec![String::new(); CF_HEADERS.len()]; 3],
                    Text::Gbk,
                ),
                BatchFormat::Csv,
                "文件中没有数据行",
            ),
            (
                write_xlsx(&dir.join("header-only.xlsx"), CF_HEADERS, &[]),
                BatchFormat::Xlsx,
                "文件中没有数据行",
            ),
            (
                // Instructions first, the table on the second sheet.
                {
                    let path = dir.join("instructions-first.xlsx");
                    let mut workbook = rust_xlsxwriter::Workbook::new();
                    let notes = workbook.add_worksheet().set_name("填报说明").unwrap();
                    notes.write_string(0, 0, "请按模板填写").unwrap();
                    let table = workbook.add_worksheet();
                    for (col, header) in CF_HEADERS.iter().enumerate() {
                        table.write_string(0, col as u16, *header).unwrap();
                    }
                    workbook.save(&path).unwrap();
                    path
                },
                BatchFormat::Xlsx,
                "第一个工作表“填报说明”中未找到表头行：平台只读取工作簿的第一个工作表，请把数据表移到第一个工作表后重新上传",
            ),
            (
                // Binary without a delimiter or a line break: no row could be a header.
                {
                    let path = dir.join("binary.csv");
                    std::fs::write(&path, noise(8192, 3, |b| b | 0x80)).unwrap();
                    path
                },
                BatchFormat::Csv,
                "未找到表头行：文件的第一行应为数据项名称",
            ),
            (
                write_csv(
                    &dir.join("other-table.csv"),
                    &["姓名", "年龄", "住址"],
                    &[vec!["王五".into(), "40".into(), "淮北".into()]],
                    Text::Utf8,
                ),
                BatchFormat::Csv,
                "未能识别任何表头：文件不是“行政处罚”数据表，或第一行不是表头。第一行读到的是“姓名”、“年龄”、“住址”",
            ),
            (
                write_csv(&dir.join("missing.csv"), &without, &[without_row], Text::Utf8),
                BatchFormat::Csv,
                "缺少必填数据项的列：行政处罚决定书文号、违法事实、处罚机关",
            ),
            (
                write_csv(&dir.join("doubled.csv"), &doubled, &[doubled_row], Text::Utf8),
                BatchFormat::Csv,
                "列“统一社会信用代码”与“CF_XDR_SHXYM”对应同一数据项“统一社会信用代码”，请只保留一列",
            ),
            (
                {
                    let path = dir.join("corrupt.xlsx");
                    std::fs::write(&path, &zip).unwrap();
                    path
                },
                BatchFormat::Xlsx,
                "无法读取文件：Excel文件已损坏或不是XLSX格式：",
            ),
            (
                {
                    // A valid line, then one longer than a row may be.
                    let path = dir.join("long-line.jsonl");
                    let long = format!("{{\"备注\":\"{}\"}}", "长".repeat(400_000));
                    let valid = serde_json::json!({"行政相对人名称": "淮北市鑫源商贸有限公司"});
                    std::fs::write(&path, format!("{valid}\n{long}\n")).unwrap();
                    path
                },
                BatchFormat::JsonLines,
                "无法读取文件：第2行超过1048576字节",
            ),
        ];
        let mut refused = Vec::new();
        for (path, format, reason) in files {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let batch = platform.import(&path, "xzcf", SOURCE).await;
            assert_refused_alone(&platform, &batch, &name).await;
            let refusal = batch.refusal.clone().unwrap();
            // The corrupt workbook's message ends with the unzip library's own words.
            assert!(
                refusal == reason || (reason.ends_with('：') && refusal.starts_with(reason)),
                "{name}: {refusal}"
            );
            assert_eq!(batch.new.format, format, "{name}");
            assert_eq!(batch.new.file_name, name);
            refused.push(batch.id);
        }
        // The header row is kept with refusals that got as far as reading it.
        let store = platform.store.as_ref();
        let batches = store.list_batches(None, &PageRequest::first(100)).await.unwrap().items;
        assert_eq!(batches.len(), refused.len());
        assert!(batches.iter().all(|b| b.status == BatchStatus::Refused));
        let missing = batches.iter().find(|b| b.new.file_name == "missing.csv").unwrap();
        assert_eq!(missing.new.headers, without);
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn arbitrary_binary_files_are_refused_not_imported() {
    for platform in backends().await {
        for (seed, name) in [
            (1, "noise.csv"),
            (2, "noise.bin"),
            (3, "noise.jsonl"),
            (4, "noise.xlsx"),
        ] {
            let path = platform.dir.join(name);
            std::fs::write(&path, noise(16 * 1024, seed, |b| b)).unwrap();
            let batch = platform.import(&path, "xzcf", SOURCE).await;
            assert_refused_alone(&platform, &batch, name).await;
            let refusal = batch.refusal.unwrap();
            assert!(crate::is_chinese(&refusal), "{name}: {refusal}");
        }
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn a_malformed_json_line_is_a_rejected_row_and_the_others_are_imported() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let object = |doc: &str| {
            let row = penalty_row(&[("行政处罚决定书文号", doc)]);
            let object: serde_json::Map<String, serde_json::Value> = CF_HEADERS
                .iter()
                .zip(row)
                .filter(|(_, cell)| !cell.is_empty())
                .map(|(h, cell)| ((*h).to_owned(), cell.into()))
                .collect();
            serde_json::Value::Object(object).to_string()
        };
        let lines = [
            object("淮市监罚〔2024〕1号"),
            // Cut off in the middle of the object.
            "{\"行政相对人名称\": \"淮北市鑫源商贸".to_owned(),
            String::new(),
            // JSON, but not an object.
            "[\"淮北市鑫源商贸有限公司\", \"法人及非法人组织\"]".to_owned(),
            object("淮市监罚〔2024〕2号"),
        ];
        let path = platform.dir.join("rows.jsonl");
        std::fs::write(&path, lines.join("\n")).unwrap();
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        assert_eq!(batch.status, BatchStatus::Applied, "{:?}", batch.refusal);
        let s = &batch.summary;
        // The blank line is no row at all.
        assert_eq!((s.n_rows, s.n_accepted, s.n_rejected, s.n_duplicates), (4, 2, 2, 0));
        assert_eq!(
            issue_keys(store, batch.id, IssueSeverity::Error).await,
            vec![
                (2, String::new(), "malformed_row".to_owned()),
                (4, String::new(), "malformed_row".to_owned()),
            ]
        );
        for issue in issues(store, batch.id, IssueSeverity::Error).await {
            assert!(issue.message.starts_with("不是有效的JSON对象："), "{issue:?}");
        }
        let subject = store.subject_by_uscc(ORG_USCC).await.unwrap().unwrap();
        let mut rows: Vec<i64> = store
            .records_of_subject(subject.id, false)
            .await
            .unwrap()
            .iter()
            .map(|r| r.row_no)
            .collect();
        rows.sort();
        assert_eq!(rows, vec![1, 5]);
        platform.cleanup().await;
    }
}
