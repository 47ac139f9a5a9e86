//! Credit checks: stored with their audit entries, feedback once, overdue
//! listing and monthly statistics.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use xinyong_domain::audit::{Event, Verifier};

use super::fixtures::{new_batch, org, person, record, seed, ymd};
use crate::{
    BatchSummary, CheckBatchStatus, CheckLookup, Feedback, FeedbackRefusal, NaturalKey, NewCheck, NewCheckBatch,
    NewObjection, ObjectionUpdate, PageRequest, SpoolMark, Spooled, Store,
};

fn event(action: &str, detail: &str) -> Event {
    Event {
        at: Utc::now(),
        actor: "key:k1:公共资源交易平台".into(),
        action: action.into(),
        subject_id: None,
        purpose: Some("zfcg".into()),
        detail: detail.into(),
        origin: Some("127.0.0.1".into()),
    }
}

fn new_check(id: &str, client: &str, matter: &str, minutes: i64, n_measures: i32) -> NewCheck {
    let checked_at = Utc.with_ymd_and_hms(2026, 10, 31, 16, 30, 0).unwrap() + Duration::minutes(minutes);
    NewCheck {
        id: id.into(),
        client: client.into(),
        department_id: None,
        subject_id: None,
        subject_shown: "淮北市鑫源商贸有限公司".into(),
        matter: matter.into(),
        purpose: "zfcg".into(),
        checked_at,
        month: xinyong_domain::date::china_date(checked_at).format("%Y-%m").to_string(),
        book: "ab".repeat(32),
        n_measures,
        n_mandatory: n_measures.min(1),
        answer: format!("{{\"measures\":{n_measures}}}"),
        batch: None,
    }
}

/// Stores checks with their audit entries the way the spool commits them.
async fn record_checks(store: &dyn Store, checks: Vec<(NewCheck, Event)>) -> Result<(), crate::StoreError> {
    let (checks, events) = checks.into_iter().unzip();
    store
        .commit_spooled(Spooled {
            checks,
            events,
            mark: None,
        })
        .await
}

