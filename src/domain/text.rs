//! Free-text rules shared by every resource: trimmed, no control or invisible formatting
//! characters (line breaks only in long texts); lengths are each field's `validator` rule. And the one reading of Russian text that the domain shares: the
//! cleaning of what document conversions leave behind, the folding of words as readers compare
//! them (name search, plan headings, deadlines) and the names of months.

use crate::domain::FieldError;

/// What a text field may hold besides printable characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Names, codes, usernames, URLs, secrets, dates, enumerations: one line, nothing invisible.
    Line,
    /// Long texts people write in paragraphs: also line breaks (`\n`, `\r\n`) and tabs.
    Paragraphs,
}

/// The fields (by their last name in a request path) that hold paragraphs: the texts of plans,
/// measures, reports and proposals, as documents and their imports write them. Every other
/// string of every request body is one line. The one list that decides it, for JSON bodies
/// (`api::extract`) and for the fields' `validator` rules ([`one_line`], [`paragraphs`]) alike.
pub const PARAGRAPH_FIELDS: &[&str] = &[
    "title",
    "basis",
    "heading",
    "shortcoming",
    "deadline",
    "expected_result",
    "result_indicators",
    "information_source",
    "text",
    "execution_info",
    "measures_taken",
    "result",
    "subject",
    "technical_task",
];

/// The layout of the field at `path` (`sections[0].measures[2].title` → `title`).
pub fn layout_of(path: &str) -> Layout {
    let last = path.rsplit('.').next().unwrap_or(path);
    let name = last.split('[').next().unwrap_or(last);
    if PARAGRAPH_FIELDS.contains(&name) {
        Layout::Paragraphs
    } else {
        Layout::Line
    }
}

/// Characters no text of the service holds, whatever its layout: control characters (C0, DEL,
/// C1 with U+0085), bidirectional controls (U+061C, U+200E–U+200F, U+202A–U+202E,
/// U+2066–U+2069), zero-width characters (U+200B–U+200D, U+2060–U+2064, U+FEFF) and the
/// Unicode line and paragraph separators (U+2028, U+2029). They are invisible where the text is
/// shown, can make one name look like another, and PostgreSQL cannot store NUL in text.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// The first character of `value` that `layout` does not allow, with its position (0-based, in
/// characters).
pub fn forbidden_char(value: &str, layout: Layout) -> Option<(usize, char)> {
    let mut chars = value.chars().enumerate().peekable();
    while let Some((i, c)) = chars.next() {
        let allowed = match (layout, c) {
            (Layout::Paragraphs, '\n' | '\t') => true,
            (Layout::Paragraphs, '\r') => chars.peek().is_some_and(|&(_, next)| next == '\n'),
            (_, c) => !is_hidden(c),
        };
        if !allowed {
            return Some((i, c));
        }
    }
    None
}

