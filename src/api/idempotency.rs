//! `Idempotency-Key` on every POST: the first request with a key is answered and its answer
//! stored; a retry with the same key and request (path, query, media type, body and `If-Match`)
//! gets that answer again (`Idempotent-Replayed: true`) without doing the work twice; the same
//! key with another request is refused (422); while
//! the first is still being answered, a retry gets 409. Keys belong to one caller and one path,
//! and are forgotten after `NOK_IDEMPOTENCY_TTL_SECS`.
//!
//! The key is claimed before the work and its answer stored after. The work's own transaction
//! marks the claim done (`db::idempotency::CLAIM`), so a crash between the commit and the
//! stored answer leaves a claim known to have done its work: retries get 409 until the key
//! expires rather than running the work twice. A claim whose work never committed (its request
//! cut off before) is given up after a while, so that a retry runs. Survey uploads, too large to
//! buffer, store their answer in their own transaction instead.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{Error, HttpMessage, HttpResponse};
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::Caller;
use crate::db::idempotency::{self, KeyScope, Recorded};
use crate::db::{now, Db};
use crate::error::{ApiError, FieldError};

pub const HEADER: &str = "idempotency-key";

/// The key of the request fingerprints (the server's token secret).
#[derive(Clone)]
pub struct KeySecret(pub String);

/// The secret never reaches a log line.
impl std::fmt::Debug for KeySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeySecret([redacted])")
    }
}

/// How long stored answers are replayed.
#[derive(Debug, Clone, Copy)]
pub struct KeyTtl(pub std::time::Duration);

/// Seconds after which a claimed key without an answer is free again: longer than any request.
const ABANDONED_AFTER_SECS: i64 = 120;

/// What the OpenAPI document states for the header: 1–255 visible ASCII characters.
pub const KEY_PATTERN: &str = "^[!-~]{1,255}$";

/// A key of [`KEY_PATTERN`].
pub fn well_formed(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

pub fn malformed_key() -> ApiError {
    ApiError::BadRequest {
        detail: "Idempotency-Key must be 1 to 255 visible ASCII characters".into(),
        errors: vec![FieldError::new(
            "Idempotency-Key",
            "format",
            "1 to 255 visible ASCII characters",
        )],
    }
}

fn refuse(req: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    ServiceResponse::from_err(error, req.into_parts().0)
}

/// Who sends the key, as the route will know them: keys of different callers never meet. `None`
/// when the request is no one caller's: without a token (anonymous callers are many), or with
/// one the route refuses (malformed, expired, revoked, of a deactivated user), which must not
/// have a stored answer replayed to it either.
async fn actor(req: &mut ServiceRequest) -> Option<String> {
    let caller = req.extract::<Caller>().await.ok()?;
    let principal = caller.principal()?;
    Some(match principal.user_id {
        Some(id) => format!("user:{id}"),
        None => format!("idp:{}", principal.username),
    })
}

/// The largest body the route takes: a form file for an import, or the JSON body limit. A request is buffered
/// (to fingerprint it) only up to that, so a key does not raise the limit.
fn body_limit(req: &ServiceRequest) -> usize {
    if req.path().ends_with("/import") {
        crate::app::IMPORT_LIMIT
    } else {
        req.app_data::<super::extract::BodyLimit>()
            .map_or(crate::config::DEFAULT_BODY_LIMIT, |l| l.0)
    }
}

/// Where a request with a key stands.
struct Keyed {
    db: web::Data<Db>,
    scope: KeyScope,
    ttl: std::time::Duration,
}

pub async fn replay_or_record(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_owned));
    // Survey uploads keep their own keys; tokens are never stored, a login is simply repeated.
    let applies = req.method() == Method::POST
        && !req.path().ends_with("/survey-responses")
        && req.path() != "/api/v1/auth/token";
    let key = match (key, applies) {
        (Some(key), true) => key,
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let Some(key) = key.ok().filter(|key| well_formed(key)) else {
        return Ok(refuse(req, malformed_key()));
    };
    let Some(actor) = actor(&mut req).await else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let limit = body_limit(&req);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Ok(refuse(req, ApiError::PayloadTooLarge { limit }));
    }
    let Some(db) = req.app_data::<web::Data<Db>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let ttl = req
        .app_data::<web::Data<KeyTtl>>()
        .map(|t| t.0)
        .unwrap_or(std::time::Duration::from_secs(86_400));
    let route = req.path().to_owned();
    let keyed = Keyed {
        db,
        scope: KeyScope { key, actor, route },
        ttl,
    };
    answer_once(req, next, keyed, limit).await
}

/// Claims the key for this request, or answers from what the key already holds.
async fn answer_once(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    keyed: Keyed,
    limit: usize,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let body = match buffered(&mut req, limit).await? {
        Ok(body) => body,
        Err(error) => return Ok(refuse(req, error)),
    };
    let hash = fingerprint(&req, &body);
    match claim(&keyed, &hash).await {
        Err(e) => Ok(refuse(req, e)),
        Ok(Claim::Held(found)) => Ok(match stored_answer(found, &hash) {
            Ok(replay) => req.into_response(replay),
            Err(error) => refuse(req, error),
        }),
        Ok(Claim::Ours(id)) => {
            req.set_payload(actix_web::dev::Payload::from(body));
            idempotency::CLAIM
                .scope(id, run_and_store(req, next, keyed))
                .await
        }
    }
}

