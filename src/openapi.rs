//! The OpenAPI document: info, tags and the reusable error responses. Paths and their schemas are
//! collected from the mounted handlers by utoipa-actix-web (see `startup::routes`), so no list
//! here can drift from the routes. The error answers that follow from an operation's policy rule
//! or shape (401, 403, 400, 404, 406, 409, 412, 413, 415, 422, 428) and the paging parameters
//! (`limit`, `cursor`) are documented here, not in each handler's annotation or query struct;
//! those hold only what is particular to them.

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{AdditionalProperties, Schema};
use utoipa::openapi::security::{
    Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityRequirement,
    SecurityScheme,
};
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
(in Swagger UI: Authorize, with a username and password — the OAuth2 password grant). Each \
operation lists the roles that may call it. \
Every error is `application/problem+json` (RFC 9457), except the refusals of a form-encoded \
OAuth2 login, which are RFC 6749 errors. Lists are paginated with `limit` and an \
opaque `cursor`; the next page's cursor is `next_cursor` in the body, and its URL the `Link` \
header (`rel=\"next\"`, RFC 8288); `total=true` also counts the matches (`total`, `X-Total-Count`). Reads (of one resource and \
of list pages) return an `ETag`, and `If-None-Match` with it answers 304; writes to an existing \
resource require `If-Match` with it. Anonymous reads, which show published data only, may be \
cached (`Cache-Control: public`).",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "The instance that serves this document")),
    tags(
        (name = "auth", description = "Bearer tokens: log in (JSON, or the OAuth2 password grant that Swagger UI's Authorize uses), see who you are"),
        (name = "regions", description = "Subjects of the Russian Federation (субъекты РФ)"),
        (name = "organizations", description = "Organizations of social services (организации социального обслуживания)"),
        (name = "methodologies", description = "Versioned methodologies: criteria, indicators, weights, item lists, settings"),
        (name = "cycles", description = "Assessment cycles and their status machine: draft → collecting → results_submitted → approved → published"),
        (name = "evaluations", description = "One evaluation per organization of a cycle: inputs, survey responses, computed scores"),
        (name = "ratings", description = "Ratings per form of service, the council's approvals (frozen snapshots), publication, exports"),
        (name = "proposals", description = "Proposals of the public council (предложения общественного совета), the basis of plan measures"),
        (name = "council", description = "Meetings of the region's public council (заседания общественного совета): agendas and decisions, which approvals and proposals cite"),
        (name = "follow-up", description = "The follow-up of an assessment: the deadlines its decision sets, who has handed in plans and reports, who is late"),
        (name = "plans", description = "Improvement plans in the official form (ПП РФ № 457): sections by criterion, measures with structured deadlines, approval, import and export"),
        (name = "reports", description = "Reports on the execution of plans, per period, with figures and evidence"),
        (name = "organizing-plans", description = "The region's plan for organizing the assessment (план мероприятий по организации и проведению НОК, seed 002): target indicators per year against actuals computed from cycles and council meetings, measures with form, deadline and executors; import and export of its table"),
        (name = "operators", description = "The operator (организация-оператор) as an organization of its region: its state contracts (number, date, subject, term, technical task) and the cycles each covers, the users who act for it"),
        (name = "changes", description = "The change feed: created, updated and deleted resources in commit order, to keep copies in sync"),
        (name = "webhooks", description = "Webhook subscriptions: signed deliveries of changes from a transactional outbox, retried with backoff"),
        (name = "open-data", description = "Bulk downloads: everything published for a year as CSV files in one ZIP, with a data dictionary and metadata"),
        (name = "summary", description = "Regional and national dashboards: coverage of the assessment, mean scores, distribution"),
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
/// The same bearer token, obtained by the OAuth2 password grant (Swagger UI's Authorize form).
pub const OAUTH2_PASSWORD: &str = "oauth2_password";
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
            OAUTH2_PASSWORD,
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::Password(Password::new(
                    "/api/v1/auth/token",
                    Scopes::new(),
                ))],
                "Log in with a username and password (RFC 6749 §4.3); the token is the bearer token",
            )),
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
            let oauth2 = SecurityRequirement::new(OAUTH2_PASSWORD, Vec::<String>::new());
            operation.security.get_or_insert_with(|| match rule.access {
                policy::Access::Open => vec![SecurityRequirement::default()],
                policy::Access::Anyone | policy::Access::PublishedOr(_) => {
                    vec![SecurityRequirement::default(), bearer, oauth2]
                }
                _ => vec![bearer, oauth2],
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
            document_closed_lists(path, operation);
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
    let parameters = operation.parameters.iter().flatten();
    let names: Vec<&str> = parameters.map(|p| p.name.as_str()).collect();
    if !names.contains(&"cursor") {
        return;
    }
    if let Some(RefOr::T(ok)) = operation.responses.responses.get_mut("200") {
        ok.headers.insert(
            "Link".into(),
            utoipa::openapi::HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::String))
                .description(Some(
                    "RFC 8288 link to the next page (`rel=\"next\"`), absent on the last page",
                ))
                .build(),
        );
        if names.contains(&"total") {
            ok.headers.insert(
                "X-Total-Count".into(),
                utoipa::openapi::HeaderBuilder::new()
                    .schema(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(0)),
                    )
                    .description(Some("Matches across all pages; sent with `total=true`"))
                    .build(),
            );
        }
    }
}

