//! The document's response examples (`openapi/examples/*.json`, included by
//! `nok_api::openapi::RESPONSE_EXAMPLES`) are real answers: the demo data that `serve --demo`
//! loads is loaded here, each operation is asked as a caller who sees the answer, and the answer,
//! its volatile fields normalized, must be the committed file. `UPDATE_EXAMPLES=1 cargo test
//! --test api examples` rewrites the files from the answers.

use chrono::DateTime;
use nok_api::auth::Role;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};

/// What every moment of the demo data (written when it is loaded) reads as in an example.
const MOMENT: &str = "2026-12-01T09:00:00Z";

/// The answers' moments depend on when the data was loaded; everything else of the demo data is
/// fixed (ids included: a fresh database numbers rows in the order the demo writes them).
fn normalized(value: &mut Value) {
    match value {
        Value::String(text) if DateTime::parse_from_rfc3339(text).is_ok() => {
            MOMENT.clone_into(text);
        }
        Value::Array(items) => items.iter_mut().for_each(normalized),
        Value::Object(fields) => fields.values_mut().for_each(normalized),
        _ => {}
    }
}

async fn answer(app: &TestApp, token: Option<&str>, path: &str) -> Value {
    let response = app.as_(token).get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let mut body: Value = response.json().await.unwrap();
    normalized(&mut body);
    body
}

#[tokio::test]
async fn response_examples_are_answers_on_the_demo_data() {
    let app = spawn_app().await;
    let db = app.db.clone();
    // What `serve --demo` loads (`demo::set_up`), without the demo users: their passwords are
    // hashed anew at each start and no example shows them.
    tokio::task::spawn_blocking(move || {
        let mut conn = db.blocking().unwrap();
        nok_api::demo::load(&mut conn, 0, None).unwrap();
        for year in nok_api::demo::DEMO_CYCLE_YEARS {
            nok_api::demo::published_cycle(&mut conn, nok_api::demo::DEMO_REGION, year)
                .unwrap()
                .unwrap();
        }
    })
    .await
    .unwrap();

    let region = answer(&app, None, "/api/v1/regions/by-code/71").await["id"]
        .as_i64()
        .unwrap();
    let cycles = answer(&app, None, "/api/v1/cycles?region_code=71&year=2018").await;
    let cycle = cycles["items"][0]["id"].as_i64().unwrap();
    let organizations = answer(&app, None, "/api/v1/organizations?region_code=71&limit=1").await;
    let organization = organizations["items"][0]["id"].as_i64().unwrap();
    let authority = app.user_token("authority", Role::Authority, Some(region), None);
    let authority = Some(authority.as_str());

    // Operation, caller, request: the callers are the least ones who see the answer whole.
    let asked = [
        ("list_regions", None, "/api/v1/regions?limit=2".to_owned()),
        ("get_region", None, format!("/api/v1/regions/{region}")),
        (
            "get_region_by_code",
            None,
            "/api/v1/regions/by-code/71".into(),
        ),
        (
            "list_organizations",
            None,
            "/api/v1/organizations?region_code=71&limit=2".into(),
        ),
        (
            "get_organization",
            None,
            format!("/api/v1/organizations/{organization}"),
        ),
        (
            "list_cycles",
            None,
            "/api/v1/cycles?region_code=71&limit=1".into(),
        ),
        ("get_cycle", None, format!("/api/v1/cycles/{cycle}")),
        (
            "list_evaluations",
            authority,
            format!("/api/v1/cycles/{cycle}/evaluations?limit=2"),
        ),
        (
            "get_evaluation",
            authority,
            format!("/api/v1/cycles/{cycle}/evaluations/{organization}"),
        ),
        (
            "get_rating",
            None,
            format!("/api/v1/cycles/{cycle}/ratings?limit=2"),
        ),
        (
            "list_approvals",
            None,
            format!("/api/v1/cycles/{cycle}/approvals"),
        ),
        (
            "get_region_summary",
            None,
            format!("/api/v1/regions/{region}/summary?year=2018&as_of=2019-06-01"),
        ),
        (
            "get_national_summary",
            None,
            "/api/v1/summary?year=2018".into(),
        ),
    ];
    let listed: Vec<&str> = nok_api::openapi::RESPONSE_EXAMPLES
        .iter()
        .map(|(operation, _)| *operation)
        .collect();
    assert_eq!(
        listed,
        asked
            .iter()
            .map(|(operation, ..)| *operation)
            .collect::<Vec<_>>(),
        "every example file is asked for here, in the same order"
    );

    let update = std::env::var_os("UPDATE_EXAMPLES").is_some();
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/examples");
    let mut stale = Vec::new();
    for (operation, token, path) in &asked {
        let written =
            serde_json::to_string_pretty(&answer(&app, *token, path).await).unwrap() + "\n";
        let file = directory.join(format!("{operation}.json"));
        if update {
            std::fs::write(&file, &written).unwrap();
        }
        if std::fs::read_to_string(&file).unwrap_or_default() != written {
            stale.push(format!("{operation} ({path})"));
        }
    }
    assert!(
        stale.is_empty(),
        "these examples are not today's answers on the demo data: {stale:?}; run \
         `UPDATE_EXAMPLES=1 cargo test --test api examples`, then regenerate openapi.json, and \
         commit both"
    );
}

/// Each example is the one of its operation's 200 answer in the document.
#[test]
fn every_response_example_is_in_the_document() {
    let document: Value = serde_json::to_value(nok_api::startup::openapi_document()).unwrap();
    for (operation, text) in nok_api::openapi::RESPONSE_EXAMPLES {
        let found = document["paths"]
            .as_object()
            .unwrap()
            .values()
            .filter_map(|item| item.get("get"))
            .find(|get| get["operationId"] == *operation)
            .unwrap_or_else(|| panic!("no GET operation {operation}"));
        let example = &found["responses"]["200"]["content"]["application/json"]["example"];
        assert_eq!(
            *example,
            serde_json::from_str::<Value>(text).unwrap(),
            "{operation}"
        );
    }
}
