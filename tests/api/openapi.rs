//! The committed document is what the code generates; run with `UPDATE_OPENAPI=1` to rewrite it.

use serde_json::Value;

const COMMITTED: &str = "openapi/openapi.json";

#[test]
fn committed_openapi_document_is_current() {
    let generated = nok_api::startup::openapi_document()
        .to_pretty_json()
        .unwrap()
        + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{COMMITTED} is stale: run `UPDATE_OPENAPI=1 cargo test --test api openapi` (or \
         `cargo run -- openapi > {COMMITTED}`) and commit the result"
    );
}

#[test]
fn every_operation_documents_its_errors() {
    let document: Value = serde_json::to_value(nok_api::startup::openapi_document()).unwrap();
    let mut operations = 0;
    let mut ids = std::collections::HashSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let responses = operation["responses"].as_object().unwrap();
            let has_error = responses
                .keys()
                .any(|status| status.starts_with('4') || status.starts_with('5'));
            // /health touches nothing that can fail; /metrics answers without the database.
            assert!(
                has_error || path == "/health" || path == "/metrics",
                "{method} {path} documents no error response"
            );
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                ids.insert(id.clone()),
                "{method} {path}: operationId {id:?} is not unique"
            );
            assert!(operation["tags"].is_array(), "{method} {path} has no tag");
            assert!(
                operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path} has no summary"
            );
            let writes = ["post", "patch", "put"].contains(&method.as_str());
            let takes_body = operation.get("requestBody").is_some();
            if writes && takes_body {
                for status in ["413", "415", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} lacks {status}"
                    );
                }
            }
            if method == "patch" {
                for status in ["412", "428"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} lacks {status}"
                    );
                }
            }
        }
    }
    assert!(operations >= 11, "only {operations} operations documented");
}

/// A composition that includes a closed schema (`additionalProperties: false`) beside other
/// properties accepts no body at all (schemathesis found NewPlanMeasure so).
#[test]
fn no_composition_includes_a_closed_schema() {
    let document: Value = serde_json::to_value(nok_api::startup::openapi_document()).unwrap();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let closed = |schema: &Value| {
        let schema = match schema["$ref"].as_str() {
            Some(r) => &schemas[r.trim_start_matches("#/components/schemas/")],
            None => schema,
        };
        schema["additionalProperties"] == Value::Bool(false)
    };
    for (name, schema) in schemas {
        if let Some(parts) = schema["allOf"].as_array() {
            assert!(
                parts.len() < 2 || !parts.iter().any(closed),
                "{name}: allOf includes a closed schema, so no body matches it"
            );
        }
    }
    let measure = &schemas["NewPlanMeasure"];
    assert_eq!(measure["additionalProperties"], Value::Bool(false));
    // A measure may have no deadline (seed 004): the property is there, not required.
    assert!(measure["properties"]["deadline"].is_object());
    assert!(!measure["required"]
        .as_array()
        .unwrap()
        .contains(&Value::from("deadline")));
    for field in ["section_id", "title"] {
        assert!(measure["properties"][field].is_object(), "{field}");
        assert!(
            measure["required"]
                .as_array()
                .unwrap()
                .contains(&Value::from(field)),
            "{field}"
        );
    }
}
