//! Reports on a plan's execution for a period: who sees them (outsiders: accepted reports of
//! public plans), what they say per measure, their machine (draft → submitted → accepted) and
//! their form.

use super::plan_forms::executors_text;
use super::plans::{self, today};
use super::{visibility, Context, IfMatch, Step};
use crate::auth::policy::{self, Rule};
use crate::auth::Caller;
use crate::db::audit::{self, Change};
use crate::db::changes::{self, Action, FeedChange};
use crate::db::plans::{self as plan_store, PlanRow};
use crate::db::reports::{self as store, ReportRow};
use crate::db::DbConnection;
use crate::domain::plan::{PlanStatus, ReportStatus};
use crate::error::{ApiError, ApiResult};
use crate::export::{workbook_error, Cell, Download, FileFormat, Preamble, Sheet};
use crate::views::plans::Measure;
use crate::views::reports::{report_of, EntryBody, NewReport, Report, ReportEntry};

fn load(conn: &mut DbConnection, plan: &PlanRow, row: &ReportRow) -> ApiResult<Report> {
    let measures = plan_store::measures_of(conn, plan.id)?;
    let entries = store::entries(conn, row.id)?;
    report_of(plan, row, &measures, &entries)
}

/// After the plan's status changed: its reports whose visibility changed go to the feed.
pub fn feed_plan_reports(
    conn: &mut DbConnection,
    before: &PlanRow,
    after: &PlanRow,
) -> ApiResult<()> {
    let mut fed = Vec::new();
    for row in store::list(conn, after.id, false)? {
        let (was, is) = (
            visibility::report_exposure(before, &row)?,
            visibility::report_exposure(after, &row)?,
        );
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
    let target = visibility::report_target(&plan, &report)?;
    visibility::check(caller, rule, &policy::PLAN_READ, &target)?;
    Ok((plan, report))
}

/// The plan's reports by period that `caller` sees.
pub fn list(conn: &mut DbConnection, caller: &Caller, plan_id: i64) -> ApiResult<Vec<Report>> {
    let plan = plan_store::find(conn, plan_id)?;
    let target = visibility::plan_target(&plan)?;
    visibility::check(caller, &policy::REPORT_LIST, &policy::PLAN_READ, &target)?;
    let insider = policy::sees_unpublished(caller, &policy::REPORT_LIST, &target);
    // The plan's measures once for all its reports, not once a report.
    let measures = plan_store::measures_of(conn, plan.id)?;
    store::list(conn, plan_id, !insider)?
        .iter()
        .map(|r| report_of(&plan, r, &measures, &store::entries(conn, r.id)?))
        .collect()
}

/// A draft report on an approved plan for a period, an empty entry per measure; its ETag and
/// the report.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    plan_id: i64,
    new: NewReport,
) -> ApiResult<(String, Report)> {
    let period = new.period;
    period.check()?;
    plan_store::lock(conn, plan_id)?;
    let plan = visibility::authorized_plan(conn, plan_id, &ctx.caller, &policy::REPORT_CREATE)?;
    let status = plan.status()?;
    if !(status.in_force() || status == PlanStatus::Closed) {
        return Err(ApiError::Conflict(format!(
            "The plan is {}: reports are made on approved plans",
            status.as_str()
        )));
    }
    let row = store::insert(conn, plan_id, period.kind, period.year, period.number)?;
    let report = load(conn, &plan, &row)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of("report.create", "report", row.id, None, Some(&report))?.exposed(
            visibility::report_exposure(&plan, &row)?,
            visibility::report_exposure(&plan, &row)?,
        ),
    )?;
    Ok((report_tag(&plan, &row), report))
}

/// The report with its ETag.
pub fn read(
    conn: &mut DbConnection,
    caller: &Caller,
    plan_id: i64,
    id: i64,
) -> ApiResult<(String, Report)> {
    let (plan, row) = authorized(conn, plan_id, id, caller, &policy::REPORT_READ)?;
    Ok((report_tag(&plan, &row), load(conn, &plan, &row)?))
}

