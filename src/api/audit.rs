//! `/api/v1/audit-events`: the append-only log of every change. Read-only by construction: no
//! route writes to it except through the changes it records.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{parse_code, parse_filter, parse_moment, ListFilterErrors};
use crate::app::answers::Answers;
use crate::app::{self, Listing};
use crate::auth::Caller;
use crate::db::audit::AuditFilter;
use crate::db::Db;
use crate::domain::audit;
use crate::error::ApiResult;
use crate::views::audit::AuditEvent;
use crate::views::Page;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditListQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// Username of the actor.
    pub actor: Option<String>,
    /// One of the types of resource the log records (`organization`, `plan`, …).
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    /// One of the actions the log records (`organization.updated`, `plan.approved`, …).
    pub action: Option<String>,
    /// Only events of this region (by id).
    #[param(value_type = Option<i64>)]
    pub region_id: Option<String>,
    /// Only events of the region with this code (`71`).
    #[param(value_type = Option<String>, pattern = "^(0[1-9]|[1-9][0-9])$")]
    pub region_code: Option<String>,
    /// `at` (the default): oldest first; `-at`: newest first.
    pub sort: Option<String>,
    /// `true`: also count the events across all pages (`total`, `X-Total-Count`).
    #[param(value_type = Option<bool>)]
    pub total: Option<String>,
    /// Events at or after this moment (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<String>,
    /// Events before this moment (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub until: Option<String>,
}

impl AuditListQuery {
    fn listing(self) -> ApiResult<Listing<AuditFilter>> {
        let mut errors = ListFilterErrors::default();
        let page = errors.paging(self.limit.as_deref(), self.cursor.as_deref());
        let filter = AuditFilter {
            actor: self.actor,
            resource_type: parse_filter(&mut errors, "resource_type", self.resource_type, |v| {
                audit::known_resource_type(&v).then_some(v)
            }),
            resource_id: self.resource_id,
            action: parse_filter(&mut errors, "action", self.action, |v| {
                audit::known_action(&v).then_some(v)
            }),
            since: parse_filter(&mut errors, "since", self.since, parse_moment),
            until: parse_filter(&mut errors, "until", self.until, parse_moment),
            region_id: parse_filter(&mut errors, "region_id", self.region_id, |v| v.parse().ok()),
            region_code: parse_filter(&mut errors, "region_code", self.region_code, parse_code),
            newest_first: parse_filter(&mut errors, "sort", self.sort, |v| match v.as_str() {
                "at" => Some(false),
                "-at" => Some(true),
                _ => None,
            })
            .unwrap_or(false),
        };
        let total = errors.total(self.total);
        errors
            .into_listing(filter, page)
            .map(|listing| listing.counted(total))
    }
}

#[utoipa::path(
    operation_id = "list_audit_events",
    summary = "List audit events",
    tag = "audit",
    params(AuditListQuery),
    responses(
        (status = 200, description = "A page of audit events, oldest first (newest first with `sort=-at`)", body = Page<AuditEvent>),
    ),
)]
#[get("/audit-events")]
async fn list(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Db>,
    answers: web::Data<Answers>,
    query: web::Query<AuditListQuery>,
) -> ApiResult<HttpResponse> {
    let listing = query.into_inner().listing();
    let answer = app::audit::answer(&db, &answers, caller, listing).await?;
    Ok(super::cache::respond(&req, answer))
}
