//! A subject of the Russian Federation (субъект РФ), identified by its two-digit code.

use super::text::{self, TextRule};
use crate::domain::FieldError;

pub const NAME_RULE: TextRule = TextRule::required(200);

/// Checks a subject code: two digits, 01–99 (e.g. "71" Тульская область, "86" ХМАО – Югра).
pub fn check_code(code: &mut String, errors: &mut Vec<FieldError>) {
    *code = code.trim().to_owned();
    let well_formed = code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit()) && code != "00";
    if !well_formed {
        errors.push(FieldError::new(
            "code",
            "format",
            "must be the two-digit code of a subject of the Russian Federation, 01–99",
        ));
    }
}

pub fn check_name(name: &mut String, errors: &mut Vec<FieldError>) {
    text::check(name, "name", NAME_RULE, errors);
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
            let mut errors = Vec::new();
            check_code(&mut code.to_owned(), &mut errors);
            assert_eq!(errors.is_empty(), ok, "{code}");
        }
    }
}
