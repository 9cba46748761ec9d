//! `/api/v1/cycles`: assessment cycles — region, year, methodology and its settings, the
//! operator, the organizations assessed — and their status machine.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::conditional::{self, etag, IfMatch};
use super::extract::ApiJson;
use super::request_id::RequestId;
use super::{nullable, parse_filter, patch_required, timestamp, ListFilterErrors};
use crate::auth::policy::{self, Rule, Target};
use crate::auth::{Caller, Principal};
use crate::db::audit::{self, Actor, Change};
use crate::db::changes::Exposure;
use crate::db::cycles::{self as store, CycleFilter, CycleRow, CycleValues};
use crate::db::{regions, Db, DbConnection};
use crate::domain::cycle::{self as rules, CouncilDecision, CycleStatus, Operator};
use crate::domain::methodology::{self, Settings};
use crate::domain::paging;
use crate::domain::status::StatusMachine;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::openapi::{
    BadRequest, Conflict, NotFound, PayloadTooLarge, PreconditionFailed, PreconditionRequired,
    UnsupportedMediaType, ValidationFailed,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(update)
        .service(start_collecting)
        .service(submit_results)
        .service(publish)
        .service(reopen)
        .service(unassessed);
}

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

/// A cycle with the lists that belong to it, read in one place so that every answer and every
/// audit event shows the same thing.
pub fn load(conn: &mut DbConnection, row: &CycleRow) -> ApiResult<Cycle> {
    let mut members = store::members(conn, &[row.id])?;
    shown(row, members.remove(&row.id).unwrap_or_default())
}

/// A page of cycles, their lists read together rather than cycle by cycle.
fn load_page(conn: &mut DbConnection, rows: &[CycleRow]) -> ApiResult<Vec<Cycle>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut members = store::members(conn, &ids)?;
    rows.iter()
        .map(|row| shown(row, members.remove(&row.id).unwrap_or_default()))
        .collect()
}

fn shown(
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

/// Who sees a cycle, for the change feed: its region, and everyone once published.
pub fn exposure(row: &CycleRow) -> Exposure {
    Exposure {
        region_id: Some(row.region_id),
        organization_id: None,
        public: row.published_approval_id.is_some(),
    }
}

/// What the policy needs to know about `cycle` for `caller`.
pub fn target(conn: &mut DbConnection, cycle: &CycleRow, caller: &Caller) -> ApiResult<Target> {
    let principal = caller.principal();
    let organization_id = match principal.and_then(|p| p.organization_id) {
        Some(id) if store::assesses(conn, cycle.id, Some(id))? => Some(id),
        _ => None,
    };
    Ok(Target {
        region_id: Some(cycle.region_id),
        organization_id,
        assigned: store::is_assigned(conn, cycle.id, principal.and_then(|p| p.user_id))?,
        // Once published, a cycle's approved results stay public, even while it is reopened.
        published: cycle.published_approval_id.is_some(),
    })
}

/// [`target`] for the cycle's live data (evaluations): public only while the cycle itself is
/// published, not while a reopened cycle is corrected under its earlier publication.
pub fn live_target(
    conn: &mut DbConnection,
    cycle: &CycleRow,
    caller: &Caller,
) -> ApiResult<Target> {
    let mut target = target(conn, cycle, caller)?;
    target.published = cycle.status()? == CycleStatus::Published;
    Ok(target)
}

/// Checks `rule` on a cycle (or something of it). For rules that hide what is out of scope, a
/// caller who may not even see the cycle gets 404 before any 401 or 403, so that unpublished
/// cycles do not reveal that they exist.
pub fn check(caller: &Caller, rule: &Rule, target: &Target) -> ApiResult<()> {
    if rule.hide_out_of_scope {
        policy::authorize(caller, &policy::CYCLE_READ, target)?;
    }
    policy::authorize(caller, rule, target)?;
    Ok(())
}

/// Loads the cycle and checks `rule` for `caller` against it.
pub fn authorized(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
    rule: &Rule,
) -> ApiResult<CycleRow> {
    let row = store::find(conn, id)?;
    let target = target(conn, &row, caller)?;
    check(caller, rule, &target)?;
    Ok(row)
}

/// [`authorized`] for the cycle's live data, see [`live_target`].
pub fn authorized_live(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
    rule: &Rule,
) -> ApiResult<CycleRow> {
    let row = store::find(conn, id)?;
    let target = live_target(conn, &row, caller)?;
    check(caller, rule, &target)?;
    Ok(row)
}

/// A new cycle, in status `draft`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"region_id": 2, "year": 2018, "sector": "social_services",
    "methodology_id": "mintrud-344n-2018",
    "operator": {"name": "ООО «Центр социологических исследований»", "contract_number": "0366200035618000123", "contract_date": "2018-04-02"},
    "organization_ids": [1, 2, 3], "operator_user_ids": [4]}))]
