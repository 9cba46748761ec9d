//! Stored answers of POST requests sent with an `Idempotency-Key`: a retry with the same key
//! and body gets the stored answer instead of doing the work again.

use diesel::prelude::*;

use super::schema::idempotency_keys;
use super::{now, DbConnection};
use crate::error::ApiResult;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct StoredAnswer {
    pub request_hash: String,
    pub status: i32,
    pub response_body: String,
}

/// Who sent a key and where: keys of different callers or routes never meet.
#[derive(Debug, Clone)]
pub struct KeyScope {
    pub key: String,
    pub actor: String,
    pub route: String,
}

pub fn find(conn: &mut DbConnection, scope: &KeyScope) -> ApiResult<Option<StoredAnswer>> {
    Ok(idempotency_keys::table
        .filter(idempotency_keys::key.eq(&scope.key))
        .filter(idempotency_keys::actor.eq(&scope.actor))
        .filter(idempotency_keys::route.eq(&scope.route))
        .select(StoredAnswer::as_select())
        .first(conn)
        .optional()?)
}

/// Stores the answer in the transaction of the work it answers, so both land or neither.
pub fn store(
    conn: &mut DbConnection,
    scope: &KeyScope,
    request_hash: &str,
    status: u16,
    body: &str,
) -> ApiResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::key.eq(&scope.key),
            idempotency_keys::actor.eq(&scope.actor),
            idempotency_keys::route.eq(&scope.route),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::status.eq(i32::from(status)),
            idempotency_keys::response_body.eq(body),
            idempotency_keys::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
