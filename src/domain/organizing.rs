//! The region's plan for organizing the assessment itself (seed 002, KhMAO order 819-р): target
//! indicators with planned values per year, how their actual values are judged, its measures,
//! and the reading of its table («Целевые показатели» above, «План мероприятий» below).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::plan::MeasureStatus;
use super::plan_form::{RowProblem, RowWarning};
use super::text;
use crate::domain::FieldError;
use crate::views::limits;

/// The limits of an organizing plan's fields, for their `validator` rules and their schemas
/// alike.
pub const MAX_TITLE: u64 = 2_000;
pub const MAX_TEXT: u64 = 10_000;
pub const MAX_ORDER_NUMBER: u64 = 100;
/// Years an organizing plan may name: the first assessments were in 2013.
pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2100;
pub const YEARS: std::ops::RangeInclusive<i32> = FIRST_YEAR..=LAST_YEAR;
/// Plans span a few years (seed 002: three); a longer range is a typo.
pub const MAX_SPAN: i32 = 10;

/// The service's own figure that gives a target's actual value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComputedFrom {
    /// Share (%) of the region's active organizations that a cycle assessed in the year.
    AssessedShare,
    /// Council meetings held on the assessment in the year.
    CouncilMeetings,
}

impl ComputedFrom {
    pub const ALL: [Self; 2] = [Self::AssessedShare, Self::CouncilMeetings];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AssessedShare => "assessed_share",
            Self::CouncilMeetings => "council_meetings",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// The figure an indicator's official name describes, as seed 002 words them: «Доля
    /// организаций …, в отношении которых проведена независимая оценка …», «Проведение
    /// заседаний Общественного совета … кол-во заседаний».
    pub fn recognise(name: &str) -> Option<Self> {
        let folded = text::fold_words(name);
        if folded.contains("доля") && folded.contains("оценк") {
            Some(Self::AssessedShare)
        } else if folded.contains("заседани") && folded.contains("совет") {
            Some(Self::CouncilMeetings)
        } else {
            None
        }
    }
}

/// A target's values of one year: planned, and actual as entered (a report year such as
/// «2015 г. (отчет)» has only the actual).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"year": 2016, "planned": "50.0", "actual": null}))]
pub struct YearValue {
    #[validate(range(min = FIRST_YEAR, max = LAST_YEAR, code = "out_of_range"))]
    #[schema(schema_with = limits::year::<FIRST_YEAR, LAST_YEAR>)]
    pub year: i32,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "50.0")]
    pub planned: Option<Decimal>,
    /// The actual value as entered; the service's own figure, where it has one, is shown beside.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "0")]
    pub actual: Option<Decimal>,
}

/// Where a shown actual value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActualSource {
    /// The service's own data (cycles, council meetings).
    Computed,
    /// Entered by the authority (years before the service, or figures it does not hold).
    Entered,
}

/// The actual value of a year and its source: the service's own figure where it has one for
/// the year, else the entered one.
pub fn actual(
    computed: Option<Decimal>,
    entered: Option<Decimal>,
) -> (Option<Decimal>, Option<ActualSource>) {
    match (computed, entered) {
        (Some(value), _) => (Some(value), Some(ActualSource::Computed)),
        (None, Some(value)) => (Some(value), Some(ActualSource::Entered)),
        (None, None) => (None, None),
    }
}

/// Both targets of seed 002 are floors («не менее»): met when the actual reaches the plan;
/// unknown without either.
pub fn met(planned: Option<Decimal>, actual: Option<Decimal>) -> Option<bool> {
    Some(actual? >= planned?)
}

/// A plan's header as its rules see it.
#[derive(validator::Validate)]
struct PlanFields<'a> {
    #[validate(range(min = FIRST_YEAR, max = LAST_YEAR, code = "out_of_range"))]
    year_from: i32,
    #[validate(range(min = FIRST_YEAR, max = LAST_YEAR, code = "out_of_range"))]
    year_to: i32,
    #[validate(length(min = 1, max = MAX_TITLE), custom(function = text::paragraphs))]
    title: &'a str,
    #[validate(length(min = 1, max = MAX_ORDER_NUMBER), custom(function = text::one_line))]
    order_number: Option<&'a str>,
}

