//! Free-text rules shared by every resource: trimmed, non-empty when required, bounded length,
//! no control characters; and the case folding that name search uses.

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
pub fn fold(value: &str) -> String {
    value
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
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
    }
}
