//! `/api/v1/regions/{id}/operators` and `/api/v1/operators/{id}`: the operator as an
//! organization of its region, its state contracts and the cycles they cover, its users.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional;
use super::extract::ApiJson;
use super::ListFilterErrors;
use crate::app::operators as use_case;
use crate::app::Context;
use crate::auth::Caller;
use crate::db::Db;
use crate::error::ApiResult;
use crate::views::operators::{NewOperator, NewOperatorContract, Operator};
use crate::views::Page;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(add_contract);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OperatorListQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// `true`: also count the matches across all pages (`total`, `X-Total-Count`).
    #[param(value_type = Option<bool>)]
    pub total: Option<String>,
}

#[utoipa::path(
    operation_id = "list_operators",
    summary = "List the region's operators",
    tag = "operators",
    params(("id" = i64, Path, description = "Region id"), OperatorListQuery),
    responses(
        (status = 200, description = "The region's operators in id order, each with its contracts, the cycles they cover and its users", body = Page<Operator>),
    ),
)]
#[get("/regions/{id}/operators")]
async fn list(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<OperatorListQuery>,
) -> ApiResult<HttpResponse> {
    let region_id = id.into_inner();
    let mut errors = ListFilterErrors::default();
    let (after, limit) = errors.paging(query.limit.as_deref(), query.cursor.as_deref());
    let total = errors.total(query.total.clone());
    errors.into_result()?;
    let page = db
        .run(move |conn| use_case::list(conn, &caller, region_id, after, limit, total))
        .await?;
    Ok(super::pages::respond(&req, &page))
}

#[utoipa::path(
    operation_id = "create_operator",
    summary = "Record the region's operator with its users",
    tag = "operators",
    params(("id" = i64, Path, description = "Region id")),
    request_body = NewOperator,
    responses(
        (status = 201, description = "Recorded", body = Operator, headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/regions/{id}/operators")]
async fn create(
    ctx: Context,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<NewOperator>,
) -> ApiResult<HttpResponse> {
    let region_id = id.into_inner();
    let (version, operator) = db
        .transaction(move |conn| use_case::create(conn, &ctx, region_id, body.0))
        .await?;
    Ok(conditional::created(
        format!("/api/v1/operators/{}", operator.id),
        version,
        &operator,
    ))
}

#[utoipa::path(
    operation_id = "get_operator",
    summary = "Read an operator: its contracts, the cycles they cover, its users",
    tag = "operators",
    params(("id" = i64, Path, description = "Operator id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The operator", body = Operator, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
    ),
)]
#[get("/operators/{id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, operator) = db
        .run(move |conn| use_case::read(conn, &caller, id))
        .await?;
    Ok(conditional::respond(&req, version, &operator))
}

#[utoipa::path(
    operation_id = "add_operator_contract",
    summary = "Add a state contract of the operator, with the cycles it covers",
    tag = "operators",
    params(("id" = i64, Path, description = "Operator id")),
    request_body = NewOperatorContract,
    responses(
        (status = 201, description = "Added; the operator with the new contract last (its next version)", body = Operator, headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/operators/{id}/contracts")]
async fn add_contract(
    ctx: Context,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<NewOperatorContract>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, operator) = db
        .transaction(move |conn| use_case::add_contract(conn, &ctx, id, body.0))
        .await?;
    Ok(conditional::created(
        format!("/api/v1/operators/{}", operator.id),
        version,
        &operator,
    ))
}
