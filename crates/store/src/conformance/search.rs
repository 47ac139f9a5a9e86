//! Cases for subject search.

use std::sync::Arc;

use super::fixtures::{org, person, seed};
use crate::{Cursor, PageRequest, Store, SubjectQuery};

async fn names(store: &dyn Store, query: SubjectQuery) -> Vec<String> {
    store
        .search_subjects(&query, &PageRequest::first(50))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.name)
        .collect()
}

pub(super) async fn name_search(store: Arc<dyn Store>) {
    seed(
        store.as_ref(),
        vec![
            org("淮北市鑫源商贸有限公司", "91340600MA2N00001X"),
            org("淮北源鑫科技有限公司", "91340600MA2N00002X"),
            org("相山区鑫源小吃店", "92340603MA2N00003X"),
            person("王鑫", 1),
        ],
    )
    .await;
    let query = |text: &str| SubjectQuery::Name(text.into());
    assert_eq!(
        names(store.as_ref(), query("鑫源")).await,
        vec!["淮北市鑫源商贸有限公司", "相山区鑫源小吃店"]
    );
    assert_eq!(
        names(store.as_ref(), query("源鑫科")).await,
        vec!["淮北源鑫科技有限公司"]
    );
    assert_eq!(
        names(store.as_ref(), query("鑫")).await.len(),
        3,
        "one character matches anywhere, also last; a person's given name is not searched"
    );
    // A person is found only by what is published of the name (王*).
    assert_eq!(names(store.as_ref(), query("王")).await, vec!["王鑫"]);
    assert!(names(store.as_ref(), query("王鑫")).await.is_empty());
    assert_eq!(names(store.as_ref(), query("店")).await, vec!["相山区鑫源小吃店"]);
    assert!(names(store.as_ref(), query("鑫源科")).await.is_empty());
    assert!(names(store.as_ref(), query("")).await.is_empty());

    let first = store
        .search_subjects(&query("有限公司"), &PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(first.items[0].name, "淮北市鑫源商贸有限公司");
    let second = store
        .search_subjects(
            &query("有限公司"),
            &PageRequest {
                after: first.next,
                limit: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(second.items[0].name, "淮北源鑫科技有限公司");
    assert!(second.next.is_none());
}

pub(super) async fn code_prefix_search(store: Arc<dyn Store>) {
    seed(
        store.as_ref(),
        vec![
            org("乙", "91340600MA2N00002X"),
            org("甲", "91340600MA2N00001X"),
            org("丙", "92340603MA2N00003X"),
            person("王鑫", 1),
        ],
    )
    .await;
    let query = |text: &str| SubjectQuery::CodePrefix(text.into());
    assert_eq!(names(store.as_ref(), query("913406")).await, vec!["甲", "乙"]);
    assert_eq!(names(store.as_ref(), query("92")).await, vec!["丙"]);
    assert_eq!(names(store.as_ref(), query("91340600MA2N00002X")).await, vec!["乙"]);
    assert!(names(store.as_ref(), query("93")).await.is_empty());
    let first = store
        .search_subjects(&query("9"), &PageRequest::first(2))
        .await
        .unwrap();
    let rest = store
        .search_subjects(
            &query("9"),
            &PageRequest {
                after: first.next,
                limit: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        rest.items.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        vec!["丙"]
    );
}

pub(super) async fn foreign_cursors_give_empty_pages(store: Arc<dyn Store>) {
    seed(store.as_ref(), vec![org("甲", "91340600MA2N00001X")]).await;
    let bad = PageRequest {
        after: Some(Cursor("not hex".into())),
        limit: 10,
    };
    assert!(
        store
            .search_subjects(&SubjectQuery::Name("甲".into()), &bad)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        store
            .list_records(&Default::default(), &bad)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(store.list_batches(None, &bad).await.unwrap().items.is_empty());
    assert!(store.name_flags(&bad).await.unwrap().items.is_empty());
}

/// Many subjects: a common word fills pages from the first subjects, a rare
/// one is found wherever it lies (the PostgreSQL store switches strategy
/// past its first few thousand subjects), and paging stays in key order.
pub(super) async fn search_across_many_subjects(store: Arc<dyn Store>) {
    let rare_at = [10, 12_050, 12_090, 13_500];
    let subjects = (0..14_000)
        .map(|i| {
            let name = if rare_at.contains(&i) {
                format!("淮北市稀有{i}号工贸有限公司")
            } else {
                format!("淮北市第{i}号商贸有限公司")
            };
            org(&name, &format!("91340600{i:010}"))
        })
        .collect();
    seed(store.as_ref(), subjects).await;
    let query = SubjectQuery::Name("稀有".into());
    let mut seen = Vec::new();
    let mut page = PageRequest::first(2);
    loop {
        let found = store.search_subjects(&query, &page).await.unwrap();
        assert!(found.items.len() <= 2);
        seen.extend(found.items.into_iter().map(|s| s.name));
        match found.next {
            Some(next) => {
                page = PageRequest {
                    after: Some(next),
                    limit: 2,
                }
            }
            None => break,
        }
    }
    let expected: Vec<String> = rare_at.iter().map(|i| format!("淮北市稀有{i}号工贸有限公司")).collect();
    assert_eq!(seen, expected, "every match, once, in order, across the strategies");
    let common = store
        .search_subjects(&SubjectQuery::Name("商贸有限".into()), &PageRequest::first(3))
        .await
        .unwrap();
    let names: Vec<String> = common.items.into_iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        vec![
            "淮北市第0号商贸有限公司",
            "淮北市第1号商贸有限公司",
            "淮北市第2号商贸有限公司"
        ]
    );
    assert!(common.next.is_some());
}
