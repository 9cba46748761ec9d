//! An assessment cycle (цикл независимой оценки): its status machine and the rules of its data.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::status::StatusMachine;
use super::text;
use crate::domain::FieldError;
use crate::views::limits;

/// The limits of a cycle's operator and council decision, for their `validator` rules and their
/// schemas alike.
pub const OPERATOR_NAME_MAX: u64 = 500;
pub const CONTRACT_NUMBER_MAX: u64 = 100;
pub const DECISION_NUMBER_MAX: u64 = 100;

/// Where a cycle stands: `draft → collecting → results_submitted → approved → published`, and
/// back to `collecting` when the authority reopens it for corrections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CycleStatus {
    /// Being prepared by the authority: organizations, operator, methodology.
    Draft,
    /// The operator collects data and enters evaluation inputs.
    Collecting,
    /// The operator has handed in the results; inputs and methodology are fixed.
    ResultsSubmitted,
    /// The public council has approved results and ratings.
    Approved,
    /// Results are public.
    Published,
}

impl CycleStatus {
    pub const ALL: [CycleStatus; 5] = [
        Self::Draft,
        Self::Collecting,
        Self::ResultsSubmitted,
        Self::Approved,
        Self::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Collecting => "collecting",
            Self::ResultsSubmitted => "results_submitted",
            Self::Approved => "approved",
            Self::Published => "published",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Evaluation inputs may change only while the operator collects.
    pub fn accepts_inputs(self) -> bool {
        self == Self::Collecting
    }

    /// Methodology and settings are fixed once results are submitted.
    pub fn methodology_fixed(self) -> bool {
        !matches!(self, Self::Draft | Self::Collecting)
    }

    /// The list of organizations and the operator can change until collection ends.
    pub fn composition_open(self) -> bool {
        matches!(self, Self::Draft | Self::Collecting)
    }
}

impl StatusMachine for CycleStatus {
    const SUBJECT: &'static str = "cycle";
    // Reopening: data found wrong after submission goes back to the operator. Approvals already
    // made stay frozen; the corrected results need a new approval.
    const MOVES: &'static [(Self, Self)] = &[
        (Self::Draft, Self::Collecting),
        (Self::Collecting, Self::ResultsSubmitted),
        (Self::ResultsSubmitted, Self::Approved),
        (Self::Approved, Self::Published),
        (Self::ResultsSubmitted, Self::Collecting),
        (Self::Approved, Self::Collecting),
        (Self::Published, Self::Collecting),
    ];

    fn name(self) -> &'static str {
        self.as_str()
    }
}

/// The organization-oriented sector of a cycle; social services are the one this service carries,
/// the code leaves room for others (education, health, culture) of the same law.
pub const SECTORS: &[(&str, &str)] = &[("social_services", "социальное обслуживание")];

/// Contract of the operator (организация-оператор) chosen for the cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(as = CycleOperator, example = json!({"name": "ООО «Центр социологических исследований»", "contract_number": "0366200035618000123", "contract_date": "2018-04-02"}))]
pub struct Operator {
    #[validate(length(min = 1, max = OPERATOR_NAME_MAX), custom(function = text::one_line))]
    #[schema(schema_with = limits::text::<1, OPERATOR_NAME_MAX>)]
    pub name: String,
    #[validate(length(min = 1, max = CONTRACT_NUMBER_MAX), custom(function = text::one_line))]
    #[schema(schema_with = limits::text::<1, CONTRACT_NUMBER_MAX>)]
    pub contract_number: String,
    pub contract_date: NaiveDate,
}

/// Decision of the public council (решение общественного совета).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"number": "3", "date": "2018-12-14"}))]
pub struct CouncilDecision {
    #[validate(length(min = 1, max = DECISION_NUMBER_MAX), custom(function = text::one_line))]
    #[schema(schema_with = limits::text::<1, DECISION_NUMBER_MAX>)]
    pub number: String,
    pub date: NaiveDate,
}

/// The decision an approval carries, as the council gives it: a meeting of the region's council
/// (its date, and its number or «б/н»), or a number and a date.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"meeting_id": 1}))]
pub struct ApprovalDecision {
    /// The decision's number; with `meeting_id`, the meeting's (and may be left out).
    #[serde(default)]
    #[schema(schema_with = approval_number, required = false)]
    pub number: Option<String>,
    /// The decision's date; with `meeting_id`, the day the meeting was held (may be left out).
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// The council meeting whose decision this is.
    #[serde(default)]
    pub meeting_id: Option<i64>,
}

/// The schema of an approval's decision `number`: the limit of [`CouncilDecision::number`], and
/// the description `schema_with` would drop from the field's doc.
fn approval_number() -> utoipa::openapi::schema::Object {
    let mut schema = limits::nullable_text::<1, DECISION_NUMBER_MAX>();
    schema.description = Some(
        "The decision's number; with `meeting_id`, the meeting's (and may be left out).".into(),
    );
    schema
}

