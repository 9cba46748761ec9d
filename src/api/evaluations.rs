//! `/api/v1/cycles/{id}/evaluations`: one evaluation per organization of a cycle — the
//! operator's inputs, bulk survey responses, and the scores computed from them.

use actix_web::http::header;
use actix_web::{get, post, put, web, HttpMessage, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::conditional::{self, etag, IfMatch};
use super::cycles::{self, Cycle};
use super::extract::ApiJson;
use super::request_id::RequestId;
use super::{timestamp, ListFilterErrors};
use crate::auth::policy::{self, Rule};
use crate::auth::Caller;
use crate::db::audit::{self, Actor, Change};
use crate::db::changes::{self, Action, Exposure, FeedChange};
use crate::db::cycles::{CycleRow, CycleValues};
use crate::db::evaluations::{self as store, EvaluationRow};
use crate::db::idempotency::{self, KeyScope};
use crate::db::survey::{self, Format};
use crate::db::{Db, DbConnection};
use crate::domain::cycle::CycleStatus;
use crate::domain::paging;
use crate::domain::scoring::{self, EvaluationInputs, Scores};
use crate::domain::survey::SurveyAggregates;
use crate::error::{ApiError, ApiResult};
use crate::openapi::{
    BadRequest, Conflict, NotFound, PayloadTooLarge, PreconditionFailed, PreconditionRequired,
    UnsupportedMediaType, ValidationFailed,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(read)
        .service(put_inputs)
        .service(upload_survey);
}

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

/// The evaluation as shown: the scores with their traces and shortcomings are recomputed from
/// the stored inputs (cheap and deterministic), so that only compact results are stored.
/// Who sees an evaluation: live data, public only while its cycle is published.
pub fn exposure(cycle: &CycleRow, organization_id: i64) -> ApiResult<Exposure> {
    Ok(Exposure {
        region_id: Some(cycle.region_id),
        organization_id: Some(organization_id),
        public: cycle.status()? == CycleStatus::Published,
    })
}

/// The evaluation's change for the feed, as the evaluation list shows it: its scores with
/// their traces are read from the evaluation itself (a recompute of a large cycle would
/// otherwise write tens of kilobytes per organization to the feed).
fn feed_change(
    row: &EvaluationRow,
    before: Exposure,
    after: Exposure,
) -> ApiResult<FeedChange<'static>> {
    let shown = EvaluationSummary {
        organization_id: row.organization_id,
        complete: row.complete(),
        total: row.total.clone(),
        updated_at: timestamp(row.updated_at),
    };
    Ok(FeedChange {
        resource_type: "evaluation",
        resource_id: row.id.to_string(),
        action: Action::Updated,
        before,
        after,
        payload: Some(serde_json::to_value(shown).map_err(ApiError::internal)?),
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
            let was = exposure(before, row.organization_id)?;
            let is = exposure(after, row.organization_id)?;
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
            let was = exposure(cycle, *organization_id)?;
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
        updated_at: timestamp(row.updated_at),
    })
}

