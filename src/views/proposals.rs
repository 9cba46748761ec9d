//! Council proposals as the API shows and takes them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::proposal::MAX_TEXT;

use super::{nullable, timestamp};
use crate::db::proposals::ProposalRow;
use crate::domain::methodology;

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "cycle_id": 1, "organization_id": 5, "criterion": "K1",
    "criterion_name": "Открытость и доступность информации об организации социальной сферы",
    "text": "Привести информацию на официальном сайте в соответствие с приказом Минтруда России № 886н",
    "meeting_id": 1, "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z"}))]
pub struct Proposal {
    pub id: i64,
    pub cycle_id: i64,
    /// The organization it is addressed to; `null`: every organization of the cycle.
    pub organization_id: Option<i64>,
    /// Criterion code of the cycle's methodology (`K1` … `K5`); `null`: a general proposal.
    #[schema(value_type = Option<super::closed_sets::CriterionCode>)]
    pub criterion: Option<String>,
    /// Official wording of the criterion; `null` for a general proposal.
    pub criterion_name: Option<String>,
    pub text: String,
    /// The council meeting whose decision sent it.
    pub meeting_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Proposal {
    /// The proposal of `row`, with its criterion's official name from `methodology_id`.
    pub fn of(row: &ProposalRow, methodology_id: &str) -> Proposal {
        let criterion_name = row.criterion.as_ref().map(|code| {
            methodology::find(methodology_id)
                .and_then(|m| m.criteria.iter().find(|c| c.code == code))
                .map_or_else(String::new, |c| c.name.to_owned())
        });
        Proposal {
            id: row.id,
            cycle_id: row.cycle_id,
            organization_id: row.organization_id,
            criterion: row.criterion.clone(),
            criterion_name,
            text: row.text.clone(),
            meeting_id: row.meeting_id,
            created_at: timestamp(row.created_at),
            updated_at: timestamp(row.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_id": 5, "criterion": "K1",
    "text": "Привести информацию на официальном сайте в соответствие с приказом Минтруда России № 886н"}))]
pub struct NewProposal {
    /// An organization the cycle assesses; leave out (or `null`) for all of them.
    #[serde(default)]
    pub organization_id: Option<i64>,
    /// A criterion of the cycle's methodology; leave out (or `null`) for a general proposal.
    #[serde(default)]
    #[schema(value_type = Option<super::closed_sets::CriterionCode>)]
    pub criterion: Option<String>,
    #[schema(schema_with = super::limits::text::<1, MAX_TEXT>)]
    pub text: String,
    /// A council meeting of the cycle's region whose decision sends the proposal.
    #[serde(default)]
    pub meeting_id: Option<i64>,
}

/// A JSON merge patch of a proposal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Обеспечить наличие на сайте раздела «Часто задаваемые вопросы»"}))]
pub struct ProposalPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, required = false)]
    pub organization_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<super::closed_sets::CriterionCode>, required = false)]
    pub criterion: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = super::limits::text::<1, MAX_TEXT>, required = false)]
    pub text: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, required = false)]
    pub meeting_id: Option<Option<i64>>,
}
