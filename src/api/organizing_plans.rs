//! `/api/v1/regions/{id}/organizing-plans` and `/api/v1/organizing-plans/{id}`: the region's
//! plan for organizing the assessment (seed 002), its targets against actuals, its measures,
//! import and export of its table.

use actix_web::http::header;
use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional::{self, IfMatch};
use super::download::{file, negotiate};
use super::extract::ApiJson;
use super::upload::{imported, sheet_file};
use super::{parse_filter, parse_year, ListFilterErrors};
use crate::app::organizing_plans::{self as use_case, ImportForm};
use crate::app::Context;
use crate::auth::Caller;
use crate::db::{Db, DbConnection};
use crate::error::ApiResult;
use crate::views::organizing_plans::{
    NewOrganizingPlan, OrganizingImportResult, OrganizingMeasurePatch, OrganizingPlan,
    TargetYearValues,
};
use crate::views::Page;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(import)
        .service(read)
        .service(export)
        .service(set_target_year)
        .service(update_measure);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizingPlanListQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// `true`: also count the region's plans across all pages (`total`, `X-Total-Count`).
    #[param(value_type = Option<bool>)]
    pub total: Option<String>,
}

#[utoipa::path(
    operation_id = "list_organizing_plans",
    summary = "List the region's organizing plans",
    tag = "organizing-plans",
    params(("id" = i64, Path, description = "Region id"), OrganizingPlanListQuery),
    responses(
        (status = 200, description = "The region's plans for organizing the assessment in id order, each with its targets against actuals and its measures", body = Page<OrganizingPlan>),
    ),
)]
#[get("/regions/{id}/organizing-plans")]
async fn list(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<OrganizingPlanListQuery>,
) -> ApiResult<HttpResponse> {
    let region_id = id.into_inner();
    let query = query.into_inner();
    let mut errors = ListFilterErrors::default();
    let (after, limit) = errors.paging(query.limit.as_deref(), query.cursor.as_deref());
    let total = errors.total(query.total);
    errors.into_result()?;
    let page = db
        .run(move |conn| use_case::list(conn, &caller, region_id, after, limit, total))
        .await?;
    Ok(super::pages::respond(&req, &page))
}

#[utoipa::path(
    operation_id = "create_organizing_plan",
    summary = "Record the region's organizing plan",
    tag = "organizing-plans",
    params(("id" = i64, Path, description = "Region id")),
    request_body = NewOrganizingPlan,
    responses(
        (status = 201, description = "Recorded", body = OrganizingPlan, headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/regions/{id}/organizing-plans")]
async fn create(
    ctx: Context,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<NewOrganizingPlan>,
) -> ApiResult<HttpResponse> {
    let region_id = id.into_inner();
    let (version, plan) = db
        .transaction(move |conn| use_case::create(conn, &ctx, region_id, body.0))
        .await?;
    Ok(conditional::created(
        format!("/api/v1/organizing-plans/{}", plan.id),
        version,
        &plan,
    ))
}

/// What the file may not say, and whether to store anything.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizingImportQuery {
    /// `true`: read and check everything, store nothing, answer what would be created.
    #[param(value_type = Option<bool>, default = false)]
    pub dry_run: Option<String>,
    /// The first year of the plan; defaults to the title's range («на 2016-2018 годы»), else
    /// the first planned year column.
    #[param(value_type = Option<i32>, minimum = 2013, maximum = 2100)]
    pub year_from: Option<String>,
    #[param(value_type = Option<i32>, minimum = 2013, maximum = 2100)]
    pub year_to: Option<String>,
    /// The approving order's number; defaults to the «№ …» line above the table.
    pub order_number: Option<String>,
    /// The approving order's date (YYYY-MM-DD); defaults to the «от …» line above the table.
    #[param(value_type = Option<String>, format = Date)]
    pub order_date: Option<String>,
}

impl OrganizingImportQuery {
    fn parse(self, region_id: i64) -> ApiResult<ImportForm> {
        let mut errors = ListFilterErrors::default();
        let dry_run = parse_filter(&mut errors, "dry_run", self.dry_run, |v| {
            v.parse::<bool>().ok()
        })
        .unwrap_or(false);
        let year_from = parse_filter(&mut errors, "year_from", self.year_from, parse_year);
        let year_to = parse_filter(&mut errors, "year_to", self.year_to, parse_year);
        let order_date = parse_filter(&mut errors, "order_date", self.order_date, |v| {
            chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok()
        });
        let order_number = self
            .order_number
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        errors.into_result()?;
        Ok(ImportForm {
            dry_run,
            region_id,
            year_from,
            year_to,
            order_number,
            order_date,
        })
    }
}

#[utoipa::path(
    operation_id = "import_organizing_plan",
    summary = "Import the region's organizing plan from its table (XLSX or CSV)",
    tag = "organizing-plans",
    params(("id" = i64, Path, description = "Region id"), OrganizingImportQuery),
    request_body(description = "The plan's table as seed 002 lays it out: lines above (the order's «№ …» and «от …», the title «План мероприятий … на 2016-2018 годы»); the targets table headed «№», «Целевые показатели» and a column per year («2015 г. (отчет)» for reported actuals, «2016 г.» for planned values); the measures table headed «Мероприятия», «Форма реализации», «Сроки исполнения», «Ответственные исполнители» (and optionally «Статус»). Rows without a number continue the row above (page breaks). XLSX (first sheet with data) or CSV (UTF-8, UTF-16 or Windows-1251; `,`, `;` or tab). At most 10 MiB.",
        content(
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv"),
        )),
    responses(
        (status = 200, description = "Dry run: what would be created, with row-level warnings; nothing is stored", body = OrganizingImportResult),
        (status = 201, description = "Created", body = OrganizingImportResult, headers(("Location" = String))),
    ),
)]
#[post("/regions/{id}/organizing-plans/import")]
async fn import(
    ctx: Context,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<OrganizingImportQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let region_id = id.into_inner();
    let form = query.into_inner().parse(region_id)?;
    let caller = ctx.caller.clone();
    db.run(move |conn| use_case::authorize_import(conn, &caller, region_id))
        .await?;
    let bytes = sheet_file(&req, payload).await?;
    let table = use_case::read_file(&form, &bytes)?;
    let dry_run = form.dry_run;
    let work = move |conn: &mut DbConnection| use_case::import(conn, &ctx, &form, table);
    imported(&db, dry_run, work, |r: &OrganizingImportResult| {
        format!("/api/v1/organizing-plans/{}", r.plan.id)
    })
    .await
}

