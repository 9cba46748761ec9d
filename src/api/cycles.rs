//! `/api/v1/cycles`: assessment cycles — region, year, methodology and its settings, the
//! operator, the organizations assessed — and their status machine.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional::{self, IfMatch};
use super::extract::ApiJson;
use super::{parse_filter, parse_year, ListFilterErrors};
use crate::app::cycles::{self as use_case, Prepare};
use crate::app::{Context, Step};
use crate::auth::Caller;
use crate::db::cycles::CycleFilter;
use crate::db::Db;
use crate::domain::cycle::CycleStatus;
use crate::error::ApiResult;
use crate::openapi::Conflict;
use crate::views::cycles::{Cycle, CyclePatch, NewCycle, UnassessedOrganization};
use crate::views::Page;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(update)
        .service(start_collecting)
        .service(submit_results)
        .service(publish)
        .service(reopen)
        .service(unassessed);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CycleListQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// Only this region (by id; `region_code` takes its code).
    #[param(value_type = Option<i64>)]
    pub region_id: Option<String>,
    /// Only the region with this code of the subject of the RF (`71`).
    #[param(value_type = Option<String>, pattern = "^(0[1-9]|[1-9][0-9])$")]
    pub region_code: Option<String>,
    #[param(value_type = Option<i32>, minimum = 2013, maximum = 2100)]
    pub year: Option<String>,
    #[param(value_type = Option<CycleStatus>)]
    pub status: Option<String>,
    /// `true`: also count the matches across all pages (`total`, `X-Total-Count`).
    #[param(value_type = Option<bool>)]
    pub total: Option<String>,
}

impl CycleListQuery {
    /// The filter, the id to start after and the page size; 400 naming every bad parameter.
    fn filter(self) -> ApiResult<(CycleFilter, i64, i64, bool)> {
        let mut errors = ListFilterErrors::default();
        let (after_id, limit) = errors.paging(self.limit.as_deref(), self.cursor.as_deref());
        let filter = CycleFilter {
            region_id: parse_filter(&mut errors, "region_id", self.region_id, |v| v.parse().ok()),
            region_code: parse_filter(
                &mut errors,
                "region_code",
                self.region_code,
                super::parse_code,
            ),
            year: parse_filter(&mut errors, "year", self.year, parse_year),
            status: parse_filter(&mut errors, "status", self.status, |v| {
                CycleStatus::parse(&v)
            }),
        };
        let total = errors.total(self.total);
        errors.into_result()?;
        Ok((filter, after_id, limit, total))
    }
}

#[utoipa::path(
    operation_id = "list_cycles",
    summary = "List assessment cycles",
    tag = "cycles",
    params(CycleListQuery),
    responses(
        (status = 200, description = "The cycles the caller may see, in id order", body = Page<Cycle>),
    ),
)]
#[get("/cycles")]
async fn list(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Db>,
    query: web::Query<CycleListQuery>,
) -> ApiResult<HttpResponse> {
    let (filter, after_id, limit, total) = query.into_inner().filter()?;
    let page = db
        .run(move |conn| use_case::list(conn, &caller, &filter, after_id, limit, total))
        .await?;
    Ok(super::pages::respond(&req, &page))
}

#[utoipa::path(
    operation_id = "create_cycle",
    summary = "Create an assessment cycle (draft)",
    tag = "cycles",
    request_body = NewCycle,
    responses(
        (status = 201, description = "Created, in status `draft`", body = Cycle, headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/cycles")]
async fn create(
    ctx: Context,
    db: web::Data<Db>,
    body: ApiJson<NewCycle>,
) -> ApiResult<HttpResponse> {
    let (version, cycle) = db
        .transaction(move |conn| use_case::create(conn, &ctx, body.0))
        .await?;
    Ok(conditional::created(
        format!("/api/v1/cycles/{}", cycle.id),
        version,
        &cycle,
    ))
}

#[utoipa::path(
    operation_id = "get_cycle",
    summary = "Read an assessment cycle",
    tag = "cycles",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The cycle", body = Cycle, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
    ),
)]
#[get("/cycles/{id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, cycle) = db
        .run(move |conn| use_case::read(conn, &caller, id))
        .await?;
    Ok(conditional::respond(&req, version, &cycle))
}

#[utoipa::path(
    operation_id = "update_cycle",
    summary = "Change an assessment cycle",
    tag = "cycles",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-Match" = String, Header, description = "ETag from the GET this change is based on")),
    request_body(content = CyclePatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The cycle after the change", body = Cycle, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
)]
#[patch("/cycles/{id}")]
async fn update(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<CyclePatch>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, cycle) = db
        .transaction(move |conn| use_case::update(conn, &ctx, id, &if_match, body.0))
        .await?;
    Ok(conditional::updated(version, &cycle))
}

