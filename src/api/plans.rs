//! `/api/v1/plans`: improvement plans in the official form — header with the approval block,
//! sections by criterion, ordered measures with structured deadlines — and their status machine.
//! The handlers extract and respond; `app::plans` does the work.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional::{self, IfMatch};
use super::extract::ApiJson;
use super::{parse_filter, parse_year, ListFilterErrors};
use crate::app::plans::{self, Listing};
use crate::app::Context;
use crate::auth::Caller;
use crate::db::plans::PlanFilter;
use crate::db::Db;
use crate::domain::plan::PlanStatus;
use crate::error::ApiResult;
use crate::openapi::Conflict;
use crate::views::plans::{
    parse_as_of, Measure, MeasurePatch, NewPlan, NewPlanMeasure, Plan, PlanPatch, PlanSummary,
};
use crate::views::Page;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(update)
        .service(submit)
        .service(send_back)
        .service(approve)
        .service(publish)
        .service(close)
        .service(create_measure)
        .service(read_measure)
        .service(update_measure)
        .service(delete_measure);
}

/// The day figures are derived for: `?as_of=YYYY-MM-DD`, or today.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// The day `overdue`, `next_due` and completion are computed for; default today (UTC).
    #[param(value_type = Option<NaiveDate>)]
    pub as_of: Option<String>,
}

impl AsOfQuery {
    fn parse(self) -> ApiResult<NaiveDate> {
        let mut errors = ListFilterErrors::default();
        let day = parse_as_of(&mut errors, self.as_of);
        errors.into_result()?;
        Ok(day)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanListQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// Only this region (by id; `region_code` takes its code).
    #[param(value_type = Option<i64>)]
    pub region_id: Option<String>,
    /// Only the region with this code of the subject of the RF (`71`).
    #[param(value_type = Option<String>, pattern = "^(0[1-9]|[1-9][0-9])$")]
    pub region_code: Option<String>,
    #[param(value_type = Option<i64>)]
    pub organization_id: Option<String>,
    #[param(value_type = Option<i32>, minimum = 2013, maximum = 2100)]
    pub year: Option<String>,
    #[param(value_type = Option<PlanStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<NaiveDate>)]
    pub as_of: Option<String>,
    /// `true`: also count the matches across all pages (`total`, `X-Total-Count`).
    #[param(value_type = Option<bool>)]
    pub total: Option<String>,
}

impl PlanListQuery {
    fn parse(self) -> ApiResult<Listing> {
        let mut errors = ListFilterErrors::default();
        let (after_id, limit) = errors.paging(self.limit.as_deref(), self.cursor.as_deref());
        let filter = PlanFilter {
            region_id: parse_filter(&mut errors, "region_id", self.region_id, |v| v.parse().ok()),
            region_code: parse_filter(
                &mut errors,
                "region_code",
                self.region_code,
                super::parse_code,
            ),
            organization_id: parse_filter(
                &mut errors,
                "organization_id",
                self.organization_id,
                |v| v.parse().ok(),
            ),
            year: parse_filter(&mut errors, "year", self.year, parse_year),
            status: parse_filter(&mut errors, "status", self.status, |v| {
                PlanStatus::parse(&v)
            }),
        };
        let as_of = parse_as_of(&mut errors, self.as_of);
        let total = errors.total(self.total);
        errors.into_result()?;
        Ok(Listing {
            filter,
            after_id,
            limit,
            as_of,
            total,
        })
    }
}

#[utoipa::path(
    operation_id = "list_plans",
    summary = "List improvement plans",
    tag = "plans",
    params(PlanListQuery),
    responses(
        (status = 200, description = "The plans the caller may see, in id order", body = Page<PlanSummary>),
    ),
)]
#[get("/plans")]
async fn list(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Db>,
    query: web::Query<PlanListQuery>,
) -> ApiResult<HttpResponse> {
    let listing = query.into_inner().parse()?;
    let page = db
        .run(move |conn| plans::list(conn, &caller, listing))
        .await?;
    Ok(super::pages::respond(&req, &page))
}

#[utoipa::path(
    operation_id = "create_plan",
    summary = "Create an improvement plan",
    tag = "plans",
    request_body = NewPlan,
    responses(
        (status = 201, description = "Created, in status `draft`; deadlines parsed", body = Plan, headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/plans")]
async fn create(
    ctx: Context,
    db: web::Data<Db>,
    body: ApiJson<NewPlan>,
) -> ApiResult<HttpResponse> {
    let new = body.0;
    let (version, plan) = db
        .transaction(move |conn| plans::create(conn, &ctx, new))
        .await?;
    Ok(conditional::created(
        format!("/api/v1/plans/{}", plan.id),
        version,
        &plan,
    ))
}

#[utoipa::path(
    operation_id = "get_plan",
    summary = "Read an improvement plan",
    tag = "plans",
    params(("id" = i64, Path, description = "Plan id"), AsOfQuery,
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The plan with its sections and measures", body = Plan, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
    ),
)]
#[get("/plans/{id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<AsOfQuery>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let as_of = query.into_inner().parse()?;
    let (version, plan) = db
        .run(move |conn| plans::read(conn, &caller, id, as_of))
        .await?;
    // Derived figures depend on the day asked for: the ETag names the version and the day.
    Ok(conditional::respond_dated(&req, version, as_of, &plan))
}

