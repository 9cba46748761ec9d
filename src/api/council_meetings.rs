//! `/api/v1/regions/{id}/council-meetings`: the meetings of the region's public council, their
//! agendas and decisions.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional::{self, IfMatch};
use super::extract::ApiJson;
use super::{parse_filter, parse_year, ListFilterErrors};
use crate::app::council_meetings as use_case;
use crate::app::{Context, Listing};
use crate::auth::Caller;
use crate::db::Db;
use crate::error::ApiResult;
use crate::views::council_meetings::{CouncilMeeting, CouncilMeetingPatch, NewCouncilMeeting};
use crate::views::Page;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(update);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MeetingListQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// Only the meetings held in this calendar year.
    #[param(value_type = Option<i32>, minimum = 2013, maximum = 2100)]
    pub year: Option<String>,
    /// `true`: also count the matches across all pages (`total`, `X-Total-Count`).
    #[param(value_type = Option<bool>)]
    pub total: Option<String>,
}

impl MeetingListQuery {
    fn parse(self) -> ApiResult<Listing<Option<i32>>> {
        let mut errors = ListFilterErrors::default();
        let paging = errors.paging(self.limit.as_deref(), self.cursor.as_deref());
        let year = parse_filter(&mut errors, "year", self.year, parse_year);
        let total = errors.total(self.total);
        errors
            .into_listing(year, paging)
            .map(|listing| listing.counted(total))
    }
}

#[utoipa::path(
    operation_id = "list_council_meetings",
    summary = "List the council's meetings",
    tag = "council",
    params(("id" = i64, Path, description = "Region id"), MeetingListQuery),
    responses(
        (status = 200, description = "The region's council meetings in id order", body = Page<CouncilMeeting>),
    ),
)]
#[get("/regions/{id}/council-meetings")]
async fn list(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<MeetingListQuery>,
) -> ApiResult<HttpResponse> {
    let region_id = id.into_inner();
    let listing = query.into_inner().parse();
    let page = db
        .run(move |conn| use_case::list(conn, &caller, region_id, listing))
        .await?;
    Ok(super::pages::respond(&req, &page))
}

#[utoipa::path(
    operation_id = "create_council_meeting",
    summary = "Record a council meeting",
    tag = "council",
    params(("id" = i64, Path, description = "Region id")),
    request_body = NewCouncilMeeting,
    responses(
        (status = 201, description = "Recorded", body = CouncilMeeting, headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/regions/{id}/council-meetings")]
async fn create(
    ctx: Context,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: ApiJson<NewCouncilMeeting>,
) -> ApiResult<HttpResponse> {
    let region_id = id.into_inner();
    let (version, meeting) = db
        .transaction(move |conn| use_case::create(conn, &ctx, region_id, body.0))
        .await?;
    Ok(conditional::created(
        format!(
            "/api/v1/regions/{region_id}/council-meetings/{}",
            meeting.id
        ),
        version,
        &meeting,
    ))
}

#[utoipa::path(
    operation_id = "get_council_meeting",
    summary = "Read a council meeting",
    tag = "council",
    params(("id" = i64, Path, description = "Region id"),
           ("meeting_id" = i64, Path, description = "Meeting id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The meeting", body = CouncilMeeting, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
    ),
)]
#[get("/regions/{id}/council-meetings/{meeting_id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let (version, meeting) = db
        .run(move |conn| use_case::read(conn, &caller, ids))
        .await?;
    Ok(conditional::respond(&req, version, &meeting))
}

#[utoipa::path(
    operation_id = "update_council_meeting",
    summary = "Change a council meeting",
    tag = "council",
    params(("id" = i64, Path, description = "Region id"),
           ("meeting_id" = i64, Path, description = "Meeting id"),
           ("If-Match" = String, Header, description = "ETag from the GET this change is based on")),
    request_body(content = CouncilMeetingPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The meeting after the change", body = CouncilMeeting, headers(("ETag" = String))),
    ),
)]
#[patch("/regions/{id}/council-meetings/{meeting_id}")]
async fn update(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
    body: ApiJson<CouncilMeetingPatch>,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let (version, meeting) = db
        .transaction(move |conn| use_case::update(conn, &ctx, ids, &if_match, body.0))
        .await?;
    Ok(conditional::updated(version, &meeting))
}