/// Takes `step` on the cycle and answers with the cycle after it.
async fn step(
    db: &Db,
    ctx: Context,
    if_match: IfMatch,
    id: i64,
    step: &'static Step<CycleStatus, Prepare>,
) -> ApiResult<HttpResponse> {
    let (row, cycle, ()) = db
        .transaction(move |conn| use_case::step(conn, &ctx, id, &if_match, *step))
        .await?;
    Ok(conditional::updated(row.version, &cycle))
}

#[utoipa::path(
    operation_id = "start_collecting",
    summary = "Start collecting (draft → collecting)",
    tag = "cycles",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-Match" = Option<String>, Header, description = "If given, the change applies only to this ETag")),
    responses(
        (status = 200, description = "The cycle, now `collecting`", body = Cycle, headers(("ETag" = String))),
    ),
)]
#[post("/cycles/{id}/start-collecting")]
async fn start_collecting(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    step(
        &db,
        ctx,
        if_match,
        id.into_inner(),
        &use_case::START_COLLECTING,
    )
    .await
}

#[utoipa::path(
    operation_id = "submit_results",
    summary = "Submit results (collecting → results_submitted)",
    tag = "cycles",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-Match" = Option<String>, Header, description = "If given, the change applies only to this ETag")),
    responses(
        (status = 200, description = "The cycle, now `results_submitted`: inputs, methodology and settings are fixed", body = Cycle, headers(("ETag" = String))),
    ),
)]
#[post("/cycles/{id}/submit-results")]
async fn submit_results(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    step(
        &db,
        ctx,
        if_match,
        id.into_inner(),
        &use_case::SUBMIT_RESULTS,
    )
    .await
}

#[utoipa::path(
    operation_id = "publish_cycle",
    summary = "Publish the approved ratings (approved → published)",
    tag = "ratings",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-Match" = Option<String>, Header, description = "If given, the change applies only to this ETag")),
    responses(
        (status = 200, description = "The cycle, now `published`: its latest approval (results and ratings) is visible to anonymous readers, and stays so if the cycle is reopened", body = Cycle, headers(("ETag" = String))),
    ),
)]
#[post("/cycles/{id}/publish")]
async fn publish(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    step(&db, ctx, if_match, id.into_inner(), &use_case::PUBLISH).await
}

#[utoipa::path(
    operation_id = "reopen_cycle",
    summary = "Reopen a cycle for corrections (→ collecting)",
    tag = "cycles",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-Match" = Option<String>, Header, description = "If given, the change applies only to this ETag")),
    responses(
        (status = 200, description = "The cycle, `collecting` again so that the operator can correct its data; earlier approvals stay as they were and a published one stays public until a new approval is published", body = Cycle, headers(("ETag" = String))),
    ),
)]
#[post("/cycles/{id}/reopen")]
async fn reopen(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    step(&db, ctx, if_match, id.into_inner(), &use_case::REOPEN).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UnassessedQuery {
    /// The year to look back from (that year and the two before); defaults to the current year.
    #[param(value_type = Option<i32>, minimum = 2013, maximum = 2100)]
    pub year: Option<String>,
}

impl UnassessedQuery {
    /// The year asked, the current one by default.
    fn year(self) -> ApiResult<i32> {
        let mut errors = ListFilterErrors::default();
        let year = parse_filter(&mut errors, "year", self.year, parse_year)
            .unwrap_or_else(|| chrono::Datelike::year(&Utc::now()));
        errors.into_result()?;
        Ok(year)
    }
}

/// Organizations of the region that no cycle assessed in `year` or the two years before: an
/// organization must be assessed at least once in three years.
#[utoipa::path(
    operation_id = "list_unassessed_organizations",
    tag = "cycles",
    params(("id" = i64, Path, description = "Region id"), UnassessedQuery),
    responses(
        (status = 200, description = "The organizations, by id", body = Vec<UnassessedOrganization>),
    ),
)]
#[get("/regions/{id}/unassessed-organizations")]
async fn unassessed(
    caller: Caller,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<UnassessedQuery>,
) -> ApiResult<HttpResponse> {
    let region_id = id.into_inner();
    let year = query.into_inner().year();
    let items: Vec<UnassessedOrganization> = db
        .run(move |conn| use_case::unassessed(conn, &caller, region_id, year))
        .await?;
    Ok(HttpResponse::Ok().json(items))
}
