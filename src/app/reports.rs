//! Reports on a plan's execution for a period: who sees them (outsiders: accepted reports of
//! public plans), what they say per measure, their machine (draft → submitted → accepted) and
//! their form.

use super::plan_forms::{self, executors_text};
use super::plans::{self, today};
use super::{visibility, Context, IfMatch, Step};
use crate::auth::policy::{self, Rule};
use crate::auth::Caller;
use crate::db::audit::{self, Change};
use crate::db::changes::{self, Action, FeedChange};
use crate::db::plans::{self as plan_store, MeasureRow, PlanRow};
use crate::db::reports::{self as store, ReportRow};
use crate::db::DbConnection;
use crate::domain::figure::{self, Figure};
use crate::domain::plan::{PeriodKind, PlanStatus, ReportStatus, Signatory};
use crate::domain::plan_form::{self, CriteriaSet, RowWarning};
use crate::domain::text::fold_words;
use crate::error::{ApiError, ApiResult};
use crate::export::{workbook_error, Cell, Download, FileFormat, Preamble, Sheet};
use crate::views::plans::Measure;
use crate::views::reports::{
    report_of, EntryBody, NewReport, Period, Report, ReportEntry, ReportImportResult,
};

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
    mut new: NewReport,
) -> ApiResult<(String, Report)> {
    new.check()?;
    let period = new.period;
    plan_store::lock(conn, plan_id)?;
    let plan = visibility::authorized_plan(conn, plan_id, &ctx.caller, &policy::REPORT_CREATE)?;
    let status = plan.status()?;
    if !(status.in_force() || status == PlanStatus::Closed) {
        return Err(ApiError::Conflict(format!(
            "The plan is {}: reports are made on approved plans",
            status.as_str()
        )));
    }
    let row = store::insert(
        conn,
        plan_id,
        (period.kind, period.year, period.number),
        new.signatory.as_ref(),
    )?;
    let report = load(conn, &plan, &row)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of("report.created", "report", row.id, None, Some(&report))?
            .in_region(plan.region_id)
            .exposed(
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
        Change::of(
            "report.entry_saved",
            "report",
            id,
            Some(&before),
            Some(&after),
        )?
        .in_region(plan.region_id)
        .exposed(
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
        Change::of(step.action, "report", id, Some(&before), Some(&after))?
            .in_region(plan.region_id)
            .exposed(
                visibility::report_exposure(&plan, &current)?,
                visibility::report_exposure(&plan, &row)?,
            ),
    )?;
    Ok((report_tag(&plan, &row), after))
}

/// Columns of the report form: the plan's columns (with the basis) and what was done, the
/// figures as written and the evidence links. The report import reads them back.
pub const REPORT_HEADINGS: [&str; 12] = [
    "№ п/п",
    "Недостатки, выявленные в ходе независимой оценки качества условий оказания услуг организацией",
    "Наименование мероприятия",
    "Основание реализации",
    "Плановый срок реализации мероприятия",
    "Ответственный исполнитель (с указанием фамилии, имени, отчества и должности)",
    "Реализованные меры по устранению выявленных недостатков",
    "Фактический срок реализации",
    "Информация о выполнении",
    "Значения показателей",
    "Результат",
    "Подтверждающие материалы (ссылки)",
];

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

/// The report in its official form: a heading row per section, a row per measure, the
/// signatory's lines below the table.
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
    if let Some(signatory) = &report.signatory {
        rows.push(vec![Cell::Text(signatory.position.clone())]);
        rows.push(vec![Cell::Text(signatory.full_name.clone())]);
        if let Some(date) = signatory.date {
            rows.push(vec![Cell::Text(date.format("%d.%m.%Y").to_string())]);
        }
    }
    Ok(Sheet {
        name: "Отчёт".into(),
        preamble: Preamble::form(Vec::new(), vec![report.title.clone()]),
        headings: REPORT_HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    })
}