/// Closed lists of query parameters whose values live in code (`domain::audit`, the sorts), as
/// enums, so that generators and Swagger UI offer exactly them.
fn document_closed_lists(path: &str, operation: &mut Operation) {
    use crate::db::organizations::OrganizationSort;
    use crate::domain::audit;
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ObjectBuilder, Type};
    let parameters = operation.parameters.iter_mut().flatten();
    for parameter in parameters.filter(|p| p.parameter_in == ParameterIn::Query) {
        let values: Vec<&str> = match (path, parameter.name.as_str()) {
            ("/api/v1/audit-events", "action") => audit::ACTIONS.to_vec(),
            ("/api/v1/audit-events", "resource_type") => audit::resource_types(),
            ("/api/v1/audit-events", "sort") => vec!["at", "-at"],
            ("/api/v1/organizations", "sort") => OrganizationSort::VALUES.to_vec(),
            _ => continue,
        };
        parameter.schema = Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(values))
                .into(),
        );
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

/// `include_str!` of each operation's response example, by operation id.
macro_rules! response_examples {
    ($($operation:literal),* $(,)?) => {
        &[$(($operation, include_str!(concat!("../openapi/examples/", $operation, ".json")))),*]
    };
}

/// Response examples that are real answers on the demo data (`serve --demo`), one file per
/// operation in `openapi/examples`. The API test `examples` writes them from a demo database
/// (`UPDATE_EXAMPLES=1`) and fails when one differs from today's answer, so none can drift.
pub const RESPONSE_EXAMPLES: &[(&str, &str)] = response_examples![
    "list_regions",
    "get_region",
    "get_region_by_code",
    "list_organizations",
    "get_organization",
    "list_cycles",
    "get_cycle",
    "list_evaluations",
    "get_evaluation",
    "get_rating",
    "list_approvals",
    "get_region_summary",
    "get_national_summary",
];

/// Sets each [`RESPONSE_EXAMPLES`] file as the example of its operation's 200 JSON answer.
pub fn apply_examples(openapi: &mut utoipa::openapi::OpenApi) {
    let operations = openapi
        .paths
        .paths
        .values_mut()
        .filter_map(|item| item.get.as_mut());
    for operation in operations {
        let Some((_, text)) = RESPONSE_EXAMPLES
            .iter()
            .find(|(id, _)| operation.operation_id.as_deref() == Some(*id))
        else {
            continue;
        };
        // The files are written by serde_json and checked by the tests; never unreadable.
        let Ok(example) = serde_json::from_str::<serde_json::Value>(text) else {
            continue;
        };
        if let Some(RefOr::T(ok)) = operation.responses.responses.get_mut("200") {
            if let Some(content) = ok.content.get_mut("application/json") {
                content.example = Some(example);
            }
        }
    }
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

/// What code generators (openapi-python-client, openapi-typescript) need to read the document
/// without loss, as rules on the whole document so that every new route and type follows them
/// (quality/clients.sh holds the result): files as binary strings, closed sets as enums, no
/// object defaults, titled variants, the feed's resource typed by its `resource_type`, and every
/// property a response always sends required; the audit log's changes typed by `resource_type`.
pub fn fit_for_generators(openapi: &mut utoipa::openapi::OpenApi) {
    binary_files(openapi);
    literal_alternatives_as_enums(openapi);
    if let Some(components) = openapi.components.as_mut() {
        for schema in components.schemas.values_mut() {
            visit_schemas(schema, &mut drop_object_default);
            visit_schemas(schema, &mut open_free_form_object);
        }
        title_variants(&mut components.schemas);
        type_feed_resources(&mut components.schemas);
    }
    require_what_responses_always_send(openapi);
    if let Some(components) = openapi.components.as_mut() {
        type_audit_changes(&mut components.schemas);
    }
}

/// Every operation of the document.
fn operations_mut(
    openapi: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = &mut Operation> + '_ {
    openapi.paths.paths.values_mut().flat_map(|item| {
        [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ]
        .into_iter()
        .flatten()
    })
}

/// Calls `f` on `schema` and on every schema inside it (properties, items, compositions).
fn visit_schemas(schema: &mut RefOr<Schema>, f: &mut impl FnMut(&mut Schema)) {
    let RefOr::T(schema) = schema else { return };
    f(schema);
    match schema {
        Schema::Object(object) => {
            for property in object.properties.values_mut() {
                visit_schemas(property, f);
            }
            if let Some(AdditionalProperties::RefOr(extra)) =
                object.additional_properties.as_deref_mut()
            {
                visit_schemas(extra, f);
            }
        }
        Schema::Array(array) => {
            if let utoipa::openapi::schema::ArrayItems::RefOrSchema(items) = &mut array.items {
                visit_schemas(items, f);
            }
        }
        Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(|i| visit_schemas(i, f)),
        Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(|i| visit_schemas(i, f)),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(|i| visit_schemas(i, f)),
        _ => {}
    }
}

/// A body that is a file (XLSX, CSV, NDJSON, ZIP …) is a binary string of its media type, not
/// an array of numbers (utoipa's `Vec<u8>`) or a text that a client would decode and corrupt.
/// JSON bodies, form fields (the OAuth2 password grant) and plain text (metrics) stay as they are.
fn binary_files(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat};
    use utoipa::openapi::Type;
    let binary = |media_type: &str| -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .content_media_type(media_type)
            .into()
    };
    let is_file = |media_type: &str| {
        !media_type.contains("json")
            && !media_type.starts_with("text/plain")
            && media_type != "application/x-www-form-urlencoded"
    };
    for operation in operations_mut(openapi) {
        if let Some(body) = operation.request_body.as_mut() {
            for (media_type, content) in body.content.iter_mut() {
                if is_file(media_type) {
                    content.schema = Some(binary(media_type));
                }
            }
        }
        for response in operation.responses.responses.values_mut() {
            let RefOr::T(response) = response else {
                continue;
            };
            for (media_type, content) in response.content.iter_mut() {
                if is_file(media_type) {
                    content.schema = Some(binary(media_type));
                }
            }
        }
    }
}

