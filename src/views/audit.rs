//! Bodies of `/api/v1/audit-events`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::audit::AuditEventRow;
use crate::error::{ApiError, ApiResult};

/// One change: who made it, in which request, and the fields that changed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 41, "occurred_at": "2026-11-24T10:15:02.125Z", "actor_id": 3,
    "actor": "tula-authority", "role": "authority", "action": "organization.updated",
    "resource_type": "organization", "resource_id": "7", "request_id": "4b0e8c1e-2f4e-4d59-9a57-3c1f0b9d2a10",
    "before": {"website": null}, "after": {"website": "https://kcson-tula.ru"}, "region_id": 1}))]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    /// Username of the actor; `null` for actions of the service itself.
    pub actor: Option<String>,
    #[schema(value_type = Option<crate::domain::user::Role>)]
    pub role: Option<String>,
    /// What happened, in the past tense: `organization.created`, `plan.approved`,
    /// `auth.logged_in`, … (the list filter `action` names every one).
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
    /// The region of the changed resource; `null` for users without a region and webhooks.
    pub region_id: Option<i64>,
}

impl AuditEvent {
    pub fn of(row: AuditEventRow) -> ApiResult<Self> {
        let parse = |text: Option<String>| -> ApiResult<Option<Value>> {
            text.map(|t| serde_json::from_str(&t))
                .transpose()
                .map_err(ApiError::internal)
        };
        Ok(Self {
            id: row.id,
            occurred_at: row.occurred_at.and_utc(),
            actor_id: row.actor_id,
            actor: row.actor,
            role: row.role,
            action: row.action,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            request_id: row.request_id,
            before: parse(row.before_json)?,
            after: parse(row.after_json)?,
            region_id: row.region_id,
        })
    }
}

/// The representation whose changed fields `before` and `after` hold, per resource type (`None`:
/// fields of their own, such as an evaluation's inputs), for the document's one schema per
/// resource type (`openapi::fit_for_generators`). A type the log records must be listed: the
/// document's walk over the demo data (tests/api/openapi.rs) refuses one that is not.
pub const CHANGED_FIELDS: &[(&str, Option<&str>)] = &[
    ("region", Some("Region")),
    ("organization", Some("Organization")),
    ("cycle", Some("Cycle")),
    ("evaluation", None),
    ("proposal", Some("Proposal")),
    ("council_meeting", Some("CouncilMeeting")),
    ("cycle_deadlines", Some("CycleDeadlines")),
    ("organizing_plan", Some("OrganizingPlan")),
    ("operator", Some("Operator")),
    ("plan", Some("Plan")),
    ("measure", Some("Measure")),
    ("report", Some("Report")),
    ("user", Some("User")),
    ("webhook", Some("Subscription")),
];
