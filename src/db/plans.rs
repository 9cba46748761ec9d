//! Queries on `plans`, their `plan_sections` and `measures`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{measures, plan_sections, plans};
use super::{now, versioned, DbConnection};
use crate::domain::access::{Scope, Visibility};
use crate::domain::plan::PlanStatus;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: i64,
    pub region_id: i64,
    pub organization_id: Option<i64>,
    pub cycle_id: Option<i64>,
    pub year: i32,
    pub methodology_id: String,
    pub title: String,
    pub basis: Option<String>,
    pub approver_position: Option<String>,
    pub approver_name: Option<String>,
    pub approved_on: Option<NaiveDate>,
    pub approval_document: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub status: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub decision_number: Option<String>,
    pub decision_date: Option<NaiveDate>,
    pub decision_title: Option<String>,
}

/// Column values of a plan, as written on create and update.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, AsChangeset)]
#[diesel(table_name = plans, treat_none_as_null = true)]
pub struct PlanValues {
    pub region_id: i64,
    pub organization_id: Option<i64>,
    pub cycle_id: Option<i64>,
    pub year: i32,
    pub methodology_id: String,
    pub title: String,
    pub basis: Option<String>,
    pub approver_position: Option<String>,
    pub approver_name: Option<String>,
    pub approved_on: Option<NaiveDate>,
    pub approval_document: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub status: String,
    pub decision_number: Option<String>,
    pub decision_date: Option<NaiveDate>,
    pub decision_title: Option<String>,
}

impl PlanRow {
    pub fn status(&self) -> ApiResult<PlanStatus> {
        PlanStatus::parse(&self.status).ok_or_else(|| {
            ApiError::internal(format!(
                "plan {} has unknown status {:?}",
                self.id, self.status
            ))
        })
    }

    pub fn values(&self) -> PlanValues {
        PlanValues {
            region_id: self.region_id,
            organization_id: self.organization_id,
            cycle_id: self.cycle_id,
            year: self.year,
            methodology_id: self.methodology_id.clone(),
            title: self.title.clone(),
            basis: self.basis.clone(),
            approver_position: self.approver_position.clone(),
            approver_name: self.approver_name.clone(),
            approved_on: self.approved_on,
            approval_document: self.approval_document.clone(),
            due_date: self.due_date,
            status: self.status.clone(),
            decision_number: self.decision_number.clone(),
            decision_date: self.decision_date,
            decision_title: self.decision_title.clone(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plan_sections)]
pub struct SectionRow {
    pub id: i64,
    pub plan_id: i64,
    pub position: i32,
    pub criterion: Option<String>,
    pub heading: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = measures)]
pub struct MeasureRow {
    pub id: i64,
    pub plan_id: i64,
    pub section_id: i64,
    pub position: i32,
    pub number: Option<String>,
    pub shortcoming: Option<String>,
    pub evaluation_id: Option<i64>,
    pub indicator: Option<String>,
    pub title: String,
    pub basis: Option<String>,
    pub deadline_text: String,
    pub deadline_json: String,
    pub executors_json: String,
    pub expected_result: Option<String>,
    pub result_indicators: Option<String>,
    pub information_source: Option<String>,
    pub status: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Column values of a measure, as written on create and update.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, AsChangeset)]
#[diesel(table_name = measures, treat_none_as_null = true)]
pub struct MeasureValues {
    pub plan_id: i64,
    pub section_id: i64,
    pub position: i32,
    pub number: Option<String>,
    pub shortcoming: Option<String>,
    pub evaluation_id: Option<i64>,
    pub indicator: Option<String>,
    pub title: String,
    pub basis: Option<String>,
    pub deadline_text: String,
    pub deadline_json: String,
    pub executors_json: String,
    pub expected_result: Option<String>,
    pub result_indicators: Option<String>,
    pub information_source: Option<String>,
    pub status: String,
}

