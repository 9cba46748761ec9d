//! Logging in: a username and password exchanged for a bearer token, and who a token names.

use serde_json::json;

use std::sync::Arc;

use crate::auth::throttle::LoginThrottle;
use crate::auth::token::TokenSettings;
use crate::auth::{password, policy, Caller};
use crate::db::audit::{self, Actor, Change};
use crate::db::users::{self, UserRow};
use crate::db::{Db, DbConnection};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::views::auth::{Me, TokenRequest, TokenResponse};

/// A login from `address`: counts the attempt (in the database, so that every instance counts
/// the same attempts; 429 over a limit), verifies the password on the blocking pool without
/// holding a connection (it takes a while, by design), and issues the token. The one use case
/// that is async: its steps must not share one transaction.
pub async fn token(
    db: &Db,
    throttle: LoginThrottle,
    settings: Arc<TokenSettings>,
    address: String,
    request_id: String,
    request: TokenRequest,
) -> ApiResult<TokenResponse> {
    let errors = FieldError::broken_rules(&request);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let TokenRequest { username, password } = request;
    let username = username.trim().to_lowercase();
    let counted = username.clone();
    let now_ms = chrono::Utc::now().timestamp_millis();
    db.transaction(move |conn| throttle.attempt(conn, &address, &counted, now_ms))
        .await?
        .map_err(|retry_after_secs| ApiError::TooManyRequests { retry_after_secs })?;
    let user = db
        .run(move |conn| users::find_by_username(conn, &username))
        .await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verified = actix_web::web::block(move || password::verify(&password, stored.as_deref()))
        .await
        .map_err(ApiError::internal)?;
    db.transaction(move |conn| log_in(conn, &request_id, user, verified, &settings))
        .await
}

/// Issues a token for `user` if its password was `verified` and it is active, and records the
/// login. A wrong password and an unknown user get the same 401.
fn log_in(
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
        action: "auth.logged_in",
        resource_type: "user",
        resource_id: user.id.to_string(),
        before: None,
        after: Some(json!({"username": principal.username, "role": principal.role})),
        exposure: None,
        region_id: principal.region_id,
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
