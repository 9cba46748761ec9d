//! Layout detection: which row is the header, what each column heading names, where the body
//! starts.

use super::cells::{has_word, measure_number};
use super::{problem, quoted_list, warning, Form, RowProblem, RowWarning};
use crate::domain::text::fold_words;

/// A measure field that a column of the form fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Number,
    Shortcoming,
    Title,
    Basis,
    Deadline,
    Executors,
    ExpectedResult,
    Indicators,
    InformationSource,
    /// The columns of the execution report, read by the report import only.
    MeasuresTaken,
    ActualDate,
    ExecutionInfo,
    Figures,
    Evidence,
}

impl Field {
    /// A column of the execution report rather than of the plan.
    pub(super) fn of_report(self) -> bool {
        matches!(
            self,
            Self::MeasuresTaken
                | Self::ActualDate
                | Self::ExecutionInfo
                | Self::Figures
                | Self::Evidence
        )
    }

    /// The name of the [`MeasureDraft`] field, as warnings and problems name the column.
    pub(super) fn key(self) -> &'static str {
        match self {
            Self::Number => "number",
            Self::Shortcoming => "shortcoming",
            Self::Title => "title",
            Self::Basis => "basis",
            Self::Deadline => "deadline",
            Self::Executors => "executors",
            Self::ExpectedResult => "expected_result",
            Self::Indicators => "indicators",
            Self::InformationSource => "information_source",
            Self::MeasuresTaken => "measures_taken",
            Self::ActualDate => "actual_date",
            Self::ExecutionInfo => "execution_info",
            Self::Figures => "figures",
            Self::Evidence => "evidence",
        }
    }

    /// How the heading usually reads, for messages to people who fill the form.
    pub(super) fn usual_heading(self) -> &'static str {
        match self {
            Self::Number => "№ п/п",
            Self::Shortcoming => "Недостатки, выявленные в ходе независимой оценки",
            Self::Title => "Наименование мероприятия",
            Self::Basis => "Основание реализации",
            Self::Deadline => "Срок реализации",
            Self::Executors => "Ответственный исполнитель",
            Self::ExpectedResult => "Результат",
            Self::Indicators => "Показатели, характеризующие результат",
            Self::InformationSource => "Источник и способ получения информации",
            Self::MeasuresTaken => "Реализованные меры по устранению выявленных недостатков",
            Self::ActualDate => "Фактический срок реализации",
            Self::ExecutionInfo => "Информация о выполнении",
            Self::Figures => "Значения показателей",
            Self::Evidence => "Подтверждающие материалы (ссылки)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Column {
    Field(Field),
    Unknown,
}

/// Headings longer than this are text, not headings.
const MAX_HEADING_CHARS: usize = 200;

/// What a column heading names. The order of the tests matters: headings quote each other
/// ("Основание (результат оценки)", "Показатели, характеризующие результат выполнения
/// мероприятий", "Мероприятия по устранению недостатков").
fn classify_heading(text: &str) -> Option<Column> {
    if text.is_empty() || text.chars().count() > MAX_HEADING_CHARS {
        return None;
    }
    let folded = fold_words(text);
    if folded.is_empty() {
        return None;
    }
    let has = |stem: &str| has_word(&folded, stem);
    let first = folded.split(' ').next().unwrap_or("");
    let words = folded.split(' ').count();
    let field = if first.starts_with('№')
        || (matches!(first, "n" | "no" | "номер" | "пп") && words <= 3)
        || folded == "п п"
    {
        Field::Number
    } else if has("фактическ") {
        Field::ActualDate
    } else if (has("сведени") && has("ход")) || has("реализованн") {
        Field::MeasuresTaken
    } else if has("отметк") || (has("информаци") && has("выполнени")) {
        Field::ExecutionInfo
    } else if has("значени") && has("показател") {
        Field::Figures
    } else if has("ссылк") || has("подтвержда") {
        Field::Evidence
    } else if has("источник") {
        Field::InformationSource
    } else if has("показател") {
        Field::Indicators
    } else if has("основани") {
        Field::Basis
    } else if has("срок") {
        Field::Deadline
    } else if has("ответствен") || has("исполнител") {
        Field::Executors
    } else if has("мероприят") {
        Field::Title
    } else if has("недостат") {
        Field::Shortcoming
    } else if has("результат") {
        Field::ExpectedResult
    } else {
        return Some(Column::Unknown);
    };
    Some(Column::Field(field))
}

