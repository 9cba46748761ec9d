//! Bodies of `/api/v1/auth`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::user::Role;

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
