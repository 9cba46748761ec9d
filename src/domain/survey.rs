//! The survey of service recipients: the questionnaire as data, yes/no answers read from CSV
//! cells, individual responses (stored compactly, without personal data) and their aggregation
//! into the counts the scoring engine uses.
//!
//! Conditional logic: four satisfaction questions are asked only of respondents a filter question
//! selects (stand users, site users, people with a disability, users of remote interaction). A
//! response that answers such a question while its filter is not "yes" is rejected, not silently
//! dropped: the answer would either be lost or put the respondent in the wrong denominator, and
//! the operator is the one who can tell which.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::FieldError;

/// A question of the questionnaire, in questionnaire order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    UsedStands,
    SatisfiedStandInfo,
    UsedSite,
    SatisfiedSiteInfo,
    SatisfiedComfort,
    HasDisability,
    SatisfiedAccessibility,
    SatisfiedFirstContact,
    SatisfiedStaff,
    UsedRemote,
    SatisfiedRemote,
    WouldRecommend,
    SatisfiedOrganizational,
    SatisfiedOverall,
    /// Asked only where indicator 2.2 (waiting time) applies.
    ServedOnTime,
}

/// One question as data: its CSV column, its wording for respondents, and who is asked it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuestionSpec {
    pub question: Question,
    /// Stable column code in CSV headers and JSON.
    pub code: &'static str,
    /// Wording put to respondents.
    pub text: &'static str,
    /// The question that must be answered "yes" for this one to apply.
    pub filter: Option<Question>,
    /// Whether a CSV header must have this column (the waiting-time question is optional).
    pub required_column: bool,
}

const fn q(
    question: Question,
    code: &'static str,
    filter: Option<Question>,
    text: &'static str,
) -> QuestionSpec {
    QuestionSpec {
        question,
        code,
        text,
        filter,
        required_column: !matches!(question, Question::ServedOnTime),
    }
}

/// Number of questions; also the length of a compact response string.
pub const QUESTION_COUNT: usize = 15;

/// The questionnaire, in the order of METHODOLOGY.md (the waiting-time question last).
pub static QUESTIONNAIRE: [QuestionSpec; QUESTION_COUNT] = [
    q(Question::UsedStands, "used_stands", None,
      "Обращались ли Вы к информации о деятельности организации социального обслуживания, размещённой на информационных стендах в помещении организации?"),
    q(Question::SatisfiedStandInfo, "satisfied_stand_info", Some(Question::UsedStands),
      "Удовлетворены ли Вы открытостью, полнотой и доступностью информации о деятельности организации социального обслуживания, размещённой на информационных стендах в помещении организации?"),
    q(Question::UsedSite, "used_site", None,
      "Пользовались ли Вы официальным сайтом организации социального обслуживания, чтобы получить информацию о её деятельности?"),
    q(Question::SatisfiedSiteInfo, "satisfied_site_info", Some(Question::UsedSite),
      "Удовлетворены ли Вы открытостью, полнотой и доступностью информации о деятельности организации социального обслуживания, размещённой на её официальном сайте в сети «Интернет»?"),
    q(Question::SatisfiedComfort, "satisfied_comfort", None,
      "Удовлетворены ли Вы комфортностью условий предоставления услуг в организации социального обслуживания?"),
    q(Question::HasDisability, "has_disability", None,
      "Имеете ли Вы (или лицо, представителем которого Вы являетесь) установленную группу инвалидности?"),
    q(Question::SatisfiedAccessibility, "satisfied_accessibility", Some(Question::HasDisability),
      "Удовлетворены ли Вы доступностью предоставления услуг для инвалидов в организации социального обслуживания?"),
    q(Question::SatisfiedFirstContact, "satisfied_first_contact", None,
      "Удовлетворены ли Вы доброжелательностью, вежливостью работников организации социального обслуживания, обеспечивающих первичный контакт и информирование получателя услуги при непосредственном обращении в организацию?"),
    q(Question::SatisfiedStaff, "satisfied_staff", None,
      "Удовлетворены ли Вы доброжелательностью, вежливостью работников организации социального обслуживания, обеспечивающих непосредственное оказание услуги при обращении в организацию?"),
    q(Question::UsedRemote, "used_remote", None,
      "Пользовались ли Вы дистанционными способами взаимодействия с организацией социального обслуживания (телефон, электронная почта, электронные сервисы, раздел «Часто задаваемые вопросы», анкета на сайте и прочие)?"),
    q(Question::SatisfiedRemote, "satisfied_remote", Some(Question::UsedRemote),
      "Удовлетворены ли Вы доброжелательностью, вежливостью работников организации социального обслуживания при использовании дистанционных форм взаимодействия?"),
    q(Question::WouldRecommend, "would_recommend", None,
      "Готовы ли Вы рекомендовать организацию социального обслуживания родственникам и знакомым (могли бы Вы её рекомендовать, если бы была возможность выбора организации)?"),
    q(Question::SatisfiedOrganizational, "satisfied_organizational", None,
      "Удовлетворены ли Вы организационными условиями предоставления услуг (наличием и понятностью навигации внутри организации, графиком работы)?"),
    q(Question::SatisfiedOverall, "satisfied_overall", None,
      "Удовлетворены ли Вы в целом условиями оказания услуг в организации социального обслуживания?"),
    q(Question::ServedOnTime, "served_on_time", None,
      "Была ли услуга предоставлена Вам своевременно (в соответствии с записью на приём к специалисту, графиком прихода социального работника на дом и пр.)?"),
];

