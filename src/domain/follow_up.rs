//! The follow-up of an assessment: the deadlines its decision sets (plans due, reports due,
//! others), and for each assessed organization how far its plan and its report have come and
//! whether they are late on a given day. Late is derived for the day asked, never stored.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::plan::{PlanStatus, ReportStatus};
use super::text;
use crate::domain::FieldError;
use crate::views::limits;
use validator::Validate;

/// The limits of a cycle's deadlines, for their `validator` rules and their schemas alike.
pub const MAX_DEADLINES: u64 = 20;
pub const MAX_TITLE: u64 = 1_000;

/// What a deadline of the cycle is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// Improvement plans submitted to the department.
    PlansDue,
    /// Reports on the plans' execution submitted.
    ReportsDue,
    /// Any other the department sets (publication of plans on the sites, …).
    Other,
}

impl DeadlineKind {
    pub const ALL: [Self; 3] = [Self::PlansDue, Self::ReportsDue, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PlansDue => "plans_due",
            Self::ReportsDue => "reports_due",
            Self::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }

    /// The official wording when the department gives none.
    pub fn default_title(self) -> Option<&'static str> {
        match self {
            Self::PlansDue => Some("Представить планы мероприятий по улучшению качества работы"),
            Self::ReportsDue => Some("Представить информацию о выполнении планов"),
            Self::Other => None,
        }
    }
}

/// One deadline of a cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(as = CycleDeadline, example = json!({"kind": "plans_due", "due_on": "2019-02-10",
    "title": "Разработать планы мероприятий по улучшению качества работы и представить их в курирующие отделы департамента"}))]
pub struct Deadline {
    pub kind: DeadlineKind,
    /// The last day on which it is met.
    pub due_on: NaiveDate,
    /// What is due; for plans and reports the official wording when left out.
    #[serde(default)]
    #[validate(length(min = 1, max = MAX_TITLE), custom(function = text::paragraphs))]
    #[schema(schema_with = deadline_title, required = false)]
    pub title: Option<String>,
}

/// The schema of a deadline's `title`: the limit above, and the description `schema_with`
/// would drop from the field's doc.
fn deadline_title() -> utoipa::openapi::schema::Object {
    let mut schema = limits::nullable_text::<1, MAX_TITLE>();
    schema.description =
        Some("What is due; for plans and reports the official wording when left out.".into());
    schema
}

/// A cycle's deadlines as their rules see them.
#[derive(validator::Validate)]
struct Deadlines<'a> {
    #[validate(length(max = MAX_DEADLINES), nested)]
    deadlines: &'a Vec<Deadline>,
}

/// Checks a cycle's deadlines: at most [`MAX_DEADLINES`], one of each of plans and reports at
/// most, a title for the others; fills the default titles and trims them.
pub fn check_deadlines(deadlines: &mut Vec<Deadline>) -> Vec<FieldError> {
    if deadlines.len() as u64 > MAX_DEADLINES {
        return FieldError::broken_rules(&Deadlines { deadlines });
    }
    let mut errors = Vec::new();
    for kind in [DeadlineKind::PlansDue, DeadlineKind::ReportsDue] {
        if deadlines.iter().filter(|d| d.kind == kind).count() > 1 {
            errors.push(FieldError::new(
                "deadlines",
                "duplicate",
                format!("has more than one `{}` deadline", kind.as_str()),
            ));
        }
    }
    for (i, deadline) in deadlines.iter_mut().enumerate() {
        match (&mut deadline.title, deadline.kind.default_title()) {
            (None, Some(title)) => deadline.title = Some(title.to_owned()),
            (None, None) => errors.push(FieldError::new(
                format!("deadlines[{i}].title"),
                "required",
                "must say what is due for a deadline of kind `other`",
            )),
            (Some(title), _) => text::trim(title),
        }
    }
    errors.extend(FieldError::broken_rules(&Deadlines { deadlines }));
    errors
}

/// The date a kind of deadline falls on, if the cycle sets it.
pub fn due_on(deadlines: &[Deadline], kind: DeadlineKind) -> Option<NaiveDate> {
    deadlines.iter().find(|d| d.kind == kind).map(|d| d.due_on)
}

