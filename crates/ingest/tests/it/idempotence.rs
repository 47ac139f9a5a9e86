//! Imports are idempotent on the natural key (type, 决定书文号, subject):
//! the same content again is a duplicate, changed content a new version
//! with the history kept — across batches, within one file, and across the
//! chunks one file is applied in.

use std::path::Path;

use xinyong_store::{BatchStatus, IssueSeverity, Store, StoredRecord};
use xinyong_synth::{Encoding, Format, Layout, RecordKind};
use xinyong_testkit::{backends, generated, spec};

use crate::{CF_HEADERS, ORG_USCC, SOURCE, Text, all_records, issues, penalty_row, person_row, uscc, write_csv};

/// (doc_no, version, current, batch, row, 处罚内容) of every version, sorted.
fn versions(records: &[StoredRecord]) -> Vec<(String, i32, bool, i64, i64, String)> {
    let mut list: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r.key.doc_no.clone(),
                r.version,
                r.current,
                r.batch_id,
                r.row_no,
                r.payload["CF_NR"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    list.sort();
    list
}

async fn history_of(store: &dyn Store, code: &str) -> Vec<StoredRecord> {
    let subject = store.subject_by_uscc(code).await.unwrap().unwrap();
    store.records_of_subject(subject.id, true).await.unwrap()
}

fn doc(n: u32) -> String {
    format!("淮市监罚〔2024〕{n}号")
}

fn org_row(n: u32, content: &str) -> Vec<String> {
    penalty_row(&[("行政处罚决定书文号", &doc(n)), ("处罚内容", content)])
}

fn write(dir: &Path, name: &str, rows: &[Vec<String>]) -> std::path::PathBuf {
    write_csv(&dir.join(name), CF_HEADERS, rows, Text::Utf8)
}

#[tokio::test]
async fn the_same_file_again_adds_nothing() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let file_spec = spec(RecordKind::Penalty, Layout::Gen2, 250, 17, 0.2);
        let path = generated(&platform.dir, "cf.csv", &file_spec, Format::Csv, Encoding::Gbk);
        let first = platform.import(&path, "xzcf", SOURCE).await;
        assert!(first.summary.n_rejected > 0 && first.summary.n_accepted > 0);
        let counts = store.count_records().await.unwrap();
        let records = all_records(store).await;
        assert_eq!(records.len() as i64, first.summary.n_accepted);

        let again = platform.import(&path, "xzcf", SOURCE).await;
        assert_eq!(again.status, BatchStatus::Applied);
        let s = &again.summary;
        assert_eq!(
            (s.n_rows, s.n_accepted, s.n_rejected, s.n_duplicates),
            (250, 0, first.summary.n_rejected, first.summary.n_accepted)
        );
        assert_eq!((s.n_new_versions, s.n_new_subjects, s.n_flagged), (0, 0, 0));
        assert_eq!(store.count_records().await.unwrap(), counts);
        assert_eq!(all_records(store).await, records, "no record or version changed");
        // The rejected rows are rejected again, for the same reasons.
        let reasons = |batch_id| async move {
            issues(store, batch_id, IssueSeverity::Error)
                .await
                .into_iter()
                .map(|i| (i.row_no, i.field, i.code, i.message))
                .collect::<Vec<_>>()
        };
        assert_eq!(reasons(again.id).await, reasons(first.id).await);
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn changed_content_becomes_a_new_version_with_history_kept() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let person_id = crate::citizen_id("19800101", 1);
        let rows = |third: &str| {
            vec![
                org_row(1, "罚款2000元"),
                org_row(2, "罚款2000元"),
                org_row(3, third),
                person_row("李四", &person_id, &doc(4), &[]),
            ]
        };
        let original = write(&platform.dir, "a.csv", &rows("罚款2000元"));
        let corrected = write(&platform.dir, "b.csv", &rows("罚款2000元，没收违法所得"));

        let a = platform.import(&original, "xzcf", SOURCE).await;
        assert_eq!((a.summary.n_accepted, a.summary.n_new_subjects), (4, 2));
        let b = platform.import(&corrected, "xzcf", SOURCE).await;
        let s = &b.summary;
        assert_eq!(
            (
                s.n_rows,
                s.n_accepted,
                s.n_new_versions,
                s.n_duplicates,
                s.n_rejected,
                s.n_new_subjects
            ),
            (4, 1, 1, 3, 0, 0)
        );
        assert_eq!(store.count_records().await.unwrap(), vec![("xzcf".to_owned(), 4)]);
        let current: Vec<StoredRecord> = {
            let subject = store.subject_by_uscc(ORG_USCC).await.unwrap().unwrap();
            store.records_of_subject(subject.id, false).await.unwrap()
        };
        let third = current.iter().find(|r| r.key.doc_no == doc(3)).unwrap();
        assert_eq!((third.version, third.current, third.batch_id), (2, true, b.id));
        assert_eq!(third.payload["CF_NR"], "罚款2000元，没收违法所得");
        let mut expected = vec![
            (doc(1), 1, true, a.id, 2, "罚款2000元".to_owned()),
            (doc(2), 1, true, a.id, 3, "罚款2000元".to_owned()),
            (doc(3), 1, false, a.id, 4, "罚款2000元".to_owned()),
            (doc(3), 2, true, b.id, 4, "罚款2000元，没收违法所得".to_owned()),
        ];
        assert_eq!(versions(&history_of(store, ORG_USCC).await), expected);

        // Going back to the first content is a third version, not a return to the first.
        let c = platform.import(&original, "xzcf", SOURCE).await;
        assert_eq!(
            (c.summary.n_accepted, c.summary.n_new_versions, c.summary.n_duplicates),
            (1, 1, 3)
        );
        expected[3].2 = false;
        expected.push((doc(3), 3, true, c.id, 4, "罚款2000元".to_owned()));
        assert_eq!(versions(&history_of(store, ORG_USCC).await), expected);
        assert_eq!(store.count_records().await.unwrap(), vec![("xzcf".to_owned(), 4)]);
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn a_key_repeated_within_one_file_is_compared_with_the_earlier_row() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let other = uscc("91", 1);
        let rows = vec![
            org_row(1, "罚款2000元"),
            // The same key with different content: version 2.
            org_row(1, "罚款2000元，并责令改正"),
            org_row(2, "罚款2000元"),
            // The same key with the same content: a duplicate.
            org_row(2, "罚款2000元"),
            // The same document number for another subject: another record.
            penalty_row(&[
                ("行政相对人名称", "淮北市恒通化工有限公司"),
                ("统一社会信用代码", &other),
                ("行政处罚决定书文号", &doc(1)),
            ]),
        ];
        let path = write(&platform.dir, "repeats.csv", &rows);
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        let s = &batch.summary;
        assert_eq!(
            (
                s.n_rows,
                s.n_accepted,
                s.n_new_versions,
                s.n_duplicates,
                s.n_rejected,
                s.n_new_subjects
            ),
            (5, 4, 1, 1, 0, 2)
        );
        let id = batch.id;
        assert_eq!(
            versions(&history_of(store, ORG_USCC).await),
            vec![
                (doc(1), 1, false, id, 2, "罚款2000元".to_owned()),
                (doc(1), 2, true, id, 3, "罚款2000元，并责令改正".to_owned()),
                (doc(2), 1, true, id, 4, "罚款2000元".to_owned()),
            ]
        );
        assert_eq!(
            versions(&history_of(store, &other).await),
            vec![(doc(1), 1, true, id, 6, "罚款2000元".to_owned())]
        );
        assert_eq!(store.count_records().await.unwrap(), vec![("xzcf".to_owned(), 3)]);
        // The clerk is told which of the two rows stands; an identical repeat is only counted.
        let warned: Vec<(i64, String)> = issues(store, id, IssueSeverity::Warning)
            .await
            .into_iter()
            .map(|i| (i.row_no, i.code))
            .collect();
        assert_eq!(warned, [(3, "repeated_in_file".to_owned())]);
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn a_key_repeated_in_a_later_chunk_of_the_same_file() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        // More rows than one chunk (2000), then two rows that repeat the first two.
        let n = 2001;
        let mut rows: Vec<Vec<String>> = (1..=n).map(|i| org_row(i, "罚款2000元")).collect();
        rows.push(org_row(1, "罚款2000元，并责令改正"));
        rows.push(org_row(2, "罚款2000元"));
        let path = write(&platform.dir, "long.csv", &rows);
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        let s = &batch.summary;
        assert_eq!(
            (s.n_rows, s.n_accepted, s.n_new_versions, s.n_duplicates, s.n_rejected),
            (i64::from(n) + 2, i64::from(n) + 1, 1, 1, 0)
        );
        assert_eq!(
            store.count_records().await.unwrap(),
            vec![("xzcf".to_owned(), i64::from(n))]
        );
        let history = history_of(store, ORG_USCC).await;
        let first: Vec<_> = versions(&history).into_iter().filter(|v| v.0 == doc(1)).collect();
        assert_eq!(
            first,
            vec![
                (doc(1), 1, false, batch.id, 2, "罚款2000元".to_owned()),
                (
                    doc(1),
                    2,
                    true,
                    batch.id,
                    i64::from(n) + 2,
                    "罚款2000元，并责令改正".to_owned()
                ),
            ]
        );
        assert_eq!(history.iter().filter(|r| r.current).count(), n as usize);
        // The earlier row is named across chunks too.
        let warned = issues(store, batch.id, IssueSeverity::Warning).await;
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert_eq!(warned[0].row_no, i64::from(n) + 2);
        assert!(warned[0].message.starts_with("本文件第2行已有"), "{warned:?}");
        platform.cleanup().await;
    }
}
