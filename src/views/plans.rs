//! Bodies of `/api/v1/plans` and of the plan forms: a plan with its sections and measures as
//! shown, what requests send, and how stored rows become what is shown.

use chrono::Utc;
use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{limits, nullable, parse_filter, patch_required, timestamp, ListFilterErrors};
use crate::db::plans::{MeasureRow, PlanRow, PlanValues, SectionRow};
use crate::domain::cycle::{FIRST_YEAR, LAST_YEAR};
use crate::domain::deadline::Deadline;
use crate::domain::plan::{
    self as rules, ApprovalDecision, Completion, MeasureStatus, MeasureText, PlanStatus,
};
use crate::domain::plan_form::{ApprovalBlock, Executor, RowWarning};
use crate::error::{ApiError, ApiResult, FieldError};

/// One measure of a plan (мероприятие).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Measure {
    pub id: i64,
    pub plan_id: i64,
    pub section_id: i64,
    /// Order within the section, from 1.
    pub position: i32,
    /// № п/п as written ("1", "2.3").
    pub number: Option<String>,
    /// The shortcoming it addresses (недостаток).
    pub shortcoming: Option<String>,
    /// The evaluation whose shortcoming it addresses, if linked, and its indicator code.
    pub evaluation_id: Option<i64>,
    pub indicator: Option<String>,
    /// Наименование мероприятия.
    pub title: String,
    /// Основание реализации: e.g. the council's proposal.
    pub basis: Option<String>,
    /// The deadline as written (`text`) and as understood (`parts`); text that could not be
    /// understood is kept as an `unstructured` part with a warning.
    pub deadline: Deadline,
    /// The next due date on or after `as_of`, if the deadline has dates.
    pub next_due: Option<NaiveDate>,
    /// Not done (nor cancelled) and the deadline passed before `as_of`. Derived, never stored.
    pub overdue: bool,
    /// Ответственные исполнители: people (full name, position) or institutions.
    pub executors: Vec<Executor>,
    pub expected_result: Option<String>,
    /// Показатели, характеризующие результат.
    pub result_indicators: Option<String>,
    /// Источник и способ получения информации.
    pub information_source: Option<String>,
    pub status: MeasureStatus,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Section {
    pub id: i64,
    pub position: i32,
    /// Criterion code of the plan's methodology (`K1` … `K5`), if the heading names one.
    #[schema(value_type = Option<super::closed_sets::CriterionCode>)]
    pub criterion: Option<String>,
    pub heading: String,
    pub measures: Vec<Measure>,
}

/// An improvement plan (план мероприятий по улучшению качества работы).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Plan {
    pub id: i64,
    pub region_id: i64,
    /// `null` for a plan of the whole region.
    pub organization_id: Option<i64>,
    pub cycle_id: Option<i64>,
    pub year: i32,
    /// The methodology whose criteria the sections follow.
    pub methodology_id: String,
    pub title: String,
    pub basis: Option<String>,
    /// «УТВЕРЖДАЮ»: position, full name, date and document of the official who approved it.
    pub approval: Option<ApprovalBlock>,
    /// The authority's decision (an order) that approved the plan when its document has no
    /// «УТВЕРЖДАЮ» block.
    pub approval_decision: Option<ApprovalDecision>,
    /// The date by which the plan is due.
    pub due_date: Option<NaiveDate>,
    pub status: PlanStatus,
    /// The day `overdue` and `next_due` are computed for (`?as_of=`, default today).
    pub as_of: NaiveDate,
    pub completion: Completion,
    pub sections: Vec<Section>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A measure as sent in a request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"number": "1", "shortcoming": "Информация на стендах неполная",
    "title": "Обновление информации на информационных стендах",
    "basis": "Рекомендации Общественного совета от 29.11.2017", "deadline": "ежеквартально",
    "executors": [{"kind": "person", "full_name": "Иванова М.П.", "position": "директор"}],
    "expected_result": "Информационная открытость", "result_indicators": "Наличие актуальной информации"}))]
