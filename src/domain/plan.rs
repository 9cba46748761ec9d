//! Improvement plans (ПП РФ № 457 form), their measures and the reports on their execution:
//! status machines, the checks of what people type, and the figures derived from the measures
//! (overdue, completion). Overdue is derived from the deadline and a date given by the caller,
//! never stored.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::deadline::Deadline;
pub use super::figure::Figure;
use super::methodology::Methodology;
use super::plan_form::{ApprovalBlock, CriteriaSet, Executor};
use super::status::StatusMachine;
use super::text;
use super::variants::variant_names;
use crate::domain::FieldError;
use crate::views::limits;
use validator::Validate;

/// Where a plan stands: `draft → submitted → approved → published → closed`; a submitted plan
/// can go back to `draft` for rework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Draft,
    Submitted,
    Approved,
    Published,
    Closed,
}

impl PlanStatus {
    pub const ALL: [Self; 5] = [
        Self::Draft,
        Self::Submitted,
        Self::Approved,
        Self::Published,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Published => "published",
            Self::Closed => "closed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// The plan's content (sections, measures, header) changes only while it is drafted.
    pub fn editable(self) -> bool {
        self == Self::Draft
    }

    /// Measures are carried out (their status moves) once the plan is approved.
    pub fn in_force(self) -> bool {
        matches!(self, Self::Approved | Self::Published)
    }

    /// Anonymous readers see published plans, and closed ones (which were published).
    pub fn public(self) -> bool {
        matches!(self, Self::Published | Self::Closed)
    }
}

impl StatusMachine for PlanStatus {
    const SUBJECT: &'static str = "plan";
    const MOVES: &'static [(Self, Self)] = &[
        (Self::Draft, Self::Submitted),
        (Self::Submitted, Self::Draft),
        (Self::Submitted, Self::Approved),
        (Self::Approved, Self::Published),
        (Self::Published, Self::Closed),
    ];

    fn name(self) -> &'static str {
        self.as_str()
    }
}

/// How far a measure has come. `overdue` is not a status: it is derived from the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    Planned,
    InProgress,
    Done,
    Cancelled,
}

impl MeasureStatus {
    pub const ALL: [Self; 4] = [Self::Planned, Self::InProgress, Self::Done, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn open(self) -> bool {
        matches!(self, Self::Planned | Self::InProgress)
    }
}

/// A measure not done (nor cancelled) whose deadline passed before `today`.
pub fn overdue(
    status: MeasureStatus,
    deadline: &Deadline,
    today: NaiveDate,
    plan_year: i32,
) -> bool {
    status.open() && deadline.is_overdue(today, Some(plan_year))
}

/// Measures of a plan by state, and the share done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Completion {
    pub measures: u64,
    pub done: u64,
    pub cancelled: u64,
    pub overdue: u64,
    /// Done as a percentage of the measures not cancelled, two decimals; `null` without any.
    #[schema(value_type = Option<String>, example = "45.45")]
    pub percent: Option<Decimal>,
}

impl Completion {
    pub fn add(&mut self, status: MeasureStatus, overdue: bool) {
        self.measures += 1;
        self.done += u64::from(status == MeasureStatus::Done);
        self.cancelled += u64::from(status == MeasureStatus::Cancelled);
        self.overdue += u64::from(overdue);
        self.percent = self.done_percent();
    }

    pub fn merge(&mut self, other: &Completion) {
        self.measures += other.measures;
        self.done += other.done;
        self.cancelled += other.cancelled;
        self.overdue += other.overdue;
        self.percent = self.done_percent();
    }

    fn done_percent(&self) -> Option<Decimal> {
        super::rating::percent(self.done, self.measures - self.cancelled)
    }
}

/// The criteria set a methodology's sections follow, for reading plan tables.
pub fn criteria_set(methodology: &Methodology) -> CriteriaSet {
    if methodology.id.starts_with("pre-2018") {
        CriteriaSet::Pre2018
    } else {
        CriteriaSet::Mintrud2018
    }
}

/// The limits of a measure's texts and executors, for their `validator` rules and their
/// schemas alike.
pub const TEXT_MAX: u64 = 10_000;
pub const SHORT_MAX: u64 = 1_000;
pub const NUMBER_MAX: u64 = 50;
pub const EXECUTORS_MAX: u64 = 100;
pub const EXECUTOR_NAME_MAX: u64 = SHORT_MAX;

