//! Login throttling: a fixed window of attempts per key (client address, username), counted in
//! the database, so that every instance behind a load balancer counts the same attempts.

use sha2::{Digest, Sha256};

use crate::db::login_windows;
use crate::db::DbConnection;
use crate::error::ApiResult;

/// How long a window lasts: the limits are per minute.
const WINDOW_MS: i64 = 60_000;

/// The login endpoint's two limits: attempts per client address and per username per minute.
#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    per_address: u32,
    per_username: u32,
}

impl LoginThrottle {
    pub fn per_minute(per_address: u32, per_username: u32) -> Self {
        Self {
            per_address,
            per_username,
        }
    }

    /// Counts a login attempt at `now_ms`: first against the address (every attempt counts
    /// there, throttled ones too), then against the username. `Err(seconds to wait)` when
    /// either limit is passed, as a value: the counts must commit all the same. Windows that
    /// ended are purged on the way.
    pub fn attempt(
        &self,
        conn: &mut DbConnection,
        address: &str,
        username: &str,
        now_ms: i64,
    ) -> ApiResult<Result<(), u64>> {
        login_windows::purge(conn, now_ms, WINDOW_MS)?;
        for (kind, value, limit) in [
            ("address", address, self.per_address),
            ("username", username, self.per_username),
        ] {
            let window = login_windows::count(conn, &key(kind, value), now_ms, WINDOW_MS)?;
            if let Err(retry_after_secs) = verdict(limit, window, now_ms) {
                return Ok(Err(retry_after_secs));
            }
        }
        Ok(Ok(()))
    }
}

/// Keys are hashed: the table holds no usernames (nor passwords typed into the username field)
/// or addresses, and every key has the same short length whatever was sent.
fn key(kind: &str, value: &str) -> String {
    format!("{:x}", Sha256::digest(format!("{kind}\0{value}")))
}

/// `Err(seconds to wait)` when `window` holds more attempts than `limit`.
fn verdict(limit: u32, window: login_windows::Window, now_ms: i64) -> Result<(), u64> {
    if u32::try_from(window.attempts).unwrap_or(u32::MAX) <= limit {
        return Ok(());
    }
    let left_ms = u64::try_from(window.started_at_ms + WINDOW_MS - now_ms).unwrap_or(0);
    Err(left_ms.div_ceil(1000).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use login_windows::Window;

    #[test]
    fn refuses_past_the_limit_until_the_window_ends() {
        let at = |attempts| Window {
            started_at_ms: 1_000_000,
            attempts,
        };
        assert_eq!(verdict(2, at(1), 1_000_000), Ok(()));
        assert_eq!(verdict(2, at(2), 1_000_000), Ok(()));
        assert_eq!(verdict(2, at(3), 1_015_000), Err(45));
        assert_eq!(verdict(2, at(3), 1_059_999), Err(1));
        assert_eq!(verdict(2, at(3), 1_015_001), Err(45), "rounded up");
    }

    #[test]
    fn keys_differ_by_kind_and_have_one_length() {
        assert_ne!(key("address", "admin"), key("username", "admin"));
        assert_eq!(key("username", &"x".repeat(10_000)).len(), 64);
    }
}
