//! Bodies of `/api/v1/plans/{id}/reports`: a report on a plan's execution as shown, what
//! requests send, and how stored rows become what is shown.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::plans::completion_of;
use super::{limits, timestamp};
use crate::db::plans::{MeasureRow, PlanRow};
use crate::db::reports::{EntryRow, EntryValues, ReportRow};
use crate::domain::cycle as cycle_rules;
use crate::domain::plan::{self as rules, Completion, Figure, PeriodKind, ReportStatus, Signatory};
use crate::domain::plan_form::RowWarning;
use crate::domain::text;
use crate::error::{ApiError, ApiResult, FieldError};
use validator::Validate;

/// The period a report covers.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(as = ReportPeriod, example = json!({"kind": "year", "year": 2024, "number": 1}))]
pub struct Period {
    pub kind: PeriodKind,
    #[validate(range(min = cycle_rules::FIRST_YEAR, max = cycle_rules::LAST_YEAR))]
    #[schema(schema_with = limits::year::<{ cycle_rules::FIRST_YEAR }, { cycle_rules::LAST_YEAR }>)]
    pub year: i32,
    /// 1 for a year; 1–2 for a half-year; 1–4 for a quarter.
    #[serde(default = "first")]
    pub number: i32,
}

fn first() -> i32 {
    1
}

/// What a report says of one measure of the plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportEntry {
    pub measure_id: i64,
    pub number: Option<String>,
    pub measure_title: String,
    /// The planned deadline as written.
    pub deadline: String,
    /// Информация о выполнении.
    pub execution_info: Option<String>,
    /// Реализованные меры по устранению выявленных недостатков.
    pub measures_taken: Option<String>,
    /// Фактический срок реализации.
    pub actual_date: Option<NaiveDate>,
    pub result: Option<String>,
    pub figures: Vec<Figure>,
    /// Links to published evidence (pages, documents).
    pub evidence: Vec<String>,
    /// `null` while the report says nothing of the measure.
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub id: i64,
    pub plan_id: i64,
    pub period: Period,
    /// «Отчёт о выполнении плана мероприятий … за 2024 год».
    pub title: String,
    pub status: ReportStatus,
    /// Who signed the report («Директор В.М.Зуева») and when.
    pub signatory: Option<Signatory>,
    /// The plan's measures at the end of the period.
    pub completion: Completion,
    /// One per measure of the plan, in the plan's order.
    pub entries: Vec<ReportEntry>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a report import made (or, in a dry run, would make), and what the reader had to guess.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportImportResult {
    pub dry_run: bool,
    /// The report as stored, a draft; in a dry run, as it would be stored (its ids are not kept).
    pub report: Report,
    /// Row-level notes: joined page-break fragments, titles taken from merged cells, measures
    /// without a deadline, ignored columns.
    pub warnings: Vec<RowWarning>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"period": {"kind": "year", "year": 2024, "number": 1},
    "signatory": {"position": "Директор", "full_name": "В.М.Зуева", "date": "2025-01-20"}}))]
pub struct NewReport {
    #[validate(nested)]
    pub period: Period,
    /// Who signs the report («Директор В.М.Зуева»).
    #[serde(default)]
    #[validate(nested)]
    pub signatory: Option<Signatory>,
}

/// What a report says of a measure; it replaces what it said before.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"execution_info": "в течение 2024 года: публикации в СМИ – 19; сайт и социальные сети – 696",
    "measures_taken": "Размещение информации о деятельности учреждения на общедоступных ресурсах",
    "actual_date": "2024-12-20", "result": "Повышение удовлетворенности граждан информированностью",
    "figures": [{"name": "Опрошено получателей услуг", "value": "719", "unit": "чел."},
                {"name": "Готовы рекомендовать организацию", "value": "716", "unit": "чел."}],
    "evidence": ["https://zabota034.msp.midural.ru"]}))]
pub struct EntryBody {
    #[serde(default)]
    #[validate(length(min = 1, max = rules::TEXT_MAX), custom(function = text::paragraphs))]
    #[schema(schema_with = limits::nullable_text::<1, { rules::TEXT_MAX }>, required = false)]
    pub execution_info: Option<String>,
    #[serde(default)]
    #[validate(length(min = 1, max = rules::TEXT_MAX), custom(function = text::paragraphs))]
    #[schema(schema_with = limits::nullable_text::<1, { rules::TEXT_MAX }>, required = false)]
    pub measures_taken: Option<String>,
    #[serde(default)]
    pub actual_date: Option<NaiveDate>,
    #[serde(default)]
    #[validate(length(min = 1, max = rules::TEXT_MAX), custom(function = text::paragraphs))]
    #[schema(schema_with = limits::nullable_text::<1, { rules::TEXT_MAX }>, required = false)]
    pub result: Option<String>,
    /// At most 100 (`too_many` beyond).
    #[serde(default)]
    #[schema(schema_with = entry_figures, required = false)]
    pub figures: Vec<Figure>,
    /// http(s) links, at most 50 (`too_many` beyond).
    #[serde(default)]
    #[schema(schema_with = evidence_links, required = false)]
    pub evidence: Vec<String>,
}

