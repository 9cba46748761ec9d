//! What makes an operator and a state contract of it acceptable, apart from what storage knows
//! (users and cycles of the region, contracts already covering a cycle).

use chrono::NaiveDate;

use super::text;
use super::FieldError;

/// The limits of an operator's and a contract's texts: the request bodies' `validator` rules
/// and their schemas (`views::limits`) both take these, so they cannot differ.
pub const NAME_MAX: u64 = 500;
pub const NUMBER_MAX: u64 = 100;
pub const SUBJECT_MAX: u64 = 10_000;
pub const TECHNICAL_TASK_MAX: u64 = 100_000;

/// Trims the operator's name and INN before their field rules are checked (the INN with its
/// check digits, as organizations' INN); an empty INN is no INN.
pub fn trim_operator(name: &mut String, inn: &mut Option<String>) {
    text::trim(name);
    if let Some(value) = inn {
        text::trim(value);
        if value.is_empty() {
            *inn = None;
        }
    }
}

/// A contract's texts and term as its request gives them.
pub struct ContractTerms<'a> {
    pub number: &'a mut String,
    pub subject: &'a mut String,
    pub technical_task: &'a mut Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// Trims a contract's texts (a blank technical task is none) before their field rules are
/// checked; what is left is the rule across fields: its term must not end before it starts.
pub fn check_contract(terms: ContractTerms) -> Vec<FieldError> {
    let mut errors = Vec::new();
    text::trim(terms.number);
    text::trim(terms.subject);
    if let Some(task) = terms.technical_task.as_mut() {
        text::trim(task);
        if task.is_empty() {
            *terms.technical_task = None;
        }
    }
    if terms.ends_on < terms.starts_on {
        errors.push(FieldError::new(
            "ends_on",
            "before_start",
            "must not be before starts_on",
        ));
    }
    errors
}

/// Ids listed twice, as `field[i]` errors of their second mention.
pub fn duplicates(field: &str, ids: &[i64]) -> Vec<FieldError> {
    ids.iter()
        .enumerate()
        .filter(|(i, id)| ids[..*i].contains(id))
        .map(|(i, _)| FieldError::new(format!("{field}[{i}]"), "duplicate", "listed twice"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn texts_are_trimmed_and_an_empty_inn_is_none() {
        let mut name = " Оператор ".to_owned();
        let mut inn = Some(" 7707083893 ".to_owned());
        trim_operator(&mut name, &mut inn);
        assert_eq!(
            (name.as_str(), inn.as_deref()),
            ("Оператор", Some("7707083893"))
        );
        let mut empty = Some("  ".to_owned());
        trim_operator(&mut name, &mut empty);
        assert_eq!(empty, None);
    }

    #[test]
    fn a_term_ending_before_it_starts_is_refused() {
        let (mut number, mut subject, mut task) = ("1".to_owned(), "s".to_owned(), None);
        let errors = check_contract(ContractTerms {
            number: &mut number,
            subject: &mut subject,
            technical_task: &mut task,
            starts_on: date("2017-03-27"),
            ends_on: date("2017-03-26"),
        });
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "ends_on");
    }

    #[test]
    fn second_mentions_are_duplicates() {
        let errors = duplicates("cycle_ids", &[3, 4, 3]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "cycle_ids[2]");
    }
}