pub struct NewCycle {
    pub region_id: i64,
    pub year: i32,
    /// Defaults to `social_services`.
    #[serde(default = "default_sector")]
    pub sector: String,
    /// Defaults to `mintrud-344n-2018`.
    #[serde(default)]
    pub methodology_id: Option<String>,
    /// Defaults to the methodology's default settings.
    #[serde(default)]
    pub settings: Option<Settings>,
    #[serde(default)]
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

/// The methodology by id: known, and computable (the pre-2018 structure only frames plans).
fn computable_methodology(id: &str) -> ApiResult<&'static methodology::Methodology> {
    match methodology::find(id) {
        Some(m) if m.computable => Ok(m),
        Some(_) => Err(ApiError::validation(
            "methodology_id",
            "not_computable",
            format!("{id} frames improvement plans of its era but computes no scores"),
        )),
        None => Err(ApiError::validation(
            "methodology_id",
            "not_found",
            format!("no methodology {id}; see GET /api/v1/methodologies"),
        )),
    }
}

fn check_settings(methodology: &methodology::Methodology, settings: &Settings) -> ApiResult<()> {
    let errors: Vec<FieldError> = settings
        .validate_for(methodology)
        .into_iter()
        .map(|mut e| {
            e.field = format!("settings.{}", e.field);
            e
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn conflict_in(status: CycleStatus, what: &str) -> ApiError {
    ApiError::Conflict(format!("The cycle is {}: {what}", status.as_str()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CycleListQuery {
    /// Page size, 1–500.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{1,16}$")]
    pub cursor: Option<String>,
    #[param(value_type = Option<i64>)]
    pub region_id: Option<String>,
    #[param(value_type = Option<i32>)]
    pub year: Option<String>,
    #[param(value_type = Option<CycleStatus>)]
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CyclePage {
    pub items: Vec<Cycle>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    operation_id = "list_cycles",
    summary = "List assessment cycles",
    tag = "cycles",
    params(CycleListQuery),
    responses(
        (status = 200, description = "The cycles the caller may see, in id order", body = CyclePage),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/cycles")]
async fn list(
    caller: Caller,
    db: web::Data<Db>,
    query: web::Query<CycleListQuery>,
) -> ApiResult<HttpResponse> {
    policy::authorize(&caller, &policy::CYCLE_LIST, &Target::default()).or_else(|e| match e {
        // Visibility filters the list below; a scope miss is not an error here.
        ApiError::NotFound(_) => Ok(None),
        other => Err(other),
    })?;
    let query = query.into_inner();
    let mut errors = ListFilterErrors::default();
    let (after_id, limit) = errors.paging(query.limit.as_deref(), query.cursor.as_deref());
    let filter = CycleFilter {
        region_id: parse_filter(&mut errors, "region_id", query.region_id, |v| {
            v.parse().ok()
        }),
        year: parse_filter(&mut errors, "year", query.year, |v| v.parse().ok()),
        status: parse_filter(&mut errors, "status", query.status, |v| {
            CycleStatus::parse(&v)
        }),
    };
    errors.into_result()?;
    let visibility = policy::visibility(&caller, &policy::CYCLE_LIST);
    let (items, next_cursor) = db
        .run(move |conn| {
            let rows = store::list(conn, &filter, visibility, after_id, limit)?;
            let (rows, next) = paging::split_page(rows, limit, |r| r.id);
            Ok((load_page(conn, &rows)?, next))
        })
        .await?;
    Ok(HttpResponse::Ok().json(CyclePage { items, next_cursor }))
}

#[utoipa::path(
    operation_id = "create_cycle",
    summary = "Create an assessment cycle (draft)",
    tag = "cycles",
    request_body = NewCycle,
    responses(
        (status = 201, description = "Created, in status `draft`", body = Cycle, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = BadRequest),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/cycles")]
async fn create(
    caller: Caller,
    request_id: RequestId,
    db: web::Data<Db>,
    body: ApiJson<NewCycle>,
) -> ApiResult<HttpResponse> {
    let mut new = body.0;
    let actor = Actor::of(
        policy::authorize(
            &caller,
            &policy::CYCLE_CREATE,
            &Target::region(new.region_id),
        )?,
        &request_id.0,
    );
    let methodology_id = new
        .methodology_id
        .take()
        .unwrap_or_else(|| methodology::DEFAULT_ID.to_owned());
    let methodology = computable_methodology(&methodology_id)?;
    let settings = new.settings.take().unwrap_or(methodology.default_settings);
    check_settings(methodology, &settings)?;
    let errors = rules::check_fields(new.year, &new.sector, new.operator.as_mut(), None);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let (row, cycle) = db
        .transaction(move |conn| {
            if !regions::exists(conn, new.region_id)? {
                return Err(ApiError::validation(
                    "region_id",
                    "not_found",
                    format!("region {} does not exist", new.region_id),
                ));
            }
            let values = CycleValues {
                region_id: new.region_id,
                year: new.year,
                sector: new.sector,
                methodology_id,
                settings_json: serde_json::to_string(&settings).map_err(ApiError::internal)?,
                operator_name: new.operator.as_ref().map(|o| o.name.clone()),
                operator_contract_number: new.operator.as_ref().map(|o| o.contract_number.clone()),
                operator_contract_date: new.operator.as_ref().map(|o| o.contract_date),
                council_decision_number: None,
                council_decision_date: None,
                status: CycleStatus::Draft.as_str().into(),
                latest_approval_id: None,
                published_approval_id: None,
                published_at: None,
            };
            let row = store::insert(conn, &values)?;
            store::set_organizations(conn, &row, &new.organization_ids)?;
            super::evaluations::feed_cycle(conn, &row, &row)?;
            store::set_operators(conn, &row, &new.operator_user_ids)?;
            let cycle = load(conn, &row)?;
            audit::record(
                conn,
                &actor,
                Change::of("cycle.create", "cycle", row.id, None, Some(&cycle))?
                    .exposed(exposure(&row), exposure(&row)),
            )?;
            Ok((row, cycle))
        })
        .await?;
    Ok(conditional::created(
        format!("/api/v1/cycles/{}", row.id),
        row.version,
        &cycle,
    ))
}

#[utoipa::path(
    operation_id = "get_cycle",
    summary = "Read an assessment cycle",
    tag = "cycles",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The cycle", body = Cycle, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
        (status = 404, response = NotFound),
    ),
)]
#[get("/cycles/{id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, cycle) = db
        .run(move |conn| {
            let row = authorized(conn, id, &caller, &policy::CYCLE_READ)?;
            Ok((row.version, load(conn, &row)?))
        })
        .await?;
    Ok(conditional::respond(&req, version, &cycle))
}

#[utoipa::path(
    operation_id = "update_cycle",
    summary = "Change an assessment cycle",
    tag = "cycles",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-Match" = String, Header, description = "ETag from the GET this change is based on")),
    request_body(content = CyclePatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The cycle after the change", body = Cycle, headers(("ETag" = String))),
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
#[patch("/cycles/{id}")]
async fn update(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<CyclePatch>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let patch = body.0;
    let (row, after) = db
        .transaction(move |conn| {
            store::lock(conn, id)?;
            let current = authorized(conn, id, &caller, &policy::CYCLE_UPDATE)?;
            if_match.require(&etag(current.version))?;
            let status = current.status()?;
            let before = load(conn, &current)?;
            let mut values = current.values();
            let mut errors = Vec::new();
            let mut methodology_id = values.methodology_id.clone();
            let mut settings = before.settings;
            patch_required(
                &mut methodology_id,
                patch.methodology_id,
                "methodology_id",
                &mut errors,
            );
            patch_required(&mut settings, patch.settings, "settings", &mut errors);
            let mut organization_ids = before.organization_ids.clone();
            let mut operator_user_ids = before.operator_user_ids.clone();
            patch_required(
                &mut organization_ids,
                patch.organization_ids,
                "organization_ids",
                &mut errors,
            );
            patch_required(
                &mut operator_user_ids,
                patch.operator_user_ids,
                "operator_user_ids",
                &mut errors,
            );
            let mut operator = patch.operator.unwrap_or(before.operator.clone());
            let mut decision = patch
                .council_decision
                .unwrap_or(before.council_decision.clone());
            errors.extend(rules::check_fields(
                values.year,
                &values.sector,
                operator.as_mut(),
                decision.as_mut(),
            ));
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            if methodology_id != before.methodology_id || settings != before.settings {
                if status.methodology_fixed() {
                    return Err(conflict_in(
                        status,
                        "methodology and settings are fixed once results are submitted",
                    ));
                }
                check_settings(computable_methodology(&methodology_id)?, &settings)?;
            }
            let composition_changed = organization_ids != before.organization_ids
                || operator_user_ids != before.operator_user_ids;
            if composition_changed && !status.composition_open() {
                return Err(conflict_in(
                    status,
                    "organizations and operators are fixed once results are submitted",
                ));
            }
            values.methodology_id = methodology_id;
            values.settings_json = serde_json::to_string(&settings).map_err(ApiError::internal)?;
            values.operator_name = operator.as_ref().map(|o| o.name.clone());
            values.operator_contract_number = operator.as_ref().map(|o| o.contract_number.clone());
            values.operator_contract_date = operator.as_ref().map(|o| o.contract_date);
            values.council_decision_number = decision.as_ref().map(|d| d.number.clone());
            values.council_decision_date = decision.as_ref().map(|d| d.date);
            if values == current.values() && !composition_changed {
                return Ok((current, before)); // nothing changes: no new version, no event
            }
            let row = store::update(conn, id, current.version, &values)?;
            let recomputed = values.settings_json != current.settings_json
                || values.methodology_id != current.methodology_id;
            if recomputed {
                crate::db::evaluations::recompute_cycle(conn, &row)?;
            }
            if organization_ids != before.organization_ids {
                let evaluations_before = crate::db::evaluations::ids_of(conn, id)?;
                store::set_organizations(conn, &row, &organization_ids)?;
                super::evaluations::feed_removed(conn, &current, &evaluations_before)?;
            }
            if recomputed || organization_ids != before.organization_ids {
                super::evaluations::feed_cycle(conn, &current, &row)?;
            }
            if operator_user_ids != before.operator_user_ids {
                store::set_operators(conn, &row, &operator_user_ids)?;
            }
            let after = load(conn, &row)?;
            let principal = caller.principal();
            audit::record(
                conn,
                &Actor::of(principal, &request_id.0),
                Change::of("cycle.update", "cycle", id, Some(&before), Some(&after))?
                    .exposed(exposure(&current), exposure(&row)),
            )?;
            Ok((row, after))
        })
        .await?;
    Ok(conditional::updated(row.version, &after))
}

/// A step of the status machine as a route: who may take it, where it leads, and what must
/// be in place first (`prepare` refuses with 409, or sets what the step changes besides the
/// status).
#[derive(Clone, Copy)]
pub struct Step {
    pub rule: &'static Rule,
    pub to: CycleStatus,
    pub prepare: fn(&mut DbConnection, &CycleRow, &Cycle, &mut CycleValues) -> ApiResult<()>,
}

const START_COLLECTING: Step = Step {
    rule: &policy::CYCLE_START_COLLECTING,
    to: CycleStatus::Collecting,
    prepare: ready_to_collect,
};

const SUBMIT_RESULTS: Step = Step {
    rule: &policy::CYCLE_SUBMIT_RESULTS,
    to: CycleStatus::ResultsSubmitted,
    prepare: super::evaluations::ready_to_submit,
};

const PUBLISH: Step = Step {
    rule: &policy::CYCLE_PUBLISH,
    to: CycleStatus::Published,
    prepare: publish_latest_approval,
};

const REOPEN: Step = Step {
    rule: &policy::CYCLE_REOPEN,
    to: CycleStatus::Collecting,
    prepare: |_, _, _, _| Ok(()),
};

/// Moves the cycle to `step.to` if the machine allows it from where it is (409 naming the
/// current status otherwise) and `step.ready` finds nothing missing.
pub async fn step(
    db: &Db,
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    id: i64,
    step: &'static Step,
) -> ApiResult<HttpResponse> {
    let Step { rule, to, prepare } = *step;
    let (row, cycle) = db
        .transaction(move |conn| {
            store::lock(conn, id)?;
            let current = authorized(conn, id, &caller, rule)?;
            if_match.check_if_present(&etag(current.version))?;
            let status = current.status()?;
            if let Some(refusal) = status.refusal(to) {
                return Err(ApiError::Conflict(refusal));
            }
            let before = load(conn, &current)?;
            let mut values = current.values();
            values.status = to.as_str().into();
            prepare(conn, &current, &before, &mut values)?;
            let row = store::update(conn, id, current.version, &values)?;
            let after = load(conn, &row)?;
            let principal: Option<&Principal> = caller.principal();
            let action = format!("cycle.{}", to.as_str());
            let change = Change::of(&action, "cycle", id, Some(&before), Some(&after))?
                .exposed(exposure(&current), exposure(&row));
            audit::record(conn, &Actor::of(principal, &request_id.0), change)?;
            // Publication and reopening change who sees the cycle's evaluations and proposals.
            if matches!(to, CycleStatus::Published | CycleStatus::Collecting)
                && status != CycleStatus::Draft
            {
                super::evaluations::feed_cycle(conn, &current, &row)?;
                super::proposals::feed_cycle(conn, &current, &row)?;
            }
            Ok((row, after))
        })
        .await?;
    Ok(conditional::updated(row.version, &cycle))
}

/// Publication makes the latest approval the one anonymous readers see.
fn publish_latest_approval(
    _: &mut DbConnection,
    row: &CycleRow,
    _: &Cycle,
    values: &mut CycleValues,
) -> ApiResult<()> {
    let approval = row
        .latest_approval_id
        .ok_or_else(|| ApiError::internal(format!("approved cycle {} has no approval", row.id)))?;
    values.published_approval_id = Some(approval);
    values.published_at = Some(crate::db::now());
    Ok(())
}

fn ready_to_collect(
    _: &mut DbConnection,
    _: &CycleRow,
    cycle: &Cycle,
    _: &mut CycleValues,
) -> ApiResult<()> {
    let mut missing = Vec::new();
    if cycle.organization_ids.is_empty() {
        missing.push("organizations to assess (organization_ids)");
    }
    if cycle.operator.is_none() {
        missing.push("the operator's contract (operator)");
    }
    if cycle.operator_user_ids.is_empty() {
        missing.push("operator users (operator_user_ids)");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "The cycle cannot start collecting without {}",
            missing.join(", ")
        )))
    }
}

#[utoipa::path(
    operation_id = "start_collecting",
    summary = "Start collecting (draft → collecting)",
    tag = "cycles",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-Match" = Option<String>, Header, description = "If given, the change applies only to this ETag")),
    responses(
        (status = 200, description = "The cycle, now `collecting`", body = Cycle, headers(("ETag" = String))),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    ),
)]
#[post("/cycles/{id}/start-collecting")]
async fn start_collecting(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    step(
        &db,
        caller,
        request_id,
        if_match,
        id.into_inner(),
        &START_COLLECTING,
    )
    .await
}

#[utoipa::path(
    operation_id = "submit_results",
    summary = "Submit results (collecting → results_submitted)",
    tag = "cycles",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-Match" = Option<String>, Header, description = "If given, the change applies only to this ETag")),
    responses(
        (status = 200, description = "The cycle, now `results_submitted`: inputs, methodology and settings are fixed", body = Cycle, headers(("ETag" = String))),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    ),
)]
#[post("/cycles/{id}/submit-results")]
async fn submit_results(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    step(
        &db,
        caller,
        request_id,
        if_match,
        id.into_inner(),
        &SUBMIT_RESULTS,
    )
    .await
}

