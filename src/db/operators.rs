//! Queries on `operators`, their state contracts, the cycles each contract covers and the users
//! who act for the operator. Contracts and members belong to their operator's version: adding a
//! contract goes through the operator's row (`touch`), so one ETag guards the whole operator.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{operator_contract_cycles, operator_contracts, operator_members, operators};
use super::{now, versioned, DbConnection};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = operators)]
pub struct OperatorRow {
    pub id: i64,
    pub region_id: i64,
    pub name: String,
    pub inn: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = operator_contracts)]
pub struct ContractRow {
    pub id: i64,
    pub operator_id: i64,
    pub number: String,
    pub concluded_on: NaiveDate,
    pub subject: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub technical_task: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A contract to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractValues {
    pub number: String,
    pub concluded_on: NaiveDate,
    pub subject: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub technical_task: Option<String>,
}

pub fn find(conn: &mut DbConnection, id: i64) -> ApiResult<OperatorRow> {
    operators::table
        .find(id)
        .select(OperatorRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// Operators of the region after `after_id`, `limit + 1` at most, in id order.
pub fn list(
    conn: &mut DbConnection,
    region_id: i64,
    after_id: i64,
    limit: i64,
) -> ApiResult<Vec<OperatorRow>> {
    Ok(operators::table
        .filter(operators::region_id.eq(region_id))
        .filter(operators::id.gt(after_id))
        .order(operators::id)
        .limit(limit + 1)
        .select(OperatorRow::as_select())
        .load(conn)?)
}

/// How many operators the region has, whatever the page.
pub fn count(conn: &mut DbConnection, region_id: i64) -> ApiResult<i64> {
    Ok(operators::table
        .filter(operators::region_id.eq(region_id))
        .count()
        .get_result(conn)?)
}

/// Stores an operator with its members.
pub fn insert(
    conn: &mut DbConnection,
    region_id: i64,
    name: &str,
    inn: Option<&str>,
    user_ids: &[i64],
) -> ApiResult<OperatorRow> {
    let row: OperatorRow = versioned::insert!(
        conn,
        operators,
        (
            operators::region_id.eq(region_id),
            operators::name.eq(name),
            operators::inn.eq(inn),
        )
    )?;
    for user_id in user_ids {
        diesel::insert_into(operator_members::table)
            .values((
                operator_members::operator_id.eq(row.id),
                operator_members::user_id.eq(user_id),
            ))
            .execute(conn)?;
    }
    Ok(row)
}

/// The users of the operators, as (operator, user) in user id order.
pub fn members(conn: &mut DbConnection, operator_ids: &[i64]) -> ApiResult<Vec<(i64, i64)>> {
    Ok(operator_members::table
        .filter(operator_members::operator_id.eq_any(operator_ids))
        .order(operator_members::user_id)
        .select((operator_members::operator_id, operator_members::user_id))
        .load(conn)?)
}

/// Of `user_ids`, those that already belong to an operator.
pub fn members_elsewhere(conn: &mut DbConnection, user_ids: &[i64]) -> ApiResult<Vec<i64>> {
    Ok(operator_members::table
        .filter(operator_members::user_id.eq_any(user_ids))
        .select(operator_members::user_id)
        .load(conn)?)
}

/// The operators' contracts in id order.
pub fn contracts(conn: &mut DbConnection, operator_ids: &[i64]) -> ApiResult<Vec<ContractRow>> {
    Ok(operator_contracts::table
        .filter(operator_contracts::operator_id.eq_any(operator_ids))
        .order(operator_contracts::id)
        .select(ContractRow::as_select())
        .load(conn)?)
}

/// The cycles the contracts cover, as (contract, cycle) in cycle id order.
pub fn covered_cycles(conn: &mut DbConnection, contract_ids: &[i64]) -> ApiResult<Vec<(i64, i64)>> {
    Ok(operator_contract_cycles::table
        .filter(operator_contract_cycles::contract_id.eq_any(contract_ids))
        .order(operator_contract_cycles::cycle_id)
        .select((
            operator_contract_cycles::contract_id,
            operator_contract_cycles::cycle_id,
        ))
        .load(conn)?)
}

/// Of `cycle_ids`, those a contract already covers.
pub fn already_covered(conn: &mut DbConnection, cycle_ids: &[i64]) -> ApiResult<Vec<i64>> {
    Ok(operator_contract_cycles::table
        .filter(operator_contract_cycles::cycle_id.eq_any(cycle_ids))
        .select(operator_contract_cycles::cycle_id)
        .load(conn)?)
}

/// Stores a contract of the operator with the cycles it covers.
pub fn insert_contract(
    conn: &mut DbConnection,
    operator_id: i64,
    values: &ContractValues,
    cycle_ids: &[i64],
) -> ApiResult<ContractRow> {
    let row: ContractRow = diesel::insert_into(operator_contracts::table)
        .values((
            operator_contracts::operator_id.eq(operator_id),
            operator_contracts::number.eq(&values.number),
            operator_contracts::concluded_on.eq(values.concluded_on),
            operator_contracts::subject.eq(&values.subject),
            operator_contracts::starts_on.eq(values.starts_on),
            operator_contracts::ends_on.eq(values.ends_on),
            operator_contracts::technical_task.eq(&values.technical_task),
            operator_contracts::created_at.eq(now()),
        ))
        .returning(operator_contracts::all_columns)
        .get_result(conn)?;
    for cycle_id in cycle_ids {
        diesel::insert_into(operator_contract_cycles::table)
            .values((
                operator_contract_cycles::contract_id.eq(row.id),
                operator_contract_cycles::cycle_id.eq(cycle_id),
            ))
            .execute(conn)?;
    }
    Ok(row)
}

/// Moves the operator to its next version (a contract was added); 412 when another write got
/// there first.
pub fn touch(conn: &mut DbConnection, current: &OperatorRow) -> ApiResult<OperatorRow> {
    versioned::update!(
        conn,
        operators,
        (current.id, current.version),
        operators::name.eq(&current.name)
    )
}
