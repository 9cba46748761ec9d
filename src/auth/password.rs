//! Password hashing with argon2id (PHC strings), and a fixed decoy hash so that a login for an
//! unknown user costs the same time as one with a wrong password.

use std::sync::{Condvar, Mutex, OnceLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

use crate::error::{ApiError, FieldError};

/// A new password's limits: the request bodies' `validator` rules, their schemas and the
/// command line's [`check_strength`] all take these.
pub const MIN_LENGTH: u64 = 12;
pub const MAX_LENGTH: u64 = 256;

/// A new password must be 12–256 characters; nothing else is imposed (NIST SP 800-63B). The
/// command line's check; request bodies state the same rule with `validator`.
pub fn check_strength(password: &str, field: &str) -> Result<(), FieldError> {
    let length = password.chars().count() as u64;
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return Err(FieldError::new(
            field,
            "length",
            format!("must be {MIN_LENGTH} to {MAX_LENGTH} characters"),
        ));
    }
    Ok(())
}

/// Hashes with argon2id and a fresh random salt. Slow by design: call off the async workers.
pub fn hash(password: &str) -> Result<String, ApiError> {
    let _turn = permits().take();
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Checks `password` against a stored hash, or against the decoy when there is none, so both
/// outcomes take one argon2 verification.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let decoy = decoy();
    let (hash, real) = match stored {
        Some(hash) => (hash, true),
        None => (decoy.as_str(), false),
    };
    let matches = PasswordHash::new(hash)
        .map(|parsed| {
            let _turn = permits().take();
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    matches && real
}

fn decoy() -> &'static String {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password nobody has").unwrap_or_default())
}

/// Sets how many hashes may be computed at once (the first call decides; at least one), and
/// warms the decoy at start so the first unknown-user login is not slower than the rest.
pub fn prepare(concurrency: usize) {
    let _ = PERMITS.set(Permits::new(concurrency));
    decoy();
}

/// Each argon2 computation takes 19 MiB (its default `m_cost`) while it runs: a burst of logins
/// on every blocking thread would take hundreds of MiB, and more hashes at once than cores are
/// no faster anyway. Callers wait on a blocking thread for their turn.
struct Permits {
    free: Mutex<usize>,
    freed: Condvar,
}

struct Turn<'a>(&'a Permits);

static PERMITS: OnceLock<Permits> = OnceLock::new();

/// `NOK_HASH_CONCURRENCY`'s default, for callers that never ran [`prepare`] (commands, tests).
const DEFAULT_CONCURRENCY: usize = 2;

fn permits() -> &'static Permits {
    PERMITS.get_or_init(|| Permits::new(DEFAULT_CONCURRENCY))
}

impl Permits {
    fn new(count: usize) -> Self {
        Self {
            free: Mutex::new(count.max(1)),
            freed: Condvar::new(),
        }
    }

    fn take(&self) -> Turn<'_> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        Turn(self)
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_never_contain_the_password() {
        let hash = hash("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains("correct horse"));
        assert!(verify("correct horse battery", Some(&hash)));
        assert!(!verify("wrong horse battery", Some(&hash)));
        assert!(!verify("decoy password nobody has", None));
        assert!(!verify("anything", Some("not a phc string")));
    }

    #[test]
    fn strength_is_a_length_range() {
        assert!(check_strength("short", "password").is_err());
        assert!(check_strength("twelve chars", "password").is_ok());
        assert!(check_strength(&"я".repeat(257), "password").is_err());
    }
}