/// The fields of a measure as people write them.
#[derive(Debug, Clone, PartialEq, Eq, Default, validator::Validate)]
pub struct MeasureText {
    #[validate(length(min = 1, max = NUMBER_MAX), custom(function = text::one_line))]
    pub number: Option<String>,
    #[validate(length(min = 1, max = TEXT_MAX), custom(function = text::paragraphs))]
    pub shortcoming: Option<String>,
    #[validate(length(min = 1, max = TEXT_MAX), custom(function = text::paragraphs))]
    pub title: String,
    #[validate(length(min = 1, max = TEXT_MAX), custom(function = text::paragraphs))]
    pub basis: Option<String>,
    /// Empty: no deadline.
    #[validate(length(max = SHORT_MAX), custom(function = text::paragraphs))]
    pub deadline: String,
    #[validate(length(max = EXECUTORS_MAX, code = "too_many"))]
    pub executors: Vec<Executor>,
    #[validate(length(min = 1, max = TEXT_MAX), custom(function = text::paragraphs))]
    pub expected_result: Option<String>,
    #[validate(length(min = 1, max = TEXT_MAX), custom(function = text::paragraphs))]
    pub result_indicators: Option<String>,
    #[validate(length(min = 1, max = TEXT_MAX), custom(function = text::paragraphs))]
    pub information_source: Option<String>,
}

/// Checks (and trims) a measure's fields; `prefix` is its path in the request
/// (`sections[0].measures[2].`).
pub fn check_measure(m: &mut MeasureText, prefix: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let field = |name: &str| format!("{prefix}{name}");
    text::trim(&mut m.title);
    text::trim(&mut m.deadline);
    for value in [
        &mut m.number,
        &mut m.shortcoming,
        &mut m.basis,
        &mut m.expected_result,
        &mut m.result_indicators,
        &mut m.information_source,
    ]
    .into_iter()
    .flatten()
    {
        text::trim(value);
    }
    // A measure may have no deadline (seed 004): kept empty, "без срока" in the form.
    errors.extend(FieldError::broken_rules(&*m).into_iter().map(|mut error| {
        error.field = field(&error.field);
        error
    }));
    for (i, executor) in m.executors.iter_mut().enumerate() {
        let at = format!("{prefix}executors[{i}].");
        let fields = match executor {
            Executor::Person {
                full_name,
                position,
            } => {
                text::trim(full_name);
                position.iter_mut().for_each(text::trim);
                ExecutorFields {
                    full_name: Some(full_name.as_str()),
                    position: position.as_deref(),
                    name: None,
                }
            }
            Executor::Institution { name } => {
                text::trim(name);
                ExecutorFields {
                    full_name: None,
                    position: None,
                    name: Some(name.as_str()),
                }
            }
        };
        errors.extend(prefixed(&at, FieldError::broken_rules(&fields)));
    }
    errors
}

/// An executor's texts as their rules see them: a person's name and position, or an
/// institution's name.
#[derive(validator::Validate)]
struct ExecutorFields<'a> {
    #[validate(length(min = 1, max = FULL_NAME_MAX), custom(function = text::one_line))]
    full_name: Option<&'a str>,
    #[validate(length(min = 1, max = POSITION_MAX), custom(function = text::one_line))]
    position: Option<&'a str>,
    #[validate(length(min = 1, max = EXECUTOR_NAME_MAX), custom(function = text::one_line))]
    name: Option<&'a str>,
}

/// The limits of a plan's header, its approval and a report's signatory, for their `validator`
/// rules and their schemas alike.
pub const PLAN_TITLE_MAX: u64 = 2_000;
pub const HEADING_MAX: u64 = 2_000;
pub const POSITION_MAX: u64 = SHORT_MAX;
pub const FULL_NAME_MAX: u64 = 300;
pub const DOCUMENT_NUMBER_MAX: u64 = 100;
pub const DECISION_TITLE_MAX: u64 = SHORT_MAX;

