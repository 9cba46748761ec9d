//! What the contract runs (quality/contract.sh, schemathesis) found, held here on both backends:
//! the document's parameter forms are exactly what the service accepts, a route that needs a
//! token says so before anything else, and concurrent writes never meet a locked database.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app};
use nok_api::auth::Role;
use nok_api::domain::paging::Cursor;

#[tokio::test]
async fn a_route_that_needs_a_token_answers_401_before_looking_at_anything_else() {
    let app = spawn_app().await;
    let anonymous = app.as_(None);
    // A write on a plan that does not exist: 401, not the 404 that would answer a reader;
    // however the path is spelled (the router decodes it, and so does the gate).
    for path in ["/api/v1/plans/987654", "/api/v1/%70lans/987654"] {
        let response = anonymous
            .request(Method::PATCH, path)
            .header("If-Match", "*")
            .header("Content-Type", "application/merge-patch+json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_problem(response, 401, None).await;
    }
    // A malformed Idempotency-Key and an upload to nothing: still 401 first.
    let response = anonymous
        .request(
            Method::POST,
            "/api/v1/cycles/5/evaluations/7/survey-responses",
        )
        .header("Idempotency-Key", "bad key")
        .header("Content-Type", "text/csv")
        .body("used_stands\nyes\n")
        .send()
        .await
        .unwrap();
    assert_problem(response, 401, None).await;
    // A bad token is 401 wherever a token is looked at, even before the path is read.
    let response = app
        .as_(Some("not.a.token"))
        .get("/api/v1/cycles/not-an-id")
        .await;
    assert_problem(response, 401, None).await;
    // A role the rule never grants: 403 before the resource is looked up.
    let auditor = app.user_token("auditor-1", Role::Auditor, None, None);
    let response = app
        .as_(Some(&auditor))
        .request(Method::POST, "/api/v1/evaluations/987654/plan-draft")
        .send()
        .await
        .unwrap();
    assert_problem(response, 403, None).await;
}

#[tokio::test]
async fn roles_without_a_grant_still_read_what_is_published() {
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    let operator = app.user_token("operator-1", Role::Operator, None, None);
    for path in [
        "/api/v1/plans".to_owned(),
        format!("/api/v1/regions/{region}/summary?year=2018"),
    ] {
        let response = app.as_(Some(&operator)).get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn any_cursor_of_the_documented_form_is_a_position_and_nothing_else_is() {
    let app = spawn_app().await;
    for code in ["71", "72", "73"] {
        app.region(code, &format!("Регион {code}")).await;
    }
    let first: Value = app
        .get("/api/v1/regions?limit=2")
        .await
        .json()
        .await
        .unwrap();
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    assert!(Cursor::decode(&cursor).is_some(), "{cursor}");
    let rest: Value = app
        .get(&format!("/api/v1/regions?limit=2&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    // Beyond every id there can be: an empty last page.
    let response = app.get("/api/v1/regions?cursor=ffffffffffffffff").await;
    assert_eq!(response.status(), StatusCode::OK);
    let beyond: Value = response.json().await.unwrap();
    assert_eq!(beyond["items"], json!([]));
    assert_eq!(beyond["next_cursor"], Value::Null);
    for bad in ["", "0x1", "ABC", "12345678901234567", "%20"] {
        let response = app.get(&format!("/api/v1/regions?cursor={bad}")).await;
        assert_problem(response, 400, Some("cursor")).await;
    }
}

#[tokio::test]
async fn filters_accept_exactly_their_documented_forms() {
    let app = spawn_app().await;
    for bad in [
        "/api/v1/changes?types=plan,%20report",
        "/api/v1/changes?types=",
        "/api/v1/changes?types=plan,",
        "/api/v1/cycles/1/ratings?approval=%2B1",
        "/api/v1/cycles/1/ratings?approval=01",
        "/api/v1/cycles/1/ratings/export?format=",
    ] {
        let response = app.as_(Some(&app.admin)).get(bad).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let response = app
        .as_(Some(&app.admin))
        .get("/api/v1/changes?types=plan,report")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    // The results export has no order to choose: `criterion` is an unknown parameter there.
    let response = app
        .as_(Some(&app.admin))
        .get("/api/v1/cycles/1/results/export?criterion=total")
        .await;
    assert_problem(response, 400, Some("criterion")).await;
}

#[tokio::test]
async fn an_optional_body_in_error_is_refused_not_ignored() {
    let app = spawn_app().await;
    let path = "/api/v1/evaluations/987654/plan-draft";
    for (body, status, field) in [
        (r#"{"year": 71761045953}"#, 422, Some("year")),
        (r#"{"unknown": 1}"#, 422, Some("unknown")),
        ("[1]", 422, Some("body")),
    ] {
        let response = app
            .request(Method::POST, path)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(response, status, field).await;
    }
    // No body at all, or `null`: the defaults, and so the missing evaluation.
    let response = app.request(Method::POST, path).send().await.unwrap();
    assert_problem(response, 404, None).await;
    let response = app
        .request(Method::POST, path)
        .header("Content-Type", "application/json")
        .body("null")
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, None).await;
}

#[tokio::test]
async fn concurrent_writes_with_idempotency_keys_all_succeed() {
    let app = spawn_app().await;
    let requests = (0..24).map(|n| {
        app.request(Method::POST, "/api/v1/regions")
            .header("Idempotency-Key", format!("region-{n}"))
            .json(&json!({"code": format!("{}", 10 + n), "name": format!("Регион {n}")}))
            .send()
    });
    for response in futures_util::future::join_all(requests).await {
        let response = response.unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

#[tokio::test]
async fn a_stored_answer_replays_only_for_the_same_precondition() {
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    let organization = app
        .organization(&crate::helpers::organization_body(region, 1))
        .await;
    let path = format!("/api/v1/organizations/{}/deactivate", organization["id"]);
    let send = |if_match: &'static str| {
        app.request(Method::POST, &path)
            .header("Idempotency-Key", "deactivate-1")
            .header("If-Match", if_match)
            .send()
    };
    let first = send("*").await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let again = send("*").await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    // Another precondition under the same key is another request: refused, never replayed.
    assert_problem(send("\"12345\"").await.unwrap(), 422, None).await;
    // A malformed one is refused as such when there is no answer to mistake it for.
    let response = app
        .request(Method::POST, &path)
        .header("If-Match", "")
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, Some("If-Match")).await;
}

#[tokio::test]
async fn an_empty_chunked_body_is_no_body() {
    let app = spawn_app().await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let token = app.admin.clone();
    // reqwest sends no empty chunked body, so this one is written by hand.
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&host).unwrap();
        write!(
            stream,
            "POST /api/v1/evaluations/987654/plan-draft HTTP/1.1\r\nHost: {host}\r\n\
             Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap();
    // The defaults, and so the missing evaluation: not a 400 for "invalid JSON".
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
}

/// The patterns the document states are the ones the parsers hold to (utoipa takes only literals,
/// so each is written out where it is declared; this keeps every copy the same).
#[test]
fn the_document_states_each_form_as_the_parsers_define_it() {
    let document: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let expected = |path: &str, name: &str| match name {
        "cursor" => Some(nok_api::domain::paging::CURSOR_PATTERN),
        "since" if path == "/api/v1/changes" => Some(nok_api::domain::paging::CURSOR_PATTERN),
        "If-Match" => Some(nok_api::api::conditional::IF_MATCH_PATTERN),
        "Idempotency-Key" => Some(nok_api::api::idempotency::KEY_PATTERN),
        _ => None,
    };
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                if let Some(pattern) = expected(path, name) {
                    assert_eq!(
                        parameter["schema"]["pattern"].as_str(),
                        Some(pattern),
                        "{method} {path} {name}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 50, "{checked}");
}

/// The GET operations of the document: path template and its parameters.
fn get_operations(document: &Value) -> Vec<(String, Vec<Value>)> {
    document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(path, item)| {
            let parameters = item.get("get")?["parameters"].as_array().cloned();
            Some((path.clone(), parameters.unwrap_or_default()))
        })
        .collect()
}

/// The template with each path parameter given `value` (`1` for the others).
fn concrete(template: &str, at: Option<&str>, value: &str) -> String {
    template
        .split('/')
        .map(|segment| match segment.strip_prefix('{') {
            Some(name) if Some(name.trim_end_matches('}')) == at => value.to_owned(),
            Some(_) => "1".to_owned(),
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Values the documented schema of a query parameter refuses, as the query string writes them.
fn refused_values(document: &Value, schema: &Value) -> Vec<String> {
    let schema = match schema["$ref"].as_str() {
        Some(reference) => {
            &document["components"]["schemas"][reference.rsplit('/').next().unwrap()]
        }
        None => schema,
    };
    let mut values = vec![
        "a%00b".to_owned(),
        "a%1Bb".to_owned(),
        "a%C2%85b".to_owned(),
    ];
    match schema["type"].as_str() {
        Some("integer") => {
            values.push("x1".to_owned());
            values.push("1.5".to_owned());
            if let Some(min) = schema["minimum"].as_i64() {
                values.push((min - 1).to_string());
            }
            if let Some(max) = schema["maximum"].as_i64() {
                values.push((max + 1).to_string());
            }
        }
        Some("boolean") => values.push("maybe".to_owned()),
        _ => {}
    }
    if schema["enum"].is_array() {
        values.push("not-a-value".to_owned());
    }
    // A form of its own (free text only refuses control characters, tried above).
    let free_text = nok_api::api::parameters::NO_CONTROL_CHARACTERS;
    if schema["pattern"].as_str().is_some_and(|p| p != free_text) {
        values.push("!".to_owned());
    }
    if matches!(schema["format"].as_str(), Some("date" | "date-time")) {
        values.push("yesterday".to_owned());
    }
    if let Some(max) = schema["maxLength"].as_u64() {
        values.push("a".repeat(max as usize + 1));
    }
    values
}

/// The query contract, walked over the whole document: on every GET operation an undocumented
/// parameter, a repeated one, and a control character in any parameter or path segment are 400
/// naming it; each documented integer, boolean, enum, pattern, date or bounded parameter refuses
/// a value outside its schema with 400 naming it.
#[tokio::test]
async fn every_get_operation_holds_the_query_contract_of_the_document() {
    let app = spawn_app().await;
    let admin = app.as_(Some(&app.admin));
    let document = serde_json::to_value(nok_api::startup::openapi_document()).unwrap();
    let mut checked = 0;
    for (template, parameters) in get_operations(&document) {
        let path = concrete(&template, None, "1");
        let response = admin.get(&format!("{path}?zz_unknown=1")).await;
        let body = assert_problem(response, 400, Some("zz_unknown")).await;
        assert_eq!(body["errors"][0]["code"], "unknown_parameter", "{path}");
        checked += 1;
        for parameter in &parameters {
            let name = parameter["name"].as_str().unwrap();
            match parameter["in"].as_str().unwrap() {
                "path" => {
                    for bad in ["1%00", "%01", "1%7F"] {
                        let path = concrete(&template, Some(name), bad);
                        let response = admin.get(&path).await;
                        assert_problem(response, 400, Some(name)).await;
                        checked += 1;
                    }
                }
                "query" => {
                    for bad in refused_values(&document, &parameter["schema"]) {
                        let url = format!("{path}?{name}={bad}");
                        let response = admin.get(&url).await;
                        let status = response.status();
                        let body: Value = response.json().await.unwrap();
                        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
                        assert!(
                            body["errors"]
                                .as_array()
                                .is_some_and(|errors| errors.iter().any(|e| e["field"] == name)),
                            "{url}: {body}"
                        );
                        checked += 1;
                    }
                    let url = format!("{path}?{name}=1&{name}=2");
                    let response = admin.get(&url).await;
                    assert_problem(response, 400, Some(name)).await;
                }
                _ => {}
            }
        }
    }
    assert!(checked > 150, "{checked} requests");
}

/// Found by an outside probe: HEAD answered 405 everywhere and 404 on `/swagger-ui/`. It is
/// the GET's answer without the body: same status and headers (ETag, Cache-Control,
/// Content-Length), conditional requests included, and `Allow` lists it beside GET.
#[tokio::test]
async fn head_is_get_without_the_body_wherever_get_is_served() {
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    let organization = app
        .organization(&crate::helpers::organization_body(region, 1))
        .await["id"]
        .clone();
    let samples = [
        "/health".to_owned(),
        "/ready".to_owned(),
        "/swagger-ui/".to_owned(),
        "/api-docs/openapi.json".to_owned(),
        "/api/v1/regions".to_owned(),
        "/api/v1/methodologies".to_owned(),
        format!("/api/v1/organizations/{organization}"),
        format!("/api/v1/organizations?region_id={region}&limit=5"),
        "/api/v1/organizations/987654".to_owned(),
        "/api/v1/organizations?bogus=1".to_owned(),
        "/api/v1/nothing-here".to_owned(),
    ];
    let admin = app.admin.clone();
    for path in &samples {
        for token in [None, Some(admin.as_str())] {
            let client = app.as_(token);
            let get = client.get(path).await;
            let head = client.request(Method::HEAD, path).send().await.unwrap();
            assert_eq!(head.status(), get.status(), "HEAD {path}");
            for name in [
                "content-type",
                "content-length",
                "etag",
                "cache-control",
                "vary",
                "allow",
            ] {
                assert_eq!(
                    head.headers().get(name),
                    get.headers().get(name),
                    "{name} of {path}"
                );
            }
            assert!(
                head.bytes().await.unwrap().is_empty(),
                "HEAD {path} has a body"
            );
        }
    }
    // A conditional HEAD, as a conditional GET: 304.
    let path = format!("/api/v1/organizations/{organization}");
    let etag = crate::helpers::etag_of(&app.get(&path).await);
    let head = app
        .as_(None)
        .request(Method::HEAD, &path)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::NOT_MODIFIED);
    // Every GET operation of the document: HEAD answers with the GET's status.
    let document = serde_json::to_value(nok_api::startup::openapi_document()).unwrap();
    for (template, _) in get_operations(&document) {
        let path = concrete(&template, None, "1");
        for token in [None, Some(admin.as_str())] {
            let client = app.as_(token);
            let get = client.get(&path).await.status();
            let head = client.request(Method::HEAD, &path).send().await.unwrap();
            assert_eq!(head.status(), get, "HEAD {path}");
        }
    }
    let response = app
        .request(Method::PUT, "/api/v1/methodologies")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, HEAD");
}
