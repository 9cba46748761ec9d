//! The field rules of request bodies (`validator`, with the limits the document states): a value
//! past a limit, a bad number or address, an item of a list in error are refused with
//! problem+json naming the field and its code, and nothing is stored.

use nok_api::auth::{password, Role};
use nok_api::domain::{
    council, cycle, figure, follow_up, operator, organizing, plan, proposal, scoring,
};
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

/// A copy of `body` with `value` at the JSON pointer `at` (`/approval/full_name`), a member
/// added where the object has none of that name.
fn with(body: &Value, at: &str, value: Value) -> Value {
    let mut changed = body.clone();
    let (parent, last) = at.rsplit_once('/').unwrap();
    match changed.pointer_mut(parent).unwrap() {
        Value::Array(items) => items[last.parse::<usize>().unwrap()] = value,
        object => object[last] = value,
    }
    changed
}

#[tokio::test]
async fn plan_header_fields_are_checked_by_their_rules() {
    let app = spawn_app().await;
    let s = crate::plans::scene(&app).await;
    let plan = crate::plans::new_plan(s.org);
    let decision = json!({"title": "Приказ № 24", "number": "24", "date": "2019-02-20"});
    for (body, field, code) in [
        (
            with(&plan, "/year", json!(cycle::LAST_YEAR + 1)),
            "year",
            "range",
        ),
        (
            with(&plan, "/title", json!(long(plan::PLAN_TITLE_MAX))),
            "title",
            "too_long",
        ),
        (with(&plan, "/basis", json!(" ")), "basis", "required"),
        (
            with(
                &plan,
                "/approval/full_name",
                json!(long(plan::FULL_NAME_MAX)),
            ),
            "approval.full_name",
            "too_long",
        ),
        (
            with(&plan, "/approval/position", json!("")),
            "approval.position",
            "required",
        ),
        (
            with(
                &plan,
                "/approval/document_number",
                json!(long(plan::DOCUMENT_NUMBER_MAX)),
            ),
            "approval.document_number",
            "too_long",
        ),
        (
            with(
                &with(&plan, "/approval", Value::Null),
                "/approval_decision",
                with(&decision, "/title", json!(long(plan::DECISION_TITLE_MAX))),
            ),
            "approval_decision.title",
            "too_long",
        ),
        (
            with(
                &plan,
                "/approval_decision",
                with(&decision, "/number", json!("24\n25")),
            ),
            "approval_decision.number",
            "format",
        ),
        (
            with(&plan, "/sections/0/heading", json!(long(plan::HEADING_MAX))),
            "sections[0].heading",
            "too_long",
        ),
        (
            with(
                &plan,
                "/sections/0/measures/0/executors/0/full_name",
                json!(long(plan::FULL_NAME_MAX)),
            ),
            "sections[0].measures[0].executors[0].full_name",
            "too_long",
        ),
        (
            with(
                &plan,
                "/sections/0/measures/0/executors",
                json!(vec![
                    json!({"kind": "institution", "name": "ГУ ТО «УКС»"});
                    plan::EXECUTORS_MAX as usize + 1
                ]),
            ),
            "sections[0].measures[0].executors",
            "too_many",
        ),
    ] {
        refused(&app, &s.authority, "/api/v1/plans", &body, field, code).await;
    }
    assert_eq!(crate::plans::plan_count(&app).await, 0);

    // A patch's result is held to the same rules; nothing of it is kept.
    let created = app
        .as_(Some(&s.authority))
        .post_json("/api/v1/plans", &plan)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let path = format!(
        "/api/v1/plans/{}",
        created.json::<Value>().await.unwrap()["id"]
    );
    let patch = json!({"title": "Новый план", "approval": {"position": "Министр",
        "full_name": long(plan::FULL_NAME_MAX), "date": "2019-02-20"}});
    let response = app
        .as_(Some(&s.authority))
        .patch_json(&path, Some("*"), &patch)
        .await;
    let problem = assert_problem(response, 422, Some("approval.full_name")).await;
    assert_eq!(problem["errors"][0]["code"], "too_long");
    let stored: Value = app
        .as_(Some(&s.authority))
        .get(&path)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["title"], plan["title"]);
    assert_eq!(stored["approval"]["full_name"], "А.В. Филиппов");
}

