//! `GET /metrics` for Prometheus, and the middleware that feeds it and writes the access log.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, Error, HttpMessage, HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::request_id::RequestId;
use crate::db::{Db, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::metrics::{Gauge, Metrics, CONTENT_TYPE, UNMATCHED};
use crate::openapi::{NotFound, Unauthorized};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(metrics);
}

/// NOK_METRICS_TOKEN: who may scrape. Unset, nobody: the route answers as a missing one does.
#[derive(Clone)]
pub struct MetricsToken(pub Option<SecretString>);

impl MetricsToken {
    /// The request carries `Authorization: Bearer <the token>`; 404 when no token is set, 401
    /// for any other credential (a user's token included).
    fn check(&self, req: &HttpRequest) -> ApiResult<()> {
        let Some(token) = self.0.as_ref().filter(|t| !t.expose_secret().is_empty()) else {
            return Err(ApiError::NotFound);
        };
        let sent = crate::auth::extractor::authorization(req)?.unwrap_or_default();
        let sent = sent
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map_or("", |(_, value)| value.trim());
        // Digests compared, so the time taken tells nothing about how much of the token matched.
        if Sha256::digest(sent) == Sha256::digest(token.expose_secret()) {
            Ok(())
        } else {
            Err(ApiError::Unauthorized(
                "/metrics needs `Authorization: Bearer <NOK_METRICS_TOKEN>`".into(),
            ))
        }
    }
}

/// Request counts and latencies per route and status, webhook delivery attempts, the database
/// pool, the version, the process (memory, CPU, open files, threads). Only
/// for the scraper: it needs `Authorization: Bearer <NOK_METRICS_TOKEN>`, and without that
/// setting it is not served (404).
#[utoipa::path(
    operation_id = "metrics",
    tag = "service",
    security(("metrics_token" = [])),
    responses(
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (
        status = 200,
        description = "Prometheus text exposition format 0.0.4: `nok_http_requests_total`, \
`nok_http_request_duration_seconds` (histogram) by method, route pattern and status; \
`nok_webhook_deliveries_total` by outcome (delivered, failed; this instance's attempts), \
`nok_db_pool_connections` by state, `nok_db_pool_max_connections`, `nok_build_info`, \
`nok_webhook_queue_depth`, and the process's own (from /proc): `process_resident_memory_bytes`, \
`process_virtual_memory_bytes`, `process_cpu_seconds_total`, `process_open_fds`, \
`process_max_fds`, `process_threads`, `process_start_time_seconds`",
        content_type = "text/plain; version=0.0.4; charset=utf-8",
        body = String,
    )),
)]
#[get("/metrics")]
async fn metrics(
    req: HttpRequest,
    token: web::Data<MetricsToken>,
    db: web::Data<Db>,
    registry: web::Data<Metrics>,
) -> ApiResult<HttpResponse> {
    token.check(&req)?;
    // A scrape still answers when the database is down, without the database's gauges: the
    // request metrics matter most then.
    let extra = db.run(extra_gauges).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "database gauges left out of the metrics");
        Vec::new()
    });
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(registry.render(db.pool_usage(), &extra)))
}

/// Gauges that other modules contribute to every scrape, read with one pooled connection
/// (counts of rows, such as the depth of a queue kept in a table). Add them here.
fn extra_gauges(conn: &mut DbConnection) -> ApiResult<Vec<Gauge>> {
    Ok(vec![Gauge {
        name: "nok_webhook_queue_depth",
        help: "Webhook deliveries waiting to go out (pending in the outbox).",
        value: crate::db::webhooks::pending(conn)? as f64,
    }])
}

/// Counts and times every answer by route pattern and status, and writes one access-log line
/// (target `access`) with the request's id of `X-Request-Id`. The time is until the answer is
/// ready to send (its body is in memory by then).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let registry = req.app_data::<web::Data<Metrics>>().cloned();
    let response = next.call(req).await?;
    let elapsed = started.elapsed();
    let request = response.request();
    let route = request.match_pattern();
    let status = response.status().as_u16();
    if let Some(registry) = registry {
        registry.record(request.method().as_str(), route.as_deref(), status, elapsed);
    }
    tracing::info!(
        target: "access",
        request_id = request.extensions().get::<RequestId>().map(|id| id.0.as_str()),
        method = request.method().as_str(),
        route = route.as_deref().unwrap_or(UNMATCHED),
        path = request.path(),
        status,
        duration_ms = elapsed.as_micros() as f64 / 1000.0,
        "request"
    );
    Ok(response)
}