pub struct NewMeasure {
    #[serde(default)]
    #[schema(schema_with = limits::nullable_text::<1, { rules::NUMBER_MAX }>, required = false)]
    pub number: Option<String>,
    #[serde(default)]
    #[schema(schema_with = limits::nullable_text::<1, { rules::TEXT_MAX }>, required = false)]
    pub shortcoming: Option<String>,
    /// An evaluation of the plan's organization whose shortcoming this addresses.
    #[serde(default)]
    pub evaluation_id: Option<i64>,
    /// The indicator code (`1.1` …) of that shortcoming.
    #[serde(default)]
    pub indicator: Option<String>,
    #[schema(schema_with = limits::text::<1, { rules::TEXT_MAX }>)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = limits::nullable_text::<1, { rules::TEXT_MAX }>, required = false)]
    pub basis: Option<String>,
    /// The deadline in words, as the official form has it ("до 31.12.2018", "ежеквартально",
    /// "IV квартал"); it is kept as written and parsed. Empty or left out: no deadline
    /// ("без срока"), never overdue.
    #[serde(default)]
    #[schema(schema_with = limits::text::<0, { rules::SHORT_MAX }>, required = false)]
    pub deadline: String,
    #[serde(default)]
    pub executors: Vec<Executor>,
    #[serde(default)]
    #[schema(schema_with = limits::nullable_text::<1, { rules::TEXT_MAX }>, required = false)]
    pub expected_result: Option<String>,
    #[serde(default)]
    #[schema(schema_with = limits::nullable_text::<1, { rules::TEXT_MAX }>, required = false)]
    pub result_indicators: Option<String>,
    #[serde(default)]
    #[schema(schema_with = limits::nullable_text::<1, { rules::TEXT_MAX }>, required = false)]
    pub information_source: Option<String>,
}

/// A section as sent in a request: a criterion of the plan's methodology, or a heading of its
/// own, or both.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSection {
    /// `K1` … `K5`; the heading defaults to the criterion's official section heading.
    #[serde(default)]
    #[schema(value_type = Option<super::closed_sets::CriterionCode>)]
    pub criterion: Option<String>,
    #[serde(default)]
    #[schema(schema_with = limits::nullable_text::<1, { rules::HEADING_MAX }>, required = false)]
    pub heading: Option<String>,
    #[serde(default)]
    pub measures: Vec<NewMeasure>,
}

/// A new plan, in status `draft`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_id": 5, "year": 2019, "title": "План мероприятий по улучшению качества работы на 2019 год",
    "basis": "Предложения Общественного совета от 14.12.2018", "due_date": "2019-02-10",
    "sections": [{"criterion": "K1", "measures": [{"title": "Обновление информации на информационных стендах", "deadline": "до 31.03.2019"}]}]}))]
pub struct NewPlan {
    /// Required for a plan of the whole region; for an organization's plan, its region.
    #[serde(default)]
    pub region_id: Option<i64>,
    /// The organization; leave out for a plan of the whole region.
    #[serde(default)]
    pub organization_id: Option<i64>,
    #[serde(default)]
    pub cycle_id: Option<i64>,
    #[schema(schema_with = limits::year::<{ FIRST_YEAR }, { LAST_YEAR }>)]
    pub year: i32,
    /// Defaults to `mintrud-344n-2018`; `pre-2018-five-criteria` for plans of that era.
    #[serde(default)]
    pub methodology_id: Option<String>,
    #[schema(schema_with = limits::text::<1, { rules::PLAN_TITLE_MAX }>)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = limits::nullable_text::<1, { rules::TEXT_MAX }>, required = false)]
    pub basis: Option<String>,
    #[serde(default)]
    pub approval: Option<ApprovalBlock>,
    /// Instead of (or beside) `approval`: the authority's order that approves the plan.
    #[serde(default)]
    pub approval_decision: Option<ApprovalDecision>,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    #[serde(default)]
    pub sections: Vec<NewSection>,
}

/// A plan in a list: its header and completion, without the measures.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSummary {
    pub id: i64,
    pub region_id: i64,
    pub organization_id: Option<i64>,
    pub year: i32,
    pub title: String,
    pub status: PlanStatus,
    pub due_date: Option<NaiveDate>,
    pub completion: Completion,
    pub updated_at: DateTime<Utc>,
}

/// A JSON merge patch of a plan's header; only while it is a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"approval": {"position": "Министр труда и социальной защиты Тульской области", "full_name": "А.В. Филиппов", "date": "2017-03-29", "document_number": null}}))]
pub struct PlanPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = limits::text::<1, { rules::PLAN_TITLE_MAX }>, required = false)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = limits::nullable_text::<1, { rules::TEXT_MAX }>, required = false)]
    pub basis: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ApprovalBlock>, required = false)]
    pub approval: Option<Option<ApprovalBlock>>,
    /// The authority's order that approves the plan, when its document has no «УТВЕРЖДАЮ».
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ApprovalDecision>, required = false)]
    pub approval_decision: Option<Option<ApprovalDecision>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>, required = false)]
    pub due_date: Option<Option<NaiveDate>>,
}

/// A new measure, at the end of a section.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlanMeasure {
    pub section_id: i64,
    #[serde(flatten)]
    pub measure: NewMeasure,
}

