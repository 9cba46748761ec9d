//! `/api/v1/organizations`: organizations of social services.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::cache::{self, PageCache};
use super::conditional::{self, etag, IfMatch};
use super::extract::ApiJson;
use super::request_id::RequestId;
use super::{nullable, parse_filter, parse_moment, patch_required, timestamp, ListFilterErrors};
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::audit::{self, Actor, Change};
use crate::db::changes::Exposure;
use crate::db::organizations::{self as store, OrganizationFilter, OrganizationRow};
use crate::db::versions::Collection;
use crate::db::Db;
use crate::domain::organization::{Head, OrganizationDraft, Ownership, ServiceForm};
use crate::domain::paging;
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
        .service(deactivate);
}

/// An organization of social services.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1, "region_id": 2,
    "full_name": "Государственное учреждение Тульской области «Дубенский дом-интернат для престарелых и инвалидов»",
    "short_name": "ГУТО «Дубенский дом-интернат для престарелых и инвалидов»",
    "inn": "7133001236", "ogrn": "1027101587720", "kpp": "713301001",
    "ownership": "state",
    "founder": "Министерство труда и социальной защиты Тульской области",
    "service_forms": ["stationary"],
    "address": "301160, Тульская область, п. Дубна, ул. Первомайская, д. 12",
    "website": null, "bus_gov_id": null,
    "head": {"full_name": "Иванова Мария Петровна", "position": "Директор"},
    "active": true,
    "created_at": "2026-11-24T10:00:00Z", "updated_at": "2026-11-24T10:00:00Z"
}))]
pub struct Organization {
    pub id: i64,
    pub region_id: i64,
    /// Полное наименование.
    pub full_name: String,
    /// Сокращённое наименование.
    pub short_name: String,
    /// ИНН: 10 digits (legal entity) or 12 (individual entrepreneur).
    pub inn: String,
    /// ОГРН (13 digits) or ОГРНИП (15 digits).
    pub ogrn: String,
    /// КПП; absent for individual entrepreneurs.
    pub kpp: Option<String>,
    pub ownership: Ownership,
    /// Учредитель.
    pub founder: Option<String>,
    /// Forms of service provided, in canonical order.
    pub service_forms: Vec<ServiceForm>,
    pub address: String,
    pub website: Option<String>,
    /// Identifier of the organization on bus.gov.ru.
    pub bus_gov_id: Option<String>,
    /// Руководитель.
    pub head: Option<Head>,
    /// Deactivated organizations are kept for history and leave their INN free.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Organization {
    pub fn of(row: &OrganizationRow) -> ApiResult<Self> {
        Ok(Self {
            id: row.id,
            region_id: row.region_id,
            full_name: row.full_name.clone(),
            short_name: row.short_name.clone(),
            inn: row.inn.clone(),
            ogrn: row.ogrn.clone(),
            kpp: row.kpp.clone(),
            ownership: row.ownership()?,
            founder: row.founder.clone(),
            service_forms: row.service_forms(),
            address: row.address.clone(),
            website: row.website.clone(),
            bus_gov_id: row.bus_gov_id.clone(),
            head: row.head(),
            active: row.active,
            created_at: timestamp(row.created_at),
            updated_at: timestamp(row.updated_at),
        })
    }
}

