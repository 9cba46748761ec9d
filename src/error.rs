//! The one place where failures become HTTP: every error leaves the service as
//! `application/problem+json` (RFC 9457), and only this module picks status codes for errors.

pub mod catalogue;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::domain::FieldError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The detail of every 404.
pub const NOT_FOUND: &str = "The resource does not exist";

/// The language of problem answers: Russian when `Accept-Language` prefers it, English
/// otherwise. Field codes and `type` URIs are the same in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ru,
}

impl Lang {
    /// The language tag of `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ru => "ru",
        }
    }

    /// The language an `Accept-Language` header (RFC 9110 §12.5.4) prefers among those offered:
    /// the highest `q` (1 if none), the first listed of equal ones; `*` and unknown ones mean
    /// English; `q=0` excludes.
    pub fn negotiate(accept_language: Option<&str>) -> Self {
        let mut best: Option<(u16, Self)> = None;
        for range in accept_language.unwrap_or("").split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
                .next()
                .map_or(Some(1000), quality);
            let Some(q) = q.filter(|q| *q > 0) else {
                continue;
            };
            let primary = tag.split('-').next().unwrap_or("");
            let lang = match primary {
                "ru" => Self::Ru,
                "en" | "*" => Self::En,
                _ => continue,
            };
            if best.is_none_or(|(top, _)| q > top) {
                best = Some((q, lang));
            }
        }
        best.map_or(Self::En, |(_, lang)| lang)
    }
}

