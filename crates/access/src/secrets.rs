//! Session tokens and API keys: random secrets handed out once and stored
//! only as SM3 digests, so a copy of the database opens nothing.
//!
//! An API key reads `xyk_<key id>_<secret>`: the key id (12 hexadecimal
//! digits) finds the stored key, the secret (64 hexadecimal digits, 256
//! bits) proves possession.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use xinyong_crypto::{random_hex, sm3};
use xinyong_store::ApiKey;

use crate::AccessError;

const KEY_PREFIX: &str = "xyk_";
const KEY_ID_HEX: usize = 12;
const SECRET_HEX: usize = 64;

fn random(n_bytes: usize) -> Result<String, AccessError> {
    random_hex(n_bytes).map_err(|e| AccessError::Internal(e.to_string()))
}

/// The digest stored for a secret.
pub(crate) fn digest(secret: &str) -> [u8; 32] {
    sm3(secret.as_bytes())
}

/// A new session's cookie token and CSRF token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionToken {
    /// The cookie value (only its digest is stored).
    pub token: String,
    /// The token unsafe requests echo in `X-CSRF-Token`.
    pub csrf: String,
}

impl SessionToken {
    pub(crate) fn generate() -> Result<Self, AccessError> {
        Ok(Self {
            token: random(32)?,
            csrf: random(24)?,
        })
    }
}

/// A newly issued API key: the whole key, shown once, and its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedKey {
    /// `xyk_<key id>_<secret>`.
    pub key: String,
    /// The public identifier.
    pub key_id: String,
    /// The digest stored.
    pub secret_hash: [u8; 32],
}

impl IssuedKey {
    pub(crate) fn generate() -> Result<Self, AccessError> {
        let key_id = random(KEY_ID_HEX / 2)?;
        let secret = random(SECRET_HEX / 2)?;
        Ok(Self {
            key: format!("{KEY_PREFIX}{key_id}_{secret}"),
            secret_hash: digest(&secret),
            key_id,
        })
    }
}

/// Splits a presented API key into (key id, secret digest); `None` if it is
/// not shaped like one of ours.
pub fn parse_api_key(presented: &str) -> Option<(&str, [u8; 32])> {
    let rest = presented.strip_prefix(KEY_PREFIX)?;
    let (key_id, secret) = rest.split_once('_')?;
    let hex = |s: &str, len| s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (hex(key_id, KEY_ID_HEX) && hex(secret, SECRET_HEX)).then(|| (key_id, digest(secret)))
}

/// How long a looked-up key is trusted without asking the database again.
/// A key revoked through this process is dropped at once; one revoked by
/// another process (the CLI) stops working within this time.
const KEY_CACHE_TTL: Duration = Duration::from_secs(5);
/// Keys remembered at most (a flood of made-up key ids cannot grow it: only
/// keys found in the database are remembered).
const KEY_CACHE_MAX: usize = 10_000;

/// Recently looked-up API keys, so that a system calling many times a
/// second costs one key lookup per few seconds.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyCache(Arc<Mutex<KeyCacheState>>);

#[derive(Debug, Default)]
pub(crate) struct KeyCacheState {
    seen: HashMap<String, (ApiKey, Instant)>,
    /// Keys revoked here recently: a lookup that read the key just before
    /// its revocation must not put it back.
    revoked: HashMap<String, Instant>,
}

impl KeyCache {
    pub(crate) fn get(&self, key_id: &str) -> Option<ApiKey> {
        let cache = self.0.lock().ok()?;
        let (key, at) = cache.seen.get(key_id)?;
        (at.elapsed() < KEY_CACHE_TTL).then(|| key.clone())
    }

    /// Remembers a key read from the database at `read_at`.
    pub(crate) fn put(&self, key: ApiKey, read_at: Instant) {
        if let Ok(mut cache) = self.0.lock() {
            if cache
                .revoked
                .get(&key.new.key_id)
                .is_some_and(|revoked| *revoked >= read_at)
            {
                return;
            }
            if cache.seen.len() >= KEY_CACHE_MAX {
                cache.seen.retain(|_, (_, at)| at.elapsed() < KEY_CACHE_TTL);
                cache.revoked.retain(|_, at| at.elapsed() < KEY_CACHE_TTL);
            }
            if cache.seen.len() < KEY_CACHE_MAX {
                cache.seen.insert(key.new.key_id.clone(), (key, read_at));
            }
        }
    }

    pub(crate) fn forget(&self, key_id: &str) {
        if let Ok(mut cache) = self.0.lock() {
            cache.seen.remove(key_id);
            cache.revoked.insert(key_id.to_owned(), Instant::now());
        }
    }
}

/// Whether a presented session token is shaped like one of ours (so that
/// garbage never reaches the database).
pub(crate) fn is_session_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_keys_parse_back_to_their_digest() {
        let issued = IssuedKey::generate().unwrap();
        let (key_id, hash) = parse_api_key(&issued.key).unwrap();
        assert_eq!(key_id, issued.key_id);
        assert_eq!(hash, issued.secret_hash);
        assert_ne!(IssuedKey::generate().unwrap().key, issued.key);
    }

    #[test]
    fn foreign_keys_do_not_parse() {
        for bad in [
            "",
            "xyk_",
            "Bearer abc",
            "xyk_0123456789ab",
            "xyk_0123456789ab_short",
            "xyk_0123456789AB_0000000000000000000000000000000000000000000000000000000000000000",
            "xyk_0123456789ab_000000000000000000000000000000000000000000000000000000000000000g",
        ] {
            assert!(parse_api_key(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn session_tokens_are_fresh_and_recognised() {
        let a = SessionToken::generate().unwrap();
        let b = SessionToken::generate().unwrap();
        assert_ne!(a, b);
        assert!(is_session_token(&a.token));
        assert!(!is_session_token("x"));
        assert_eq!(a.csrf.len(), 48);
    }
}
