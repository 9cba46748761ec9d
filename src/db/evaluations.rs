//! Queries on `evaluations`: one per organization of a cycle, with its inputs and scores.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::cycles::CycleRow;
use super::schema::evaluations;
use super::{now, survey, DbConnection};
use crate::domain::methodology;
use crate::domain::scoring::{self, ComputeError, EvaluationInputs, Scores};
use crate::domain::survey::SurveyAggregates;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evaluations)]
pub struct EvaluationRow {
    pub id: i64,
    pub cycle_id: i64,
    pub organization_id: i64,
    pub inputs_json: Option<String>,
    pub survey_json: Option<String>,
    pub scores_json: Option<String>,
    pub total: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

fn parse<T: serde::de::DeserializeOwned>(
    text: &Option<String>,
    what: &str,
    id: i64,
) -> ApiResult<Option<T>> {
    text.as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| ApiError::internal(format!("evaluation {id}: stored {what} unreadable: {e}")))
}

impl EvaluationRow {
    pub fn inputs(&self) -> ApiResult<Option<EvaluationInputs>> {
        parse(&self.inputs_json, "inputs", self.id)
    }

    pub fn survey(&self) -> ApiResult<Option<SurveyAggregates>> {
        parse(&self.survey_json, "survey", self.id)
    }

    pub fn scores(&self) -> ApiResult<Option<Scores>> {
        parse(&self.scores_json, "scores", self.id)
    }
}

pub fn find(
    conn: &mut DbConnection,
    cycle_id: i64,
    organization_id: i64,
) -> ApiResult<EvaluationRow> {
    evaluations::table
        .filter(evaluations::cycle_id.eq(cycle_id))
        .filter(evaluations::organization_id.eq(organization_id))
        .select(EvaluationRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "Cycle {cycle_id} does not assess organization {organization_id}"
            ))
        })
}

/// Evaluations of a cycle by organization id, after `after_organization`, `limit + 1` at most;
/// only `organization`'s when given.
pub fn list(
    conn: &mut DbConnection,
    cycle_id: i64,
    organization: Option<i64>,
    after_organization: i64,
    limit: i64,
) -> ApiResult<Vec<EvaluationRow>> {
    let mut query = evaluations::table
        .filter(evaluations::cycle_id.eq(cycle_id))
        .filter(evaluations::organization_id.gt(after_organization))
        .select(EvaluationRow::as_select())
        .into_boxed();
    if let Some(organization) = organization {
        query = query.filter(evaluations::organization_id.eq(organization));
    }
    Ok(query
        .order(evaluations::organization_id)
        .limit(limit + 1)
        .load(conn)?)
}

pub fn all_of(conn: &mut DbConnection, cycle_id: i64) -> ApiResult<Vec<EvaluationRow>> {
    Ok(evaluations::table
        .filter(evaluations::cycle_id.eq(cycle_id))
        .order(evaluations::organization_id)
        .select(EvaluationRow::as_select())
        .load(conn)?)
}

/// Organizations of the cycle whose evaluation has no computed scores yet.
pub fn incomplete(conn: &mut DbConnection, cycle_id: i64) -> ApiResult<Vec<i64>> {
    Ok(evaluations::table
        .filter(evaluations::cycle_id.eq(cycle_id))
        .filter(evaluations::scores_json.is_null())
        .order(evaluations::organization_id)
        .select(evaluations::organization_id)
        .load(conn)?)
}

/// The scores of `inputs` (with the uploaded survey in place of theirs) under the cycle's
/// methodology and settings.
pub fn score(
    cycle: &CycleRow,
    inputs: &EvaluationInputs,
    survey: Option<&SurveyAggregates>,
) -> ApiResult<(EvaluationInputs, Scores)> {
    let methodology = methodology::find(&cycle.methodology_id).ok_or_else(|| {
        ApiError::internal(format!(
            "cycle {} has unknown methodology {}",
            cycle.id, cycle.methodology_id
        ))
    })?;
    let settings: methodology::Settings =
        serde_json::from_str(&cycle.settings_json).map_err(ApiError::internal)?;
    let mut effective = inputs.clone();
    if let Some(survey) = survey {
        effective.survey = *survey;
    }
    let scores = scoring::compute(methodology, &settings, &effective).map_err(|e| match e {
        ComputeError::Invalid(errors) => ApiError::Validation(errors),
        other => ApiError::Conflict(other.to_string()),
    })?;
    Ok((effective, scores))
}

/// Writes inputs, uploaded survey and scores if the row is still at `version`.
pub fn save(
    conn: &mut DbConnection,
    row: &EvaluationRow,
    inputs: Option<&EvaluationInputs>,
    survey: Option<&SurveyAggregates>,
    scores: Option<&Scores>,
) -> ApiResult<EvaluationRow> {
    let inputs_json = inputs
        .map(serde_json::to_string)
        .transpose()
        .map_err(ApiError::internal)?;
    let survey_json = survey
        .map(serde_json::to_string)
        .transpose()
        .map_err(ApiError::internal)?;
    let scores_json = scores
        .map(serde_json::to_string)
        .transpose()
        .map_err(ApiError::internal)?;
    let total = scores
        .and_then(|s| s.total.value)
        .map(|t| t.normalize().to_string());
    let changed = diesel::update(evaluations::table)
        .filter(
            evaluations::id
                .eq(row.id)
                .and(evaluations::version.eq(row.version)),
        )
        .set((
            evaluations::inputs_json.eq(inputs_json),
            evaluations::survey_json.eq(survey_json),
            evaluations::scores_json.eq(scores_json),
            evaluations::total.eq(total),
            evaluations::version.eq(row.version + 1),
            evaluations::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::PreconditionFailed);
    }
    find(conn, row.cycle_id, row.organization_id)
}

/// Recomputes one evaluation from what is stored (after a settings change or an upload).
pub fn recompute(
    conn: &mut DbConnection,
    cycle: &CycleRow,
    row: &EvaluationRow,
) -> ApiResult<EvaluationRow> {
    let survey = row.survey()?;
    let scores = match row.inputs()? {
        Some(inputs) => Some(score(cycle, &inputs, survey.as_ref())?.1),
        None => None,
    };
    save(
        conn,
        row,
        row.inputs()?.as_ref(),
        survey.as_ref(),
        scores.as_ref(),
    )
}

/// Recomputes every evaluation of the cycle; returns how many have scores.
pub fn recompute_cycle(conn: &mut DbConnection, cycle: &CycleRow) -> ApiResult<usize> {
    let mut scored = 0;
    for row in all_of(conn, cycle.id)? {
        if recompute(conn, cycle, &row)?.scores_json.is_some() {
            scored += 1;
        }
    }
    Ok(scored)
}

/// Aggregates the evaluation's stored responses into its uploaded survey.
pub fn refresh_survey(conn: &mut DbConnection, row: &EvaluationRow) -> ApiResult<SurveyAggregates> {
    Ok(survey::aggregate(conn, row.id)?.aggregates())
}