pub(super) async fn checks_and_feedback(store: Arc<dyn Store>) {
    let subject = seed(
        store.as_ref(),
        vec![org("淮北市鑫源商贸有限公司", "91340000711771143J")],
    )
    .await[0];
    let mut first = new_check("ck1", "公共资源交易平台", "zfcg", 0, 1);
    first.subject_id = Some(subject);
    let checks = [
        first.clone(),
        new_check("ck2", "公共资源交易平台", "zfcg", 30, 0),
        new_check("ck3", "公共资源交易平台", "ztb", 60, 2),
        new_check("ck4", "工程建设项目审批系统", "gcjs", 90, 1),
    ];
    let with_events = checks
        .iter()
        .map(|c| (c.clone(), event("check", &format!("{{\"check\":\"{}\"}}", c.id))))
        .collect();
    record_checks(&*store, with_events).await.unwrap();
    let stored = store.check("ck1").await.unwrap().unwrap();
    assert_eq!(stored.new, first);
    assert_eq!(stored.feedback, None);
    assert_eq!(store.check("nope").await.unwrap(), None);
    // 16:30 UTC on 31 October is already November in China.
    assert_eq!(stored.new.month, "2026-11");

    let entries = store.audit_entries(0, 100).await.unwrap();
    assert_eq!(entries.len(), 4, "one entry per check");
    let mut verifier = Verifier::default();
    for entry in &entries {
        verifier.check(entry, |_| None).unwrap();
    }

    let late = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let overdue = |client: Option<&'static str>| {
        let store = Arc::clone(&store);
        async move {
            let mut ids = Vec::new();
            let mut page = PageRequest::first(1);
            loop {
                let found = store.overdue_checks(client, late, &page).await.unwrap();
                ids.extend(found.items.into_iter().map(|c| c.new.id));
                match found.next {
                    Some(next) => page.after = Some(next),
                    None => return ids,
                }
            }
        }
    };
    // A check without measures needs no feedback.
    assert_eq!(overdue(None).await, ["ck1", "ck3", "ck4"]);
    assert_eq!(overdue(Some("公共资源交易平台")).await, ["ck1", "ck3"]);
    let early = Utc.with_ymd_and_hms(2026, 10, 31, 17, 15, 0).unwrap();
    let page = store
        .overdue_checks(None, early, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1, "only checks answered before the cut-off");

    let feedback = Feedback {
        applied: vec!["CJ-ZFCG".into()],
        outcome: "限制参与".into(),
        case_no: Some("CG-2026-118".into()),
        at: Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap(),
    };
    let answered = store
        .record_feedback("ck1", &feedback, event("check.feedback", "{}"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answered.feedback.as_ref(), Some(&feedback));
    let again = store
        .record_feedback("ck1", &feedback, event("check.feedback", "{}"))
        .await
        .unwrap();
    assert_eq!(again, Err(FeedbackRefusal::AlreadyGiven));
    let unknown = store
        .record_feedback("nope", &feedback, event("check.feedback", "{}"))
        .await
        .unwrap();
    assert_eq!(unknown, Err(FeedbackRefusal::Unknown));
    assert_eq!(
        store.audit_entries(0, 100).await.unwrap().len(),
        5,
        "refusals leave no entry"
    );
    assert_eq!(overdue(None).await, ["ck3", "ck4"]);

    let stats = store.check_stats("2026-11", "2026-11").await.unwrap();
    let rows: Vec<(&str, &str, i64, i64, i64, i64)> = stats
        .iter()
        .map(|s| {
            (
                s.client.as_str(),
                s.matter.as_str(),
                s.checks,
                s.with_measures,
                s.answered,
                s.applied,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("公共资源交易平台", "zfcg", 2, 1, 1, 1),
            ("公共资源交易平台", "ztb", 1, 1, 0, 0),
            ("工程建设项目审批系统", "gcjs", 1, 1, 0, 0),
        ]
    );
    assert!(store.check_stats("2026-10", "2026-10").await.unwrap().is_empty());
}

pub(super) async fn batch_checks(store: Arc<dyn Store>) {
    let new = NewCheckBatch {
        client: "key:评先评优系统".into(),
        department_id: None,
        matter: "pxpy".into(),
        purpose: "pxpy".into(),
        total: 3,
        subjects_sealed: vec![1, 2, 3],
        created_at: Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap(),
    };
    let batch = store.create_check_batch(&new).await.unwrap();
    assert_eq!((batch.status, batch.done), (CheckBatchStatus::Running, 0));
    let checks: Vec<_> = [2, 1]
        .into_iter()
        .map(|row| {
            let mut check = new_check(&format!("b{row}"), "key:评先评优系统", "pxpy", i64::from(row), 0);
            check.batch = Some((batch.id, row));
            (check, event("check", "{}"))
        })
        .collect();
    record_checks(&*store, checks).await.unwrap();
    let found = store.check_batch(batch.id).await.unwrap().unwrap();
    assert_eq!((found.done, found.new.clone()), (2, new.clone()));
    assert_eq!(store.running_check_batches().await.unwrap(), vec![found]);
    let rows: Vec<(String, Option<(i64, i32)>)> = store
        .batch_checks(batch.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.new.id, c.new.batch))
        .collect();
    assert_eq!(
        rows,
        [
            ("b1".to_owned(), Some((batch.id, 1))),
            ("b2".to_owned(), Some((batch.id, 2)))
        ]
    );
    // A row checked twice is refused (the resumed run skips what is done).
    let mut again = new_check("b1bis", "key:评先评优系统", "pxpy", 9, 0);
    again.batch = Some((batch.id, 1));
    assert!(
        record_checks(&*store, vec![(again, event("check", "{}"))])
            .await
            .is_err()
    );

    let at = Utc.with_ymd_and_hms(2026, 11, 2, 1, 5, 0).unwrap();
    store
        .finish_check_batch(batch.id, CheckBatchStatus::Done, at)
        .await
        .unwrap();
    let finished = store.check_batch(batch.id).await.unwrap().unwrap();
    assert_eq!(
        (finished.status, finished.finished_at),
        (CheckBatchStatus::Done, Some(at))
    );
    assert!(finished.new.subjects_sealed.is_empty(), "the list is not kept");
    assert!(store.running_check_batches().await.unwrap().is_empty());
    assert_eq!(store.check_batch(batch.id + 1).await.unwrap(), None);
}