/// A parameter whose pattern is a list of literal alternatives (`^(xlsx|csv)$`) is a closed set:
/// an `enum`, which generators type as a union of literals (a pattern is just `string` to them).
/// `api::parameters` reads the enum as it read the pattern.
fn literal_alternatives_as_enums(openapi: &mut utoipa::openapi::OpenApi) {
    for operation in operations_mut(openapi) {
        for parameter in operation.parameters.iter_mut().flatten() {
            let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut() else {
                continue;
            };
            if let Some((words, maximum)) = schema.pattern.as_deref().and_then(words_or_number) {
                parameter.schema = Some(words_or_number_schema(words, maximum));
                continue;
            }
            let Some(values) = schema.pattern.as_deref().and_then(literal_alternatives) else {
                continue;
            };
            schema.pattern = None;
            schema.enum_values = Some(values.into_iter().map(Into::into).collect());
        }
    }
}

/// `(["latest", "published"], 999)` of `^(latest|published|[1-9][0-9]{0,2})$`: plain words and
/// one alternative of positive numbers without a leading zero (an approval number).
fn words_or_number(pattern: &str) -> Option<(Vec<String>, i64)> {
    let inner = pattern.strip_prefix("^(")?.strip_suffix(")$")?;
    let (words, number) = inner.rsplit_once('|')?;
    let more_digits: u32 = number
        .strip_prefix("[1-9][0-9]{0,")?
        .strip_suffix('}')?
        .parse()
        .ok()?;
    let words = literal_alternatives(&format!("^({words})$"))?;
    Some((words, 10i64.checked_pow(more_digits + 1)? - 1))
}

/// The closed set of words as an `enum` beside the number as an `integer`, so generators type
/// the parameter as a union of literals and a number (a pattern is just `string` to them).
/// `api::parameters` takes the number in its canonical form only, as the pattern did.
fn words_or_number_schema(words: Vec<String>, maximum: i64) -> RefOr<Schema> {
    use utoipa::openapi::schema::OneOfBuilder;
    use utoipa::openapi::{ObjectBuilder, Type};
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .title(Some("Choice"))
                .schema_type(Type::String)
                .enum_values(Some(words)),
        )
        .item(
            ObjectBuilder::new()
                .title(Some("Number"))
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(maximum)),
        )
        .into()
}