/// The columns of the table and where its body starts.
pub(super) struct Layout {
    /// 0-based index of the header row.
    pub(super) row: usize,
    /// 0-based index of the first row below the header (and its sub-header).
    pub(super) data_start: usize,
    /// Per column up to the last heading; None where the heading is empty.
    pub(super) columns: Vec<Option<Column>>,
    pub(super) headings: Vec<String>,
}

impl Layout {
    pub(super) fn width(&self) -> usize {
        self.columns.len()
    }

    pub(super) fn field_at(&self, col: usize) -> Option<Field> {
        match self.columns.get(col) {
            Some(Some(Column::Field(field))) => Some(*field),
            _ => None,
        }
    }

    pub(super) fn col(&self, field: Field) -> Option<usize> {
        (0..self.width()).find(|&col| self.field_at(col) == Some(field))
    }

    /// The measure number a row starts with, if the table has a number column.
    pub(super) fn number_in(&self, row: &[String]) -> Option<String> {
        self.col(Field::Number)
            .and_then(|col| row.get(col))
            .and_then(|cell| measure_number(cell))
    }

    /// The leftmost column with a heading: where section headings are written.
    pub(super) fn first_col(&self) -> usize {
        self.columns.iter().position(Option::is_some).unwrap_or(0)
    }

    /// A header repeated on a later page.
    pub(super) fn is_repeated_header(&self, row: &[String]) -> bool {
        let filled = row.iter().filter(|cell| !cell.is_empty()).count();
        let same = row
            .iter()
            .zip(&self.headings)
            .filter(|(cell, heading)| {
                // Long cells are text, not headings; folding them for every row would be slow.
                !cell.is_empty()
                    && cell.len() <= 4 * MAX_HEADING_CHARS
                    && fold_words(cell) == fold_words(heading)
            })
            .count();
        same >= 2 && same * 2 >= filled
    }
}

