//! Bodies of `/api/v1/changes`.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::changes::FeedEvent;

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    /// Changes in commit order. Apply them in order: `created`/`updated` carry the resource as
    /// its GET shows it; `deleted` removes it (also when it is no longer visible to the caller).
    pub items: Vec<FeedEvent>,
    /// Where to resume: pass it as `since` next time (also when `items` is empty).
    pub next_cursor: String,
    /// More changes are waiting now.
    pub has_more: bool,
}

/// The view each resource type of the feed carries as `resource` (as its GET shows it), for the
/// document's one schema per resource type (`openapi::fit_for_generators`).
pub const RESOURCE_SCHEMAS: &[(&str, &str)] = &[
    ("region", "Region"),
    ("organization", "Organization"),
    ("cycle", "Cycle"),
    ("evaluation", "EvaluationSummary"),
    ("proposal", "Proposal"),
    ("council_meeting", "CouncilMeeting"),
    ("cycle_deadlines", "CycleDeadlines"),
    ("plan", "Plan"),
    ("report", "Report"),
    ("organizing_plan", "OrganizingPlan"),
    ("operator", "Operator"),
];
