//! Passwords: argon2id with the crate's default parameters (19 MiB, two
//! passes), stored as PHC strings so parameters can be raised later without
//! breaking old hashes.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::AccessError;

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted, in bytes (argon2 hashes anything, but a
/// megabyte "password" is an attack on the CPU, not a password).
pub const MAX_PASSWORD_BYTES: usize = 256;

/// Hashes a new password after checking it is acceptable.
pub fn hash_password(password: &str) -> Result<String, AccessError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccessError::Invalid(format!("密码至少需要{MIN_PASSWORD_CHARS}个字符")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AccessError::Invalid(format!("密码不能超过{MAX_PASSWORD_BYTES}字节")));
    }
    if is_trivial(password) {
        return Err(AccessError::Invalid(
            "密码过于简单：不能由少数几个字符重复组成，也不能是连续的数字或字母（如1234567890、abcdefghij）".into(),
        ));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AccessError::Internal(format!("argon2: {e}")))
}

/// A password long enough but guessed first by anyone: one or a few
/// characters repeated (`1111111111`, `abababababab`), or a stretch of a
/// sequence either way (`1234567890`, `jihgfedcba`, `qwertyuiop`).
fn is_trivial(password: &str) -> bool {
    const SEQUENCES: [&str; 3] = [
        "0123456789012345678901234567890123456789",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
        "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
    ];
    let distinct: std::collections::BTreeSet<char> = password.chars().collect();
    let lower = password.to_lowercase();
    let reversed: String = lower.chars().rev().collect();
    distinct.len() < 4 || SEQUENCES.iter().any(|s| s.contains(&lower) || s.contains(&reversed))
}

/// Whether `password` matches the stored hash. A malformed stored hash
/// matches nothing.
pub fn verify_password(stored: &str, password: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    PasswordHash::new(stored)
        .map(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let first = hash_password("correct horse battery").unwrap();
        let second = hash_password("correct horse battery").unwrap();
        assert!(first.starts_with("$argon2id$"));
        assert_ne!(first, second);
        assert!(verify_password(&first, "correct horse battery"));
        assert!(!verify_password(&first, "correct horse batterz"));
        assert!(!verify_password("not a hash", "correct horse battery"));
    }

    #[test]
    fn weak_and_huge_passwords_are_refused() {
        assert!(matches!(hash_password("短密码"), Err(AccessError::Invalid(_))));
        assert!(matches!(hash_password(&"x".repeat(300)), Err(AccessError::Invalid(_))));
        for trivial in ["1111111111", "abababababab", "1234567890", "jihgfedcba", "QWERTYUIOP"] {
            assert!(
                matches!(hash_password(trivial), Err(AccessError::Invalid(_))),
                "{trivial}"
            );
        }
        assert!(hash_password("1234567809").is_ok());
    }
}