#[utoipa::path(
    operation_id = "publish_cycle",
    summary = "Publish the approved ratings (approved → published)",
    tag = "ratings",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-Match" = Option<String>, Header, description = "If given, the change applies only to this ETag")),
    responses(
        (status = 200, description = "The cycle, now `published`: its latest approval (results and ratings) is visible to anonymous readers, and stays so if the cycle is reopened", body = Cycle, headers(("ETag" = String))),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    ),
)]
#[post("/cycles/{id}/publish")]
async fn publish(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    ratings: web::Data<super::ratings::RatingCache>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let published = step(&db, caller, request_id, if_match, id, &PUBLISH).await;
    ratings.forget_published(id);
    published
}

#[utoipa::path(
    operation_id = "reopen_cycle",
    summary = "Reopen a cycle for corrections (→ collecting)",
    tag = "cycles",
    params(("id" = i64, Path, description = "Cycle id"),
           ("If-Match" = Option<String>, Header, description = "If given, the change applies only to this ETag")),
    responses(
        (status = 200, description = "The cycle, `collecting` again so that the operator can correct its data; earlier approvals stay as they were and a published one stays public until a new approval is published", body = Cycle, headers(("ETag" = String))),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    ),
)]
#[post("/cycles/{id}/reopen")]
async fn reopen(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    step(&db, caller, request_id, if_match, id.into_inner(), &REOPEN).await
}

