//! `/api/v1/changes`: the change feed regional systems keep their copies in sync with.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{parse_filter, ListFilterErrors};
use crate::app::answers::Answers;
use crate::app::changes::TYPES;
use crate::app::{self, Listing};
use crate::auth::Caller;
use crate::db::Db;
use crate::error::ApiResult;
use crate::views::changes::ChangePage;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// `next_cursor` of the previous answer; without it the feed starts at the beginning.
    #[param(pattern = "^[0-9a-f]{1,16}$")]
    pub since: Option<String>,
    /// Comma-separated resource types: region, organization, cycle, evaluation, proposal,
    /// council_meeting, cycle_deadlines, plan, report, organizing_plan, operator. All without it.
    #[param(
        pattern = "^(region|organization|cycle|evaluation|proposal|council_meeting|cycle_deadlines|plan|report|organizing_plan|operator)(,(region|organization|cycle|evaluation|proposal|council_meeting|cycle_deadlines|plan|report|organizing_plan|operator))*$"
    )]
    pub types: Option<String>,
    pub limit: Option<String>,
}

impl ChangesQuery {
    /// The types asked for (all when empty), after `since`.
    fn listing(self) -> ApiResult<Listing<Vec<String>>> {
        let mut errors = ListFilterErrors::default();
        let page = errors.paging(self.limit.as_deref(), self.since.as_deref());
        let types: Vec<String> = parse_filter(&mut errors, "types", self.types, |v| {
            let types: Vec<String> = v.split(',').map(str::to_owned).collect();
            types
                .iter()
                .all(|t| TYPES.contains(&t.as_str()))
                .then_some(types)
        })
        .unwrap_or_default();
        errors.into_listing(types, page)
    }
}

#[utoipa::path(
    operation_id = "list_changes",
    summary = "The change feed",
    tag = "changes",
    params(ChangesQuery),
    responses(
        (status = 200, description = "Created, updated and deleted resources after `since`, in commit order, as far as the caller may read them", body = ChangePage),
    ),
)]
#[get("/changes")]
async fn list(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Db>,
    answers: web::Data<Answers>,
    query: web::Query<ChangesQuery>,
) -> ApiResult<HttpResponse> {
    let listing = query.into_inner().listing();
    let answer = app::changes::answer(&db, &answers, caller, listing).await?;
    Ok(super::cache::respond(&req, answer))
}
