//! Queries on `regions`.

use diesel::prelude::*;

use super::schema::regions;
use super::versions::{self, Collection};
use super::{now, DbConnection};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = regions)]
pub struct RegionRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, id: i64) -> ApiResult<RegionRow> {
    regions::table
        .find(id)
        .select(RegionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

pub fn exists(conn: &mut DbConnection, id: i64) -> ApiResult<bool> {
    Ok(regions::table
        .find(id)
        .select(regions::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> ApiResult<Option<RegionRow>> {
    Ok(regions::table
        .filter(regions::code.eq(code))
        .select(RegionRow::as_select())
        .first(conn)
        .optional()?)
}

/// The id of the region with `code` (none, or one: codes are unique), for filters by code.
pub fn with_code(code: &str) -> WithCode {
    regions::table
        .filter(regions::code.eq(code.to_owned()))
        .select(regions::id)
}

/// The query of [`with_code`], unboxed: a boxed subquery does not compile for both backends.
pub type WithCode = diesel::dsl::Select<
    diesel::dsl::Filter<regions::table, diesel::dsl::Eq<regions::code, String>>,
    regions::id,
>;

/// How many regions there are.
pub fn count(conn: &mut DbConnection) -> ApiResult<i64> {
    Ok(regions::table.count().get_result(conn)?)
}

/// Regions after `after_id` in id order; one row more than `limit` tells that a next page exists.
pub fn list(conn: &mut DbConnection, after_id: i64, limit: i64) -> ApiResult<Vec<RegionRow>> {
    Ok(regions::table
        .filter(regions::id.gt(after_id))
        .order(regions::id)
        .limit(limit + 1)
        .select(RegionRow::as_select())
        .load(conn)?)
}

pub fn insert(conn: &mut DbConnection, code: &str, name: &str) -> ApiResult<RegionRow> {
    ensure_code_free(conn, code, None)?;
    let at = now();
    let id = diesel::insert_into(regions::table)
        .values((
            regions::code.eq(code),
            regions::name.eq(name),
            regions::version.eq(1),
            regions::created_at.eq(at),
            regions::updated_at.eq(at),
        ))
        .returning(regions::id)
        .get_result::<i64>(conn)?;
    versions::bump(conn, Collection::Regions)?;
    find(conn, id)
}

/// Writes new values if the row is still at `version`; 412 when another write got there first.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    code: &str,
    name: &str,
) -> ApiResult<RegionRow> {
    ensure_code_free(conn, code, Some(id))?;
    let changed = diesel::update(regions::table)
        .filter(regions::id.eq(id).and(regions::version.eq(version)))
        .set((
            regions::code.eq(code),
            regions::name.eq(name),
            regions::version.eq(version + 1),
            regions::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::PreconditionFailed);
    }
    versions::bump(conn, Collection::Regions)?;
    find(conn, id)
}

fn ensure_code_free(conn: &mut DbConnection, code: &str, own_id: Option<i64>) -> ApiResult<()> {
    match find_by_code(conn, code)? {
        Some(other) if Some(other.id) != own_id => Err(ApiError::Conflict(format!(
            "Region code {code} is already used by region {} ({})",
            other.id, other.name
        ))),
        _ => Ok(()),
    }
}
