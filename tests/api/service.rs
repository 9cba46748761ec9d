//! Health, readiness, the OpenAPI document and Swagger UI.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{assert_problem, spawn_app, spawn_app_without_database};

#[tokio::test]
async fn health_and_ready_answer_when_the_database_is_up() {
    let app = spawn_app().await;
    for path in ["/health", "/ready"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.json::<Value>().await.unwrap()["status"], "ok");
    }
}

#[tokio::test]
async fn ready_is_503_problem_when_the_database_is_down() {
    let app = spawn_app_without_database().await;
    assert_eq!(app.get("/health").await.status(), StatusCode::OK);
    let response = app.get("/ready").await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 503, None).await;
    assert_problem(app.get("/api/v1/regions").await, 503, None).await;
}

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let app = spawn_app().await;
    let served: Value = app
        .get("/api-docs/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let committed: Value =
        serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    assert!(
        served == committed,
        "the served document differs from openapi/openapi.json"
    );
    assert_eq!(served["openapi"], "3.1.0");
}

#[tokio::test]
async fn swagger_ui_is_served_from_vendored_assets() {
    let app = spawn_app().await;
    let page = app.get("/swagger-ui/").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    let bundle = app.get("/swagger-ui/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status(), StatusCode::OK);
    assert!(bundle.bytes().await.unwrap().len() > 100_000);
    let config = app
        .get("/swagger-ui/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(config.contains("/api-docs/openapi.json"), "{config}");
    let redirect = app.get("/swagger-ui").await;
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirect.headers()["location"], "/swagger-ui/");
}

/// PostgreSQL restarted (or a backend killed): every connection the pool holds is dead. Each is
/// used for at most one request, answered 503 problem+json (never 500), and then replaced, so
/// that the service serves again at once instead of failing until the pool retires it.
#[tokio::test]
async fn lost_database_connections_answer_503_and_are_replaced() {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, RunQueryDsl};
    let base = match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => base,
        _ => return, // SQLite connections cannot be lost this way
    };
    let app = spawn_app().await;
    // Name every connection of the pool, so that only this test's backends are terminated.
    let name = format!("nok_test_{}", uuid::Uuid::new_v4().simple());
    let (db, size, label) = (app.db.clone(), app.config.pool_size, name.clone());
    tokio::task::spawn_blocking(move || {
        let mut held = Vec::new();
        for _ in 0..size {
            let mut conn = db.blocking().unwrap();
            conn.batch_execute(&format!("SET application_name = '{label}'"))
                .unwrap();
            held.push(conn);
        }
    })
    .await
    .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Alive {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut admin = diesel::PgConnection::establish(&base).unwrap();
    admin
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{name}'"
        ))
        .unwrap();
    for _ in 0..100 {
        let alive: Alive = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = '{name}'"
        ))
        .get_result(&mut admin)
        .unwrap();
        if alive.n == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let mut statuses = Vec::new();
    for i in 0..size + 4 {
        let path = if i % 2 == 0 {
            "/api/v1/regions"
        } else {
            "/ready"
        };
        let response = app.get(path).await;
        let status = response.status().as_u16();
        if status != 200 {
            assert_problem(response, 503, None).await;
        }
        statuses.push(status);
    }
    assert_eq!(
        statuses[0], 503,
        "the first request met a dead connection: {statuses:?}"
    );
    let first_ok = statuses.iter().position(|&s| s == 200);
    assert!(
        first_ok.is_some_and(|i| i <= size as usize && statuses[i..].iter().all(|&s| s == 200)),
        "each dead connection answers once, then the pool serves again: {statuses:?}"
    );
}
