//! `/api/v1/plans/{id}/reports`: reports on a plan's execution for a period (a year, a
//! half-year, a quarter) — per measure what was done, when, with figures and evidence — and
//! their acceptance by the authority.

use actix_web::http::header;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::conditional::{self, IfMatch};
use super::download::{file, negotiate, workbook_error};
use super::extract::ApiJson;
use super::plan_forms::executors_text;
use super::plans::{self, completion_of};
use super::request_id::RequestId;
use crate::auth::policy::{self, Rule};
use crate::auth::Caller;
use crate::db::audit::{self, Actor, Change};
use crate::db::changes::{self, Action, Exposure, FeedChange};
use crate::db::plans::{self as plan_store, PlanRow};
use crate::db::reports::{self as store, EntryRow, EntryValues, ReportRow};
use crate::db::{Db, DbConnection};
use crate::domain::cycle as cycle_rules;
use crate::domain::plan::{self as rules, Completion, Figure, PeriodKind, ReportStatus};
use crate::domain::text::{self, TextRule};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::export::{Cell, Sheet};
use crate::openapi::{
    BadRequest, Conflict, NotAcceptable, NotFound, PayloadTooLarge, PreconditionFailed,
    PreconditionRequired, UnsupportedMediaType, ValidationFailed,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(put_entry)
        .service(submit)
        .service(accept)
        .service(export);
}

/// The period a report covers.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "year", "year": 2024, "number": 1}))]
pub struct Period {
    pub kind: PeriodKind,
    pub year: i32,
    /// 1 for a year; 1–2 for a half-year; 1–4 for a quarter.
    #[serde(default = "first")]
    pub number: i32,
}

fn first() -> i32 {
    1
}

/// What a report says of one measure of the plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportEntry {
    pub measure_id: i64,
    pub number: Option<String>,
    pub measure_title: String,
    /// The planned deadline as written.
    pub deadline: String,
    /// Информация о выполнении.
    pub execution_info: Option<String>,
    /// Реализованные меры по устранению выявленных недостатков.
    pub measures_taken: Option<String>,
    /// Фактический срок реализации.
    pub actual_date: Option<NaiveDate>,
    pub result: Option<String>,
    pub figures: Vec<Figure>,
    /// Links to published evidence (pages, documents).
    pub evidence: Vec<String>,
    /// `null` while the report says nothing of the measure.
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub id: i64,
    pub plan_id: i64,
    pub period: Period,
    /// «Отчёт о выполнении плана мероприятий … за 2024 год».
    pub title: String,
    pub status: ReportStatus,
    /// The plan's measures at the end of the period.
    pub completion: Completion,
    /// One per measure of the plan, in the plan's order.
    pub entries: Vec<ReportEntry>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn period_of(row: &ReportRow) -> ApiResult<Period> {
    Ok(Period {
        kind: row.kind()?,
        year: row.period_year,
        number: row.period_number,
    })
}

fn stored<T: serde::de::DeserializeOwned>(text: &str, what: &str, id: i64) -> ApiResult<Vec<T>> {
    serde_json::from_str(text).map_err(|e| {
        ApiError::internal(format!("report entry {id}: stored {what} unreadable: {e}"))
    })
}