/// Checks, audited reads and feedback do not wait for an import: a
/// department's upload holds its transaction from the first row to the
/// commit (minutes for a large file), and the systems checking subjects
/// meanwhile must still get their answers.
pub(super) async fn journal_does_not_wait_for_imports(store: Arc<dyn Store>) {
    let patience = std::time::Duration::from_secs(10);
    let mut import = store.begin_import(&super::fixtures::new_batch("某局")).await.unwrap();
    import
        .insert_subjects(vec![org("甲公司", "91340600MA2N00001X")])
        .await
        .unwrap();

    let check = new_check("c-during-import", "k1", "zfcg", 0, 1);
    tokio::time::timeout(patience, record_checks(&*store, vec![(check, event("check", "{}"))]))
        .await
        .expect("a check waited for the import")
        .unwrap();
    let positions = tokio::time::timeout(patience, store.append_audit(vec![event("subject.read", "{}")]))
        .await
        .expect("an audited read waited for the import")
        .unwrap();
    assert_eq!(positions, vec![2]);
    let feedback = Feedback {
        applied: vec!["M1".into()],
        outcome: "不予受理".into(),
        case_no: Some("案1".into()),
        at: Utc::now(),
    };
    tokio::time::timeout(
        patience,
        store.record_feedback("c-during-import", &feedback, event("check.feedback", "{}")),
    )
    .await
    .expect("feedback waited for the import")
    .unwrap()
    .unwrap();

    drop(import);
    assert_eq!(store.audit_entries(0, 10).await.unwrap().len(), 3);
    assert!(
        store
            .check("c-during-import")
            .await
            .unwrap()
            .unwrap()
            .feedback
            .is_some()
    );
}

/// The check's one read: the first lookup that finds a subject, its
/// current records latest first, and which of them are under an objection
/// still running (filed against any of their versions).
pub(super) async fn file_for_check(store: Arc<dyn Store>) {
    let uscc = "91340600MA2N00003X";
    let ids = seed(store.as_ref(), vec![org("淮北市丙公司", uscc), person("张某", 9)]).await;
    // A second batch: a new version of the company's first record, two more
    // records, and a company without any.
    let mut tx = store.begin_import(&new_batch("淮北市市场监督管理局")).await.unwrap();
    let batch_id = tx.batch_id();
    let heads = tx
        .find_current_records(vec![NaturalKey {
            record_type: "xzcf".into(),
            doc_no: "文0".into(),
            subject_id: ids[0],
        }])
        .await
        .unwrap();
    tx.supersede(heads.iter().map(|h| h.id).collect()).await.unwrap();
    let mut second = record(batch_id, ids[0], "文0", ymd(2024, 1, 1));
    second.version = 2;
    let mut rich = record(batch_id, ids[0], "罚2", ymd(2025, 3, 1));
    rich.payload = r#"{"CF_WSH":"罚2","CF_CFLB":"罚款、警告","CF_NR_FK":"3.5","CF_WFXW":"未按规定"}"#.into();
    rich.sealed = Some(vec![1, 2, 3]);
    tx.insert_records(vec![second, rich, record(batch_id, ids[0], "罚3", ymd(2023, 5, 1))])
        .await
        .unwrap();
    let empty = tx
        .insert_subjects(vec![org("淮北市丁公司", "91340600MA2N00004X")])
        .await
        .unwrap()[0];
    tx.commit(&BatchSummary::default()).await.unwrap();

    let all = store.records_of_subject(ids[0], true).await.unwrap();
    let id_of = |doc: &str, version: i32| {
        all.iter()
            .find(|r| r.key.doc_no == doc && r.version == version)
            .unwrap()
            .id
    };
    let objection = NewObjection {
        record_id: id_of("文0", 1),
        subject_id: ids[0],
        source: "淮北市市场监督管理局".into(),
        filer: "account:2:company".into(),
        reasons: "罚款金额有误".into(),
        attachments: "[]".into(),
        filed_on: ymd(2026, 3, 2),
        accept_due: ymd(2026, 3, 4),
    };
    let filed = store.create_objection(&objection).await.unwrap();

    let items = ["CF_CFLB".to_owned(), "CF_NR_FK".to_owned(), "SX_MDLX".to_owned()];
    let file = store
        .file_for_check(&[CheckLookup::Uscc(uscc.into())], &items)
        .await
        .unwrap()
        .expect("found by its code");
    assert_eq!((file.found_by, file.subject.id), (0, ids[0]));
    let docs: Vec<(&str, i32)> = file
        .records
        .iter()
        .map(|r| (r.key.doc_no.as_str(), r.version))
        .collect();
    assert_eq!(
        docs,
        vec![("罚2", 1), ("文0", 2), ("罚3", 1)],
        "current only, latest first"
    );
    // The records as stored, with only the items asked for and nothing sealed.
    let mut expected = store.records_of_subject(ids[0], false).await.unwrap();
    assert_eq!(expected[0].sealed, Some(vec![1, 2, 3]));
    for record in &mut expected {
        record.payload.retain(|key, _| items.contains(key));
        record.sealed = None;
    }
    assert_eq!(file.records, expected);
    assert_eq!(
        serde_json::Value::Object(file.records[0].payload.clone()),
        serde_json::json!({"CF_CFLB": "罚款、警告", "CF_NR_FK": "3.5"})
    );
    assert_eq!(
        file.under_objection,
        vec![id_of("文0", 2)],
        "the current version of the record objected to"
    );

    // Closed, it marks nothing.
    let closed = ObjectionUpdate {
        status: "rejected".into(),
        due_on: None,
        accepted_on: None,
        closed_on: Some(ymd(2026, 3, 3)),
        outcome: None,
        corrected_record: None,
        withdraw_record: false,
    };
    assert!(store.update_objection(filed.id, "filed", &closed).await.unwrap());
    let file = store
        .file_for_check(&[CheckLookup::Uscc(uscc.into())], &items)
        .await
        .unwrap()
        .unwrap();
    assert!(file.under_objection.is_empty());

    // Lookups are tried in order; the first that finds a subject answers.
    let person = store.subject_by_id(ids[1]).await.unwrap().unwrap();
    let file = store
        .file_for_check(
            &[
                CheckLookup::Person([8; 32]),
                CheckLookup::Person([9; 32]),
                CheckLookup::Uscc(uscc.into()),
            ],
            &[],
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!((file.found_by, file.subject.id, file.records.len()), (1, ids[1], 1));
    let by_reference = store
        .file_for_check(&[CheckLookup::Reference(person.person_ref.clone().unwrap())], &[])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_reference.subject, person);

    // A subject without records is found, with none; nobody is `None`.
    let file = store
        .file_for_check(&[CheckLookup::Uscc("91340600MA2N00004X".into())], &items)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((file.subject.id, file.records.len()), (empty, 0));
    assert!(file.under_objection.is_empty());
    assert!(
        store
            .file_for_check(&[CheckLookup::Uscc("91340600MA2N00005X".into())], &items)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.file_for_check(&[], &items).await.unwrap().is_none());
}