/// A JSON merge patch of a measure. Its content changes while the plan is a draft; its status
/// once the plan is approved (measures are then carried out).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "done"}))]
pub struct MeasurePatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    pub number: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    pub shortcoming: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    pub basis: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false)]
    pub deadline: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Vec<Executor>, required = false)]
    pub executors: Option<Option<Vec<Executor>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    pub expected_result: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    pub result_indicators: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    pub information_source: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = MeasureStatus, required = false)]
    pub status: Option<Option<MeasureStatus>>,
}

/// Optional choices for a plan drafted from an evaluation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDraftRequest {
    /// Defaults to the year after the assessment.
    #[serde(default)]
    #[schema(minimum = 2013, maximum = 2100)]
    pub year: Option<i32>,
    #[serde(default)]
    pub title: Option<String>,
    /// The deadline of every stub measure; defaults to «до 31.12.<year>».
    #[serde(default)]
    pub deadline: Option<String>,
}

/// What an import made (or, in a dry run, would make), and what the reader had to guess.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub dry_run: bool,
    /// The plan as stored; in a dry run, as it would be stored (its ids are not kept).
    pub plan: Plan,
    /// Row-level notes: joined page-break fragments, ignored columns, deadlines kept as text.
    pub warnings: Vec<RowWarning>,
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str, what: &str, id: i64) -> ApiResult<T> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::internal(format!("measure {id}: stored {what} unreadable: {e}")))
}

pub fn measure_of(row: &MeasureRow, as_of: NaiveDate, plan_year: i32) -> ApiResult<Measure> {
    let deadline: Deadline = parse_json(&row.deadline_json, "deadline", row.id)?;
    let status = MeasureStatus::parse(&row.status).ok_or_else(|| {
        ApiError::internal(format!("measure {} has status {}", row.id, row.status))
    })?;
    Ok(Measure {
        id: row.id,
        plan_id: row.plan_id,
        section_id: row.section_id,
        position: row.position,
        number: row.number.clone(),
        shortcoming: row.shortcoming.clone(),
        evaluation_id: row.evaluation_id,
        indicator: row.indicator.clone(),
        title: row.title.clone(),
        basis: row.basis.clone(),
        next_due: deadline.next_due(as_of, Some(plan_year)),
        overdue: rules::overdue(status, &deadline, as_of, plan_year),
        deadline,
        executors: parse_json(&row.executors_json, "executors", row.id)?,
        expected_result: row.expected_result.clone(),
        result_indicators: row.result_indicators.clone(),
        information_source: row.information_source.clone(),
        status,
        updated_at: timestamp(row.updated_at),
    })
}

/// Completion of a plan's measures on `as_of`.
pub fn completion_of(
    rows: &[MeasureRow],
    as_of: NaiveDate,
    plan_year: i32,
) -> ApiResult<Completion> {
    let mut completion = Completion::default();
    for row in rows {
        let measure = measure_of(row, as_of, plan_year)?;
        completion.add(measure.status, measure.overdue);
    }
    Ok(completion)
}

fn approval_of(row: &PlanRow) -> Option<ApprovalBlock> {
    match (&row.approver_position, &row.approver_name) {
        (Some(position), Some(full_name)) => Some(ApprovalBlock {
            position: position.clone(),
            full_name: full_name.clone(),
            date: row.approved_on,
            document_number: row.approval_document.clone(),
        }),
        _ => None,
    }
}

fn decision_of(row: &PlanRow) -> Option<ApprovalDecision> {
    row.decision_title.as_ref().map(|title| ApprovalDecision {
        title: title.clone(),
        number: row.decision_number.clone(),
        date: row.decision_date,
    })
}

/// Writes the authority's decision into the plan's columns.
pub fn set_decision(values: &mut PlanValues, decision: Option<&ApprovalDecision>) {
    values.decision_title = decision.map(|d| d.title.clone());
    values.decision_number = decision.and_then(|d| d.number.clone());
    values.decision_date = decision.and_then(|d| d.date);
}

/// Writes the «УТВЕРЖДАЮ» block into the plan's columns.
pub fn set_approval(values: &mut PlanValues, approval: Option<&ApprovalBlock>) {
    values.approver_position = approval.map(|a| a.position.clone());
    values.approver_name = approval.map(|a| a.full_name.clone());
    values.approved_on = approval.and_then(|a| a.date);
    values.approval_document = approval.and_then(|a| a.document_number.clone());
}

