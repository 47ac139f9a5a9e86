//! The check log: one writer task that commits checks in groups.
//!
//! Every check must be stored with its audit entry before its answer
//! leaves. One transaction per check would cap the platform at the
//! database's commit rate; instead callers queue their check and wait,
//! and the writer commits everything that queued while the previous
//! commit ran, in one transaction. Under light load a group is one check
//! (no added latency); under heavy load groups grow and commits stay few.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use xinyong_access::AccessError;
use xinyong_domain::audit::Event;
use xinyong_store::{NewCheck, Store};

/// Most checks committed in one transaction.
const MAX_GROUP: usize = 512;
/// Checks that may wait for the writer before callers wait to queue.
const QUEUE: usize = 8192;

type Pending = ((NewCheck, Event), oneshot::Sender<Result<(), String>>);

/// A handle to the writer; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct CheckLog {
    queue: mpsc::Sender<Pending>,
}

impl CheckLog {
    /// Starts the writer on the current runtime.
    pub(crate) fn spawn(store: Arc<dyn Store>) -> Self {
        let (queue, mut pending) = mpsc::channel::<Pending>(QUEUE);
        tokio::spawn(async move {
            let mut group = Vec::with_capacity(MAX_GROUP);
            while pending.recv_many(&mut group, MAX_GROUP).await > 0 {
                let (checks, waiters): (Vec<_>, Vec<_>) = group.drain(..).unzip();
                let outcome = store.record_checks(checks).await.map_err(|e| e.to_string());
                if let Err(error) = &outcome {
                    tracing::error!(%error, n = waiters.len(), "checks could not be stored");
                }
                for waiter in waiters {
                    // A caller that gave up waiting is no reason to stop.
                    let _ = waiter.send(outcome.clone());
                }
            }
        });
        Self { queue }
    }

    /// Stores a check with its audit entry; returns once committed.
    pub(crate) async fn write(&self, check: NewCheck, event: Event) -> Result<(), AccessError> {
        let (done, committed) = oneshot::channel();
        self.queue
            .send(((check, event), done))
            .await
            .map_err(|_| AccessError::Internal("check log writer stopped".into()))?;
        committed
            .await
            .map_err(|_| AccessError::Internal("check log writer stopped".into()))?
            .map_err(AccessError::Internal)
    }
}
