//! Body assembly: the rows below the header become sections and measures, with the fragments
//! that page breaks split off joined back to the cells they belong to.

use super::cells::{
    is_column_numbering_row, is_roman_numeral, is_separator_row, join_nonempty, number_key,
    starts_lowercase, starts_uppercase, tail_of,
};
use super::criteria::criterion_reading;
use super::layout::{Field, Layout};
use super::names::find_person;
use super::{
    excerpt, problem, split_executors, warning, CriteriaSet, ExecutionCells, MeasureDraft,
    RowProblem, RowWarning, SectionDraft,
};

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
    /// Per column, the text its last row gave: a merged cell's text is copied onto every row
    /// it covers, and a copy adds nothing (a Word table pasted into Excel puts each paragraph
    /// on a row of its own and merges the neighbouring cells down).
    last: Vec<String>,
}

/// Walks the rows below the header, keeping the measure that fragments join.
pub(super) struct Body<'a> {
    layout: &'a Layout,
    sections: Vec<Section>,
    open: Option<OpenMeasure>,
    /// The last row read was a heading (a heading broken over two rows continues).
    after_heading: bool,
    pub(super) warnings: Vec<RowWarning>,
    pub(super) problems: Vec<RowProblem>,
    /// The lines after the last measure (a signature block).
    pub(super) trailer: Vec<String>,
}

impl<'a> Body<'a> {
    pub(super) fn new(layout: &'a Layout) -> Self {
        Self {
            layout,
            sections: Vec::new(),
            open: None,
            after_heading: false,
            warnings: Vec::new(),
            problems: Vec::new(),
            trailer: Vec::new(),
        }
    }

    pub(super) fn row(&mut self, row: usize, cells: &[String], next_number: Option<&str>) {
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
                .and_then(|next| number_key(next).strip_prefix(number_key(&number)))
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
        if open.number.as_deref().map(number_key) != Some(number_key(number)) {
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
            last: own.clone(),
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
                Some(_) if open.last[target] == cells[c] => {}
                Some(field) => {
                    open.last[target].clone_from(&cells[c]);
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
        let mut title = text(Field::Title);
        let deadline = text(Field::Deadline);
        // A numbered row without a title of its own sits under a title cell merged down from
        // the measure above (seed 004: 5.2–5.4 under the measures of 5.1).
        let above = self
            .sections
            .last()
            .and_then(|s| s.measures.last())
            .map(|m| m.title.clone());
        match above {
            Some(above) if title.is_empty() && open.number.is_some() => {
                self.warnings.push(warning(
                    open.row,
                    Some(Field::Title.key()),
                    format!(
                        "{label} has no «{}» of its own; the one above is taken (a merged cell)",
                        Field::Title.usual_heading()
                    ),
                ));
                title = above;
            }
            _ if title.is_empty() => self.problems.push(problem(
                open.row,
                Some(Field::Title.key()),
                format!("{label} has no «{}»", Field::Title.usual_heading()),
            )),
            _ => {}
        }
        if deadline.is_empty() {
            self.warnings.push(warning(
                open.row,
                Some(Field::Deadline.key()),
                format!(
                    "{label} has no «{}»: kept without a deadline (без срока)",
                    Field::Deadline.usual_heading()
                ),
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
            execution: ExecutionCells {
                execution_info: optional(Field::ExecutionInfo),
                measures_taken: optional(Field::MeasuresTaken),
                actual_date: optional(Field::ActualDate),
                figures: optional(Field::Figures),
                evidence: optional(Field::Evidence),
            },
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
    pub(super) fn finish(&mut self, criteria: CriteriaSet, header_row: usize) -> Vec<SectionDraft> {
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
        self.trailer = trailing.iter().map(|s| s.heading.clone()).collect();
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

#[cfg(test)]
mod tests {
    use crate::domain::plan_form::test_tables::*;

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

    /// A Word table pasted into Excel: a row per paragraph, one-paragraph cells merged down
    /// (copied by the sheet reader), the last paragraph of a shorter cell merged over the rest.
    #[test]
    fn merged_copies_add_nothing_to_paragraphs() {
        let plan = read(&[
            HEADER,
            &["Открытость и доступность информации", "", "", ""],
            &["1", "Обновить стенды", "постоянно", "Иванов И.И."],
            &["1", "в холле", "постоянно", "Петрова А.А."],
            &["1", "в холле", "постоянно", "Сидоров С.С."],
            &["1", "в холле", "постоянно", "Смирнова О.О."],
            &["2", "Обновить сайт", "до 31.12.2018", "ГБУ «Центр»"],
            &["", "", "и далее ежегодно", "ГБУ «Центр»"],
            &["", "", "и далее ежегодно", "ГБУ «Центр»"],
        ]);
        let all = measures(&plan);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].title, "Обновить стенды\nв холле");
        assert_eq!(all[0].deadline, "постоянно");
        assert_eq!(all[0].executors.len(), 4);
        assert_eq!(all[1].title, "Обновить сайт");
        assert_eq!(all[1].deadline, "до 31.12.2018 и далее ежегодно");
        assert_eq!(all[1].executors, [institution("ГБУ «Центр»")]);
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
            [(Some(1), vec!["1.1.", "1.2."]), (Some(3), vec!["2.1"])]
        );
        assert!(plan.warnings.is_empty(), "{:#?}", plan.warnings);
    }
}
