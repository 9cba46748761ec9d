//! Request extraction that fails with problem+json naming the field: JSON bodies, query strings
//! and path ids.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::{PayloadError, QueryPayloadError};
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// A JSON body: `application/json` (or any `+json` type) only, within the configured size,
/// unknown fields refused by the target type, and every error naming the field it concerns.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (is_json, body) = read_body(req, payload);
        Box::pin(async move {
            // Refused before a byte is read.
            if !is_json {
                return Err(not_json());
            }
            parse_json(&body.await?).map(ApiJson)
        })
    }
}

/// A JSON body that may be left out: no body (or `null`) is `None`; anything else must be a
/// valid body, as for [`ApiJson`] (a body in error is refused, never taken for no body).
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (is_json, body) = read_body(req, payload);
        Box::pin(async move {
            // Whether there is a body is known once it is read (a chunked one may be empty).
            let bytes = body.await?;
            match (bytes.is_empty(), is_json) {
                (true, _) => Ok(OptionalJson(None)),
                (false, false) => Err(not_json()),
                (false, true) => parse_json::<Option<T>>(&bytes).map(OptionalJson),
            }
        })
    }
}

fn not_json() -> ApiError {
    ApiError::UnsupportedMediaType {
        expected: "application/json",
    }
}

/// Whether the body is declared JSON (`application/json` or any `+json` type), and the body
/// itself, read within the configured limit.
fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> (bool, impl Future<Output = Result<web::Bytes, ApiError>>) {
    let is_json = matches!(
        req.mime_type(),
        Ok(Some(mime)) if mime.type_() == "application"
            && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
    );
    let body = web::Bytes::from_request(req, payload);
    let limit = req
        .app_data::<BodyLimit>()
        .map_or(crate::config::DEFAULT_BODY_LIMIT, |l| l.0);
    let read = async move {
        body.await.map_err(|e| match e.as_error::<PayloadError>() {
            Some(PayloadError::Overflow) => ApiError::PayloadTooLarge { limit },
            _ => ApiError::bad_request(format!("The request body could not be read: {e}")),
        })
    };
    (is_json, read)
}

/// The configured body limit, for the 413 message; the limit itself is enforced by
/// `web::PayloadConfig`.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every JSON body of this API is an object; serde would also read a struct from an array.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::Validation(vec![FieldError::new(
            "body",
            "type",
            "must be a JSON object",
        )]));
    }
    match parse_strict(bytes) {
        // JSON Schema counts 1.0 as an integer, and some clients write integers so.
        Err(ApiError::Validation(errors))
            if errors.iter().any(|e| e.message.contains("floating point")) =>
        {
            match integral(bytes).map(serde_json::from_value::<T>) {
                Some(Ok(value)) => Ok(value),
                _ => Err(ApiError::Validation(errors)),
            }
        }
        other => other,
    }
}

/// The body with every number that has no fraction (`1.0`) written as an integer.
fn integral(bytes: &[u8]) -> Option<serde_json::Value> {
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => {
                if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15) {
                    *n = serde_json::Number::from(f as i64);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            serde_json::Value::Object(fields) => fields.values_mut().for_each(walk),
            _ => {}
        }
    }
    let mut value = serde_json::from_slice(bytes).ok()?;
    walk(&mut value);
    Some(value)
}

fn parse_strict<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = without_position(&inner.to_string());
        // serde can report a data error (a missing field) for a body that is cut short, so
        // the syntax is checked on its own before blaming a field.
        let well_formed = serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok();
        if !inner.is_data() || !well_formed {
            return ApiError::bad_request(format!("The body is not valid JSON: {message}"));
        }
        let (field, code) = field_of(&path, &message);
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    })?;
    deserializer.end().map_err(|e| {
        ApiError::bad_request(format!(
            "The body is not valid JSON: {}",
            without_position(&e.to_string())
        ))
    })?;
    Ok(value)
}