/// A new organization. It starts active.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "region_id": 2,
    "full_name": "Государственное учреждение Тульской области «Дубенский дом-интернат для престарелых и инвалидов»",
    "short_name": "ГУТО «Дубенский дом-интернат для престарелых и инвалидов»",
    "inn": "7133001236", "ogrn": "1027101587720", "kpp": "713301001",
    "ownership": "state",
    "founder": "Министерство труда и социальной защиты Тульской области",
    "service_forms": ["stationary"],
    "address": "301160, Тульская область, п. Дубна, ул. Первомайская, д. 12"
}))]
pub struct NewOrganization {
    pub region_id: i64,
    #[schema(min_length = 1, max_length = 1000)]
    pub full_name: String,
    #[schema(min_length = 1, max_length = 300)]
    pub short_name: String,
    /// 10 digits for a legal entity, 12 for an individual entrepreneur; check digits are verified.
    #[schema(pattern = r"^[0-9]{10}([0-9]{2})?$")]
    pub inn: String,
    /// 13 digits (OGRN) or 15 (OGRNIP), matching the INN's kind; the check digit is verified.
    #[schema(pattern = r"^[0-9]{13}([0-9]{2})?$")]
    pub ogrn: String,
    /// Required for a legal entity, absent for an individual entrepreneur.
    #[schema(pattern = r"^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$")]
    #[serde(default)]
    pub kpp: Option<String>,
    pub ownership: Ownership,
    #[schema(min_length = 1, max_length = 1000)]
    #[serde(default)]
    pub founder: Option<String>,
    /// At least one, each at most once.
    #[schema(min_items = 1, max_items = 3)]
    pub service_forms: Vec<ServiceForm>,
    #[schema(min_length = 1, max_length = 1000)]
    pub address: String,
    /// Absolute http:// or https:// address.
    #[schema(max_length = 500)]
    #[serde(default)]
    pub website: Option<String>,
    #[schema(min_length = 1, max_length = 64)]
    #[serde(default)]
    pub bus_gov_id: Option<String>,
    #[serde(default)]
    pub head: Option<Head>,
}

impl From<NewOrganization> for OrganizationDraft {
    fn from(n: NewOrganization) -> Self {
        Self {
            region_id: n.region_id,
            full_name: n.full_name,
            short_name: n.short_name,
            inn: n.inn,
            ogrn: n.ogrn,
            kpp: n.kpp,
            ownership: n.ownership,
            founder: n.founder,
            service_forms: n.service_forms,
            address: n.address,
            website: n.website,
            bus_gov_id: n.bus_gov_id,
            head: n.head,
            active: true,
        }
    }
}

/// A JSON merge patch (RFC 7396): absent fields stay as they are, `null` clears an optional
/// field. The result must satisfy every rule a new organization does.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"short_name": "ГУТО «Дубенский ДИПИ»", "website": null, "service_forms": ["stationary", "semi_stationary"]}))]
pub struct OrganizationPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = i64, required = false)]
    pub region_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 1000)]
    pub full_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 300)]
    pub short_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, pattern = r"^[0-9]{10}([0-9]{2})?$")]
    pub inn: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, pattern = r"^[0-9]{13}([0-9]{2})?$")]
    pub ogrn: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, pattern = r"^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$")]
    pub kpp: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Ownership, required = false)]
    pub ownership: Option<Option<Ownership>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, min_length = 1, max_length = 1000)]
    pub founder: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Vec<ServiceForm>, required = false, min_items = 1, max_items = 3)]
    pub service_forms: Option<Option<Vec<ServiceForm>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 1000)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, max_length = 500)]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false, min_length = 1, max_length = 64)]
    pub bus_gov_id: Option<Option<String>>,
    /// Replaces the head as a whole; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Head>, required = false)]
    pub head: Option<Option<Head>>,
    /// `true` reactivates a deactivated organization (its INN must be free again).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = bool, required = false)]
    pub active: Option<Option<bool>>,
}

