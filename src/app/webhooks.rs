//! Webhook subscriptions to the change feed, and the log of their deliveries, readable by the
//! subscription's owner.

use super::changes::TYPES;
use super::{etag, Context, IfMatch, Listing};
use crate::auth::policy::{self, Rule, Target};
use crate::auth::{Caller, Role};
use crate::db::audit::{self, Change};
use crate::db::webhooks::{self as store, NewSubscription, SubscriptionRow};
use crate::db::DbConnection;
use crate::domain::{address, paging};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::views::webhooks::{Delivery, NewWebhook, PingEvent, QueuedDelivery, Subscription};
use crate::views::Page;

/// Whether internal addresses may receive webhooks (`NOK_WEBHOOK_INTERNAL_TARGETS`).
#[derive(Debug, Clone, Copy)]
pub struct InternalTargets(pub bool);

/// The host of an http(s) URL names this machine or a network that is not public: an address
/// of the special-purpose ranges (`domain::address`), or a name that is local whatever it
/// resolves to (`localhost`, `*.internal`, single labels…). The URL is read as the delivering
/// client reads it (WHATWG URL parsing), so that other spellings of an address are the address
/// they spell: `2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`, `127.0.0.1.`, percent-encoded or
/// full-width digits, `\` for `/` before an `@`. A URL that does not parse has no host to call
/// and counts as internal. Names are checked again when delivering, by what they resolve to.
pub fn internal_host(url: &str) -> bool {
    reqwest::Url::parse(url.trim()).map_or(true, |url| internal_url(&url))
}

/// The URL's host is not public: an address of a special-purpose range, a local name, or none.
pub fn internal_url(url: &reqwest::Url) -> bool {
    match url.host() {
        None => true,
        Some(url::Host::Ipv4(ip)) => !address::is_public_v4(ip),
        Some(url::Host::Ipv6(ip)) => !address::is_public_v6(ip),
        Some(url::Host::Domain(name)) => {
            address::is_internal_name(&name.trim_end_matches('.').to_ascii_lowercase())
        }
    }
}

