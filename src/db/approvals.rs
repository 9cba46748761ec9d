//! Queries on `approvals`: the council's frozen snapshots of a cycle's results, and the
//! assembly of a snapshot from the cycle's evaluations.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::cycles::CycleRow;
use super::evaluations::{rules_of, score};
use super::schema::{approvals, cycle_organizations, cycles, evaluations, organizations};
use super::{now, DbConnection};
use crate::domain::organization::ServiceForm;
use crate::domain::rating::{PreviousRef, Snapshot, SnapshotEntry};
use crate::domain::scoring::{EvaluationInputs, Results};
use crate::domain::survey::SurveyAggregates;
use crate::error::{ApiError, ApiResult};

/// An approval without its snapshot, which is read only when a rating needs it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = approvals)]
pub struct ApprovalRow {
    pub id: i64,
    pub cycle_id: i64,
    pub number: i32,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub approved_by: Option<String>,
    pub approved_at: NaiveDateTime,
    pub meeting_id: Option<i64>,
}

pub struct NewApproval<'a> {
    pub cycle_id: i64,
    pub decision_number: &'a str,
    pub decision_date: NaiveDate,
    /// The council meeting whose decision it is.
    pub meeting_id: Option<i64>,
    pub approved_by: Option<&'a str>,
    pub snapshot: &'a Snapshot,
}

/// Stores the next numbered approval of the cycle. The caller holds the cycle's lock, so the
/// numbers do not race.
pub fn insert(conn: &mut DbConnection, new: &NewApproval<'_>) -> ApiResult<ApprovalRow> {
    let last: Option<i32> = approvals::table
        .filter(approvals::cycle_id.eq(new.cycle_id))
        .select(diesel::dsl::max(approvals::number))
        .first(conn)?;
    let content_json = serde_json::to_string(new.snapshot).map_err(ApiError::internal)?;
    let row = diesel::insert_into(approvals::table)
        .values((
            approvals::cycle_id.eq(new.cycle_id),
            approvals::number.eq(last.unwrap_or(0) + 1),
            approvals::decision_number.eq(new.decision_number),
            approvals::decision_date.eq(new.decision_date),
            approvals::approved_by.eq(new.approved_by),
            approvals::approved_at.eq(now()),
            approvals::content_json.eq(content_json),
            approvals::meeting_id.eq(new.meeting_id),
        ))
        .returning((
            approvals::id,
            approvals::cycle_id,
            approvals::number,
            approvals::decision_number,
            approvals::decision_date,
            approvals::approved_by,
            approvals::approved_at,
            approvals::meeting_id,
        ))
        .get_result(conn)?;
    Ok(row)
}

