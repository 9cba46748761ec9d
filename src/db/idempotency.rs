//! Stored answers of POST requests sent with an `Idempotency-Key`: a retry with the same key
//! and body gets the stored answer instead of doing the work again.

use diesel::prelude::*;

use super::schema::idempotency_keys;
use super::{now, DbConnection};
use crate::error::ApiResult;

tokio::task_local! {
    /// The `Idempotency-Key` claim (its row id) of the request this task answers. The
    /// middleware sets it around the request; [`super::Db::transaction`] marks the claim's work
    /// done inside the same transaction as the work, so that both commit or neither does.
    pub static CLAIM: i64;
}

/// Marks the claim's work done; called inside the work's transaction.
pub fn mark_work_done(conn: &mut DbConnection, claim: i64) -> ApiResult<()> {
    diesel::update(idempotency_keys::table.find(claim))
        .filter(idempotency_keys::status.eq(0))
        .set(idempotency_keys::work_done_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

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

/// A stored answer with what a replay sends back.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct Recorded {
    pub id: i64,
    pub request_hash: String,
    /// 0 while the first request is still being answered.
    pub status: i32,
    pub response_body: String,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    /// When the claimed request's work committed; with status 0, its answer was lost.
    pub work_done_at: Option<chrono::NaiveDateTime>,
}

pub fn recorded(conn: &mut DbConnection, scope: &KeyScope) -> ApiResult<Option<Recorded>> {
    Ok(idempotency_keys::table
        .filter(idempotency_keys::key.eq(&scope.key))
        .filter(idempotency_keys::actor.eq(&scope.actor))
        .filter(idempotency_keys::route.eq(&scope.route))
        .select(Recorded::as_select())
        .first(conn)
        .optional()?)
}

/// Claims the key for a first request (status 0 until its answer is stored): the claim's id,
/// or `None` if another request holds it. Answers older than `expired_before` are forgotten
/// first.
pub fn reserve(
    conn: &mut DbConnection,
    scope: &KeyScope,
    request_hash: &str,
    expired_before: chrono::NaiveDateTime,
) -> ApiResult<Option<i64>> {
    diesel::delete(idempotency_keys::table)
        .filter(idempotency_keys::created_at.lt(expired_before))
        .execute(conn)?;
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::key.eq(&scope.key),
            idempotency_keys::actor.eq(&scope.actor),
            idempotency_keys::route.eq(&scope.route),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::status.eq(0),
            idempotency_keys::response_body.eq(""),
            idempotency_keys::created_at.eq(now()),
        ))
        .returning(idempotency_keys::id)
        .get_result::<i64>(conn);
    match inserted {
        Ok(id) => Ok(Some(id)),
        // The unique (key, actor, route) index: another request holds the key.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Stores the answer of the request that reserved the key.
pub fn complete(
    conn: &mut DbConnection,
    scope: &KeyScope,
    status: u16,
    body: &str,
    content_type: Option<&str>,
    location: Option<&str>,
) -> ApiResult<()> {
    diesel::update(idempotency_keys::table)
        .filter(idempotency_keys::key.eq(&scope.key))
        .filter(idempotency_keys::actor.eq(&scope.actor))
        .filter(idempotency_keys::route.eq(&scope.route))
        .set((
            idempotency_keys::status.eq(i32::from(status)),
            idempotency_keys::response_body.eq(body),
            idempotency_keys::content_type.eq(content_type),
            idempotency_keys::location.eq(location),
        ))
        .execute(conn)?;
    Ok(())
}

/// Frees the key after a failure the client may retry (a 5xx) if the work did not commit; a
/// claim whose work committed stays, so that a retry does not do it twice.
pub fn release(conn: &mut DbConnection, scope: &KeyScope) -> ApiResult<()> {
    diesel::delete(idempotency_keys::table)
        .filter(idempotency_keys::key.eq(&scope.key))
        .filter(idempotency_keys::actor.eq(&scope.actor))
        .filter(idempotency_keys::route.eq(&scope.route))
        .filter(idempotency_keys::status.eq(0))
        .filter(idempotency_keys::work_done_at.is_null())
        .execute(conn)?;
    Ok(())
}

/// Forgets the key (an expired or abandoned one), whatever it holds.
pub fn forget(conn: &mut DbConnection, scope: &KeyScope) -> ApiResult<()> {
    diesel::delete(idempotency_keys::table)
        .filter(idempotency_keys::key.eq(&scope.key))
        .filter(idempotency_keys::actor.eq(&scope.actor))
        .filter(idempotency_keys::route.eq(&scope.route))
        .execute(conn)?;
    Ok(())
}