/// A plan's header as its rules see it, whether a new plan's or a patch's result.
#[derive(validator::Validate)]
pub struct Header<'a> {
    #[validate(range(min = super::cycle::FIRST_YEAR, max = super::cycle::LAST_YEAR))]
    pub year: i32,
    #[validate(length(min = 1, max = PLAN_TITLE_MAX), custom(function = text::paragraphs))]
    pub title: &'a str,
    #[validate(length(min = 1, max = TEXT_MAX), custom(function = text::paragraphs))]
    pub basis: Option<&'a str>,
    #[validate(nested)]
    pub approval: Option<&'a ApprovalBlock>,
    #[validate(nested)]
    pub approval_decision: Option<&'a ApprovalDecision>,
}

/// Trims a plan's header texts in place, as they are stored, and checks them by their rules;
/// problems are named by their path in the body (`approval.full_name`).
pub fn check_header(
    year: i32,
    title: &mut String,
    basis: &mut Option<String>,
    mut approval: Option<&mut ApprovalBlock>,
    mut decision: Option<&mut ApprovalDecision>,
) -> Vec<FieldError> {
    text::trim(title);
    if let Some(basis) = basis.as_mut() {
        text::trim(basis);
    }
    if let Some(approval) = approval.as_deref_mut() {
        approval.trim();
    }
    if let Some(decision) = decision.as_deref_mut() {
        text::trim(&mut decision.title);
        if let Some(number) = decision.number.as_mut() {
            text::trim(number);
        }
    }
    FieldError::broken_rules(&Header {
        year,
        title,
        basis: basis.as_deref(),
        approval: approval.as_deref(),
        approval_decision: decision.as_deref(),
    })
}

/// A section's heading as its rule sees it.
#[derive(validator::Validate)]
struct Heading<'a> {
    #[validate(length(min = 1, max = HEADING_MAX), custom(function = text::paragraphs))]
    heading: &'a str,
}

/// Trims a section's heading and checks it; `prefix` is the section's path (`sections[0].`).
pub fn check_heading(heading: &mut String, prefix: &str) -> Vec<FieldError> {
    text::trim(heading);
    prefixed(prefix, FieldError::broken_rules(&Heading { heading }))
}

/// Errors of a nested value, named by their path in the body.
fn prefixed(prefix: &str, errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut error| {
            error.field = format!("{prefix}{}", error.field);
            error
        })
        .collect()
}

/// The authority's decision that approved a plan without an «УТВЕРЖДАЮ» block: an order
/// (приказ, распоряжение) by its title, number and date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(as = PlanApprovalDecision, example = json!({"title": "Приказ Управления социальной политики № 24 «Об утверждении плана мероприятий»", "number": "112", "date": "2024-01-15"}))]
pub struct ApprovalDecision {
    /// The document as its heading reads.
    #[validate(length(min = 1, max = DECISION_TITLE_MAX), custom(function = text::paragraphs))]
    #[schema(schema_with = decision_title)]
    pub title: String,
    #[serde(default)]
    #[validate(length(min = 1, max = DOCUMENT_NUMBER_MAX), custom(function = text::one_line))]
    #[schema(schema_with = limits::nullable_text::<1, DOCUMENT_NUMBER_MAX>, required = false)]
    pub number: Option<String>,
    #[serde(default)]
    pub date: Option<NaiveDate>,
}

/// The schema of a decision's `title`: the limit above, and the description `schema_with`
/// would drop from the field's doc.
fn decision_title() -> utoipa::openapi::schema::Object {
    let mut schema = limits::text::<1, DECISION_TITLE_MAX>();
    schema.description = Some("The document as its heading reads.".into());
    schema
}

/// Who signed a report: «Директор В.М.Зуева», and the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"position": "Директор", "full_name": "В.М.Зуева", "date": "2025-01-20"}))]
pub struct Signatory {
    #[validate(length(min = 1, max = POSITION_MAX), custom(function = text::one_line))]
    #[schema(schema_with = limits::text::<1, POSITION_MAX>)]
    pub position: String,
    #[validate(length(min = 1, max = FULL_NAME_MAX), custom(function = text::one_line))]
    #[schema(schema_with = limits::text::<1, FULL_NAME_MAX>)]
    pub full_name: String,
    #[serde(default)]
    pub date: Option<NaiveDate>,
}

impl Signatory {
    /// Trims its texts, as they are stored; the rules then see what would be kept.
    pub fn trim(&mut self) {
        text::trim(&mut self.position);
        text::trim(&mut self.full_name);
    }
}

