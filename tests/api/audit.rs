//! Every successful write leaves exactly one audit event in its own transaction; a refused
//! write leaves none; nothing can change or remove an event.

use diesel::connection::SimpleConnection;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, etag_of, organization_body, spawn_app, TestApp, PASSWORD};

async fn events(app: &TestApp, query: &str) -> Vec<Value> {
    let response = app
        .as_(Some(&app.admin))
        .get(&format!("/api/v1/audit-events?limit=500&{query}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Value>().await.unwrap()["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn count(app: &TestApp) -> usize {
    events(app, "").await.len()
}

#[tokio::test]
async fn each_write_appends_exactly_one_event_and_a_refused_one_none() {
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    let org = app.organization(&organization_body(region, 1)).await;
    let org_path = format!("/api/v1/organizations/{}", org["id"]);
    let before = count(&app).await;

    // Refused writes: validation, conflict, stale ETag, missing If-Match, wrong role.
    let mut bad = organization_body(region, 2);
    bad["inn"] = json!("7707083894");
    assert_problem(
        app.post_json("/api/v1/organizations", &bad).await,
        422,
        Some("inn"),
    )
    .await;
    assert_problem(
        app.post_json("/api/v1/organizations", &organization_body(region, 1))
            .await,
        409,
        None,
    )
    .await;
    assert_problem(
        app.patch_json(&org_path, Some("\"9\""), &json!({"address": "г. Тула"}))
            .await,
        412,
        None,
    )
    .await;
    assert_problem(
        app.patch_json(&org_path, None, &json!({"address": "г. Тула"}))
            .await,
        428,
        None,
    )
    .await;
    let auditor = app.user_token("auditor-1", nok_api::auth::Role::Auditor, None, None);
    let before_refusals = count(&app).await; // the auditor's creation is one event
    assert_eq!(before_refusals, before + 1);
    assert_problem(
        app.as_(Some(&auditor))
            .post_json(
                "/api/v1/regions",
                &json!({"code": "33", "name": "Владимирская область"}),
            )
            .await,
        403,
        None,
    )
    .await;
    assert_eq!(
        count(&app).await,
        before_refusals,
        "refused writes leave no event"
    );

    // Successful writes: one event each, with the changed fields only.
    let etag = etag_of(&app.as_(None).get(&org_path).await);
    let response = app
        .patch_json(
            &org_path,
            Some(&etag),
            &json!({"address": "301440, г. Одоев, ул. Победы, д. 2"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let latest = events(
        &app,
        &format!("resource_type=organization&resource_id={}", org["id"]),
    )
    .await;
    let update = latest.last().unwrap();
    assert_eq!(update["action"], "organization.updated");
    assert_eq!(update["actor"], "admin");
    assert_eq!(update["role"], "admin");
    assert_eq!(update["before"], json!({"address": org["address"]}));
    assert_eq!(
        update["after"],
        json!({"address": "301440, г. Одоев, ул. Победы, д. 2"})
    );
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(update["request_id"], request_id);

    let writes: Vec<(Method, String, Option<Value>, &str)> = vec![
        (
            Method::POST,
            "/api/v1/regions".into(),
            Some(json!({"code": "33", "name": "Владимирская область"})),
            "region.created",
        ),
        (
            Method::PATCH,
            format!("/api/v1/regions/{region}"),
            Some(json!({"name": "Тульская обл."})),
            "region.updated",
        ),
        (
            Method::POST,
            format!("{org_path}/deactivate"),
            None,
            "organization.deactivated",
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"username": "new-auditor", "password": PASSWORD, "role": "auditor"})),
            "user.created",
        ),
        (
            Method::POST,
            "/api/v1/auth/token".into(),
            Some(json!({"username": "new-auditor", "password": PASSWORD})),
            "auth.logged_in",
        ),
    ];
    for (method, path, body, action) in writes {
        let n = count(&app).await;
        let mut request = app
            .request(method, &path)
            .header("If-Match", "*")
            .header("X-Request-Id", format!("test-{action}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let all = events(&app, "").await;
        assert_eq!(all.len(), n + 1, "{action}");
        assert_eq!(all.last().unwrap()["action"], action);
        assert_eq!(all.last().unwrap()["request_id"], format!("test-{action}"));
    }
    // Deactivating again changes nothing and records nothing.
    let n = count(&app).await;
    app.request(Method::POST, &format!("{org_path}/deactivate"))
        .send()
        .await
        .unwrap();
    assert_eq!(count(&app).await, n);
}

#[tokio::test]
async fn the_log_filters_pages_and_is_readable_by_admin_and_auditor_only() {
    let app = spawn_app().await;
    for code in ["71", "66", "33"] {
        app.region(code, &format!("Регион {code}")).await;
    }
    let regions = events(&app, "resource_type=region&action=region.created").await;
    assert_eq!(regions.len(), 3);
    assert!(regions
        .iter()
        .all(|e| e["before"].is_null() && e["after"]["code"].is_string()));
    assert_eq!(
        events(&app, "actor=admin&resource_type=region").await.len(),
        3
    );
    assert_eq!(events(&app, "actor=nobody").await.len(), 0);
    assert_eq!(events(&app, "since=2999-01-01T00:00:00Z").await.len(), 0);
    assert_eq!(events(&app, "until=2000-01-01T00:00:00Z").await.len(), 0);

    let first: Value = app
        .as_(Some(&app.admin))
        .get("/api/v1/audit-events?limit=2")
        .await
        .json()
        .await
        .unwrap();
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .as_(Some(&app.admin))
        .get(&format!("/api/v1/audit-events?limit=2&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(first["items"][1]["id"].as_i64() < second["items"][0]["id"].as_i64());

    let auditor = app.user_token("auditor-1", nok_api::auth::Role::Auditor, None, None);
    assert_eq!(
        app.as_(Some(&auditor))
            .get("/api/v1/audit-events")
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(app.as_(None).get("/api/v1/audit-events").await, 401, None).await;
    assert_problem(
        app.as_(Some(&app.admin))
            .get("/api/v1/audit-events?since=yesterday")
            .await,
        400,
        Some("since"),
    )
    .await;
    for method in [Method::DELETE, Method::PATCH, Method::PUT, Method::POST] {
        let response = app
            .request(method, "/api/v1/audit-events")
            .send()
            .await
            .unwrap();
        assert_problem(response, 405, None).await;
    }
}

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_events() {
    let app = spawn_app().await;
    app.region("71", "Тульская область").await;
    let db = app.db.clone();
    let results = tokio::task::spawn_blocking(move || {
        let mut conn = db.blocking().unwrap();
        [
            conn.batch_execute("UPDATE audit_events SET actor = 'someone else'"),
            conn.batch_execute("DELETE FROM audit_events"),
        ]
    })
    .await
    .unwrap();
    for result in results {
        let error = result.unwrap_err().to_string();
        assert!(error.contains("append-only"), "{error}");
    }
    assert!(count(&app).await >= 2);
}
