//! The regional summary of a year: how much of the region's network was assessed, mean
//! scores, their distribution, who is overdue, and how far the improvement plans have come.

use std::collections::BTreeMap;

use actix_web::web::Bytes;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::app::ratings::RatingCache;
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::bounded::BoundedMap;
use crate::db::cycles::{self as cycle_store, Counted};
use crate::db::plans as plan_store;
use crate::db::versions::NATIONAL;
use crate::db::{organizations, regions, Db, DbConnection};
use crate::domain::methodology::{self, Settings};
use crate::domain::plan::Completion;
use crate::domain::rating::{self, Snapshot};
use crate::error::ApiResult;
use crate::views::cycles::UnassessedOrganization;
use crate::views::plans::completion_of;
use crate::views::summary::{
    CriterionMean, CycleFollowUp, OrganizationPlans, PlanFigures, RegionSummary, SummaryCycle,
    SummaryResults,
};

/// Plan figures of the region's plans of `year`: all for its readers, public ones for others.
fn plan_figures(
    conn: &mut DbConnection,
    region_id: i64,
    year: i32,
    public_only: bool,
    as_of: NaiveDate,
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

/// The summary of the region's `year`, plan figures on `as_of`: published figures for
/// everyone, approved unpublished ones too for the region's readers.
pub fn summary(
    conn: &mut DbConnection,
    caller: &Caller,
    cache: &RatingCache,
    (region_id, year): (i64, i32),
    as_of: NaiveDate,
) -> ApiResult<RegionSummary> {
    let region = Target::region(region_id);
    policy::authorize(
        caller,
        &policy::REGION_SUMMARY,
        &Target {
            published: true,
            ..region
        },
    )?;
    let insider = policy::sees_unpublished(caller, &policy::REGION_SUMMARY, &region);
    regions::find(conn, region_id)?;
    let active = organizations::count_active(conn, region_id)?;
    let counted = if insider {
        Counted::Started
    } else {
        Counted::Published
    };
    let in_year = cycle_store::assessed_in(conn, region_id, year..=year, counted)?.len() as u64;
    let in_three =
        cycle_store::assessed_in(conn, region_id, year - 2..=year, counted)?.len() as u64;
    let mut snapshots = Vec::new();
    let mut follow_up = Vec::new();
    for cycle in cycle_store::of_region_year(conn, region_id, year)? {
        if insider {
            let counts = super::follow_up::counts(conn, cycle.id, as_of)?;
            follow_up.push(CycleFollowUp {
                cycle_id: cycle.id,
                organizations: counts.organizations,
                plans_handed_in: counts.plans_handed_in,
                plans_late: counts.plans_late,
                reports_handed_in: counts.reports_handed_in,
                reports_late: counts.reports_late,
            });
        }
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
        .map(UnassessedOrganization::from)
        .collect();
    Ok(RegionSummary {
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
        council_meetings_held: crate::db::council_meetings::count_held(conn, region_id, year)?,
        follow_up,
    })
}

/// What one summary answer is a function of besides the data: region, year, whether the
/// caller sees approved unpublished figures, and the resolved day of the plan figures.
type SummaryKey = (i64, i32, bool, NaiveDate);

/// Serialized summaries, each kept with the versions of its region and of the national data
/// it was computed at: reused while both are unchanged (every write the summary shows bumps one
/// of them, see `db::versions`), so it is computed once per change. Bounded in entries and bytes.
pub struct SummaryCache(BoundedMap<SummaryKey, ((i64, i64), Bytes)>);

impl SummaryCache {
    pub fn new(entries: usize, bytes: usize) -> Self {
        Self(BoundedMap::new(entries, bytes))
    }
}

/// [`summary`] as its JSON body, from the cache when the data it was computed from is
/// unchanged (no database hop), else computed anew.
pub async fn summary_json(
    db: &Db,
    caller: Caller,
    cache: std::sync::Arc<RatingCache>,
    summaries: std::sync::Arc<SummaryCache>,
    (region_id, year): (i64, i32),
    as_of: NaiveDate,
) -> ApiResult<Bytes> {
    let region = Target::region(region_id);
    policy::authorize(
        &caller,
        &policy::REGION_SUMMARY,
        &Target {
            published: true,
            ..region
        },
    )?;
    let insider = policy::sees_unpublished(&caller, &policy::REGION_SUMMARY, &region);
    let key = (region_id, year, insider, as_of);
    let versions = db.versions().await?;
    let version = (versions.region(region_id), versions.get(NATIONAL));
    if let Some((at, body)) = summaries.0.get(&key) {
        if at == version {
            return Ok(body);
        }
    }
    // Computed after the versions were read: as current as they are, or more.
    let body = db
        .run(move |conn| {
            let summary = summary(conn, &caller, &cache, (region_id, year), as_of)?;
            serde_json::to_vec(&summary).map_err(crate::error::ApiError::internal)
        })
        .await?;
    let body = Bytes::from(body);
    let bytes = body.len() + std::mem::size_of::<(SummaryKey, (i64, i64))>();
    summaries.0.insert(key, (version, body.clone()), bytes);
    Ok(body)
}
