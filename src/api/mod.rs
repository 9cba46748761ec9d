//! HTTP handlers, one module per resource: extract (path, query, body, `Context`), call one use
//! case of `app`, respond (status, ETag, Location). No handler module imports another's; what
//! several share is HTTP alone (conditional requests, uploads, downloads, idempotency).

pub mod audit;
pub mod auth;
pub mod cache;
pub mod changes;
pub mod client_address;
pub mod conditional;
pub mod cors;
pub mod council_meetings;
pub mod cycles;
pub mod download;
pub mod evaluations;
pub mod extract;
pub mod follow_up;
pub mod head;
pub mod health;
pub mod http_cache;
pub mod idempotency;
pub mod methodologies;
pub mod metrics;
pub mod open_data;
pub mod operators;
pub mod organizations;
pub mod organizing_plans;
pub mod pages;
pub mod parameters;
pub mod plan_forms;
pub mod plans;
pub mod proposals;
pub mod ratings;
pub mod redoc;
pub mod regions;
pub mod reports;
pub mod request_id;
pub mod summary;
pub mod upload;
pub mod users;
pub mod webhooks;

use chrono::{DateTime, NaiveDateTime, Utc};

// How request values are read lives with the views, which the use cases share; handlers keep
// their old paths.
pub use crate::views::{
    nullable, parse_filter, parse_year, patch_required, timestamp, ListFilterErrors,
};

/// Mounts every `/api/v1` resource.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(auth::configure)
        .configure(regions::configure)
        .configure(organizations::configure)
        .configure(users::configure)
        .configure(audit::configure)
        .configure(methodologies::configure)
        .configure(cycles::configure)
        .configure(evaluations::configure)
        .configure(ratings::configure)
        .configure(proposals::configure)
        .configure(council_meetings::configure)
        .configure(follow_up::configure)
        .configure(summary::configure)
        .configure(plans::configure)
        .configure(plan_forms::configure)
        .configure(reports::configure)
        .configure(organizing_plans::configure)
        .configure(operators::configure)
        .configure(changes::configure)
        .configure(webhooks::configure)
        .configure(open_data::configure);
}

/// A region code of a query parameter (`region_code=71`): two digits, 01–99.
pub fn parse_code(value: String) -> Option<String> {
    let mut code = value;
    let mut errors = Vec::new();
    crate::domain::region::check_code(&mut code, &mut errors);
    errors.is_empty().then_some(code)
}

/// An RFC 3339 moment of a query parameter, as stored (UTC).
pub fn parse_moment(value: String) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(&value)
        .ok()
        .map(|t| t.with_timezone(&Utc).naive_utc())
}
