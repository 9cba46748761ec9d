//! HTTP handlers, one module per resource: extract, check, call `db`/`domain`, respond.

pub mod audit;
pub mod auth;
pub mod cache;
pub mod changes;
pub mod conditional;
pub mod cors;
pub mod cycles;
pub mod download;
pub mod evaluations;
pub mod extract;
pub mod health;
pub mod http_cache;
pub mod idempotency;
pub mod methodologies;
pub mod metrics;
pub mod organizations;
pub mod plan_forms;
pub mod plans;
pub mod proposals;
pub mod ratings;
pub mod regions;
pub mod reports;
pub mod request_id;
pub mod summary;
pub mod upload;
pub mod users;
pub mod webhooks;

use crate::app::Listing;
use crate::domain::paging::{self, Cursor};
use crate::error::{ApiError, ApiResult, FieldError};
pub use crate::views::{nullable, patch_required, timestamp};
use chrono::{DateTime, NaiveDateTime, Utc};

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
        .configure(summary::configure)
        .configure(plans::configure)
        .configure(plan_forms::configure)
        .configure(reports::configure)
        .configure(changes::configure)
        .configure(webhooks::configure);
}

/// An RFC 3339 moment of a query parameter, as stored (UTC).
pub fn parse_moment(value: String) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(&value)
        .ok()
        .map(|t| t.with_timezone(&Utc).naive_utc())
}

/// Collects every bad query parameter of a list request before answering 400.
#[derive(Debug, Default)]
pub struct ListFilterErrors(Vec<FieldError>);

impl ListFilterErrors {
    /// `limit` and `cursor`: the id to start after and the page size.
    pub fn paging(&mut self, limit: Option<&str>, cursor: Option<&str>) -> (i64, i64) {
        let limit = paging::parse_limit(limit).unwrap_or_else(|message| {
            self.0.push(FieldError::new("limit", "format", message));
            paging::DEFAULT_LIMIT
        });
        let after_id = match cursor.map(Cursor::decode) {
            None => 0,
            Some(Some(cursor)) => cursor.after_id,
            Some(None) => {
                self.0.push(FieldError::new(
                    "cursor",
                    "format",
                    "is not a cursor this service issued; use `next_cursor` of the previous page",
                ));
                0
            }
        };
        (after_id, limit)
    }

    /// The page asked for, or every bad parameter.
    pub fn into_listing<F>(
        self,
        filter: F,
        (after_id, limit): (i64, i64),
    ) -> ApiResult<Listing<F>> {
        self.into_result().map(|()| Listing {
            filter,
            after_id,
            limit,
        })
    }

    pub fn into_result(self) -> ApiResult<()> {
        match self.0.len() {
            0 => Ok(()),
            _ => Err(ApiError::BadRequest {
                detail: match self.0.as_slice() {
                    [one] => format!("Query parameter `{}` {}", one.field, one.message),
                    many => format!("{} query parameters are invalid", many.len()),
                },
                errors: self.0,
            }),
        }
    }
}

/// Parses one optional filter; a value `parse` rejects is recorded as a format error.
pub fn parse_filter<T>(
    errors: &mut ListFilterErrors,
    field: &str,
    value: Option<String>,
    parse: impl FnOnce(String) -> Option<T>,
) -> Option<T> {
    let value = value?;
    let shown = value.chars().take(50).collect::<String>();
    let parsed = parse(value);
    if parsed.is_none() {
        errors.0.push(FieldError::new(
            field,
            "format",
            format!("has a value this filter does not accept: {shown:?}"),
        ));
    }
    parsed
}