impl ApprovalDecision {
    /// The decision as approvals record it. `meeting` is the meeting named, as its cited number
    /// and date; numbers and dates given beside it must agree with it.
    pub fn resolve(
        self,
        meeting: Option<(&str, NaiveDate)>,
    ) -> Result<CouncilDecision, Vec<FieldError>> {
        let mut decision = match meeting {
            Some((number, held_on)) => {
                let mut errors = Vec::new();
                if self.number.as_deref().is_some_and(|n| n.trim() != number) {
                    errors.push(FieldError::new(
                        "number",
                        "conflict",
                        format!("differs from the meeting's number {number}"),
                    ));
                }
                if self.date.is_some_and(|d| d != held_on) {
                    errors.push(FieldError::new(
                        "date",
                        "conflict",
                        format!("differs from the day the meeting was held, {held_on}"),
                    ));
                }
                if !errors.is_empty() {
                    return Err(errors);
                }
                CouncilDecision {
                    number: number.to_owned(),
                    date: held_on,
                }
            }
            None => match (self.number, self.date) {
                (Some(number), Some(date)) => CouncilDecision { number, date },
                (number, date) => {
                    let missing = [("number", number.is_none()), ("date", date.is_none())];
                    return Err(missing
                        .into_iter()
                        .filter(|(_, absent)| *absent)
                        .map(|(field, _)| {
                            FieldError::new(field, "required", "is required without `meeting_id`")
                        })
                        .collect());
                }
            },
        };
        let errors = decision.check_approval();
        if errors.is_empty() {
            Ok(decision)
        } else {
            Err(errors)
        }
    }
}

pub const FIRST_YEAR: i32 = 2013;
pub const LAST_YEAR: i32 = 2100;

/// The `validator` rule of a cycle's sector: one of [`SECTORS`].
pub fn known_sector(sector: &str) -> Result<(), validator::ValidationError> {
    if SECTORS.iter().any(|(code, _)| *code == sector) {
        return Ok(());
    }
    let codes: Vec<&str> = SECTORS.iter().map(|(code, _)| *code).collect();
    Err(validator::ValidationError::new("unknown_value")
        .with_message(format!("must be one of: {}", codes.join(", ")).into()))
}

/// Trims the operator's and the decision's texts and checks them; problems are named by their
/// path in the body (`operator.name`, `council_decision.number`).
pub fn check_fields(
    operator: Option<&mut Operator>,
    decision: Option<&mut CouncilDecision>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(operator) = operator {
        operator.trim();
        errors.extend(prefixed("operator.", FieldError::broken_rules(&*operator)));
    }
    if let Some(decision) = decision {
        decision.check_number("council_decision.", &mut errors);
    }
    errors
}

impl Operator {
    /// Trims its texts, as they are stored; the length rules then see what would be kept.
    pub fn trim(&mut self) {
        text::trim(&mut self.name);
        text::trim(&mut self.contract_number);
    }
}

/// Errors of a nested value, named by their path in the body.
fn prefixed(prefix: &str, errors: Vec<FieldError>) -> impl Iterator<Item = FieldError> + '_ {
    errors.into_iter().map(move |mut error| {
        error.field = format!("{prefix}{}", error.field);
        error
    })
}

impl CouncilDecision {
    /// The decision's number, as the text rules want it; problems are named `{prefix}number`.
    pub fn check_number(&mut self, prefix: &str, errors: &mut Vec<FieldError>) {
        text::trim(&mut self.number);
        errors.extend(prefixed(prefix, FieldError::broken_rules(&*self)));
    }

    /// A decision to approve results: its number, and a date in the years the service knows.
    pub fn check_approval(&mut self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        self.check_number("", &mut errors);
        if !(FIRST_YEAR..=LAST_YEAR).contains(&chrono::Datelike::year(&self.date)) {
            errors.push(FieldError::new(
                "date",
                "range",
                "is not a plausible date of a council decision",
            ));
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approval_takes_its_decision_from_the_meeting_or_from_number_and_date() {
        let day = NaiveDate::from_ymd_opt(2019, 1, 24).unwrap();
        let at_meeting = ApprovalDecision {
            number: None,
            date: None,
            meeting_id: Some(1),
        };
        let decision = at_meeting.clone().resolve(Some(("б/н", day))).unwrap();
        assert_eq!((decision.number.as_str(), decision.date), ("б/н", day));
        let other_day = ApprovalDecision {
            date: day.succ_opt(),
            ..at_meeting
        };
        let fields: Vec<String> = other_day
            .resolve(Some(("б/н", day)))
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["date"]);
        let bare = ApprovalDecision {
            number: None,
            date: None,
            meeting_id: None,
        };
        assert_eq!(bare.resolve(None).unwrap_err().len(), 2);
    }

    #[test]
    fn the_machine_moves_one_step_at_a_time() {
        use CycleStatus::*;
        for window in CycleStatus::ALL.windows(2) {
            assert!(window[0].can_become(window[1]));
        }
        // Backwards only by reopening, to collecting.
        for (i, from) in CycleStatus::ALL.iter().enumerate() {
            for to in &CycleStatus::ALL[..i] {
                assert_eq!(
                    from.can_become(*to),
                    *to == Collecting && *from != Collecting
                );
            }
        }
        assert!(!Draft.can_become(Approved));
        assert_eq!(
            Published.refusal(Draft).unwrap(),
            "The cycle is published; it cannot become draft from there"
        );
    }

    #[test]
    fn inputs_and_methodology_follow_the_status() {
        assert!(CycleStatus::Collecting.accepts_inputs());
        assert!(!CycleStatus::Draft.accepts_inputs());
        assert!(!CycleStatus::Collecting.methodology_fixed());
        assert!(CycleStatus::ResultsSubmitted.methodology_fixed());
    }

    #[test]
    fn fields_are_checked() {
        let mut operator = Operator {
            name: " ".into(),
            contract_number: "12".into(),
            contract_date: NaiveDate::from_ymd_opt(2018, 4, 2).unwrap(),
        };
        let errors = check_fields(Some(&mut operator), None);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["operator.name"]);
        assert!(known_sector("social_services").is_ok());
        assert_eq!(known_sector("health").unwrap_err().code, "unknown_value");
    }
}
