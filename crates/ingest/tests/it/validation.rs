//! Row validation as a department sees it: every mistake of every row,
//! with the file's own row number, the file's own column name, a stable
//! code and a Chinese message; accepted forms are accepted.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use xinyong_store::{BatchStatus, IssueSeverity, PageRequest, Store};
use xinyong_synth::{Encoding, Format, Layout, RecordKind};
use xinyong_testkit::{backends, generated, spec};

use crate::{CF_HEADERS, ORG_USCC, SOURCE, Text, is_chinese, issue_keys, issues, penalty_row, person_row, write_csv};

/// The file's headers: two columns under accepted aliases, so that issues
/// must name the column as the file does, not as the catalogue does.
fn headers() -> Vec<&'static str> {
    CF_HEADERS
        .iter()
        .map(|h| match *h {
            "行政处罚决定书文号" => "决定书文号",
            "罚款金额(万元)" => "罚款金额",
            other => other,
        })
        .collect()
}

fn doc(n: u32) -> String {
    format!("淮市监罚〔2024〕{n}号")
}

/// Rows 2–14 of the hand-written file; see the expectations below.
fn rows() -> Vec<Vec<String>> {
    let with_doc = |n: u32, changes: &[(&str, &str)]| {
        let doc = doc(n);
        let mut changes = changes.to_vec();
        changes.push(("行政处罚决定书文号", &doc));
        penalty_row(&changes)
    };
    vec![
        // 2: valid, date as 2024/1/5.
        with_doc(1, &[]),
        // 3: wrong check character (J is right).
        with_doc(2, &[("统一社会信用代码", "91340000711771143K")]),
        // 4: no 决定书文号.
        penalty_row(&[("行政处罚决定书文号", "")]),
        // 5: no such day.
        with_doc(4, &[("处罚决定日期", "2024-02-30")]),
        // 6: written in yuan.
        with_doc(5, &[("罚款金额(万元)", "2000元")]),
        // 7: 个体工商户 with a company's (91…) code.
        with_doc(6, &[("行政相对人类别", "个体工商户")]),
        // 8: a person without 证件号码.
        person_row("李四", "", &doc(7), &[]),
        // 9: not a 处罚类别.
        with_doc(8, &[("处罚类别", "罚金")]),
        // 10: decided after "today" (2026-11-26).
        with_doc(9, &[("处罚决定日期", "2027-01-05"), ("处罚有效期", "2028-01-05")]),
        // 11, 12: other accepted date forms.
        with_doc(10, &[("处罚决定日期", "2024年1月5日")]),
        with_doc(11, &[("处罚决定日期", "20240105")]),
        // 13: 公示截止期 beyond the 一般 class's 12 months: accepted, with a warning.
        with_doc(12, &[("公示截止期", "2030-01-01")]),
        // 14: four mistakes at once.
        with_doc(
            13,
            &[
                ("统一社会信用代码", "91340000711771143K"),
                ("罚款金额(万元)", "2000元"),
                ("处罚决定日期", "2024-02-30"),
                ("违法事实", ""),
            ],
        ),
    ]
}

fn expected_errors() -> Vec<(i64, String, String)> {
    [
        (3, "统一社会信用代码", "invalid_uscc"),
        (4, "决定书文号", "required"),
        (5, "处罚决定日期", "invalid_date"),
        (6, "罚款金额", "invalid_amount"),
        (7, "统一社会信用代码", "category_mismatch"),
        (8, "证件号码", "required"),
        (9, "处罚类别", "invalid_enum"),
        (10, "处罚决定日期", "future_date"),
        (14, "统一社会信用代码", "invalid_uscc"),
        (14, "罚款金额", "invalid_amount"),
        (14, "处罚决定日期", "invalid_date"),
        (14, "违法事实", "required"),
    ]
    .into_iter()
    .map(|(row, field, code)| (row, field.to_owned(), code.to_owned()))
    .collect()
}