impl MeasureRow {
    pub fn values(&self) -> MeasureValues {
        MeasureValues {
            plan_id: self.plan_id,
            section_id: self.section_id,
            position: self.position,
            number: self.number.clone(),
            shortcoming: self.shortcoming.clone(),
            evaluation_id: self.evaluation_id,
            indicator: self.indicator.clone(),
            title: self.title.clone(),
            basis: self.basis.clone(),
            deadline_text: self.deadline_text.clone(),
            deadline_json: self.deadline_json.clone(),
            executors_json: self.executors_json.clone(),
            expected_result: self.expected_result.clone(),
            result_indicators: self.result_indicators.clone(),
            information_source: self.information_source.clone(),
            status: self.status.clone(),
        }
    }
}

pub fn find(conn: &mut DbConnection, id: i64) -> ApiResult<PlanRow> {
    plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// Takes the plan's row lock (PostgreSQL; SQLite writers already take turns), so that changes
/// of its measures, reports and status happen one after the other.
pub fn lock(conn: &mut DbConnection, id: i64) -> ApiResult<()> {
    diesel::update(plans::table.find(id))
        .set(plans::version.eq(plans::version))
        .execute(conn)?;
    Ok(())
}

pub fn insert(conn: &mut DbConnection, values: &PlanValues) -> ApiResult<PlanRow> {
    versioned::insert!(conn, plans, values)
}

/// Writes new values if the row is still at `version`; 412 when another write got there first.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    values: &PlanValues,
) -> ApiResult<PlanRow> {
    versioned::update!(conn, plans, (id, version), values)
}