/// Checks a plan's year range, title and order number; trims the texts.
pub fn check_plan(
    year_from: i32,
    year_to: i32,
    title: &mut String,
    order_number: Option<&mut String>,
) -> Vec<FieldError> {
    text::trim(title);
    let order_number = order_number.map(|number| {
        text::trim(number);
        &*number
    });
    let mut errors = FieldError::broken_rules(&PlanFields {
        year_from,
        year_to,
        title,
        order_number: order_number.map(String::as_str),
    });
    // The span is a rule across fields: the plan's own.
    if year_to < year_from {
        errors.push(FieldError::new(
            "year_to",
            "out_of_range",
            "must not be before year_from",
        ));
    } else if year_to - year_from >= MAX_SPAN {
        errors.push(FieldError::new(
            "year_to",
            "out_of_range",
            format!("a plan spans at most {MAX_SPAN} years"),
        ));
    }
    errors
}

/// A target's name as its rule sees it.
#[derive(validator::Validate)]
struct TargetName<'a> {
    #[validate(length(min = 1, max = MAX_TEXT), custom(function = text::one_line))]
    name: &'a str,
}

/// Errors of a nested value, named by their path in the body (`targets[0]` + `name`); an
/// empty path names the fields alone (a patch).
fn prefixed(at: &str, errors: Vec<FieldError>) -> impl Iterator<Item = FieldError> + '_ {
    errors.into_iter().map(move |mut error| {
        if !at.is_empty() {
            error.field = format!("{at}.{}", error.field);
        }
        error
    })
}

/// Checks a target's name and values (`at` is its path, `targets[0]`): years in range and each
/// once, values not negative, shares at most 100 %.
pub fn check_target(
    at: &str,
    name: &mut String,
    computed_from: Option<ComputedFrom>,
    values: &[YearValue],
) -> Vec<FieldError> {
    text::trim(name);
    let mut errors: Vec<FieldError> =
        prefixed(at, FieldError::broken_rules(&TargetName { name })).collect();
    for (i, value) in values.iter().enumerate() {
        let path = format!("{at}.values[{i}]");
        errors.extend(prefixed(&path, FieldError::broken_rules(value)));
        if values[..i].iter().any(|v| v.year == value.year) {
            errors.push(FieldError::new(
                format!("{path}.year"),
                "duplicate",
                format!("{} is given twice", value.year),
            ));
        }
        for (field, figure) in [("planned", value.planned), ("actual", value.actual)] {
            errors.extend(check_figure(
                &format!("{path}.{field}"),
                figure,
                computed_from,
            ));
        }
    }
    errors
}

/// A figure of a target: not negative, a share at most 100.
pub fn check_figure(
    path: &str,
    figure: Option<Decimal>,
    computed_from: Option<ComputedFrom>,
) -> Option<FieldError> {
    let figure = figure?;
    if figure.is_sign_negative() && !figure.is_zero() {
        Some(FieldError::new(
            path,
            "out_of_range",
            "must not be negative",
        ))
    } else if computed_from == Some(ComputedFrom::AssessedShare) && figure > Decimal::ONE_HUNDRED {
        Some(FieldError::new(
            path,
            "out_of_range",
            "a share is at most 100 (%)",
        ))
    } else {
        None
    }
}

/// A measure's texts as their rules see them.
#[derive(validator::Validate)]
struct MeasureFields<'a> {
    #[validate(length(min = 1, max = MAX_TEXT), custom(function = text::paragraphs))]
    title: &'a str,
    #[validate(length(min = 1, max = MAX_TEXT), custom(function = text::one_line))]
    form: Option<&'a str>,
    #[validate(length(min = 1, max = MAX_TEXT), custom(function = text::paragraphs))]
    deadline: &'a str,
    #[validate(length(min = 1, max = MAX_TEXT), custom(function = text::one_line))]
    executors: Option<&'a str>,
}

/// Checks a measure's texts (`at` is its path, `measures[3]`; empty for a patch); trims them.
pub fn check_measure(
    at: &str,
    title: &mut String,
    form: &mut Option<String>,
    deadline: &mut String,
    executors: &mut Option<String>,
) -> Vec<FieldError> {
    text::trim(title);
    text::trim(deadline);
    form.iter_mut()
        .chain(executors.iter_mut())
        .for_each(text::trim);
    let fields = MeasureFields {
        title,
        form: form.as_deref(),
        deadline,
        executors: executors.as_deref(),
    };
    prefixed(at, FieldError::broken_rules(&fields)).collect()
}

