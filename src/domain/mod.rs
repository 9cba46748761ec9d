//! Pure rules of the domain: no actix, no diesel, no I/O. Unit-tested in place.

pub mod audit;
pub mod identifiers;
pub mod organization;
pub mod paging;
pub mod region;
pub mod text;
pub mod user;
