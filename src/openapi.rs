//! The OpenAPI document: info, tags and the reusable error responses. Paths and their schemas are
//! collected from the mounted handlers by utoipa-actix-web (see `startup::routes`), so no list
//! here can drift from the routes. The error answers that follow from an operation's policy rule
//! or shape (401, 403, 400, 404, 406, 409, 412, 413, 415, 422, 428) and the paging parameters
//! (`limit`, `cursor`) are documented here, not in each handler's annotation or query struct;
//! those hold only what is particular to them.

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{AdditionalProperties, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Response};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::auth::policy;
use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "nok-api",
        description = "Independent quality assessment (НОК) of social service organizations: \
assessment cycles, collected data and computed scores, ratings approved by the public council, \
improvement plans with their measures, and reports on their execution.\n\n\
Authenticate with `POST /api/v1/auth/token`, then send `Authorization: Bearer <token>` \
(in Swagger UI: Authorize). Each operation lists the roles that may call it. \
Every error is `application/problem+json` (RFC 9457). Lists are paginated with `limit` and an \
opaque `cursor`; the next page's cursor is `next_cursor` in the body. Reads (of one resource and \
of list pages) return an `ETag`, and `If-None-Match` with it answers 304; writes to an existing \
resource require `If-Match` with it. Anonymous reads, which show published data only, may be \
cached (`Cache-Control: public`).",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "The instance that serves this document")),
    tags(
        (name = "regions", description = "Subjects of the Russian Federation (субъекты РФ)"),
        (name = "organizations", description = "Organizations of social services (организации социального обслуживания)"),
        (name = "methodologies", description = "Versioned methodologies: criteria, indicators, weights, item lists, settings"),
        (name = "cycles", description = "Assessment cycles and their status machine: draft → collecting → results_submitted → approved → published"),
        (name = "evaluations", description = "One evaluation per organization of a cycle: inputs, survey responses, computed scores"),
        (name = "ratings", description = "Ratings per form of service, the council's approvals (frozen snapshots), publication, exports"),
        (name = "proposals", description = "Proposals of the public council (предложения общественного совета), the basis of plan measures"),
        (name = "council", description = "Meetings of the region's public council (заседания общественного совета): agendas and decisions, which approvals and proposals cite"),
        (name = "plans", description = "Improvement plans in the official form (ПП РФ № 457): sections by criterion, measures with structured deadlines, approval, import and export"),
        (name = "reports", description = "Reports on the execution of plans, per period, with figures and evidence"),
        (name = "organizing-plans", description = "The region's plan for organizing the assessment (план мероприятий по организации и проведению НОК, seed 002): target indicators per year against actuals computed from cycles and council meetings, measures with form, deadline and executors; import and export of its table"),
        (name = "operators", description = "The operator (организация-оператор) as an organization of its region: its state contracts (number, date, subject, term, technical task) and the cycles each covers, the users who act for it"),
        (name = "changes", description = "The change feed: created, updated and deleted resources in commit order, to keep copies in sync"),
        (name = "webhooks", description = "Webhook subscriptions: signed deliveries of changes from a transactional outbox, retried with backoff"),
        (name = "summary", description = "Regional dashboards: coverage of the assessment, mean scores, distribution"),
        (name = "auth", description = "Bearer tokens: log in, see who you are"),
        (name = "users", description = "Accounts and their roles (administrators only)"),
        (name = "audit", description = "The append-only log of every change"),
        (name = "service", description = "Liveness, readiness and metrics of the service"),
    ),
    modifiers(&BearerScheme),
    components(
        schemas(Problem, FieldError),
        responses(BadRequest, ValidationFailed, Unauthorized, Forbidden, NotFound, Conflict,
                  PreconditionFailed, PreconditionRequired, PayloadTooLarge, UnsupportedMediaType,
                  TooManyRequests, Unavailable, NotAcceptable),
    ),
)]
pub struct ApiDoc;

