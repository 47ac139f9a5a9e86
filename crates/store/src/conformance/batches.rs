//! Cases for catalogue versions, imports, batches, subjects and records.

use std::sync::Arc;

use super::fixtures::{new_batch, org, person, person_lookup, record, seed, ymd};
use crate::{
    AliasKind, BatchStatus, BatchSummary, IssueSeverity, NameDecision, NaturalKey, NewAlias, NewNameFlag, NewRejection,
    PageRequest, RecordFilter, RowIssue, Store, StoreError, SubjectId, SubjectLookup, SubjectQuery,
};

pub(super) async fn catalog_versions(store: Arc<dyn Store>) {
    let first = store.register_catalog("xzcf", "aa", "code = 1").await.unwrap();
    assert_eq!(first.version, 1);
    let same = store.register_catalog("xzcf", "aa", "code = 1").await.unwrap();
    assert_eq!(same, first);
    let changed = store.register_catalog("xzcf", "bb", "code = 2").await.unwrap();
    assert_eq!(changed.version, 2);
    let other = store.register_catalog("xzxk", "aa", "code = 1").await.unwrap();
    assert_eq!(other.version, 1);
    let all = store.catalog_versions().await.unwrap();
    let listed: Vec<(String, i32, String)> = all.into_iter().map(|v| (v.record_type, v.version, v.source)).collect();
    assert_eq!(
        listed,
        vec![
            ("xzcf".into(), 1, "code = 1".into()),
            ("xzcf".into(), 2, "code = 2".into()),
            ("xzxk".into(), 1, "code = 1".into())
        ]
    );
}

pub(super) async fn meta_is_set_once(store: Arc<dyn Store>) {
    assert_eq!(store.meta("key_fingerprint").await.unwrap(), None);
    assert_eq!(store.ensure_meta("key_fingerprint", "aa").await.unwrap(), "aa");
    assert_eq!(store.ensure_meta("key_fingerprint", "bb").await.unwrap(), "aa");
    assert_eq!(store.ensure_meta("other", "cc").await.unwrap(), "cc");
    assert_eq!(store.meta("key_fingerprint").await.unwrap().as_deref(), Some("aa"));
}