impl Question {
    pub const ALL: [Question; QUESTION_COUNT] = [
        Self::UsedStands,
        Self::SatisfiedStandInfo,
        Self::UsedSite,
        Self::SatisfiedSiteInfo,
        Self::SatisfiedComfort,
        Self::HasDisability,
        Self::SatisfiedAccessibility,
        Self::SatisfiedFirstContact,
        Self::SatisfiedStaff,
        Self::UsedRemote,
        Self::SatisfiedRemote,
        Self::WouldRecommend,
        Self::SatisfiedOrganizational,
        Self::SatisfiedOverall,
        Self::ServedOnTime,
    ];

    /// Position in the questionnaire (and in a compact response string).
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn spec(self) -> &'static QuestionSpec {
        &QUESTIONNAIRE[self.index()]
    }

    pub fn code(self) -> &'static str {
        self.spec().code
    }

    pub fn text(self) -> &'static str {
        self.spec().text
    }

    pub fn filter(self) -> Option<Question> {
        self.spec().filter
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.code() == code)
    }
}

/// One yes/no answer; `Blank` when the respondent left it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Yes,
    No,
    #[default]
    Blank,
}

impl Answer {
    /// Reads a CSV cell: `yes/no/да/нет/1/0/true/false`, trimmed, any case; empty is `Blank`.
    pub fn parse(cell: &str) -> Result<Self, String> {
        // The spellings files actually use, without allocating; anything else is folded.
        match cell {
            "" => return Ok(Self::Blank),
            "yes" | "да" | "1" | "true" | "Yes" | "Да" => return Ok(Self::Yes),
            "no" | "нет" | "0" | "false" | "No" | "Нет" => return Ok(Self::No),
            _ => {}
        }
        let folded = cell.trim().to_lowercase();
        match folded.as_str() {
            "" => Ok(Self::Blank),
            "yes" | "да" | "1" | "true" => Ok(Self::Yes),
            "no" | "нет" | "0" | "false" => Ok(Self::No),
            _ => Err(format!(
                "«{}» is not an answer: use yes/no, да/нет, 1/0, true/false or leave it empty",
                cell.trim()
            )),
        }
    }

    fn to_char(self) -> char {
        match self {
            Self::Yes => 'Y',
            Self::No => 'N',
            Self::Blank => '-',
        }
    }

    fn from_char(c: char) -> Option<Self> {
        match c {
            'Y' => Some(Self::Yes),
            'N' => Some(Self::No),
            '-' => Some(Self::Blank),
            _ => None,
        }
    }
}

/// A problem with one cell, one column or a whole row of survey data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CellError {
    /// The column (as written in the header, or the question code); absent for row-level errors.
    pub column: Option<String>,
    /// Stable machine code: `unknown_column`, `missing_column`, `duplicate_column`, `format`,
    /// `not_applicable`, `cell_count`.
    pub code: String,
    pub message: String,
}

impl CellError {
    /// A problem with a whole row.
    pub fn row(code: &str, message: impl Into<String>) -> Self {
        Self::new(None, code, message)
    }

    /// A problem with one column.
    pub fn column(column: &str, code: &str, message: impl Into<String>) -> Self {
        Self::new(Some(column), code, message)
    }

