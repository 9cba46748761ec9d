//! The one authorization policy: every route, the roles that may call it, and the scope each
//! role is held to. Handlers name their rule and call [`authorize`]; the OpenAPI document and
//! the route × role test are both generated from [`RULES`].

use super::{Caller, Principal, Role};
pub use crate::domain::access::{Grant, Scope, Visibility, FEED_READERS};
use crate::error::{ApiError, ApiResult, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone; credentials are not even looked at (health checks, the login itself).
    Open,
    /// Anyone, anonymous callers included; a token, if sent, must be valid.
    Anyone,
    /// Any authenticated caller.
    Authenticated,
    /// Only these roles, each within its scope.
    Roles(&'static [Grant]),
    /// Published resources to anyone; unpublished ones only to these roles within their scope,
    /// and to nobody else — not even as a 403: they get 404, so drafts do not leak.
    PublishedOr(&'static [Grant]),
}

/// One route of the API and who may call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub method: &'static str,
    /// The route as the OpenAPI document writes it.
    pub path: &'static str,
    pub access: Access,
    /// A caller whose role is granted but whose scope does not reach the resource gets 404
    /// instead of 403 when the resource's existence must not leak (drafts of another scope).
    pub hide_out_of_scope: bool,
}

/// The resource a request acts on, as far as scopes care.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Target {
    pub region_id: Option<i64>,
    /// The organization concerned; for a cycle, the caller's organization if the cycle assesses it.
    pub organization_id: Option<i64>,
    /// The caller is an operator assigned to the cycle concerned.
    pub assigned: bool,
    /// The resource is published.
    pub published: bool,
}

impl Target {
    pub fn region(region_id: i64) -> Self {
        Self {
            region_id: Some(region_id),
            ..Self::default()
        }
    }

    pub fn organization(region_id: i64, organization_id: i64) -> Self {
        Self {
            region_id: Some(region_id),
            organization_id: Some(organization_id),
            ..Self::default()
        }
    }
}

const fn all(role: Role) -> Grant {
    Grant {
        role,
        scope: Scope::All,
    }
}

const fn own_region(role: Role) -> Grant {
    Grant {
        role,
        scope: Scope::OwnRegion,
    }
}

const fn own_organization(role: Role) -> Grant {
    Grant {
        role,
        scope: Scope::OwnOrganization,
    }
}

const fn assigned(role: Role) -> Grant {
    Grant {
        role,
        scope: Scope::AssignedCycle,
    }
}

const fn rule(method: &'static str, path: &'static str, access: Access) -> Rule {
    Rule {
        method,
        path,
        access,
        hide_out_of_scope: false,
    }
}

use Role::*;

const ADMIN: &[Grant] = &[all(Admin)];

pub const HEALTH: Rule = rule("GET", "/health", Access::Open);
pub const READY: Rule = rule("GET", "/ready", Access::Open);
/// Counts by route and status, no data: scrapers need no token.
/// Open to the gate: /metrics checks its own credential, NOK_METRICS_TOKEN, not a user's token.
pub const METRICS: Rule = rule("GET", "/metrics", Access::Open);

pub const AUTH_TOKEN: Rule = rule("POST", "/api/v1/auth/token", Access::Open);
pub const AUTH_ME: Rule = rule("GET", "/api/v1/auth/me", Access::Authenticated);

pub const REGION_LIST: Rule = rule("GET", "/api/v1/regions", Access::Anyone);
pub const REGION_READ: Rule = rule("GET", "/api/v1/regions/{id}", Access::Anyone);
pub const REGION_READ_BY_CODE: Rule = rule("GET", "/api/v1/regions/by-code/{code}", Access::Anyone);
pub const REGION_CREATE: Rule = rule("POST", "/api/v1/regions", Access::Roles(ADMIN));
pub const REGION_UPDATE: Rule = rule("PATCH", "/api/v1/regions/{id}", Access::Roles(ADMIN));

/// The registry of organizations is public: portals show it beside published results.
pub const ORGANIZATION_LIST: Rule = rule("GET", "/api/v1/organizations", Access::Anyone);
pub const ORGANIZATION_READ: Rule = rule("GET", "/api/v1/organizations/{id}", Access::Anyone);
pub const ORGANIZATION_CREATE: Rule = rule(
    "POST",
    "/api/v1/organizations",
    Access::Roles(&[all(Admin), own_region(Authority)]),
);
/// An organization may correct its own contact data; see [`ORGANIZATION_SELF_SERVICE_FIELDS`].
pub const ORGANIZATION_UPDATE: Rule = rule(
    "PATCH",
    "/api/v1/organizations/{id}",
    Access::Roles(&[
        all(Admin),
        own_region(Authority),
        own_organization(Organization),
    ]),
);
pub const ORGANIZATION_DEACTIVATE: Rule = rule(
    "POST",
    "/api/v1/organizations/{id}/deactivate",
    Access::Roles(&[all(Admin), own_region(Authority)]),
);

