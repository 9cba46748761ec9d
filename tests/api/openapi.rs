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

/// What a response body showed of each property of each named schema: how often the schema was
/// seen, and how often the property was absent or `null` in it.
#[derive(Default, Debug)]
struct Seen {
    objects: usize,
    absent: std::collections::BTreeMap<String, usize>,
    null: std::collections::BTreeMap<String, usize>,
}

/// Walks `value` along `schema` (resolving references, choosing `oneOf` variants by their
/// discriminator or tag), recording what each named object schema's properties showed.
fn observe(
    document: &Value,
    name: Option<&str>,
    schema: &Value,
    value: &Value,
    seen: &mut std::collections::BTreeMap<String, Seen>,
) {
    let schemas = &document["components"]["schemas"];
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return observe(document, Some(name), &schemas[name], value, seen);
    }
    if value.is_null() {
        return;
    }
    if let Some(variants) = schema["oneOf"].as_array() {
        let mapped = schema["discriminator"]["propertyName"]
            .as_str()
            .and_then(|property| value[property].as_str())
            .and_then(|tag| schema["discriminator"]["mapping"][tag].as_str());
        if let Some(property) = schema["discriminator"]["propertyName"].as_str() {
            assert!(
                mapped.is_some(),
                "{}: no variant for {property} {} in the document",
                name.unwrap_or_default(),
                value[property]
            );
        }
        if let Some(reference) = mapped {
            return observe(
                document,
                name,
                &serde_json::json!({"$ref": reference}),
                value,
                seen,
            );
        }
        // A tagged variant: the one whose single-valued property the value has; else the one
        // non-null variant.
        let resolve = |v: &Value| match v["$ref"].as_str() {
            Some(r) => schemas[r.trim_start_matches("#/components/schemas/")].clone(),
            None => v.clone(),
        };
        let tagged = variants.iter().find(|variant| {
            let variant = resolve(variant);
            variant["properties"].as_object().is_some_and(|properties| {
                properties.iter().any(|(field, p)| {
                    p["enum"]
                        .as_array()
                        .is_some_and(|e| e.len() == 1 && e[0] == value[field])
                })
            })
        });
        let non_null: Vec<_> = variants.iter().filter(|v| v["type"] != "null").collect();
        let chosen = tagged.or((non_null.len() == 1).then(|| non_null[0]));
        if let Some(variant) = chosen {
            let title = variant["title"].as_str().or(name);
            observe(document, title, variant, value, seen);
        }
        return;
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for item in values {
            observe(document, None, items, item, seen);
        }
        return;
    }
    let (Some(properties), Some(object)) = (schema["properties"].as_object(), value.as_object())
    else {
        return;
    };
    let name = schema["title"].as_str().or(name);
    if let Some(name) = name {
        let record = seen.entry(name.to_owned()).or_default();
        record.objects += 1;
        for field in properties.keys() {
            match object.get(field) {
                None => *record.absent.entry(field.clone()).or_default() += 1,
                Some(Value::Null) => *record.null.entry(field.clone()).or_default() += 1,
                Some(_) => {}
            }
        }
    }
    for (field, property) in properties {
        if let Some(inner) = object.get(field) {
            observe(document, None, property, inner, seen);
        }
    }
}