fn load(conn: &mut DbConnection, plan: &PlanRow, row: &ReportRow) -> ApiResult<Report> {
    let period = period_of(row)?;
    let end = period
        .kind
        .end(period.year, period.number)
        .unwrap_or_default();
    let measures = plan_store::measures_of(conn, plan.id)?;
    let entries = store::entries(conn, row.id)?;
    let shown = measures
        .iter()
        .map(|m| {
            let entry: Option<&EntryRow> = entries.iter().find(|e| e.measure_id == m.id);
            Ok(ReportEntry {
                measure_id: m.id,
                number: m.number.clone(),
                measure_title: m.title.clone(),
                deadline: m.deadline_text.clone(),
                execution_info: entry.and_then(|e| e.execution_info.clone()),
                measures_taken: entry.and_then(|e| e.measures_taken.clone()),
                actual_date: entry.and_then(|e| e.actual_date),
                result: entry.and_then(|e| e.result.clone()),
                figures: entry
                    .map_or(Ok(Vec::new()), |e| stored(&e.figures_json, "figures", e.id))?,
                evidence: entry.map_or(Ok(Vec::new()), |e| {
                    stored(&e.evidence_json, "evidence", e.id)
                })?,
                updated_at: entry.map(|e| super::timestamp(e.updated_at)),
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(Report {
        id: row.id,
        plan_id: plan.id,
        title: format!(
            "Отчёт о выполнении плана мероприятий «{}» {}",
            plan.title,
            period.kind.official_name(period.year, period.number)
        ),
        period,
        status: row.status()?,
        completion: completion_of(&measures, end, plan.year)?,
        entries: shown,
        created_at: super::timestamp(row.created_at),
        updated_at: super::timestamp(row.updated_at),
    })
}

/// Who sees a report, for the change feed: an accepted report of a public plan is public.
fn exposure(plan: &PlanRow, row: &ReportRow) -> ApiResult<Exposure> {
    Ok(Exposure {
        region_id: Some(plan.region_id),
        organization_id: plan.organization_id,
        public: plan.status()?.public() && row.status()? == ReportStatus::Accepted,
    })
}

/// After the plan's status changed: its reports whose visibility changed go to the feed.
pub fn feed_plan_reports(
    conn: &mut DbConnection,
    before: &PlanRow,
    after: &PlanRow,
) -> ApiResult<()> {
    let mut fed = Vec::new();
    for row in store::list(conn, after.id, false)? {
        let (was, is) = (exposure(before, &row)?, exposure(after, &row)?);
        if was.public == is.public {
            continue;
        }
        let report = load(conn, after, &row)?;
        fed.push(FeedChange {
            resource_type: "report",
            resource_id: row.id.to_string(),
            action: Action::Updated,
            before: was,
            after: is,
            payload: Some(serde_json::to_value(&report).map_err(ApiError::internal)?),
        });
    }
    changes::record_all(conn, &fed)
}

/// A report's ETag: its own version and its plan's (the entries show the plan's measures).
fn report_tag(plan: &PlanRow, row: &ReportRow) -> String {
    format!("\"{}-{}\"", row.version, plan.version)
}

/// The plan and the report, if `caller` may act under `rule`. Outsiders see accepted reports
/// of public plans only.
fn authorized(
    conn: &mut DbConnection,
    plan_id: i64,
    id: i64,
    caller: &Caller,
    rule: &Rule,
) -> ApiResult<(PlanRow, ReportRow)> {
    let plan = plan_store::find(conn, plan_id)?;
    let report = store::find(conn, plan_id, id)?;
    let mut target = plans::target(&plan)?;
    target.published = target.published && report.status()? == ReportStatus::Accepted;
    plans::check(caller, rule, &target)?;
    Ok((plan, report))
}

#[utoipa::path(
    operation_id = "list_reports",
    summary = "List the reports of a plan",
    tag = "reports",
    params(("id" = i64, Path, description = "Plan id")),
    responses(
        (status = 200, description = "The plan's reports by period; outsiders see accepted reports of public plans", body = Vec<Report>),
        (status = 404, response = NotFound),
    ),
)]
#[get("/plans/{id}/reports")]
async fn list(caller: Caller, db: web::Data<Db>, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let plan_id = id.into_inner();
    let reports = db
        .run(move |conn| {
            let plan = plan_store::find(conn, plan_id)?;
            let target = plans::target(&plan)?;
            plans::check(&caller, &policy::REPORT_LIST, &target)?;
            let insider = policy::sees_unpublished(&caller, &policy::REPORT_LIST, &target);
            store::list(conn, plan_id, !insider)?
                .iter()
                .map(|r| load(conn, &plan, r))
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(reports))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"period": {"kind": "year", "year": 2024, "number": 1}}))]
pub struct NewReport {
    pub period: Period,
}

