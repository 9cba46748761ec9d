//! The append-only audit log: one event per successful write, in the write's own transaction.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::changes::{self, Action, Exposure, FeedChange};
use super::schema::audit_events;
use super::versions;
use super::{now, DbConnection};
use crate::domain::access::Principal;
use crate::domain::audit::{self, changed_fields};
use crate::error::{ApiError, ApiResult};

/// Who acts, and in which request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub role: Option<String>,
    pub request_id: String,
}

impl Actor {
    pub fn of(principal: Option<&Principal>, request_id: &str) -> Self {
        Self {
            user_id: principal.and_then(|p| p.user_id),
            username: principal.map(|p| p.username.clone()),
            role: principal.map(|p| p.role.as_str().to_owned()),
            request_id: request_id.to_owned(),
        }
    }
}

/// One change to record: `action` is one of [`audit::ACTIONS`] (`organization.updated`). With
/// an exposure it also goes to the change feed (and the webhooks), as `resource_type`. The
/// region is the resource's `region_id` (its id for a region) unless [`Change::in_region`]
/// names it.
pub struct Change<'a> {
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub exposure: Option<(Exposure, Exposure)>,
    pub region_id: Option<i64>,
}

impl<'a> Change<'a> {
    /// A change of `resource_type` with id `id`, from the API representations before and after.
    pub fn of<T: Serialize>(
        action: &'a str,
        resource_type: &'a str,
        id: i64,
        before: Option<&T>,
        after: Option<&T>,
    ) -> ApiResult<Self> {
        let json = |v: Option<&T>| -> ApiResult<Option<Value>> {
            v.map(serde_json::to_value)
                .transpose()
                .map_err(ApiError::internal)
        };
        Ok(Self {
            action,
            resource_type,
            resource_id: id.to_string(),
            before: json(before)?,
            after: json(after)?,
            exposure: None,
            region_id: None,
        })
    }

    /// The region of a resource whose representation does not name it.
    pub fn in_region(mut self, region_id: i64) -> Self {
        self.region_id = Some(region_id);
        self
    }

    /// The region the change belongs to, read before the representations are cut down to the
    /// fields that changed.
    fn region(&self) -> Option<i64> {
        if self.region_id.is_some() {
            return self.region_id;
        }
        if self.resource_type == "region" {
            return self.resource_id.parse().ok();
        }
        [&self.after, &self.before]
            .into_iter()
            .flatten()
            .find_map(|v| v.get("region_id").and_then(Value::as_i64))
    }

    /// Puts the change in the feed, with who could see the resource before and after.
    pub fn exposed(mut self, before: Exposure, after: Exposure) -> Self {
        self.exposure = Some((before, after));
        self
    }
}

/// Benchmarks only (`NOK_BENCH_SKIP_RECORDS=1`): writes skip the audit log, the change feed and
/// the webhook outbox, so that a benchmark can measure what they cost. Never in production.
static SKIP_RECORDS: AtomicBool = AtomicBool::new(false);

pub fn skip_records_for_benchmarks(skip: bool) {
    SKIP_RECORDS.store(skip, Ordering::Relaxed);
}

pub fn records_skipped() -> bool {
    SKIP_RECORDS.load(Ordering::Relaxed)
}

/// The data version a change bumps: a user's (what a token resolves to), else its region's,
/// else the national one. A log-in changes nothing shown but the audit log: a counter of its
/// own, so that it does not drop the tokens resolved nor the regions' answers.
fn version_key(change: &Change) -> String {
    match (change.resource_type, change.region()) {
        (_, _) if change.action == "auth.logged_in" => versions::LOGINS.to_owned(),
        ("user", _) => versions::USERS.to_owned(),
        (_, Some(region_id)) => versions::region_key(region_id),
        (_, None) => versions::NATIONAL.to_owned(),
    }
}

/// A change whose action or resource type the audit log does not list is a bug of the caller.
fn known(change: &Change) -> ApiResult<()> {
    if audit::known_action(change.action) && audit::known_resource_type(change.resource_type) {
        return Ok(());
    }
    Err(ApiError::internal(format!(
        "audit action {} on {} is not in domain::audit::ACTIONS",
        change.action, change.resource_type
    )))
}

/// The change as the feed carries it, if its resource is one the feed carries.
fn feed_change<'a>(change: &Change<'a>) -> Option<FeedChange<'a>> {
    let (was, is) = change.exposure?;
    let action = match (&change.before, &change.after) {
        (None, _) => Action::Created,
        (_, None) => Action::Deleted,
        _ => Action::Updated,
    };
    Some(FeedChange {
        resource_type: change.resource_type,
        resource_id: change.resource_id.clone(),
        action,
        before: was,
        after: is,
        payload: change.after.clone(),
    })
}

