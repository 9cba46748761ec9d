//! `/api/v1/cycles/{id}/proposals`: the public council's proposals on a cycle's results, each
//! addressing one criterion, for one organization or for all of the cycle's.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::conditional::{self, etag, IfMatch};
use super::cycles;
use super::extract::ApiJson;
use super::request_id::RequestId;
use super::{nullable, patch_required, timestamp, ListFilterErrors};
use crate::auth::policy::{self, Rule};
use crate::auth::{Caller, Role};
use crate::db::audit::{self, Actor, Change};
use crate::db::changes::{self, Action, Exposure, FeedChange};
use crate::db::cycles::{self as cycle_store, CycleRow};
use crate::db::proposals::{self as store, ProposalRow, ProposalValues};
use crate::db::{Db, DbConnection};
use crate::domain::{methodology, paging, proposal};
use crate::error::{ApiError, ApiResult};
use crate::openapi::{
    BadRequest, NotFound, PayloadTooLarge, PreconditionFailed, PreconditionRequired,
    UnsupportedMediaType, ValidationFailed,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(update)
        .service(remove);
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "cycle_id": 1, "organization_id": 5, "criterion": "K1",
    "criterion_name": "Открытость и доступность информации об организации социальной сферы",
    "text": "Привести информацию на официальном сайте в соответствие с приказом Минтруда России № 886н",
    "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z"}))]
pub struct Proposal {
    pub id: i64,
    pub cycle_id: i64,
    /// The organization it is addressed to; `null`: every organization of the cycle.
    pub organization_id: Option<i64>,
    /// Criterion code of the cycle's methodology (`K1` … `K5`).
    pub criterion: String,
    /// Official wording of the criterion.
    pub criterion_name: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn shown(row: &ProposalRow, cycle: &CycleRow) -> Proposal {
    let criterion_name = methodology::find(&cycle.methodology_id)
        .and_then(|m| m.criteria.iter().find(|c| c.code == row.criterion))
        .map_or_else(String::new, |c| c.name.to_owned());
    Proposal {
        id: row.id,
        cycle_id: row.cycle_id,
        organization_id: row.organization_id,
        criterion: row.criterion.clone(),
        criterion_name,
        text: row.text.clone(),
        created_at: timestamp(row.created_at),
        updated_at: timestamp(row.updated_at),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_id": 5, "criterion": "K1",
    "text": "Привести информацию на официальном сайте в соответствие с приказом Минтруда России № 886н"}))]
pub struct NewProposal {
    /// An organization the cycle assesses; leave out (or `null`) for all of them.
    #[serde(default)]
    pub organization_id: Option<i64>,
    pub criterion: String,
    #[schema(min_length = 1, max_length = 10000)]
    pub text: String,
}

/// A JSON merge patch of a proposal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Обеспечить наличие на сайте раздела «Часто задаваемые вопросы»"}))]
pub struct ProposalPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, required = false)]
    pub organization_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false)]
    pub criterion: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 10000)]
    pub text: Option<Option<String>>,
}

/// Who sees a proposal, for the change feed: its region and organization, everyone once the
/// cycle is published.
fn exposure(cycle: &CycleRow, row: &ProposalRow) -> Exposure {
    Exposure {
        region_id: Some(cycle.region_id),
        organization_id: row.organization_id,
        public: cycle.published_approval_id.is_some(),
    }
}

