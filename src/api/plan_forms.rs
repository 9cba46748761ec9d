//! Plans in and out of their official form: drafting one from an evaluation's shortcomings,
//! importing the tabular form (XLSX or CSV, with a dry run), exporting it.

use actix_web::http::header;
use actix_web::{get, post, web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::download::{file, negotiate, workbook_error};
use super::extract::OptionalJson;
use super::plans::{self, create_plan, NewMeasure, NewPlan, NewSection, Plan};
use super::request_id::RequestId;
use super::{parse_filter, ListFilterErrors};
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::{cycles, evaluations, organizations, proposals, reports, Db, DbConnection};
use crate::domain::methodology::{self, Methodology};
use crate::domain::plan::{self as rules};
use crate::domain::plan_form::{self, ApprovalBlock, Executor, RowWarning};
use crate::domain::sheet;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::export::{Cell, FileFormat, Sheet};
use crate::openapi::{
    BadRequest, Conflict, NotAcceptable, NotFound, PayloadTooLarge, UnsupportedMediaType,
    ValidationFailed,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(draft_from_evaluation)
        .service(import)
        .service(export);
}

/// Optional choices for a plan drafted from an evaluation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDraftRequest {
    /// Defaults to the year after the assessment.
    #[serde(default)]
    #[schema(minimum = 2013, maximum = 2100)]
    pub year: Option<i32>,
    #[serde(default)]
    pub title: Option<String>,
    /// The deadline of every stub measure; defaults to «до 31.12.<year>».
    #[serde(default)]
    pub deadline: Option<String>,
}

