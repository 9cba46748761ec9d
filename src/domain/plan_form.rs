//! Reads the tabular form of an improvement plan (ПП РФ № 457 and the regional forms before it)
//! from the cells of an uploaded sheet: the approval block («УТВЕРЖДАЮ»), the title, sections by
//! assessment criterion and the measures with deadline, executors and results. Pure: no I/O.
//!
//! Real plans are conversions of Word or PDF documents, so the reader tolerates what those leave
//! behind: page breaks that split a measure over several rows, HTML artefacts (`<p>`), words
//! hyphenated at a line end, ragged rows, repeated headers and signature lines after the table.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

/// A plan table as read from a sheet, before it is checked against the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlanTable {
    pub approval: Option<ApprovalBlock>,
    pub title: Option<String>,
    pub sections: Vec<SectionDraft>,
    pub warnings: Vec<RowWarning>,
}

/// The «УТВЕРЖДАЮ» block above the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalBlock {
    /// The signatory's position as written, lines joined ("" when the block names none).
    pub position: String,
    /// As written: "П.А.Келлер", "А.В. Филиппов" ("" when the block names nobody).
    pub full_name: String,
    pub date: Option<NaiveDate>,
    /// The number after "№", when the block cites an order.
    pub document_number: Option<String>,
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
}

/// Who answers for a measure: a named person or an organization (or a description of a group
/// of them, such as "директора организаций социального обслуживания, оказывающие …").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Executor {
    Person {
        full_name: String,
        position: Option<String>,
    },
    Institution {
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
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| clean_cell(cell)).collect())
        .collect();
    if cells.iter().all(|row| row.iter().all(String::is_empty)) {
        return Err(vec![problem(0, None, "the sheet is empty")]);
    }
    let mut warnings = Vec::new();
    let layout = find_layout(&cells, &mut warnings)?;

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
    let sections = body.finish(criteria, layout.row + 1);
    warnings.append(&mut body.warnings);
    if !body.problems.is_empty() {
        return Err(body.problems);
    }
    Ok(PlanTable {
        approval,
        title,
        sections,
        warnings,
    })
}

/// The criterion (1..=5) a section heading names in `set`, if any.
pub fn heading_criterion(heading: &str, set: CriteriaSet) -> Option<u8> {
    criterion_reading(heading, set).map(|(criterion, _)| criterion)
}

