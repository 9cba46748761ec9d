//! Council meetings as the API shows and takes them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{limits, nullable, timestamp};
use crate::db::council_meetings::MeetingRow;
use crate::domain::council::{self, CouncilItem, MAX_NUMBER, MAX_TITLE};
use crate::error::{ApiError, ApiResult};

/// A meeting of the region's public council (заседание общественного совета).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "region_id": 33, "held_on": "2019-01-24", "number": null,
    "cited_number": "б/н", "title": "Заседание общественного совета по независимой оценке качества",
    "agenda": [{"number": "1", "text": "Об итогах независимой оценки качества условий оказания услуг в 2018 году"}],
    "decisions": [{"number": "1", "text": "Утвердить результаты независимой оценки качества"}],
    "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z"}))]
pub struct CouncilMeeting {
    pub id: i64,
    pub region_id: i64,
    /// The day it was held (or is to be held).
    pub held_on: NaiveDate,
    /// The minutes' number; `null` when they have none.
    pub number: Option<String>,
    /// The number as documents cite it: the number, or «б/н».
    pub cited_number: String,
    pub title: String,
    /// The agenda (повестка), in order.
    pub agenda: Vec<CouncilItem>,
    /// What the council decided (решения), in order.
    pub decisions: Vec<CouncilItem>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CouncilMeeting {
    pub fn of(row: &MeetingRow) -> ApiResult<Self> {
        let items = |json: &str| -> ApiResult<Vec<CouncilItem>> {
            serde_json::from_str(json).map_err(ApiError::internal)
        };
        Ok(Self {
            id: row.id,
            region_id: row.region_id,
            held_on: row.held_on,
            number: row.number.clone(),
            cited_number: council::cited_number(row.number.as_deref()).to_owned(),
            title: row.title.clone(),
            agenda: items(&row.agenda_json)?,
            decisions: items(&row.decisions_json)?,
            created_at: timestamp(row.created_at),
            updated_at: timestamp(row.updated_at),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"held_on": "2019-01-24", "number": "б/н",
    "title": "Заседание общественного совета по независимой оценке качества",
    "agenda": [{"number": "1", "text": "Об итогах независимой оценки качества условий оказания услуг в 2018 году"}],
    "decisions": [{"number": "1", "text": "Утвердить результаты независимой оценки качества"}]}))]
pub struct NewCouncilMeeting {
    pub held_on: NaiveDate,
    /// The minutes' number; leave out, `null` or «б/н» when they have none.
    #[serde(default)]
    #[schema(schema_with = minutes_number)]
    pub number: Option<String>,
    #[schema(schema_with = limits::text::<1, MAX_TITLE>)]
    pub title: String,
    #[serde(default)]
    #[schema(max_items = 200)]
    pub agenda: Vec<CouncilItem>,
    #[serde(default)]
    #[schema(max_items = 200)]
    pub decisions: Vec<CouncilItem>,
}

/// A JSON merge patch of a council meeting; `agenda` and `decisions` are replaced whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"number": "1"}))]
pub struct CouncilMeetingPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, format = Date, required = false)]
    pub held_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = minutes_number, required = false)]
    pub number: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = limits::text::<1, MAX_TITLE>, required = false)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Vec<CouncilItem>, required = false, max_items = 200)]
    pub agenda: Option<Option<Vec<CouncilItem>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Vec<CouncilItem>, required = false, max_items = 200)]
    pub decisions: Option<Option<Vec<CouncilItem>>>,
}

/// The schema of a meeting's `number`: the domain's limit (`schema_with` takes it, see
/// `views::limits`); empty and «б/н» stand for no number.
fn minutes_number() -> utoipa::openapi::schema::Object {
    let mut schema = limits::nullable_text::<0, MAX_NUMBER>();
    schema.description =
        Some("The minutes' number; leave out, `null` or «б/н» when they have none.".into());
    schema
}
