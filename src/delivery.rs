//! Delivers the webhook outbox: signs each event, POSTs it, logs the attempt, and retries
//! failures with exponential backoff. Each delivery is claimed with a lease, sent and settled on
//! its own, as soon as its answer arrives, so a slow receiver holds back no other: only its own
//! next deliveries, beyond the few it may have in flight. Instances share the work; a delivery
//! whose instance dies is taken up again when its lease ends (at least once: the receiver
//! de-duplicates by `X-Nok-Delivery`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::db::webhooks::{self, Attempt, Due};
use crate::db::{now, Db};
use crate::domain::address;
use crate::metrics::Metrics;

/// How the worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct DeliverySettings {
    /// How often the outbox is looked at when nothing else wakes the worker.
    pub poll: Duration,
    /// The first retry waits this long; each next one twice as long, up to an hour.
    pub retry_base: Duration,
    /// Attempts before a delivery is given up (`failed`).
    pub max_attempts: i32,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// Deliveries of one subscription in flight at once, counted over all instances.
    pub per_subscription: i64,
    /// Deliveries this instance sends at once, all subscriptions together: far more than a few
    /// slow subscriptions take, so that they leave room for the others.
    pub max_in_flight: usize,
    /// Deliver to loopback, private and other non-public addresses (`NOK_WEBHOOK_INTERNAL_TARGETS`).
    pub internal_targets: bool,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(1),
            retry_base: Duration::from_secs(10),
            max_attempts: 10,
            timeout: Duration::from_secs(10),
            per_subscription: 4,
            max_in_flight: 256,
            internal_targets: false,
        }
    }
}

impl DeliverySettings {
    /// How long a claimed delivery stays away from other instances: long enough to be sent.
    fn lease(&self) -> Duration {
        self.timeout * 3
    }
}

/// How long the worker may finish the deliveries it is sending once told to stop; then they
/// are cut off and stay leased, to be sent again when their lease ends. `None`: keep going.
pub type StopSignal = watch::Receiver<Option<Duration>>;

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

/// Builds the HTTP client of deliveries: no redirects, no proxy, and unless internal targets
/// are allowed, a resolver that keeps only public addresses, so that a name cannot lead to
/// this machine or a private network whatever it resolves to when it is called.
fn client(settings: &DeliverySettings) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .timeout(settings.timeout)
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    if settings.internal_targets {
        builder.build()
    } else {
        builder.dns_resolver(Arc::new(PublicResolver)).build()
    }
}

/// Resolves names to their public addresses only; a name with none fails to resolve.
struct PublicResolver;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| address::is_public(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// What the owner reads of an attempt that got no answer: the same whatever the cause (a
/// refused address, a name that does not resolve, a closed port, a timeout), so that the log
/// tells nothing about the network beyond the receiver's own answers.
pub const NOT_DELIVERED: &str = "not delivered: no answer from the receiver";

/// The header carrying the change's position in the feed (the event's `id`).
pub const POSITION_HEADER: &str = "X-Nok-Feed-Position";

/// The header naming the event type (`plan.updated`, `ping`), so that a receiver can route a
/// delivery before reading its body.
pub const EVENT_HEADER: &str = "X-Nok-Event";

/// The `User-Agent` of deliveries: receivers and their firewalls tell them by it.
pub const USER_AGENT: &str = concat!("nok-api/", env!("CARGO_PKG_VERSION"));

/// Sends deliveries.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    internal_targets: bool,
}

impl Sender {
    pub fn new(settings: &DeliverySettings) -> reqwest::Result<Self> {
        Ok(Self {
            client: client(settings)?,
            internal_targets: settings.internal_targets,
        })
    }

