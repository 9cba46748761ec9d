//! Login throttling: a fixed window of attempts per key (client address, username). In memory,
//! per instance; behind a load balancer each instance counts its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Throttle {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt for `key`; `Err(seconds)` tells how long to wait when over the limit.
    pub fn attempt(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 10_000 {
            let window = self.window;
            windows.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// The login endpoint's two throttles: per client address and per username.
pub struct LoginThrottle {
    by_address: Throttle,
    by_username: Throttle,
}

impl LoginThrottle {
    pub fn per_minute(per_address: u32, per_username: u32) -> Self {
        let minute = Duration::from_secs(60);
        Self {
            by_address: Throttle::new(per_address, minute),
            by_username: Throttle::new(per_username, minute),
        }
    }

    /// Counts a login attempt; `Err(seconds)` when either limit is reached.
    pub fn attempt(&self, address: &str, username: &str) -> Result<(), u64> {
        let now = Instant::now();
        self.by_address.attempt(address, now)?;
        self.by_username.attempt(username, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_over_the_limit_until_the_window_ends() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(throttle.attempt("a", t0).is_ok());
        assert!(throttle.attempt("a", t0).is_ok());
        assert_eq!(throttle.attempt("a", t0 + Duration::from_secs(15)), Err(45));
        assert!(throttle.attempt("b", t0).is_ok(), "keys are independent");
        assert!(throttle.attempt("a", t0 + Duration::from_secs(60)).is_ok());
    }
}
