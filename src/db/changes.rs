//! The change feed: one row per change of a resource that regional systems copy, written in the
//! transaction of the change, in commit order, with the deliveries of the webhooks that want it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::value::RawValue;
use serde_json::Value;

use super::schema::changes;
use super::{now, webhooks, DbConnection};
use crate::domain::access::{Scope, Visibility};
use crate::error::{ApiError, ApiResult};

/// Who may see a resource, as the feed stores it with each change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exposure {
    pub region_id: Option<i64>,
    pub organization_id: Option<i64>,
    /// Visible to everyone (published, or public by nature like the registry).
    pub public: bool,
}

impl Exposure {
    pub fn public() -> Self {
        Self {
            public: true,
            ..Self::default()
        }
    }
}

/// What happened to the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Action {
    Created,
    Updated,
    Deleted,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
        }
    }
}

/// One change for the feed: the resource as it became (`None` when deleted) and who may see it
/// before and after.
#[derive(Debug, Clone)]
pub struct FeedChange<'a> {
    pub resource_type: &'a str,
    pub resource_id: String,
    pub action: Action,
    pub before: Exposure,
    pub after: Exposure,
    pub payload: Option<Value>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = changes)]
pub struct ChangeRow {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub resource_type: String,
    pub resource_id: String,
    pub action: String,
    pub region_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub public: bool,
    pub was_public: bool,
    pub payload_json: Option<String>,
}

/// Serializes writers of the feed until commit (PostgreSQL; SQLite has one writer): ids are
/// then taken in commit order, and a reader never skips a change that commits later.
fn take_turn(conn: &mut DbConnection) -> ApiResult<()> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7240001)").execute(pg)?;
    }
    Ok(())
}

/// Records the change and the webhook deliveries it causes, in the caller's transaction.
pub fn record(conn: &mut DbConnection, change: &FeedChange<'_>) -> ApiResult<()> {
    record_all(conn, std::slice::from_ref(change))
}

/// [`record`] for many changes of one write (a publication touches every evaluation of the
/// cycle): the subscriptions are read once.
pub fn record_all(conn: &mut DbConnection, changes: &[FeedChange<'_>]) -> ApiResult<()> {
    if super::audit::records_skipped() || changes.is_empty() {
        return Ok(());
    }
    take_turn(conn)?;
    let subscriptions = webhooks::receiving(conn)?;
    if subscriptions.is_empty() {
        // No delivery needs a row back: many changes per statement (a publication, a bulk load).
        return insert_many(conn, changes);
    }
    for change in changes {
        insert(conn, &subscriptions, change)?;
    }
    Ok(())
}

/// A change row as a write inserts it.
#[derive(Insertable)]
#[diesel(table_name = changes)]
struct NewChange<'a> {
    occurred_at: NaiveDateTime,
    resource_type: &'a str,
    resource_id: &'a str,
    action: &'static str,
    region_id: Option<i64>,
    organization_id: Option<i64>,
    public: bool,
    was_public: bool,
    payload_json: Option<String>,
}

impl<'a> NewChange<'a> {
    fn of(change: &'a FeedChange<'_>, at: NaiveDateTime) -> ApiResult<Self> {
        // Whoever saw the resource must learn of its deletion; whoever sees it now, of its state.
        let scope = match change.action {
            Action::Deleted => change.before,
            _ => change.after,
        };
        let payload_json = change
            .payload
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(ApiError::internal)?;
        Ok(Self {
            occurred_at: at,
            resource_type: change.resource_type,
            resource_id: &change.resource_id,
            action: change.action.as_str(),
            region_id: scope.region_id,
            organization_id: scope.organization_id,
            public: scope.public,
            was_public: change.before.public,
            payload_json,
        })
    }
}

/// Columns of a change row that a write binds.
const COLUMNS: usize = 9;

