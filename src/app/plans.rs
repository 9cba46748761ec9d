//! Improvement plans: who sees and changes them, their header and measures, and the status
//! machine (draft → submitted → approved → published → closed) with what each step needs.

use chrono::{NaiveDate, Utc};

use super::{etag, visibility, Context, IfMatch, Step};
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::audit::{self, Change};
use crate::db::changes::{self, Action, FeedChange};
use crate::db::plans::{self as store, MeasureValues, PlanFilter, PlanRow, PlanValues, SectionRow};
use crate::db::{organizations, regions, DbConnection};
use crate::domain::deadline;
use crate::domain::methodology::{self, Methodology};
use crate::domain::paging;
use crate::domain::plan::{
    self as rules, ApprovalDecision, MeasureStatus, MeasureText, PlanStatus,
};
use crate::domain::plan_form::ApprovalBlock;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::views::plans::{
    measure_of, plan_of, set_approval, set_decision, summary_of, Measure, MeasurePatch, NewPlan,
    NewPlanMeasure, NewSection, Plan, PlanPatch, PlanSummary,
};
use crate::views::Page;

/// The plan with its sections and measures, as every answer and audit event shows it.
pub fn load(conn: &mut DbConnection, row: &PlanRow, as_of: NaiveDate) -> ApiResult<Plan> {
    let sections = store::sections(conn, row.id)?;
    let measures = store::measures_of(conn, row.id)?;
    plan_of(row, sections, &measures, as_of)
}

/// A measure changed: the plan, which shows its measures, goes to the feed as it now stands.
fn feed_plan(conn: &mut DbConnection, plan_id: i64) -> ApiResult<()> {
    let row = store::find(conn, plan_id)?;
    let plan = load(conn, &row, today())?;
    let exposure = visibility::plan_exposure(&row)?;
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

/// The day writes show derived figures for.
pub fn today() -> NaiveDate {
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

fn conflict_in(status: PlanStatus, what: &str) -> ApiError {
    ApiError::Conflict(format!("The plan is {}: {what}", status.as_str()))
}

/// Column values of a measure from its checked text.
fn measure_values(
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
    (approval, decision): (Option<&mut ApprovalBlock>, Option<&mut ApprovalDecision>),
    errors: &mut Vec<FieldError>,
) {
    errors.extend(rules::check_header(year, title, basis, approval, decision));
}

/// Writes sections and their measures for a new plan; every field error names its path.
fn write_sections(
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
        errors.extend(rules::check_heading(&mut heading, &prefix));
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

/// The cycle a new plan names must assess its organization (or, region-wide, its region).
fn check_cycle(
    conn: &mut DbConnection,
    new: &NewPlan,
    region_id: i64,
    errors: &mut Vec<FieldError>,
) -> ApiResult<()> {
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
    Ok(())
}

/// Creates a draft plan with its sections, audited; its version and the plan.
pub fn create(conn: &mut DbConnection, ctx: &Context, mut new: NewPlan) -> ApiResult<(i64, Plan)> {
    let region_id = scope_of(conn, new.region_id, new.organization_id)?;
    let target = match new.organization_id {
        Some(org) => Target::organization(region_id, org),
        None => Target::region(region_id),
    };
    policy::authorize(&ctx.caller, &policy::PLAN_CREATE, &target)?;
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
        (new.approval.as_mut(), new.approval_decision.as_mut()),
        &mut errors,
    );
    check_cycle(conn, &new, region_id, &mut errors)?;
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
        decision_number: None,
        decision_date: None,
        decision_title: None,
    };
    set_approval(&mut values, new.approval.as_ref());
    set_decision(&mut values, new.approval_decision.as_ref());
    let row = store::insert(conn, &values)?;
    write_sections(conn, &row, methodology, new.sections)?;
    let plan = load(conn, &row, today())?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of("plan.created", "plan", row.id, None, Some(&plan))?.exposed(
            visibility::plan_exposure(&row)?,
            visibility::plan_exposure(&row)?,
        ),
    )?;
    Ok((row.version, plan))
}

/// A page of plans as the list asks for it.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub filter: PlanFilter,
    pub after_id: i64,
    pub limit: i64,
    /// The day completion is computed for.
    pub as_of: NaiveDate,
    /// The caller asked for the number of matches across all pages (`total=true`).
    pub total: bool,
}

