//! Webhook subscriptions, the transactional outbox of their deliveries, and the log of attempts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::changes::{event_for, ChangeRow};
use super::schema::{users, webhook_deliveries, webhook_outbox, webhook_subscriptions};
use super::{now, DbConnection};
use crate::domain::access::{Principal, Visibility, FEED_READERS};
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionRow {
    pub id: i64,
    pub owner_id: Option<i64>,
    pub owner: String,
    pub owner_role: String,
    pub owner_region_id: Option<i64>,
    pub owner_organization_id: Option<i64>,
    pub url: String,
    pub event_types: String,
    pub secret: String,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl SubscriptionRow {
    pub fn patterns(&self) -> ApiResult<Vec<String>> {
        serde_json::from_str(&self.event_types).map_err(|e| {
            ApiError::internal(format!(
                "subscription {}: event types unreadable: {e}",
                self.id
            ))
        })
    }

    /// The owner as it was when it subscribed; `None` for a role this service no longer knows.
    pub fn owner(&self) -> Option<Principal> {
        Some(Principal {
            user_id: self.owner_id,
            username: self.owner.clone(),
            role: Role::parse(&self.owner_role)?,
            region_id: self.owner_region_id,
            organization_id: self.owner_organization_id,
        })
    }

    /// What the owner could read of the feed when it subscribed.
    pub fn visibility(&self) -> Visibility {
        Visibility::under(self.owner().as_ref(), FEED_READERS)
    }
}

/// `plan.updated` matches `plan.updated`, `plan.*` and `*`.
pub fn matches(patterns: &[String], event: &str) -> bool {
    patterns.iter().any(|p| {
        p == "*"
            || p == event
            || p.strip_suffix(".*")
                .is_some_and(|prefix| event.split('.').next() == Some(prefix))
    })
}

pub struct NewSubscription<'a> {
    pub owner_id: Option<i64>,
    pub owner: &'a str,
    pub owner_role: &'a str,
    pub owner_region_id: Option<i64>,
    pub owner_organization_id: Option<i64>,
    pub url: &'a str,
    pub event_types: &'a [String],
    pub secret: &'a str,
}

pub fn insert(conn: &mut DbConnection, new: &NewSubscription<'_>) -> ApiResult<SubscriptionRow> {
    let at = now();
    Ok(diesel::insert_into(webhook_subscriptions::table)
        .values((
            webhook_subscriptions::owner_id.eq(new.owner_id),
            webhook_subscriptions::owner.eq(new.owner),
            webhook_subscriptions::owner_role.eq(new.owner_role),
            webhook_subscriptions::owner_region_id.eq(new.owner_region_id),
            webhook_subscriptions::owner_organization_id.eq(new.owner_organization_id),
            webhook_subscriptions::url.eq(new.url),
            webhook_subscriptions::event_types
                .eq(serde_json::to_string(new.event_types).map_err(ApiError::internal)?),
            webhook_subscriptions::secret.eq(new.secret),
            webhook_subscriptions::active.eq(true),
            webhook_subscriptions::version.eq(1),
            webhook_subscriptions::created_at.eq(at),
            webhook_subscriptions::updated_at.eq(at),
        ))
        .returning(webhook_subscriptions::all_columns)
        .get_result(conn)?)
}

