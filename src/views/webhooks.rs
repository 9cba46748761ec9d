//! Bodies of `/api/v1/webhooks`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::limits;

use crate::db::webhooks::{DeliveryRow, SubscriptionRow};
use crate::error::ApiResult;

/// A webhook subscription. Deliveries are POSTs of a change-feed event (JSON) with the headers
/// `X-Nok-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the
/// secret>`, `X-Nok-Delivery: <delivery id>` (at least once: de-duplicate by it) and
/// `X-Nok-Feed-Position: <the event's id>` (deliveries may arrive out of order: order by it),
/// `X-Nok-Event: <the event type>` and `User-Agent: nok-api/<version>`; a 2xx answer
/// acknowledges, anything else is retried with exponential backoff. A ping (event `ping`, no
/// feed position) tests the receiver; a past delivery can be sent again (a new delivery id).
#[derive(Debug, Serialize, ToSchema)]
pub struct Subscription {
    pub id: i64,
    pub url: String,
    /// `<resource>.<action>` patterns: `plan.updated`, `plan.*`, `*`.
    pub event_types: Vec<String>,
    /// Who registered it; deliveries carry what this caller could read then.
    pub owner: String,
    pub active: bool,
    /// The signing secret: shown only in the answer that creates the subscription.
    pub secret: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Subscription {
    /// The subscription as shown; its secret only in the answer that creates it.
    pub fn of(row: &SubscriptionRow, with_secret: bool) -> ApiResult<Self> {
        Ok(Self {
            id: row.id,
            url: row.url.clone(),
            event_types: row.patterns()?,
            owner: row.owner.clone(),
            active: row.active,
            secret: with_secret.then(|| row.secret.clone()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://soc71.example.ru/nok/events", "event_types": ["plan.*", "cycle.updated"]}))]
pub struct NewWebhook {
    /// Where deliveries go: an http(s) URL.
    #[validate(length(max = URL_MAX), custom(function = http_url))]
    #[schema(schema_with = url)]
    pub url: String,
    /// `<resource>.<action>` patterns (resources: region, organization, cycle, evaluation,
    /// proposal, council_meeting, cycle_deadlines, plan, report, organizing_plan, operator;
    /// actions: created, updated, deleted, or `*`), or `*`.
    #[validate(length(
        min = 1,
        max = EVENT_TYPES_MAX,
        code = "length",
        message = "must name 1 to 50 patterns"
    ))]
    pub event_types: Vec<String>,
    /// The signing secret, 16–200 characters; generated (and shown once) if left out.
    #[serde(default)]
    #[validate(
        length(
            min = SECRET_MIN,
            max = SECRET_MAX,
            code = "length",
            message = "must be 16 to 200 characters"
        ),
        custom(function = no_control_characters)
    )]
    #[schema(schema_with = secret, required = false)]
    pub secret: Option<String>,
}

/// The limits of a subscription's fields, for its `validator` rules and its schema alike.
pub const URL_MAX: u64 = 2000;
pub const EVENT_TYPES_MAX: u64 = 50;
pub const SECRET_MIN: u64 = 16;
pub const SECRET_MAX: u64 = 200;

/// The schemas of `url` and `secret`: the limits above, which `schema_with` takes (see
/// `views::limits`), and the descriptions `schema_with` would drop from the fields' docs.
fn url() -> utoipa::openapi::schema::Object {
    let mut schema = limits::text::<0, URL_MAX>();
    schema.description = Some("Where deliveries go: an http(s) URL.".into());
    schema
}

fn secret() -> utoipa::openapi::schema::Object {
    let mut schema = limits::nullable_text::<SECRET_MIN, SECRET_MAX>();
    schema.description = Some(
        "The signing secret, 16–200 characters; generated (and shown once) if left out.".into(),
    );
    schema
}

/// An absolute http(s) URL as the delivering client parses it, without spaces or control
/// characters (whether its host is public is the use case's rule: it depends on configuration).
fn http_url(url: &str) -> Result<(), ValidationError> {
    let parses = reqwest::Url::parse(url).is_ok();
    let http = url.starts_with("https://") || url.starts_with("http://");
    if parses && http && !url.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Ok(());
    }
    Err(ValidationError::new("format")
        .with_message("must be an http(s) URL without spaces or control characters".into()))
}

/// NUL cannot be stored on PostgreSQL; no control character belongs in a shared secret.
fn no_control_characters(secret: &str) -> Result<(), ValidationError> {
    if secret.contains(char::is_control) {
        return Err(ValidationError::new("format")
            .with_message("must not contain control characters".into()));
    }
    Ok(())
}

/// One attempt to deliver an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: i64,
    /// The delivery (its `X-Nok-Delivery` header); attempts of one delivery share it.
    pub delivery_id: i64,
    pub event: String,
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    /// The receiver's status; `null` when it did not answer.
    pub status_code: Option<i32>,
    /// Why it is not delivered: `the receiver answered <status>`, or `not delivered: no answer
    /// from the receiver` whatever kept it from answering (the duration is then 0).
    pub error: Option<String>,
    pub duration_ms: i64,
    /// Where the delivery stands now: `pending` (to be retried), `delivered` or `failed` (given
    /// up after the last attempt, or when the subscription was deactivated).
    pub delivery_status: String,
}

impl Delivery {
    /// An attempt, with the event type and the status of its delivery.
    pub fn of((d, event, status): (DeliveryRow, String, String)) -> Self {
        Self {
            id: d.id,
            delivery_id: d.outbox_id,
            event,
            attempt: d.attempt,
            attempted_at: d.attempted_at.and_utc(),
            status_code: d.status_code,
            error: d.error,
            duration_ms: d.duration_ms,
            delivery_status: status,
        }
    }
}

/// A delivery queued on request (a ping or a redelivery): sent at once by the delivery worker,
/// its attempts then listed under `/deliveries`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"delivery_id": 42, "event": "ping", "delivery_status": "pending"}))]
pub struct QueuedDelivery {
    /// The new delivery's id (its `X-Nok-Delivery` header).
    pub delivery_id: i64,
    /// Its event type (`X-Nok-Event`): `ping`, or the redelivered event's.
    pub event: String,
    /// Always `pending`: queued, not sent yet.
    pub delivery_status: String,
}

/// The body of a ping: which subscription it tests, and when it was asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct PingEvent {
    /// Always `ping`.
    pub event: String,
    pub subscription_id: i64,
    /// The subscription's patterns, so that the receiver sees what it will get.
    pub event_types: Vec<String>,
    pub occurred_at: DateTime<Utc>,
}
