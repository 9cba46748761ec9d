//! `/api/v1/plans`: improvement plans in the official form — header with the approval block,
//! sections by criterion, ordered measures with structured deadlines — their status machine,
//! drafting from an evaluation's shortcomings, import from and export to the tabular form.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::conditional::{self, etag, IfMatch};
use super::extract::ApiJson;
use super::request_id::RequestId;
use super::{nullable, parse_filter, patch_required, timestamp, ListFilterErrors};
use crate::auth::policy::{self, Rule, Target};
use crate::auth::{Caller, Principal};
use crate::db::audit::{self, Actor, Change};
use crate::db::changes::{self, Action, Exposure, FeedChange};
use crate::db::plans::{
    self as store, MeasureRow, MeasureValues, PlanFilter, PlanRow, PlanValues, SectionRow,
};
use crate::db::{organizations, regions, Db, DbConnection};
use crate::domain::cycle as cycle_rules;
use crate::domain::deadline::{self, Deadline};
use crate::domain::methodology::{self, Methodology};
use crate::domain::paging;
use crate::domain::plan::{self as rules, Completion, MeasureStatus, MeasureText, PlanStatus};
use crate::domain::plan_form::{ApprovalBlock, Executor};
use crate::domain::status::StatusMachine;
use crate::domain::text::{self, TextRule};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::openapi::{
    BadRequest, Conflict, NotFound, PayloadTooLarge, PreconditionFailed, PreconditionRequired,
    UnsupportedMediaType, ValidationFailed,
};

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

/// One measure of a plan (мероприятие).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Measure {
    pub id: i64,
    pub plan_id: i64,
    pub section_id: i64,
    /// Order within the section, from 1.
    pub position: i32,
    /// № п/п as written ("1", "2.3").
    pub number: Option<String>,
    /// The shortcoming it addresses (недостаток).
    pub shortcoming: Option<String>,
    /// The evaluation whose shortcoming it addresses, if linked, and its indicator code.
    pub evaluation_id: Option<i64>,
    pub indicator: Option<String>,
    /// Наименование мероприятия.
    pub title: String,
    /// Основание реализации: e.g. the council's proposal.
    pub basis: Option<String>,
    /// The deadline as written (`text`) and as understood (`parts`); text that could not be
    /// understood is kept as an `unstructured` part with a warning.
    pub deadline: Deadline,
    /// The next due date on or after `as_of`, if the deadline has dates.
    pub next_due: Option<NaiveDate>,
    /// Not done (nor cancelled) and the deadline passed before `as_of`. Derived, never stored.
    pub overdue: bool,
    /// Ответственные исполнители: people (full name, position) or institutions.
    pub executors: Vec<Executor>,
    pub expected_result: Option<String>,
    /// Показатели, характеризующие результат.
    pub result_indicators: Option<String>,
    /// Источник и способ получения информации.
    pub information_source: Option<String>,
    pub status: MeasureStatus,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Section {
    pub id: i64,
    pub position: i32,
    /// Criterion code of the plan's methodology (`K1` … `K5`), if the heading names one.
    pub criterion: Option<String>,
    pub heading: String,
    pub measures: Vec<Measure>,
}

/// An improvement plan (план мероприятий по улучшению качества работы).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Plan {
    pub id: i64,
    pub region_id: i64,
    /// `null` for a plan of the whole region.
    pub organization_id: Option<i64>,
    pub cycle_id: Option<i64>,
    pub year: i32,
    /// The methodology whose criteria the sections follow.
    pub methodology_id: String,
    pub title: String,
    pub basis: Option<String>,
    /// «УТВЕРЖДАЮ»: position, full name, date and document of the official who approved it.
    pub approval: Option<ApprovalBlock>,
    /// The date by which the plan is due.
    pub due_date: Option<NaiveDate>,
    pub status: PlanStatus,
    /// The day `overdue` and `next_due` are computed for (`?as_of=`, default today).
    pub as_of: NaiveDate,
    pub completion: Completion,
    pub sections: Vec<Section>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str, what: &str, id: i64) -> ApiResult<T> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::internal(format!("measure {id}: stored {what} unreadable: {e}")))
}

pub fn measure_of(row: &MeasureRow, as_of: NaiveDate, plan_year: i32) -> ApiResult<Measure> {
    let deadline: Deadline = parse_json(&row.deadline_json, "deadline", row.id)?;
    let status = MeasureStatus::parse(&row.status).ok_or_else(|| {
        ApiError::internal(format!("measure {} has status {}", row.id, row.status))
    })?;
    Ok(Measure {
        id: row.id,
        plan_id: row.plan_id,
        section_id: row.section_id,
        position: row.position,
        number: row.number.clone(),
        shortcoming: row.shortcoming.clone(),
        evaluation_id: row.evaluation_id,
        indicator: row.indicator.clone(),
        title: row.title.clone(),
        basis: row.basis.clone(),
        next_due: deadline.next_due(as_of, Some(plan_year)),
        overdue: rules::overdue(status, &deadline, as_of, plan_year),
        deadline,
        executors: parse_json(&row.executors_json, "executors", row.id)?,
        expected_result: row.expected_result.clone(),
        result_indicators: row.result_indicators.clone(),
        information_source: row.information_source.clone(),
        status,
        updated_at: timestamp(row.updated_at),
    })
}

