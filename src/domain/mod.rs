//! Pure rules of the domain: no actix, no diesel, no I/O. Unit-tested in place.

pub mod access;
pub mod address;
pub mod audit;
pub mod council;
pub mod cycle;
pub mod deadline;
pub mod field;
pub mod figure;
pub mod follow_up;
pub mod identifiers;
pub mod methodology;
pub mod open_data;
pub mod operator;
pub mod organization;
pub mod organizing;
pub mod paging;
pub mod plan;
pub mod plan_form;
pub mod proposal;
pub mod rating;
pub mod region;
pub mod scoring;
pub mod sheet;
pub mod status;
pub mod survey;
pub mod text;
pub mod user;
mod variants;

pub use field::FieldError;
