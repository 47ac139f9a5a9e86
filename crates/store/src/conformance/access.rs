//! Departments, accounts, sessions, keys, authorisations and the audit log.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use xinyong_domain::Role;
use xinyong_domain::audit::{Event, GENESIS, Verifier, link};

use super::fixtures::{new_batch, org, seed, ymd};
use crate::{
    BatchSummary, NewAccount, NewApiKey, NewAuthorisation, NewDepartment, NewSession, PageRequest, Store, StoreError,
};

fn department(name: &str, uscc: &str) -> NewDepartment {
    NewDepartment {
        name: name.into(),
        uscc: uscc.into(),
        region: Some("340600".into()),
    }
}

fn account(username: &str, role: Role, department_id: Option<i64>) -> NewAccount {
    NewAccount {
        username: username.into(),
        role,
        department_id,
        subject_id: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
    }
}

pub(super) async fn departments_and_accounts(store: Arc<dyn Store>) {
    let dept = store
        .create_department(&department("淮北市市场监督管理局", "11340600003115393X"))
        .await
        .unwrap();
    let taken = store
        .create_department(&department("另一个局", "11340600003115393X"))
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict { .. })), "{taken:?}");
    assert_eq!(store.departments().await.unwrap(), vec![dept.clone()]);
    assert_eq!(store.department(dept.id).await.unwrap(), Some(dept.clone()));
    assert_eq!(
        store.department_by_uscc("11340600003115393X").await.unwrap(),
        Some(dept.clone())
    );
    assert_eq!(store.department_by_uscc("nope").await.unwrap(), None);

    let operator = store
        .create_account(&account("zhang", Role::Operator, Some(dept.id)))
        .await
        .unwrap();
    assert_eq!(operator.new.role, Role::Operator);
    assert!(!operator.disabled);
    let again = store.create_account(&account("zhang", Role::Admin, None)).await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");
    assert_eq!(
        store.account_by_username("zhang").await.unwrap(),
        Some(operator.clone())
    );
    assert_eq!(store.account(operator.id).await.unwrap(), Some(operator.clone()));
    assert_eq!(store.account(operator.id + 99).await.unwrap(), None);

    let token_hash = [7; 32];
    store
        .create_session(&NewSession {
            token_hash,
            account_id: operator.id,
            csrf_token: "csrf".into(),
            expires_at: Utc::now() + Duration::hours(1),
        })
        .await
        .unwrap();
    let session = store.session(&token_hash).await.unwrap().unwrap();
    assert_eq!(session.new.account_id, operator.id);
    store.set_account_disabled(operator.id, true).await.unwrap();
    assert!(store.account(operator.id).await.unwrap().unwrap().disabled);
    assert_eq!(
        store.session(&token_hash).await.unwrap(),
        None,
        "disabling ends sessions"
    );
    assert!(matches!(
        store.set_account_disabled(operator.id + 99, true).await,
        Err(StoreError::NotFound)
    ));

    store
        .create_session(&NewSession {
            token_hash,
            account_id: operator.id,
            csrf_token: "csrf".into(),
            expires_at: Utc::now() + Duration::hours(1),
        })
        .await
        .unwrap();
    store.set_password_hash(operator.id, "$argon2id$new").await.unwrap();
    assert_eq!(
        store.session(&token_hash).await.unwrap(),
        None,
        "a new password ends sessions"
    );
    assert_eq!(
        store.account(operator.id).await.unwrap().unwrap().new.password_hash,
        "$argon2id$new"
    );
    store
        .create_session(&NewSession {
            token_hash: [8; 32],
            account_id: operator.id,
            csrf_token: "csrf".into(),
            expires_at: Utc::now() + Duration::hours(1),
        })
        .await
        .unwrap();
    assert!(store.end_session(&[8; 32]).await.unwrap());
    assert!(!store.end_session(&[8; 32]).await.unwrap());
    assert_eq!(store.accounts().await.unwrap().len(), 1);
}

