//! Free-text rules shared by every resource: trimmed, non-empty when required, bounded length,
//! no control characters. And the one reading of Russian text that the domain shares: the
//! cleaning of what document conversions leave behind, the folding of words as readers compare
//! them (name search, plan headings, deadlines) and the names of months.

use crate::domain::FieldError;

#[derive(Debug, Clone, Copy)]
pub struct TextRule {
    pub max_chars: usize,
}

impl TextRule {
    pub const fn required(max_chars: usize) -> Self {
        Self { max_chars }
    }
}

/// Trims `value` in place and records why it breaks `rule`, if it does.
pub fn check(value: &mut String, field: &str, rule: TextRule, errors: &mut Vec<FieldError>) {
    let trimmed = value.trim();
    if trimmed.len() != value.len() {
        *value = trimmed.to_owned();
    }
    if value.is_empty() {
        errors.push(FieldError::new(field, "required", "must not be empty"));
    } else if value.chars().count() > rule.max_chars {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("must be at most {} characters", rule.max_chars),
        ));
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        errors.push(FieldError::new(
            field,
            "format",
            "must not contain control characters",
        ));
    }
}

/// An optional text: absent stays absent, present must satisfy the rule.
pub fn check_optional(
    value: &mut Option<String>,
    field: &str,
    rule: TextRule,
    errors: &mut Vec<FieldError>,
) {
    if let Some(text) = value {
        check(text, field, rule, errors);
    }
}

/// Lower case with ё folded to е, as Russian readers search ("Берёзовский" = "березовский").
/// Organizations store their names folded with it: a change here needs the stored keys folded
/// again, so the document readers add their rules in [`fold_word`] instead.
pub fn fold(value: &str) -> String {
    value
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

/// Latin letters that look Cyrillic, as typed into Cyrillic words («пoстоянно»).
const LOOK_ALIKES: &[(char, char)] = &[
    ('a', 'а'),
    ('b', 'в'),
    ('c', 'с'),
    ('e', 'е'),
    ('h', 'н'),
    ('k', 'к'),
    ('m', 'м'),
    ('o', 'о'),
    ('p', 'р'),
    ('t', 'т'),
    ('x', 'х'),
    ('y', 'у'),
];

/// One word of a document as the readers compare it: [`fold`], decomposed «й» composed (and the
/// combining marks of «й» and «ё» dropped), the Ukrainian «і» read as the Latin «i» of Roman
/// numerals, and Latin look-alikes in a Cyrillic word made Cyrillic («пoстоянно» typed with a
/// Latin «o»).
pub fn fold_word(word: &str) -> String {
    let mut folded = String::with_capacity(word.len());
    for c in fold(word).chars() {
        match c {
            '\u{306}' if folded.ends_with('и') => {
                folded.pop();
                folded.push('й');
            }
            '\u{306}' | '\u{308}' => {}
            // Roman numerals are sometimes typed with the Ukrainian «і».
            'і' | 'ӏ' => folded.push('i'),
            c => folded.push(c),
        }
    }
    if !folded.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c)) {
        return folded;
    }
    folded
        .chars()
        .map(|c| {
            LOOK_ALIKES
                .iter()
                .find(|(l, _)| *l == c)
                .map_or(c, |&(_, r)| r)
        })
        .collect()
}

