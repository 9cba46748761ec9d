//! The one query contract of every route, read from the OpenAPI document the routes are
//! collected into: a query parameter the operation does not document, a parameter given twice,
//! a value outside the parameter's documented schema (type, bounds, enum, pattern, date form,
//! length), and a control character in a query parameter or a path segment are each a 400
//! naming the parameter, after the gate and before the handler — so the same request gets the
//! same 400 whether or not the resource it names exists, and a new route gets the contract from
//! its `IntoParams` alone. The handlers still parse the values they use
//! (`views::parse_filter`); tests/api/contract.rs walks the document to hold both to it.

use std::collections::HashMap;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};
use chrono::{DateTime, NaiveDate};
use regex::Regex;
use serde_json::Value;

use crate::auth::gate::MatchedRule;
use crate::error::{ApiError, ApiResult};
use crate::views::ListFilterErrors;

/// The pattern the document gives free-text query and path parameters: no C0 or C1 control
/// character, no DEL (see [`has_control`]).
pub const NO_CONTROL_CHARACTERS: &str = r"^[^\x00-\x1F\x7F-\x9F]*$";

/// The documented query parameters of each operation, by method and path template.
pub struct Contract {
    operations: HashMap<(String, String), Vec<Parameter>>,
}

/// One query parameter and the values its schema admits.
struct Parameter {
    name: String,
    accepts: Accepts,
    max_length: Option<usize>,
}

enum Accepts {
    Integer {
        minimum: i64,
        maximum: i64,
    },
    Boolean,
    OneOf(Vec<String>),
    Matching(Regex),
    Date,
    DateTime,
    Text,
    /// Any of the alternatives of a `oneOf`.
    Either(Vec<Accepts>),
}

impl Contract {
    /// The query parameters of every operation of the document (the one `startup` builds from
    /// the mounted handlers).
    pub fn of(document: &utoipa::openapi::OpenApi) -> Self {
        let document = serde_json::to_value(document).expect("the document serializes");
        let mut operations = HashMap::new();
        for (path, item) in document["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let parameters = operation["parameters"].as_array().into_iter().flatten();
                let query = parameters
                    .filter(|p| p["in"] == "query")
                    .map(|p| Parameter::of(&document, p))
                    .collect();
                operations.insert((method.to_uppercase(), path.clone()), query);
            }
        }
        Self { operations }
    }

    fn query_of(&self, method: &str, template: &str) -> &[Parameter] {
        self.operations
            .get(&(method.to_owned(), template.to_owned()))
            .map_or(&[], Vec::as_slice)
    }
}

impl Parameter {
    fn of(document: &Value, parameter: &Value) -> Self {
        let schema = resolve(document, &parameter["schema"]);
        Self {
            name: parameter["name"].as_str().unwrap_or_default().to_owned(),
            accepts: Accepts::of(document, schema),
            max_length: schema["maxLength"].as_u64().map(|n| n as usize),
        }
    }

    /// Why `value` is refused, if it is, as the end of "Query parameter `name` …".
    fn refusal(&self, value: &str) -> Option<String> {
        if let Some(max) = self.max_length.filter(|max| value.chars().count() > *max) {
            return Some(format!("is longer than {max} characters"));
        }
        self.accepts.refusal(value)
    }
}

/// The schema itself, or the component it refers to.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            &document["components"]["schemas"][name]
        }
        None => schema,
    }
}

