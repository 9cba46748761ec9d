//! Logging in: a username and password exchanged for a bearer token, and who a token names.

use serde_json::json;

use crate::auth::token::TokenSettings;
use crate::auth::{policy, Caller};
use crate::db::audit::{self, Actor, Change};
use crate::db::users::{self, UserRow};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::views::auth::{Me, TokenResponse};

/// The account a login names, if any. Its password is verified outside any transaction.
pub fn account(conn: &mut DbConnection, username: &str) -> ApiResult<Option<UserRow>> {
    users::find_by_username(conn, username)
}

/// Issues a token for `user` if its password was `verified` and it is active, and records the
/// login. A wrong password and an unknown user get the same 401.
pub fn log_in(
    conn: &mut DbConnection,
    request_id: &str,
    user: Option<UserRow>,
    verified: bool,
    settings: &TokenSettings,
) -> ApiResult<TokenResponse> {
    let user = match user {
        Some(user) if verified && user.active => user,
        _ => return Err(ApiError::Unauthorized("Wrong username or password".into())),
    };
    let principal = user.principal()?;
    let now = jsonwebtoken::get_current_timestamp();
    let access_token = settings
        .issue(&principal, user.id, now)
        .map_err(ApiError::internal)?;
    let change = Change {
        action: "auth.login",
        resource_type: "user",
        resource_id: user.id.to_string(),
        before: None,
        after: Some(json!({"username": principal.username, "role": principal.role})),
        exposure: None,
    };
    audit::record(conn, &Actor::of(Some(&principal), request_id), change)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: settings.ttl.as_secs(),
        role: user.role()?,
        username: user.username,
    })
}

/// Who the caller's token belongs to.
pub fn me(caller: &Caller) -> ApiResult<Me> {
    let principal = policy::authorize(caller, &policy::AUTH_ME, &Default::default())?
        .ok_or_else(|| ApiError::internal("authenticated rule without a principal"))?;
    Ok(Me {
        username: principal.username.clone(),
        role: principal.role,
        user_id: principal.user_id,
        region_id: principal.region_id,
        organization_id: principal.organization_id,
    })
}
