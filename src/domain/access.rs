//! Who acts and how far a role reaches, as data: the policy table (`auth::policy`) decides, and
//! the queries (`db`) filter lists by what it decided.

use super::user::Role;

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

/// How far a granted role reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Any resource.
    All,
    /// Resources of the caller's region.
    OwnRegion,
    /// The caller's own organization.
    OwnOrganization,
    /// Cycles the caller (an operator) is assigned to.
    AssignedCycle,
}

/// What a list may show a caller: everything, or the published resources plus
/// those its grant reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Everything,
    PublishedAnd {
        scope: Option<Scope>,
        region_id: Option<i64>,
        organization_id: Option<i64>,
        user_id: Option<i64>,
    },
}