/// Fetches every GET of the document over the demo data (lists, the first items of each, and
/// their sub-resources) as the administrator and walks each JSON answer along the document: a
/// property that no answer left out is `required` (in the schemas only responses use), and one
/// that an answer sent as `null` is nullable. Other helpers' new routes are crawled the same way.
#[tokio::test]
async fn responses_send_what_the_document_requires_and_null_only_where_nullable() {
    use crate::helpers::spawn_app;
    use std::collections::{BTreeMap, BTreeSet, VecDeque};
    let app = spawn_app().await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || nok_api::demo::set_up(&db, |_| "demo password".into()))
        .await
        .unwrap()
        .unwrap();
    // The demo resets the password of its `admin`, which ends the app's own admin token.
    let token = app.user_token(
        "document-walker",
        nok_api::domain::user::Role::Admin,
        None,
        None,
    );
    let admin = app.as_(Some(&token));
    let first_evaluation = {
        let cycles: Value = admin.get("/api/v1/cycles").await.json().await.unwrap();
        let cycle = cycles["items"][0]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("{cycles}"));
        let path = format!("/api/v1/cycles/{cycle}/evaluations");
        let evaluations: Value = admin.get(&path).await.json().await.unwrap();
        let organization = evaluations["items"][0]["organization_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("{evaluations}"));
        let path = format!("/api/v1/cycles/{cycle}/evaluations/{organization}");
        let evaluation: Value = admin.get(&path).await.json().await.unwrap();
        evaluation["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("{evaluation}"))
    };
    let draft = admin
        .post_json(
            &format!("/api/v1/evaluations/{first_evaluation}/plan-draft"),
            &serde_json::json!({}),
        )
        .await;
    assert!(
        draft.status().is_success(),
        "plan draft: {}",
        draft.status()
    );

    let document: Value = serde_json::to_value(nok_api::startup::openapi_document()).unwrap();
    let openapi: utoipa::openapi::OpenApi = nok_api::startup::openapi_document();
    let response_only = nok_api::openapi::response_only_schemas(&openapi);
    let templates: Vec<(String, Value)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, item)| {
            item["get"]["responses"]["200"]["content"]["application/json"].is_object()
        })
        .map(|(path, item)| (path.clone(), item["get"].clone()))
        .collect();
    let segments = |p: &str| p.split('/').map(str::to_owned).collect::<Vec<_>>();
    let mut queue: VecDeque<(String, String)> = templates
        .iter()
        .filter(|(t, _)| !t.contains('{') && t.starts_with("/api/"))
        .map(|(t, _)| (t.clone(), t.clone()))
        .collect();
    let mut fetched = BTreeSet::new();
    let mut seen = BTreeMap::new();
    while let Some((template, path)) = queue.pop_front() {
        if !fetched.insert(path.clone()) || fetched.len() > 400 {
            continue;
        }
        let operation = &templates.iter().find(|(t, _)| *t == template).unwrap().1;
        let takes_limit = operation["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "limit"));
        let url = if takes_limit {
            format!("{path}?limit=500")
        } else {
            path.clone()
        };
        let response = admin.get(&url).await;
        if !response.status().is_success() {
            continue;
        }
        let body: Value = response.json().await.unwrap();
        let schema = &operation["responses"]["200"]["content"]["application/json"]["schema"];
        observe(&document, None, schema, &body, &mut seen);
        // Deeper templates: a parameter filled from the items of this answer (or, for a single
        // resource, nothing to fill), then literal segments.
        let depth = segments(&template).len();
        for (deeper, _) in &templates {
            let parts = segments(deeper);
            if parts.len() <= depth || !deeper.starts_with(&format!("{template}/")) {
                continue;
            }
            let rest = &parts[depth..];
            let concrete = match rest[0].strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(parameter) => {
                    if rest[1..].iter().any(|s| s.starts_with('{')) {
                        continue;
                    }
                    let key = if parameter == "id"
                        || parameter.ends_with("_id") && body["items"][0].get(parameter).is_none()
                    {
                        "id"
                    } else {
                        parameter
                    };
                    let items = body["items"].as_array().cloned().unwrap_or_default();
                    items
                        .iter()
                        .take(3)
                        .filter_map(|item| match &item[key] {
                            Value::Number(n) => Some(n.to_string()),
                            Value::String(s) => Some(s.clone()),
                            _ => None,
                        })
                        .map(|id| {
                            format!("{path}/{id}/{}", rest[1..].join("/"))
                                .trim_end_matches('/')
                                .to_owned()
                        })
                        .collect::<Vec<_>>()
                }
                None if rest.iter().all(|s| !s.starts_with('{')) => {
                    vec![format!("{path}/{}", rest.join("/"))]
                }
                None => continue,
            };
            for concrete in concrete {
                queue.push_back((deeper.clone(), concrete));
            }
        }
    }
    assert!(
        fetched.len() > 20,
        "only {} answers walked: {fetched:?}",
        fetched.len()
    );
    let schemas = &document["components"]["schemas"];
    let mut faults = Vec::new();
    for (name, record) in &seen {
        // A named schema, or a titled variant of one's oneOf.
        let (owner, schema) = match &schemas[name.as_str()] {
            Value::Null => schemas
                .as_object()
                .unwrap()
                .iter()
                .find_map(|(owner, s)| {
                    let variants = s["oneOf"].as_array()?;
                    let variant = variants.iter().find(|v| v["title"] == name.as_str())?;
                    Some((owner.clone(), variant.clone()))
                })
                .unwrap(),
            schema => (name.clone(), schema.clone()),
        };
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            let nullable = property["type"]
                .as_array()
                .is_some_and(|t| t.contains(&Value::from("null")))
                || property["oneOf"]
                    .as_array()
                    .is_some_and(|v| v.iter().any(|v| v["type"] == "null"));
            if record.null.contains_key(field) && !nullable {
                faults.push(format!("{name}.{field} was null but is not nullable"));
            }
            // `<View>Changes` name only the fields a change set: none is required by design.
            if response_only.contains(&owner)
                && !owner.ends_with("Changes")
                && !record.absent.contains_key(field)
                && !required.contains(&field.as_str())
            {
                faults.push(format!(
                    "{name}.{field} was in all {} answers but is not required",
                    record.objects
                ));
            }
        }
    }
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

