//! The storage conformance suite on SQLite, each case on a fresh file.

use std::sync::Arc;

use xinyong_store::Store;
use xinyong_store_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance() {
    let dir = tempfile::tempdir().unwrap();
    let counter = std::sync::atomic::AtomicUsize::new(0);
    xinyong_store::conformance::run_all(|| {
        let path = dir.path().join(format!(
            "case{}.db",
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        async move { Arc::new(SqliteStore::open(&path).await.unwrap()) as Arc<dyn Store> }
    })
    .await;
}
