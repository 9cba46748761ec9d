//! Reads the tabular form of an improvement plan (ПП РФ № 457 and the regional forms before it)
//! from the cells of an uploaded sheet: the approval block («УТВЕРЖДАЮ»), the title, sections by
//! assessment criterion and the measures with deadline, executors and results. Pure: no I/O.
//!
//! Real plans are conversions of Word or PDF documents, so the reader tolerates what those leave
//! behind: page breaks that split a measure over several rows, HTML artefacts (`<p>`), words
//! hyphenated at a line end, ragged rows, repeated headers and signature lines after the table.
//!
//! The stages, in the order [`read_plan_table`] runs them: every cell is cleaned
//! ([`clean_markup`]); `layout` finds the header and what each column holds; `preamble` reads the
//! approval block and title above it; `body` assembles sections and measures below it, with
//! `criteria` naming each section's criterion and `executors` (on `names`) splitting the
//! "Ответственный" cells. `cells` holds what single cells and rows say.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::plan::{DOCUMENT_NUMBER_MAX, EXECUTOR_NAME_MAX, FULL_NAME_MAX, POSITION_MAX};
use super::text::one_line;
use crate::views::limits;

mod body;
mod cells;
mod criteria;
mod executors;
mod layout;
mod names;
mod preamble;

pub use cells::number_key;
pub use criteria::heading_criterion;
pub use executors::split_executors;

use body::Body;
use layout::find_layout;
use preamble::read_preamble;

use super::text::clean_markup;

/// Which five assessment criteria the section headings name. The two sets number differently
/// (waiting time is criterion 3 before 2018 and part of criterion 2 after), so the caller says
/// which one the plan follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CriteriaSet {
    /// Assessments up to 2017: 1 openness and accessibility of information; 2 comfort of
    /// conditions and accessibility of services (including for people with disabilities);
    /// 3 waiting time; 4 courtesy, politeness and competence of staff; 5 satisfaction with the
    /// quality of services.
    Pre2018,
    /// Assessments since 2018 (Федеральный закон от 05.12.2017 № 392-ФЗ): 1 openness and
    /// accessibility of information; 2 comfort of conditions, including waiting time;
    /// 3 accessibility for people with disabilities; 4 courtesy and politeness of staff;
    /// 5 satisfaction with the conditions of services.
    Mintrud2018,
}

/// Which official form a sheet holds: the columns read and the columns set aside differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The plan (ПП РФ № 457): columns of the execution report are set aside with a warning.
    Plan,
    /// The execution report: the plan's columns identify the measure, the report's columns
    /// say what was done.
    Report,
}

/// A plan table as read from a sheet, before it is checked against the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlanTable {
    pub approval: Option<ApprovalBlock>,
    pub title: Option<String>,
    pub sections: Vec<SectionDraft>,
    /// Lines after the last measure, in order: the signature block of a report
    /// ("Директор", "В.М.Зуева").
    pub trailer: Vec<String>,
    pub warnings: Vec<RowWarning>,
}

/// What the execution report's columns say of a measure, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExecutionCells {
    pub execution_info: Option<String>,
    pub measures_taken: Option<String>,
    pub actual_date: Option<String>,
    /// «name: written» a line.
    pub figures: Option<String>,
    /// Links, one a line.
    pub evidence: Option<String>,
}

/// The «УТВЕРЖДАЮ» block above the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, validator::Validate)]
pub struct ApprovalBlock {
    /// The signatory's position as written, lines joined ("" when the block names none).
    #[validate(length(min = 1, max = POSITION_MAX), custom(function = one_line))]
    #[schema(schema_with = approval_position)]
    pub position: String,
    /// As written: "П.А.Келлер", "А.В. Филиппов" ("" when the block names nobody).
    #[validate(length(min = 1, max = FULL_NAME_MAX), custom(function = one_line))]
    #[schema(schema_with = approval_full_name)]
    pub full_name: String,
    pub date: Option<NaiveDate>,
    /// The number after "№", when the block cites an order.
    #[validate(length(min = 1, max = DOCUMENT_NUMBER_MAX), custom(function = one_line))]
    #[schema(schema_with = approval_document_number)]
    pub document_number: Option<String>,
}