/// `["xlsx", "csv"]` of `^(xlsx|csv)$`; `None` unless every alternative is a plain word.
fn literal_alternatives(pattern: &str) -> Option<Vec<String>> {
    let inner = pattern.strip_prefix("^(")?.strip_suffix(")$")?;
    let plain = |word: &str| {
        !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let words: Vec<String> = inner.split('|').map(str::to_owned).collect();
    words.iter().all(|w| plain(w)).then_some(words)
}

/// openapi-python-client refuses a model property with a default ("ModelProperty cannot have a
/// default value") and drops every operation that uses it; an object's defaults are stated by
/// the defaults of its own properties.
fn drop_object_default(schema: &mut Schema) {
    let default = match schema {
        Schema::Object(object) => &mut object.default,
        Schema::OneOf(one_of) => &mut one_of.default,
        Schema::AllOf(all_of) => &mut all_of.default,
        Schema::AnyOf(any_of) => &mut any_of.default,
        Schema::Array(array) => &mut array.default,
        _ => return,
    };
    if default
        .as_ref()
        .is_some_and(|value| value.is_object() || value.is_array())
    {
        *default = None;
    }
}

/// An object of no declared properties (the audit log's changed fields) holds any fields:
/// said so (`additionalProperties: true`), a generator types it as a map of any values, not as
/// an object that can hold nothing (openapi-typescript's `Record<string, never>`).
fn open_free_form_object(schema: &mut Schema) {
    use utoipa::openapi::schema::SchemaType;
    use utoipa::openapi::Type;
    let Schema::Object(object) = schema else {
        return;
    };
    let is_object = match &object.schema_type {
        SchemaType::Type(Type::Object) => true,
        SchemaType::Array(types) => types.contains(&Type::Object),
        _ => false,
    };
    if is_object && object.properties.is_empty() && object.additional_properties.is_none() {
        object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(true)));
    }
}

/// Variants of a `oneOf` get a title, which generators use as the class name
/// (`DeadlinePartQuarter`, not `DeadlinePartType3`): the schema's name and the variant's tag
/// (a property with one value, such as `kind`), its only value, or its only property.
fn title_variants(schemas: &mut std::collections::BTreeMap<String, RefOr<Schema>>) {
    for (name, schema) in schemas.iter_mut() {
        let RefOr::T(Schema::OneOf(one_of)) = schema else {
            continue;
        };
        for item in &mut one_of.items {
            let RefOr::T(Schema::Object(variant)) = item else {
                continue;
            };
            if variant.title.is_some() {
                continue;
            }
            let single =
                |object: &utoipa::openapi::schema::Object| match object.enum_values.as_deref() {
                    Some([value]) => value.as_str().map(str::to_owned),
                    _ => None,
                };
            let tag = variant
                .properties
                .values()
                .find_map(|property| match property {
                    RefOr::T(Schema::Object(object)) => single(object),
                    _ => None,
                });
            let only_property = (variant.properties.len() == 1)
                .then(|| variant.properties.keys().next().cloned())
                .flatten();
            if let Some(word) = tag.or_else(|| single(variant)).or(only_property) {
                variant.title = Some(format!("{name}{}", pascal_case(&word)));
            }
        }
    }
}

