//! Meetings of a region's public council (заседания общественного совета): when, under which
//! number of the minutes, what was on the agenda and what was decided. Approvals of results and
//! proposals refer to the meeting whose decision they carry.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use validator::Validate;

use super::text;
use crate::domain::FieldError;

/// The limits of a meeting's fields, for their `validator` rules and their schemas alike.
pub const MAX_NUMBER: u64 = 50;
pub const MAX_TITLE: u64 = 1_000;
pub const MAX_TEXT: u64 = 10_000;
pub const MAX_ITEMS: u64 = 200;
/// How the minutes of a meeting without a number are cited: «без номера».
pub const NO_NUMBER: &str = "б/н";

/// One agenda item or decision: its number in the minutes, if any, and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"number": "1", "text": "О результатах независимой оценки качества условий оказания услуг в 2018 году"}))]
pub struct CouncilItem {
    /// Its number in the minutes (`1`, `2.1`), if it has one.
    #[serde(default)]
    #[validate(length(min = 1, max = MAX_NUMBER), custom(function = text::one_line))]
    #[schema(schema_with = item_number)]
    pub number: Option<String>,
    #[validate(length(min = 1, max = MAX_TEXT), custom(function = text::paragraphs))]
    #[schema(schema_with = crate::views::limits::text::<1, MAX_TEXT>)]
    pub text: String,
}

/// The schema of an item's `number`: the limit above, and the description `schema_with` would
/// drop from the field's doc.
fn item_number() -> utoipa::openapi::schema::Object {
    let mut schema = crate::views::limits::nullable_text::<1, MAX_NUMBER>();
    schema.description = Some("Its number in the minutes (`1`, `2.1`), if it has one.".into());
    schema
}

/// A meeting's fields as their rules see them, whether a new meeting or a patch's result.
#[derive(Validate)]
struct Fields<'a> {
    #[validate(length(min = 1, max = MAX_NUMBER), custom(function = text::one_line))]
    number: Option<&'a str>,
    #[validate(length(min = 1, max = MAX_TITLE), custom(function = text::paragraphs))]
    title: &'a str,
    #[validate(length(max = MAX_ITEMS), nested)]
    agenda: &'a Vec<CouncilItem>,
    #[validate(length(max = MAX_ITEMS), nested)]
    decisions: &'a Vec<CouncilItem>,
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

/// Checks a meeting's number, title and items (`validator`'s rules); trims them first, in place.
pub fn check(
    number: &mut Option<String>,
    title: &mut String,
    agenda: &mut Vec<CouncilItem>,
    decisions: &mut Vec<CouncilItem>,
) -> Vec<FieldError> {
    for item in agenda.iter_mut().chain(decisions.iter_mut()) {
        if let Some(number) = item.number.as_mut() {
            text::trim(number);
        }
        text::trim(&mut item.text);
    }
    if let Some(number) = number.as_mut() {
        text::trim(number);
    }
    text::trim(title);
    FieldError::broken_rules(&Fields {
        number: number.as_deref(),
        title: title.as_str(),
        agenda: &*agenda,
        decisions: &*decisions,
    })
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
