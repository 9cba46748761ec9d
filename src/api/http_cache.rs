//! HTTP caching of every `/api/` answer, so that no handler has to remember it: reads without an
//! ETag of their own get one hashed from the body (and 304 when `If-None-Match` names it), and
//! every answer gets `Cache-Control` — public for anonymous reads, which show published data
//! only, private for authenticated ones, `no-store` for errors and writes.

use actix_web::body::{self, BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::Error;

use super::conditional::{hashed_etag, is_not_modified, not_modified};
use crate::error::ApiError;

/// How long shared caches may keep anonymous reads (`NOK_PUBLIC_MAX_AGE`); app data.
#[derive(Debug, Clone, Copy)]
pub struct PublicMaxAge(pub u32);

/// What a cached read depends on besides its URL: the caller (anonymous callers see published
/// data only) and the format asked for (exports).
const VARY_ON: [&str; 2] = ["Authorization", "Accept"];

pub async fn apply(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !req.path().starts_with("/api/") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let read = matches!(*req.method(), Method::GET | Method::HEAD);
    let anonymous = !req.headers().contains_key(header::AUTHORIZATION);
    let max_age = req.app_data::<PublicMaxAge>().map_or(0, |age| age.0);
    let response = next.call(req).await?;
    let mut response = if read
        && response.status() == StatusCode::OK
        && !response.headers().contains_key(header::ETAG)
    {
        with_hashed_etag(response).await
    } else {
        response.map_into_boxed_body()
    };
    let fresh = read && matches!(response.status(), StatusCode::OK | StatusCode::NOT_MODIFIED);
    let headers = response.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        let policy = match (fresh, anonymous) {
            (false, _) => "no-store".to_owned(),
            (true, true) => format!("public, max-age={max_age}"),
            (true, false) => "private, no-cache".to_owned(),
        };
        headers.insert(header::CACHE_CONTROL, header_value(policy));
    }
    if fresh {
        vary(headers);
    }
    Ok(response)
}

/// Adds an ETag hashed from the body, or answers 304 when the client already has that body.
/// Bodies of unknown size are streams and pass untouched; the others are in memory already.
async fn with_hashed_etag(
    response: ServiceResponse<impl MessageBody + 'static>,
) -> ServiceResponse<BoxBody> {
    if !matches!(response.response().body().size(), BodySize::Sized(_)) {
        return response.map_into_boxed_body();
    }
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let cause = format!("reading a response body failed: {}", e.into());
            return ServiceResponse::from_err(ApiError::internal(cause), request);
        }
    };
    let tag = hashed_etag(&bytes);
    if is_not_modified(&request, &tag) {
        let mut answer = not_modified(tag);
        if let Some(vary) = head.headers().get(header::VARY) {
            answer.headers_mut().insert(header::VARY, vary.clone());
        }
        return ServiceResponse::new(request, answer);
    }
    let mut response = head.set_body(BoxBody::new(bytes));
    response
        .headers_mut()
        .insert(header::ETAG, header_value(tag));
    ServiceResponse::new(request, response)
}

/// Adds [`VARY_ON`] to the `Vary` the handler set, if any.
fn vary(headers: &mut HeaderMap) {
    let mut names: Vec<String> = headers
        .get(header::VARY)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(',')
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
                .collect()
        })
        .unwrap_or_default();
    for name in VARY_ON {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_owned());
        }
    }
    headers.insert(header::VARY, header_value(names.join(", ")));
}

/// The values built here are ASCII without control characters, valid by construction.
fn header_value(text: String) -> HeaderValue {
    HeaderValue::try_from(text).expect("an ASCII header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_keeps_what_the_handler_named() {
        let mut headers = HeaderMap::new();
        headers.insert(header::VARY, HeaderValue::from_static("accept"));
        vary(&mut headers);
        assert_eq!(headers.get(header::VARY).unwrap(), "accept, Authorization");
        let mut headers = HeaderMap::new();
        vary(&mut headers);
        assert_eq!(headers.get(header::VARY).unwrap(), "Authorization, Accept");
    }
}
