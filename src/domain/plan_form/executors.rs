//! The "Ответственный" cell split into people and organizations.

use super::cells::{starts_lowercase, trim_separators};
use super::names::{find_person, is_bare_name};
use super::Executor;
use crate::domain::text::{clean_markup, fold_words};

/// Splits the text of an "Ответственный" cell into people and organizations. Items are
/// separated by commas, semicolons and line breaks outside «quotes» and (parentheses); a
/// fragment that starts with a lower-case word continues the item before it ("…, оказывающие
/// услуги …") unless that word names an organization or a post ("учреждения …", "директор …").
pub fn split_executors(text: &str) -> Vec<Executor> {
    let text = clean_markup(text);
    split_items(&text)
        .into_iter()
        .map(|item| executor_of(&item))
        .collect()
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan_form::test_tables::*;

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
}