    /// One attempt of `due`. Addresses in the URL itself are checked here (the resolver sees
    /// only names).
    pub async fn send(&self, due: &Due) -> Attempt {
        let attempted_at = now();
        let started = Instant::now();
        let allowed = self.internal_targets || public_literal(&due.url);
        let timestamp = attempted_at.and_utc().timestamp();
        let sent = if allowed {
            let request = self
                .client
                .post(&due.url)
                .header("content-type", "application/json")
                .header(
                    SIGNATURE_HEADER,
                    signature(&due.secret, timestamp, &due.body),
                )
                .header("X-Nok-Delivery", due.outbox_id.to_string())
                .header(EVENT_HEADER, &due.event_type);
            // A ping is no change: it has no place in the feed.
            let request = match due.change_id {
                Some(position) => request.header(POSITION_HEADER, position.to_string()),
                None => request,
            };
            let request = request.body(due.body.clone());
            Some(request.send().await)
        } else {
            None
        };
        let elapsed = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status_code, error, duration_ms) = match sent {
            Some(Ok(response)) if response.status().is_success() => {
                (Some(response.status().as_u16()), None, elapsed)
            }
            Some(Ok(response)) => (
                Some(response.status().as_u16()),
                Some(format!("the receiver answered {}", response.status())),
                elapsed,
            ),
            // No duration either: how long a failure took would tell its cause.
            Some(Err(e)) => {
                tracing::debug!(delivery = due.outbox_id, error = %e, "webhook not delivered");
                (None, Some(NOT_DELIVERED.to_owned()), 0)
            }
            None => {
                tracing::debug!(
                    delivery = due.outbox_id,
                    "webhook URL names a non-public address"
                );
                (None, Some(NOT_DELIVERED.to_owned()), 0)
            }
        };
        Attempt {
            status_code,
            error,
            duration_ms,
            attempted_at,
        }
    }
}

/// The URL's host is a name (checked when resolved) or a public address.
fn public_literal(url: &str) -> bool {
    match reqwest::Url::parse(url) {
        Ok(url) if matches!(url.host(), Some(url::Host::Domain(_))) => true,
        Ok(url) => !crate::app::webhooks::internal_url(&url),
        Err(_) => false,
    }
}

/// Runs until `stop` says so: claims due deliveries whenever there is room (at every poll, and
/// as soon as a delivery in flight is settled), sends each on its own and settles it the
/// moment its answer arrives. It looks at `stop` before every claim; told to stop, it claims
/// nothing more, gives the deliveries in flight the time `stop` allows, and cuts off the rest.
pub async fn run(db: Db, settings: DeliverySettings, metrics: Arc<Metrics>, mut stop: StopSignal) {
    let sender = match Sender::new(&settings) {
        Ok(sender) => sender,
        Err(e) => {
            tracing::error!(error = %e, "webhook deliveries cannot start");
            return;
        }
    };
    let mut in_flight = JoinSet::new();
    let grace = loop {
        if let Some(grace) = *stop.borrow() {
            break grace;
        }
        let room = settings.max_in_flight.saturating_sub(in_flight.len());
        let mut more = false;
        if room > 0 {
            let (lease, per_subscription) = (settings.lease(), settings.per_subscription);
            let limit = i64::try_from(room).unwrap_or(i64::MAX);
            let claimed = db
                .transaction(move |conn| {
                    webhooks::claim(conn, now(), lease, per_subscription, limit)
                })
                .await;
            match claimed {
                Ok(due) => {
                    // All the room taken: more may be due.
                    more = due.len() == room;
                    for due in due {
                        let worker = (db.clone(), sender.clone(), metrics.clone());
                        in_flight.spawn(deliver(worker, settings, due));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "webhook deliveries could not be claimed"),
            }
        }
        if more {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.poll) => {}
            // Room again: claim at once, for all that were settled meanwhile together.
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {
                while in_flight.try_join_next().is_some() {}
            }
            changed = stop.changed() => {
                if changed.is_err() {
                    break Duration::ZERO;
                }
            }
        }
    };
    let deadline = tokio::time::sleep(grace);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = in_flight.join_next() => if next.is_none() {
                return;
            },
            _ = &mut deadline => break,
        }
    }
    tracing::info!(
        deliveries = in_flight.len(),
        "webhook deliveries cut off at shutdown; they stay leased and are sent again when their lease ends"
    );
    in_flight.abort_all();
    while in_flight.join_next().await.is_some() {}
}

/// Sends one delivery, counts its outcome and settles it at once.
async fn deliver(
    (db, sender, metrics): (Db, Sender, Arc<Metrics>),
    settings: DeliverySettings,
    due: Due,
) {
    let attempt = sender.send(&due).await;
    metrics.record_delivery(attempt.error.is_none());
    let retry = retry_at(&settings, due.attempts + 1, attempt.attempted_at);
    let id = due.outbox_id;
    let settled = db
        .transaction(move |conn| webhooks::settle(conn, &due, &attempt, retry))
        .await;
    if let Err(e) = settled {
        tracing::warn!(delivery = id, error = %e, "webhook delivery not settled; it is sent again when its lease ends");
    }
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