    fn new(column: Option<&str>, code: &str, message: impl Into<String>) -> Self {
        Self {
            column: column.map(str::to_owned),
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// As a validation error of the API, under `prefix` (e.g. `responses[12]` or `header`).
    pub fn to_field_error(&self, prefix: &str) -> FieldError {
        let field = match &self.column {
            Some(column) if !prefix.is_empty() => format!("{prefix}.{column}"),
            Some(column) => column.clone(),
            None => prefix.to_owned(),
        };
        FieldError::new(field, &self.code, self.message.clone())
    }
}

/// One respondent's answers, indexed by question; holds no personal data.
///
/// Always consistent: a question whose filter is not "yes" is blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Response {
    answers: [Answer; QUESTION_COUNT],
}

impl Response {
    /// Checks the conditional logic and builds the response, or names every offending answer.
    pub fn new(answers: [Answer; QUESTION_COUNT]) -> Result<Self, Vec<CellError>> {
        let errors: Vec<CellError> = Question::ALL
            .into_iter()
            .filter_map(|question| {
                let filter = question.filter()?;
                let own = answers[question.index()];
                let gate = answers[filter.index()];
                (own != Answer::Blank && gate != Answer::Yes).then(|| {
                    CellError::new(
                        Some(question.code()),
                        "not_applicable",
                        format!(
                            "{} applies only when {} is yes (it is {}); leave it empty or correct {}",
                            question.code(),
                            filter.code(),
                            match gate {
                                Answer::No => "no",
                                _ => "empty",
                            },
                            filter.code()
                        ),
                    )
                })
            })
            .collect();
        if errors.is_empty() {
            Ok(Self { answers })
        } else {
            Err(errors)
        }
    }

    pub fn answer(&self, question: Question) -> Answer {
        self.answers[question.index()]
    }

    pub fn answers(&self) -> &[Answer; QUESTION_COUNT] {
        &self.answers
    }

    /// One character per question in questionnaire order: `Y`, `N` or `-` (blank), e.g.
    /// `YYYNY-----YYYY-`. Fits one text column.
    pub fn to_compact_string(&self) -> String {
        self.answers.iter().map(|a| a.to_char()).collect()
    }