/// Completion of a plan's measures on `as_of`.
pub fn completion_of(
    rows: &[MeasureRow],
    as_of: NaiveDate,
    plan_year: i32,
) -> ApiResult<Completion> {
    let mut completion = Completion::default();
    for row in rows {
        let measure = measure_of(row, as_of, plan_year)?;
        completion.add(measure.status, measure.overdue);
    }
    Ok(completion)
}

fn approval_of(row: &PlanRow) -> Option<ApprovalBlock> {
    match (&row.approver_position, &row.approver_name) {
        (Some(position), Some(full_name)) => Some(ApprovalBlock {
            position: position.clone(),
            full_name: full_name.clone(),
            date: row.approved_on,
            document_number: row.approval_document.clone(),
        }),
        _ => None,
    }
}

fn set_approval(values: &mut PlanValues, approval: Option<&ApprovalBlock>) {
    values.approver_position = approval.map(|a| a.position.clone());
    values.approver_name = approval.map(|a| a.full_name.clone());
    values.approved_on = approval.and_then(|a| a.date);
    values.approval_document = approval.and_then(|a| a.document_number.clone());
}

/// The plan with its sections and measures, as every answer and audit event shows it.
pub fn load(conn: &mut DbConnection, row: &PlanRow, as_of: NaiveDate) -> ApiResult<Plan> {
    let sections = store::sections(conn, row.id)?;
    let measures = store::measures_of(conn, row.id)?;
    let completion = completion_of(&measures, as_of, row.year)?;
    let sections = sections
        .into_iter()
        .map(|s| {
            Ok(Section {
                id: s.id,
                position: s.position,
                criterion: s.criterion.clone(),
                heading: s.heading.clone(),
                measures: measures
                    .iter()
                    .filter(|m| m.section_id == s.id)
                    .map(|m| measure_of(m, as_of, row.year))
                    .collect::<ApiResult<_>>()?,
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(Plan {
        id: row.id,
        region_id: row.region_id,
        organization_id: row.organization_id,
        cycle_id: row.cycle_id,
        year: row.year,
        methodology_id: row.methodology_id.clone(),
        title: row.title.clone(),
        basis: row.basis.clone(),
        approval: approval_of(row),
        due_date: row.due_date,
        status: row.status()?,
        as_of,
        completion,
        sections,
        created_at: timestamp(row.created_at),
        updated_at: timestamp(row.updated_at),
    })
}

/// Who sees a plan, for the change feed: its region and organization, everyone once published.
pub fn exposure(row: &PlanRow) -> ApiResult<Exposure> {
    Ok(Exposure {
        region_id: Some(row.region_id),
        organization_id: row.organization_id,
        public: row.status()?.public(),
    })
}

/// A measure changed: the plan, which shows its measures, goes to the feed as it now stands.
fn feed_plan(conn: &mut DbConnection, plan_id: i64) -> ApiResult<()> {
    let row = store::find(conn, plan_id)?;
    let plan = load(conn, &row, today())?;
    let exposure = exposure(&row)?;
    changes::record(
        conn,
        &FeedChange {
            resource_type: "plan",
            resource_id: plan_id.to_string(),
            action: Action::Updated,
            before: exposure,
            after: exposure,
            payload: Some(serde_json::to_value(&plan).map_err(ApiError::internal)?),
        },
    )
}

pub fn target(row: &PlanRow) -> ApiResult<Target> {
    Ok(Target {
        region_id: Some(row.region_id),
        organization_id: row.organization_id,
        assigned: false,
        published: row.status()?.public(),
    })
}

/// Checks `rule` on a plan (or something of it); for rules that hide what is out of scope, a
/// caller who may not even read the plan gets 404 first.
pub fn check(caller: &Caller, rule: &Rule, target: &Target) -> ApiResult<()> {
    if rule.hide_out_of_scope {
        policy::authorize(caller, &policy::PLAN_READ, target)?;
    }
    policy::authorize(caller, rule, target)?;
    Ok(())
}

/// Loads the plan and checks `rule` for `caller` against it.
pub fn authorized(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
    rule: &Rule,
) -> ApiResult<PlanRow> {
    let row = store::find(conn, id)?;
    check(caller, rule, &target(&row)?)?;
    Ok(row)
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn methodology_of(id: &str) -> ApiResult<&'static Methodology> {
    methodology::find(id).ok_or_else(|| {
        ApiError::validation(
            "methodology_id",
            "not_found",
            format!("no methodology {id}; see GET /api/v1/methodologies"),
        )
    })
}

/// The day figures are derived for: `?as_of=YYYY-MM-DD`, or today.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// The day `overdue`, `next_due` and completion are computed for; default today (UTC).
    #[param(value_type = Option<NaiveDate>, example = "2018-01-15")]
    pub as_of: Option<String>,
}

pub fn parse_as_of(errors: &mut ListFilterErrors, value: Option<String>) -> NaiveDate {
    parse_filter(errors, "as_of", value, |v| {
        NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok()
    })
    .unwrap_or_else(today)
}

fn as_of(query: AsOfQuery) -> ApiResult<NaiveDate> {
    let mut errors = ListFilterErrors::default();
    let day = parse_as_of(&mut errors, query.as_of);
    errors.into_result()?;
    Ok(day)
}

/// A measure as sent in a request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"number": "1", "shortcoming": "Информация на стендах неполная",
    "title": "Обновление информации на информационных стендах",
    "basis": "Рекомендации Общественного совета от 29.11.2017", "deadline": "ежеквартально",
    "executors": [{"kind": "person", "full_name": "Иванова М.П.", "position": "директор"}],
    "expected_result": "Информационная открытость", "result_indicators": "Наличие актуальной информации"}))]