pub const USER_LIST: Rule = rule("GET", "/api/v1/users", Access::Roles(ADMIN));
pub const USER_CREATE: Rule = rule("POST", "/api/v1/users", Access::Roles(ADMIN));
pub const USER_READ: Rule = rule("GET", "/api/v1/users/{id}", Access::Roles(ADMIN));
pub const USER_DEACTIVATE: Rule = rule(
    "POST",
    "/api/v1/users/{id}/deactivate",
    Access::Roles(ADMIN),
);
pub const USER_PASSWORD: Rule = rule("POST", "/api/v1/users/{id}/password", Access::Roles(ADMIN));

pub const AUDIT_LIST: Rule = rule(
    "GET",
    "/api/v1/audit-events",
    Access::Roles(&[all(Admin), all(Auditor)]),
);

pub const METHODOLOGY_LIST: Rule = rule("GET", "/api/v1/methodologies", Access::Anyone);
pub const METHODOLOGY_READ: Rule = rule("GET", "/api/v1/methodologies/{id}", Access::Anyone);

/// Who sees an unpublished cycle and its evaluations: its region's authority and council, its
/// assigned operators, the organizations it assesses (their own evaluation), admin and auditor.
const CYCLE_READERS: &[Grant] = &[
    all(Admin),
    all(Auditor),
    own_region(Authority),
    own_region(Council),
    assigned(Operator),
    own_organization(Organization),
];
const CYCLE_MANAGERS: &[Grant] = &[all(Admin), own_region(Authority)];
const DATA_ENTRY: &[Grant] = &[all(Admin), assigned(Operator)];

const fn hidden(method: &'static str, path: &'static str, access: Access) -> Rule {
    Rule {
        method,
        path,
        access,
        hide_out_of_scope: true,
    }
}

pub const CYCLE_LIST: Rule = rule("GET", "/api/v1/cycles", Access::PublishedOr(CYCLE_READERS));
pub const CYCLE_READ: Rule = hidden(
    "GET",
    "/api/v1/cycles/{id}",
    Access::PublishedOr(CYCLE_READERS),
);
pub const CYCLE_CREATE: Rule = rule("POST", "/api/v1/cycles", Access::Roles(CYCLE_MANAGERS));
pub const CYCLE_UPDATE: Rule = hidden(
    "PATCH",
    "/api/v1/cycles/{id}",
    Access::Roles(CYCLE_MANAGERS),
);
pub const CYCLE_START_COLLECTING: Rule = hidden(
    "POST",
    "/api/v1/cycles/{id}/start-collecting",
    Access::Roles(CYCLE_MANAGERS),
);
pub const CYCLE_SUBMIT_RESULTS: Rule = hidden(
    "POST",
    "/api/v1/cycles/{id}/submit-results",
    Access::Roles(DATA_ENTRY),
);
pub const EVALUATION_LIST: Rule = hidden(
    "GET",
    "/api/v1/cycles/{id}/evaluations",
    Access::PublishedOr(CYCLE_READERS),
);
pub const EVALUATION_READ: Rule = hidden(
    "GET",
    "/api/v1/cycles/{id}/evaluations/{organization_id}",
    Access::PublishedOr(CYCLE_READERS),
);
pub const EVALUATION_INPUTS: Rule = hidden(
    "PUT",
    "/api/v1/cycles/{id}/evaluations/{organization_id}/inputs",
    Access::Roles(DATA_ENTRY),
);
pub const SURVEY_UPLOAD: Rule = hidden(
    "POST",
    "/api/v1/cycles/{id}/evaluations/{organization_id}/survey-responses",
    Access::Roles(DATA_ENTRY),
);
pub const REGION_UNASSESSED: Rule = rule(
    "GET",
    "/api/v1/regions/{id}/unassessed-organizations",
    Access::Roles(&[
        all(Admin),
        all(Auditor),
        own_region(Authority),
        own_region(Council),
    ]),
);

const COUNCIL: &[Grant] = &[all(Admin), own_region(Council)];
/// Who sees a cycle's unpublished results of every organization (ratings, exports, approvals):
/// the cycle's readers but the organizations, which see their own evaluation only.
const CYCLE_RESULT_READERS: &[Grant] = &[
    all(Admin),
    all(Auditor),
    own_region(Authority),
    own_region(Council),
    assigned(Operator),
];

