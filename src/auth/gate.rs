//! The authentication gate: before anything else looks at a request (its path ids, its body,
//! its `Idempotency-Key`), a route that needs a token refuses a request without one (401), a bad
//! token (401) and a role its rule never grants (403). What a caller may see within its role —
//! scopes, drafts, existence — stays with the handlers, which know the resource.
//!
//! The caller it resolves is kept in the request's extensions, so the handler's [`Caller`]
//! extractor does not verify the token (and read the user) a second time.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, ResponseError};

use super::policy::{self, Access, Rule};
use super::Caller;

/// The policy's rules, indexed the way [`rule_of`] looks them up: paths without parameters by
/// their text, templated ones compiled and by method (a request tries only its method's).
struct Routes {
    fixed: HashMap<&'static str, Vec<&'static Rule>>,
    templated: HashMap<&'static str, Vec<(ResourceDef, &'static Rule)>>,
}

static ROUTES: LazyLock<Routes> = LazyLock::new(|| {
    let mut fixed: HashMap<&'static str, Vec<&'static Rule>> = HashMap::new();
    let mut templated: HashMap<&'static str, Vec<(ResourceDef, &'static Rule)>> = HashMap::new();
    for rule in policy::RULES {
        if rule.path.contains('{') {
            let def = ResourceDef::new(rule.path);
            templated.entry(rule.method).or_default().push((def, rule));
        } else {
            fixed.entry(rule.path).or_default().push(rule);
        }
    }
    Routes { fixed, templated }
});

/// The rule of a request (`method` as HTTP writes it, upper case). A path without parameters
/// (`/plans/import`) is never taken for a templated one (`/plans/{id}`), whatever the method: a
/// method it lacks is the router's 405.
pub fn rule_of(method: &str, path: &str) -> Option<&'static Rule> {
    if let Some(rules) = ROUTES.fixed.get(path) {
        return rules.iter().copied().find(|rule| rule.method == method);
    }
    ROUTES
        .templated
        .get(method)?
        .iter()
        .find(|(def, _)| def.is_match(path))
        .map(|(_, rule)| *rule)
}

pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // The path as the router matches it (percent-decoded), so no spelling of a route passes by.
    let rule = rule_of(req.method().as_str(), req.match_info().as_str());
    let Some(rule) = rule.filter(|rule| rule.access != Access::Open) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let verdict = Caller::from_request(req.request(), &mut Payload::None)
        .await
        .and_then(|caller| policy::authenticate(&caller, rule).map(|()| caller));
    match verdict {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(error) => Ok(req.into_response(error.error_response())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_paths_win_over_templates() {
        assert_eq!(
            rule_of("POST", "/api/v1/plans/import"),
            Some(&policy::PLAN_IMPORT)
        );
        assert_eq!(rule_of("PATCH", "/api/v1/plans/import"), None);
        assert_eq!(
            rule_of("PATCH", "/api/v1/plans/7"),
            Some(&policy::PLAN_UPDATE)
        );
        assert_eq!(rule_of("GET", "/api/v1/plans"), Some(&policy::PLAN_LIST));
        assert_eq!(rule_of("GET", "/api/v1/nothing"), None);
    }

    #[test]
    fn every_rule_is_found_by_its_own_path() {
        for rule in policy::RULES {
            let concrete = rule.path.replace("{id}", "1").replace(['{', '}'], "");
            assert_eq!(
                rule_of(rule.method, &concrete).map(|r| (r.method, r.path)),
                Some((rule.method, rule.path)),
                "{} {}",
                rule.method,
                rule.path
            );
        }
    }
}
