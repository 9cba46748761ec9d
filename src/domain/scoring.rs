//! The scoring engine: evaluation inputs → every indicator, the criteria K1–K5, the total, a
//! trace of how each number came about, and the shortcomings an improvement plan starts from.
//!
//! Exact decimals only (`rust_decimal`), never floats: results are published and compared to the
//! hundredth, and binary floats cannot hold 0.3 or 89.4. A repeating quotient (1/3) keeps 28
//! significant digits; rounding to the published precision happens where the settings say.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::methodology::{
    Criterion, FourThreeVariant, Indicator, ListKind, Methodology, OneThreeVariant, PointRule,
    RoundingStage, Settings, SurveyDenominator, ZeroDenominatorRule,
};
use super::survey::{Question, Respondents, SurveyAggregates, WaitingTime};
use crate::domain::FieldError;
use validator::Validate;

// ---------------------------------------------------------------------------------------------
// Inputs

/// A 1.1 check-list for one medium: the codes of the items found (required = the methodology's
/// list), or bare counts when the check-list itself is kept elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Checklist {
    /// Codes of the items found, e.g. `["name", "schedule"]`.
    Items(Vec<String>),
    Counts(ChecklistCounts),
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, validator::Validate,
)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"found": 9, "required": 10}))]
pub struct ChecklistCounts {
    pub found: u64,
    /// At least 1.
    #[validate(range(min = 1, max = MAX_CHECKLIST_ITEMS))]
    #[schema(schema_with = checklist_required)]
    pub required: u64,
}

/// The schema of `required`: the limits of its rule.
fn checklist_required() -> utoipa::openapi::schema::Object {
    crate::views::limits::count::<1, MAX_CHECKLIST_ITEMS>("At least 1.")
}

/// The survey's respondents and the waiting time records as their rules see them.
#[derive(validator::Validate)]
struct Counts<'a> {
    #[validate(nested)]
    survey: Respondents,
    #[validate(nested)]
    waiting_time: Option<&'a WaitingTime>,
}

/// What the operator collected for one organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationInputs {
    /// Information items found on the stands (1.1).
    pub stand_information: Checklist,
    /// Information items found on the official site (1.1).
    pub site_information: Checklist,
    /// Codes of the remote contact methods present and working (1.2).
    pub remote_methods: Vec<String>,
    /// Codes of the comfort conditions present (2.1).
    pub comfort_conditions: Vec<String>,
    /// Codes of the premises and territory conditions for disabled people (3.1).
    pub premises_conditions: Vec<String>,
    /// Codes of the conditions to receive services on equal terms (3.2).
    pub service_conditions: Vec<String>,
    pub survey: SurveyAggregates,
    /// Needed when the settings apply waiting time (2.2); ignored otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_time: Option<WaitingTime>,
}

enum ListInput<'a> {
    Codes(&'a [String]),
    Counts(ChecklistCounts),
}

impl EvaluationInputs {
    /// The data of indicator 2.2: the survey's `served_on_time` answers when recipients
    /// answered the question (uploads put them there), the operator's `waiting_time` records
    /// otherwise.
    pub fn waiting_time_data(&self) -> Option<WaitingTime> {
        self.survey.waiting_time().or(self.waiting_time)
    }

    fn list(&self, kind: ListKind) -> ListInput<'_> {
        fn checklist(c: &Checklist) -> ListInput<'_> {
            match c {
                Checklist::Items(codes) => ListInput::Codes(codes),
                Checklist::Counts(counts) => ListInput::Counts(*counts),
            }
        }
        match kind {
            ListKind::StandInformation => checklist(&self.stand_information),
            ListKind::SiteInformation => checklist(&self.site_information),
            ListKind::RemoteMethods => ListInput::Codes(&self.remote_methods),
            ListKind::ComfortConditions => ListInput::Codes(&self.comfort_conditions),
            ListKind::PremisesConditions => ListInput::Codes(&self.premises_conditions),
            ListKind::ServiceConditions => ListInput::Codes(&self.service_conditions),
        }
    }
}

/// Every rule the inputs break against `methodology`: known item codes only, no duplicates,
/// found ≤ required, satisfied ≤ answered ≤ respondents, served on time ≤ served.
/// Bounds that keep every sum and product of counts far from overflowing.
pub use super::survey::MAX_COUNT;
pub const MAX_CHECKLIST_ITEMS: u64 = 10_000;

pub fn validate(methodology: &Methodology, inputs: &EvaluationInputs) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for kind in ListKind::ALL {
        let field = kind.as_str();
        match inputs.list(kind) {
            ListInput::Codes(codes) => {
                let list = methodology.lists.get(kind);
                if codes.len() > list.len() {
                    // More codes than the list has: some repeat or are unknown; say so once
                    // instead of checking every pair of a huge list.
                    errors.push(FieldError::new(
                        field,
                        "too_long",
                        format!(
                            "the list of methodology {} has {} items",
                            methodology.id,
                            list.len()
                        ),
                    ));
                    continue;
                }
                for (i, code) in codes.iter().enumerate() {
                    if codes[..i].contains(code) {
                        errors.push(FieldError::new(
                            format!("{field}[{i}]"),
                            "duplicate",
                            format!("{code} is listed twice"),
                        ));
                    } else if !list.iter().any(|item| item.code == code) {
                        let known: Vec<&str> = list.iter().map(|item| item.code).collect();
                        errors.push(FieldError::new(
                            format!("{field}[{i}]"),
                            "unknown_code",
                            format!(
                                "«{code}» is not in the list of methodology {}: {}",
                                methodology.id,
                                known.join(", ")
                            ),
                        ));
                    }
                }
            }
            ListInput::Counts(counts) => {
                errors.extend(
                    FieldError::broken_rules(&counts)
                        .into_iter()
                        .map(|mut error| {
                            error.field = format!("{field}.{}", error.field);
                            error
                        }),
                );
                if counts.found > counts.required {
                    errors.push(FieldError::new(
                        format!("{field}.found"),
                        "too_large",
                        format!(
                            "{} found, but only {} required",
                            counts.found, counts.required
                        ),
                    ));
                }
            }
        }
    }
    errors.extend(inputs.survey.validate("survey"));
    errors.extend(FieldError::broken_rules(&Counts {
        survey: Respondents {
            respondents: inputs.survey.respondents,
        },
        waiting_time: inputs.waiting_time.as_ref(),
    }));
    if let Some(w) = inputs.waiting_time {
        if w.served_on_time > w.served {
            errors.push(FieldError::new(
                "waiting_time.served_on_time",
                "too_large",
                format!(
                    "{} served on time, but only {} served",
                    w.served_on_time, w.served
                ),
            ));
        }
    }
    errors
}

