//! Login attempts counted per key in a fixed window, in the database so that every instance
//! counts the same attempts.

use diesel::sql_types::{BigInt, Integer, Text};
use diesel::{QueryableByName, RunQueryDsl};

use super::DbConnection;
use crate::error::ApiResult;

/// A key's current window: when it started (ms since the epoch) and the attempts in it, this
/// one included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Window {
    #[diesel(sql_type = BigInt)]
    pub started_at_ms: i64,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
}

/// Counts one attempt for `key` at `now_ms` in one statement (an upsert, atomic on both
/// backends): a window that started `window_ms` ago or earlier starts again at `now_ms`.
pub fn count(conn: &mut DbConnection, key: &str, now_ms: i64, window_ms: i64) -> ApiResult<Window> {
    // The SET expressions all read the row as it was, so both see the old start.
    const UPSERT: &str =
        "INSERT INTO login_windows (key, started_at_ms, attempts) VALUES ($1, $2, 1) \
        ON CONFLICT (key) DO UPDATE SET \
        attempts = CASE WHEN login_windows.started_at_ms <= $3 THEN 1 \
            ELSE login_windows.attempts + 1 END, \
        started_at_ms = CASE WHEN login_windows.started_at_ms <= $3 THEN excluded.started_at_ms \
            ELSE login_windows.started_at_ms END \
        RETURNING started_at_ms, attempts";
    let ended = now_ms - window_ms;
    let window = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(UPSERT)
            .bind::<Text, _>(key)
            .bind::<BigInt, _>(now_ms)
            .bind::<BigInt, _>(ended)
            .get_result(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(UPSERT.replace('$', "?"))
            .bind::<Text, _>(key)
            .bind::<BigInt, _>(now_ms)
            .bind::<BigInt, _>(ended)
            .get_result(sqlite)?,
    };
    Ok(window)
}

/// Deletes the windows that ended by `now_ms`: the table holds only the last `window_ms` of keys.
pub fn purge(conn: &mut DbConnection, now_ms: i64, window_ms: i64) -> ApiResult<usize> {
    use super::schema::login_windows::dsl::*;
    use diesel::{ExpressionMethods, QueryDsl};
    Ok(diesel::delete(login_windows.filter(started_at_ms.le(now_ms - window_ms))).execute(conn)?)
}
