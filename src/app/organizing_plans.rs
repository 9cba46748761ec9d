//! The region's plan for organizing the assessment (seed 002): recorded as JSON or imported
//! from its table (XLSX or CSV, with a dry run), its targets compared with what the service
//! knows happened, its measures' status, exported in the same table.
//!
//! Such plans are approved by an order and published: anyone reads them. The computed actuals
//! count the cycles the caller may see, as the region summary does.

use std::collections::BTreeSet;

use chrono::Datelike;
use rust_decimal::Decimal;

use super::plans::today;
use super::{Context, IfMatch};
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::audit::{self, Change};
use crate::db::changes::Exposure;
use crate::db::cycles::{self as cycle_store, Counted};
use crate::db::organizing_plans::{
    self as store, MeasureRow, MeasureValues, OrganizingPlanRow, PlanValues, TargetRow,
    TargetValues,
};
use crate::db::{organizations, regions, DbConnection};
use crate::domain::organizing::{self as rules, ComputedFrom, YearValue};
use crate::domain::plan::MeasureStatus;
use crate::domain::plan_form::{RowProblem, RowWarning};
use crate::domain::{deadline, paging, rating, sheet};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::export::{workbook_error, Cell, Download, FileFormat, FileName, Preamble, Sheet};
use crate::views::organizing_plans::{
    NewOrganizingMeasure, NewOrganizingPlan, NewTarget, OrganizingImportResult, OrganizingMeasure,
    OrganizingMeasurePatch, OrganizingPlan, OrganizingTarget, TargetYear, TargetYearValues,
};
use crate::views::{timestamp, Page};

/// Public documents of their region: the feed carries them to everyone.
fn exposure(row: &OrganizingPlanRow) -> Exposure {
    Exposure {
        region_id: Some(row.region_id),
        organization_id: None,
        public: true,
    }
}

/// Which cycles count for `caller`: those past their draft for the region's insiders (who see
/// the region summary's unpublished figures), published ones for everyone else.
fn counted_for(caller: &Caller, region_id: i64) -> Counted {
    if policy::sees_unpublished(caller, &policy::REGION_SUMMARY, &Target::region(region_id)) {
        Counted::Started
    } else {
        Counted::Published
    }
}

/// Council meetings on the assessment held in the region in `year`.
fn meetings_held(conn: &mut DbConnection, region_id: i64, year: i32) -> ApiResult<u64> {
    let held = crate::db::council_meetings::count_held(conn, region_id, year)?;
    Ok(u64::try_from(held).unwrap_or(0))
}

/// The service's own figure of `year`; none where it has no data of the year (no cycle
/// assessed anyone, no meeting was held).
fn computed(
    conn: &mut DbConnection,
    region_id: i64,
    from: ComputedFrom,
    year: i32,
    counted: Counted,
) -> ApiResult<Option<Decimal>> {
    match from {
        ComputedFrom::AssessedShare => {
            let assessed = cycle_store::assessed_in(conn, region_id, year..=year, counted)?;
            if assessed.is_empty() {
                return Ok(None);
            }
            let active = organizations::count_active(conn, region_id)?;
            Ok(rating::percent(assessed.len() as u64, active))
        }
        ComputedFrom::CouncilMeetings => {
            let held = meetings_held(conn, region_id, year)?;
            Ok((held > 0).then(|| Decimal::from(held)))
        }
    }
}

fn stored_values(row: &TargetRow) -> ApiResult<Vec<YearValue>> {
    serde_json::from_str(&row.values_json).map_err(|e| {
        ApiError::internal(format!(
            "organizing target {}: stored values unreadable: {e}",
            row.id
        ))
    })
}

fn target_of(
    conn: &mut DbConnection,
    plan: &OrganizingPlanRow,
    row: &TargetRow,
    counted: Counted,
) -> ApiResult<OrganizingTarget> {
    let values = stored_values(row)?;
    let computed_from = row.computed_from.as_deref().and_then(ComputedFrom::parse);
    let years: BTreeSet<i32> = (plan.year_from..=plan.year_to)
        .chain(values.iter().map(|v| v.year))
        .collect();
    let mut shown = Vec::new();
    for year in years {
        let value = values.iter().find(|v| v.year == year);
        let planned = value.and_then(|v| v.planned);
        let entered = value.and_then(|v| v.actual);
        let own = match computed_from {
            Some(from) => computed(conn, plan.region_id, from, year, counted)?,
            None => None,
        };
        let (actual, source) = rules::actual(own, entered);
        shown.push(TargetYear {
            year,
            planned,
            actual,
            source,
            met: rules::met(planned, actual),
            computed: own,
            entered,
        });
    }
    Ok(OrganizingTarget {
        id: row.id,
        position: row.position,
        number: row.number.clone(),
        name: row.name.clone(),
        computed_from,
        years: shown,
    })
}

