//! Request extraction that fails with problem+json naming the field: JSON bodies, query strings
//! and path ids.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::{PayloadError, QueryPayloadError};
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use crate::domain::text;
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

/// A body that is JSON (read as [`ApiJson`] reads it) or an HTML form
/// (`application/x-www-form-urlencoded`, the encoding of OAuth2 token requests), as name and
/// value pairs in their order, within the same size limit.
pub enum JsonOrForm<T> {
    Json(T),
    Form(Vec<(String, String)>),
}

pub const FORM: &str = "application/x-www-form-urlencoded";

impl<T: DeserializeOwned + 'static> FromRequest for JsonOrForm<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_form = matches!(req.mime_type(), Ok(Some(mime)) if mime.essence_str() == FORM);
        let (is_json, body) = read_body(req, payload);
        Box::pin(async move {
            if is_form {
                let bytes = body.await?;
                let pairs = url::form_urlencoded::parse(&bytes).into_owned().collect();
                return Ok(JsonOrForm::Form(pairs));
            }
            if !is_json {
                return Err(ApiError::UnsupportedMediaType {
                    expected: "application/json or application/x-www-form-urlencoded",
                });
            }
            parse_json(&body.await?).map(JsonOrForm::Json)
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
            // actix's words for a broken body (chunk encoding, EOF) are not the caller's concern.
            _ => ApiError::bad_request("The request body could not be read whole"),
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
    check_characters(bytes)?;
    match parse_strict(bytes) {
        Ok(value) => Ok(value),
        // JSON Schema counts 1.0 as an integer, and some clients write integers so.
        Err(refusal) if refusal.fraction => {
            match integral(bytes).map(serde_json::from_value::<T>) {
                Some(Ok(value)) => Ok(value),
                _ => Err(refusal.error),
            }
        }
        Err(refusal) => Err(refusal.error),
    }
}

/// At most this many fields with characters they may not hold are named; the rest are counted.
const MAX_CHARACTER_ERRORS: usize = 100;

/// Every string of the body (and every key) is held to the rules of its field
/// ([`text::layout_of`]) before the body is read into its type: no handler can forget a field,
/// and no NUL reaches a database that cannot store it (PostgreSQL answered 500).
fn check_characters(bytes: &[u8]) -> Result<(), ApiError> {
    #[derive(Default)]
    struct Found {
        listed: Vec<FieldError>,
        total: usize,
    }
    impl Found {
        fn add(&mut self, error: Option<FieldError>) {
            if let Some(error) = error {
                self.total += 1;
                if self.listed.len() < MAX_CHARACTER_ERRORS {
                    self.listed.push(error);
                }
            }
        }
    }
    fn walk(value: &serde_json::Value, path: &mut String, found: &mut Found) {
        match value {
            serde_json::Value::String(text) => found.add(text::character_error(text, path)),
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path, found);
                    path.truncate(len);
                }
            }
            serde_json::Value::Object(fields) => {
                for (key, item) in fields {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    if text::forbidden_char(key, text::Layout::Line).is_some() {
                        found.add(Some(FieldError::new(
                            path.clone(),
                            "unknown_field",
                            "a field name holds control or invisible characters",
                        )));
                    }
                    walk(item, path, found);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
    // A body that is not JSON is refused by the parser, with its own message.
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    let mut found = Found::default();
    walk(&value, &mut String::new(), &mut found);
    let Found { mut listed, total } = found;
    if total > listed.len() {
        let more = total - listed.len();
        listed.push(FieldError::new(
            "body",
            "more_errors",
            format!("{more} more fields are not listed"),
        ));
    }
    if listed.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(listed))
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

/// Why a body was not read into its type, and whether a number with a fraction was the cause.
struct Refusal {
    error: ApiError,
    fraction: bool,
}

fn parse_strict<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Refusal> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        // serde can report a data error (a missing field) for a body that is cut short, so
        // the syntax is checked on its own before blaming a field.
        if let Err(syntax) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            return Refusal {
                error: not_valid_json(&syntax),
                fraction: false,
            };
        }
        if !inner.is_data() {
            return Refusal {
                error: not_valid_json(&inner),
                fraction: false,
            };
        }
        let raw = without_position(&inner.to_string());
        let (field, code) = field_of(&path, &raw);
        Refusal {
            error: ApiError::Validation(vec![FieldError::new(field, code, in_our_words(&raw))]),
            fraction: raw.contains("floating point"),
        }
    })?;
    deserializer.end().map_err(|e| Refusal {
        error: not_valid_json(&e),
        fraction: false,
    })?;
    Ok(value)
}

