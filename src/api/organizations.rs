//! `/api/v1/organizations`: organizations of social services.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::cache;
use super::cache::PageHeaders;
use super::conditional::{self, IfMatch};
use super::extract::ApiJson;
use super::{parse_code, parse_filter, parse_moment, ListFilterErrors};
use crate::app::answers::Answers;
use crate::app::{self, Context, Listing};
use crate::auth::Caller;
use crate::db::organizations::{search_term, OrganizationFilter, OrganizationSort};
use crate::db::versions::Collection;
use crate::db::Db;
use crate::domain::organization::ServiceForm;
use crate::error::{ApiError, ApiResult};
use crate::openapi::Conflict;
use crate::views::organizations::{NewOrganization, Organization, OrganizationPatch};
use crate::views::Page;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(update)
        .service(deactivate);
}

/// Query of the organization list. Filters combine with AND.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizationListQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// Only organizations of this region (by id; `region_code` takes its code).
    #[param(value_type = Option<i64>)]
    pub region_id: Option<String>,
    /// Only organizations of the region with this code of the subject of the RF (`71`).
    #[param(value_type = Option<String>, pattern = "^(0[1-9]|[1-9][0-9])$")]
    pub region_code: Option<String>,
    /// Only the organization(s) with this INN (10 digits, 12 for an individual entrepreneur).
    #[param(value_type = Option<String>, pattern = "^([0-9]{10}|[0-9]{12})$")]
    pub inn: Option<String>,
    /// Only the organization(s) with this OGRN (13 digits, 15 for an OGRNIP).
    #[param(value_type = Option<String>, pattern = "^([0-9]{13}|[0-9]{15})$")]
    pub ogrn: Option<String>,
    /// Only organizations providing this form of service.
    #[param(value_type = Option<ServiceForm>)]
    pub service_form: Option<String>,
    /// Only active (`true`) or only deactivated (`false`) organizations.
    #[param(value_type = Option<bool>)]
    pub active: Option<String>,
    /// Case-insensitive substring of the full or short name (ё and е match alike), or the
    /// first digits of an INN.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only organizations changed at or after this moment (RFC 3339), for incremental sync.
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_since: Option<String>,
    /// Order: `id` (the default), `name` / `-name` (by full name), `updated_at` /
    /// `-updated_at` (latest changes first).
    pub sort: Option<String>,
    /// `true`: also count the matches across all pages (`total`, `X-Total-Count`).
    #[param(value_type = Option<bool>)]
    pub total: Option<String>,
}

impl OrganizationListQuery {
    fn listing(self) -> ApiResult<Listing<OrganizationFilter>> {
        let mut errors = ListFilterErrors::default();
        let page = errors.paging(self.limit.as_deref(), self.cursor.as_deref());
        let filter = OrganizationFilter {
            region_id: parse_filter(&mut errors, "region_id", self.region_id, |v| v.parse().ok()),
            region_code: parse_filter(&mut errors, "region_code", self.region_code, parse_code),
            // Any INN or OGRN of the documented form: one whose check digit is wrong is no
            // organization's, so it finds nothing (the form itself is the query contract's).
            inn: parse_filter(&mut errors, "inn", self.inn, Some),
            ogrn: parse_filter(&mut errors, "ogrn", self.ogrn, Some),
            service_form: parse_filter(&mut errors, "service_form", self.service_form, |v| {
                ServiceForm::parse(&v)
            }),
            active: parse_filter(&mut errors, "active", self.active, |v| v.parse().ok()),
            q: parse_filter(&mut errors, "q", self.q, |v| {
                (v.chars().count() <= 200).then(|| search_term(&v))
            }),
            updated_since: parse_filter(
                &mut errors,
                "updated_since",
                self.updated_since,
                parse_moment,
            ),
            sort: parse_filter(&mut errors, "sort", self.sort, |v| {
                OrganizationSort::parse(&v)
            })
            .unwrap_or_default(),
        };
        let total = errors.total(self.total);
        errors
            .into_listing(filter, page)
            .map(|listing| listing.counted(total))
    }
}

#[utoipa::path(
    operation_id = "list_organizations",
    summary = "List organizations",
    tag = "organizations",
    params(OrganizationListQuery,
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached page; answers 304 while the organizations are unchanged")),
    responses(
        (status = 200, description = "A page of organizations", body = Page<Organization>, headers(("ETag" = String))),
        (status = 304, description = "The cached page named by `If-None-Match` is current"),
    ),
)]
#[get("/organizations")]
async fn list(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    answers: web::Data<Answers>,
    query: web::Query<OrganizationListQuery>,
) -> ApiResult<HttpResponse> {
    let listing = app::organizations::may_list(&caller, query.into_inner().listing())?;
    let key = format!(
        "{:?}|{}|{}|{}",
        listing.filter, listing.after_id, listing.limit, listing.total
    );
    cache::list(
        &req,
        &db,
        &answers,
        Collection::Organizations,
        key,
        move |conn| {
            let page = app::organizations::list(conn, &listing)?;
            let body = serde_json::to_vec(&page).map_err(ApiError::internal)?;
            let headers = PageHeaders {
                next_cursor: page.next_cursor,
                total: page.total,
            };
            Ok((body, headers))
        },
    )
    .await
}

#[utoipa::path(
    operation_id = "create_organization",
    summary = "Create an organization",
    tag = "organizations",
    request_body = NewOrganization,
    responses(
        (status = 201, description = "Created; `Location` names it and `ETag` carries its version", body = Organization,
            headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/organizations")]
async fn create(
    ctx: Context,
    db: web::Data<Db>,
    body: ApiJson<NewOrganization>,
) -> ApiResult<HttpResponse> {
    let (version, organization) = db
        .transaction(move |conn| app::organizations::create(conn, &ctx, body.0))
        .await?;
    Ok(conditional::created(
        format!("/api/v1/organizations/{}", organization.id),
        version,
        &organization,
    ))
}

#[utoipa::path(
    operation_id = "get_organization",
    summary = "Read an organization",
    tag = "organizations",
    params(("id" = i64, Path, description = "Organization id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The organization", body = Organization, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
    ),
)]
#[get("/organizations/{id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, organization) = db
        .run(move |conn| app::organizations::read(conn, &caller, id))
        .await?;
    Ok(conditional::respond(&req, version, &organization))
}

#[utoipa::path(
    operation_id = "update_organization",
    summary = "Change an organization (JSON merge patch)",
    tag = "organizations",
    params(("id" = i64, Path, description = "Organization id"),
           ("If-Match" = String, Header, description = "ETag from the GET this change is based on")),
    request_body(content = OrganizationPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The organization after the change", body = Organization, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
)]
#[patch("/organizations/{id}")]
async fn update(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<OrganizationPatch>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, organization) = db
        .transaction(move |conn| app::organizations::update(conn, &ctx, id, &if_match, body.0))
        .await?;
    Ok(conditional::updated(version, &organization))
}

#[utoipa::path(
    operation_id = "deactivate_organization",
    summary = "Deactivate an organization",
    tag = "organizations",
    params(("id" = i64, Path, description = "Organization id"),
           ("If-Match" = Option<String>, Header, description = "If given, the change applies only to this ETag")),
    responses(
        (status = 200, description = "The organization, now inactive (deactivating twice is harmless)", body = Organization, headers(("ETag" = String))),
    ),
)]
#[post("/organizations/{id}/deactivate")]
async fn deactivate(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, organization) = db
        .transaction(move |conn| app::organizations::deactivate(conn, &ctx, id, &if_match))
        .await?;
    Ok(conditional::updated(version, &organization))
}