    pub fn from_compact_string(value: &str) -> Result<Self, Vec<CellError>> {
        let chars: Vec<char> = value.chars().collect();
        if chars.len() != QUESTION_COUNT {
            return Err(vec![CellError::new(
                None,
                "cell_count",
                format!(
                    "a stored response has {QUESTION_COUNT} characters, this one has {}",
                    chars.len()
                ),
            )]);
        }
        let mut answers = [Answer::Blank; QUESTION_COUNT];
        let mut errors = Vec::new();
        for (i, c) in chars.into_iter().enumerate() {
            match Answer::from_char(c) {
                Some(answer) => answers[i] = answer,
                None => errors.push(CellError::new(
                    Some(Question::ALL[i].code()),
                    "format",
                    format!("«{c}» is not Y, N or -"),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Self::new(answers)
    }
}

/// The columns of a CSV survey file, checked against the questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The question of each column, in file order.
    columns: Vec<Question>,
}

impl Header {
    /// Reads a header row. Column names are question codes, trimmed and case-insensitive (a
    /// UTF-8 byte-order mark before the first one is ignored). Every questionnaire column is
    /// required; `served_on_time` only when `require_waiting_time`.
    pub fn parse(cells: &[&str], require_waiting_time: bool) -> Result<Self, Vec<CellError>> {
        let mut errors = Vec::new();
        let mut columns = Vec::with_capacity(cells.len());
        for (i, cell) in cells.iter().enumerate() {
            let name = cell.trim_start_matches('\u{feff}').trim();
            match Question::parse(&name.to_lowercase()) {
                Some(question) if columns.contains(&question) => errors.push(CellError::new(
                    Some(name),
                    "duplicate_column",
                    format!("column {name} appears more than once"),
                )),
                Some(question) => columns.push(question),
                None => errors.push(CellError::new(
                    Some(name),
                    "unknown_column",
                    format!(
                        "column {} («{name}») is not a question of the questionnaire",
                        i + 1
                    ),
                )),
            }
        }
        for spec in &QUESTIONNAIRE {
            let required = spec.required_column
                || (require_waiting_time && spec.question == Question::ServedOnTime);
            if required && !columns.contains(&spec.question) {
                errors.push(CellError::new(
                    Some(spec.code),
                    "missing_column",
                    format!("column {} is required", spec.code),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Self { columns })
        } else {
            Err(errors)
        }
    }

    pub fn columns(&self) -> &[Question] {
        &self.columns
    }

    pub fn has(&self, question: Question) -> bool {
        self.columns.contains(&question)
    }

    /// Reads one data row; every bad cell and every broken condition is reported.
    pub fn parse_row(&self, cells: &[&str]) -> Result<Response, Vec<CellError>> {
        if cells.len() != self.columns.len() {
            return Err(vec![CellError::new(
                None,
                "cell_count",
                format!(
                    "the row has {} cells, the header {} columns",
                    cells.len(),
                    self.columns.len()
                ),
            )]);
        }
        let mut answers = [Answer::Blank; QUESTION_COUNT];
        let mut errors = Vec::new();
        for (question, cell) in self.columns.iter().zip(cells) {
            match Answer::parse(cell) {
                Ok(answer) => answers[question.index()] = answer,
                Err(message) => {
                    errors.push(CellError::new(Some(question.code()), "format", message))
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Response::new(answers)
    }
}

/// Respondents who answered a question and, of them, those who answered "yes" (satisfied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"answered": 50, "satisfied": 45}))]
pub struct SurveyCount {
    pub answered: u64,
    pub satisfied: u64,
}

/// The survey as the scoring engine reads it. For the four filtered questions `answered`
/// counts only the respondents the filter selects (stand users, site users, people with a
/// disability, users of remote interaction) who answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyAggregates {
    /// All respondents surveyed (R of the pooled 1.3 and all-respondents 4.3 variants).
    #[schema(schema_with = respondents)]
    pub respondents: u64,
    pub satisfied_stand_info: SurveyCount,
    pub satisfied_site_info: SurveyCount,
    pub satisfied_comfort: SurveyCount,
    pub satisfied_accessibility: SurveyCount,
    pub satisfied_first_contact: SurveyCount,
    pub satisfied_staff: SurveyCount,
    pub satisfied_remote: SurveyCount,
    pub would_recommend: SurveyCount,
    pub satisfied_organizational: SurveyCount,
    pub satisfied_overall: SurveyCount,
    /// The waiting-time question (2.2): `satisfied` are those served on time, `answered` those
    /// asked; absent when nobody answered it. Counts into 2.2 when the cycle applies waiting time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served_on_time: Option<SurveyCount>,
}

/// Bounds that keep every sum and product of counts far from overflowing.
pub const MAX_COUNT: u64 = 1_000_000_000;

/// The schema of `respondents`: the limit of its rule ([`Respondents`]), and the description
/// `schema_with` would drop from the field's doc.
fn respondents() -> utoipa::openapi::schema::Object {
    crate::views::limits::count::<0, MAX_COUNT>(
        "All respondents surveyed (R of the pooled 1.3 and all-respondents 4.3 variants).",
    )
}

/// The survey's respondents as their rule sees them (the survey's other rules are across its
/// counts: [`SurveyAggregates::validate`]).
#[derive(validator::Validate)]
pub struct Respondents {
    #[validate(range(max = MAX_COUNT))]
    pub respondents: u64,
}

impl SurveyAggregates {
    /// The sum of two surveys of the same questionnaire (every count is additive), so that an
    /// upload adds its responses to those stored before without reading them back.
    pub fn plus(&self, other: &SurveyAggregates) -> SurveyAggregates {
        let mut sum = SurveyAggregates {
            respondents: self.respondents + other.respondents,
            ..*self
        };
        for question in Self::COUNTED {
            if let (Some(slot), Some(add)) = (sum.count_mut(question), other.count(question)) {
                slot.answered += add.answered;
                slot.satisfied += add.satisfied;
            }
        }
        sum.served_on_time = match (self.served_on_time, other.served_on_time) {
            (Some(a), Some(b)) => Some(SurveyCount {
                answered: a.answered + b.answered,
                satisfied: a.satisfied + b.satisfied,
            }),
            (a, b) => a.or(b),
        };
        sum
    }

    /// The waiting-time data of indicator 2.2 the survey gives: those who said they were served
    /// on time of those who answered; `None` when nobody answered the question.
    pub fn waiting_time(&self) -> Option<WaitingTime> {
        self.served_on_time
            .filter(|c| c.answered > 0)
            .map(|c| WaitingTime {
                served_on_time: c.satisfied,
                served: c.answered,
            })
    }

    /// The questions that carry a count here, in questionnaire order.
    pub const COUNTED: [Question; 10] = [
        Question::SatisfiedStandInfo,
        Question::SatisfiedSiteInfo,
        Question::SatisfiedComfort,
        Question::SatisfiedAccessibility,
        Question::SatisfiedFirstContact,
        Question::SatisfiedStaff,
        Question::SatisfiedRemote,
        Question::WouldRecommend,
        Question::SatisfiedOrganizational,
        Question::SatisfiedOverall,
    ];

    /// The count of a satisfaction question; `None` for filter questions and `served_on_time`.
    pub fn count(&self, question: Question) -> Option<SurveyCount> {
        self.count_ref(question).copied()
    }

    pub fn count_mut(&mut self, question: Question) -> Option<&mut SurveyCount> {
        Some(match question {
            Question::SatisfiedStandInfo => &mut self.satisfied_stand_info,
            Question::SatisfiedSiteInfo => &mut self.satisfied_site_info,
            Question::SatisfiedComfort => &mut self.satisfied_comfort,
            Question::SatisfiedAccessibility => &mut self.satisfied_accessibility,
            Question::SatisfiedFirstContact => &mut self.satisfied_first_contact,
            Question::SatisfiedStaff => &mut self.satisfied_staff,
            Question::SatisfiedRemote => &mut self.satisfied_remote,
            Question::WouldRecommend => &mut self.would_recommend,
            Question::SatisfiedOrganizational => &mut self.satisfied_organizational,
            Question::SatisfiedOverall => &mut self.satisfied_overall,
            _ => return None,
        })
    }

    fn count_ref(&self, question: Question) -> Option<&SurveyCount> {
        Some(match question {
            Question::SatisfiedStandInfo => &self.satisfied_stand_info,
            Question::SatisfiedSiteInfo => &self.satisfied_site_info,
            Question::SatisfiedComfort => &self.satisfied_comfort,
            Question::SatisfiedAccessibility => &self.satisfied_accessibility,
            Question::SatisfiedFirstContact => &self.satisfied_first_contact,
            Question::SatisfiedStaff => &self.satisfied_staff,
            Question::SatisfiedRemote => &self.satisfied_remote,
            Question::WouldRecommend => &self.would_recommend,
            Question::SatisfiedOrganizational => &self.satisfied_organizational,
            Question::SatisfiedOverall => &self.satisfied_overall,
            _ => return None,
        })
    }

    /// Every count within its bounds: satisfied ≤ answered ≤ respondents. Fields are named
    /// under `prefix` (`survey`).
    pub fn validate(&self, prefix: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let counts = Self::COUNTED
            .iter()
            .map(|&q| (q.code(), self.count(q).unwrap_or_default()))
            .chain(
                self.served_on_time
                    .map(|c| (Question::ServedOnTime.code(), c)),
            );
        for (code, count) in counts {
            if count.answered > self.respondents {
                errors.push(FieldError::new(
                    format!("{prefix}.{code}.answered"),
                    "too_large",
                    format!(
                        "{} answered, but only {} respondents were surveyed",
                        count.answered, self.respondents
                    ),
                ));
            }
            if count.satisfied > count.answered {
                errors.push(FieldError::new(
                    format!("{prefix}.{code}.satisfied"),
                    "too_large",
                    format!(
                        "{} satisfied, but only {} answered",
                        count.satisfied, count.answered
                    ),
                ));
            }
        }
        errors
    }
}

/// Recipients served on time (by appointment or home-visit schedule) of those served: the data
/// of indicator 2.2, from records or from the `served_on_time` survey question.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    ToSchema,
    validator::Validate,
)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"served_on_time": 48, "served": 50}))]
pub struct WaitingTime {
    pub served_on_time: u64,
    #[validate(range(max = MAX_COUNT))]
    #[schema(schema_with = served)]
    pub served: u64,
}

/// The schema of `served`: the limit of its rule.
fn served() -> utoipa::openapi::schema::Object {
    crate::views::limits::count::<0, MAX_COUNT>("")
}

/// Adds up individual responses into the engine's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aggregator {
    respondents: u64,
    yes: [u64; QUESTION_COUNT],
    no: [u64; QUESTION_COUNT],
}

impl Aggregator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, response: &Response) {
        self.respondents += 1;
        for (i, answer) in response.answers.iter().enumerate() {
            match answer {
                Answer::Yes => self.yes[i] += 1,
                Answer::No => self.no[i] += 1,
                Answer::Blank => {}
            }
        }
    }

