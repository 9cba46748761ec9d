//! Assessment cycles as the API shows and takes them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use validator::Validate;

use super::{limits, nullable, timestamp};
use crate::db::cycles::CycleRow;
use crate::domain::cycle::{self as rules, CouncilDecision, CycleStatus, Operator};
use crate::domain::methodology::Settings;
use crate::error::{ApiError, ApiResult};

/// An assessment cycle of one region, year and sector.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cycle {
    pub id: i64,
    pub region_id: i64,
    pub year: i32,
    /// `social_services`.
    pub sector: String,
    /// Version of the methodology the results are computed with (`GET /api/v1/methodologies`).
    pub methodology_id: String,
    /// The methodology's settings for this cycle; fixed once results are submitted.
    pub settings: Settings,
    pub operator: Option<Operator>,
    /// Operator users who may enter this cycle's data.
    pub operator_user_ids: Vec<i64>,
    /// Organizations the cycle assesses, each with one evaluation.
    pub organization_ids: Vec<i64>,
    pub council_decision: Option<CouncilDecision>,
    pub status: CycleStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Cycle {
    /// The cycle of `row` with its organizations and operator users.
    pub fn of(
        row: &CycleRow,
        (organization_ids, operator_user_ids): (Vec<i64>, Vec<i64>),
    ) -> ApiResult<Cycle> {
        let settings: Settings =
            serde_json::from_str(&row.settings_json).map_err(ApiError::internal)?;
        let operator = match (
            &row.operator_name,
            &row.operator_contract_number,
            row.operator_contract_date,
        ) {
            (Some(name), Some(number), Some(date)) => Some(Operator {
                name: name.clone(),
                contract_number: number.clone(),
                contract_date: date,
            }),
            _ => None,
        };
        let council_decision = match (&row.council_decision_number, row.council_decision_date) {
            (Some(number), Some(date)) => Some(CouncilDecision {
                number: number.clone(),
                date,
            }),
            _ => None,
        };
        Ok(Cycle {
            id: row.id,
            region_id: row.region_id,
            year: row.year,
            sector: row.sector.clone(),
            methodology_id: row.methodology_id.clone(),
            settings,
            operator,
            operator_user_ids,
            organization_ids,
            council_decision,
            status: row.status()?,
            created_at: timestamp(row.created_at),
            updated_at: timestamp(row.updated_at),
        })
    }
}

/// A new cycle, in status `draft`.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"region_id": 2, "year": 2018, "sector": "social_services",
    "methodology_id": "mintrud-344n-2018",
    "operator": {"name": "ООО «Центр социологических исследований»", "contract_number": "0366200035618000123", "contract_date": "2018-04-02"},
    "organization_ids": [1, 2, 3], "operator_user_ids": [4]}))]
pub struct NewCycle {
    pub region_id: i64,
    /// From 2013, the year of the law on independent assessment.
    #[validate(range(min = rules::FIRST_YEAR, max = rules::LAST_YEAR))]
    #[schema(schema_with = limits::year::<{ rules::FIRST_YEAR }, { rules::LAST_YEAR }>)]
    pub year: i32,
    /// Defaults to `social_services`.
    #[serde(default = "default_sector")]
    #[validate(custom(function = rules::known_sector))]
    pub sector: String,
    /// Defaults to `mintrud-344n-2018`.
    #[serde(default)]
    pub methodology_id: Option<String>,
    /// Defaults to the methodology's default settings. Checked against the methodology too
    /// (`waiting_time_applied` only where it has the indicator).
    #[serde(default)]
    #[validate(nested)]
    pub settings: Option<Settings>,
    #[serde(default)]
    #[validate(nested)]
    pub operator: Option<Operator>,
    #[serde(default)]
    pub organization_ids: Vec<i64>,
    #[serde(default)]
    pub operator_user_ids: Vec<i64>,
}

fn default_sector() -> String {
    rules::SECTORS[0].0.to_owned()
}

/// A JSON merge patch of a cycle. Methodology and settings change only until results are
/// submitted; organizations and operators only until collection ends. Lists replace the
/// current ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_ids": [1, 2, 3, 5], "settings": {"waiting_time_applied": true}}))]
pub struct CyclePatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false)]
    pub methodology_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Settings, required = false)]
    pub settings: Option<Option<Settings>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Operator>, required = false)]
    pub operator: Option<Option<Operator>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<CouncilDecision>, required = false)]
    pub council_decision: Option<Option<CouncilDecision>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Vec<i64>, required = false)]
    pub organization_ids: Option<Option<Vec<i64>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Vec<i64>, required = false)]
    pub operator_user_ids: Option<Option<Vec<i64>>>,
}

/// An active organization without an assessment in the last three years.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnassessedOrganization {
    pub organization_id: i64,
    pub short_name: String,
    /// The last year it was assessed, if ever.
    pub last_assessed: Option<i32>,
}

/// As `db::cycles::unassessed` reads it: id, short name, last year assessed.
impl From<(i64, String, Option<i32>)> for UnassessedOrganization {
    fn from((organization_id, short_name, last_assessed): (i64, String, Option<i32>)) -> Self {
        Self {
            organization_id,
            short_name,
            last_assessed,
        }
    }
}
