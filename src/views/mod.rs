//! The JSON shapes of request and response bodies, one module per resource. They derive the
//! OpenAPI schemas; the use cases (`app`) build them from rows and read them.

pub mod audit;
pub mod auth;
pub mod changes;
pub mod methodologies;
pub mod organizations;
pub mod regions;
pub mod users;
pub mod webhooks;

use serde::{Deserialize, Deserializer};

use crate::domain::FieldError;

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
