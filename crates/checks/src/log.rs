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
use xinyong_store::{NewCheck, Store, StoreError};

/// Most checks committed in one transaction.
const MAX_GROUP: usize = 512;
/// Checks that may wait for the writer before callers wait to queue.
const QUEUE: usize = 8192;

type Outcome = Result<(), StoreError>;
type Pending = ((NewCheck, Event), oneshot::Sender<Outcome>);

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
                let outcomes = commit(&store, checks).await;
                for (waiter, outcome) in waiters.into_iter().zip(outcomes) {
                    // A caller that gave up waiting is no reason to stop.
                    let _ = waiter.send(outcome);
                }
            }
        });
        Self { queue }
    }

    /// Stores a check with its audit entry; returns once committed.
    pub(crate) async fn write(&self, check: NewCheck, event: Event) -> Result<(), AccessError> {
        let (done, committed) = oneshot::channel();
        let stopped = || AccessError::Internal("check log writer stopped".into());
        self.queue.send(((check, event), done)).await.map_err(|_| stopped())?;
        Ok(committed.await.map_err(|_| stopped())??)
    }
}

/// Commits a group, one outcome per check. If the group fails for a reason
/// other than the database being unreachable, its checks are retried one by
/// one, so that one bad check (a subject merged away meanwhile) does not
/// fail the others. The store runs in its own task, so a panic in it fails
/// this group and not the writer.
async fn commit(store: &Arc<dyn Store>, checks: Vec<(NewCheck, Event)>) -> Vec<Outcome> {
    let n = checks.len();
    let outcome = run(store, checks.clone()).await;
    match outcome {
        Ok(()) => vec![Ok(()); n],
        Err(error @ StoreError::Unavailable(_)) => vec![Err(error); n],
        Err(_) if n > 1 => {
            let mut outcomes = Vec::with_capacity(n);
            for check in checks {
                outcomes.push(run(store, vec![check]).await);
            }
            outcomes
        }
        Err(error) => {
            tracing::error!(%error, "a check could not be stored");
            vec![Err(error)]
        }
    }
}

async fn run(store: &Arc<dyn Store>, checks: Vec<(NewCheck, Event)>) -> Outcome {
    let store = Arc::clone(store);
    match tokio::spawn(async move { store.record_checks(checks).await }).await {
        Ok(outcome) => outcome,
        Err(error) => Err(StoreError::Other(format!("storing checks panicked: {error}"))),
    }
}
