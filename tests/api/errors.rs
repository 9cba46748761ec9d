//! Every error leaves as problem+json, whatever part of the stack refuses the request.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, test_config};

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let app = spawn_app().await;
    assert_problem(app.get("/api/v1/nothing-here").await, 404, None).await;
    assert_problem(app.get("/").await, 404, None).await;
    let response = app
        .request(Method::DELETE, "/api/v1/organizations/1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, HEAD, PATCH");
    assert_problem(response, 405, None).await;
    let response = app
        .request(Method::PUT, "/api/v1/regions")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, HEAD, POST");
    assert_problem(response, 405, None).await;
}

/// Found by schemathesis: `PATCH /plans/import` reached the handler of `PATCH /plans/{id}` and
/// answered 404 (`import` is no id) where the path exists and only lacks the method.
#[tokio::test]
async fn a_fixed_path_beside_a_templated_one_answers_405_for_a_method_it_lacks() {
    let app = spawn_app().await;
    for method in [Method::PATCH, Method::GET, Method::DELETE] {
        let response = app
            .request(method.clone(), "/api/v1/plans/import")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], "POST", "{method}");
        assert_problem(response, 405, None).await;
    }
    let response = app
        .request(Method::GET, "/api/v1/plans/abc")
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, None).await;
}

/// Found by schemathesis: without a token, a malformed cursor answered 400 where the route needs
/// a token first: 401 before anything about the input.
#[tokio::test]
async fn anonymous_callers_get_401_before_their_input_is_judged() {
    let app = spawn_app().await;
    let response = app
        .get("/api/v1/webhooks/1/deliveries?cursor=not-a-cursor")
        .await;
    assert_problem(response, 401, None).await;
}

#[tokio::test]
async fn malformed_json_is_400_and_a_wrong_media_type_415() {
    let app = spawn_app().await;
    for body in [
        "{\"code\": \"71\"",
        "not json",
        "",
        "{\"code\": \"71\", \"name\": \"Тула\"} trailing",
    ] {
        let response = app
            .request(Method::POST, "/api/v1/regions")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(response, 400, None).await;
    }
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = app
            .request(Method::POST, "/api/v1/regions")
            .body(json!({"code": "71", "name": "Тула"}).to_string());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        assert_problem(request.send().await.unwrap(), 415, None).await;
    }
    let merge_patch = app
        .request(Method::POST, "/api/v1/regions")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"code": "71", "name": "Тула"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        merge_patch.status(),
        StatusCode::CREATED,
        "+json types are JSON"
    );
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_and_write_nothing() {
    let mut config = test_config();
    config.body_limit = 2048;
    let app = spawn_app_with(config).await;
    let body = json!({"code": "71", "name": "я".repeat(2000)});
    assert_problem(app.post_json("/api/v1/regions", &body).await, 413, None).await;

    let default_app = spawn_app().await;
    let huge = json!({"code": "71", "name": "x".repeat(1024 * 1024 + 1)});
    assert_problem(
        default_app.post_json("/api/v1/regions", &huge).await,
        413,
        None,
    )
    .await;
    let list: serde_json::Value = default_app
        .get("/api/v1/regions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn problems_name_their_request_and_path() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/api/v1/organizations?limit=0")
        .header("X-Request-Id", "portal-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "portal-7f3a");
    let problem = assert_problem(response, 400, Some("limit")).await;
    assert_eq!(problem["request_id"], "portal-7f3a");
    assert_eq!(problem["instance"], "/api/v1/organizations");
    // Without a usable id of the caller's, the service makes one and reports it alike.
    let response = app
        .request(Method::GET, "/api/v1/nowhere")
        .header("X-Request-Id", "has spaces")
        .send()
        .await
        .unwrap();
    let header = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(header, "has spaces");
    let problem = assert_problem(response, 404, None).await;
    assert_eq!(problem["request_id"], header.as_str());
}

/// A problem as a Russian reader asks for it: status, title, detail, field codes and messages.
async fn in_russian(request: reqwest::RequestBuilder, status: u16) -> serde_json::Value {
    let response = request
        .header("Accept-Language", "ru-RU,ru;q=0.9,en;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-language"], "ru");
    let vary: Vec<String> = response
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect();
    assert!(
        vary.iter().any(|v| v.contains("accept-language")),
        "{vary:?}"
    );
    let body = assert_problem(response, status, None).await;
    let cyrillic = |v: &serde_json::Value| {
        v.as_str()
            .unwrap()
            .chars()
            .any(|c| ('а'..='я').contains(&c))
    };
    assert!(
        cyrillic(&body["title"]) && cyrillic(&body["detail"]),
        "{body}"
    );
    for error in body["errors"].as_array().into_iter().flatten() {
        assert!(cyrillic(&error["message"]), "{body}");
    }
    body
}

