//! A subject of the Russian Federation (субъект РФ), identified by its two-digit code.

use validator::{Validate, ValidationError};

use super::text;
use crate::domain::FieldError;

pub const NAME_MAX: u64 = 200;

/// A region's own fields, trimmed; the rules are `validator`'s (the document states the same
/// limit through `views::limits`).
#[derive(Debug, Clone, PartialEq, Eq, Validate)]
pub struct RegionFields {
    #[validate(custom(function = subject_code))]
    pub code: String,
    #[validate(length(min = 1, max = NAME_MAX), custom(function = text::one_line))]
    pub name: String,
}

impl RegionFields {
    /// The code and name, trimmed, or every field that breaks a rule.
    pub fn checked(code: &str, name: &str) -> Result<Self, Vec<FieldError>> {
        let fields = Self {
            code: code.trim().to_owned(),
            name: name.trim().to_owned(),
        };
        match fields.validate() {
            Ok(()) => Ok(fields),
            Err(report) => Err(FieldError::from_report(&report)),
        }
    }
}

/// A code as a query or path gives it (`71`, ` 86 `): trimmed in place; a malformed one adds an
/// error naming `code`, in the words of the body's rule.
pub fn check_code(code: &mut String, errors: &mut Vec<FieldError>) {
    *code = code.trim().to_owned();
    if let Err(error) = subject_code(code) {
        let message = error.message.map(|m| m.into_owned()).unwrap_or_default();
        errors.push(FieldError::new("code", "format", message));
    }
}

/// A subject code: two digits, 01–99 (e.g. "71" Тульская область, "86" ХМАО – Югра).
fn subject_code(code: &str) -> Result<(), ValidationError> {
    let well_formed = code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit()) && code != "00";
    if well_formed {
        return Ok(());
    }
    Err(ValidationError::new("format").with_message(
        "must be the two-digit code of a subject of the Russian Federation, 01–99".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_two_digits() {
        for (code, ok) in [
            ("71", true),
            ("01", true),
            (" 86 ", true),
            ("00", false),
            ("7", false),
            ("711", false),
            ("7a", false),
        ] {
            let checked = RegionFields::checked(code, "Тульская область");
            assert_eq!(checked.is_ok(), ok, "{code}");
        }
    }
}