/// A `q` value in thousandths; `None` when malformed.
fn quality(value: &str) -> Option<u16> {
    let value = value.trim();
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

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
    #[schema(value_type = String, required = false)]
    pub instance: Option<String>,
    /// The request's id, also in the `X-Request-Id` header and in the logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = false)]
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

    /// The slug of the problem's `type` URI, which keys its messages in the catalogue.
    fn slug(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "bad-request",
            Self::Validation(_) => "validation",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden { .. } => "forbidden",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed { .. } => "method-not-allowed",
            Self::NotAcceptable { .. } => "not-acceptable",
            Self::Conflict(_) => "conflict",
            Self::PreconditionFailed => "precondition-failed",
            Self::PreconditionRequired => "precondition-required",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::UnsupportedMediaType { .. } => "unsupported-media-type",
            Self::TooManyRequests { .. } => "too-many-requests",
            Self::Unavailable(_) => "unavailable",
            Self::OAuth { .. } => "oauth",
            Self::Internal(_) => "internal",
        }
    }

    /// The detail in Russian: the catalogue's for the kind, its placeholders filled; a single
    /// field error names the field.
    fn detail_ru(&self, errors: &[FieldError]) -> String {
        let slug = self.slug();
        let text = |code: &str| catalogue::find(catalogue::DETAILS, code).map_or("", |m| m.ru);
        match self {
            Self::Validation(_) | Self::BadRequest { .. } if errors.len() == 1 => text("field")
                .replace("{field}", &errors[0].field)
                .replace("{message}", &errors[0].message),
            Self::Validation(_) => {
                let n = errors.len();
                let noun = match (n % 10, n % 100) {
                    (1, 11) | (2..=4, 12..=14) | (0 | 5..=9, _) => "полей",
                    (1, _) => "поле",
                    _ => "поля",
                };
                let verb = if n % 10 == 1 && n % 100 != 11 {
                    "заполнено"
                } else {
                    "заполнены"
                };
                format!("{n} {noun} {verb} неверно")
            }
            Self::MethodNotAllowed { allow } => text(slug).replace("{allow}", &allow.join(", ")),
            Self::NotAcceptable { offered } => text(slug).replace("{offered}", &offered.join(", ")),
            Self::PayloadTooLarge { limit } => text(slug).replace("{limit}", &limit.to_string()),
            Self::UnsupportedMediaType { expected } => text(slug).replace("{expected}", expected),
            Self::TooManyRequests { retry_after_secs } => {
                text(slug).replace("{seconds}", &retry_after_secs.to_string())
            }
            _ => text(slug).to_owned(),
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
        self.to_problem_in(instance, Lang::En)
    }

    /// The problem in `lang`: title, detail and field messages; codes and `type` stay.
    pub fn to_problem_in(&self, instance: Option<String>, lang: Lang) -> Problem {
        let slug = self.slug();
        let mut errors = match self {
            Self::Validation(errors)
            | Self::BadRequest { errors, .. }
            | Self::Forbidden { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        let title = catalogue::find(catalogue::TITLES, slug);
        let (title, detail) = match lang {
            Lang::En => (title.map_or("", |m| m.en), self.detail()),
            Lang::Ru => {
                for error in &mut errors {
                    error.message = catalogue::find(catalogue::FIELDS, &error.code)
                        .unwrap_or(&catalogue::FIELD_FALLBACK)
                        .ru
                        .to_owned();
                }
                (title.map_or("", |m| m.ru), self.detail_ru(&errors))
            }
        };
        Problem {
            type_: format!("/problems/{slug}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preferred_language_is_read_with_its_quality() {
        for (header, lang) in [
            (Some("ru-RU,ru;q=0.9,en;q=0.8"), Lang::Ru),
            (Some("ru"), Lang::Ru),
            (Some("en"), Lang::En),
            (None, Lang::En),
            (Some(""), Lang::En),
            (Some("en;q=0.5, ru;q=0.7"), Lang::Ru),
            (Some("ru;q=0.5, en"), Lang::En),
            (Some("ru;q=0, en;q=0.1"), Lang::En),
            (Some("de, ru;q=0.3"), Lang::Ru),
            (Some("*"), Lang::En),
            (Some("ru;q=2"), Lang::En),
            (Some("RU-ru"), Lang::Ru),
        ] {
            assert_eq!(Lang::negotiate(header), lang, "{header:?}");
        }
    }

    #[test]
    fn every_kind_has_a_title_and_a_detail_in_both_languages() {
        let field = || {
            vec![FieldError::new(
                "inn",
                "check_digit",
                "INN check digit is wrong",
            )]
        };
        let all = [
            ApiError::BadRequest {
                detail: "x".into(),
                errors: field(),
            },
            ApiError::Validation(field()),
            ApiError::Validation(vec![field()[0].clone(), FieldError::new("kpp", "odd", "x")]),
            ApiError::Unauthorized("x".into()),
            ApiError::forbidden("x"),
            ApiError::NotFound,
            ApiError::MethodNotAllowed {
                allow: vec!["GET".into()],
            },
            ApiError::NotAcceptable {
                offered: vec!["text/csv"],
            },
            ApiError::Conflict("x".into()),
            ApiError::PreconditionFailed,
            ApiError::PreconditionRequired,
            ApiError::PayloadTooLarge { limit: 10 },
            ApiError::UnsupportedMediaType {
                expected: "application/json",
            },
            ApiError::TooManyRequests {
                retry_after_secs: 3,
            },
            ApiError::Unavailable("x".into()),
            ApiError::Internal("x".into()),
        ];
        for error in all {
            let en = error.to_problem_in(None, Lang::En);
            let ru = error.to_problem_in(None, Lang::Ru);
            assert_eq!(en.type_, ru.type_);
            assert!(!en.title.is_empty() && !ru.title.is_empty(), "{}", en.type_);
            assert_ne!(en.title, ru.title);
            assert!(
                !ru.detail.is_empty() && !ru.detail.contains('{'),
                "{}",
                ru.detail
            );
            assert!(
                ru.detail.chars().any(|c| ('а'..='я').contains(&c)),
                "{}",
                ru.detail
            );
            let codes = |p: &Problem| p.errors.iter().map(|e| e.code.clone()).collect::<Vec<_>>();
            assert_eq!(codes(&en), codes(&ru));
        }
        let ru = ApiError::Validation(field()).to_problem_in(None, Lang::Ru);
        assert_eq!(ru.detail, "Поле `inn`: неверное контрольное число");
        assert_eq!(ru.errors[0].message, "неверное контрольное число");
        let odd = ApiError::validation("kpp", "odd", "x").to_problem_in(None, Lang::Ru);
        assert_eq!(odd.errors[0].message, catalogue::FIELD_FALLBACK.ru);
        let many = |n: usize| {
            let errors = (0..n)
                .map(|i| FieldError::new(format!("f{i}"), "format", "x"))
                .collect();
            ApiError::Validation(errors)
                .to_problem_in(None, Lang::Ru)
                .detail
        };
        assert_eq!(many(2), "2 поля заполнены неверно");
        assert_eq!(many(5), "5 полей заполнены неверно");
        assert_eq!(many(21), "21 поле заполнено неверно");
        assert_eq!(many(12), "12 полей заполнены неверно");
    }
}