impl Accepts {
    fn of(document: &Value, schema: &Value) -> Self {
        let bound = |key: &str, default: i64| schema[key].as_f64().map_or(default, |b| b as i64);
        if let Some(alternatives) = schema["oneOf"].as_array() {
            let alternatives = alternatives
                .iter()
                .map(|a| Self::of(document, resolve(document, a)));
            Accepts::Either(alternatives.collect())
        } else if let Some(values) = schema["enum"].as_array() {
            let values = values.iter().filter_map(Value::as_str).map(str::to_owned);
            Accepts::OneOf(values.collect())
        } else if let Some(pattern) = schema["pattern"].as_str() {
            Accepts::Matching(Regex::new(pattern).expect("a documented pattern compiles"))
        } else {
            match (schema["type"].as_str(), schema["format"].as_str()) {
                (Some("integer"), format) => {
                    let (low, high) = match format {
                        Some("int32") => (i32::MIN.into(), i32::MAX.into()),
                        _ => (i64::MIN, i64::MAX),
                    };
                    Accepts::Integer {
                        minimum: bound("minimum", low),
                        maximum: bound("maximum", high),
                    }
                }
                (Some("boolean"), _) => Accepts::Boolean,
                (_, Some("date")) => Accepts::Date,
                (_, Some("date-time")) => Accepts::DateTime,
                _ => Accepts::Text,
            }
        }
    }

