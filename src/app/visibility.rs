//! Who may see what, in one place: each kind of resource described as the policy judges it —
//! its region, its organization, whether it is public, and for a cycle what ties the caller to
//! it (its organization assessed, its operator assigned). The rules themselves are the policy
//! table's (`auth::policy`); the same description is the `Target` a request is authorized
//! against and the `Exposure` the change feed stores, so the feed reaches whom the API shows.

use crate::auth::policy::{self, Rule, Target};
use crate::auth::Caller;
use crate::db::changes::Exposure;
use crate::db::cycles::{self as cycle_store, CycleRow};
use crate::db::plans::{self as plan_store, PlanRow};
use crate::db::proposals::ProposalRow;
use crate::db::reports::ReportRow;
use crate::db::DbConnection;
use crate::domain::cycle::CycleStatus;
use crate::domain::plan::ReportStatus;
use crate::error::ApiResult;

/// A resource as the policy judges it, from who it is for.
fn target_of(exposure: Exposure) -> Target {
    Target {
        region_id: exposure.region_id,
        organization_id: exposure.organization_id,
        assigned: false,
        published: exposure.public,
    }
}

/// Checks `rule` on a resource. Where the rule hides what is out of scope, a caller who may not
/// even read the resource under `read` gets 404 before any 401 or 403, so that unpublished
/// resources do not reveal that they exist.
pub fn check(caller: &Caller, rule: &Rule, read: &Rule, target: &Target) -> ApiResult<()> {
    if rule.hide_out_of_scope {
        policy::authorize(caller, read, target)?;
    }
    policy::authorize(caller, rule, target)?;
    Ok(())
}

/// A cycle: its region, and everyone once published. Once published, a cycle's approved
/// results stay public, even while it is reopened.
pub fn cycle_exposure(row: &CycleRow) -> Exposure {
    Exposure {
        region_id: Some(row.region_id),
        organization_id: None,
        public: row.published_approval_id.is_some(),
    }
}

/// A cycle for `caller`: the caller's organization if the cycle assesses it, and whether the
/// caller is one of its operators.
pub fn cycle_target(
    conn: &mut DbConnection,
    cycle: &CycleRow,
    caller: &Caller,
) -> ApiResult<Target> {
    let (organization_id, assigned) = cycle_ties(conn, cycle.id, caller)?;
    Ok(Target {
        organization_id,
        assigned,
        ..target_of(cycle_exposure(cycle))
    })
}

/// What ties `caller` to the cycle `id`: its organization if the cycle assesses it, and
/// whether it is one of the cycle's operators.
fn cycle_ties(conn: &mut DbConnection, id: i64, caller: &Caller) -> ApiResult<(Option<i64>, bool)> {
    let principal = caller.principal();
    let organization_id = match principal.and_then(|p| p.organization_id) {
        Some(org) if cycle_store::assesses(conn, id, Some(org))? => Some(org),
        _ => None,
    };
    let assigned = cycle_store::is_assigned(conn, id, principal.and_then(|p| p.user_id))?;
    Ok((organization_id, assigned))
}

/// Loads the cycle `id` with its [`cycle_target`] for `caller`. The ties are read by id before
/// the row is looked at, so a missing cycle costs the queries a hidden one does: the two differ
/// neither in the answer nor in the work.
pub fn cycle_with_target(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
) -> ApiResult<(CycleRow, Target)> {
    let row = cycle_store::find(conn, id);
    let (organization_id, assigned) = cycle_ties(conn, id, caller)?;
    let row = row?;
    let target = Target {
        organization_id,
        assigned,
        ..target_of(cycle_exposure(&row))
    };
    Ok((row, target))
}

/// [`cycle_with_target`] for the cycle's live data (evaluations): public only while the cycle
/// itself is published, not while a reopened cycle is corrected under its earlier publication.
pub fn live_cycle_with_target(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
) -> ApiResult<(CycleRow, Target)> {
    let (row, mut target) = cycle_with_target(conn, id, caller)?;
    target.published = row.status()? == CycleStatus::Published;
    Ok((row, target))
}

/// Loads the cycle and checks `rule` for `caller` against it.
pub fn authorized_cycle(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
    rule: &Rule,
) -> ApiResult<CycleRow> {
    authorized_cycle_as(conn, id, caller, rule, cycle_with_target)
}

/// [`authorized_cycle`] for the cycle's live data, see [`live_cycle_with_target`].
pub fn authorized_live_cycle(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
    rule: &Rule,
) -> ApiResult<CycleRow> {
    authorized_cycle_as(conn, id, caller, rule, live_cycle_with_target)
}

fn authorized_cycle_as(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
    rule: &Rule,
    with_target: fn(&mut DbConnection, i64, &Caller) -> ApiResult<(CycleRow, Target)>,
) -> ApiResult<CycleRow> {
    let (row, target) = with_target(conn, id, caller)?;
    check(caller, rule, &policy::CYCLE_READ, &target)?;
    Ok(row)
}

/// An evaluation: live data of its organization, public only while its cycle is published.
pub fn evaluation_exposure(cycle: &CycleRow, organization_id: i64) -> ApiResult<Exposure> {
    Ok(Exposure {
        region_id: Some(cycle.region_id),
        organization_id: Some(organization_id),
        public: cycle.status()? == CycleStatus::Published,
    })
}

/// A council proposal: its region and organization (all of the cycle's when it has none),
/// everyone once the cycle is published.
pub fn proposal_exposure(cycle: &CycleRow, row: &ProposalRow) -> Exposure {
    Exposure {
        organization_id: row.organization_id,
        ..cycle_exposure(cycle)
    }
}

/// A plan: its region and organization, everyone once published.
pub fn plan_exposure(row: &PlanRow) -> ApiResult<Exposure> {
    Ok(Exposure {
        region_id: Some(row.region_id),
        organization_id: row.organization_id,
        public: row.status()?.public(),
    })
}

pub fn plan_target(row: &PlanRow) -> ApiResult<Target> {
    plan_exposure(row).map(target_of)
}

/// Loads the plan and checks `rule` for `caller` against it.
pub fn authorized_plan(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
    rule: &Rule,
) -> ApiResult<PlanRow> {
    let row = plan_store::find(conn, id)?;
    check(caller, rule, &policy::PLAN_READ, &plan_target(&row)?)?;
    Ok(row)
}

/// A report: its plan's region and organization; public once accepted, if its plan is.
pub fn report_exposure(plan: &PlanRow, row: &ReportRow) -> ApiResult<Exposure> {
    let mut exposure = plan_exposure(plan)?;
    exposure.public = exposure.public && row.status()? == ReportStatus::Accepted;
    Ok(exposure)
}

pub fn report_target(plan: &PlanRow, row: &ReportRow) -> ApiResult<Target> {
    report_exposure(plan, row).map(target_of)
}
