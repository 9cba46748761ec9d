//! Plans in and out of their official form: drafting one from an evaluation's shortcomings,
//! importing the tabular form (XLSX or CSV, with a dry run), exporting it. The handlers read
//! the query and the upload and respond; `app::plan_forms` does the work.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional;
use super::download::{file, negotiate};
use super::extract::OptionalJson;
use super::upload::{imported, sheet_file};
use super::{parse_filter, parse_year, ListFilterErrors};
use crate::app::plan_forms::{self, ImportForm};
use crate::app::Context;
use crate::auth::Caller;
use crate::db::{Db, DbConnection};
use crate::domain::methodology;
use crate::error::{ApiError, ApiResult};
use crate::views::plans::{ImportResult, Plan, PlanDraftRequest};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(draft_from_evaluation)
        .service(import)
        .service(export);
}

#[utoipa::path(
    operation_id = "draft_plan_from_evaluation",
    summary = "Draft a plan from an evaluation",
    tag = "plans",
    params(("id" = i64, Path, description = "Evaluation id (the `id` of an evaluation)")),
    request_body(content = Option<PlanDraftRequest>, description = "Optional: year, title, deadline of the stubs"),
    responses(
        (status = 201, description = "A draft plan of the evaluated organization: a section per criterion, one measure stub per shortcoming (linked to the evaluation and indicator), the council's proposals on the criterion as basis", body = Plan, headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/evaluations/{id}/plan-draft")]
async fn draft_from_evaluation(
    ctx: Context,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: OptionalJson<PlanDraftRequest>,
) -> ApiResult<HttpResponse> {
    let evaluation_id = id.into_inner();
    let request = body.0.unwrap_or_default();
    let (version, plan) = db
        .transaction(move |conn| {
            plan_forms::draft_from_evaluation(conn, &ctx, evaluation_id, request)
        })
        .await?;
    Ok(conditional::created(
        format!("/api/v1/plans/{}", plan.id),
        version,
        &plan,
    ))
}

/// Where an imported plan belongs and how to read it.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true`: read and check everything, store nothing, answer what would be created.
    #[param(value_type = Option<bool>, default = false)]
    pub dry_run: Option<String>,
    /// The organization whose plan it is; leave out for a plan of the whole region.
    #[param(value_type = Option<i64>)]
    pub organization_id: Option<String>,
    /// Required for a region-wide plan.
    #[param(value_type = Option<i64>)]
    pub region_id: Option<String>,
    /// The plan's year; defaults to the year of the approval date in the file.
    #[param(value_type = Option<i32>, minimum = 2013, maximum = 2100)]
    pub year: Option<String>,
    /// Whose criteria the section headings name: `pre-2018-five-criteria` (plans before 2018)
    /// or `mintrud-344n-2018` (the default).
    #[param(value_type = Option<String>, pattern = "^(pre-2018-five-criteria|mintrud-344n-2018)$")]
    pub methodology_id: Option<String>,
    #[param(value_type = Option<i64>)]
    pub cycle_id: Option<String>,
}

impl ImportQuery {
    fn parse(self) -> ApiResult<ImportForm> {
        let mut errors = ListFilterErrors::default();
        let dry_run = parse_filter(&mut errors, "dry_run", self.dry_run, |v| {
            v.parse::<bool>().ok()
        })
        .unwrap_or(false);
        let organization_id =
            parse_filter(&mut errors, "organization_id", self.organization_id, |v| {
                v.parse().ok()
            });
        let region_id = parse_filter(&mut errors, "region_id", self.region_id, |v| v.parse().ok());
        let cycle_id = parse_filter(&mut errors, "cycle_id", self.cycle_id, |v| v.parse().ok());
        let year = parse_filter(&mut errors, "year", self.year, parse_year);
        let methodology = parse_filter(&mut errors, "methodology_id", self.methodology_id, |v| {
            methodology::find(&v)
        })
        .or_else(|| methodology::find(methodology::DEFAULT_ID))
        .ok_or_else(|| ApiError::internal("the default methodology is missing"))?;
        errors.into_result()?;
        Ok(ImportForm {
            dry_run,
            region_id,
            organization_id,
            cycle_id,
            year,
            methodology,
        })
    }
}

#[utoipa::path(
    operation_id = "import_plan",
    summary = "Import a plan from the official form (XLSX or CSV)",
    tag = "plans",
    params(ImportQuery),
    request_body(description = "The plan in its official tabular form: XLSX (first sheet with data) or CSV (UTF-8, UTF-16 or Windows-1251; `,`, `;` or tab). Headings are recognised in their real variants (№ п/п; наименование мероприятия; основание реализации; срок реализации / срок исполнения; ответственные исполнители; результат; показатели, характеризующие результат; источник и способ получения информации); rows of one cell are section headings; page-break fragments are joined. At most 10 MiB.",
        content(
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv"),
        )),
    responses(
        (status = 200, description = "Dry run: what would be created, with row-level warnings; nothing is stored", body = ImportResult),
        (status = 201, description = "Created as a draft plan", body = ImportResult, headers(("Location" = String))),
    ),
)]
#[post("/plans/import")]
async fn import(
    ctx: Context,
    req: HttpRequest,
    db: web::Data<Db>,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let form = query.into_inner().parse()?;
    let caller = ctx.caller.clone();
    db.run(move |conn| plan_forms::authorize_import(conn, &caller, &form))
        .await?;
    let bytes = sheet_file(&req, payload).await?;
    let read = plan_forms::read(&form, &bytes)?;
    let dry_run = form.dry_run;
    let work = move |conn: &mut DbConnection| plan_forms::import(conn, &ctx, &form, read);
    imported(&db, dry_run, work, |r: &ImportResult| {
        format!("/api/v1/plans/{}", r.plan.id)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanExportQuery {
    /// `xlsx` or `csv`; without it, the `Accept` header decides (XLSX for `*/*`).
    #[param(value_type = Option<String>, pattern = "^(xlsx|csv)$")]
    pub format: Option<String>,
    /// CSV only: `rfc4180` (default: `,`, decimal point) or `excel-ru` (`;`, decimal comma;
    /// numbers stay numbers in Russian Excel). Both UTF-8 with BOM and CRLF.
    #[param(value_type = Option<crate::views::exports::CsvDialectName>, inline)]
    pub dialect: Option<String>,
}

#[utoipa::path(
    operation_id = "export_plan",
    summary = "Export a plan in the official form (XLSX or CSV)",
    tag = "plans",
    params(("id" = i64, Path, description = "Plan id"), PlanExportQuery),
    responses(
        (status = 200, description = "The plan in the official form (ПП РФ № 457 columns, in Russian): the «УТВЕРЖДАЮ» block and title above, a heading row per section, a row per measure; the implementation columns from the latest report",
            content(
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/csv"),
            )),
    ),
)]
#[get("/plans/{id}/export")]
async fn export(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<PlanExportQuery>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let query = query.into_inner();
    let format = negotiate(&req, query.format, query.dialect)?;
    let download = db
        .run(move |conn| plan_forms::export(conn, &caller, id, format))
        .await?;
    Ok(file(format, download))
}
