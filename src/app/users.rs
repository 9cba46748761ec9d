//! Accounts of the service, managed by administrators.

use serde_json::json;

use super::{etag, Context, IfMatch, Listing};
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::audit::{self, Change};
use crate::db::users::{self as store, NewUser, UserFilter};
use crate::db::DbConnection;
use crate::domain::paging;
use crate::domain::user::check_scope;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::views::users::{NewUserRequest, PasswordRequest, User};
use crate::views::Page;

/// A request that passed its checks, with its password taken out: hashing it is slow, so it is
/// done before the transaction begins. Only [`admit`] and [`admit_password`] make one.
#[derive(Debug)]
pub struct Admitted<T> {
    request: T,
    pub password: String,
}

/// A page of users. The query's faults are told only to a caller who may list.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    listing: ApiResult<Listing<UserFilter>>,
) -> ApiResult<Page<User>> {
    policy::authorize(caller, &policy::USER_LIST, &Target::default())?;
    let listing = listing?;
    let rows = store::list(conn, &listing.filter, listing.after_id, listing.limit)?;
    let (rows, next_cursor) = paging::split_page(rows, listing.limit, |r| r.id);
    let items = rows.iter().map(User::of).collect::<ApiResult<_>>()?;
    let total = listing
        .total
        .then(|| store::count(conn, &listing.filter))
        .transpose()?;
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

/// Checks the caller's right, the new account and the password's strength.
pub fn admit(caller: &Caller, mut request: NewUserRequest) -> ApiResult<Admitted<NewUserRequest>> {
    policy::authorize(caller, &policy::USER_CREATE, &Target::default())?;
    request.username = request.username.trim().to_owned();
    let mut errors = FieldError::broken_rules(&request);
    errors.extend(check_scope(
        request.role,
        request.region_id,
        request.organization_id,
    ));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let password = std::mem::take(&mut request.password);
    Ok(Admitted { request, password })
}

/// Registers the account [`admit`] let through, with its password hashed.
pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    admitted: Admitted<NewUserRequest>,
    password_hash: &str,
) -> ApiResult<(i64, User)> {
    let request = admitted.request;
    let new = NewUser {
        username: &request.username,
        password_hash,
        role: request.role,
        region_id: request.region_id,
        organization_id: request.organization_id,
    };
    let row = store::register(conn, &ctx.actor(), &new)?;
    Ok((row.version, User::of(&row)?))
}

pub fn read(conn: &mut DbConnection, caller: &Caller, id: i64) -> ApiResult<(i64, User)> {
    policy::authorize(caller, &policy::USER_READ, &Target::default())?;
    let row = store::find(conn, id)?;
    Ok((row.version, User::of(&row)?))
}

/// Writes `active` and optionally a new password hash, with its audit event; nothing when
/// neither changes.
fn change(
    conn: &mut DbConnection,
    ctx: &Context,
    id: i64,
    if_match: &IfMatch,
    action: &str,
    active: bool,
    password_hash: Option<&str>,
) -> ApiResult<(i64, User)> {
    let current = store::find(conn, id)?;
    if_match.check_if_present(&etag(current.version))?;
    let before = User::of(&current)?;
    if password_hash.is_none() && current.active == active {
        return Ok((current.version, before));
    }
    let row = store::update(conn, id, current.version, active, password_hash)?;
    let after = User::of(&row)?;
    let mut change = Change::of(action, "user", id, Some(&before), Some(&after))?;
    if password_hash.is_some() {
        // The user as shown, plus the one thing it does not show: the log names the password
        // changed beside what else changed (`active`), never its value.
        let mut shown = serde_json::to_value(&after).map_err(ApiError::internal)?;
        shown["password"] = json!("changed");
        change.after = Some(shown);
    }
    audit::record(conn, &ctx.actor(), change)?;
    Ok((row.version, after))
}

/// Deactivates the account; its tokens stop working. Deactivating twice is harmless.
pub fn deactivate(
    conn: &mut DbConnection,
    ctx: &Context,
    id: i64,
    if_match: &IfMatch,
) -> ApiResult<(i64, User)> {
    let principal = policy::authorize(&ctx.caller, &policy::USER_DEACTIVATE, &Target::default())?;
    // An administrator who deactivates themselves locks their own tokens out at once; with a
    // single administrator nobody could undo it.
    if principal.is_some_and(|p| p.user_id == Some(id)) {
        return Err(ApiError::Conflict(
            "You cannot deactivate your own account; another administrator can".into(),
        ));
    }
    change(conn, ctx, id, if_match, "user.deactivated", false, None)
}

/// Checks the caller's right and the new password's strength.
pub fn admit_password(caller: &Caller, request: PasswordRequest) -> ApiResult<Admitted<()>> {
    policy::authorize(caller, &policy::USER_PASSWORD, &Target::default())?;
    let errors = FieldError::broken_rules(&request);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(Admitted {
        request: (),
        password: request.password,
    })
}

/// Replaces the password [`admit_password`] let through; the account is active again.
pub fn set_password(
    conn: &mut DbConnection,
    ctx: &Context,
    id: i64,
    if_match: &IfMatch,
    _admitted: Admitted<()>,
    password_hash: &str,
) -> ApiResult<(i64, User)> {
    let hash = Some(password_hash);
    change(conn, ctx, id, if_match, "user.password_reset", true, hash)
}