/// The plans `caller` may see, with their completion, without the measures.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    listing: Listing,
) -> ApiResult<Page<PlanSummary>> {
    let visibility = policy::visibility(caller, &policy::PLAN_LIST);
    let Listing {
        filter,
        after_id,
        limit,
        as_of,
        total,
    } = listing;
    let rows = store::list(conn, &filter, visibility, after_id, limit)?;
    let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let measures = store::measures_of_plans(conn, &ids)?;
    let items = rows
        .iter()
        .map(|r| summary_of(r, &measures, as_of))
        .collect::<ApiResult<_>>()?;
    let total = total
        .then(|| store::count(conn, &filter, visibility))
        .transpose()?;
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

/// The plan on `as_of`, with its version.
pub fn read(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i64,
    as_of: NaiveDate,
) -> ApiResult<(i64, Plan)> {
    let row = visibility::authorized_plan(conn, id, caller, &policy::PLAN_READ)?;
    Ok((row.version, load(conn, &row, as_of)?))
}

/// Changes the header of a draft plan; a patch that changes nothing answers the plan as it is.
pub fn update(
    conn: &mut DbConnection,
    ctx: &Context,
    id: i64,
    if_match: &IfMatch,
    patch: PlanPatch,
) -> ApiResult<(i64, Plan)> {
    store::lock(conn, id)?;
    let current = visibility::authorized_plan(conn, id, &ctx.caller, &policy::PLAN_UPDATE)?;
    if_match.require_version(current.version)?;
    let before = load(conn, &current, today())?;
    let status = current.status()?;
    let mut values = current.values();
    let mut approval = before.approval.clone();
    let mut decision = before.approval_decision.clone();
    let mut errors = patch.apply(&mut values, (&mut approval, &mut decision));
    check_header(
        values.year,
        &mut values.title,
        &mut values.basis,
        (approval.as_mut(), decision.as_mut()),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    set_approval(&mut values, approval.as_ref());
    set_decision(&mut values, decision.as_ref());
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
        &ctx.actor(),
        Change::of("plan.updated", "plan", id, Some(&before), Some(&after))?.exposed(
            visibility::plan_exposure(&current)?,
            visibility::plan_exposure(&row)?,
        ),
    )?;
    Ok((row.version, after))
}

/// A step of the plan's machine; `prepare` sees the plan as it stands before the step.
pub type PlanStep = Step<PlanStatus, fn(&Plan) -> ApiResult<()>>;

pub const SUBMIT: PlanStep = Step {
    rule: &policy::PLAN_SUBMIT,
    to: PlanStatus::Submitted,
    action: "plan.submitted",
    prepare: has_measures,
};

pub const RETURN: PlanStep = Step {
    rule: &policy::PLAN_RETURN,
    to: PlanStatus::Draft,
    action: "plan.returned",
    prepare: |_| Ok(()),
};

pub const APPROVE: PlanStep = Step {
    rule: &policy::PLAN_APPROVE,
    to: PlanStatus::Approved,
    action: "plan.approved",
    prepare: has_approval_block,
};

pub const PUBLISH: PlanStep = Step {
    rule: &policy::PLAN_PUBLISH,
    to: PlanStatus::Published,
    action: "plan.published",
    prepare: |_| Ok(()),
};

pub const CLOSE: PlanStep = Step {
    rule: &policy::PLAN_CLOSE,
    to: PlanStatus::Closed,
    action: "plan.closed",
    prepare: |_| Ok(()),
};

fn has_measures(plan: &Plan) -> ApiResult<()> {
    if plan.completion.measures == 0 {
        return Err(conflict_in(
            plan.status,
            "a plan without measures cannot be submitted",
        ));
    }
    Ok(())
}

fn has_approval_block(plan: &Plan) -> ApiResult<()> {
    if plan.approval.is_none() && plan.approval_decision.is_none() {
        return Err(conflict_in(
            plan.status,
            "approval needs the «УТВЕРЖДАЮ» block (approval: position, full name, date) or the authority's decision (approval_decision: title, number, date); set one with PATCH before approving",
        ));
    }
    Ok(())
}

/// Moves the plan to `step.to` if the machine allows it (409 naming the status otherwise) and
/// `step.prepare` finds nothing missing.
pub fn step(
    conn: &mut DbConnection,
    ctx: &Context,
    id: i64,
    step: &PlanStep,
) -> ApiResult<(i64, Plan)> {
    store::lock(conn, id)?;
    let current = visibility::authorized_plan(conn, id, &ctx.caller, step.rule)?;
    step.check_move(current.status()?)?;
    let before = load(conn, &current, today())?;
    (step.prepare)(&before)?;
    let mut values = current.values();
    values.status = step.to.as_str().into();
    let row = store::update(conn, id, current.version, &values)?;
    let after = load(conn, &row, today())?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of(step.action, "plan", id, Some(&before), Some(&after))?.exposed(
            visibility::plan_exposure(&current)?,
            visibility::plan_exposure(&row)?,
        ),
    )?;
    // Publication makes the plan's accepted reports public.
    super::reports::feed_plan_reports(conn, &current, &row)?;
    Ok((row.version, after))
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

/// Adds a measure at the end of a section of a draft plan.
pub fn create_measure(
    conn: &mut DbConnection,
    ctx: &Context,
    plan_id: i64,
    new: NewPlanMeasure,
) -> ApiResult<(i64, Measure)> {
    store::lock(conn, plan_id)?;
    let plan = visibility::authorized_plan(conn, plan_id, &ctx.caller, &policy::MEASURE_CREATE)?;
    section_of(
        &store::sections(conn, plan_id)?,
        new.section_id,
        "section_id",
    )?;
    let mut text = new.measure.text();
    let mut errors = rules::check_measure(&mut text, "");
    let (evaluation_id, indicator) = (new.measure.evaluation_id, new.measure.indicator);
    let link = indicator.as_deref();
    check_link(conn, &plan, evaluation_id, link, "", &mut errors)?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let status = plan.status()?;
    if !status.editable() {
        return Err(conflict_in(status, "measures are added only to a draft"));
    }
    let position = store::next_position(conn, new.section_id)?;
    let values = measure_values(
        plan_id,
        new.section_id,
        position,
        text,
        (evaluation_id, indicator),
        MeasureStatus::Planned,
    )?;
    let row = store::insert_measure(conn, &values)?;
    store::touch(conn, plan_id)?;
    let measure = measure_of(&row, today(), plan.year)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of("measure.created", "measure", row.id, None, Some(&measure))?,
    )?;
    feed_plan(conn, plan_id)?;
    Ok((row.version, measure))
}

