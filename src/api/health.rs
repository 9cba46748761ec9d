//! Liveness and readiness for load balancers and orchestrators.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::openapi::Unavailable;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(health).service(ready);
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Status {
    /// Always `ok` when the service answers.
    pub status: &'static str,
}

/// The process is up. Touches nothing else, so it is also the baseline of the benchmarks.
#[utoipa::path(operation_id = "health", tag = "service", responses((status = 200, description = "The process is up", body = Status)))]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// The database answers a query within the pool timeout.
#[utoipa::path(
    operation_id = "ready",
    tag = "service",
    responses(
        (status = 200, description = "The database is reachable", body = Status),
        (status = 503, response = Unavailable),
    ),
)]
#[get("/ready")]
async fn ready(db: web::Data<Db>) -> ApiResult<HttpResponse> {
    db.run(|conn| {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("SELECT 1").map_err(|e| {
            tracing::warn!(error = %e, "readiness check failed");
            ApiError::Unavailable("The database does not answer".into())
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(Status { status: "ok" }))
}