/// The schema of `evidence`: links of at most [`rules::LINK_MAX`] characters, at most
/// [`rules::LINKS_MAX`] of them, and the description `schema_with` would drop.
fn evidence_links() -> utoipa::openapi::schema::Array {
    let mut schema = utoipa::openapi::schema::ArrayBuilder::new()
        .items(limits::text::<1, { rules::LINK_MAX }>())
        .max_items(Some(rules::LINKS_MAX as usize))
        .build();
    schema.description = Some("http(s) links, at most 50 (`too_many` beyond).".into());
    schema
}

/// The figures' schema: the rule's count limit, and the description `schema_with` would drop.
fn entry_figures() -> utoipa::openapi::schema::Array {
    let mut schema = utoipa::openapi::schema::ArrayBuilder::new()
        .items(utoipa::openapi::Ref::from_schema_name("Figure"))
        .max_items(Some(rules::FIGURES_MAX as usize))
        .build();
    schema.description = Some("At most 100 (`too_many` beyond).".into());
    schema
}

/// The error of a number the kind of period does not have.
fn number_error(period: &Period) -> FieldError {
    FieldError::new(
        "period.number",
        "range",
        format!(
            "must be 1 to {} for a {}",
            period.kind.per_year(),
            period.kind.as_str()
        ),
    )
}

impl EntryBody {
    /// Checks (and trims) what the entry says, and gives its column values.
    pub fn checked(mut self) -> ApiResult<EntryValues> {
        for value in [
            &mut self.execution_info,
            &mut self.measures_taken,
            &mut self.result,
        ]
        .into_iter()
        .flatten()
        {
            text::trim(value);
        }
        let mut errors = rules::check_entry(&mut self.figures, &mut self.evidence);
        // The texts' rules; the figures' and links' are check_entry's, named in its order.
        errors.extend(FieldError::broken_rules(&self));
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok(EntryValues {
            execution_info: self.execution_info,
            measures_taken: self.measures_taken,
            actual_date: self.actual_date,
            result: self.result,
            figures_json: serde_json::to_string(&self.figures).map_err(ApiError::internal)?,
            evidence_json: serde_json::to_string(&self.evidence).map_err(ApiError::internal)?,
        })
    }
}

fn signatory_of(row: &ReportRow) -> Option<Signatory> {
    match (&row.signatory_position, &row.signatory_name) {
        (Some(position), Some(full_name)) => Some(Signatory {
            position: position.clone(),
            full_name: full_name.clone(),
            date: row.signed_on,
        }),
        _ => None,
    }
}

impl NewReport {
    /// Checks the period and the signatory (trimmed in place).
    pub fn check(&mut self) -> ApiResult<()> {
        if let Some(signatory) = self.signatory.as_mut() {
            signatory.trim();
        }
        let mut errors = FieldError::broken_rules(&*self);
        // The number a kind of period has is a rule across fields: the period's own.
        if !self.period.kind.valid_number(self.period.number) {
            errors.push(number_error(&self.period));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

fn period_of(row: &ReportRow) -> ApiResult<Period> {
    Ok(Period {
        kind: row.kind()?,
        year: row.period_year,
        number: row.period_number,
    })
}

fn stored<T: serde::de::DeserializeOwned>(text: &str, what: &str, id: i64) -> ApiResult<Vec<T>> {
    serde_json::from_str(text).map_err(|e| {
        ApiError::internal(format!("report entry {id}: stored {what} unreadable: {e}"))
    })
}

/// The report with an entry per measure of the plan (`measures`, in the plan's order), the
/// plan's completion at the end of the period.
pub fn report_of(
    plan: &PlanRow,
    row: &ReportRow,
    measures: &[MeasureRow],
    entries: &[EntryRow],
) -> ApiResult<Report> {
    let period = period_of(row)?;
    let end = period
        .kind
        .end(period.year, period.number)
        .unwrap_or_default();
    let shown = measures
        .iter()
        .map(|m| {
            let entry: Option<&EntryRow> = entries.iter().find(|e| e.measure_id == m.id);
            Ok(ReportEntry {
                measure_id: m.id,
                number: m.number.clone(),
                measure_title: m.title.clone(),
                deadline: m.deadline_text.clone(),
                execution_info: entry.and_then(|e| e.execution_info.clone()),
                measures_taken: entry.and_then(|e| e.measures_taken.clone()),
                actual_date: entry.and_then(|e| e.actual_date),
                result: entry.and_then(|e| e.result.clone()),
                figures: entry
                    .map_or(Ok(Vec::new()), |e| stored(&e.figures_json, "figures", e.id))?
                    .into_iter()
                    .map(|mut f: Figure| {
                        // Figures stored before written forms existed get theirs.
                        f.settle("");
                        f
                    })
                    .collect(),
                evidence: entry.map_or(Ok(Vec::new()), |e| {
                    stored(&e.evidence_json, "evidence", e.id)
                })?,
                updated_at: entry.map(|e| timestamp(e.updated_at)),
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(Report {
        id: row.id,
        plan_id: plan.id,
        title: format!(
            "Отчёт о выполнении плана мероприятий «{}» {}",
            plan.title,
            period.kind.official_name(period.year, period.number)
        ),
        period,
        status: row.status()?,
        signatory: signatory_of(row),
        completion: completion_of(measures, end, plan.year)?,
        entries: shown,
        created_at: timestamp(row.created_at),
        updated_at: timestamp(row.updated_at),
    })
}