/// Every fault of a new subscription: its field rules, the patterns' resources and actions, and
/// whether its address may be called.
fn check(new: &NewWebhook, internal_allowed: bool) -> Vec<FieldError> {
    let mut errors = FieldError::broken_rules(new);
    let parsed = reqwest::Url::parse(&new.url).ok();
    if !internal_allowed && parsed.as_ref().is_some_and(internal_url) {
        errors.push(FieldError::new(
            "url",
            "internal_address",
            "must not name this machine or a private network (NOK_WEBHOOK_INTERNAL_TARGETS allows it)",
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
    errors
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
        return Err(ApiError::NotFound);
    }
    Ok(row)
}

/// Registers a subscription of the caller: deliveries carry what it can read now. The answer
/// shows the signing secret, generated if the request has none, the only time it is shown.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    internal: InternalTargets,
    mut new: NewWebhook,
) -> ApiResult<(i64, Subscription)> {
    let principal = policy::authorize(&ctx.caller, &policy::WEBHOOK_CREATE, &Target::default())?
        .ok_or_else(|| ApiError::internal("an authorized caller without a principal"))?;
    crate::domain::text::trim(&mut new.url);
    let errors = check(&new, internal.0);
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
    let subscription = NewSubscription {
        owner_id: principal.user_id,
        owner: &principal.username,
        owner_role: principal.role.as_str(),
        owner_region_id: principal.region_id,
        owner_organization_id: principal.organization_id,
        url: &new.url,
        event_types: &new.event_types,
        secret: &secret,
    };
    let row = store::insert(conn, &subscription)?;
    let audited = Subscription::of(&row, false)?;
    let change = Change::of("webhook.created", "webhook", row.id, None, Some(&audited))?;
    audit::record(conn, &ctx.actor(), change)?;
    Ok((row.version, Subscription::of(&row, true)?))
}

/// A page of the caller's subscriptions (an administrator's: all). The query's faults are told
/// only to a caller who may list.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    listing: ApiResult<Listing<()>>,
) -> ApiResult<Page<Subscription>> {
    let owner = policy::authorize(caller, &policy::WEBHOOK_LIST, &Target::default())?
        .filter(|p| p.role != Role::Admin)
        .map(|p| p.username.clone());
    let Listing {
        after_id,
        limit,
        total,
        ..
    } = listing?;
    let rows = store::list(conn, owner.as_deref(), after_id, limit)?;
    let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
    let items = rows
        .iter()
        .map(|r| Subscription::of(r, false))
        .collect::<ApiResult<_>>()?;
    let total = total
        .then(|| store::count(conn, owner.as_deref()))
        .transpose()?;
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

pub fn read(conn: &mut DbConnection, caller: &Caller, id: i64) -> ApiResult<(i64, Subscription)> {
    let row = authorized(conn, id, caller, &policy::WEBHOOK_READ)?;
    Ok((row.version, Subscription::of(&row, false)?))
}

/// Deactivates the subscription: nothing more is delivered; the delivery log stays readable.
pub fn remove(
    conn: &mut DbConnection,
    ctx: &Context,
    id: i64,
    if_match: &IfMatch,
) -> ApiResult<()> {
    let current = authorized(conn, id, &ctx.caller, &policy::WEBHOOK_DELETE)?;
    if_match.require(&etag(current.version))?;
    let row = store::deactivate(conn, &current)?;
    let change = Change::of(
        "webhook.deactivated",
        "webhook",
        id,
        Some(&Subscription::of(&current, false)?),
        Some(&Subscription::of(&row, false)?),
    )?;
    audit::record(conn, &ctx.actor(), change)
}

/// Every attempt of the subscription's deliveries, oldest first. A role that may never read
/// deliveries learns nothing more, not even about its query.
pub fn deliveries(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i64,
    listing: ApiResult<Listing<()>>,
) -> ApiResult<Page<Delivery>> {
    policy::authenticate(caller, &policy::WEBHOOK_DELIVERIES)?;
    let Listing {
        after_id,
        limit,
        total,
        ..
    } = listing?;
    authorized(conn, id, caller, &policy::WEBHOOK_DELIVERIES)?;
    let rows = store::deliveries(conn, id, after_id, limit)?;
    let (rows, next_cursor) = paging::split_page(rows, limit, |(d, _, _)| d.id);
    let items = rows.into_iter().map(Delivery::of).collect();
    let total = total
        .then(|| store::count_deliveries(conn, id))
        .transpose()?;
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

/// The event type of a ping.
pub const PING: &str = "ping";

/// A subscription that takes deliveries on request: its owner's (an administrator's: any) and
/// active; a deactivated one is a conflict, as it delivers nothing.
fn deliverable(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
    rule: &Rule,
) -> ApiResult<SubscriptionRow> {
    let row = authorized(conn, id, caller, rule)?;
    if !row.active {
        return Err(ApiError::Conflict(
            "The subscription is deactivated: nothing is delivered to it".into(),
        ));
    }
    Ok(row)
}

fn queued(delivery_id: i64, event: &str) -> QueuedDelivery {
    QueuedDelivery {
        delivery_id,
        event: event.to_owned(),
        delivery_status: store::DeliveryStatus::Pending.as_str().to_owned(),
    }
}

/// Queues a ping to the subscription: a signed delivery of event `ping`, to test the receiver.
pub fn ping(conn: &mut DbConnection, caller: &Caller, id: i64) -> ApiResult<QueuedDelivery> {
    let row = deliverable(conn, id, caller, &policy::WEBHOOK_PING)?;
    let event = PingEvent {
        event: PING.to_owned(),
        subscription_id: row.id,
        event_types: row.patterns()?,
        occurred_at: crate::db::now().and_utc(),
    };
    let body = serde_json::to_string(&event).map_err(ApiError::internal)?;
    let delivery_id = store::queue(conn, row.id, None, PING, &body)?;
    Ok(queued(delivery_id, PING))
}

/// Queues a past delivery of the subscription again, as it was (the same event and body) under
/// a new delivery id, whatever became of the first: the receiver de-duplicates by the event.
pub fn redeliver(
    conn: &mut DbConnection,
    caller: &Caller,
    (id, delivery_id): (i64, i64),
) -> ApiResult<QueuedDelivery> {
    let row = deliverable(conn, id, caller, &policy::WEBHOOK_REDELIVER)?;
    let (change_id, event, body) = store::past_delivery(conn, row.id, delivery_id)?;
    let delivery_id = store::queue(conn, row.id, change_id, &event, &body)?;
    Ok(queued(delivery_id, &event))
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
            // The special-purpose ranges beyond the private ones, and local names.
            "http://198.18.0.1/",
            "http://192.0.0.1/",
            "http://240.0.0.1/",
            "http://224.0.0.1/",
            "http://[ff02::1]/",
            "http://[::ffff:0:127.0.0.1]/",
            "http://[2002:7f00:1::]/",
            "https://[2001:db8::1]/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://metadata/",
            "not a url",
        ] {
            assert!(internal_host(url), "{url}");
        }
        for url in [
            "https://soc71.example.ru/nok",
            "https://93.184.216.34/x",
            "https://[2606:4700:4700::1111]/",
        ] {
            assert!(!internal_host(url), "{url}");
        }
    }
}