/// How far an organization's plan has come, as the follow-up shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanProgress {
    None,
    Draft,
    Submitted,
    Approved,
    Published,
}

impl PlanProgress {
    pub const ALL: [Self; 5] = [
        Self::None,
        Self::Draft,
        Self::Submitted,
        Self::Approved,
        Self::Published,
    ];

    /// A closed plan was published before it was closed.
    pub fn of(status: Option<PlanStatus>) -> Self {
        match status {
            None => Self::None,
            Some(PlanStatus::Draft) => Self::Draft,
            Some(PlanStatus::Submitted) => Self::Submitted,
            Some(PlanStatus::Approved) => Self::Approved,
            Some(PlanStatus::Published | PlanStatus::Closed) => Self::Published,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Published => "published",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Handed in to the department: what the plans' deadline asks.
    pub fn handed_in(self) -> bool {
        !matches!(self, Self::None | Self::Draft)
    }

    /// The official wording in exports.
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "не представлен",
            Self::Draft => "в работе",
            Self::Submitted => "представлен",
            Self::Approved => "утвержден",
            Self::Published => "размещен",
        }
    }
}

/// How far an organization's report on its plan has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportProgress {
    None,
    Draft,
    Submitted,
    Accepted,
}

impl ReportProgress {
    pub const ALL: [Self; 4] = [Self::None, Self::Draft, Self::Submitted, Self::Accepted];

    pub fn of(status: Option<ReportStatus>) -> Self {
        match status {
            None => Self::None,
            Some(ReportStatus::Draft) => Self::Draft,
            Some(ReportStatus::Submitted) => Self::Submitted,
            Some(ReportStatus::Accepted) => Self::Accepted,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn handed_in(self) -> bool {
        !matches!(self, Self::None | Self::Draft)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::None => "не представлен",
            Self::Draft => "в работе",
            Self::Submitted => "представлен",
            Self::Accepted => "принят",
        }
    }
}

/// Late on `as_of`: the deadline has passed (it is met through its day) and what it asks is not
/// handed in. Without a deadline nothing is late.
pub fn late(handed_in: bool, due_on: Option<NaiveDate>, as_of: NaiveDate) -> bool {
    !handed_in && due_on.is_some_and(|due| as_of > due)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn late_is_after_the_due_day_for_what_is_not_handed_in() {
        let due = Some(day(2019, 2, 10));
        assert!(!late(false, due, day(2019, 2, 10)));
        assert!(late(false, due, day(2019, 2, 11)));
        assert!(!late(true, due, day(2019, 2, 11)));
        assert!(!late(false, None, day(2030, 1, 1)));
        assert!(late(PlanProgress::Draft.handed_in(), due, day(2019, 3, 1)));
        assert!(!late(
            PlanProgress::of(Some(PlanStatus::Closed)).handed_in(),
            due,
            day(2019, 3, 1)
        ));
        assert!(late(
            ReportProgress::None.handed_in(),
            Some(day(2019, 12, 1)),
            day(2019, 12, 2)
        ));
    }

    #[test]
    fn deadlines_take_official_titles_and_one_of_each_kind() {
        let mut deadlines = vec![
            Deadline {
                kind: DeadlineKind::PlansDue,
                due_on: day(2019, 2, 10),
                title: None,
            },
            Deadline {
                kind: DeadlineKind::Other,
                due_on: day(2019, 3, 1),
                title: None,
            },
            Deadline {
                kind: DeadlineKind::PlansDue,
                due_on: day(2019, 2, 11),
                title: Some(" Планы ".into()),
            },
        ];
        let fields: Vec<String> = check_deadlines(&mut deadlines)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["deadlines", "deadlines[1].title"]);
        assert!(deadlines[0]
            .title
            .as_deref()
            .unwrap()
            .starts_with("Представить планы"));
        assert_eq!(deadlines[2].title.as_deref(), Some("Планы"));
        assert_eq!(
            due_on(&deadlines, DeadlineKind::PlansDue),
            Some(day(2019, 2, 10))
        );
    }
}
