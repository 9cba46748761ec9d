//! The region's organizing plan (seed 002) as the API shows and takes it.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{limits, nullable};
use crate::domain::deadline::Deadline;
use crate::domain::organizing::{self as rules, ActualSource, ComputedFrom, YearValue};
use crate::domain::plan::MeasureStatus;
use crate::domain::plan_form::RowWarning;

/// A plan for organizing the assessment in a region over a range of years, approved by an
/// order of the authority (seed 002: KhMAO order 819-р, 2016–2018). Public once recorded:
/// such orders are published documents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizingPlan {
    pub id: i64,
    pub region_id: i64,
    pub year_from: i32,
    pub year_to: i32,
    pub title: String,
    /// Number of the order (приказ) that approved the plan.
    pub order_number: Option<String>,
    pub order_date: Option<NaiveDate>,
    /// Which cycles the computed actuals count: `started` (every cycle past its draft) for the
    /// region's authority, council, admin and auditor; `published` for everyone else.
    #[schema(example = "published")]
    pub actuals_basis: String,
    pub targets: Vec<OrganizingTarget>,
    pub measures: Vec<OrganizingMeasure>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A target indicator (целевой показатель) with its years: planned against actual.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizingTarget {
    pub id: i64,
    /// 1-based place in the plan.
    pub position: i32,
    pub number: Option<String>,
    /// The indicator's official wording.
    pub name: String,
    /// The service's own figure that gives the actual value; `null`: entered only.
    pub computed_from: Option<ComputedFrom>,
    /// Every year of the plan's range and every year with a value, in order.
    pub years: Vec<TargetYear>,
}

/// One year of a target: planned, actual and whether the plan was met.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"year": 2016, "planned": "50", "actual": "66.67", "source": "computed",
    "met": true, "computed": "66.67", "entered": null}))]
pub struct TargetYear {
    pub year: i32,
    #[schema(value_type = Option<String>)]
    pub planned: Option<Decimal>,
    /// The service's own figure where it has one for the year, else the entered one.
    #[schema(value_type = Option<String>)]
    pub actual: Option<Decimal>,
    /// Where `actual` comes from; `null` without one.
    pub source: Option<ActualSource>,
    /// `actual >= planned` (the targets are floors); `null` without either.
    pub met: Option<bool>,
    /// The service's own figure: the share (%) of the region's active organizations assessed
    /// in the year (two decimals), or the council meetings held on the assessment in the year;
    /// `null` where the service has no data of the year.
    #[schema(value_type = Option<String>)]
    pub computed: Option<Decimal>,
    /// The actual value as entered (a reported year of the order, a figure entered since).
    #[schema(value_type = Option<String>)]
    pub entered: Option<Decimal>,
}

/// A measure of the plan (мероприятие); council meeting topics (1.1–1.8 in seed 002) are
/// measures numbered under their measure.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizingMeasure {
    pub id: i64,
    pub position: i32,
    /// As written without the trailing dot: «1», «1.1».
    pub number: Option<String>,
    /// The measure a numbered sub-item belongs to: «1» for «1.1».
    pub parent_number: Option<String>,
    pub title: String,
    /// «Форма реализации».
    pub form: Option<String>,
    /// «Сроки исполнения»: as written and structured.
    pub deadline: Deadline,
    /// «Ответственные исполнители», as written.
    pub executors: Option<String>,
    pub status: MeasureStatus,
    /// Derived for today from the deadline and the plan's last year.
    pub next_due: Option<NaiveDate>,
    pub overdue: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"year_from": 2016, "year_to": 2018,
    "title": "План мероприятий по организации и проведению независимой оценки качества на 2016-2018 годы",
    "order_number": "819-р", "order_date": "2016-11-30",
    "targets": [{"number": "1", "name": "Доля организаций, в отношении которых проведена независимая оценка, в %",
        "values": [{"year": 2015, "actual": "0"}, {"year": 2016, "planned": "50.0"}]}],
    "measures": [{"number": "1.1", "title": "о перечне организаций", "form": "Решение Общественного совета",
        "deadline": "до 1 декабря", "executors": "Пономарева Т.А., Бодак А.В."}]}))]
pub struct NewOrganizingPlan {
    #[schema(schema_with = limits::year::<{ rules::FIRST_YEAR }, { rules::LAST_YEAR }>)]
    pub year_from: i32,
    #[schema(schema_with = limits::year::<{ rules::FIRST_YEAR }, { rules::LAST_YEAR }>)]
    pub year_to: i32,
    #[schema(schema_with = limits::text::<1, { rules::MAX_TITLE }>)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = limits::nullable_text::<1, { rules::MAX_ORDER_NUMBER }>, required = false)]
    pub order_number: Option<String>,
    #[serde(default)]
    pub order_date: Option<NaiveDate>,
    #[serde(default)]
    pub targets: Vec<NewTarget>,
    #[serde(default)]
    pub measures: Vec<NewOrganizingMeasure>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTarget {
    #[serde(default)]
    pub number: Option<String>,
    #[schema(schema_with = limits::text::<1, { rules::MAX_TEXT }>)]
    pub name: String,
    /// Leave out to take it from the name (the wordings of seed 002 are recognised); `null`:
    /// entered only.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ComputedFrom>, required = false)]
    pub computed_from: Option<Option<ComputedFrom>>,
    #[serde(default)]
    pub values: Vec<YearValue>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganizingMeasure {
    #[serde(default)]
    pub number: Option<String>,
    #[schema(schema_with = limits::text::<1, { rules::MAX_TEXT }>)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = limits::nullable_text::<1, { rules::MAX_TEXT }>, required = false)]
    pub form: Option<String>,
    /// As written: «до 31 марта», «постоянно», «2 раза в 2016 году, далее 1 раз в квартал».
    #[schema(schema_with = measure_deadline)]
    pub deadline: String,
    #[serde(default)]
    #[schema(schema_with = limits::nullable_text::<1, { rules::MAX_TEXT }>, required = false)]
    pub executors: Option<String>,
    /// `planned` when left out.
    #[serde(default)]
    pub status: Option<MeasureStatus>,
}

/// A year of a target as the authority sets it; `null` clears a value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"planned": "50.0", "actual": "48.5"}))]
pub struct TargetYearValues {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub planned: Option<Decimal>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub actual: Option<Decimal>,
}

/// A JSON merge patch of a measure.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "done"}))]
pub struct OrganizingMeasurePatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = MeasureStatus, required = false)]
    pub status: Option<Option<MeasureStatus>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = limits::nullable_text::<1, { rules::MAX_TEXT }>, required = false)]
    pub form: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = limits::text::<1, { rules::MAX_TEXT }>, required = false)]
    pub deadline: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = limits::nullable_text::<1, { rules::MAX_TEXT }>, required = false)]
    pub executors: Option<Option<String>>,
}

/// The schema of a measure's `deadline`: the limit of its rule, and the description
/// `schema_with` would drop from the field's doc.
fn measure_deadline() -> utoipa::openapi::schema::Object {
    let mut schema = limits::text::<1, { rules::MAX_TEXT }>();
    schema.description = Some(
        "As written: «до 31 марта», «постоянно», «2 раза в 2016 году, далее 1 раз в квартал»."
            .into(),
    );
    schema
}

/// What an import created (or, in a dry run, would create).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizingImportResult {
    pub dry_run: bool,
    /// The plan as stored; in a dry run, as it would be stored (its ids are not kept).
    pub plan: OrganizingPlan,
    /// Row-level notes: joined page-break fragments, deadlines kept as text.
    pub warnings: Vec<RowWarning>,
}