/// A measure on `as_of`, with its version.
pub fn read_measure(
    conn: &mut DbConnection,
    caller: &Caller,
    plan_id: i64,
    id: i64,
    as_of: NaiveDate,
) -> ApiResult<(i64, Measure)> {
    let plan = visibility::authorized_plan(conn, plan_id, caller, &policy::MEASURE_READ)?;
    let row = store::find_measure(conn, plan_id, id)?;
    Ok((row.version, measure_of(&row, as_of, plan.year)?))
}

/// Changes a measure: its content while the plan is a draft, its status while the plan is in
/// force. A patch that changes nothing answers the measure as it is.
pub fn update_measure(
    conn: &mut DbConnection,
    ctx: &Context,
    plan_id: i64,
    id: i64,
    if_match: &IfMatch,
    patch: MeasurePatch,
) -> ApiResult<(i64, Measure)> {
    store::lock(conn, plan_id)?;
    let plan = visibility::authorized_plan(conn, plan_id, &ctx.caller, &policy::MEASURE_UPDATE)?;
    let current = store::find_measure(conn, plan_id, id)?;
    if_match.require(&etag(current.version))?;
    let before = measure_of(&current, today(), plan.year)?;
    let (mut text, mut status) = (before.text(), before.status);
    let mut errors = patch.apply(&mut text, &mut status);
    errors.extend(rules::check_measure(&mut text, ""));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let link = (current.evaluation_id, current.indicator.clone());
    let (section_id, position) = (current.section_id, current.position);
    let values = measure_values(plan_id, section_id, position, text, link, status)?;
    check_measure_change(plan.status()?, &current.values(), &values)?;
    if values == current.values() {
        return Ok((current.version, before));
    }
    let row = store::update_measure(conn, &current, &values)?;
    store::touch(conn, plan_id)?;
    let after = measure_of(&row, today(), plan.year)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of(
            "measure.updated",
            "measure",
            id,
            Some(&before),
            Some(&after),
        )?,
    )?;
    feed_plan(conn, plan_id)?;
    Ok((row.version, after))
}

/// What of a measure may change in the plan's status: its content in a draft, its status
/// while the plan is in force.
fn check_measure_change(
    plan_status: PlanStatus,
    current: &MeasureValues,
    values: &MeasureValues,
) -> ApiResult<()> {
    let content_changed = MeasureValues {
        status: current.status.clone(),
        ..values.clone()
    } != *current;
    if content_changed && !plan_status.editable() {
        return Err(conflict_in(
            plan_status,
            "a measure's content changes only while the plan is a draft",
        ));
    }
    if values.status != current.status && !plan_status.in_force() {
        return Err(conflict_in(
            plan_status,
            "a measure's status moves once the plan is approved and until it is closed",
        ));
    }
    Ok(())
}

/// Deletes a measure of a draft plan; the audit log keeps it.
pub fn delete_measure(
    conn: &mut DbConnection,
    ctx: &Context,
    plan_id: i64,
    id: i64,
    if_match: &IfMatch,
) -> ApiResult<()> {
    store::lock(conn, plan_id)?;
    let plan = visibility::authorized_plan(conn, plan_id, &ctx.caller, &policy::MEASURE_DELETE)?;
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
    let change = Change::of(
        "measure.deleted",
        "measure",
        id,
        Some(&before),
        None::<&Measure>,
    )?;
    audit::record(conn, &ctx.actor(), change)?;
    feed_plan(conn, plan_id)?;
    Ok(())
}