pub(super) async fn import_round_trip(store: Arc<dyn Store>) {
    let mut tx = store.begin_import(&new_batch("淮北市市场监督管理局")).await.unwrap();
    let batch_id = tx.batch_id();
    let ids = tx
        .insert_subjects(vec![
            org("淮北市鑫源商贸有限公司", "91340600MA2N00001X"),
            person("李四", 9),
        ])
        .await
        .unwrap();
    // The transaction reads its own writes.
    let found = tx
        .find_subjects(vec![
            SubjectLookup::Uscc("91340600MA2N00001X".into()),
            person_lookup(9),
            person_lookup(8),
        ])
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].id, ids[0]);
    assert_eq!(found[0].names, vec!["淮北市鑫源商贸有限公司".to_owned()]);
    assert_eq!(found[1].lookup, person_lookup(9));
    tx.add_aliases(vec![
        NewAlias {
            subject_id: ids[0],
            kind: AliasKind::OrgCode,
            value: "MA2N00001".into(),
        },
        NewAlias {
            subject_id: ids[0],
            kind: AliasKind::OrgCode,
            value: "MA2N00001".into(),
        },
    ])
    .await
    .unwrap();
    tx.insert_records(vec![record(batch_id, ids[0], "淮罚〔2024〕1号", ymd(2024, 3, 1))])
        .await
        .unwrap();
    let key = NaturalKey {
        record_type: "xzcf".into(),
        doc_no: "淮罚〔2024〕1号".into(),
        subject_id: ids[0],
    };
    let heads = tx.find_current_records(vec![key.clone()]).await.unwrap();
    assert_eq!(heads.len(), 1);
    assert_eq!((heads[0].version, heads[0].content_hash), (1, [7; 16]));
    tx.insert_rejections(vec![NewRejection {
        row_no: 3,
        sealed_cells: vec![1, 2, 3],
    }])
    .await
    .unwrap();
    let issue = |row_no, severity| RowIssue {
        row_no,
        severity,
        field: "统一社会信用代码".into(),
        code: "invalid_uscc".into(),
        message: "第18位校验码应为“J”，实为“K”".into(),
    };
    tx.insert_issues(vec![issue(3, IssueSeverity::Error), issue(2, IssueSeverity::Warning)])
        .await
        .unwrap();
    let summary = BatchSummary {
        n_rows: 2,
        n_accepted: 1,
        n_rejected: 1,
        n_new_subjects: 2,
        unknown_headers: vec!["本地列".into()],
        ..BatchSummary::default()
    };
    let batch = tx.commit(&summary).await.unwrap();
    assert_eq!(batch.id, batch_id);
    assert_eq!(batch.status, BatchStatus::Applied);
    assert_eq!(batch.summary, summary);
    assert_eq!(batch.new, new_batch("淮北市市场监督管理局"));
    assert_eq!(store.batch(batch_id).await.unwrap(), batch);

    let company = store.subject_by_uscc("91340600MA2N00001X").await.unwrap().unwrap();
    assert_eq!(
        (company.id, company.name.as_str(), company.flagged),
        (ids[0], "淮北市鑫源商贸有限公司", false)
    );
    assert_eq!(store.subject_by_id(ids[0]).await.unwrap(), Some(company.clone()));
    assert_eq!(
        store.sealed_identity(ids[0]).await.unwrap(),
        None,
        "an organisation has no sealed identity"
    );
    let someone = store.subject_by_ref(&format!("p{:016x}", 9)).await.unwrap().unwrap();
    assert_eq!(someone.id, ids[1]);
    assert_eq!(someone.id_masked.as_deref(), Some("340602********123X"));
    assert_eq!(someone.uscc, None);
    assert_eq!(store.subject_by_person_hash(&[9; 32]).await.unwrap(), Some(someone));
    assert_eq!(store.subject_by_uscc("91340600MA2N00002X").await.unwrap(), None);
    assert_eq!(
        store.subject_aliases(ids[0]).await.unwrap(),
        vec![(AliasKind::OrgCode, "MA2N00001".to_owned())]
    );

    let records = store.records_of_subject(ids[0], false).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].key, key);
    assert_eq!(records[0].payload["CF_WSH"], "淮罚〔2024〕1号");
    assert_eq!(records[0].publicity.until, Some(ymd(2099, 1, 1)));
    assert_eq!(store.count_records().await.unwrap(), vec![("xzcf".to_owned(), 1)]);

    let issues = store.batch_issues(batch_id, &PageRequest::first(10)).await.unwrap();
    assert_eq!(
        issues.items.iter().map(|i| i.severity).collect::<Vec<_>>(),
        vec![IssueSeverity::Error, IssueSeverity::Warning]
    );
    let rejections = store.batch_rejections(batch_id, &PageRequest::first(10)).await.unwrap();
    assert_eq!(rejections.items, vec![(3, vec![1, 2, 3])]);
}

pub(super) async fn dropped_import_leaves_nothing(store: Arc<dyn Store>) {
    let mut tx = store.begin_import(&new_batch("某局")).await.unwrap();
    let batch_id = tx.batch_id();
    let ids = tx
        .insert_subjects(vec![org("甲公司", "91340600MA2N00001X")])
        .await
        .unwrap();
    tx.insert_records(vec![record(batch_id, ids[0], "文1", ymd(2024, 1, 1))])
        .await
        .unwrap();
    drop(tx);
    // The rollback happens on the backend's own schedule; a new transaction waits for it.
    let mut probe = store.begin_import(&new_batch("某局")).await.unwrap();
    assert!(
        probe
            .find_subjects(vec![SubjectLookup::Uscc("91340600MA2N00001X".into())])
            .await
            .unwrap()
            .is_empty()
    );
    drop(probe);
    assert!(matches!(store.batch(batch_id).await, Err(StoreError::NotFound)));
    assert_eq!(store.subject_by_uscc("91340600MA2N00001X").await.unwrap(), None);
    assert!(store.count_records().await.unwrap().is_empty());
}

pub(super) async fn refusal_stores_only_the_batch(store: Arc<dyn Store>) {
    let batch = store
        .record_refusal(&new_batch("某局"), "缺少必填数据项的列：违法事实")
        .await
        .unwrap();
    assert_eq!(batch.status, BatchStatus::Refused);
    assert_eq!(batch.refusal.as_deref(), Some("缺少必填数据项的列：违法事实"));
    assert_eq!(store.batch(batch.id).await.unwrap(), batch);
    assert!(store.count_records().await.unwrap().is_empty());
}

