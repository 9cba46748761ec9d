//! `/api/v1/webhooks`: subscriptions to the change feed, delivered as signed POSTs, and the log
//! of their deliveries, readable by the subscription's owner.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::changes::TYPES;
use super::conditional::{self, etag, IfMatch};
use super::extract::ApiJson;
use super::request_id::RequestId;
use super::{timestamp, ListFilterErrors};
use crate::auth::policy::{self, Rule, Target};
use crate::auth::{Caller, Principal, Role};
use crate::db::audit::{self, Actor, Change};
use crate::db::webhooks::{self as store, NewSubscription, SubscriptionRow};
use crate::db::{Db, DbConnection};
use crate::domain::paging;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::openapi::{
    BadRequest, NotFound, PayloadTooLarge, PreconditionFailed, PreconditionRequired,
    UnsupportedMediaType, ValidationFailed,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(remove)
        .service(deliveries);
}

/// A webhook subscription. Deliveries are POSTs of a change-feed event (JSON) with the headers
/// `X-Nok-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the
/// secret>` and `X-Nok-Delivery: <delivery id>`; a 2xx answer acknowledges, anything else is
/// retried with exponential backoff.
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

fn shown(row: &SubscriptionRow, with_secret: bool) -> ApiResult<Subscription> {
    Ok(Subscription {
        id: row.id,
        url: row.url.clone(),
        event_types: row.patterns()?,
        owner: row.owner.clone(),
        active: row.active,
        secret: with_secret.then(|| row.secret.clone()),
        created_at: timestamp(row.created_at),
        updated_at: timestamp(row.updated_at),
    })
}

/// The subscription, if `caller` may act under `rule` and owns it (administrators reach all).
fn authorized(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
    rule: &Rule,
) -> ApiResult<SubscriptionRow> {
    let row = store::find(conn, id)?;
    let principal = policy::authorize(
        caller,
        rule,
        &Target::region(row.owner_region_id.unwrap_or(-1)),
    )?;
    let owns = principal.is_some_and(|p| p.role == Role::Admin || p.username == row.owner);
    if !owns {
        return Err(ApiError::NotFound(format!(
            "Webhook subscription {id} does not exist"
        )));
    }
    Ok(row)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://soc71.example.ru/nok/events", "event_types": ["plan.*", "cycle.updated"]}))]
pub struct NewWebhook {
    /// Where deliveries go: an http(s) URL.
    #[schema(max_length = 2000)]
    pub url: String,
    /// `<resource>.<action>` patterns (resources: region, organization, cycle, evaluation,
    /// proposal, plan, report; actions: created, updated, deleted, or `*`), or `*`.
    pub event_types: Vec<String>,
    /// The signing secret, 16–200 characters; generated (and shown once) if left out.
    #[serde(default)]
    #[schema(min_length = 16, max_length = 200)]
    pub secret: Option<String>,
}

/// Whether internal addresses may receive webhooks (`NOK_WEBHOOK_INTERNAL_TARGETS`).
#[derive(Debug, Clone, Copy)]
pub struct InternalTargets(pub bool);

/// The host of an http(s) URL names this machine or a private network: loopback, private,
/// shared (carrier-grade NAT), link-local (cloud metadata), unspecified or unique-local
/// addresses, or `localhost`. The URL is read as the delivering client reads it (WHATWG URL
/// parsing), so that other spellings of an address are the address they spell: `2130706433`,
/// `0x7f.1`, `0177.0.0.1`, `127.1`, `127.0.0.1.`, percent-encoded or full-width digits, `\` for
/// `/` before an `@`. A URL that does not parse has no host to call and counts as internal.
pub fn internal_host(url: &str) -> bool {
    reqwest::Url::parse(url.trim()).map_or(true, |url| internal_url(&url))
}

fn internal_url(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return true;
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if host.is_empty()
        || host == "localhost"
        || host.ends_with(".localhost")
        || host.ends_with(".local")
    {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => internal_v4(ip),
        Ok(std::net::IpAddr::V6(ip)) => {
            let s = ip.segments();
            ip.is_loopback()
                || ip.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                // IPv4-mapped and -compatible addresses, and NAT64's well-known prefix.
                || ip.to_ipv4().is_some_and(internal_v4)
                || (s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
                    && internal_v4(std::net::Ipv4Addr::new(
                        (s[6] >> 8) as u8,
                        s[6] as u8,
                        (s[7] >> 8) as u8,
                        s[7] as u8,
                    )))
        }
        Err(_) => false,
    }
}

fn internal_v4(ip: std::net::Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || a == 0
        || (a == 100 && (b & 0xc0) == 64)
}

fn check(new: &NewWebhook, internal_allowed: bool) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let url = new.url.trim();
    let parsed = reqwest::Url::parse(url).ok();
    if !internal_allowed && parsed.as_ref().is_some_and(internal_url) {
        errors.push(FieldError::new(
            "url",
            "internal_address",
            "must not name this machine or a private network (NOK_WEBHOOK_INTERNAL_TARGETS allows it)",
        ));
    }
    if parsed.is_none()
        || !(url.starts_with("https://") || url.starts_with("http://"))
        || url.len() > 2000
        || url.contains(char::is_whitespace)
    {
        errors.push(FieldError::new(
            "url",
            "format",
            "must be an http(s) URL of at most 2000 characters",
        ));
    }
    if new.event_types.is_empty() || new.event_types.len() > 50 {
        errors.push(FieldError::new(
            "event_types",
            "length",
            "must name 1 to 50 patterns",
        ));
    }
    for (i, pattern) in new.event_types.iter().enumerate() {
        let valid = pattern == "*"
            || pattern.split_once('.').is_some_and(|(resource, action)| {
                TYPES.contains(&resource)
                    && ["created", "updated", "deleted", "*"].contains(&action)
            });
        if !valid {
            errors.push(FieldError::new(
                format!("event_types[{i}]"),
                "format",
                format!("must be `*` or `<resource>.<action>` with a resource of {} and an action created, updated, deleted or *", TYPES.join(", ")),
            ));
        }
    }
    if let Some(secret) = &new.secret {
        if !(16..=200).contains(&secret.chars().count()) {
            errors.push(FieldError::new(
                "secret",
                "length",
                "must be 16 to 200 characters",
            ));
        }
    }
    errors
}