pub const RATINGS_READ: Rule = hidden(
    "GET",
    "/api/v1/cycles/{id}/ratings",
    Access::PublishedOr(CYCLE_RESULT_READERS),
);
pub const RATINGS_EXPORT: Rule = hidden(
    "GET",
    "/api/v1/cycles/{id}/ratings/export",
    Access::PublishedOr(CYCLE_RESULT_READERS),
);
pub const RESULTS_EXPORT: Rule = hidden(
    "GET",
    "/api/v1/cycles/{id}/results/export",
    Access::PublishedOr(CYCLE_RESULT_READERS),
);
pub const APPROVAL_LIST: Rule = hidden(
    "GET",
    "/api/v1/cycles/{id}/approvals",
    Access::PublishedOr(CYCLE_RESULT_READERS),
);
pub const RATINGS_APPROVE: Rule = hidden(
    "POST",
    "/api/v1/cycles/{id}/ratings/approve",
    Access::Roles(COUNCIL),
);
pub const CYCLE_PUBLISH: Rule = hidden(
    "POST",
    "/api/v1/cycles/{id}/publish",
    Access::Roles(CYCLE_MANAGERS),
);
pub const CYCLE_REOPEN: Rule = hidden(
    "POST",
    "/api/v1/cycles/{id}/reopen",
    Access::Roles(CYCLE_MANAGERS),
);
pub const PROPOSAL_LIST: Rule = hidden(
    "GET",
    "/api/v1/cycles/{id}/proposals",
    Access::PublishedOr(CYCLE_READERS),
);
pub const PROPOSAL_READ: Rule = hidden(
    "GET",
    "/api/v1/cycles/{id}/proposals/{proposal_id}",
    Access::PublishedOr(CYCLE_READERS),
);
pub const PROPOSAL_CREATE: Rule = hidden(
    "POST",
    "/api/v1/cycles/{id}/proposals",
    Access::Roles(COUNCIL),
);
pub const PROPOSAL_UPDATE: Rule = hidden(
    "PATCH",
    "/api/v1/cycles/{id}/proposals/{proposal_id}",
    Access::Roles(COUNCIL),
);
pub const PROPOSAL_DELETE: Rule = hidden(
    "DELETE",
    "/api/v1/cycles/{id}/proposals/{proposal_id}",
    Access::Roles(COUNCIL),
);
/// The deadlines a cycle's decision sets are read where the cycle is; the authority sets them.
pub const CYCLE_DEADLINES_READ: Rule = hidden(
    "GET",
    "/api/v1/cycles/{id}/deadlines",
    Access::PublishedOr(CYCLE_READERS),
);
pub const CYCLE_DEADLINES_SET: Rule = hidden(
    "PUT",
    "/api/v1/cycles/{id}/deadlines",
    Access::Roles(CYCLE_MANAGERS),
);
/// Who follows up the assessment: the region's authority and council, admin and auditor; an
/// assessed organization reads its own line only.
pub const FOLLOW_UP_READ: Rule = hidden(
    "GET",
    "/api/v1/cycles/{id}/follow-up",
    Access::Roles(&[
        all(Admin),
        all(Auditor),
        own_region(Authority),
        own_region(Council),
        own_organization(Organization),
    ]),
);
pub const FOLLOW_UP_EXPORT: Rule = hidden(
    "GET",
    "/api/v1/cycles/{id}/follow-up/export",
    Access::Roles(&[
        all(Admin),
        all(Auditor),
        own_region(Authority),
        own_region(Council),
    ]),
);
/// A public council's meetings, agendas and decisions are public information (the council
/// publishes them on the region's site): anyone reads them. The council keeps them, and the
/// authority, which acts as its secretariat.
const MEETING_WRITERS: &[Grant] = &[all(Admin), own_region(Authority), own_region(Council)];
pub const MEETING_LIST: Rule = rule(
    "GET",
    "/api/v1/regions/{id}/council-meetings",
    Access::Anyone,
);
pub const MEETING_READ: Rule = rule(
    "GET",
    "/api/v1/regions/{id}/council-meetings/{meeting_id}",
    Access::Anyone,
);
pub const MEETING_CREATE: Rule = rule(
    "POST",
    "/api/v1/regions/{id}/council-meetings",
    Access::Roles(MEETING_WRITERS),
);
pub const MEETING_UPDATE: Rule = rule(
    "PATCH",
    "/api/v1/regions/{id}/council-meetings/{meeting_id}",
    Access::Roles(MEETING_WRITERS),
);
/// Public from published results; the region's readers see approved, unpublished ones too.
pub const REGION_SUMMARY: Rule = rule(
    "GET",
    "/api/v1/regions/{id}/summary",
    Access::PublishedOr(&[
        all(Admin),
        all(Auditor),
        own_region(Authority),
        own_region(Council),
    ]),
);
/// The national summary: public from published results; admin and auditor, who see every
/// region, see approved unpublished ones too.
pub const NATIONAL_SUMMARY: Rule = rule(
    "GET",
    "/api/v1/summary",
    Access::PublishedOr(&[all(Admin), all(Auditor)]),
);