/// The words of `text` (letters, digits and №) folded by [`fold_word`] and separated by single
/// spaces, everything else dropped: the form in which headings are compared.
pub fn fold_words(text: &str) -> String {
    // The combining marks of a decomposed «й» or «ё» belong to their word.
    let in_word = |c: char| c.is_alphanumeric() || matches!(c, '№' | '\u{306}' | '\u{308}');
    text.split(|c: char| !in_word(c))
        .filter(|word| !word.is_empty())
        .map(fold_word)
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Month names as dates and deadlines write them, folded: nominative («декабрь 2017»),
/// genitive («31 декабря»), prepositional («в декабре»).
#[rustfmt::skip]
const MONTHS: [[&str; 3]; 12] = [
    ["январь", "января", "январе"], ["февраль", "февраля", "феврале"], ["март", "марта", "марте"],
    ["апрель", "апреля", "апреле"], ["май", "мая", "мае"], ["июнь", "июня", "июне"],
    ["июль", "июля", "июле"], ["август", "августа", "августе"], ["сентябрь", "сентября", "сентябре"],
    ["октябрь", "октября", "октябре"], ["ноябрь", "ноября", "ноябре"], ["декабрь", "декабря", "декабре"],
];

/// The month (1..=12) that a word folded by [`fold_word`] names.
pub fn month_of(folded_word: &str) -> Option<u32> {
    (1..)
        .zip(MONTHS)
        .find(|(_, forms)| forms.contains(&folded_word))
        .map(|(month, _)| month)
}

/// Tags that separate paragraphs in Word→HTML→text conversions become line breaks; inline ones
/// just vanish; other tags (`<o:p>`, comments) become a space.
const BLOCK_TAGS: &[&str] = &[
    "p", "div", "ul", "ol", "li", "br", "tr", "td", "th", "table", "h1", "h2", "h3", "h4", "h5",
    "h6",
];
const INLINE_TAGS: &[&str] = &[
    "span", "b", "i", "u", "s", "em", "strong", "font", "sup", "sub", "a",
];

/// Strips what conversions of Word or PDF documents leave in text (HTML tags and entities,
/// markdown `**`, soft hyphens and zero-width marks) and normalises spaces: single spaces inside
/// a line, paragraphs on separate lines, no empty lines.
pub fn clean_markup(raw: &str) -> String {
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

/// The lines of text cleaned by [`clean_markup`] as one line; a word hyphenated at a line end
/// («ежеквар-» + «тально») is one word again, a hyphen before a digit or a capital stays
/// («2017-» + «2018», «Северо-» + «Агеевский»).
pub fn unwrap_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        let hyphenated = line.starts_with(char::is_lowercase)
            && out
                .strip_suffix('-')
                .is_some_and(|before| before.ends_with(char::is_alphabetic));
        if hyphenated {
            out.pop();
        } else if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(line);
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
    // "a < b", "<5 лет": a tag starts with a name, a closing slash or "!" (comments).
    if !tail[1..].starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!')) {
        return None;
    }
    // 300 characters of any script.
    let window = &tail[..floor_boundary(tail, 1200)];
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
    let name = name_part[..name_len].to_ascii_lowercase();
    let named = after.is_empty() || after.starts_with([' ', '/', '\t', '\n']);
    let replacement = if named && BLOCK_TAGS.contains(&name.as_str()) {
        Some('\n')
    } else if named && INLINE_TAGS.contains(&name.as_str()) {
        None
    } else {
        Some(' ')
    };
    Some((replacement, end + 1))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds_text() {
        let mut errors = Vec::new();
        let mut v = "  Тула ".to_owned();
        check(&mut v, "name", TextRule::required(4), &mut errors);
        assert_eq!(v, "Тула");
        assert!(errors.is_empty());
        let mut v = "Тульская".to_owned();
        check(&mut v, "name", TextRule::required(4), &mut errors);
        let mut v = "a\u{0}b".to_owned();
        check(&mut v, "other", TextRule::required(4), &mut errors);
        let codes: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(codes, vec![("name", "too_long"), ("other", "format")]);
    }

    #[test]
    fn folds_cyrillic() {
        assert_eq!(fold("ЁЛКА Ёж"), "елка еж");
        assert_eq!(fold("КЦСОН"), "кцсон");
        // Stored search keys were made without the document readers' rules.
        assert_eq!(fold("Пoиск краи\u{306}"), "пoиск краи\u{306}");
    }

    #[test]
    fn words_fold_as_documents_need() {
        assert_eq!(fold_word("ПОСТОЯННО"), "постоянно");
        assert_eq!(fold_word("пoстоянно"), "постоянно"); // Latin «o»
        assert_eq!(fold_word("іv"), "iv"); // Ukrainian «і», no Cyrillic left
        assert_eq!(fold_word("трёх"), "трех");
        assert_eq!(fold_word("трe\u{308}х"), "трех"); // decomposed «ё», Latin «e»
        assert_eq!(fold_word("краи\u{306}"), "край");
        assert_eq!(
            fold_words(" «№ п/п»: Срок  реализации — 2017г. "),
            "№ п п срок реализации 2017г"
        );
    }

    /// The plan reader folded headings by lower case and «ё» alone; it now reads them as the
    /// deadline reader reads words.
    #[test]
    fn headings_fold_like_deadline_words() {
        assert_eq!(fold_words("Oткрытость"), "открытость"); // Latin «O»
        assert_eq!(fold_words("краи\u{306} Ёлки"), "край елки");
        assert_eq!(fold_words("\u{306}"), "");
    }

    #[test]
    fn months_in_the_forms_dates_and_deadlines_write() {
        assert_eq!(month_of("январь"), Some(1));
        assert_eq!(month_of("мая"), Some(5));
        assert_eq!(month_of("мае"), Some(5));
        assert_eq!(month_of("ноября"), Some(11));
        assert_eq!(month_of("декабре"), Some(12));
        assert_eq!(month_of("ма"), None);
        // The plan reader took any word of up to eight letters on a month's stem.
        assert_eq!(month_of("ноябрю"), None);
        assert_eq!(month_of("мартышка"), None);
        assert_eq!(month_of("июльский"), None);
    }

    #[test]
    fn cells_lose_markup_but_keep_paragraphs() {
        assert_eq!(
            clean_markup(
                "<p>первый&nbsp;абзац</p> <ul style=\"list-style-type: none\"> - пункт</ul>"
            ),
            "первый абзац\n- пункт"
        );
        assert_eq!(clean_markup("**Жирный**  текст\u{ad}"), "Жирный текст");
        assert_eq!(clean_markup("a < b и c > d"), "a < b и c > d");
        assert_eq!(
            clean_markup("&laquo;Ромашка&raquo; &#8470; 5 &bogus;"),
            "«Ромашка» № 5 &bogus;"
        );
        assert_eq!(clean_markup(" \r\n\t "), "");
        assert_eq!(
            clean_markup("2\u{a0}квартал\u{2028}2017"),
            "2 квартал\n2017"
        );
    }

    /// Tags the plan reader did not know it kept as text, where the deadline reader dropped
    /// every tag; both drop them now.
    #[test]
    fn unknown_tags_and_comments_become_spaces() {
        assert_eq!(clean_markup("<o:p>текст</o:p><!-- x -->"), "текст");
        assert_eq!(clean_markup("<pre>до</pre>конца"), "до конца");
        assert_eq!(clean_markup("<5 дней"), "<5 дней");
        assert_eq!(clean_markup("<Наименование>"), "<Наименование>");
    }

    /// The deadline reader put a space for every tag; inline tags join what they surround.
    #[test]
    fn inline_tags_vanish_block_tags_break_lines() {
        assert_eq!(clean_markup("ежеквар<span>тально</span>"), "ежеквартально");
        assert_eq!(clean_markup("до<br/>31.12.2017"), "до\n31.12.2017");
    }

    /// The plan reader looked 512 bytes ahead for the end of a tag, the deadline reader 300
    /// characters; now 300 characters of any script.
    #[test]
    fn long_tags_are_tags() {
        let tag = format!("<p title=\"{}\">", "ц".repeat(290));
        assert_eq!(clean_markup(&format!("{tag}постоянно")), "постоянно");
        let not_a_tag = format!("<p title=\"{}\">", "ц".repeat(700));
        assert!(clean_markup(&not_a_tag).starts_with("<p title"));
    }

    /// Control characters other than spaces and line breaks split words; the deadline reader
    /// kept them as text.
    #[test]
    fn control_characters_are_spaces() {
        assert_eq!(clean_markup("до\u{7}31.12.2017"), "до 31.12.2017");
        assert_eq!(clean_markup("ежеквар\u{2060}тально"), "ежеквартально");
    }

    #[test]
    fn lines_unwrap_joining_hyphenated_words() {
        let unwrapped = |raw: &str| unwrap_lines(&clean_markup(raw));
        assert_eq!(unwrapped("ежеквар-\nтально"), "ежеквартально");
        assert_eq!(unwrapped("до\n31.12.2017\r\nг."), "до 31.12.2017 г.");
        assert_eq!(unwrapped("2017-\n2018"), "2017- 2018");
        assert_eq!(unwrapped("Северо-\nАгеевский"), "Северо- Агеевский");
        // The deadline reader joined only across "\n" and "\r".
        assert_eq!(unwrapped("ежеквар-<br>тально"), "ежеквартально");
        assert_eq!(unwrapped("ежеквар-\u{2028}тально"), "ежеквартально");
        assert_eq!(unwrapped(""), "");
    }
}