/// A measure's row of the report form.
fn entry_row(m: &Measure, entry: &ReportEntry) -> Vec<Cell> {
    let text = |v: &Option<String>| v.clone().map_or(Cell::Empty, Cell::Text);
    let lines = |items: Vec<String>| {
        if items.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(items.join("\n"))
        }
    };
    let figures = entry
        .figures
        .iter()
        .map(|f| figure::line(&f.name, f.written.as_deref().unwrap_or_default()))
        .collect();
    vec![
        text(&m.number),
        text(&m.shortcoming),
        Cell::Text(m.title.clone()),
        text(&m.basis),
        Cell::Text(m.deadline.text.clone()),
        Cell::Text(executors_text(&m.executors)),
        text(&entry.measures_taken),
        entry.actual_date.map_or(Cell::Empty, |d| {
            Cell::Text(d.format("%d.%m.%Y").to_string())
        }),
        text(&entry.execution_info),
        lines(figures),
        text(&entry.result),
        lines(entry.evidence.clone()),
    ]
}

/// The period an imported report covers and whether to store it.
#[derive(Debug, Clone, Copy)]
pub struct ReportImportForm {
    /// Read and check everything, store nothing (the caller rolls the work back).
    pub dry_run: bool,
    pub kind: PeriodKind,
    /// Defaults to the plan's year.
    pub year: Option<i32>,
    pub number: i32,
}

/// One measure's row of an imported report: how it names the measure and what it says.
struct ImportedRow {
    row: usize,
    number: Option<String>,
    title: String,
    basis: Option<String>,
    entry: EntryBody,
}

/// A report as read from a file, before it is matched to the plan's measures.
pub struct ReadReport {
    rows: Vec<ImportedRow>,
    signatory: Option<Signatory>,
    warnings: Vec<RowWarning>,
}

/// Who may not import a report on the plan is refused before the file is read.
pub fn authorize_import(conn: &mut DbConnection, caller: &Caller, plan_id: i64) -> ApiResult<()> {
    visibility::authorized_plan(conn, plan_id, caller, &policy::REPORT_IMPORT).map(|_| ())
}

