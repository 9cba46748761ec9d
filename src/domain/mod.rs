//! Pure rules of the domain: no actix, no diesel, no I/O. Unit-tested in place.

pub mod audit;
pub mod cycle;
pub mod identifiers;
pub mod methodology;
pub mod organization;
pub mod paging;
pub mod proposal;
pub mod rating;
pub mod region;
pub mod scoring;
pub mod survey;
pub mod text;
pub mod user;
