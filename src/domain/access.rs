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

/// A role and how far it reaches: one line of a rule of the policy table (`auth::policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub scope: Scope,
}

/// Who sees unpublished changes in the change feed and in webhook deliveries, and how far: the
/// readers of unpublished plans, cycles and evaluations, each within its region or organization.
/// Operators, who read their assigned cycles directly, see what is public. `auth::policy` checks
/// that this stays in line with its read rules.
pub const FEED_READERS: &[Grant] = &[
    Grant {
        role: Role::Admin,
        scope: Scope::All,
    },
    Grant {
        role: Role::Auditor,
        scope: Scope::All,
    },
    Grant {
        role: Role::Authority,
        scope: Scope::OwnRegion,
    },
    Grant {
        role: Role::Council,
        scope: Scope::OwnRegion,
    },
    Grant {
        role: Role::Organization,
        scope: Scope::OwnOrganization,
    },
];

impl Visibility {
    /// What `principal` sees when its role reaches as far as `scope` (`None`: no grant).
    pub fn granted(principal: Option<&Principal>, scope: Option<Scope>) -> Self {
        match scope {
            Some(Scope::All) => Self::Everything,
            scope => Self::PublishedAnd {
                scope,
                region_id: principal.and_then(|p| p.region_id),
                organization_id: principal.and_then(|p| p.organization_id),
                user_id: principal.and_then(|p| p.user_id),
            },
        }
    }

    /// What `principal` sees under `grants`.
    pub fn under(principal: Option<&Principal>, grants: &[Grant]) -> Self {
        let scope = principal
            .and_then(|p| grants.iter().find(|g| g.role == p.role))
            .map(|g| g.scope);
        Self::granted(principal, scope)
    }

    /// Whether an unpublished resource of this region and organization is visible. A scope
    /// whose key the caller lacks reaches nothing; assigned cycles are not a resource's own.
    pub fn reaches(&self, region_id: Option<i64>, organization_id: Option<i64>) -> bool {
        match *self {
            Self::Everything => true,
            Self::PublishedAnd {
                scope: Some(Scope::OwnRegion),
                region_id: Some(own),
                ..
            } => region_id == Some(own),
            Self::PublishedAnd {
                scope: Some(Scope::OwnOrganization),
                organization_id: Some(own),
                ..
            } => organization_id == Some(own),
            Self::PublishedAnd { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, region_id: Option<i64>, organization_id: Option<i64>) -> Principal {
        Principal {
            user_id: Some(1),
            username: "u".into(),
            role,
            region_id,
            organization_id,
        }
    }

    #[test]
    fn the_feed_reaches_a_region_or_an_organization_only_with_its_key() {
        let feed = |p: &Principal| Visibility::under(Some(p), FEED_READERS);
        let auditor = feed(&principal(Role::Auditor, None, None));
        assert_eq!(auditor, Visibility::Everything);
        let tula = feed(&principal(Role::Council, Some(2), None));
        assert!(tula.reaches(Some(2), Some(7)) && !tula.reaches(Some(3), None));
        let org = feed(&principal(Role::Organization, None, Some(7)));
        assert!(org.reaches(Some(2), Some(7)) && !org.reaches(Some(2), Some(8)));
        for keyless in [
            feed(&principal(Role::Authority, None, None)),
            feed(&principal(Role::Organization, None, None)),
            feed(&principal(Role::Operator, Some(2), None)),
            Visibility::under(None, FEED_READERS),
        ] {
            assert!(!keyless.reaches(None, None) && !keyless.reaches(Some(2), Some(7)));
        }
    }
}