pub(super) async fn keys_and_authorisations(store: Arc<dyn Store>) {
    let subject = seed(&*store, vec![org("甲公司", "91340600MA2TEST001")]).await[0];
    let key = store
        .create_key(&NewApiKey {
            key_id: "k1".into(),
            secret_hash: [1; 32],
            client: "某银行".into(),
            department_id: None,
            purposes: vec!["xyd".into()],
            expires_on: Some(ymd(2027, 1, 1)),
        })
        .await
        .unwrap();
    assert_eq!(key.new.purposes, vec!["xyd".to_owned()]);
    assert_eq!(key.revoked_at, None);
    let taken = store.create_key(&key.new).await;
    assert!(matches!(taken, Err(StoreError::Conflict { .. })), "{taken:?}");
    assert_eq!(store.key("k1").await.unwrap(), Some(key.clone()));
    assert_eq!(store.key("k2").await.unwrap(), None);
    assert!(store.revoke_key("k1").await.unwrap());
    assert!(!store.revoke_key("k1").await.unwrap(), "revoking twice changes nothing");
    assert!(store.key("k1").await.unwrap().unwrap().revoked_at.is_some());
    assert_eq!(store.keys().await.unwrap().len(), 1);

    let admin = store
        .create_account(&account("subject", Role::Subject, None))
        .await
        .unwrap();
    let grant = store
        .grant_authorisation(&NewAuthorisation {
            subject_id: subject,
            client: "某银行".into(),
            purpose: "xyd".into(),
            valid_until: ymd(2026, 12, 31),
            granted_by: admin.id,
        })
        .await
        .unwrap();
    let authorised = |client: &'static str, purpose: &'static str, y, m, d| {
        let store = Arc::clone(&store);
        async move {
            let alone = store
                .is_authorised(subject, client, purpose, ymd(y, m, d))
                .await
                .unwrap();
            // The read that looks it up together with the records agrees.
            let (records, together) = store
                .current_records_and_authorisation(subject, client, purpose, ymd(y, m, d))
                .await
                .unwrap();
            assert_eq!(together, alone);
            assert_eq!(records, store.records_of_subject(subject, false).await.unwrap());
            alone
        }
    };
    assert!(authorised("某银行", "xyd", 2026, 12, 31).await, "the last day counts");
    assert!(!authorised("某银行", "xyd", 2027, 1, 1).await, "expired");
    assert!(!authorised("某银行", "ztb", 2026, 6, 1).await, "another purpose");
    assert!(!authorised("另一银行", "xyd", 2026, 6, 1).await, "another client");
    // A subject with no records: the authorisation is still answered.
    let mut tx = store.begin_import(&new_batch("淮北市市场监督管理局")).await.unwrap();
    let bare = tx
        .insert_subjects(vec![org("乙公司", "91340600MA2TEST002")])
        .await
        .unwrap()[0];
    tx.commit(&BatchSummary::default()).await.unwrap();
    store
        .grant_authorisation(&NewAuthorisation {
            subject_id: bare,
            ..grant.new.clone()
        })
        .await
        .unwrap();
    let read = |subject| store.current_records_and_authorisation(subject, "某银行", "xyd", ymd(2026, 6, 1));
    assert_eq!(read(bare).await.unwrap(), (vec![], true));
    assert_eq!(
        read(bare + subject + 100).await.unwrap(),
        (vec![], false),
        "no such subject"
    );
    assert_eq!(store.authorisations_of(subject).await.unwrap(), vec![grant.clone()]);
    assert!(
        !store.revoke_authorisation(subject + 1, grant.id).await.unwrap(),
        "not its own"
    );
    assert!(store.revoke_authorisation(subject, grant.id).await.unwrap());
    assert!(!authorised("某银行", "xyd", 2026, 6, 1).await, "withdrawn");
}

fn event(n: i64, subject_id: Option<i64>, action: &str) -> Event {
    Event {
        at: Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap() + Duration::microseconds(n * 1_000_001),
        actor: "account:1:admin".into(),
        action: action.into(),
        subject_id,
        purpose: Some("xzsp".into()),
        detail: format!("{{\"n\":{n}}}"),
        origin: Some("127.0.0.1".into()),
    }
}