pub const BEARER: &str = "bearer";
/// The scraper's credential for /metrics, which a route declares itself.
pub const METRICS_TOKEN: &str = "metrics_token";

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A token from POST /api/v1/auth/token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            METRICS_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "NOK_METRICS_TOKEN, the Prometheus scraper's credential (not a user's token)",
                    ))
                    .build(),
            ),
        );
    }
}

/// Writes the policy into the document: each operation's roles in its description, its
/// security requirement (optional where anonymous callers are allowed), and the 401 and 403
/// answers of operations that need a role. Panics if a route has no rule, so none can slip by.
pub fn apply_policy(openapi: &mut utoipa::openapi::OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        let operations: [(&str, &mut Option<Operation>); 5] = [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            let rule = policy::find(method, path)
                .unwrap_or_else(|| panic!("{method} {path} has no rule in auth::policy::RULES"));
            // A route with a credential of its own (/metrics) declares it: no role opens it.
            let roles = if operation.security.is_some() {
                "**Roles:** none; its own credential (see security).".to_owned()
            } else {
                format!("**Roles:** {}.", rule.describe())
            };
            operation.description = Some(match operation.description.take() {
                Some(text) if !text.is_empty() => format!("{text}\n\n{roles}"),
                _ => roles,
            });
            let bearer = SecurityRequirement::new(BEARER, Vec::<String>::new());
            operation.security.get_or_insert_with(|| match rule.access {
                policy::Access::Open => vec![SecurityRequirement::default()],
                policy::Access::Anyone | policy::Access::PublishedOr(_) => {
                    vec![SecurityRequirement::default(), bearer]
                }
                _ => vec![bearer],
            });
            let responses = &mut operation.responses.responses;
            if rule.access != policy::Access::Open {
                responses.insert(
                    "401".into(),
                    RefOr::Ref(Ref::from_response_name("Unauthorized")),
                );
            }
            if matches!(rule.access, policy::Access::Roles(_)) {
                responses.insert(
                    "403".into(),
                    RefOr::Ref(Ref::from_response_name("Forbidden")),
                );
            }
            if method == "POST" && path != "/api/v1/auth/token" {
                document_idempotency_key(operation);
            }
            document_if_match(operation);
            document_shape(operation);
            document_paging(operation);
        }
    }
}

/// Adds the stock answer `name` for `status` unless the operation documents that status itself.
fn stock(operation: &mut Operation, status: &str, name: &str) {
    operation
        .responses
        .responses
        .entry(status.into())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
}

/// The answers that follow from an operation's shape, so that no annotation repeats them: a
/// path parameter may name nothing (404); any operation may be sent a query parameter it does
/// not take, and its parameters values they do not take (400, `api::parameters`); a body may be
/// malformed, too large, of another type or break a rule (400, 413, 415, 422); a read that
/// offers several formats may be asked for none of them (406). A free-text parameter states that
/// it takes no control characters.
fn document_shape(operation: &mut Operation) {
    use utoipa::openapi::path::ParameterIn;
    for parameter in operation.parameters.iter_mut().flatten() {
        if matches!(
            parameter.parameter_in,
            ParameterIn::Query | ParameterIn::Path
        ) {
            if let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut() {
                let free_text = schema.schema_type
                    == utoipa::openapi::schema::SchemaType::new(utoipa::openapi::Type::String)
                    && schema.pattern.is_none()
                    && schema.format.is_none()
                    && schema.enum_values.is_none();
                if free_text {
                    schema.pattern = Some(crate::api::parameters::NO_CONTROL_CHARACTERS.into());
                }
            }
        }
    }
    stock(operation, "400", "BadRequest");
    let parameters: Vec<_> = operation.parameters.iter().flatten().collect();
    let in_path = parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Path);
    let formats = match operation.responses.responses.get("200") {
        Some(RefOr::T(ok)) => ok.content.len(),
        _ => 0,
    };
    if in_path {
        stock(operation, "404", "NotFound");
    }
    if operation.request_body.is_some() {
        stock(operation, "413", "PayloadTooLarge");
        stock(operation, "415", "UnsupportedMediaType");
        stock(operation, "422", "ValidationFailed");
    }
    if formats > 1 {
        stock(operation, "406", "NotAcceptable");
    }
}