#[utoipa::path(
    operation_id = "update_plan",
    summary = "Change the header of a draft plan",
    tag = "plans",
    params(("id" = i64, Path, description = "Plan id"),
           ("If-Match" = String, Header, description = "ETag from the GET this change is based on")),
    request_body(content = PlanPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The plan after the change", body = Plan, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
)]
#[patch("/plans/{id}")]
async fn update(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<PlanPatch>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let patch = body.0;
    let (version, plan) = db
        .transaction(move |conn| plans::update(conn, &ctx, id, &if_match, patch))
        .await?;
    let day = plan.as_of;
    Ok(conditional::updated_with(
        conditional::dated_etag(version, day),
        &plan,
    ))
}

// rustfmt does not settle on the indentation of attributes inside macro_rules: skipped.
#[rustfmt::skip]
macro_rules! plan_step {
    ($name:ident, $path:literal, $operation:literal, $summary:literal, $step:ident, $what:literal) => {
        #[utoipa::path(
            operation_id = $operation,
            summary = $summary,
            tag = "plans",
            params(("id" = i64, Path, description = "Plan id")),
            responses(
                (status = 200, description = $what, body = Plan, headers(("ETag" = String))),
            ),
        )]
        #[post($path)]
        async fn $name(ctx: Context, db: web::Data<Db>, id: web::Path<i64>) -> ApiResult<HttpResponse> {
            let id = id.into_inner();
            let (version, plan) = db
                .transaction(move |conn| plans::step(conn, &ctx, id, &plans::$step))
                .await?;
            Ok(conditional::updated_with(conditional::dated_etag(version, plan.as_of), &plan))
        }
    };
}

plan_step!(
    submit,
    "/plans/{id}/submit",
    "submit_plan",
    "Submit a plan (draft → submitted)",
    SUBMIT,
    "`draft → submitted`: handed to the authority (a plan needs measures)"
);
plan_step!(
    send_back,
    "/plans/{id}/return",
    "return_plan",
    "Return a plan (submitted → draft)",
    RETURN,
    "`submitted → draft`: returned for rework"
);
plan_step!(
    approve,
    "/plans/{id}/approve",
    "approve_plan",
    "Approve a plan (submitted → approved)",
    APPROVE,
    "`submitted → approved`: needs the «УТВЕРЖДАЮ» block; measures are now carried out"
);
plan_step!(
    publish,
    "/plans/{id}/publish",
    "publish_plan",
    "Publish a plan (approved → published)",
    PUBLISH,
    "`approved → published`: visible to anonymous readers"
);
plan_step!(
    close,
    "/plans/{id}/close",
    "close_plan",
    "Close a plan (published → closed)",
    CLOSE,
    "`published → closed`: the plan's period is over; it stays public"
);

#[utoipa::path(
    operation_id = "create_measure",
    summary = "Add a measure to a plan",
    tag = "plans",
    params(("id" = i64, Path, description = "Plan id")),
    request_body = NewPlanMeasure,
    responses(
        (status = 201, description = "Added at the end of its section", body = Measure, headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/plans/{id}/measures")]
async fn create_measure(
    ctx: Context,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<NewPlanMeasure>,
) -> ApiResult<HttpResponse> {
    let plan_id = id.into_inner();
    let new = body.0;
    let (version, measure) = db
        .transaction(move |conn| plans::create_measure(conn, &ctx, plan_id, new))
        .await?;
    Ok(conditional::created(
        format!("/api/v1/plans/{plan_id}/measures/{}", measure.id),
        version,
        &measure,
    ))
}

#[utoipa::path(
    operation_id = "get_measure",
    summary = "Read a measure",
    tag = "plans",
    params(("id" = i64, Path, description = "Plan id"), ("measure_id" = i64, Path, description = "Measure id"), AsOfQuery,
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The measure", body = Measure, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
    ),
)]
#[get("/plans/{id}/measures/{measure_id}")]
async fn read_measure(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
    query: web::Query<AsOfQuery>,
) -> ApiResult<HttpResponse> {
    let (plan_id, id) = path.into_inner();
    let as_of = query.into_inner().parse()?;
    let (version, measure) = db
        .run(move |conn| plans::read_measure(conn, &caller, plan_id, id, as_of))
        .await?;
    // Derived fields follow the day: the ETag names the version and the day.
    Ok(conditional::respond_dated(&req, version, as_of, &measure))
}

#[utoipa::path(
    operation_id = "update_measure",
    summary = "Change a measure",
    tag = "plans",
    params(("id" = i64, Path, description = "Plan id"), ("measure_id" = i64, Path, description = "Measure id"),
           ("If-Match" = String, Header, description = "ETag from the GET this change is based on")),
    request_body(content = MeasurePatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The measure after the change", body = Measure, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
)]
#[patch("/plans/{id}/measures/{measure_id}")]
async fn update_measure(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
    body: ApiJson<MeasurePatch>,
) -> ApiResult<HttpResponse> {
    let (plan_id, id) = path.into_inner();
    let patch = body.0;
    let (version, measure) = db
        .transaction(move |conn| plans::update_measure(conn, &ctx, plan_id, id, &if_match, patch))
        .await?;
    Ok(conditional::updated(version, &measure))
}

#[utoipa::path(
    operation_id = "delete_measure",
    summary = "Delete a measure of a draft plan",
    tag = "plans",
    params(("id" = i64, Path, description = "Plan id"), ("measure_id" = i64, Path, description = "Measure id"),
           ("If-Match" = String, Header, description = "ETag from the GET this deletion is based on")),
    responses(
        (status = 204, description = "Deleted from the draft; the audit log keeps it"),
        (status = 409, response = Conflict),
    ),
)]
#[delete("/plans/{id}/measures/{measure_id}")]
async fn delete_measure(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (plan_id, id) = path.into_inner();
    db.transaction(move |conn| plans::delete_measure(conn, &ctx, plan_id, id, &if_match))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
