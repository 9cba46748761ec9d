//! Queries on `organizing_plans` and their targets and measures: the region's plan for
//! organizing the assessment (seed 002). Targets and measures belong to their plan's version:
//! a write to either goes through the plan's row (`touch`), so one ETag guards the whole plan.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{organizing_measures, organizing_plans, organizing_targets};
use super::{versioned, DbConnection};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizing_plans)]
pub struct OrganizingPlanRow {
    pub id: i64,
    pub region_id: i64,
    pub year_from: i32,
    pub year_to: i32,
    pub title: String,
    pub order_number: Option<String>,
    pub order_date: Option<NaiveDate>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizing_targets)]
pub struct TargetRow {
    pub id: i64,
    pub plan_id: i64,
    pub position: i32,
    pub number: Option<String>,
    pub name: String,
    pub computed_from: Option<String>,
    pub values_json: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizing_measures)]
pub struct MeasureRow {
    pub id: i64,
    pub plan_id: i64,
    pub position: i32,
    pub number: Option<String>,
    pub title: String,
    pub form: Option<String>,
    pub deadline_text: String,
    pub deadline_json: String,
    pub executors: Option<String>,
    pub status: String,
}

/// What a plan says of itself; targets and measures apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanValues {
    pub region_id: i64,
    pub year_from: i32,
    pub year_to: i32,
    pub title: String,
    pub order_number: Option<String>,
    pub order_date: Option<NaiveDate>,
}

/// A target to store.
#[derive(Debug, Clone)]
pub struct TargetValues {
    pub number: Option<String>,
    pub name: String,
    pub computed_from: Option<&'static str>,
    pub values_json: String,
}

/// A measure to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureValues {
    pub number: Option<String>,
    pub title: String,
    pub form: Option<String>,
    pub deadline_text: String,
    pub deadline_json: String,
    pub executors: Option<String>,
    pub status: &'static str,
}

impl MeasureRow {
    pub fn values(&self, status: &'static str) -> MeasureValues {
        MeasureValues {
            number: self.number.clone(),
            title: self.title.clone(),
            form: self.form.clone(),
            deadline_text: self.deadline_text.clone(),
            deadline_json: self.deadline_json.clone(),
            executors: self.executors.clone(),
            status,
        }
    }
}