/// After a publication or reopening of the cycle: its proposals, if who sees them changed.
pub fn feed_cycle(conn: &mut DbConnection, before: &CycleRow, after: &CycleRow) -> ApiResult<()> {
    if before.published_approval_id.is_some() == after.published_approval_id.is_some() {
        return Ok(());
    }
    let fed = store::list(conn, after.id, None, 0, i64::from(i32::MAX))?
        .iter()
        .map(|row| {
            Ok(FeedChange {
                resource_type: "proposal",
                resource_id: row.id.to_string(),
                action: Action::Updated,
                before: exposure(before, row),
                after: exposure(after, row),
                payload: Some(serde_json::to_value(shown(row, after)).map_err(ApiError::internal)?),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    changes::record_all(conn, &fed)
}

/// Checks the values against the cycle: a criterion of its methodology, an organization it
/// assesses, a text.
fn check(conn: &mut DbConnection, cycle: &CycleRow, values: &mut ProposalValues) -> ApiResult<()> {
    let methodology = methodology::find(&cycle.methodology_id).ok_or_else(|| {
        ApiError::internal(format!("unknown methodology {}", cycle.methodology_id))
    })?;
    let mut errors = proposal::check(methodology, &values.criterion, &mut values.text);
    if let Some(organization) = values.organization_id {
        if !cycle_store::assesses(conn, cycle.id, Some(organization))? {
            errors.push(crate::error::FieldError::new(
                "organization_id",
                "not_in_cycle",
                format!(
                    "cycle {} does not assess organization {organization}",
                    cycle.id
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// The cycle and the proposal, if `caller` may act under `rule`.
fn authorized(
    conn: &mut DbConnection,
    cycle_id: i64,
    id: i64,
    caller: &Caller,
    rule: &Rule,
) -> ApiResult<(CycleRow, ProposalRow)> {
    let cycle = cycles::authorized(conn, cycle_id, caller, rule)?;
    let row = store::find(conn, cycle_id, id)?;
    Ok((cycle, row))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProposalListQuery {
    /// Page size, 1–500.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{1,16}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalPage {
    pub items: Vec<Proposal>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    operation_id = "list_proposals",
    summary = "List the council's proposals",
    tag = "proposals",
    params(("id" = i64, Path, description = "Cycle id"), ProposalListQuery),
    responses(
        (status = 200, description = "The cycle's proposals in id order; an organization sees those addressed to it and to all", body = ProposalPage),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    ),
)]
#[get("/cycles/{id}/proposals")]
async fn list(
    caller: Caller,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<ProposalListQuery>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let mut errors = ListFilterErrors::default();
    let (after, limit) = errors.paging(query.limit.as_deref(), query.cursor.as_deref());
    errors.into_result()?;
    let page = db
        .run(move |conn| {
            let cycle = cycles::authorized(conn, cycle_id, &caller, &policy::PROPOSAL_LIST)?;
            let only = caller
                .principal()
                .filter(|p| p.role == Role::Organization)
                .map(|p| p.organization_id.unwrap_or(-1));
            let rows = store::list(conn, cycle_id, only, after, limit)?;
            let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
            Ok(ProposalPage {
                items: rows.iter().map(|r| shown(r, &cycle)).collect(),
                next_cursor,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(
    operation_id = "create_proposal",
    summary = "Create a council proposal",
    tag = "proposals",
    params(("id" = i64, Path, description = "Cycle id")),
    request_body = NewProposal,
    responses(
        (status = 201, description = "Recorded", body = Proposal, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/cycles/{id}/proposals")]
async fn create(
    caller: Caller,
    request_id: RequestId,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<NewProposal>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let new = body.0;
    let (row, proposal) = db
        .transaction(move |conn| {
            let cycle = cycles::authorized(conn, cycle_id, &caller, &policy::PROPOSAL_CREATE)?;
            let mut values = ProposalValues {
                organization_id: new.organization_id,
                criterion: new.criterion,
                text: new.text,
            };
            check(conn, &cycle, &mut values)?;
            let row = store::insert(conn, cycle_id, &values)?;
            let proposal = shown(&row, &cycle);
            audit::record(
                conn,
                &Actor::of(caller.principal(), &request_id.0),
                Change::of("proposal.create", "proposal", row.id, None, Some(&proposal))?
                    .exposed(exposure(&cycle, &row), exposure(&cycle, &row)),
            )?;
            Ok((row, proposal))
        })
        .await?;
    Ok(conditional::created(
        format!("/api/v1/cycles/{cycle_id}/proposals/{}", row.id),
        row.version,
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
        (status = 404, response = NotFound),
    ),
)]
#[get("/cycles/{id}/proposals/{proposal_id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (cycle_id, id) = path.into_inner();
    let (version, proposal) = db
        .run(move |conn| {
            let (cycle, row) = authorized(conn, cycle_id, id, &caller, &policy::PROPOSAL_READ)?;
            let addressed_elsewhere = caller.principal().is_some_and(|p| {
                p.role == Role::Organization
                    && row.organization_id.is_some()
                    && row.organization_id != p.organization_id
            });
            if addressed_elsewhere {
                return Err(ApiError::NotFound(format!(
                    "Cycle {cycle_id} has no proposal {id}"
                )));
            }
            Ok((row.version, shown(&row, &cycle)))
        })
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
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
        (status = 428, response = PreconditionRequired),
    ),
)]
#[patch("/cycles/{id}/proposals/{proposal_id}")]
async fn update(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
    body: ApiJson<ProposalPatch>,
) -> ApiResult<HttpResponse> {
    let (cycle_id, id) = path.into_inner();
    let patch = body.0;
    let (row, after) = db
        .transaction(move |conn| {
            let (cycle, current) =
                authorized(conn, cycle_id, id, &caller, &policy::PROPOSAL_UPDATE)?;
            if_match.require(&etag(current.version))?;
            let mut values = current.values();
            let mut errors = Vec::new();
            if let Some(organization_id) = patch.organization_id {
                values.organization_id = organization_id;
            }
            patch_required(
                &mut values.criterion,
                patch.criterion,
                "criterion",
                &mut errors,
            );
            patch_required(&mut values.text, patch.text, "text", &mut errors);
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            check(conn, &cycle, &mut values)?;
            let before = shown(&current, &cycle);
            if values == current.values() {
                return Ok((current, before));
            }
            let row = store::update(conn, &current, &values)?;
            if row.organization_id != current.organization_id {
                // Addressed elsewhere now: whoever saw it only as the former addressee loses it.
                changes::record(
                    conn,
                    &FeedChange {
                        resource_type: "proposal",
                        resource_id: id.to_string(),
                        action: Action::Deleted,
                        before: exposure(&cycle, &current),
                        after: exposure(&cycle, &current),
                        payload: None,
                    },
                )?;
            }
            let after = shown(&row, &cycle);
            audit::record(
                conn,
                &Actor::of(caller.principal(), &request_id.0),
                Change::of(
                    "proposal.update",
                    "proposal",
                    id,
                    Some(&before),
                    Some(&after),
                )?
                .exposed(exposure(&cycle, &current), exposure(&cycle, &row)),
            )?;
            Ok((row, after))
        })
        .await?;
    Ok(conditional::updated(row.version, &after))
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
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 428, response = PreconditionRequired),
    ),
)]
#[delete("/cycles/{id}/proposals/{proposal_id}")]
async fn remove(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (cycle_id, id) = path.into_inner();
    db.transaction(move |conn| {
        let (cycle, current) = authorized(conn, cycle_id, id, &caller, &policy::PROPOSAL_DELETE)?;
        if_match.require(&etag(current.version))?;
        store::delete(conn, &current)?;
        audit::record(
            conn,
            &Actor::of(caller.principal(), &request_id.0),
            Change::of(
                "proposal.delete",
                "proposal",
                id,
                Some(&shown(&current, &cycle)),
                None::<&Proposal>,
            )?
            .exposed(exposure(&cycle, &current), exposure(&cycle, &current)),
        )?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
