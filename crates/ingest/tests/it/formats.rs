//! Every format and encoding departments use imports the same rows.

use xinyong_store::{BatchStatus, PageRequest, RecordFilter};
use xinyong_synth::{Encoding, Format, Layout, RecordKind};
use xinyong_testkit::{backends, generated, spec};

const SOURCE: &str = "淮北市市场监督管理局";

#[tokio::test]
async fn csv_gbk_xlsx_and_jsonl_give_the_same_records() {
    for platform in backends().await {
        let penalties = spec(RecordKind::Penalty, Layout::Gen2, 300, 11, 0.0);
        let variants = [
            ("utf8.csv", Format::Csv, Encoding::Utf8, "UTF-8"),
            ("bom.csv", Format::Csv, Encoding::Utf8Bom, "UTF-8"),
            ("gbk.csv", Format::Csv, Encoding::Gbk, "GB18030"),
            ("dates.xlsx", Format::Xlsx, Encoding::Utf8, ""),
            ("rows.jsonl", Format::JsonLines, Encoding::Utf8, "UTF-8"),
        ];
        let mut first_batch = None;
        for (name, format, encoding, detected) in variants {
            let path = generated(&platform.dir, name, &penalties, format, encoding);
            let batch = platform.import(&path, "xzcf", SOURCE).await;
            assert_eq!(batch.status, BatchStatus::Applied, "{name}: {:?}", batch.refusal);
            assert_eq!(batch.new.encoding.as_deref().unwrap_or(""), detected, "{name}");
            assert_eq!(batch.new.generation.as_deref(), Some("gen2"));
            assert_eq!(batch.summary.n_rows, 300, "{name}");
            assert_eq!(
                batch.summary.n_rejected,
                0,
                "{name}: {:?}",
                crate::issues(platform.store.as_ref(), batch.id, xinyong_store::IssueSeverity::Error)
                    .await
                    .first()
            );
            match first_batch {
                // The first file stores every row; the same rows in any other format are duplicates.
                None => {
                    assert_eq!(batch.summary.n_accepted, 300);
                    first_batch = Some(batch.id);
                }
                Some(_) => assert_eq!(
                    (batch.summary.n_accepted, batch.summary.n_duplicates),
                    (0, 300),
                    "{name}"
                ),
            }
        }
        let counts = platform.store.count_records().await.unwrap();
        assert_eq!(counts, vec![("xzcf".to_owned(), 300)]);
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn gen1_files_import_and_map_to_gen2_items() {
    for platform in backends().await {
        for (kind, code) in [(RecordKind::Penalty, "xzcf"), (RecordKind::Licence, "xzxk")] {
            let path = generated(
                &platform.dir,
                &format!("{code}-gen1.csv"),
                &spec(kind, Layout::Gen1, 200, 5, 0.0),
                Format::Csv,
                Encoding::Gbk,
            );
            let batch = platform.import(&path, code, "淮北市生态环境局").await;
            assert_eq!(batch.status, BatchStatus::Applied, "{:?}", batch.refusal);
            assert_eq!(batch.new.generation.as_deref(), Some("gen1"));
            assert_eq!(
                batch.summary.n_accepted,
                200,
                "{code}: {:?}",
                crate::issues(platform.store.as_ref(), batch.id, xinyong_store::IssueSeverity::Error)
                    .await
                    .first()
            );
            assert!(
                batch.summary.unknown_headers.is_empty(),
                "{:?}",
                batch.summary.unknown_headers
            );
        }
        let filter = RecordFilter {
            record_type: Some("xzcf".into()),
            ..RecordFilter::default()
        };
        let page = platform
            .store
            .list_records(&filter, &PageRequest::first(5))
            .await
            .unwrap();
        let (record, _) = &page.items[0];
        // Gen-1 处罚事由 is stored as the Gen-2 违法事实, and the missing 数据来源单位 comes from the batch.
        assert!(record.payload.contains_key("CF_SY"));
        assert_eq!(record.payload["CF_SJLY"], "淮北市生态环境局");
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn licences_with_long_term_validity_import() {
    for platform in backends().await {
        let path = generated(
            &platform.dir,
            "xk.xlsx",
            &spec(RecordKind::Licence, Layout::Gen2, 150, 9, 0.0),
            Format::Xlsx,
            Encoding::Utf8,
        );
        let batch = platform.import(&path, "xzxk", "淮北市市场监督管理局").await;
        assert_eq!(
            (batch.summary.n_accepted, batch.summary.n_rejected),
            (150, 0),
            "{:?}",
            crate::issues(platform.store.as_ref(), batch.id, xinyong_store::IssueSeverity::Error)
                .await
                .first()
        );
        let page = platform
            .store
            .list_records(&RecordFilter::default(), &PageRequest::first(200))
            .await
            .unwrap();
        assert!(page.items.iter().any(|(r, _)| r.payload["XK_YXQZI"] == "2099-12-31"));
        assert!(
            page.items
                .iter()
                .all(|(r, _)| r.publicity.until.is_none() && r.publicity.published)
        );
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn semicolon_delimited_and_utf16_files_without_a_bom_import() {
    for platform in backends().await {
        let rows = [
            crate::penalty_row(&[]),
            crate::penalty_row(&[("行政处罚决定书文号", "淮市监罚〔2024〕13号")]),
        ];
        let text = |delimiter: &str| {
            std::iter::once(crate::CF_HEADERS.join(delimiter))
                .chain(rows.iter().map(|row| row.join(delimiter)))
                .collect::<Vec<_>>()
                .join("\r\n")
        };
        // Excel where the list separator is a semicolon.
        let semicolons = platform.dir.join("semicolons.csv");
        std::fs::write(&semicolons, text(";")).unwrap();
        // UTF-16 (little-endian) as some export tools save it, with no BOM.
        let utf16 = platform.dir.join("utf16.csv");
        let bytes: Vec<u8> = text(",").encode_utf16().flat_map(u16::to_le_bytes).collect();
        std::fs::write(&utf16, bytes).unwrap();
        for (path, encoding) in [(semicolons, "UTF-8"), (utf16, "UTF-16LE")] {
            let batch = platform.import(&path, "xzcf", SOURCE).await;
            assert_eq!(batch.status, BatchStatus::Applied, "{:?}", batch.refusal);
            assert_eq!(batch.new.encoding.as_deref(), Some(encoding));
            assert_eq!(batch.summary.n_rows, 2);
            assert_eq!(
                batch.summary.n_accepted + batch.summary.n_duplicates,
                2,
                "{path:?}: {:?}",
                batch.summary
            );
        }
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn an_id_number_excel_stored_as_a_number_is_refused_with_the_reason() {
    for platform in backends().await {
        let id = (1..)
            .map(|n| crate::citizen_id("19680405", n))
            .find(|id| !id.ends_with('X'))
            .unwrap();
        let row = crate::person_row("李四", &id, "淮市监罚〔2024〕21号", &[]);
        let column = crate::column(crate::CF_HEADERS, "证件号码");
        let path = platform.dir.join("numeric-id.xlsx");
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, header) in crate::CF_HEADERS.iter().enumerate() {
            sheet.write_string(0, col as u16, *header).unwrap();
        }
        for (col, cell) in row.iter().enumerate() {
            if col == column {
                // What Excel keeps of an ID typed into a number-formatted cell.
                sheet.write_number(1, col as u16, cell.parse::<f64>().unwrap()).unwrap();
            } else if !cell.is_empty() {
                sheet.write_string(1, col as u16, cell).unwrap();
            }
        }
        workbook.save(&path).unwrap();
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        assert_eq!(batch.summary.n_rejected, 1);
        let errors = crate::issues(platform.store.as_ref(), batch.id, xinyong_store::IssueSeverity::Error).await;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].message.starts_with("“证件号码”列的单元格被Excel存成了数字"),
            "{errors:?}"
        );
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn a_workbook_cell_past_the_columns_read_refuses_its_row() {
    for platform in backends().await {
        let path = platform.dir.join("wide.xlsx");
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, header) in crate::CF_HEADERS.iter().enumerate() {
            sheet.write_string(0, col as u16, *header).unwrap();
        }
        for (col, cell) in crate::penalty_row(&[]).iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(1, col as u16, cell).unwrap();
            }
        }
        sheet.write_string(1, 2000, "备注写在了很远的地方").unwrap();
        workbook.save(&path).unwrap();
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        assert_eq!((batch.summary.n_accepted, batch.summary.n_rejected), (0, 1));
        let errors = crate::issues(platform.store.as_ref(), batch.id, xinyong_store::IssueSeverity::Error).await;
        assert!(errors[0].message.contains("第1024列之后还有内容"), "{errors:?}");
        platform.cleanup().await;
    }
}
