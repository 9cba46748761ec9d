//! Queries of a cycle's follow-up: its deadlines (`cycle_deadlines`), and for each organization
//! it assesses the plans drawn up on it and their reports.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{cycle_deadlines, cycle_organizations, organizations, plans, reports};
use super::DbConnection;
use crate::domain::follow_up::{Deadline, DeadlineKind};
use crate::error::{ApiError, ApiResult};

/// The cycle's deadlines in their order.
pub fn deadlines(conn: &mut DbConnection, cycle_id: i64) -> ApiResult<Vec<Deadline>> {
    let rows: Vec<(String, NaiveDate, String)> = cycle_deadlines::table
        .filter(cycle_deadlines::cycle_id.eq(cycle_id))
        .order(cycle_deadlines::position)
        .select((
            cycle_deadlines::kind,
            cycle_deadlines::due_on,
            cycle_deadlines::title,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(kind, due_on, title)| {
            let kind = DeadlineKind::parse(&kind).ok_or_else(|| {
                ApiError::internal(format!("cycle {cycle_id} has a deadline of kind {kind}"))
            })?;
            Ok(Deadline {
                kind,
                due_on,
                title: Some(title),
            })
        })
        .collect()
}

/// Replaces the cycle's deadlines with `deadlines` (titles filled).
pub fn replace_deadlines(
    conn: &mut DbConnection,
    cycle_id: i64,
    deadlines: &[Deadline],
) -> ApiResult<()> {
    diesel::delete(cycle_deadlines::table.filter(cycle_deadlines::cycle_id.eq(cycle_id)))
        .execute(conn)?;
    for (position, deadline) in deadlines.iter().enumerate() {
        diesel::insert_into(cycle_deadlines::table)
            .values((
                cycle_deadlines::cycle_id.eq(cycle_id),
                cycle_deadlines::position.eq(i32::try_from(position).map_err(ApiError::internal)?),
                cycle_deadlines::kind.eq(deadline.kind.as_str()),
                cycle_deadlines::due_on.eq(deadline.due_on),
                cycle_deadlines::title.eq(deadline.title.as_deref().unwrap_or_default()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// An organization the cycle assesses, as the follow-up names it.
#[derive(Debug, Clone, Queryable)]
pub struct Assessed {
    pub organization_id: i64,
    pub short_name: String,
}

/// The organizations the cycle assesses in id order; with `only`, that one alone.
pub fn assessed(
    conn: &mut DbConnection,
    cycle_id: i64,
    only: Option<i64>,
) -> ApiResult<Vec<Assessed>> {
    let mut query = cycle_organizations::table
        .inner_join(organizations::table)
        .filter(cycle_organizations::cycle_id.eq(cycle_id))
        .select((organizations::id, organizations::short_name))
        .order(organizations::id)
        .into_boxed();
    if let Some(only) = only {
        query = query.filter(organizations::id.eq(only));
    }
    Ok(query.load(conn)?)
}

/// A plan drawn up on the cycle: whose, and its status.
#[derive(Debug, Clone, Queryable)]
pub struct PlanOnCycle {
    pub id: i64,
    pub organization_id: Option<i64>,
    pub status: String,
}

/// The plans drawn up on the cycle, in id order.
pub fn plans(conn: &mut DbConnection, cycle_id: i64) -> ApiResult<Vec<PlanOnCycle>> {
    Ok(plans::table
        .filter(plans::cycle_id.eq(cycle_id))
        .select((plans::id, plans::organization_id, plans::status))
        .order(plans::id)
        .load(conn)?)
}

/// The reports on the plans drawn up on the cycle: (report id, plan id, status), in id order.
pub fn reports(conn: &mut DbConnection, cycle_id: i64) -> ApiResult<Vec<(i64, i64, String)>> {
    Ok(reports::table
        .inner_join(plans::table)
        .filter(plans::cycle_id.eq(cycle_id))
        .select((reports::id, reports::plan_id, reports::status))
        .order(reports::id)
        .load(conn)?)
}