#[utoipa::path(
    operation_id = "create_report",
    summary = "Create a report on a plan",
    tag = "reports",
    params(("id" = i64, Path, description = "Plan id")),
    request_body = NewReport,
    responses(
        (status = 201, description = "A draft report for the period, an empty entry per measure", body = Report, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/plans/{id}/reports")]
async fn create(
    caller: Caller,
    request_id: RequestId,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<NewReport>,
) -> ApiResult<HttpResponse> {
    let plan_id = id.into_inner();
    let period = body.0.period;
    let mut errors = Vec::new();
    if !(cycle_rules::FIRST_YEAR..=cycle_rules::LAST_YEAR).contains(&period.year) {
        errors.push(FieldError::new(
            "period.year",
            "range",
            "is not a plausible year",
        ));
    }
    if !period.kind.valid_number(period.number) {
        errors.push(FieldError::new(
            "period.number",
            "range",
            format!(
                "must be 1 to {} for a {}",
                period.kind.per_year(),
                period.kind.as_str()
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let created = db
        .transaction(move |conn| {
            plan_store::lock(conn, plan_id)?;
            let plan = plans::authorized(conn, plan_id, &caller, &policy::REPORT_CREATE)?;
            let status = plan.status()?;
            if !(status.in_force() || status == rules::PlanStatus::Closed) {
                return Err(ApiError::Conflict(format!(
                    "The plan is {}: reports are made on approved plans",
                    status.as_str()
                )));
            }
            let row = store::insert(conn, plan_id, period.kind, period.year, period.number)?;
            let report = load(conn, &plan, &row)?;
            audit::record(
                conn,
                &Actor::of(caller.principal(), &request_id.0),
                Change::of("report.create", "report", row.id, None, Some(&report))?
                    .exposed(exposure(&plan, &row)?, exposure(&plan, &row)?),
            )?;
            Ok((row.id, report_tag(&plan, &row), report))
        })
        .await?;
    let (id, tag, report) = created;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/plans/{plan_id}/reports/{id}"),
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
        (status = 404, response = NotFound),
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
        .run(move |conn| {
            let (plan, row) = authorized(conn, plan_id, id, &caller, &policy::REPORT_READ)?;
            Ok((report_tag(&plan, &row), load(conn, &plan, &row)?))
        })
        .await?;
    if conditional::is_not_modified(&req, &tag) {
        return Ok(conditional::not_modified(tag));
    }
    Ok(conditional::updated_with(tag, &report))
}

/// What a report says of a measure; it replaces what it said before.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"execution_info": "в течение 2024 года: публикации в СМИ – 19; сайт и социальные сети – 696",
    "measures_taken": "Размещение информации о деятельности учреждения на общедоступных ресурсах",
    "actual_date": "2024-12-20", "result": "Повышение удовлетворенности граждан информированностью",
    "figures": [{"name": "Опрошено получателей услуг", "value": "719", "unit": "чел."},
                {"name": "Готовы рекомендовать организацию", "value": "716", "unit": "чел."}],
    "evidence": ["https://zabota034.msp.midural.ru"]}))]
pub struct EntryBody {
    #[serde(default)]
    pub execution_info: Option<String>,
    #[serde(default)]
    pub measures_taken: Option<String>,
    #[serde(default)]
    pub actual_date: Option<NaiveDate>,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub figures: Vec<Figure>,
    #[serde(default)]
    pub evidence: Vec<String>,
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
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
        (status = 428, response = PreconditionRequired),
    ),
)]
#[put("/plans/{id}/reports/{report_id}/entries/{measure_id}")]
async fn put_entry(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64, i64)>,
    body: ApiJson<EntryBody>,
) -> ApiResult<HttpResponse> {
    let (plan_id, id, measure_id) = path.into_inner();
    let mut entry = body.0;
    let mut errors = rules::check_entry(&mut entry.figures, &mut entry.evidence);
    for (value, field) in [
        (&mut entry.execution_info, "execution_info"),
        (&mut entry.measures_taken, "measures_taken"),
        (&mut entry.result, "result"),
    ] {
        text::check_optional(
            value,
            field,
            TextRule::required(rules::MAX_TEXT),
            &mut errors,
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let (version, report) = db
        .transaction(move |conn| {
            plan_store::lock(conn, plan_id)?;
            let (plan, current) = authorized(conn, plan_id, id, &caller, &policy::REPORT_ENTRY)?;
            if_match.require(&report_tag(&plan, &current))?;
            plan_store::find_measure(conn, plan_id, measure_id)?;
            if current.status()? != ReportStatus::Draft {
                return Err(ApiError::Conflict(format!(
                    "The report is {}: only a draft report changes",
                    current.status
                )));
            }
            let before = load(conn, &plan, &current)?;
            let values = EntryValues {
                execution_info: entry.execution_info,
                measures_taken: entry.measures_taken,
                actual_date: entry.actual_date,
                result: entry.result,
                figures_json: serde_json::to_string(&entry.figures).map_err(ApiError::internal)?,
                evidence_json: serde_json::to_string(&entry.evidence)
                    .map_err(ApiError::internal)?,
            };
            store::put_entry(conn, id, measure_id, &values)?;
            let row = store::bump(conn, &current, None)?;
            let after = load(conn, &plan, &row)?;
            audit::record(
                conn,
                &Actor::of(caller.principal(), &request_id.0),
                Change::of("report.entry", "report", id, Some(&before), Some(&after))?
                    .exposed(exposure(&plan, &current)?, exposure(&plan, &row)?),
            )?;
            Ok((report_tag(&plan, &row), after))
        })
        .await?;
    Ok(conditional::updated_with(version, &report))
}

/// Moves the report from `from` to `to`.
async fn step(
    db: &Db,
    caller: Caller,
    request_id: RequestId,
    (plan_id, id): (i64, i64),
    rule: &'static Rule,
    (from, to): (ReportStatus, ReportStatus),
) -> ApiResult<HttpResponse> {
    let (version, report) = db
        .transaction(move |conn| {
            plan_store::lock(conn, plan_id)?;
            let (plan, current) = authorized(conn, plan_id, id, &caller, rule)?;
            let status = current.status()?;
            if status != from {
                return Err(ApiError::Conflict(format!(
                    "The report is {}; only a {} report can become {}",
                    status.as_str(),
                    from.as_str(),
                    to.as_str()
                )));
            }
            let before = load(conn, &plan, &current)?;
            let row = store::bump(conn, &current, Some(to))?;
            let after = load(conn, &plan, &row)?;
            audit::record(
                conn,
                &Actor::of(caller.principal(), &request_id.0),
                Change::of(
                    &format!("report.{}", to.as_str()),
                    "report",
                    id,
                    Some(&before),
                    Some(&after),
                )?
                .exposed(exposure(&plan, &current)?, exposure(&plan, &row)?),
            )?;
            Ok((report_tag(&plan, &row), after))
        })
        .await?;
    Ok(conditional::updated_with(version, &report))
}

#[utoipa::path(
    operation_id = "submit_report",
    summary = "Submit a report",
    tag = "reports",
    params(("id" = i64, Path, description = "Plan id"), ("report_id" = i64, Path, description = "Report id")),
    responses(
        (status = 200, description = "`draft → submitted`: handed to the authority", body = Report, headers(("ETag" = String))),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/plans/{id}/reports/{report_id}/submit")]
async fn submit(
    caller: Caller,
    request_id: RequestId,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let move_ = (ReportStatus::Draft, ReportStatus::Submitted);
    step(&db, caller, request_id, ids, &policy::REPORT_SUBMIT, move_).await
}

#[utoipa::path(
    operation_id = "accept_report",
    summary = "Accept a report",
    tag = "reports",
    params(("id" = i64, Path, description = "Plan id"), ("report_id" = i64, Path, description = "Report id")),
    responses(
        (status = 200, description = "`submitted → accepted` by the authority; public if the plan is", body = Report, headers(("ETag" = String))),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/plans/{id}/reports/{report_id}/accept")]
async fn accept(
    caller: Caller,
    request_id: RequestId,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let move_ = (ReportStatus::Submitted, ReportStatus::Accepted);
    step(&db, caller, request_id, ids, &policy::REPORT_ACCEPT, move_).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportExportQuery {
    /// `xlsx` or `csv`; without it, the `Accept` header decides (XLSX for `*/*`).
    #[param(value_type = Option<String>, pattern = "^(xlsx|csv)$", example = "xlsx")]
    pub format: Option<String>,
}

/// Columns of the report form: the plan's columns with what was done.
pub const REPORT_HEADINGS: [&str; 9] = [
    "№ п/п",
    "Недостатки, выявленные в ходе независимой оценки качества условий оказания услуг организацией",
    "Наименование мероприятия",
    "Плановый срок реализации мероприятия",
    "Ответственный исполнитель (с указанием фамилии, имени, отчества и должности)",
    "Реализованные меры по устранению выявленных недостатков",
    "Фактический срок реализации",
    "Информация о выполнении",
    "Результат",
];

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
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 406, response = NotAcceptable),
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
    let format = negotiate(&req, query.into_inner().format)?;
    let bytes = db
        .run(move |conn| {
            let (plan_row, row) = authorized(conn, plan_id, id, &caller, &policy::REPORT_EXPORT)?;
            let report = load(conn, &plan_row, &row)?;
            let plan = plans::load(conn, &plan_row, Utc::now().date_naive())?;
            let mut rows = Vec::new();
            for section in &plan.sections {
                rows.push(vec![Cell::Text(section.heading.clone())]);
                for m in &section.measures {
                    let Some(entry) = report.entries.iter().find(|e| e.measure_id == m.id) else {
                        continue;
                    };
                    let figures: Vec<String> = entry
                        .figures
                        .iter()
                        .map(|f| match &f.unit {
                            Some(unit) => format!("{}: {} {unit}", f.name, f.value),
                            None => format!("{}: {}", f.name, f.value),
                        })
                        .collect();
                    let info = match (&entry.execution_info, figures.is_empty()) {
                        (Some(info), false) => Some(format!("{info}; {}", figures.join("; "))),
                        (None, false) => Some(figures.join("; ")),
                        (info, true) => info.clone(),
                    };
                    let text = |v: &Option<String>| v.clone().map_or(Cell::Empty, Cell::Text);
                    rows.push(vec![
                        text(&m.number),
                        text(&m.shortcoming),
                        Cell::Text(m.title.clone()),
                        Cell::Text(m.deadline.text.clone()),
                        Cell::Text(executors_text(&m.executors)),
                        text(&entry.measures_taken),
                        entry.actual_date.map_or(Cell::Empty, |d| {
                            Cell::Text(d.format("%d.%m.%Y").to_string())
                        }),
                        text(&info),
                        text(&entry.result),
                    ]);
                }
            }
            let sheet = Sheet {
                name: "Отчёт".into(),
                preamble: vec![report.title.clone()],
                headings: REPORT_HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
                rows,
            };
            format.render(&[sheet], "Лист").map_err(workbook_error)
        })
        .await?;
    Ok(file(format, format!("report-{id}"), bytes))
}