pub struct NewMeasure {
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub shortcoming: Option<String>,
    /// An evaluation of the plan's organization whose shortcoming this addresses.
    #[serde(default)]
    pub evaluation_id: Option<i64>,
    /// The indicator code (`1.1` …) of that shortcoming.
    #[serde(default)]
    pub indicator: Option<String>,
    #[schema(min_length = 1, max_length = 10000)]
    pub title: String,
    #[serde(default)]
    pub basis: Option<String>,
    /// The deadline in words, as the official form has it ("до 31.12.2018", "ежеквартально",
    /// "IV квартал"); it is kept as written and parsed.
    #[schema(min_length = 1, max_length = 1000)]
    pub deadline: String,
    #[serde(default)]
    pub executors: Vec<Executor>,
    #[serde(default)]
    pub expected_result: Option<String>,
    #[serde(default)]
    pub result_indicators: Option<String>,
    #[serde(default)]
    pub information_source: Option<String>,
}

impl NewMeasure {
    fn text(&self) -> MeasureText {
        MeasureText {
            number: self.number.clone(),
            shortcoming: self.shortcoming.clone(),
            title: self.title.clone(),
            basis: self.basis.clone(),
            deadline: self.deadline.clone(),
            executors: self.executors.clone(),
            expected_result: self.expected_result.clone(),
            result_indicators: self.result_indicators.clone(),
            information_source: self.information_source.clone(),
        }
    }
}

/// Column values of a measure from its checked text.
pub fn measure_values(
    plan_id: i64,
    section_id: i64,
    position: i32,
    text: MeasureText,
    link: (Option<i64>, Option<String>),
    status: MeasureStatus,
) -> ApiResult<MeasureValues> {
    let parsed = deadline::parse(&text.deadline);
    Ok(MeasureValues {
        plan_id,
        section_id,
        position,
        number: text.number,
        shortcoming: text.shortcoming,
        evaluation_id: link.0,
        indicator: link.1,
        title: text.title,
        basis: text.basis,
        deadline_json: serde_json::to_string(&parsed).map_err(ApiError::internal)?,
        deadline_text: text.deadline,
        executors_json: serde_json::to_string(&text.executors).map_err(ApiError::internal)?,
        expected_result: text.expected_result,
        result_indicators: text.result_indicators,
        information_source: text.information_source,
        status: status.as_str().into(),
    })
}

/// Checks the link of a measure to an evaluation's indicator: the evaluation must assess the
/// plan's organization, and the indicator belong to its methodology.
fn check_link(
    conn: &mut DbConnection,
    plan: &PlanRow,
    evaluation_id: Option<i64>,
    indicator: Option<&str>,
    prefix: &str,
    errors: &mut Vec<FieldError>,
) -> ApiResult<()> {
    if let Some(evaluation_id) = evaluation_id {
        let found = crate::db::evaluations::by_id(conn, evaluation_id)?;
        match found {
            Some(e)
                if plan.organization_id.is_none()
                    || Some(e.organization_id) == plan.organization_id => {}
            _ => errors.push(FieldError::new(
                format!("{prefix}evaluation_id"),
                "not_found",
                format!("evaluation {evaluation_id} does not assess the plan's organization"),
            )),
        }
    }
    if let Some(code) = indicator {
        let known =
            methodology::find(&plan.methodology_id).is_some_and(|m| m.indicator(code).is_some());
        if !known {
            errors.push(FieldError::new(
                format!("{prefix}indicator"),
                "unknown_value",
                format!("{code} is not an indicator of {}", plan.methodology_id),
            ));
        }
    }
    Ok(())
}

/// A section as sent in a request: a criterion of the plan's methodology, or a heading of its
/// own, or both.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSection {
    /// `K1` … `K5`; the heading defaults to the criterion's official section heading.
    #[serde(default)]
    pub criterion: Option<String>,
    #[serde(default)]
    pub heading: Option<String>,
    #[serde(default)]
    pub measures: Vec<NewMeasure>,
}

/// A new plan, in status `draft`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_id": 5, "year": 2019, "title": "План мероприятий по улучшению качества работы на 2019 год",
    "basis": "Предложения Общественного совета от 14.12.2018", "due_date": "2019-02-10",
    "sections": [{"criterion": "K1", "measures": [{"title": "Обновление информации на информационных стендах", "deadline": "до 31.03.2019"}]}]}))]
