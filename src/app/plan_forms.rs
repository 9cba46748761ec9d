//! Plans in and out of their official form: drafting one from an evaluation's shortcomings,
//! importing the tabular form (with a dry run, which the caller rolls back), exporting it.

use super::plans::{self, today};
use super::{visibility, Context};
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::organizations::OrganizationRow;
use crate::db::{cycles, evaluations, organizations, proposals, reports, DbConnection};
use crate::domain::methodology::{Criterion, Methodology};
use crate::domain::plan::{self as rules, ApprovalDecision};
use crate::domain::plan_form::{self, ApprovalBlock, Executor, PlanTable, RowProblem, RowWarning};
use crate::domain::scoring::Scores;
use crate::domain::{deadline, sheet};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::export::{workbook_error, Cell, Download, FileFormat, FileName, Preamble, Sheet};
use crate::views::plans::{ImportResult, NewMeasure, NewPlan, NewSection, Plan, PlanDraftRequest};

/// Drafts a plan of the evaluated organization: a section per criterion, one measure stub per
/// shortcoming (linked to the evaluation and indicator), the council's proposals on the
/// criterion as basis. Its version and the plan.
pub fn draft_from_evaluation(
    conn: &mut DbConnection,
    ctx: &Context,
    evaluation_id: i64,
    request: PlanDraftRequest,
) -> ApiResult<(i64, Plan)> {
    let evaluation = evaluations::by_id(conn, evaluation_id)?.ok_or(ApiError::NotFound)?;
    let cycle = cycles::find(conn, evaluation.cycle_id)?;
    let target = Target::organization(cycle.region_id, evaluation.organization_id);
    // Hidden: who may not see the organization's plans does not learn of the evaluation.
    visibility::check(
        &ctx.caller,
        &policy::PLAN_DRAFT,
        &policy::PLAN_READ,
        &target,
    )?;
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
    let addressed = proposals::addressed_to(conn, cycle.id, evaluation.organization_id)?;
    let draft = Draft {
        evaluation_id,
        assessed_in: cycle.year,
        deadline: request
            .deadline
            .unwrap_or_else(|| format!("до 31.12.{year}")),
        executors: head_of(&organization),
    };
    let sections = methodology
        .criteria
        .iter()
        .enumerate()
        .map(|(ordinal, criterion)| {
            let proposals: Vec<&str> = addressed
                .iter()
                .filter(|p| p.criterion.as_deref() == Some(criterion.code))
                .map(|p| p.text.as_str())
                .collect();
            draft.section(ordinal + 1, criterion, &proposals, &scores)
        })
        .collect();
    let title = request.title.unwrap_or_else(|| {
        format!(
            "План мероприятий по улучшению качества работы {} на {year} год",
            organization.short_name
        )
    });
    let new = NewPlan {
        region_id: Some(cycle.region_id),
        organization_id: Some(evaluation.organization_id),
        cycle_id: Some(cycle.id),
        year,
        methodology_id: Some(methodology.id.into()),
        title,
        basis: Some(format!(
            "Результаты независимой оценки качества условий оказания услуг {} года",
            cycle.year
        )),
        approval: None,
        approval_decision: None,
        due_date: None,
        sections,
    };
    plans::create(conn, ctx, new)
}

/// The organization's head as the executor of drafted measures, if the register names one.
fn head_of(organization: &OrganizationRow) -> Vec<Executor> {
    organization
        .head_full_name
        .as_ref()
        .map_or_else(Vec::new, |name| {
            vec![Executor::Person {
                full_name: name.clone(),
                position: organization.head_position.clone(),
            }]
        })
}

/// What every stub measure of a drafted plan shares.
struct Draft {
    evaluation_id: i64,
    /// The year of the assessment.
    assessed_in: i32,
    deadline: String,
    executors: Vec<Executor>,
}

