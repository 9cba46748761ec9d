//! `/api/v1/cycles/{id}/proposals`: the public council's proposals for improving the
//! organizations' work, by criterion, for one organization or all of them.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional::{self, IfMatch};
use super::extract::ApiJson;
use super::ListFilterErrors;
use crate::app::proposals as use_case;
use crate::app::Context;
use crate::auth::Caller;
use crate::db::Db;
use crate::error::ApiResult;
use crate::views::proposals::{NewProposal, Proposal, ProposalPatch};
use crate::views::Page;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(update)
        .service(remove);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProposalListQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// `true`: also count the matches across all pages (`total`, `X-Total-Count`).
    #[param(value_type = Option<bool>)]
    pub total: Option<String>,
}

impl ProposalListQuery {
    /// The id to start after, the page size and whether to count the matches.
    fn paging(&self) -> ApiResult<(i64, i64, bool)> {
        let mut errors = ListFilterErrors::default();
        let (after, limit) = errors.paging(self.limit.as_deref(), self.cursor.as_deref());
        let total = errors.total(self.total.clone());
        errors.into_result()?;
        Ok((after, limit, total))
    }
}

#[utoipa::path(
    operation_id = "list_proposals",
    summary = "List the council's proposals",
    tag = "proposals",
    params(("id" = i64, Path, description = "Cycle id"), ProposalListQuery),
    responses(
        (status = 200, description = "The cycle's proposals in id order; an organization sees those addressed to it and to all", body = Page<Proposal>),
    ),
)]
#[get("/cycles/{id}/proposals")]
async fn list(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<ProposalListQuery>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let (after, limit, total) = query.paging()?;
    let page = db
        .run(move |conn| use_case::list(conn, &caller, cycle_id, after, limit, total))
        .await?;
    Ok(super::pages::respond(&req, &page))
}

#[utoipa::path(
    operation_id = "create_proposal",
    summary = "Create a council proposal",
    tag = "proposals",
    params(("id" = i64, Path, description = "Cycle id")),
    request_body = NewProposal,
    responses(
        (status = 201, description = "Recorded", body = Proposal, headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/cycles/{id}/proposals")]
async fn create(
    ctx: Context,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<NewProposal>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let (version, proposal) = db
        .transaction(move |conn| use_case::create(conn, &ctx, cycle_id, body.0))
        .await?;
    Ok(conditional::created(
        format!("/api/v1/cycles/{cycle_id}/proposals/{}", proposal.id),
        version,
        &proposal,
    ))
}

#[utoipa::path(
    operation_id = "get_proposal",
    summary = "Read a council proposal",
    tag = "proposals",
    params(("id" = i64, Path, description = "Cycle id"),
           ("proposal_id" = i64, Path, description = "Proposal id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The proposal", body = Proposal, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
    ),
)]
#[get("/cycles/{id}/proposals/{proposal_id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let (version, proposal) = db
        .run(move |conn| use_case::read(conn, &caller, ids))
        .await?;
    Ok(conditional::respond(&req, version, &proposal))
}

#[utoipa::path(
    operation_id = "update_proposal",
    summary = "Change a council proposal",
    tag = "proposals",
    params(("id" = i64, Path, description = "Cycle id"),
           ("proposal_id" = i64, Path, description = "Proposal id"),
           ("If-Match" = String, Header, description = "ETag from the GET this change is based on")),
    request_body(content = ProposalPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The proposal after the change", body = Proposal, headers(("ETag" = String))),
    ),
)]
#[patch("/cycles/{id}/proposals/{proposal_id}")]
async fn update(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
    body: ApiJson<ProposalPatch>,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let (version, proposal) = db
        .transaction(move |conn| use_case::update(conn, &ctx, ids, &if_match, body.0))
        .await?;
    Ok(conditional::updated(version, &proposal))
}

#[utoipa::path(
    operation_id = "delete_proposal",
    summary = "Delete a council proposal",
    tag = "proposals",
    params(("id" = i64, Path, description = "Cycle id"),
           ("proposal_id" = i64, Path, description = "Proposal id"),
           ("If-Match" = String, Header, description = "ETag from the GET this deletion is based on")),
    responses(
        (status = 204, description = "Deleted; the audit log keeps what it said"),
    ),
)]
#[delete("/cycles/{id}/proposals/{proposal_id}")]
async fn remove(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    db.transaction(move |conn| use_case::delete(conn, &ctx, ids, &if_match))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
