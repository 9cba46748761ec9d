//! What single cells and rows say once cleaned ([`clean_markup`](crate::domain::text::clean_markup)):
//! measure numbers, section numerals, separator and column-numbering rows, the case a fragment
//! starts with.

/// The last `max` bytes (or fewer, on a char boundary) of `text`.
pub(super) fn tail_of(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

pub(super) fn join_nonempty(row: &[String], separator: &str) -> String {
    row.iter()
        .filter(|cell| !cell.is_empty())
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(separator)
}

/// Whether a word of `folded` starts with `stem` (so one stem matches every case ending).
pub(super) fn has_word(folded: &str, stem: &str) -> bool {
    folded.split(' ').any(|word| word.starts_with(stem))
}

pub(super) fn starts_lowercase(text: &str) -> bool {
    text.chars().next().is_some_and(char::is_lowercase)
}

pub(super) fn starts_uppercase(text: &str) -> bool {
    text.chars().next().is_some_and(char::is_uppercase)
}

/// "1", "1.", "2.3", "1.1.", "4)" as a measure number, kept as written (numbers are the
/// document's own: «1.1.» stays «1.1.»).
pub(super) fn measure_number(text: &str) -> Option<String> {
    let written = text.trim();
    let core = number_key(written);
    // A PDF conversion splits digits with a space ("2.1 0." for 2.10 in seed 004).
    let valid = !core.is_empty()
        && core.split('.').all(|part| {
            let digits = part.replace(' ', "");
            (1..=3).contains(&digits.len())
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !part.starts_with(' ')
                && !part.ends_with(' ')
        });
    valid.then(|| written.to_owned())
}

/// What a measure number says without its trailing marks ("1.1." and "1.1" are one number),
/// for telling rows of one measure and numbered groups apart.
pub fn number_key(number: &str) -> &str {
    number.trim_end_matches(['.', ')'])
}

/// "I", "IV." — the numbering of sections in the 2018 form.
pub(super) fn is_roman_numeral(text: &str) -> bool {
    let core = text.trim().trim_end_matches('.');
    (1..=5).contains(&core.len()) && core.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L'))
}

/// Rows of dashes that text conversions draw under headers and at page ends.
pub(super) fn is_separator_row(row: &[String]) -> bool {
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
pub(super) fn is_column_numbering_row(row: &[String]) -> bool {
    let numbers: Vec<&String> = row.iter().filter(|cell| !cell.is_empty()).collect();
    numbers.len() >= 3
        && numbers
            .iter()
            .enumerate()
            .all(|(i, cell)| cell.trim_end_matches('.').parse::<usize>().ok() == Some(i + 1))
}

pub(super) fn trim_separators(text: &str) -> String {
    let trimmed = text.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—' | '_')
    });
    trimmed.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|cell| (*cell).to_owned()).collect()
    }

    #[test]
    fn cells_say_numbers_numerals_and_separators() {
        assert_eq!(measure_number("2.3."), Some("2.3.".to_owned()));
        assert_eq!(measure_number(" 1.1. "), Some("1.1.".to_owned()));
        assert_eq!(measure_number("4)"), Some("4)".to_owned()));
        assert_eq!(number_key("1.1."), "1.1");
        assert_eq!(measure_number("."), None);
        assert_eq!(measure_number("2017 год"), None);
        assert_eq!(measure_number("1234"), None);
        assert!(is_roman_numeral("IV."));
        assert!(!is_roman_numeral("Иванов"));
        assert!(is_separator_row(&row(&["---", "", "=|="])));
        assert!(!is_separator_row(&row(&["", ""])));
        assert!(is_column_numbering_row(&row(&["1", "2.", "", "3"])));
        assert!(!is_column_numbering_row(&row(&["1", "3", "2"])));
        assert!(has_word("срок реализации", "реализ"));
        assert!(!has_word("нереализованные", "реализ"));
        assert_eq!(trim_separators(" – Директор, "), "Директор");
    }
}
