//! `/api/v1/auth`: log in for a bearer token; see who the token says you are.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::extract::ApiJson;
use super::request_id::RequestId;
use crate::auth::throttle::LoginThrottle;
use crate::auth::token::TokenSettings;
use crate::auth::{password, policy, Caller, Role};
use crate::db::audit::{self, Actor, Change};
use crate::db::{users, Db};
use crate::error::{ApiError, ApiResult};
use crate::openapi::{
    BadRequest, PayloadTooLarge, TooManyRequests, Unauthorized, UnsupportedMediaType,
    ValidationFailed,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(token).service(me);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "admin", "password": "correct horse battery staple"}))]
pub struct TokenRequest {
    #[schema(max_length = 64)]
    pub username: String,
    #[schema(max_length = 256)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…", "token_type": "Bearer",
    "expires_in": 3600, "username": "admin", "role": "admin"}))]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Lifetime in seconds.
    pub expires_in: u64,
    pub username: String,
    pub role: Role,
}

/// Who the presented token belongs to, with the scope the role is held to.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"username": "tula-authority", "role": "authority", "user_id": 3,
    "region_id": 2, "organization_id": null}))]
pub struct Me {
    pub username: String,
    pub role: Role,
    /// `null` for a user of the regional identity provider.
    pub user_id: Option<i64>,
    pub region_id: Option<i64>,
    pub organization_id: Option<i64>,
}

/// Exchanges a username and password for a bearer token. A wrong password and an unknown user
/// get the same 401 after the same work. Attempts are limited per client address and per username.
#[utoipa::path(
    operation_id = "issue_token",
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/auth/token")]
async fn token(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<TokenSettings>,
    throttle: web::Data<LoginThrottle>,
    request_id: RequestId,
    body: ApiJson<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let TokenRequest { username, password } = body.0;
    let username = username.trim().to_lowercase();
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    throttle
        .attempt(&address, &username)
        .map_err(|retry_after_secs| ApiError::TooManyRequests { retry_after_secs })?;

    let lookup = username.clone();
    let user = db
        .run(move |conn| users::find_by_username(conn, &lookup))
        .await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verified = web::block(move || password::verify(&password, stored.as_deref()))
        .await
        .map_err(ApiError::internal)?;
    let user = match user {
        Some(user) if verified && user.active => user,
        _ => return Err(ApiError::Unauthorized("Wrong username or password".into())),
    };

    let principal = user.principal()?;
    let now = jsonwebtoken::get_current_timestamp();
    let access_token = settings
        .issue(&principal, user.id, now)
        .map_err(ApiError::internal)?;
    let actor = Actor::of(Some(&principal), &request_id.0);
    let user_id = user.id;
    db.transaction(move |conn| {
        let change = Change {
            action: "auth.login",
            resource_type: "user",
            resource_id: user_id.to_string(),
            before: None,
            after: Some(json!({"username": principal.username, "role": principal.role})),
            exposure: None,
        };
        audit::record(conn, &actor, change)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: settings.ttl.as_secs(),
            role: user.role()?,
            username: user.username,
        }))
}

#[utoipa::path(
    operation_id = "get_me",
    summary = "Who the token belongs to",
    tag = "auth",
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, response = Unauthorized),
    ),
)]
#[get("/auth/me")]
async fn me(caller: Caller) -> ApiResult<HttpResponse> {
    let principal = policy::authorize(&caller, &policy::AUTH_ME, &Default::default())?
        .ok_or_else(|| ApiError::internal("authenticated rule without a principal"))?;
    Ok(HttpResponse::Ok().json(Me {
        username: principal.username.clone(),
        role: principal.role,
        user_id: principal.user_id,
        region_id: principal.region_id,
        organization_id: principal.organization_id,
    }))
}
