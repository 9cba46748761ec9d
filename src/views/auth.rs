//! Bodies of `/api/v1/auth`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::limits;
use crate::auth::password::MAX_LENGTH;

use crate::domain::user::Role;
use crate::error::ApiError;

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "admin", "password": "correct horse battery staple"}))]
pub struct TokenRequest {
    #[validate(length(max = USERNAME_MAX))]
    #[schema(schema_with = limits::text::<0, USERNAME_MAX>)]
    pub username: String,
    #[validate(length(max = MAX_LENGTH))]
    #[schema(schema_with = limits::text::<0, MAX_LENGTH>)]
    pub password: String,
}

/// No username is longer (`domain::user::check_username`); a longer one is refused before the
/// login is counted or a password hashed.
pub const USERNAME_MAX: u64 = 64;

/// The OAuth2 resource owner password credentials grant (RFC 6749 §4.3), form-encoded: what
/// Swagger UI's Authorize sends. Answers are those of the JSON login; refusals are RFC 6749 §5.2
/// errors ([`OAuthError`]). Other parameters (`scope`, `client_id`) are ignored, as the RFC asks.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Documents the form; the form is read by `PasswordGrant::read`.
pub struct PasswordGrant {
    #[schema(pattern = "^password$", example = "password")]
    grant_type: String,
    #[schema(schema_with = limits::text::<0, USERNAME_MAX>)]
    username: String,
    #[schema(schema_with = limits::text::<0, MAX_LENGTH>)]
    password: String,
}

impl PasswordGrant {
    /// The login a form asks for, or the RFC 6749 §5.2 error for it.
    pub fn read(pairs: Vec<(String, String)>) -> Result<TokenRequest, ApiError> {
        let refused = |error: &'static str, description: String| ApiError::OAuth {
            error,
            description,
            retry_after_secs: None,
        };
        let one = |name: &str| -> Result<Option<String>, ApiError> {
            let mut values = pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v);
            match (values.next(), values.next()) {
                (_, Some(_)) => Err(refused(
                    "invalid_request",
                    format!("Parameter `{name}` is given more than once"),
                )),
                (value, None) => Ok(value.cloned()),
            }
        };
        let missing =
            |name: &str| refused("invalid_request", format!("Parameter `{name}` is required"));
        match one("grant_type")?.as_deref() {
            Some("password") => {}
            Some(other) => {
                let shown: String = other.chars().take(50).collect();
                return Err(refused(
                    "unsupported_grant_type",
                    format!("Grant type {shown:?} is not supported; use `password`"),
                ));
            }
            None => return Err(missing("grant_type")),
        }
        let username = one("username")?.ok_or_else(|| missing("username"))?;
        let password = one("password")?.ok_or_else(|| missing("password"))?;
        Ok(TokenRequest { username, password })
    }
}

/// A refused OAuth2 token request (RFC 6749 §5.2).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": "invalid_grant", "error_description": "Wrong username or password"}))]
pub struct OAuthError {
    /// `invalid_request`, `invalid_grant` or `unsupported_grant_type`.
    #[schema(pattern = "^(invalid_request|invalid_grant|unsupported_grant_type)$")]
    pub error: String,
    pub error_description: String,
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
