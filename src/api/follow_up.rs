//! `/api/v1/cycles/{id}/deadlines` and `/api/v1/cycles/{id}/follow-up`: the deadlines a
//! cycle's decision sets, and who has handed in plans and reports, late or not, on a day.

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional::{self, IfMatch};
use super::download::{file, negotiate};
use super::extract::ApiJson;
use super::{parse_filter, ListFilterErrors};
use crate::app::follow_up::{self as use_case, FollowUpQuery};
use crate::app::Context;
use crate::auth::Caller;
use crate::db::Db;
use crate::domain::follow_up::{PlanProgress, ReportProgress};
use crate::error::ApiResult;
use crate::views::follow_up::{CycleDeadlines, DeadlinesBody, FollowUp};
use crate::views::plans::parse_as_of;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(read_deadlines)
        .service(set_deadlines)
        .service(follow_up)
        .service(export);
}

#[utoipa::path(
    operation_id = "get_cycle_deadlines",
    summary = "Read the deadlines of a cycle",
    tag = "follow-up",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The deadlines the cycle's decision sets", body = CycleDeadlines, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
    ),
)]
#[get("/cycles/{id}/deadlines")]
async fn read_deadlines(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let (tag, deadlines) = db
        .run(move |conn| use_case::deadlines(conn, &caller, cycle_id))
        .await?;
    if conditional::is_not_modified(&req, &tag) {
        return Ok(conditional::not_modified(tag));
    }
    Ok(conditional::updated_with(tag, &deadlines))
}

#[utoipa::path(
    operation_id = "set_cycle_deadlines",
    summary = "Set the deadlines of a cycle",
    tag = "follow-up",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-Match" = String, Header, description = "ETag from the GET of the deadlines this change is based on")),
    request_body = DeadlinesBody,
    responses(
        (status = 200, description = "The deadlines now; plans and reports get the official wording when given no title", body = CycleDeadlines, headers(("ETag" = String))),
    ),
)]
#[put("/cycles/{id}/deadlines")]
async fn set_deadlines(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<DeadlinesBody>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let (tag, deadlines) = db
        .transaction(move |conn| use_case::set_deadlines(conn, &ctx, cycle_id, &if_match, body.0))
        .await?;
    Ok(conditional::updated_with(tag, &deadlines))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FollowUpParams {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// The day the statuses are judged on; today if left out.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub as_of: Option<String>,
    #[param(value_type = Option<PlanProgress>)]
    pub plan_status: Option<String>,
    #[param(value_type = Option<ReportProgress>)]
    pub report_status: Option<String>,
    /// `true`: only organizations late with the plan or the report; `false`: only those late
    /// with neither.
    #[param(value_type = Option<bool>)]
    pub late: Option<String>,
    /// `true`: also count the lines the filters keep across all pages (`total`,
    /// `X-Total-Count`).
    #[param(value_type = Option<bool>)]
    pub total: Option<String>,
}

impl FollowUpParams {
    fn parse(self) -> ApiResult<FollowUpQuery> {
        let mut errors = ListFilterErrors::default();
        let (after_id, limit) = errors.paging(self.limit.as_deref(), self.cursor.as_deref());
        let query = FollowUpQuery {
            as_of: parse_as_of(&mut errors, self.as_of),
            plan_status: parse_filter(&mut errors, "plan_status", self.plan_status, |v| {
                PlanProgress::parse(&v)
            }),
            report_status: parse_filter(&mut errors, "report_status", self.report_status, |v| {
                ReportProgress::parse(&v)
            }),
            late: parse_filter(&mut errors, "late", self.late, |v| v.parse().ok()),
            after_id,
            limit,
            total: errors.total(self.total),
        };
        errors.into_result()?;
        Ok(query)
    }
}

#[utoipa::path(
    operation_id = "get_cycle_follow_up",
    summary = "Follow up a cycle: plans and reports, late or not",
    tag = "follow-up",
    params(("id" = i64, Path, description = "Cycle id"), FollowUpParams),
    responses(
        (status = 200, description = "Each assessed organization with its plan status and report status on `as_of`, and whether each is late (its deadline passed and it is not handed in); an organization sees its own line only", body = FollowUp),
    ),
)]
#[get("/cycles/{id}/follow-up")]
async fn follow_up(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<FollowUpParams>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let query = query.into_inner().parse();
    let page = db
        .run(move |conn| use_case::follow_up(conn, &caller, cycle_id, query))
        .await?;
    let mut response = HttpResponse::Ok();
    super::pages::headers(&req, &mut response, page.next_cursor.as_deref(), page.total);
    Ok(response.json(page))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FollowUpExportParams {
    /// `xlsx` or `csv`; without it, the `Accept` header decides (XLSX for `*/*`).
    #[param(value_type = Option<String>, pattern = "^(xlsx|csv)$")]
    pub format: Option<String>,
    /// CSV only: `rfc4180` (default) or `excel-ru`.
    #[param(value_type = Option<crate::views::exports::CsvDialectName>, inline)]
    pub dialect: Option<String>,
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub as_of: Option<String>,
    #[param(value_type = Option<PlanProgress>)]
    pub plan_status: Option<String>,
    #[param(value_type = Option<ReportProgress>)]
    pub report_status: Option<String>,
    #[param(value_type = Option<bool>)]
    pub late: Option<String>,
}

#[utoipa::path(
    operation_id = "export_cycle_follow_up",
    summary = "Export a cycle's follow-up (XLSX or CSV)",
    tag = "follow-up",
    params(("id" = i64, Path, description = "Cycle id"), FollowUpExportParams),
    responses(
        (status = 200, description = "The follow-up on `as_of` as the department's table, in Russian: a row per organization the filters keep with its plan and report and whether each is late",
            content(
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/csv"),
            )),
    ),
)]
#[get("/cycles/{id}/follow-up/export")]
async fn export(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<FollowUpExportParams>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let query = query.into_inner();
    let format = negotiate(&req, query.format, query.dialect)?;
    let filter = FollowUpParams {
        limit: None,
        cursor: None,
        as_of: query.as_of,
        plan_status: query.plan_status,
        report_status: query.report_status,
        late: query.late,
        total: None,
    }
    .parse();
    let download = db
        .run(move |conn| use_case::export(conn, &caller, cycle_id, filter, format))
        .await?;
    Ok(file(format, download))
}
