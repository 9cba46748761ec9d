//! What makes an operator and a state contract of it acceptable, apart from what storage knows
//! (users and cycles of the region, contracts already covering a cycle).

use chrono::NaiveDate;

use super::identifiers::Inn;
use super::text::{self, TextRule};
use super::FieldError;

/// Checks and trims the operator's name and INN (checked as organizations' INN, with its check
/// digits); an empty INN is no INN.
pub fn check_operator(name: &mut String, inn: &mut Option<String>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    text::check(name, "name", TextRule::required(500), &mut errors);
    if let Some(value) = inn {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            *inn = None;
        } else {
            match Inn::parse(trimmed) {
                Ok(parsed) => *value = parsed.as_str().to_owned(),
                Err(e) => errors.push(FieldError::new("inn", e.code, e.message)),
            }
        }
    }
    errors
}

/// A contract's texts and term as its request gives them.
pub struct ContractTerms<'a> {
    pub number: &'a mut String,
    pub subject: &'a mut String,
    pub technical_task: &'a mut Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// Checks and trims a contract's texts; its term must not end before it starts.
pub fn check_contract(terms: ContractTerms) -> Vec<FieldError> {
    let mut errors = Vec::new();
    text::check(terms.number, "number", TextRule::required(100), &mut errors);
    text::check(
        terms.subject,
        "subject",
        TextRule::required(10_000),
        &mut errors,
    );
    if terms
        .technical_task
        .as_deref()
        .is_some_and(|t| t.trim().is_empty())
    {
        *terms.technical_task = None;
    }
    text::check_optional(
        terms.technical_task,
        "technical_task",
        TextRule::required(100_000),
        &mut errors,
    );
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
    fn inn_is_checked_with_its_check_digits_and_empty_is_none() {
        let mut name = " Оператор ".to_owned();
        let mut inn = Some("7707083893".to_owned());
        assert!(check_operator(&mut name, &mut inn).is_empty());
        assert_eq!(name, "Оператор");
        let mut bad = Some("7707083894".to_owned());
        let errors = check_operator(&mut name, &mut bad);
        assert_eq!(errors[0].field, "inn");
        let mut empty = Some("  ".to_owned());
        assert!(check_operator(&mut name, &mut empty).is_empty());
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