/// The period a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Year,
    HalfYear,
    Quarter,
}

variant_names!(PeriodKind {
    Year => "year",
    HalfYear => "half_year",
    Quarter => "quarter",
});

impl PeriodKind {
    /// How many periods of this kind a year has.
    pub fn per_year(self) -> i32 {
        match self {
            Self::Year => 1,
            Self::HalfYear => 2,
            Self::Quarter => 4,
        }
    }

    /// The number must be a period of the year: 1 for a year, 1–2, 1–4.
    pub fn valid_number(self, number: i32) -> bool {
        (1..=self.per_year()).contains(&number)
    }

    /// The last day of the period; `None` for a number out of range.
    pub fn end(self, year: i32, number: i32) -> Option<NaiveDate> {
        if !self.valid_number(number) {
            return None;
        }
        let month = u32::try_from(number * 12 / self.per_year()).ok()?;
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        next.pred_opt()
    }

    /// «за 2024 год», «за 1 полугодие 2024 года», «за 3 квартал 2024 года».
    pub fn official_name(self, year: i32, number: i32) -> String {
        match self {
            Self::Year => format!("за {year} год"),
            Self::HalfYear => format!("за {number} полугодие {year} года"),
            Self::Quarter => format!("за {number} квартал {year} года"),
        }
    }
}

/// Where a report stands: `draft → submitted → accepted` (by the authority); a submitted report
/// can go back to `draft`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Draft,
    Submitted,
    Accepted,
}

impl ReportStatus {
    pub const ALL: [Self; 3] = [Self::Draft, Self::Submitted, Self::Accepted];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

impl StatusMachine for ReportStatus {
    const SUBJECT: &'static str = "report";
    const MOVES: &'static [(Self, Self)] = &[
        (Self::Draft, Self::Submitted),
        (Self::Submitted, Self::Accepted),
    ];

    fn name(self) -> &'static str {
        self.as_str()
    }
}

/// The limits of a report entry's lists and links, for their `validator` rules and their
/// schemas alike.
pub const FIGURES_MAX: u64 = 100;
pub const LINKS_MAX: u64 = 50;
pub const LINK_MAX: u64 = 2_000;

/// A report entry's figures and links as their rules see them.
#[derive(validator::Validate)]
struct EntryLists<'a> {
    #[validate(length(max = FIGURES_MAX, code = "too_many"), nested)]
    figures: &'a Vec<Figure>,
    #[validate(length(max = LINKS_MAX, code = "too_many"))]
    evidence: &'a Vec<String>,
}

/// One link to evidence as its rules see it.
#[derive(validator::Validate)]
struct EvidenceLink<'a> {
    #[validate(length(min = 1, max = LINK_MAX), custom(function = http_link))]
    link: &'a str,
}

/// The `validator` rule of an evidence link: one line, http or https.
pub fn http_link(link: &str) -> Result<(), validator::ValidationError> {
    text::one_line(link)?;
    if link.starts_with("https://") || link.starts_with("http://") {
        Ok(())
    } else {
        Err(validator::ValidationError::new("format")
            .with_message("must be an http(s) link".into()))
    }
}

