//! `/api/v1/cycles/{id}/ratings`: ratings per form of service and criterion, the council's
//! approvals that freeze them, and their exports as CSV and XLSX.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional::IfMatch;
use super::download::{file, negotiate};
use super::extract::ApiJson;
use super::{parse_filter, ListFilterErrors};
use crate::app::answers::Answers;
use crate::app::ratings::{self as use_case, Export, Page, RatingCache, Requested, Selection};
use crate::app::Context;
use crate::auth::Caller;
use crate::db::Db;
use crate::domain::cycle::ApprovalDecision;
use crate::domain::organization::ServiceForm;
use crate::error::ApiResult;
use crate::openapi::Forbidden;
use crate::views::ratings::{Approval, Rating};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(read)
        .service(export_ratings)
        .service(export_results)
        .service(list_approvals)
        .service(approve);
}

/// `all` or one form of service.
fn parse_form(value: String) -> Option<Option<ServiceForm>> {
    match value.as_str() {
        "all" => Some(None),
        other => ServiceForm::parse(other).map(Some),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RatingQuery {
    /// `all` (the region as a whole, the default) or one form of service: `stationary`,
    /// `semi_stationary`, `home_based`. Ratings are approved separately per form.
    #[param(value_type = Option<String>, pattern = "^(all|stationary|semi_stationary|home_based)$")]
    pub service_form: Option<String>,
    /// `total` (the default) or a criterion code of the cycle's methodology (`K1` … `K5`).
    #[param(value_type = Option<String>, pattern = "^(total|K1|K2|K3|K4|K5)$", default = "total")]
    pub criterion: Option<String>,
    /// `latest` (the default: the latest approval; for callers who see only published data,
    /// the published one; before any approval, the current results), `published`, `current`
    /// (results as they stand, for the cycle's own readers) or an approval number.
    #[param(value_type = Option<String>, pattern = "^(latest|published|current|[1-9][0-9]{0,8})$", default = "latest")]
    pub approval: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

impl RatingQuery {
    /// The rating asked for and the page of it; 400 naming every bad parameter.
    fn selection(self) -> ApiResult<(Selection, Page)> {
        let mut errors = ListFilterErrors::default();
        let (after, limit) = errors.paging(self.limit.as_deref(), self.cursor.as_deref());
        let selection = Selection {
            form: parse_filter(&mut errors, "service_form", self.service_form, parse_form)
                .flatten(),
            criterion: self.criterion.unwrap_or_else(|| "total".into()),
            requested: parse_filter(&mut errors, "approval", self.approval, |v| {
                Requested::parse(&v)
            }),
        };
        errors.into_result()?;
        let page = Page {
            after: usize::try_from(after).unwrap_or(usize::MAX),
            limit: usize::try_from(limit).unwrap_or(0),
        };
        Ok((selection, page))
    }
}

#[utoipa::path(
    operation_id = "get_rating",
    summary = "Read the ratings of a cycle",
    tag = "ratings",
    params(("id" = i64, Path, description = "Cycle id"), RatingQuery,
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "Organizations ordered by score, highest first, with places, criteria and the change against each organization's previous approved result in the region", body = Rating, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/cycles/{id}/ratings")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<RatingCache>,
    answers: web::Data<Answers>,
    id: web::Path<i64>,
    query: web::Query<RatingQuery>,
) -> ApiResult<HttpResponse> {
    let (selection, page) = query.into_inner().selection()?;
    let answer = use_case::answer(
        &db,
        &answers,
        (caller, cache.into_inner()),
        id.into_inner(),
        selection,
        page,
    )
    .await?;
    Ok(super::cache::respond(&req, answer))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `xlsx` or `csv`; without it, the `Accept` header decides (XLSX for `*/*`).
    #[param(value_type = Option<String>, pattern = "^(xlsx|csv)$")]
    pub format: Option<String>,
    /// CSV only: `rfc4180` (default: `,`, decimal point) or `excel-ru` (`;`, decimal comma;
    /// numbers stay numbers in Russian Excel). Both UTF-8 with BOM and CRLF.
    #[param(value_type = Option<crate::views::exports::CsvDialectName>, inline)]
    pub dialect: Option<String>,
    /// As for the rating: `latest` (default), `published`, `current` or an approval number.
    #[param(value_type = Option<String>, pattern = "^(latest|published|current|[1-9][0-9]{0,8})$", default = "latest")]
    pub approval: Option<String>,
    /// `total` (default) or a criterion code to order by.
    #[param(value_type = Option<String>, pattern = "^(total|K1|K2|K3|K4|K5)$", default = "total")]
    pub criterion: Option<String>,
}

/// Query of the results export: the same as the ratings export's, without an order.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResultsExportQuery {
    /// `xlsx` or `csv`; without it, the `Accept` header decides (XLSX for `*/*`).
    #[param(value_type = Option<String>, pattern = "^(xlsx|csv)$")]
    pub format: Option<String>,
    /// CSV only: `rfc4180` (default: `,`, decimal point) or `excel-ru` (`;`, decimal comma;
    /// numbers stay numbers in Russian Excel). Both UTF-8 with BOM and CRLF.
    #[param(value_type = Option<crate::views::exports::CsvDialectName>, inline)]
    pub dialect: Option<String>,
    /// As for the rating: `latest` (default), `published`, `current` or an approval number.
    #[param(value_type = Option<String>, pattern = "^(latest|published|current|[1-9][0-9]{0,8})$", default = "latest")]
    pub approval: Option<String>,
}

/// Answers an export request: the format negotiated, the approval asked for, the file.
async fn export(
    (req, caller, db, cache): (HttpRequest, Caller, web::Data<Db>, web::Data<RatingCache>),
    cycle_id: i64,
    (format, dialect, approval): (Option<String>, Option<String>, Option<String>),
    export: Export,
) -> ApiResult<HttpResponse> {
    let format = negotiate(&req, format, dialect)?;
    let mut errors = ListFilterErrors::default();
    let requested = parse_filter(&mut errors, "approval", approval, |v| Requested::parse(&v));
    errors.into_result()?;
    let cache = cache.into_inner();
    let _turn = crate::export::turn().await;
    let download = db
        .run(move |conn| {
            let download = use_case::export(
                conn,
                &caller,
                &cache,
                (cycle_id, requested),
                &export,
                format,
            );
            // The sheets and the workbook are freed by now: give their pages back.
            crate::memory::release();
            download
        })
        .await?;
    Ok(file(format, download))
}

#[utoipa::path(
    operation_id = "export_ratings",
    summary = "Export the ratings (XLSX or CSV)",
    tag = "ratings",
    params(("id" = i64, Path, description = "Cycle id"), ExportQuery),
    responses(
        (status = 200, description = "The ratings with official Russian headings (место в рейтинге, организация, баллы по критериям, итоговый балл): in XLSX one sheet for all organizations and one per form of service; in CSV (UTF-8 with BOM) one table whose first column names the form",
            content(
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/csv"),
            )),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/cycles/{id}/ratings/export")]
async fn export_ratings(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<RatingCache>,
    id: web::Path<i64>,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let criterion = query.criterion.unwrap_or_else(|| "total".into());
    let asked = (query.format, query.dialect, query.approval);
    let kind = Export::Ratings { criterion };
    export((req, caller, db, cache), id.into_inner(), asked, kind).await
}

#[utoipa::path(
    operation_id = "export_results",
    summary = "Export the results (XLSX or CSV)",
    tag = "ratings",
    params(("id" = i64, Path, description = "Cycle id"), ResultsExportQuery),
    responses(
        (status = 200, description = "Each organization's results with official Russian headings: organization, INN, forms of service, the points of every indicator and criterion, the total",
            content(
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/csv"),
            )),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/cycles/{id}/results/export")]
async fn export_results(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<RatingCache>,
    id: web::Path<i64>,
    query: web::Query<ResultsExportQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let asked = (query.format, query.dialect, query.approval);
    let kind = Export::Results;
    export((req, caller, db, cache), id.into_inner(), asked, kind).await
}

#[utoipa::path(
    operation_id = "list_approvals",
    summary = "List the council's approvals of a cycle",
    tag = "ratings",
    params(("id" = i64, Path, description = "Cycle id")),
    responses(
        (status = 200, description = "The cycle's approvals, oldest first; callers who see only published data get the published one", body = Vec<Approval>),
    ),
)]
#[get("/cycles/{id}/approvals")]
async fn list_approvals(
    caller: Caller,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let items: Vec<Approval> = db
        .run(move |conn| use_case::list_approvals(conn, &caller, cycle_id))
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

#[utoipa::path(
    operation_id = "approve_ratings",
    summary = "Approve results and ratings (results_submitted → approved)",
    tag = "ratings",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-Match" = Option<String>, Header, description = "If given, the approval applies only to this ETag of the cycle")),
    request_body(content = ApprovalDecision, description = "The council's decision: the meeting that took it (its number may be «б/н»), or its number and date"),
    responses(
        (status = 201, description = "Approved: the cycle's results and ratings are frozen as approval `number`; the cycle is `approved`. Later corrections (after a reopening) need a new approval", body = Approval,
            headers(("Location" = String, description = "The approved rating"))),
    ),
)]
#[post("/cycles/{id}/ratings/approve")]
async fn approve(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<ApprovalDecision>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let approval = db
        .transaction(move |conn| use_case::approve(conn, &ctx, cycle_id, &if_match, body.0))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "/api/v1/cycles/{cycle_id}/ratings?approval={}",
                approval.number
            ),
        ))
        .json(approval))
}
