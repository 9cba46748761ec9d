//! Bodies of `/api/v1/regions`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::nullable;
use crate::db::regions::RegionRow;
use crate::domain::region::NAME_MAX;

/// A subject of the Russian Federation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 2, "code": "71", "name": "Тульская область",
    "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z"}))]
pub struct Region {
    pub id: i64,
    /// Two-digit code of the subject (код субъекта РФ).
    pub code: String,
    /// Official name (наименование субъекта РФ).
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&RegionRow> for Region {
    fn from(row: &RegionRow) -> Self {
        Self {
            id: row.id,
            code: row.code.clone(),
            name: row.name.clone(),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "71", "name": "Тульская область"}))]
pub struct NewRegion {
    /// Two digits, 01–99; unique.
    #[schema(pattern = "^(0[1-9]|[1-9][0-9])$")]
    pub code: String,
    #[schema(schema_with = super::limits::text::<1, NAME_MAX>)]
    pub name: String,
}

/// A JSON merge patch (RFC 7396) of a region.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Тульская область"}))]
pub struct RegionPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, pattern = "^(0[1-9]|[1-9][0-9])$")]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = super::limits::text::<1, NAME_MAX>, required = false)]
    pub name: Option<Option<String>>,
}