#[tokio::test]
async fn problems_are_in_russian_when_accept_language_prefers_it() {
    let mut config = test_config();
    config.body_limit = 2048;
    let app = spawn_app_with(config).await;
    let operator = app.user_token("ru-operator", nok_api::auth::Role::Operator, None, None);

    // Raised before any handler: the fallback, the router's 405, the gate, the query contract.
    let missing = in_russian(app.as_(None).request(Method::GET, "/api/v1/nothing"), 404).await;
    assert_eq!(missing["title"], "Не найдено");
    assert_eq!(missing["type"], "/problems/not-found");
    let method = in_russian(
        app.as_(None).request(Method::DELETE, "/api/v1/regions"),
        405,
    )
    .await;
    assert!(method["detail"]
        .as_str()
        .unwrap()
        .starts_with("Этот ресурс поддерживает: "));
    let anonymous = in_russian(app.as_(None).request(Method::GET, "/api/v1/users"), 401).await;
    assert_eq!(anonymous["title"], "Требуется аутентификация");
    in_russian(
        app.as_(Some(&operator))
            .request(Method::GET, "/api/v1/users"),
        403,
    )
    .await;
    let query = in_russian(
        app.as_(None)
            .request(Method::GET, "/api/v1/regions?bogus=1"),
        400,
    )
    .await;
    assert_eq!(query["errors"][0]["field"], "bogus");
    assert_eq!(query["errors"][0]["code"], "unknown_parameter");
    assert_eq!(
        query["errors"][0]["message"],
        "неизвестный параметр запроса"
    );
    // Bodies: malformed JSON, a missing field, too large.
    let post = || app.request(Method::POST, "/api/v1/regions");
    let malformed = post()
        .header("content-type", "application/json")
        .body("{\"code\":");
    in_russian(malformed, 400).await;
    let required = in_russian(post().json(&json!({"code": "71"})), 422).await;
    assert_eq!(required["errors"][0]["field"], "name");
    assert_eq!(required["errors"][0]["code"], "required");
    assert_eq!(required["errors"][0]["message"], "обязательное поле");
    assert_eq!(required["detail"], "Поле `name`: обязательное поле");
    let large = in_russian(
        post().json(&json!({"code": "71", "name": "я".repeat(2000)})),
        413,
    )
    .await;
    assert!(
        large["detail"].as_str().unwrap().contains("2048 байт"),
        "{large}"
    );

    // English when asked for it, or by default; the codes and types are the same.
    for language in [Some("en"), Some("de, en;q=0.5"), None] {
        let mut request = app
            .as_(None)
            .request(Method::GET, "/api/v1/regions?bogus=1");
        if let Some(language) = language {
            request = request.header("Accept-Language", language);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.headers()["content-language"], "en");
        let body = assert_problem(response, 400, Some("bogus")).await;
        assert_eq!(body["title"], "Bad request");
        assert_eq!(body["errors"][0]["code"], "unknown_parameter");
        assert_eq!(query["type"], body["type"]);
    }
}