/// Replaces what a draft report says of a measure.
pub fn put_entry(
    conn: &mut DbConnection,
    ctx: &Context,
    plan_id: i64,
    id: i64,
    measure_id: i64,
    if_match: &IfMatch,
    entry: EntryBody,
) -> ApiResult<(String, Report)> {
    let values = entry.checked()?;
    plan_store::lock(conn, plan_id)?;
    let (plan, current) = authorized(conn, plan_id, id, &ctx.caller, &policy::REPORT_ENTRY)?;
    if_match.require(&report_tag(&plan, &current))?;
    plan_store::find_measure(conn, plan_id, measure_id)?;
    if current.status()? != ReportStatus::Draft {
        return Err(ApiError::Conflict(format!(
            "The report is {}: only a draft report changes",
            current.status
        )));
    }
    let before = load(conn, &plan, &current)?;
    store::put_entry(conn, id, measure_id, &values)?;
    let row = store::bump(conn, &current, None)?;
    let after = load(conn, &plan, &row)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of("report.entry", "report", id, Some(&before), Some(&after))?.exposed(
            visibility::report_exposure(&plan, &current)?,
            visibility::report_exposure(&plan, &row)?,
        ),
    )?;
    Ok((report_tag(&plan, &row), after))
}

/// A step of the report's machine; `prepare` sees the report as it stands before the step.
pub type ReportStep = Step<ReportStatus, fn(&Report) -> ApiResult<()>>;

pub const SUBMIT: ReportStep = Step {
    rule: &policy::REPORT_SUBMIT,
    to: ReportStatus::Submitted,
    action: "report.submitted",
    prepare: |_| Ok(()),
};

pub const ACCEPT: ReportStep = Step {
    rule: &policy::REPORT_ACCEPT,
    to: ReportStatus::Accepted,
    action: "report.accepted",
    prepare: |_| Ok(()),
};

/// Moves the report to `step.to` if the machine allows it (409 naming the status otherwise).
pub fn step(
    conn: &mut DbConnection,
    ctx: &Context,
    plan_id: i64,
    id: i64,
    step: &ReportStep,
) -> ApiResult<(String, Report)> {
    plan_store::lock(conn, plan_id)?;
    let (plan, current) = authorized(conn, plan_id, id, &ctx.caller, step.rule)?;
    step.check_move(current.status()?)?;
    let before = load(conn, &plan, &current)?;
    (step.prepare)(&before)?;
    let row = store::bump(conn, &current, Some(step.to))?;
    let after = load(conn, &plan, &row)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of(step.action, "report", id, Some(&before), Some(&after))?.exposed(
            visibility::report_exposure(&plan, &current)?,
            visibility::report_exposure(&plan, &row)?,
        ),
    )?;
    Ok((report_tag(&plan, &row), after))
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

/// The report in its official form: a heading row per section, a row per measure the report
/// has an entry for.
/// The report in the official form as a file, named `Отчёт_<organization>_<year>`.
pub fn export(
    conn: &mut DbConnection,
    caller: &Caller,
    (plan_id, id): (i64, i64),
    format: FileFormat,
) -> ApiResult<Download> {
    let (plan_row, row) = authorized(conn, plan_id, id, caller, &policy::REPORT_EXPORT)?;
    let name = super::plan_forms::file_name(
        conn,
        "Отчёт",
        "report",
        (id, plan_row.organization_id, plan_row.year),
    )?;
    let sheet = report_sheet(conn, &plan_row, &row)?;
    let bytes = format.render(&[sheet], "Лист").map_err(workbook_error)?;
    Ok(Download { name, bytes })
}

fn report_sheet(conn: &mut DbConnection, plan_row: &PlanRow, row: &ReportRow) -> ApiResult<Sheet> {
    let report = load(conn, plan_row, row)?;
    let plan = plans::load(conn, plan_row, today())?;
    let mut rows = Vec::new();
    for section in &plan.sections {
        rows.push(vec![Cell::Text(section.heading.clone())]);
        for m in &section.measures {
            if let Some(entry) = report.entries.iter().find(|e| e.measure_id == m.id) {
                rows.push(entry_row(m, entry));
            }
        }
    }
    Ok(Sheet {
        name: "Отчёт".into(),
        preamble: Preamble::form(Vec::new(), vec![report.title.clone()]),
        headings: REPORT_HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    })
}

/// A measure's row of the report form; the figures follow the execution info.
fn entry_row(m: &Measure, entry: &ReportEntry) -> Vec<Cell> {
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
    vec![
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
    ]
}