impl Draft {
    /// The criterion's section: a stub per shortcoming, the council's `proposals` as basis,
    /// numbered «<section>.<measure>» as the official forms number them (the export's «№ п/п»,
    /// which its import reads back).
    fn section(
        &self,
        ordinal: usize,
        criterion: &Criterion,
        proposals: &[&str],
        scores: &Scores,
    ) -> NewSection {
        let basis = if proposals.is_empty() {
            format!(
                "Результаты независимой оценки качества {} года",
                self.assessed_in
            )
        } else {
            format!("Предложения общественного совета: {}", proposals.join("; "))
        };
        let measures = scores
            .shortcomings
            .iter()
            .filter(|g| g.criterion == criterion.code)
            .flat_map(|g| g.items.iter())
            .enumerate()
            .map(|(i, s)| NewMeasure {
                number: Some(format!("{ordinal}.{}", i + 1)),
                shortcoming: Some(s.description.clone()),
                evaluation_id: Some(self.evaluation_id),
                indicator: Some(s.indicator.clone()),
                title: format!("Устранить недостаток: {}", s.description),
                basis: Some(basis.clone()),
                deadline: self.deadline.clone(),
                executors: self.executors.clone(),
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
    }
}

/// Where an imported plan belongs and how to read it, as the query gives it.
#[derive(Debug, Clone, Copy)]
pub struct ImportForm {
    /// Read and check everything, store nothing (the caller rolls the work back).
    pub dry_run: bool,
    pub region_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub cycle_id: Option<i64>,
    /// The plan's year; else the year of the approval date in the file.
    pub year: Option<i32>,
    /// Whose criteria the section headings name.
    pub methodology: &'static Methodology,
}

/// Who may not create the plan is refused before the file is read.
pub fn authorize_import(
    conn: &mut DbConnection,
    caller: &Caller,
    form: &ImportForm,
) -> ApiResult<()> {
    let target = match (form.organization_id, form.region_id) {
        (Some(org), _) => organizations::find(conn, org)
            .ok()
            .map(|o| Target::organization(o.region_id, org)),
        (None, Some(region)) => Some(Target::region(region)),
        (None, None) => None,
    };
    match target {
        Some(target) => {
            policy::authorize(caller, &policy::PLAN_IMPORT, &target)?;
        }
        // No scope named (or no such organization): the plan's checks answer, after any 401.
        None => {
            policy::authenticate(caller, &policy::PLAN_IMPORT)?;
        }
    }
    Ok(())
}

/// A plan as read from a file, before it is stored: the plan, the sheet row of each measure
/// (by section) and what the reader warns of.
pub struct ReadPlan {
    new: NewPlan,
    measure_rows: Vec<Vec<usize>>,
    warnings: Vec<RowWarning>,
}

/// Reads the plan from the file; errors name the sheet's rows. Pure: no transaction waits on
/// the parsing of a file.
pub fn read(form: &ImportForm, file: &[u8]) -> ApiResult<ReadPlan> {
    let rows = sheet_rows(file)?;
    let table = plan_form::read_plan_table(&rows, rules::criteria_set(form.methodology))
        .map_err(form_problems)?;
    let mut warnings = table.warnings.clone();
    let (new, measure_rows) = new_plan(table, form)?;
    warnings.extend(deadline_warnings(&new, &measure_rows));
    Ok(ReadPlan {
        new,
        measure_rows,
        warnings,
    })
}

/// The cells of an uploaded XLSX or CSV; errors name the sheet's rows. Shared by the plan and
/// the report import.
pub(super) fn sheet_rows(file: &[u8]) -> ApiResult<Vec<Vec<String>>> {
    sheet::rows_from_file(file).map_err(|e| {
        let (column, code) = match e.column {
            Some(c) => (Some(format!("cells[{c}]")), "format"),
            None => (None, "unreadable"),
        };
        ApiError::Validation(vec![row_error(
            e.row.unwrap_or(0),
            column.as_deref(),
            code,
            &e.message,
        )])
    })
}

/// Why a sheet is not the form, as errors naming its rows.
pub(super) fn form_problems(problems: Vec<RowProblem>) -> ApiError {
    ApiError::Validation(
        problems
            .iter()
            .map(|p| row_error(p.row, p.column.as_deref(), "form", &p.message))
            .collect(),
    )
}

/// Creates the plan read from a file as a draft; errors name the sheet's rows.
pub fn import(
    conn: &mut DbConnection,
    ctx: &Context,
    form: &ImportForm,
    read: ReadPlan,
) -> ApiResult<ImportResult> {
    let ReadPlan {
        new,
        measure_rows,
        warnings,
    } = read;
    let (_, plan) = plans::create(conn, ctx, new).map_err(|e| match e {
        ApiError::Validation(errors) => ApiError::Validation(to_rows(errors, &measure_rows)),
        other => other,
    })?;
    Ok(ImportResult {
        dry_run: form.dry_run,
        plan,
        warnings,
    })
}

/// Deadlines that could not be understood are kept as written: a warning names their row.
fn deadline_warnings(new: &NewPlan, measure_rows: &[Vec<usize>]) -> Vec<RowWarning> {
    let mut warnings = Vec::new();
    for (section, rows) in new.sections.iter().zip(measure_rows) {
        for (measure, row) in section.measures.iter().zip(rows) {
            // The reader has already said that the row has no deadline.
            if measure.deadline.is_empty() {
                continue;
            }
            for warning in deadline::parse(&measure.deadline).warnings {
                warnings.push(RowWarning {
                    row: *row,
                    column: Some("deadline".into()),
                    message: format!("kept as written: {warning}"),
                });
            }
        }
    }
    warnings
}

pub(super) fn row_error(row: usize, column: Option<&str>, code: &str, message: &str) -> FieldError {
    let field = match (row, column) {
        (0, None) => "file".to_owned(),
        (0, Some(c)) => format!("file.{c}"),
        (r, None) => format!("rows[{r}]"),
        (r, Some(c)) => format!("rows[{r}].{c}"),
    };
    FieldError::new(field, code, message)
}

/// The request the table makes, with the sheet row of each measure to name in errors.
fn new_plan(table: PlanTable, form: &ImportForm) -> ApiResult<(NewPlan, Vec<Vec<usize>>)> {
    let methodology = form.methodology;
    // «УТВЕРЖДЕН приказом от … № …» names no signatory: the plan is approved by that decision.
    let approval_decision = table
        .approval
        .as_ref()
        .filter(|a| a.full_name.is_empty() && !a.position.is_empty())
        .filter(|a| a.document_number.is_some() || a.date.is_some())
        .map(|a| ApprovalDecision {
            title: a.position.clone(),
            number: a.document_number.clone(),
            date: a.date,
        });
    let approval = table
        .approval
        .filter(|a| !a.position.is_empty() && !a.full_name.is_empty());
    let year = form
        .year
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
    Ok((
        NewPlan {
            region_id: form.region_id,
            organization_id: form.organization_id,
            cycle_id: form.cycle_id,
            year,
            methodology_id: Some(methodology.id.into()),
            title: table.title.unwrap_or_else(|| {
                format!("План мероприятий по улучшению качества работы на {year} год")
            }),
            basis: None,
            approval,
            approval_decision,
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
pub fn preamble(approval: Option<&ApprovalBlock>, title: &str) -> Preamble {
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
    }
    Preamble::form(lines, vec![title.to_owned()])
}

/// «УТВЕРЖДЕН <the decision as written>» above the title, for a plan approved by the
/// authority's decision; the plan import reads it back as that decision.
fn decision_preamble(decision: &ApprovalDecision, title: &str) -> Preamble {
    let mut line = format!("УТВЕРЖДЕН {}", decision.title);
    if let Some(date) = decision.date {
        let written = date.format("%d.%m.%Y").to_string();
        if !decision.title.contains(&written) {
            line.push_str(&format!(" от {written}"));
        }
    }
    if let Some(number) = &decision.number {
        if !decision.title.contains(number.as_str()) {
            line.push_str(&format!(" № {number}"));
        }
    }
    Preamble::form(vec![line], vec![title.to_owned()])
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

/// The plan in its official form: the «УТВЕРЖДАЮ» block and title above, a heading row per
/// section, a row per measure, the implementation columns from the latest report.
/// The plan in the official form as a file, named `План_<organization>_<year>`.
pub fn export(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i64,
    format: FileFormat,
) -> ApiResult<Download> {
    let row = visibility::authorized_plan(conn, id, caller, &policy::PLAN_EXPORT)?;
    let name = file_name(conn, "План", "plan", (id, row.organization_id, row.year))?;
    let sheet = plan_sheet(conn, &row, id)?;
    let bytes = format.render(&[sheet], "Лист").map_err(workbook_error)?;
    Ok(Download { name, bytes })
}

/// `<what>_<organization's short name>_<year>` (the plan's number without an organization),
/// `<kind>-<id>-<year>` in ASCII.
pub(crate) fn file_name(
    conn: &mut DbConnection,
    what: &str,
    kind: &str,
    (id, organization_id, year): (i64, Option<i64>, i32),
) -> ApiResult<FileName> {
    let owner = match organization_id {
        Some(organization) => organizations::find(conn, organization)?.short_name,
        None => format!("№{id}"),
    };
    let year = year.to_string();
    Ok(FileName::new(
        &[what, &owner, &year],
        format!("{kind}-{id}-{year}"),
    ))
}

fn plan_sheet(
    conn: &mut DbConnection,
    row: &crate::db::plans::PlanRow,
    id: i64,
) -> ApiResult<Sheet> {
    let plan = plans::load(conn, row, today())?;
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
    Ok(Sheet {
        name: "План мероприятий".into(),
        preamble: match (&plan.approval, &plan.approval_decision) {
            (None, Some(decision)) => decision_preamble(decision, &plan.title),
            (approval, _) => preamble(approval.as_ref(), &plan.title),
        },
        headings: PLAN_HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    })
}
