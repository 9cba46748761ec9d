//! Evaluations: one per organization of a cycle — the operator's inputs, bulk survey
//! responses, the scores computed from them, and their place in the change feed.

use crate::app::{Context, IfMatch};
use crate::auth::policy::{self, Rule};
use crate::auth::{Caller, Role};
use crate::db::audit::{self, Change};
use crate::db::changes::{self, Action, Exposure, FeedChange};
use crate::db::cycles::{self as cycle_store, CycleRow, CycleValues};
use crate::db::evaluations::{self as store, EvaluationRow};
use crate::db::idempotency::{self, KeyScope, StoredAnswer};
use crate::db::survey::{self, Format};
use crate::db::DbConnection;
use crate::domain::cycle::CycleStatus;
use crate::domain::paging;
use crate::domain::scoring::{self, EvaluationInputs};
use crate::domain::survey::SurveyAggregates;
use crate::error::{ApiError, ApiResult};
use crate::views::cycles::Cycle;
use crate::views::evaluations::{Evaluation, EvaluationSummary, SurveyUpload};
use crate::views::Page;

use super::answers::{self, Answer, Answers, Depends};
use super::{etag, visibility};
use crate::db::Db;

/// The evaluation's change for the feed, as the evaluation list shows it: its scores with
/// their traces are read from the evaluation itself (a recompute of a large cycle would
/// otherwise write tens of kilobytes per organization to the feed).
fn feed_change(
    row: &EvaluationRow,
    before: Exposure,
    after: Exposure,
) -> ApiResult<FeedChange<'static>> {
    Ok(FeedChange {
        resource_type: "evaluation",
        resource_id: row.id.to_string(),
        action: Action::Updated,
        before,
        after,
        payload: Some(
            serde_json::to_value(EvaluationSummary::of(row)).map_err(ApiError::internal)?,
        ),
    })
}

fn feed(
    conn: &mut DbConnection,
    row: &EvaluationRow,
    before: Exposure,
    after: Exposure,
) -> ApiResult<()> {
    changes::record(conn, &feed_change(row, before, after)?)
}

/// After the cycle changed (a recompute, a publication, a reopening): every evaluation of it
/// goes to the feed as it now stands, with who could see it before and after.
pub fn feed_cycle(conn: &mut DbConnection, before: &CycleRow, after: &CycleRow) -> ApiResult<()> {
    let rows = store::list(conn, after.id, None, 0, i64::from(i32::MAX))?;
    let fed = rows
        .iter()
        .map(|row| {
            let was = visibility::evaluation_exposure(before, row.organization_id)?;
            let is = visibility::evaluation_exposure(after, row.organization_id)?;
            feed_change(row, was, is)
        })
        .collect::<ApiResult<Vec<_>>>()?;
    changes::record_all(conn, &fed)
}