fn measure_of(plan: &OrganizingPlanRow, row: &MeasureRow) -> ApiResult<OrganizingMeasure> {
    let deadline: deadline::Deadline = serde_json::from_str(&row.deadline_json).map_err(|e| {
        ApiError::internal(format!(
            "organizing measure {}: stored deadline unreadable: {e}",
            row.id
        ))
    })?;
    let status = MeasureStatus::parse(&row.status).ok_or_else(|| {
        ApiError::internal(format!(
            "organizing measure {} has status {}",
            row.id, row.status
        ))
    })?;
    let today = today();
    // Deadlines without a year («до 31 марта») fall in the plan's year that is current.
    let year = today.year().clamp(plan.year_from, plan.year_to);
    Ok(OrganizingMeasure {
        id: row.id,
        position: row.position,
        number: row.number.clone(),
        parent_number: row.number.as_deref().and_then(rules::parent_number),
        title: row.title.clone(),
        form: row.form.clone(),
        next_due: deadline.next_due(today, Some(year)),
        overdue: crate::domain::plan::overdue(status, &deadline, today, year),
        deadline,
        executors: row.executors.clone(),
        status,
    })
}

/// The plan as `counted` cycles show its actuals.
fn load(
    conn: &mut DbConnection,
    row: &OrganizingPlanRow,
    counted: Counted,
) -> ApiResult<OrganizingPlan> {
    let targets = store::targets(conn, row.id)?
        .iter()
        .map(|t| target_of(conn, row, t, counted))
        .collect::<ApiResult<Vec<_>>>()?;
    let measures = store::measures(conn, row.id)?
        .iter()
        .map(|m| measure_of(row, m))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(OrganizingPlan {
        id: row.id,
        region_id: row.region_id,
        year_from: row.year_from,
        year_to: row.year_to,
        title: row.title.clone(),
        order_number: row.order_number.clone(),
        order_date: row.order_date,
        actuals_basis: match counted {
            Counted::Started => "started",
            Counted::Published => "published",
        }
        .into(),
        targets,
        measures,
        created_at: timestamp(row.created_at),
        updated_at: timestamp(row.updated_at),
    })
}

/// Records a write: the audit event, and the feed change (with the plan as everyone sees it,
/// so that the feed carries no unpublished figure).
fn record(
    conn: &mut DbConnection,
    ctx: &Context,
    action: &str,
    before: Option<&OrganizingPlan>,
    row: &OrganizingPlanRow,
) -> ApiResult<()> {
    let after = load(conn, row, Counted::Published)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of(action, "organizing_plan", row.id, before, Some(&after))?
            .exposed(exposure(row), exposure(row)),
    )
}

