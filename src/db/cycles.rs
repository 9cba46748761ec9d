//! Queries on `cycles`, the organizations they assess and the operators assigned to them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    cycle_operators, cycle_organizations, cycles, evaluations, organizations, survey_responses,
    users,
};
use super::{now, versioned, DbConnection};
use crate::domain::access::{Scope, Visibility};
use crate::domain::cycle::CycleStatus;
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult, FieldError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cycles)]
pub struct CycleRow {
    pub id: i64,
    pub region_id: i64,
    pub year: i32,
    pub sector: String,
    pub methodology_id: String,
    pub settings_json: String,
    pub operator_name: Option<String>,
    pub operator_contract_number: Option<String>,
    pub operator_contract_date: Option<NaiveDate>,
    pub council_decision_number: Option<String>,
    pub council_decision_date: Option<NaiveDate>,
    pub status: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub latest_approval_id: Option<i64>,
    pub published_approval_id: Option<i64>,
    pub published_at: Option<NaiveDateTime>,
}

impl CycleRow {
    pub fn status(&self) -> ApiResult<CycleStatus> {
        CycleStatus::parse(&self.status).ok_or_else(|| {
            ApiError::internal(format!(
                "cycle {} has unknown status {:?}",
                self.id, self.status
            ))
        })
    }
}

/// Column values of a cycle, as written on create and update.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, AsChangeset)]
#[diesel(table_name = cycles, treat_none_as_null = true)]
pub struct CycleValues {
    pub region_id: i64,
    pub year: i32,
    pub sector: String,
    pub methodology_id: String,
    pub settings_json: String,
    pub operator_name: Option<String>,
    pub operator_contract_number: Option<String>,
    pub operator_contract_date: Option<NaiveDate>,
    pub council_decision_number: Option<String>,
    pub council_decision_date: Option<NaiveDate>,
    pub status: String,
    pub latest_approval_id: Option<i64>,
    pub published_approval_id: Option<i64>,
    pub published_at: Option<NaiveDateTime>,
}

impl CycleRow {
    pub fn values(&self) -> CycleValues {
        CycleValues {
            region_id: self.region_id,
            year: self.year,
            sector: self.sector.clone(),
            methodology_id: self.methodology_id.clone(),
            settings_json: self.settings_json.clone(),
            operator_name: self.operator_name.clone(),
            operator_contract_number: self.operator_contract_number.clone(),
            operator_contract_date: self.operator_contract_date,
            council_decision_number: self.council_decision_number.clone(),
            council_decision_date: self.council_decision_date,
            status: self.status.clone(),
            latest_approval_id: self.latest_approval_id,
            published_approval_id: self.published_approval_id,
            published_at: self.published_at,
        }
    }
}

