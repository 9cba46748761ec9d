//! `/api/v1/regions`: subjects of the Russian Federation.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::conditional::{self, etag, IfMatch};
use super::extract::ApiJson;
use super::request_id::RequestId;
use super::{nullable, patch_required, timestamp, ListFilterErrors};
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::audit::{self, Actor, Change};
use crate::db::changes::Exposure;
use crate::db::regions::{self as store, RegionRow};
use crate::db::Db;
use crate::domain::paging;
use crate::domain::region;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::openapi::{
    BadRequest, Conflict, NotFound, PayloadTooLarge, PreconditionFailed, PreconditionRequired,
    UnsupportedMediaType, ValidationFailed,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(update);
}

/// A subject of the Russian Federation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 2, "code": "71", "name": "Тульская область",
    "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z"}))]
pub struct Region {
    pub id: i64,
    /// Two-digit code of the subject (код субъекта РФ).
    pub code: String,
    /// Official name (наименование субъекта РФ).
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&RegionRow> for Region {
    fn from(row: &RegionRow) -> Self {
        Self {
            id: row.id,
            code: row.code.clone(),
            name: row.name.clone(),
            created_at: timestamp(row.created_at),
            updated_at: timestamp(row.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "71", "name": "Тульская область"}))]
pub struct NewRegion {
    /// Two digits, 01–99; unique.
    #[schema(pattern = "^[0-9]{2}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

/// A JSON merge patch (RFC 7396) of a region.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Тульская область"}))]
pub struct RegionPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, pattern = "^[0-9]{2}$")]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
}

fn validated(mut code: String, mut name: String) -> ApiResult<(String, String)> {
    let mut errors: Vec<FieldError> = Vec::new();
    region::check_code(&mut code, &mut errors);
    region::check_name(&mut name, &mut errors);
    if errors.is_empty() {
        Ok((code, name))
    } else {
        Err(ApiError::Validation(errors))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegionListQuery {
    /// Page size, 1–500.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{1,16}$")]
    pub cursor: Option<String>,
}

/// One page of regions, in id order.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionPage {
    pub items: Vec<Region>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    operation_id = "list_regions",
    summary = "List regions",
    tag = "regions",
    params(RegionListQuery),
    responses(
        (status = 200, description = "A page of regions", body = RegionPage),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/regions")]
async fn list(
    caller: Caller,
    db: web::Data<Db>,
    query: web::Query<RegionListQuery>,
) -> ApiResult<HttpResponse> {
    policy::authorize(&caller, &policy::REGION_LIST, &Target::default())?;
    let mut errors = ListFilterErrors::default();
    let (after_id, limit) = errors.paging(query.limit.as_deref(), query.cursor.as_deref());
    errors.into_result()?;
    let rows = db
        .run(move |conn| store::list(conn, after_id, limit))
        .await?;
    let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
    let items = rows.iter().map(Region::from).collect();
    Ok(HttpResponse::Ok().json(RegionPage { items, next_cursor }))
}

#[utoipa::path(
    operation_id = "create_region",
    summary = "Create a region",
    tag = "regions",
    request_body = NewRegion,
    responses(
        (status = 201, description = "Created", body = Region, headers(("Location" = String), ("ETag" = String))),
        (status = 400, response = BadRequest),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/regions")]
async fn create(
    caller: Caller,
    request_id: RequestId,
    db: web::Data<Db>,
    body: ApiJson<NewRegion>,
) -> ApiResult<HttpResponse> {
    let actor = Actor::of(
        policy::authorize(&caller, &policy::REGION_CREATE, &Target::default())?,
        &request_id.0,
    );
    let (code, name) = validated(body.0.code, body.0.name)?;
    let row = db
        .transaction(move |conn| {
            let row = store::insert(conn, &code, &name)?;
            let after = Region::from(&row);
            audit::record(
                conn,
                &actor,
                Change::of("region.create", "region", row.id, None, Some(&after))?
                    .exposed(Exposure::public(), Exposure::public()),
            )?;
            Ok(row)
        })
        .await?;
    Ok(conditional::created(
        format!("/api/v1/regions/{}", row.id),
        row.version,
        &Region::from(&row),
    ))
}

#[utoipa::path(
    operation_id = "get_region",
    summary = "Read a region",
    tag = "regions",
    params(("id" = i64, Path, description = "Region id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The region", body = Region, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
        (status = 404, response = NotFound),
    ),
)]
#[get("/regions/{id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    policy::authorize(&caller, &policy::REGION_READ, &Target::default())?;
    let id = id.into_inner();
    let row = db.run(move |conn| store::find(conn, id)).await?;
    Ok(conditional::respond(&req, row.version, &Region::from(&row)))
}

#[utoipa::path(
    operation_id = "update_region",
    summary = "Change a region",
    tag = "regions",
    params(("id" = i64, Path, description = "Region id"),
           ("If-Match" = String, Header, description = "ETag from the GET this change is based on")),
    request_body(content = RegionPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The region after the change", body = Region, headers(("ETag" = String))),
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
#[patch("/regions/{id}")]
async fn update(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<RegionPatch>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let actor = Actor::of(
        policy::authorize(&caller, &policy::REGION_UPDATE, &Target::region(id))?,
        &request_id.0,
    );
    let patch = body.0;
    let row = db
        .transaction(move |conn| {
            let current = store::find(conn, id)?;
            if_match.require(&etag(current.version))?;
            let (mut code, mut name) = (current.code.clone(), current.name.clone());
            let mut errors = Vec::new();
            patch_required(&mut code, patch.code, "code", &mut errors);
            patch_required(&mut name, patch.name, "name", &mut errors);
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            let (code, name) = validated(code, name)?;
            if (code.as_str(), name.as_str()) == (current.code.as_str(), current.name.as_str()) {
                return Ok(current);
            }
            let row = store::update(conn, id, current.version, &code, &name)?;
            let change = Change::of(
                "region.update",
                "region",
                id,
                Some(&Region::from(&current)),
                Some(&Region::from(&row)),
            )?
            .exposed(Exposure::public(), Exposure::public());
            audit::record(conn, &actor, change)?;
            Ok(row)
        })
        .await?;
    Ok(conditional::updated(row.version, &Region::from(&row)))
}
