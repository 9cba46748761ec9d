//! CORS for the browser pages of portals (`NOK_CORS_ORIGINS`): the configured origins only, and
//! without any configured no CORS headers at all. Requests from other origins are still served
//! (servers and scripts send `Origin` too); browsers keep their pages from reading the answer.

use actix_cors::{Cors, CorsError};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName};
use actix_web::middleware::{Condition, Next};
use actix_web::Error;

use super::request_id;
use crate::error::ApiError;

/// The CORS middleware for `origins`; a no-op when there are none.
pub fn middleware(origins: &[String]) -> Condition<Cors> {
    let cors = origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            HeaderName::from_static("idempotency-key"),
            // Tracing: a portal passes its own request id and W3C trace context along.
            HeaderName::from_static(request_id::HEADER),
            HeaderName::from_static("traceparent"),
            HeaderName::from_static("tracestate"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            HeaderName::from_static(request_id::HEADER),
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::LINK,
            header::LAST_MODIFIED,
            header::CONTENT_LANGUAGE,
            HeaderName::from_static("x-total-count"),
        ])
        .max_age(3600);
    Condition::new(!origins.is_empty(), cors)
}

/// actix-cors refuses a preflight it does not allow (another origin, method or header) with a
/// plain-text 400; like every error of the API it becomes problem+json, a 403.
pub async fn refusals_as_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let response = next.call(req).await?;
    let refusal = response
        .response()
        .error()
        .and_then(|e| e.as_error::<CorsError>())
        .map(|e| format!("Cross-origin request refused: {e}"));
    Ok(match refusal {
        Some(detail) => {
            let (request, _) = response.into_parts();
            ServiceResponse::from_err(ApiError::forbidden(detail), request).map_into_right_body()
        }
        None => response.map_into_left_body(),
    })
}