impl OrganizationPatch {
    fn apply(self, d: &mut OrganizationDraft) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        patch_required(&mut d.region_id, self.region_id, "region_id", &mut errors);
        patch_required(&mut d.full_name, self.full_name, "full_name", &mut errors);
        patch_required(
            &mut d.short_name,
            self.short_name,
            "short_name",
            &mut errors,
        );
        patch_required(&mut d.inn, self.inn, "inn", &mut errors);
        patch_required(&mut d.ogrn, self.ogrn, "ogrn", &mut errors);
        patch_required(&mut d.ownership, self.ownership, "ownership", &mut errors);
        patch_required(
            &mut d.service_forms,
            self.service_forms,
            "service_forms",
            &mut errors,
        );
        patch_required(&mut d.address, self.address, "address", &mut errors);
        patch_required(&mut d.active, self.active, "active", &mut errors);
        for (slot, value) in [
            (&mut d.kpp, self.kpp),
            (&mut d.founder, self.founder),
            (&mut d.website, self.website),
            (&mut d.bus_gov_id, self.bus_gov_id),
        ] {
            if let Some(value) = value {
                *slot = value;
            }
        }
        if let Some(head) = self.head {
            d.head = head;
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Query of the organization list. Filters combine with AND.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizationListQuery {
    /// Page size, 1–500.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{1,16}$")]
    pub cursor: Option<String>,
    /// Only organizations of this region.
    #[param(value_type = Option<i64>)]
    pub region_id: Option<String>,
    /// Only organizations providing this form of service.
    #[param(value_type = Option<ServiceForm>)]
    pub service_form: Option<String>,
    /// Only active (`true`) or only deactivated (`false`) organizations.
    #[param(value_type = Option<bool>)]
    pub active: Option<String>,
    /// Case-insensitive substring of the full or short name (ё and е match alike).
    #[param(max_length = 200, example = "березовского")]
    pub q: Option<String>,
    /// Only organizations changed at or after this moment (RFC 3339), for incremental sync.
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-01T00:00:00Z")]
    pub updated_since: Option<String>,
}

/// One page of organizations, in id order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationPage {
    pub items: Vec<Organization>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    operation_id = "list_organizations",
    summary = "List organizations",
    tag = "organizations",
    params(OrganizationListQuery,
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached page; answers 304 while the organizations are unchanged")),
    responses(
        (status = 200, description = "A page of organizations", body = OrganizationPage, headers(("ETag" = String))),
        (status = 304, description = "The cached page named by `If-None-Match` is current"),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/organizations")]
async fn list(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<PageCache>,
    query: web::Query<OrganizationListQuery>,
) -> ApiResult<HttpResponse> {
    policy::authorize(&caller, &policy::ORGANIZATION_LIST, &Target::default())?;
    let query = query.into_inner();
    let mut errors = ListFilterErrors::default();
    let (after_id, limit) = errors.paging(query.limit.as_deref(), query.cursor.as_deref());
    let filter = OrganizationFilter {
        region_id: parse_filter(&mut errors, "region_id", query.region_id, |v| {
            v.parse().ok()
        }),
        service_form: parse_filter(&mut errors, "service_form", query.service_form, |v| {
            ServiceForm::parse(&v)
        }),
        active: parse_filter(&mut errors, "active", query.active, |v| v.parse().ok()),
        q: parse_filter(&mut errors, "q", query.q, |v| {
            (v.chars().count() <= 200).then(|| store::search_term(&v))
        }),
        updated_since: parse_filter(
            &mut errors,
            "updated_since",
            query.updated_since,
            parse_moment,
        ),
    };
    errors.into_result()?;
    let key = format!("{filter:?}|{after_id}|{limit}");
    cache::list(
        &req,
        &db,
        cache.into_inner(),
        Collection::Organizations,
        key,
        move |conn| {
            let rows = store::list(conn, &filter, after_id, limit)?;
            let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
            let items = rows
                .iter()
                .map(Organization::of)
                .collect::<ApiResult<_>>()?;
            serde_json::to_vec(&OrganizationPage { items, next_cursor }).map_err(ApiError::internal)
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
        (status = 400, response = BadRequest),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = ValidationFailed),
    ),
)]
#[post("/organizations")]
async fn create(
    caller: Caller,
    request_id: RequestId,
    db: web::Data<Db>,
    body: ApiJson<NewOrganization>,
) -> ApiResult<HttpResponse> {
    let target = Target::region(body.0.region_id);
    let actor = Actor::of(
        policy::authorize(&caller, &policy::ORGANIZATION_CREATE, &target)?,
        &request_id.0,
    );
    let draft = OrganizationDraft::from(body.0)
        .validate()
        .map_err(ApiError::Validation)?;
    let (row, created) = db
        .transaction(move |conn| {
            let row = store::insert(conn, &draft)?;
            let created = Organization::of(&row)?;
            let change = Change::of(
                "organization.create",
                "organization",
                row.id,
                None,
                Some(&created),
            )?
            .exposed(Exposure::public(), Exposure::public());
            audit::record(conn, &actor, change)?;
            Ok((row, created))
        })
        .await?;
    Ok(conditional::created(
        format!("/api/v1/organizations/{}", row.id),
        row.version,
        &created,
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
        (status = 404, response = NotFound),
    ),
)]
#[get("/organizations/{id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    policy::authorize(&caller, &policy::ORGANIZATION_READ, &Target::default())?;
    let id = id.into_inner();
    let row = db.run(move |conn| store::find(conn, id)).await?;
    Ok(conditional::respond(
        &req,
        row.version,
        &Organization::of(&row)?,
    ))
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
#[patch("/organizations/{id}")]
async fn update(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<OrganizationPatch>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let patch = body.0;
    let (row, after) = db
        .transaction(move |conn| {
            let current = store::find(conn, id)?;
            let principal = policy::authorize(
                &caller,
                &policy::ORGANIZATION_UPDATE,
                &Target::organization(current.region_id, id),
            )?;
            if_match.require(&etag(current.version))?;
            let before = current.draft()?;
            let mut draft = before.clone();
            patch.apply(&mut draft).map_err(ApiError::Validation)?;
            let draft = draft.validate().map_err(ApiError::Validation)?;
            let changed = before.changed_fields(&draft);
            policy::check_organization_fields(principal, &changed)?;
            // Moving an organization needs the right over its new region too.
            policy::authorize(
                &caller,
                &policy::ORGANIZATION_UPDATE,
                &Target::organization(draft.region_id, id),
            )?;
            let shown_before = Organization::of(&current)?;
            if changed.is_empty() {
                return Ok((current, shown_before));
            }
            let row = store::update(conn, id, current.version, &draft)?;
            let after = Organization::of(&row)?;
            let change = Change::of(
                "organization.update",
                "organization",
                id,
                Some(&shown_before),
                Some(&after),
            )?
            .exposed(Exposure::public(), Exposure::public());
            audit::record(conn, &Actor::of(principal, &request_id.0), change)?;
            Ok((row, after))
        })
        .await?;
    Ok(conditional::updated(row.version, &after))
}

#[utoipa::path(
    operation_id = "deactivate_organization",
    summary = "Deactivate an organization",
    tag = "organizations",
    params(("id" = i64, Path, description = "Organization id"),
           ("If-Match" = Option<String>, Header, description = "If given, the change applies only to this ETag")),
    responses(
        (status = 200, description = "The organization, now inactive (deactivating twice is harmless)", body = Organization, headers(("ETag" = String))),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
    ),
)]
#[post("/organizations/{id}/deactivate")]
async fn deactivate(
    caller: Caller,
    request_id: RequestId,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (row, after) = db
        .transaction(move |conn| {
            let current = store::find(conn, id)?;
            let principal = policy::authorize(
                &caller,
                &policy::ORGANIZATION_DEACTIVATE,
                &Target::organization(current.region_id, id),
            )?;
            if_match.check_if_present(&etag(current.version))?;
            let before = Organization::of(&current)?;
            if !current.active {
                return Ok((current, before));
            }
            let mut draft = current.draft()?;
            draft.active = false;
            let row = store::update(conn, id, current.version, &draft)?;
            let after = Organization::of(&row)?;
            let change = Change::of(
                "organization.deactivate",
                "organization",
                id,
                Some(&before),
                Some(&after),
            )?
            .exposed(Exposure::public(), Exposure::public());
            audit::record(conn, &Actor::of(principal, &request_id.0), change)?;
            Ok((row, after))
        })
        .await?;
    Ok(conditional::updated(row.version, &after))
}
