//! The preamble above the table: the approval block («УТВЕРЖДАЮ», position, name, date, order
//! number), the title, and the Russian dates written there.

use chrono::NaiveDate;

use super::cells::trim_separators;
use super::names::find_person;
use super::{warning, ApprovalBlock, RowWarning};
use crate::domain::text::{fold_words, month_of};

/// Reads «УТВЕРЖДАЮ», the position lines, the name, the date and an order number; the lines
/// after the block (or before it, when none follow) are the title.
pub(super) fn read_preamble(
    lines: &[(usize, String)],
    warnings: &mut Vec<RowWarning>,
) -> (Option<ApprovalBlock>, Option<String>) {
    let Some((marker, rest)) = lines
        .iter()
        .enumerate()
        .find_map(|(i, (_, line))| approval_marker(line).map(|rest| (i, rest)))
    else {
        return (None, joined(lines));
    };
    let block = read_block(lines, marker, &rest);
    let marker_row = lines[marker].0;
    if block.full_name.is_none() && block.date.is_none() && block.document_number.is_none() {
        warnings.push(warning(
            marker_row,
            None,
            "«УТВЕРЖДАЮ» is not followed by a name or a date; the approval is not read",
        ));
        let title = joined(&lines[marker + 1..]).or_else(|| joined(&lines[..marker]));
        return (None, title);
    }
    if block.full_name.is_none() && !block.by_order {
        warnings.push(warning(
            marker_row,
            None,
            "the approval block names no signatory («И.О. Фамилия»)",
        ));
    }
    let approval = ApprovalBlock {
        position: block.position.join(" "),
        full_name: block.full_name.unwrap_or_default(),
        date: block.date,
        document_number: block.document_number,
    };
    let title = joined(&lines[block.end.min(lines.len())..]).or_else(|| joined(&lines[..marker]));
    (Some(approval), title)
}

/// The text of `lines` on one line; `None` when there is none.
fn joined(lines: &[(usize, String)]) -> Option<String> {
    let text = lines
        .iter()
        .map(|(_, line)| line.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    (!text.is_empty()).then_some(text)
}

/// What the lines of an approval block say.
#[derive(Default)]
struct Block {
    position: Vec<String>,
    full_name: Option<String>,
    date: Option<NaiveDate>,
    document_number: Option<String>,
    /// Index of the first line after the block.
    end: usize,
    /// "УТВЕРЖДЕН приказом … № …": approved by an order, no signatory follows.
    by_order: bool,
}

/// Reads the block that the marker line `marker` opens, `rest` being the text after the marker
/// word.
fn read_block(lines: &[(usize, String)], marker: usize, rest: &str) -> Block {
    // Longer than this it is not an approval block but a document.
    const MAX_BLOCK_LINES: usize = 10;
    // "УТВЕРЖДЕН приказом от … № …": the rest of the marker line belongs to the block.
    let first = (!rest.is_empty()).then_some((marker, rest));
    let lines_of_block = first.into_iter().chain(
        lines
            .iter()
            .enumerate()
            .skip(marker + 1)
            .take(MAX_BLOCK_LINES)
            .map(|(i, (_, line))| (i, line.as_str())),
    );
    let mut block = Block {
        end: marker + 1,
        ..Block::default()
    };
    for (i, raw) in lines_of_block {
        let line = raw.replace(['_', '*'], " ").replace("(подпись)", " ");
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            block.end = i + 1;
            continue;
        }
        if is_date_line(&line) {
            block.date = parse_russian_date(&line).or(block.date);
            block.document_number = block.document_number.or_else(|| number_after_sign(&line));
            block.end = i + 1;
            // An order number may follow the date on a line of its own.
            if let Some((_, next)) = lines.get(i + 1) {
                if next.trim_start().starts_with('№') {
                    block.document_number =
                        block.document_number.or_else(|| number_after_sign(next));
                    block.end = i + 2;
                }
            }
            break;
        }
        if let Some(number) = number_after_sign(&line) {
            block.document_number.get_or_insert(number);
            if block.date.is_none() {
                block.date = parse_russian_date(&line);
            }
            block.end = i + 1;
            if i == marker {
                // "УТВЕРЖДЕН приказом … № …": approved by an order, no signatory follows;
                // the order's reference is kept as written.
                block.by_order = true;
                block.position.push(line.clone());
                break;
            }
            continue;
        }
        if block.full_name.is_none() {
            if let Some((start, stop)) = find_person(&line) {
                block.full_name = Some(line[start..stop].to_owned());
                let rest = trim_separators(&format!("{} {}", &line[..start], &line[stop..]));
                if !rest.is_empty() {
                    block.position.push(rest);
                }
                block.end = i + 1;
                continue;
            }
        }
        if block.full_name.is_some() {
            break; // The title starts after the name when the date is missing.
        }
        block.position.push(line);
        block.end = i + 1;
    }
    block
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
pub(super) fn parse_russian_date(text: &str) -> Option<NaiveDate> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan_form::test_tables::*;

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
        assert_eq!(approval.position, "приказом от 30.11.2016 № 819-р");
        assert_eq!(approval.date, NaiveDate::from_ymd_opt(2016, 11, 30));
        assert_eq!(plan.title.as_deref(), Some("План"));
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
}