#[utoipa::path(
    operation_id = "create_webhook",
    summary = "Create a webhook subscription",
    tag = "webhooks",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Registered; the answer shows the signing secret, the only time it is shown", body = Subscription, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = BadRequest),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/webhooks")]
async fn create(
    caller: Caller,
    request_id: RequestId,
    db: web::Data<Db>,
    internal: Option<web::Data<InternalTargets>>,
    body: ApiJson<NewWebhook>,
) -> ApiResult<HttpResponse> {
    let principal: Principal =
        policy::authorize(&caller, &policy::WEBHOOK_CREATE, &Target::default())?
            .cloned()
            .ok_or_else(|| ApiError::internal("an authorized caller without a principal"))?;
    let new = body.0;
    let errors = check(&new, internal.is_some_and(|i| i.0));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let secret = new.secret.clone().unwrap_or_else(|| {
        format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        )
    });
    let (row, subscription) = db
        .transaction(move |conn| {
            let row = store::insert(
                conn,
                &NewSubscription {
                    owner_id: principal.user_id,
                    owner: &principal.username,
                    owner_role: principal.role.as_str(),
                    owner_region_id: principal.region_id,
                    owner_organization_id: principal.organization_id,
                    url: new.url.trim(),
                    event_types: &new.event_types,
                    secret: &secret,
                },
            )?;
            let audited = shown(&row, false)?;
            audit::record(
                conn,
                &Actor::of(Some(&principal), &request_id.0),
                Change::of("webhook.create", "webhook", row.id, None, Some(&audited))?,
            )?;
            Ok((row.clone(), shown(&row, true)?))
        })
        .await?;
    Ok(conditional::created(
        format!("/api/v1/webhooks/{}", row.id),
        row.version,
        &subscription,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WebhookListQuery {
    /// Page size, 1–500.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{1,16}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionPage {
    pub items: Vec<Subscription>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    operation_id = "list_webhooks",
    summary = "List webhook subscriptions",
    tag = "webhooks",
    params(WebhookListQuery),
    responses(
        (status = 200, description = "The caller's subscriptions (an administrator's: all)", body = SubscriptionPage),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/webhooks")]
async fn list(
    caller: Caller,
    db: web::Data<Db>,
    query: web::Query<WebhookListQuery>,
) -> ApiResult<HttpResponse> {
    let owner = policy::authorize(&caller, &policy::WEBHOOK_LIST, &Target::default())?
        .filter(|p| p.role != Role::Admin)
        .map(|p| p.username.clone());
    let mut errors = ListFilterErrors::default();
    let (after, limit) = errors.paging(query.limit.as_deref(), query.cursor.as_deref());
    errors.into_result()?;
    let page = db
        .run(move |conn| {
            let rows = store::list(conn, owner.as_deref(), after, limit)?;
            let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
            let items = rows
                .iter()
                .map(|r| shown(r, false))
                .collect::<ApiResult<_>>()?;
            Ok(SubscriptionPage { items, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(
    operation_id = "get_webhook",
    summary = "Read a webhook subscription",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The subscription (without its secret)", body = Subscription, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
        (status = 404, response = NotFound),
    ),
)]
#[get("/webhooks/{id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let row = db
        .run(move |conn| authorized(conn, id, &caller, &policy::WEBHOOK_READ))
        .await?;
    Ok(conditional::respond(
        &req,
        row.version,
        &shown(&row, false)?,
    ))
}

#[utoipa::path(
    operation_id = "delete_webhook",
    summary = "Delete a webhook subscription",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id"),
           ("If-Match" = String, Header, description = "ETag from the GET this deletion is based on")),
    responses(
        (status = 204, description = "Deactivated: nothing more is delivered; the delivery log stays readable"),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 428, response = PreconditionRequired),
    ),
)]
#[delete("/webhooks/{id}")]
async fn remove(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    db.transaction(move |conn| {
        let current = authorized(conn, id, &caller, &policy::WEBHOOK_DELETE)?;
        if_match.require(&etag(current.version))?;
        let row = store::deactivate(conn, &current)?;
        audit::record(
            conn,
            &Actor::of(caller.principal(), &request_id.0),
            Change::of(
                "webhook.deactivate",
                "webhook",
                id,
                Some(&shown(&current, false)?),
                Some(&shown(&row, false)?),
            )?,
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
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
    /// The receiver's status; `null` when it could not be reached.
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// Where the delivery stands now: `pending` (to be retried), `delivered` or `failed`.
    pub delivery_status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<Delivery>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    operation_id = "list_webhook_deliveries",
    summary = "List the deliveries of a webhook subscription",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id"), WebhookListQuery),
    responses(
        (status = 200, description = "Every attempt, oldest first", body = DeliveryPage),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    ),
)]
#[get("/webhooks/{id}/deliveries")]
async fn deliveries(
    caller: Caller,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<WebhookListQuery>,
) -> ApiResult<HttpResponse> {
    policy::authenticate(&caller, &policy::WEBHOOK_DELIVERIES)?;
    let id = id.into_inner();
    let mut errors = ListFilterErrors::default();
    let (after, limit) = errors.paging(query.limit.as_deref(), query.cursor.as_deref());
    errors.into_result()?;
    let page = db
        .run(move |conn| {
            authorized(conn, id, &caller, &policy::WEBHOOK_DELIVERIES)?;
            let rows = store::deliveries(conn, id, after, limit)?;
            let (rows, next_cursor) = paging::split_page(rows, limit, |(d, _, _)| d.id);
            let items = rows
                .into_iter()
                .map(|(d, event, status)| Delivery {
                    id: d.id,
                    delivery_id: d.outbox_id,
                    event,
                    attempt: d.attempt,
                    attempted_at: timestamp(d.attempted_at),
                    status_code: d.status_code,
                    error: d.error,
                    duration_ms: d.duration_ms,
                    delivery_status: status,
                })
                .collect();
            Ok(DeliveryPage { items, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[cfg(test)]
mod tests {
    use super::internal_host;

    #[test]
    fn internal_addresses_are_recognised() {
        for url in [
            "http://127.0.0.1:9/events",
            "http://localhost:8080/",
            "https://10.1.2.3/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:80/",
            "http://[fd00::1]/",
            "http://user@192.168.0.1/",
            "http://0.0.0.0/",
            // Other spellings of those addresses, as the HTTP client reads them.
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://0/",
            "http://127.0.0.1./",
            "http://localhost./",
            "http://2852039166/latest/meta-data/",
            "http://0251.0376.0251.0376/",
            "http://%31%32%37.0.0.1/",
            "http://127.0.0.1\\@example.com/",
            "http://\u{2460}\u{2461}\u{2466}.0.0.1/",
            "http://[::ffff:169.254.169.254]/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::10.0.0.1]/",
            "http://100.100.100.200/latest/meta-data/",
            "not a url",
        ] {
            assert!(internal_host(url), "{url}");
        }
        for url in [
            "https://soc71.example.ru/nok",
            "https://93.184.216.34/x",
            "https://[2001:db8::1]/",
        ] {
            assert!(!internal_host(url), "{url}");
        }
    }
}
