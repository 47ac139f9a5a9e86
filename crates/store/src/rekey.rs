//! Key rotation: every sealed value re-encrypted, and every person's keyed
//! hash recomputed, under a new key, in one transaction with the new key's
//! fingerprint.

use async_trait::async_trait;

use crate::StoreError;

/// A sealed value in, its replacement out; the text of an error is for logs.
pub type Transform<T> = Box<dyn Fn(&[u8]) -> Result<T, String> + Send + Sync>;

/// What a rotation does to each stored secret.
pub struct Rekey {
    /// Opens a value sealed under the old key and seals it under the new one.
    pub reseal: Transform<Vec<u8>>,
    /// A person's keyed hash under the new key, from the identity sealed under the old one.
    pub rehash: Transform<[u8; 32]>,
    /// The new key's fingerprint, pinned in the same transaction.
    pub fingerprint: String,
}

impl std::fmt::Debug for Rekey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rekey")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// How many values a rotation re-encrypted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RekeyCounts {
    /// People's sealed identities (and their hashes).
    pub subjects: u64,
    /// Records' sealed personal items.
    pub records: u64,
    /// Rejected rows.
    pub rejections: u64,
}

/// A record's new payload (JSON text) and sealed items.
pub type Rewritten = (String, Option<Vec<u8>>);

/// A stored record's type, payload (JSON text) and sealed items in; its new
/// payload and sealed items out, or `None` to leave it as it is. The text
/// of an error is for logs.
pub type Rewrite = Box<dyn Fn(&str, &str, Option<&[u8]>) -> Result<Option<Rewritten>, String> + Send + Sync>;

/// Re-encryption under a new key, and rewriting what was stored under an
/// older rule.
#[async_trait]
pub trait RekeyStore {
    /// Applies `rekey` to every sealed value, all or nothing.
    async fn rekey(&self, rekey: Rekey) -> Result<RekeyCounts, StoreError>;

    /// Applies `rewrite` to every stored record, every version, in order, a
    /// chunk per transaction; returns how many records it changed. Meant
    /// for rewrites that leave what they rewrote alone the next time, so
    /// that a walk stopped half-way is finished by walking again.
    async fn rewrite_records(&self, rewrite: Rewrite) -> Result<u64, StoreError>;
}