impl ApprovalBlock {
    /// Trims its texts, as they are stored; the rules then see what would be kept.
    pub fn trim(&mut self) {
        use super::text::trim;
        trim(&mut self.position);
        trim(&mut self.full_name);
        if let Some(number) = self.document_number.as_mut() {
            trim(number);
        }
    }
}

/// The schemas of the block's texts: the limits of their rules, and the descriptions
/// `schema_with` would drop from the fields' docs.
fn approval_position() -> utoipa::openapi::schema::Object {
    let mut schema = limits::text::<1, POSITION_MAX>();
    schema.description = Some(
        "The signatory's position as written, lines joined (\"\" when the block names none)."
            .into(),
    );
    schema
}

fn approval_full_name() -> utoipa::openapi::schema::Object {
    let mut schema = limits::text::<1, FULL_NAME_MAX>();
    schema.description = Some(
        "As written: \"П.А.Келлер\", \"А.В. Филиппов\" (\"\" when the block names nobody).".into(),
    );
    schema
}

fn approval_document_number() -> utoipa::openapi::schema::Object {
    let mut schema = limits::nullable_text::<1, DOCUMENT_NUMBER_MAX>();
    schema.description = Some("The number after \"№\", when the block cites an order.".into());
    schema
}

/// Measures under one heading; the heading names an assessment criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SectionDraft {
    /// As written; "" for measures that precede every heading.
    pub heading: String,
    /// 1..=5 in the criteria set given to [`read_plan_table`].
    pub criterion: Option<u8>,
    pub measures: Vec<MeasureDraft>,
}

/// One measure: the cells of its row, joined with the fragments that page breaks split off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MeasureDraft {
    /// 1-based row of the sheet where the measure starts.
    pub row: usize,
    /// As written without a trailing dot: "1", "2.3".
    pub number: Option<String>,
    pub shortcoming: Option<String>,
    pub title: String,
    pub basis: Option<String>,
    /// Raw text ("постоянно", "до 31.12.2017", "2 квартал 2017 год"); structured elsewhere.
    pub deadline: String,
    pub executors: Vec<Executor>,
    pub expected_result: Option<String>,
    pub indicators: Option<String>,
    pub information_source: Option<String>,
    /// The report's columns; empty when the sheet is a plan.
    pub execution: ExecutionCells,
}

/// Who answers for a measure: a named person or an organization (or a description of a group
/// of them, such as "директора организаций социального обслуживания, оказывающие …").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Executor {
    Person {
        #[schema(schema_with = limits::text::<1, FULL_NAME_MAX>)]
        full_name: String,
        #[schema(schema_with = limits::nullable_text::<1, POSITION_MAX>, required = false)]
        position: Option<String>,
    },
    Institution {
        #[schema(schema_with = limits::text::<1, EXECUTOR_NAME_MAX>)]
        name: String,
    },
}

/// Something the reader guessed or skipped; the plan is still usable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RowWarning {
    /// 1-based row of the sheet.
    pub row: usize,
    /// A measure field ("deadline", "executors", …) or the heading of a column that is not one.
    pub column: Option<String>,
    pub message: String,
}

/// Why the sheet cannot be read as a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RowProblem {
    /// 1-based row of the sheet; 0 when the problem is the sheet as a whole.
    pub row: usize,
    /// A measure field ("title", "deadline", …) when the problem is about one.
    pub column: Option<String>,
    pub message: String,
}

/// Reads a plan from the cells of a whole sheet (preamble rows included): finds the header row
/// by its headings, the approval block and title above it, then sections and measures below.
/// Never panics; every problem found is returned at once.
pub fn read_plan_table(
    rows: &[Vec<String>],
    criteria: CriteriaSet,
) -> Result<PlanTable, Vec<RowProblem>> {
    read_table(rows, criteria, Form::Plan)
}

