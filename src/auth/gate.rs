//! The authentication gate: before anything else looks at a request (its path ids, its body,
//! its `Idempotency-Key`), a route that needs a token refuses a request without one (401), a bad
//! token (401) and a role its rule never grants (403). What a caller may see within its role —
//! scopes, drafts, existence — stays with the handlers, which know the resource.
//!
//! The caller it resolves is kept in the request's extensions, so the handler's [`Caller`]
//! extractor does not verify the token (and read the user) a second time.
//!
//! Why the gate keeps an index of its own rather than keying on actix's matched route
//! (`match_pattern()`): it has to answer before the idempotency replay reads the body and the
//! `Idempotency-Key`, and both are App-level middleware, which actix runs before it routes. At
//! that point `match_pattern()` is not resolved: it falls back to scanning the resource map
//! with the raw, undecoded path (so `/api/v1/%70lans` would name no route while the router,
//! which decodes, serves `/plans`), it ignores the method guards that tell `POST /plans/import`
//! from `PATCH /plans/{id}`, and it allocates a `String` per request. Middleware on the
//! `/api/v1` scope runs before the scope's own routing just the same; only middleware on each
//! resource (or an extractor) runs after matching, which would put the idempotency replay
//! before the gate or need every handler to carry both. So the index stays, but it is built
//! from the routes actix mounts (the OpenAPI document collected from them), with each route's
//! rule attached, and it is the one table both the gate and the 404/405 answers read.

use std::collections::HashMap;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, FromRequest, HttpMessage};

use super::policy::{self, Access, Rule};
use super::Caller;

/// The mounted routes with their methods and rules, indexed the way requests look them up:
/// paths without parameters by their text, templated ones compiled.
pub struct Routes {
    fixed: HashMap<String, Route>,
    /// The most literal first (fewest parameters), otherwise in mounting order.
    templated: Vec<(ResourceDef, Route)>,
}

#[derive(Default)]
struct Route {
    /// Sorted, as `Allow` lists them.
    methods: Vec<String>,
    rules: Vec<&'static Rule>,
}

impl Routes {
    /// The routes of an OpenAPI document collected from the mounted handlers.
    pub fn of(document: &utoipa::openapi::OpenApi) -> Self {
        Self::new(document.paths.paths.iter().flat_map(|(path, item)| {
            [
                (item.get.is_some(), "GET"),
                (item.post.is_some(), "POST"),
                (item.put.is_some(), "PUT"),
                (item.patch.is_some(), "PATCH"),
                (item.delete.is_some(), "DELETE"),
            ]
            .into_iter()
            .filter(|(present, _)| *present)
            .map(move |(_, method)| (method, path.as_str()))
        }))
    }

    /// Routes from `(method, path)` pairs in mounting order; each must have its rule in
    /// [`policy::RULES`].
    pub fn new<'a>(operations: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut fixed: HashMap<String, Route> = HashMap::new();
        let mut templated: Vec<(ResourceDef, Route)> = Vec::new();
        for (method, path) in operations {
            let rule = policy::find(method, path)
                .unwrap_or_else(|| panic!("{method} {path} has no rule in auth::policy::RULES"));
            let route = if path.contains('{') {
                let def = ResourceDef::new(path);
                match templated
                    .iter()
                    .position(|(d, _)| d.pattern() == Some(path))
                {
                    Some(i) => &mut templated[i].1,
                    None => {
                        templated.push((def, Route::default()));
                        &mut templated.last_mut().expect("just pushed").1
                    }
                }
            } else {
                fixed.entry(path.to_owned()).or_default()
            };
            route.methods.push(method.to_owned());
            // HEAD is served wherever GET is (api::head).
            if method == "GET" {
                route.methods.push("HEAD".to_owned());
            }
            route.methods.sort();
            route.rules.push(rule);
        }
        // The most literal route first (stable, so mounting order otherwise): a path of its own
        // under a template (`/plans/{id}/reports/import`) is not taken for the template
        // (`/plans/{id}/reports/{report_id}`).
        let parameters = |def: &ResourceDef| def.pattern().map_or(0, |p| p.matches('{').count());
        templated.sort_by_key(|(def, _)| parameters(def));
        Self { fixed, templated }
    }

    /// The rule of a request (`method` as HTTP writes it, upper case). A path without
    /// parameters (`/plans/import`) is never taken for a templated one (`/plans/{id}`),
    /// whatever the method: a method it lacks is the router's 405.
    pub fn rule_of(&self, method: &str, path: &str) -> Option<&'static Rule> {
        if let Some(route) = self.fixed.get(path) {
            return route
                .rules
                .iter()
                .copied()
                .find(|rule| rule.method == method);
        }
        // The most literal route matching the path decides: one it lacks the method of is the
        // router's 405, never a looser template's rule (`GET /plans/{id}/reports/import`).
        let (_, route) = self.templated.iter().find(|(def, _)| def.is_match(path))?;
        route
            .rules
            .iter()
            .copied()
            .find(|rule| rule.method == method)
    }

    /// The methods of the route matching `path`, to answer 405 (with `Allow`) rather than 404
    /// when a known path is asked with a method it does not have; a route without parameters
    /// first (so `/plans/import` is not taken for `/plans/{id}`).
    pub fn methods_of(&self, path: &str) -> Option<&[String]> {
        self.fixed
            .get(path)
            .or_else(|| {
                self.templated
                    .iter()
                    .find(|(def, _)| def.is_match(path))
                    .map(|(_, route)| route)
            })
            .map(|route| route.methods.as_slice())
    }
}

