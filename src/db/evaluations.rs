//! Queries on `evaluations`: one per organization of a cycle, with its inputs and scores.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::cycles::CycleRow;
use super::schema::{evaluations, organizations};
use super::{now, DbConnection};
use crate::domain::methodology;
use crate::domain::methodology::{Methodology, Settings};
use crate::domain::scoring::{self, ComputeError, EvaluationInputs, Results, Scores};
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
    pub results_json: Option<String>,
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

    pub fn results(&self) -> ApiResult<Option<Results>> {
        parse(&self.results_json, "results", self.id)
    }

    pub fn complete(&self) -> bool {
        self.results_json.is_some()
    }
}

/// (evaluation id, organization id) of the cycle's evaluations.
pub fn ids_of(conn: &mut DbConnection, cycle_id: i64) -> ApiResult<Vec<(i64, i64)>> {
    Ok(evaluations::table
        .filter(evaluations::cycle_id.eq(cycle_id))
        .order(evaluations::id)
        .select((evaluations::id, evaluations::organization_id))
        .load(conn)?)
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> ApiResult<Option<EvaluationRow>> {
    Ok(evaluations::table
        .find(id)
        .select(EvaluationRow::as_select())
        .first(conn)
        .optional()?)
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
        .ok_or(ApiError::NotFound)
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
    Ok(filtered(cycle_id, organization)
        .filter(evaluations::organization_id.gt(after_organization))
        .select(EvaluationRow::as_select())
        .order(evaluations::organization_id)
        .limit(limit + 1)
        .load(conn)?)
}

/// How many of the cycle's evaluations (only `organization`'s, if given) there are.
pub fn count(conn: &mut DbConnection, cycle_id: i64, organization: Option<i64>) -> ApiResult<i64> {
    Ok(filtered(cycle_id, organization).count().get_result(conn)?)
}

fn filtered(
    cycle_id: i64,
    organization: Option<i64>,
) -> evaluations::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend> {
    let mut query = evaluations::table
        .filter(evaluations::cycle_id.eq(cycle_id))
        .into_boxed();
    if let Some(organization) = organization {
        query = query.filter(evaluations::organization_id.eq(organization));
    }
    query
}

/// Organizations of the cycle (id, short name) whose evaluation has no total yet.
pub fn incomplete(conn: &mut DbConnection, cycle_id: i64) -> ApiResult<Vec<(i64, String)>> {
    Ok(evaluations::table
        .inner_join(organizations::table)
        .filter(evaluations::cycle_id.eq(cycle_id))
        .filter(evaluations::total.is_null())
        .order(evaluations::organization_id)
        .select((evaluations::organization_id, organizations::short_name))
        .load(conn)?)
}

/// The methodology and settings a cycle computes with.
pub fn rules_of(cycle: &CycleRow) -> ApiResult<(&'static Methodology, Settings)> {
    let methodology = methodology::find(&cycle.methodology_id).ok_or_else(|| {
        ApiError::internal(format!(
            "cycle {} has unknown methodology {}",
            cycle.id, cycle.methodology_id
        ))
    })?;
    let settings = serde_json::from_str(&cycle.settings_json).map_err(ApiError::internal)?;
    Ok((methodology, settings))
}

/// The scores of `inputs`, with the uploaded survey in place of theirs.
pub fn score(
    (methodology, settings): (&Methodology, &Settings),
    inputs: &EvaluationInputs,
    survey: Option<&SurveyAggregates>,
) -> ApiResult<Scores> {
    let mut effective = inputs.clone();
    if let Some(survey) = survey {
        effective.survey = *survey;
    }
    scoring::compute(methodology, settings, &effective).map_err(|e| match e {
        ComputeError::Invalid(errors) => ApiError::Validation(errors),
        other => ApiError::Conflict(other.to_string()),
    })
}

/// An evaluation's data as its columns store it.
pub struct Stored {
    pub inputs_json: Option<String>,
    pub survey_json: Option<String>,
    pub results_json: Option<String>,
    pub total: Option<String>,
}

impl Stored {
    pub fn of(
        inputs: Option<&EvaluationInputs>,
        survey: Option<&SurveyAggregates>,
        results: Option<&Results>,
    ) -> ApiResult<Self> {
        let text = |v: Result<Option<String>, serde_json::Error>| v.map_err(ApiError::internal);
        Ok(Self {
            inputs_json: text(inputs.map(serde_json::to_string).transpose())?,
            survey_json: text(survey.map(serde_json::to_string).transpose())?,
            results_json: text(results.map(serde_json::to_string).transpose())?,
            total: results
                .and_then(|r| r.total)
                .map(|t| t.normalize().to_string()),
        })
    }
}

/// Writes inputs, uploaded survey and results if the row is still at `version`, and returns
/// the row as written (without reading it back).
pub fn save(
    conn: &mut DbConnection,
    row: &EvaluationRow,
    inputs: Option<&EvaluationInputs>,
    survey: Option<&SurveyAggregates>,
    results: Option<&Results>,
) -> ApiResult<EvaluationRow> {
    let Stored {
        inputs_json,
        survey_json,
        results_json,
        total,
    } = Stored::of(inputs, survey, results)?;
    let updated_at = now();
    let changed = diesel::update(evaluations::table)
        .filter(
            evaluations::id
                .eq(row.id)
                .and(evaluations::version.eq(row.version)),
        )
        .set((
            evaluations::inputs_json.eq(&inputs_json),
            evaluations::survey_json.eq(&survey_json),
            evaluations::results_json.eq(&results_json),
            evaluations::total.eq(&total),
            evaluations::version.eq(row.version + 1),
            evaluations::updated_at.eq(updated_at),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::PreconditionFailed);
    }
    Ok(EvaluationRow {
        inputs_json,
        survey_json,
        results_json,
        total,
        version: row.version + 1,
        updated_at,
        ..row.clone()
    })
}

/// Recomputes every evaluation of the cycle (after a change of methodology or settings);
/// returns how many have results. Reads only what computing needs and parses each once.
pub fn recompute_cycle(conn: &mut DbConnection, cycle: &CycleRow) -> ApiResult<usize> {
    let (methodology, settings) = rules_of(cycle)?;
    let rows: Vec<(i64, i64, Option<String>, Option<String>)> = evaluations::table
        .filter(evaluations::cycle_id.eq(cycle.id))
        .order(evaluations::id)
        .select((
            evaluations::id,
            evaluations::version,
            evaluations::inputs_json,
            evaluations::survey_json,
        ))
        .load(conn)?;
    let updated_at = now();
    let mut scored = 0;
    for (id, version, inputs_json, survey_json) in rows {
        let inputs: Option<EvaluationInputs> = parse(&inputs_json, "inputs", id)?;
        let survey: Option<SurveyAggregates> = parse(&survey_json, "survey", id)?;
        let results = match &inputs {
            Some(inputs) => {
                Some(score((methodology, &settings), inputs, survey.as_ref())?.results())
            }
            None => None,
        };
        scored += usize::from(results.is_some());
        let total = results
            .as_ref()
            .and_then(|r| r.total)
            .map(|t| t.normalize().to_string());
        let results_json = results
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(ApiError::internal)?;
        diesel::update(evaluations::table.find(id))
            .set((
                evaluations::results_json.eq(results_json),
                evaluations::total.eq(total),
                evaluations::version.eq(version + 1),
                evaluations::updated_at.eq(updated_at),
            ))
            .execute(conn)?;
    }
    Ok(scored)
}