#[tokio::test]
async fn a_hand_written_file_reports_every_mistake_where_it_is() {
    for platform in backends().await {
        let path = write_csv(&platform.dir.join("mistakes.csv"), &headers(), &rows(), Text::Utf8);
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        let store = platform.store.as_ref();
        assert_eq!(batch.status, BatchStatus::Applied, "{:?}", batch.refusal);
        let s = &batch.summary;
        assert_eq!(
            (s.n_rows, s.n_accepted, s.n_rejected, s.n_duplicates, s.n_new_versions),
            (13, 4, 9, 0, 0),
            "{:?}",
            issues(store, batch.id, IssueSeverity::Error).await
        );
        assert_eq!((s.n_new_subjects, s.n_flagged), (1, 0));

        assert_eq!(
            issue_keys(store, batch.id, IssueSeverity::Error).await,
            expected_errors()
        );
        assert_eq!(
            issue_keys(store, batch.id, IssueSeverity::Warning).await,
            vec![(13, "公示截止期".to_owned(), "publicity_out_of_bounds".to_owned())]
        );

        let errors = issues(store, batch.id, IssueSeverity::Error).await;
        let message = |row: i64, code: &str| {
            errors
                .iter()
                .find(|i| i.row_no == row && i.code == code)
                .map(|i| i.message.clone())
                .unwrap()
        };
        assert_eq!(
            message(3, "invalid_uscc"),
            "统一社会信用代码：“91340000711771143K”第18位校验码应为“J”，实为“K”"
        );
        assert_eq!(message(4, "required"), "行政处罚决定书文号不能为空");
        assert!(message(5, "invalid_date").contains("“2024-02-30”不是有效日期"));
        assert!(message(6, "invalid_amount").contains("“2000元”"));
        assert!(message(6, "invalid_amount").contains("万元"));
        assert!(message(7, "category_mismatch").contains("不是个体工商户代码（应以92开头）"));
        assert_eq!(message(8, "required"), "行政相对人类别为“自然人”时，证件号码不能为空");
        assert!(message(9, "invalid_enum").contains("“罚金”不是有效值"));
        assert_eq!(
            message(10, "future_date"),
            "处罚决定日期：2027-01-05晚于今天（2026-11-26）"
        );
        assert_eq!(message(14, "required"), "违法事实不能为空");
        for issue in &errors {
            assert!(is_chinese(&issue.message), "{issue:?}");
        }
        let warning = &issues(store, batch.id, IssueSeverity::Warning).await[0];
        assert_eq!(
            warning.message,
            "公示截止期2030-01-01超出“一般”类信息的公示期限（2024-04-05至2025-01-05），已按2025-01-05处理"
        );

        // Exactly the rejected rows are kept for correction.
        let kept: Vec<i64> = store
            .batch_rejections(batch.id, &PageRequest::first(100))
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|(row, _)| row)
            .collect();
        assert_eq!(kept, vec![3, 4, 5, 6, 7, 8, 9, 10, 14]);

        // The accepted rows: every date form gives the same day, and the
        // out-of-bounds 公示截止期 is clamped to the class's 12 months.
        let subject = store.subject_by_uscc(ORG_USCC).await.unwrap().unwrap();
        let mut records = store.records_of_subject(subject.id, false).await.unwrap();
        records.sort_by_key(|r| r.row_no);
        let day = NaiveDate::from_ymd_opt(2024, 1, 5).unwrap();
        let accepted: Vec<(i64, String, NaiveDate)> = records
            .iter()
            .map(|r| (r.row_no, r.key.doc_no.clone(), r.decision_date))
            .collect();
        assert_eq!(
            accepted,
            vec![
                (2, doc(1), day),
                (11, doc(10), day),
                (12, doc(11), day),
                (13, doc(12), day)
            ]
        );
        assert!(
            records
                .iter()
                .all(|r| r.publicity.until == NaiveDate::from_ymd_opt(2025, 1, 5))
        );
        assert_eq!(records[3].payload["CF_GSJZQ"], "2030-01-01");
        assert_eq!(store.count_records().await.unwrap(), vec![("xzcf".to_owned(), 4)]);
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn rows_below_a_title_row_keep_the_files_row_numbers() {
    for platform in backends().await {
        let path = platform.dir.join("titled.csv");
        let mut text = String::from("行政处罚信息公示表\n");
        text.push_str(&CF_HEADERS.join(","));
        text.push('\n');
        for row in [
            penalty_row(&[]),
            penalty_row(&[("行政处罚决定书文号", "淮市监罚〔2024〕99号"), ("处罚类别", "罚金")]),
        ] {
            text.push_str(&row.join(","));
            text.push('\n');
        }
        std::fs::write(&path, text).unwrap();
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        assert_eq!(
            (batch.summary.n_rows, batch.summary.n_accepted, batch.summary.n_rejected),
            (2, 1, 1)
        );
        assert_eq!(batch.new.headers, CF_HEADERS.to_vec());
        assert_eq!(
            issue_keys(platform.store.as_ref(), batch.id, IssueSeverity::Error).await,
            vec![(4, "处罚类别".to_owned(), "invalid_enum".to_owned())]
        );
        platform.cleanup().await;
    }
}

/// Checks the invariants of a batch of a generated file with mistakes;
/// returns the rejected rows.
async fn check_generated(store: &dyn Store, batch: &xinyong_store::Batch, n_rows: i64) -> BTreeSet<i64> {
    let s = &batch.summary;
    assert_eq!(batch.status, BatchStatus::Applied, "{:?}", batch.refusal);
    assert_eq!(s.n_rows, n_rows);
    assert_eq!(s.n_rows, s.n_accepted + s.n_rejected + s.n_duplicates, "{s:?}");
    // Every document number of a generated file is distinct: nothing repeats.
    assert_eq!((s.n_duplicates, s.n_new_versions), (0, 0));
    // Mistakes at a rate of 0.2 leave most rows in and reject a fair share.
    assert!(s.n_rejected > n_rows / 10 && s.n_rejected < n_rows / 3, "{s:?}");

    let errors = issues(store, batch.id, IssueSeverity::Error).await;
    let error_rows: BTreeSet<i64> = errors.iter().map(|i| i.row_no).collect();
    assert_eq!(error_rows.len() as i64, s.n_rejected, "each rejected row has an error");
    let kept: BTreeSet<i64> = store
        .batch_rejections(batch.id, &PageRequest::first(1000))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|(row, _)| row)
        .collect();
    assert_eq!(kept, error_rows);
    for issue in &errors {
        assert!(!issue.field.is_empty() && !issue.code.is_empty(), "{issue:?}");
        assert!(is_chinese(&issue.message), "{issue:?}");
    }
    let warnings = issues(store, batch.id, IssueSeverity::Warning).await;
    assert!(warnings.iter().all(|w| !error_rows.contains(&w.row_no)), "{warnings:?}");
    error_rows
}

