//! Builders for the suite's test data.

use chrono::NaiveDate;
use xinyong_domain::SubjectCategory;
use xinyong_domain::publicity::Severity;

use crate::{
    BatchFormat, ImportTx, NaturalKey, NewBatch, NewRecord, NewSubject, PersonIdentity, Store, SubjectId, SubjectLookup,
};

pub(super) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

pub(super) fn new_batch(source: &str) -> NewBatch {
    NewBatch {
        record_type: "xzcf".into(),
        catalog_version: 1,
        source: source.into(),
        file_name: "处罚.csv".into(),
        format: BatchFormat::Csv,
        encoding: Some("UTF-8".into()),
        generation: Some("gen2".into()),
        headers: vec!["行政相对人名称".into(), "统一社会信用代码".into()],
        original_file: Some("uploads/2024/处罚.csv".into()),
    }
}

pub(super) fn org(name: &str, uscc: &str) -> NewSubject {
    NewSubject {
        category: SubjectCategory::Organisation,
        name: name.into(),
        uscc: Some(uscc.into()),
        person: None,
    }
}

pub(super) fn person(name: &str, seed: u8) -> NewSubject {
    let hash = [seed; 32];
    NewSubject {
        category: SubjectCategory::Person,
        name: name.into(),
        uscc: None,
        person: Some(PersonIdentity {
            hash,
            sealed: vec![1, seed, seed, seed],
            masked: "340602********123X".into(),
            public_ref: format!("p{seed:016x}"),
        }),
    }
}

pub(super) fn person_lookup(seed: u8) -> SubjectLookup {
    SubjectLookup::Person([seed; 32])
}

pub(super) fn record(batch_id: i64, subject_id: SubjectId, doc_no: &str, decided: NaiveDate) -> NewRecord {
    NewRecord {
        key: NaturalKey {
            record_type: "xzcf".into(),
            doc_no: doc_no.into(),
            subject_id,
        },
        catalog_version: 1,
        decision_date: decided,
        severity: Some(Severity::General),
        published: true,
        publicity_until: Some(ymd(2099, 1, 1)),
        authority: "淮北市市场监督管理局".into(),
        source: "淮北市市场监督管理局".into(),
        batch_id,
        row_no: 2,
        version: 1,
        current: true,
        content_hash: [7; 16],
        payload: format!(r#"{{"CF_WSH":"{doc_no}"}}"#),
        sealed: None,
    }
}

/// Imports `subjects` with one record each (document numbers `文{i}`,
/// decided on consecutive days from 2024-01-01) in one committed batch.
pub(super) async fn seed(store: &dyn Store, subjects: Vec<NewSubject>) -> Vec<SubjectId> {
    let mut tx: Box<dyn ImportTx> = store
        .begin_import(&new_batch("淮北市市场监督管理局"))
        .await
        .expect("begin");
    let batch_id = tx.batch_id();
    let ids = tx.insert_subjects(subjects).await.expect("insert subjects");
    let records = ids
        .iter()
        .enumerate()
        .map(|(idx, id)| {
            let day = ymd(2024, 1, 1) + chrono::Days::new(idx as u64);
            record(batch_id, *id, &format!("文{idx}"), day)
        })
        .collect();
    tx.insert_records(records).await.expect("insert records");
    tx.commit(&crate::BatchSummary::default()).await.expect("commit");
    ids
}
