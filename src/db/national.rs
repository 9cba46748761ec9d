//! Aggregates of every region at once for the national summary: one grouped query per figure,
//! not one query per region.

use std::collections::HashMap;

use diesel::dsl::{count, count_star};
use diesel::prelude::*;

use super::cycles::Counted;
use super::schema::{cycle_organizations, cycles, organizations, regions};
use super::DbConnection;
use crate::domain::cycle::CycleStatus;
use crate::error::ApiResult;

/// Every region: id, code, name, in id order.
pub fn regions(conn: &mut DbConnection) -> ApiResult<Vec<(i64, String, String)>> {
    Ok(regions::table
        .select((regions::id, regions::code, regions::name))
        .order(regions::id)
        .load(conn)?)
}

/// Active organizations per region.
pub fn active_by_region(conn: &mut DbConnection) -> ApiResult<HashMap<i64, u64>> {
    let rows: Vec<(i64, i64)> = organizations::table
        .filter(organizations::active.eq(true))
        .group_by(organizations::region_id)
        .select((organizations::region_id, count_star()))
        .load(conn)?;
    Ok(counts(rows))
}

/// Active organizations per region that a counted cycle of their own region assesses in
/// `years` (as `cycles::assessed_in` counts one region).
pub fn assessed_by_region(
    conn: &mut DbConnection,
    years: std::ops::RangeInclusive<i32>,
    counted: Counted,
) -> ApiResult<HashMap<i64, u64>> {
    let query = cycle_organizations::table
        .inner_join(organizations::table)
        .inner_join(cycles::table)
        .filter(organizations::active.eq(true))
        .filter(cycles::region_id.eq(organizations::region_id))
        .filter(cycle_organizations::year.between(*years.start(), *years.end()))
        .group_by(organizations::region_id)
        .select((
            organizations::region_id,
            count(cycle_organizations::organization_id).aggregate_distinct(),
        ))
        .into_boxed();
    let query = match counted {
        Counted::Started => query.filter(cycles::status.ne(CycleStatus::Draft.as_str())),
        Counted::Published => query.filter(cycles::published_approval_id.is_not_null()),
    };
    let rows: Vec<(i64, i64)> = query.load(conn)?;
    Ok(counts(rows))
}

/// Cycles of `year` with an approval to show: (region, cycle, approval id), the published
/// approval or with `approved` the latest one, in cycle id order.
pub fn approvals_of_year(
    conn: &mut DbConnection,
    year: i32,
    approved: bool,
) -> ApiResult<Vec<(i64, i64, i64)>> {
    let rows: Vec<(i64, i64, Option<i64>, Option<i64>)> = cycles::table
        .filter(cycles::year.eq(year))
        .filter(
            cycles::published_approval_id
                .is_not_null()
                .or(cycles::latest_approval_id.is_not_null()),
        )
        .order(cycles::id)
        .select((
            cycles::region_id,
            cycles::id,
            cycles::latest_approval_id,
            cycles::published_approval_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(region, cycle, latest, published)| {
            let approval = if approved { latest } else { published };
            approval.map(|a| (region, cycle, a))
        })
        .collect())
}

fn counts(rows: Vec<(i64, i64)>) -> HashMap<i64, u64> {
    rows.into_iter()
        .map(|(region, n)| (region, u64::try_from(n).unwrap_or(0)))
        .collect()
}