/// `If-Match`, wherever an operation takes it, in the form the service accepts, and the answers
/// it can cause: malformed (400), stale (412) and, where it is required, missing (428).
fn document_if_match(operation: &mut Operation) {
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    let mut takes_it = None;
    let parameters = operation.parameters.iter_mut().flatten();
    // A header is a string or absent, never `null`.
    for parameter in parameters.filter(|p| p.name == "If-Match") {
        takes_it = Some(parameter.required == Required::True);
        parameter.schema = Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(crate::api::conditional::IF_MATCH_PATTERN))
                .into(),
        );
    }
    let Some(required) = takes_it else { return };
    stock(operation, "400", "BadRequest");
    stock(operation, "412", "PreconditionFailed");
    if required {
        stock(operation, "428", "PreconditionRequired");
    }
}

/// `limit` and `cursor`, wherever a list takes them, as `domain::paging` reads them (the query
/// structs only declare the two fields, as strings, so that a malformed value is a 400 naming it).
fn document_paging(operation: &mut Operation) {
    use crate::domain::paging::{CURSOR_PATTERN, DEFAULT_LIMIT, MAX_LIMIT};
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{KnownFormat, SchemaFormat};
    use utoipa::openapi::{ObjectBuilder, Type};
    let parameters = operation.parameters.iter_mut().flatten();
    for parameter in parameters.filter(|p| p.parameter_in == ParameterIn::Query) {
        let (description, schema) = match parameter.name.as_str() {
            "limit" => (
                format!("Page size, 1–{MAX_LIMIT}."),
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(1))
                    .maximum(Some(MAX_LIMIT))
                    .default(Some(DEFAULT_LIMIT.into())),
            ),
            "cursor" => (
                "`next_cursor` of the previous page.".to_owned(),
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(CURSOR_PATTERN)),
            ),
            _ => continue,
        };
        parameter.description = Some(description);
        parameter.schema = Some(schema.into());
    }
}

/// Every POST takes an `Idempotency-Key` (see `api::idempotency`): the header, the replay
/// marker, and the answers a key can cause.
fn document_idempotency_key(operation: &mut Operation) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    if !parameters
        .iter()
        .any(|p| p.name.eq_ignore_ascii_case("Idempotency-Key"))
    {
        parameters.push(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes a retry safe: the same key with the same request replays the first answer \
                     (with `Idempotent-Replayed: true`) instead of doing the work again; with another \
                     request it is refused (422); while the first is being answered, 409. 1–255 visible \
                     ASCII characters; keys belong to the caller and the path and expire.",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(255))
                        .pattern(Some(crate::api::idempotency::KEY_PATTERN)),
                ))
                .build(),
        );
    }
    stock(operation, "409", "Conflict");
    stock(operation, "422", "ValidationFailed");
    stock(operation, "400", "BadRequest");
}

/// Writes the caching of `api::http_cache` into the document: every read under `/api/` answers
/// with an `ETag` and 304 to `If-None-Match` with it, whether its handler or the middleware
/// computes the tag.
pub fn apply_caching(openapi: &mut utoipa::openapi::OpenApi) {
    let reads = openapi
        .paths
        .paths
        .iter_mut()
        .filter(|(path, _)| path.starts_with("/api/"))
        .filter_map(|(_, item)| item.get.as_mut());
    for operation in reads {
        let responses = &mut operation.responses.responses;
        if let Some(RefOr::T(ok)) = responses.get_mut("200") {
            ok.headers.entry("ETag".into()).or_default();
        }
        responses.entry("304".into()).or_insert_with(|| {
            RefOr::T(Response::new(
                "The cached copy named by `If-None-Match` is current",
            ))
        });
    }
}