pub struct NewPlan {
    /// Required for a plan of the whole region; for an organization's plan, its region.
    #[serde(default)]
    pub region_id: Option<i64>,
    /// The organization; leave out for a plan of the whole region.
    #[serde(default)]
    pub organization_id: Option<i64>,
    #[serde(default)]
    pub cycle_id: Option<i64>,
    pub year: i32,
    /// Defaults to `mintrud-344n-2018`; `pre-2018-five-criteria` for plans of that era.
    #[serde(default)]
    pub methodology_id: Option<String>,
    #[schema(min_length = 1, max_length = 2000)]
    pub title: String,
    #[serde(default)]
    pub basis: Option<String>,
    #[serde(default)]
    pub approval: Option<ApprovalBlock>,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    #[serde(default)]
    pub sections: Vec<NewSection>,
}

/// Resolves and checks the plan's scope: the organization's region, or the region given.
fn scope_of(
    conn: &mut DbConnection,
    region_id: Option<i64>,
    organization_id: Option<i64>,
) -> ApiResult<i64> {
    match organization_id {
        Some(org) => {
            let row = organizations::find(conn, org).map_err(|_| {
                ApiError::validation(
                    "organization_id",
                    "not_found",
                    format!("organization {org} does not exist"),
                )
            })?;
            if region_id.is_some_and(|r| r != row.region_id) {
                return Err(ApiError::validation(
                    "region_id",
                    "mismatch",
                    format!("organization {org} is in region {}", row.region_id),
                ));
            }
            Ok(row.region_id)
        }
        None => {
            let region = region_id.ok_or_else(|| {
                ApiError::validation(
                    "region_id",
                    "required",
                    "a plan names its organization or, for a region-wide plan, its region",
                )
            })?;
            if !regions::exists(conn, region)? {
                return Err(ApiError::validation(
                    "region_id",
                    "not_found",
                    format!("region {region} does not exist"),
                ));
            }
            Ok(region)
        }
    }
}

/// Checks the header fields of a plan (trimmed in place).
fn check_header(
    year: i32,
    title: &mut String,
    basis: &mut Option<String>,
    approval: Option<&mut ApprovalBlock>,
    errors: &mut Vec<FieldError>,
) {
    if !(cycle_rules::FIRST_YEAR..=cycle_rules::LAST_YEAR).contains(&year) {
        errors.push(FieldError::new(
            "year",
            "range",
            format!(
                "must be from {} to {}",
                cycle_rules::FIRST_YEAR,
                cycle_rules::LAST_YEAR
            ),
        ));
    }
    text::check(title, "title", TextRule::required(2000), errors);
    text::check_optional(basis, "basis", TextRule::required(rules::MAX_TEXT), errors);
    if let Some(approval) = approval {
        rules::check_approval(approval, errors);
    }
}