/// The policy rule of the route a request matched, as the gate found it (in the request's
/// extensions; absent when no route matched).
#[derive(Debug, Clone, Copy)]
pub struct MatchedRule(pub &'static Rule);

pub async fn authenticate(
    routes: web::Data<Routes>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // On every route, open ones too: two `Authorization` headers are refused, never one chosen.
    if let Err(error) = super::extractor::authorization(req.request()) {
        return Ok(ServiceResponse::from_err(error, req.into_parts().0));
    }
    // The path as the router matches it (percent-decoded), so no spelling of a route passes by.
    let rule = routes.rule_of(req.method().as_str(), req.match_info().as_str());
    if let Some(rule) = rule {
        // Kept for the middleware after this one, which would otherwise match the route again.
        req.extensions_mut().insert(MatchedRule(rule));
    }
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
        Err(error) => Ok(ServiceResponse::from_err(error, req.into_parts().0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> Routes {
        Routes::new(policy::RULES.iter().map(|rule| (rule.method, rule.path)))
    }

    #[test]
    fn fixed_paths_win_over_templates() {
        let routes = routes();
        assert_eq!(
            routes.rule_of("POST", "/api/v1/plans/import"),
            Some(&policy::PLAN_IMPORT)
        );
        assert_eq!(routes.rule_of("PATCH", "/api/v1/plans/import"), None);
        assert_eq!(
            routes.rule_of("PATCH", "/api/v1/plans/7"),
            Some(&policy::PLAN_UPDATE)
        );
        assert_eq!(
            routes.rule_of("GET", "/api/v1/plans"),
            Some(&policy::PLAN_LIST)
        );
        assert_eq!(routes.rule_of("GET", "/api/v1/nothing"), None);
        assert_eq!(
            routes.methods_of("/api/v1/plans/import"),
            Some(&["POST".to_owned()][..])
        );
        assert_eq!(
            routes.methods_of("/api/v1/plans/7"),
            Some(&["GET".to_owned(), "HEAD".to_owned(), "PATCH".to_owned()][..])
        );
        assert_eq!(routes.methods_of("/api/v1/nothing"), None);
    }

    #[test]
    fn every_rule_is_found_by_its_own_path() {
        let routes = routes();
        for rule in policy::RULES {
            let concrete = rule.path.replace("{id}", "1").replace(['{', '}'], "");
            assert_eq!(
                routes
                    .rule_of(rule.method, &concrete)
                    .map(|r| (r.method, r.path)),
                Some((rule.method, rule.path)),
                "{} {}",
                rule.method,
                rule.path
            );
            assert!(routes
                .methods_of(&concrete)
                .is_some_and(|methods| methods.iter().any(|m| m == rule.method)));
        }
    }
}