fn recognised_fields(row: &[String]) -> Vec<Field> {
    let mut fields = Vec::new();
    for cell in row {
        if let Some(Column::Field(field)) = classify_heading(cell) {
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
    }
    fields
}

/// Finds the header row, merges a sub-header under it and checks the mandatory columns.
pub(super) fn find_layout(
    cells: &[Vec<String>],
    form: Form,
    warnings: &mut Vec<RowWarning>,
) -> Result<Layout, Vec<RowProblem>> {
    let header = header_row(cells).ok_or_else(|| vec![no_header_problem(cells)])?;
    let mut headings: Vec<String> = cells[header].clone();
    while headings.last().is_some_and(String::is_empty) {
        headings.pop();
    }
    let mut layout = Layout {
        row: header,
        data_start: header + 1,
        columns: headings.iter().map(|h| classify_heading(h)).collect(),
        headings,
    };
    layout.merge_sub_header(cells);
    let read = layout.set_aside_unread_columns(form, warnings);
    if !read.contains(&Field::Number) {
        if let Some(col) = unheaded_number_column(&cells[layout.data_start..], &layout.columns) {
            layout.columns[col] = Some(Column::Field(Field::Number));
        }
    }
    let missing = layout.missing_columns(&read);
    if missing.is_empty() {
        Ok(layout)
    } else {
        Err(missing)
    }
}

/// The first row with three recognised headings, else the first of those with the most (two at
/// least).
fn header_row(cells: &[Vec<String>]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in cells.iter().enumerate() {
        let count = recognised_fields(row).len();
        if count >= 3 {
            return Some(i);
        }
        if count >= 2 && best.is_none_or(|(_, known)| count > known) {
            best = Some((i, count));
        }
    }
    best.map(|(i, _)| i)
}

impl Layout {
    /// The 2018 form has a two-row header: "Сведения о ходе реализации" over "реализованные
    /// меры" and "фактический срок". A sub-header row refines the columns it has text in.
    fn merge_sub_header(&mut self, cells: &[Vec<String>]) {
        let Some(next) =
            (self.row + 1..cells.len()).find(|&i| cells[i].iter().any(|c| !c.is_empty()))
        else {
            return;
        };
        let sub = &cells[next];
        let first_col = self.first_col();
        let differing: Vec<usize> = (0..sub.len())
            .filter(|&c| !sub[c].is_empty() && self.headings.get(c) != Some(&sub[c]))
            .collect();
        let is_sub_header = !differing.is_empty()
            && !differing.contains(&first_col)
            && differing.iter().all(|&c| {
                sub[c].chars().count() <= MAX_HEADING_CHARS && measure_number(&sub[c]).is_none()
            })
            && differing
                .iter()
                .any(|&c| matches!(classify_heading(&sub[c]), Some(Column::Field(_))));
        if !is_sub_header {
            return;
        }
        for &c in &differing {
            if c >= self.headings.len() {
                self.headings.resize(c + 1, String::new());
                self.columns.resize(c + 1, None);
            }
            let refined = classify_heading(&sub[c]).filter(|kind| *kind != Column::Unknown);
            self.columns[c] = refined.or(self.columns[c]).or(Some(Column::Unknown));
            self.headings[c] = if self.headings[c].is_empty() {
                sub[c].clone()
            } else {
                format!("{} / {}", self.headings[c], sub[c])
            };
        }
        self.data_start = next + 1;
    }

    /// Warns of the columns that are not read (a second column of a field, columns of the
    /// report and unknown ones) and returns the fields that are.
    fn set_aside_unread_columns(
        &mut self,
        form: Form,
        warnings: &mut Vec<RowWarning>,
    ) -> Vec<Field> {
        let row = self.row + 1;
        let mut read: Vec<Field> = Vec::new();
        for (column, heading) in self.columns.iter_mut().zip(&self.headings) {
            let heading = Some(heading.as_str());
            match *column {
                Some(Column::Field(field)) if read.contains(&field) => {
                    warnings.push(warning(
                        row,
                        heading,
                        format!(
                            "a second «{}» column; only the first is read",
                            field.usual_heading()
                        ),
                    ));
                    *column = Some(Column::Unknown);
                }
                // Read all the same, so that page-break fragments align as in a report;
                // the plan leaves what they say out.
                Some(Column::Field(field)) if field.of_report() && form == Form::Plan => {
                    warnings.push(warning(
                        row,
                        heading,
                        "a column of the execution report, not of the plan; ignored",
                    ));
                    read.push(field);
                }
                Some(Column::Field(field)) => read.push(field),
                Some(Column::Unknown) => warnings.push(warning(
                    row,
                    heading,
                    "a column that is not part of the plan form; ignored",
                )),
                None => {}
            }
        }
        read
    }

    /// A problem for each mandatory column the header lacks: the title (a measure may have no
    /// deadline, seed 004 has no deadline column).
    fn missing_columns(&self, read: &[Field]) -> Vec<RowProblem> {
        let found: Vec<&str> = self
            .headings
            .iter()
            .filter(|h| !h.is_empty())
            .map(String::as_str)
            .collect();
        [Field::Title]
            .into_iter()
            .filter(|field| !read.contains(field))
            .map(|field| {
                problem(
                    self.row + 1,
                    Some(field.key()),
                    format!(
                        "the header has no «{}» column; its headings are {}",
                        field.usual_heading(),
                        quoted_list(&found)
                    ),
                )
            })
            .collect()
    }
}

/// A column whose heading is empty but whose cells are mostly measure numbers ("1.", "1.1.")
/// is the number column all the same.
fn unheaded_number_column(body: &[Vec<String>], columns: &[Option<Column>]) -> Option<usize> {
    (0..columns.len())
        .filter(|&col| columns[col].is_none())
        .find(|&col| {
            let (mut numbers, mut others) = (0, 0);
            for row in body {
                let multi_cell = row.iter().filter(|cell| !cell.is_empty()).count() > 1;
                match row.get(col) {
                    Some(cell) if multi_cell && measure_number(cell).is_some() => numbers += 1,
                    Some(cell) if multi_cell && !cell.is_empty() => others += 1,
                    _ => {}
                }
            }
            numbers >= 2 && numbers > others
        })
}

fn no_header_problem(cells: &[Vec<String>]) -> RowProblem {
    let expected = "expected headings such as «№ п/п», «Наименование мероприятия», «Срок реализации», «Ответственный исполнитель»";
    let candidate = cells
        .iter()
        .position(|row| row.iter().filter(|cell| !cell.is_empty()).count() >= 2);
    match candidate {
        Some(i) => {
            let found: Vec<&str> = cells[i]
                .iter()
                .filter(|cell| !cell.is_empty())
                .map(String::as_str)
                .collect();
            problem(
                i + 1,
                None,
                format!(
                    "no header of a plan table found; the first row with several cells has {}; {expected}",
                    quoted_list(&found)
                ),
            )
        }
        None => problem(
            0,
            None,
            format!("no row looks like a table header; {expected}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan_form::read_report_table;
    use crate::domain::plan_form::test_tables::*;

    #[test]
    fn yugra_assessment_plan_has_an_unheaded_number_column() {
        // Seed 002 is an order with a plan of the assessment itself: its number column has no
        // heading, and a page break puts "Руководители …" under "Пономарева Т.А.".
        let plan = read_plan_table(&test_seeds::rows("002"), CriteriaSet::Pre2018).unwrap();
        let all = measures(&plan);
        assert_eq!(all.len(), 32);
        let numbers: Vec<&str> = all.iter().map(|m| m.number.as_deref().unwrap()).collect();
        // Kept as the order writes them.
        assert_eq!(numbers[..4], ["1.", "1.1.", "1.2.", "1.3."]);
        assert_eq!(numbers.last(), Some(&"24."));
        let seventeenth = all
            .iter()
            .find(|m| m.number.as_deref() == Some("17."))
            .unwrap();
        assert_eq!(
            seventeenth.executors,
            [
                person("Пономарева Т.А.", None),
                institution(
                    "Руководители организаций, оказывающих услуги в сфере социального обслуживания"
                ),
            ]
        );
        assert_eq!(
            all[0].executors.last(),
            Some(&institution("члены Общественного совета"))
        );
    }

    #[test]
    fn report_without_deadline_column_reads_as_a_plan_without_deadlines() {
        // Seed 004 is an execution report; its plan is its first three columns.
        let plan = read_plan_table(&test_seeds::rows("004"), CriteriaSet::Mintrud2018)
            .expect("a measure may have no deadline");
        let all = measures(&plan);
        assert!(all.len() > 40, "{}", all.len());
        assert!(all.iter().all(|m| m.deadline.is_empty()));
        let without: Vec<usize> = plan
            .warnings
            .iter()
            .filter(|w| w.column.as_deref() == Some("deadline"))
            .map(|w| w.row)
            .collect();
        assert_eq!(without, all.iter().map(|m| m.row).collect::<Vec<_>>());
        assert!(all.iter().all(|m| m.execution == Default::default()));
        assert_eq!(plan.trailer, ["Директор", "В.М.Зуева"]);
        let reported = plan
            .warnings
            .iter()
            .find(|w| w.column.as_deref() == Some("Информация о выполнении"))
            .expect("the report's column is named");
        assert_eq!(reported.row, 6);
    }

    #[test]
    fn seed_004_reads_as_a_report() {
        let report = read_report_table(&test_seeds::rows("004"), CriteriaSet::Mintrud2018)
            .expect("seed 004 is a report");
        let all = measures(&report);
        let first = all[0];
        assert_eq!(first.number.as_deref(), Some("1.1."));
        assert!(first
            .title
            .starts_with("Размещение информации о деятельности"));
        assert!(first
            .execution
            .execution_info
            .as_deref()
            .unwrap()
            .contains("распространение информационных листовок и буклетов – 2823"));
        assert!(first
            .expected_result
            .as_deref()
            .unwrap()
            .starts_with("- улучшение работы"));
        // "2.1 0." is 2.10 with a space from the PDF conversion: a row of its own.
        let numbers: Vec<&str> = all.iter().filter_map(|m| m.number.as_deref()).collect();
        assert!(
            numbers.contains(&"2.1 0.") && numbers.contains(&"2.1 3."),
            "{numbers:?}"
        );
        // 1.2 has no measure of its own: the title cell of 1.1 is merged over it.
        assert_eq!(all[1].number.as_deref(), Some("1.2."));
        assert_eq!(all[1].title, first.title);
        assert!(all[1].execution.execution_info.is_some());
        let surveyed = all
            .iter()
            .find(|m| m.number.as_deref() == Some("7.1."))
            .unwrap();
        assert!(surveyed
            .execution
            .execution_info
            .as_deref()
            .unwrap()
            .contains("участвовало 719 человек"));
        assert!(!report
            .warnings
            .iter()
            .any(|w| w.message.contains("execution report")));
        assert_eq!(report.trailer, ["Директор", "В.М.Зуева"]);
        // Page-break fragments join the same cells whether the sheet is read as a plan or as
        // a report: the report's rows find the plan's measures.
        let plan = read_plan_table(&test_seeds::rows("004"), CriteriaSet::Mintrud2018).unwrap();
        let identity = |m: &&MeasureDraft| (m.number.clone(), m.title.clone(), m.basis.clone());
        assert_eq!(
            measures(&plan).iter().map(identity).collect::<Vec<_>>(),
            all.iter().map(identity).collect::<Vec<_>>()
        );
    }

    #[test]
    fn heading_variants_are_recognised() {
        let cases = [
            ("№ п/п", Field::Number),
            ("N п/п", Field::Number),
            ("Мероприятие", Field::Title),
            ("Мероприятия по устранению недостатков", Field::Title),
            ("Наименование мероприятия по устранению недостатков, выявленных в ходе независимой оценки качества условий оказания услуг организацией", Field::Title),
            ("Недостатки, выявленные в ходе независимой оценки", Field::Shortcoming),
            ("Основание для реализации (результат независимой оценки качества)", Field::Basis),
            ("Срок исполнения", Field::Deadline),
            ("Плановый срок реализации мероприятия", Field::Deadline),
            ("ОТВЕТСТВЕННЫЕ  ИСПОЛНИТЕЛИ", Field::Executors),
            ("Ответственный исполнитель (с указанием фамилии, имени, отчества и должности)", Field::Executors),
            ("Ожидаемый результат", Field::ExpectedResult),
            ("Показатели, характеризующие результат выполнения мероприятий", Field::Indicators),
            ("Показатели, характеризующие результат", Field::Indicators),
            ("Источник и способ получения информации", Field::InformationSource),
        ];
        for (heading, field) in cases {
            assert_eq!(
                classify_heading(heading),
                Some(Column::Field(field)),
                "{heading}"
            );
        }
        assert_eq!(
            classify_heading("фактический срок реализации"),
            Some(Column::Field(Field::ActualDate))
        );
        for (heading, field) in [
            ("Информация о выполнении", Field::ExecutionInfo),
            ("Сведения о ходе реализации мероприятия: реализованные меры по устранению выявленных недостатков", Field::MeasuresTaken),
            ("Сведения о ходе реализации мероприятия: фактический срок реализации", Field::ActualDate),
            ("Значения показателей", Field::Figures),
            ("Подтверждающие материалы (ссылки)", Field::Evidence),
        ] {
            assert_eq!(classify_heading(heading), Some(Column::Field(field)), "{heading}");
        }
        assert_eq!(classify_heading("Примечание"), Some(Column::Unknown));
        assert_eq!(classify_heading(""), None);
    }

    #[test]
    fn official_2018_form_with_two_row_header() {
        let plan = read_plan_table(
            &rows(&[
                &["Недостатки, выявленные в ходе независимой оценки качества условий оказания услуг организацией", "Наименование мероприятия по устранению недостатков", "Плановый срок реализации мероприятия", "Ответственный исполнитель (с указанием фамилии, имени, отчества и должности)", "Сведения о ходе реализации мероприятия", ""],
                &["", "", "", "", "реализованные меры по устранению выявленных недостатков", "фактический срок реализации"],
                &["I. Открытость и доступность информации об организации социального обслуживания", "", "", "", "", ""],
                &["Нет порядка подачи жалобы на сайте", "Разместить порядок подачи жалобы", "до 01.03.2019", "директор Сидорова Е.В.", "", ""],
                &["II. Доступность услуг для инвалидов", "", "", "", "", ""],
                &["Нет пандуса", "Установить пандус", "IV квартал 2019", "Петров П.П., заместитель директора", "", ""],
                &["Нет пандуса", "Установить пандус", "IV квартал 2019", "Сидорова Е.В.", "", ""],
                &["Нет пандуса", "Оборудовать туалет", "2020 год", "Сидорова Е.В.", "", ""],
            ]),
            CriteriaSet::Mintrud2018,
        )
        .unwrap();
        let criteria: Vec<Option<u8>> = plan.sections.iter().map(|s| s.criterion).collect();
        assert_eq!(criteria, [Some(1), Some(3)]);
        let all = measures(&plan);
        // A shortcoming merged over two measures, a title merged over two executors' rows.
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].number, None);
        assert_eq!(
            all[0].shortcoming.as_deref(),
            Some("Нет порядка подачи жалобы на сайте")
        );
        assert_eq!(
            all[0].executors,
            [person("Сидорова Е.В.", Some("директор"))]
        );
        assert_eq!(
            all[1].executors,
            [
                person("Петров П.П.", Some("заместитель директора")),
                person("Сидорова Е.В.", None)
            ]
        );
        assert_eq!(all[2].shortcoming.as_deref(), Some("Нет пандуса"));
        assert_eq!(all[2].title, "Оборудовать туалет");
        // Both report columns are named, none fails the plan.
        assert_eq!(plan.warnings.len(), 2, "{:#?}", plan.warnings);
        assert!(plan.warnings.iter().all(|w| w.row == 1));
    }

    #[test]
    fn numbering_row_repeated_header_and_unknown_column() {
        let plan = read(&[
            &[
                "№ п/п",
                "Наименование мероприятия",
                "Срок реализации",
                "Ответственный",
                "Примечание",
            ],
            &["1", "2", "3", "4", "5"],
            &["1.", "Обновить стенды", "постоянно", "Иванов И.И.", ""],
            &["--", "--", "---", "--", "--"],
            &[
                "№ п/п",
                "Наименование мероприятия",
                "Срок реализации",
                "Ответственный",
                "Примечание",
            ],
            &["2.", "Провести опрос", "ежеквартально", "", "по плану"],
        ]);
        let all = measures(&plan);
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].number.as_deref(), Some("2."));
        assert!(all[1].executors.is_empty());
        assert_eq!(plan.sections[0].heading, "");
        let messages: Vec<(usize, Option<&str>)> = plan
            .warnings
            .iter()
            .map(|w| (w.row, w.column.as_deref()))
            .collect();
        assert_eq!(messages, [(1, Some("Примечание")), (3, None)]);
    }
}
