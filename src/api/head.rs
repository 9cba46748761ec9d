//! HEAD wherever GET is served (RFC 9110 §9.3.2): the request goes on as a GET, so it meets
//! the same gate, handler and caching (status, ETag, Cache-Control, Content-Length); actix's
//! HTTP/1 and HTTP/2 encoders, which saw the request's own method, send no body.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::Error;

pub async fn as_get<B: MessageBody>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}