/// Reads an execution report from the cells of a whole sheet by the same stages as a plan:
/// each measure also carries what the report's columns say of it.
pub fn read_report_table(
    rows: &[Vec<String>],
    criteria: CriteriaSet,
) -> Result<PlanTable, Vec<RowProblem>> {
    read_table(rows, criteria, Form::Report)
}

fn read_table(
    rows: &[Vec<String>],
    criteria: CriteriaSet,
    form: Form,
) -> Result<PlanTable, Vec<RowProblem>> {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| clean_markup(cell)).collect())
        .collect();
    if cells.iter().all(|row| row.iter().all(String::is_empty)) {
        return Err(vec![problem(0, None, "the sheet is empty")]);
    }
    let mut warnings = Vec::new();
    let layout = find_layout(&cells, form, &mut warnings)?;

    // One line per line of each cell: a whole approval block may sit in one cell, beside
    // the title in another.
    let preamble: Vec<(usize, String)> = cells[..layout.row]
        .iter()
        .enumerate()
        .flat_map(|(i, row)| {
            row.iter()
                .flat_map(|cell| cell.lines())
                .map(move |line| (i + 1, line.to_owned()))
        })
        .collect();
    let (approval, title) = read_preamble(&preamble, &mut warnings);

    // The number of the next numbered row tells a group ("1", then "1.1") from a measure.
    let mut next_numbers: Vec<Option<String>> = vec![None; cells.len()];
    let mut upcoming = None;
    for (i, row) in cells.iter().enumerate().rev() {
        next_numbers[i].clone_from(&upcoming);
        if let Some(number) = layout.number_in(row) {
            upcoming = Some(number);
        }
    }
    let mut body = Body::new(&layout);
    for (i, row) in cells.iter().enumerate().skip(layout.data_start) {
        body.row(i + 1, row, next_numbers[i].as_deref());
    }
    let mut sections = body.finish(criteria, layout.row + 1);
    if form == Form::Plan {
        for measure in sections.iter_mut().flat_map(|s| s.measures.iter_mut()) {
            measure.execution = ExecutionCells::default();
        }
    }
    warnings.append(&mut body.warnings);
    if !body.problems.is_empty() {
        return Err(body.problems);
    }
    Ok(PlanTable {
        approval,
        title,
        sections,
        trailer: std::mem::take(&mut body.trailer),
        warnings,
    })
}

/// The first date in `text`: "20.12.2024" or "20 декабря 2024".
pub fn read_date(text: &str) -> Option<NaiveDate> {
    preamble::parse_russian_date(text)
}

/// Who signed, read from the lines after the table: a position, a name ("Директор",
/// "В.М.Зуева", or both on one line) and perhaps a date. `(position, full name, date)`.
pub fn read_signature(lines: &[String]) -> Option<(String, String, Option<NaiveDate>)> {
    let mut position = Vec::new();
    let mut full_name = None;
    let mut date = None;
    for line in lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        if full_name.is_none() {
            if let Some((start, end)) = names::find_person(line) {
                let before = line[..start].trim();
                if !before.is_empty() {
                    position.push(before.to_owned());
                }
                full_name = Some(line[start..end].to_owned());
                continue;
            }
        }
        if let Some(day) = read_date(line) {
            date = date.or(Some(day));
        } else if full_name.is_none() {
            position.push(line.to_owned());
        }
    }
    let position = position.join(" ");
    match full_name {
        Some(name) if !position.is_empty() => Some((position, name, date)),
        _ => None,
    }
}

fn problem(row: usize, column: Option<&str>, message: impl Into<String>) -> RowProblem {
    RowProblem {
        row,
        column: column.map(str::to_owned),
        message: message.into(),
    }
}

