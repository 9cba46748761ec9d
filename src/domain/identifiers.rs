//! Russian registration numbers, parsed with their check digits ("parse, don't validate"):
//! INN (ИНН), OGRN/OGRNIP (ОГРН/ОГРНИП) and KPP (КПП).

use std::fmt;

/// Why a number was refused; `code` is the stable error code the API reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentifierError {
    pub code: &'static str,
    pub message: String,
}

impl IdentifierError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

fn digits(value: &str, name: &str, lengths: &[usize]) -> Result<Vec<u32>, IdentifierError> {
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdentifierError::new(
            "format",
            format!("{name} must consist of digits only"),
        ));
    }
    if !lengths.contains(&value.len()) {
        let expected = lengths
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" or ");
        return Err(IdentifierError::new(
            "length",
            format!("{name} must have {expected} digits, not {}", value.len()),
        ));
    }
    Ok(value.bytes().map(|b| u32::from(b - b'0')).collect())
}

fn weighted_check(digits: &[u32], weights: &[u32]) -> u32 {
    digits.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>() % 11 % 10
}

const INN10_WEIGHTS: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

/// Taxpayer number: 10 digits for a legal entity, 12 for an individual entrepreneur.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inn(String);

impl Inn {
    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        let d = digits(value, "INN", &[10, 12])?;
        if d[0] == 0 && d[1] == 0 {
            return Err(IdentifierError::new(
                "format",
                "INN cannot start with 00 (no tax office has that code)",
            ));
        }
        let valid = match d.len() {
            10 => weighted_check(&d[..9], &INN10_WEIGHTS) == d[9],
            _ => {
                weighted_check(&d[..10], &INN12_WEIGHTS_11) == d[10]
                    && weighted_check(&d[..11], &INN12_WEIGHTS_12) == d[11]
            }
        };
        if !valid {
            return Err(IdentifierError::new(
                "check_digit",
                "INN check digit is wrong: the number is mistyped",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// Completes a 9-digit legal-entity stem with its check digit (for generated demo data).
    pub fn legal_entity_from_stem(stem: u64) -> Self {
        let text = format!("{:09}", stem % 1_000_000_000);
        let d: Vec<u32> = text.bytes().map(|b| u32::from(b - b'0')).collect();
        Self(format!("{text}{}", weighted_check(&d, &INN10_WEIGHTS)))
    }

    pub fn is_legal_entity(&self) -> bool {
        self.0.len() == 10
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Primary state registration number: OGRN (13 digits) or OGRNIP (15 digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ogrn(String);

impl Ogrn {
    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        let d = digits(value, "OGRN", &[13, 15])?;
        let (number, divisor) = if d.len() == 13 {
            (&value[..12], 11u64)
        } else {
            (&value[..14], 13u64)
        };
        if !matches!(d[0], 1 | 3 | 5) {
            return Err(IdentifierError::new(
                "format",
                "OGRN must start with 1 or 5 (legal entity) or 3 (individual entrepreneur)",
            ));
        }
        let expected = number.parse::<u64>().expect("digits") % divisor % 10;
        if u64::from(d[d.len() - 1]) != expected {
            return Err(IdentifierError::new(
                "check_digit",
                "OGRN check digit is wrong: the number is mistyped",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// Completes a 12-digit legal-entity stem with its check digit (for generated demo data).
    pub fn legal_entity_from_stem(stem: u64) -> Self {
        let stem = stem % 1_000_000_000_000;
        Self(format!("{stem:012}{}", stem % 11 % 10))
    }

    pub fn is_legal_entity(&self) -> bool {
        self.0.len() == 13
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Tax registration reason code: 4 digits (tax office), 2 digits or capital Latin letters
/// (reason), 3 digits (sequence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kpp(String);

impl Kpp {
    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        let b = value.as_bytes();
        let well_formed = b.len() == 9
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4..6]
                .iter()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            && b[6..].iter().all(u8::is_ascii_digit);
        if !well_formed {
            return Err(IdentifierError::new(
                "format",
                "KPP must be 9 characters: 4 digits, 2 digits or capital Latin letters, 3 digits",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<IdentifierError> for validator::ValidationError {
    fn from(error: IdentifierError) -> Self {
        validator::ValidationError::new(error.code).with_message(error.message.into())
    }
}

/// The custom rules of `validator` (`#[validate(custom(function = …))]`): the number parses,
/// check digits included.
pub mod rules {
    use super::{Inn, Kpp, Ogrn};
    use validator::ValidationError;

    pub fn inn(value: &str) -> Result<(), ValidationError> {
        Inn::parse(value).map(drop).map_err(Into::into)
    }

    pub fn ogrn(value: &str) -> Result<(), ValidationError> {
        Ogrn::parse(value).map(drop).map_err(Into::into)
    }

    pub fn kpp(value: &str) -> Result<(), ValidationError> {
        Kpp::parse(value).map(drop).map_err(Into::into)
    }
}

impl fmt::Display for Inn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real, published numbers: Sberbank (7707083893 / 1027700132195 / 773601001),
    // Gazprom (7736050003 / 1027700070518), Russian Railways (7708503727 / 1037739877295).
    #[test]
    fn real_legal_entity_numbers_are_accepted() {
        for inn in ["7707083893", "7736050003", "7708503727"] {
            assert!(Inn::parse(inn).is_ok(), "{inn}");
            assert!(Inn::parse(inn).unwrap().is_legal_entity());
        }
        for ogrn in ["1027700132195", "1027700070518", "1037739877295"] {
            assert!(Ogrn::parse(ogrn).is_ok(), "{ogrn}");
        }
        assert!(Kpp::parse("773601001").is_ok());
    }

    #[test]
    fn individual_entrepreneur_numbers_are_accepted() {
        // 12-digit INN and 15-digit OGRNIP with valid check digits.
        let inn = Inn::parse("500100732259").unwrap();
        assert!(!inn.is_legal_entity());
        let ogrnip = Ogrn::parse("304500116000157").unwrap();
        assert!(!ogrnip.is_legal_entity());
    }

    #[test]
    fn every_other_check_digit_is_refused() {
        for valid in ["7707083893", "1027700132195"] {
            let (stem, check) = valid.split_at(valid.len() - 1);
            for digit in ('0'..='9').filter(|d| !check.starts_with(*d)) {
                let changed = format!("{stem}{digit}");
                let error = if valid.len() == 10 {
                    Inn::parse(&changed).unwrap_err()
                } else {
                    Ogrn::parse(&changed).unwrap_err()
                };
                assert_eq!(error.code, "check_digit", "{changed}");
            }
        }
    }

    #[test]
    fn wrong_check_digits_are_refused() {
        assert_eq!(Inn::parse("7707083894").unwrap_err().code, "check_digit");
        assert_eq!(Inn::parse("500100732258").unwrap_err().code, "check_digit");
        assert_eq!(
            Ogrn::parse("1027700132196").unwrap_err().code,
            "check_digit"
        );
        assert_eq!(
            Ogrn::parse("304500116000158").unwrap_err().code,
            "check_digit"
        );
    }

    #[test]
    fn malformed_numbers_are_refused_with_their_reason() {
        assert_eq!(Inn::parse("77070838").unwrap_err().code, "length");
        assert_eq!(Inn::parse("77O7083893").unwrap_err().code, "format");
        assert_eq!(Inn::parse("0007083893").unwrap_err().code, "format");
        assert_eq!(Inn::parse("").unwrap_err().code, "length");
        assert_eq!(Ogrn::parse("102770013219").unwrap_err().code, "length");
        assert_eq!(Ogrn::parse("2027700132195").unwrap_err().code, "format");
        assert_eq!(Kpp::parse("77360100").unwrap_err().code, "format");
        assert_eq!(Kpp::parse("7736AB001").map(|k| k.0), Ok("7736AB001".into()));
        assert_eq!(Kpp::parse("7736ab001").unwrap_err().code, "format");
        assert_eq!(Kpp::parse("A73601001").unwrap_err().code, "format");
    }

    #[test]
    fn generated_numbers_are_valid() {
        for stem in [0u64, 1, 71_000_123, 710_000_999, 999_999_999] {
            let inn = Inn::legal_entity_from_stem(stem + 100_000_000);
            assert!(Inn::parse(inn.as_str()).is_ok(), "{inn}");
        }
        for stem in [102_710_000_001u64, 107_660_123_456, 199_999_999_999] {
            let ogrn = Ogrn::legal_entity_from_stem(stem);
            assert!(Ogrn::parse(ogrn.as_str()).is_ok(), "{}", ogrn.as_str());
        }
    }
}