/// What an audit event keeps of an evaluation: its inputs and total, not the derived traces.
#[derive(Serialize)]
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

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationPage {
    pub items: Vec<EvaluationSummary>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EvaluationListQuery {
    /// Page size, 1–500.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{1,16}$")]
    pub cursor: Option<String>,
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
    let cycle = crate::db::cycles::find(conn, cycle_id)?;
    let mut target = cycles::live_target(conn, &cycle, caller)?;
    if target.organization_id != Some(organization_id) {
        target.organization_id = None;
    }
    cycles::check(caller, rule, &target)?;
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

#[utoipa::path(
    operation_id = "list_evaluations",
    summary = "List the evaluations of a cycle",
    tag = "evaluations",
    params(("id" = i64, Path, description = "Cycle id"), EvaluationListQuery),
    responses(
        (status = 200, description = "Evaluations of the cycle by organization id; an organization sees only its own", body = EvaluationPage),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    ),
)]
#[get("/cycles/{id}/evaluations")]
async fn list(
    caller: Caller,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<EvaluationListQuery>,
) -> ApiResult<HttpResponse> {
    let cycle_id = id.into_inner();
    let mut errors = ListFilterErrors::default();
    let (after, limit) = errors.paging(query.limit.as_deref(), query.cursor.as_deref());
    errors.into_result()?;
    let page = db
        .run(move |conn| {
            let cycle = cycles::authorized_live(conn, cycle_id, &caller, &policy::EVALUATION_LIST)?;
            let published = cycle.status()? == CycleStatus::Published;
            // An organization that is not an auditor's or the region's sees only itself, unless published.
            let only = caller
                .principal()
                .filter(|p| p.role == crate::auth::Role::Organization && !published)
                .map(|p| p.organization_id.unwrap_or(-1));
            let rows = store::list(conn, cycle_id, only, after, limit)?;
            let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.organization_id);
            let items = rows
                .into_iter()
                .map(|r| EvaluationSummary {
                    organization_id: r.organization_id,
                    complete: r.complete(),
                    total: r.total,
                    updated_at: timestamp(r.updated_at),
                })
                .collect();
            Ok(EvaluationPage { items, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(
    operation_id = "get_evaluation",
    summary = "Read an organization's evaluation",
    tag = "evaluations",
    params(("id" = i64, Path, description = "Cycle id"),
           ("organization_id" = i64, Path, description = "Organization id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The evaluation with its scores and their traces", body = Evaluation, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
        (status = 404, response = NotFound),
    ),
)]
#[get("/cycles/{id}/evaluations/{organization_id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (cycle_id, organization_id) = path.into_inner();
    let (version, evaluation) = db
        .run(move |conn| {
            let (cycle, row) = authorized(
                conn,
                cycle_id,
                organization_id,
                &caller,
                &policy::EVALUATION_READ,
            )?;
            Ok((row.version, view(conn, &cycle, &row)?))
        })
        .await?;
    Ok(conditional::respond(&req, version, &evaluation))
}

#[utoipa::path(
    operation_id = "put_evaluation_inputs",
    summary = "Replace the operator's inputs of an evaluation",
    tag = "evaluations",
    params(("id" = i64, Path, description = "Cycle id"),
           ("organization_id" = i64, Path, description = "Organization id"),
           ("If-Match" = String, Header, description = "ETag of the evaluation this change is based on")),
    request_body = EvaluationInputs,
    responses(
        (status = 200, description = "The inputs are stored and the scores recomputed", body = Evaluation, headers(("ETag" = String))),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
        (status = 428, response = PreconditionRequired),
    ),
)]
#[put("/cycles/{id}/evaluations/{organization_id}/inputs")]
async fn put_inputs(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
    body: ApiJson<EvaluationInputs>,
) -> ApiResult<HttpResponse> {
    let (cycle_id, organization_id) = path.into_inner();
    let inputs = body.0;
    let (row, evaluation) = db
        .transaction(move |conn| {
            crate::db::cycles::lock(conn, cycle_id)?;
            let (cycle, current) = authorized(
                conn,
                cycle_id,
                organization_id,
                &caller,
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
                "evaluation.inputs",
                "evaluation",
                row.id,
                Some(&Audited::of(&current)?),
                Some(&Audited::of(&row)?),
            )?;
            audit::record(conn, &Actor::of(caller.principal(), &request_id.0), change)?;
            let exposure = exposure(&cycle, organization_id)?;
            feed(conn, &row, exposure, exposure)?;
            Ok((row, after))
        })
        .await?;
    Ok(conditional::updated(row.version, &evaluation))
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

/// A reader over request body chunks sent from the async side, so that a blocking thread can
/// write them out while the body is still arriving, never holding it whole. Only an explicit
/// end marks the end: a channel closed without one means the body did not arrive whole.
struct ChannelReader {
    chunks: tokio::sync::mpsc::Receiver<Chunk>,
    current: web::Bytes,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(Ok(Some(chunk))) => self.current = chunk,
                Some(Ok(None)) => return Ok(0),
                Some(Err(message)) => return Err(std::io::Error::other(message)),
                None => return Err(std::io::Error::other("the upload broke off")),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

fn upload_format(req: &HttpRequest) -> ApiResult<Format> {
    match req.mime_type() {
        Ok(Some(mime)) if mime.type_() == "text" && mime.subtype() == "csv" => Ok(Format::Csv),
        Ok(Some(mime))
            if mime.type_() == "application"
                && (mime.subtype() == "x-ndjson" || mime.subtype() == "ndjson") =>
        {
            Ok(Format::Ndjson)
        }
        _ => Err(ApiError::UnsupportedMediaType {
            expected: "text/csv or application/x-ndjson",
        }),
    }
}

/// The caller-chosen `Idempotency-Key` (the same form as on every other POST).
fn idempotency_key(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if super::idempotency::well_formed(key) => Ok(Some(key.to_owned())),
        _ => Err(super::idempotency::malformed_key()),
    }
}

fn replay(status: i32, body: String) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status as u16).unwrap_or_default())
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header(("Idempotent-Replayed", "true"))
        .body(body)
}

