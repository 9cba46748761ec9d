//! Users of the service: their roles, the scope each role is bound to, and account rules.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::FieldError;

/// A role of DESIGN.md. Anonymous callers have no role at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including users.
    Admin,
    /// The regional authority (уполномоченный орган): its region.
    Authority,
    /// The operator (организация-оператор): cycles it is assigned to.
    Operator,
    /// The public council (общественный совет): its region.
    Council,
    /// An organization of social services: itself.
    Organization,
    /// Reads everything, drafts and the audit log included; writes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Self::Admin,
        Self::Authority,
        Self::Operator,
        Self::Council,
        Self::Organization,
        Self::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Authority => "authority",
            Self::Operator => "operator",
            Self::Council => "council",
            Self::Organization => "organization",
            Self::Auditor => "auditor",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// Roles bound to one region: their users must name it.
    pub fn is_regional(self) -> bool {
        matches!(self, Self::Authority | Self::Council | Self::Operator)
    }
}

/// Which scope fields a user of `role` must have: `(region, organization)`.
pub fn required_scope(role: Role) -> (bool, bool) {
    (role.is_regional(), role == Role::Organization)
}

/// Checks that a user's scope fields fit the role: regional roles name a region, organization
/// users an organization, and nobody names what their role does not use.
pub fn check_scope(
    role: Role,
    region_id: Option<i64>,
    organization_id: Option<i64>,
) -> Vec<FieldError> {
    let (needs_region, needs_organization) = required_scope(role);
    let mut errors = Vec::new();
    for (field, needed, given) in [
        ("region_id", needs_region, region_id.is_some()),
        (
            "organization_id",
            needs_organization,
            organization_id.is_some(),
        ),
    ] {
        if needed && !given {
            errors.push(FieldError::new(
                field,
                "required",
                format!("a user with role {} must have one", role.as_str()),
            ));
        } else if !needed && given {
            errors.push(FieldError::new(
                field,
                "not_allowed",
                format!("a user with role {} has none", role.as_str()),
            ));
        }
    }
    errors
}

/// Usernames: 3–64 characters, lower-case Latin letters, digits, `.`, `_`, `-`, starting with a
/// letter or digit. Compared after lower-casing, so `Admin` and `admin` are one user.
pub fn check_username(username: &str) -> Option<FieldError> {
    let b = username.as_bytes();
    let ok = (3..=64).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'-')
        });
    (!ok).then(|| {
        FieldError::new(
            "username",
            "format",
            "3–64 characters: lower-case Latin letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    })
}

/// [`check_username`] as a custom rule of `validator`, for the request bodies that name a user.
pub fn username_rule(username: &str) -> Result<(), validator::ValidationError> {
    match check_username(username) {
        Some(error) => {
            Err(validator::ValidationError::new("format").with_message(error.message.into()))
        }
        None => Ok(()),
    }
}

/// Every rule a new account must satisfy, with the password checked by `password_rule`.
pub fn check_new_user(
    username: &str,
    role: Role,
    region_id: Option<i64>,
    organization_id: Option<i64>,
) -> Vec<FieldError> {
    let mut errors = check_scope(role, region_id, organization_id);
    errors.extend(check_username(username));
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_fit_roles() {
        assert!(check_scope(Role::Authority, Some(1), None).is_empty());
        assert_eq!(
            check_scope(Role::Authority, None, None)[0].field,
            "region_id"
        );
        assert_eq!(
            check_scope(Role::Organization, Some(1), Some(2))[0].code,
            "not_allowed"
        );
        assert!(check_scope(Role::Organization, None, Some(2)).is_empty());
        assert!(check_scope(Role::Auditor, None, None).is_empty());
        assert_eq!(check_scope(Role::Admin, None, Some(3)).len(), 1);
    }

    #[test]
    fn usernames_are_plain() {
        for ok in ["admin", "tula.authority", "op-71_2"] {
            assert!(check_username(ok).is_none(), "{ok}");
        }
        for bad in ["ad", "Admin", "-admin", "иванов", "a b c", &"a".repeat(65)] {
            assert!(check_username(bad).is_some(), "{bad}");
        }
    }
}