    /// Why `value` is refused, if it is (see [`Parameter::refusal`]).
    fn refusal(&self, value: &str) -> Option<String> {
        match self {
            Accepts::Integer { minimum, maximum } => match value.parse::<i64>() {
                Ok(n) if (*minimum..=*maximum).contains(&n) => None,
                _ if *minimum == i64::MIN || *minimum == i32::MIN as i64 => {
                    Some("must be an integer".to_owned())
                }
                _ => Some(format!("must be an integer from {minimum} to {maximum}")),
            },
            Accepts::Boolean => {
                (value.parse::<bool>().is_err()).then(|| "must be `true` or `false`".to_owned())
            }
            Accepts::OneOf(values) => (!values.iter().any(|v| v == value))
                .then(|| format!("must be one of: {}", values.join(", "))),
            Accepts::Matching(pattern) => (!pattern.is_match(value))
                .then(|| format!("does not have the documented form `{}`", pattern.as_str())),
            Accepts::Date => (NaiveDate::parse_from_str(value, "%Y-%m-%d").is_err())
                .then(|| "must be a date (YYYY-MM-DD)".to_owned()),
            Accepts::DateTime => (DateTime::parse_from_rfc3339(value).is_err())
                .then(|| "must be an RFC 3339 moment (2018-01-15T00:00:00Z)".to_owned()),
            Accepts::Text => None,
            // A number among words (an approval number) is taken in its canonical form only
            // (no sign, no leading zero), so the alternatives admit what the handler parses.
            Accepts::Either(alternatives) => {
                let canonical = |a: &Accepts| match a {
                    Accepts::Integer { .. } => {
                        value.parse::<i64>().is_ok_and(|n| n.to_string() == value)
                    }
                    _ => true,
                };
                let refusals: Vec<String> = alternatives
                    .iter()
                    .map(|a| match a.refusal(value) {
                        None if canonical(a) => None,
                        None => Some("must be written without a sign or leading zero".to_owned()),
                        refusal => refusal,
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(refusals.join("; or "))
            }
        }
    }
}

pub async fn check(
    contract: web::Data<Contract>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // The route as the gate matched it; the path as the router matches it (percent-decoded).
    let matched = req.extensions().get::<MatchedRule>().copied();
    if let Some(MatchedRule(rule)) = matched {
        let documented = contract.query_of(rule.method, rule.path);
        let verdict = check_path(rule.path, req.match_info().as_str())
            .and_then(|()| check_query(req.query_string(), documented));
        if let Err(error) = verdict {
            return Ok(ServiceResponse::from_err(error, req.into_parts().0));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Each `{name}` of the route's template against the path segment in its place.
fn check_path(template: &str, path: &str) -> ApiResult<()> {
    for (pattern, segment) in template.split('/').zip(path.split('/')) {
        let name = pattern.strip_prefix('{').and_then(|p| p.strip_suffix('}'));
        if let Some(name) = name.filter(|_| has_control(segment)) {
            return Err(ApiError::bad_field(
                name,
                "control_character",
                format!("Path parameter `{name}` contains a control character"),
            ));
        }
    }
    Ok(())
}

/// Every bad parameter of the query string, each named once.
fn check_query(query: &str, documented: &[Parameter]) -> ApiResult<()> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query)
        .map_err(|_| ApiError::bad_field("query", "format", "is not a valid query string"))?;
    let mut errors = ListFilterErrors::default();
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in pairs.iter() {
        if seen.contains(&name.as_str()) {
            continue;
        }
        seen.push(name);
        let Some(parameter) = documented.iter().find(|p| p.name == *name) else {
            let accepted = documented
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>();
            errors.push(
                shown(name),
                "unknown_parameter",
                match accepted.as_slice() {
                    [] => "is not one this operation accepts (it accepts none)".to_owned(),
                    names => format!("is not one this operation accepts ({})", names.join(", ")),
                },
            );
            continue;
        };
        if pairs.iter().filter(|(n, _)| n == name).count() > 1 {
            errors.push(name.as_str(), "repeated", "is given more than once");
        } else if has_control(value) {
            errors.push(
                name.as_str(),
                "control_character",
                "contains a control character",
            );
        } else if let Some(message) = parameter.refusal(value) {
            errors.push(name.as_str(), "format", message);
        }
    }
    errors.into_result()
}

/// C0 and C1 controls and DEL: never part of a name, an id or a filter, and PostgreSQL refuses
/// NUL in text.
fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// A parameter's name as the answer shows it: control characters escaped, at most 50 of them.
fn shown(name: &str) -> String {
    name.chars().take(50).flat_map(char::escape_debug).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(result: ApiResult<()>) -> Vec<(String, String)> {
        match result {
            Err(ApiError::BadRequest { errors, .. }) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            _ => vec![],
        }
    }

    fn parameter(name: &str, accepts: Accepts) -> Parameter {
        Parameter {
            name: name.to_owned(),
            accepts,
            max_length: (name == "q").then_some(5),
        }
    }

    #[test]
    fn names_every_parameter_at_fault() {
        let documented = [
            parameter("q", Accepts::Text),
            parameter(
                "year",
                Accepts::Integer {
                    minimum: 2013,
                    maximum: 2100,
                },
            ),
            parameter("kind", Accepts::OneOf(vec!["a".into(), "b".into()])),
            parameter("form", Accepts::Matching(Regex::new("^(x|y)$").unwrap())),
            parameter("on", Accepts::Date),
        ];
        let f = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields_of(check_query(
                "q=x&year=2018&kind=a&form=y&on=2018-01-02",
                &documented
            )),
            vec![]
        );
        assert_eq!(fields_of(check_query("", &documented)), vec![]);
        assert_eq!(
            fields_of(check_query("q=x&sort=name", &documented)),
            f(&[("sort", "unknown_parameter")])
        );
        assert_eq!(
            fields_of(check_query("x=1", &[])),
            f(&[("x", "unknown_parameter")])
        );
        assert_eq!(
            fields_of(check_query(
                "q=%00&year=2012&kind=c&form=z&on=2018-02-30",
                &documented
            )),
            f(&[
                ("q", "control_character"),
                ("year", "format"),
                ("kind", "format"),
                ("form", "format"),
                ("on", "format")
            ])
        );
        assert_eq!(
            fields_of(check_query("q=a%C2%85b&year=-2017", &documented)),
            f(&[("q", "control_character"), ("year", "format")])
        );
        assert_eq!(
            fields_of(check_query("q=a&q=b&q=c", &documented)),
            f(&[("q", "repeated")])
        );
        assert_eq!(
            fields_of(check_query("q=abcdef", &documented)),
            f(&[("q", "format")])
        );
        assert_eq!(
            fields_of(check_path("/api/v1/plans/{id}", "/api/v1/plans/1\u{1}")),
            f(&[("id", "control_character")])
        );
        assert_eq!(
            fields_of(check_path("/api/v1/plans/{id}", "/api/v1/plans/12")),
            vec![]
        );
    }
}