/// The region's plans in id order, a page after `after`.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    region_id: i64,
    after: i64,
    limit: i64,
    total: bool,
) -> ApiResult<Page<OrganizingPlan>> {
    policy::authorize(
        caller,
        &policy::ORGANIZING_PLAN_LIST,
        &Target::region(region_id),
    )?;
    regions::find(conn, region_id)?;
    let counted = counted_for(caller, region_id);
    let rows = store::list(conn, region_id, after, limit)?;
    let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
    let items = rows
        .iter()
        .map(|r| load(conn, r, counted))
        .collect::<ApiResult<Vec<_>>>()?;
    let total = total.then(|| store::count(conn, region_id)).transpose()?;
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

pub fn read(conn: &mut DbConnection, caller: &Caller, id: i64) -> ApiResult<(i64, OrganizingPlan)> {
    let row = store::find(conn, id)?;
    policy::authorize(
        caller,
        &policy::ORGANIZING_PLAN_READ,
        &Target::region(row.region_id),
    )?;
    let plan = load(conn, &row, counted_for(caller, row.region_id))?;
    Ok((row.version, plan))
}

/// A plan checked and ready to store; errors name the request's fields.
struct Checked {
    values: PlanValues,
    targets: Vec<TargetValues>,
    measures: Vec<MeasureValues>,
}

fn target_values(at: &str, mut target: NewTarget, errors: &mut Vec<FieldError>) -> TargetValues {
    let computed_from = target
        .computed_from
        .unwrap_or_else(|| ComputedFrom::recognise(&target.name));
    errors.extend(rules::check_target(
        at,
        &mut target.name,
        computed_from,
        &target.values,
    ));
    let mut values = target.values;
    values.sort_by_key(|v| v.year);
    TargetValues {
        number: target.number.map(|n| rules::measure_number(&n)),
        name: target.name,
        computed_from: computed_from.map(ComputedFrom::as_str),
        values_json: serde_json::to_string(&values).unwrap_or_else(|_| "[]".into()),
    }
}

fn measure_values(
    at: &str,
    mut measure: NewOrganizingMeasure,
    errors: &mut Vec<FieldError>,
) -> MeasureValues {
    errors.extend(rules::check_measure(
        at,
        &mut measure.title,
        &mut measure.form,
        &mut measure.deadline,
        &mut measure.executors,
    ));
    let parsed = deadline::parse(&measure.deadline);
    MeasureValues {
        number: measure.number.map(|n| rules::measure_number(&n)),
        title: measure.title,
        form: measure.form,
        deadline_json: serde_json::to_string(&parsed).unwrap_or_else(|_| "{}".into()),
        deadline_text: measure.deadline,
        executors: measure.executors,
        status: measure.status.unwrap_or(MeasureStatus::Planned).as_str(),
    }
}

fn check(region_id: i64, mut new: NewOrganizingPlan) -> ApiResult<Checked> {
    let mut errors = rules::check_plan(
        new.year_from,
        new.year_to,
        &mut new.title,
        new.order_number.as_mut(),
    );
    let targets = new
        .targets
        .into_iter()
        .enumerate()
        .map(|(i, t)| target_values(&format!("targets[{i}]"), t, &mut errors))
        .collect();
    let measures = new
        .measures
        .into_iter()
        .enumerate()
        .map(|(i, m)| measure_values(&format!("measures[{i}]"), m, &mut errors))
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(Checked {
        values: PlanValues {
            region_id,
            year_from: new.year_from,
            year_to: new.year_to,
            title: new.title,
            order_number: new.order_number,
            order_date: new.order_date,
        },
        targets,
        measures,
    })
}

fn insert(
    conn: &mut DbConnection,
    ctx: &Context,
    region_id: i64,
    new: NewOrganizingPlan,
    action: &str,
) -> ApiResult<(i64, OrganizingPlan)> {
    regions::find(conn, region_id).map_err(|e| match e {
        ApiError::NotFound => ApiError::NotFound,
        other => other,
    })?;
    let checked = check(region_id, new)?;
    let row = store::insert(conn, &checked.values, &checked.targets, &checked.measures)?;
    record(conn, ctx, action, None, &row)?;
    let plan = load(conn, &row, counted_for(&ctx.caller, region_id))?;
    Ok((row.version, plan))
}

pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    region_id: i64,
    new: NewOrganizingPlan,
) -> ApiResult<(i64, OrganizingPlan)> {
    policy::authorize(
        &ctx.caller,
        &policy::ORGANIZING_PLAN_CREATE,
        &Target::region(region_id),
    )?;
    insert(conn, ctx, region_id, new, "organizing_plan.created")
}

/// The plan and the caller's right to change it under `rule`.
fn writable(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i64,
    rule: &policy::Rule,
    if_match: &IfMatch,
) -> ApiResult<OrganizingPlanRow> {
    let row = store::find(conn, id)?;
    policy::authorize(caller, rule, &Target::region(row.region_id))?;
    if_match.require_version(row.version)?;
    Ok(row)
}

