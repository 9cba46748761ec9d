//! Bodies of `/api/v1/users`. No response ever carries a password or its hash.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::limits;
use crate::auth::password::{MAX_LENGTH, MIN_LENGTH};

use crate::db::users::UserRow;
use crate::domain::user::{self, Role};
use crate::error::ApiResult;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 3, "username": "tula-authority", "role": "authority", "region_id": 2,
    "organization_id": null, "active": true,
    "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z"}))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The region of an authority, council or operator user.
    pub region_id: Option<i64>,
    /// The organization of an organization user.
    pub organization_id: Option<i64>,
    /// A deactivated user cannot log in, and tokens issued before stop working.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    pub fn of(row: &UserRow) -> ApiResult<Self> {
        Ok(Self {
            id: row.id,
            username: row.username.clone(),
            role: row.role()?,
            region_id: row.region_id,
            organization_id: row.organization_id,
            active: row.active,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "tula-authority", "password": "correct horse battery staple",
    "role": "authority", "region_id": 2}))]
pub struct NewUserRequest {
    #[validate(custom(function = user::username_rule))]
    #[schema(pattern = "^[a-z0-9][a-z0-9._-]{2,63}$")]
    pub username: String,
    #[validate(length(
        min = MIN_LENGTH,
        max = MAX_LENGTH,
        code = "length",
        message = "must be 12 to 256 characters"
    ))]
    #[schema(schema_with = limits::text::<MIN_LENGTH, MAX_LENGTH>)]
    pub password: String,
    pub role: Role,
    /// Required for authority, council and operator; absent otherwise.
    #[serde(default)]
    pub region_id: Option<i64>,
    /// Required for organization users; absent otherwise.
    #[serde(default)]
    pub organization_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "another horse battery staple"}))]
pub struct PasswordRequest {
    #[validate(length(
        min = MIN_LENGTH,
        max = MAX_LENGTH,
        code = "length",
        message = "must be 12 to 256 characters"
    ))]
    #[schema(schema_with = limits::text::<MIN_LENGTH, MAX_LENGTH>)]
    pub password: String,
}