/// A measure's number as the table writes it, without the trailing dot: «1.1.» → «1.1».
pub fn measure_number(cell: &str) -> String {
    cell.trim().trim_end_matches('.').trim().to_owned()
}

/// The number of a numbered row («1.», «1.1.»); none for text («II. План мероприятий»).
fn numbered(cell: &str) -> Option<String> {
    Some(measure_number(cell)).filter(|n| n.starts_with(|c: char| c.is_ascii_digit()))
}

/// The measure a numbered sub-item belongs to: «1.1» → «1» (council meeting topics under
/// measure 1 in seed 002).
pub fn parent_number(number: &str) -> Option<String> {
    number
        .rsplit_once('.')
        .map(|(parent, _)| parent.to_owned())
        .filter(|p| !p.is_empty())
}

/// Measure statuses as the exported table writes them.
pub fn status_label(status: MeasureStatus) -> &'static str {
    match status {
        MeasureStatus::Planned => "запланировано",
        MeasureStatus::InProgress => "выполняется",
        MeasureStatus::Done => "выполнено",
        MeasureStatus::Cancelled => "отменено",
    }
}

fn status_of_label(cell: &str) -> Option<MeasureStatus> {
    let folded = text::fold_words(cell);
    MeasureStatus::ALL
        .into_iter()
        .find(|s| text::fold_words(status_label(*s)) == folded || s.as_str() == cell.trim())
}

// ---------------------------------------------------------------------------------------------
// Reading the table.

/// Headings of the targets table, as seed 002 writes them; year columns follow: «2015 г.
/// (отчет)» for a reported year, «2016 г.» for a planned one.
pub const TARGET_NAME_HEADING: &str = "Целевые показатели";
/// Headings of the measures table.
pub const MEASURE_HEADINGS: [&str; 4] = [
    "Мероприятия",
    "Форма реализации",
    "Сроки исполнения",
    "Ответственные исполнители",
];
pub const STATUS_HEADING: &str = "Статус";
/// The word a reported year's heading carries.
pub const REPORTED: &str = "отчет";

/// One target as read, with its sheet row.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetDraft {
    pub row: usize,
    pub number: Option<String>,
    pub name: String,
    pub values: Vec<YearValue>,
}

/// One measure as read, with its sheet row.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureDraft {
    pub row: usize,
    pub number: Option<String>,
    pub title: String,
    pub form: Option<String>,
    pub deadline: String,
    pub executors: Option<String>,
    pub status: Option<MeasureStatus>,
}

/// The plan as its table gives it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrganizingTable {
    pub title: Option<String>,
    pub order_number: Option<String>,
    pub order_date: Option<NaiveDate>,
    /// «на 2016-2018 годы» in the title.
    pub years: Option<(i32, i32)>,
    pub targets: Vec<TargetDraft>,
    pub measures: Vec<MeasureDraft>,
    pub warnings: Vec<RowWarning>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum YearColumn {
    Planned(usize, i32),
    Reported(usize, i32),
}

#[derive(Debug, Clone, Default)]
struct MeasureColumns {
    title: usize,
    form: Option<usize>,
    deadline: Option<usize>,
    executors: Option<usize>,
    status: Option<usize>,
}

enum Part {
    Preamble,
    Targets { name: usize, years: Vec<YearColumn> },
    Measures(MeasureColumns),
}

/// A cell as the reader compares it: markup and CSV guards off, one line.
fn cell_text(cell: &str) -> String {
    text::unwrap_lines(&text::clean_markup(text::csv_unguarded(cell)))
        .trim()
        .to_owned()
}

fn year_in(cell: &str) -> Option<i32> {
    cell.split(|c: char| !c.is_ascii_digit())
        .filter(|w| w.len() == 4)
        .find_map(|w| w.parse().ok())
        .filter(|y| YEARS.contains(y))
}

fn targets_header(cells: &[String]) -> Option<Part> {
    let folded: Vec<String> = cells.iter().map(|c| text::fold_words(c)).collect();
    let heading = text::fold_words(TARGET_NAME_HEADING);
    let name = folded.iter().position(|c| c.contains(&heading))?;
    let years: Vec<YearColumn> = folded
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != name)
        .filter_map(|(i, c)| {
            let year = year_in(c)?;
            Some(if c.contains(REPORTED) {
                YearColumn::Reported(i, year)
            } else {
                YearColumn::Planned(i, year)
            })
        })
        .collect();
    (!years.is_empty()).then_some(Part::Targets { name, years })
}