/// Sets the planned and entered actual values of one year of a target.
pub fn set_target_year(
    conn: &mut DbConnection,
    ctx: &Context,
    (id, target_id, year): (i64, i64, i32),
    if_match: &IfMatch,
    body: TargetYearValues,
) -> ApiResult<(i64, OrganizingPlan)> {
    let current = writable(
        conn,
        &ctx.caller,
        id,
        &policy::ORGANIZING_TARGET_YEAR,
        if_match,
    )?;
    let target = store::find_target(conn, id, target_id)?;
    let computed_from = target
        .computed_from
        .as_deref()
        .and_then(ComputedFrom::parse);
    let mut errors = Vec::new();
    if !rules::YEARS.contains(&year) {
        errors.push(FieldError::new(
            "year",
            "out_of_range",
            format!(
                "must be within {}–{}",
                rules::YEARS.start(),
                rules::YEARS.end()
            ),
        ));
    }
    for (field, figure) in [("planned", body.planned), ("actual", body.actual)] {
        errors.extend(rules::check_figure(field, figure, computed_from));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let before = load(conn, &current, Counted::Published)?;
    let mut values = stored_values(&target)?;
    values.retain(|v| v.year != year);
    if body.planned.is_some() || body.actual.is_some() {
        values.push(YearValue {
            year,
            planned: body.planned,
            actual: body.actual,
        });
    }
    values.sort_by_key(|v| v.year);
    let json = serde_json::to_string(&values).map_err(ApiError::internal)?;
    store::set_target_values(conn, target.id, &json)?;
    let row = store::touch(conn, &current)?;
    record(
        conn,
        ctx,
        "organizing_plan.target_updated",
        Some(&before),
        &row,
    )?;
    let plan = load(conn, &row, counted_for(&ctx.caller, row.region_id))?;
    Ok((row.version, plan))
}

/// Changes a measure's status, form, deadline or executors (a JSON merge patch).
pub fn update_measure(
    conn: &mut DbConnection,
    ctx: &Context,
    (id, measure_id): (i64, i64),
    if_match: &IfMatch,
    patch: OrganizingMeasurePatch,
) -> ApiResult<(i64, OrganizingPlan)> {
    let current = writable(
        conn,
        &ctx.caller,
        id,
        &policy::ORGANIZING_MEASURE_UPDATE,
        if_match,
    )?;
    let measure = store::find_measure(conn, id, measure_id)?;
    let status = MeasureStatus::parse(&measure.status)
        .ok_or_else(|| ApiError::internal(format!("measure {measure_id}: unknown status")))?;
    let mut errors = Vec::new();
    let status = match patch.status {
        None => status,
        Some(Some(status)) => status,
        Some(None) => {
            errors.push(FieldError::new("status", "required", "must not be null"));
            status
        }
    };
    let mut values = measure.values(status.as_str());
    if let Some(form) = patch.form {
        values.form = form;
    }
    if let Some(executors) = patch.executors {
        values.executors = executors;
    }
    match patch.deadline {
        None => {}
        Some(None) => errors.push(FieldError::new("deadline", "required", "must not be null")),
        Some(Some(text)) => values.deadline_text = text,
    }
    errors.extend(rules::check_measure(
        "",
        &mut values.title,
        &mut values.form,
        &mut values.deadline_text,
        &mut values.executors,
    ));
    if !errors.is_empty() {
        // The measure's own fields are named without a path.
        for e in &mut errors {
            e.field = e.field.trim_start_matches('.').to_owned();
        }
        return Err(ApiError::Validation(errors));
    }
    values.deadline_json = serde_json::to_string(&deadline::parse(&values.deadline_text))
        .map_err(ApiError::internal)?;
    if values == measure.values(values.status) && values.status == measure.status {
        let plan = load(conn, &current, counted_for(&ctx.caller, current.region_id))?;
        return Ok((current.version, plan));
    }
    let before = load(conn, &current, Counted::Published)?;
    store::update_measure(conn, measure.id, &values)?;
    let row = store::touch(conn, &current)?;
    record(
        conn,
        ctx,
        "organizing_plan.measure_updated",
        Some(&before),
        &row,
    )?;
    let plan = load(conn, &row, counted_for(&ctx.caller, row.region_id))?;
    Ok((row.version, plan))
}

// ---------------------------------------------------------------------------------------------
// Import and export of the table.

/// Where an imported plan belongs and what the file may not say.
#[derive(Debug, Clone)]
pub struct ImportForm {
    /// Read and check everything, store nothing (the caller rolls the work back).
    pub dry_run: bool,
    pub region_id: i64,
    /// Override what the file's title and order lines say (or supply what they do not).
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub order_number: Option<String>,
    pub order_date: Option<chrono::NaiveDate>,
}

/// Who may not create the plan is refused before the file is read.
pub fn authorize_import(conn: &mut DbConnection, caller: &Caller, region_id: i64) -> ApiResult<()> {
    policy::authorize(
        caller,
        &policy::ORGANIZING_PLAN_IMPORT,
        &Target::region(region_id),
    )?;
    regions::find(conn, region_id)?;
    Ok(())
}

/// A plan as read from a file, before it is stored, with the sheet row of each target and
/// measure.
pub struct ReadPlan {
    new: NewOrganizingPlan,
    target_rows: Vec<usize>,
    measure_rows: Vec<usize>,
    warnings: Vec<RowWarning>,
}

fn row_error(problem: &RowProblem, code: &str) -> FieldError {
    let field = match (problem.row, &problem.column) {
        (0, None) => "file".to_owned(),
        (0, Some(c)) => format!("file.{c}"),
        (r, None) => format!("rows[{r}]"),
        (r, Some(c)) => format!("rows[{r}].{c}"),
    };
    FieldError::new(field, code, &problem.message)
}

/// Reads the plan from the file; errors name the sheet's rows. Pure: no transaction waits on
/// the parsing of a file.
pub fn read_file(form: &ImportForm, file: &[u8]) -> ApiResult<ReadPlan> {
    let rows = sheet::rows_from_file(file).map_err(|e| {
        let problem = RowProblem {
            row: e.row.unwrap_or(0),
            column: e.column.map(|c| format!("cells[{c}]")),
            message: e.message.clone(),
        };
        let code = if e.column.is_some() {
            "format"
        } else {
            "unreadable"
        };
        ApiError::Validation(vec![row_error(&problem, code)])
    })?;
    let table = rules::read_table(&rows).map_err(|problems| {
        ApiError::Validation(problems.iter().map(|p| row_error(p, "form")).collect())
    })?;
    let planned_years = table.targets.iter().flat_map(|t| {
        t.values
            .iter()
            .filter(|v| v.planned.is_some())
            .map(|v| v.year)
    });
    let (first, last) =
        planned_years.fold((None, None), |(lo, hi): (Option<i32>, Option<i32>), y| {
            (
                Some(lo.map_or(y, |l| l.min(y))),
                Some(hi.map_or(y, |h| h.max(y))),
            )
        });
    let year_from = form.year_from.or(table.years.map(|y| y.0)).or(first);
    let year_to = form.year_to.or(table.years.map(|y| y.1)).or(last);
    let (Some(year_from), Some(year_to)) = (year_from, year_to) else {
        return Err(ApiError::validation(
            "year_from",
            "required",
            "the file names no years («на 2016-2018 годы» in the title, or planned year columns): give ?year_from= and ?year_to=",
        ));
    };
    let mut warnings = table.warnings;
    for m in &table.measures {
        for warning in deadline::parse(&m.deadline).warnings {
            warnings.push(RowWarning {
                row: m.row,
                column: Some("deadline".into()),
                message: format!("kept as written: {warning}"),
            });
        }
    }
    let title = table.title.unwrap_or_else(|| {
        format!("План мероприятий по организации и проведению независимой оценки качества на {year_from}-{year_to} годы")
    });
    let new = NewOrganizingPlan {
        year_from,
        year_to,
        title,
        order_number: form.order_number.clone().or(table.order_number),
        order_date: form.order_date.or(table.order_date),
        targets: table
            .targets
            .iter()
            .map(|t| NewTarget {
                number: t.number.clone(),
                name: t.name.clone(),
                computed_from: None,
                values: t.values.clone(),
            })
            .collect(),
        measures: table
            .measures
            .iter()
            .map(|m| NewOrganizingMeasure {
                number: m.number.clone(),
                title: m.title.clone(),
                form: m.form.clone(),
                deadline: m.deadline.clone(),
                executors: m.executors.clone(),
                status: m.status,
            })
            .collect(),
    };
    Ok(ReadPlan {
        new,
        target_rows: table.targets.iter().map(|t| t.row).collect(),
        measure_rows: table.measures.iter().map(|m| m.row).collect(),
        warnings,
    })
}

/// `targets[i].x` / `measures[j].x` → `rows[R].x`: errors of an import name the sheet's rows.
fn to_rows(errors: Vec<FieldError>, targets: &[usize], measures: &[usize]) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            for (prefix, rows) in [("targets[", targets), ("measures[", measures)] {
                let parsed = e.field.strip_prefix(prefix).and_then(|rest| {
                    let (i, rest) = rest.split_once("].")?;
                    Some((i.parse::<usize>().ok()?, rest.to_owned()))
                });
                if let Some((i, rest)) = parsed {
                    if let Some(row) = rows.get(i) {
                        e.field = format!("rows[{row}].{rest}");
                    }
                }
            }
            e
        })
        .collect()
}

