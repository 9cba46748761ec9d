//! Figures of an execution report as people write them ("719 человек", "716 из 719",
//! "6325765,69 рублей", «не зарегистрировано») and their structured reading: a value, a ratio
//! (numerator and denominator) or a text, with the unit. The written form is kept beside the
//! reading, so a figure exports exactly as it came in. Pure: no I/O.

use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text;
use super::variants::variant_names;
use super::FieldError;
use crate::views::limits;

/// The limits of a figure's texts, for its `validator` rules and its schema alike.
pub const NAME_MAX: u64 = 500;
pub const WRITTEN_MAX: u64 = 1000;
pub const TEXT_MAX: u64 = 1000;
pub const UNIT_MAX: u64 = 50;

/// A figure of a report entry: its name, the form it was written in and what that says.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, validator::Validate,
)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Готовы рекомендовать организацию", "written": "716 из 719", "kind": "ratio",
    "value": null, "numerator": "716", "denominator": "719", "text": null, "unit": null}))]
pub struct Figure {
    #[validate(length(min = 1, max = NAME_MAX), custom(function = text::one_line))]
    #[schema(schema_with = limits::text::<1, NAME_MAX>)]
    pub name: String,
    /// As written in the report: "716 из 719", "6325765,69 рублей", «не зарегистрировано».
    /// Sent alone, it is read into the fields below; left out, it is written from them.
    #[serde(default)]
    #[validate(length(min = 1, max = WRITTEN_MAX), custom(function = text::one_line))]
    #[schema(schema_with = written_schema, required = false)]
    pub written: Option<String>,
    /// What the written form says; derived when left out.
    #[serde(default)]
    pub kind: Option<FigureKind>,
    /// A `value` figure's number, exact and as precise as written.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "6325765.69")]
    pub value: Option<Decimal>,
    /// A `ratio` figure's part ("716" of "716 из 719").
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "716")]
    pub numerator: Option<Decimal>,
    /// A `ratio` figure's whole ("719" of "716 из 719").
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "719")]
    pub denominator: Option<Decimal>,
    /// A `text` figure's words.
    #[serde(default)]
    #[validate(length(min = 1, max = TEXT_MAX), custom(function = text::paragraphs))]
    #[schema(schema_with = text_schema, required = false)]
    pub text: Option<String>,
    #[serde(default)]
    #[validate(length(min = 1, max = UNIT_MAX), custom(function = text::one_line))]
    #[schema(schema_with = limits::nullable_text::<1, UNIT_MAX>, required = false)]
    pub unit: Option<String>,
}

/// The schemas of `written` and `text`: the limits above, and the descriptions `schema_with`
/// would drop from the fields' docs.
fn written_schema() -> utoipa::openapi::schema::Object {
    let mut schema = limits::nullable_text::<1, WRITTEN_MAX>();
    schema.description = Some(
        "As written in the report: \"716 из 719\", \"6325765,69 рублей\", «не зарегистрировано».\n\
         Sent alone, it is read into the fields below; left out, it is written from them."
            .into(),
    );
    schema
}

fn text_schema() -> utoipa::openapi::schema::Object {
    let mut schema = limits::nullable_text::<1, TEXT_MAX>();
    schema.description = Some("A `text` figure's words.".into());
    schema
}

impl Figure {
    /// A figure as the report form writes it.
    pub fn written(name: &str, written: &str) -> Self {
        Self {
            name: name.to_owned(),
            written: Some(written.to_owned()),
            ..Self::default()
        }
    }

    /// What the figure's fields say as one reading, when they say one.
    fn given(&self) -> Option<Reading> {
        match (self.numerator, self.denominator, self.value, &self.text) {
            (Some(numerator), Some(denominator), _, _) => Some(Reading::Ratio {
                numerator,
                denominator,
                unit: self.unit.clone(),
            }),
            (None, None, Some(value), _) => Some(Reading::Value {
                value,
                unit: self.unit.clone(),
            }),
            (None, None, None, Some(text)) => Some(Reading::Text(text.clone())),
            _ => None,
        }
    }