#[utoipa::path(
    operation_id = "draft_plan_from_evaluation",
    summary = "Draft a plan from an evaluation",
    tag = "plans",
    params(("id" = i64, Path, description = "Evaluation id (the `id` of an evaluation)")),
    request_body(content = Option<PlanDraftRequest>, description = "Optional: year, title, deadline of the stubs"),
    responses(
        (status = 201, description = "A draft plan of the evaluated organization: a section per criterion, one measure stub per shortcoming (linked to the evaluation and indicator), the council's proposals on the criterion as basis", body = Plan, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/evaluations/{id}/plan-draft")]
async fn draft_from_evaluation(
    caller: Caller,
    request_id: RequestId,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: OptionalJson<PlanDraftRequest>,
) -> ApiResult<HttpResponse> {
    let evaluation_id = id.into_inner();
    let request = body.0.unwrap_or_default();
    let (row, plan) = db
        .transaction(move |conn| {
            let evaluation = evaluations::by_id(conn, evaluation_id)?.ok_or_else(|| {
                ApiError::NotFound(format!("Evaluation {evaluation_id} does not exist"))
            })?;
            let cycle = cycles::find(conn, evaluation.cycle_id)?;
            let target = Target::organization(cycle.region_id, evaluation.organization_id);
            // Hidden: who may not see the organization's plans does not learn of the evaluation.
            plans::check(&caller, &policy::PLAN_DRAFT, &target)?;
            let (methodology, settings) = evaluations::rules_of(&cycle)?;
            let inputs = evaluation.inputs()?.ok_or_else(|| {
                ApiError::Conflict(format!(
                    "Evaluation {evaluation_id} has no inputs yet: nothing to plan from"
                ))
            })?;
            let scores = evaluations::score(
                (methodology, &settings),
                &inputs,
                evaluation.survey()?.as_ref(),
            )?;
            let organization = organizations::find(conn, evaluation.organization_id)?;
            let year = request.year.unwrap_or(cycle.year + 1);
            let deadline = request
                .deadline
                .unwrap_or_else(|| format!("до 31.12.{year}"));
            let addressed = proposals::addressed_to(conn, cycle.id, evaluation.organization_id)?;
            let sections = methodology
                .criteria
                .iter()
                .map(|criterion| {
                    let proposals: Vec<&str> = addressed
                        .iter()
                        .filter(|p| p.criterion == criterion.code)
                        .map(|p| p.text.as_str())
                        .collect();
                    let basis = if proposals.is_empty() {
                        format!("Результаты независимой оценки качества {} года", cycle.year)
                    } else {
                        format!("Предложения общественного совета: {}", proposals.join("; "))
                    };
                    let measures = scores
                        .shortcomings
                        .iter()
                        .filter(|g| g.criterion == criterion.code)
                        .flat_map(|g| g.items.iter())
                        .map(|s| NewMeasure {
                            number: None,
                            shortcoming: Some(s.description.clone()),
                            evaluation_id: Some(evaluation_id),
                            indicator: Some(s.indicator.clone()),
                            title: format!("Устранить недостаток: {}", s.description),
                            basis: Some(basis.clone()),
                            deadline: deadline.clone(),
                            executors: organization.head_full_name.as_ref().map_or_else(
                                Vec::new,
                                |name| {
                                    vec![Executor::Person {
                                        full_name: name.clone(),
                                        position: organization.head_position.clone(),
                                    }]
                                },
                            ),
                            expected_result: None,
                            result_indicators: Some(format!(
                                "Показатель {} «{}»",
                                s.indicator, s.indicator_name
                            )),
                            information_source: None,
                        })
                        .collect();
                    NewSection {
                        criterion: Some(criterion.code.into()),
                        heading: None,
                        measures,
                    }
                })
                .collect();
            create_plan(
                conn,
                &caller,
                &request_id.0,
                NewPlan {
                    region_id: Some(cycle.region_id),
                    organization_id: Some(evaluation.organization_id),
                    cycle_id: Some(cycle.id),
                    year,
                    methodology_id: Some(methodology.id.into()),
                    title: request.title.unwrap_or_else(|| {
                        format!(
                            "План мероприятий по улучшению качества работы {} на {year} год",
                            organization.short_name
                        )
                    }),
                    basis: Some(format!(
                        "Результаты независимой оценки качества условий оказания услуг {} года",
                        cycle.year
                    )),
                    approval: None,
                    due_date: None,
                    sections,
                },
            )
        })
        .await?;
    Ok(super::conditional::created(
        format!("/api/v1/plans/{}", row.id),
        row.version,
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
    #[param(value_type = Option<i32>, minimum = 2013, maximum = 2100, example = 2017)]
    pub year: Option<String>,
    /// Whose criteria the section headings name: `pre-2018-five-criteria` (plans before 2018)
    /// or `mintrud-344n-2018` (the default).
    #[param(value_type = Option<String>, pattern = "^(pre-2018-five-criteria|mintrud-344n-2018)$", example = "pre-2018-five-criteria")]
    pub methodology_id: Option<String>,
    #[param(value_type = Option<i64>)]
    pub cycle_id: Option<String>,
}

/// What an import made (or, in a dry run, would make), and what the reader had to guess.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub dry_run: bool,
    /// The plan as stored; in a dry run, as it would be stored (its ids are not kept).
    pub plan: Plan,
    /// Row-level notes: joined page-break fragments, ignored columns, deadlines kept as text.
    pub warnings: Vec<RowWarning>,
}

/// Plans have tens of rows: a file above this is not a plan.
pub const IMPORT_LIMIT: usize = 10 * 1024 * 1024;

async fn read_upload(req: &HttpRequest, mut payload: web::Payload) -> ApiResult<Vec<u8>> {
    let media = req.mime_type().ok().flatten();
    let accepted = match &media {
        Some(m) => {
            let essence = m.essence_str();
            essence == FileFormat::XLSX_MEDIA_TYPE
                || essence == "text/csv"
                || essence == "application/octet-stream"
        }
        None => false,
    };
    if !accepted {
        return Err(ApiError::UnsupportedMediaType {
            expected:
                "text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        });
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > IMPORT_LIMIT) {
        return Err(ApiError::PayloadTooLarge {
            limit: IMPORT_LIMIT,
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("the upload broke off: {e}")))?;
        if body.len() + chunk.len() > IMPORT_LIMIT {
            return Err(ApiError::PayloadTooLarge {
                limit: IMPORT_LIMIT,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn row_error(row: usize, column: Option<&str>, code: &str, message: &str) -> FieldError {
    let field = match (row, column) {
        (0, None) => "file".to_owned(),
        (0, Some(c)) => format!("file.{c}"),
        (r, None) => format!("rows[{r}]"),
        (r, Some(c)) => format!("rows[{r}].{c}"),
    };
    FieldError::new(field, code, message)
}

/// The request the table makes, with the sheet row of each measure to name in errors.
fn new_plan(
    table: plan_form::PlanTable,
    methodology: &Methodology,
    scope: (Option<i64>, Option<i64>, Option<i64>),
    year: Option<i32>,
) -> ApiResult<(NewPlan, Vec<Vec<usize>>)> {
    let approval = table
        .approval
        .filter(|a| !a.position.is_empty() && !a.full_name.is_empty());
    let year = year
        .or_else(|| {
            approval
                .as_ref()
                .and_then(|a| a.date)
                .map(|d| chrono::Datelike::year(&d))
        })
        .ok_or_else(|| {
            ApiError::validation(
                "year",
                "required",
                "the file has no approval date to take the year from: give ?year=",
            )
        })?;
    let mut rows = Vec::new();
    let sections = table
        .sections
        .into_iter()
        .map(|s| {
            let criterion = s
                .criterion
                .and_then(|n| methodology.criteria.get(usize::from(n).wrapping_sub(1)))
                .map(|c| c.code.to_owned());
            rows.push(s.measures.iter().map(|m| m.row).collect());
            NewSection {
                criterion,
                heading: Some(s.heading).filter(|h| !h.is_empty()),
                measures: s
                    .measures
                    .into_iter()
                    .map(|m| NewMeasure {
                        number: m.number,
                        shortcoming: m.shortcoming,
                        evaluation_id: None,
                        indicator: None,
                        title: m.title,
                        basis: m.basis,
                        deadline: m.deadline,
                        executors: m.executors,
                        expected_result: m.expected_result,
                        result_indicators: m.indicators,
                        information_source: m.information_source,
                    })
                    .collect(),
            }
        })
        .collect();
    let (region_id, organization_id, cycle_id) = scope;
    Ok((
        NewPlan {
            region_id,
            organization_id,
            cycle_id,
            year,
            methodology_id: Some(methodology.id.into()),
            title: table.title.unwrap_or_else(|| {
                format!("План мероприятий по улучшению качества работы на {year} год")
            }),
            basis: None,
            approval,
            due_date: None,
            sections,
        },
        rows,
    ))
}

/// `sections[i].measures[j].x` → `rows[R].x`: errors of an import name the sheet's rows.
fn to_rows(errors: Vec<FieldError>, rows: &[Vec<usize>]) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            let parsed = e.field.strip_prefix("sections[").and_then(|rest| {
                let (i, rest) = rest.split_once("].measures[")?;
                let (j, rest) = rest.split_once("].")?;
                Some((
                    i.parse::<usize>().ok()?,
                    j.parse::<usize>().ok()?,
                    rest.to_owned(),
                ))
            });
            if let Some((i, j, rest)) = parsed {
                if let Some(row) = rows.get(i).and_then(|r| r.get(j)) {
                    e.field = format!("rows[{row}].{rest}");
                }
            }
            e
        })
        .collect()
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
        (status = 400, response = BadRequest),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/plans/import")]
async fn import(
    caller: Caller,
    request_id: RequestId,
    req: HttpRequest,
    db: web::Data<Db>,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let mut errors = ListFilterErrors::default();
    let dry_run = parse_filter(&mut errors, "dry_run", query.dry_run, |v| {
        v.parse::<bool>().ok()
    })
    .unwrap_or(false);
    let organization_id =
        parse_filter(&mut errors, "organization_id", query.organization_id, |v| {
            v.parse().ok()
        });
    let region_id = parse_filter(&mut errors, "region_id", query.region_id, |v| {
        v.parse().ok()
    });
    let cycle_id = parse_filter(&mut errors, "cycle_id", query.cycle_id, |v| v.parse().ok());
    let year = parse_filter(&mut errors, "year", query.year, |v| {
        use crate::domain::cycle::{FIRST_YEAR, LAST_YEAR};
        v.parse::<i32>()
            .ok()
            .filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))
    });
    let methodology = parse_filter(&mut errors, "methodology_id", query.methodology_id, |v| {
        methodology::find(&v)
    })
    .or_else(|| methodology::find(methodology::DEFAULT_ID))
    .ok_or_else(|| ApiError::internal("the default methodology is missing"))?;
    errors.into_result()?;
    // Who may not create the plan is refused before the file is read.
    let target = match (organization_id, region_id) {
        (Some(org), _) => {
            db.run(move |conn| {
                Ok(organizations::find(conn, org)
                    .ok()
                    .map(|o| Target::organization(o.region_id, org)))
            })
            .await?
        }
        (None, Some(region)) => Some(Target::region(region)),
        (None, None) => None,
    };
    match target {
        Some(target) => {
            policy::authorize(&caller, &policy::PLAN_IMPORT, &target)?;
        }
        // No scope named (or no such organization): the plan's checks answer, after any 401.
        None => {
            policy::authenticate(&caller, &policy::PLAN_IMPORT)?;
        }
    }
    let bytes = read_upload(&req, payload).await?;
    let rows = sheet::rows_from_file(&bytes).map_err(|e| {
        ApiError::Validation(vec![row_error(
            e.row.unwrap_or(0),
            None,
            "unreadable",
            &e.message,
        )])
    })?;
    let table = plan_form::read_plan_table(&rows, rules::criteria_set(methodology)).map_err(
        |problems| {
            ApiError::Validation(
                problems
                    .iter()
                    .map(|p| row_error(p.row, p.column.as_deref(), "form", &p.message))
                    .collect(),
            )
        },
    )?;
    let mut warnings = table.warnings.clone();
    let (new, measure_rows) = new_plan(
        table,
        methodology,
        (region_id, organization_id, cycle_id),
        year,
    )?;
    for (section, rows) in new.sections.iter().zip(&measure_rows) {
        for (measure, row) in section.measures.iter().zip(rows) {
            for warning in crate::domain::deadline::parse(&measure.deadline).warnings {
                warnings.push(RowWarning {
                    row: *row,
                    column: Some("deadline".into()),
                    message: format!("kept as written: {warning}"),
                });
            }
        }
    }
    let work = move |conn: &mut DbConnection| {
        create_plan(conn, &caller, &request_id.0, new).map_err(|e| match e {
            ApiError::Validation(errors) => ApiError::Validation(to_rows(errors, &measure_rows)),
            other => other,
        })
    };
    let (row, plan) = if dry_run {
        db.rolled_back(work).await?
    } else {
        db.transaction(work).await?
    };
    let result = ImportResult {
        dry_run,
        plan,
        warnings,
    };
    Ok(if dry_run {
        HttpResponse::Ok().json(result)
    } else {
        HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/plans/{}", row.id)))
            .json(result)
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanExportQuery {
    /// `xlsx` or `csv`; without it, the `Accept` header decides (XLSX for `*/*`).
    #[param(value_type = Option<String>, pattern = "^(xlsx|csv)$", example = "xlsx")]
    pub format: Option<String>,
}

/// Executors as the form writes them: «должность Ф.И.О.» or the institution, comma-separated.
pub fn executors_text(executors: &[Executor]) -> String {
    executors
        .iter()
        .map(|e| match e {
            Executor::Person {
                full_name,
                position: Some(position),
            } => format!("{position} {full_name}"),
            Executor::Person {
                full_name,
                position: None,
            } => full_name.clone(),
            Executor::Institution { name } => name.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The «УТВЕРЖДАЮ» block and the title above a table.
pub fn preamble(approval: Option<&ApprovalBlock>, title: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(a) = approval {
        lines.push("УТВЕРЖДАЮ".to_owned());
        lines.push(a.position.clone());
        lines.push(a.full_name.clone());
        if let Some(date) = a.date {
            lines.push(date.format("%d.%m.%Y").to_string());
        }
        if let Some(number) = &a.document_number {
            lines.push(format!("№ {number}"));
        }
        lines.push(String::new());
    }
    lines.push(title.to_owned());
    lines
}

/// Columns of the plan form (ПП РФ № 457), then the columns of the regional forms the seeds use.
pub const PLAN_HEADINGS: [&str; 11] = [
    "№ п/п",
    "Недостатки, выявленные в ходе независимой оценки качества условий оказания услуг организацией",
    "Наименование мероприятия по устранению недостатков, выявленных в ходе независимой оценки качества условий оказания услуг организацией",
    "Плановый срок реализации мероприятия",
    "Ответственный исполнитель (с указанием фамилии, имени, отчества и должности)",
    "Сведения о ходе реализации мероприятия: реализованные меры по устранению выявленных недостатков",
    "Сведения о ходе реализации мероприятия: фактический срок реализации",
    "Основание реализации",
    "Результат",
    "Показатели, характеризующие результат выполнения мероприятия",
    "Источник и способ получения информации",
];

fn text_cell(value: &Option<String>) -> Cell {
    value.clone().map_or(Cell::Empty, Cell::Text)
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
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 406, response = NotAcceptable),
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
    let format = negotiate(&req, query.into_inner().format)?;
    let bytes = db
        .run(move |conn| {
            let row = plans::authorized(conn, id, &caller, &policy::PLAN_EXPORT)?;
            let plan = plans::load(conn, &row, chrono::Utc::now().date_naive())?;
            let executed = reports::latest_entries(conn, id)?;
            let mut rows = Vec::new();
            for section in &plan.sections {
                rows.push(vec![Cell::Text(section.heading.clone())]);
                for m in &section.measures {
                    let entry = executed.iter().find(|e| e.measure_id == m.id);
                    rows.push(vec![
                        text_cell(&m.number),
                        text_cell(&m.shortcoming),
                        Cell::Text(m.title.clone()),
                        Cell::Text(m.deadline.text.clone()),
                        Cell::Text(executors_text(&m.executors)),
                        text_cell(&entry.and_then(|e| e.measures_taken.clone())),
                        entry.and_then(|e| e.actual_date).map_or(Cell::Empty, |d| {
                            Cell::Text(d.format("%d.%m.%Y").to_string())
                        }),
                        text_cell(&m.basis),
                        text_cell(&m.expected_result),
                        text_cell(&m.result_indicators),
                        text_cell(&m.information_source),
                    ]);
                }
            }
            let sheet = Sheet {
                name: "План мероприятий".into(),
                preamble: preamble(plan.approval.as_ref(), &plan.title),
                headings: PLAN_HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
                rows,
            };
            format.render(&[sheet], "Лист").map_err(workbook_error)
        })
        .await?;
    Ok(file(format, format!("plan-{id}"), bytes))
}