/// Who sees an unpublished plan: its region's authority and council, its organization, admin
/// and auditor. Published (and closed) plans are public.
const PLAN_READERS: &[Grant] = &[
    all(Admin),
    all(Auditor),
    own_region(Authority),
    own_region(Council),
    own_organization(Organization),
];
/// Who drafts a plan: the organization its own, the authority any of its region (and the
/// region-wide ones).
const PLAN_WRITERS: &[Grant] = &[
    all(Admin),
    own_region(Authority),
    own_organization(Organization),
];
/// Who approves, publishes and closes plans and accepts reports.
const PLAN_APPROVERS: &[Grant] = &[all(Admin), own_region(Authority)];

pub const PLAN_LIST: Rule = rule("GET", "/api/v1/plans", Access::PublishedOr(PLAN_READERS));
pub const PLAN_CREATE: Rule = rule("POST", "/api/v1/plans", Access::Roles(PLAN_WRITERS));
pub const PLAN_IMPORT: Rule = rule("POST", "/api/v1/plans/import", Access::Roles(PLAN_WRITERS));
pub const PLAN_READ: Rule = hidden(
    "GET",
    "/api/v1/plans/{id}",
    Access::PublishedOr(PLAN_READERS),
);
pub const PLAN_UPDATE: Rule = hidden("PATCH", "/api/v1/plans/{id}", Access::Roles(PLAN_WRITERS));
pub const PLAN_SUBMIT: Rule = hidden(
    "POST",
    "/api/v1/plans/{id}/submit",
    Access::Roles(PLAN_WRITERS),
);
pub const PLAN_RETURN: Rule = hidden(
    "POST",
    "/api/v1/plans/{id}/return",
    Access::Roles(PLAN_APPROVERS),
);
pub const PLAN_APPROVE: Rule = hidden(
    "POST",
    "/api/v1/plans/{id}/approve",
    Access::Roles(PLAN_APPROVERS),
);
pub const PLAN_PUBLISH: Rule = hidden(
    "POST",
    "/api/v1/plans/{id}/publish",
    Access::Roles(PLAN_APPROVERS),
);
pub const PLAN_CLOSE: Rule = hidden(
    "POST",
    "/api/v1/plans/{id}/close",
    Access::Roles(PLAN_APPROVERS),
);
pub const PLAN_EXPORT: Rule = hidden(
    "GET",
    "/api/v1/plans/{id}/export",
    Access::PublishedOr(PLAN_READERS),
);
pub const MEASURE_CREATE: Rule = hidden(
    "POST",
    "/api/v1/plans/{id}/measures",
    Access::Roles(PLAN_WRITERS),
);
pub const MEASURE_READ: Rule = hidden(
    "GET",
    "/api/v1/plans/{id}/measures/{measure_id}",
    Access::PublishedOr(PLAN_READERS),
);
pub const MEASURE_UPDATE: Rule = hidden(
    "PATCH",
    "/api/v1/plans/{id}/measures/{measure_id}",
    Access::Roles(PLAN_WRITERS),
);
pub const MEASURE_DELETE: Rule = hidden(
    "DELETE",
    "/api/v1/plans/{id}/measures/{measure_id}",
    Access::Roles(PLAN_WRITERS),
);
/// Drafting a plan from an evaluation: the organization evaluated, or its region's authority.
pub const PLAN_DRAFT: Rule = hidden(
    "POST",
    "/api/v1/evaluations/{id}/plan-draft",
    Access::Roles(PLAN_WRITERS),
);
pub const REPORT_LIST: Rule = hidden(
    "GET",
    "/api/v1/plans/{id}/reports",
    Access::PublishedOr(PLAN_READERS),
);
pub const REPORT_CREATE: Rule = hidden(
    "POST",
    "/api/v1/plans/{id}/reports",
    Access::Roles(PLAN_WRITERS),
);
pub const REPORT_IMPORT: Rule = hidden(
    "POST",
    "/api/v1/plans/{id}/reports/import",
    Access::Roles(PLAN_WRITERS),
);
pub const REPORT_READ: Rule = hidden(
    "GET",
    "/api/v1/plans/{id}/reports/{report_id}",
    Access::PublishedOr(PLAN_READERS),
);
pub const REPORT_ENTRY: Rule = hidden(
    "PUT",
    "/api/v1/plans/{id}/reports/{report_id}/entries/{measure_id}",
    Access::Roles(PLAN_WRITERS),
);
pub const REPORT_SUBMIT: Rule = hidden(
    "POST",
    "/api/v1/plans/{id}/reports/{report_id}/submit",
    Access::Roles(PLAN_WRITERS),
);
pub const REPORT_ACCEPT: Rule = hidden(
    "POST",
    "/api/v1/plans/{id}/reports/{report_id}/accept",
    Access::Roles(PLAN_APPROVERS),
);
pub const REPORT_EXPORT: Rule = hidden(
    "GET",
    "/api/v1/plans/{id}/reports/{report_id}/export",
    Access::PublishedOr(PLAN_READERS),
);