pub fn find(conn: &mut DbConnection, id: i64) -> ApiResult<SubscriptionRow> {
    webhook_subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// Subscriptions after `after_id`; only `owner`'s when given.
pub fn list(
    conn: &mut DbConnection,
    owner: Option<&str>,
    after_id: i64,
    limit: i64,
) -> ApiResult<Vec<SubscriptionRow>> {
    Ok(owned_by(owner)
        .filter(webhook_subscriptions::id.gt(after_id))
        .select(SubscriptionRow::as_select())
        .order(webhook_subscriptions::id)
        .limit(limit + 1)
        .load(conn)?)
}

/// How many subscriptions `owner` has (`None`: everyone's), whatever the page.
pub fn count(conn: &mut DbConnection, owner: Option<&str>) -> ApiResult<i64> {
    Ok(owned_by(owner).count().get_result(conn)?)
}

fn owned_by(
    owner: Option<&str>,
) -> webhook_subscriptions::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend> {
    let mut query = webhook_subscriptions::table.into_boxed();
    if let Some(owner) = owner {
        query = query.filter(webhook_subscriptions::owner.eq(owner.to_owned()));
    }
    query
}

/// The error of the deliveries given up because their subscription was deactivated.
pub const CANCELLED: &str = "not delivered: the subscription was deactivated";

/// Deactivates the subscription if it is still at `version`, and gives up its pending
/// deliveries (`failed`), so that nothing waits for it in the queue.
pub fn deactivate(
    conn: &mut DbConnection,
    current: &SubscriptionRow,
) -> ApiResult<SubscriptionRow> {
    diesel::update(
        webhook_outbox::table
            .filter(webhook_outbox::subscription_id.eq(current.id))
            .filter(webhook_outbox::status.eq(DeliveryStatus::Pending.as_str())),
    )
    .set((
        webhook_outbox::status.eq(DeliveryStatus::Failed.as_str()),
        webhook_outbox::last_error.eq(CANCELLED),
        webhook_outbox::leased_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    let changed = diesel::update(webhook_subscriptions::table)
        .filter(webhook_subscriptions::id.eq(current.id))
        .filter(webhook_subscriptions::version.eq(current.version))
        .set((
            webhook_subscriptions::active.eq(false),
            webhook_subscriptions::version.eq(current.version + 1),
            webhook_subscriptions::updated_at.eq(now()),
        ))
        .returning(webhook_subscriptions::all_columns)
        .get_results::<SubscriptionRow>(conn)?;
    changed
        .into_iter()
        .next()
        .ok_or(ApiError::PreconditionFailed)
}

/// Queues a delivery of `change` to every active subscription that wants it and may see it.
/// The subscriptions that receive changes: active ones of owners still active (an owner
/// deactivated since it subscribed receives nothing more).
pub fn receiving(conn: &mut DbConnection) -> ApiResult<Vec<SubscriptionRow>> {
    Ok(webhook_subscriptions::table
        .left_join(users::table)
        .filter(webhook_subscriptions::active.eq(true))
        .filter(
            users::active
                .eq(true)
                .or(webhook_subscriptions::owner_id.is_null()),
        )
        .select(SubscriptionRow::as_select())
        .load(conn)?)
}

pub fn enqueue(
    conn: &mut DbConnection,
    subscriptions: &[SubscriptionRow],
    change: &ChangeRow,
) -> ApiResult<()> {
    let at = now();
    for subscription in subscriptions {
        let Some(event) = event_for(change, subscription.visibility())? else {
            continue;
        };
        if !matches(&subscription.patterns()?, &event.event) {
            continue;
        }
        diesel::insert_into(webhook_outbox::table)
            .values((
                webhook_outbox::subscription_id.eq(subscription.id),
                webhook_outbox::change_id.eq(Some(change.id)),
                webhook_outbox::event_type.eq(&event.event),
                webhook_outbox::body.eq(serde_json::to_string(&event).map_err(ApiError::internal)?),
                webhook_outbox::status.eq(DeliveryStatus::Pending.as_str()),
                webhook_outbox::attempts.eq(0),
                webhook_outbox::next_attempt_at.eq(at),
                webhook_outbox::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    /// Given up after the last retry.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

/// A delivery due now, with where it goes.
#[derive(Debug, Clone)]
pub struct Due {
    pub outbox_id: i64,
    pub subscription_id: i64,
    /// The change's position in the feed (the event's `id`): receivers order by it. `None` for
    /// a ping, which is no change.
    pub change_id: Option<i64>,
    /// `plan.updated`, `ping`: the `X-Nok-Event` header.
    pub event_type: String,
    pub url: String,
    pub secret: String,
    pub body: String,
    pub attempts: i32,
}

/// Claims deliveries due at `at` for `lease`: at most `limit` in all, and of each subscription
/// as many as keep its deliveries in flight (leased, by any instance) at most
/// `per_subscription`; each subscription's oldest first, the one waiting longest first. A
/// claimed delivery is not due again until its lease ends, so another instance (or this one
/// after a crash) takes it up only then, unless it is settled before.
pub fn claim(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    lease: std::time::Duration,
    per_subscription: i64,
    limit: i64,
) -> ApiResult<Vec<Due>> {
    let until = at + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(1));
    let mut claimed = Vec::new();
    for subscription_id in waiting(conn, at)? {
        let room = limit - claimed.len() as i64;
        if room <= 0 {
            break;
        }
        let Some((url, secret)) = lock_subscription(conn, subscription_id)? else {
            continue;
        };
        let take = (per_subscription - in_flight(conn, subscription_id, at)?).min(room);
        if take <= 0 {
            continue;
        }
        let due = due(conn, subscription_id, at, take)?;
        let ids: Vec<i64> = due.iter().map(|(id, ..)| *id).collect();
        diesel::update(webhook_outbox::table.filter(webhook_outbox::id.eq_any(ids)))
            .set((
                webhook_outbox::next_attempt_at.eq(until),
                webhook_outbox::leased_until.eq(Some(until)),
            ))
            .execute(conn)?;
        claimed.extend(due.into_iter().map(
            |(outbox_id, change_id, event_type, body, attempts)| Due {
                outbox_id,
                subscription_id,
                change_id,
                event_type,
                url: url.clone(),
                secret: secret.clone(),
                body,
                attempts,
            },
        ));
    }
    Ok(claimed)
}

/// Active subscriptions with deliveries due at `at`, the one whose oldest waits longest first.
fn waiting(conn: &mut DbConnection, at: NaiveDateTime) -> ApiResult<Vec<i64>> {
    let oldest = diesel::dsl::min(webhook_outbox::id);
    let rows: Vec<(i64, Option<i64>)> = webhook_outbox::table
        .inner_join(webhook_subscriptions::table)
        .filter(webhook_outbox::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_outbox::next_attempt_at.le(at))
        .filter(webhook_subscriptions::active.eq(true))
        .group_by(webhook_outbox::subscription_id)
        .select((webhook_outbox::subscription_id, oldest))
        .order(oldest)
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, _)| id).collect())
}

/// The URL and secret of an active subscription. On PostgreSQL its row stays locked until the
/// caller's transaction ends, so that one instance at a time counts and claims its deliveries;
/// `None` when another instance holds it (this round skips it) or it is inactive. SQLite's
/// writers take turns anyway.
fn lock_subscription(conn: &mut DbConnection, id: i64) -> ApiResult<Option<(String, String)>> {
    let query = webhook_subscriptions::table
        .find(id)
        .filter(webhook_subscriptions::active.eq(true))
        .select((webhook_subscriptions::url, webhook_subscriptions::secret));
    Ok(match conn {
        // NO KEY UPDATE: outbox rows written meanwhile (which lock it FOR KEY SHARE) do not wait.
        DbConnection::Postgres(pg) => query
            .for_no_key_update()
            .skip_locked()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(sqlite) => query.first(sqlite).optional()?,
    })
}

/// A due delivery as read: (id, change, event type, body, attempts).
type DueRow = (i64, Option<i64>, String, String, i32);

/// Up to `limit` deliveries of the subscription due at `at`, oldest first: (id, change, event
/// type, body, attempts). On PostgreSQL the rows are locked and skipped by other instances until the
/// caller's transaction ends.
fn due(
    conn: &mut DbConnection,
    subscription_id: i64,
    at: NaiveDateTime,
    limit: i64,
) -> ApiResult<Vec<DueRow>> {
    let query = webhook_outbox::table
        .filter(webhook_outbox::subscription_id.eq(subscription_id))
        .filter(webhook_outbox::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_outbox::next_attempt_at.le(at))
        .order(webhook_outbox::id)
        .limit(limit)
        .select((
            webhook_outbox::id,
            webhook_outbox::change_id,
            webhook_outbox::event_type,
            webhook_outbox::body,
            webhook_outbox::attempts,
        ));
    Ok(match conn {
        DbConnection::Postgres(pg) => query.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => query.load(sqlite)?,
    })
}

/// The outcome of one attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub attempted_at: NaiveDateTime,
}

/// Logs the attempt and moves the delivery on: delivered, retried at `retry_at`, or failed
/// for good when there is none; its lease ends. A delivery settled meanwhile by another
/// instance (its lease had run out) or given up with its subscription stays as it is.
pub fn settle(
    conn: &mut DbConnection,
    due: &Due,
    attempt: &Attempt,
    retry_at: Option<NaiveDateTime>,
) -> ApiResult<()> {
    let number = due.attempts + 1;
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::outbox_id.eq(due.outbox_id),
            webhook_deliveries::subscription_id.eq(due.subscription_id),
            webhook_deliveries::attempt.eq(number),
            webhook_deliveries::attempted_at.eq(attempt.attempted_at),
            webhook_deliveries::status_code.eq(attempt.status_code.map(i32::from)),
            webhook_deliveries::error.eq(&attempt.error),
            webhook_deliveries::duration_ms.eq(attempt.duration_ms),
        ))
        .execute(conn)?;
    let delivered = attempt.error.is_none();
    let (status, next) = match (delivered, retry_at) {
        (true, _) => (DeliveryStatus::Delivered, attempt.attempted_at),
        (false, Some(at)) => (DeliveryStatus::Pending, at),
        (false, None) => (DeliveryStatus::Failed, attempt.attempted_at),
    };
    diesel::update(
        webhook_outbox::table
            .find(due.outbox_id)
            .filter(webhook_outbox::status.eq(DeliveryStatus::Pending.as_str()))
            .filter(webhook_outbox::attempts.eq(due.attempts)),
    )
    .set((
        webhook_outbox::status.eq(status.as_str()),
        webhook_outbox::attempts.eq(number),
        webhook_outbox::next_attempt_at.eq(next),
        webhook_outbox::last_error.eq(&attempt.error),
        webhook_outbox::delivered_at.eq(delivered.then_some(attempt.attempted_at)),
        webhook_outbox::leased_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub outbox_id: i64,
    pub subscription_id: i64,
    pub attempt: i32,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// Attempts of a subscription's deliveries after `after_id`, with the event type of each.
pub fn deliveries(
    conn: &mut DbConnection,
    subscription_id: i64,
    after_id: i64,
    limit: i64,
) -> ApiResult<Vec<(DeliveryRow, String, String)>> {
    Ok(webhook_deliveries::table
        .inner_join(webhook_outbox::table)
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .filter(webhook_deliveries::id.gt(after_id))
        .order(webhook_deliveries::id)
        .limit(limit + 1)
        .select((
            DeliveryRow::as_select(),
            webhook_outbox::event_type,
            webhook_outbox::status,
        ))
        .load(conn)?)
}

/// How many delivery attempts the subscription has, whatever the page.
pub fn count_deliveries(conn: &mut DbConnection, subscription_id: i64) -> ApiResult<i64> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .count()
        .get_result(conn)?)
}

/// Deliveries waiting to go out (or being sent): the queue depth. Only active subscriptions'
/// count, as only theirs are sent.
pub fn pending(conn: &mut DbConnection) -> ApiResult<i64> {
    Ok(webhook_outbox::table
        .inner_join(webhook_subscriptions::table)
        .filter(webhook_outbox::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_subscriptions::active.eq(true))
        .count()
        .get_result(conn)?)
}

/// Deliveries being sent now (leased, by any instance) of a subscription, at `at`.
pub fn in_flight(
    conn: &mut DbConnection,
    subscription_id: i64,
    at: NaiveDateTime,
) -> ApiResult<i64> {
    Ok(webhook_outbox::table
        .filter(webhook_outbox::subscription_id.eq(subscription_id))
        .filter(webhook_outbox::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_outbox::leased_until.gt(at))
        .count()
        .get_result(conn)?)
}

/// Queues a delivery of `event_type` with `body` to the subscription, due at once: a ping
/// (`change_id` `None`) or the redelivery of a past delivery. Returns its id.
pub fn queue(
    conn: &mut DbConnection,
    subscription_id: i64,
    change_id: Option<i64>,
    event_type: &str,
    body: &str,
) -> ApiResult<i64> {
    let at = now();
    Ok(diesel::insert_into(webhook_outbox::table)
        .values((
            webhook_outbox::subscription_id.eq(subscription_id),
            webhook_outbox::change_id.eq(change_id),
            webhook_outbox::event_type.eq(event_type),
            webhook_outbox::body.eq(body),
            webhook_outbox::status.eq(DeliveryStatus::Pending.as_str()),
            webhook_outbox::attempts.eq(0),
            webhook_outbox::next_attempt_at.eq(at),
            webhook_outbox::created_at.eq(at),
        ))
        .returning(webhook_outbox::id)
        .get_result(conn)?)
}

/// A past delivery of the subscription: (change, event type, body); `NotFound` if it has none
/// of that id.
pub fn past_delivery(
    conn: &mut DbConnection,
    subscription_id: i64,
    delivery_id: i64,
) -> ApiResult<(Option<i64>, String, String)> {
    webhook_outbox::table
        .filter(webhook_outbox::id.eq(delivery_id))
        .filter(webhook_outbox::subscription_id.eq(subscription_id))
        .select((
            webhook_outbox::change_id,
            webhook_outbox::event_type,
            webhook_outbox::body,
        ))
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}
