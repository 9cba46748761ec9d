//! `/api/v1/audit-events`: the append-only log of every change. Read-only by construction: no
//! route writes to it except through the changes it records.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{parse_filter, parse_moment, ListFilterErrors};
use crate::app::{self, Listing};
use crate::auth::Caller;
use crate::db::audit::AuditFilter;
use crate::db::Db;
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

impl AuditListQuery {
    fn listing(self) -> ApiResult<Listing<AuditFilter>> {
        let mut errors = ListFilterErrors::default();
        let page = errors.paging(self.limit.as_deref(), self.cursor.as_deref());
        let filter = AuditFilter {
            actor: self.actor,
            resource_type: self.resource_type,
            resource_id: self.resource_id,
            action: self.action,
            since: parse_filter(&mut errors, "since", self.since, parse_moment),
            until: parse_filter(&mut errors, "until", self.until, parse_moment),
        };
        errors.into_listing(filter, page)
    }
}

#[utoipa::path(
    operation_id = "list_audit_events",
    summary = "List audit events",
    tag = "audit",
    params(AuditListQuery),
    responses(
        (status = 200, description = "A page of audit events, oldest first", body = Page<AuditEvent>),
    ),
)]
#[get("/audit-events")]
async fn list(
    caller: Caller,
    db: web::Data<Db>,
    query: web::Query<AuditListQuery>,
) -> ApiResult<HttpResponse> {
    let listing = query.into_inner().listing();
    let page = db
        .run(move |conn| app::audit::list(conn, &caller, listing))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