/// A body that is not JSON, said where, without the parser's own wording.
fn not_valid_json(error: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let at = format!("line {}, column {}", error.line(), error.column());
    let detail = match error.classify() {
        Category::Eof => format!("The body is not valid JSON: it ends too early ({at})"),
        Category::Io => "The body could not be read".to_owned(),
        _ if error.to_string().starts_with("trailing characters") => {
            format!("The body is not valid JSON: something follows its end ({at})")
        }
        _ => format!("The body is not valid JSON: see {at}"),
    };
    ApiError::bad_request(detail)
}

fn without_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// serde's sentence about a field («unknown variant `none`, expected one of `a`, `b`»,
/// «invalid type: string "x", expected u32») in the words of the API: what the field must be,
/// naming the allowed values; a message serde did not write (the service's own parsers) is
/// kept as it is.
pub fn in_our_words(message: &str) -> String {
    let quoted = |text: &str| -> Vec<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (given, allowed) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let given = given.trim_matches('`');
        let allowed = quoted(allowed);
        return if allowed.is_empty() {
            format!("«{given}» is not an allowed value")
        } else {
            format!("must be one of: {} (not «{given}»)", allowed.join(", "))
        };
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (_, known) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let known = quoted(known);
        return if known.is_empty() {
            "is not a field of this body".to_owned()
        } else {
            format!(
                "is not a field of this body; its fields are: {}",
                known.join(", ")
            )
        };
    }
    if message.starts_with("missing field ") {
        return "is required".to_owned();
    }
    if message.starts_with("duplicate field ") {
        return "appears more than once".to_owned();
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            if let Some((given, expected)) = rest.rsplit_once(", expected ") {
                return format!(
                    "must be {}, not {}",
                    expected_in_our_words(expected),
                    given_in_our_words(given)
                );
            }
        }
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        if let Some((given, expected)) = rest.split_once(", expected ") {
            return format!(
                "must be {} (it has {given} items)",
                expected_in_our_words(expected)
            );
        }
    }
    // chrono's sentences, for the dates of request bodies.
    const DATE_ERRORS: [&str; 6] = [
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "input is out of range",
        "input is not enough for unique date and time",
        "no possible date and time matching input",
    ];
    if DATE_ERRORS.contains(&message) {
        return "must be a date written YYYY-MM-DD".to_owned();
    }
    message.to_owned()
}

/// What serde says a field expects, as the API says it.
fn expected_in_our_words(expected: &str) -> String {
    let whole = |min: &str, max: &str| format!("a whole number from {min} to {max}");
    match expected {
        "u8" => whole("0", "255"),
        "u16" => whole("0", "65535"),
        "u32" => whole("0", "4294967295"),
        "u64" | "usize" => whole("0", "18446744073709551615"),
        "i8" => whole("-128", "127"),
        "i16" => whole("-32768", "32767"),
        "i32" => whole("-2147483648", "2147483647"),
        "i64" | "isize" => whole("-9223372036854775808", "9223372036854775807"),
        "f32" | "f64" => "a number".to_owned(),
        "a string" | "string" | "a borrowed string" | "char" | "a character" => {
            "a string".to_owned()
        }
        "a boolean" | "bool" => "true or false".to_owned(),
        "a sequence" | "sequence" => "an array".to_owned(),
        "a map" | "map" => "an object".to_owned(),
        "unit" => "null".to_owned(),
        e if e.starts_with("struct ") || e.starts_with("a map") => "an object".to_owned(),
        e if e.starts_with("tuple") || e.starts_with("a tuple") || e.starts_with("an array") => {
            "an array".to_owned()
        }
        e if e.starts_with("enum ") => "one of the allowed values".to_owned(),
        e if e.contains("Decimal") => {
            "a decimal number (as a string such as \"91.6\" or a number)".to_owned()
        }
        e if e.contains("date") => "a date written YYYY-MM-DD".to_owned(),
        e => e.to_owned(),
    }
}