/// Swagger UI pre-fills a query parameter's example in "Try it out": one that is not what
/// leaving the parameter out does would silently change the answer of whoever presses Execute.
#[test]
fn query_parameter_examples_are_their_defaults() {
    let document: Value = serde_json::to_value(nok_api::startup::openapi_document()).unwrap();
    let resolve = |p: &Value| -> Value {
        match p["$ref"].as_str() {
            Some(r) => document
                .pointer(&r.replace("#/", "/"))
                .cloned()
                .unwrap_or_else(|| panic!("dangling {r}")),
            None => p.clone(),
        }
    };
    let mut queried = 0;
    let mut wrong = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for parameter in parameters.iter().map(resolve) {
                if parameter["in"] != "query" {
                    continue;
                }
                queried += 1;
                let schema = &parameter["schema"];
                let default = schema.get("default");
                let mut examples: Vec<&Value> = [parameter.get("example"), schema.get("example")]
                    .into_iter()
                    .flatten()
                    .collect();
                for list in [&parameter["examples"], &schema["examples"]] {
                    match list {
                        Value::Array(values) => examples.extend(values),
                        Value::Object(named) => {
                            examples.extend(named.values().filter_map(|e| e.get("value")))
                        }
                        _ => {}
                    }
                }
                for example in examples {
                    if Some(example) != default {
                        wrong.push(format!(
                            "{method} {path} ?{}: example {example}, default {default:?}",
                            parameter["name"]
                        ));
                    }
                }
            }
        }
    }
    assert!(queried > 100, "only {queried} query parameters found");
    assert!(wrong.is_empty(), "examples that narrow: {wrong:#?}");
}

/// Where `value` breaks `schema` (types, required properties, enums, items, compositions), or
/// `None`; `$ref`s are followed in `document`.
fn breach(document: &Value, schema: &Value, value: &Value, at: &str) -> Option<String> {
    if let Some(r) = schema["$ref"].as_str() {
        let target = document.pointer(&r.replace("#/", "/"))?;
        return breach(document, target, value, at);
    }
    if let Some(all) = schema["allOf"].as_array() {
        if let Some(b) = all.iter().find_map(|s| breach(document, s, value, at)) {
            return Some(b);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(any) = schema[key].as_array() {
            if any.iter().all(|s| breach(document, s, value, at).is_some()) {
                return Some(format!("{at}: {value} matches no {key} variant"));
            }
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        if !values.contains(value) {
            return Some(format!("{at}: {value} is not one of {values:?}"));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let fits = |t: &str| match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    };
    if !types.is_empty() && !types.iter().any(|t| fits(t)) {
        return Some(format!("{at}: {value} is not {types:?}"));
    }
    if let Value::Object(fields) = value {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap();
            if !fields.contains_key(name) {
                return Some(format!("{at}: required `{name}` missing"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, field) in fields {
                if let Some(property) = properties.get(name) {
                    let inner = format!("{at}.{name}");
                    if let Some(b) = breach(document, property, field, &inner) {
                        return Some(b);
                    }
                }
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.get("items")) {
        for (n, element) in items.iter().enumerate() {
            if let Some(b) = breach(document, item, element, &format!("{at}[{n}]")) {
                return Some(b);
            }
        }
    }
    None
}

/// Examples are what generators and Swagger UI show as the shape of the data: each must be a
/// value of its schema, or it teaches integrators a wrong contract.
#[test]
fn every_example_is_a_value_of_its_schema() {
    let document: Value = serde_json::to_value(nok_api::startup::openapi_document()).unwrap();
    let mut checked = 0;
    let mut wrong = Vec::new();
    let mut check = |schema: &Value, example: &Value, at: String| {
        checked += 1;
        if let Some(b) = breach(&document, schema, example, &at) {
            wrong.push(b);
        }
    };
    // Schema examples, wherever a schema carries one (nested properties included).
    fn schemas_with_examples<'a>(
        schema: &'a Value,
        at: String,
        out: &mut Vec<(&'a Value, String)>,
    ) {
        match schema {
            Value::Object(fields) => {
                if fields.contains_key("example") {
                    out.push((schema, at.clone()));
                }
                for (key, inner) in fields {
                    if key != "example" && key != "examples" {
                        schemas_with_examples(inner, format!("{at}/{key}"), out);
                    }
                }
            }
            Value::Array(items) => {
                for (n, inner) in items.iter().enumerate() {
                    schemas_with_examples(inner, format!("{at}/{n}"), out);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    schemas_with_examples(&document["components"], "#/components".into(), &mut found);
    schemas_with_examples(&document["paths"], "#/paths".into(), &mut found);
    for (holder, at) in found {
        let example = &holder["example"];
        if holder.get("schema").is_some() {
            // A media type or a parameter: its example is of its schema.
            check(&holder["schema"], example, at);
        } else if holder.get("value").is_none() {
            check(holder, example, at);
        }
    }
    assert!(checked > 20, "only {checked} examples found");
    assert!(
        wrong.is_empty(),
        "{} examples break their schema: {wrong:#?}",
        wrong.len()
    );
}