/// The cycle's approvals, oldest first.
pub fn list(conn: &mut DbConnection, cycle_id: i64) -> ApiResult<Vec<ApprovalRow>> {
    Ok(approvals::table
        .filter(approvals::cycle_id.eq(cycle_id))
        .order(approvals::number)
        .select(ApprovalRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConnection, id: i64) -> ApiResult<ApprovalRow> {
    approvals::table
        .find(id)
        .select(ApprovalRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// The approval of `cycle_id` numbered `number`.
pub fn find_numbered(
    conn: &mut DbConnection,
    cycle_id: i64,
    number: i32,
) -> ApiResult<ApprovalRow> {
    approvals::table
        .filter(approvals::cycle_id.eq(cycle_id))
        .filter(approvals::number.eq(number))
        .select(ApprovalRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

pub fn snapshot(conn: &mut DbConnection, approval_id: i64) -> ApiResult<Snapshot> {
    let text: String = approvals::table
        .find(approval_id)
        .select(approvals::content_json)
        .first(conn)?;
    serde_json::from_str(&text).map_err(|e| {
        ApiError::internal(format!(
            "approval {approval_id}: stored snapshot unreadable: {e}"
        ))
    })
}

/// Each organization's latest published result in an earlier cycle of the same region and
/// sector: the reference for changes of score and place.
fn previous_results(
    conn: &mut DbConnection,
    cycle: &CycleRow,
) -> ApiResult<HashMap<i64, PreviousRef>> {
    let rows: Vec<(i64, i64, i32, Option<i64>)> = cycle_organizations::table
        .inner_join(cycles::table)
        .filter(cycles::region_id.eq(cycle.region_id))
        .filter(cycles::sector.eq(&cycle.sector))
        .filter(cycles::year.lt(cycle.year))
        // Published results only: a rating (public once published itself) must not show
        // results the council approved but nobody published.
        .filter(cycles::published_approval_id.is_not_null())
        .select((
            cycle_organizations::organization_id,
            cycles::id,
            cycles::year,
            cycles::published_approval_id,
        ))
        .load(conn)?;
    let mut previous: HashMap<i64, PreviousRef> = HashMap::new();
    for (organization_id, cycle_id, year, approval_id) in rows {
        let Some(approval_id) = approval_id else {
            continue;
        };
        let candidate = PreviousRef {
            cycle_id,
            year,
            approval_id,
        };
        previous
            .entry(organization_id)
            .and_modify(|p| {
                if (year, cycle_id) > (p.year, p.cycle_id) {
                    *p = candidate;
                }
            })
            .or_insert(candidate);
    }
    Ok(previous)
}

type OrganizationFacts = (i64, String, String, String, bool, bool, bool);
/// Id, organization, inputs, survey and results of an evaluation.
type EvaluationJson = (i64, i64, Option<String>, Option<String>, Option<String>);

/// The cycle's results as they stand, with what a rating shows of each organization. With
/// `indicators`, each evaluation is scored again for its indicator values (for the results
/// export and for approval); without, the stored results suffice.
pub fn current(conn: &mut DbConnection, cycle: &CycleRow, indicators: bool) -> ApiResult<Snapshot> {
    let (methodology, settings) = rules_of(cycle)?;
    let rows: Vec<EvaluationJson> = evaluations::table
        .filter(evaluations::cycle_id.eq(cycle.id))
        .order(evaluations::organization_id)
        .select((
            evaluations::id,
            evaluations::organization_id,
            evaluations::inputs_json,
            evaluations::survey_json,
            evaluations::results_json,
        ))
        .load(conn)?;
    let facts: HashMap<i64, OrganizationFacts> = organizations::table
        .filter(
            organizations::id.eq_any(
                cycle_organizations::table
                    .filter(cycle_organizations::cycle_id.eq(cycle.id))
                    .select(cycle_organizations::organization_id),
            ),
        )
        .select((
            organizations::id,
            organizations::short_name,
            organizations::full_name,
            organizations::inn,
            organizations::serves_stationary,
            organizations::serves_semi_stationary,
            organizations::serves_home_based,
        ))
        .load::<OrganizationFacts>(conn)?
        .into_iter()
        .map(|f| (f.0, f))
        .collect();
    let previous = previous_results(conn, cycle)?;
    let unreadable = |id: i64, what: &str, e: serde_json::Error| {
        ApiError::internal(format!("evaluation {id}: stored {what} unreadable: {e}"))
    };
    let mut entries = Vec::with_capacity(rows.len());
    for (id, organization_id, inputs_json, survey_json, results_json) in rows {
        // An evaluation without results has nothing to rate.
        let Some(results_json) = results_json else {
            continue;
        };
        let results: Results =
            serde_json::from_str(&results_json).map_err(|e| unreadable(id, "results", e))?;
        let inputs: Option<EvaluationInputs> = inputs_json
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| unreadable(id, "inputs", e))?;
        let survey: Option<SurveyAggregates> = survey_json
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| unreadable(id, "survey", e))?;
        let respondents = survey
            .as_ref()
            .or(inputs.as_ref().map(|i| &i.survey))
            .map_or(0, |s| s.respondents);
        let indicators = match (&inputs, indicators) {
            (Some(inputs), true) => score((methodology, &settings), inputs, survey.as_ref())?
                .criteria
                .iter()
                .flat_map(|c| c.indicators.iter())
                .map(|i| (i.code.clone(), i.rounded))
                .collect(),
            _ => Vec::new(),
        };
        let (_, short_name, full_name, inn, stationary, semi, home) =
            facts.get(&organization_id).cloned().ok_or_else(|| {
                ApiError::internal(format!("evaluation {id}: organization not in the cycle"))
            })?;
        let service_forms = [
            (stationary, ServiceForm::Stationary),
            (semi, ServiceForm::SemiStationary),
            (home, ServiceForm::HomeBased),
        ]
        .into_iter()
        .filter_map(|(serves, form)| serves.then_some(form))
        .collect();
        entries.push(SnapshotEntry {
            organization_id,
            short_name,
            full_name,
            inn,
            service_forms,
            results,
            indicators,
            respondents,
            previous: previous.get(&organization_id).copied(),
        });
    }
    Ok(Snapshot {
        methodology_id: methodology.id.into(),
        settings,
        entries,
    })
}