    /// Adds the counts of another aggregator (e.g. of another chunk of an upload).
    pub fn merge(&mut self, other: &Aggregator) {
        self.respondents += other.respondents;
        for i in 0..QUESTION_COUNT {
            self.yes[i] += other.yes[i];
            self.no[i] += other.no[i];
        }
    }

    pub fn respondents(&self) -> u64 {
        self.respondents
    }

    /// Yes and no answers to any question, filter questions included.
    pub fn count(&self, question: Question) -> SurveyCount {
        let i = question.index();
        SurveyCount {
            answered: self.yes[i] + self.no[i],
            satisfied: self.yes[i],
        }
    }

    /// `answered` = yes + no; responses keep filtered questions blank where they do not apply,
    /// so the filtered denominators come out right by construction.
    pub fn aggregates(&self) -> SurveyAggregates {
        let mut result = SurveyAggregates {
            respondents: self.respondents,
            ..SurveyAggregates::default()
        };
        for question in SurveyAggregates::COUNTED {
            if let Some(slot) = result.count_mut(question) {
                *slot = self.count(question);
            }
        }
        let on_time = self.count(Question::ServedOnTime);
        result.served_on_time = (on_time.answered > 0).then_some(on_time);
        result
    }

    /// The waiting-time data from `served_on_time`, or `None` when nobody answered it.
    pub fn waiting_time(&self) -> Option<WaitingTime> {
        self.aggregates().waiting_time()
    }
}