/// Evaluations that a change of the cycle's organizations removed leave the feed.
pub fn feed_removed(
    conn: &mut DbConnection,
    cycle: &CycleRow,
    before: &[(i64, i64)],
) -> ApiResult<()> {
    let now: Vec<i64> = store::ids_of(conn, cycle.id)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let removed = before
        .iter()
        .filter(|(id, _)| !now.contains(id))
        .map(|(id, organization_id)| {
            let was = visibility::evaluation_exposure(cycle, *organization_id)?;
            Ok(FeedChange {
                resource_type: "evaluation",
                resource_id: id.to_string(),
                action: Action::Deleted,
                before: was,
                after: was,
                payload: None,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    changes::record_all(conn, &removed)
}

/// The evaluation as shown: the scores with their traces and shortcomings are recomputed from
/// the stored inputs (cheap and deterministic), so that only compact results are stored.
fn view(conn: &mut DbConnection, cycle: &CycleRow, row: &EvaluationRow) -> ApiResult<Evaluation> {
    let inputs = row.inputs()?;
    let uploaded_survey = row.survey()?;
    let scores = match (&inputs, row.complete()) {
        (Some(inputs), true) => {
            let (methodology, settings) = store::rules_of(cycle)?;
            Some(store::score(
                (methodology, &settings),
                inputs,
                uploaded_survey.as_ref(),
            )?)
        }
        _ => None,
    };
    Ok(Evaluation {
        id: row.id,
        cycle_id: row.cycle_id,
        organization_id: row.organization_id,
        inputs,
        survey_responses: survey::count(conn, row.id)?,
        uploaded_survey,
        scores,
        complete: row.complete(),
        updated_at: crate::views::timestamp(row.updated_at),
    })
}

/// What an audit event keeps of an evaluation: its inputs and total, not the derived traces.
#[derive(serde::Serialize)]
struct Audited {
    inputs: Option<EvaluationInputs>,
    uploaded_survey: Option<SurveyAggregates>,
    total: Option<String>,
}

impl Audited {
    fn of(row: &EvaluationRow) -> ApiResult<Self> {
        Ok(Self {
            inputs: row.inputs()?,
            uploaded_survey: row.survey()?,
            total: row.total.clone(),
        })
    }
}

/// The cycle and the evaluation of `organization_id` in it, if `caller` may act under `rule`:
/// an organization reaches only its own evaluation.
fn authorized(
    conn: &mut DbConnection,
    cycle_id: i64,
    organization_id: i64,
    caller: &Caller,
    rule: &Rule,
) -> ApiResult<(CycleRow, EvaluationRow)> {
    let (cycle, mut target) = visibility::live_cycle_with_target(conn, cycle_id, caller)?;
    if target.organization_id != Some(organization_id) {
        target.organization_id = None;
    }
    visibility::check(caller, rule, &policy::CYCLE_READ, &target)?;
    let row = store::find(conn, cycle_id, organization_id)?;
    Ok((cycle, row))
}

/// Every organization of a submitted cycle has its scores; names those that do not.
pub fn ready_to_submit(
    conn: &mut DbConnection,
    row: &CycleRow,
    _: &Cycle,
    _: &mut CycleValues,
) -> ApiResult<()> {
    all_complete(conn, row, "Results cannot be submitted")
}

/// 409 naming every organization of the cycle whose evaluation has no total yet.
pub fn all_complete(conn: &mut DbConnection, row: &CycleRow, what: &str) -> ApiResult<()> {
    let missing = store::incomplete(conn, row.id)?;
    if missing.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = missing
        .iter()
        .take(20)
        .map(|(id, name)| format!("{id} ({name})"))
        .collect();
    let more = match missing.len() {
        n if n > shown.len() => format!(" and {} more", n - shown.len()),
        _ => String::new(),
    };
    Err(ApiError::Conflict(format!(
        "{what} while evaluations are incomplete: organizations {}{more}",
        shown.join(", ")
    )))
}

fn open_for_inputs(cycle: &CycleRow) -> ApiResult<()> {
    let status = cycle.status()?;
    if status.accepts_inputs() {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "The cycle is {}: evaluation data can be entered only while it is {}",
            status.as_str(),
            CycleStatus::Collecting.as_str()
        )))
    }
}

/// [`list`] as its JSON page: kept while the cycle's data is unchanged (see
/// [`Depends::cycle`]), else read.
pub async fn list_answer(
    db: &Db,
    answers: &Answers,
    caller: Caller,
    cycle_id: i64,
    (after, limit, total): (i64, i64, bool),
) -> ApiResult<Answer> {
    let key = format!(
        "evaluations/{cycle_id}/{after}/{limit}/{total}/{}",
        answers::viewer(&caller)
    );
    answers
        .answer(db, key, move |conn| {
            let (region_id, page) = list(conn, &caller, cycle_id, after, limit, total)?;
            Ok((Answer::page(&page)?, Depends::cycle(region_id)))
        })
        .await
}

/// The evaluations of a cycle by organization id, a page after `after`; an organization sees
/// only its own until the cycle is published. With the cycle's region.
fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    cycle_id: i64,
    after: i64,
    limit: i64,
    total: bool,
) -> ApiResult<(i64, Page<EvaluationSummary>)> {
    let cycle =
        visibility::authorized_live_cycle(conn, cycle_id, caller, &policy::EVALUATION_LIST)?;
    let published = cycle.status()? == CycleStatus::Published;
    let only = caller
        .principal()
        .filter(|p| p.role == Role::Organization && !published)
        .map(|p| p.organization_id.unwrap_or(-1));
    let rows = store::list(conn, cycle_id, only, after, limit)?;
    let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.organization_id);
    let total = total
        .then(|| store::count(conn, cycle_id, only))
        .transpose()?;
    let page = Page {
        items: rows.iter().map(EvaluationSummary::of).collect(),
        next_cursor,
        total,
    };
    Ok((cycle.region_id, page))
}

