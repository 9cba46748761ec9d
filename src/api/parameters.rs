//! The one query contract of every route, read from the OpenAPI document the routes are
//! collected into (the gate's route table): a query parameter the operation does not document,
//! a parameter given twice, and a control character in a query parameter or a path segment are
//! each a 400 naming the parameter, before the handler (and so the database) sees the request.
//! What each documented parameter accepts is its handler's (`views::parse_filter`); the
//! document and the handlers are held to each other by tests/api/contract.rs, which walks the
//! document.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, ResponseError};

use crate::auth::gate::Routes;
use crate::error::{ApiError, ApiResult};

pub async fn check(
    routes: web::Data<Routes>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // The path as the router matches it (percent-decoded), as the gate reads it.
    let path = req.match_info().as_str();
    if let Some(rule) = routes.rule_of(req.method().as_str(), path) {
        let verdict = check_path(rule.path, path)
            .and_then(|()| check_query(req.query_string(), routes.query_parameters(rule)));
        if let Err(error) = verdict {
            return Ok(req.into_response(error.error_response()));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Each `{name}` of the route's template against the path segment in its place.
fn check_path(template: &str, path: &str) -> ApiResult<()> {
    for (pattern, segment) in template.split('/').zip(path.split('/')) {
        let name = pattern.strip_prefix('{').and_then(|p| p.strip_suffix('}'));
        if let Some(name) = name.filter(|_| has_control(segment)) {
            return Err(control_character("Path parameter", name));
        }
    }
    Ok(())
}

fn check_query(query: &str, documented: &[String]) -> ApiResult<()> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query)
        .map_err(|_| ApiError::bad_field("query", "format", "is not a valid query string"))?;
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in pairs.iter() {
        if !documented.contains(name) {
            return Err(ApiError::bad_field(
                shown(name),
                "unknown_parameter",
                format!(
                    "Query parameter `{}` is not one this operation accepts{}",
                    shown(name),
                    match documented {
                        [] => " (it accepts none)".to_owned(),
                        names => format!(" ({})", names.join(", ")),
                    }
                ),
            ));
        }
        if has_control(value) {
            return Err(control_character("Query parameter", name));
        }
        if seen.contains(&name.as_str()) {
            return Err(ApiError::bad_field(
                name.as_str(),
                "repeated",
                format!("Query parameter `{name}` is given more than once"),
            ));
        }
        seen.push(name);
    }
    Ok(())
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

fn control_character(what: &str, name: &str) -> ApiError {
    ApiError::bad_field(
        shown(name),
        "control_character",
        format!("{what} `{}` contains a control character", shown(name)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: ApiResult<()>) -> Option<(String, String)> {
        match result {
            Err(ApiError::BadRequest { errors, .. }) => {
                errors.first().map(|e| (e.field.clone(), e.code.clone()))
            }
            _ => None,
        }
    }

    #[test]
    fn names_the_parameter_at_fault() {
        let documented = ["limit".to_owned(), "q".to_owned()];
        let f = |a: &str, b: &str| Some((a.to_owned(), b.to_owned()));
        assert_eq!(field_of(check_query("limit=5&q=x", &documented)), None);
        assert_eq!(field_of(check_query("", &documented)), None);
        assert_eq!(
            field_of(check_query("limit=5&sort=name", &documented)),
            f("sort", "unknown_parameter")
        );
        assert_eq!(
            field_of(check_query("x=1", &[])),
            f("x", "unknown_parameter")
        );
        assert_eq!(
            field_of(check_query("q=%00", &documented)),
            f("q", "control_character")
        );
        assert_eq!(
            field_of(check_query("q=a%C2%85b", &documented)),
            f("q", "control_character")
        );
        assert_eq!(
            field_of(check_query("q=a&q=b", &documented)),
            f("q", "repeated")
        );
        assert_eq!(
            field_of(check_path("/api/v1/plans/{id}", "/api/v1/plans/1\u{1}")),
            f("id", "control_character")
        );
        assert_eq!(
            field_of(check_path("/api/v1/plans/{id}", "/api/v1/plans/12")),
            None
        );
    }
}