/// A spooled group commits with its file's mark, in one transaction: a
/// refused group moves neither the log nor the mark.
pub(super) async fn spooled_groups_commit_with_their_mark(store: Arc<dyn Store>) {
    assert_eq!(store.spool_mark("p1").await.unwrap(), None);
    let mark = |upto| {
        Some(SpoolMark {
            spool: "p1".into(),
            upto,
        })
    };
    store
        .commit_spooled(Spooled {
            checks: vec![new_check("s1", "k1", "zfcg", 0, 1)],
            events: vec![event("check", "{}"), event("subject.read", "{}")],
            mark: mark(2),
        })
        .await
        .unwrap();
    assert_eq!(store.spool_mark("p1").await.unwrap(), Some(2));
    assert_eq!(store.audit_entries(0, 10).await.unwrap().len(), 2);

    // The same group again (a retry after a lost reply): nothing added.
    store
        .commit_spooled(Spooled {
            checks: vec![new_check("s1", "k1", "zfcg", 0, 1)],
            events: vec![event("check", "{}"), event("subject.read", "{}")],
            mark: mark(2),
        })
        .await
        .unwrap();
    assert_eq!(store.audit_entries(0, 10).await.unwrap().len(), 2);

    // The same check id again: refused whole.
    let refused = store
        .commit_spooled(Spooled {
            checks: vec![new_check("s1", "k1", "zfcg", 1, 1)],
            events: vec![event("check", "{}")],
            mark: mark(3),
        })
        .await;
    assert!(refused.is_err());
    assert_eq!(store.spool_mark("p1").await.unwrap(), Some(2));
    assert_eq!(store.audit_entries(0, 10).await.unwrap().len(), 2);

    // A mark alone moves past a refused entry.
    store
        .commit_spooled(Spooled {
            mark: mark(3),
            ..Spooled::default()
        })
        .await
        .unwrap();
    assert_eq!(store.spool_mark("p1").await.unwrap(), Some(3));
    assert_eq!(store.spool_mark("p2").await.unwrap(), None);
    store.forget_spool("p1").await.unwrap();
    assert_eq!(store.spool_mark("p1").await.unwrap(), None);
}
