//! Proposals of the public council (предложения общественного совета по улучшению качества):
//! each addresses one criterion of the cycle's methodology and becomes the basis of measures
//! in improvement plans.

use validator::Validate;

use super::methodology::Methodology;
use super::text;
use crate::domain::FieldError;

/// The limit of a proposal's text, for its `validator` rule and its schema alike.
pub const MAX_TEXT: u64 = 10_000;

/// A proposal's own text as its field rules see it, whether a new proposal or a patch's result.
#[derive(Validate)]
struct Fields<'a> {
    #[validate(length(min = 1, max = MAX_TEXT), custom(function = text::paragraphs))]
    text: &'a str,
}

/// Checks a proposal's criterion, if it has one (a general proposal has none), against
/// `methodology` and its text; trims the text.
pub fn check(
    methodology: &Methodology,
    criterion: Option<&str>,
    text: &mut String,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let known = |code: &str| methodology.criteria.iter().any(|c| c.code == code);
    if criterion.is_some_and(|code| !known(code)) {
        let codes: Vec<&str> = methodology.criteria.iter().map(|c| c.code).collect();
        errors.push(FieldError::new(
            "criterion",
            "unknown_value",
            format!(
                "must be one of {} (methodology {})",
                codes.join(", "),
                methodology.id
            ),
        ));
    }
    text::trim(text);
    errors.extend(FieldError::broken_rules(&Fields {
        text: text.as_str(),
    }));
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::methodology;

    #[test]
    fn a_proposal_names_a_criterion_of_its_methodology_and_says_something() {
        let m = methodology::find(methodology::DEFAULT_ID).unwrap();
        let mut text = "  Разместить на стендах информацию о порядке подачи жалоб  ".to_owned();
        assert!(check(m, Some("K1"), &mut text).is_empty());
        assert!(check(m, None, &mut text).is_empty());
        assert!(!text.starts_with(' '));
        let mut blank = " ".to_owned();
        let fields: Vec<String> = check(m, Some("K7"), &mut blank)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["criterion", "text"]);
        let mut long = "а".repeat(MAX_TEXT as usize + 1);
        assert_eq!(check(m, Some("K2"), &mut long).len(), 1);
    }
}