/// An active organization without an assessment in the last three years.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnassessedOrganization {
    pub organization_id: i64,
    pub short_name: String,
    /// The last year it was assessed, if ever.
    pub last_assessed: Option<i32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UnassessedQuery {
    /// The year to look back from (that year and the two before); defaults to the current year.
    #[param(value_type = Option<i32>, minimum = 2013, maximum = 2100, example = 2018)]
    pub year: Option<String>,
}

/// Organizations of the region that no cycle assessed in `year` or the two years before: an
/// organization must be assessed at least once in three years.
#[utoipa::path(
    operation_id = "list_unassessed_organizations",
    tag = "cycles",
    params(("id" = i64, Path, description = "Region id"), UnassessedQuery),
    responses(
        (status = 200, description = "The organizations, by id", body = Vec<UnassessedOrganization>),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    ),
)]
#[get("/regions/{id}/unassessed-organizations")]
async fn unassessed(
    caller: Caller,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<UnassessedQuery>,
) -> ApiResult<HttpResponse> {
    let region_id = id.into_inner();
    policy::authorize(
        &caller,
        &policy::REGION_UNASSESSED,
        &Target::region(region_id),
    )?;
    let mut errors = ListFilterErrors::default();
    let year = parse_filter(&mut errors, "year", query.into_inner().year, |v| {
        v.parse::<i32>()
            .ok()
            .filter(|y| (rules::FIRST_YEAR..=rules::LAST_YEAR).contains(y))
    })
    .unwrap_or_else(|| chrono::Datelike::year(&Utc::now()));
    errors.into_result()?;
    let rows = db
        .run(move |conn| {
            regions::find(conn, region_id)?;
            store::unassessed(conn, region_id, year, store::Counted::Started)
        })
        .await?;
    let items: Vec<UnassessedOrganization> = rows
        .into_iter()
        .map(
            |(organization_id, short_name, last_assessed)| UnassessedOrganization {
                organization_id,
                short_name,
                last_assessed,
            },
        )
        .collect();
    Ok(HttpResponse::Ok().json(items))
}