/// Splits the text of an "Ответственный" cell into people and organizations. Items are
/// separated by commas, semicolons and line breaks outside «quotes» and (parentheses); a
/// fragment that starts with a lower-case word continues the item before it ("…, оказывающие
/// услуги …") unless that word names an organization or a post ("учреждения …", "директор …").
pub fn split_executors(text: &str) -> Vec<Executor> {
    let text = clean_cell(text);
    split_items(&text)
        .into_iter()
        .map(|item| executor_of(&item))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Cells

/// Tags that separate paragraphs in Word→HTML→text conversions become line breaks; inline ones
/// just vanish.
const BLOCK_TAGS: &[&str] = &[
    "p", "div", "ul", "ol", "li", "br", "tr", "td", "th", "table", "h1", "h2", "h3", "h4", "h5",
    "h6",
];
const INLINE_TAGS: &[&str] = &[
    "span", "b", "i", "u", "s", "em", "strong", "font", "sup", "sub", "a",
];

/// Strips conversion artefacts (HTML tags and entities, markdown `**`, soft hyphens) and
/// normalises spaces: single spaces inside a line, paragraphs on separate lines.
fn clean_cell(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(pos) = rest.find(['<', '&']) {
        text.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        match markup_at(tail) {
            Some((replacement, len)) => {
                text.extend(replacement);
                rest = &tail[len..];
            }
            None => {
                // '<' and '&' are one byte long.
                text.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    text.push_str(rest);
    // Soft hyphens and zero-width marks are invisible in the document and only break words.
    let text: String = text
        .replace("**", "")
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'
            )
        })
        .collect();

    let mut out = String::with_capacity(text.len());
    for line in text.split(['\n', '\r', '\u{b}', '\u{2028}', '\u{2029}']) {
        let mut words = line
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|word| !word.is_empty())
            .peekable();
        if words.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        for (i, word) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// An HTML tag or entity at the start of `tail`: what replaces it and its length in bytes.
fn markup_at(tail: &str) -> Option<(Option<char>, usize)> {
    if tail.starts_with('&') {
        let end = tail[..floor_boundary(tail, 12)].find(';')?;
        let name = &tail[1..end];
        let c = match name {
            "nbsp" => ' ',
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "laquo" => '«',
            "raquo" => '»',
            "ndash" => '–',
            "mdash" => '—',
            _ => {
                let code = name.strip_prefix('#')?;
                let value = match code.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => code.parse().ok()?,
                };
                char::from_u32(value)?
            }
        };
        return Some((Some(c), end + 1));
    }
    let window = &tail[..floor_boundary(tail, 512)];
    let end = window.find('>')?;
    let inner = &tail[1..end];
    if inner.contains('<') {
        return None;
    }
    let name_part = inner.strip_prefix('/').unwrap_or(inner);
    let name_len = name_part
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(name_part.len());
    let after = &name_part[name_len..];
    if !(after.is_empty() || after.starts_with([' ', '/', '\t', '\n'])) {
        return None;
    }
    let name = name_part[..name_len].to_ascii_lowercase();
    if BLOCK_TAGS.contains(&name.as_str()) {
        Some((Some('\n'), end + 1))
    } else if INLINE_TAGS.contains(&name.as_str()) {
        Some((None, end + 1))
    } else {
        None
    }
}

/// The largest char boundary of `text` not beyond `max` bytes.
fn floor_boundary(text: &str, max: usize) -> usize {
    if max >= text.len() {
        return text.len();
    }
    (0..=max)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// The last `max` bytes (or fewer, on a char boundary) of `text`.
fn tail_of(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

fn join_nonempty(row: &[String], separator: &str) -> String {
    row.iter()
        .filter(|cell| !cell.is_empty())
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(separator)
}

/// Lower case, ё = е, everything but letters, digits and № turned into single spaces: the form
/// in which headings are compared.
fn fold_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = if c == 'ё' { 'е' } else { c };
        if c.is_alphanumeric() || c == '№' {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Whether a word of `folded` starts with `stem` (so one stem matches every case ending).
fn has_word(folded: &str, stem: &str) -> bool {
    folded.split(' ').any(|word| word.starts_with(stem))
}

fn starts_lowercase(text: &str) -> bool {
    text.chars().next().is_some_and(char::is_lowercase)
}

fn starts_uppercase(text: &str) -> bool {
    text.chars().next().is_some_and(char::is_uppercase)
}

/// "1", "1.", "2.3", "4)" as a measure number ("2.3" kept without the trailing mark).
fn measure_number(text: &str) -> Option<String> {
    let core = text.trim().trim_end_matches(['.', ')']);
    let valid = !core.is_empty()
        && core
            .split('.')
            .all(|part| (1..=3).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()));
    valid.then(|| core.to_owned())
}

/// "I", "IV." — the numbering of sections in the 2018 form.
fn is_roman_numeral(text: &str) -> bool {
    let core = text.trim().trim_end_matches('.');
    (1..=5).contains(&core.len()) && core.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L'))
}

/// Rows of dashes that text conversions draw under headers and at page ends.
fn is_separator_row(row: &[String]) -> bool {
    let mut any = false;
    for cell in row.iter().filter(|cell| !cell.is_empty()) {
        any = true;
        if !cell.chars().all(|c| {
            matches!(
                c,
                '-' | '–' | '—' | '_' | '=' | '|' | '+' | ':' | '.' | '*' | ' '
            )
        }) {
            return false;
        }
    }
    any
}

/// The "1 2 3 4 5 6 7" row that numbers the columns under many headers.
fn is_column_numbering_row(row: &[String]) -> bool {
    let numbers: Vec<&String> = row.iter().filter(|cell| !cell.is_empty()).collect();
    numbers.len() >= 3
        && numbers
            .iter()
            .enumerate()
            .all(|(i, cell)| cell.trim_end_matches('.').parse::<usize>().ok() == Some(i + 1))
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

// ---------------------------------------------------------------------------------------------
// Header

/// A measure field that a column of the form fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Number,
    Shortcoming,
    Title,
    Basis,
    Deadline,
    Executors,
    ExpectedResult,
    Indicators,
    InformationSource,
}

impl Field {
    /// The name of the [`MeasureDraft`] field, as warnings and problems name the column.
    fn key(self) -> &'static str {
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
        }
    }

    /// How the heading usually reads, for messages to people who fill the form.
    fn usual_heading(self) -> &'static str {
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
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Field(Field),
    /// A column of the execution report ("Сведения о ходе реализации", "фактический срок").
    Report,
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
    } else if (has("сведени") && has("ход"))
        || has("реализованн")
        || has("фактическ")
        || has("отметк")
        || (has("информаци") && has("выполнени"))
    {
        return Some(Column::Report);
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
struct Layout {
    /// 0-based index of the header row.
    row: usize,
    /// 0-based index of the first row below the header (and its sub-header).
    data_start: usize,
    /// Per column up to the last heading; None where the heading is empty.
    columns: Vec<Option<Column>>,
    headings: Vec<String>,
}

impl Layout {
    fn width(&self) -> usize {
        self.columns.len()
    }

    fn field_at(&self, col: usize) -> Option<Field> {
        match self.columns.get(col) {
            Some(Some(Column::Field(field))) => Some(*field),
            _ => None,
        }
    }

    fn col(&self, field: Field) -> Option<usize> {
        (0..self.width()).find(|&col| self.field_at(col) == Some(field))
    }

    /// The measure number a row starts with, if the table has a number column.
    fn number_in(&self, row: &[String]) -> Option<String> {
        self.col(Field::Number)
            .and_then(|col| row.get(col))
            .and_then(|cell| measure_number(cell))
    }

    /// The leftmost column with a heading: where section headings are written.
    fn first_col(&self) -> usize {
        self.columns.iter().position(Option::is_some).unwrap_or(0)
    }

    /// A header repeated on a later page.
    fn is_repeated_header(&self, row: &[String]) -> bool {
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

/// Finds the header row (the first with three recognised headings, else the best with two),
/// merges a sub-header under it and checks the mandatory columns.
fn find_layout(
    cells: &[Vec<String>],
    warnings: &mut Vec<RowWarning>,
) -> Result<Layout, Vec<RowProblem>> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in cells.iter().enumerate() {
        let count = recognised_fields(row).len();
        if count >= 3 {
            best = Some((i, count));
            break;
        }
        if count >= 2 && best.is_none_or(|(_, known)| count > known) {
            best = Some((i, count));
        }
    }
    let Some((header, _)) = best else {
        return Err(vec![no_header_problem(cells)]);
    };

    let mut headings: Vec<String> = cells[header].clone();
    while headings.last().is_some_and(String::is_empty) {
        headings.pop();
    }
    let mut columns: Vec<Option<Column>> = headings.iter().map(|h| classify_heading(h)).collect();
    let mut data_start = header + 1;

    // The 2018 form has a two-row header: "Сведения о ходе реализации" over "реализованные
    // меры" and "фактический срок". A sub-header row refines the columns it has text in.
    if let Some(next) = (header + 1..cells.len()).find(|&i| cells[i].iter().any(|c| !c.is_empty()))
    {
        let sub = &cells[next];
        let first_col = columns.iter().position(Option::is_some).unwrap_or(0);
        let differing: Vec<usize> = (0..sub.len())
            .filter(|&c| !sub[c].is_empty() && headings.get(c) != Some(&sub[c]))
            .collect();
        let is_sub_header = !differing.is_empty()
            && !differing.contains(&first_col)
            && differing.iter().all(|&c| {
                sub[c].chars().count() <= MAX_HEADING_CHARS && measure_number(&sub[c]).is_none()
            })
            && differing.iter().any(|&c| {
                matches!(
                    classify_heading(&sub[c]),
                    Some(Column::Field(_) | Column::Report)
                )
            });
        if is_sub_header {
            for &c in &differing {
                if c >= headings.len() {
                    headings.resize(c + 1, String::new());
                    columns.resize(c + 1, None);
                }
                let refined = classify_heading(&sub[c]).filter(|kind| *kind != Column::Unknown);
                columns[c] = refined.or(columns[c]).or(Some(Column::Unknown));
                headings[c] = if headings[c].is_empty() {
                    sub[c].clone()
                } else {
                    format!("{} / {}", headings[c], sub[c])
                };
            }
            data_start = next + 1;
        }
    }

    let row = header + 1;
    let mut seen: Vec<Field> = Vec::new();
    for (col, column) in columns.iter_mut().enumerate() {
        let heading = headings[col].as_str();
        match *column {
            Some(Column::Field(field)) if seen.contains(&field) => {
                warnings.push(warning(
                    row,
                    Some(heading),
                    format!(
                        "a second «{}» column; only the first is read",
                        field.usual_heading()
                    ),
                ));
                *column = Some(Column::Unknown);
            }
            Some(Column::Field(field)) => seen.push(field),
            Some(Column::Report) => warnings.push(warning(
                row,
                Some(heading),
                "a column of the execution report, not of the plan; ignored",
            )),
            Some(Column::Unknown) => warnings.push(warning(
                row,
                Some(heading),
                "a column that is not part of the plan form; ignored",
            )),
            None => {}
        }
    }

    if !seen.contains(&Field::Number) {
        if let Some(col) = unheaded_number_column(&cells[data_start..], &columns) {
            columns[col] = Some(Column::Field(Field::Number));
        }
    }

    let missing: Vec<Field> = [Field::Title, Field::Deadline]
        .into_iter()
        .filter(|field| !seen.contains(field))
        .collect();
    if !missing.is_empty() {
        let found: Vec<&str> = headings
            .iter()
            .filter(|h| !h.is_empty())
            .map(String::as_str)
            .collect();
        return Err(missing
            .into_iter()
            .map(|field| {
                problem(
                    row,
                    Some(field.key()),
                    format!(
                        "the header has no «{}» column; its headings are {}",
                        field.usual_heading(),
                        quoted_list(&found)
                    ),
                )
            })
            .collect());
    }
    Ok(Layout {
        row: header,
        data_start,
        columns,
        headings,
    })
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

// ---------------------------------------------------------------------------------------------
// Body

/// How a row's cells extend the open measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Join {
    /// A fragment split off by a page break: the text runs on.
    Wrapped,
    /// Another row of the same measure (its number cell merged over several rows): one more
    /// entry per cell, on a line of its own.
    Lines,
}

struct Section {
    /// 1-based row of the heading; 0 for the measures before every heading.
    row: usize,
    heading: String,
    measures: Vec<MeasureDraft>,
}

struct OpenMeasure {
    row: usize,
    number: Option<String>,
    /// Per column of the layout.
    cells: Vec<String>,
    /// The cells of its first row, to recognise copies of merged cells.
    first: Vec<String>,
}

/// Walks the rows below the header, keeping the measure that fragments join.
struct Body<'a> {
    layout: &'a Layout,
    sections: Vec<Section>,
    open: Option<OpenMeasure>,
    /// The last row read was a heading (a heading broken over two rows continues).
    after_heading: bool,
    warnings: Vec<RowWarning>,
    problems: Vec<RowProblem>,
}

impl<'a> Body<'a> {
    fn new(layout: &'a Layout) -> Self {
        Self {
            layout,
            sections: Vec::new(),
            open: None,
            after_heading: false,
            warnings: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn row(&mut self, row: usize, cells: &[String], next_number: Option<&str>) {
        let filled: Vec<usize> = (0..cells.len()).filter(|&c| !cells[c].is_empty()).collect();
        if filled.is_empty()
            || is_separator_row(cells)
            || is_column_numbering_row(cells)
            || self.layout.is_repeated_header(cells)
        {
            return;
        }
        let number_col = self.layout.col(Field::Number);
        if let Some(number) = self.layout.number_in(cells) {
            // "1 | Открытость …" above "1.1", "1.2" is a numbered section heading.
            let group = next_number
                .and_then(|next| next.strip_prefix(number.as_str()))
                .is_some_and(|rest| rest.starts_with('.'));
            let texts: Vec<usize> = filled
                .iter()
                .copied()
                .filter(|&c| Some(c) != number_col)
                .collect();
            if let (true, &[text]) = (group, texts.as_slice()) {
                self.heading(row, cells[text].clone());
            } else if self.is_same_measure(&number, cells) {
                self.extend(row, cells, &filled, Join::Lines);
            } else {
                self.start(row, Some(number), cells);
            }
        } else if let Some(heading) = self.heading_in(cells, &filled) {
            self.heading(row, heading);
        } else if number_col.is_none() && self.starts_unnumbered_measure(cells) {
            if self.repeats_open_title(cells) {
                self.extend(row, cells, &filled, Join::Lines);
            } else {
                self.start(row, None, cells);
            }
        } else {
            self.extend(row, cells, &filled, Join::Wrapped);
        }
    }

    /// A row that repeats the open measure's number is more of it when it looks like a copy
    /// of merged cells: some cell repeats the first row, or it has no title of its own.
    fn is_same_measure(&self, number: &str, cells: &[String]) -> bool {
        let Some(open) = &self.open else {
            return false;
        };
        if open.number.as_deref() != Some(number) {
            return false;
        }
        let number_col = self.layout.col(Field::Number);
        let repeats = (0..cells.len().min(open.first.len()))
            .any(|c| Some(c) != number_col && !cells[c].is_empty() && cells[c] == open.first[c]);
        let untitled = self
            .layout
            .col(Field::Title)
            .is_none_or(|c| cells.get(c).is_none_or(String::is_empty));
        repeats || untitled
    }

    /// Without a number column, a row with both a title and a deadline starts a measure.
    fn starts_unnumbered_measure(&self, cells: &[String]) -> bool {
        let filled = |field| {
            self.layout
                .col(field)
                .and_then(|c| cells.get(c))
                .is_some_and(|cell| !cell.is_empty())
        };
        filled(Field::Title) && filled(Field::Deadline)
    }

    /// Without numbers, a merged title copied onto the next row marks more of the same measure.
    fn repeats_open_title(&self, cells: &[String]) -> bool {
        let (Some(open), Some(col)) = (&self.open, self.layout.col(Field::Title)) else {
            return false;
        };
        cells.get(col) == open.first.get(col)
    }

    /// The text of a section heading row: one cell in the first column (or a roman numeral and
    /// one more cell), or a criterion written in the title column.
    fn heading_in(&self, cells: &[String], filled: &[usize]) -> Option<String> {
        let first_col = self.layout.first_col();
        let has_number_col = self.layout.col(Field::Number).is_some();
        let names_criterion = |text: &str| {
            criterion_reading(text, CriteriaSet::Pre2018).is_some()
                || criterion_reading(text, CriteriaSet::Mintrud2018).is_some()
        };
        match filled {
            [only] => {
                let text = &cells[*only];
                let numbered = is_roman_numeral(text.split(' ').next().unwrap_or(""));
                if *only == first_col && (has_number_col || names_criterion(text) || numbered) {
                    return Some(text.clone());
                }
                let in_title = self.layout.col(Field::Title) == Some(*only);
                (in_title && starts_uppercase(text) && names_criterion(text)).then(|| text.clone())
            }
            [numeral, text] if *numeral == first_col && is_roman_numeral(&cells[*numeral]) => {
                Some(format!("{} {}", cells[*numeral], cells[*text]))
            }
            _ => None,
        }
    }

    fn heading(&mut self, row: usize, text: String) {
        self.close();
        if self.after_heading {
            if let Some(section) = self.sections.last_mut() {
                if section.heading == text {
                    return;
                }
                if starts_lowercase(&text) {
                    section.heading.push(' ');
                    section.heading.push_str(&text);
                    return;
                }
            }
        }
        self.sections.push(Section {
            row,
            heading: text,
            measures: Vec::new(),
        });
        self.after_heading = true;
    }

    fn start(&mut self, row: usize, number: Option<String>, cells: &[String]) {
        self.close();
        let width = self.layout.width();
        if cells.iter().skip(width).any(|cell| !cell.is_empty()) {
            self.warnings.push(warning(
                row,
                None,
                "text in columns without a heading is ignored",
            ));
        }
        let mut own: Vec<String> = cells.iter().take(width).cloned().collect();
        own.resize(width, String::new());
        self.open = Some(OpenMeasure {
            row,
            number,
            first: own.clone(),
            cells: own,
        });
        self.after_heading = false;
    }

    fn extend(&mut self, row: usize, cells: &[String], filled: &[usize], join: Join) {
        let layout = self.layout;
        let Some(open) = self.open.as_mut() else {
            self.warnings.push(warning(
                row,
                None,
                format!(
                    "text outside any measure is ignored: «{}»",
                    excerpt(&join_nonempty(cells, " "))
                ),
            ));
            return;
        };
        let offset = match join {
            Join::Wrapped => best_offset(layout, &open.cells, cells, filled),
            Join::Lines => 0,
        };
        if offset != 0 {
            let target = filled[0].saturating_add_signed(offset);
            let heading = layout.headings.get(target).map_or("", String::as_str);
            self.warnings.push(warning(
                row,
                layout.field_at(target).map(Field::key),
                format!(
                    "the row looks shifted by {offset} column(s); its text is read as «{}»",
                    excerpt(heading)
                ),
            ));
        }
        for &c in filled {
            let target = c.saturating_add_signed(offset);
            match layout.field_at(target) {
                Some(Field::Number) => {}
                Some(field) => {
                    let text = &mut open.cells[target];
                    // "Пономарева Т.А." + "Руководители организаций …" are two executors.
                    let next_item = field == Field::Executors
                        && text.ends_with(['.', '»'])
                        && starts_uppercase(&cells[c]);
                    let join = if next_item { Join::Lines } else { join };
                    join_text(text, &cells[c], join);
                }
                None if matches!(layout.columns.get(target), Some(Some(_))) => {}
                None => self.warnings.push(warning(
                    row,
                    None,
                    format!(
                        "text in a column without a heading is ignored: «{}»",
                        excerpt(&cells[c])
                    ),
                )),
            }
        }
    }

    fn close(&mut self) {
        let Some(open) = self.open.take() else {
            return;
        };
        let layout = self.layout;
        let text = |field: Field| {
            layout
                .col(field)
                .map(|c| open.cells[c].clone())
                .unwrap_or_default()
        };
        let optional = |field: Field| Some(text(field)).filter(|value| !value.is_empty());
        let label = open
            .number
            .as_ref()
            .map_or_else(|| "the measure".to_owned(), |n| format!("measure {n}"));
        let title = text(Field::Title);
        let deadline = text(Field::Deadline);
        if title.is_empty() {
            self.problems.push(problem(
                open.row,
                Some(Field::Title.key()),
                format!("{label} has no «{}»", Field::Title.usual_heading()),
            ));
        }
        if deadline.is_empty() {
            self.problems.push(problem(
                open.row,
                Some(Field::Deadline.key()),
                format!("{label} has no «{}»", Field::Deadline.usual_heading()),
            ));
        }
        let measure = MeasureDraft {
            row: open.row,
            number: open.number.clone(),
            shortcoming: optional(Field::Shortcoming),
            title,
            basis: optional(Field::Basis),
            deadline,
            executors: split_executors(&text(Field::Executors)),
            expected_result: optional(Field::ExpectedResult),
            indicators: optional(Field::Indicators),
            information_source: optional(Field::InformationSource),
        };
        if self.sections.is_empty() {
            self.sections.push(Section {
                row: 0,
                heading: String::new(),
                measures: Vec::new(),
            });
        }
        if let Some(section) = self.sections.last_mut() {
            section.measures.push(measure);
        }
    }

    /// Closes the last measure, drops headings without measures (after the table they are the
    /// signature block) and maps headings to criteria.
    fn finish(&mut self, criteria: CriteriaSet, header_row: usize) -> Vec<SectionDraft> {
        self.close();
        let last_with_measures = self.sections.iter().rposition(|s| !s.measures.is_empty());
        let Some(last) = last_with_measures else {
            self.problems.push(problem(
                header_row,
                None,
                "the table has a header but no measures (rows numbered 1, 2, … below it)",
            ));
            return Vec::new();
        };
        let trailing = self.sections.split_off(last + 1);
        if let (Some(first), Some(end)) = (trailing.first(), trailing.last()) {
            self.warnings.push(warning(
                first.row,
                None,
                format!(
                    "rows {}–{} after the last measure are not part of the table; ignored: «{}»",
                    first.row,
                    end.row,
                    excerpt(&first.heading)
                ),
            ));
        }
        let mut sections = Vec::new();
        for section in std::mem::take(&mut self.sections) {
            if section.measures.is_empty() {
                self.warnings.push(warning(
                    section.row,
                    None,
                    format!(
                        "heading «{}» has no measures under it; ignored",
                        excerpt(&section.heading)
                    ),
                ));
                continue;
            }
            let criterion = if section.row == 0 {
                let row = section.measures.first().map_or(0, |m| m.row);
                self.warnings.push(warning(
                    row,
                    None,
                    "measures before the first section heading have no criterion",
                ));
                None
            } else {
                self.criterion_of(&section, criteria)
            };
            sections.push(SectionDraft {
                heading: section.heading,
                criterion,
                measures: section.measures,
            });
        }
        sections
    }

    fn criterion_of(&mut self, section: &Section, criteria: CriteriaSet) -> Option<u8> {
        let set_name = match criteria {
            CriteriaSet::Pre2018 => "the criteria before 2018",
            CriteriaSet::Mintrud2018 => "the criteria since 2018",
        };
        match criterion_reading(&section.heading, criteria) {
            Some((criterion, other_set)) => {
                if other_set {
                    self.warnings.push(warning(
                        section.row,
                        None,
                        format!(
                            "heading «{}» reads like a criterion of the other criteria set; taken as criterion {criterion} of {set_name}",
                            excerpt(&section.heading)
                        ),
                    ));
                }
                Some(criterion)
            }
            None => {
                self.warnings.push(warning(
                    section.row,
                    None,
                    format!(
                        "heading «{}» names none of {set_name}",
                        excerpt(&section.heading)
                    ),
                ));
                None
            }
        }
    }
}

/// Joins a cell's next piece of text to what the measure has in that column.
fn join_text(text: &mut String, fragment: &str, join: Join) {
    if fragment.is_empty() || text == fragment {
        return; // A merged cell copied onto the next row.
    }
    if text.is_empty() {
        text.push_str(fragment);
        return;
    }
    if join == Join::Lines {
        text.push('\n');
        text.push_str(fragment);
        return;
    }
    let mut end = text.chars().rev();
    let last = end.next();
    let before = end.next();
    if last == Some('-') && before.is_some_and(char::is_alphabetic) {
        // "обслужи-" + "вания": a word hyphenated at the line end; "Северо-" + "Агеевский" keeps
        // its hyphen.
        if starts_lowercase(fragment) {
            text.pop();
        }
    } else if !(matches!(last, Some('(' | '«' | '\n'))
        || fragment.starts_with([',', '.', ';', ':', ')', '»', '!', '?']))
    {
        text.push(' ');
    }
    text.push_str(fragment);
}

/// Where a page-break fragment belongs. Conversions sometimes drop an empty cell, shifting the
/// rest of the row; the fragment is moved only when another alignment fits clearly better than
/// the row as it stands.
fn best_offset(layout: &Layout, open: &[String], cells: &[String], filled: &[usize]) -> isize {
    let width = layout.width();
    let (Some(&lo), Some(&hi)) = (filled.first(), filled.last()) else {
        return 0;
    };
    if width > 32 || hi >= width {
        return 0;
    }
    let score = |offset: isize| -> i32 {
        filled
            .iter()
            .map(|&c| {
                let target = c.saturating_add_signed(offset);
                let prev = open.get(target).map_or("", String::as_str);
                continuation_fit(prev, &cells[c], layout.field_at(target))
            })
            .sum()
    };
    let low = layout.first_col() as isize - lo as isize;
    let high = (width - 1) as isize - hi as isize;
    let at_zero = score(0);
    let mut best: Option<(isize, i32)> = None;
    for offset in (low..=high).filter(|&o| o != 0) {
        let s = score(offset);
        let better = match best {
            None => true,
            Some((b, bs)) => s > bs || (s == bs && offset.abs() < b.abs()),
        };
        if better {
            best = Some((offset, s));
        }
    }
    match best {
        Some((offset, s)) if s >= at_zero + 2 => offset,
        _ => 0,
    }
}

/// How well `fragment` reads as the continuation of `prev` in a column of `field`.
fn continuation_fit(prev: &str, fragment: &str, field: Option<Field>) -> i32 {
    match field {
        None | Some(Field::Number) => return -100,
        Some(_) if prev.is_empty() => return -1,
        Some(_) => {}
    }
    let mut score = 0;
    let mut end = prev.chars().rev();
    let last = end.next();
    let before = end.next();
    score += match last {
        Some('-') if before.is_some_and(char::is_alphabetic) && starts_lowercase(fragment) => 4,
        Some(',') => 3,
        Some(';' | ':') => 1,
        Some(c) if c.is_alphanumeric() => 1,
        _ => 0,
    };
    if has_unclosed_bracket(tail_of(prev, 4096)) {
        score += 2;
    }
    if starts_lowercase(fragment) {
        score += 1;
    }
    if field == Some(Field::Executors)
        && (names_organization(fragment) || find_person(fragment).is_some())
    {
        score += 2;
    }
    score
}

/// More «( opened than closed: the text stops mid-name or mid-remark.
fn has_unclosed_bracket(text: &str) -> bool {
    let mut quotes = 0i32;
    let mut parens = 0i32;
    for c in text.chars() {
        match c {
            '«' => quotes += 1,
            '»' => quotes = (quotes - 1).max(0),
            '(' => parens += 1,
            ')' => parens = (parens - 1).max(0),
            _ => {}
        }
    }
    quotes > 0 || parens > 0
}

/// An abbreviated legal form before a quoted name: ГУТО «…», ГУСОН ТО «…», ГБУ «…».
fn names_organization(text: &str) -> bool {
    let mut previous_caps = false;
    for word in text.split(' ') {
        if word.starts_with('«') && previous_caps {
            return true;
        }
        previous_caps = word.chars().count() >= 2 && word.chars().all(char::is_uppercase);
    }
    false
}

// ---------------------------------------------------------------------------------------------
// Criteria

/// The criterion a heading names in `set`, and whether its wording belongs to the other set
/// only (a pre-2018 "время ожидания" heading in a 2018 plan, or the reverse).
fn criterion_reading(heading: &str, set: CriteriaSet) -> Option<(u8, bool)> {
    let folded = fold_words(heading);
    let has = |stem: &str| has_word(&folded, stem);
    let disabled = has("инвалид") || has("ограниченн") || has("маломобильн");
    let pre = set == CriteriaSet::Pre2018;
    if has("открытост") {
        Some((1, false))
    } else if has("комфортност") {
        Some((2, false))
    } else if has("ожидани") {
        Some(if pre { (3, false) } else { (2, true) })
    } else if has("доступност") && disabled {
        Some(if pre { (2, true) } else { (3, false) })
    } else if has("доброжелательност") || has("вежливост") || has("компетентност")
    {
        Some((4, false))
    } else if has("удовлетворенност") {
        Some((5, false))
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Approval block and title

/// Reads «УТВЕРЖДАЮ», the position lines, the name, the date and an order number; the lines
/// after the block (or before it, when none follow) are the title.
fn read_preamble(
    lines: &[(usize, String)],
    warnings: &mut Vec<RowWarning>,
) -> (Option<ApprovalBlock>, Option<String>) {
    let joined = |part: &[(usize, String)]| {
        let text = part
            .iter()
            .map(|(_, line)| line.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        (!text.is_empty()).then_some(text)
    };
    let Some((marker, rest)) = lines
        .iter()
        .enumerate()
        .find_map(|(i, (_, line))| approval_marker(line).map(|rest| (i, rest)))
    else {
        return (None, joined(lines));
    };
    // Longer than this it is not an approval block but a document.
    const MAX_BLOCK_LINES: usize = 10;
    // "УТВЕРЖДЕН приказом от … № …": the rest of the marker line belongs to the block.
    let first = (!rest.is_empty()).then_some((marker, rest.as_str()));
    let block = first.into_iter().chain(
        lines
            .iter()
            .enumerate()
            .skip(marker + 1)
            .take(MAX_BLOCK_LINES)
            .map(|(i, (_, line))| (i, line.as_str())),
    );

    let mut position: Vec<String> = Vec::new();
    let mut full_name: Option<String> = None;
    let mut date = None;
    let mut document_number = None;
    let mut end = marker + 1;
    let mut by_order = false;
    for (i, raw) in block {
        let line = raw.replace(['_', '*'], " ").replace("(подпись)", " ");
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            end = i + 1;
            continue;
        }
        if is_date_line(&line) {
            date = parse_russian_date(&line).or(date);
            document_number = document_number.or_else(|| number_after_sign(&line));
            end = i + 1;
            // An order number may follow the date on a line of its own.
            if let Some((_, next)) = lines.get(i + 1) {
                if next.trim_start().starts_with('№') {
                    document_number = document_number.or_else(|| number_after_sign(next));
                    end = i + 2;
                }
            }
            break;
        }
        if let Some(number) = number_after_sign(&line) {
            document_number.get_or_insert(number);
            if date.is_none() {
                date = parse_russian_date(&line);
            }
            end = i + 1;
            if i == marker {
                // "УТВЕРЖДЕН приказом … № …": approved by an order, no signatory follows.
                by_order = true;
                break;
            }
            continue;
        }
        if full_name.is_none() {
            if let Some((start, stop)) = find_person(&line) {
                full_name = Some(line[start..stop].to_owned());
                let rest = trim_separators(&format!("{} {}", &line[..start], &line[stop..]));
                if !rest.is_empty() {
                    position.push(rest);
                }
                end = i + 1;
                continue;
            }
        }
        if full_name.is_some() {
            break; // The title starts after the name when the date is missing.
        }
        position.push(line);
        end = i + 1;
    }

    let marker_row = lines[marker].0;
    if full_name.is_none() && date.is_none() && document_number.is_none() {
        warnings.push(warning(
            marker_row,
            None,
            "«УТВЕРЖДАЮ» is not followed by a name or a date; the approval is not read",
        ));
        let title = joined(&lines[marker + 1..]).or_else(|| joined(&lines[..marker]));
        return (None, title);
    }
    if full_name.is_none() && !by_order {
        warnings.push(warning(
            marker_row,
            None,
            "the approval block names no signatory («И.О. Фамилия»)",
        ));
    }
    let approval = ApprovalBlock {
        position: position.join(" "),
        full_name: full_name.unwrap_or_default(),
        date,
        document_number,
    };
    let title = joined(&lines[end.min(lines.len())..]).or_else(|| joined(&lines[..marker]));
    (Some(approval), title)
}

/// "«УТВЕРЖДАЮ»", "УТВЕРЖДЕН приказом …": the text after the marker word, if the line has one.
fn approval_marker(line: &str) -> Option<String> {
    let start = line.find(char::is_alphabetic)?;
    let end = line[start..]
        .find(|c: char| !c.is_alphabetic())
        .map_or(line.len(), |len| start + len);
    let word = fold_words(&line[start..end]);
    let marker = matches!(
        word.as_str(),
        "утверждаю" | "утверждено" | "утвержден" | "утверждена" | "утверждены"
    );
    marker.then(|| trim_separators(line[end..].trim_start_matches(['»', '"', '*', ':'])))
}

/// Genitive month names, as dates are written: «30» ноября 2017 г.
fn month_of(word: &str) -> Option<u32> {
    const STEMS: [&str; 12] = [
        "январ",
        "феврал",
        "март",
        "апрел",
        "ма",
        "июн",
        "июл",
        "август",
        "сентябр",
        "октябр",
        "ноябр",
        "декабр",
    ];
    if word == "мая" || word == "май" {
        return Some(5);
    }
    STEMS
        .iter()
        .position(|stem| *stem != "ма" && word.starts_with(stem) && word.chars().count() <= 8)
        .map(|i| i as u32 + 1)
}

fn is_year_mark(word: &str) -> bool {
    matches!(word, "г" | "год" | "года" | "гг")
}

/// A line made only of a date: «30» ноября 2017 г., 30.11.2017, «__» _____ 2017 г.
fn is_date_line(line: &str) -> bool {
    let folded = fold_words(line);
    let mut has_digit = false;
    let only_date = folded.split(' ').filter(|w| !w.is_empty()).all(|word| {
        let digits = word.bytes().take_while(u8::is_ascii_digit).count();
        has_digit |= digits > 0;
        (digits > 0 && (digits == word.len() || is_year_mark(&word[digits..])))
            || month_of(word).is_some()
            || is_year_mark(word)
    });
    has_digit && only_date
}

/// The first date in `text`: "30.11.2017" or "30 ноября 2017".
fn parse_russian_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    for start in 0..bytes.len() {
        if bytes[start].is_ascii_digit() && (start == 0 || !bytes[start - 1].is_ascii_digit()) {
            if let Some(date) = numeric_date(&text[start..]) {
                return Some(date);
            }
        }
    }
    let folded = fold_words(text);
    let words: Vec<&str> = folded.split(' ').collect();
    words.windows(3).find_map(|w| {
        let day: u32 = w[0].parse().ok().filter(|_| w[0].len() <= 2)?;
        let month = month_of(w[1])?;
        let digits = w[2].bytes().take_while(u8::is_ascii_digit).count();
        if digits != 4 {
            return None;
        }
        let year: i32 = w[2][..digits].parse().ok()?;
        NaiveDate::from_ymd_opt(year, month, day)
    })
}

/// "dd.mm.yyyy" at the start of `text`.
fn numeric_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.splitn(3, '.');
    let day = parts.next()?;
    let month = parts.next()?;
    let rest = parts.next()?;
    let year_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let short = |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !short(day) || !short(month) || year_len != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(
        rest[..year_len].parse().ok()?,
        month.parse().ok()?,
        day.parse().ok()?,
    )
}

/// "819-р" from "… № 819-р".
fn number_after_sign(text: &str) -> Option<String> {
    let (_, after) = text.split_once('№')?;
    let token: String = after
        .trim_start()
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ';' | '»' | ')'))
        .collect();
    let token = token.trim_end_matches('.');
    token
        .chars()
        .any(|c| c.is_ascii_digit())
        .then(|| token.to_owned())
}

fn trim_separators(text: &str) -> String {
    let trimmed = text.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—' | '_')
    });
    trimmed.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// Executors

/// Lower-case words that begin a new executor even though they follow a comma.
const ITEM_STARTS: &[&str] = &[
    "министерств",
    "департамент",
    "управлени",
    "комитет",
    "администраци",
    "учреждени",
    "организаци",
    "общественн",
    "отдел",
    "центр",
    "филиал",
    "служб",
    "фонд",
    "директор",
    "руководител",
    "заместител",
    "заведующ",
    "начальник",
    "специалист",
    "сотрудник",
    "работник",
    "председател",
    "главн",
    "член",
    "представител",
];

/// Items of an executors cell, separators outside quotes kept inside items they do not split.
fn split_items(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quotes = 0u32;
    let mut parens = 0u32;
    let mut ascii_quote = false;
    for (i, c) in text.char_indices() {
        match c {
            '«' => quotes += 1,
            '»' => quotes = quotes.saturating_sub(1),
            '"' => ascii_quote = !ascii_quote,
            '(' => parens += 1,
            ')' => parens = parens.saturating_sub(1),
            _ => {}
        }
        let separator = matches!(c, ',' | ';' | '\n');
        if !separator {
            current.push(c);
            continue;
        }
        let rest = &text[i + c.len_utf8()..];
        let next = rest.trim_start();
        let inside = quotes > 0 || ascii_quote || parens > 0;
        // "Петров П.П., заместитель директора": a post after a bare name is that person's.
        let post_of_name =
            starts_lowercase(next) && !starts_group(next) && is_bare_name(current.trim());
        // Russian typography drops the second closing quote («Центр «Перспектива»), so a comma
        // inside quotes still splits when an abbreviated legal form follows (", ГУСОН ТО «…»").
        let forced = c == '\n' || (parens == 0 && starts_with_abbreviation(next));
        let splits = (!inside || forced) && !post_of_name && begins_item(next);
        if splits {
            quotes = 0;
            ascii_quote = false;
            parens = 0;
            push_item(&mut items, &current);
            current.clear();
        } else {
            current.push(if c == '\n' { ' ' } else { c });
        }
    }
    push_item(&mut items, &current);
    items
}

fn push_item(items: &mut Vec<String>, text: &str) {
    let item = text
        .trim()
        .trim_start_matches(['-', '–', '—', '•'])
        .trim_end_matches([',', ';'])
        .trim();
    if !item.is_empty() {
        items.push(item.to_owned());
    }
}

/// Plural words for groups of people: "…, члены Общественного совета" are not the post of the
/// person named before them.
fn starts_group(text: &str) -> bool {
    const GROUPS: &[&str] = &[
        "члены",
        "руководители",
        "директора",
        "специалисты",
        "сотрудники",
        "работники",
        "заведующие",
        "представители",
        "заместители",
        "начальники",
    ];
    GROUPS.contains(&first_word(text).as_str())
}

/// The leading word of `text`, folded; only the word is read, so calls per separator of a long
/// cell stay cheap.
fn first_word(text: &str) -> String {
    let end = text
        .find(|c: char| !c.is_alphabetic())
        .unwrap_or(text.len());
    fold_words(&text[..end])
}

fn is_bare_name(text: &str) -> bool {
    // Names are short; the bound keeps long cells linear.
    text.len() <= 120 && find_person(text) == Some((0, text.len()))
}

fn starts_with_abbreviation(text: &str) -> bool {
    let word: String = text.chars().take_while(|c| c.is_alphabetic()).collect();
    word.chars().count() >= 2 && word.chars().all(char::is_uppercase)
}

/// Whether text after a separator starts a new executor rather than continuing a clause.
fn begins_item(next: &str) -> bool {
    match next.chars().next() {
        None => true,
        Some(c) if c.is_lowercase() => {
            let word = first_word(next);
            ITEM_STARTS.iter().any(|stem| word.starts_with(stem))
        }
        Some(c) => c.is_uppercase() || matches!(c, '«' | '"' | '-' | '–' | '—' | '•'),
    }
}

fn executor_of(item: &str) -> Executor {
    match find_person(item) {
        Some((start, end)) => {
            let position = trim_separators(&format!("{} {}", &item[..start], &item[end..]));
            Executor::Person {
                full_name: item[start..end].to_owned(),
                position: (!position.is_empty()).then_some(position),
            }
        }
        None => Executor::Institution {
            name: item.to_owned(),
        },
    }
}

/// Byte range of a person's name in `text`: "И.О. Фамилия", "И.О.Фамилия", "Фамилия И.О." or
/// "Фамилия Имя Отчество".
fn find_person(text: &str) -> Option<(usize, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let is_letter = |i: usize| chars.get(i).is_some_and(|&(_, c)| c.is_alphabetic());
    for i in 0..chars.len() {
        if i > 0 && is_letter(i - 1) {
            continue;
        }
        let Some(after) = initials_at(&chars, i) else {
            continue;
        };
        let gap = usize::from(chars.get(after).is_some_and(|&(_, c)| c == ' '));
        if let Some(end) = surname_from(&chars, after + gap) {
            return Some((byte(i), byte(end)));
        }
        let before = i - usize::from(i > 0 && chars[i - 1].1 == ' ');
        if let Some(start) = surname_before(&chars, before) {
            return Some((byte(start), byte(after)));
        }
    }
    full_name_words(text)
}

/// "И.О." or "И. О." starting at `i`: the index after it.
fn initials_at(chars: &[(usize, char)], i: usize) -> Option<usize> {
    let upper_dot = |j: usize| {
        chars.get(j).is_some_and(|&(_, c)| c.is_uppercase())
            && chars.get(j + 1).is_some_and(|&(_, c)| c == '.')
    };
    if !upper_dot(i) {
        return None;
    }
    let second = i + 2 + usize::from(chars.get(i + 2).is_some_and(|&(_, c)| c == ' '));
    upper_dot(second).then_some(second + 2)
}

/// A capitalised word ("Келлер", "Петрова-Водкина") starting at `i`: the index after it.
fn surname_from(chars: &[(usize, char)], i: usize) -> Option<usize> {
    if !chars.get(i).is_some_and(|&(_, c)| c.is_uppercase()) {
        return None;
    }
    let mut j = i + 1;
    let mut lower = 0;
    while let Some(&(_, c)) = chars.get(j) {
        if c.is_lowercase() {
            lower += 1;
        } else if !(c == '-' && chars.get(j + 1).is_some_and(|&(_, n)| n.is_alphabetic())) {
            break;
        }
        j += 1;
    }
    let ends_word = !chars.get(j).is_some_and(|&(_, c)| c.is_alphabetic());
    (lower >= 1 && ends_word).then_some(j)
}

/// A capitalised word ending just before `end`: the index where it starts.
fn surname_before(chars: &[(usize, char)], end: usize) -> Option<usize> {
    let mut start = end;
    while start > 0 && chars[start - 1].1.is_alphabetic() {
        start -= 1;
    }
    (start < end && surname_from(chars, start) == Some(end)).then_some(start)
}

/// "Иванов Иван Иванович" or "Иван Иванович Иванов".
fn full_name_words(text: &str) -> Option<(usize, usize)> {
    let words: Vec<(usize, &str)> = text
        .split(' ')
        .scan(0usize, |offset, word| {
            let start = *offset;
            *offset += word.len() + 1;
            Some((start, word.trim_end_matches([',', '.', ';'])))
        })
        .collect();
    let capitalised = |w: &str| {
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase)
            && chars.clone().count() >= 1
            && chars.all(char::is_lowercase)
    };
    let patronymic = |w: &str| {
        capitalised(w)
            && ["вич", "вна", "ична", "оглы", "кызы"]
                .iter()
                .any(|s| w.ends_with(s))
    };
    words.windows(3).find_map(|w| {
        let all = w.iter().all(|(_, word)| capitalised(word));
        (all && (patronymic(w[2].1) || patronymic(w[1].1))).then(|| (w[0].0, w[2].0 + w[2].1.len()))
    })
}

