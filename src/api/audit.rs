//! `/api/v1/audit-events`: the append-only log of every change. Read-only by construction: no
//! route writes to it except through the changes it records.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{parse_filter, parse_moment, timestamp, ListFilterErrors};
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::audit::{self as store, AuditEventRow, AuditFilter};
use crate::db::Db;
use crate::domain::paging;
use crate::error::{ApiError, ApiResult};
use crate::openapi::BadRequest;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list);
}

/// One change: who made it, in which request, and the fields that changed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 41, "occurred_at": "2026-11-24T10:15:02.125Z", "actor_id": 3,
    "actor": "tula-authority", "role": "authority", "action": "organization.update",
    "resource_type": "organization", "resource_id": "7", "request_id": "4b0e8c1e-2f4e-4d59-9a57-3c1f0b9d2a10",
    "before": {"website": null}, "after": {"website": "https://kcson-tula.ru"}}))]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    /// Username of the actor; `null` for actions of the service itself.
    pub actor: Option<String>,
    pub role: Option<String>,
    /// `<resource>.<verb>`: `organization.create`, `user.deactivate`, `auth.login`, …
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    /// The `X-Request-Id` of the request that made the change.
    pub request_id: String,
    /// The changed fields before the change; `null` for a creation.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The changed fields after the change.
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

impl AuditEvent {
    fn of(row: AuditEventRow) -> ApiResult<Self> {
        let parse = |text: Option<String>| -> ApiResult<Option<Value>> {
            text.map(|t| serde_json::from_str(&t))
                .transpose()
                .map_err(ApiError::internal)
        };
        Ok(Self {
            id: row.id,
            occurred_at: timestamp(row.occurred_at),
            actor_id: row.actor_id,
            actor: row.actor,
            role: row.role,
            action: row.action,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            request_id: row.request_id,
            before: parse(row.before_json)?,
            after: parse(row.after_json)?,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditListQuery {
    /// Page size, 1–500.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{1,16}$")]
    pub cursor: Option<String>,
    /// Username of the actor.
    pub actor: Option<String>,
    /// `organization`, `region`, `user`, …
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    /// `organization.update`, `auth.login`, …
    pub action: Option<String>,
    /// Events at or after this moment (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<String>,
    /// Events before this moment (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub until: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventPage {
    pub items: Vec<AuditEvent>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    operation_id = "list_audit_events",
    summary = "List audit events",
    tag = "audit",
    params(AuditListQuery),
    responses(
        (status = 200, description = "A page of audit events, oldest first", body = AuditEventPage),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/audit-events")]
async fn list(
    caller: Caller,
    db: web::Data<Db>,
    query: web::Query<AuditListQuery>,
) -> ApiResult<HttpResponse> {
    policy::authorize(&caller, &policy::AUDIT_LIST, &Target::default())?;
    let query = query.into_inner();
    let mut errors = ListFilterErrors::default();
    let (after_id, limit) = errors.paging(query.limit.as_deref(), query.cursor.as_deref());
    let filter = AuditFilter {
        actor: query.actor,
        resource_type: query.resource_type,
        resource_id: query.resource_id,
        action: query.action,
        since: parse_filter(&mut errors, "since", query.since, parse_moment),
        until: parse_filter(&mut errors, "until", query.until, parse_moment),
    };
    errors.into_result()?;
    let rows = db
        .run(move |conn| store::list(conn, &filter, after_id, limit))
        .await?;
    let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
    let items = rows
        .into_iter()
        .map(AuditEvent::of)
        .collect::<ApiResult<_>>()?;
    Ok(HttpResponse::Ok().json(AuditEventPage { items, next_cursor }))
}
