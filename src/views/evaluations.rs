//! Evaluations as the API shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::timestamp;
use crate::db::evaluations::EvaluationRow;
use crate::domain::scoring::{EvaluationInputs, Scores};
use crate::domain::survey::SurveyAggregates;

/// An organization's evaluation in a cycle.
#[derive(Debug, Serialize, ToSchema)]
pub struct Evaluation {
    pub id: i64,
    pub cycle_id: i64,
    pub organization_id: i64,
    /// The operator's inputs; their `survey` is replaced by the uploaded responses' aggregates
    /// when there are any.
    pub inputs: Option<EvaluationInputs>,
    /// Survey responses uploaded for this evaluation.
    pub survey_responses: i64,
    /// Aggregates of the uploaded responses.
    pub uploaded_survey: Option<SurveyAggregates>,
    /// Indicators, criteria, total (each with its trace) and shortcomings; `null` until the
    /// inputs are complete.
    pub scores: Option<Scores>,
    /// Scores are computed.
    pub complete: bool,
    pub updated_at: DateTime<Utc>,
}

/// One line of the evaluation list.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationSummary {
    pub organization_id: i64,
    pub complete: bool,
    /// Exact unrounded total, as a decimal string.
    #[schema(example = "90.72")]
    pub total: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl EvaluationSummary {
    pub fn of(row: &EvaluationRow) -> Self {
        Self {
            organization_id: row.organization_id,
            complete: row.complete(),
            total: row.total.clone(),
            updated_at: timestamp(row.updated_at),
        }
    }
}

/// What an upload stored.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SurveyUpload {
    /// Responses stored by this upload.
    pub stored: u64,
    /// All responses of the evaluation now.
    pub total_responses: i64,
    /// Aggregates of all its responses, which the scores now use.
    pub survey: SurveyAggregates,
    /// Whether the evaluation has scores (it needs the operator's other inputs too).
    pub complete: bool,
}