/// The region's plan for organizing the assessment (seed 002): approved by an order and
/// published, so anyone reads it; the region's authority records and keeps it.
const ORGANIZING_PLAN_WRITERS: &[Grant] = &[all(Admin), own_region(Authority)];
pub const ORGANIZING_PLAN_LIST: Rule = rule(
    "GET",
    "/api/v1/regions/{id}/organizing-plans",
    Access::Anyone,
);
pub const ORGANIZING_PLAN_CREATE: Rule = rule(
    "POST",
    "/api/v1/regions/{id}/organizing-plans",
    Access::Roles(ORGANIZING_PLAN_WRITERS),
);
pub const ORGANIZING_PLAN_IMPORT: Rule = rule(
    "POST",
    "/api/v1/regions/{id}/organizing-plans/import",
    Access::Roles(ORGANIZING_PLAN_WRITERS),
);
pub const ORGANIZING_PLAN_READ: Rule = rule("GET", "/api/v1/organizing-plans/{id}", Access::Anyone);
pub const ORGANIZING_PLAN_EXPORT: Rule = rule(
    "GET",
    "/api/v1/organizing-plans/{id}/export",
    Access::Anyone,
);
pub const ORGANIZING_TARGET_YEAR: Rule = rule(
    "PUT",
    "/api/v1/organizing-plans/{id}/targets/{target_id}/years/{year}",
    Access::Roles(ORGANIZING_PLAN_WRITERS),
);
pub const ORGANIZING_MEASURE_UPDATE: Rule = rule(
    "PATCH",
    "/api/v1/organizing-plans/{id}/measures/{measure_id}",
    Access::Roles(ORGANIZING_PLAN_WRITERS),
);

/// The operator with its state contracts: the region's record, not a public one. The region's
/// roles read it (its operators their own organization); organizations do not, the cycle that
/// assesses them names its operator and contract. The region's authority writes.
const OPERATOR_READERS: &[Grant] = &[
    all(Admin),
    all(Auditor),
    own_region(Authority),
    own_region(Council),
    own_region(Operator),
];
const OPERATOR_WRITERS: &[Grant] = &[all(Admin), own_region(Authority)];
pub const OPERATOR_LIST: Rule = rule(
    "GET",
    "/api/v1/regions/{id}/operators",
    Access::Roles(OPERATOR_READERS),
);
pub const OPERATOR_CREATE: Rule = rule(
    "POST",
    "/api/v1/regions/{id}/operators",
    Access::Roles(OPERATOR_WRITERS),
);
pub const OPERATOR_READ: Rule = hidden(
    "GET",
    "/api/v1/operators/{id}",
    Access::Roles(OPERATOR_READERS),
);
pub const OPERATOR_CONTRACT_CREATE: Rule = hidden(
    "POST",
    "/api/v1/operators/{id}/contracts",
    Access::Roles(OPERATOR_WRITERS),
);

/// The change feed: each caller sees what it may read (anonymous callers, public data), as
/// [`feed_visibility`] tells.
pub const CHANGE_LIST: Rule = rule("GET", "/api/v1/changes", Access::Anyone);

/// Webhook subscriptions: administrators, and authorities for their region (each its own).
const WEBHOOK_OWNERS: &[Grant] = &[all(Admin), own_region(Authority)];
/// Each caller lists and registers its own subscriptions, in its own scope.
const WEBHOOK_SUBSCRIBERS: &[Grant] = &[all(Admin), all(Authority)];
pub const WEBHOOK_LIST: Rule = rule(
    "GET",
    "/api/v1/webhooks",
    Access::Roles(WEBHOOK_SUBSCRIBERS),
);
pub const WEBHOOK_CREATE: Rule = rule(
    "POST",
    "/api/v1/webhooks",
    Access::Roles(WEBHOOK_SUBSCRIBERS),
);
pub const WEBHOOK_READ: Rule = rule(
    "GET",
    "/api/v1/webhooks/{id}",
    Access::Roles(WEBHOOK_OWNERS),
);
pub const WEBHOOK_DELETE: Rule = rule(
    "DELETE",
    "/api/v1/webhooks/{id}",
    Access::Roles(WEBHOOK_OWNERS),
);
pub const WEBHOOK_DELIVERIES: Rule = rule(
    "GET",
    "/api/v1/webhooks/{id}/deliveries",
    Access::Roles(WEBHOOK_OWNERS),
);
pub const WEBHOOK_PING: Rule = rule(
    "POST",
    "/api/v1/webhooks/{id}/ping",
    Access::Roles(WEBHOOK_OWNERS),
);
pub const WEBHOOK_REDELIVER: Rule = rule(
    "POST",
    "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
    Access::Roles(WEBHOOK_OWNERS),
);