fn measures_header(cells: &[String]) -> Option<Part> {
    let folded: Vec<String> = cells.iter().map(|c| text::fold_words(c)).collect();
    let find = |word: &str| folded.iter().position(|c| c.contains(word));
    let form = find("форма реализации");
    let deadline = find("срок");
    let executors = find("ответствен");
    if [form, deadline, executors]
        .iter()
        .filter(|c| c.is_some())
        .count()
        < 2
    {
        return None;
    }
    let title = find("мероприят")?;
    Some(Part::Measures(MeasureColumns {
        title,
        form,
        deadline,
        executors,
        status: folded
            .iter()
            .position(|c| *c == text::fold_words(STATUS_HEADING)),
    }))
}

/// «№ 819-р» → «819-р».
fn order_number(line: &str) -> Option<String> {
    let (_, rest) = line.split_once('№')?;
    let number = rest.split_whitespace().next()?.trim_matches(['.', ',']);
    (!number.is_empty()).then(|| number.to_owned())
}

/// The date of «от «30» 11 2016 года», «от 30.11.2016», ««30» ноября 2016 г.».
fn date_in(line: &str) -> Option<NaiveDate> {
    let words: Vec<String> = line
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(text::fold_word)
        .collect();
    words.windows(3).find_map(|w| {
        let day: u32 = w[0].parse().ok()?;
        let month: u32 = w[1].parse().ok().or_else(|| text::month_of(&w[1]))?;
        let year: i32 = w[2].parse().ok().filter(|y| YEARS.contains(y))?;
        NaiveDate::from_ymd_opt(year, month, day)
    })
}

/// «на 2016-2018 годы» → (2016, 2018).
fn year_range(title: &str) -> Option<(i32, i32)> {
    let years: Vec<i32> = title
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| w.len() == 4)
        .filter_map(|w| w.parse().ok())
        .filter(|y| YEARS.contains(y))
        .collect();
    match years.as_slice() {
        [.., from, to] if from <= to => Some((*from, *to)),
        [year] => Some((*year, *year)),
        _ => None,
    }
}

/// A decimal as tables write it: «50,0», «50.0», «50 %»; empty is none.
fn figure(cell: &str) -> Result<Option<Decimal>, String> {
    let written: String = cell
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '%' && *c != '\u{a0}')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if written.is_empty() || written == "-" || written == "–" {
        return Ok(None);
    }
    written
        .parse::<Decimal>()
        .map(Some)
        .map_err(|_| format!("«{cell}» is not a number"))
}

fn joined(into: &mut String, more: &str) {
    if more.is_empty() {
        return;
    }
    if !into.is_empty() {
        into.push(' ');
    }
    into.push_str(more);
}

fn joined_option(into: &mut Option<String>, more: &str) {
    if more.is_empty() {
        return;
    }
    joined(into.get_or_insert_with(String::new), more);
}