/// Checks a report entry's figures (settling their written and structured forms) and
/// evidence links, trimmed in place first.
pub fn check_entry(figures: &mut Vec<Figure>, evidence: &mut Vec<String>) -> Vec<FieldError> {
    let mut settled = Vec::new();
    for (i, figure) in figures.iter_mut().enumerate() {
        figure.trim();
        settled.extend(figure.settle(&format!("figures[{i}].")));
    }
    evidence.iter_mut().for_each(text::trim);
    let mut errors = FieldError::broken_rules(&EntryLists { figures, evidence });
    errors.extend(settled);
    for (i, link) in evidence.iter().enumerate() {
        errors.extend(prefixed(
            &format!("evidence[{i}]"),
            FieldError::broken_rules(&EvidenceLink { link })
                .into_iter()
                .map(|mut error| {
                    error.field.clear();
                    error
                })
                .collect(),
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::deadline;
    use rust_decimal_macros::dec;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn plans_move_forward_and_back_only_from_submitted() {
        use PlanStatus::*;
        for window in PlanStatus::ALL.windows(2) {
            assert!(window[0].can_become(window[1]));
        }
        assert!(Submitted.can_become(Draft));
        assert!(!Approved.can_become(Draft));
        assert!(!Draft.can_become(Approved));
        assert!(Draft.editable() && !Submitted.editable());
        assert!(Published.public() && Closed.public() && !Approved.public());
    }

    #[test]
    fn overdue_is_derived_from_the_deadline_the_status_and_the_day() {
        let by_end_of_2017 = deadline::parse("до 31.12.2017");
        let always = deadline::parse("постоянно");
        assert!(!overdue(
            MeasureStatus::Planned,
            &by_end_of_2017,
            day(2017, 12, 31),
            2017
        ));
        assert!(overdue(
            MeasureStatus::InProgress,
            &by_end_of_2017,
            day(2018, 1, 1),
            2017
        ));
        assert!(!overdue(
            MeasureStatus::Done,
            &by_end_of_2017,
            day(2018, 1, 1),
            2017
        ));
        assert!(!overdue(
            MeasureStatus::Cancelled,
            &by_end_of_2017,
            day(2019, 1, 1),
            2017
        ));
        assert!(!overdue(
            MeasureStatus::Planned,
            &always,
            day(2030, 1, 1),
            2017
        ));
        let fourth_quarter = deadline::parse("IV квартал");
        assert!(overdue(
            MeasureStatus::Planned,
            &fourth_quarter,
            day(2018, 1, 1),
            2017
        ));
        assert!(!overdue(
            MeasureStatus::Planned,
            &fourth_quarter,
            day(2018, 1, 1),
            2018
        ));
    }

    #[test]
    fn completion_counts_done_among_the_measures_not_cancelled() {
        let mut c = Completion::default();
        assert_eq!(c.percent, None);
        c.add(MeasureStatus::Done, false);
        c.add(MeasureStatus::Planned, true);
        c.add(MeasureStatus::Cancelled, false);
        c.add(MeasureStatus::InProgress, false);
        assert_eq!((c.measures, c.done, c.cancelled, c.overdue), (4, 1, 1, 1));
        assert_eq!(c.percent, Some(dec!(33.33)));
        let mut total = Completion::default();
        total.merge(&c);
        total.merge(&c);
        assert_eq!(
            (total.measures, total.done, total.percent),
            (8, 2, Some(dec!(33.33)))
        );
    }

    #[test]
    fn measures_and_entries_are_checked_field_by_field() {
        let mut m = MeasureText {
            title: " Обновление информации на стендах ".into(),
            deadline: "постоянно".into(),
            executors: vec![
                Executor::Institution { name: " ".into() },
                Executor::Person {
                    full_name: "Иванова М.П.".into(),
                    position: Some("директор".into()),
                },
            ],
            ..MeasureText::default()
        };
        let errors = check_measure(&mut m, "measures[0].");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["measures[0].executors[0].name"]);
        assert_eq!(m.title, "Обновление информации на стендах");
        let mut empty = MeasureText::default();
        let errors = check_measure(&mut empty, "");
        assert_eq!(errors.len(), 1, "a measure without a deadline is kept");
        assert_eq!(errors[0].field, "title");
        let mut figures = vec![Figure {
            name: "Опрошено".into(),
            value: Some(dec!(719)),
            unit: Some("чел.".into()),
            ..Figure::default()
        }];
        let mut links = vec!["ftp://x".to_owned()];
        let errors = check_entry(&mut figures, &mut links);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "evidence[0]");
    }

    #[test]
    fn periods_have_official_names() {
        assert_eq!(PeriodKind::Year.official_name(2024, 1), "за 2024 год");
        assert_eq!(
            PeriodKind::Quarter.official_name(2024, 3),
            "за 3 квартал 2024 года"
        );
        assert_eq!(PeriodKind::HalfYear.per_year(), 2);
        assert_eq!(PeriodKind::HalfYear.end(2024, 1), Some(day(2024, 6, 30)));
        assert_eq!(PeriodKind::Quarter.end(2024, 1), Some(day(2024, 3, 31)));
        assert_eq!(PeriodKind::Year.end(2024, 1), Some(day(2024, 12, 31)));
        assert_eq!(PeriodKind::Quarter.end(2024, 5), None);
    }
}
