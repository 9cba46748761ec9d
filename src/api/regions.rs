//! `/api/v1/regions`: subjects of the Russian Federation.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional::{self, IfMatch};
use super::extract::ApiJson;
use super::ListFilterErrors;
use crate::app::{self, Context, Listing};
use crate::auth::Caller;
use crate::db::Db;
use crate::error::ApiResult;
use crate::openapi::Conflict;
use crate::views::regions::{NewRegion, Region, RegionPatch};
use crate::views::Page;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read_by_code)
        .service(read)
        .service(update);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegionListQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// `true`: also count the regions (`total`, `X-Total-Count`).
    #[param(value_type = Option<bool>)]
    pub total: Option<String>,
}

impl RegionListQuery {
    fn listing(self) -> ApiResult<Listing<()>> {
        let mut errors = ListFilterErrors::default();
        let page = errors.paging(self.limit.as_deref(), self.cursor.as_deref());
        let total = errors.total(self.total);
        errors
            .into_listing((), page)
            .map(|listing| listing.counted(total))
    }
}

#[utoipa::path(
    operation_id = "list_regions",
    summary = "List regions",
    tag = "regions",
    params(RegionListQuery),
    responses(
        (status = 200, description = "A page of regions", body = Page<Region>),
    ),
)]
#[get("/regions")]
async fn list(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Db>,
    query: web::Query<RegionListQuery>,
) -> ApiResult<HttpResponse> {
    let listing = query.into_inner().listing();
    let page = db
        .run(move |conn| app::regions::list(conn, &caller, listing))
        .await?;
    Ok(super::pages::respond(&req, &page))
}

#[utoipa::path(
    operation_id = "create_region",
    summary = "Create a region",
    tag = "regions",
    request_body = NewRegion,
    responses(
        (status = 201, description = "Created", body = Region, headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/regions")]
async fn create(
    ctx: Context,
    db: web::Data<Db>,
    body: ApiJson<NewRegion>,
) -> ApiResult<HttpResponse> {
    let (version, region) = db
        .transaction(move |conn| app::regions::create(conn, &ctx, body.0))
        .await?;
    Ok(conditional::created(
        format!("/api/v1/regions/{}", region.id),
        version,
        &region,
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
    ),
)]
#[get("/regions/{id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, region) = db
        .run(move |conn| app::regions::read(conn, &caller, id))
        .await?;
    Ok(conditional::respond(&req, version, &region))
}

#[utoipa::path(
    operation_id = "get_region_by_code",
    summary = "Read a region by its code",
    description = "The region with the code of the subject of the Russian Federation people know \
(`71` Тульская область), as `GET /regions/{id}` answers it.",
    tag = "regions",
    params(("code" = String, Path, description = "Two-digit code of the subject of the RF, 01–99", pattern = "^(0[1-9]|[1-9][0-9])$", example = "71"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The region", body = Region, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
    ),
)]
#[get("/regions/by-code/{code}")]
async fn read_by_code(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let code = code.into_inner();
    let (version, region) = db
        .run(move |conn| app::regions::read_by_code(conn, &caller, &code))
        .await?;
    Ok(conditional::respond(&req, version, &region))
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
        (status = 409, response = Conflict),
    ),
)]
#[patch("/regions/{id}")]
async fn update(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<RegionPatch>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, region) = db
        .transaction(move |conn| app::regions::update(conn, &ctx, id, &if_match, body.0))
        .await?;
    Ok(conditional::updated(version, &region))
}