    /// Trims its texts, as they are stored; the rules then see what would be kept.
    pub fn trim(&mut self) {
        text::trim(&mut self.name);
        for value in [&mut self.written, &mut self.text, &mut self.unit]
            .into_iter()
            .flatten()
        {
            text::trim(value);
        }
    }

    /// Fills the written form from the structured one or the other way round; errors (under
    /// `prefix`, e.g. `figures[0].`) where the two disagree or neither is given.
    pub fn settle(&mut self, prefix: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let written = self.written.as_deref().map(str::trim).unwrap_or("");
        let reading = if written.is_empty() {
            match self.given() {
                Some(reading) => {
                    self.written = Some(reading.written());
                    reading
                }
                None => {
                    errors.push(FieldError::new(
                        format!("{prefix}written"),
                        "required",
                        "a figure needs its written form, or a value, a numerator and a denominator, or a text",
                    ));
                    return errors;
                }
            }
        } else {
            let Some(reading) = read(written) else {
                return errors;
            };
            let disagrees = |field: &str, errors: &mut Vec<FieldError>| {
                errors.push(FieldError::new(
                    format!("{prefix}{field}"),
                    "mismatch",
                    format!("disagrees with the written form «{written}»"),
                ));
            };
            if self.kind.is_some_and(|k| k != reading.kind()) {
                disagrees("kind", &mut errors);
            }
            let (value, numerator, denominator, text) = parts(&reading);
            for (field, given, read) in [
                ("value", self.value, value),
                ("numerator", self.numerator, numerator),
                ("denominator", self.denominator, denominator),
            ] {
                if given.is_some() && given != read {
                    disagrees(field, &mut errors);
                }
            }
            if self.text.is_some() && self.text != text {
                disagrees("text", &mut errors);
            }
            if let (Some(given), Some(read)) = (&self.unit, reading.unit()) {
                if given != read {
                    disagrees("unit", &mut errors);
                }
            }
            reading
        };
        let (value, numerator, denominator, text) = parts(&reading);
        self.kind = Some(reading.kind());
        (self.value, self.numerator, self.denominator, self.text) =
            (value, numerator, denominator, text);
        if let Some(unit) = reading.unit() {
            self.unit = Some(unit.to_owned());
        }
        errors
    }
}

/// A reading's value, numerator, denominator and text.
fn parts(
    reading: &Reading,
) -> (
    Option<Decimal>,
    Option<Decimal>,
    Option<Decimal>,
    Option<String>,
) {
    match reading {
        Reading::Value { value, .. } => (Some(*value), None, None, None),
        Reading::Ratio {
            numerator,
            denominator,
            ..
        } => (None, Some(*numerator), Some(*denominator), None),
        Reading::Text(text) => (None, None, None, Some(text.clone())),
    }
}

/// What a figure's written form says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FigureKind {
    /// A number, perhaps with a unit: "2694 заявления", "6325765,69 рублей".
    Value,
    /// A part of a whole: "716 из 719", "716/719".
    Ratio,
    /// Words only: «не зарегистрировано», «имеется».
    Text,
}

variant_names!(FigureKind {
    Value => "value",
    Ratio => "ratio",
    Text => "text",
});

/// The structured reading of a written figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    Value {
        value: Decimal,
        unit: Option<String>,
    },
    Ratio {
        numerator: Decimal,
        denominator: Decimal,
        unit: Option<String>,
    },
    Text(String),
}

impl Reading {
    pub fn kind(&self) -> FigureKind {
        match self {
            Self::Value { .. } => FigureKind::Value,
            Self::Ratio { .. } => FigureKind::Ratio,
            Self::Text(_) => FigureKind::Text,
        }
    }

    pub fn unit(&self) -> Option<&str> {
        match self {
            Self::Value { unit, .. } | Self::Ratio { unit, .. } => unit.as_deref(),
            Self::Text(_) => None,
        }
    }