#[tokio::test]
async fn report_and_entry_fields_are_checked_by_their_rules() {
    let app = spawn_app().await;
    let s = crate::plans::scene(&app).await;
    let plan: Value = app
        .as_(Some(&s.organization))
        .post_json("/api/v1/plans", &crate::plans::new_plan(s.org))
        .await
        .json()
        .await
        .unwrap();
    let id = plan["id"].as_i64().unwrap();
    for (token, step) in [(&s.organization, "submit"), (&s.authority, "approve")] {
        let moved = app
            .as_(Some(token))
            .request(reqwest::Method::POST, &format!("/api/v1/plans/{id}/{step}"))
            .send()
            .await
            .unwrap();
        assert_eq!(moved.status(), StatusCode::OK, "{step}");
    }
    let reports = format!("/api/v1/plans/{id}/reports");
    let report = json!({"period": {"kind": "year", "year": 2019},
        "signatory": {"position": "Директор", "full_name": "В.М.Зуева"}});
    for (body, field, code) in [
        (
            with(&report, "/period/year", json!(cycle::FIRST_YEAR - 1)),
            "period.year",
            "range",
        ),
        (
            with(
                &report,
                "/signatory/full_name",
                json!(long(plan::FULL_NAME_MAX)),
            ),
            "signatory.full_name",
            "too_long",
        ),
        (
            with(&report, "/signatory/position", json!(" ")),
            "signatory.position",
            "required",
        ),
    ] {
        refused(&app, &s.organization, &reports, &body, field, code).await;
    }
    assert_eq!(count(&app, &reports, "items").await, 0);

    let created = app
        .as_(Some(&s.organization))
        .post_json(&reports, &report)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let report: Value = created.json().await.unwrap();
    let report_path = format!("{reports}/{}", report["id"]);
    let measure = report["entries"][0]["measure_id"].as_i64().unwrap();
    let entry_path = format!("{report_path}/entries/{measure}");
    let entry = json!({"execution_info": "Стенды обновлены",
        "figures": [{"name": "Опрошено получателей услуг", "value": "719", "unit": "чел."}],
        "evidence": ["https://zabota034.msp.midural.ru"]});
    let figure = entry["figures"][0].clone();
    for (body, field, code) in [
        (
            with(&entry, "/execution_info", json!(long(plan::TEXT_MAX))),
            "execution_info",
            "too_long",
        ),
        (with(&entry, "/result", json!("")), "result", "required"),
        (
            with(&entry, "/figures/0/unit", json!(long(figure::UNIT_MAX))),
            "figures[0].unit",
            "too_long",
        ),
        (
            with(&entry, "/figures/0/name", json!(long(figure::NAME_MAX))),
            "figures[0].name",
            "too_long",
        ),
        (
            with(
                &entry,
                "/figures",
                json!(vec![figure; plan::FIGURES_MAX as usize + 1]),
            ),
            "figures",
            "too_many",
        ),
        (
            with(
                &entry,
                "/evidence/0",
                json!(format!("https://{}", long(plan::LINK_MAX))),
            ),
            "evidence[0]",
            "too_long",
        ),
        (
            with(&entry, "/evidence/0", json!("ftp://soc71.example.ru")),
            "evidence[0]",
            "format",
        ),
        (
            with(
                &entry,
                "/evidence",
                json!(vec![
                    "https://soc71.example.ru";
                    plan::LINKS_MAX as usize + 1
                ]),
            ),
            "evidence",
            "too_many",
        ),
    ] {
        let response = app
            .as_(Some(&s.organization))
            .request(reqwest::Method::PUT, &entry_path)
            .header("If-Match", "*")
            .json(&body)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 422, Some(field)).await;
        let named = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == field && e["code"] == code);
        assert!(named, "{field}: {code} not in {problem}");
    }
    let stored: Value = app
        .as_(Some(&s.organization))
        .get(&report_path)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["entries"][0]["updated_at"], Value::Null);
    assert_eq!(stored["entries"][0]["figures"], json!([]));
}

#[tokio::test]
async fn deadline_fields_are_checked_by_their_rules() {
    let app = spawn_app().await;
    let region = app.region("33", "Владимирская область").await;
    let authority = app.user_token("vladimir-authority", Role::Authority, Some(region), None);
    let cycle = app
        .as_(Some(&authority))
        .post_json(
            "/api/v1/cycles",
            &json!({"region_id": region, "year": 2019}),
        )
        .await;
    assert_eq!(cycle.status(), StatusCode::CREATED);
    let cycle = cycle.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let deadlines = format!("/api/v1/cycles/{cycle}/deadlines");
    let other = |title: String| json!({"kind": "other", "due_on": "2019-02-20", "title": title});
    for (body, field, code) in [
        (
            json!({"deadlines": [other(long(follow_up::MAX_TITLE))]}),
            "deadlines[0].title",
            "too_long",
        ),
        (
            json!({"deadlines": [other("Разместить планы".into()), other(" ".into())]}),
            "deadlines[1].title",
            "required",
        ),
        (
            json!({"deadlines": vec![other("Разместить планы".into());
                follow_up::MAX_DEADLINES as usize + 1]}),
            "deadlines",
            "too_long",
        ),
    ] {
        let response = app
            .as_(Some(&authority))
            .request(reqwest::Method::PUT, &deadlines)
            .header("If-Match", "*")
            .header("Accept-Language", "ru")
            .json(&body)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 422, Some(field)).await;
        let error = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field && e["code"] == code)
            .unwrap_or_else(|| panic!("{field}: {code} not in {problem}"))
            .clone();
        // The codes stay; the words are Russian for a Russian reader.
        let message = error["message"].as_str().unwrap();
        assert!(
            message.chars().any(|c| ('а'..='я').contains(&c)),
            "{message}"
        );
    }
    assert_eq!(count(&app, &deadlines, "deadlines").await, 0);
}