/// Creates the plan read from a file; errors name the sheet's rows.
pub fn import(
    conn: &mut DbConnection,
    ctx: &Context,
    form: &ImportForm,
    read: ReadPlan,
) -> ApiResult<OrganizingImportResult> {
    let ReadPlan {
        new,
        target_rows,
        measure_rows,
        warnings,
    } = read;
    policy::authorize(
        &ctx.caller,
        &policy::ORGANIZING_PLAN_IMPORT,
        &Target::region(form.region_id),
    )?;
    let (_, plan) = insert(conn, ctx, form.region_id, new, "organizing_plan.imported").map_err(
        |e| match e {
            ApiError::Validation(errors) => {
                ApiError::Validation(to_rows(errors, &target_rows, &measure_rows))
            }
            other => other,
        },
    )?;
    Ok(OrganizingImportResult {
        dry_run: form.dry_run,
        plan,
        warnings,
    })
}

/// The year columns of the targets table: a planned column for each year with a plan, a
/// reported one («(отчет)») for each year with an actual value.
fn year_columns(plan: &OrganizingPlan) -> Vec<(i32, bool)> {
    let mut columns = BTreeSet::new();
    for year in plan.targets.iter().flat_map(|t| t.years.iter()) {
        if year.actual.is_some() {
            columns.insert((year.year, true));
        }
        if year.planned.is_some() {
            columns.insert((year.year, false));
        }
    }
    // A reported year leads its planned one, as «2015 г. (отчет)» leads «2016 г.».
    let mut columns: Vec<(i32, bool)> = columns.into_iter().collect();
    columns.sort_by_key(|(year, reported)| (*year, !*reported));
    columns
}