/// `#[serde(flatten)]` of a struct that denies unknown fields comes out of utoipa as `allOf` of
/// that closed schema (`additionalProperties: false`) and the outer fields, which no body can
/// satisfy: the closed part forbids the outer fields. Such compositions become one closed object
/// with the properties and required fields of every part.
pub fn merge_flattened(openapi: &mut utoipa::openapi::OpenApi) {
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    let closed = |object: &utoipa::openapi::schema::Object| {
        matches!(
            object.additional_properties.as_deref(),
            Some(AdditionalProperties::FreeForm(false))
        )
    };
    let mut merged = Vec::new();
    for (name, schema) in &components.schemas {
        let RefOr::T(Schema::AllOf(all_of)) = schema else {
            continue;
        };
        let parts: Option<Vec<_>> = all_of
            .items
            .iter()
            .map(|item| match item {
                RefOr::T(Schema::Object(object)) => Some(object),
                RefOr::Ref(reference) => match components.schemas.get(
                    reference
                        .ref_location
                        .trim_start_matches("#/components/schemas/"),
                ) {
                    Some(RefOr::T(Schema::Object(object))) => Some(object),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let Some(parts) = parts else { continue };
        let Some(first) = parts.iter().find(|part| closed(part)) else {
            continue;
        };
        let mut object = (*first).clone();
        object.properties.clear();
        object.required.clear();
        for part in &parts {
            object.properties.extend(part.properties.clone());
            object.required.extend(part.required.iter().cloned());
        }
        object.description = all_of.description.clone();
        object.example = all_of.example.clone();
        merged.push((name.clone(), object));
    }
    for (name, object) in merged {
        components
            .schemas
            .insert(name, RefOr::T(Schema::Object(object)));
    }
}

/// utoipa writes the argument of a generic schema inline (juhaku/utoipa#1586), so `Page_Cycle`
/// would repeat all of `Cycle`. The items of each `Page_<Name>` (see `views::Page`) refer to the
/// schema `<Name>` instead, as every other array of a named schema does.
pub fn refer_page_items(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::ArrayItems;
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    let names: Vec<String> = components.schemas.keys().cloned().collect();
    for (name, schema) in components.schemas.iter_mut() {
        let Some(item) = name.strip_prefix("Page_") else {
            continue;
        };
        if !names.iter().any(|n| n == item) {
            continue;
        }
        let RefOr::T(Schema::Object(page)) = schema else {
            continue;
        };
        if let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items") {
            items.items =
                ArrayItems::RefOrSchema(Box::new(RefOr::Ref(Ref::from_schema_name(item))));
        }
    }
}

/// The `Accept` header names no format the route offers (see the route's 200 content types).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/not-acceptable", "title": "Not acceptable", "status": 406,
        "detail": "The Accept header names no format this resource offers: text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet (or use ?format=)"})
)]
pub struct NotAcceptable(#[allow(dead_code)] Problem);

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

/// No such resource, or none the caller may see: the two get the same answer.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/not-found", "title": "Not found", "status": 404,
        "detail": "The resource does not exist"})
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

/// No valid bearer token: missing, malformed, expired, not yet valid, for another audience or
/// issuer, signed with another key or algorithm, or its user is deactivated; or a failed login.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/unauthorized", "title": "Unauthorized", "status": 401,
        "detail": "This operation needs a bearer token: POST /api/v1/auth/token"})
)]
pub struct Unauthorized(#[allow(dead_code)] Problem);

/// The caller's role may not do this, or its scope (region, organization) does not reach the resource.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/forbidden", "title": "Forbidden", "status": 403,
        "detail": "This belongs to another region"})
)]
pub struct Forbidden(#[allow(dead_code)] Problem);

/// Too many attempts; retry after the number of seconds in `Retry-After`.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/too-many-requests", "title": "Too many requests", "status": 429,
        "detail": "Too many attempts; retry in 42 s"})
)]
pub struct TooManyRequests(#[allow(dead_code)] Problem);