/// Writes sections and their measures for a new plan; every field error names its path.
pub fn write_sections(
    conn: &mut DbConnection,
    plan: &PlanRow,
    methodology: &Methodology,
    sections: Vec<NewSection>,
) -> ApiResult<()> {
    let mut errors = Vec::new();
    let mut checked = Vec::new();
    for (i, section) in sections.into_iter().enumerate() {
        let prefix = format!("sections[{i}].");
        let criterion = match section.criterion.as_deref() {
            Some(code) => match methodology.criterion(code) {
                Some(c) => Some(c),
                None => {
                    errors.push(FieldError::new(
                        format!("{prefix}criterion"),
                        "unknown_value",
                        format!("{code} is not a criterion of {}", methodology.id),
                    ));
                    None
                }
            },
            None => None,
        };
        let mut heading = section
            .heading
            .clone()
            .or_else(|| criterion.map(|c| c.section_title.to_owned()))
            .unwrap_or_default();
        text::check(
            &mut heading,
            &format!("{prefix}heading"),
            TextRule::required(2000),
            &mut errors,
        );
        let mut measures = Vec::new();
        for (j, m) in section.measures.into_iter().enumerate() {
            let at = format!("{prefix}measures[{j}].");
            let mut text = m.text();
            errors.extend(rules::check_measure(&mut text, &at));
            check_link(
                conn,
                plan,
                m.evaluation_id,
                m.indicator.as_deref(),
                &at,
                &mut errors,
            )?;
            measures.push((text, (m.evaluation_id, m.indicator)));
        }
        checked.push((criterion.map(|c| c.code), heading, measures));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    for (i, (criterion, heading, measures)) in checked.into_iter().enumerate() {
        let section = store::insert_section(conn, plan.id, i as i32 + 1, criterion, &heading)?;
        for (j, (text, link)) in measures.into_iter().enumerate() {
            let values = measure_values(
                plan.id,
                section.id,
                j as i32 + 1,
                text,
                link,
                MeasureStatus::Planned,
            )?;
            store::insert_measure(conn, &values)?;
        }
    }
    Ok(())
}

/// Creates a draft plan with its sections in the caller's transaction, audited.
pub fn create_plan(
    conn: &mut DbConnection,
    caller: &Caller,
    request_id: &str,
    mut new: NewPlan,
) -> ApiResult<(PlanRow, Plan)> {
    let region_id = scope_of(conn, new.region_id, new.organization_id)?;
    let target = match new.organization_id {
        Some(org) => Target::organization(region_id, org),
        None => Target::region(region_id),
    };
    let principal = policy::authorize(caller, &policy::PLAN_CREATE, &target)?;
    let methodology = methodology_of(
        new.methodology_id
            .as_deref()
            .unwrap_or(methodology::DEFAULT_ID),
    )?;
    let mut errors = Vec::new();
    check_header(
        new.year,
        &mut new.title,
        &mut new.basis,
        new.approval.as_mut(),
        &mut errors,
    );
    if let Some(cycle_id) = new.cycle_id {
        let assessed = crate::db::cycles::find(conn, cycle_id)
            .is_ok_and(|c| c.region_id == region_id)
            && (new.organization_id.is_none()
                || crate::db::cycles::assesses(conn, cycle_id, new.organization_id)?);
        if !assessed {
            errors.push(FieldError::new(
                "cycle_id",
                "not_found",
                format!("cycle {cycle_id} does not assess the plan's organization or region"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut values = PlanValues {
        region_id,
        organization_id: new.organization_id,
        cycle_id: new.cycle_id,
        year: new.year,
        methodology_id: methodology.id.into(),
        title: new.title,
        basis: new.basis,
        approver_position: None,
        approver_name: None,
        approved_on: None,
        approval_document: None,
        due_date: new.due_date,
        status: PlanStatus::Draft.as_str().into(),
    };
    set_approval(&mut values, new.approval.as_ref());
    let row = store::insert(conn, &values)?;
    write_sections(conn, &row, methodology, new.sections)?;
    let plan = load(conn, &row, today())?;
    audit::record(
        conn,
        &Actor::of(principal, request_id),
        Change::of("plan.create", "plan", row.id, None, Some(&plan))?
            .exposed(exposure(&row)?, exposure(&row)?),
    )?;
    Ok((row, plan))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanListQuery {
    /// Page size, 1–500.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{1,16}$")]
    pub cursor: Option<String>,
    #[param(value_type = Option<i64>)]
    pub region_id: Option<String>,
    #[param(value_type = Option<i64>)]
    pub organization_id: Option<String>,
    #[param(value_type = Option<i32>)]
    pub year: Option<String>,
    #[param(value_type = Option<PlanStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<NaiveDate>, example = "2018-01-15")]
    pub as_of: Option<String>,
}

/// A plan in a list: its header and completion, without the measures.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSummary {
    pub id: i64,
    pub region_id: i64,
    pub organization_id: Option<i64>,
    pub year: i32,
    pub title: String,
    pub status: PlanStatus,
    pub due_date: Option<NaiveDate>,
    pub completion: Completion,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanPage {
    pub items: Vec<PlanSummary>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    operation_id = "list_plans",
    summary = "List improvement plans",
    tag = "plans",
    params(PlanListQuery),
    responses(
        (status = 200, description = "The plans the caller may see, in id order", body = PlanPage),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/plans")]
async fn list(
    caller: Caller,
    db: web::Data<Db>,
    query: web::Query<PlanListQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let mut errors = ListFilterErrors::default();
    let (after_id, limit) = errors.paging(query.limit.as_deref(), query.cursor.as_deref());
    let filter = PlanFilter {
        region_id: parse_filter(&mut errors, "region_id", query.region_id, |v| {
            v.parse().ok()
        }),
        organization_id: parse_filter(&mut errors, "organization_id", query.organization_id, |v| {
            v.parse().ok()
        }),
        year: parse_filter(&mut errors, "year", query.year, |v| v.parse().ok()),
        status: parse_filter(&mut errors, "status", query.status, |v| {
            PlanStatus::parse(&v)
        }),
    };
    let as_of = parse_as_of(&mut errors, query.as_of);
    errors.into_result()?;
    let visibility = policy::visibility(&caller, &policy::PLAN_LIST);
    let page = db
        .run(move |conn| {
            let rows = store::list(conn, &filter, visibility, after_id, limit)?;
            let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let measures = store::measures_of_plans(conn, &ids)?;
            let items = rows
                .iter()
                .map(|r| {
                    let own: Vec<MeasureRow> = measures
                        .iter()
                        .filter(|m| m.plan_id == r.id)
                        .cloned()
                        .collect();
                    Ok(PlanSummary {
                        id: r.id,
                        region_id: r.region_id,
                        organization_id: r.organization_id,
                        year: r.year,
                        title: r.title.clone(),
                        status: r.status()?,
                        due_date: r.due_date,
                        completion: completion_of(&own, as_of, r.year)?,
                        updated_at: timestamp(r.updated_at),
                    })
                })
                .collect::<ApiResult<_>>()?;
            Ok(PlanPage { items, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(
    operation_id = "create_plan",
    summary = "Create an improvement plan",
    tag = "plans",
    request_body = NewPlan,
    responses(
        (status = 201, description = "Created, in status `draft`; deadlines parsed", body = Plan, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = BadRequest),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/plans")]
async fn create(
    caller: Caller,
    request_id: RequestId,
    db: web::Data<Db>,
    body: ApiJson<NewPlan>,
) -> ApiResult<HttpResponse> {
    let new = body.0;
    let (row, plan) = db
        .transaction(move |conn| create_plan(conn, &caller, &request_id.0, new))
        .await?;
    Ok(conditional::created(
        format!("/api/v1/plans/{}", row.id),
        row.version,
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
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
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
    let as_of = as_of(query.into_inner())?;
    let (version, plan) = db
        .run(move |conn| {
            let row = authorized(conn, id, &caller, &policy::PLAN_READ)?;
            Ok((row.version, load(conn, &row, as_of)?))
        })
        .await?;
    // Derived figures depend on the day asked for: the ETag names the version and the day.
    Ok(conditional::respond_dated(&req, version, as_of, &plan))
}

/// A JSON merge patch of a plan's header; only while it is a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"approval": {"position": "Министр труда и социальной защиты Тульской области", "full_name": "А.В. Филиппов", "date": "2017-03-29", "document_number": null}}))]
pub struct PlanPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    pub basis: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ApprovalBlock>, required = false)]
    pub approval: Option<Option<ApprovalBlock>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>, required = false)]
    pub due_date: Option<Option<NaiveDate>>,
}

fn conflict_in(status: PlanStatus, what: &str) -> ApiError {
    ApiError::Conflict(format!("The plan is {}: {what}", status.as_str()))
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
#[patch("/plans/{id}")]
async fn update(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<PlanPatch>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let patch = body.0;
    let (version, plan) = db
        .transaction(move |conn| {
            store::lock(conn, id)?;
            let current = authorized(conn, id, &caller, &policy::PLAN_UPDATE)?;
            if_match.require_version(current.version)?;
            let before = load(conn, &current, today())?;
            let status = current.status()?;
            let mut values = current.values();
            let mut errors = Vec::new();
            patch_required(&mut values.title, patch.title, "title", &mut errors);
            if let Some(basis) = patch.basis {
                values.basis = basis;
            }
            if let Some(due) = patch.due_date {
                values.due_date = due;
            }
            let mut approval = patch.approval.unwrap_or(before.approval.clone());
            check_header(
                values.year,
                &mut values.title,
                &mut values.basis,
                approval.as_mut(),
                &mut errors,
            );
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            set_approval(&mut values, approval.as_ref());
            if values == current.values() {
                return Ok((current.version, before));
            }
            if !status.editable() {
                return Err(conflict_in(status, "only a draft can be changed"));
            }
            let row = store::update(conn, id, current.version, &values)?;
            let after = load(conn, &row, today())?;
            audit::record(
                conn,
                &Actor::of(caller.principal(), &request_id.0),
                Change::of("plan.update", "plan", id, Some(&before), Some(&after))?
                    .exposed(exposure(&current)?, exposure(&row)?),
            )?;
            Ok((row.version, after))
        })
        .await?;
    let day = plan.as_of;
    Ok(conditional::updated_with(
        conditional::dated_etag(version, day),
        &plan,
    ))
}

/// Moves the plan to `to` if the machine allows it (409 naming the status otherwise).
async fn step(
    db: &Db,
    caller: Caller,
    request_id: RequestId,
    id: i64,
    rule: &'static Rule,
    to: PlanStatus,
) -> ApiResult<HttpResponse> {
    let plan = db
        .transaction(move |conn| {
            store::lock(conn, id)?;
            let current = authorized(conn, id, &caller, rule)?;
            let status = current.status()?;
            if let Some(refusal) = status.refusal(to) {
                return Err(ApiError::Conflict(refusal));
            }
            let before = load(conn, &current, today())?;
            if to == PlanStatus::Submitted && before.completion.measures == 0 {
                return Err(conflict_in(status, "a plan without measures cannot be submitted"));
            }
            if to == PlanStatus::Approved && before.approval.is_none() {
                return Err(conflict_in(
                    status,
                    "approval needs the «УТВЕРЖДАЮ» block (approval: position, full name, date); set it with PATCH before approving",
                ));
            }
            let mut values = current.values();
            values.status = to.as_str().into();
            let row = store::update(conn, id, current.version, &values)?;
            let after = load(conn, &row, today())?;
            let principal: Option<&Principal> = caller.principal();
            audit::record(
                conn,
                &Actor::of(principal, &request_id.0),
                Change::of(&format!("plan.{}", to.as_str()), "plan", id, Some(&before), Some(&after))?
                .exposed(exposure(&current)?, exposure(&row)?),
            )?;
            // Publication makes the plan's accepted reports public.
            super::reports::feed_plan_reports(conn, &current, &row)?;
            Ok((row.version, after))
        })
        .await?;
    let (version, plan) = plan;
    Ok(conditional::updated_with(
        conditional::dated_etag(version, plan.as_of),
        &plan,
    ))
}

// rustfmt does not settle on the indentation of attributes inside macro_rules: skipped.
#[rustfmt::skip]
macro_rules! plan_step {
    ($name:ident, $path:literal, $operation:literal, $summary:literal, $rule:ident, $to:ident, $what:literal) => {
        #[utoipa::path(
            operation_id = $operation,
            summary = $summary,
            tag = "plans",
            params(("id" = i64, Path, description = "Plan id")),
            responses(
                (status = 200, description = $what, body = Plan, headers(("ETag" = String))),
                (status = 404, response = NotFound),
                (status = 409, response = Conflict),
            ),
        )]
        #[post($path)]
        async fn $name(
            caller: Caller,
            request_id: RequestId,
            db: web::Data<Db>,
            id: web::Path<i64>,
        ) -> ApiResult<HttpResponse> {
            step(&db, caller, request_id, id.into_inner(), &policy::$rule, PlanStatus::$to).await
        }
    };
}

plan_step!(
    submit,
    "/plans/{id}/submit",
    "submit_plan",
    "Submit a plan (draft → submitted)",
    PLAN_SUBMIT,
    Submitted,
    "`draft → submitted`: handed to the authority (a plan needs measures)"
);
plan_step!(
    send_back,
    "/plans/{id}/return",
    "return_plan",
    "Return a plan (submitted → draft)",
    PLAN_RETURN,
    Draft,
    "`submitted → draft`: returned for rework"
);
plan_step!(
    approve,
    "/plans/{id}/approve",
    "approve_plan",
    "Approve a plan (submitted → approved)",
    PLAN_APPROVE,
    Approved,
    "`submitted → approved`: needs the «УТВЕРЖДАЮ» block; measures are now carried out"
);
plan_step!(
    publish,
    "/plans/{id}/publish",
    "publish_plan",
    "Publish a plan (approved → published)",
    PLAN_PUBLISH,
    Published,
    "`approved → published`: visible to anonymous readers"
);
plan_step!(
    close,
    "/plans/{id}/close",
    "close_plan",
    "Close a plan (published → closed)",
    PLAN_CLOSE,
    Closed,
    "`published → closed`: the plan's period is over; it stays public"
);

/// A new measure, at the end of a section.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlanMeasure {
    pub section_id: i64,
    #[serde(flatten)]
    pub measure: NewMeasure,
}

fn section_of(sections: &[SectionRow], id: i64, field: &str) -> ApiResult<()> {
    if sections.iter().any(|s| s.id == id) {
        Ok(())
    } else {
        Err(ApiError::validation(
            field,
            "not_found",
            format!("the plan has no section {id}"),
        ))
    }
}

#[utoipa::path(
    operation_id = "create_measure",
    summary = "Add a measure to a plan",
    tag = "plans",
    params(("id" = i64, Path, description = "Plan id")),
    request_body = NewPlanMeasure,
    responses(
        (status = 201, description = "Added at the end of its section", body = Measure, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/plans/{id}/measures")]
async fn create_measure(
    caller: Caller,
    request_id: RequestId,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<NewPlanMeasure>,
) -> ApiResult<HttpResponse> {
    let plan_id = id.into_inner();
    let new = body.0;
    let (row, measure) = db
        .transaction(move |conn| {
            store::lock(conn, plan_id)?;
            let plan = authorized(conn, plan_id, &caller, &policy::MEASURE_CREATE)?;
            section_of(
                &store::sections(conn, plan_id)?,
                new.section_id,
                "section_id",
            )?;
            let mut text = new.measure.text();
            let mut errors = rules::check_measure(&mut text, "");
            check_link(
                conn,
                &plan,
                new.measure.evaluation_id,
                new.measure.indicator.as_deref(),
                "",
                &mut errors,
            )?;
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            let status = plan.status()?;
            if !status.editable() {
                return Err(conflict_in(status, "measures are added only to a draft"));
            }
            let position = store::next_position(conn, new.section_id)?;
            let link = (new.measure.evaluation_id, new.measure.indicator);
            let values = measure_values(
                plan_id,
                new.section_id,
                position,
                text,
                link,
                MeasureStatus::Planned,
            )?;
            let row = store::insert_measure(conn, &values)?;
            store::touch(conn, plan_id)?;
            let measure = measure_of(&row, today(), plan.year)?;
            audit::record(
                conn,
                &Actor::of(caller.principal(), &request_id.0),
                Change::of("measure.create", "measure", row.id, None, Some(&measure))?,
            )?;
            feed_plan(conn, plan_id)?;
            Ok((row, measure))
        })
        .await?;
    Ok(conditional::created(
        format!("/api/v1/plans/{plan_id}/measures/{}", row.id),
        row.version,
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
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
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
    let as_of = as_of(query.into_inner())?;
    let (version, measure) = db
        .run(move |conn| {
            let plan = authorized(conn, plan_id, &caller, &policy::MEASURE_READ)?;
            let row = store::find_measure(conn, plan_id, id)?;
            Ok((row.version, measure_of(&row, as_of, plan.year)?))
        })
        .await?;
    // Derived fields follow the day: the ETag names the version and the day.
    Ok(conditional::respond_dated(&req, version, as_of, &measure))
}

/// A JSON merge patch of a measure. Its content changes while the plan is a draft; its status
/// once the plan is approved (measures are then carried out).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "done"}))]
pub struct MeasurePatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    pub number: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    pub shortcoming: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    pub basis: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false)]
    pub deadline: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Vec<Executor>, required = false)]
    pub executors: Option<Option<Vec<Executor>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    pub expected_result: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    pub result_indicators: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    pub information_source: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = MeasureStatus, required = false)]
    pub status: Option<Option<MeasureStatus>>,
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
#[patch("/plans/{id}/measures/{measure_id}")]
async fn update_measure(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
    body: ApiJson<MeasurePatch>,
) -> ApiResult<HttpResponse> {
    let (plan_id, id) = path.into_inner();
    let patch = body.0;
    let (row, after) = db
        .transaction(move |conn| {
            store::lock(conn, plan_id)?;
            let plan = authorized(conn, plan_id, &caller, &policy::MEASURE_UPDATE)?;
            let current = store::find_measure(conn, plan_id, id)?;
            if_match.require(&etag(current.version))?;
            let before = measure_of(&current, today(), plan.year)?;
            let mut text = MeasureText {
                number: before.number.clone(),
                shortcoming: before.shortcoming.clone(),
                title: before.title.clone(),
                basis: before.basis.clone(),
                deadline: before.deadline.text.clone(),
                executors: before.executors.clone(),
                expected_result: before.expected_result.clone(),
                result_indicators: before.result_indicators.clone(),
                information_source: before.information_source.clone(),
            };
            let mut errors = Vec::new();
            for (slot, value) in [
                (&mut text.number, patch.number),
                (&mut text.shortcoming, patch.shortcoming),
                (&mut text.basis, patch.basis),
                (&mut text.expected_result, patch.expected_result),
                (&mut text.result_indicators, patch.result_indicators),
                (&mut text.information_source, patch.information_source),
            ] {
                if let Some(value) = value {
                    *slot = value;
                }
            }
            patch_required(&mut text.title, patch.title, "title", &mut errors);
            patch_required(&mut text.deadline, patch.deadline, "deadline", &mut errors);
            patch_required(
                &mut text.executors,
                patch.executors,
                "executors",
                &mut errors,
            );
            let mut status = before.status;
            patch_required(&mut status, patch.status, "status", &mut errors);
            errors.extend(rules::check_measure(&mut text, ""));
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            let plan_status = plan.status()?;
            let link = (current.evaluation_id, current.indicator.clone());
            let values = measure_values(
                plan_id,
                current.section_id,
                current.position,
                text,
                link,
                status,
            )?;
            let content_changed = MeasureValues {
                status: current.status.clone(),
                ..values.clone()
            } != current.values();
            if content_changed && !plan_status.editable() {
                return Err(conflict_in(
                    plan_status,
                    "a measure's content changes only while the plan is a draft",
                ));
            }
            if status != before.status && !plan_status.in_force() {
                return Err(conflict_in(
                    plan_status,
                    "a measure's status moves once the plan is approved and until it is closed",
                ));
            }
            if values == current.values() {
                return Ok((current, before));
            }
            let row = store::update_measure(conn, &current, &values)?;
            store::touch(conn, plan_id)?;
            let after = measure_of(&row, today(), plan.year)?;
            audit::record(
                conn,
                &Actor::of(caller.principal(), &request_id.0),
                Change::of("measure.update", "measure", id, Some(&before), Some(&after))?,
            )?;
            feed_plan(conn, plan_id)?;
            Ok((row, after))
        })
        .await?;
    Ok(conditional::updated(row.version, &after))
}

#[utoipa::path(
    operation_id = "delete_measure",
    summary = "Delete a measure of a draft plan",
    tag = "plans",
    params(("id" = i64, Path, description = "Plan id"), ("measure_id" = i64, Path, description = "Measure id"),
           ("If-Match" = String, Header, description = "ETag from the GET this deletion is based on")),
    responses(
        (status = 204, description = "Deleted from the draft; the audit log keeps it"),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 428, response = PreconditionRequired),
    ),
)]
#[delete("/plans/{id}/measures/{measure_id}")]
async fn delete_measure(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (plan_id, id) = path.into_inner();
    db.transaction(move |conn| {
        store::lock(conn, plan_id)?;
        let plan = authorized(conn, plan_id, &caller, &policy::MEASURE_DELETE)?;
        let current = store::find_measure(conn, plan_id, id)?;
        if_match.require(&etag(current.version))?;
        let status = plan.status()?;
        if !status.editable() {
            return Err(conflict_in(
                status,
                "measures are removed only from a draft",
            ));
        }
        let before = measure_of(&current, today(), plan.year)?;
        store::delete_measure(conn, &current)?;
        store::touch(conn, plan_id)?;
        audit::record(
            conn,
            &Actor::of(caller.principal(), &request_id.0),
            Change::of(
                "measure.delete",
                "measure",
                id,
                Some(&before),
                None::<&Measure>,
            )?,
        )?;
        feed_plan(conn, plan_id)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