pub fn find(conn: &mut DbConnection, id: i64) -> ApiResult<OrganizingPlanRow> {
    organizing_plans::table
        .find(id)
        .select(OrganizingPlanRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// Plans of the region after `after_id`, `limit + 1` at most, in id order.
pub fn list(
    conn: &mut DbConnection,
    region_id: i64,
    after_id: i64,
    limit: i64,
) -> ApiResult<Vec<OrganizingPlanRow>> {
    Ok(organizing_plans::table
        .filter(organizing_plans::region_id.eq(region_id))
        .filter(organizing_plans::id.gt(after_id))
        .order(organizing_plans::id)
        .limit(limit + 1)
        .select(OrganizingPlanRow::as_select())
        .load(conn)?)
}

/// How many organizing plans the region has.
pub fn count(conn: &mut DbConnection, region_id: i64) -> ApiResult<i64> {
    Ok(organizing_plans::table
        .filter(organizing_plans::region_id.eq(region_id))
        .count()
        .get_result(conn)?)
}

pub fn targets(conn: &mut DbConnection, plan_id: i64) -> ApiResult<Vec<TargetRow>> {
    Ok(organizing_targets::table
        .filter(organizing_targets::plan_id.eq(plan_id))
        .order(organizing_targets::position)
        .select(TargetRow::as_select())
        .load(conn)?)
}

pub fn measures(conn: &mut DbConnection, plan_id: i64) -> ApiResult<Vec<MeasureRow>> {
    Ok(organizing_measures::table
        .filter(organizing_measures::plan_id.eq(plan_id))
        .order(organizing_measures::position)
        .select(MeasureRow::as_select())
        .load(conn)?)
}

/// Stores a plan with its targets and measures, in their order.
pub fn insert(
    conn: &mut DbConnection,
    values: &PlanValues,
    targets: &[TargetValues],
    measures: &[MeasureValues],
) -> ApiResult<OrganizingPlanRow> {
    let row: OrganizingPlanRow = versioned::insert!(
        conn,
        organizing_plans,
        (
            organizing_plans::region_id.eq(values.region_id),
            organizing_plans::year_from.eq(values.year_from),
            organizing_plans::year_to.eq(values.year_to),
            organizing_plans::title.eq(&values.title),
            organizing_plans::order_number.eq(&values.order_number),
            organizing_plans::order_date.eq(values.order_date),
        )
    )?;
    for (position, target) in (1..).zip(targets) {
        diesel::insert_into(organizing_targets::table)
            .values((
                organizing_targets::plan_id.eq(row.id),
                organizing_targets::position.eq(position),
                organizing_targets::number.eq(&target.number),
                organizing_targets::name.eq(&target.name),
                organizing_targets::computed_from.eq(target.computed_from),
                organizing_targets::values_json.eq(&target.values_json),
            ))
            .execute(conn)?;
    }
    for (position, measure) in (1..).zip(measures) {
        diesel::insert_into(organizing_measures::table)
            .values((
                organizing_measures::plan_id.eq(row.id),
                organizing_measures::position.eq(position),
                measure_changes(measure),
            ))
            .execute(conn)?;
    }
    Ok(row)
}

/// The columns a measure's values set.
type MeasureChanges<'a> = (
    diesel::dsl::Eq<organizing_measures::number, &'a Option<String>>,
    diesel::dsl::Eq<organizing_measures::title, &'a String>,
    diesel::dsl::Eq<organizing_measures::form, &'a Option<String>>,
    diesel::dsl::Eq<organizing_measures::deadline_text, &'a String>,
    diesel::dsl::Eq<organizing_measures::deadline_json, &'a String>,
    diesel::dsl::Eq<organizing_measures::executors, &'a Option<String>>,
    diesel::dsl::Eq<organizing_measures::status, &'a str>,
);

fn measure_changes(values: &MeasureValues) -> MeasureChanges<'_> {
    (
        organizing_measures::number.eq(&values.number),
        organizing_measures::title.eq(&values.title),
        organizing_measures::form.eq(&values.form),
        organizing_measures::deadline_text.eq(&values.deadline_text),
        organizing_measures::deadline_json.eq(&values.deadline_json),
        organizing_measures::executors.eq(&values.executors),
        organizing_measures::status.eq(values.status),
    )
}

/// Moves the plan to its next version (a target or measure of it changed); 412 when another
/// write got there first.
pub fn touch(conn: &mut DbConnection, current: &OrganizingPlanRow) -> ApiResult<OrganizingPlanRow> {
    versioned::update!(
        conn,
        organizing_plans,
        (current.id, current.version),
        organizing_plans::title.eq(&current.title)
    )
}

pub fn find_target(conn: &mut DbConnection, plan_id: i64, id: i64) -> ApiResult<TargetRow> {
    organizing_targets::table
        .filter(organizing_targets::plan_id.eq(plan_id))
        .filter(organizing_targets::id.eq(id))
        .select(TargetRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

pub fn set_target_values(conn: &mut DbConnection, id: i64, values_json: &str) -> ApiResult<()> {
    diesel::update(organizing_targets::table.find(id))
        .set(organizing_targets::values_json.eq(values_json))
        .execute(conn)?;
    Ok(())
}

pub fn find_measure(conn: &mut DbConnection, plan_id: i64, id: i64) -> ApiResult<MeasureRow> {
    organizing_measures::table
        .filter(organizing_measures::plan_id.eq(plan_id))
        .filter(organizing_measures::id.eq(id))
        .select(MeasureRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

pub fn update_measure(conn: &mut DbConnection, id: i64, values: &MeasureValues) -> ApiResult<()> {
    diesel::update(organizing_measures::table.find(id))
        .set(measure_changes(values))
        .execute(conn)?;
    Ok(())
}
