//! `/redoc`: the API reference rendered by Redoc from `/api-docs/openapi.json`. Redoc is
//! vendored (`src/api/redoc/`, see its README) and served from the binary, so the page works
//! without any other host.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

const PAGE: &str = include_str!("redoc/index.html");
const SCRIPT: &[u8] = include_bytes!("redoc/redoc.standalone.js");

/// Mounts the page and its script (outside `/api/`, like Swagger UI).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/redoc", web::get().to(page))
        .route("/redoc/", web::get().to(page))
        .route("/redoc/redoc.standalone.js", web::get().to(script));
}

async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE)
}

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        // The script changes only with the binary.
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(SCRIPT)
}