/// [`read`] as its JSON with its ETag: kept while the cycle's data is unchanged (see
/// [`Depends::cycle`]), else read.
pub async fn read_answer(
    db: &Db,
    answers: &Answers,
    caller: Caller,
    (cycle_id, organization_id): (i64, i64),
) -> ApiResult<Answer> {
    let key = format!(
        "evaluation/{cycle_id}/{organization_id}/{}",
        answers::viewer(&caller)
    );
    answers
        .answer(db, key, move |conn| {
            let (region_id, version, evaluation) = read(conn, &caller, cycle_id, organization_id)?;
            let answer = Answer::json(&evaluation)?.tagged(etag(version));
            Ok((answer, Depends::cycle(region_id)))
        })
        .await
}

/// One evaluation with its scores and their traces, its version and its cycle's region.
fn read(
    conn: &mut DbConnection,
    caller: &Caller,
    cycle_id: i64,
    organization_id: i64,
) -> ApiResult<(i64, i64, Evaluation)> {
    let (cycle, row) = authorized(
        conn,
        cycle_id,
        organization_id,
        caller,
        &policy::EVALUATION_READ,
    )?;
    Ok((cycle.region_id, row.version, view(conn, &cycle, &row)?))
}

/// Replaces the operator's inputs and recomputes the scores.
pub fn put_inputs(
    conn: &mut DbConnection,
    ctx: &Context,
    (cycle_id, organization_id): (i64, i64),
    if_match: &IfMatch,
    inputs: EvaluationInputs,
) -> ApiResult<(i64, Evaluation)> {
    cycle_store::lock(conn, cycle_id)?;
    let (cycle, current) = authorized(
        conn,
        cycle_id,
        organization_id,
        &ctx.caller,
        &policy::EVALUATION_INPUTS,
    )?;
    if_match.require(&etag(current.version))?;
    open_for_inputs(&cycle)?;
    let (methodology, settings) = store::rules_of(&cycle)?;
    let errors = scoring::validate(methodology, &inputs);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let survey = current.survey()?;
    let scores = store::score((methodology, &settings), &inputs, survey.as_ref())?;
    let row = store::save(
        conn,
        &current,
        Some(&inputs),
        survey.as_ref(),
        Some(&scores.results()),
    )?;
    let after = view(conn, &cycle, &row)?;
    let change = Change::of(
        "evaluation.inputs_entered",
        "evaluation",
        row.id,
        Some(&Audited::of(&current)?),
        Some(&Audited::of(&row)?),
    )?;
    audit::record(conn, &ctx.actor(), change)?;
    let exposure = visibility::evaluation_exposure(&cycle, organization_id)?;
    feed(conn, &row, exposure, exposure)?;
    Ok((row.version, after))
}

/// Refuses, before a byte of the body is read, an upload that would be refused anyway.
pub fn check_upload(
    conn: &mut DbConnection,
    caller: &Caller,
    (cycle_id, organization_id): (i64, i64),
) -> ApiResult<()> {
    let (cycle, _) = authorized(
        conn,
        cycle_id,
        organization_id,
        caller,
        &policy::SURVEY_UPLOAD,
    )?;
    open_for_inputs(&cycle)
}

