//! What single cells say once cleaned: measure numbers, section numerals, separator and
//! column-numbering rows, and the folded words that headings are compared in.

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
pub(super) fn clean_cell(raw: &str) -> String {
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

/// Lower case, ё = е, everything but letters, digits and № turned into single spaces: the form
/// in which headings are compared.
pub(super) fn fold_words(text: &str) -> String {
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
pub(super) fn has_word(folded: &str, stem: &str) -> bool {
    folded.split(' ').any(|word| word.starts_with(stem))
}

pub(super) fn starts_lowercase(text: &str) -> bool {
    text.chars().next().is_some_and(char::is_lowercase)
}

pub(super) fn starts_uppercase(text: &str) -> bool {
    text.chars().next().is_some_and(char::is_uppercase)
}

/// "1", "1.", "2.3", "4)" as a measure number ("2.3" kept without the trailing mark).
pub(super) fn measure_number(text: &str) -> Option<String> {
    let core = text.trim().trim_end_matches(['.', ')']);
    let valid = !core.is_empty()
        && core
            .split('.')
            .all(|part| (1..=3).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()));
    valid.then(|| core.to_owned())
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
}
