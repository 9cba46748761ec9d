//! `/api/v1/methodologies`: the versioned methodologies with their official Russian names,
//! indicator rules, weights, item lists and default settings.

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::conditional;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::domain::methodology::{self, ListKind, Methodology as Version, Settings};
use crate::error::{ApiError, ApiResult};
use crate::openapi::NotFound;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list).service(read);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Methodology {
    /// `mintrud-344n-2018`, `pre-2018-five-criteria`.
    pub id: String,
    /// Official title.
    pub title: String,
    /// `false` for a version kept only for the sections of plans of its era.
    pub computable: bool,
    pub default_settings: Settings,
    pub criteria: Vec<Criterion>,
    pub lists: Vec<ItemList>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Criterion {
    /// `K1` … `K5`.
    pub code: String,
    pub name: String,
    /// Heading of the criterion's section in plans and reports.
    pub section_title: String,
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Indicator {
    /// `1.1` … `5.3`.
    pub code: String,
    pub name: String,
    /// Weight in the criterion when waiting time (2.2) is applied.
    #[schema(example = "0.3")]
    pub weight: String,
    /// Weight when waiting time is not applied, where it differs.
    #[schema(example = "0.5")]
    pub weight_without_waiting_time: Option<String>,
    /// How the points are computed.
    #[schema(value_type = Object)]
    pub rule: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemList {
    /// Also the field of evaluation inputs that holds the list.
    pub kind: ListKind,
    pub name: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Item {
    pub code: String,
    pub name: String,
}

impl Methodology {
    fn of(m: &Version) -> ApiResult<Self> {
        let criteria = m
            .criteria
            .iter()
            .map(|c| {
                let indicators = c
                    .indicators
                    .iter()
                    .map(|i| {
                        Ok(Indicator {
                            code: i.code.into(),
                            name: i.name.into(),
                            weight: i.weight.normalize().to_string(),
                            weight_without_waiting_time: i
                                .weight_without_waiting_time
                                .map(|w| w.normalize().to_string()),
                            rule: serde_json::to_value(i.rule).map_err(ApiError::internal)?,
                        })
                    })
                    .collect::<ApiResult<_>>()?;
                Ok(Criterion {
                    code: c.code.into(),
                    name: c.name.into(),
                    section_title: c.section_title.into(),
                    indicators,
                })
            })
            .collect::<ApiResult<_>>()?;
        let lists = ListKind::ALL
            .into_iter()
            .filter(|kind| !m.lists.get(*kind).is_empty())
            .map(|kind| ItemList {
                kind,
                name: kind.name().into(),
                items: m
                    .lists
                    .get(kind)
                    .iter()
                    .map(|i| Item {
                        code: i.code.into(),
                        name: i.name.into(),
                    })
                    .collect(),
            })
            .collect();
        Ok(Self {
            id: m.id.into(),
            title: m.title.into(),
            computable: m.computable,
            default_settings: m.default_settings,
            criteria,
            lists,
        })
    }
}

#[utoipa::path(
    operation_id = "list_methodologies",
    summary = "List methodologies",
    tag = "methodologies",
    responses((status = 200, description = "Every methodology version, the default first", body = Vec<Methodology>)),
)]
#[get("/methodologies")]
async fn list(caller: Caller) -> ApiResult<HttpResponse> {
    policy::authorize(&caller, &policy::METHODOLOGY_LIST, &Target::default())?;
    let all = methodology::all()
        .iter()
        .map(Methodology::of)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(all))
}

#[utoipa::path(
    operation_id = "get_methodology",
    summary = "Read a methodology",
    tag = "methodologies",
    params(("id" = String, Path, description = "Methodology id", example = "mintrud-344n-2018"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The methodology", body = Methodology, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
        (status = 404, response = NotFound),
    ),
)]
#[get("/methodologies/{id}")]
async fn read(caller: Caller, req: HttpRequest, id: web::Path<String>) -> ApiResult<HttpResponse> {
    policy::authorize(&caller, &policy::METHODOLOGY_READ, &Target::default())?;
    let version =
        methodology::find(&id).ok_or_else(|| ApiError::NotFound(format!("No methodology {id}")))?;
    conditional::respond_hashed(&req, &Methodology::of(version)?)
}
