//! The field rules of request bodies (`validator`, with the limits the document states): a value
//! past a limit, a bad number or address, an item of a list in error are refused with
//! problem+json naming the field and its code, and nothing is stored.

use nok_api::auth::{password, Role};
use nok_api::domain::{council, cycle, operator, plan, proposal};
use nok_api::views::webhooks::{SECRET_MAX, URL_MAX};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};

/// How many items a list (`{"items": […]}`) or an array field of `path` holds, as the
/// administrator reads it.
async fn count(app: &TestApp, path: &str, field: &str) -> usize {
    let body: Value = app
        .as_(Some(&app.admin))
        .get(path)
        .await
        .json()
        .await
        .unwrap();
    body[field].as_array().map_or(0, Vec::len)
}

/// Posts `body` as `token`, expects 422 naming `field` with `code`.
async fn refused(app: &TestApp, token: &str, path: &str, body: &Value, field: &str, code: &str) {
    let response = app.as_(Some(token)).post_json(path, body).await;
    let problem = assert_problem(response, 422, Some(field)).await;
    let named = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["field"] == field && e["code"] == code);
    assert!(named, "{field}: {code} not in {problem}");
}

fn long(limit: u64) -> String {
    "а".repeat(limit as usize + 1)
}

#[tokio::test]
async fn operator_and_contract_fields_are_checked_by_their_rules() {
    let app = spawn_app().await;
    let region = app
        .region("86", "Ханты-Мансийский автономный округ – Югра")
        .await;
    let authority = app.user_token("hmao-authority", Role::Authority, Some(region), None);
    let operators = format!("/api/v1/regions/{region}/operators");
    for (body, field, code) in [
        (
            json!({"name": long(operator::NAME_MAX)}),
            "name",
            "too_long",
        ),
        (json!({"name": "  "}), "name", "required"),
        (
            json!({"name": "Оператор", "inn": "8601012341"}),
            "inn",
            "check_digit",
        ),
        (
            json!({"name": "Оператор", "inn": "86010123"}),
            "inn",
            "length",
        ),
    ] {
        refused(&app, &authority, &operators, &body, field, code).await;
    }
    assert_eq!(count(&app, &operators, "items").await, 0);

    let created = app
        .as_(Some(&authority))
        .post_json(
            &operators,
            &json!({"name": "Оператор", "inn": " 8601012340 "}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let contracts = format!("/api/v1/operators/{id}/contracts");
    let contract = |change: Value| {
        let mut body = json!({"number": "0187200001717000045", "concluded_on": "2017-03-27",
            "subject": "Сбор и анализ информации", "starts_on": "2017-03-27",
            "ends_on": "2018-12-14"});
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    for (body, field, code) in [
        (
            contract(json!({"number": long(operator::NUMBER_MAX)})),
            "number",
            "too_long",
        ),
        (
            contract(json!({"subject": long(operator::SUBJECT_MAX)})),
            "subject",
            "too_long",
        ),
        (
            contract(json!({"technical_task": long(operator::TECHNICAL_TASK_MAX)})),
            "technical_task",
            "too_long",
        ),
        // The rule across fields stays the domain's, beside the field rules.
        (
            contract(json!({"number": "", "ends_on": "2017-03-26"})),
            "ends_on",
            "before_start",
        ),
    ] {
        refused(&app, &authority, &contracts, &body, field, code).await;
    }
    let operator_path = format!("/api/v1/operators/{id}");
    assert_eq!(count(&app, &operator_path, "contracts").await, 0);
}

#[tokio::test]
async fn webhook_fields_are_checked_by_their_rules() {
    let app = spawn_app().await;
    let url = format!("https://soc71.example.ru/{}", "a".repeat(URL_MAX as usize));
    for (body, field, code) in [
        (json!({"url": url, "event_types": ["*"]}), "url", "too_long"),
        (
            json!({"url": "https://soc71.example.ru/a b", "event_types": ["*"]}),
            "url",
            "format",
        ),
        (
            json!({"url": "mailto:nok@soc71.example.ru", "event_types": ["*"]}),
            "url",
            "format",
        ),
        (
            json!({"url": "https://soc71.example.ru/h", "event_types": ["*"],
                "secret": "s".repeat(SECRET_MAX as usize + 1)}),
            "secret",
            "length",
        ),
        (
            json!({"url": "https://soc71.example.ru/h", "event_types": vec!["*"; 51]}),
            "event_types",
            "length",
        ),
    ] {
        refused(&app, &app.admin, "/api/v1/webhooks", &body, field, code).await;
    }
    assert_eq!(count(&app, "/api/v1/webhooks", "items").await, 0);
}

#[tokio::test]
async fn proposal_and_meeting_fields_are_checked_by_their_rules() {
    let app = spawn_app().await;
    let region = app.region("33", "Владимирская область").await;
    let meetings = format!("/api/v1/regions/{region}/council-meetings");
    let item = |text: String| json!({"number": "1", "text": text});
    for (body, field, code) in [
        (
            json!({"held_on": "2019-01-24", "title": long(council::MAX_TITLE)}),
            "title",
            "too_long",
        ),
        (
            json!({"held_on": "2019-01-24", "title": "Заседание",
                "number": long(council::MAX_NUMBER)}),
            "number",
            "too_long",
        ),
        // Items are checked as nested values, each named by its place.
        (
            json!({"held_on": "2019-01-24", "title": "Заседание",
                "decisions": [item("Утвердить".into()), item(long(council::MAX_TEXT))]}),
            "decisions[1].text",
            "too_long",
        ),
        (
            json!({"held_on": "2019-01-24", "title": "Заседание",
                "agenda": vec![item("Вопрос".into()); council::MAX_ITEMS as usize + 1]}),
            "agenda",
            "too_long",
        ),
    ] {
        refused(&app, &app.admin, &meetings, &body, field, code).await;
    }
    assert_eq!(count(&app, &meetings, "items").await, 0);

    let cycle = app
        .post_json(
            "/api/v1/cycles",
            &json!({"region_id": region, "year": 2019}),
        )
        .await;
    assert_eq!(cycle.status(), StatusCode::CREATED);
    let cycle = cycle.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let council = app.user_token("vladimir-council", Role::Council, Some(region), None);
    let proposals = format!("/api/v1/cycles/{cycle}/proposals");
    let body = json!({"criterion": "K1", "text": long(proposal::MAX_TEXT)});
    refused(&app, &council, &proposals, &body, "text", "too_long").await;
    let body = json!({"text": " \n "});
    refused(&app, &council, &proposals, &body, "text", "required").await;
    assert_eq!(count(&app, &proposals, "items").await, 0);
}

#[tokio::test]
async fn user_fields_are_checked_by_their_rules() {
    let app = spawn_app().await;
    let before = count(&app, "/api/v1/users", "items").await;
    let short = "s".repeat(password::MIN_LENGTH as usize - 1);
    let long = "s".repeat(password::MAX_LENGTH as usize + 1);
    for (body, field, code) in [
        (
            json!({"username": "new-admin", "password": short, "role": "admin"}),
            "password",
            "length",
        ),
        (
            json!({"username": "new-admin", "password": long, "role": "admin"}),
            "password",
            "length",
        ),
        (
            json!({"username": "Иванов", "password": "correct horse battery", "role": "admin"}),
            "username",
            "format",
        ),
    ] {
        refused(&app, &app.admin, "/api/v1/users", &body, field, code).await;
    }
    assert_eq!(count(&app, "/api/v1/users", "items").await, before);
}

#[tokio::test]
async fn an_over_long_login_is_refused_before_it_is_counted() {
    let app = spawn_app().await;
    let body = json!({"username": "a".repeat(65), "password": "correct horse battery staple"});
    refused(
        &app,
        &app.admin,
        "/api/v1/auth/token",
        &body,
        "username",
        "too_long",
    )
    .await;
    let body =
        json!({"username": "admin", "password": "p".repeat(password::MAX_LENGTH as usize + 1)});
    refused(
        &app,
        &app.admin,
        "/api/v1/auth/token",
        &body,
        "password",
        "too_long",
    )
    .await;
    // The form grant refuses it as an RFC 6749 §5.2 error.
    let form = app
        .request(reqwest::Method::POST, "/api/v1/auth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=password&username={}&password=x",
            "a".repeat(65)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::BAD_REQUEST);
    let error: Value = form.json().await.unwrap();
    assert_eq!(error["error"], "invalid_request");
}

#[tokio::test]
async fn cycle_fields_are_checked_by_their_rules() {
    let app = spawn_app().await;
    let region = app
        .region("86", "Ханты-Мансийский автономный округ – Югра")
        .await;
    let authority = app.user_token("hmao-authority", Role::Authority, Some(region), None);
    let operator = |name: String| json!({"name": name, "contract_number": "0366200035618000123", "contract_date": "2018-04-02"});
    for (body, field, code) in [
        (
            json!({"region_id": region, "year": cycle::FIRST_YEAR - 1}),
            "year",
            "range",
        ),
        (
            json!({"region_id": region, "year": cycle::LAST_YEAR + 1}),
            "year",
            "range",
        ),
        (
            json!({"region_id": region, "year": 2019, "sector": "health"}),
            "sector",
            "unknown_value",
        ),
        (
            json!({"region_id": region, "year": 2019,
                "settings": {"rounding": {"precision": 9}}}),
            "settings.rounding.precision",
            "range",
        ),
        (
            json!({"region_id": region, "year": 2019,
                "operator": operator(long(cycle::OPERATOR_NAME_MAX))}),
            "operator.name",
            "too_long",
        ),
        (
            json!({"region_id": region, "year": 2019, "operator": operator(" ".into())}),
            "operator.name",
            "required",
        ),
    ] {
        refused(&app, &authority, "/api/v1/cycles", &body, field, code).await;
    }
    assert_eq!(count(&app, "/api/v1/cycles", "items").await, 0);
    let created = app
        .as_(Some(&authority))
        .post_json(
            "/api/v1/cycles",
            &json!({"region_id": region, "year": cycle::LAST_YEAR}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn measure_fields_are_checked_by_their_rules() {
    let app = spawn_app().await;
    let s = crate::plans::scene(&app).await;
    let at = "sections[0].measures[0]";
    for (field, value, code) in [
        ("title", json!(long(plan::TEXT_MAX)), "too_long"),
        ("title", json!(" "), "required"),
        ("deadline", json!(long(plan::SHORT_MAX)), "too_long"),
        ("number", json!(long(plan::NUMBER_MAX)), "too_long"),
        ("number", json!("1\n2"), "format"),
        ("basis", json!(""), "required"),
        ("expected_result", json!(long(plan::TEXT_MAX)), "too_long"),
    ] {
        let mut body = crate::plans::new_plan(s.org);
        body["sections"][0]["measures"][0][field] = value;
        let path = format!("{at}.{field}");
        refused(&app, &s.authority, "/api/v1/plans", &body, &path, code).await;
    }
    assert_eq!(crate::plans::plan_count(&app).await, 0);
    // A blank deadline is no deadline.
    let mut body = crate::plans::new_plan(s.org);
    body["sections"][0]["measures"][0]["deadline"] = json!("  ");
    let created = app
        .as_(Some(&s.authority))
        .post_json("/api/v1/plans", &body)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
}
