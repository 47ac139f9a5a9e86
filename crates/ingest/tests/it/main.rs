//! Integration tests of ingestion, each on SQLite and (when reachable)
//! PostgreSQL.
#![expect(clippy::unwrap_used, reason = "tests")]

mod export;
mod formats;
mod idempotence;
mod refusals;
mod subjects;
mod validation;

use xinyong_store::{IssueSeverity, PageRequest, RowIssue, Store};

/// Every issue of a batch with `severity`, in row order.
pub async fn issues(store: &dyn Store, batch_id: i64, severity: IssueSeverity) -> Vec<RowIssue> {
    let mut all = Vec::new();
    let mut page = PageRequest::first(500);
    loop {
        let result = store.batch_issues(batch_id, &page).await.unwrap();
        all.extend(result.items.into_iter().filter(|i| i.severity == severity));
        match result.next {
            Some(next) => {
                page = PageRequest {
                    after: Some(next),
                    limit: 500,
                }
            }
            None => return all,
        }
    }
}
