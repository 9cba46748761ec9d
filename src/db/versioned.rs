//! Rows with optimistic concurrency: a table with `id`, `version`, `created_at` and `updated_at`
//! is written one way — inserted at version 1, updated (version + 1) and deleted only at the
//! version the change was based on, 412 when another write got there first.
//!
//! Macros, because diesel names a table's columns by module: `versioned::update!(conn,
//! measures, (id, version), &values)` where `values` is any changeset of the table (a values
//! struct or a tuple of `column.eq(..)`), likewise an insertable for `insert!`. Each evaluates
//! to an `ApiResult` of the row (`()` for `delete!`).

use crate::error::{ApiError, ApiResult};

/// The row a versioned write returned, or 412 when it matched none.
pub fn one_or_stale<T>(rows: Vec<T>) -> ApiResult<T> {
    rows.into_iter().next().ok_or(ApiError::PreconditionFailed)
}

/// A versioned delete that removed nothing met a newer version: 412.
pub fn removed_or_stale(deleted: usize) -> ApiResult<()> {
    if deleted == 0 {
        Err(ApiError::PreconditionFailed)
    } else {
        Ok(())
    }
}

/// Inserts `values` into `table` at version 1, created and updated now; the new row.
macro_rules! insert {
    ($conn:expr, $table:ident, $values:expr) => {{
        let at = $crate::db::now();
        diesel::insert_into($table::table)
            .values((
                $values,
                $table::version.eq(1),
                $table::created_at.eq(at),
                $table::updated_at.eq(at),
            ))
            .returning($table::all_columns)
            .get_result($conn)
            .map_err($crate::error::ApiError::from)
    }};
}

/// Writes `values` to the row `id` of `table` if it is still at `version`; the row after, or 412.
macro_rules! update {
    ($conn:expr, $table:ident, ($id:expr, $version:expr), $values:expr) => {{
        let version: i64 = $version;
        diesel::update($table::table)
            .filter($table::id.eq($id))
            .filter($table::version.eq(version))
            .set((
                $values,
                $table::version.eq(version + 1),
                $table::updated_at.eq($crate::db::now()),
            ))
            .returning($table::all_columns)
            .get_results($conn)
            .map_err($crate::error::ApiError::from)
            .and_then($crate::db::versioned::one_or_stale)
    }};
}

/// Deletes the row `id` of `table` if it is still at `version`; 412 otherwise.
macro_rules! delete {
    ($conn:expr, $table:ident, ($id:expr, $version:expr)) => {{
        diesel::delete($table::table)
            .filter($table::id.eq($id))
            .filter($table::version.eq($version))
            .execute($conn)
            .map_err($crate::error::ApiError::from)
            .and_then($crate::db::versioned::removed_or_stale)
    }};
}

pub(crate) use {delete, insert, update};