/// Reads the report form from the file by the plan form's stages; errors name the sheet's
/// rows. Pure: no transaction waits on the parsing of a file.
pub fn read_import(file: &[u8]) -> ApiResult<ReadReport> {
    let cells = plan_forms::sheet_rows(file)?;
    // Sections only group the rows; which criteria their headings name does not matter here.
    let table = plan_form::read_report_table(&cells, CriteriaSet::Mintrud2018)
        .map_err(plan_forms::form_problems)?;
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for draft in table.sections.into_iter().flat_map(|s| s.measures) {
        let cells = draft.execution;
        let actual_date = match cells.actual_date.as_deref() {
            Some(text) => {
                let date = plan_form::read_date(text);
                if date.is_none() {
                    errors.push(plan_forms::row_error(
                        draft.row,
                        Some("actual_date"),
                        "format",
                        &format!("«{text}» is not a date (дд.мм.гггг)"),
                    ));
                }
                date
            }
            None => None,
        };
        let lines = |text: Option<String>| -> Vec<String> {
            text.map(|t| {
                t.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
        };
        let figures = lines(cells.figures)
            .iter()
            .filter_map(|l| figure::split_line(l))
            .map(|(name, written)| Figure::written(&name, &written))
            .collect();
        rows.push(ImportedRow {
            row: draft.row,
            number: draft.number,
            title: draft.title,
            basis: draft.basis,
            entry: EntryBody {
                execution_info: cells.execution_info,
                measures_taken: cells.measures_taken,
                actual_date,
                result: draft.expected_result,
                figures,
                evidence: lines(cells.evidence),
            },
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let signatory =
        plan_form::read_signature(&table.trailer).map(|(position, full_name, date)| Signatory {
            position,
            full_name,
            date,
        });
    Ok(ReadReport {
        rows,
        signatory,
        warnings: table.warnings,
    })
}

/// Which of the plan's measures each row reports on: the same number (when the row has one)
/// and the same wording (title or basis), the first unmatched one from where the last match
/// was. Errors name the rows that match none.
fn match_rows(measures: &[MeasureRow], rows: &[ImportedRow]) -> ApiResult<Vec<i64>> {
    let words = |text: Option<&str>| text.map(fold_words).filter(|w| !w.is_empty());
    let mut used = vec![false; measures.len()];
    let mut cursor = 0;
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for row in rows {
        let (title, basis) = (words(Some(&row.title)), words(row.basis.as_deref()));
        let fits = |m: &MeasureRow| {
            let same_number = match (&row.number, &m.number) {
                (Some(a), Some(b)) => plan_form::number_key(a) == plan_form::number_key(b),
                (None, _) => true,
                (Some(_), None) => false,
            };
            let same_words = (title.is_some() && words(Some(&m.title)) == title)
                || (basis.is_some() && words(m.basis.as_deref()) == basis);
            same_number && same_words
        };
        let found = (cursor..measures.len())
            .chain(0..cursor)
            .find(|&i| !used[i] && fits(&measures[i]));
        match found {
            Some(i) => {
                used[i] = true;
                cursor = i + 1;
                ids.push(measures[i].id);
            }
            None => errors.push(plan_forms::row_error(
                row.row,
                Some("number"),
                "no_match",
                &format!(
                    "no measure of the plan {}reads «{}»",
                    row.number
                        .as_ref()
                        .map_or_else(String::new, |n| format!("numbered «{n}» ")),
                    excerpt(&row.title)
                ),
            )),
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn excerpt(text: &str) -> String {
    let short: String = text.chars().take(80).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// Creates the report read from a file as a draft on the plan, an entry per matched row;
/// errors name the sheet's rows and nothing is stored.
pub fn import(
    conn: &mut DbConnection,
    ctx: &Context,
    plan_id: i64,
    form: ReportImportForm,
    read: ReadReport,
) -> ApiResult<ReportImportResult> {
    plan_store::lock(conn, plan_id)?;
    let plan = visibility::authorized_plan(conn, plan_id, &ctx.caller, &policy::REPORT_IMPORT)?;
    let status = plan.status()?;
    if !(status.in_force() || status == PlanStatus::Closed) {
        return Err(ApiError::Conflict(format!(
            "The plan is {}: reports are made on approved plans",
            status.as_str()
        )));
    }
    let mut new = NewReport {
        period: Period {
            kind: form.kind,
            year: form.year.unwrap_or(plan.year),
            number: form.number,
        },
        signatory: read.signatory,
    };
    new.check()?;
    let measures = plan_store::measures_of(conn, plan_id)?;
    let ids = match_rows(&measures, &read.rows)?;
    let mut errors = Vec::new();
    let mut checked = Vec::new();
    for (row, measure_id) in read.rows.into_iter().zip(ids) {
        match row.entry.checked() {
            Ok(values) => checked.push((measure_id, values)),
            Err(ApiError::Validation(found)) => {
                errors.extend(found.into_iter().map(|mut e| {
                    e.field = format!("rows[{}].{}", row.row, e.field);
                    e
                }));
            }
            Err(other) => return Err(other),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let period = new.period;
    let row = store::insert(
        conn,
        plan_id,
        (period.kind, period.year, period.number),
        new.signatory.as_ref(),
    )?;
    for (measure_id, values) in &checked {
        store::put_entry(conn, row.id, *measure_id, values)?;
    }
    let report = load(conn, &plan, &row)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of("report.imported", "report", row.id, None, Some(&report))?.exposed(
            visibility::report_exposure(&plan, &row)?,
            visibility::report_exposure(&plan, &row)?,
        ),
    )?;
    Ok(ReportImportResult {
        dry_run: form.dry_run,
        report,
        warnings: read.warnings,
    })
}