/// The plan with its sections and measures (all of the plan's, in order) on `as_of`.
pub fn plan_of(
    row: &PlanRow,
    sections: Vec<SectionRow>,
    measures: &[MeasureRow],
    as_of: NaiveDate,
) -> ApiResult<Plan> {
    let completion = completion_of(measures, as_of, row.year)?;
    let sections = sections
        .into_iter()
        .map(|s| {
            Ok(Section {
                id: s.id,
                position: s.position,
                criterion: s.criterion.clone(),
                heading: s.heading.clone(),
                measures: measures
                    .iter()
                    .filter(|m| m.section_id == s.id)
                    .map(|m| measure_of(m, as_of, row.year))
                    .collect::<ApiResult<_>>()?,
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(Plan {
        id: row.id,
        region_id: row.region_id,
        organization_id: row.organization_id,
        cycle_id: row.cycle_id,
        year: row.year,
        methodology_id: row.methodology_id.clone(),
        title: row.title.clone(),
        basis: row.basis.clone(),
        approval: approval_of(row),
        approval_decision: decision_of(row),
        due_date: row.due_date,
        status: row.status()?,
        as_of,
        completion,
        sections,
        created_at: timestamp(row.created_at),
        updated_at: timestamp(row.updated_at),
    })
}

/// A plan in a list; `measures` may hold other plans' measures too.
pub fn summary_of(
    row: &PlanRow,
    measures: &[MeasureRow],
    as_of: NaiveDate,
) -> ApiResult<PlanSummary> {
    let own: Vec<MeasureRow> = measures
        .iter()
        .filter(|m| m.plan_id == row.id)
        .cloned()
        .collect();
    Ok(PlanSummary {
        id: row.id,
        region_id: row.region_id,
        organization_id: row.organization_id,
        year: row.year,
        title: row.title.clone(),
        status: row.status()?,
        due_date: row.due_date,
        completion: completion_of(&own, as_of, row.year)?,
        updated_at: timestamp(row.updated_at),
    })
}

/// `?as_of=YYYY-MM-DD`, the day figures are derived for; today (UTC) without it.
pub fn parse_as_of(errors: &mut ListFilterErrors, value: Option<String>) -> NaiveDate {
    parse_filter(errors, "as_of", value, |v| {
        NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok()
    })
    .unwrap_or_else(|| Utc::now().date_naive())
}

impl Measure {
    /// The measure's text, to change and check again.
    pub fn text(&self) -> MeasureText {
        MeasureText {
            number: self.number.clone(),
            shortcoming: self.shortcoming.clone(),
            title: self.title.clone(),
            basis: self.basis.clone(),
            deadline: self.deadline.text.clone(),
            executors: self.executors.clone(),
            expected_result: self.expected_result.clone(),
            result_indicators: self.result_indicators.clone(),
            information_source: self.information_source.clone(),
        }
    }
}

impl NewMeasure {
    pub fn text(&self) -> MeasureText {
        MeasureText {
            number: self.number.clone(),
            shortcoming: self.shortcoming.clone(),
            title: self.title.clone(),
            basis: self.basis.clone(),
            deadline: self.deadline.clone(),
            executors: self.executors.clone(),
            expected_result: self.expected_result.clone(),
            result_indicators: self.result_indicators.clone(),
            information_source: self.information_source.clone(),
        }
    }
}

impl PlanPatch {
    /// Applies the patch to the header's columns, its «УТВЕРЖДАЮ» block and the decision that
    /// approves it; a `null` title is an error.
    pub fn apply(
        self,
        values: &mut PlanValues,
        (approval, decision): (&mut Option<ApprovalBlock>, &mut Option<ApprovalDecision>),
    ) -> Vec<FieldError> {
        let mut errors = Vec::new();
        patch_required(&mut values.title, self.title, "title", &mut errors);
        if let Some(basis) = self.basis {
            values.basis = basis;
        }
        if let Some(due) = self.due_date {
            values.due_date = due;
        }
        if let Some(given) = self.approval {
            *approval = given;
        }
        if let Some(given) = self.approval_decision {
            *decision = given;
        }
        errors
    }
}

impl MeasurePatch {
    /// Applies the patch to a measure's text and status; `null` where a value is required is an
    /// error.
    pub fn apply(self, text: &mut MeasureText, status: &mut MeasureStatus) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (slot, value) in [
            (&mut text.number, self.number),
            (&mut text.shortcoming, self.shortcoming),
            (&mut text.basis, self.basis),
            (&mut text.expected_result, self.expected_result),
            (&mut text.result_indicators, self.result_indicators),
            (&mut text.information_source, self.information_source),
        ] {
            if let Some(value) = value {
                *slot = value;
            }
        }
        patch_required(&mut text.title, self.title, "title", &mut errors);
        patch_required(&mut text.deadline, self.deadline, "deadline", &mut errors);
        patch_required(
            &mut text.executors,
            self.executors,
            "executors",
            &mut errors,
        );
        patch_required(status, self.status, "status", &mut errors);
        errors
    }
}