pub(super) async fn audit_chain(store: Arc<dyn Store>) {
    assert_eq!(store.checkpoint().await.unwrap(), None, "nothing to checkpoint yet");
    let first = store
        .append_audit(vec![
            event(1, Some(5), "subject.read"),
            event(2, None, "account.create"),
        ])
        .await
        .unwrap();
    assert_eq!(first, vec![1, 2]);
    let checkpoint = store.checkpoint().await.unwrap().unwrap();
    assert_eq!(checkpoint.seq, 2);
    let more = store
        .append_audit(vec![
            event(3, Some(5), "subject.read"),
            event(4, Some(6), "subject.read"),
        ])
        .await
        .unwrap();
    assert_eq!(more, vec![3, 4]);

    let entries = store.audit_entries(0, 100).await.unwrap();
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0].prev_hash, GENESIS);
    assert_eq!(entries[0].event, event(1, Some(5), "subject.read"), "stored exactly");
    assert_eq!(entries[0].hash, link(&GENESIS, &entries[0].event));
    let mut verifier = Verifier::default();
    for entry in &entries {
        verifier.check(entry, |_| None).unwrap();
    }
    assert_eq!(store.audit_entries(2, 1).await.unwrap()[0].seq, 3);
    assert_eq!(store.audit_position(&entries[2].hash).await.unwrap(), Some(3));
    assert_eq!(store.audit_position(&[9; 32]).await.unwrap(), None);
    assert_eq!(store.audit_hash(2).await.unwrap(), Some(checkpoint.hash));
    assert_eq!(store.audit_hash(9).await.unwrap(), None);
    assert_eq!(store.checkpoints().await.unwrap(), vec![checkpoint]);

    let reads = store.audit_reads_of(5, &PageRequest::first(1)).await.unwrap();
    assert_eq!(reads.items[0].seq, 3, "newest first");
    let rest = store
        .audit_reads_of(
            5,
            &PageRequest {
                after: reads.next,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(rest.items.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1]);
    assert!(rest.next.is_none());

    let from = event(2, None, "x").at;
    let to = event(3, None, "x").at;
    let between = store.audit_between(from, to, &PageRequest::first(10)).await.unwrap();
    assert_eq!(between.items.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 3]);
}

/// An entry's time never goes back along the chain (a clock set back is
/// stored as the time of the entry before), and a range of times finds
/// exactly the entries inside it, page by page, however long the chain.
pub(super) async fn audit_times_never_go_back(store: Arc<dyn Store>) {
    let start = Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap();
    let mut events: Vec<Event> = (0..300)
        .map(|n| Event {
            at: start + Duration::seconds(n),
            ..event(n, None, "x")
        })
        .collect();
    // The clock set back by an hour for the 101st entry.
    events[100].at = start - Duration::hours(1);
    for chunk in events.chunks(37) {
        store.append_audit(chunk.to_vec()).await.unwrap();
    }
    let stored = store.audit_entries(0, 1000).await.unwrap();
    assert_eq!(stored.len(), 300);
    assert!(stored.windows(2).all(|w| w[0].event.at <= w[1].event.at));
    assert_eq!(stored[100].event.at, stored[99].event.at, "held at the time before");

    let between = |from: i64, to: i64| {
        let store = Arc::clone(&store);
        async move {
            let (from, to) = (start + Duration::seconds(from), start + Duration::seconds(to));
            let mut seqs = Vec::new();
            let mut page = PageRequest::first(7);
            loop {
                let found = store.audit_between(from, to, &page).await.unwrap();
                seqs.extend(found.items.iter().map(|e| e.seq));
                match found.next {
                    Some(next) => {
                        page = PageRequest {
                            after: Some(next),
                            limit: 7,
                        }
                    }
                    None => return seqs,
                }
            }
        }
    };
    // Seconds 150..=170 are entries 151..=171 (seq = second + 1).
    assert_eq!(between(150, 170).await, (151..=171).collect::<Vec<_>>());
    // Second 99 is entry 100, and entry 101 stored with its time.
    assert_eq!(between(99, 99).await, vec![100, 101]);
    assert_eq!(between(299, 400).await, vec![300]);
    assert!(between(-3600, -1).await.is_empty(), "the set-back time was not stored");
    assert!(between(301, 400).await.is_empty());
    assert_eq!(between(-10, 400).await.len(), 300);
}
