//! `/api/v1/webhooks`: subscriptions to the change feed, delivered as signed POSTs, and the log
//! of their deliveries, readable by the subscription's owner.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::conditional::{self, IfMatch};
use super::extract::ApiJson;
use super::ListFilterErrors;
pub use crate::app::webhooks::InternalTargets;
use crate::app::{self, Context, Listing};
use crate::auth::Caller;
use crate::db::Db;
use crate::error::ApiResult;
use crate::views::webhooks::{Delivery, NewWebhook, QueuedDelivery, Subscription};
use crate::views::Page;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(read)
        .service(remove)
        .service(deliveries)
        .service(ping)
        .service(redeliver);
}

#[utoipa::path(
    operation_id = "create_webhook",
    summary = "Create a webhook subscription",
    tag = "webhooks",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Registered; the answer shows the signing secret, the only time it is shown", body = Subscription, headers(("Location" = String), ("ETag" = String))),
    ),
)]
#[post("/webhooks")]
async fn create(
    ctx: Context,
    db: web::Data<Db>,
    internal: Option<web::Data<InternalTargets>>,
    body: ApiJson<NewWebhook>,
) -> ApiResult<HttpResponse> {
    let internal = internal.map_or(InternalTargets(false), |i| **i);
    let (version, subscription) = db
        .transaction(move |conn| app::webhooks::create(conn, &ctx, internal, body.0))
        .await?;
    Ok(conditional::created(
        format!("/api/v1/webhooks/{}", subscription.id),
        version,
        &subscription,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WebhookListQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// `true`: also count the matches across all pages (`total`, `X-Total-Count`).
    #[param(value_type = Option<bool>)]
    pub total: Option<String>,
}

impl WebhookListQuery {
    fn listing(&self) -> ApiResult<Listing<()>> {
        let mut errors = ListFilterErrors::default();
        let page = errors.paging(self.limit.as_deref(), self.cursor.as_deref());
        let total = errors.total(self.total.clone());
        errors
            .into_listing((), page)
            .map(|listing| listing.counted(total))
    }
}

#[utoipa::path(
    operation_id = "list_webhooks",
    summary = "List webhook subscriptions",
    tag = "webhooks",
    params(WebhookListQuery),
    responses(
        (status = 200, description = "The caller's subscriptions (an administrator's: all)", body = Page<Subscription>),
    ),
)]
#[get("/webhooks")]
async fn list(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Db>,
    query: web::Query<WebhookListQuery>,
) -> ApiResult<HttpResponse> {
    let listing = query.listing();
    let page = db
        .run(move |conn| app::webhooks::list(conn, &caller, listing))
        .await?;
    Ok(super::pages::respond(&req, &page))
}

#[utoipa::path(
    operation_id = "get_webhook",
    summary = "Read a webhook subscription",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id"),
           ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; answers 304 if it is current")),
    responses(
        (status = 200, description = "The subscription (without its secret)", body = Subscription, headers(("ETag" = String))),
        (status = 304, description = "The cached copy named by `If-None-Match` is current"),
    ),
)]
#[get("/webhooks/{id}")]
async fn read(
    caller: Caller,
    req: HttpRequest,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (version, subscription) = db
        .run(move |conn| app::webhooks::read(conn, &caller, id))
        .await?;
    Ok(conditional::respond(&req, version, &subscription))
}

#[utoipa::path(
    operation_id = "delete_webhook",
    summary = "Delete a webhook subscription",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id"),
           ("If-Match" = String, Header, description = "ETag from the GET this deletion is based on")),
    responses(
        (status = 204, description = "Deactivated: nothing more is delivered; the delivery log stays readable"),
    ),
)]
#[delete("/webhooks/{id}")]
async fn remove(
    ctx: Context,
    if_match: IfMatch,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    db.transaction(move |conn| app::webhooks::remove(conn, &ctx, id, &if_match))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    operation_id = "list_webhook_deliveries",
    summary = "List the deliveries of a webhook subscription",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id"), WebhookListQuery),
    responses(
        (status = 200, description = "Every attempt, oldest first", body = Page<Delivery>),
    ),
)]
#[get("/webhooks/{id}/deliveries")]
async fn deliveries(
    req: HttpRequest,
    caller: Caller,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<WebhookListQuery>,
) -> ApiResult<HttpResponse> {
    let (id, listing) = (id.into_inner(), query.listing());
    let page = db
        .run(move |conn| app::webhooks::deliveries(conn, &caller, id, listing))
        .await?;
    Ok(super::pages::respond(&req, &page))
}

#[utoipa::path(
    operation_id = "ping_webhook",
    summary = "Send a ping to a webhook subscription",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id")),
    responses(
        (status = 202, description = "Queued: a signed delivery of event `ping` (header `X-Nok-Event: ping`, no feed position), sent at once; its attempts are listed under `/deliveries`", body = QueuedDelivery),
    ),
)]
#[post("/webhooks/{id}/ping")]
async fn ping(caller: Caller, db: web::Data<Db>, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let queued = db
        .transaction(move |conn| app::webhooks::ping(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Accepted().json(queued))
}

#[utoipa::path(
    operation_id = "redeliver_webhook_delivery",
    summary = "Send a past delivery of a webhook subscription again",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id"),
           ("delivery_id" = i64, Path, description = "The past delivery (`delivery_id` of its attempts)")),
    responses(
        (status = 202, description = "Queued: the same event and body under a new delivery id, sent at once", body = QueuedDelivery),
    ),
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
async fn redeliver(
    caller: Caller,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let ids = path.into_inner();
    let queued = db
        .transaction(move |conn| app::webhooks::redeliver(conn, &caller, ids))
        .await?;
    Ok(HttpResponse::Accepted().json(queued))
}
