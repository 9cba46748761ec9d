//! `/api/v1/changes`: the change feed regional systems keep their copies in sync with.

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{parse_filter, ListFilterErrors};
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::changes::{self as store, event_for, FeedEvent, Reach};
use crate::db::Db;
use crate::domain::paging::{self, Cursor};
use crate::error::ApiResult;
use crate::openapi::BadRequest;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list);
}

/// The resource types the feed carries.
pub const TYPES: &[&str] = &[
    "region",
    "organization",
    "cycle",
    "evaluation",
    "proposal",
    "plan",
    "report",
];

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// `next_cursor` of the previous answer; without it the feed starts at the beginning.
    #[param(pattern = "^[0-9a-f]{1,16}$")]
    pub since: Option<String>,
    /// Comma-separated resource types: region, organization, cycle, evaluation, proposal, plan,
    /// report. All without it.
    #[param(
        pattern = "^(region|organization|cycle|evaluation|proposal|plan|report)(,(region|organization|cycle|evaluation|proposal|plan|report))*$",
        example = "organization,plan"
    )]
    pub types: Option<String>,
    /// Page size, 1–500.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    /// Changes in commit order. Apply them in order: `created`/`updated` carry the resource as
    /// its GET shows it; `deleted` removes it (also when it is no longer visible to the caller).
    pub items: Vec<FeedEvent>,
    /// Where to resume: pass it as `since` next time (also when `items` is empty).
    pub next_cursor: String,
    /// More changes are waiting now.
    pub has_more: bool,
}

#[utoipa::path(
    operation_id = "list_changes",
    summary = "The change feed",
    tag = "changes",
    params(ChangesQuery),
    responses(
        (status = 200, description = "Created, updated and deleted resources after `since`, in commit order, as far as the caller may read them", body = ChangePage),
        (status = 400, response = BadRequest),
    ),
)]
#[get("/changes")]
async fn list(
    caller: Caller,
    db: web::Data<Db>,
    query: web::Query<ChangesQuery>,
) -> ApiResult<HttpResponse> {
    policy::authorize(&caller, &policy::CHANGE_LIST, &Target::default())?;
    let query = query.into_inner();
    let mut errors = ListFilterErrors::default();
    let (after, limit) = errors.paging(query.limit.as_deref(), query.since.as_deref());
    let types: Vec<String> = parse_filter(&mut errors, "types", query.types, |v| {
        let types: Vec<String> = v.split(',').map(str::to_owned).collect();
        types
            .iter()
            .all(|t| TYPES.contains(&t.as_str()))
            .then_some(types)
    })
    .unwrap_or_default();
    errors.into_result()?;
    let principal = caller.principal();
    let reach = Reach::of(
        principal.map(|p| p.role),
        principal.and_then(|p| p.region_id),
        principal.and_then(|p| p.organization_id),
    );
    let page = db
        .run(move |conn| {
            let rows = store::list(conn, after, &types, reach, limit)?;
            let (rows, next) = paging::split_page(rows, limit, |r| r.id);
            let last = rows.last().map_or(after, |r| r.id);
            let items = rows
                .iter()
                .filter_map(|r| event_for(r, reach).transpose())
                .collect::<ApiResult<Vec<_>>>()?;
            Ok(ChangePage {
                items,
                next_cursor: Cursor { after_id: last }.encode(),
                has_more: next.is_some(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