pub(super) async fn versions_and_history(store: Arc<dyn Store>) {
    let ids = seed(store.as_ref(), vec![org("甲公司", "91340600MA2N00001X")]).await;
    let key = NaturalKey {
        record_type: "xzcf".into(),
        doc_no: "文0".into(),
        subject_id: ids[0],
    };
    let mut tx = store.begin_import(&new_batch("某局")).await.unwrap();
    let batch_id = tx.batch_id();
    let heads = tx.find_current_records(vec![key.clone()]).await.unwrap();
    tx.supersede(vec![heads[0].id]).await.unwrap();
    let mut corrected = record(batch_id, ids[0], "文0", ymd(2024, 1, 1));
    corrected.version = 2;
    corrected.content_hash = [8; 16];
    tx.insert_records(vec![corrected]).await.unwrap();
    let heads = tx.find_current_records(vec![key.clone()]).await.unwrap();
    assert_eq!((heads.len(), heads[0].version, heads[0].content_hash), (1, 2, [8; 16]));
    tx.commit(&BatchSummary::default()).await.unwrap();
    let current = store.records_of_subject(ids[0], false).await.unwrap();
    assert_eq!(
        current.iter().map(|r| (r.version, r.current)).collect::<Vec<_>>(),
        vec![(2, true)]
    );
    let mut history: Vec<(i32, bool)> = store
        .records_of_subject(ids[0], true)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.version, r.current))
        .collect();
    history.sort();
    assert_eq!(history, vec![(1, false), (2, true)]);
    assert_eq!(store.count_records().await.unwrap(), vec![("xzcf".to_owned(), 1)]);

    // The same version of the same key twice is refused by the database itself.
    let mut tx = store.begin_import(&new_batch("某局")).await.unwrap();
    let mut again = record(tx.batch_id(), ids[0], "文0", ymd(2024, 1, 1));
    again.version = 2;
    assert!(matches!(
        tx.insert_records(vec![again]).await,
        Err(StoreError::Conflict { .. })
    ));
}

pub(super) async fn duplicate_subject_is_a_conflict(store: Arc<dyn Store>) {
    let mut tx = store.begin_import(&new_batch("某局")).await.unwrap();
    let result = tx
        .insert_subjects(vec![org("甲", "91340600MA2N00001X"), org("乙", "91340600MA2N00001X")])
        .await;
    assert!(matches!(result, Err(StoreError::Conflict { .. })), "{result:?}");
}

pub(super) async fn name_flags_count_repeats(store: Arc<dyn Store>) {
    let ids = seed(
        store.as_ref(),
        vec![org("甲公司", "91340600MA2N00001X"), org("乙公司", "91340600MA2N00002X")],
    )
    .await;
    let mut tx = store.begin_import(&new_batch("某局")).await.unwrap();
    let batch_id = tx.batch_id();
    let flag = |subject_id, name: &str, row_no| NewNameFlag {
        subject_id,
        incoming_name: name.into(),
        row_no,
    };
    tx.flag_names(vec![
        flag(ids[0], "甲有限公司", 2),
        flag(ids[0], "甲有限公司", 5),
        flag(ids[1], "丙公司", 7),
    ])
    .await
    .unwrap();
    tx.commit(&BatchSummary::default()).await.unwrap();
    let first = store.name_flags(&PageRequest::first(1)).await.unwrap();
    assert_eq!(first.items.len(), 1);
    let flag = &first.items[0];
    assert_eq!(
        (
            flag.subject_id,
            flag.subject_key.as_str(),
            flag.subject_name.as_str(),
            flag.incoming_name.as_str()
        ),
        (ids[0], "91340600MA2N00001X", "甲公司", "甲有限公司")
    );
    assert_eq!((flag.first_batch, flag.first_row, flag.n_rows), (batch_id, 2, 2));
    let second = store
        .name_flags(&PageRequest {
            after: first.next,
            limit: 1,
        })
        .await
        .unwrap();
    assert_eq!(second.items[0].incoming_name, "丙公司");
    assert!(second.next.is_none());
    assert!(store.subject_by_id(ids[0]).await.unwrap().unwrap().flagged);
}