/// A change of a measure (or of the plan's sections) is a change of the plan: its version moves,
/// so that the plan's ETag does too.
pub fn touch(conn: &mut DbConnection, id: i64) -> ApiResult<()> {
    diesel::update(plans::table.find(id))
        .set((
            plans::version.eq(plans::version + 1),
            plans::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    pub region_id: Option<i64>,
    /// The region by its code (`71`).
    pub region_code: Option<String>,
    pub organization_id: Option<i64>,
    pub year: Option<i32>,
    pub status: Option<PlanStatus>,
}

/// Plans matching `filter` that `visibility` lets the caller see, after `after_id` in id order.
pub fn list(
    conn: &mut DbConnection,
    filter: &PlanFilter,
    visibility: Visibility,
    after_id: i64,
    limit: i64,
) -> ApiResult<Vec<PlanRow>> {
    Ok(filtered(filter, visibility)
        .filter(plans::id.gt(after_id))
        .select(PlanRow::as_select())
        .order(plans::id)
        .limit(limit + 1)
        .load(conn)?)
}

/// How many plans match `filter` and `visibility`, whatever the page.
pub fn count(
    conn: &mut DbConnection,
    filter: &PlanFilter,
    visibility: Visibility,
) -> ApiResult<i64> {
    Ok(filtered(filter, visibility).count().get_result(conn)?)
}

fn filtered(
    filter: &PlanFilter,
    visibility: Visibility,
) -> plans::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend> {
    let mut query = plans::table.into_boxed();
    if let Some(region_id) = filter.region_id {
        query = query.filter(plans::region_id.eq(region_id));
    }
    if let Some(code) = &filter.region_code {
        query = query.filter(plans::region_id.eq_any(super::regions::with_code(code)));
    }
    if let Some(organization_id) = filter.organization_id {
        query = query.filter(plans::organization_id.eq(organization_id));
    }
    if let Some(year) = filter.year {
        query = query.filter(plans::year.eq(year));
    }
    if let Some(status) = filter.status {
        query = query.filter(plans::status.eq(status.as_str()));
    }
    if let Visibility::PublishedAnd {
        scope,
        region_id,
        organization_id,
        ..
    } = visibility
    {
        let public: Vec<&str> = PlanStatus::ALL
            .into_iter()
            .filter(|s| s.public())
            .map(PlanStatus::as_str)
            .collect();
        let published = plans::status.eq_any(public);
        // -1 matches no row: a scope whose key the caller lacks reaches nothing.
        query = match scope {
            Some(Scope::OwnRegion) => {
                query.filter(published.or(plans::region_id.eq(region_id.unwrap_or(-1))))
            }
            Some(Scope::OwnOrganization) => {
                query.filter(published.or(plans::organization_id.eq(organization_id.unwrap_or(-1))))
            }
            Some(Scope::All) | Some(Scope::AssignedCycle) | None => query.filter(published),
        };
    }
    query
}

pub fn sections(conn: &mut DbConnection, plan_id: i64) -> ApiResult<Vec<SectionRow>> {
    Ok(plan_sections::table
        .filter(plan_sections::plan_id.eq(plan_id))
        .order(plan_sections::position)
        .select(SectionRow::as_select())
        .load(conn)?)
}

pub fn insert_section(
    conn: &mut DbConnection,
    plan_id: i64,
    position: i32,
    criterion: Option<&str>,
    heading: &str,
) -> ApiResult<SectionRow> {
    Ok(diesel::insert_into(plan_sections::table)
        .values((
            plan_sections::plan_id.eq(plan_id),
            plan_sections::position.eq(position),
            plan_sections::criterion.eq(criterion),
            plan_sections::heading.eq(heading),
        ))
        .returning(plan_sections::all_columns)
        .get_result(conn)?)
}

/// The plan's measures in section and position order.
pub fn measures_of(conn: &mut DbConnection, plan_id: i64) -> ApiResult<Vec<MeasureRow>> {
    Ok(measures::table
        .inner_join(plan_sections::table)
        .filter(measures::plan_id.eq(plan_id))
        .order((plan_sections::position, measures::position))
        .select(MeasureRow::as_select())
        .load(conn)?)
}

/// Measures of several plans, for figures over a region.
pub fn measures_of_plans(conn: &mut DbConnection, plan_ids: &[i64]) -> ApiResult<Vec<MeasureRow>> {
    Ok(measures::table
        .filter(measures::plan_id.eq_any(plan_ids))
        .select(MeasureRow::as_select())
        .load(conn)?)
}

pub fn find_measure(conn: &mut DbConnection, plan_id: i64, id: i64) -> ApiResult<MeasureRow> {
    measures::table
        .filter(measures::plan_id.eq(plan_id))
        .filter(measures::id.eq(id))
        .select(MeasureRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// The next position at the end of a section.
pub fn next_position(conn: &mut DbConnection, section_id: i64) -> ApiResult<i32> {
    let last: Option<i32> = measures::table
        .filter(measures::section_id.eq(section_id))
        .select(diesel::dsl::max(measures::position))
        .first(conn)?;
    Ok(last.map_or(1, |p| p + 1))
}

pub fn insert_measure(conn: &mut DbConnection, values: &MeasureValues) -> ApiResult<MeasureRow> {
    versioned::insert!(conn, measures, values)
}

/// Writes new values if the measure is still at its version; 412 otherwise.
pub fn update_measure(
    conn: &mut DbConnection,
    current: &MeasureRow,
    values: &MeasureValues,
) -> ApiResult<MeasureRow> {
    versioned::update!(conn, measures, (current.id, current.version), values)
}

pub fn delete_measure(conn: &mut DbConnection, current: &MeasureRow) -> ApiResult<()> {
    versioned::delete!(conn, measures, (current.id, current.version))
}

/// Plans of a region (all, or only public ones) for a year, for the regional summary.
pub fn of_region_year(
    conn: &mut DbConnection,
    region_id: i64,
    year: i32,
    public_only: bool,
) -> ApiResult<Vec<PlanRow>> {
    let mut query = plans::table
        .filter(plans::region_id.eq(region_id))
        .filter(plans::year.eq(year))
        .select(PlanRow::as_select())
        .into_boxed();
    if public_only {
        let public: Vec<&str> = PlanStatus::ALL
            .into_iter()
            .filter(|s| s.public())
            .map(PlanStatus::as_str)
            .collect();
        query = query.filter(plans::status.eq_any(public));
    }
    Ok(query.order(plans::id).load(conn)?)
}
