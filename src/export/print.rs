//! The printed form of every export's workbook: A4 landscape fitted to the page width, the
//! heading row repeated on every page and frozen on screen, thin borders, column widths that
//! follow the contents with wrapped text, numbers at the precision they carry, a title merged
//! across the table and an approval block at the top right, section rows merged across.
//! One layout for ratings, results, plans and reports: a sheet's columns are whatever its
//! headings are, so a column added to an export is laid out like the others.

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{Cell, Sheet};

/// The most characters an XLSX cell holds; longer text is cut with an ellipsis.
pub(super) const XLSX_CELL_CHARS: usize = 32_767;

/// Paper size 9 of the OOXML page setup: A4.
const A4: u8 = 9;

/// The table's width in Excel's character units that the layout aims at. A landscape A4 page
/// within the margins holds about 150 at 100 %; fitting 190 to the width prints at about 80 %,
/// still legible, while an eleven-column plan gets columns wide enough for its words.
const TABLE_WIDTH: f64 = 190.0;

/// The widest a column gets: longer text wraps.
const MAX_TEXT_WIDTH: f64 = 60.0;

/// The narrowest a text column gets when the table is squeezed into [`TABLE_WIDTH`].
const MIN_TEXT_WIDTH: f64 = 12.0;

/// The narrowest any column gets («№ п/п» fits).
const MIN_COLUMN_WIDTH: f64 = 6.0;

/// The narrowest column of numbers, and the widest.
const NUMBER_WIDTHS: (f64, f64) = (8.0, 16.0);

/// The approval block is this wide at least (taken from the rightmost columns).
const APPROVAL_WIDTH: f64 = 50.0;

/// Points per line of text: 11-point body text, 12-point bold title.
const LINE_HEIGHT: f64 = 15.0;
const TITLE_LINE_HEIGHT: f64 = 16.5;

/// Lines whose text runs wider than the column wraps; Cyrillic letters are a little wider than
/// the digit that defines Excel's width unit, bold ones more.
const CHARS_PER_UNIT: f64 = 1.05;
const BOLD_CHARS_PER_UNIT: f64 = 0.9;

/// The cell formats of the printed table.
struct Styles {
    title: Format,
    approval: Format,
    heading: Format,
    section: Format,
    text: Format,
    blank: Format,
    integer: Format,
}

impl Styles {
    fn new() -> Self {
        let bordered = Format::new()
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::Top);
        Self {
            title: Format::new()
                .set_bold()
                .set_font_size(12)
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            approval: Format::new()
                .set_text_wrap()
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::Top),
            heading: Format::new()
                .set_bold()
                .set_border(FormatBorder::Thin)
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            section: bordered.clone().set_bold().set_align(FormatAlign::Left),
            text: bordered.clone().set_align(FormatAlign::Left),
            blank: bordered.clone(),
            integer: bordered.set_num_format("0"),
        }
    }

    /// Numbers with `places` decimals: "0.00" for two (a decimal comma in a Russian locale).
    fn decimal(places: u32) -> Format {
        let pattern = if places == 0 {
            "0".to_owned()
        } else {
            format!("0.{}", "0".repeat(places as usize))
        };
        Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Top)
            .set_num_format(pattern)
    }
}

pub(super) fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let styles = Styles::new();
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(&sheet.name)?;
        write_sheet(worksheet, sheet, &styles)?;
    }
    workbook.save_to_buffer()
}

pub(super) fn xlsx_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().count() <= XLSX_CELL_CHARS {
        return text.into();
    }
    let mut cut: String = text.chars().take(XLSX_CELL_CHARS - 1).collect();
    cut.push('…');
    cut.into()
}