pub(super) async fn name_flags_are_settled(store: Arc<dyn Store>) {
    let ids = seed(
        store.as_ref(),
        vec![org("甲公司", "91340600MA2N00001X"), org("乙公司", "91340600MA2N00002X")],
    )
    .await;
    let flag_all = |names: Vec<(SubjectId, &'static str)>| {
        let store = Arc::clone(&store);
        async move {
            let mut tx = store.begin_import(&new_batch("某局")).await.unwrap();
            let flags = names
                .into_iter()
                .enumerate()
                .map(|(n, (subject_id, name))| NewNameFlag {
                    subject_id,
                    incoming_name: name.into(),
                    row_no: n as i64 + 2,
                })
                .collect();
            tx.flag_names(flags).await.unwrap();
            tx.commit(&BatchSummary::default()).await.unwrap();
        }
    };
    flag_all(vec![(ids[0], "甲新材料公司"), (ids[0], "甲商行"), (ids[1], "丙公司")]).await;
    let open = store.name_flags(&PageRequest::first(10)).await.unwrap().items;
    let id_of = |name: &str| open.iter().find(|f| f.incoming_name == name).unwrap().id;

    let renamed = store
        .resolve_name_flag(id_of("甲新材料公司"), NameDecision::Rename)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(renamed.subject_name, "甲公司");
    let subject = store.subject_by_id(ids[0]).await.unwrap().unwrap();
    assert_eq!(subject.name, "甲新材料公司");
    assert!(subject.flagged, "another conflict of 甲 is still open");
    assert_eq!(
        store.subject_aliases(ids[0]).await.unwrap(),
        vec![(AliasKind::Name, "甲公司".to_owned())]
    );
    for query in ["新材料", "甲公司"] {
        let found = store
            .search_subjects(&SubjectQuery::Name(query.into()), &PageRequest::first(5))
            .await
            .unwrap();
        assert_eq!(found.items.len(), 1, "{query} finds the renamed subject");
        assert_eq!(found.items[0].id, ids[0]);
    }

    store
        .resolve_name_flag(id_of("甲商行"), NameDecision::Alias)
        .await
        .unwrap()
        .unwrap();
    let subject = store.subject_by_id(ids[0]).await.unwrap().unwrap();
    assert_eq!(subject.name, "甲新材料公司");
    assert!(!subject.flagged);
    assert_eq!(store.subject_aliases(ids[0]).await.unwrap().len(), 2);

    store
        .resolve_name_flag(id_of("丙公司"), NameDecision::Reject)
        .await
        .unwrap()
        .unwrap();
    let other = store.subject_by_id(ids[1]).await.unwrap().unwrap();
    assert_eq!((other.name.as_str(), other.flagged), ("乙公司", false));
    assert!(store.subject_aliases(ids[1]).await.unwrap().is_empty());
    assert!(
        store
            .name_flags(&PageRequest::first(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Settled once: a second decision finds nothing open.
    let again = store
        .resolve_name_flag(id_of("丙公司"), NameDecision::Alias)
        .await
        .unwrap();
    assert!(again.is_none());

    // The rejected name arriving again reopens its conflict.
    flag_all(vec![(ids[1], "丙公司")]).await;
    let reopened = store.name_flags(&PageRequest::first(10)).await.unwrap().items;
    assert_eq!(reopened.len(), 1);
    assert!(store.subject_by_id(ids[1]).await.unwrap().unwrap().flagged);
}

pub(super) async fn listing_filters_and_pages(store: Arc<dyn Store>) {
    let ids = seed(
        store.as_ref(),
        vec![
            org("甲", "91340600MA2N00001X"),
            org("乙", "91340600MA2N00002X"),
            org("丙", "91340600MA2N00003X"),
        ],
    )
    .await;
    let mut tx = store.begin_import(&new_batch("淮北市生态环境局")).await.unwrap();
    let batch_id = tx.batch_id();
    let mut hidden = record(batch_id, ids[0], "未公示", ymd(2024, 2, 1));
    hidden.published = false;
    let mut expired = record(batch_id, ids[1], "已到期", ymd(2024, 2, 2));
    expired.publicity_until = Some(ymd(2024, 6, 1));
    let mut other_source = record(batch_id, ids[2], "环罚1", ymd(2024, 2, 3));
    other_source.source = "淮北市生态环境局".into();
    tx.insert_records(vec![hidden, expired, other_source]).await.unwrap();
    tx.commit(&BatchSummary::default()).await.unwrap();

    let all = store
        .list_records(&RecordFilter::default(), &PageRequest::first(100))
        .await
        .unwrap();
    let docs: Vec<&str> = all.items.iter().map(|(r, _)| r.key.doc_no.as_str()).collect();
    assert_eq!(docs, vec!["环罚1", "已到期", "未公示", "文2", "文1", "文0"]);
    assert_eq!(all.items[0].1.name, "丙");

    let public = RecordFilter {
        public_on: Some(ymd(2024, 7, 1)),
        ..RecordFilter::default()
    };
    let docs: Vec<String> = store
        .list_records(&public, &PageRequest::first(100))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|(r, _)| r.key.doc_no)
        .collect();
    assert_eq!(docs, vec!["环罚1", "文2", "文1", "文0"]);
    let before_decision = RecordFilter {
        public_on: Some(ymd(2024, 1, 1)),
        ..RecordFilter::default()
    };
    let docs = store
        .list_records(&before_decision, &PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(docs.items.len(), 1, "only 文0 is decided by 2024-01-01");

    let by_source = RecordFilter {
        source: Some("淮北市生态环境局".into()),
        ..RecordFilter::default()
    };
    assert_eq!(
        store
            .list_records(&by_source, &PageRequest::first(100))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let by_dates = RecordFilter {
        from: Some(ymd(2024, 1, 2)),
        to: Some(ymd(2024, 2, 1)),
        ..RecordFilter::default()
    };
    assert_eq!(
        store
            .list_records(&by_dates, &PageRequest::first(100))
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    let by_type = RecordFilter {
        record_type: Some("xzxk".into()),
        ..RecordFilter::default()
    };
    assert!(
        store
            .list_records(&by_type, &PageRequest::first(100))
            .await
            .unwrap()
            .items
            .is_empty()
    );

    let mut seen = Vec::new();
    let mut page = PageRequest::first(2);
    loop {
        let result = store.list_records(&RecordFilter::default(), &page).await.unwrap();
        seen.extend(result.items.into_iter().map(|(r, _)| r.key.doc_no));
        match result.next {
            Some(next) => {
                page = PageRequest {
                    after: Some(next),
                    limit: 2,
                }
            }
            None => break,
        }
    }
    assert_eq!(seen, vec!["环罚1", "已到期", "未公示", "文2", "文1", "文0"]);
}

pub(super) async fn batch_pages(store: Arc<dyn Store>) {
    let first = store.record_refusal(&new_batch("甲局"), "空文件").await.unwrap();
    let second = store.record_refusal(&new_batch("乙局"), "空文件").await.unwrap();
    let page = store.list_batches(None, &PageRequest::first(1)).await.unwrap();
    assert_eq!(page.items[0].id, second.id);
    let rest = store
        .list_batches(
            None,
            &PageRequest {
                after: page.next,
                limit: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(rest.items[0].id, first.id);
    assert!(rest.next.is_none());
    let only_first = store.list_batches(Some("甲局"), &PageRequest::first(10)).await.unwrap();
    assert_eq!(only_first.items.len(), 1);
    assert_eq!(only_first.items[0].id, first.id);
    assert!(
        store
            .list_batches(Some("丙局"), &PageRequest::first(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(matches!(store.batch(first.id + 100).await, Err(StoreError::NotFound)));

    let mut tx = store.begin_import(&new_batch("甲局")).await.unwrap();
    let batch_id = tx.batch_id();
    let rejections = (2..7)
        .map(|row_no| NewRejection {
            row_no,
            sealed_cells: vec![row_no as u8],
        })
        .collect();
    tx.insert_rejections(rejections).await.unwrap();
    tx.commit(&BatchSummary::default()).await.unwrap();
    let page = store.batch_rejections(batch_id, &PageRequest::first(3)).await.unwrap();
    assert_eq!(
        page.items.iter().map(|(row, _)| *row).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
    let rest = store
        .batch_rejections(
            batch_id,
            &PageRequest {
                after: page.next,
                limit: 3,
            },
        )
        .await
        .unwrap();
    assert_eq!(rest.items.iter().map(|(row, _)| *row).collect::<Vec<_>>(), vec![5, 6]);
    assert!(rest.next.is_none());
}
