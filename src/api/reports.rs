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
use super::upload::{imported, sheet_file};
use super::{parse_filter, parse_year, ListFilterErrors};
use crate::app::reports::{self, ReportImportForm, ReportStep};
use crate::app::Context;
use crate::auth::Caller;
use crate::db::{Db, DbConnection};
use crate::domain::plan::PeriodKind;
use crate::error::ApiResult;
use crate::openapi::Conflict;
use crate::views::reports::{EntryBody, NewReport, Report, ReportImportResult};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(put_entry)
        .service(submit)
        .service(accept)
        .service(export)
        .service(import);
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
    #[param(value_type = Option<String>, pattern = "^(xlsx|csv)$")]
    pub format: Option<String>,
    /// CSV only: `rfc4180` (default: `,`, decimal point) or `excel-ru` (`;`, decimal comma;
    /// numbers stay numbers in Russian Excel). Both UTF-8 with BOM and CRLF.
    #[param(value_type = Option<crate::views::exports::CsvDialectName>, inline)]
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

/// The period an imported report covers, and whether to store it.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportImportQuery {
    /// `true`: read, match and check everything, store nothing, answer what would be created.
    #[param(value_type = Option<bool>, default = false)]
    pub dry_run: Option<String>,
    /// `year` (the default), `half_year` or `quarter`.
    #[param(value_type = Option<PeriodKind>, inline)]
    pub kind: Option<String>,
    /// The period's year; defaults to the plan's year.
    #[param(value_type = Option<i32>, minimum = 2013, maximum = 2100)]
    pub year: Option<String>,
    /// 1 for a year (the default); 1–2 for a half-year; 1–4 for a quarter.
    #[param(value_type = Option<i32>, minimum = 1, maximum = 4)]
    pub number: Option<String>,
}

impl ReportImportQuery {
    fn parse(self) -> ApiResult<ReportImportForm> {
        let mut errors = ListFilterErrors::default();
        let dry_run = parse_filter(&mut errors, "dry_run", self.dry_run, |v| {
            v.parse::<bool>().ok()
        })
        .unwrap_or(false);
        let kind = parse_filter(&mut errors, "kind", self.kind, |v| PeriodKind::parse(&v))
            .unwrap_or(PeriodKind::Year);
        let year = parse_filter(&mut errors, "year", self.year, parse_year);
        let number = parse_filter(&mut errors, "number", self.number, |v| {
            v.parse::<i32>().ok()
        })
        .unwrap_or(1);
        errors.into_result()?;
        Ok(ReportImportForm {
            dry_run,
            kind,
            year,
            number,
        })
    }
}

#[utoipa::path(
    operation_id = "import_report",
    summary = "Import a report on a plan from the official form (XLSX or CSV)",
    tag = "reports",
    params(("id" = i64, Path, description = "Plan id (an approved, published or closed plan)"), ReportImportQuery),
    request_body(description = "The execution report in its official tabular form, as the report export writes it or as organizations write it (seed 004: № п/п; основание реализации; мероприятия; информация о выполнении; результат): XLSX (first sheet with data) or CSV (UTF-8, UTF-16 or Windows-1251; `,`, `;` or tab). Rows are matched to the plan's measures by number and wording (title or basis); «Реализованные меры», «Фактический срок реализации», «Информация о выполнении», «Значения показателей» («name: written» a line: «716 из 719», «6325765,69 рублей», «не зарегистрировано»), «Результат» and «Подтверждающие материалы (ссылки)» fill each entry; the lines after the table (position, name, date) are the signatory. At most 10 MiB.",
        content(
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv"),
        )),
    responses(
        (status = 200, description = "Dry run: the report that would be created, with row-level warnings; nothing is stored", body = ReportImportResult),
        (status = 201, description = "Created as a draft report", body = ReportImportResult, headers(("Location" = String))),
        (status = 409, response = Conflict),
    ),
)]
#[post("/plans/{id}/reports/import")]
async fn import(
    ctx: Context,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<ReportImportQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let plan_id = id.into_inner();
    let form = query.into_inner().parse()?;
    let caller = ctx.caller.clone();
    db.run(move |conn| reports::authorize_import(conn, &caller, plan_id))
        .await?;
    let bytes = sheet_file(&req, payload).await?;
    let sheet = reports::read_import(&bytes)?;
    let dry_run = form.dry_run;
    let work = move |conn: &mut DbConnection| reports::import(conn, &ctx, plan_id, form, sheet);
    imported(&db, dry_run, work, |r: &ReportImportResult| {
        format!("/api/v1/plans/{plan_id}/reports/{}", r.report.id)
    })
    .await
}
