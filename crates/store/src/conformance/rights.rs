//! Commitments and repairs: stored, listed, moved only from the state read,
//! and a repair's approval marks its record in the same transaction.

use std::sync::Arc;

use super::fixtures::{new_batch, org, record, seed, ymd};
use crate::{
    BatchSummary, CommitmentFinding, NewCommitment, NewObjection, NewRepair, ObjectionFilter, ObjectionUpdate,
    PageRequest, RecordFilter, RepairFilter, RepairUpdate, Store, StoreError,
};

pub(super) async fn commitments_and_repairs(store: Arc<dyn Store>) {
    let ids = seed(store.as_ref(), vec![org("甲公司", "91340600MA2N00001X")]).await;
    let mut tx = store.begin_import(&new_batch("淮北市市场监督管理局")).await.unwrap();
    let batch_id = tx.batch_id();
    tx.insert_records(vec![record(batch_id, ids[0], "淮市监罚〔2026〕1号", ymd(2026, 1, 5))])
        .await
        .unwrap();
    tx.commit(&BatchSummary::default()).await.unwrap();
    let stored = store.records_of_subject(ids[0], false).await.unwrap();
    let record_id = stored[0].id;
    assert_eq!(store.record_by_id(record_id).await.unwrap().unwrap(), stored[0]);
    assert!(store.record_by_id(record_id + 1000).await.unwrap().is_none());

    let new = NewCommitment {
        subject_id: ids[0],
        kind: "xyxf".into(),
        matter: "淮市监罚〔2026〕1号".into(),
        addressee: Some("淮北市市场监督管理局".into()),
        signer: "张三".into(),
        text: "本单位郑重承诺……".into(),
        digest: "ab".repeat(32),
        public: true,
        signed_on: ymd(2026, 5, 6),
    };
    let signed = store.sign_commitment(&new).await.unwrap();
    assert_eq!((signed.new.clone(), signed.status.as_str()), (new.clone(), "signed"));
    let other = store
        .sign_commitment(&NewCommitment {
            kind: "zdcn".into(),
            addressee: None,
            ..new
        })
        .await
        .unwrap();
    let listed: Vec<i64> = store
        .commitments_of(ids[0])
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(listed, vec![other.id, signed.id]);
    let broken = CommitmentFinding {
        status: "broken".into(),
        on: ymd(2026, 6, 1),
        note: Some("逾期未补齐材料".into()),
        by: "account:3:operator".into(),
    };
    assert!(store.record_finding(other.id, "signed", Some(&broken)).await.unwrap());
    assert!(
        !store.record_finding(other.id, "signed", Some(&broken)).await.unwrap(),
        "a finding is recorded once"
    );
    let to = |addressee: Option<&'static str>, signed_only: bool, limit: i64| {
        let store = Arc::clone(&store);
        async move {
            store
                .commitments_to(addressee, signed_only, limit)
                .await
                .unwrap()
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(to(Some("淮北市市场监督管理局"), false, 10).await, vec![signed.id]);
    assert_eq!(to(None, false, 10).await, vec![other.id], "to the public");
    assert_eq!(to(None, true, 10).await, Vec::<i64>::new(), "found on already");
    assert_eq!(to(Some("淮北市市场监督管理局"), true, 10).await, vec![signed.id]);
    assert_eq!(to(Some("淮北市市场监督管理局"), false, 0).await, Vec::<i64>::new());
    assert_eq!(to(Some("淮北市公安局"), false, 10).await, Vec::<i64>::new());
    // Taken back (its breach record could not be made), then recorded again.
    assert!(!store.record_finding(other.id, "kept", None).await.unwrap());
    assert!(store.record_finding(other.id, "broken", None).await.unwrap());
    let back = store.commitment(other.id).await.unwrap().unwrap();
    assert_eq!(
        (back.status.as_str(), back.finding_on, back.finding_note, back.found_by),
        ("signed", None, None, None)
    );
    assert_eq!(to(None, true, 10).await, vec![other.id], "awaiting a finding again");
    assert!(store.record_finding(other.id, "signed", Some(&broken)).await.unwrap());
    let found = store.commitment(other.id).await.unwrap().unwrap();
    assert_eq!(
        (found.status.as_str(), found.finding_on, found.finding_note.as_deref()),
        ("broken", Some(ymd(2026, 6, 1)), Some("逾期未补齐材料"))
    );
    let broken_since = |day| {
        let store = Arc::clone(&store);
        async move {
            let found = store.broken_since(day).await.unwrap();
            found.iter().map(|c| c.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(broken_since(ymd(2026, 6, 1)).await, vec![other.id]);
    assert_eq!(broken_since(ymd(2026, 6, 2)).await, Vec::<i64>::new());

    let application = NewRepair {
        record_id,
        subject_id: ids[0],
        source: "淮北市市场监督管理局".into(),
        applicant: "account:2:company".into(),
        commitment_id: signed.id,
        proof: r#"[{"name":"缴款凭证.pdf"}]"#.into(),
        submitted_on: ymd(2026, 5, 6),
        due_on: ymd(2026, 5, 20),
    };
    let public = RecordFilter {
        public_on: Some(ymd(2026, 5, 9)),
        ..RecordFilter::default()
    };
    let listed = store
        .list_records(&public, &PageRequest::first(100))
        .await
        .unwrap()
        .items;
    assert!(
        listed.iter().any(|(r, _)| r.id == record_id),
        "public before its repair"
    );
    let repair = store.create_repair(&application).await.unwrap();
    assert_eq!(
        (repair.status.as_str(), repair.due_on),
        ("submitted", Some(ymd(2026, 5, 20)))
    );
    let again = store.create_repair(&application).await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "one running repair per record: {again:?}"
    );

    let forward = RepairUpdate {
        status: "forwarded".into(),
        due_on: Some(ymd(2026, 5, 12)),
        forwarded_on: Some(ymd(2026, 5, 7)),
        closed_on: None,
        reasons: None,
        repaired_on: None,
    };
    assert!(store.update_repair(repair.id, "submitted", &forward).await.unwrap());
    assert!(
        !store.update_repair(repair.id, "submitted", &forward).await.unwrap(),
        "moved only from the state read"
    );
    let open = RepairFilter {
        source: Some("淮北市市场监督管理局".into()),
        open_only: true,
        ..RepairFilter::default()
    };
    assert_eq!(store.repairs(&open).await.unwrap().len(), 1);
    let approve = RepairUpdate {
        status: "repaired".into(),
        due_on: None,
        forwarded_on: None,
        closed_on: Some(ymd(2026, 5, 8)),
        reasons: None,
        repaired_on: Some(ymd(2026, 5, 8)),
    };
    assert!(store.update_repair(repair.id, "forwarded", &approve).await.unwrap());
    let closed = store.repair(repair.id).await.unwrap().unwrap();
    assert_eq!(
        (
            closed.status.as_str(),
            closed.forwarded_on,
            closed.closed_on,
            closed.due_on
        ),
        ("repaired", Some(ymd(2026, 5, 7)), Some(ymd(2026, 5, 8)), None)
    );
    assert!(store.repairs(&open).await.unwrap().is_empty());
    let mine = RepairFilter {
        subject_id: Some(ids[0]),
        ..RepairFilter::default()
    };
    assert_eq!(store.repairs(&mine).await.unwrap().len(), 1);
    let repaired = store.record_by_id(record_id).await.unwrap().unwrap();
    assert_eq!(repaired.repaired_on, Some(ymd(2026, 5, 8)));
    let listed = store
        .list_records(&public, &PageRequest::first(100))
        .await
        .unwrap()
        .items;
    assert!(
        listed.iter().all(|(r, _)| r.id != record_id),
        "a repaired record is not listed"
    );
    // Closed: a new application for the same record may be made.
    assert!(store.create_repair(&application).await.is_ok());
}

pub(super) async fn objections_run_once_per_record(store: Arc<dyn Store>) {
    let ids = seed(store.as_ref(), vec![org("乙公司", "91340600MA2N00002X")]).await;
    let mut tx = store.begin_import(&new_batch("淮北市市场监督管理局")).await.unwrap();
    let batch_id = tx.batch_id();
    tx.insert_records(vec![
        record(batch_id, ids[0], "淮市监罚〔2026〕8号", ymd(2026, 2, 5)),
        record(batch_id, ids[0], "淮市监罚〔2026〕9号", ymd(2026, 2, 6)),
    ])
    .await
    .unwrap();
    tx.commit(&BatchSummary::default()).await.unwrap();
    let stored = store.records_of_subject(ids[0], false).await.unwrap();
    let id_of = |doc: &str| stored.iter().find(|r| r.key.doc_no == doc).unwrap().id;
    let (first, second) = (id_of("淮市监罚〔2026〕8号"), id_of("淮市监罚〔2026〕9号"));
    let new = NewObjection {
        record_id: first,
        subject_id: ids[0],
        source: "淮北市市场监督管理局".into(),
        filer: "account:2:company".into(),
        reasons: "罚款金额有误".into(),
        attachments: r#"[{"name":"决定书.pdf"}]"#.into(),
        filed_on: ymd(2026, 3, 2),
        accept_due: ymd(2026, 3, 4),
    };
    let filed = store.create_objection(&new).await.unwrap();
    assert_eq!((filed.status.as_str(), filed.due_on), ("filed", Some(ymd(2026, 3, 4))));
    assert_eq!(filed.new, new, "stored as filed, attachments included");
    assert!(matches!(
        store.create_objection(&new).await,
        Err(StoreError::Conflict { .. })
    ));
    let other = store
        .create_objection(&NewObjection {
            record_id: second,
            ..new.clone()
        })
        .await
        .unwrap();
    let mut under = store
        .records_under_objection(&[first, second, first + 1000])
        .await
        .unwrap();
    under.sort_unstable();
    assert_eq!(under, vec![first.min(second), first.max(second)]);
    assert!(store.records_under_objection(&[]).await.unwrap().is_empty());

    let accept = ObjectionUpdate {
        status: "reviewing".into(),
        due_on: Some(ymd(2026, 3, 16)),
        accepted_on: Some(ymd(2026, 3, 2)),
        closed_on: None,
        outcome: None,
        corrected_record: None,
        withdraw_record: false,
    };
    assert!(store.update_objection(filed.id, "filed", &accept).await.unwrap());
    assert!(!store.update_objection(filed.id, "filed", &accept).await.unwrap());
    let uphold = ObjectionUpdate {
        status: "upheld".into(),
        due_on: None,
        accepted_on: None,
        closed_on: Some(ymd(2026, 3, 5)),
        outcome: Some(r#"{"remedy":"withdrawal"}"#.into()),
        corrected_record: None,
        withdraw_record: true,
    };
    assert!(store.update_objection(filed.id, "reviewing", &uphold).await.unwrap());
    let closed = store.objection(filed.id).await.unwrap().unwrap();
    assert_eq!(
        (closed.status.as_str(), closed.accepted_on, closed.closed_on),
        ("upheld", Some(ymd(2026, 3, 2)), Some(ymd(2026, 3, 5)))
    );
    assert!(
        !store.record_by_id(first).await.unwrap().unwrap().current,
        "withdrawn with the objection"
    );
    assert_eq!(
        store.records_under_objection(&[first, second]).await.unwrap(),
        vec![second]
    );
    let open = ObjectionFilter {
        subject_id: Some(ids[0]),
        open_only: true,
        ..ObjectionFilter::default()
    };
    let listed: Vec<i64> = store.objections(&open).await.unwrap().iter().map(|o| o.id).collect();
    assert_eq!(listed, vec![other.id]);
    let by_source = ObjectionFilter {
        source: Some("淮北市市场监督管理局".into()),
        ..ObjectionFilter::default()
    };
    assert_eq!(store.objections(&by_source).await.unwrap().len(), 2);
    let closed_since = |day| ObjectionFilter {
        closed_since: Some(day),
        ..ObjectionFilter::default()
    };
    let closed: Vec<i64> = store
        .objections(&closed_since(ymd(2026, 3, 5)))
        .await
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(closed, vec![filed.id]);
    assert!(
        store
            .objections(&closed_since(ymd(2026, 3, 6)))
            .await
            .unwrap()
            .is_empty()
    );
}
