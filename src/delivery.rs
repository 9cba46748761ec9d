//! Delivers the webhook outbox: signs each event, POSTs it, logs the attempt, and retries
//! failures with exponential backoff. Deliveries are claimed with a lease, so several instances
//! share the work and a delivery whose instance dies is taken up again when the lease ends.

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use futures_util::future::join_all;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::watch;

use crate::db::webhooks::{self, Attempt, Due};
use crate::db::{now, Db};
use crate::error::ApiResult;

/// How the worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct DeliverySettings {
    /// How often the outbox is looked at.
    pub poll: Duration,
    /// The first retry waits this long; each next one twice as long, up to an hour.
    pub retry_base: Duration,
    /// Attempts before a delivery is given up (`failed`).
    pub max_attempts: i32,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// Deliveries taken per round.
    pub batch: i64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(1),
            retry_base: Duration::from_secs(10),
            max_attempts: 10,
            timeout: Duration::from_secs(10),
            batch: 50,
        }
    }
}

/// The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`.
pub const SIGNATURE_HEADER: &str = "X-Nok-Signature";

pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length; this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// When to try again after `attempts` failed ones, or `None` to give up.
pub fn retry_at(
    settings: &DeliverySettings,
    attempts: i32,
    at: NaiveDateTime,
) -> Option<NaiveDateTime> {
    if attempts >= settings.max_attempts {
        return None;
    }
    let factor = 2u32.saturating_pow(u32::try_from(attempts.saturating_sub(1)).unwrap_or(0));
    let wait = settings
        .retry_base
        .saturating_mul(factor)
        .min(Duration::from_secs(3600));
    Some(at + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1)))
}

/// Runs until `stop` turns true: claims due deliveries, sends them side by side (one that hangs
/// or fails does not hold the others beyond its timeout), settles each.
pub async fn run(db: Db, settings: DeliverySettings, mut stop: watch::Receiver<bool>) {
    let client = match reqwest::Client::builder()
        .timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "webhook deliveries cannot start");
            return;
        }
    };
    loop {
        match round(&db, &client, &settings).await {
            // A full batch: more may be waiting, go on at once.
            Ok(n) if n as i64 == settings.batch => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "webhook delivery round failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.poll) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
    }
}

async fn round(db: &Db, client: &reqwest::Client, settings: &DeliverySettings) -> ApiResult<usize> {
    let lease = settings.timeout * 3;
    let batch = settings.batch;
    let due = db
        .transaction(move |conn| webhooks::claim(conn, now(), lease, batch))
        .await?;
    let n = due.len();
    let attempts = join_all(due.into_iter().map(|d| attempt(client, d))).await;
    for (due, attempt) in attempts {
        let retry = retry_at(settings, due.attempts + 1, attempt.attempted_at);
        db.transaction(move |conn| webhooks::settle(conn, &due, &attempt, retry))
            .await?;
    }
    Ok(n)
}

async fn attempt(client: &reqwest::Client, due: Due) -> (Due, Attempt) {
    let attempted_at = now();
    let started = Instant::now();
    let timestamp = attempted_at.and_utc().timestamp();
    let sent = client
        .post(&due.url)
        .header("content-type", "application/json")
        .header(
            SIGNATURE_HEADER,
            signature(&due.secret, timestamp, &due.body),
        )
        .header("X-Nok-Delivery", due.outbox_id.to_string())
        .body(due.body.clone())
        .send()
        .await;
    let (status_code, error) = match sent {
        Ok(response) if response.status().is_success() => (Some(response.status().as_u16()), None),
        Ok(response) => (
            Some(response.status().as_u16()),
            Some(format!("the receiver answered {}", response.status())),
        ),
        Err(e) => (None, Some(format!("not delivered: {e}"))),
    };
    let attempt = Attempt {
        status_code,
        error,
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        attempted_at,
    };
    (due, attempt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_cover_the_timestamp_and_the_body() {
        let one = signature("secret", 1_700_000_000, "{}");
        assert!(one.starts_with("t=1700000000,v1="));
        assert_eq!(one.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(one, signature("secret", 1_700_000_001, "{}"));
        assert_ne!(one, signature("other", 1_700_000_000, "{}"));
        assert_ne!(one, signature("secret", 1_700_000_000, "{ }"));
    }

    #[test]
    fn retries_back_off_exponentially_and_give_up() {
        let settings = DeliverySettings {
            retry_base: Duration::from_secs(10),
            max_attempts: 4,
            ..DeliverySettings::default()
        };
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let waits: Vec<i64> = (1..4)
            .map(|n| (retry_at(&settings, n, at).unwrap() - at).num_seconds())
            .collect();
        assert_eq!(waits, [10, 20, 40]);
        assert_eq!(retry_at(&settings, 4, at), None);
        let long = DeliverySettings {
            max_attempts: 100,
            ..settings
        };
        assert_eq!((retry_at(&long, 60, at).unwrap() - at).num_seconds(), 3600);
    }
}