/// A survey upload spooled to a file, as the use case takes it.
pub struct Upload {
    pub file: std::fs::File,
    pub format: Format,
    /// SHA-256 of the body, which an `Idempotency-Key` is bound to.
    pub hash: String,
    pub key: Option<KeyScope>,
}

/// What an upload came to: the JSON of the stored answer, or the answer stored earlier under
/// the same `Idempotency-Key` for the same body.
pub enum Uploaded {
    Stored(String),
    Earlier(StoredAnswer),
}

/// The key scope of an upload's `Idempotency-Key`: the caller's and this evaluation's.
pub fn upload_key(ctx: &Context, (cycle_id, organization_id): (i64, i64), key: String) -> KeyScope {
    KeyScope {
        key,
        actor: ctx
            .caller
            .principal()
            .map_or_else(String::new, |p| p.username.clone()),
        route: format!("survey-responses:{cycle_id}:{organization_id}"),
    }
}

/// Stores the responses of `upload`, all or nothing, and recomputes the evaluation from all
/// its stored responses.
pub fn upload_survey(
    conn: &mut DbConnection,
    ctx: &Context,
    (cycle_id, organization_id): (i64, i64),
    upload: Upload,
) -> ApiResult<Uploaded> {
    // The cycle's row lock orders this write after any status change in flight.
    cycle_store::lock(conn, cycle_id)?;
    let (cycle, row) = authorized(
        conn,
        cycle_id,
        organization_id,
        &ctx.caller,
        &policy::SURVEY_UPLOAD,
    )?;
    open_for_inputs(&cycle)?;
    if let Some(scope) = &upload.key {
        if let Some(stored) = idempotency::find(conn, scope)? {
            if stored.request_hash != upload.hash {
                return Err(ApiError::validation(
                    "Idempotency-Key",
                    "reused",
                    "this key was used with a different body; use a new key for a new upload",
                ));
            }
            return Ok(Uploaded::Earlier(stored));
        }
    }
    let (methodology, settings) = store::rules_of(&cycle)?;
    let needs_waiting_time = settings.waiting_time_applied && methodology.has_waiting_time();
    let (stored, added) =
        survey::ingest(conn, row.id, upload.file, upload.format, needs_waiting_time)?;
    // The stored responses' aggregates plus those of this upload: counts simply add up.
    let uploaded = match row.survey()? {
        Some(before) => before.plus(&added.aggregates()),
        None => added.aggregates(),
    };
    let inputs = row.inputs()?;
    let results = match &inputs {
        Some(inputs) => {
            Some(store::score((methodology, &settings), inputs, Some(&uploaded))?.results())
        }
        None => None,
    };
    let saved = store::save(
        conn,
        &row,
        inputs.as_ref(),
        Some(&uploaded),
        results.as_ref(),
    )?;
    let answer = SurveyUpload {
        stored,
        total_responses: survey::count(conn, row.id)?,
        survey: uploaded,
        complete: saved.complete(),
    };
    let body = serde_json::to_string(&answer).map_err(ApiError::internal)?;
    if let Some(scope) = &upload.key {
        idempotency::store(conn, scope, &upload.hash, 201, &body)?;
    }
    let change = Change {
        action: "evaluation.survey_uploaded",
        resource_type: "evaluation",
        resource_id: row.id.to_string(),
        before: None,
        after: Some(
            serde_json::json!({"stored": stored, "total_responses": answer.total_responses}),
        ),
        exposure: None,
        region_id: None,
    };
    audit::record(conn, &ctx.actor(), change)?;
    let exposure = visibility::evaluation_exposure(&cycle, row.organization_id)?;
    feed(conn, &saved, exposure, exposure)?;
    Ok(Uploaded::Stored(body))
}
