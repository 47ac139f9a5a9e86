//! The file readers never panic, whatever the bytes: a file is a table
//! (whose rows may have problems) or an error, never a crash — on the
//! caller's thread or on the thread that streams a workbook.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Once};

use proptest::prelude::*;
use xinyong_ingest::read::{Progress, detect_format, open};
use xinyong_store::BatchFormat;

use crate::{CF_HEADERS, penalty_row, write_xlsx};

/// Panics seen on the workbook-streaming threads, which the caller would
/// otherwise only see as a table that ends early.
static READER_PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_reader_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some("xlsx-reader") {
                READER_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            default(info);
        }));
    });
}

/// A small valid workbook, to be damaged.
static WORKBOOK: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("valid.xlsx");
    write_xlsx(
        &path,
        CF_HEADERS,
        &[penalty_row(&[]), penalty_row(&[("处罚类别", "罚金")])],
    );
    std::fs::read(&path).unwrap()
});

/// Writes `bytes` to a file named `name`, then detects its format and reads
/// it as that format and as every other one, draining the rows.
fn read_every_way(name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    count_reader_panics();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let detected = detect_format(&path);
    if bytes.is_empty() {
        prop_assert!(detected.is_err());
    }
    let formats = detected
        .ok()
        .into_iter()
        .chain([BatchFormat::Csv, BatchFormat::JsonLines, BatchFormat::Xlsx]);
    for format in formats {
        drain(&path, format)?;
    }
    prop_assert_eq!(READER_PANICS.load(Ordering::SeqCst), 0);
    Ok(())
}

fn drain(path: &Path, format: BatchFormat) -> Result<(), TestCaseError> {
    let Ok(table) = open(path, format, &Progress::default()) else {
        return Ok(());
    };
    prop_assert_eq!(table.format, format);
    let mut last_row = 0;
    for row in table.rows.take(100_000) {
        let Ok(row) = row else { continue };
        prop_assert!(row.row_no >= 1, "row {}", row.row_no);
        // Text rows come in file order; a workbook may list its rows in any order.
        if format != BatchFormat::Xlsx {
            prop_assert!(row.row_no > last_row, "row {} after {}", row.row_no, last_row);
        }
        last_row = row.row_no;
    }
    Ok(())
}

fn extension() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("csv"), Just("jsonl"), Just("xlsx"), Just("txt")]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        // Failing cases are kept beside this file, as `readers.proptest-regressions`.
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096), ext in extension()) {
        read_every_way(&format!("file.{ext}"), &bytes)?;
    }

    #[test]
    fn a_valid_header_line_then_arbitrary_bytes(
        tail in proptest::collection::vec(any::<u8>(), 0..4096),
        gbk in any::<bool>(),
        ext in extension(),
    ) {
        let header = CF_HEADERS.join(",") + "\n";
        let mut bytes = if gbk {
            encoding_rs::GBK.encode(&header).0.into_owned()
        } else {
            header.into_bytes()
        };
        bytes.extend(tail);
        read_every_way(&format!("file.{ext}"), &bytes)?;
    }

    #[test]
    fn a_json_object_then_arbitrary_bytes(tail in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let mut bytes = serde_json::json!({"行政相对人名称": "淮北市鑫源商贸有限公司", "处罚类别": "罚款"})
            .to_string()
            .into_bytes();
        bytes.push(b'\n');
        bytes.extend(tail);
        read_every_way("file.jsonl", &bytes)?;
    }

    #[test]
    fn a_zip_signature_then_arbitrary_bytes(tail in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(tail);
        read_every_way("file.xlsx", &bytes)?;
    }

    #[test]
    fn a_damaged_workbook(
        damage in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        keep in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = WORKBOOK.clone();
        for (at, byte) in damage {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        if truncate {
            bytes.truncate(keep.index(bytes.len()));
        }
        read_every_way("file.xlsx", &bytes)?;
    }
}