// ---------------------------------------------------------------------------------------------
// Results
//
// Decimals are serialized as JSON strings ("90.72"): rust_decimal's default, and the only form
// that keeps every digit through clients that parse numbers as binary floats.

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Scores {
    pub methodology_id: String,
    /// The settings the scores were computed with.
    pub settings: Settings,
    pub criteria: Vec<CriterionScore>,
    pub total: TotalScore,
    /// Improvement plan material, one group per criterion that has any.
    pub shortcomings: Vec<ShortcomingGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TotalScore {
    /// Exact mean of the criteria (of the rounded criteria when the rounding stage is
    /// `each_indicator` or `each_criterion`); `null` when a criterion is undefined.
    #[schema(value_type = Option<String>, example = "90.72")]
    pub value: Option<Decimal>,
    #[schema(value_type = Option<String>, example = "90.72")]
    pub rounded: Option<Decimal>,
    /// E.g. `(92 + 85 + 82 + 98.2 + 96.4) / 5`.
    pub formula: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CriterionScore {
    /// `K1` … `K5`.
    pub code: String,
    pub name: String,
    /// Exact weighted sum of the indicators (of the rounded indicators at stage
    /// `each_indicator`); `null` when none is defined.
    #[schema(value_type = Option<String>, example = "92")]
    pub value: Option<Decimal>,
    /// At the cycle's precision, trailing zeros kept ("92.00").
    #[schema(value_type = Option<String>, example = "92.00")]
    pub rounded: Option<Decimal>,
    /// Weights were scaled because an undefined indicator was dropped.
    pub reweighted: bool,
    /// The indicators applied (2.2 is absent when waiting time is not applied).
    pub indicators: Vec<IndicatorScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IndicatorScore {
    /// `1.1` … `5.3`.
    pub code: String,
    pub name: String,
    /// Exact points, 0–100; `null` when undefined and dropped.
    #[schema(value_type = Option<String>, example = "95")]
    pub value: Option<Decimal>,
    /// At the cycle's precision, trailing zeros kept ("95.00").
    #[schema(value_type = Option<String>, example = "95.00")]
    pub rounded: Option<Decimal>,
    /// The methodology's weight for the settings (with or without waiting time).
    #[schema(value_type = String, example = "0.4")]
    pub weight: Decimal,
    /// The weight actually applied: after re-weighting, or 0 when dropped.
    #[schema(value_type = String, example = "0.4")]
    pub effective_weight: Decimal,
    /// Points (rounded at stage `each_indicator`) × effective weight: the part of the criterion.
    #[schema(value_type = Option<String>, example = "38")]
    pub contribution: Option<Decimal>,
    pub trace: Trace,
}

/// How an indicator's points were obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Trace {
    pub rule: RuleKind,
    /// Which form or denominator applied: `per_medium`, `pooled_respondents`, `answered`,
    /// `disabled_respondents`, `remote_users`, `all_respondents`.
    pub basis: Option<String>,
    /// The counts: per medium, per question or the number of items present.
    pub terms: Vec<Term>,
    pub points_per_item: Option<u32>,
    pub cap: Option<u32>,
    /// The computation with its numbers, e.g. `0.5 × (38/40 + 19/20) × 100`.
    pub formula: String,
    /// No denominator was positive: the indicator has no value of its own.
    pub undefined: bool,
    /// Set when some denominator was zero: the rule that handled it.
    pub zero_denominator_rule: Option<ZeroDenominatorRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    ChecklistShare,
    PointsPerItem,
    SurveyShare,
    TwoMediumSurveyShare,
    WaitingTimeShare,
}

/// One count of a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Term {
    /// The list, question or `respondents` it counts.
    pub label: String,
    pub numerator: u64,
    /// Absent for a count of items present.
    pub denominator: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ShortcomingGroup {
    pub criterion: String,
    pub criterion_name: String,
    /// The plan section heading of the criterion.
    pub section_title: String,
    pub items: Vec<Shortcoming>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShortcomingKind {
    /// A check-list item, method or condition is missing (named).
    MissingItem,
    /// Check-list items are missing, given only as counts.
    MissingItems,
    /// A survey or waiting-time indicator is below 100.
    BelowMaximum,
    /// No data: the indicator's denominator is zero.
    Undefined,
}

/// One shortcoming, the "недостаток" of an improvement plan row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Shortcoming {
    pub indicator: String,
    pub indicator_name: String,
    pub kind: ShortcomingKind,
    pub list: Option<ListKind>,
    /// Code and Russian name of the missing item.
    pub item: Option<String>,
    pub item_name: Option<String>,
    /// The indicator's points, rounded per settings.
    #[schema(value_type = Option<String>, example = "95")]
    pub points: Option<Decimal>,
    /// A Russian sentence for the plan.
    pub description: String,
}

impl Scores {
    pub fn criterion(&self, code: &str) -> Option<&CriterionScore> {
        self.criteria.iter().find(|c| c.code == code)
    }

    pub fn indicator(&self, code: &str) -> Option<&IndicatorScore> {
        self.criteria
            .iter()
            .flat_map(|c| &c.indicators)
            .find(|i| i.code == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComputeError {
    /// The methodology describes criteria only.
    #[error("methodology {0} has no computable indicators")]
    NotComputable(String),
    /// Settings (fields under `settings.`) or inputs break a rule.
    #[error("invalid settings or inputs: {} field(s)", .0.len())]
    Invalid(Vec<FieldError>),
}

// ---------------------------------------------------------------------------------------------
// The engine

/// Computes every indicator, criterion and the total of `inputs` under `methodology` and
/// `settings`, after checking both.
pub fn compute(
    methodology: &Methodology,
    settings: &Settings,
    inputs: &EvaluationInputs,
) -> Result<Scores, ComputeError> {
    if !methodology.computable {
        return Err(ComputeError::NotComputable(methodology.id.to_owned()));
    }
    let mut errors: Vec<FieldError> = settings
        .validate_for(methodology)
        .into_iter()
        .map(|e| FieldError {
            field: format!("settings.{}", e.field),
            ..e
        })
        .collect();
    errors.extend(validate(methodology, inputs));
    if settings.waiting_time_applied && inputs.waiting_time_data().is_none() {
        errors.push(FieldError::new(
            "waiting_time",
            "required",
            "waiting time is applied in the settings: give served_on_time and served, or upload survey responses that answer served_on_time",
        ));
    }
    if !errors.is_empty() {
        return Err(ComputeError::Invalid(errors));
    }

    let engine = Engine {
        methodology,
        settings,
        inputs,
    };
    let rounding = settings.rounding;
    // From the stage on, each step is computed from the rounded values of the step before.
    let round_criteria = matches!(
        rounding.stage,
        RoundingStage::EachIndicator | RoundingStage::EachCriterion
    );
    let mut criteria = Vec::with_capacity(methodology.criteria.len());
    let mut shortcomings = Vec::new();
    for criterion in methodology.criteria {
        let (score, items) = engine.criterion(criterion);
        if !items.is_empty() {
            shortcomings.push(ShortcomingGroup {
                criterion: criterion.code.to_owned(),
                criterion_name: criterion.name.to_owned(),
                section_title: criterion.section_title.to_owned(),
                items,
            });
        }
        criteria.push(score);
    }

    let used: Option<Vec<Decimal>> = criteria
        .iter()
        .map(|c| if round_criteria { c.rounded } else { c.value })
        .collect();
    let total = used.map(|v| {
        let sum: Decimal = v.iter().sum();
        (sum / Decimal::from(v.len())).normalize()
    });
    let formula = format!(
        "({}) / {}",
        criteria
            .iter()
            .map(|c| {
                let shown = if round_criteria { c.rounded } else { c.value };
                shown.map_or_else(|| "undefined".to_owned(), |v| v.normalize().to_string())
            })
            .collect::<Vec<_>>()
            .join(" + "),
        criteria.len()
    );
    Ok(Scores {
        methodology_id: methodology.id.to_owned(),
        settings: *settings,
        criteria,
        total: TotalScore {
            value: total,
            rounded: total.map(|v| rounding.apply(v)),
            formula,
        },
        shortcomings,
    })
}

struct Engine<'a> {
    methodology: &'a Methodology,
    settings: &'a Settings,
    inputs: &'a EvaluationInputs,
}

/// Points of one indicator before the zero-denominator rule, with their trace.
struct Raw {
    points: Option<Decimal>,
    trace: Trace,
}

/// num / den × 100, or `None` when nobody is in the denominator.
fn share(numerator: u64, denominator: u64) -> Option<Decimal> {
    // Multiply first: 38 × 100 / 40 is exact where 38 / 40 × 100 may not be for other counts.
    (denominator > 0)
        .then(|| Decimal::from(numerator) * Decimal::ONE_HUNDRED / Decimal::from(denominator))
}

fn term(label: &str, numerator: u64, denominator: Option<u64>) -> Term {
    Term {
        label: label.to_owned(),
        numerator,
        denominator,
    }
}

/// Decimal in Russian notation (comma), for sentences.
fn ru(value: Decimal) -> String {
    value.normalize().to_string().replace('.', ",")
}

impl Engine<'_> {
    fn trace(&self, rule: RuleKind) -> Trace {
        Trace {
            rule,
            basis: None,
            terms: Vec::new(),
            points_per_item: None,
            cap: None,
            formula: String::new(),
            undefined: false,
            zero_denominator_rule: None,
        }
    }

    /// The mean of several shares (media of 1.1 and 1.3); a share with a zero denominator is
    /// dropped (re-weight) or counts as the set points.
    fn mean_of_shares(&self, mut trace: Trace, parts: &[(String, u64, u64)]) -> Raw {
        let rule = self.settings.zero_denominator;
        let mut sum = Decimal::ZERO;
        let mut used = Vec::new();
        for (label, numerator, denominator) in parts {
            trace
                .terms
                .push(term(label, *numerator, Some(*denominator)));
            match (share(*numerator, *denominator), rule) {
                (Some(points), _) => {
                    sum += points;
                    used.push(format!("{numerator}/{denominator}"));
                }
                (None, ZeroDenominatorRule::Reweight) => {
                    trace.zero_denominator_rule = Some(rule);
                }
                (None, ZeroDenominatorRule::CountAs(points)) => {
                    trace.zero_denominator_rule = Some(rule);
                    sum += points;
                    used.push(format!("{}/100", points.normalize()));
                }
            }
        }
        trace.formula = match used.len() {
            0 => "no positive denominator".to_owned(),
            1 => format!("{} × 100", used[0]),
            2 => format!("0.5 × ({}) × 100", used.join(" + ")),
            n => format!("(1/{n}) × ({}) × 100", used.join(" + ")),
        };
        let points = (!used.is_empty()).then(|| sum / Decimal::from(used.len()));
        trace.undefined = parts.iter().all(|(_, _, d)| *d == 0);
        Raw { points, trace }
    }

    fn single_share(&self, mut trace: Trace, label: &str, numerator: u64, denominator: u64) -> Raw {
        trace.terms.push(term(label, numerator, Some(denominator)));
        trace.formula = format!("{numerator} / {denominator} × 100");
        Raw {
            points: share(numerator, denominator),
            trace,
        }
    }

    fn raw(&self, indicator: &Indicator) -> Raw {
        let inputs = self.inputs;
        let survey = &inputs.survey;
        let count = |q: Question| survey.count(q).unwrap_or_default();
        match indicator.rule {
            PointRule::ChecklistShare { lists } => {
                let parts: Vec<(String, u64, u64)> = lists
                    .iter()
                    .map(|&kind| {
                        let (found, required) = match inputs.list(kind) {
                            ListInput::Codes(codes) => (
                                codes.len() as u64,
                                self.methodology.lists.get(kind).len() as u64,
                            ),
                            ListInput::Counts(c) => (c.found, c.required),
                        };
                        (kind.as_str().to_owned(), found, required)
                    })
                    .collect();
                self.mean_of_shares(self.trace(RuleKind::ChecklistShare), &parts)
            }
            PointRule::PointsPerItem { list, points, cap } => {
                let present = match inputs.list(list) {
                    ListInput::Codes(codes) => codes.len() as u64,
                    ListInput::Counts(c) => c.found,
                };
                let mut trace = self.trace(RuleKind::PointsPerItem);
                trace.terms.push(term(list.as_str(), present, None));
                trace.points_per_item = Some(points);
                trace.cap = Some(cap);
                trace.formula = format!("min({present} × {points}, {cap})");
                let earned = Decimal::from(present) * Decimal::from(points);
                Raw {
                    points: Some(earned.min(Decimal::from(cap))),
                    trace,
                }
            }
            PointRule::SurveyShare {
                question,
                denominator,
            } => {
                let c = count(question);
                let mut trace = self.trace(RuleKind::SurveyShare);
                let (basis, den_label, den) = match denominator {
                    SurveyDenominator::Answered => ("answered", None, c.answered),
                    SurveyDenominator::DisabledRespondents => {
                        ("disabled_respondents", None, c.answered)
                    }
                    SurveyDenominator::RemoteUsers => match self.settings.indicator_4_3 {
                        FourThreeVariant::RemoteUsers => ("remote_users", None, c.answered),
                        FourThreeVariant::AllRespondents => {
                            ("all_respondents", Some("respondents"), survey.respondents)
                        }
                    },
                };
                trace.basis = Some(basis.to_owned());
                let mut raw = self.single_share(trace, question.code(), c.satisfied, den);
                if let Some(label) = den_label {
                    raw.trace.terms.push(term(label, den, None));
                }
                raw
            }
            PointRule::TwoMediumSurveyShare { stand, site } => {
                let (s, t) = (count(stand), count(site));
                let mut trace = self.trace(RuleKind::TwoMediumSurveyShare);
                match self.settings.indicator_1_3 {
                    OneThreeVariant::PerMedium => {
                        trace.basis = Some("per_medium".to_owned());
                        self.mean_of_shares(
                            trace,
                            &[
                                (stand.code().to_owned(), s.satisfied, s.answered),
                                (site.code().to_owned(), t.satisfied, t.answered),
                            ],
                        )
                    }
                    OneThreeVariant::PooledRespondents => {
                        trace.basis = Some("pooled_respondents".to_owned());
                        let r = survey.respondents;
                        trace.terms = vec![
                            term(stand.code(), s.satisfied, None),
                            term(site.code(), t.satisfied, None),
                            term("respondents", r, None),
                        ];
                        trace.formula =
                            format!("({} + {}) / (2 × {r}) × 100", s.satisfied, t.satisfied);
                        Raw {
                            points: share(s.satisfied + t.satisfied, 2 * r),
                            trace,
                        }
                    }
                }
            }
            PointRule::WaitingTimeShare => {
                let from_survey = inputs.survey.waiting_time();
                let w = inputs.waiting_time_data().unwrap_or_default();
                self.single_share(
                    self.trace(RuleKind::WaitingTimeShare),
                    if from_survey.is_some() {
                        "survey.served_on_time"
                    } else {
                        "waiting_time"
                    },
                    w.served_on_time,
                    w.served,
                )
            }
        }
    }

    /// The indicator's points after the zero-denominator rule, and its trace.
    fn points(&self, indicator: &Indicator) -> (Option<Decimal>, Trace) {
        let Raw { points, mut trace } = self.raw(indicator);
        if points.is_some() {
            return (points, trace);
        }
        let rule = self.settings.zero_denominator;
        trace.undefined = true;
        trace.zero_denominator_rule = Some(rule);
        match rule {
            ZeroDenominatorRule::Reweight => {
                trace
                    .formula
                    .push_str(": undefined, dropped and the weights re-scaled");
                (None, trace)
            }
            ZeroDenominatorRule::CountAs(set) => {
                trace
                    .formula
                    .push_str(&format!(": undefined, counted as {}", set.normalize()));
                (Some(set), trace)
            }
        }
    }

    fn criterion(&self, criterion: &Criterion) -> (CriterionScore, Vec<Shortcoming>) {
        let rounding = self.settings.rounding;
        let applied = self.settings.waiting_time_applied;
        let mut indicators = Vec::new();
        let mut shortcomings = Vec::new();
        for indicator in criterion.indicators {
            let Some(weight) = indicator.weight_for(applied) else {
                continue;
            };
            let (value, trace) = self.points(indicator);
            let value = value.map(|v| v.normalize());
            shortcomings.extend(self.shortcomings(indicator, value, &trace));
            indicators.push(IndicatorScore {
                code: indicator.code.to_owned(),
                name: indicator.name.to_owned(),
                value,
                rounded: value.map(|v| rounding.apply(v)),
                weight,
                effective_weight: Decimal::ZERO,
                contribution: None,
                trace,
            });
        }
        // Σ w·p / Σ w over the defined indicators: one division, so a criterion of 100-point
        // indicators is exactly 100 even when the scaled weights (0.3/0.7) do not terminate.
        let round_indicators = rounding.stage == RoundingStage::EachIndicator;
        let defined_weight: Decimal = indicators
            .iter()
            .filter(|i| i.value.is_some())
            .map(|i| i.weight)
            .sum();
        let total_weight: Decimal = indicators.iter().map(|i| i.weight).sum();
        let reweighted = defined_weight != total_weight;
        let mut weighted = Decimal::ZERO;
        for i in &mut indicators {
            let used = if round_indicators { i.rounded } else { i.value };
            if let (Some(v), true) = (used, defined_weight > Decimal::ZERO) {
                i.effective_weight = (i.weight / defined_weight).normalize();
                i.contribution = Some((i.weight * v / defined_weight).normalize());
                weighted += i.weight * v;
            }
        }
        let value =
            (defined_weight > Decimal::ZERO).then(|| (weighted / defined_weight).normalize());
        (
            CriterionScore {
                code: criterion.code.to_owned(),
                name: criterion.name.to_owned(),
                value,
                rounded: value.map(|v| rounding.apply(v)),
                reweighted,
                indicators,
            },
            shortcomings,
        )
    }

    fn shortcomings(
        &self,
        indicator: &Indicator,
        value: Option<Decimal>,
        trace: &Trace,
    ) -> Vec<Shortcoming> {
        let rounding = self.settings.rounding;
        let points = value.map(|v| rounding.apply(v));
        let base = |kind: ShortcomingKind, description: String| Shortcoming {
            indicator: indicator.code.to_owned(),
            indicator_name: indicator.name.to_owned(),
            kind,
            list: None,
            item: None,
            item_name: None,
            points,
            description,
        };
        if trace.undefined {
            return vec![base(
                ShortcomingKind::Undefined,
                format!(
                    "Показатель {} не рассчитан: нет данных (знаменатель равен нулю)",
                    indicator.code
                ),
            )];
        }
        // Per DESIGN.md a shortcoming is an indicator below its maximum: a missing condition
        // of an indicator already at its cap is not one.
        match value {
            Some(v) if v < Decimal::ONE_HUNDRED => {}
            _ => return Vec::new(),
        }
        let lists: &[ListKind] = match &indicator.rule {
            PointRule::ChecklistShare { lists } => lists,
            PointRule::PointsPerItem { list, .. } => std::slice::from_ref(list),
            _ => {
                return vec![base(
                    ShortcomingKind::BelowMaximum,
                    format!(
                        "Показатель {}: {} из 100 баллов",
                        indicator.code,
                        ru(points.unwrap_or_default())
                    ),
                )]
            }
        };
        let mut found = Vec::new();
        for &kind in lists {
            match self.inputs.list(kind) {
                ListInput::Codes(codes) => {
                    for item in self.methodology.lists.get(kind) {
                        if !codes.iter().any(|c| c == item.code) {
                            found.push(Shortcoming {
                                list: Some(kind),
                                item: Some(item.code.to_owned()),
                                item_name: Some(item.name.to_owned()),
                                ..base(
                                    ShortcomingKind::MissingItem,
                                    format!("{}: отсутствует — {}", kind.name(), item.name),
                                )
                            });
                        }
                    }
                }
                ListInput::Counts(c) if c.found < c.required => found.push(Shortcoming {
                    list: Some(kind),
                    ..base(
                        ShortcomingKind::MissingItems,
                        format!(
                            "{}: размещено {} из {} обязательных сведений",
                            kind.name(),
                            c.found,
                            c.required
                        ),
                    )
                }),
                ListInput::Counts(_) => {}
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::methodology::{self, RegionTotal, Rounding, RoundingMode, DEFAULT_ID};
    use crate::domain::survey::SurveyCount;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn m() -> &'static Methodology {
        methodology::find(DEFAULT_ID).unwrap()
    }

    fn codes(kind: ListKind, n: usize) -> Vec<String> {
        m().lists.get(kind)[..n]
            .iter()
            .map(|i| i.code.to_owned())
            .collect()
    }

    fn sc(answered: u64, satisfied: u64) -> SurveyCount {
        SurveyCount {
            answered,
            satisfied,
        }
    }

    /// The worked example of METHODOLOGY.md.
    fn example() -> EvaluationInputs {
        EvaluationInputs {
            stand_information: Checklist::Items(codes(ListKind::StandInformation, 9)),
            site_information: Checklist::Items(codes(ListKind::SiteInformation, 18)),
            remote_methods: codes(ListKind::RemoteMethods, 3),
            comfort_conditions: codes(ListKind::ComfortConditions, 4),
            premises_conditions: codes(ListKind::PremisesConditions, 3),
            service_conditions: codes(ListKind::ServiceConditions, 6),
            survey: SurveyAggregates {
                respondents: 50,
                satisfied_stand_info: sc(40, 38),
                satisfied_site_info: sc(20, 19),
                satisfied_comfort: sc(50, 45),
                satisfied_accessibility: sc(10, 8),
                satisfied_first_contact: sc(50, 49),
                satisfied_staff: sc(50, 50),
                satisfied_remote: sc(20, 19),
                would_recommend: sc(50, 47),
                satisfied_organizational: sc(50, 48),
                satisfied_overall: sc(50, 49),
                served_on_time: None,
            },
            waiting_time: Some(WaitingTime {
                served_on_time: 48,
                served: 50,
            }),
        }
    }

    fn run(settings: &Settings, inputs: &EvaluationInputs) -> Scores {
        compute(m(), settings, inputs).unwrap()
    }

    fn ind(scores: &Scores, code: &str) -> Option<Decimal> {
        scores.indicator(code).unwrap().value
    }

    fn crit(scores: &Scores, code: &str) -> Option<Decimal> {
        scores.criterion(code).unwrap().value
    }

    fn with(f: impl FnOnce(&mut Settings)) -> Settings {
        let mut s = Settings::DEFAULT;
        f(&mut s);
        s
    }

    fn fields(result: Result<Scores, ComputeError>) -> Vec<(String, String)> {
        match result {
            Err(ComputeError::Invalid(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn worked_example_without_waiting_time() {
        let s = run(&Settings::DEFAULT, &example());
        for (code, points) in [
            ("1.1", dec!(90)),
            ("1.2", dec!(90)),
            ("1.3", dec!(95)),
            ("2.1", dec!(80)),
            ("2.3", dec!(90)),
            ("3.1", dec!(60)),
            ("3.2", dec!(100)),
            ("3.3", dec!(80)),
            ("4.1", dec!(98)),
            ("4.2", dec!(100)),
            ("4.3", dec!(95)),
            ("5.1", dec!(94)),
            ("5.2", dec!(96)),
            ("5.3", dec!(98)),
        ] {
            assert_eq!(ind(&s, code), Some(points), "{code}");
        }
        assert!(s
            .criterion("K2")
            .unwrap()
            .indicators
            .iter()
            .all(|i| i.code != "2.2"));
        assert_eq!(s.indicator("2.1").unwrap().weight, dec!(0.5));
        for (code, value) in [
            ("K1", dec!(92)),
            ("K2", dec!(85)),
            ("K3", dec!(82)),
            ("K4", dec!(98.2)),
            ("K5", dec!(96.4)),
        ] {
            assert_eq!(crit(&s, code), Some(value), "{code}");
        }
        let contributions: Vec<Decimal> = s
            .criterion("K1")
            .unwrap()
            .indicators
            .iter()
            .map(|i| i.contribution.unwrap())
            .collect();
        assert_eq!(contributions, [dec!(27), dec!(27), dec!(38)]);
        assert_eq!(s.total.value, Some(dec!(90.72)));
        assert_eq!(s.total.rounded, Some(dec!(90.72)));
        assert_eq!(s.total.formula, "(92 + 85 + 82 + 98.2 + 96.4) / 5");
        // Serialized without trailing zeros, as strings.
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["criteria"][0]["value"], "92");
        assert_eq!(json["total"]["value"], "90.72");
    }

    #[test]
    fn worked_example_with_waiting_time() {
        let settings = with(|s| s.waiting_time_applied = true);
        let s = run(&settings, &example());
        assert_eq!(ind(&s, "2.2"), Some(dec!(96)));
        assert_eq!(s.indicator("2.1").unwrap().weight, dec!(0.3));
        assert_eq!(crit(&s, "K2"), Some(dec!(89.4)));
        assert_eq!(s.total.value, Some(dec!(91.6)));
        assert_eq!(s.settings, settings);
        // Applied waiting time needs its data.
        let mut inputs = example();
        inputs.waiting_time = None;
        assert_eq!(
            fields(compute(m(), &settings, &inputs)),
            [("waiting_time".into(), "required".into())]
        );
    }

    /// Uploaded answers to `served_on_time` make 2.2 when the cycle applies waiting time, in
    /// place of the operator's records; without them the records count.
    #[test]
    fn served_on_time_answers_count_into_waiting_time() {
        let settings = with(|s| s.waiting_time_applied = true);
        let mut inputs = example();
        inputs.waiting_time = None;
        inputs.survey.served_on_time = Some(sc(50, 48));
        let s = run(&settings, &inputs);
        assert_eq!(ind(&s, "2.2"), Some(dec!(96)));
        assert_eq!(crit(&s, "K2"), Some(dec!(89.4)));
        assert_eq!(s.total.value, Some(dec!(91.6)));
        assert_eq!(s.total.rounded.unwrap().to_string(), "91.60");
        let trace = &s.indicator("2.2").unwrap().trace;
        assert_eq!(trace.formula, "48 / 50 × 100");
        assert_eq!(trace.terms[0].label, "survey.served_on_time");
        // The survey's answers win over the records.
        inputs.waiting_time = Some(WaitingTime {
            served_on_time: 10,
            served: 50,
        });
        inputs.survey.served_on_time = Some(sc(40, 30));
        assert_eq!(ind(&run(&settings, &inputs), "2.2"), Some(dec!(75)));
        // Nobody answered: the records.
        inputs.survey.served_on_time = Some(sc(0, 0));
        assert_eq!(ind(&run(&settings, &inputs), "2.2"), Some(dec!(20)));
        // Without waiting time applied the answers change nothing.
        inputs.survey.served_on_time = Some(sc(50, 1));
        let plain = run(&Settings::DEFAULT, &inputs);
        assert!(plain.indicator("2.2").is_none());
        assert_eq!(plain.total.value, Some(dec!(90.72)));
        // More answers than respondents is refused like any other count.
        inputs.survey.served_on_time = Some(sc(51, 1));
        assert_eq!(
            fields(compute(m(), &settings, &inputs)),
            [("survey.served_on_time.answered".into(), "too_large".into())]
        );
    }

    #[test]
    fn the_published_example_totals_96_1() {
        let mut inputs = example();
        inputs.stand_information = Checklist::Items(codes(ListKind::StandInformation, 10));
        inputs.site_information = Checklist::Counts(ChecklistCounts {
            found: 20,
            required: 20,
        });
        inputs.remote_methods = codes(ListKind::RemoteMethods, 4);
        inputs.comfort_conditions = codes(ListKind::ComfortConditions, 5);
        let full = sc(50, 50);
        let sv = &mut inputs.survey;
        sv.satisfied_stand_info = full;
        sv.satisfied_site_info = full;
        sv.satisfied_comfort = full;
        sv.satisfied_first_contact = full;
        sv.satisfied_remote = full;
        sv.would_recommend = full;
        sv.satisfied_organizational = full;
        sv.satisfied_overall = full;
        // K3 = 0.3 × 60 + 0.4 × 100 + 0.3 × 75 = 80.5
        sv.satisfied_accessibility = sc(8, 6);
        let s = run(&Settings::DEFAULT, &inputs);
        let criteria: Vec<Decimal> = s.criteria.iter().map(|c| c.value.unwrap()).collect();
        assert_eq!(
            criteria,
            [dec!(100), dec!(100), dec!(80.5), dec!(100), dec!(100)]
        );
        assert_eq!(s.total.value, Some(dec!(96.1)));
    }

    #[test]
    fn counts_give_the_same_1_1_as_item_codes() {
        let mut inputs = example();
        inputs.stand_information = Checklist::Counts(ChecklistCounts {
            found: 9,
            required: 10,
        });
        inputs.site_information = Checklist::Counts(ChecklistCounts {
            found: 18,
            required: 20,
        });
        let s = run(&Settings::DEFAULT, &inputs);
        assert_eq!(ind(&s, "1.1"), Some(dec!(90)));
        let trace = &s.indicator("1.1").unwrap().trace;
        assert_eq!(trace.formula, "0.5 × (9/10 + 18/20) × 100");
        assert_eq!(trace.terms[1], term("site_information", 18, Some(20)));
    }

    #[test]
    fn point_indicators_are_capped() {
        let mut inputs = example();
        for (n, points) in [(0, 0), (1, 30), (3, 90), (4, 100), (6, 100)] {
            inputs.remote_methods = codes(ListKind::RemoteMethods, n);
            assert_eq!(
                ind(&run(&Settings::DEFAULT, &inputs), "1.2"),
                Some(Decimal::from(points))
            );
        }
        for (kind, code) in [
            (ListKind::ComfortConditions, "2.1"),
            (ListKind::PremisesConditions, "3.1"),
            (ListKind::ServiceConditions, "3.2"),
        ] {
            let total = m().lists.get(kind).len();
            for (n, points) in [(0, 0), (4, 80), (5, 100), (total, 100)] {
                let list = codes(kind, n);
                match kind {
                    ListKind::ComfortConditions => inputs.comfort_conditions = list,
                    ListKind::PremisesConditions => inputs.premises_conditions = list,
                    _ => inputs.service_conditions = list,
                }
                let s = run(&Settings::DEFAULT, &inputs);
                assert_eq!(ind(&s, code), Some(Decimal::from(points)), "{code} {n}");
            }
        }
        inputs.service_conditions = codes(ListKind::ServiceConditions, 6);
        let trace = run(&Settings::DEFAULT, &inputs)
            .indicator("3.2")
            .unwrap()
            .trace
            .clone();
        assert_eq!(trace.formula, "min(6 × 20, 100)");
        assert_eq!((trace.points_per_item, trace.cap), (Some(20), Some(100)));
    }

    #[test]
    fn an_undefined_indicator_is_reweighted_by_default() {
        let mut inputs = example();
        inputs.survey.satisfied_remote = sc(0, 0);
        let s = run(&Settings::DEFAULT, &inputs);
        let i = s.indicator("4.3").unwrap();
        assert_eq!(i.value, None);
        assert!(i.trace.undefined);
        assert_eq!(
            i.trace.zero_denominator_rule,
            Some(ZeroDenominatorRule::Reweight)
        );
        assert_eq!(i.effective_weight, Decimal::ZERO);
        let k4 = s.criterion("K4").unwrap();
        assert!(k4.reweighted);
        // (0.4 × 98 + 0.4 × 100) / 0.8
        assert_eq!(k4.value, Some(dec!(99)));
        assert_eq!(k4.indicators[0].effective_weight, dec!(0.5));
        // A weight that does not terminate: 3.3 dropped, K3 = (18 + 40) / 0.7.
        inputs.survey.satisfied_accessibility = sc(0, 0);
        let s = run(&Settings::DEFAULT, &inputs);
        let k3 = s.criterion("K3").unwrap();
        assert_eq!(k3.rounded, Some(dec!(82.86)));
        assert_eq!(
            k3.value.unwrap().round_dp(20),
            dec!(82.85714285714285714286)
        );
        // The shortcoming says the data are missing.
        let group = s.shortcomings.iter().find(|g| g.criterion == "K3").unwrap();
        assert!(group
            .items
            .iter()
            .any(|i| i.indicator == "3.3" && i.kind == ShortcomingKind::Undefined));
    }

    #[test]
    fn an_undefined_indicator_can_count_as_set_points() {
        let mut inputs = example();
        inputs.survey.satisfied_remote = sc(0, 0);
        for (points, k4) in [(dec!(0), dec!(79.2)), (dec!(100), dec!(99.2))] {
            let settings = with(|s| s.zero_denominator = ZeroDenominatorRule::CountAs(points));
            let s = run(&settings, &inputs);
            let i = s.indicator("4.3").unwrap();
            assert_eq!(i.value, Some(points));
            assert!(i.trace.undefined);
            assert_eq!(
                i.trace.zero_denominator_rule,
                Some(ZeroDenominatorRule::CountAs(points))
            );
            assert_eq!(i.effective_weight, dec!(0.2));
            assert!(!s.criterion("K4").unwrap().reweighted);
            assert_eq!(crit(&s, "K4"), Some(k4));
        }
    }

    #[test]
    fn a_criterion_without_any_data_leaves_the_total_undefined() {
        let mut inputs = example();
        let none = sc(0, 0);
        inputs.survey.satisfied_first_contact = none;
        inputs.survey.satisfied_staff = none;
        inputs.survey.satisfied_remote = none;
        let s = run(&Settings::DEFAULT, &inputs);
        assert_eq!(crit(&s, "K4"), None);
        assert_eq!(s.total.value, None);
        assert_eq!(s.total.rounded, None);
        assert_eq!(s.total.formula, "(92 + 85 + 82 + undefined + 96.4) / 5");
        let settings = with(|s| s.zero_denominator = ZeroDenominatorRule::CountAs(dec!(0)));
        assert_eq!(run(&settings, &inputs).total.value, Some(dec!(71.08)));
    }

    #[test]
    fn indicator_1_3_per_medium_and_pooled() {
        let inputs = example();
        let s = run(&Settings::DEFAULT, &inputs);
        let i = s.indicator("1.3").unwrap();
        assert_eq!(i.trace.basis.as_deref(), Some("per_medium"));
        assert_eq!(i.trace.formula, "0.5 × (38/40 + 19/20) × 100");

        let pooled = with(|s| s.indicator_1_3 = OneThreeVariant::PooledRespondents);
        let s = run(&pooled, &inputs);
        // (38 + 19) / (2 × 50)
        assert_eq!(ind(&s, "1.3"), Some(dec!(57)));
        assert_eq!(crit(&s, "K1"), Some(dec!(76.8)));
        assert_eq!(
            s.indicator("1.3").unwrap().trace.formula,
            "(38 + 19) / (2 × 50) × 100"
        );

        // A medium nobody used: dropped from the mean, or counted as the set points.
        let mut no_stands = inputs.clone();
        no_stands.survey.satisfied_stand_info = sc(0, 0);
        let s = run(&Settings::DEFAULT, &no_stands);
        let i = s.indicator("1.3").unwrap();
        assert_eq!(i.value, Some(dec!(95)));
        assert!(!i.trace.undefined);
        assert_eq!(
            i.trace.zero_denominator_rule,
            Some(ZeroDenominatorRule::Reweight)
        );
        assert_eq!(i.trace.formula, "19/20 × 100");
        let zero = with(|s| s.zero_denominator = ZeroDenominatorRule::CountAs(dec!(0)));
        assert_eq!(ind(&run(&zero, &no_stands), "1.3"), Some(dec!(47.5)));
        // No user of either medium: undefined.
        no_stands.survey.satisfied_site_info = sc(0, 0);
        assert_eq!(ind(&run(&Settings::DEFAULT, &no_stands), "1.3"), None);
        assert!(
            run(&Settings::DEFAULT, &no_stands)
                .indicator("1.3")
                .unwrap()
                .trace
                .undefined
        );
    }

    #[test]
    fn indicator_4_3_remote_users_or_all_respondents() {
        let s = run(&Settings::DEFAULT, &example());
        assert_eq!(
            s.indicator("4.3").unwrap().trace.basis.as_deref(),
            Some("remote_users")
        );
        let all = with(|s| s.indicator_4_3 = FourThreeVariant::AllRespondents);
        let s = run(&all, &example());
        // 19 / 50
        assert_eq!(ind(&s, "4.3"), Some(dec!(38)));
        assert_eq!(crit(&s, "K4"), Some(dec!(86.8)));
        let trace = &s.indicator("4.3").unwrap().trace;
        assert_eq!(trace.basis.as_deref(), Some("all_respondents"));
        assert_eq!(trace.formula, "19 / 50 × 100");
    }

    #[test]
    fn rounding_modes_apply_to_shown_values() {
        let mut inputs = example();
        // 469 / 20000 × 100 = 2.345
        inputs.survey.respondents = 20000;
        inputs.survey.satisfied_comfort = sc(20000, 469);
        let s = run(&Settings::DEFAULT, &inputs);
        let i = s.indicator("2.3").unwrap();
        assert_eq!((i.value, i.rounded), (Some(dec!(2.345)), Some(dec!(2.35))));
        let even = with(|s| s.rounding.mode = RoundingMode::HalfEven);
        let i = run(&even, &inputs).indicator("2.3").unwrap().clone();
        assert_eq!((i.value, i.rounded), (Some(dec!(2.345)), Some(dec!(2.34))));
    }

    #[test]
    fn rounding_stages_change_what_later_stages_see() {
        let whole = |stage| {
            with(|s| {
                s.rounding = Rounding {
                    precision: 0,
                    mode: RoundingMode::HalfUp,
                    stage,
                }
            })
        };
        // K4 from 4.1 = 4.2 = 0.4 and 4.3 = 1: exact 0.52.
        let mut inputs = example();
        inputs.survey.respondents = 250;
        inputs.survey.satisfied_first_contact = sc(250, 1);
        inputs.survey.satisfied_staff = sc(250, 1);
        inputs.survey.satisfied_remote = sc(100, 1);
        let out = run(&whole(RoundingStage::OutputOnly), &inputs);
        let k4 = out.criterion("K4").unwrap();
        assert_eq!((k4.value, k4.rounded), (Some(dec!(0.52)), Some(dec!(1))));
        let i = &k4.indicators[0];
        assert_eq!((i.value, i.rounded), (Some(dec!(0.4)), Some(dec!(0))));

        // Each indicator: 0.4 × 0 + 0.4 × 0 + 0.2 × 1; the exact indicator stays visible.
        let each_indicator = run(&whole(RoundingStage::EachIndicator), &inputs);
        let k4 = each_indicator.criterion("K4").unwrap();
        let i = &k4.indicators[0];
        assert_eq!((i.value, i.rounded), (Some(dec!(0.4)), Some(dec!(0))));
        assert_eq!(i.contribution, Some(dec!(0)));
        assert_eq!((k4.value, k4.rounded), (Some(dec!(0.2)), Some(dec!(0))));

        let each_criterion = run(&whole(RoundingStage::EachCriterion), &inputs);
        let k4 = each_criterion.criterion("K4").unwrap();
        assert_eq!((k4.value, k4.rounded), (Some(dec!(0.52)), Some(dec!(1))));

        // The total with K1 = 92, K2 = 85, K3 = 82, K5 = 96.4.
        assert_eq!(out.total.value, Some(dec!(71.184)));
        assert_eq!(out.total.rounded, Some(dec!(71)));
        // (92 + 85 + 82 + 1 + 96) / 5
        assert_eq!(each_criterion.total.value, Some(dec!(71.2)));
        assert_eq!(each_criterion.total.formula, "(92 + 85 + 82 + 1 + 96) / 5");
        // (92 + 85 + 82 + 0 + 96) / 5
        assert_eq!(each_indicator.total.value, Some(dec!(71)));
    }

    #[test]
    fn shortcomings_name_what_is_missing_by_criterion() {
        let s = run(&Settings::DEFAULT, &example());
        let groups: Vec<&str> = s
            .shortcomings
            .iter()
            .map(|g| g.criterion.as_str())
            .collect();
        assert_eq!(groups, ["K1", "K2", "K3", "K4", "K5"]);
        let k1 = &s.shortcomings[0];
        assert_eq!(
            k1.section_title,
            "Показатели, характеризующие открытость и доступность информации об организации социального обслуживания"
        );
        let missing: Vec<(&str, &str)> = k1
            .items
            .iter()
            .filter(|i| i.kind == ShortcomingKind::MissingItem)
            .map(|i| (i.indicator.as_str(), i.item.as_deref().unwrap()))
            .collect();
        assert_eq!(
            missing,
            [
                ("1.1", "complaints_procedure"),
                ("1.1", "independent_assessment"),
                ("1.1", "complaints_procedure"),
                ("1.2", "faq"),
                ("1.2", "quality_opinion"),
                ("1.2", "other_remote"),
            ]
        );
        let site = &k1.items[1];
        assert_eq!(site.list, Some(ListKind::SiteInformation));
        assert!(site.description.starts_with("Официальный сайт"));
        assert!(site.description.contains("результаты независимой оценки"));
        let below = k1.items.iter().find(|i| i.indicator == "1.3").unwrap();
        assert_eq!(below.kind, ShortcomingKind::BelowMaximum);
        assert_eq!(below.points, Some(dec!(95)));
        assert_eq!(below.description, "Показатель 1.3: 95 из 100 баллов");
        // 3.2 is at its cap, 4.2 at 100: not shortcomings.
        let k3: Vec<&str> = s.shortcomings[2]
            .items
            .iter()
            .map(|i| i.indicator.as_str())
            .collect();
        assert_eq!(k3, ["3.1", "3.1", "3.3"]);
        let k4: Vec<&str> = s.shortcomings[3]
            .items
            .iter()
            .map(|i| i.indicator.as_str())
            .collect();
        assert_eq!(k4, ["4.1", "4.3"]);
        // With counts, the missing items cannot be named.
        let mut inputs = example();
        inputs.site_information = Checklist::Counts(ChecklistCounts {
            found: 18,
            required: 20,
        });
        let s = run(&Settings::DEFAULT, &inputs);
        let counted = s.shortcomings[0]
            .items
            .iter()
            .find(|i| i.kind == ShortcomingKind::MissingItems)
            .unwrap();
        assert_eq!(
            counted.description,
            "Официальный сайт организации в сети «Интернет»: размещено 18 из 20 обязательных сведений"
        );
        // A shortfall in a decimal indicator is written the Russian way.
        let mut inputs = example();
        inputs.survey.satisfied_comfort = sc(40, 35);
        let s = run(&Settings::DEFAULT, &inputs);
        let k2 = &s.shortcomings[1];
        assert!(k2
            .items
            .iter()
            .any(|i| i.description == "Показатель 2.3: 87,5 из 100 баллов"));
    }

    #[test]
    fn validation_names_every_bad_field() {
        let mut inputs = example();
        inputs.remote_methods = vec!["telephone".into(), "pigeon".into(), "telephone".into()];
        inputs.stand_information = Checklist::Counts(ChecklistCounts {
            found: 11,
            required: 10,
        });
        inputs.site_information = Checklist::Counts(ChecklistCounts {
            found: 0,
            required: 0,
        });
        inputs.comfort_conditions = vec!["ramps".into()];
        inputs.survey.satisfied_comfort = sc(50, 51);
        inputs.survey.satisfied_staff = sc(51, 1);
        inputs.waiting_time = Some(WaitingTime {
            served_on_time: 3,
            served: 2,
        });
        let errors = validate(m(), &inputs);
        let found: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("stand_information.found", "too_large"),
                ("site_information.required", "range"),
                ("remote_methods[1]", "unknown_code"),
                ("remote_methods[2]", "duplicate"),
                ("comfort_conditions[0]", "unknown_code"),
                ("survey.satisfied_comfort.satisfied", "too_large"),
                ("survey.satisfied_staff.answered", "too_large"),
                ("waiting_time.served_on_time", "too_large"),
            ]
        );
        assert!(errors[2].message.contains("telephone, email"));
        assert!(validate(m(), &example()).is_empty());

        // compute checks the settings too, under `settings.`.
        let settings = with(|s| s.rounding.precision = 9);
        assert_eq!(
            fields(compute(m(), &settings, &example())),
            [("settings.rounding.precision".into(), "range".into())]
        );
        let old = methodology::find("pre-2018-five-criteria").unwrap();
        assert_eq!(
            compute(old, &Settings::DEFAULT, &example()),
            Err(ComputeError::NotComputable("pre-2018-five-criteria".into()))
        );
    }

    #[test]
    fn inputs_read_from_json_with_either_checklist_form() {
        let json = serde_json::json!({
            "stand_information": ["name", "schedule"],
            "site_information": {"found": 18, "required": 20},
            "remote_methods": ["telephone", "email", "faq"],
            "comfort_conditions": [],
            "premises_conditions": ["ramps"],
            "service_conditions": [],
            "survey": {
                "respondents": 50,
                "satisfied_stand_info": {"answered": 40, "satisfied": 38},
                "satisfied_site_info": {"answered": 20, "satisfied": 19},
                "satisfied_comfort": {"answered": 50, "satisfied": 45},
                "satisfied_accessibility": {"answered": 10, "satisfied": 8},
                "satisfied_first_contact": {"answered": 50, "satisfied": 49},
                "satisfied_staff": {"answered": 50, "satisfied": 50},
                "satisfied_remote": {"answered": 20, "satisfied": 19},
                "would_recommend": {"answered": 50, "satisfied": 47},
                "satisfied_organizational": {"answered": 50, "satisfied": 48},
                "satisfied_overall": {"answered": 50, "satisfied": 49}
            }
        });
        let inputs: EvaluationInputs = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(
            inputs.stand_information,
            Checklist::Items(vec!["name".into(), "schedule".into()])
        );
        assert_eq!(inputs.waiting_time, None);
        assert_eq!(serde_json::to_value(&inputs).unwrap(), json);
        let mut unknown = json.clone();
        unknown["color"] = "red".into();
        assert!(serde_json::from_value::<EvaluationInputs>(unknown).is_err());
        let mut missing = json;
        missing.as_object_mut().unwrap().remove("remote_methods");
        assert!(serde_json::from_value::<EvaluationInputs>(missing).is_err());

        // Scores survive a round trip through their stored JSON.
        let scores = run(&Settings::DEFAULT, &example());
        let text = serde_json::to_string(&scores).unwrap();
        assert_eq!(serde_json::from_str::<Scores>(&text).unwrap(), scores);
    }

    // ------------------------------------------------------------------ properties

    fn subset(kind: ListKind, mask: &[bool]) -> Vec<String> {
        m().lists
            .get(kind)
            .iter()
            .zip(mask)
            .filter(|(_, keep)| **keep)
            .map(|(i, _)| i.code.to_owned())
            .collect()
    }

    prop_compose! {
        fn checklist(kind: ListKind)(
            mask in prop::collection::vec(any::<bool>(), 20),
            counts in any::<bool>(),
            found in 0u64..50,
            required in 1u64..50,
        ) -> Checklist {
            if counts {
                Checklist::Counts(ChecklistCounts { found: found % (required + 1), required })
            } else {
                Checklist::Items(subset(kind, &mask))
            }
        }
    }

    prop_compose! {
        fn survey()(respondents in 0u64..300, raw in prop::collection::vec((any::<u16>(), any::<u16>()), 10))
            -> SurveyAggregates {
            let mut s = SurveyAggregates { respondents, ..SurveyAggregates::default() };
            for (q, (a, b)) in SurveyAggregates::COUNTED.into_iter().zip(raw) {
                let answered = u64::from(a) % (respondents + 1);
                let satisfied = u64::from(b) % (answered + 1);
                *s.count_mut(q).unwrap() = SurveyCount { answered, satisfied };
            }
            s
        }
    }

    prop_compose! {
        fn inputs()(
            stand in checklist(ListKind::StandInformation),
            site in checklist(ListKind::SiteInformation),
            masks in prop::collection::vec(prop::collection::vec(any::<bool>(), 7), 4),
            survey in survey(),
            served in 0u64..100,
            on_time in any::<u64>(),
        ) -> EvaluationInputs {
            EvaluationInputs {
                stand_information: stand,
                site_information: site,
                remote_methods: subset(ListKind::RemoteMethods, &masks[0]),
                comfort_conditions: subset(ListKind::ComfortConditions, &masks[1]),
                premises_conditions: subset(ListKind::PremisesConditions, &masks[2]),
                service_conditions: subset(ListKind::ServiceConditions, &masks[3]),
                survey,
                waiting_time: Some(WaitingTime { served_on_time: on_time % (served + 1), served }),
            }
        }
    }

    prop_compose! {
        fn settings()(
            waiting in any::<bool>(),
            pooled in any::<bool>(),
            all in any::<bool>(),
            count_as in prop::option::of(0u32..=10000),
            precision in 0u32..=6,
            even in any::<bool>(),
            stage in 0u8..3,
        ) -> Settings {
            Settings {
                waiting_time_applied: waiting,
                indicator_1_3: if pooled { OneThreeVariant::PooledRespondents } else { OneThreeVariant::PerMedium },
                indicator_4_3: if all { FourThreeVariant::AllRespondents } else { FourThreeVariant::RemoteUsers },
                zero_denominator: match count_as {
                    None => ZeroDenominatorRule::Reweight,
                    Some(hundredths) => ZeroDenominatorRule::CountAs(Decimal::new(hundredths.into(), 2)),
                },
                rounding: Rounding {
                    precision,
                    mode: if even { RoundingMode::HalfEven } else { RoundingMode::HalfUp },
                    stage: [RoundingStage::OutputOnly, RoundingStage::EachIndicator, RoundingStage::EachCriterion][stage as usize],
                },
                region_total: RegionTotal::MeanOfTotals,
            }
        }
    }

    fn within(value: Option<Decimal>) -> bool {
        value.is_none_or(|v| v >= Decimal::ZERO && v <= Decimal::ONE_HUNDRED)
    }

    fn not_lower(before: Option<Decimal>, after: Option<Decimal>) -> bool {
        match (before, after) {
            (Some(b), Some(a)) => a >= b,
            (None, None) => true,
            _ => false,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn every_score_stays_within_0_and_100(inputs in inputs(), settings in settings()) {
            let s = compute(m(), &settings, &inputs).unwrap();
            for c in &s.criteria {
                prop_assert!(within(c.value) && within(c.rounded), "{} {:?}", c.code, c.value);
                for i in &c.indicators {
                    prop_assert!(within(i.value) && within(i.rounded), "{} {:?}", i.code, i.value);
                }
            }
            prop_assert!(within(s.total.value) && within(s.total.rounded));
        }

        #[test]
        fn more_satisfied_never_lowers_a_score(
            inputs in inputs(),
            settings in settings(),
            which in 0usize..10,
            more in 1u64..50,
        ) {
            let question = SurveyAggregates::COUNTED[which];
            let mut better = inputs.clone();
            let count = better.survey.count_mut(question).unwrap();
            count.satisfied = (count.satisfied + more).min(count.answered);
            let before = compute(m(), &settings, &inputs).unwrap();
            let after = compute(m(), &settings, &better).unwrap();
            for (b, a) in before.criteria.iter().zip(&after.criteria) {
                prop_assert!(not_lower(b.value, a.value), "{}", b.code);
                prop_assert!(not_lower(b.rounded, a.rounded), "{}", b.code);
                for (bi, ai) in b.indicators.iter().zip(&a.indicators) {
                    prop_assert!(not_lower(bi.value, ai.value), "{}", bi.code);
                }
            }
            prop_assert!(not_lower(before.total.value, after.total.value));
            prop_assert!(not_lower(before.total.rounded, after.total.rounded));
        }
    }
}

/// The figures of [`Scores`] without traces and shortcomings: what is stored per evaluation and
/// what ratings read. Traces and shortcomings are recomputed from the inputs when asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Results {
    #[schema(value_type = Option<String>, example = "90.72")]
    pub total: Option<Decimal>,
    #[schema(value_type = Option<String>, example = "90.72")]
    pub total_rounded: Option<Decimal>,
    pub criteria: Vec<CriterionResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CriterionResult {
    /// `K1` … `K5`.
    pub code: String,
    #[schema(value_type = Option<String>, example = "92")]
    pub value: Option<Decimal>,
    /// At the cycle's precision, trailing zeros kept ("92.00").
    #[schema(value_type = Option<String>, example = "92.00")]
    pub rounded: Option<Decimal>,
}

impl Scores {
    pub fn results(&self) -> Results {
        Results {
            total: self.total.value,
            total_rounded: self.total.rounded,
            criteria: self
                .criteria
                .iter()
                .map(|c| CriterionResult {
                    code: c.code.clone(),
                    value: c.value,
                    rounded: c.rounded,
                })
                .collect(),
        }
    }
}
