//! `/api/v1/auth`: log in for a bearer token; see who the token says you are.

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::client_address::TrustedProxies;
use super::extract::ApiJson;
use super::request_id::RequestId;
use crate::app;
use crate::auth::throttle::LoginThrottle;
use crate::auth::token::TokenSettings;
use crate::auth::Caller;
use crate::db::Db;
use crate::error::ApiResult;
use crate::openapi::{TooManyRequests, Unauthorized};
use crate::views::auth::{Me, TokenRequest, TokenResponse};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(token).service(me);
}

/// Exchanges a username and password for a bearer token. A wrong password and an unknown user
/// get the same 401 after the same work. Attempts are limited per client address and per username.
#[utoipa::path(
    operation_id = "issue_token",
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
    ),
)]
#[post("/auth/token")]
async fn token(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<TokenSettings>,
    throttle: web::Data<LoginThrottle>,
    proxies: web::Data<TrustedProxies>,
    request_id: RequestId,
    body: ApiJson<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let address = proxies.client_of(&req);
    let issued = app::auth::token(
        &db,
        **throttle,
        settings.into_inner(),
        address,
        request_id.0,
        body.0,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(issued))
}

#[utoipa::path(
    operation_id = "get_me",
    summary = "Who the token belongs to",
    tag = "auth",
    responses(
        (status = 200, description = "The caller", body = Me),
    ),
)]
#[get("/auth/me")]
async fn me(caller: Caller) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app::auth::me(&caller)?))
}
