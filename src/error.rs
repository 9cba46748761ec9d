//! The one place where failures become HTTP: every error leaves the service as
//! `application/problem+json` (RFC 9457), and only this module picks status codes for errors.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::domain::FieldError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The detail of every 404.
pub const NOT_FOUND: &str = "The resource does not exist";

/// RFC 9457 problem details, as every error body of this API.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "Validation failed",
    "status": 422,
    "detail": "1 field is invalid",
    "instance": "/api/v1/organizations",
    "request_id": "4b0e8c1e-2f4e-4d59-9a57-3c1f0b9d2a10",
    "errors": [{"field": "inn", "code": "check_digit", "message": "INN check digit is wrong"}]
}))]
pub struct Problem {
    /// URI reference identifying the problem type (stable; one per kind of error).
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request path that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request's id, also in the `X-Request-Id` header and in the logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Present on validation problems: every rejected field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request could not be read: malformed JSON, a bad query string, an invalid cursor.
    #[error("bad request: {detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// Well-formed input that breaks a rule; names every field.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// No valid credentials: missing, malformed, expired or revoked token, or a failed login.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Authenticated, but the role or scope does not allow this.
    #[error("forbidden: {detail}")]
    Forbidden {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// No such resource for this caller: missing, hidden from it, or no route at all. One answer
    /// for all, naming nothing, so that a 404 never tells what exists out of sight.
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    /// The `Accept` header names no representation the route offers.
    #[error("not acceptable")]
    NotAcceptable { offered: Vec<&'static str> },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("precondition required")]
    PreconditionRequired,
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType { expected: &'static str },
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A refused token request of the OAuth2 password grant, answered in the shape of RFC 6749
    /// §5.2 (`error`, `error_description`) that OAuth2 clients such as Swagger UI read; 429 with
    /// `Retry-After` when the login was throttled.
    #[error("oauth2 token request refused: {error}")]
    OAuth {
        error: &'static str,
        description: String,
        retry_after_secs: Option<u64>,
    },
    /// Anything unexpected. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn validation(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::BadRequest {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn bad_field(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, code, message);
        Self::BadRequest {
            detail: error.message.clone(),
            errors: vec![error],
        }
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// The error a token request of the OAuth2 password grant gets instead (RFC 6749 §5.2):
    /// wrong credentials are `invalid_grant`, a malformed request `invalid_request`. Failures of
    /// the service itself stay problems.
    pub fn for_oauth(self) -> Self {
        let (error, retry_after_secs) = match &self {
            Self::Unauthorized(_) => ("invalid_grant", None),
            Self::TooManyRequests { retry_after_secs } => {
                ("invalid_request", Some(*retry_after_secs))
            }
            Self::BadRequest { .. } | Self::Validation(_) => ("invalid_request", None),
            _ => return self,
        };
        Self::OAuth {
            error,
            description: self.detail(),
            retry_after_secs,
        }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest { .. } => ("bad-request", "Bad request"),
            Self::Validation(_) => ("validation", "Validation failed"),
            Self::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            Self::Forbidden { .. } => ("forbidden", "Forbidden"),
            Self::NotFound => ("not-found", "Not found"),
            Self::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            Self::NotAcceptable { .. } => ("not-acceptable", "Not acceptable"),
            Self::Conflict(_) => ("conflict", "Conflict"),
            Self::PreconditionFailed => ("precondition-failed", "Precondition failed"),
            Self::PreconditionRequired => ("precondition-required", "Precondition required"),
            Self::PayloadTooLarge { .. } => ("payload-too-large", "Payload too large"),
            Self::UnsupportedMediaType { .. } => {
                ("unsupported-media-type", "Unsupported media type")
            }
            Self::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            Self::Unavailable(_) => ("unavailable", "Service unavailable"),
            Self::OAuth { .. } => ("oauth", "Token request refused"),
            Self::Internal(_) => ("internal", "Internal server error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::BadRequest { detail, .. } => detail.clone(),
            Self::Validation(errors) => match errors.len() {
                1 => format!("Field `{}`: {}", errors[0].field, errors[0].message),
                n => format!("{n} fields are invalid"),
            },
            Self::Conflict(detail)
            | Self::Unavailable(detail)
            | Self::Unauthorized(detail)
            | Self::Forbidden { detail, .. } => detail.clone(),
            Self::OAuth { description, .. } => description.clone(),
            Self::NotFound => NOT_FOUND.into(),
            Self::TooManyRequests { retry_after_secs } => {
                format!("Too many attempts; retry in {retry_after_secs} s")
            }
            Self::MethodNotAllowed { allow } => {
                format!("This resource supports: {}", allow.join(", "))
            }
            Self::NotAcceptable { offered } => format!(
                "The Accept header names no format this resource offers: {} (or use ?format=)",
                offered.join(", ")
            ),
            Self::PreconditionFailed => {
                "If-Match does not match the current ETag: the resource changed since it was read; read it again and retry".into()
            }
            Self::PreconditionRequired => {
                "This request changes an existing resource and needs an If-Match header with the ETag from a previous GET".into()
            }
            Self::PayloadTooLarge { limit } => format!("The request body exceeds the limit of {limit} bytes"),
            Self::UnsupportedMediaType { expected } => format!("The request body must be sent as {expected}"),
            Self::Internal(_) => "An unexpected error occurred; it has been logged".into(),
        }
    }

    pub fn to_problem(&self, instance: Option<String>) -> Problem {
        let (slug, title) = self.slug_and_title();
        let errors = match self {
            Self::Validation(errors)
            | Self::BadRequest { errors, .. }
            | Self::Forbidden { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        Problem {
            type_: format!("/problems/{slug}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            instance,
            request_id: None,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable { .. } => StatusCode::NOT_ACCEPTABLE,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::OAuth {
                retry_after_secs: Some(_),
                ..
            } => StatusCode::TOO_MANY_REQUESTS,
            Self::OAuth { .. } => StatusCode::BAD_REQUEST,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        if let Self::OAuth {
            error,
            description,
            retry_after_secs,
        } = self
        {
            if let Some(secs) = retry_after_secs {
                response.insert_header((header::RETRY_AFTER, secs.to_string()));
            }
            return response
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::PRAGMA, "no-cache"))
                .json(serde_json::json!({"error": error, "error_description": description}));
        }
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            Self::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.join(", ")));
            }
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.to_problem(None)).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                tracing::info!(message = info.message(), "unique violation");
                Self::Conflict("The request conflicts with an existing resource".into())
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                tracing::info!(message = info.message(), "foreign key violation");
                Self::Conflict(
                    "The request refers to a resource that does not exist or is still referenced"
                        .into(),
                )
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                tracing::warn!(message = info.message(), "database connection lost");
                Self::Unavailable("The database connection was lost".into())
            }
            // SQLite's write lock still held by another writer after the busy timeout: the
            // request can be retried as it is.
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().contains("database is locked") =>
            {
                tracing::warn!(message = info.message(), "database busy");
                Self::Unavailable("The database is busy; retry shortly".into())
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(error: r2d2::Error) -> Self {
        // The cause (host names, driver messages) goes to the log, not to the caller.
        tracing::warn!(%error, "no database connection");
        Self::Unavailable("The database is not reachable".into())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