fn pascal_case(word: &str) -> String {
    word.split(['_', '-', '.'])
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// The feed's `resource` is the resource as its GET shows it, so `FeedEvent` is one schema per
/// resource type (`FeedEventPlan` …), told apart by `resource_type` (a discriminator).
fn type_feed_resources(schemas: &mut std::collections::BTreeMap<String, RefOr<Schema>>) {
    let types = crate::views::changes::RESOURCE_SCHEMAS
        .iter()
        .map(|(resource_type, view)| (*resource_type, Some(view.to_string())));
    split_by_resource_type(schemas, "FeedEvent", &["resource"], types.collect());
}

/// The audit log's `before` and `after` are the fields of the resource's representation that
/// changed: `AuditEvent` is one schema per resource type (`AuditEventPlan` …, a discriminator on
/// `resource_type`) whose changes are `<View>Changes`, the view's properties, none required.
/// Run after [`require_what_responses_always_send`]: a change names only some fields.
fn type_audit_changes(schemas: &mut std::collections::BTreeMap<String, RefOr<Schema>>) {
    let mut types = Vec::new();
    for (resource_type, view) in crate::views::audit::CHANGED_FIELDS {
        let Some(view) = view else {
            types.push((*resource_type, None));
            continue;
        };
        let Some(RefOr::T(Schema::Object(object))) = schemas.get(*view) else {
            panic!("the audit log's {view} is not in the document");
        };
        let mut changes = object.clone();
        changes.required.clear();
        changes.example = None;
        changes.additional_properties = None;
        changes.description = Some(format!(
            "The fields of {view} that the change set, as its GET shows them."
        ));
        let name = format!("{view}Changes");
        schemas.insert(name.clone(), RefOr::T(Schema::Object(changes)));
        types.push((*resource_type, Some(name)));
    }
    split_by_resource_type(schemas, "AuditEvent", &["before", "after"], types);
}

/// Replaces the object schema `name` with a `oneOf` of one copy per resource type
/// (`<name><Type>`) whose `resource_type` is that type and whose `fields` are `null` or the
/// schema given for the type (or stay as they are, for a type given none), with a
/// discriminator on `resource_type`.
fn split_by_resource_type(
    schemas: &mut std::collections::BTreeMap<String, RefOr<Schema>>,
    name: &str,
    fields: &[&str],
    types: Vec<(&str, Option<String>)>,
) {
    use utoipa::openapi::schema::{Discriminator, ObjectBuilder, OneOfBuilder};
    use utoipa::openapi::Type;
    let Some(RefOr::T(Schema::Object(event))) = schemas.get(name).cloned() else {
        return;
    };
    let mut union = OneOfBuilder::new().description(event.description.clone());
    let mut mapping = Vec::new();
    for (resource_type, schema) in types {
        if let Some(schema) = &schema {
            assert!(
                schemas.contains_key(schema),
                "{name}: {schema} is not in the document"
            );
        }
        let variant_name = format!("{name}{}", pascal_case(resource_type));
        let mut variant = event.clone();
        variant.title = Some(variant_name.clone());
        variant.description = None;
        variant.example = None;
        variant.properties.insert(
            "resource_type".into(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([resource_type]))
                .into(),
        );
        for field in fields.iter().filter(|_| schema.is_some()) {
            let description = variant.properties.get(*field).and_then(|p| match p {
                RefOr::T(Schema::Object(object)) => object.description.clone(),
                _ => None,
            });
            let typed = OneOfBuilder::new()
                .item(ObjectBuilder::new().schema_type(Type::Null))
                .item(Ref::from_schema_name(schema.as_deref().unwrap_or_default()))
                .description(description);
            variant.properties.insert((*field).into(), typed.into());
            if !variant.required.iter().any(|r| r == field) {
                variant.required.push((*field).into());
            }
        }
        schemas.insert(variant_name.clone(), RefOr::T(Schema::Object(variant)));
        union = union.item(Ref::from_schema_name(&variant_name));
        mapping.push((
            resource_type.to_string(),
            format!("#/components/schemas/{variant_name}"),
        ));
    }
    let union = union
        .discriminator(Some(Discriminator::with_mapping("resource_type", mapping)))
        .build();
    schemas.insert(name.into(), RefOr::T(Schema::OneOf(union)));
}

/// The schemas `schema` names, directly or through others, into `found`.
fn referenced(
    schemas: &std::collections::BTreeMap<String, RefOr<Schema>>,
    schema: &RefOr<Schema>,
    found: &mut std::collections::BTreeSet<String>,
) {
    let mut names = Vec::new();
    refs_in(schema, &mut names);
    while let Some(name) = names.pop() {
        if found.insert(name.clone()) {
            if let Some(schema) = schemas.get(&name) {
                refs_in(schema, &mut names);
            }
        }
    }
}

/// The names of the schemas `schema` refers to directly.
fn refs_in(schema: &RefOr<Schema>, names: &mut Vec<String>) {
    use utoipa::openapi::schema::ArrayItems;
    let schema = match schema {
        RefOr::Ref(reference) => {
            if let Some(name) = reference.ref_location.strip_prefix("#/components/schemas/") {
                names.push(name.to_owned());
            }
            return;
        }
        RefOr::T(schema) => schema,
    };
    let items: Vec<&RefOr<Schema>> = match schema {
        Schema::Object(object) => {
            let mut items: Vec<_> = object.properties.values().collect();
            if let Some(AdditionalProperties::RefOr(extra)) =
                object.additional_properties.as_deref()
            {
                items.push(extra);
            }
            items
        }
        Schema::Array(array) => match &array.items {
            ArrayItems::RefOrSchema(items) => vec![items.as_ref()],
            _ => vec![],
        },
        Schema::OneOf(one_of) => one_of.items.iter().collect(),
        Schema::AllOf(all_of) => all_of.items.iter().collect(),
        Schema::AnyOf(any_of) => any_of.items.iter().collect(),
        _ => vec![],
    };
    items.into_iter().for_each(|item| refs_in(item, names));
}

/// Whether a property's schema admits `null` (`type: [T, "null"]`, or `oneOf` with a null).
pub fn nullable(schema: &RefOr<Schema>) -> bool {
    use utoipa::openapi::schema::SchemaType;
    use utoipa::openapi::Type;
    match schema {
        RefOr::T(Schema::Object(object)) => match &object.schema_type {
            SchemaType::Array(types) => types.contains(&Type::Null),
            SchemaType::Type(Type::Null) => true,
            _ => false,
        },
        RefOr::T(Schema::OneOf(one_of)) => one_of.items.iter().any(nullable),
        RefOr::T(Schema::AnyOf(any_of)) => any_of.items.iter().any(nullable),
        _ => false,
    }
}

/// The schemas that only responses use (requests' schemas keep their optional fields).
pub fn response_only_schemas(
    openapi: &utoipa::openapi::OpenApi,
) -> std::collections::BTreeSet<String> {
    let Some(components) = openapi.components.as_ref() else {
        return Default::default();
    };
    let schemas = &components.schemas;
    let mut sent = std::collections::BTreeSet::new();
    let mut received = std::collections::BTreeSet::new();
    for item in openapi.paths.paths.values() {
        let operations = [&item.get, &item.post, &item.put, &item.patch, &item.delete];
        for operation in operations.into_iter().flatten() {
            if let Some(body) = &operation.request_body {
                for content in body.content.values() {
                    if let Some(schema) = &content.schema {
                        referenced(schemas, schema, &mut received);
                    }
                }
            }
            for response in operation.responses.responses.values() {
                let RefOr::T(response) = response else {
                    continue;
                };
                for content in response.content.values() {
                    if let Some(schema) = &content.schema {
                        referenced(schemas, schema, &mut sent);
                    }
                }
            }
        }
    }
    for response in components.responses.values() {
        let RefOr::T(response) = response else {
            continue;
        };
        for content in response.content.values() {
            if let Some(schema) = &content.schema {
                referenced(schemas, schema, &mut sent);
            }
        }
    }
    sent.difference(&received).cloned().collect()
}

/// A response sends every field of its views, `null` where there is no value (serde writes an
/// `Option` as `null` unless told to skip it), so in a schema that only responses use a nullable
/// property is required: present, maybe `null` — not "maybe absent, maybe null". A field a
/// view leaves out when empty is declared not nullable (`value_type` without `Option`).
fn require_what_responses_always_send(openapi: &mut utoipa::openapi::OpenApi) {
    let names = response_only_schemas(openapi);
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    for name in names {
        let Some(schema) = components.schemas.get_mut(&name) else {
            continue;
        };
        let mut objects: Vec<&mut utoipa::openapi::schema::Object> = Vec::new();
        match schema {
            RefOr::T(Schema::Object(object)) => objects.push(object),
            RefOr::T(Schema::OneOf(one_of)) => {
                for item in &mut one_of.items {
                    if let RefOr::T(Schema::Object(object)) = item {
                        objects.push(object);
                    }
                }
            }
            _ => {}
        }
        for object in objects {
            let missing: Vec<String> = object
                .properties
                .iter()
                .filter(|(field, schema)| nullable(schema) && !object.required.contains(field))
                .map(|(field, _)| field.clone())
                .collect();
            object.required.extend(missing);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lists_of_plain_words_are_closed_sets() {
        assert_eq!(
            literal_alternatives("^(xlsx|csv)$").unwrap(),
            ["xlsx", "csv"]
        );
        assert_eq!(
            literal_alternatives("^(pre-2018-five-criteria|mintrud-344n-2018)$").unwrap(),
            ["pre-2018-five-criteria", "mintrud-344n-2018"]
        );
        for open in [
            "^(latest|published|current|[1-9][0-9]{0,8})$",
            "^(total|K[1-5])$",
            "^[0-9]{2}$",
            "^(a|)$",
        ] {
            assert_eq!(literal_alternatives(open), None, "{open}");
        }
    }

    /// utoipa keys components by name and keeps the last one registered, so two types of one
    /// schema name silently document one route with the other's body.
    #[test]
    fn every_schema_name_belongs_to_one_type() {
        fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        sources(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
            &mut files,
        );
        let mut names: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let mut schema = false;
            let mut renamed: Option<String> = None;
            for line in text.lines().map(str::trim) {
                if line.starts_with("#[derive(") && line.contains("ToSchema") {
                    schema = true;
                } else if schema && line.starts_with("#[schema(as = ") {
                    let rest = &line["#[schema(as = ".len()..];
                    let end = rest.find([',', ')']).unwrap_or(rest.len());
                    renamed = Some(rest[..end].trim().to_owned());
                } else if schema
                    && (line.starts_with("pub struct ") || line.starts_with("pub enum "))
                {
                    let name = line.split_whitespace().nth(2).unwrap();
                    let name = name.split(['<', '{', '(', ';']).next().unwrap().to_owned();
                    let name = renamed.take().unwrap_or(name);
                    names
                        .entry(name)
                        .or_default()
                        .push(file.display().to_string());
                    schema = false;
                }
            }
        }
        assert!(names.len() > 50, "the scan finds the schemas");
        let shared: Vec<_> = names.iter().filter(|(_, at)| at.len() > 1).collect();
        assert!(shared.is_empty(), "schema names used twice: {shared:?}");
    }

    #[test]
    fn variant_titles_are_pascal_case() {
        assert_eq!(pascal_case("day_month"), "DayMonth");
        assert_eq!(pascal_case("count_as"), "CountAs");
        assert_eq!(pascal_case("per-plan"), "PerPlan");
    }

    /// The limits a body's schema states are the ones its `validator` rules check: both take
    /// the same constants, and this walks the generated document to see they arrive there.
    #[test]
    fn schema_limits_are_the_validator_constants() {
        use crate::auth::password;
        use crate::domain::{
            council, cycle, figure, follow_up, operator, organizing, plan, proposal, scoring,
        };
        use crate::views::webhooks;
        let document = serde_json::to_value(crate::startup::openapi_document()).unwrap();
        let limit = |schema: &str, property: &str, key: &str| -> Option<u64> {
            let found = &document["components"]["schemas"][schema]["properties"][property];
            assert!(!found.is_null(), "{schema}.{property} is not documented");
            // A nullable field may be documented as one of a text schema and null.
            std::iter::once(found)
                .chain(found["oneOf"].as_array().into_iter().flatten())
                .chain(found["anyOf"].as_array().into_iter().flatten())
                .find_map(|s| s[key].as_u64())
        };
        for (schema, property, min, max) in [
            ("NewOperator", "name", Some(1), operator::NAME_MAX),
            (
                "NewOperatorContract",
                "number",
                Some(1),
                operator::NUMBER_MAX,
            ),
            (
                "NewOperatorContract",
                "subject",
                Some(1),
                operator::SUBJECT_MAX,
            ),
            (
                "NewOperatorContract",
                "technical_task",
                None,
                operator::TECHNICAL_TASK_MAX,
            ),
            ("NewWebhook", "url", None, webhooks::URL_MAX),
            (
                "NewWebhook",
                "secret",
                Some(webhooks::SECRET_MIN),
                webhooks::SECRET_MAX,
            ),
            ("NewProposal", "text", Some(1), proposal::MAX_TEXT),
            ("ProposalPatch", "text", Some(1), proposal::MAX_TEXT),
            ("NewCouncilMeeting", "number", None, council::MAX_NUMBER),
            ("NewCouncilMeeting", "title", Some(1), council::MAX_TITLE),
            ("CouncilMeetingPatch", "title", Some(1), council::MAX_TITLE),
            ("CouncilItem", "number", Some(1), council::MAX_NUMBER),
            ("CouncilItem", "text", Some(1), council::MAX_TEXT),
            (
                "NewUserRequest",
                "password",
                Some(password::MIN_LENGTH),
                password::MAX_LENGTH,
            ),
            (
                "PasswordRequest",
                "password",
                Some(password::MIN_LENGTH),
                password::MAX_LENGTH,
            ),
            (
                "TokenRequest",
                "username",
                None,
                crate::views::auth::USERNAME_MAX,
            ),
            ("TokenRequest", "password", None, password::MAX_LENGTH),
            ("NewMeasure", "title", Some(1), plan::TEXT_MAX),
            ("NewMeasure", "deadline", None, plan::SHORT_MAX),
            ("NewMeasure", "number", Some(1), plan::NUMBER_MAX),
            ("NewMeasure", "basis", Some(1), plan::TEXT_MAX),
            ("NewMeasure", "shortcoming", Some(1), plan::TEXT_MAX),
            ("NewMeasure", "expected_result", Some(1), plan::TEXT_MAX),
            ("NewMeasure", "result_indicators", Some(1), plan::TEXT_MAX),
            ("NewMeasure", "information_source", Some(1), plan::TEXT_MAX),
            ("CycleOperator", "name", Some(1), cycle::OPERATOR_NAME_MAX),
            (
                "CycleOperator",
                "contract_number",
                Some(1),
                cycle::CONTRACT_NUMBER_MAX,
            ),
            (
                "CouncilDecision",
                "number",
                Some(1),
                cycle::DECISION_NUMBER_MAX,
            ),
            ("NewPlan", "title", Some(1), plan::PLAN_TITLE_MAX),
            ("NewPlan", "basis", Some(1), plan::TEXT_MAX),
            ("PlanPatch", "title", Some(1), plan::PLAN_TITLE_MAX),
            ("PlanPatch", "basis", Some(1), plan::TEXT_MAX),
            ("NewSection", "heading", Some(1), plan::HEADING_MAX),
            ("ApprovalBlock", "position", Some(1), plan::POSITION_MAX),
            ("ApprovalBlock", "full_name", Some(1), plan::FULL_NAME_MAX),
            (
                "ApprovalBlock",
                "document_number",
                Some(1),
                plan::DOCUMENT_NUMBER_MAX,
            ),
            (
                "PlanApprovalDecision",
                "title",
                Some(1),
                plan::DECISION_TITLE_MAX,
            ),
            (
                "PlanApprovalDecision",
                "number",
                Some(1),
                plan::DOCUMENT_NUMBER_MAX,
            ),
            ("Signatory", "position", Some(1), plan::POSITION_MAX),
            ("Signatory", "full_name", Some(1), plan::FULL_NAME_MAX),
            ("EntryBody", "execution_info", Some(1), plan::TEXT_MAX),
            ("EntryBody", "measures_taken", Some(1), plan::TEXT_MAX),
            ("EntryBody", "result", Some(1), plan::TEXT_MAX),
            ("Figure", "name", Some(1), figure::NAME_MAX),
            ("Figure", "written", Some(1), figure::WRITTEN_MAX),
            ("Figure", "text", Some(1), figure::TEXT_MAX),
            ("Figure", "unit", Some(1), figure::UNIT_MAX),
            ("CycleDeadline", "title", Some(1), follow_up::MAX_TITLE),
            ("NewOrganizingPlan", "title", Some(1), organizing::MAX_TITLE),
            (
                "NewOrganizingPlan",
                "order_number",
                Some(1),
                organizing::MAX_ORDER_NUMBER,
            ),
            ("NewTarget", "name", Some(1), organizing::MAX_TEXT),
            (
                "NewOrganizingMeasure",
                "title",
                Some(1),
                organizing::MAX_TEXT,
            ),
            (
                "NewOrganizingMeasure",
                "form",
                Some(1),
                organizing::MAX_TEXT,
            ),
            (
                "NewOrganizingMeasure",
                "deadline",
                Some(1),
                organizing::MAX_TEXT,
            ),
            (
                "NewOrganizingMeasure",
                "executors",
                Some(1),
                organizing::MAX_TEXT,
            ),
            (
                "OrganizingMeasurePatch",
                "deadline",
                Some(1),
                organizing::MAX_TEXT,
            ),
            (
                "OrganizingMeasurePatch",
                "form",
                Some(1),
                organizing::MAX_TEXT,
            ),
        ] {
            assert_eq!(
                limit(schema, property, "maxLength"),
                Some(max),
                "{schema}.{property}"
            );
            assert_eq!(
                limit(schema, property, "minLength"),
                min,
                "{schema}.{property}"
            );
        }
        let property = |schema: &str, property: &str| {
            document["components"]["schemas"][schema]["properties"][property].clone()
        };
        for (schema, name, min, max) in [
            ("NewCycle", "year", cycle::FIRST_YEAR, cycle::LAST_YEAR),
            ("NewPlan", "year", cycle::FIRST_YEAR, cycle::LAST_YEAR),
            ("ReportPeriod", "year", cycle::FIRST_YEAR, cycle::LAST_YEAR),
            (
                "NewOrganizingPlan",
                "year_from",
                organizing::FIRST_YEAR,
                organizing::LAST_YEAR,
            ),
            (
                "NewOrganizingPlan",
                "year_to",
                organizing::FIRST_YEAR,
                organizing::LAST_YEAR,
            ),
            (
                "YearValue",
                "year",
                organizing::FIRST_YEAR,
                organizing::LAST_YEAR,
            ),
        ] {
            let year = property(schema, name);
            assert_eq!(year["minimum"], min, "{schema}.{name}");
            assert_eq!(year["maximum"], max, "{schema}.{name}");
        }
        for (schema, name, min, max) in [
            (
                "ChecklistCounts",
                "required",
                1,
                scoring::MAX_CHECKLIST_ITEMS,
            ),
            ("SurveyAggregates", "respondents", 0, scoring::MAX_COUNT),
            ("WaitingTime", "served", 0, scoring::MAX_COUNT),
        ] {
            let count = property(schema, name);
            assert_eq!(count["minimum"], min, "{schema}.{name}");
            assert_eq!(count["maximum"], max, "{schema}.{name}");
        }
        let figures = property("EntryBody", "figures");
        assert_eq!(figures["maxItems"], plan::FIGURES_MAX, "EntryBody.figures");
        assert_eq!(figures["items"]["$ref"], "#/components/schemas/Figure");
        let evidence = property("EntryBody", "evidence");
        assert_eq!(evidence["maxItems"], plan::LINKS_MAX, "EntryBody.evidence");
        assert_eq!(
            evidence["items"]["maxLength"],
            plan::LINK_MAX,
            "EntryBody.evidence"
        );
        // An executor is one of two variants; each holds its texts to the rules' limits.
        let variants = document["components"]["schemas"]["Executor"]["oneOf"].clone();
        let variant = |title: &str| {
            variants
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["title"] == title)
                .unwrap()["properties"]
                .clone()
        };
        let person = variant("ExecutorPerson");
        assert_eq!(person["full_name"]["maxLength"], plan::FULL_NAME_MAX);
        assert_eq!(person["position"]["maxLength"], plan::POSITION_MAX);
        let institution = variant("ExecutorInstitution");
        assert_eq!(institution["name"]["maxLength"], plan::EXECUTOR_NAME_MAX);
        let deadlines = property("DeadlinesBody", "deadlines");
        assert_eq!(deadlines["maxItems"], follow_up::MAX_DEADLINES);
        // utoipa takes only a literal for an array's limit: here it is held to the rule's.
        for property in ["agenda", "decisions"] {
            let items = limit("NewCouncilMeeting", property, "maxItems");
            assert_eq!(items, Some(council::MAX_ITEMS), "{property}");
        }
    }

    #[test]
    fn the_feed_names_a_view_for_every_resource_type_it_carries() {
        let typed: Vec<&str> = crate::views::changes::RESOURCE_SCHEMAS
            .iter()
            .map(|(resource_type, _)| *resource_type)
            .collect();
        assert_eq!(typed, crate::app::changes::TYPES);
    }
}
