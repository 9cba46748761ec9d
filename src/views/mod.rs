//! The JSON shapes the API answers and accepts, shared by whoever renders them: the handlers,
//! the change feed, the audit log and the demo loader. Built from `db` rows and `domain`
//! values; no HTTP here.

pub mod cycles;
pub mod evaluations;
pub mod proposals;
pub mod ratings;
pub mod summary;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};

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