/// The first character (0-based position, in characters) that no cell of an imported sheet may
/// hold: control characters other than tabs and line breaks, and bidirectional controls.
/// Zero-width characters and Unicode line separators, which document conversions leave in
/// cells, are not refused here: [`clean_markup`] drops them or breaks the line; the fields made
/// of the cells are then held to their [`Layout`] by their rules ([`one_line`], [`paragraphs`]).
pub fn forbidden_in_cell(cell: &str) -> Option<(usize, char)> {
    cell.chars().enumerate().find(|&(_, c)| {
        (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            || matches!(
                c,
                '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
            )
    })
}

/// Whether a spreadsheet would run `text` as a formula or break its cell when it stands in a CSV
/// file: `=`, `+`, `-`, `@` first (also after leading spaces, or as the full-width forms some
/// spreadsheets read alike), or a tab or a line break first. CSV exports lead such text with an
/// apostrophe ([`csv_guarded`]); imports take it off again ([`csv_unguarded`]).
pub fn runs_as_formula(text: &str) -> bool {
    matches!(
        text.trim_start_matches(' ').chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠')
    )
}

/// `text` as a CSV cell spreadsheets show as text: led by an apostrophe when it would run.
pub fn csv_guarded(text: &str) -> String {
    if runs_as_formula(text) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The text a guarded CSV cell stands for: the apostrophe an export put before text that would
/// run is taken off; any other apostrophe is the cell's own.
pub fn csv_unguarded(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(text) if runs_as_formula(text) => text,
        _ => cell,
    }
}

/// Why `value` may not be the text of `field`, if it may not: the field named, the character by
/// its code point.
pub fn character_error(value: &str, field: &str) -> Option<FieldError> {
    let layout = layout_of(field);
    let (at, c) = forbidden_char(value, layout)?;
    let code = format!("U+{:04X}", u32::from(c));
    let message = match (layout, c) {
        (Layout::Line, '\n' | '\r' | '\t') => {
            format!(
                "must be a single line without tabs ({code} at character {})",
                at + 1
            )
        }
        _ if c.is_control() => format!(
            "must not contain control characters ({code} at character {})",
            at + 1
        ),
        _ => format!(
            "must not contain invisible formatting characters ({code} at character {})",
            at + 1
        ),
    };
    Some(FieldError::new(field, "format", message))
}

/// The custom rule of `validator` for one-line texts: no character [`forbidden_char`] refuses.
pub fn one_line(value: &str) -> Result<(), validator::ValidationError> {
    match character_error(value, "") {
        Some(error) => {
            Err(validator::ValidationError::new("format").with_message(error.message.into()))
        }
        None => Ok(()),
    }
}

/// The custom rule of `validator` for long texts ([`PARAGRAPH_FIELDS`]): line breaks and tabs
/// allowed, nothing else [`forbidden_char`] refuses.
pub fn paragraphs(value: &str) -> Result<(), validator::ValidationError> {
    match character_error(value, "text") {
        Some(error) => {
            Err(validator::ValidationError::new("format").with_message(error.message.into()))
        }
        None => Ok(()),
    }
}

/// Trims `value` in place (only when it must, so that untouched text is not copied).
pub fn trim(value: &mut String) {
    if value.trim().len() != value.len() {
        *value = value.trim().to_owned();
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

    /// Texts are trimmed before their `validator` rules see them; the rules refuse what their
    /// layout does not allow, with the code and words of the API's field errors.
    #[test]
    fn trims_and_refuses_hidden_characters() {
        let mut v = "  Тула ".to_owned();
        trim(&mut v);
        assert_eq!(v, "Тула");
        assert!(one_line("Тула").is_ok() && paragraphs("первый\nвторой").is_ok());
        let error = one_line("первый\nвторой").unwrap_err();
        assert_eq!(error.code, "format");
        assert!(error.message.unwrap().contains("single line"));
        let error = paragraphs("a\u{0}b").unwrap_err();
        assert!(error.message.unwrap().contains("U+0000 at character 2"));
    }

    #[test]
    fn line_breaks_only_in_paragraphs_and_nothing_hidden_anywhere() {
        assert_eq!(
            layout_of("sections[0].measures[2].title"),
            Layout::Paragraphs
        );
        assert_eq!(layout_of("text"), Layout::Paragraphs);
        assert_eq!(layout_of("evidence[3]"), Layout::Line);
        assert_eq!(layout_of("approval.full_name"), Layout::Line);
        let para = "первый\r\nвторой\n\tтретий";
        assert_eq!(forbidden_char(para, Layout::Paragraphs), None);
        assert_eq!(forbidden_char(para, Layout::Line), Some((6, '\r')));
        assert_eq!(forbidden_char("a\rb", Layout::Paragraphs), Some((1, '\r')));
        for hidden in [
            '\u{0}', '\u{1}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}', '\u{200b}', '\u{200f}',
            '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{feff}', '\u{2028}', '\u{2029}',
        ] {
            let text = format!("ab{hidden}");
            assert_eq!(
                forbidden_char(&text, Layout::Paragraphs),
                Some((2, hidden)),
                "{hidden:?}"
            );
            assert_eq!(
                forbidden_char(&text, Layout::Line),
                Some((2, hidden)),
                "{hidden:?}"
            );
        }
        for fine in [
            "Тула",
            "ГУ ТО «Дом» № 5 — 2017",
            "a\u{a0}b",
            "e\u{301}",
            "\u{ad}",
        ] {
            assert_eq!(forbidden_char(fine, Layout::Line), None, "{fine:?}");
        }
        let error = character_error("adm\u{0}in", "username").unwrap();
        assert_eq!(
            (error.field.as_str(), error.code.as_str()),
            ("username", "format")
        );
        assert!(
            error.message.contains("U+0000 at character 4"),
            "{}",
            error.message
        );
        let error = character_error("a\nb", "name").unwrap();
        assert!(error.message.contains("single line"), "{}", error.message);
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