fn without_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Maps a serde message at `path` to the field it is about and an error code. For a missing
/// field serde points at the enclosing object and names the field in backquotes.
fn field_of(path: &str, message: &str) -> (String, &'static str) {
    let parent = if path == "." { "" } else { path };
    let named = message.split('`').nth(1);
    let join = |name: &str| {
        if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        }
    };
    match named {
        // serde_path_to_error already ends the path with an unknown field's name.
        Some(_) if message.starts_with("unknown field") => (parent.to_owned(), "unknown_field"),
        Some(name) if message.starts_with("missing field") => (join(name), "required"),
        _ if message.starts_with("unknown variant") => (parent.to_owned(), "unknown_value"),
        _ => (parent.to_owned(), "type"),
    }
}

/// Query strings: an unknown or repeated parameter is a 400 naming it.
pub fn query_error(error: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let message = without_position(&error.to_string());
    let message = message
        .strip_prefix("Query deserialize error: ")
        .unwrap_or(&message)
        .to_owned();
    let field = message.split('`').nth(1).unwrap_or("query").to_owned();
    let code = if message.starts_with("unknown field") {
        "unknown_parameter"
    } else {
        "format"
    };
    ApiError::bad_field(field, code, message).into()
}

/// Path segments that do not parse (`/organizations/abc`) name no resource: 404. But a path of
/// its own (`/plans/import`) asked with a method it does not have reaches the handler of the
/// templated path (`PATCH /plans/{id}`) and lands here: that is a 405 with `Allow`.
pub fn path_error(_: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    let methods = req
        .app_data::<actix_web::web::Data<crate::auth::gate::Routes>>()
        .and_then(|routes| routes.methods_of(req.path()));
    if let Some(methods) = methods {
        if !methods.iter().any(|m| m == req.method().as_str()) {
            return ApiError::MethodNotAllowed {
                allow: methods.to_vec(),
            }
            .into();
        }
    }
    ApiError::NotFound.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        count: u32,
        inner: Inner,
        list: Vec<u32>,
    }

    fn fields(body: &str) -> (u16, Vec<(String, String)>) {
        use actix_web::ResponseError;
        let error = parse_json::<Outer>(body.as_bytes()).unwrap_err();
        let status = error.status_code().as_u16();
        let fields = match error {
            ApiError::Validation(errors) => errors.into_iter().map(|e| (e.field, e.code)).collect(),
            _ => vec![],
        };
        (status, fields)
    }

    #[test]
    fn names_the_field_of_each_json_error() {
        let f = |a: &str, b: &str| vec![(a.to_owned(), b.to_owned())];
        assert_eq!(fields(r#"{"count": 1"#), (400, vec![]));
        assert_eq!(fields(r#"{"count": 1} x"#), (400, vec![]));
        assert_eq!(
            fields(r#"{"count": 1, "inner": {"name": "a", "extra": 1}, "list": []}"#),
            (422, f("inner.extra", "unknown_field"))
        );
        assert_eq!(
            fields(r#"{"count": 1, "inner": {}, "list": []}"#),
            (422, f("inner.name", "required"))
        );
        assert_eq!(
            fields(r#"{"count": 1, "inner": {"name": "a"}, "list": [1, "x"]}"#),
            (422, f("list[1]", "type"))
        );
        assert_eq!(
            fields(r#"{"count": -1, "inner": {"name": "a"}, "list": []}"#),
            (422, f("count", "type"))
        );
        assert_eq!(
            fields(r#"{"inner": {"name": "a"}, "list": []}"#),
            (422, f("count", "required"))
        );
        assert_eq!(
            fields(r#"{"count": 1.5, "inner": {"name": "a"}, "list": []}"#),
            (422, f("count", "type"))
        );
    }

    #[test]
    fn integers_written_with_a_zero_fraction_are_integers() {
        let outer: Outer =
            parse_json(br#"{"count": 2.0, "inner": {"name": "a"}, "list": [1.0, 3]}"#).unwrap();
        assert_eq!((outer.count, outer.list), (2, vec![1, 3]));
    }
}
