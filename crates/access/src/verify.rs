//! Walking the whole audit log, and comparing it with kept checkpoints.

use xinyong_domain::audit::{Break, Hash, Verifier, check_checkpoint};
use xinyong_store::Store;

use crate::AccessError;

/// Entries read per page while verifying.
const PAGE: u32 = 5_000;

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries found intact before the first break (all, if none).
    pub intact: u64,
    /// The last intact entry: position and digest.
    pub head: (i64, Hash),
    /// Checkpoints compared.
    pub checkpoints: usize,
    /// The first break, if any.
    pub broken: Option<Break>,
}

/// Verifies the chain from its first entry, then every checkpoint the
/// database keeps and every one in `kept` (checkpoints exported earlier
/// and kept elsewhere: position and digest).
pub async fn verify_chain(store: &dyn Store, kept: &[(i64, Hash)]) -> Result<VerifyReport, AccessError> {
    let mut verifier = Verifier::default();
    let mut after = 0;
    let mut broken = None;
    'pages: loop {
        let entries = store.audit_entries(after, PAGE).await?;
        let Some(last) = entries.last() else { break };
        after = last.seq;
        for entry in &entries {
            // The digest index is consulted only where the chain breaks.
            let position = if entry.prev_hash == verifier.head().1 {
                None
            } else {
                store.audit_position(&entry.prev_hash).await?
            };
            if let Err(found) = verifier.check(entry, |_| position) {
                broken = Some(found);
                break 'pages;
            }
        }
    }
    let mut checkpoints: Vec<(i64, Hash)> = store
        .checkpoints()
        .await?
        .into_iter()
        .map(|c| (c.seq, c.hash))
        .collect();
    checkpoints.extend_from_slice(kept);
    if broken.is_none() {
        for (seq, hash) in &checkpoints {
            let stored = store.audit_hash(*seq).await?;
            if let Err(found) = check_checkpoint(*seq, hash, stored.as_ref()) {
                broken = Some(found);
                break;
            }
        }
    }
    Ok(VerifyReport {
        intact: verifier.checked(),
        head: verifier.head(),
        checkpoints: checkpoints.len(),
        broken,
    })
}