/// The published data of a year, as anyone may read it.
pub const OPEN_DATA: Rule = rule("GET", "/api/v1/open-data/{year}", Access::Anyone);

/// Every route of the API. A test checks that it matches the OpenAPI document exactly.
pub const RULES: &[Rule] = &[
    HEALTH,
    READY,
    METRICS,
    AUTH_TOKEN,
    AUTH_ME,
    REGION_LIST,
    REGION_READ,
    REGION_READ_BY_CODE,
    REGION_CREATE,
    REGION_UPDATE,
    ORGANIZATION_LIST,
    ORGANIZATION_READ,
    ORGANIZATION_CREATE,
    ORGANIZATION_UPDATE,
    ORGANIZATION_DEACTIVATE,
    USER_LIST,
    USER_CREATE,
    USER_READ,
    USER_DEACTIVATE,
    USER_PASSWORD,
    AUDIT_LIST,
    METHODOLOGY_LIST,
    METHODOLOGY_READ,
    CYCLE_LIST,
    CYCLE_READ,
    CYCLE_CREATE,
    CYCLE_UPDATE,
    CYCLE_START_COLLECTING,
    CYCLE_SUBMIT_RESULTS,
    REGION_UNASSESSED,
    EVALUATION_LIST,
    EVALUATION_READ,
    EVALUATION_INPUTS,
    SURVEY_UPLOAD,
    RATINGS_READ,
    RATINGS_EXPORT,
    RESULTS_EXPORT,
    APPROVAL_LIST,
    RATINGS_APPROVE,
    CYCLE_PUBLISH,
    CYCLE_REOPEN,
    PROPOSAL_LIST,
    PROPOSAL_READ,
    PROPOSAL_CREATE,
    PROPOSAL_UPDATE,
    PROPOSAL_DELETE,
    MEETING_LIST,
    MEETING_READ,
    MEETING_CREATE,
    MEETING_UPDATE,
    CYCLE_DEADLINES_READ,
    CYCLE_DEADLINES_SET,
    FOLLOW_UP_READ,
    FOLLOW_UP_EXPORT,
    REGION_SUMMARY,
    NATIONAL_SUMMARY,
    PLAN_LIST,
    PLAN_CREATE,
    PLAN_IMPORT,
    PLAN_READ,
    PLAN_UPDATE,
    PLAN_SUBMIT,
    PLAN_RETURN,
    PLAN_APPROVE,
    PLAN_PUBLISH,
    PLAN_CLOSE,
    PLAN_EXPORT,
    MEASURE_CREATE,
    MEASURE_READ,
    MEASURE_UPDATE,
    MEASURE_DELETE,
    PLAN_DRAFT,
    REPORT_LIST,
    REPORT_CREATE,
    REPORT_IMPORT,
    REPORT_READ,
    REPORT_ENTRY,
    REPORT_SUBMIT,
    REPORT_ACCEPT,
    REPORT_EXPORT,
    ORGANIZING_PLAN_LIST,
    ORGANIZING_PLAN_CREATE,
    ORGANIZING_PLAN_IMPORT,
    ORGANIZING_PLAN_READ,
    ORGANIZING_PLAN_EXPORT,
    ORGANIZING_TARGET_YEAR,
    ORGANIZING_MEASURE_UPDATE,
    OPERATOR_LIST,
    OPERATOR_CREATE,
    OPERATOR_READ,
    OPERATOR_CONTRACT_CREATE,
    CHANGE_LIST,
    WEBHOOK_LIST,
    WEBHOOK_CREATE,
    WEBHOOK_READ,
    WEBHOOK_DELETE,
    WEBHOOK_DELIVERIES,
    WEBHOOK_PING,
    WEBHOOK_REDELIVER,
    OPEN_DATA,
];

/// Fields an organization user may change in its own record: contact data, not identity,
/// registration numbers, region or status.
pub const ORGANIZATION_SELF_SERVICE_FIELDS: &[&str] =
    &["founder", "address", "website", "bus_gov_id", "head"];

