//! `/api/v1/regions/{id}/summary`: the regional dashboard of one year — how much of the
//! region's network was assessed, mean scores, their distribution, who is overdue.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use chrono::Utc;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::cycles::UnassessedOrganization;
use super::ratings::RatingCache;
use super::{parse_filter, ListFilterErrors};
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::cycles::{self as cycle_store, Counted};
use crate::db::plans as plan_store;
use crate::db::schema::organizations;
use crate::db::{regions, Db, DbConnection};
use crate::domain::cycle as cycle_rules;
use crate::domain::methodology::{self, Settings};
use crate::domain::plan::Completion;
use crate::domain::rating::{self, Band, Snapshot};
use crate::error::{ApiError, ApiResult};
use crate::openapi::{BadRequest, NotFound};
use crate::views::plans::completion_of;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(summary);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// The year; defaults to the current one.
    #[param(value_type = Option<i32>, minimum = 2013, maximum = 2100, example = 2018)]
    pub year: Option<String>,
    /// The day plan figures (overdue measures) are computed for; default today.
    #[param(value_type = Option<chrono::NaiveDate>, example = "2018-12-31")]
    pub as_of: Option<String>,
}

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

/// Plan figures of the region's plans of `year`: all for its readers, public ones for others.
fn plan_figures(
    conn: &mut DbConnection,
    region_id: i64,
    year: i32,
    public_only: bool,
    as_of: chrono::NaiveDate,
) -> ApiResult<PlanFigures> {
    let plans = plan_store::of_region_year(conn, region_id, year, public_only)?;
    let ids: Vec<i64> = plans.iter().map(|p| p.id).collect();
    let measures = plan_store::measures_of_plans(conn, &ids)?;
    let mut total = Completion::default();
    let mut by_organization: BTreeMap<i64, OrganizationPlans> = BTreeMap::new();
    for plan in &plans {
        let own: Vec<_> = measures
            .iter()
            .filter(|m| m.plan_id == plan.id)
            .cloned()
            .collect();
        let completion = completion_of(&own, as_of, plan.year)?;
        total.merge(&completion);
        if let Some(organization_id) = plan.organization_id {
            let entry = by_organization
                .entry(organization_id)
                .or_insert(OrganizationPlans {
                    organization_id,
                    plans: 0,
                    completion: Completion::default(),
                });
            entry.plans += 1;
            entry.completion.merge(&completion);
        }
    }
    Ok(PlanFigures {
        as_of,
        plans: plans.len() as u64,
        completion: total,
        organizations: by_organization.into_values().collect(),
    })
}

/// The figures of the snapshots' results. Means are of unrounded values, rounded at the end
/// by the first cycle's settings (the default ones if there is none).
fn results(snapshots: &[(i64, i32, std::sync::Arc<Snapshot>)]) -> SummaryResults {
    let settings = snapshots
        .first()
        .map_or(Settings::DEFAULT, |(_, _, s)| s.settings);
    let entries: Vec<&rating::SnapshotEntry> = snapshots
        .iter()
        .flat_map(|(_, _, s)| s.entries.iter())
        .collect();
    let mean = |values: Vec<Decimal>| {
        let scores: Vec<(Decimal, u64)> = values.into_iter().map(|v| (v, 1)).collect();
        rating::region_total(&scores, methodology::RegionTotal::MeanOfTotals, &settings)
    };
    let mut by_code: BTreeMap<String, (String, Vec<Decimal>)> = BTreeMap::new();
    for (_, _, snapshot) in snapshots {
        let Some(m) = methodology::find(&snapshot.methodology_id) else {
            continue;
        };
        for entry in &snapshot.entries {
            for (criterion, result) in m.criteria.iter().zip(&entry.results.criteria) {
                let slot = by_code
                    .entry(criterion.code.into())
                    .or_insert_with(|| (criterion.name.into(), Vec::new()));
                slot.1.extend(result.value);
            }
        }
    }
    let totals: Vec<(Decimal, u64)> = entries
        .iter()
        .filter_map(|e| e.results.total.map(|t| (t, e.respondents)))
        .collect();
    let rounded: Vec<Decimal> = entries
        .iter()
        .filter_map(|e| e.results.total_rounded)
        .collect();
    SummaryResults {
        organizations: entries.len() as u64,
        cycles: snapshots
            .iter()
            .map(|(cycle_id, number, _)| SummaryCycle {
                cycle_id: *cycle_id,
                approval_number: *number,
            })
            .collect(),
        criteria: by_code
            .into_iter()
            .map(|(code, (name, values))| CriterionMean {
                code,
                name,
                mean: mean(values),
            })
            .collect(),
        total_mean: mean(totals.iter().map(|(t, _)| *t).collect()),
        region_total: rating::region_total(&totals, settings.region_total, &settings),
        distribution: rating::distribution(&rounded),
    }
}