    /// How the reading is written when no written form came with it: a decimal comma, as
    /// Russian documents write numbers.
    pub fn written(&self) -> String {
        let with_unit = |text: String, unit: &Option<String>| match unit {
            Some(unit) => format!("{text} {unit}"),
            None => text,
        };
        match self {
            Self::Value { value, unit } => with_unit(comma(*value), unit),
            Self::Ratio {
                numerator,
                denominator,
                unit,
            } => with_unit(
                format!("{} из {}", comma(*numerator), comma(*denominator)),
                unit,
            ),
            Self::Text(text) => text.clone(),
        }
    }
}

fn comma(value: Decimal) -> String {
    value.to_string().replace('.', ",")
}

/// A number: a sign, digits in groups of three separated by spaces (or not grouped), a
/// decimal comma or point.
const NUMBER: &str = r"[-+−]?\d{1,3}(?:[ \u{a0}\u{202f}]\d{3})+(?:[.,]\d+)?|[-+−]?\d+(?:[.,]\d+)?";

/// A unit starts with a letter or a sign ("%", "°"), never with a digit or a colon.
const UNIT: &str = r"[\p{L}%°№«(].*";

static VALUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^({NUMBER})(?:\s*({UNIT}))?$")).expect("valid pattern"));
static RATIO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^({NUMBER})\s*(?:из|/)\s*({NUMBER})(?:\s+({UNIT}))?$"
    ))
    .expect("valid pattern")
});

/// Spaces as documents have them (no-break, thin) become plain ones, runs become one.
fn squeeze(text: &str) -> String {
    text.split(|c: char| c.is_whitespace())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn number(text: &str) -> Option<Decimal> {
    let plain: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            ',' => '.',
            '−' => '-',
            other => other,
        })
        .collect();
    Decimal::from_str(&plain).ok()
}

fn unit_of(text: Option<regex::Match<'_>>) -> Option<String> {
    text.map(|m| m.as_str().trim().to_owned())
        .filter(|u| !u.is_empty())
}

/// Reads a written figure; `None` for empty text. Whatever is not a number or a ratio is a
/// text value, never an error.
pub fn read(written: &str) -> Option<Reading> {
    let text = squeeze(written);
    if text.is_empty() {
        return None;
    }
    if let Some(found) = RATIO.captures(&text) {
        if let (Some(numerator), Some(denominator)) = (number(&found[1]), number(&found[2])) {
            return Some(Reading::Ratio {
                numerator,
                denominator,
                unit: unit_of(found.get(3)),
            });
        }
    }
    if let Some(found) = VALUE.captures(&text) {
        if let Some(value) = number(&found[1]) {
            return Some(Reading::Value {
                value,
                unit: unit_of(found.get(2)),
            });
        }
    }
    Some(Reading::Text(text))
}

/// How the report form writes a figure in its column: «name: written», one a line.
pub fn line(name: &str, written: &str) -> String {
    format!("{name}: {written}")
}