pub fn find(conn: &mut DbConnection, id: i64) -> ApiResult<CycleRow> {
    cycles::table
        .find(id)
        .select(CycleRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// Takes the cycle's row lock (PostgreSQL; SQLite writers already take turns) so that writes to
/// its evaluations and changes of its status happen one after the other.
pub fn lock(conn: &mut DbConnection, id: i64) -> ApiResult<()> {
    diesel::update(cycles::table.find(id))
        .set(cycles::version.eq(cycles::version))
        .execute(conn)?;
    Ok(())
}

pub fn organization_ids(conn: &mut DbConnection, cycle_id: i64) -> ApiResult<Vec<i64>> {
    Ok(cycle_organizations::table
        .filter(cycle_organizations::cycle_id.eq(cycle_id))
        .select(cycle_organizations::organization_id)
        .order(cycle_organizations::organization_id)
        .load(conn)?)
}

/// Organization and operator ids of each of `cycle_ids`: two queries for a whole page.
pub type Members = std::collections::HashMap<i64, (Vec<i64>, Vec<i64>)>;

pub fn members(conn: &mut DbConnection, cycle_ids: &[i64]) -> ApiResult<Members> {
    let mut members = Members::new();
    let organizations: Vec<(i64, i64)> = cycle_organizations::table
        .filter(cycle_organizations::cycle_id.eq_any(cycle_ids))
        .order((
            cycle_organizations::cycle_id,
            cycle_organizations::organization_id,
        ))
        .select((
            cycle_organizations::cycle_id,
            cycle_organizations::organization_id,
        ))
        .load(conn)?;
    for (cycle, organization) in organizations {
        members.entry(cycle).or_default().0.push(organization);
    }
    let operators: Vec<(i64, i64)> = cycle_operators::table
        .filter(cycle_operators::cycle_id.eq_any(cycle_ids))
        .order((cycle_operators::cycle_id, cycle_operators::user_id))
        .select((cycle_operators::cycle_id, cycle_operators::user_id))
        .load(conn)?;
    for (cycle, operator) in operators {
        members.entry(cycle).or_default().1.push(operator);
    }
    Ok(members)
}

pub fn insert(conn: &mut DbConnection, values: &CycleValues) -> ApiResult<CycleRow> {
    versioned::insert!(conn, cycles, values)
}

/// Writes `values` if the row is still at `version`; 412 when another write got there first.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    values: &CycleValues,
) -> ApiResult<CycleRow> {
    versioned::update!(conn, cycles, (id, version), values)
}

/// A cycle assesses at most this many organizations (a region has a few hundred at most).
pub const MAX_MEMBERS: usize = 20_000;

/// Checks a list of member ids: bounded, each once, and each accepted by `problem`, which
/// names why an id cannot be a member. Every refused entry is reported by its position.
fn check_members(
    conn: &mut DbConnection,
    wanted: &[i64],
    field: &str,
    what: &str,
    mut problem: impl FnMut(&mut DbConnection, i64) -> ApiResult<Option<(&'static str, String)>>,
) -> ApiResult<()> {
    if wanted.len() > MAX_MEMBERS {
        return Err(ApiError::validation(
            field,
            "too_long",
            format!("at most {MAX_MEMBERS} entries"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let mut errors = Vec::new();
    for (i, &id) in wanted.iter().enumerate() {
        let refusal = if seen.insert(id) {
            problem(conn, id)?
        } else {
            Some(("duplicate", format!("{what} {id} is listed twice")))
        };
        if let Some((code, message)) = refusal {
            errors.push(FieldError::new(format!("{field}[{i}]"), code, message));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Makes `wanted` the organizations the cycle assesses, each with its evaluation. Every one
/// must be an active organization of the cycle's region not assessed by another cycle that year;
/// one that leaves must have no collected data yet.
pub fn set_organizations(
    conn: &mut DbConnection,
    cycle: &CycleRow,
    wanted: &[i64],
) -> ApiResult<()> {
    check_members(
        conn,
        wanted,
        "organization_ids",
        "organization",
        |conn, id| {
            let found = organizations::table
                .find(id)
                .select((
                    organizations::region_id,
                    organizations::active,
                    organizations::short_name,
                ))
                .first::<(i64, bool, String)>(conn)
                .optional()?;
            Ok(match found {
                None => Some(("not_found", format!("organization {id} does not exist"))),
                Some((region_id, _, name)) if region_id != cycle.region_id => Some((
                    "other_region",
                    format!("{name} is not in the cycle's region"),
                )),
                Some((_, false, name)) => Some(("inactive", format!("{name} is deactivated"))),
                Some(_) => None,
            })
        },
    )?;
    let current = organization_ids(conn, cycle.id)?;
    for id in current.iter().filter(|id| !wanted.contains(id)) {
        remove_organization(conn, cycle.id, *id)?;
    }
    for id in wanted.iter().filter(|id| !current.contains(id)) {
        let elsewhere = cycle_organizations::table
            .filter(cycle_organizations::organization_id.eq(id))
            .filter(cycle_organizations::year.eq(cycle.year))
            .select(cycle_organizations::cycle_id)
            .first::<i64>(conn)
            .optional()?;
        if let Some(other) = elsewhere {
            return Err(ApiError::Conflict(format!(
                "Organization {id} is already assessed in {} by cycle {other}; an organization is assessed at most once a year",
                cycle.year
            )));
        }
        diesel::insert_into(cycle_organizations::table)
            .values((
                cycle_organizations::cycle_id.eq(cycle.id),
                cycle_organizations::organization_id.eq(id),
                cycle_organizations::year.eq(cycle.year),
            ))
            .execute(conn)?;
        let at = now();
        diesel::insert_into(evaluations::table)
            .values((
                evaluations::cycle_id.eq(cycle.id),
                evaluations::organization_id.eq(id),
                evaluations::version.eq(1),
                evaluations::created_at.eq(at),
                evaluations::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Adds organizations to a new cycle with their evaluations already entered, as
/// [`set_organizations`] and one [`super::evaluations::save`] each would leave them (version 2:
/// created, then entered), with multi-row INSERTs (bulk demo loads). The caller picks active
/// organizations of the cycle's region; the unique index refuses one assessed twice a year.
/// Returns (evaluation id, organization id) in the order given.
pub fn add_evaluated(
    conn: &mut DbConnection,
    cycle: &CycleRow,
    entered: &[(i64, super::evaluations::Stored)],
) -> ApiResult<Vec<(i64, i64)>> {
    if entered.len() > MAX_MEMBERS {
        return Err(ApiError::validation(
            "organization_ids",
            "too_long",
            format!("at most {MAX_MEMBERS} entries"),
        ));
    }
    let at = now();
    // Bound parameters of the wider row, an evaluation's.
    const COLUMNS: usize = 9;
    for chunk in entered.chunks(super::MAX_BINDS / COLUMNS) {
        let members: Vec<_> = chunk
            .iter()
            .map(|(id, _)| {
                (
                    cycle_organizations::cycle_id.eq(cycle.id),
                    cycle_organizations::organization_id.eq(*id),
                    cycle_organizations::year.eq(cycle.year),
                )
            })
            .collect();
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, stored)| {
                (
                    evaluations::cycle_id.eq(cycle.id),
                    evaluations::organization_id.eq(*id),
                    evaluations::inputs_json.eq(stored.inputs_json.as_deref()),
                    evaluations::survey_json.eq(stored.survey_json.as_deref()),
                    evaluations::results_json.eq(stored.results_json.as_deref()),
                    evaluations::total.eq(stored.total.as_deref()),
                    evaluations::version.eq(2_i64),
                    evaluations::created_at.eq(at),
                    evaluations::updated_at.eq(at),
                )
            })
            .collect();
        // Multi-row INSERT is backend-specific in diesel, so each backend gets its own call.
        let members = diesel::insert_into(cycle_organizations::table).values(&members);
        let rows = diesel::insert_into(evaluations::table).values(&rows);
        match conn {
            DbConnection::Sqlite(c) => (members.execute(c)?, rows.execute(c)?),
            DbConnection::Postgres(c) => (members.execute(c)?, rows.execute(c)?),
        };
    }
    let ids: std::collections::HashMap<i64, i64> = evaluations::table
        .filter(evaluations::cycle_id.eq(cycle.id))
        .select((evaluations::organization_id, evaluations::id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    entered
        .iter()
        .map(|(organization_id, _)| {
            let id = ids.get(organization_id).copied().ok_or_else(|| {
                ApiError::internal(format!("evaluation of {organization_id} not written"))
            })?;
            Ok((id, *organization_id))
        })
        .collect()
}

fn remove_organization(
    conn: &mut DbConnection,
    cycle_id: i64,
    organization_id: i64,
) -> ApiResult<()> {
    let evaluation = evaluations::table
        .filter(evaluations::cycle_id.eq(cycle_id))
        .filter(evaluations::organization_id.eq(organization_id))
        .select((evaluations::id, evaluations::inputs_json.is_not_null()))
        .first::<(i64, bool)>(conn)
        .optional()?;
    if let Some((evaluation_id, has_inputs)) = evaluation {
        let responses: i64 = survey_responses::table
            .filter(survey_responses::evaluation_id.eq(evaluation_id))
            .count()
            .get_result(conn)?;
        if has_inputs || responses > 0 {
            return Err(ApiError::Conflict(format!(
                "Organization {organization_id} already has collected data in this cycle and cannot leave it"
            )));
        }
        diesel::delete(evaluations::table.find(evaluation_id)).execute(conn)?;
    }
    diesel::delete(
        cycle_organizations::table
            .filter(cycle_organizations::cycle_id.eq(cycle_id))
            .filter(cycle_organizations::organization_id.eq(organization_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// Makes `wanted` the operator users of the cycle: each an active operator of its region.
pub fn set_operators(conn: &mut DbConnection, cycle: &CycleRow, wanted: &[i64]) -> ApiResult<()> {
    check_members(conn, wanted, "operator_user_ids", "user", |conn, id| {
        let found = users::table
            .find(id)
            .select((users::role, users::region_id, users::active))
            .first::<(String, Option<i64>, bool)>(conn)
            .optional()?;
        Ok(match found {
            None => Some(("not_found", format!("user {id} does not exist"))),
            Some((role, _, _)) if role != Role::Operator.as_str() => {
                Some(("not_operator", format!("user {id} is not an operator")))
            }
            Some((_, region, _)) if region != Some(cycle.region_id) => {
                Some(("other_region", format!("user {id} works in another region")))
            }
            Some((_, _, false)) => Some(("inactive", format!("user {id} is deactivated"))),
            Some(_) => None,
        })
    })?;
    diesel::delete(cycle_operators::table.filter(cycle_operators::cycle_id.eq(cycle.id)))
        .execute(conn)?;
    for id in wanted {
        diesel::insert_into(cycle_operators::table)
            .values((
                cycle_operators::cycle_id.eq(cycle.id),
                cycle_operators::user_id.eq(id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn is_assigned(
    conn: &mut DbConnection,
    cycle_id: i64,
    user_id: Option<i64>,
) -> ApiResult<bool> {
    let Some(user_id) = user_id else {
        return Ok(false);
    };
    Ok(cycle_operators::table
        .filter(cycle_operators::cycle_id.eq(cycle_id))
        .filter(cycle_operators::user_id.eq(user_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn assesses(
    conn: &mut DbConnection,
    cycle_id: i64,
    organization_id: Option<i64>,
) -> ApiResult<bool> {
    let Some(organization_id) = organization_id else {
        return Ok(false);
    };
    Ok(cycle_organizations::table
        .filter(cycle_organizations::cycle_id.eq(cycle_id))
        .filter(cycle_organizations::organization_id.eq(organization_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

#[derive(Debug, Clone, Default)]
pub struct CycleFilter {
    pub region_id: Option<i64>,
    /// The region by its code (`71`).
    pub region_code: Option<String>,
    pub year: Option<i32>,
    pub status: Option<CycleStatus>,
}

/// Cycles matching `filter` that `visibility` lets the caller see, after `after_id` in id order.
pub fn list(
    conn: &mut DbConnection,
    filter: &CycleFilter,
    visibility: Visibility,
    after_id: i64,
    limit: i64,
) -> ApiResult<Vec<CycleRow>> {
    Ok(filtered(filter, visibility)
        .filter(cycles::id.gt(after_id))
        .select(CycleRow::as_select())
        .order(cycles::id)
        .limit(limit + 1)
        .load(conn)?)
}

/// How many cycles match `filter` and `visibility`, whatever the page.
pub fn count(
    conn: &mut DbConnection,
    filter: &CycleFilter,
    visibility: Visibility,
) -> ApiResult<i64> {
    Ok(filtered(filter, visibility).count().get_result(conn)?)
}

fn filtered(
    filter: &CycleFilter,
    visibility: Visibility,
) -> cycles::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend> {
    let mut query = cycles::table.into_boxed();
    if let Some(region_id) = filter.region_id {
        query = query.filter(cycles::region_id.eq(region_id));
    }
    if let Some(code) = &filter.region_code {
        query = query.filter(cycles::region_id.eq_any(super::regions::with_code(code)));
    }
    if let Some(year) = filter.year {
        query = query.filter(cycles::year.eq(year));
    }
    if let Some(status) = filter.status {
        query = query.filter(cycles::status.eq(status.as_str()));
    }
    if let Visibility::PublishedAnd {
        scope,
        region_id,
        organization_id,
        user_id,
    } = visibility
    {
        let published = cycles::published_approval_id.is_not_null();
        // -1 matches no row: a scope whose key the caller lacks reaches nothing.
        query = match scope {
            Some(Scope::OwnRegion) => {
                query.filter(published.or(cycles::region_id.eq(region_id.unwrap_or(-1))))
            }
            Some(Scope::AssignedCycle) => query.filter(
                published.or(cycles::id.eq_any(
                    cycle_operators::table
                        .filter(cycle_operators::user_id.eq(user_id.unwrap_or(-1)))
                        .select(cycle_operators::cycle_id),
                )),
            ),
            Some(Scope::OwnOrganization) => query.filter(
                published.or(cycles::id.eq_any(
                    cycle_organizations::table
                        .filter(
                            cycle_organizations::organization_id.eq(organization_id.unwrap_or(-1)),
                        )
                        .select(cycle_organizations::cycle_id),
                )),
            ),
            Some(Scope::All) | None => query.filter(published),
        };
    }
    query
}

/// Which cycles count as assessing their organizations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Every cycle past its draft: a cycle still being drafted has assessed nobody yet.
    Started,
    /// Published cycles only, for callers who see only published data.
    Published,
}

/// Ids of the region's cycles that count.
fn counted_cycles(
    conn: &mut DbConnection,
    region_id: i64,
    counted: Counted,
) -> ApiResult<Vec<i64>> {
    let query = cycles::table
        .filter(cycles::region_id.eq(region_id))
        .select(cycles::id)
        .into_boxed();
    let query = match counted {
        Counted::Started => query.filter(cycles::status.ne(CycleStatus::Draft.as_str())),
        Counted::Published => query.filter(cycles::published_approval_id.is_not_null()),
    };
    Ok(query.load(conn)?)
}

/// Active organizations of `region_id` without an assessment in `year` or the two years
/// before, with the last year each was assessed (if ever).
pub fn unassessed(
    conn: &mut DbConnection,
    region_id: i64,
    year: i32,
    counted: Counted,
) -> ApiResult<Vec<(i64, String, Option<i32>)>> {
    let active: Vec<(i64, String)> = organizations::table
        .filter(organizations::region_id.eq(region_id))
        .filter(organizations::active.eq(true))
        .select((organizations::id, organizations::short_name))
        .order(organizations::id)
        .load(conn)?;
    let assessed: Vec<(i64, Option<i32>)> = cycle_organizations::table
        .inner_join(organizations::table)
        .filter(organizations::region_id.eq(region_id))
        .filter(cycle_organizations::year.le(year))
        .filter(cycle_organizations::cycle_id.eq_any(counted_cycles(conn, region_id, counted)?))
        .group_by(cycle_organizations::organization_id)
        .select((
            cycle_organizations::organization_id,
            diesel::dsl::max(cycle_organizations::year),
        ))
        .load(conn)?;
    let assessed: std::collections::HashMap<i64, Option<i32>> = assessed.into_iter().collect();
    Ok(active
        .into_iter()
        .filter_map(|(id, name)| {
            let last = assessed.get(&id).copied().flatten();
            match last {
                Some(y) if y > year - 3 => None,
                _ => Some((id, name, last)),
            }
        })
        .collect())
}

/// Active organizations of `region_id` that a cycle (not a draft) assessed in `years`.
pub fn assessed_in(
    conn: &mut DbConnection,
    region_id: i64,
    years: std::ops::RangeInclusive<i32>,
    counted: Counted,
) -> ApiResult<Vec<i64>> {
    Ok(cycle_organizations::table
        .inner_join(organizations::table)
        .inner_join(cycles::table)
        .filter(organizations::region_id.eq(region_id))
        .filter(organizations::active.eq(true))
        .filter(cycle_organizations::cycle_id.eq_any(counted_cycles(conn, region_id, counted)?))
        .filter(cycle_organizations::year.between(*years.start(), *years.end()))
        .select(cycle_organizations::organization_id)
        .distinct()
        .load(conn)?)
}

/// Cycles of `region_id` in `year`, in id order.
pub fn of_region_year(
    conn: &mut DbConnection,
    region_id: i64,
    year: i32,
) -> ApiResult<Vec<CycleRow>> {
    Ok(cycles::table
        .filter(cycles::region_id.eq(region_id))
        .filter(cycles::year.eq(year))
        .order(cycles::id)
        .select(CycleRow::as_select())
        .load(conn)?)
}