pub fn find(method: &str, path: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
}

impl Rule {
    /// The grant `role` has under this rule, if any.
    pub fn grant(&self, role: Role) -> Option<Scope> {
        match self.access {
            Access::Open | Access::Anyone | Access::Authenticated => Some(Scope::All),
            Access::Roles(grants) | Access::PublishedOr(grants) => {
                grants.iter().find(|g| g.role == role).map(|g| g.scope)
            }
        }
    }

    /// Anonymous callers may call the route (for `PublishedOr`, on published resources).
    pub fn allows_anonymous(&self) -> bool {
        matches!(
            self.access,
            Access::Open | Access::Anyone | Access::PublishedOr(_)
        )
    }

    /// "admin; authority (own region)", for the OpenAPI document.
    pub fn describe(&self) -> String {
        match self.access {
            Access::Open => "anyone; no token needed".into(),
            Access::Anyone => "anyone, anonymous callers included".into(),
            Access::Authenticated => "any authenticated caller".into(),
            Access::Roles(grants) => describe(grants),
            Access::PublishedOr(grants) => {
                format!("anyone once published; before that {}", describe(grants))
            }
        }
    }
}

fn describe(grants: &[Grant]) -> String {
    grants
        .iter()
        .map(|g| match g.scope {
            Scope::All => g.role.as_str().to_owned(),
            Scope::OwnRegion => format!("{} (own region)", g.role.as_str()),
            Scope::OwnOrganization => format!("{} (own organization)", g.role.as_str()),
            Scope::AssignedCycle => format!("{} (assigned cycles)", g.role.as_str()),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn reaches(principal: &Principal, scope: Scope, target: &Target) -> bool {
    match scope {
        Scope::All => true,
        Scope::AssignedCycle => target.assigned,
        Scope::OwnRegion => {
            principal.region_id.is_some() && principal.region_id == target.region_id
        }
        Scope::OwnOrganization => {
            principal.organization_id.is_some()
                && principal.organization_id == target.organization_id
        }
    }
}

/// The part of [`authorize`] that needs no target: 401 without a token where the rule needs one,
/// 403 for a role the rule never grants. Handlers that validate their input before they load the
/// target call it first, so that a caller who may not call the route at all learns nothing more.
pub fn authenticate(caller: &Caller, rule: &Rule) -> ApiResult<()> {
    match caller.principal() {
        None if !rule.allows_anonymous() => Err(ApiError::Unauthorized(
            "This operation needs a bearer token: POST /api/v1/auth/token".into(),
        )),
        // Under `PublishedOr` a role without a grant still reads what is published.
        Some(principal)
            if rule.grant(principal.role).is_none()
                && !matches!(rule.access, Access::PublishedOr(_)) =>
        {
            Err(ApiError::forbidden(format!(
                "The role {} may not do this; allowed: {}",
                principal.role.as_str(),
                rule.describe()
            )))
        }
        _ => Ok(()),
    }
}

/// May `caller` act under `rule` on `target`? 401 without a token where one is needed, 403 for
/// a role the rule does not grant or a scope that does not reach, 404 instead where the rule hides
/// resources out of scope.
pub fn authorize<'c>(
    caller: &'c Caller,
    rule: &Rule,
    target: &Target,
) -> ApiResult<Option<&'c Principal>> {
    if let Access::PublishedOr(_) = rule.access {
        return authorize_published_or(caller, rule, target);
    }
    authenticate(caller, rule)?;
    let Some(principal) = caller.principal() else {
        return Ok(None);
    };
    // `authenticate` has refused a role the rule does not grant.
    let scope = rule
        .grant(principal.role)
        .ok_or_else(|| ApiError::internal("a role without a grant passed authenticate"))?;
    if reaches(principal, scope, target) {
        Ok(Some(principal))
    } else if rule.hide_out_of_scope {
        Err(ApiError::NotFound)
    } else {
        Err(ApiError::forbidden(match scope {
            Scope::OwnOrganization => "This belongs to another organization",
            _ => "This belongs to another region",
        }))
    }
}

/// Published: anyone. Unpublished: a granted role within its scope; anyone else 404.
fn authorize_published_or<'c>(
    caller: &'c Caller,
    rule: &Rule,
    target: &Target,
) -> ApiResult<Option<&'c Principal>> {
    if target.published || sees_unpublished(caller, rule, target) {
        Ok(caller.principal())
    } else {
        Err(ApiError::NotFound)
    }
}

/// Does `caller` see `target` under `rule` even unpublished (a granted role in its scope)?
pub fn sees_unpublished(caller: &Caller, rule: &Rule, target: &Target) -> bool {
    caller.principal().is_some_and(|p| {
        rule.grant(p.role)
            .is_some_and(|scope| reaches(p, scope, target))
    })
}

