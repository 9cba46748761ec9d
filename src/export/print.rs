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

/// The narrowest a column of long text gets when many columns of figures fill the width (the
/// table is then wider than [`TABLE_WIDTH`] and printed smaller).
const SQUEEZED_TEXT_WIDTH: f64 = 24.0;

/// The narrowest any column gets («№ п/п» fits).
const MIN_COLUMN_WIDTH: f64 = 6.0;

/// The narrowest column of numbers, and the widest.
const NUMBER_WIDTHS: (f64, f64) = (8.0, 16.0);

/// A heading longer than this, in characters, is printed as its code (see [`printed_headings`]).
const LONG_HEADING: usize = 120;

/// A heading row wraps into at most about this many lines: text columns are widened for it.
const HEADING_LINES: f64 = 6.0;

/// The approval block is this wide at least (taken from the rightmost columns).
const APPROVAL_WIDTH: f64 = 50.0;

/// Points per line of text: 11-point body text, 12-point bold title; a little more per row.
const LINE_HEIGHT: f64 = 14.0;
const TITLE_LINE_HEIGHT: f64 = 16.5;
const ROW_PADDING: f64 = 3.0;

/// Characters per width unit. Excel's unit is a digit of the default font; Cyrillic letters are
/// wider, bold ones more, and where Calibri is missing (LibreOffice on a server) a wider font
/// stands in: these are measured on DejaVu Sans so that nothing is cut off there either.
const CHARS_PER_UNIT: f64 = 1.1;
const BOLD_CHARS_PER_UNIT: f64 = 0.85;

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
            let lines = lines_of(line, width, CHARS_PER_UNIT);
            worksheet.set_row_height(r, lines * LINE_HEIGHT + ROW_PADDING)?;
            r += 1;
        }
        r += 1;
    }
    for line in &sheet.preamble.title {
        merged_line(worksheet, (r, 0, last), line, &styles.title)?;
        let lines = lines_of(line, table_width, BOLD_CHARS_PER_UNIT);
        worksheet.set_row_height(r, lines * TITLE_LINE_HEIGHT + ROW_PADDING)?;
        r += 1;
    }
    if !sheet.preamble.title.is_empty() {
        r += 1;
    }

    let heading_row = r;
    let (printed, legend) = printed_headings(&sheet.headings);
    for (col, text) in printed.iter().enumerate() {
        worksheet.write_string_with_format(
            heading_row,
            column_number(col),
            text,
            &styles.heading,
        )?;
    }
    let headings: Vec<Cell> = printed.into_iter().map(Cell::Text).collect();
    worksheet.set_row_height(
        heading_row,
        row_height(&headings, &widths, BOLD_CHARS_PER_UNIT),
    )?;
    worksheet.set_freeze_panes(heading_row + 1, 0)?;
    worksheet.set_repeat_rows(heading_row, heading_row)?;

    let mut decimal_formats: Vec<Option<Format>> = Vec::new();
    let mut r = heading_row;
    for row in &sheet.rows {
        r = r.saturating_add(1);
        if let Some(text) = section_text(sheet, row) {
            merged_line(worksheet, (r, 0, last), &text, &styles.section)?;
            let lines = lines_of(&text, table_width, BOLD_CHARS_PER_UNIT);
            worksheet.set_row_height(r, lines * LINE_HEIGHT + ROW_PADDING)?;
            continue;
        }
        worksheet.set_row_height(r, row_height(row, &widths, CHARS_PER_UNIT))?;
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
                    let format =
                        decimal_formats[places].get_or_insert_with(|| Styles::decimal(d.scale()));
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

    // The headings printed as their codes, in full under the table.
    if !legend.is_empty() {
        r = r.saturating_add(1);
        for line in &legend {
            r = r.saturating_add(1);
            merged_line(worksheet, (r, 0, last), line, &styles.approval)?;
            let lines = lines_of(line, table_width, CHARS_PER_UNIT);
            worksheet.set_row_height(r, lines * LINE_HEIGHT + ROW_PADDING)?;
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

/// The headings as printed, and the notes under the table. A column of figures under a
/// heading of hundreds of characters (the indicators' official names) would make a heading row
/// taller than the page: when a sheet has such headings, each heading led by a code («1.1.»,
/// «K1.») is printed as the code, and the headings are listed in full under the table.
fn printed_headings(headings: &[String]) -> (Vec<String>, Vec<String>) {
    if headings.iter().all(|h| h.chars().count() <= LONG_HEADING) {
        return (headings.to_vec(), Vec::new());
    }
    let mut legend = Vec::new();
    let printed = headings
        .iter()
        .map(|h| match heading_code(h) {
            Some(code) => {
                legend.push(h.clone());
                code.to_owned()
            }
            None => h.clone(),
        })
        .collect();
    (printed, legend)
}

/// «1.1» of «1.1. Соответствие …», «K1» of «K1. Открытость …».
fn heading_code(heading: &str) -> Option<&str> {
    let (code, _) = heading.split_once(". ")?;
    let mut parts = code.split('.');
    let first = parts.next()?;
    let lead_ok = first.chars().all(|c| c.is_ascii_digit())
        || first
            .strip_prefix('K')
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    (!first.is_empty()
        && lead_ok
        && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())))
    .then_some(code)
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

/// How many lines `text` takes in a cell `width` units wide, wrapped at spaces as spreadsheets
/// wrap it (a word longer than a line is broken). Neither Excel nor LibreOffice grows a row for
/// wrapped text when it opens a file, so every row is given this height.
fn lines_of(text: &str, width: f64, chars_per_unit: f64) -> f64 {
    // Room for the cell's padding.
    let capacity = ((width - 1.0) * chars_per_unit).floor().max(1.0) as usize;
    let mut lines = 0usize;
    for paragraph in text.lines() {
        let mut used = 0usize;
        lines += 1;
        for word in paragraph.split_whitespace() {
            let length = word.chars().count();
            let needed = if used == 0 { length } else { used + 1 + length };
            if needed <= capacity {
                used = needed;
            } else if used == 0 {
                lines += (length - 1) / capacity;
                used = (length - 1) % capacity + 1;
            } else {
                lines += 1 + (length - 1) / capacity;
                used = (length - 1) % capacity + 1;
            }
        }
    }
    lines.max(1) as f64
}

/// The height of a row of `cells` under columns of `widths`: its tallest cell's lines.
fn row_height(cells: &[Cell], widths: &[f64], chars_per_unit: f64) -> f64 {
    let lines = cells
        .iter()
        .zip(widths)
        .map(|(cell, &width)| match cell {
            Cell::Text(t) => lines_of(t, width, chars_per_unit),
            _ => 1.0,
        })
        .fold(1.0, f64::max);
    lines * LINE_HEIGHT + ROW_PADDING
}

/// Widths in Excel's character units: a column of numbers as wide as its numbers and its
/// heading's longest word; a text column as wide as its longest line up to [`MAX_TEXT_WIDTH`].
/// When the table is wider than [`TABLE_WIDTH`], the text columns give up width in proportion,
/// none below its heading's longest word (or [`MIN_TEXT_WIDTH`]).
fn column_widths(sheet: &Sheet) -> Vec<f64> {
    let columns = sheet.headings.len().max(1);
    let (printed, _) = printed_headings(&sheet.headings);
    let data: Vec<&Vec<Cell>> = sheet
        .rows
        .iter()
        .filter(|row| section_text(sheet, row).is_none())
        .collect();
    let mut widths = Vec::with_capacity(columns);
    let mut numeric = Vec::with_capacity(columns);
    let mut floors = Vec::with_capacity(columns);
    for col in 0..columns {
        let heading = printed.get(col).map_or("", String::as_str);
        // The heading's longest word in bold on one line, padding included.
        let word = (heading
            .split_whitespace()
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0) as f64
            / BOLD_CHARS_PER_UNIT)
            .ceil()
            + 1.0;
        // Wide enough for the heading in HEADING_LINES lines.
        let heading_room =
            (heading.chars().count() as f64 / (HEADING_LINES * BOLD_CHARS_PER_UNIT)).ceil() + 1.0;
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
            / CHARS_PER_UNIT
            + 2.0;
        let (width, floor) = if is_numeric {
            let width = longest
                .max(word)
                .max(heading_room.min(NUMBER_WIDTHS.1))
                .max(NUMBER_WIDTHS.0);
            (width, width)
        } else {
            let floor = word
                .max(heading_room)
                .max(MIN_TEXT_WIDTH.min(longest))
                .clamp(MIN_COLUMN_WIDTH, MAX_TEXT_WIDTH);
            (longest.max(floor).min(MAX_TEXT_WIDTH), floor)
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
                let floor = floors[c].max(widths[c].min(SQUEEZED_TEXT_WIDTH));
                widths[c] = (widths[c] * room / text).max(floor).round();
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
        assert_eq!(widths[2], 11.0, "«Итоговый» in bold and padding");
        // Six columns of long text share the table's width.
        let wide = |columns: usize| {
            let mut sheet = plan_like();
            sheet.headings = (0..columns).map(|i| format!("Графа {i}")).collect();
            sheet.rows = vec![(0..columns)
                .map(|_| Cell::Text("текст ".repeat(20)))
                .collect()];
            column_widths(&sheet)
        };
        let six = wide(6);
        assert!(six.iter().all(|&w| w == 32.0), "{six:?}");
        assert!(six.iter().sum::<f64>() <= TABLE_WIDTH + 6.0);
        // Twelve keep a readable width and print smaller.
        let twelve = wide(12);
        assert!(
            twelve.iter().all(|&w| w == SQUEEZED_TEXT_WIDTH),
            "{twelve:?}"
        );
    }

    #[test]
    fn long_headings_print_as_codes_with_a_legend() {
        let short = vec![
            "Место в рейтинге".to_owned(),
            "K1. Открытость, баллы".to_owned(),
        ];
        assert_eq!(printed_headings(&short), (short.clone(), Vec::new()));
        let long = format!("1.1. {}, баллы", "слово ".repeat(30));
        let headings = vec![
            "№ п/п".to_owned(),
            long.clone(),
            "K1. Открытость, баллы".to_owned(),
            "Итоговый балл".to_owned(),
        ];
        let (printed, legend) = printed_headings(&headings);
        assert_eq!(printed, ["№ п/п", "1.1", "K1", "Итоговый балл"]);
        assert_eq!(legend, [long, "K1. Открытость, баллы".to_owned()]);
        assert_eq!(heading_code("Сведения о ходе. Итог"), None);
        assert_eq!(heading_code("K. Итог"), None);
    }

    #[test]
    fn merged_rows_are_as_high_as_their_wrapped_lines() {
        assert_eq!(lines_of("короткая", 50.0, 1.0), 1.0);
        // 49 characters a line: a long word is broken.
        assert_eq!(lines_of(&"я".repeat(120), 50.0, 1.0), 3.0);
        assert_eq!(lines_of("а\nб", 50.0, 1.0), 2.0);
        // Words are not split: 9 a line, "аааа бббб" then "вввв".
        assert_eq!(lines_of("аааа бббб вввв", 10.0, 1.0), 2.0);
        assert_eq!(lines_of("аааа бббббббббббббббб", 10.0, 1.0), 3.0);
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
