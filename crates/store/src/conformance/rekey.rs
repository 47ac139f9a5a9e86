//! Key rotation: every sealed value transformed, hashes recomputed, the
//! fingerprint pinned — or, if any value cannot be re-sealed, nothing.

use std::sync::Arc;

use super::fixtures::{new_batch, org, person, record, ymd};
use crate::{BatchSummary, NewRejection, PageRequest, Rekey, Rewrite, Store, StoreError};

/// A rotation whose "sealing" reverses the bytes and whose hash is the
/// value's first byte repeated; `fail_on` makes it refuse one value.
fn reversing(fingerprint: &str, fail_on: Option<u8>) -> Rekey {
    Rekey {
        reseal: Box::new(move |value: &[u8]| {
            if fail_on.is_some_and(|b| value.contains(&b)) {
                return Err("cannot open".into());
            }
            Ok(value.iter().rev().copied().collect())
        }),
        rehash: Box::new(|value: &[u8]| Ok([value.get(1).copied().unwrap_or(0).wrapping_add(100); 32])),
        fingerprint: fingerprint.into(),
    }
}

async fn seeded(store: &dyn Store) -> (i64, i64) {
    let mut tx = store.begin_import(&new_batch("淮北市公安局")).await.unwrap();
    let batch_id = tx.batch_id();
    let ids = tx
        .insert_subjects(vec![person("张三", 7), org("甲公司", "91340600MA2RK0001X")])
        .await
        .unwrap();
    let mut sealed_record = record(batch_id, ids[0], "公罚1号", ymd(2026, 1, 5));
    sealed_record.sealed = Some(vec![1, 2, 3]);
    tx.insert_records(vec![
        sealed_record,
        record(batch_id, ids[1], "公罚2号", ymd(2026, 1, 6)),
    ])
    .await
    .unwrap();
    tx.insert_rejections(vec![NewRejection {
        row_no: 4,
        sealed_cells: vec![9, 8, 7],
    }])
    .await
    .unwrap();
    tx.commit(&BatchSummary::default()).await.unwrap();
    store.ensure_meta("key_fingerprint", "old").await.unwrap();
    (batch_id, ids[0])
}

pub(super) async fn rekey_reseals_everything_or_nothing(store: Arc<dyn Store>) {
    let (batch_id, person_id) = seeded(store.as_ref()).await;

    // A value that cannot be opened stops the rotation; nothing changes.
    let failed = store.rekey(reversing("new", Some(9))).await;
    assert!(matches!(failed, Err(StoreError::Corrupt(_))), "{failed:?}");
    assert_eq!(store.ensure_meta("key_fingerprint", "x").await.unwrap(), "old");
    let records = store.records_of_subject(person_id, false).await.unwrap();
    assert_eq!(records[0].sealed, Some(vec![1, 2, 3]));

    let counts = store.rekey(reversing("new", None)).await.unwrap();
    assert_eq!((counts.subjects, counts.records, counts.rejections), (1, 1, 1));
    assert_eq!(store.ensure_meta("key_fingerprint", "x").await.unwrap(), "new");
    let records = store.records_of_subject(person_id, false).await.unwrap();
    assert_eq!(records[0].sealed, Some(vec![3, 2, 1]));
    let rejections = store.batch_rejections(batch_id, &PageRequest::first(10)).await.unwrap();
    assert_eq!(rejections.items, vec![(4, vec![7, 8, 9])]);
    // The person is found by the new hash (from the old sealed [1, 7, 7, 7]), not the old one.
    let found = store.subject_by_person_hash(&[107; 32]).await.unwrap();
    assert_eq!(found.map(|s| s.id), Some(person_id));
    assert!(store.subject_by_person_hash(&[7; 32]).await.unwrap().is_none());
    assert_eq!(
        store.sealed_identity(person_id).await.unwrap(),
        Some(vec![7, 7, 7, 1]),
        "the identity is sealed under the new key"
    );
}

/// A rewrite reaches every record and changes only those it returns; run
/// again, it finds nothing left to change.
pub(super) async fn rewrite_reaches_every_record(store: Arc<dyn Store>) {
    let (_, person_id) = seeded(store.as_ref()).await;
    let rewrite = || -> Rewrite {
        Box::new(|record_type: &str, payload: &str, sealed: Option<&[u8]>| {
            let mut payload: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(payload).map_err(|e| e.to_string())?;
            if payload.contains_key("rewritten") {
                return Ok(None);
            }
            payload.insert("rewritten".into(), record_type.into());
            let sealed = sealed.map_or_else(|| vec![0], |s| s.iter().map(|b| b + 10).collect());
            Ok(Some((serde_json::Value::Object(payload).to_string(), Some(sealed))))
        })
    };
    assert_eq!(store.rewrite_records(rewrite()).await.unwrap(), 2);
    assert_eq!(store.rewrite_records(rewrite()).await.unwrap(), 0, "nothing left");
    let records = store.records_of_subject(person_id, false).await.unwrap();
    assert_eq!(records[0].payload["rewritten"], "xzcf");
    assert_eq!(records[0].sealed, Some(vec![11, 12, 13]));
    let failing: Rewrite = Box::new(|_: &str, _: &str, _: Option<&[u8]>| Err("cannot open".into()));
    assert!(matches!(
        store.rewrite_records(failing).await,
        Err(StoreError::Corrupt(_))
    ));
}