/// The changes with one multi-row INSERT per chunk, in order (ids follow it), under the
/// bind-parameter limits of both backends.
fn insert_many(conn: &mut DbConnection, changes: &[FeedChange<'_>]) -> ApiResult<()> {
    let at = now();
    for chunk in changes.chunks(super::MAX_BINDS / COLUMNS) {
        let rows = chunk
            .iter()
            .map(|change| NewChange::of(change, at))
            .collect::<ApiResult<Vec<_>>>()?;
        // Multi-row INSERT is backend-specific in diesel, so each backend gets its own call.
        let insert = diesel::insert_into(changes::table).values(&rows);
        match conn {
            DbConnection::Sqlite(c) => insert.execute(c)?,
            DbConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

fn insert(
    conn: &mut DbConnection,
    subscriptions: &[webhooks::SubscriptionRow],
    change: &FeedChange<'_>,
) -> ApiResult<()> {
    let row: ChangeRow = diesel::insert_into(changes::table)
        .values(NewChange::of(change, now())?)
        .returning(changes::all_columns)
        .get_result(conn)?;
    webhooks::enqueue(conn, subscriptions, &row)
}

/// A change as a reader sees it: in full, or — for a resource hidden from it since — as a
/// deletion, so that a copy built from the feed loses it too.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FeedEvent {
    /// Position in the feed; resume after it.
    pub id: i64,
    /// `<resource_type>.<action>`, e.g. `plan.updated`.
    pub event: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub resource_type: String,
    pub resource_id: String,
    #[schema(value_type = Action)]
    pub action: String,
    /// The resource as it became, as its GET shows it; `null` for a deletion. Kept as the
    /// stored JSON text: the feed and the webhooks pass it on without parsing it again.
    #[schema(value_type = Option<Object>)]
    pub resource: Option<Box<RawValue>>,
}

/// The event `row` is for a reader with this visibility, if any.
pub fn event_for(row: &ChangeRow, visibility: Visibility) -> ApiResult<Option<FeedEvent>> {
    let sees = row.public || visibility.reaches(row.region_id, row.organization_id);
    let (action, payload) = if sees {
        (row.action.clone(), row.payload_json.as_deref())
    } else if row.was_public {
        (Action::Deleted.as_str().to_owned(), None)
    } else {
        return Ok(None);
    };
    let resource = payload
        .map(|p| RawValue::from_string(p.to_owned()))
        .transpose()
        .map_err(|e| ApiError::internal(format!("change {}: payload unreadable: {e}", row.id)))?;
    Ok(Some(FeedEvent {
        id: row.id,
        event: format!("{}.{action}", row.resource_type),
        occurred_at: row.occurred_at.and_utc(),
        resource_type: row.resource_type.clone(),
        resource_id: row.resource_id.clone(),
        action,
        resource,
    }))
}

/// Changes after `after_id` of `types` (all if empty) that a reader with this visibility sees in
/// full or saw before they were hidden from it, `limit + 1` at most, in commit order.
pub fn list(
    conn: &mut DbConnection,
    after_id: i64,
    types: &[String],
    visibility: Visibility,
    limit: i64,
) -> ApiResult<Vec<ChangeRow>> {
    let mut query = changes::table
        .filter(changes::id.gt(after_id))
        .select(ChangeRow::as_select())
        .into_boxed();
    if !types.is_empty() {
        query = query.filter(changes::resource_type.eq_any(types.to_vec()));
    }
    let shown = changes::public.or(changes::was_public);
    // As `Visibility::reaches`: -1 matches no row, a scope whose key the reader lacks reaches
    // nothing.
    query = match visibility {
        Visibility::Everything => query,
        Visibility::PublishedAnd {
            scope: Some(Scope::OwnRegion),
            region_id,
            ..
        } => query.filter(shown.or(changes::region_id.eq(region_id.unwrap_or(-1)))),
        Visibility::PublishedAnd {
            scope: Some(Scope::OwnOrganization),
            organization_id,
            ..
        } => query.filter(shown.or(changes::organization_id.eq(organization_id.unwrap_or(-1)))),
        Visibility::PublishedAnd { .. } => query.filter(shown),
    };
    Ok(query.order(changes::id).limit(limit + 1).load(conn)?)
}

/// The last change id: where a reader starting now resumes.
pub fn head(conn: &mut DbConnection) -> ApiResult<i64> {
    Ok(changes::table
        .select(diesel::dsl::max(changes::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}