#[tokio::test]
async fn organizing_plan_fields_are_checked_by_their_rules() {
    let app = spawn_app().await;
    let region = app
        .region("86", "Ханты-Мансийский автономный округ – Югра")
        .await;
    let authority = app.user_token("ugra-authority", Role::Authority, Some(region), None);
    let path = format!("/api/v1/regions/{region}/organizing-plans");
    let good = json!({"year_from": 2016, "year_to": 2018, "title": "План мероприятий на 2016-2018 годы",
        "order_number": "819-р",
        "targets": [{"name": "Доля организаций, в отношении которых проведена независимая оценка, в %",
                     "values": [{"year": 2016, "planned": "50"}]}],
        "measures": [{"number": "1", "title": "Заседания совета", "form": "Решение",
                      "deadline": "ежеквартально", "executors": "Пономарева Т.А."}]});
    for (body, field, code) in [
        (
            with(&good, "/year_from", json!(organizing::FIRST_YEAR - 1)),
            "year_from",
            "out_of_range",
        ),
        (
            with(&good, "/title", json!(long(organizing::MAX_TITLE))),
            "title",
            "too_long",
        ),
        (
            with(
                &good,
                "/order_number",
                json!(long(organizing::MAX_ORDER_NUMBER)),
            ),
            "order_number",
            "too_long",
        ),
        (
            with(&good, "/targets/0/name", json!(long(organizing::MAX_TEXT))),
            "targets[0].name",
            "too_long",
        ),
        (
            with(
                &good,
                "/targets/0/values/0/year",
                json!(organizing::LAST_YEAR + 1),
            ),
            "targets[0].values[0].year",
            "out_of_range",
        ),
        (
            with(&good, "/measures/0/form", json!(long(organizing::MAX_TEXT))),
            "measures[0].form",
            "too_long",
        ),
        (
            with(&good, "/measures/0/executors", json!("")),
            "measures[0].executors",
            "required",
        ),
    ] {
        refused(&app, &authority, &path, &body, field, code).await;
    }
    assert_eq!(count(&app, &path, "items").await, 0);

    // A measure's patch is held to the same rules, its fields named as the patch names them.
    let created = app.as_(Some(&authority)).post_json(&path, &good).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let measure = &created["measures"][0];
    let measure_path = format!(
        "/api/v1/organizing-plans/{}/measures/{}",
        created["id"], measure["id"]
    );
    let response = app
        .as_(Some(&authority))
        .patch_json(
            &measure_path,
            Some("*"),
            &json!({"deadline": long(organizing::MAX_TEXT)}),
        )
        .await;
    let problem = assert_problem(response, 422, Some("deadline")).await;
    assert_eq!(problem["errors"][0]["code"], "too_long");
    let stored: Value = app
        .as_(Some(&authority))
        .get(&format!("/api/v1/organizing-plans/{}", created["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["measures"][0]["deadline"], measure["deadline"]);
}

#[tokio::test]
async fn evaluation_input_counts_are_checked_by_their_rules() {
    let app = spawn_app().await;
    let w = crate::cycles::collecting_cycle(&app).await;
    let inputs = crate::cycles::worked_example();
    for (body, field) in [
        (
            with(&inputs, "/stand_information/required", json!(0)),
            "stand_information.required",
        ),
        (
            with(
                &inputs,
                "/site_information",
                json!({"found": 1, "required": scoring::MAX_CHECKLIST_ITEMS + 1}),
            ),
            "site_information.required",
        ),
        (
            with(
                &inputs,
                "/survey/respondents",
                json!(scoring::MAX_COUNT + 1),
            ),
            "survey.respondents",
        ),
        (
            with(
                &inputs,
                "/waiting_time",
                json!({"served_on_time": 1, "served": scoring::MAX_COUNT + 1}),
            ),
            "waiting_time.served",
        ),
    ] {
        let response = crate::cycles::put_inputs(&app, &w.operator, &w, &body).await;
        let problem = assert_problem(response, 422, Some(field)).await;
        let named = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == field && e["code"] == "range");
        assert!(named, "{field}: range not in {problem}");
    }
    let evaluation = crate::cycles::evaluation(&app, &w.operator, &w).await;
    assert_eq!(evaluation["inputs"], Value::Null);
}
