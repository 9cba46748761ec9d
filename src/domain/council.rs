//! Meetings of a region's public council (заседания общественного совета): when, under which
//! number of the minutes, what was on the agenda and what was decided. Approvals of results and
//! proposals refer to the meeting whose decision they carry.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text::{self, TextRule};
use crate::domain::FieldError;

pub const MAX_NUMBER: usize = 50;
pub const MAX_TITLE: usize = 1_000;
pub const MAX_TEXT: usize = 10_000;
pub const MAX_ITEMS: usize = 200;
/// How the minutes of a meeting without a number are cited: «без номера».
pub const NO_NUMBER: &str = "б/н";

/// One agenda item or decision: its number in the minutes, if any, and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"number": "1", "text": "О результатах независимой оценки качества условий оказания услуг в 2018 году"}))]
pub struct CouncilItem {
    /// Its number in the minutes (`1`, `2.1`), if it has one.
    #[serde(default)]
    #[schema(max_length = 50)]
    pub number: Option<String>,
    #[schema(min_length = 1, max_length = 10000)]
    pub text: String,
}

/// The minutes' number as stored: `None` for none at all and for «б/н» (any spacing or case).
pub fn number_of(number: Option<String>) -> Option<String> {
    number
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty() && !is_no_number(n))
}

fn is_no_number(number: &str) -> bool {
    let folded: String = number
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    matches!(folded.as_str(), "б/н" | "бн" | "б.н." | "безномера")
}

/// How a decision of the meeting is cited: its number, or «б/н».
pub fn cited_number(number: Option<&str>) -> &str {
    number.unwrap_or(NO_NUMBER)
}

/// Checks a meeting's number, title and items; trims them in place.
pub fn check(
    number: &mut Option<String>,
    title: &mut String,
    agenda: &mut [CouncilItem],
    decisions: &mut [CouncilItem],
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    text::check_optional(
        number,
        "number",
        TextRule::required(MAX_NUMBER),
        &mut errors,
    );
    text::check(title, "title", TextRule::required(MAX_TITLE), &mut errors);
    check_items(agenda, "agenda", &mut errors);
    check_items(decisions, "decisions", &mut errors);
    errors
}

fn check_items(items: &mut [CouncilItem], field: &str, errors: &mut Vec<FieldError>) {
    if items.len() > MAX_ITEMS {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("must have at most {MAX_ITEMS} items"),
        ));
        return;
    }
    for (i, item) in items.iter_mut().enumerate() {
        text::check_optional(
            &mut item.number,
            &format!("{field}[{i}].number"),
            TextRule::required(MAX_NUMBER),
            errors,
        );
        text::check(
            &mut item.text,
            &format!("{field}[{i}].text"),
            TextRule::required(MAX_TEXT),
            errors,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meeting_without_a_number_is_cited_as_b_n() {
        assert_eq!(number_of(Some(" б/н ".into())), None);
        assert_eq!(number_of(Some("Б / Н".into())), None);
        assert_eq!(number_of(Some("".into())), None);
        assert_eq!(number_of(None), None);
        assert_eq!(number_of(Some(" 3 ".into())), Some("3".into()));
        assert_eq!(cited_number(None), "б/н");
        assert_eq!(cited_number(Some("3")), "3");
    }

    #[test]
    fn items_are_checked_by_their_place() {
        let mut number = Some("1".to_owned());
        let mut title = " Заседание ".to_owned();
        let mut agenda = vec![CouncilItem {
            number: None,
            text: " ".into(),
        }];
        let mut decisions = vec![CouncilItem {
            number: Some("1".into()),
            text: "Утвердить".into(),
        }];
        let fields: Vec<String> = check(&mut number, &mut title, &mut agenda, &mut decisions)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["agenda[0].text"]);
        assert_eq!(title, "Заседание");
    }
}
