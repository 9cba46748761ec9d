//! `/api/v1/auth`: log in for a bearer token; see who the token says you are.

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::client_address::TrustedProxies;
use super::extract::JsonOrForm;
use super::request_id::RequestId;
use crate::app;
use crate::auth::throttle::LoginThrottle;
use crate::auth::token::TokenSettings;
use crate::auth::Caller;
use crate::db::Db;
use crate::error::ApiResult;
use crate::error::Problem;
use crate::openapi::{TooManyRequests, Unauthorized};
use crate::views::auth::{Me, OAuthError, PasswordGrant, TokenRequest, TokenResponse};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(token).service(me);
}

/// Exchanges a username and password for a bearer token. A wrong password and an unknown user
/// get the same 401 after the same work. Attempts are limited per client address and per username.
/// Also the OAuth2 token endpoint of the password grant (RFC 6749 §4.3): a form-encoded
/// `grant_type=password&username=…&password=…` gets the same token, and its refusals are RFC 6749
/// §5.2 errors (400 `invalid_grant` for wrong credentials, `unsupported_grant_type`,
/// `invalid_request`; 429 when throttled) — Swagger UI's Authorize logs in this way.
#[utoipa::path(
    operation_id = "issue_token",
    summary = "Log in for a bearer token",
    tag = "auth",
    // The form-encoded OAuth2 password grant (RFC 6749 §4.3) is declared by the `oauth2_password`
    // scheme's flow, which OAuth2 clients read; listing it here too makes openapi-python-client
    // 0.29 write a client that does not import (a two-type body).
    request_body(content(
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "A form-encoded (OAuth2) request refused: RFC 6749 §5.2. A JSON request gets a problem instead.",
            content(
                (OAuthError = "application/json"),
                (Problem = "application/problem+json"),
            )),
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
    body: JsonOrForm<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let address = proxies.client_of(&req);
    let (request, oauth) = match body {
        JsonOrForm::Json(request) => (request, false),
        JsonOrForm::Form(pairs) => (PasswordGrant::read(pairs)?, true),
    };
    let issued = app::auth::token(
        &db,
        **throttle,
        settings.into_inner(),
        address,
        request_id.0,
        request,
    )
    .await
    .map_err(|e| if oauth { e.for_oauth() } else { e })?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
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
