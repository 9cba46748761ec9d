//! `/api/v1/plans/{id}/reports`: reports on a plan's execution for a period (a year, a
//! half-year, a quarter) — per measure what was done, when, with figures and evidence — and
//! their acceptance by the authority. The handlers extract and respond; `app::reports` does the
//! work.

use actix_web::http::header;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional::{self, IfMatch};
use super::download::{file, negotiate};
use super::extract::ApiJson;
use crate::app::reports::{self, ReportStep};
use crate::app::Context;
use crate::auth::Caller;
use crate::db::Db;
use crate::error::ApiResult;
use crate::openapi::Conflict;
use crate::views::reports::{EntryBody, NewReport, Report};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(put_entry)
        .service(submit)
        .service(accept)
        .service(export);
}

#[utoipa::path(
    operation_id = "list_reports",
    summary = "List the reports of a plan",
    tag = "reports",
    params(("id" = i64, Path, description = "Plan id")),
    responses(
        (status = 200, description = "The plan's reports by period; outsiders see accepted reports of public plans", body = Vec<Report>),
    ),
)]
#[get("/plans/{id}/reports")]
async fn list(caller: Caller, db: web::Data<Db>, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let plan_id = id.into_inner();
    let reports = db
        .run(move |conn| reports::list(conn, &caller, plan_id))
        .await?;
    Ok(HttpResponse::Ok().json(reports))
}

#[utoipa::path(
    operation_id = "create_report",
    summary = "Create a report on a plan",
    tag = "reports",
    params(("id" = i64, Path, description = "Plan id")),
    request_body = NewReport,
    responses(
        (status = 201, description = "A draft report for the period, an empty entry per measure", body = Report, headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/plans/{id}/reports")]
async fn create(
    ctx: Context,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<NewReport>,
) -> ApiResult<HttpResponse> {
    let plan_id = id.into_inner();
    let new = body.0;
    let (tag, report) = db
        .transaction(move |conn| reports::create(conn, &ctx, plan_id, new))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/plans/{plan_id}/reports/{}", report.id),
        ))
        .insert_header((header::ETAG, tag))
        .json(report))
}

#[utoipa::path(
    operation_id = "get_report",
    summary = "Read a report",
    tag = "reports",
    params(("id" = i64, Path, description = "Plan id"), ("report_id" = i64, Path, description = "Report id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The report", body = Report, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
    ),
)]
#[get("/plans/{id}/reports/{report_id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (plan_id, id) = path.into_inner();
    let (tag, report) = db
        .run(move |conn| reports::read(conn, &caller, plan_id, id))
        .await?;
    if conditional::is_not_modified(&req, &tag) {
        return Ok(conditional::not_modified(tag));
    }
    Ok(conditional::updated_with(tag, &report))
}

#[utoipa::path(
    operation_id = "put_report_entry",
    summary = "Replace a report's entry for a measure",
    tag = "reports",
    params(("id" = i64, Path, description = "Plan id"), ("report_id" = i64, Path, description = "Report id"),
           ("measure_id" = i64, Path, description = "Measure id"),
           ("If-Match" = String, Header, description = "ETag of the report this change is based on")),
    request_body = EntryBody,
    responses(
        (status = 200, description = "The report after the change", body = Report, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
)]
#[put("/plans/{id}/reports/{report_id}/entries/{measure_id}")]
async fn put_entry(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64, i64)>,
    body: ApiJson<EntryBody>,
) -> ApiResult<HttpResponse> {
    let (plan_id, id, measure_id) = path.into_inner();
    let entry = body.0;
    let (tag, report) = db
        .transaction(move |conn| {
            reports::put_entry(conn, &ctx, plan_id, id, measure_id, &if_match, entry)
        })
        .await?;
    Ok(conditional::updated_with(tag, &report))
}

/// Takes `step` on the report the path names.
async fn step(
    db: &Db,
    ctx: Context,
    (plan_id, id): (i64, i64),
    step: &'static ReportStep,
) -> ApiResult<HttpResponse> {
    let (tag, report) = db
        .transaction(move |conn| reports::step(conn, &ctx, plan_id, id, step))
        .await?;
    Ok(conditional::updated_with(tag, &report))
}

#[utoipa::path(
    operation_id = "submit_report",
    summary = "Submit a report",
    tag = "reports",
    params(("id" = i64, Path, description = "Plan id"), ("report_id" = i64, Path, description = "Report id")),
    responses(
        (status = 200, description = "`draft → submitted`: handed to the authority", body = Report, headers(("ETag" = String))),
    ),
)]
#[post("/plans/{id}/reports/{report_id}/submit")]
async fn submit(
    ctx: Context,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    step(&db, ctx, path.into_inner(), &reports::SUBMIT).await
}

#[utoipa::path(
    operation_id = "accept_report",
    summary = "Accept a report",
    tag = "reports",
    params(("id" = i64, Path, description = "Plan id"), ("report_id" = i64, Path, description = "Report id")),
    responses(
        (status = 200, description = "`submitted → accepted` by the authority; public if the plan is", body = Report, headers(("ETag" = String))),
    ),
)]
#[post("/plans/{id}/reports/{report_id}/accept")]
async fn accept(
    ctx: Context,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    step(&db, ctx, path.into_inner(), &reports::ACCEPT).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportExportQuery {
    /// `xlsx` or `csv`; without it, the `Accept` header decides (XLSX for `*/*`).
    #[param(value_type = Option<String>, pattern = "^(xlsx|csv)$", example = "xlsx")]
    pub format: Option<String>,
    /// CSV only: `rfc4180` (default: `,`, decimal point) or `excel-ru` (`;`, decimal comma;
    /// numbers stay numbers in Russian Excel). Both UTF-8 with BOM and CRLF.
    #[param(value_type = Option<crate::views::exports::CsvDialectName>, inline, example = "excel-ru")]
    pub dialect: Option<String>,
}

#[utoipa::path(
    operation_id = "export_report",
    summary = "Export a report (XLSX or CSV)",
    tag = "reports",
    params(("id" = i64, Path, description = "Plan id"), ("report_id" = i64, Path, description = "Report id"), ReportExportQuery),
    responses(
        (status = 200, description = "The report in the official form, in Russian: title, section rows, a row per measure with what was done, when, and the figures",
            content(
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/csv"),
            )),
    ),
)]
#[get("/plans/{id}/reports/{report_id}/export")]
async fn export(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
    query: web::Query<ReportExportQuery>,
) -> ApiResult<HttpResponse> {
    let (plan_id, id) = path.into_inner();
    let query = query.into_inner();
    let format = negotiate(&req, query.format, query.dialect)?;
    let download = db
        .run(move |conn| reports::export(conn, &caller, (plan_id, id), format))
        .await?;
    Ok(file(format, download))
}