/// The plan in the table of seed 002: the order and the title above, «I. Целевые показатели»
/// with planned and reported year columns (the actuals as the caller sees them), «II. План
/// мероприятий» with form, deadline, executors and status.
fn plan_sheet(plan: &OrganizingPlan) -> Sheet {
    let columns = year_columns(plan);
    let mut headings = vec!["№".to_owned(), rules::TARGET_NAME_HEADING.to_owned()];
    headings.extend(columns.iter().map(|(year, reported)| {
        if *reported {
            format!("{year} г. ({})", rules::REPORTED)
        } else {
            format!("{year} г.")
        }
    }));
    let text = |t: &Option<String>| t.clone().map_or(Cell::Empty, Cell::Text);
    let mut rows = Vec::new();
    for target in &plan.targets {
        let mut row = vec![text(&target.number), Cell::Text(target.name.clone())];
        for (year, reported) in &columns {
            let shown = target.years.iter().find(|y| y.year == *year);
            let value = shown.and_then(|y| if *reported { y.actual } else { y.planned });
            row.push(Cell::from(value));
        }
        rows.push(row);
    }
    rows.push(Vec::new());
    rows.push(vec![Cell::Text("II. План мероприятий".into())]);
    let mut measure_headings = vec![Cell::Text("№".into())];
    measure_headings.extend(
        rules::MEASURE_HEADINGS
            .iter()
            .chain([&rules::STATUS_HEADING])
            .map(|h| Cell::Text((*h).to_owned())),
    );
    rows.push(measure_headings);
    for m in &plan.measures {
        rows.push(vec![
            text(&m.number),
            Cell::Text(m.title.clone()),
            text(&m.form),
            Cell::Text(m.deadline.text.clone()),
            text(&m.executors),
            Cell::Text(rules::status_label(m.status).to_owned()),
        ]);
    }
    let mut approval = Vec::new();
    if let Some(number) = &plan.order_number {
        approval.push("Приложение к приказу".to_owned());
        if let Some(date) = plan.order_date {
            approval.push(format!("от {}", date.format("%d.%m.%Y")));
        }
        approval.push(format!("№ {number}"));
    }
    let preamble = Preamble::form(
        approval,
        vec![plan.title.clone(), "I. Целевые показатели".to_owned()],
    );
    Sheet {
        name: "План мероприятий".into(),
        preamble,
        headings,
        rows,
    }
}

/// The plan as a file, named `План_организации_НОК_<region code>_<years>`.
pub fn export(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i64,
    format: FileFormat,
) -> ApiResult<Download> {
    let row = store::find(conn, id)?;
    policy::authorize(
        caller,
        &policy::ORGANIZING_PLAN_EXPORT,
        &Target::region(row.region_id),
    )?;
    let plan = load(conn, &row, counted_for(caller, row.region_id))?;
    let region = regions::find(conn, row.region_id)?;
    let years = format!("{}-{}", row.year_from, row.year_to);
    let name = FileName::new(
        &["План_организации_НОК", &region.code, &years],
        format!("organizing-plan-{id}-{years}"),
    );
    let bytes = format
        .render(&[plan_sheet(&plan)], "Лист")
        .map_err(workbook_error)?;
    Ok(Download { name, bytes })
}