fn row_number(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

fn column_number(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

/// A row of one text cell under several headings: a section heading.
fn section_text(sheet: &Sheet, row: &[Cell]) -> Option<String> {
    match row {
        [Cell::Text(text)] if sheet.headings.len() > 1 => Some(text.clone()),
        _ => None,
    }
}

fn write_sheet(worksheet: &mut Worksheet, sheet: &Sheet, styles: &Styles) -> Result<(), XlsxError> {
    let columns = sheet.headings.len().max(1);
    let last = column_number(columns - 1);
    let widths = column_widths(sheet);
    for (col, width) in widths.iter().enumerate() {
        worksheet.set_column_width(column_number(col), *width)?;
    }
    let table_width: f64 = widths.iter().sum();

    let mut r: u32 = 0;
    // The approval block at the top right: its lines over the rightmost columns, at least
    // APPROVAL_WIDTH wide (or over the whole table when it is narrower).
    if !sheet.preamble.approval.is_empty() {
        let mut first = columns - 1;
        let mut width = widths[first];
        while first > 0 && width < APPROVAL_WIDTH {
            first -= 1;
            width += widths[first];
        }
        for line in &sheet.preamble.approval {
            merged_line(
                worksheet,
                (r, column_number(first), last),
                line,
                &styles.approval,
            )?;
            worksheet.set_row_height(r, lines_of(line, width, CHARS_PER_UNIT) * LINE_HEIGHT)?;
            r += 1;
        }
        r += 1;
    }
    for line in &sheet.preamble.title {
        merged_line(worksheet, (r, 0, last), line, &styles.title)?;
        let lines = lines_of(line, table_width, BOLD_CHARS_PER_UNIT);
        worksheet.set_row_height(r, lines * TITLE_LINE_HEIGHT)?;
        r += 1;
    }
    if !sheet.preamble.title.is_empty() {
        r += 1;
    }

    let heading_row = r;
    for (col, text) in sheet.headings.iter().enumerate() {
        worksheet.write_string_with_format(heading_row, column_number(col), text, &styles.heading)?;
    }
    worksheet.set_freeze_panes(heading_row + 1, 0)?;
    worksheet.set_repeat_rows(heading_row, heading_row)?;

    let mut decimal_formats: Vec<Option<Format>> = Vec::new();
    for (i, row) in sheet.rows.iter().enumerate() {
        let r = heading_row.saturating_add(row_number(i + 1));
        if let Some(text) = section_text(sheet, row) {
            merged_line(worksheet, (r, 0, last), &text, &styles.section)?;
            let lines = lines_of(&text, table_width, BOLD_CHARS_PER_UNIT);
            worksheet.set_row_height(r, lines * LINE_HEIGHT)?;
            continue;
        }
        for col in 0..columns {
            let c = column_number(col);
            match row.get(col).unwrap_or(&Cell::Empty) {
                Cell::Text(t) if !t.is_empty() => {
                    worksheet.write_string_with_format(r, c, xlsx_text(t), &styles.text)?;
                }
                Cell::Decimal(d) => {
                    let places = d.scale() as usize;
                    if decimal_formats.len() <= places {
                        decimal_formats.resize(places + 1, None);
                    }
                    let format = decimal_formats[places]
                        .get_or_insert_with(|| Styles::decimal(d.scale()));
                    worksheet.write_number_with_format(
                        r,
                        c,
                        d.to_f64().unwrap_or(f64::NAN),
                        format,
                    )?;
                }
                Cell::Integer(n) => {
                    // Counts and places are far below 2^53: exact as f64.
                    worksheet.write_number_with_format(r, c, *n as f64, &styles.integer)?;
                }
                Cell::Text(_) | Cell::Empty => {
                    worksheet.write_blank(r, c, &styles.blank)?;
                }
            }
        }
    }

    worksheet.set_landscape();
    worksheet.set_paper_size(A4);
    worksheet.set_print_fit_to_pages(1, 0);
    worksheet.set_print_center_horizontally(true);
    worksheet.set_margins(0.4, 0.4, 0.5, 0.6, 0.3, 0.3);
    worksheet.set_footer("&CСтраница &P из &N");
    Ok(())
}

/// `text` in one row over columns `first..=last`, merged when that is more than one column.
fn merged_line(
    worksheet: &mut Worksheet,
    (row, first, last): (u32, u16, u16),
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if first == last {
        worksheet.write_string_with_format(row, first, xlsx_text(text), format)?;
    } else {
        worksheet.merge_range(row, first, row, last, &xlsx_text(text), format)?;
    }
    Ok(())
}

/// How many lines `text` takes in a (merged) cell `width` units wide; merged cells do not grow
/// by themselves when their text wraps, so their rows are given this height.
fn lines_of(text: &str, width: f64, chars_per_unit: f64) -> f64 {
    let per_line = (width * chars_per_unit).max(1.0);
    text.lines()
        .map(|line| (line.chars().count() as f64 / per_line).ceil().max(1.0))
        .sum::<f64>()
        .max(1.0)
}

/// Widths in Excel's character units: a column of numbers as wide as its numbers and its
/// heading's longest word; a text column as wide as its longest line up to [`MAX_TEXT_WIDTH`].
/// When the table is wider than [`TABLE_WIDTH`], the text columns give up width in proportion,
/// none below its heading's longest word (or [`MIN_TEXT_WIDTH`]).
fn column_widths(sheet: &Sheet) -> Vec<f64> {
    let columns = sheet.headings.len().max(1);
    let data: Vec<&Vec<Cell>> = sheet
        .rows
        .iter()
        .filter(|row| section_text(sheet, row).is_none())
        .collect();
    let mut widths = Vec::with_capacity(columns);
    let mut numeric = Vec::with_capacity(columns);
    let mut floors = Vec::with_capacity(columns);
    for col in 0..columns {
        let heading = sheet.headings.get(col).map_or("", String::as_str);
        let word = heading
            .split_whitespace()
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0) as f64
            + 1.0;
        let cells: Vec<&Cell> = data.iter().filter_map(|row| row.get(col)).collect();
        let is_numeric = cells
            .iter()
            .any(|c| matches!(c, Cell::Decimal(_) | Cell::Integer(_)))
            && cells
                .iter()
                .all(|c| matches!(c, Cell::Decimal(_) | Cell::Integer(_) | Cell::Empty));
        let longest = cells
            .iter()
            .map(|c| match c {
                Cell::Text(t) => t.lines().map(|l| l.chars().count()).max().unwrap_or(0),
                Cell::Decimal(d) => d.to_string().len(),
                Cell::Integer(n) => n.to_string().len(),
                Cell::Empty => 0,
            })
            .max()
            .unwrap_or(0) as f64
            + 2.0;
        let (width, floor) = if is_numeric {
            let width = longest.max(word).clamp(NUMBER_WIDTHS.0, NUMBER_WIDTHS.1);
            (width, width)
        } else {
            let floor = word
                .max(MIN_TEXT_WIDTH.min(longest))
                .clamp(MIN_COLUMN_WIDTH, MAX_TEXT_WIDTH);
            (longest.max(word).clamp(floor, MAX_TEXT_WIDTH), floor)
        };
        widths.push(width);
        numeric.push(is_numeric);
        floors.push(floor);
    }
    let total: f64 = widths.iter().sum();
    if total > TABLE_WIDTH {
        let fixed: f64 = (0..columns)
            .filter(|&c| numeric[c])
            .map(|c| widths[c])
            .sum();
        let text: f64 = total - fixed;
        let room = (TABLE_WIDTH - fixed).max(0.0);
        if text > 0.0 {
            for c in (0..columns).filter(|&c| !numeric[c]) {
                widths[c] = (widths[c] * room / text).max(floors[c]).round();
            }
        }
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::Preamble;
    use rust_decimal_macros::dec;

    fn plan_like() -> Sheet {
        Sheet {
            name: "План".into(),
            preamble: Preamble::form(
                vec!["УТВЕРЖДАЮ".into(), "Министр".into()],
                vec!["ПЛАН".into()],
            ),
            headings: vec![
                "№ п/п".into(),
                "Наименование мероприятия".into(),
                "Итоговый балл".into(),
            ],
            rows: vec![
                vec![Cell::Text("I. Открытость".into())],
                vec![
                    Cell::Text("1".into()),
                    Cell::Text("слово ".repeat(40)),
                    Cell::Decimal(dec!(96.10)),
                ],
            ],
        }
    }

    #[test]
    fn widths_follow_contents_within_bounds() {
        let widths = column_widths(&plan_like());
        assert_eq!(widths[0], MIN_COLUMN_WIDTH);
        assert_eq!(widths[1], MAX_TEXT_WIDTH);
        assert_eq!(widths[2], 9.0, "«Итоговый» and a space");
        let mut wide = plan_like();
        wide.headings = (0..12).map(|i| format!("Графа {i}")).collect();
        wide.rows = vec![(0..12).map(|_| Cell::Text("текст ".repeat(20))).collect()];
        let widths = column_widths(&wide);
        assert!(widths.iter().sum::<f64>() <= TABLE_WIDTH + 12.0, "{widths:?}");
        assert!(widths.iter().all(|&w| w >= MIN_TEXT_WIDTH));
    }

    #[test]
    fn merged_rows_are_as_high_as_their_wrapped_lines() {
        assert_eq!(lines_of("короткая", 50.0, 1.0), 1.0);
        assert_eq!(lines_of(&"я".repeat(120), 50.0, 1.0), 3.0);
        assert_eq!(lines_of("а\nб", 50.0, 1.0), 2.0);
    }

    #[test]
    fn a_sheet_with_one_column_and_no_rows_is_written() {
        let sheet = Sheet {
            name: "Один".into(),
            preamble: Preamble::form(vec!["УТВЕРЖДАЮ".into()], vec!["Заголовок".into()]),
            headings: vec!["Графа".into()],
            rows: vec![vec![Cell::Text("Раздел".into())]],
        };
        let bytes = workbook(&[sheet, plan_like()]).unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