pub fn visibility(caller: &Caller, rule: &Rule) -> Visibility {
    let principal = caller.principal();
    Visibility::granted(principal, principal.and_then(|p| rule.grant(p.role)))
}

/// What `caller` sees of the change feed ([`CHANGE_LIST`]): public changes, and the unpublished
/// ones [`FEED_READERS`] reach.
pub fn feed_visibility(caller: &Caller) -> Visibility {
    Visibility::under(caller.principal(), FEED_READERS)
}

/// An organization user changing its own record may touch only the self-service fields.
pub fn check_organization_fields(principal: Option<&Principal>, changed: &[&str]) -> ApiResult<()> {
    if principal.map(|p| p.role) != Some(Role::Organization) {
        return Ok(());
    }
    let refused: Vec<FieldError> = changed
        .iter()
        .filter(|f| !ORGANIZATION_SELF_SERVICE_FIELDS.contains(f))
        .map(|f| {
            FieldError::new(
                *f,
                "not_allowed",
                "an organization may change only its contact data; ask the regional authority",
            )
        })
        .collect();
    if refused.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Forbidden {
            detail: format!(
                "An organization may change only {}",
                ORGANIZATION_SELF_SERVICE_FIELDS.join(", ")
            ),
            errors: refused,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, region_id: Option<i64>, organization_id: Option<i64>) -> Caller {
        Caller::authenticated(Principal {
            user_id: Some(1),
            username: "u".into(),
            role,
            region_id,
            organization_id,
        })
    }

    fn status(result: ApiResult<Option<&Principal>>) -> u16 {
        use actix_web::ResponseError;
        result
            .map(|_| 200)
            .unwrap_or_else(|e| e.status_code().as_u16())
    }

    #[test]
    fn scopes_reach_only_their_own() {
        let tula = Target::organization(2, 10);
        let rule = &ORGANIZATION_UPDATE;
        assert_eq!(status(authorize(&Caller::anonymous(), rule, &tula)), 401);
        assert_eq!(
            status(authorize(&caller(Admin, None, None), rule, &tula)),
            200
        );
        assert_eq!(
            status(authorize(&caller(Authority, Some(2), None), rule, &tula)),
            200
        );
        assert_eq!(
            status(authorize(&caller(Authority, Some(3), None), rule, &tula)),
            403
        );
        assert_eq!(
            status(authorize(&caller(Authority, None, None), rule, &tula)),
            403
        );
        assert_eq!(
            status(authorize(
                &caller(Organization, None, Some(10)),
                rule,
                &tula
            )),
            200
        );
        assert_eq!(
            status(authorize(
                &caller(Organization, None, Some(11)),
                rule,
                &tula
            )),
            403
        );
        assert_eq!(
            status(authorize(&caller(Auditor, None, None), rule, &tula)),
            403
        );
        assert_eq!(
            status(authorize(&Caller::anonymous(), &ORGANIZATION_READ, &tula)),
            200
        );
    }

    #[test]
    fn hidden_rules_answer_404_out_of_scope() {
        let hidden = Rule {
            hide_out_of_scope: true,
            ..ORGANIZATION_UPDATE
        };
        let other_region = caller(Authority, Some(3), None);
        let result = authorize(&other_region, &hidden, &Target::region(2));
        assert_eq!(status(result), 404);
    }

    #[test]
    fn every_route_is_listed_once() {
        for (i, rule) in RULES.iter().enumerate() {
            assert!(
                RULES[..i]
                    .iter()
                    .all(|r| (r.method, r.path) != (rule.method, rule.path)),
                "{} {} twice",
                rule.method,
                rule.path
            );
        }
    }

    #[test]
    fn the_feed_reaches_as_far_as_the_plan_and_cycle_readers() {
        for role in Role::ALL {
            let feed = FEED_READERS
                .iter()
                .find(|g| g.role == role)
                .map(|g| g.scope);
            assert_eq!(feed, PLAN_LIST.grant(role), "{role:?} and plans");
            let cycles = CYCLE_LIST
                .grant(role)
                .filter(|s| *s != Scope::AssignedCycle);
            assert_eq!(feed, cycles, "{role:?} and cycles");
        }
    }

    #[test]
    fn organizations_change_only_contact_data() {
        let org = caller(Organization, None, Some(10));
        assert!(check_organization_fields(org.principal(), &["website", "head"]).is_ok());
        assert!(check_organization_fields(org.principal(), &["inn"]).is_err());
        let authority = caller(Authority, Some(2), None);
        assert!(check_organization_fields(authority.principal(), &["inn"]).is_ok());
    }
}