/// Reads the plan from the cells of a whole sheet: the preamble (order number and date, the
/// title with its years), the targets table under its headings, the measures table under its.
/// Rows without a number continue the row above (page breaks split rows in the documents).
/// Every problem is returned at once.
pub fn read_table(rows: &[Vec<String>]) -> Result<OrganizingTable, Vec<RowProblem>> {
    let mut table = OrganizingTable::default();
    let mut problems = Vec::new();
    let mut part = Part::Preamble;
    let problem = |row: usize, column: Option<&str>, message: String| RowProblem {
        row,
        column: column.map(str::to_owned),
        message,
    };
    for (i, raw) in rows.iter().enumerate() {
        let row = i + 1;
        let cells: Vec<String> = raw.iter().map(|c| cell_text(c)).collect();
        let filled: Vec<&String> = cells.iter().filter(|c| !c.is_empty()).collect();
        if filled.is_empty() {
            continue;
        }
        // Numbered rows are data, whatever words they hold; headings are not numbered.
        let header = if numbered(&cells[0]).is_some() {
            None
        } else {
            targets_header(&cells).or_else(|| measures_header(&cells))
        };
        if let Some(header) = header {
            part = header;
            continue;
        }
        let at = |c: Option<usize>| c.and_then(|c| cells.get(c)).cloned().unwrap_or_default();
        match &part {
            Part::Preamble => {
                let line = filled[0];
                if table.title.is_none() && text::fold_words(line).starts_with("план") {
                    table.years = year_range(line);
                    table.title = Some(line.clone());
                } else if table.order_number.is_none() && line.contains('№') {
                    table.order_number = order_number(line);
                } else if table.order_date.is_none()
                    && (text::fold_words(line).starts_with("от ") || line.chars().count() < 30)
                {
                    // «от «30» 11 2016 года» above the annex, or the order's own date line.
                    table.order_date = date_in(line);
                }
            }
            Part::Targets { name, years } => {
                let number = numbered(&cells[0]);
                let name_text = at(Some(*name));
                if number.is_none() && !cells[0].is_empty() {
                    // A heading between the tables, or the title of the measures table.
                    if table.title.is_none() && text::fold_words(filled[0]).starts_with("план")
                    {
                        table.title = Some(filled[0].clone());
                        table.years = year_range(filled[0]);
                    }
                    continue;
                }
                let mut values = Vec::new();
                for column in years {
                    let (c, year, reported) = match *column {
                        YearColumn::Planned(c, y) => (c, y, false),
                        YearColumn::Reported(c, y) => (c, y, true),
                    };
                    match figure(&at(Some(c))) {
                        Ok(None) => {}
                        Ok(Some(value)) => {
                            // A year may have both a planned and a reported column.
                            let at = match values.iter().position(|v: &YearValue| v.year == year) {
                                Some(at) => at,
                                None => {
                                    values.push(YearValue {
                                        year,
                                        planned: None,
                                        actual: None,
                                    });
                                    values.len() - 1
                                }
                            };
                            if reported {
                                values[at].actual = Some(value);
                            } else {
                                values[at].planned = Some(value);
                            }
                        }
                        Err(message) => {
                            problems.push(problem(row, Some(&year.to_string()), message));
                        }
                    }
                }
                match (number, table.targets.last_mut()) {
                    (None, Some(previous)) if values.is_empty() => {
                        joined(&mut previous.name, &name_text);
                        table.warnings.push(RowWarning {
                            row,
                            column: None,
                            message: format!(
                                "joined to the target of row {} (a page break)",
                                previous.row
                            ),
                        });
                    }
                    (number, _) => {
                        if name_text.is_empty() {
                            problems.push(problem(
                                row,
                                Some("name"),
                                "the target has no name".into(),
                            ));
                        }
                        table.targets.push(TargetDraft {
                            row,
                            number,
                            name: name_text,
                            values,
                        });
                    }
                }
            }
            Part::Measures(columns) => {
                let number = numbered(&cells[0]).filter(|_| columns.title != 0);
                if number.is_none() && !cells[0].is_empty() && filled.len() == 1 {
                    // A heading of one cell within the table.
                    continue;
                }
                let title = at(Some(columns.title));
                let form = at(columns.form);
                let deadline = at(columns.deadline);
                let executors = at(columns.executors);
                let status_cell = at(columns.status);
                let status = if status_cell.is_empty() {
                    None
                } else {
                    match status_of_label(&status_cell) {
                        Some(status) => Some(status),
                        None => {
                            problems.push(problem(
                                row,
                                Some("status"),
                                format!(
                                    "«{status_cell}» is not a status: {}",
                                    MeasureStatus::ALL
                                        .iter()
                                        .map(|s| status_label(*s))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            ));
                            None
                        }
                    }
                };
                match (&number, table.measures.last_mut()) {
                    (None, Some(previous)) => {
                        joined(&mut previous.title, &title);
                        joined_option(&mut previous.form, &form);
                        joined(&mut previous.deadline, &deadline);
                        joined_option(&mut previous.executors, &executors);
                        table.warnings.push(RowWarning {
                            row,
                            column: None,
                            message: format!(
                                "joined to the measure of row {} (a page break)",
                                previous.row
                            ),
                        });
                    }
                    (None, None) => table.warnings.push(RowWarning {
                        row,
                        column: None,
                        message: "skipped: no measure number and no measure above".into(),
                    }),
                    (Some(_), _) => table.measures.push(MeasureDraft {
                        row,
                        number,
                        title,
                        form: Some(form).filter(|f| !f.is_empty()),
                        deadline,
                        executors: Some(executors).filter(|e| !e.is_empty()),
                        status,
                    }),
                }
            }
        }
    }
    for measure in &table.measures {
        if measure.title.is_empty() {
            problems.push(problem(
                measure.row,
                Some("title"),
                "the measure has no text".into(),
            ));
        }
        if measure.deadline.is_empty() {
            problems.push(problem(
                measure.row,
                Some("deadline"),
                "the measure has no deadline («Сроки исполнения»)".into(),
            ));
        }
    }
    if table.targets.is_empty() && table.measures.is_empty() {
        problems.push(problem(
            0,
            None,
            format!(
                "no table found: the targets table is headed «№», «{TARGET_NAME_HEADING}» and year columns («2015 г. (отчет)», «2016 г.»), the measures table «{}»",
                MEASURE_HEADINGS.join("», «")
            ),
        ));
    }
    if problems.is_empty() {
        Ok(table)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn rows(lines: &[&str]) -> Vec<Vec<String>> {
        lines
            .iter()
            .map(|l| l.split('\t').map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn reads_the_seed_002_layout() {
        let table = read_table(&rows(&[
            "К приказу Депсоцразвития Югры",
            "от «30» 11 2016 года",
            "№ 813-р",
            "План мероприятий по организации и проведению независимой оценки на 2016-2018 годы",
            "№\tЦелевые показатели\t2015 г. (отчет)\t2016 г.\t2017 г.\t2018 г.",
            "1.\tДоля организаций, в отношении которых проведена независимая оценка, в %\t0\t50,0\t50,0\t50,0",
            "2.\tПроведение заседаний Общественного совета, кол-во заседаний\t0\t2\t4\t4",
            "II. План мероприятий",
            "\tМероприятия\tФорма реализации\tСроки исполнения\tОтветственные исполнители",
            "1.\tОрганизация заседаний:\tЗаседания\t2 раза в 2016 году, далее 1 раз в квартал\tБодак А.В.",
            "1.1.\t<p>о перечне организаций</p>\tРешение\tдо 1 декабря\tчлены Общественного совета",
            "3.\t<p>Проведение анкетирования по</p>\t<p>Информационная</p>\tежегодно\tРуководители",
            "\tудовлетворенности\tсправка\t\tорганизаций",
        ]))
        .unwrap();
        assert_eq!(table.order_number.as_deref(), Some("813-р"));
        assert_eq!(table.order_date, NaiveDate::from_ymd_opt(2016, 11, 30));
        assert_eq!(table.years, Some((2016, 2018)));
        assert_eq!(table.targets.len(), 2);
        assert_eq!(
            table.targets[0].values[0],
            YearValue {
                year: 2015,
                planned: None,
                actual: Some(dec!(0))
            }
        );
        assert_eq!(table.targets[0].values[1].planned, Some(dec!(50.0)));
        assert_eq!(
            ComputedFrom::recognise(&table.targets[1].name),
            Some(ComputedFrom::CouncilMeetings)
        );
        assert_eq!(table.measures.len(), 3);
        assert_eq!(table.measures[1].number.as_deref(), Some("1.1"));
        assert_eq!(table.measures[1].title, "о перечне организаций");
        assert_eq!(
            table.measures[2].form.as_deref(),
            Some("Информационная справка")
        );
        assert_eq!(
            table.measures[2].executors.as_deref(),
            Some("Руководители организаций")
        );
        assert_eq!(table.warnings.len(), 1);
    }

    #[test]
    fn a_table_without_headings_or_with_bad_figures_is_refused_by_row() {
        assert!(read_table(&rows(&["Просто текст"])).is_err());
        let problems = read_table(&rows(&[
            "№\tЦелевые показатели\t2016 г.",
            "1.\tДоля организаций, охваченных оценкой\tполовина",
        ]))
        .unwrap_err();
        assert_eq!(problems[0].row, 2);
    }

    #[test]
    fn actuals_prefer_the_services_figure_and_floors_are_met_when_reached() {
        assert_eq!(
            actual(Some(dec!(60)), Some(dec!(0))),
            (Some(dec!(60)), Some(ActualSource::Computed))
        );
        assert_eq!(
            actual(None, Some(dec!(0))),
            (Some(dec!(0)), Some(ActualSource::Entered))
        );
        assert_eq!(met(Some(dec!(50)), Some(dec!(50))), Some(true));
        assert_eq!(met(Some(dec!(4)), Some(dec!(3))), Some(false));
        assert_eq!(met(None, Some(dec!(3))), None);
        assert_eq!(parent_number("1.1"), Some("1".into()));
        assert_eq!(parent_number("12"), None);
        assert_eq!(status_of_label("Выполнено"), Some(MeasureStatus::Done));
    }
}
