//! Who is calling and what they may do: token issue and verification, password hashing, the
//! `Caller` extractor, login throttling, and the one policy table.

pub mod extractor;
pub mod gate;
pub mod password;
pub mod policy;
pub mod throttle;
pub mod token;

pub use crate::domain::user::Role;
pub use extractor::Caller;

/// An authenticated caller, with the scope its role is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The local user, or `None` for a token of the regional identity provider.
    pub user_id: Option<i64>,
    /// Username, or the `sub` of an identity-provider token.
    pub username: String,
    pub role: Role,
    pub region_id: Option<i64>,
    pub organization_id: Option<i64>,
}
