//! Who is calling and what they may do: token issue and verification, password hashing, the
//! `Caller` extractor, login throttling, and the one policy table.

pub mod extractor;
pub mod gate;
pub mod password;
pub mod policy;
pub mod throttle;
pub mod token;

pub use crate::domain::access::Principal;
pub use crate::domain::user::Role;
pub use extractor::Caller;