#[cfg(test)]
mod plus_tests {
    use super::*;

    #[test]
    fn surveys_add_up_like_their_responses() {
        let mut a = Aggregator::new();
        let mut b = Aggregator::new();
        let mut both = Aggregator::new();
        let yes_all = Response::from_compact_string("YYYYYYYYYYYYYY-").unwrap();
        let mixed = Response::from_compact_string("YNN-NN-YNN-NYN-").unwrap();
        for (i, r) in [yes_all, mixed, mixed, yes_all, mixed].iter().enumerate() {
            if i < 2 {
                a.add(r)
            } else {
                b.add(r)
            }
            both.add(r);
        }
        assert_eq!(a.aggregates().plus(&b.aggregates()), both.aggregates());
    }

    /// The waiting-time question is an aggregate of its own, added up like the others and
    /// left out where nobody answered it.
    #[test]
    fn served_on_time_is_counted_and_added_up() {
        let mut a = Aggregator::new();
        let mut b = Aggregator::new();
        let mut both = Aggregator::new();
        let on_time = Response::from_compact_string("YYYYYYYYYYYYYYY").unwrap();
        let late = Response::from_compact_string("YYYYYYYYYYYYYYN").unwrap();
        let unasked = Response::from_compact_string("YYYYYYYYYYYYYY-").unwrap();
        for (i, r) in [on_time, late, on_time, unasked, on_time]
            .iter()
            .enumerate()
        {
            if i < 3 {
                a.add(r)
            } else {
                b.add(r)
            }
            both.add(r);
        }
        let all = both.aggregates();
        assert_eq!(
            all.served_on_time,
            Some(SurveyCount {
                answered: 4,
                satisfied: 3
            })
        );
        assert_eq!(a.aggregates().plus(&b.aggregates()), all);
        assert_eq!(
            all.waiting_time(),
            Some(WaitingTime {
                served_on_time: 3,
                served: 4
            })
        );
        let mut unasked_only = Aggregator::new();
        unasked_only.add(&unasked);
        assert_eq!(unasked_only.aggregates().served_on_time, None);
        assert_eq!(
            unasked_only
                .aggregates()
                .plus(&a.aggregates())
                .served_on_time,
            a.aggregates().served_on_time
        );
        let json = serde_json::to_value(unasked_only.aggregates()).unwrap();
        assert!(json.get("served_on_time").is_none());
        let mut wrong = all;
        wrong.served_on_time = Some(SurveyCount {
            answered: 6,
            satisfied: 7,
        });
        let fields: Vec<String> = wrong
            .validate("survey")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "survey.served_on_time.answered",
                "survey.served_on_time.satisfied"
            ]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        let codes: Vec<&str> = QUESTIONNAIRE.iter().map(|s| s.code).collect();
        Header::parse(&codes, true).unwrap()
    }

    fn codes(errors: &[CellError]) -> Vec<(Option<&str>, &str)> {
        errors
            .iter()
            .map(|e| (e.column.as_deref(), e.code.as_str()))
            .collect()
    }

    #[test]
    fn questionnaire_is_in_enum_order_with_unique_codes() {
        for (i, spec) in QUESTIONNAIRE.iter().enumerate() {
            assert_eq!(spec.question.index(), i);
            assert_eq!(Question::ALL[i], spec.question);
            assert_eq!(Question::parse(spec.code), Some(spec.question));
            assert!(spec.text.ends_with('?'));
            if let Some(filter) = spec.filter {
                assert!(filter.index() < i, "a filter precedes what it selects");
                assert!(filter.filter().is_none());
            }
        }
        assert_eq!(
            serde_json::to_value(Question::SatisfiedFirstContact).unwrap(),
            "satisfied_first_contact"
        );
    }

    #[test]
    fn answers_parse_in_both_languages_and_blank() {
        for yes in ["yes", " YES ", "Да", "ДА", "1", "true", "True"] {
            assert_eq!(Answer::parse(yes), Ok(Answer::Yes), "{yes}");
        }
        for no in ["no", "No", "нет", "НЕТ ", "0", "FALSE"] {
            assert_eq!(Answer::parse(no), Ok(Answer::No), "{no}");
        }
        for blank in ["", "   ", "\t"] {
            assert_eq!(Answer::parse(blank), Ok(Answer::Blank));
        }
        let error = Answer::parse(" может быть ").unwrap_err();
        assert!(error.contains("«может быть»"), "{error}");
        assert!(Answer::parse("2").is_err());
        assert!(Answer::parse("-").is_err());
    }

    #[test]
    fn header_accepts_any_order_case_and_a_bom() {
        let mut cells: Vec<String> = QUESTIONNAIRE[..14]
            .iter()
            .rev()
            .map(|s| s.code.to_uppercase())
            .collect();
        cells[0] = format!("\u{feff} {} ", cells[0]);
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        let header = Header::parse(&refs, false).unwrap();
        assert_eq!(header.columns()[0], Question::SatisfiedOverall);
        assert!(!header.has(Question::ServedOnTime));
    }

    #[test]
    fn header_names_unknown_missing_and_duplicate_columns() {
        let mut cells: Vec<&str> = QUESTIONNAIRE[..14].iter().map(|s| s.code).collect();
        cells.retain(|c| *c != "used_site");
        cells.push("fio");
        cells.push("satisfied_staff");
        let errors = Header::parse(&cells, true).unwrap_err();
        assert_eq!(
            codes(&errors),
            vec![
                (Some("fio"), "unknown_column"),
                (Some("satisfied_staff"), "duplicate_column"),
                (Some("used_site"), "missing_column"),
                (Some("served_on_time"), "missing_column"),
            ]
        );
    }

    #[test]
    fn rows_parse_and_report_every_bad_cell() {
        let header = header();
        let row = [
            "да", "да", "нет", "", "1", "0", "", "yes", "yes", "yes", "no", "true", "false", "Да",
            "",
        ];
        let response = header.parse_row(&row).unwrap();
        assert_eq!(response.answer(Question::SatisfiedRemote), Answer::No);
        assert_eq!(response.answer(Question::ServedOnTime), Answer::Blank);
        assert_eq!(response.to_compact_string(), "YYN-YN-YYYNYNY-");

        let mut bad = row;
        bad[4] = "maybe";
        bad[13] = "x";
        let errors = header.parse_row(&bad).unwrap_err();
        assert_eq!(
            codes(&errors),
            vec![
                (Some("satisfied_comfort"), "format"),
                (Some("satisfied_overall"), "format")
            ]
        );
        assert!(errors[0].message.contains("«maybe»"));

        assert_eq!(
            codes(&header.parse_row(&row[..3]).unwrap_err()),
            vec![(None, "cell_count")]
        );
    }

    #[test]
    fn a_filtered_answer_without_its_filter_is_rejected() {
        let header = header();
        // Did not use the site (no), yet rated it; disability left empty, yet rated accessibility.
        let row = [
            "да", "да", "нет", "да", "1", "", "нет", "1", "1", "1", "1", "1", "1", "1", "",
        ];
        let errors = header.parse_row(&row).unwrap_err();
        assert_eq!(
            codes(&errors),
            vec![
                (Some("satisfied_site_info"), "not_applicable"),
                (Some("satisfied_accessibility"), "not_applicable"),
            ]
        );
        assert!(errors[0].message.contains("used_site"));
        assert!(errors[1].message.contains("empty"));
        assert_eq!(
            errors[0].to_field_error("responses[3]").field,
            "responses[3].satisfied_site_info"
        );
        // A "yes" filter with a blank answer is fine: the respondent skipped the question.
        let mut ok = row;
        ok[3] = "";
        ok[5] = "да";
        ok[6] = "";
        assert!(header.parse_row(&ok).is_ok());
    }

    #[test]
    fn compact_strings_round_trip_and_are_checked() {
        let response = Response::from_compact_string("YNY-YYNYYYYYYNY").unwrap();
        assert_eq!(response.to_compact_string(), "YNY-YYNYYYYYYNY");
        assert_eq!(response.answer(Question::SatisfiedStandInfo), Answer::No);
        assert_eq!(response.answer(Question::SatisfiedSiteInfo), Answer::Blank);
        assert_eq!(
            Response::default().to_compact_string(),
            "-".repeat(QUESTION_COUNT)
        );
        assert_eq!(
            codes(&Response::from_compact_string("YNY").unwrap_err()),
            vec![(None, "cell_count")]
        );
        assert_eq!(
            codes(&Response::from_compact_string("YNY-YYNYYYYYYNX").unwrap_err()),
            vec![(Some("served_on_time"), "format")]
        );
        // Stored responses obey the conditions too: remote politeness without remote use.
        assert_eq!(
            codes(&Response::from_compact_string("YNY-YYNYYNNYYNY").unwrap_err()),
            vec![(Some("satisfied_remote"), "not_applicable")]
        );
    }

    #[test]
    fn the_aggregator_counts_only_applicable_answers() {
        let header = header();
        let rows: [[&str; 15]; 4] = [
            [
                "да", "да", "да", "да", "да", "да", "нет", "да", "да", "да", "да", "да", "да",
                "да", "да",
            ],
            [
                "да", "нет", "нет", "", "нет", "нет", "", "да", "нет", "нет", "", "да", "", "да",
                "нет",
            ],
            [
                "нет", "", "да", "", "да", "да", "да", "", "да", "да", "нет", "нет", "да", "нет",
                "да",
            ],
            ["", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
        ];
        let mut aggregator = Aggregator::new();
        let mut other = Aggregator::new();
        for (i, row) in rows.iter().enumerate() {
            let response = header.parse_row(row).unwrap();
            if i < 2 {
                aggregator.add(&response);
            } else {
                other.add(&response);
            }
        }
        aggregator.merge(&other);
        let a = aggregator.aggregates();
        assert_eq!(a.respondents, 4);
        assert_eq!(
            a.satisfied_stand_info,
            SurveyCount {
                answered: 2,
                satisfied: 1
            }
        );
        assert_eq!(
            a.satisfied_site_info,
            SurveyCount {
                answered: 1,
                satisfied: 1
            }
        );
        assert_eq!(
            a.satisfied_accessibility,
            SurveyCount {
                answered: 2,
                satisfied: 1
            }
        );
        assert_eq!(
            a.satisfied_remote,
            SurveyCount {
                answered: 2,
                satisfied: 1
            }
        );
        assert_eq!(
            a.satisfied_first_contact,
            SurveyCount {
                answered: 2,
                satisfied: 2
            }
        );
        assert_eq!(
            a.satisfied_organizational,
            SurveyCount {
                answered: 2,
                satisfied: 2
            }
        );
        assert_eq!(
            a.satisfied_overall,
            SurveyCount {
                answered: 3,
                satisfied: 2
            }
        );
        assert_eq!(
            aggregator.count(Question::HasDisability),
            SurveyCount {
                answered: 3,
                satisfied: 2
            }
        );
        assert_eq!(
            aggregator.waiting_time(),
            Some(WaitingTime {
                served_on_time: 2,
                served: 3
            })
        );
        assert!(a.validate("survey").is_empty());
        assert_eq!(Aggregator::new().waiting_time(), None);
    }

    #[test]
    fn aggregates_name_counts_out_of_bounds() {
        let mut a = SurveyAggregates {
            respondents: 10,
            ..SurveyAggregates::default()
        };
        a.satisfied_comfort = SurveyCount {
            answered: 5,
            satisfied: 6,
        };
        a.would_recommend = SurveyCount {
            answered: 11,
            satisfied: 1,
        };
        let fields: Vec<(String, String)> = a
            .validate("survey")
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            fields,
            vec![
                (
                    "survey.satisfied_comfort.satisfied".into(),
                    "too_large".into()
                ),
                ("survey.would_recommend.answered".into(), "too_large".into()),
            ]
        );
        let json = serde_json::json!({"respondents": 1, "bogus": 1});
        assert!(serde_json::from_value::<SurveyAggregates>(json).is_err());
    }
}
