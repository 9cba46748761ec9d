//! A cycle's deadlines and follow-up as the API shows and takes them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::follow_up::{Deadline, PlanProgress, ReportProgress, MAX_DEADLINES};

/// The deadlines a cycle's decision sets.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CycleDeadlines {
    pub cycle_id: i64,
    /// In the order the department gave them.
    pub deadlines: Vec<Deadline>,
}

/// The cycle's deadlines, all of them: they replace those it had.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"deadlines": [
    {"kind": "plans_due", "due_on": "2019-02-10"},
    {"kind": "reports_due", "due_on": "2019-12-01"},
    {"kind": "other", "due_on": "2019-02-20", "title": "Разместить планы на официальных сайтах учреждений"}]}))]
pub struct DeadlinesBody {
    #[schema(schema_with = deadline_list)]
    pub deadlines: Vec<Deadline>,
}

/// The schema of `deadlines`: at most [`MAX_DEADLINES`], the limit of their rule.
fn deadline_list() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(utoipa::openapi::Ref::from_schema_name("CycleDeadline"))
        .max_items(Some(MAX_DEADLINES as usize))
        .build()
}

/// One assessed organization: how far its plan and its report have come, late or not.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"organization_id": 5, "organization": "ГБУСО ВО «Вязниковский дом-интернат»",
    "plan_id": 12, "plan_status": "submitted", "plan_late": false,
    "report_id": null, "report_status": "none", "report_late": true}))]
pub struct FollowUpLine {
    pub organization_id: i64,
    /// Its short name.
    pub organization: String,
    /// Its plan on the cycle (the one furthest on, if several).
    pub plan_id: Option<i64>,
    pub plan_status: PlanProgress,
    /// The plans' deadline has passed and the plan is not handed in.
    pub plan_late: bool,
    /// The report on that plan furthest on.
    pub report_id: Option<i64>,
    pub report_status: ReportProgress,
    /// The reports' deadline has passed and the report is not handed in.
    pub report_late: bool,
}

/// A page of a cycle's follow-up on a day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUp {
    pub cycle_id: i64,
    /// The day the statuses are judged on.
    pub as_of: NaiveDate,
    pub plans_due_on: Option<NaiveDate>,
    pub reports_due_on: Option<NaiveDate>,
    /// Organizations in organization id order.
    pub items: Vec<FollowUpLine>,
    /// Cursor of the next page; `null` on the last page. The `Link` header (`rel="next"`) names
    /// the same page as a URL.
    pub next_cursor: Option<String>,
    /// How many lines the filters keep across all pages; sent only when asked for with
    /// `total=true` (and then also in `X-Total-Count`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false, minimum = 0, example = 16)]
    pub total: Option<i64>,
}
