//! Every request carries an id: the caller's `X-Request-Id` when it is sane, a new UUID
//! otherwise. It is echoed in the response, recorded with each audit event and written in the
//! access log (`api::metrics::observe`).

use std::future::{ready, Ready};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest};

use crate::error::{catalogue, ApiError, Lang, PROBLEM_JSON};

pub const HEADER: &str = "x-request-id";

#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Gives the request its id, echoes it in `X-Request-Id`, and writes it (with the request path
/// as `instance`) into problem+json bodies, so that a failing call can be found in the logs.
/// Problem bodies are also written in the language `Accept-Language` prefers (`error::Lang`),
/// whoever raised them (the gate, the query contract, extractors, handlers, the fallback), with
/// `Content-Language` and `Vary: Accept-Language`.
pub async fn assign(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| acceptable(id))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let lang = Lang::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut response = next.call(req).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    if !is_problem {
        return Ok(response.map_into_boxed_body());
    }
    let instance = response.request().path().to_owned();
    // The error itself, when the answer carries one: its problem is written again in `lang`.
    let localized = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .filter(|_| lang != Lang::En)
        .map(|e| e.to_problem_in(None, lang));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
    let parsed = match localized {
        Some(problem) => serde_json::to_value(problem),
        None => serde_json::from_slice::<serde_json::Value>(&bytes),
    };
    let body = match parsed {
        Ok(serde_json::Value::Object(mut problem)) => {
            // A problem written by hand (not an `ApiError`): at least its title in `lang`.
            if lang != Lang::En {
                let slug = problem
                    .get("type")
                    .and_then(|t| t.as_str())
                    .and_then(|t| t.strip_prefix("/problems/"))
                    .and_then(|slug| catalogue::find(catalogue::TITLES, slug));
                if let Some(title) = slug {
                    problem.insert("title".into(), title.ru.into());
                }
            }
            problem
                .entry("instance")
                .or_insert_with(|| serde_json::Value::String(instance));
            problem.insert("request_id".into(), serde_json::Value::String(id));
            serde_json::to_vec(&problem).unwrap_or_else(|_| bytes.to_vec())
        }
        _ => bytes.to_vec(),
    };
    Ok(ServiceResponse::new(
        request,
        head.set_body(BoxBody::new(body)),
    ))
}

impl FromRequest for RequestId {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = req.extensions().get::<RequestId>().cloned();
        ready(Ok(id.unwrap_or_else(|| {
            RequestId(uuid::Uuid::new_v4().to_string())
        })))
    }
}

/// The use cases' [`Context`](crate::app::Context): the caller and this request's id.
impl FromRequest for crate::app::Context {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = crate::auth::Caller::from_request(req, payload);
        let request_id = RequestId::from_request(req, payload).into_inner();
        Box::pin(async move {
            Ok(crate::app::Context {
                caller: caller.await?,
                request_id: request_id?.0,
            })
        })
    }
}
