//! The operator as an organization of its region: recorded with the users who act for it, its
//! state contracts added with the cycles each covers. Not public: the region's roles read it
//! (admin, auditor; the region's authority, council and operators), its authority writes.
//!
//! Organizations do not read it: what they need of the operator (its name, its contract's number
//! and date) the cycle assessing them already shows, and the operator's users and the other
//! cycles it covers are the region's administration, not theirs.

use super::Context;
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::audit::{self, Change};
use crate::db::changes::Exposure;
use crate::db::operators::{self as store, ContractValues, OperatorRow};
use crate::db::{cycles, regions, users, DbConnection};
use crate::domain::operator::{self as rules, ContractTerms};
use crate::domain::paging;
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::views::operators::{NewOperator, NewOperatorContract, Operator, OperatorContract};
use crate::views::timestamp;
use crate::views::Page;

/// The region's insiders see it in the feed: it is not a public record.
fn exposure(row: &OperatorRow) -> Exposure {
    Exposure {
        region_id: Some(row.region_id),
        organization_id: None,
        public: false,
    }
}

fn load(conn: &mut DbConnection, row: &OperatorRow) -> ApiResult<Operator> {
    Ok(load_all(conn, std::slice::from_ref(row))?.remove(0))
}

/// The operators of `rows` with their contracts and members: three queries for any number.
fn load_all(conn: &mut DbConnection, rows: &[OperatorRow]) -> ApiResult<Vec<Operator>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let contract_rows = store::contracts(conn, &ids)?;
    let contract_ids: Vec<i64> = contract_rows.iter().map(|c| c.id).collect();
    let covered = store::covered_cycles(conn, &contract_ids)?;
    let members = store::members(conn, &ids)?;
    Ok(rows
        .iter()
        .map(|row| {
            let contracts: Vec<OperatorContract> = contract_rows
                .iter()
                .filter(|c| c.operator_id == row.id)
                .map(|contract| OperatorContract {
                    id: contract.id,
                    number: contract.number.clone(),
                    concluded_on: contract.concluded_on,
                    subject: contract.subject.clone(),
                    starts_on: contract.starts_on,
                    ends_on: contract.ends_on,
                    technical_task: contract.technical_task.clone(),
                    cycle_ids: covered
                        .iter()
                        .filter(|(c, _)| *c == contract.id)
                        .map(|(_, cycle)| *cycle)
                        .collect(),
                    created_at: timestamp(contract.created_at),
                })
                .collect();
            let mut cycle_ids: Vec<i64> =
                contracts.iter().flat_map(|c| c.cycle_ids.clone()).collect();
            cycle_ids.sort_unstable();
            Operator {
                id: row.id,
                region_id: row.region_id,
                name: row.name.clone(),
                inn: row.inn.clone(),
                contracts,
                cycle_ids,
                member_user_ids: members
                    .iter()
                    .filter(|(o, _)| *o == row.id)
                    .map(|(_, u)| *u)
                    .collect(),
                created_at: timestamp(row.created_at),
                updated_at: timestamp(row.updated_at),
            }
        })
        .collect())
}