/// What serde says a field holds, as the API says it.
fn given_in_our_words(given: &str) -> String {
    let value = |prefix: &str| {
        given
            .strip_prefix(prefix)
            .map(|rest| rest.trim_matches('`').to_owned())
    };
    if let Some(text) = given.strip_prefix("string ") {
        return format!("the string {text}");
    }
    if let Some(v) = value("integer ")
        .or_else(|| value("floating point "))
        .or_else(|| value("boolean "))
    {
        return v;
    }
    match given {
        "sequence" => "an array".to_owned(),
        "map" => "an object".to_owned(),
        "unit value" | "null" => "null".to_owned(),
        other => other.to_owned(),
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

    fn message(body: &str) -> String {
        match parse_json::<Outer>(body.as_bytes()).unwrap_err() {
            ApiError::Validation(errors) => errors[0].message.clone(),
            ApiError::BadRequest { detail, .. } => detail,
            other => panic!("{other:?}"),
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Kind {
        Person,
        Institution,
    }

    #[test]
    fn errors_are_told_in_the_service_words() {
        let body = |rest: &str| format!(r#"{{"count": 1, "inner": {{"name": "a"}}, {rest}}}"#);
        assert_eq!(
            message(&body(r#""list": [], "extra": 1"#)),
            "is not a field of this body; its fields are: count, inner, list"
        );
        assert_eq!(
            message(r#"{"inner": {"name": "a"}, "list": []}"#),
            "is required"
        );
        assert_eq!(
            message(&body(r#""list": [1, "x"]"#)),
            "must be a whole number from 0 to 4294967295, not the string \"x\""
        );
        assert_eq!(
            message(r#"{"count": -1, "inner": {"name": "a"}, "list": []}"#),
            "must be a whole number from 0 to 4294967295, not -1"
        );
        assert_eq!(
            message(r#"{"count": 1, "inner": "a", "list": []}"#),
            "must be an object, not the string \"a\""
        );
        assert_eq!(
            message(r#"{"count": 1"#),
            "The body is not valid JSON: it ends too early (line 1, column 11)"
        );
        assert_eq!(
            message(r#"{"count": 1} x"#),
            "The body is not valid JSON: something follows its end (line 1, column 14)"
        );
        let kind = serde_json::from_str::<Kind>(r#""none""#).unwrap_err();
        assert_eq!(
            in_our_words(&without_position(&kind.to_string())),
            "must be one of: person, institution (not «none»)"
        );
        let date = serde_json::from_str::<chrono::NaiveDate>(r#""2019-02-30x""#).unwrap_err();
        assert_eq!(
            in_our_words(&without_position(&date.to_string())),
            "must be a date written YYYY-MM-DD"
        );
        for body in [
            body(r#""list": [], "extra": 1"#),
            body(r#""list": [true]"#),
            r#"{"count": 1.5, "inner": {"name": "a"}, "list": []}"#.to_owned(),
        ] {
            let text = message(&body);
            for internal in ["`", "variant", "u32", "invalid type", "floating point"] {
                assert!(!text.contains(internal), "{text}");
            }
        }
    }

    #[test]
    fn integers_written_with_a_zero_fraction_are_integers() {
        let outer: Outer =
            parse_json(br#"{"count": 2.0, "inner": {"name": "a"}, "list": [1.0, 3]}"#).unwrap();
        assert_eq!((outer.count, outer.list), (2, vec![1, 3]));
    }
}