pub fn record(conn: &mut DbConnection, actor: &Actor, change: Change) -> ApiResult<()> {
    // In the write's transaction, so that a cache is current exactly when its version is.
    versions::bump_key(conn, &version_key(&change))?;
    if records_skipped() {
        return Ok(());
    }
    known(&change)?;
    let region_id = change.region();
    if let Some(fed) = feed_change(&change) {
        changes::record(conn, &fed)?;
    }
    let (before, after) = changed_fields(change.before, change.after);
    let text = |v: Option<Value>| v.map(|v| v.to_string());
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::occurred_at.eq(now()),
            audit_events::actor_id.eq(actor.user_id),
            audit_events::actor.eq(actor.username.as_deref()),
            audit_events::role.eq(actor.role.as_deref()),
            audit_events::action.eq(change.action),
            audit_events::resource_type.eq(change.resource_type),
            audit_events::resource_id.eq(&change.resource_id),
            audit_events::request_id.eq(&actor.request_id),
            audit_events::before_json.eq(text(before)),
            audit_events::after_json.eq(text(after)),
            audit_events::region_id.eq(region_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// [`record`] for many changes of one bulk write (the demo loads): each data version once, the
/// feed's entries and then the events with a multi-row INSERT per chunk, each in order.
pub fn record_all(conn: &mut DbConnection, actor: &Actor, all: Vec<Change>) -> ApiResult<()> {
    let mut keys: Vec<String> = Vec::new();
    for key in all.iter().map(version_key) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    for key in &keys {
        versions::bump_key(conn, key)?;
    }
    if records_skipped() || all.is_empty() {
        return Ok(());
    }
    all.iter().try_for_each(known)?;
    let fed: Vec<FeedChange> = all.iter().filter_map(feed_change).collect();
    changes::record_all(conn, &fed)?;
    let at = now();
    let text = |v: Option<Value>| v.map(|v| v.to_string());
    let rows: Vec<_> = all
        .into_iter()
        .map(|change| {
            let region_id = change.region();
            let (before, after) = changed_fields(change.before, change.after);
            (
                audit_events::occurred_at.eq(at),
                audit_events::actor_id.eq(actor.user_id),
                audit_events::actor.eq(actor.username.as_deref()),
                audit_events::role.eq(actor.role.as_deref()),
                audit_events::action.eq(change.action),
                audit_events::resource_type.eq(change.resource_type),
                audit_events::resource_id.eq(change.resource_id),
                audit_events::request_id.eq(actor.request_id.as_str()),
                audit_events::before_json.eq(text(before)),
                audit_events::after_json.eq(text(after)),
                audit_events::region_id.eq(region_id),
            )
        })
        .collect();
    // Bound parameters of an event row.
    const COLUMNS: usize = 11;
    for chunk in rows.chunks(super::MAX_BINDS / COLUMNS) {
        // Multi-row INSERT is backend-specific in diesel, so each backend gets its own call.
        let insert = diesel::insert_into(audit_events::table).values(chunk);
        match conn {
            DbConnection::Sqlite(c) => insert.execute(c)?,
            DbConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRow {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor: Option<String>,
    pub role: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub request_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub region_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub region_id: Option<i64>,
    pub region_code: Option<String>,
    /// Newest first (`sort=-at`) instead of oldest first.
    pub newest_first: bool,
}

/// Events matching `filter` after the cursor's event in the filter's order, `limit + 1` at most.
/// Newest first, the cursor's id is an upper bound (0: from the newest).
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    after_id: i64,
    limit: i64,
) -> ApiResult<Vec<AuditEventRow>> {
    let query = filtered(filter).select(AuditEventRow::as_select());
    let rows = if filter.newest_first {
        let query = match after_id {
            0 => query,
            _ => query.filter(audit_events::id.lt(after_id)),
        };
        query
            .order(audit_events::id.desc())
            .limit(limit + 1)
            .load(conn)?
    } else {
        query
            .filter(audit_events::id.gt(after_id))
            .order(audit_events::id)
            .limit(limit + 1)
            .load(conn)?
    };
    Ok(rows)
}

/// How many events match `filter`, whatever the page.
pub fn count(conn: &mut DbConnection, filter: &AuditFilter) -> ApiResult<i64> {
    Ok(filtered(filter).count().get_result(conn)?)
}

fn filtered(
    filter: &AuditFilter,
) -> audit_events::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend> {
    let mut query = audit_events::table.into_boxed();
    if let Some(region_id) = filter.region_id {
        query = query.filter(audit_events::region_id.eq(region_id));
    }
    if let Some(code) = &filter.region_code {
        query = query.filter(
            audit_events::region_id
                .assume_not_null()
                .eq_any(super::regions::with_code(code)),
        );
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_events::actor.eq(actor.clone()));
    }
    if let Some(resource_type) = &filter.resource_type {
        query = query.filter(audit_events::resource_type.eq(resource_type.clone()));
    }
    if let Some(resource_id) = &filter.resource_id {
        query = query.filter(audit_events::resource_id.eq(resource_id.clone()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_events::occurred_at.ge(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_events::occurred_at.lt(until));
    }
    query
}
