//! What an audit event records of a change: the fields that differ, before and after.

use serde_json::{Map, Value};

/// Every action the log records, `<resource type>.<what happened>` in the past tense. Adding an
/// action is one line here; recording one that is missing fails (a test catches it).
pub const ACTIONS: &[&str] = &[
    "auth.logged_in",
    "council_meeting.created",
    "council_meeting.updated",
    "cycle.approved",
    "cycle.collection_started",
    "cycle.created",
    "cycle.published",
    "cycle.reopened",
    "cycle.results_submitted",
    "cycle.updated",
    "cycle_deadlines.updated",
    "evaluation.inputs_entered",
    "evaluation.survey_uploaded",
    "measure.created",
    "measure.deleted",
    "measure.updated",
    "operator.contract_added",
    "operator.created",
    "organization.created",
    "organization.deactivated",
    "organization.updated",
    "organizing_plan.created",
    "organizing_plan.imported",
    "organizing_plan.measure_updated",
    "organizing_plan.target_updated",
    "plan.approved",
    "plan.closed",
    "plan.created",
    "plan.published",
    "plan.returned",
    "plan.submitted",
    "plan.updated",
    "proposal.created",
    "proposal.deleted",
    "proposal.updated",
    "region.created",
    "region.updated",
    "report.accepted",
    "report.created",
    "report.entry_saved",
    "report.imported",
    "report.submitted",
    "user.created",
    "user.deactivated",
    "user.password_reset",
    "webhook.created",
    "webhook.deactivated",
];

/// The types of resource the log records changes of: the part of every action before the dot,
/// plus `user` for logins.
pub fn resource_types() -> Vec<&'static str> {
    let mut types: Vec<&str> = ACTIONS
        .iter()
        .map(|a| a.split_once('.').map_or(*a, |(t, _)| t))
        .filter(|t| *t != "auth")
        .collect();
    types.dedup();
    types
}

/// `action` if the log knows it.
pub fn known_action(action: &str) -> bool {
    ACTIONS.contains(&action)
}

/// `resource_type` if the log records changes of it.
pub fn known_resource_type(resource_type: &str) -> bool {
    resource_types().contains(&resource_type)
}

/// Fields that change on every write and say nothing about the change itself.
const BOOKKEEPING: &[&str] = &["updated_at", "created_at"];

/// Reduces two JSON objects to the fields that differ, as (before, after). A creation (no
/// `before`) or a removal (no `after`) keeps the whole other side.
pub fn changed_fields(
    before: Option<Value>,
    after: Option<Value>,
) -> (Option<Value>, Option<Value>) {
    match (before, after) {
        (Some(Value::Object(before)), Some(Value::Object(after))) => {
            let mut old = Map::new();
            let mut new = Map::new();
            for (key, value) in &after {
                if BOOKKEEPING.contains(&key.as_str()) {
                    continue;
                }
                let previous = before.get(key).cloned().unwrap_or(Value::Null);
                if previous != *value {
                    old.insert(key.clone(), previous);
                    new.insert(key.clone(), value.clone());
                }
            }
            for (key, value) in &before {
                if !after.contains_key(key) && !BOOKKEEPING.contains(&key.as_str()) {
                    old.insert(key.clone(), value.clone());
                    new.insert(key.clone(), Value::Null);
                }
            }
            (Some(Value::Object(old)), Some(Value::Object(new)))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_only_what_changed() {
        let (before, after) = changed_fields(
            Some(json!({"id": 1, "name": "Тула", "code": "71", "updated_at": "a"})),
            Some(json!({"id": 1, "name": "Тульская область", "code": "71", "updated_at": "b"})),
        );
        assert_eq!(before, Some(json!({"name": "Тула"})));
        assert_eq!(after, Some(json!({"name": "Тульская область"})));
    }

    #[test]
    fn actions_are_sorted_unique_and_name_their_resource_type() {
        let mut sorted = ACTIONS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted, ACTIONS,
            "keep ACTIONS sorted and without duplicates"
        );
        for action in ACTIONS {
            let (resource_type, verb) = action.split_once('.').expect(action);
            assert!(
                !verb.is_empty() && (resource_type == "auth" || known_resource_type(resource_type))
            );
        }
        assert!(known_resource_type("user") && !known_resource_type("auth"));
        assert!(!known_action("plan.create"));
    }

    #[test]
    fn a_creation_keeps_everything() {
        let (before, after) = changed_fields(None, Some(json!({"id": 1})));
        assert_eq!((before, after), (None, Some(json!({"id": 1}))));
    }
}
