//! `/api/v1/cycles/{id}/evaluations`: one evaluation per organization of a cycle — the
//! operator's inputs, bulk survey responses, and the scores computed from them.

use actix_web::http::header;
use actix_web::{get, post, put, web, HttpMessage, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional::{self, IfMatch};
use super::extract::ApiJson;
use super::upload::{idempotency_key, replay, spool};
use super::ListFilterErrors;
use crate::app::answers::Answers;
use crate::app::evaluations::{self as use_case, Upload, Uploaded};
use crate::app::Context;
use crate::auth::Caller;
use crate::db::survey::Format;
use crate::db::Db;
use crate::domain::scoring::EvaluationInputs;
use crate::error::{ApiError, ApiResult};
use crate::openapi::Conflict;
use crate::views::evaluations::{Evaluation, EvaluationSummary, SurveyUpload};
use crate::views::Page;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(read)
        .service(put_inputs)
        .service(upload_survey);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EvaluationListQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// `true`: also count the matches across all pages (`total`, `X-Total-Count`).
    #[param(value_type = Option<bool>)]
    pub total: Option<String>,
}

impl EvaluationListQuery {
    /// The id to start after, the page size and whether to count the matches.
    fn paging(&self) -> ApiResult<(i64, i64, bool)> {
        let mut errors = ListFilterErrors::default();
        let (after, limit) = errors.paging(self.limit.as_deref(), self.cursor.as_deref());
        let total = errors.total(self.total.clone());
        errors.into_result()?;
        Ok((after, limit, total))
    }
}

#[utoipa::path(
    operation_id = "list_evaluations",
    summary = "List the evaluations of a cycle",
    tag = "evaluations",
    params(("id" = i64, Path, description = "Cycle id"), EvaluationListQuery),
    responses(
        (status = 200, description = "Evaluations of the cycle by organization id; an organization sees only its own", body = Page<EvaluationSummary>),
    ),
)]
#[get("/cycles/{id}/evaluations")]
async fn list(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Db>,
    answers: web::Data<Answers>,
    id: web::Path<i64>,
    query: web::Query<EvaluationListQuery>,
) -> ApiResult<HttpResponse> {
    let paging = query.paging()?;
    let answer = use_case::list_answer(&db, &answers, caller, id.into_inner(), paging).await?;
    Ok(super::cache::respond(&req, answer))
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
    ),
)]
#[get("/cycles/{id}/evaluations/{organization_id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    answers: web::Data<Answers>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let answer = use_case::read_answer(&db, &answers, caller, path.into_inner()).await?;
    Ok(super::cache::respond(&req, answer))
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
        (status = 409, response = Conflict),
    ),
)]
#[put("/cycles/{id}/evaluations/{organization_id}/inputs")]
async fn put_inputs(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
    body: ApiJson<EvaluationInputs>,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let (version, evaluation) = db
        .transaction(move |conn| use_case::put_inputs(conn, &ctx, ids, &if_match, body.0))
        .await?;
    Ok(conditional::updated(version, &evaluation))
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
    ),
)]
#[post("/cycles/{id}/evaluations/{organization_id}/survey-responses")]
async fn upload_survey(
    req: HttpRequest,
    ctx: Context,
    db: web::Data<Db>,
    limit: web::Data<UploadLimit>,
    path: web::Path<(i64, i64)>,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let format = upload_format(&req)?;
    let key = idempotency_key(&req)?.map(|key| use_case::upload_key(&ctx, ids, key));
    let early = ctx.caller.clone();
    db.run(move |conn| use_case::check_upload(conn, &early, ids))
        .await?;
    // The body goes to a temporary file first: memory stays bounded, and no transaction (nor
    // SQLite's single write lock) waits on a slow client.
    let (file, hash) = spool(&mut payload, limit.0).await?;
    let upload = Upload {
        file,
        format,
        hash,
        key,
    };
    match db
        .transaction(move |conn| use_case::upload_survey(conn, &ctx, ids, upload))
        .await?
    {
        Uploaded::Stored(body) => Ok(HttpResponse::Created()
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .body(body)),
        Uploaded::Earlier(stored) => Ok(replay(stored.status, stored.response_body)),
    }
}

/// Largest survey upload, in bytes (`NOK_UPLOAD_LIMIT`); uploads are streamed, not held.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimit(pub usize);