#[tokio::test]
async fn generated_files_with_mistakes_account_for_every_row() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let cases = [
            (
                RecordKind::Penalty,
                Layout::Gen2,
                Format::Csv,
                Encoding::Gbk,
                "xzcf",
                "cf.csv",
            ),
            (
                RecordKind::Licence,
                Layout::Gen2,
                Format::Xlsx,
                Encoding::Utf8,
                "xzxk",
                "xk.xlsx",
            ),
            (
                RecordKind::Penalty,
                Layout::Gen1,
                Format::JsonLines,
                Encoding::Utf8,
                "xzcf",
                "cf1.jsonl",
            ),
        ];
        let mut expected_counts = Vec::new();
        for (seed, (kind, layout, format, encoding, code, name)) in cases.into_iter().enumerate() {
            let rows = 300;
            let file_spec = spec(kind, layout, rows, 40 + seed as u64, 0.2);
            let path = generated(&platform.dir, name, &file_spec, format, encoding);
            let batch = platform.import(&path, code, SOURCE).await;
            let rejected = check_generated(store, &batch, rows as i64).await;
            // CSV and sheet rows start below the header; JSON Lines count lines.
            let first_row = if format == Format::JsonLines { 1 } else { 2 };
            assert!(
                rejected
                    .iter()
                    .all(|row| (first_row..first_row + rows as i64).contains(row)),
                "{name}: {rejected:?}"
            );
            expected_counts.push((code, batch.summary.n_accepted));
        }
        let mut counts = store.count_records().await.unwrap();
        counts.sort();
        let xzcf = expected_counts
            .iter()
            .filter(|(c, _)| *c == "xzcf")
            .map(|(_, n)| n)
            .sum();
        let xzxk = expected_counts
            .iter()
            .filter(|(c, _)| *c == "xzxk")
            .map(|(_, n)| n)
            .sum();
        assert_eq!(counts, vec![("xzcf".to_owned(), xzcf), ("xzxk".to_owned(), xzxk)]);
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn a_nul_character_is_an_encoding_problem_of_its_item_on_every_backend() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let rows = vec![
            penalty_row(&[("违法事实", "经查，当事人\0销售过期食品。")]),
            penalty_row(&[("行政处罚决定书文号", "淮市监罚〔2024〕2号")]),
        ];
        let mut headers = CF_HEADERS.to_vec();
        headers.push("本地\0扩展列");
        let csv = write_csv(&platform.dir.join("nul.csv"), &headers, &rows, Text::Utf8);
        let batch = platform.import(&csv, "xzcf", SOURCE).await;
        assert_eq!(batch.status, BatchStatus::Applied, "{:?}", batch.refusal);
        assert_eq!((batch.summary.n_accepted, batch.summary.n_rejected), (1, 1));
        assert_eq!(batch.summary.unknown_headers, vec!["本地\u{FFFD}扩展列".to_owned()]);
        assert_eq!(
            issue_keys(store, batch.id, IssueSeverity::Error).await,
            vec![(2, "违法事实".to_owned(), "encoding".to_owned())]
        );

        // JSON Lines spell it as an escape.
        let path = platform.dir.join("nul.jsonl");
        let line = format!(
            "{{\"行政相对人名称\":\"淮北\\u0000鑫源\",{}}}",
            CF_HEADERS[1..]
                .iter()
                .zip(&penalty_row(&[("行政处罚决定书文号", "淮市监罚〔2024〕3号")])[1..])
                .map(|(h, cell)| format!("{}:{}", serde_json::json!(h), serde_json::json!(cell)))
                .collect::<Vec<_>>()
                .join(",")
        );
        std::fs::write(&path, line).unwrap();
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        assert_eq!(batch.status, BatchStatus::Applied, "{:?}", batch.refusal);
        assert_eq!(
            issue_keys(store, batch.id, IssueSeverity::Error).await,
            vec![(1, "行政相对人名称".to_owned(), "encoding".to_owned())]
        );
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn rows_of_a_file_with_carriage_return_line_ends_are_numbered_apart() {
    for platform in backends().await {
        // Old Mac OS line ends, as some exports still write them.
        let rows = [
            penalty_row(&[]),
            penalty_row(&[("行政处罚决定书文号", "淮市监罚〔2024〕2号"), ("处罚类别", "罚金")]),
            penalty_row(&[
                ("行政处罚决定书文号", "淮市监罚〔2024〕3号"),
                ("处罚决定日期", "2024-02-30"),
            ]),
        ];
        let mut text = CF_HEADERS.join(",");
        for row in &rows {
            text.push('\r');
            text.push_str(&row.join(","));
        }
        let path = platform.dir.join("cr.csv");
        std::fs::write(&path, text).unwrap();
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        assert_eq!(
            (batch.summary.n_rows, batch.summary.n_accepted, batch.summary.n_rejected),
            (3, 1, 2)
        );
        assert_eq!(
            issue_keys(platform.store.as_ref(), batch.id, IssueSeverity::Error).await,
            vec![
                (3, "处罚类别".to_owned(), "invalid_enum".to_owned()),
                (4, "处罚决定日期".to_owned(), "invalid_date".to_owned()),
            ]
        );
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn an_unclosed_quote_names_the_rows_it_swallowed_and_a_quoted_paragraph_is_text() {
    for platform in backends().await {
        let line = |changes: &[(&str, &str)]| penalty_row(changes).join(",");
        // Row 2: a quoted 违法事实 of two paragraphs, as departments write them.
        let paragraphs = line(&[(
            "违法事实",
            "\"经查，当事人销售过期食品。\n另查明，其未建立进货查验记录。\"",
        )]);
        // Row 4 (line 5): a quote opens 违法事实 and never closes; rows 5 and 6 vanish into it.
        let unclosed = line(&[
            ("行政处罚决定书文号", "淮市监罚〔2024〕3号"),
            ("违法事实", "\"经查，当事人销售过期食品。"),
        ]);
        let text = [
            CF_HEADERS.join(","),
            paragraphs,
            line(&[("行政处罚决定书文号", "淮市监罚〔2024〕2号")]),
            unclosed,
            line(&[("行政处罚决定书文号", "淮市监罚〔2024〕4号")]),
            line(&[("行政处罚决定书文号", "淮市监罚〔2024〕5号")]),
        ]
        .join("\n")
            + "\n";
        let path = platform.dir.join("quote.csv");
        std::fs::write(&path, text).unwrap();
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        assert_eq!(
            (batch.summary.n_rows, batch.summary.n_accepted, batch.summary.n_rejected),
            (3, 2, 1),
            "the quoted paragraph's row is accepted, the unclosed quote's refused"
        );
        let errors = issues(platform.store.as_ref(), batch.id, IssueSeverity::Error).await;
        assert_eq!(errors.len(), 1, "{errors:?}");
        // Numbered as a spreadsheet shows them: the two-paragraph cell is one row.
        assert_eq!((errors[0].row_no, errors[0].code.as_str()), (4, "malformed_row"));
        assert!(
            errors[0].message.contains("“违法事实”列") && errors[0].message.contains("第5至6行"),
            "{errors:?}"
        );
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn rows_after_empty_lines_keep_the_lines_a_spreadsheet_shows() {
    for platform in backends().await {
        let good = |n: u32| penalty_row(&[("行政处罚决定书文号", &format!("淮市监罚〔2024〕{n}号"))]).join(",");
        let bad = |n: u32| {
            penalty_row(&[
                ("行政处罚决定书文号", &format!("淮市监罚〔2024〕{n}号")),
                ("处罚类别", "罚金"),
            ])
            .join(",")
        };
        // Empty lines after the header, between rows and in a row of CR line ends.
        for (name, end) in [("lf.csv", "\n"), ("crlf.csv", "\r\n"), ("cr.csv", "\r")] {
            let lines = [
                CF_HEADERS.join(","),
                String::new(),
                good(1),
                bad(2),
                String::new(),
                String::new(),
                bad(3),
            ];
            let path = platform.dir.join(name);
            std::fs::write(&path, lines.join(end) + end).unwrap();
            let batch = platform.import(&path, "xzcf", SOURCE).await;
            assert_eq!((batch.summary.n_rows, batch.summary.n_rejected), (3, 2), "{name}");
            let rows: Vec<i64> = issue_keys(platform.store.as_ref(), batch.id, IssueSeverity::Error)
                .await
                .into_iter()
                .map(|(row, ..)| row)
                .collect();
            assert_eq!(rows, [4, 7], "{name}: the lines a spreadsheet numbers them at");
        }
        platform.cleanup().await;
    }
}