/// A line of the figures column as `(name, written)`; a line without a name is its own name.
pub fn split_line(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    Some(match line.split_once(": ") {
        Some((name, written)) if !name.trim().is_empty() && !written.trim().is_empty() => {
            (name.trim().to_owned(), written.trim().to_owned())
        }
        _ => (line.to_owned(), line.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn value(v: Decimal, unit: Option<&str>) -> Reading {
        Reading::Value {
            value: v,
            unit: unit.map(str::to_owned),
        }
    }

    #[test]
    fn seed_004_figures_read_as_written() {
        assert_eq!(read("719"), Some(value(dec!(719), None)));
        assert_eq!(
            read("6325765,69 рублей"),
            Some(value(dec!(6325765.69), Some("рублей")))
        );
        assert_eq!(
            read("6 325 765.69 руб."),
            Some(value(dec!(6325765.69), Some("руб.")))
        );
        assert_eq!(
            read("2694 заявления"),
            Some(value(dec!(2694), Some("заявления")))
        );
        let ratio = Reading::Ratio {
            numerator: dec!(716),
            denominator: dec!(719),
            unit: None,
        };
        assert_eq!(read("716 из 719"), Some(ratio.clone()));
        assert_eq!(read("716/719"), Some(ratio.clone()));
        assert_eq!(read(" 716 / 719 "), Some(ratio));
        assert_eq!(read("716 из 719 человек").unwrap().unit(), Some("человек"));
        assert_eq!(
            read("не зарегистрировано"),
            Some(Reading::Text("не зарегистрировано".into()))
        );
        assert_eq!(read("  "), None);
    }

    #[test]
    fn numbers_keep_their_written_precision() {
        let Some(Reading::Value { value, unit }) = read("96,10 %") else {
            panic!("a value")
        };
        assert_eq!(value.to_string(), "96.10");
        assert_eq!(unit.as_deref(), Some("%"));
        assert_eq!(read("-3").unwrap(), value_of(dec!(-3)));
        assert_eq!(read("−3,5").unwrap(), value_of(dec!(-3.5)));
    }

    fn value_of(v: Decimal) -> Reading {
        value(v, None)
    }

    #[test]
    fn text_that_starts_with_a_number_is_not_forced() {
        // "2 квартал" is a number with a unit; "10:00–12:00" is text.
        assert_eq!(read("2 квартал").unwrap().kind(), FigureKind::Value);
        assert_eq!(read("10:00–12:00").unwrap().kind(), FigureKind::Text);
        assert_eq!(read("1 2 3").unwrap().kind(), FigureKind::Text);
    }

    #[test]
    fn readings_write_with_a_decimal_comma() {
        assert_eq!(value(dec!(96.10), Some("%")).written(), "96,10 %");
        let ratio = Reading::Ratio {
            numerator: dec!(716),
            denominator: dec!(719),
            unit: Some("чел.".into()),
        };
        assert_eq!(ratio.written(), "716 из 719 чел.");
        assert_eq!(read(&ratio.written()), Some(ratio));
    }

    #[test]
    fn figures_settle_either_way() {
        let mut from_text = Figure::written("Готовы рекомендовать", "716 из 719");
        assert!(from_text.settle("").is_empty());
        assert_eq!(from_text.kind, Some(FigureKind::Ratio));
        assert_eq!(
            (from_text.numerator, from_text.denominator),
            (Some(dec!(716)), Some(dec!(719)))
        );
        assert_eq!(from_text.written.as_deref(), Some("716 из 719"));

        // A figure stored before written forms existed: name, value, unit.
        let mut old = Figure {
            name: "Опрошено".into(),
            value: Some(dec!(719)),
            unit: Some("чел.".into()),
            ..Figure::default()
        };
        assert!(old.settle("").is_empty());
        assert_eq!(old.written.as_deref(), Some("719 чел."));
        assert_eq!(old.kind, Some(FigureKind::Value));

        let mut words = Figure::written("Жалобы", "не зарегистрировано");
        assert!(words.settle("").is_empty());
        assert_eq!(words.text.as_deref(), Some("не зарегистрировано"));

        let mut wrong = Figure::written("Опрошено", "719 человек");
        wrong.value = Some(dec!(720));
        wrong.kind = Some(FigureKind::Ratio);
        let fields: Vec<String> = wrong
            .settle("figures[2].")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["figures[2].kind", "figures[2].value"]);

        let mut nothing = Figure::written("Опрошено", "");
        let errors = nothing.settle("figures[0].");
        assert_eq!(errors[0].field, "figures[0].written");
    }

    #[test]
    fn figure_lines_split_at_the_first_colon() {
        assert_eq!(
            split_line(" Готовы рекомендовать: 716 из 719 "),
            Some(("Готовы рекомендовать".into(), "716 из 719".into()))
        );
        assert_eq!(
            split_line("обращений не зарегистрировано"),
            Some((
                "обращений не зарегистрировано".into(),
                "обращений не зарегистрировано".into()
            ))
        );
        assert_eq!(split_line(""), None);
        let (name, written) = split_line(&line("Опрошено", "719 человек")).unwrap();
        assert_eq!(
            (name.as_str(), written.as_str()),
            ("Опрошено", "719 человек")
        );
    }
}
