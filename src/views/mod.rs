//! The JSON shapes of request and response bodies, one module per resource, shared by whoever
//! renders them: the handlers, the change feed, the audit log and the demo loader. They derive
//! the OpenAPI schemas; the use cases (`app`) build them from `db` rows and `domain` values and
//! read them. No HTTP here.

pub mod audit;
pub mod auth;
pub mod changes;
pub mod council_meetings;
pub mod cycles;
pub mod evaluations;
pub mod exports;
pub mod methodologies;
pub mod operators;
pub mod organizations;
pub mod organizing_plans;
pub mod plans;
pub mod proposals;
pub mod ratings;
pub mod regions;
pub mod reports;
pub mod summary;
pub mod users;
pub mod webhooks;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::domain::paging::{self, Cursor};
use crate::error::{ApiError, ApiResult, FieldError};

/// Stored moments are UTC; the API shows them with their offset.
pub fn timestamp(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// For merge patches: tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Applies a merge-patch value to a field that cannot be empty: `null` is refused.
pub fn patch_required<T>(
    slot: &mut T,
    value: Option<Option<T>>,
    field: &str,
    errors: &mut Vec<FieldError>,
) {
    match value {
        Some(Some(value)) => *slot = value,
        Some(None) => errors.push(FieldError::new(
            field,
            "required",
            "cannot be null: leave the field out to keep its value",
        )),
        None => {}
    }
}

/// One page of a list as asked: the parsed filter, the id to start after and the page size.
#[derive(Debug, Clone)]
pub struct Listing<F> {
    pub filter: F,
    pub after_id: i64,
    pub limit: i64,
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

    /// Records a bad parameter.
    pub fn push(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
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

/// A year of a query parameter: the years bodies accept too (`domain::cycle`), from the law on
/// independent assessment to 2100.
pub fn parse_year(value: String) -> Option<i32> {
    use crate::domain::cycle::{FIRST_YEAR, LAST_YEAR};
    value
        .parse::<i32>()
        .ok()
        .filter(|year| (FIRST_YEAR..=LAST_YEAR).contains(year))
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

pub mod page;

pub use page::Page;
