//! The regional summary of a year as the API shows it.

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::cycles::UnassessedOrganization;
use crate::domain::plan::Completion;
use crate::domain::rating::Band;

/// The mean of a criterion over the region's approved results.
#[derive(Debug, Serialize, ToSchema)]
pub struct CriterionMean {
    #[schema(example = "K1")]
    pub code: String,
    pub name: String,
    #[schema(value_type = Option<String>, example = "88.41")]
    pub mean: Option<Decimal>,
}

/// A cycle whose approved results the figures include.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryCycle {
    pub cycle_id: i64,
    pub approval_number: i32,
}

/// Scores of the year's approved results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryResults {
    /// Organizations with approved results this year.
    pub organizations: u64,
    pub cycles: Vec<SummaryCycle>,
    pub criteria: Vec<CriterionMean>,
    /// The plain mean of the organizations' totals.
    #[schema(value_type = Option<String>, example = "87.35")]
    pub total_mean: Option<Decimal>,
    /// The region's total for the sector by the cycles' `region_total` setting (the mean of
    /// totals by default).
    #[schema(value_type = Option<String>, example = "87.35")]
    pub region_total: Option<Decimal>,
    /// Organizations by rounded total.
    pub distribution: Vec<Band>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionSummary {
    pub region_id: i64,
    pub year: i32,
    /// `approved`: the latest approval of each cycle (the region's own readers); `published`:
    /// the published ones only (everyone else).
    #[schema(example = "published")]
    pub basis: String,
    pub organizations_active: u64,
    /// Active organizations a cycle of this year assesses (a draft cycle does not count; for
    /// callers who see only published data, only published cycles count).
    pub assessed_in_year: u64,
    /// `assessed_in_year` as a percentage of the active organizations, two decimals.
    #[schema(value_type = Option<String>, example = "34.55")]
    pub assessed_in_year_percent: Option<Decimal>,
    /// Active organizations assessed this year or in the two years before: each must be
    /// assessed at least once in three years.
    pub assessed_in_three_years: u64,
    #[schema(value_type = Option<String>, example = "100")]
    pub assessed_in_three_years_percent: Option<Decimal>,
    pub results: SummaryResults,
    /// Active organizations not assessed in the three years.
    pub not_assessed_in_three_years: Vec<UnassessedOrganization>,
    pub plans: PlanFigures,
    /// Meetings of the region's public council held in the year.
    pub council_meetings_held: i64,
    /// Per cycle of the year, its follow-up on `as_of` (the region's readers only; empty for
    /// everyone else).
    pub follow_up: Vec<CycleFollowUp>,
}

/// How many of a cycle's organizations have handed in their plans and reports, and how many
/// are late, on the summary's `as_of`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CycleFollowUp {
    pub cycle_id: i64,
    pub organizations: u64,
    pub plans_handed_in: u64,
    pub plans_late: u64,
    pub reports_handed_in: u64,
    pub reports_late: u64,
}

/// Improvement plans of the year and how far their measures have come, on `as_of`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanFigures {
    pub as_of: chrono::NaiveDate,
    pub plans: u64,
    /// Over every plan of the region and year (region-wide ones included).
    pub completion: Completion,
    /// Per organization with a plan, by id.
    pub organizations: Vec<OrganizationPlans>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationPlans {
    pub organization_id: i64,
    pub plans: u64,
    pub completion: Completion,
}

/// One region's line of the national summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationalRegion {
    pub region_id: i64,
    #[schema(example = "77")]
    pub code: String,
    #[schema(example = "г. Москва")]
    pub name: String,
    pub organizations_active: u64,
    /// Active organizations a counted cycle of the region assesses in the year.
    pub assessed_in_year: u64,
    #[schema(value_type = Option<String>, example = "34.55")]
    pub assessed_in_year_percent: Option<Decimal>,
    /// Active organizations assessed in the year or the two years before.
    pub assessed_in_three_years: u64,
    #[schema(value_type = Option<String>, example = "100")]
    pub assessed_in_three_years_percent: Option<Decimal>,
    /// Cycles of the year whose results the figures include (published ones, or for
    /// `approved` every cycle with an approval).
    pub cycles: u64,
    /// Organizations with results in those cycles.
    pub organizations_with_results: u64,
    /// The plain mean of their totals.
    #[schema(value_type = Option<String>, example = "87.35")]
    pub total_mean: Option<Decimal>,
}

/// The country's figures: the regions' added up, the mean over every organization's total.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationalTotals {
    pub regions: u64,
    pub organizations_active: u64,
    pub assessed_in_year: u64,
    #[schema(value_type = Option<String>, example = "34.55")]
    pub assessed_in_year_percent: Option<Decimal>,
    pub assessed_in_three_years: u64,
    #[schema(value_type = Option<String>, example = "100")]
    pub assessed_in_three_years_percent: Option<Decimal>,
    pub cycles: u64,
    pub organizations_with_results: u64,
    #[schema(value_type = Option<String>, example = "87.35")]
    pub total_mean: Option<Decimal>,
}

/// The national summary of a year: every region's coverage and mean total, and the totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationalSummary {
    pub year: i32,
    /// `published` for everyone; `approved` (the latest approval of each cycle) for admin and
    /// auditor.
    #[schema(example = "published")]
    pub basis: String,
    pub regions: Vec<NationalRegion>,
    pub totals: NationalTotals,
}
