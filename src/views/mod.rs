//! The JSON shapes of request and response bodies, one module per resource, shared by whoever
//! renders them: the handlers, the change feed, the audit log and the demo loader. They derive
//! the OpenAPI schemas; the use cases (`app`) build them from `db` rows and `domain` values and
//! read them. No HTTP here.

pub mod audit;
pub mod auth;
pub mod changes;
pub mod cycles;
pub mod evaluations;
pub mod methodologies;
pub mod organizations;
pub mod proposals;
pub mod ratings;
pub mod regions;
pub mod summary;
pub mod users;
pub mod webhooks;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::domain::FieldError;

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