/// The body decides whether a retry is the same request: read it (up to `limit`) to hand it on.
async fn buffered(
    req: &mut ServiceRequest,
    limit: usize,
) -> Result<Result<Bytes, ApiError>, Error> {
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Ok(Err(ApiError::PayloadTooLarge { limit }));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Ok(body.freeze()))
}

/// What makes a retry the same request: path, query, media type, body and `If-Match`.
fn fingerprint(req: &ServiceRequest, body: &[u8]) -> String {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // The precondition is part of what was asked: a retry sends the same one, and the same key
    // with another (or a malformed one) is another request, never answered by the first one's
    // stored answer.
    let if_match: Vec<u8> = req
        .headers()
        .get_all(header::IF_MATCH)
        .flat_map(|v| v.as_bytes().iter().copied().chain([b'\n']))
        .collect();
    // Keyed with the server's secret: bodies may hold passwords, and a plain hash of them in
    // the database would be a fast way to guess them.
    let secret = req
        .app_data::<web::Data<KeySecret>>()
        .map(|s| s.0.clone())
        .unwrap_or_default();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key");
    // Without If-Match the fingerprint is the one keys stored before it counted have.
    let parts: [&[u8]; 5] = [
        req.path().as_bytes(),
        req.query_string().as_bytes(),
        content_type.as_bytes(),
        body,
        &if_match,
    ];
    let present = if if_match.is_empty() { 4 } else { 5 };
    for part in &parts[..present] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a key holds for a request that sends it.
enum Claim {
    /// Claimed now, for this request (the claim's id).
    Ours(i64),
    /// Another request's claim in progress, or a stored answer.
    Held(Recorded),
}

/// Claims the key for the request of fingerprint `hash`. Expired keys and abandoned claims are
/// forgotten first.
async fn claim(keyed: &Keyed, hash: &str) -> Result<Claim, ApiError> {
    let expired_before =
        now() - chrono::Duration::from_std(keyed.ttl).unwrap_or(chrono::Duration::days(1));
    let scope = keyed.scope.clone();
    let hash = hash.to_owned();
    keyed
        .db
        .run(move |conn| {
            if let Some(found) = idempotency::recorded(conn, &scope)? {
                // A claim whose request never came back (its client gone, its instance dead)
                // is given up after a while, so that a retry is not refused until it expires;
                // unless its work committed, which a retry must not do again.
                let abandoned = found.status == 0
                    && found.work_done_at.is_none()
                    && found.created_at < now() - chrono::Duration::seconds(ABANDONED_AFTER_SECS);
                if found.created_at >= expired_before && !abandoned {
                    return Ok(Claim::Held(found));
                }
                idempotency::forget(conn, &scope)?;
            }
            match idempotency::reserve(conn, &scope, &hash, expired_before)? {
                Some(id) => Ok(Claim::Ours(id)),
                // Claimed by a request that came in between: what it holds now.
                None => idempotency::recorded(conn, &scope)?
                    .map(Claim::Held)
                    .ok_or_else(|| {
                        ApiError::Conflict(
                            "A request with this Idempotency-Key is still being answered; retry later"
                                .into(),
                        )
                    }),
            }
        })
        .await
}

/// The answer a key already holds for a request of fingerprint `hash`: the stored answer
/// replayed, or why there is none to give.
fn stored_answer(found: Recorded, hash: &str) -> Result<HttpResponse, ApiError> {
    if found.request_hash != hash {
        return Err(ApiError::Validation(vec![FieldError::new(
            "Idempotency-Key",
            "reused",
            "was used with a different request; use a new key for a new request",
        )]));
    }
    if found.status == 0 && found.work_done_at.is_some() {
        return Err(ApiError::Conflict(
            "The request with this Idempotency-Key was carried out, but its answer was lost; \
             it is not carried out again. Read the result instead"
                .into(),
        ));
    }
    if found.status == 0 {
        return Err(ApiError::Conflict(
            "A request with this Idempotency-Key is still being answered; retry later".into(),
        ));
    }
    let status =
        StatusCode::from_u16(u16::try_from(found.status).unwrap_or(500)).unwrap_or(StatusCode::OK);
    let mut replay = HttpResponse::build(status);
    replay.insert_header(("Idempotent-Replayed", "true"));
    if let Some(content_type) = found.content_type {
        replay.insert_header((header::CONTENT_TYPE, content_type));
    }
    if let Some(location) = found.location {
        replay.insert_header((header::LOCATION, location));
    }
    Ok(replay.body(found.response_body))
}

/// Runs the request and stores its answer under the key; a server error frees the key instead,
/// so that a retry runs again.
async fn run_and_store(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    keyed: Keyed,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let response = next.call(req).await?;
    let status = response.status();
    let header_text = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let (content_type, location) = (
        header_text(header::CONTENT_TYPE),
        header_text(header::LOCATION),
    );
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = body::to_bytes(body).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let scope = keyed.scope;
    let stored = keyed
        .db
        .run(move |conn| {
            if status.is_server_error() {
                idempotency::release(conn, &scope)
            } else {
                idempotency::complete(
                    conn,
                    &scope,
                    status.as_u16(),
                    &text,
                    content_type.as_deref(),
                    location.as_deref(),
                )
            }
        })
        .await;
    if let Err(e) = stored {
        tracing::error!(error = %e, "an Idempotency-Key answer could not be stored");
    }
    Ok(ServiceResponse::new(
        request,
        head.set_body(bytes).map_into_boxed_body(),
    ))
}
