//! The OpenAPI document: info, tags and the reusable error responses. Paths and their schemas are
//! collected from the mounted handlers by utoipa-actix-web (see `startup::routes`), so no list
//! here can drift from the routes.

use utoipa::{OpenApi, ToResponse};

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "nok-api",
        description = "Independent quality assessment (НОК) of social service organizations: \
assessment cycles, collected data and computed scores, ratings approved by the public council, \
improvement plans with their measures, and reports on their execution.\n\n\
Every error is `application/problem+json` (RFC 9457). Lists are paginated with `limit` and an \
opaque `cursor`; the next page's cursor is `next_cursor` in the body. Reads of one resource return \
an `ETag`; writes to an existing resource require `If-Match` with it.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "regions", description = "Subjects of the Russian Federation (субъекты РФ)"),
        (name = "organizations", description = "Organizations of social services (организации социального обслуживания)"),
        (name = "service", description = "Liveness and readiness of the service"),
    ),
    components(
        schemas(Problem, FieldError),
        responses(BadRequest, ValidationFailed, NotFound, Conflict, PreconditionFailed,
                  PreconditionRequired, PayloadTooLarge, UnsupportedMediaType, Unavailable),
    ),
)]
pub struct ApiDoc;

/// The request could not be read: malformed JSON, an unknown or malformed query parameter, an invalid cursor.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/bad-request", "title": "Bad request", "status": 400,
        "detail": "must be an integer from 1 to 500",
        "errors": [{"field": "limit", "code": "format", "message": "must be an integer from 1 to 500"}]})
)]
pub struct BadRequest(#[allow(dead_code)] Problem);

/// The body breaks a rule: every offending field is listed in `errors`.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/validation", "title": "Validation failed", "status": 422,
        "detail": "Field `inn`: INN check digit is wrong: the number is mistyped",
        "errors": [{"field": "inn", "code": "check_digit", "message": "INN check digit is wrong: the number is mistyped"}]})
)]
pub struct ValidationFailed(#[allow(dead_code)] Problem);

/// No such resource.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/not-found", "title": "Not found", "status": 404,
        "detail": "Organization 42 does not exist"})
)]
pub struct NotFound(#[allow(dead_code)] Problem);

/// The request conflicts with the current state (a unique value already in use).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/conflict", "title": "Conflict", "status": 409,
        "detail": "INN 7107083893 already belongs to active organization 3 (ГУТО «Дубенский дом-интернат для престарелых и инвалидов»)"})
)]
pub struct Conflict(#[allow(dead_code)] Problem);

/// `If-Match` does not name the current ETag: the resource changed since it was read.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/precondition-failed", "title": "Precondition failed", "status": 412,
        "detail": "If-Match does not match the current ETag: the resource changed since it was read; read it again and retry"})
)]
pub struct PreconditionFailed(#[allow(dead_code)] Problem);

/// `If-Match` is missing: writes to an existing resource must name the ETag they were based on.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/precondition-required", "title": "Precondition required", "status": 428,
        "detail": "This request changes an existing resource and needs an If-Match header with the ETag from a previous GET"})
)]
pub struct PreconditionRequired(#[allow(dead_code)] Problem);

/// The body is larger than the configured limit (`NOK_BODY_LIMIT`, 1 MiB by default).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/payload-too-large", "title": "Payload too large", "status": 413,
        "detail": "The request body exceeds the limit of 1048576 bytes"})
)]
pub struct PayloadTooLarge(#[allow(dead_code)] Problem);

/// The body is not `application/json`.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/unsupported-media-type", "title": "Unsupported media type", "status": 415,
        "detail": "The request body must be sent as application/json"})
)]
pub struct UnsupportedMediaType(#[allow(dead_code)] Problem);

/// The database is not reachable; retry after the number of seconds in `Retry-After`.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/unavailable", "title": "Service unavailable", "status": 503,
        "detail": "The database is not reachable: timed out waiting for connection"})
)]
pub struct Unavailable(#[allow(dead_code)] Problem);