/// The region's operators in id order, a page after `after`.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    region_id: i64,
    after: i64,
    limit: i64,
    total: bool,
) -> ApiResult<Page<Operator>> {
    policy::authorize(caller, &policy::OPERATOR_LIST, &Target::region(region_id))?;
    regions::find(conn, region_id)?;
    let rows = store::list(conn, region_id, after, limit)?;
    let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
    let items = load_all(conn, &rows)?;
    let total = total.then(|| store::count(conn, region_id)).transpose()?;
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

pub fn read(conn: &mut DbConnection, caller: &Caller, id: i64) -> ApiResult<(i64, Operator)> {
    let row = store::find(conn, id)?;
    policy::authorize(
        caller,
        &policy::OPERATOR_READ,
        &Target::region(row.region_id),
    )?;
    Ok((row.version, load(conn, &row)?))
}

/// Errors for members that are not operator users of the region or already act for another
/// operator.
fn check_members(
    conn: &mut DbConnection,
    region_id: i64,
    user_ids: &[i64],
    errors: &mut Vec<FieldError>,
) -> ApiResult<()> {
    errors.extend(rules::duplicates("user_ids", user_ids));
    let elsewhere = store::members_elsewhere(conn, user_ids)?;
    for (i, user_id) in user_ids.iter().enumerate() {
        let field = format!("user_ids[{i}]");
        let user = match users::find(conn, *user_id) {
            Ok(user) => user,
            Err(ApiError::NotFound) => {
                errors.push(FieldError::new(field, "not_found", "no such user"));
                continue;
            }
            Err(e) => return Err(e),
        };
        if Role::parse(&user.role) != Some(Role::Operator) || user.region_id != Some(region_id) {
            errors.push(FieldError::new(
                field,
                "not_operator_of_region",
                "must be a user with role operator of the operator's region",
            ));
        } else if elsewhere.contains(user_id) {
            errors.push(FieldError::new(
                field,
                "already_member",
                "already acts for another operator",
            ));
        }
    }
    Ok(())
}

pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    region_id: i64,
    mut new: NewOperator,
) -> ApiResult<(i64, Operator)> {
    policy::authorize(
        &ctx.caller,
        &policy::OPERATOR_CREATE,
        &Target::region(region_id),
    )?;
    regions::find(conn, region_id)?;
    rules::trim_operator(&mut new.name, &mut new.inn);
    let mut errors = FieldError::broken_rules(&new);
    check_members(conn, region_id, &new.user_ids, &mut errors)?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let row = store::insert(
        conn,
        region_id,
        &new.name,
        new.inn.as_deref(),
        &new.user_ids,
    )?;
    let operator = load(conn, &row)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of(
            "operator.created",
            "operator",
            row.id,
            None,
            Some(&operator),
        )?
        .exposed(exposure(&row), exposure(&row)),
    )?;
    Ok((row.version, operator))
}

/// Errors for cycles that are not of the operator's region or that a contract already covers.
fn check_cycles(
    conn: &mut DbConnection,
    region_id: i64,
    cycle_ids: &[i64],
    errors: &mut Vec<FieldError>,
) -> ApiResult<()> {
    errors.extend(rules::duplicates("cycle_ids", cycle_ids));
    let covered = store::already_covered(conn, cycle_ids)?;
    for (i, cycle_id) in cycle_ids.iter().enumerate() {
        let field = format!("cycle_ids[{i}]");
        // Another region's cycle answers as a missing one: it is not this region's business.
        match cycles::find(conn, *cycle_id) {
            Ok(cycle) if cycle.region_id == region_id => {
                if covered.contains(cycle_id) {
                    errors.push(FieldError::new(
                        field,
                        "already_covered",
                        "another contract already covers this cycle",
                    ));
                }
            }
            Ok(_) | Err(ApiError::NotFound) => errors.push(FieldError::new(
                field,
                "not_in_region",
                "no cycle of the operator's region has this id",
            )),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Adds a state contract to the operator; the operator moves to its next version.
pub fn add_contract(
    conn: &mut DbConnection,
    ctx: &Context,
    operator_id: i64,
    mut new: NewOperatorContract,
) -> ApiResult<(i64, Operator)> {
    let current = store::find(conn, operator_id)?;
    policy::authorize(
        &ctx.caller,
        &policy::OPERATOR_CONTRACT_CREATE,
        &Target::region(current.region_id),
    )?;
    let mut errors = rules::check_contract(ContractTerms {
        number: &mut new.number,
        subject: &mut new.subject,
        technical_task: &mut new.technical_task,
        starts_on: new.starts_on,
        ends_on: new.ends_on,
    });
    errors.extend(FieldError::broken_rules(&new));
    check_cycles(conn, current.region_id, &new.cycle_ids, &mut errors)?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let before = load(conn, &current)?;
    let values = ContractValues {
        number: new.number,
        concluded_on: new.concluded_on,
        subject: new.subject,
        starts_on: new.starts_on,
        ends_on: new.ends_on,
        technical_task: new.technical_task,
    };
    store::insert_contract(conn, operator_id, &values, &new.cycle_ids)?;
    let row = store::touch(conn, &current)?;
    let after = load(conn, &row)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of(
            "operator.contract_added",
            "operator",
            row.id,
            Some(&before),
            Some(&after),
        )?
        .exposed(exposure(&row), exposure(&row)),
    )?;
    Ok((row.version, after))
}
