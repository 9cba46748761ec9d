//! What an audit event records of a change: the fields that differ, before and after.

use serde_json::{Map, Value};

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
    fn a_creation_keeps_everything() {
        let (before, after) = changed_fields(None, Some(json!({"id": 1})));
        assert_eq!((before, after), (None, Some(json!({"id": 1}))));
    }
}