#[utoipa::path(
    operation_id = "get_organizing_plan",
    summary = "Read an organizing plan: targets against actuals, measures",
    tag = "organizing-plans",
    params(("id" = i64, Path, description = "Organizing plan id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The plan; per target and year the planned value, the actual one with its source (`computed` from the service's cycles and council meetings, else `entered`) and whether it was met", body = OrganizingPlan, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
    ),
)]
#[get("/organizing-plans/{id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, plan) = db
        .run(move |conn| use_case::read(conn, &caller, id))
        .await?;
    // The computed actuals change with other resources (cycles, meetings): the tag is the
    // version and a hash of the body, which `If-Match` on writes takes by its version.
    let bytes = serde_json::to_vec(&plan).map_err(crate::error::ApiError::internal)?;
    let hashed = crate::app::hashed_etag(&bytes);
    let tag = format!("\"{version}-{}", &hashed[1..]);
    if conditional::is_not_modified(&req, &tag) {
        return Ok(conditional::not_modified(tag));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .content_type("application/json")
        .body(bytes))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizingExportQuery {
    /// `xlsx` or `csv`; without it, the `Accept` header decides (XLSX for `*/*`).
    #[param(value_type = Option<String>, pattern = "^(xlsx|csv)$")]
    pub format: Option<String>,
    /// CSV only: `rfc4180` (default) or `excel-ru` (`;`, decimal comma).
    #[param(value_type = Option<crate::views::exports::CsvDialectName>, inline)]
    pub dialect: Option<String>,
}

#[utoipa::path(
    operation_id = "export_organizing_plan",
    summary = "Export an organizing plan in its table (XLSX or CSV)",
    tag = "organizing-plans",
    params(("id" = i64, Path, description = "Organizing plan id"), OrganizingExportQuery),
    responses(
        (status = 200, description = "The plan as seed 002 lays it out, in Russian: the order and title above; «Целевые показатели» with a column per planned year («2016 г.») and per year with an actual value («2015 г. (отчет)»); «II. План мероприятий» with «Форма реализации», «Сроки исполнения», «Ответственные исполнители», «Статус». The import reads it back.",
            content(
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/csv"),
            )),
    ),
)]
#[get("/organizing-plans/{id}/export")]
async fn export(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<OrganizingExportQuery>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let query = query.into_inner();
    let format = negotiate(&req, query.format, query.dialect)?;
    let download = db
        .run(move |conn| use_case::export(conn, &caller, id, format))
        .await?;
    Ok(file(format, download))
}

#[utoipa::path(
    operation_id = "set_organizing_target_year",
    summary = "Set a target's planned and entered actual value of a year",
    tag = "organizing-plans",
    params(("id" = i64, Path, description = "Organizing plan id"),
           ("target_id" = i64, Path, description = "Target id"),
           ("year" = i32, Path, description = "The year", minimum = 2000, maximum = 2100),
           ("If-Match" = String, Header, description = "ETag of the plan from the write this change is based on (`*` for any)")),
    request_body = TargetYearValues,
    responses(
        (status = 200, description = "The plan after the change", body = OrganizingPlan, headers(("ETag" = String))),
    ),
)]
#[put("/organizing-plans/{id}/targets/{target_id}/years/{year}")]
async fn set_target_year(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64, i32)>,
    body: ApiJson<TargetYearValues>,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let (version, plan) = db
        .transaction(move |conn| use_case::set_target_year(conn, &ctx, ids, &if_match, body.0))
        .await?;
    Ok(conditional::updated(version, &plan))
}

#[utoipa::path(
    operation_id = "update_organizing_measure",
    summary = "Change a measure of an organizing plan (status, form, deadline, executors)",
    tag = "organizing-plans",
    params(("id" = i64, Path, description = "Organizing plan id"),
           ("measure_id" = i64, Path, description = "Measure id"),
           ("If-Match" = String, Header, description = "ETag of the plan from the write this change is based on (`*` for any)")),
    request_body(content = OrganizingMeasurePatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The plan after the change", body = OrganizingPlan, headers(("ETag" = String))),
    ),
)]
#[patch("/organizing-plans/{id}/measures/{measure_id}")]
async fn update_measure(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
    body: ApiJson<OrganizingMeasurePatch>,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let (version, plan) = db
        .transaction(move |conn| use_case::update_measure(conn, &ctx, ids, &if_match, body.0))
        .await?;
    Ok(conditional::updated(version, &plan))
}
