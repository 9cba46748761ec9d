//! The methodologies: built into the service, public to all; no storage involved.

use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::domain::methodology;
use crate::error::{ApiError, ApiResult};
use crate::views::methodologies::Methodology;

/// Every methodology version, the default first.
pub fn list(caller: &Caller) -> ApiResult<Vec<Methodology>> {
    policy::authorize(caller, &policy::METHODOLOGY_LIST, &Target::default())?;
    methodology::all().iter().map(Methodology::of).collect()
}

pub fn read(caller: &Caller, id: &str) -> ApiResult<Methodology> {
    policy::authorize(caller, &policy::METHODOLOGY_READ, &Target::default())?;
    let version = methodology::find(id).ok_or(ApiError::NotFound)?;
    Methodology::of(version)
}