// ---------------------------------------------------------------------------------------------

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

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(table: &[&[&str]]) -> Vec<Vec<String>> {
        table
            .iter()
            .map(|row| row.iter().map(|cell| (*cell).to_owned()).collect())
            .collect()
    }

    fn read(table: &[&[&str]]) -> PlanTable {
        read_plan_table(&rows(table), CriteriaSet::Pre2018).expect("the table reads")
    }

    fn problems(table: &[&[&str]]) -> Vec<RowProblem> {
        read_plan_table(&rows(table), CriteriaSet::Pre2018).expect_err("the table is rejected")
    }

    fn measures(plan: &PlanTable) -> Vec<&MeasureDraft> {
        plan.sections.iter().flat_map(|s| &s.measures).collect()
    }

    fn institution(name: &str) -> Executor {
        Executor::Institution {
            name: name.to_owned(),
        }
    }

    fn person(full_name: &str, position: Option<&str>) -> Executor {
        Executor::Person {
            full_name: full_name.to_owned(),
            position: position.map(str::to_owned),
        }
    }

    const HEADER: &[&str] = &[
        "№ п/п",
        "Наименование мероприятия",
        "Срок реализации",
        "Ответственный исполнитель",
    ];

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
    fn yugra_assessment_plan_has_an_unheaded_number_column() {
        // Seed 002 is an order with a plan of the assessment itself: its number column has no
        // heading, and a page break puts "Руководители …" under "Пономарева Т.А.".
        let plan = read_plan_table(&test_seeds::rows("002"), CriteriaSet::Pre2018).unwrap();
        let all = measures(&plan);
        assert_eq!(all.len(), 32);
        let numbers: Vec<&str> = all.iter().map(|m| m.number.as_deref().unwrap()).collect();
        assert_eq!(numbers[..4], ["1", "1.1", "1.2", "1.3"]);
        assert_eq!(numbers.last(), Some(&"24"));
        let seventeenth = all
            .iter()
            .find(|m| m.number.as_deref() == Some("17"))
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
    fn report_without_deadline_column_names_the_header_row() {
        let found = read_plan_table(&test_seeds::rows("004"), CriteriaSet::Mintrud2018)
            .expect_err("a report is not a plan");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].row, 6);
        assert_eq!(found[0].column.as_deref(), Some("deadline"));
        assert!(found[0].message.contains("«Срок реализации»"));
        assert!(found[0].message.contains("«Информация о выполнении»"));
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
            Some(Column::Report)
        );
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
        assert_eq!(all[1].number.as_deref(), Some("2"));
        assert!(all[1].executors.is_empty());
        assert_eq!(plan.sections[0].heading, "");
        let messages: Vec<(usize, Option<&str>)> = plan
            .warnings
            .iter()
            .map(|w| (w.row, w.column.as_deref()))
            .collect();
        assert_eq!(messages, [(1, Some("Примечание")), (3, None)]);
    }

    #[test]
    fn merged_cells_copied_down_give_one_measure_per_number() {
        let plan = read(&[
            HEADER,
            &["Открытость и доступность информации", "", "", ""],
            &["1", "Обновить стенды", "постоянно", "Иванов И.И."],
            &["1", "Обновить стенды", "постоянно", "Петрова А.А."],
            &["2", "Обновить сайт", "до 31.12.2018", "ГБУ «Центр»"],
        ]);
        let all = measures(&plan);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].title, "Обновить стенды");
        assert_eq!(
            all[0].executors,
            [person("Иванов И.И.", None), person("Петрова А.А.", None)]
        );
    }

    #[test]
    fn heading_broken_over_two_rows_and_signature_after_table() {
        let plan = read(&[
            HEADER,
            &["Показатели, характеризующие открытость", "", "", ""],
            &["и доступность информации об организации", "", "", ""],
            &["1", "Обновить стенды", "постоянно", "Иванов И.И."],
            &["Директор"],
            &["Иванов И.И."],
        ]);
        assert_eq!(
            plan.sections[0].heading,
            "Показатели, характеризующие открытость и доступность информации об организации"
        );
        assert_eq!(plan.sections.len(), 1);
        assert_eq!(plan.warnings.len(), 1);
        assert_eq!(plan.warnings[0].row, 5);
    }

    #[test]
    fn criteria_sets_map_headings_differently() {
        let waiting = "Время ожидания предоставления социальной услуги";
        assert_eq!(heading_criterion(waiting, CriteriaSet::Pre2018), Some(3));
        assert_eq!(
            heading_criterion(waiting, CriteriaSet::Mintrud2018),
            Some(2)
        );
        let disabled = "Доступность услуг для инвалидов";
        assert_eq!(
            heading_criterion(disabled, CriteriaSet::Mintrud2018),
            Some(3)
        );
        assert_eq!(heading_criterion(disabled, CriteriaSet::Pre2018), Some(2));
        let pre_comfort = "Комфортность условий и доступность получения услуг, в том числе для граждан с ограниченными возможностями здоровья";
        assert_eq!(
            heading_criterion(pre_comfort, CriteriaSet::Pre2018),
            Some(2)
        );
        assert_eq!(
            heading_criterion(pre_comfort, CriteriaSet::Mintrud2018),
            Some(2)
        );
        assert_eq!(
            heading_criterion(
                "Доброжелательность, вежливость работников",
                CriteriaSet::Mintrud2018
            ),
            Some(4)
        );
        assert_eq!(
            heading_criterion(
                "Удовлетворённость условиями оказания услуг",
                CriteriaSet::Mintrud2018
            ),
            Some(5)
        );
        assert_eq!(
            heading_criterion("Прочие мероприятия", CriteriaSet::Pre2018),
            None
        );

        let table: &[&[&str]] = &[
            HEADER,
            &[waiting, "", "", ""],
            &["1", "Вести график приема", "постоянно", ""],
            &["Прочие мероприятия", "", "", ""],
            &["2", "Провести ремонт", "2019 год", ""],
        ];
        let plan = read_plan_table(&rows(table), CriteriaSet::Mintrud2018).unwrap();
        let criteria: Vec<Option<u8>> = plan.sections.iter().map(|s| s.criterion).collect();
        assert_eq!(criteria, [Some(2), None]);
        let warned: Vec<usize> = plan.warnings.iter().map(|w| w.row).collect();
        assert_eq!(warned, [2, 4]);
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
        assert_eq!(found, [(2, Some("title")), (3, Some("deadline"))]);
    }

    #[test]
    fn fragments_join_column_by_column() {
        let plan = read(&[
            HEADER,
            &[
                "1",
                "Обновление стендов в организациях социального обслужи-",
                "до 31.12.2018 и при",
                "ГУТО «Центр",
            ],
            &[],
            &["<p>", "вания</p>", "изменении", "№ 1», ГУТО «Центр № 2»"],
            &["", "", "", "<p>"],
        ]);
        let measure = measures(&plan)[0];
        assert_eq!(
            measure.title,
            "Обновление стендов в организациях социального обслуживания"
        );
        assert_eq!(measure.deadline, "до 31.12.2018 и при изменении");
        assert_eq!(
            measure.executors,
            [
                institution("ГУТО «Центр № 1»"),
                institution("ГУТО «Центр № 2»")
            ]
        );
        // Only that the measures precede every heading.
        assert_eq!(plan.warnings.len(), 1, "{:#?}", plan.warnings);
    }

    #[test]
    fn cells_lose_markup_but_keep_paragraphs() {
        assert_eq!(
            clean_cell(
                "<p>первый&nbsp;абзац</p> <ul style=\"list-style-type: none\"> - пункт</ul>"
            ),
            "первый абзац\n- пункт"
        );
        assert_eq!(clean_cell("**Жирный**  текст\u{ad}"), "Жирный текст");
        assert_eq!(clean_cell("a < b и c > d"), "a < b и c > d");
        assert_eq!(
            clean_cell("&laquo;Ромашка&raquo; &#8470; 5 &bogus;"),
            "«Ромашка» № 5 &bogus;"
        );
        assert_eq!(clean_cell(" \r\n\t "), "");
    }

    #[test]
    fn executors_are_split_pragmatically() {
        assert_eq!(split_executors("  "), []);
        assert_eq!(
            split_executors("Министерство труда и социальной защиты Тульской области, учреждения социального обслуживания"),
            [
                institution("Министерство труда и социальной защиты Тульской области"),
                institution("учреждения социального обслуживания"),
            ]
        );
        assert_eq!(
            split_executors("Министерство труда и социальной защиты Тульской области, министерство по информатизации, связи и вопросам открытого управления Тульской области (по согласованию)"),
            [
                institution("Министерство труда и социальной защиты Тульской области"),
                institution("министерство по информатизации, связи и вопросам открытого управления Тульской области (по согласованию)"),
            ]
        );
        assert_eq!(
            split_executors("директор ГУТО «Центр «Семья», ГУТО «Дом, где тепло» Иванов И.И.; Келлер П.А.\nА.В. Филиппов, министр"),
            [
                institution("директор ГУТО «Центр «Семья»"),
                person("Иванов И.И.", Some("ГУТО «Дом, где тепло»")),
                person("Келлер П.А.", None),
                person("А.В. Филиппов", Some("министр")),
            ]
        );
        assert_eq!(
            split_executors("заместитель директора Петрова Анна Сергеевна, заведующие отделениями"),
            [
                person("Петрова Анна Сергеевна", Some("заместитель директора")),
                institution("заведующие отделениями"),
            ]
        );
        assert_eq!(
            split_executors("- ГБУ «Ромашка» (отделения № 1, 2),\n- ГАУ «Лютик»"),
            [
                institution("ГБУ «Ромашка» (отделения № 1, 2)"),
                institution("ГАУ «Лютик»"),
            ]
        );
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

    #[test]
    fn approval_blocks_in_other_shapes() {
        let table: Vec<Vec<String>> = rows(&[
            &["УТВЕРЖДЕНО"],
            &["приказом от 30.11.2016 № 819-р"],
            &["Директор ГБУ «Ромашка»"],
            &["_____________ Иванова Мария Петровна"],
            &["«__» ________ 2016 г."],
            &["План"],
            HEADER,
            &["1", "Обновить стенды", "постоянно", ""],
        ]);
        let plan = read_plan_table(&table, CriteriaSet::Pre2018).unwrap();
        let approval = plan.approval.unwrap();
        assert_eq!(approval.document_number.as_deref(), Some("819-р"));
        assert_eq!(approval.date, NaiveDate::from_ymd_opt(2016, 11, 30));
        assert_eq!(approval.position, "Директор ГБУ «Ромашка»");
        assert_eq!(approval.full_name, "Иванова Мария Петровна");
        assert_eq!(plan.title.as_deref(), Some("План"));

        let plan = read(&[
            &["Приложение 2"],
            &["УТВЕРЖДАЮ"],
            HEADER,
            &["1", "Обновить стенды", "постоянно", ""],
        ]);
        assert_eq!(plan.approval, None);
        assert_eq!(plan.title.as_deref(), Some("Приложение 2"));
        assert_eq!(plan.warnings[0].row, 2);

        // An XLSX cell holding the whole block, beside the title, and an order on one line.
        let block = "УТВЕРЖДАЮ:\nДиректор ГБУ «Ромашка»\n________ И.И. Иванов\n«15» января 2019 г.";
        let plan = read(&[
            &["План на 2019 год", "", block],
            HEADER,
            &["1", "Обновить стенды", "постоянно", ""],
        ]);
        let approval = plan.approval.unwrap();
        assert_eq!(
            (approval.position.as_str(), approval.full_name.as_str()),
            ("Директор ГБУ «Ромашка»", "И.И. Иванов")
        );
        assert_eq!(approval.date, NaiveDate::from_ymd_opt(2019, 1, 15));
        assert_eq!(plan.title.as_deref(), Some("План на 2019 год"));
        let plan = read(&[
            &["УТВЕРЖДЕН приказом от 30.11.2016 № 819-р"],
            &["План"],
            HEADER,
            &["1", "Обновить стенды", "постоянно", ""],
        ]);
        let approval = plan.approval.unwrap();
        assert_eq!(approval.document_number.as_deref(), Some("819-р"));
        assert_eq!(approval.full_name, "");
        assert_eq!(plan.title.as_deref(), Some("План"));
    }

    #[test]
    fn numbered_groups_are_section_headings() {
        let plan = read(&[
            HEADER,
            &["1.", "Открытость и доступность информации", "", ""],
            &["1.1.", "Обновить стенды", "постоянно", ""],
            &["1.2.", "Обновить сайт", "ежегодно", ""],
            &["2", "Время ожидания", "", ""],
            &["2.1", "Вести график приема", "постоянно", ""],
        ]);
        let outline: Vec<(Option<u8>, Vec<&str>)> = plan
            .sections
            .iter()
            .map(|s| {
                (
                    s.criterion,
                    s.measures
                        .iter()
                        .map(|m| m.number.as_deref().unwrap())
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            outline,
            [(Some(1), vec!["1.1", "1.2"]), (Some(3), vec!["2.1"])]
        );
        assert!(plan.warnings.is_empty(), "{:#?}", plan.warnings);
    }

    #[test]
    fn dates_in_russian() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(
            parse_russian_date("«30» ноября 2017 г."),
            date(2017, 11, 30)
        );
        assert_eq!(parse_russian_date(" «29» марта 2017г"), date(2017, 3, 29));
        assert_eq!(parse_russian_date("1 мая 2019 года"), date(2019, 5, 1));
        assert_eq!(
            parse_russian_date("от 05.12.2017 № 392-ФЗ"),
            date(2017, 12, 5)
        );
        assert_eq!(parse_russian_date("31 февраля 2017"), None);
        assert_eq!(parse_russian_date("«__» ______ 2017 г."), None);
        assert!(is_date_line("«30» ноября 2017 г."));
        assert!(!is_date_line("П.А.Келлер"));
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