fn warning(row: usize, column: Option<&str>, message: impl Into<String>) -> RowWarning {
    RowWarning {
        row,
        column: column.map(str::to_owned),
        message: message.into(),
    }
}

/// Shortened for messages: a 10 KB cell should not become a 10 KB warning.
fn excerpt(text: &str) -> String {
    let first_line = text.lines().next().unwrap_or("");
    let mut short: String = first_line.chars().take(80).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

fn quoted_list(texts: &[&str]) -> String {
    texts
        .iter()
        .map(|text| format!("«{}»", excerpt(text)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The seed documents, as the tests read them.
#[cfg(test)]
pub(crate) mod test_seeds {
    use std::path::Path;

    /// The seed documents are kept in the repository (`tests/fixtures/seeds`, copies of
    /// `shared/domain/seeds`), so that the tests run from any checkout.
    pub(crate) fn text(prefix: &str) -> String {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
        let entries = std::fs::read_dir(&dir).expect("tests/fixtures/seeds is in the repository");
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(prefix) && name.ends_with(".txt") {
                return std::fs::read_to_string(entry.path()).expect("seed is UTF-8");
            }
        }
        panic!("seed {prefix}_*.txt not found in {}", dir.display());
    }

    /// The seed as sheet rows: lines split on tabs.
    pub(crate) fn rows(prefix: &str) -> Vec<Vec<String>> {
        text(prefix)
            .split('\n')
            .map(|line| line.split('\t').map(str::to_owned).collect())
            .collect()
    }
}

/// Tables and executors as the tests of every stage write them.
#[cfg(test)]
mod test_tables {
    pub(super) use super::{
        read_plan_table, test_seeds, CriteriaSet, Executor, MeasureDraft, PlanTable, RowProblem,
    };

    pub(super) fn rows(table: &[&[&str]]) -> Vec<Vec<String>> {
        table
            .iter()
            .map(|row| row.iter().map(|cell| (*cell).to_owned()).collect())
            .collect()
    }

    pub(super) fn read(table: &[&[&str]]) -> PlanTable {
        read_plan_table(&rows(table), CriteriaSet::Pre2018).expect("the table reads")
    }

    pub(super) fn problems(table: &[&[&str]]) -> Vec<RowProblem> {
        read_plan_table(&rows(table), CriteriaSet::Pre2018).expect_err("the table is rejected")
    }

    pub(super) fn measures(plan: &PlanTable) -> Vec<&MeasureDraft> {
        plan.sections.iter().flat_map(|s| &s.measures).collect()
    }

    pub(super) fn institution(name: &str) -> Executor {
        Executor::Institution {
            name: name.to_owned(),
        }
    }

    pub(super) fn person(full_name: &str, position: Option<&str>) -> Executor {
        Executor::Person {
            full_name: full_name.to_owned(),
            position: position.map(str::to_owned),
        }
    }

    pub(super) const HEADER: &[&str] = &[
        "№ п/п",
        "Наименование мероприятия",
        "Срок реализации",
        "Ответственный исполнитель",
    ];
}

#[cfg(test)]
mod tests {
    use super::preamble::parse_russian_date;
    use super::test_tables::*;
    use super::*;

    #[test]
    fn moscow_plan_has_22_measures_in_five_criteria() {
        let plan = read_plan_table(&test_seeds::rows("000"), CriteriaSet::Pre2018).unwrap();
        let approval = plan.approval.as_ref().unwrap();
        assert_eq!(
            approval.position,
            "Заместитель руководителя Департамента труда и социальной защиты населения города Москвы"
        );
        assert_eq!(approval.full_name, "П.А.Келлер");
        assert_eq!(approval.date, NaiveDate::from_ymd_opt(2017, 11, 30));
        assert_eq!(approval.document_number, None);
        assert!(plan
            .title
            .as_deref()
            .unwrap()
            .starts_with("План мероприятий по улучшению качества работы организаций социального обслуживания города Москвы"));

        let criteria: Vec<Option<u8>> = plan.sections.iter().map(|s| s.criterion).collect();
        assert_eq!(criteria, [Some(1), Some(2), Some(4), Some(3), Some(5)]);
        let counts: Vec<usize> = plan.sections.iter().map(|s| s.measures.len()).collect();
        assert_eq!(counts, [8, 2, 5, 3, 4]);
        let all = measures(&plan);
        assert_eq!(all.len(), 22);
        for (i, measure) in all.iter().enumerate() {
            assert_eq!(
                measure.number.as_deref(),
                Some((i + 1).to_string().as_str())
            );
            assert!(!measure.title.is_empty() && !measure.deadline.is_empty());
            assert_eq!(measure.executors.len(), 1, "measure {}", i + 1);
        }
        assert!(plan.warnings.is_empty(), "{:#?}", plan.warnings);
        let json = serde_json::to_string(&plan).unwrap();
        assert!(!json.contains("<p>") && !json.contains("</") && !json.contains("<ul"));

        // Page breaks: "обслужи-" + "вания", and a basis split before its date.
        assert_eq!(
            all[1].title,
            "Обновление информации на информационных стендах в организациях социального обслуживания в соответствии с Федеральным законом от 28.12.2013 № 442-ФЗ «Об основах социального обслуживания граждан в Российской Федерации»"
        );
        assert_eq!(all[1].row, 17);
        assert_eq!(
            all[5].basis.as_deref(),
            Some("рекомендации Общественного совета при Департаменте труда и социальной защиты населения города Москвы и оператора от 29.11.2017")
        );
        assert_eq!(
            all[10].expected_result.as_deref(),
            Some("повышение качества предоставляемых социальных услуг")
        );
        assert!(all[16]
            .indicators
            .as_deref()
            .unwrap()
            .ends_with("(среди опрошенных потребителей социальных услуг)"));
        assert_eq!(
            all[6].deadline,
            "до 31.12.2017 и при внесении изменений в срок не позднее 3-х дней после утверждения соответствующего приказа"
        );
        assert_eq!(
            all[0].executors,
            [institution("директора организаций социального обслуживания, оказывающие услуги в стационарной форме, оказывающие услуги семьям с детьми, территориальных центров социального обслуживания")]
        );
        // Paragraphs of the HTML artefacts stay apart.
        assert!(all[4].title.starts_with(
            "Осуществление контроля и анализа результативности обращений получателей социальных услуг в организацию социального обслуживания:\n- оформление"
        ));
        assert!(all
            .iter()
            .all(|m| m.information_source.is_none() && m.shortcoming.is_none()));
    }

    #[test]
    fn tula_plan_lists_institutions_and_sources() {
        let plan = read_plan_table(&test_seeds::rows("001"), CriteriaSet::Pre2018).unwrap();
        let approval = plan.approval.as_ref().unwrap();
        assert_eq!(
            approval.position,
            "Министр труда и социальной защиты Тульской области"
        );
        assert_eq!(approval.full_name, "А.В. Филиппов");
        assert_eq!(approval.date, NaiveDate::from_ymd_opt(2017, 3, 29));
        assert_eq!(
            plan.title.as_deref(),
            Some("ПЛАН мероприятий по улучшению качества оказания услуг учреждениями социального обслуживания Тульской области на 2017 год")
        );

        let criteria: Vec<Option<u8>> = plan.sections.iter().map(|s| s.criterion).collect();
        assert_eq!(criteria, [Some(1), Some(2), Some(4), Some(5)]);
        let numbers: Vec<Vec<&str>> = plan
            .sections
            .iter()
            .map(|s| {
                s.measures
                    .iter()
                    .map(|m| m.number.as_deref().unwrap())
                    .collect()
            })
            .collect();
        assert_eq!(
            numbers,
            [
                vec!["1", "2", "3"],
                vec!["1", "2", "3", "4"],
                vec!["1", "2"],
                vec!["1", "2", "3"]
            ]
        );
        let all = measures(&plan);
        assert!(all.iter().all(|m| m.information_source.is_some()));
        assert!(all
            .iter()
            .all(|m| !m.title.is_empty() && !m.deadline.is_empty()));
        assert_eq!(
            all[0].information_source.as_deref(),
            Some("Рейтинг на Интернет-сайте (www.bus.gov.ru)")
        );
        assert_eq!(
            all[5].information_source.as_deref(),
            Some("Социологические опросы получателей социальных услуг, отзывы получателей социальных услуг, отчеты об эффективности деятельности учреждений социального обслуживания")
        );
        assert_eq!(all[2].deadline, "Постоянно (по отдельным планам)");

        // Measure 1: two authorities and fourteen institutions, one of which a page break cut
        // after "ГУТО « Центр" and a dropped cell shifted into the deadline column.
        let first = &all[0].executors;
        assert_eq!(first.len(), 16, "{first:#?}");
        assert_eq!(
            first[0],
            institution("Министерство труда и социальной защиты Тульской области")
        );
        assert_eq!(
            first[2],
            institution("ГУСОН ТО «Региональный ресурсный центр «Перспектива»")
        );
        assert_eq!(
            first[3],
            institution("ГУСОН ТО «Кризисный центр помощи женщинам»")
        );
        assert_eq!(
            first[13],
            institution("ГУТО « Центр социального обслуживания населения №1»")
        );
        assert_eq!(all[0].deadline, "2017 год");
        assert_eq!(
            all[2].executors[3],
            institution("ГУТО «Дубенский дом-интернат для престарелых и инвалидов»")
        );
        assert!(all.iter().filter(|m| m.executors.len() > 3).count() >= 5);
        assert_eq!(
            all[3].executors.last(),
            Some(&institution(
                "ГУТО «Первомайский дом-интернат для престарелых и инвалидов»"
            ))
        );

        let rows: Vec<usize> = plan.warnings.iter().map(|w| w.row).collect();
        assert_eq!(rows, [20, 52], "{:#?}", plan.warnings);
        assert_eq!(plan.warnings[0].column.as_deref(), Some("executors"));
    }

    #[test]
    fn broken_tables_are_errors_naming_rows() {
        assert_eq!(problems(&[]), [problem(0, None, "the sheet is empty")]);
        assert_eq!(problems(&[&["", " "], &[]])[0].row, 0);

        let wrong = problems(&[
            &["Отчёт"],
            &["Колонка 1", "Колонка 2", "Колонка 3"],
            &["1", "Что-то", "Когда-то"],
        ]);
        assert_eq!(wrong.len(), 1);
        assert_eq!(wrong[0].row, 2);
        assert!(wrong[0].message.contains("«Колонка 1»"));

        let no_title = problems(&[
            &["№", "Срок", "Ответственный"],
            &["1", "2019", "Иванов И.И."],
        ]);
        assert_eq!(no_title[0].row, 1);
        assert_eq!(no_title[0].column.as_deref(), Some("title"));

        let header_only = problems(&[HEADER, &["Открытость", "", "", ""]]);
        assert_eq!(header_only.len(), 1);
        assert_eq!(header_only[0].row, 1);
        assert!(header_only[0].message.contains("no measures"));

        let gaps = problems(&[
            HEADER,
            &["1", "", "постоянно", ""],
            &["2", "Провести опрос", "", ""],
        ]);
        let found: Vec<(usize, Option<&str>)> =
            gaps.iter().map(|p| (p.row, p.column.as_deref())).collect();
        assert_eq!(found, [(2, Some("title"))]);

        // No deadline is kept with a warning; an untitled row takes the title merged above.
        let kept = read(&[
            HEADER,
            &["1", "Провести опрос", "", ""],
            &["2", "", "постоянно", ""],
        ]);
        let all = measures(&kept);
        assert_eq!(all[0].deadline, "");
        assert_eq!(all[1].title, "Провести опрос");
        let noted: Vec<(usize, Option<&str>)> = kept
            .warnings
            .iter()
            .map(|w| (w.row, w.column.as_deref()))
            .collect();
        assert_eq!(
            noted,
            [(2, Some("deadline")), (3, Some("title")), (2, None)]
        );
    }

    #[test]
    fn signatures_after_the_table() {
        let lines = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            read_signature(&lines(&["Директор", "В.М.Зуева"])),
            Some(("Директор".into(), "В.М.Зуева".into(), None))
        );
        assert_eq!(
            read_signature(&lines(&["Директор В.М.Зуева", "20.01.2025"])),
            Some((
                "Директор".into(),
                "В.М.Зуева".into(),
                NaiveDate::from_ymd_opt(2025, 1, 20)
            ))
        );
        assert_eq!(read_signature(&lines(&["Директор"])), None);
        assert_eq!(read_signature(&[]), None);
    }

    #[test]
    fn executors_serialize_with_a_kind_tag() {
        let json = serde_json::to_value(person("А.В. Филиппов", Some("министр"))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "person", "full_name": "А.В. Филиппов", "position": "министр"})
        );
        let json = serde_json::to_value(institution("ГУТО «Центр»")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "institution", "name": "ГУТО «Центр»"})
        );
        assert_eq!(
            serde_json::to_value(CriteriaSet::Mintrud2018).unwrap(),
            serde_json::json!("mintrud2018")
        );
        let plan = read_plan_table(&test_seeds::rows("001"), CriteriaSet::Pre2018).unwrap();
        let back: PlanTable = serde_json::from_str(&serde_json::to_string(&plan).unwrap()).unwrap();
        assert_eq!(back, plan);
    }

    /// A small deterministic generator: no dependency for fuzzing.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, bound: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % bound.max(1)
        }
    }

    #[test]
    fn arbitrary_input_never_panics() {
        const PIECES: &[&str] = &[
            "",
            " ",
            "1",
            "2.",
            "I.",
            "№ п/п",
            "Наименование мероприятия",
            "Срок реализации",
            "Ответственный",
            "Результат",
            "Открытость",
            "обслужи-",
            "вания",
            "<p>",
            "</p",
            "<p>текст</p>",
            "«",
            "»",
            "(",
            ")",
            ",",
            ";",
            "\n",
            "И.",
            "И.О.",
            "Ф.",
            "Келлер",
            "ГУТО «",
            "-",
            "&#",
            "&#x110000;",
            "&",
            "ё",
            "УТВЕРЖДАЮ",
            "«30» ноября 2017 г.",
            "№",
            "\u{ad}",
            "\u{0}",
            "🙂",
            "ﬁ",
            "İ",
            "--",
            "оказывающие",
        ];
        let mut rng = Lcg(7);
        for _ in 0..400 {
            let height = rng.next(12);
            let table: Vec<Vec<String>> = (0..height)
                .map(|_| {
                    (0..rng.next(9))
                        .map(|_| {
                            (0..rng.next(6))
                                .map(|_| PIECES[rng.next(PIECES.len())])
                                .collect()
                        })
                        .collect()
                })
                .collect();
            for set in [CriteriaSet::Pre2018, CriteriaSet::Mintrud2018] {
                let _ = read_plan_table(&table, set);
            }
            for row in &table {
                for cell in row {
                    let _ = split_executors(cell);
                    let _ = parse_russian_date(cell);
                }
            }
        }
        let huge = "обслуживания «ГУТО», ".repeat(600) + "<p";
        let table = rows(&[
            HEADER,
            &["1", &huge, &huge, &huge],
            &["", &huge, &huge, &huge],
        ]);
        let plan = read_plan_table(&table, CriteriaSet::Pre2018).unwrap();
        assert_eq!(measures(&plan).len(), 1);
    }
}