/// Uploads individual survey responses — CSV with a header row of question codes, or NDJSON
/// objects keyed by question code — streamed, all or nothing. Problems are listed by row
/// (line of the file; the CSV header is row 1) and column, up to 100. The evaluation's survey
/// aggregates and scores are then recomputed from all its stored responses. With an
/// `Idempotency-Key`, a retry with the same body replays the first answer, and a different
/// body under the same key is refused (422).
#[utoipa::path(
    operation_id = "upload_survey_responses",
    tag = "evaluations",
    params(("id" = i64, Path, description = "Cycle id"),
           ("organization_id" = i64, Path, description = "Organization id"),
           ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes a retry safe: the same key and body replay the stored answer; 1–255 visible ASCII characters")),
    request_body(
        description = "CSV (UTF-8, header row of question codes; cells yes/no/да/нет/1/0/true/false or empty) or NDJSON (one object a line keyed by question code)",
        content(
            (String = "text/csv", example = "used_stands,satisfied_stand_info,used_site,satisfied_site_info,satisfied_comfort,has_disability,satisfied_accessibility,satisfied_first_contact,satisfied_staff,used_remote,satisfied_remote,would_recommend,satisfied_organizational,satisfied_overall\nyes,yes,no,,yes,no,,yes,yes,yes,yes,yes,yes,yes\n"),
            (String = "application/x-ndjson", example = "{\"used_stands\": \"yes\", \"satisfied_stand_info\": \"yes\", \"satisfied_overall\": \"no\"}\n"),
        ),
    ),
    responses(
        (status = 201, description = "Stored; the evaluation is recomputed. A replayed answer (same `Idempotency-Key` and body) carries `Idempotent-Replayed: true`", body = SurveyUpload,
            headers(("Idempotent-Replayed" = Option<String>, description = "`true` when this is the stored answer of an earlier request"))),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/cycles/{id}/evaluations/{organization_id}/survey-responses")]
async fn upload_survey(
    req: HttpRequest,
    caller: Caller,
    request_id: RequestId,
    db: web::Data<Db>,
    limit: web::Data<UploadLimit>,
    path: web::Path<(i64, i64)>,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let (cycle_id, organization_id) = path.into_inner();
    let format = upload_format(&req)?;
    let scope = idempotency_key(&req)?.map(|key| KeyScope {
        key,
        actor: caller
            .principal()
            .map_or_else(String::new, |p| p.username.clone()),
        route: format!("survey-responses:{cycle_id}:{organization_id}"),
    });

    // Refuse before reading a byte what would be refused anyway.
    let early = caller.clone();
    db.run(move |conn| {
        let (cycle, _) = authorized(
            conn,
            cycle_id,
            organization_id,
            &early,
            &policy::SURVEY_UPLOAD,
        )?;
        open_for_inputs(&cycle)
    })
    .await?;

    // The body goes to a temporary file first: memory stays bounded, and no transaction (nor
    // SQLite's single write lock) waits on a slow client.
    let (spooled, hash) = spool(&mut payload, limit.0).await?;
    let body_hash = hash.clone();

    let outcome = db
        .transaction(move |conn| {
            // The cycle's row lock orders this write after any status change in flight.
            crate::db::cycles::lock(conn, cycle_id)?;
            let (cycle, row) = authorized(
                conn,
                cycle_id,
                organization_id,
                &caller,
                &policy::SURVEY_UPLOAD,
            )?;
            open_for_inputs(&cycle)?;
            if let Some(scope) = &scope {
                if let Some(stored) = idempotency::find(conn, scope)? {
                    return Ok(Err(stored));
                }
            }
            let (methodology, settings) = store::rules_of(&cycle)?;
            let needs_waiting_time =
                settings.waiting_time_applied && methodology.has_waiting_time();
            let (stored, added) =
                survey::ingest(conn, row.id, spooled, format, needs_waiting_time)?;
            // The stored responses' aggregates plus those of this upload: counts simply add up.
            let uploaded = match row.survey()? {
                Some(before) => before.plus(&added.aggregates()),
                None => added.aggregates(),
            };
            let inputs = row.inputs()?;
            let results = match &inputs {
                Some(inputs) => Some(
                    store::score((methodology, &settings), inputs, Some(&uploaded))?.results(),
                ),
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
            if let Some(scope) = &scope {
                idempotency::store(conn, scope, &hash, 201, &body)?;
            }
            let change = Change {
                action: "evaluation.survey_upload",
                resource_type: "evaluation",
                resource_id: row.id.to_string(),
                before: None,
                after: Some(
                    serde_json::json!({"stored": stored, "total_responses": answer.total_responses}),
                ),
                exposure: None,
            };
            audit::record(conn, &Actor::of(caller.principal(), &request_id.0), change)?;
            let exposure = exposure(&cycle, row.organization_id)?;
            feed(conn, &saved, exposure, exposure)?;
            Ok(Ok((body, hash)))
        })
        .await?;
    match outcome {
        Ok((body, _)) => Ok(HttpResponse::Created()
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .body(body)),
        Err(stored) if stored.request_hash == body_hash => {
            Ok(replay(stored.status, stored.response_body))
        }
        Err(_) => Err(ApiError::validation(
            "Idempotency-Key",
            "reused",
            "this key was used with a different body; use a new key for a new upload",
        )),
    }
}

/// A piece of the body on its way to the spool file: data, the end, or why it broke off.
type Chunk = Result<Option<web::Bytes>, String>;

/// Writes the request body to an unnamed temporary file (gone when dropped) while hashing it,
/// and returns the file rewound, with the body's SHA-256. 413 past `limit`; 400 if the body
/// breaks off before its announced end.
async fn spool(payload: &mut web::Payload, limit: usize) -> ApiResult<(std::fs::File, String)> {
    use std::io::{Seek, SeekFrom};
    let (chunks_tx, chunks_rx) = tokio::sync::mpsc::channel::<Chunk>(8);
    let writer = web::block(move || -> std::io::Result<std::fs::File> {
        let mut file = tempfile::tempfile()?;
        let mut reader = ChannelReader {
            chunks: chunks_rx,
            current: web::Bytes::new(),
        };
        std::io::copy(&mut reader, &mut file)?;
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    });
    let pump = async move {
        let mut hasher = Sha256::new();
        let mut size = 0usize;
        let outcome = loop {
            let chunk = match payload.next().await {
                None => break Ok(()),
                Some(Err(error)) => {
                    break Err(ApiError::bad_request(format!(
                        "The upload broke off before its end ({error}); nothing was stored"
                    )))
                }
                Some(Ok(bytes)) => bytes,
            };
            size += chunk.len();
            if size > limit {
                break Err(ApiError::PayloadTooLarge { limit });
            }
            hasher.update(&chunk);
            if chunks_tx.send(Ok(Some(chunk))).await.is_err() {
                break Err(ApiError::internal("the spool writer stopped"));
            }
        };
        let end: Chunk = match &outcome {
            Ok(()) => Ok(None),
            Err(_) => Err("the upload did not arrive whole".into()),
        };
        let _ = chunks_tx.send(end).await;
        outcome.map(|()| format!("{:x}", hasher.finalize()))
    };
    let (file, hash) = futures_util::join!(writer, pump);
    let hash = hash?;
    let file = file
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::bad_request(format!("The upload could not be stored: {e}")))?;
    Ok((file, hash))
}

/// Largest survey upload, in bytes (`NOK_UPLOAD_LIMIT`); uploads are streamed, not held.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimit(pub usize);