fn active_count(conn: &mut DbConnection, region_id: i64) -> ApiResult<u64> {
    use diesel::prelude::*;
    let n: i64 = organizations::table
        .filter(organizations::region_id.eq(region_id))
        .filter(organizations::active.eq(true))
        .count()
        .get_result(conn)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

#[utoipa::path(
    operation_id = "get_region_summary",
    summary = "Regional summary of a year",
    tag = "summary",
    params(("id" = i64, Path, description = "Region id"), SummaryQuery),
    responses(
        (status = 200, description = "The region's year: coverage of the assessment, mean scores, distribution, organizations overdue for assessment", body = RegionSummary),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    ),
)]
#[get("/regions/{id}/summary")]
async fn summary(
    caller: Caller,
    db: web::Data<Db>,
    cache: web::Data<RatingCache>,
    id: web::Path<i64>,
    query: web::Query<SummaryQuery>,
) -> ApiResult<HttpResponse> {
    let region_id = id.into_inner();
    let mut errors = ListFilterErrors::default();
    let query = query.into_inner();
    let as_of = crate::views::plans::parse_as_of(&mut errors, query.as_of);
    let year = parse_filter(&mut errors, "year", query.year, |v| {
        v.parse::<i32>()
            .ok()
            .filter(|y| (cycle_rules::FIRST_YEAR..=cycle_rules::LAST_YEAR).contains(y))
    })
    .unwrap_or_else(|| chrono::Datelike::year(&Utc::now()));
    errors.into_result()?;
    let region = Target::region(region_id);
    // Published figures are public; the region's readers see approved, unpublished ones too.
    policy::authorize(
        &caller,
        &policy::REGION_SUMMARY,
        &Target {
            published: true,
            ..region
        },
    )?;
    let insider = policy::sees_unpublished(&caller, &policy::REGION_SUMMARY, &region);
    let cache = cache.into_inner();
    let summary = db
        .run(move |conn| {
            regions::find(conn, region_id)?;
            let active = active_count(conn, region_id)?;
            let counted = if insider {
                Counted::Started
            } else {
                Counted::Published
            };
            let in_year =
                cycle_store::assessed_in(conn, region_id, year..=year, counted)?.len() as u64;
            let in_three =
                cycle_store::assessed_in(conn, region_id, year - 2..=year, counted)?.len() as u64;
            let mut snapshots = Vec::new();
            for cycle in cycle_store::of_region_year(conn, region_id, year)? {
                let approval = if insider {
                    cycle.latest_approval_id
                } else {
                    cycle.published_approval_id
                };
                if let Some(approval) = approval {
                    let (row, snapshot) = cache.approval(conn, approval)?;
                    snapshots.push((cycle.id, row.number, snapshot));
                }
            }
            let overdue = cycle_store::unassessed(conn, region_id, year, counted)?
                .into_iter()
                .map(
                    |(organization_id, short_name, last_assessed)| UnassessedOrganization {
                        organization_id,
                        short_name,
                        last_assessed,
                    },
                )
                .collect();
            Ok::<_, ApiError>(RegionSummary {
                region_id,
                year,
                basis: if insider { "approved" } else { "published" }.into(),
                organizations_active: active,
                assessed_in_year: in_year,
                assessed_in_year_percent: rating::percent(in_year, active),
                assessed_in_three_years: in_three,
                assessed_in_three_years_percent: rating::percent(in_three, active),
                results: results(&snapshots),
                not_assessed_in_three_years: overdue,
                plans: plan_figures(conn, region_id, year, !insider, as_of)?,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(summary))
}
