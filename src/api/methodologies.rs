//! `/api/v1/methodologies`: the versioned methodologies with their official Russian names,
//! indicator rules, weights, item lists and default settings.

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::conditional;
use crate::app;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::views::methodologies::Methodology;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list).service(read);
}

#[utoipa::path(
    operation_id = "list_methodologies",
    summary = "List methodologies",
    tag = "methodologies",
    responses((status = 200, description = "Every methodology version, the default first", body = Vec<Methodology>)),
)]
#[get("/methodologies")]
async fn list(caller: Caller) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app::methodologies::list(&caller)?))
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
    ),
)]
#[get("/methodologies/{id}")]
async fn read(caller: Caller, req: HttpRequest, id: web::Path<String>) -> ApiResult<HttpResponse> {
    conditional::respond_hashed(&req, &app::methodologies::read(&caller, &id)?)
}
