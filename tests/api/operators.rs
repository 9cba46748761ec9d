//! The operator as an organization with its contract (seed 002, measure 5: the operator chosen
//! by a state contract under a technical task): recorded with its users, a contract covering two
//! cycles added, read by the region's roles; bad input and refused roles store nothing.

use nok_api::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, organization_body, spawn_app, TestApp};

const NAME: &str = "АУ ХМАО – Югры «Региональный социально-технологический центр»";

async fn user_id(app: &TestApp, token: &str) -> i64 {
    let me: Value = app
        .as_(Some(token))
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    me["user_id"].as_i64().unwrap()
}

/// A draft cycle of `region` in `year`.
async fn cycle(app: &TestApp, authority: &str, region: i64, year: i32) -> i64 {
    let created = app
        .as_(Some(authority))
        .post_json(
            "/api/v1/cycles",
            &json!({"region_id": region, "year": year}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// The state contract of 2017–2018, as the procurement register would show it.
fn contract(cycle_ids: &[i64]) -> Value {
    json!({
        "number": "0187200001717000045",
        "concluded_on": "2017-03-27",
        "subject": "Оказание услуг по сбору, обобщению и анализу информации о качестве оказания услуг организациями социального обслуживания Ханты-Мансийского автономного округа – Югры",
        "starts_on": "2017-03-27",
        "ends_on": "2018-12-14",
        "technical_task": "Сбор информации о качестве оказания услуг в организациях социального обслуживания по перечню, утвержденному Общественным советом (решение о перечне и техническом задании, мероприятие 1.1), анкетирование получателей услуг, отчет организации-оператора до 15 ноября",
        "cycle_ids": cycle_ids,
    })
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    let audit: Value = app
        .as_(Some(&app.admin))
        .get("/api/v1/audit-events?resource_type=operator")
        .await
        .json()
        .await
        .unwrap();
    audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn seed_002s_operator_is_chosen_by_a_state_contract_covering_two_cycles() {
    let app = spawn_app().await;
    let region = app
        .region("86", "Ханты-Мансийский автономный округ – Югра")
        .await;
    let authority = app.user_token("ugra-authority", Role::Authority, Some(region), None);
    let council = app.user_token("ugra-council", Role::Council, Some(region), None);
    let operator_token = app.user_token("ugra-operator", Role::Operator, Some(region), None);
    let operator_user = user_id(&app, &operator_token).await;
    let subscribed = app
        .as_(Some(&authority))
        .post_json(
            "/api/v1/webhooks",
            &json!({"url": "http://127.0.0.1:9/nok-events", "event_types": ["operator.*"]}),
        )
        .await;
    assert_eq!(subscribed.status(), StatusCode::CREATED);

    let created = app
        .as_(Some(&authority))
        .post_json(
            &format!("/api/v1/regions/{region}/operators"),
            &json!({"name": format!(" {NAME} "), "inn": "8601012340", "user_ids": [operator_user]}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let operator: Value = created.json().await.unwrap();
    let id = operator["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/operators/{id}"));
    assert_eq!(operator["name"], NAME);
    assert_eq!(operator["inn"], "8601012340");
    assert_eq!(operator["member_user_ids"], json!([operator_user]));
    assert_eq!(operator["contracts"], json!([]));

    let (c2017, c2018) = (
        cycle(&app, &authority, region, 2017).await,
        cycle(&app, &authority, region, 2018).await,
    );
    let added = app
        .as_(Some(&authority))
        .post_json(
            &format!("/api/v1/operators/{id}/contracts"),
            &contract(&[c2018, c2017]),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let operator: Value = added.json().await.unwrap();
    let shown = &operator["contracts"][0];
    assert_eq!(shown["number"], "0187200001717000045");
    assert_eq!(shown["concluded_on"], "2017-03-27");
    assert_eq!(shown["starts_on"], "2017-03-27");
    assert_eq!(shown["ends_on"], "2018-12-14");
    assert!(shown["technical_task"]
        .as_str()
        .unwrap()
        .starts_with("Сбор информации"));
    assert_eq!(shown["cycle_ids"], json!([c2017, c2018]));
    assert_eq!(operator["cycle_ids"], json!([c2017, c2018]));

    // The region's roles read it, the operator's own user among them.
    for token in [&authority, &council, &operator_token, &app.admin] {
        let read = app
            .as_(Some(token))
            .get(&format!("/api/v1/operators/{id}"))
            .await;
        assert_eq!(read.status(), StatusCode::OK);
        let read: Value = read.json().await.unwrap();
        assert_eq!(read["contracts"].as_array().unwrap().len(), 1);
        let listed: Value = app
            .as_(Some(token))
            .get(&format!("/api/v1/regions/{region}/operators"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["items"][0]["id"], id, "{listed}");
    }

    let actions = audit_actions(&app).await;
    assert!(
        actions.contains(&"operator.created".to_owned())
            && actions.contains(&"operator.contract_added".to_owned()),
        "{actions:?}"
    );
    // The feed: created, then updated by the contract; the region's insiders see it, the
    // public does not.
    let feed: Value = app
        .as_(Some(&council))
        .get("/api/v1/changes?types=operator")
        .await
        .json()
        .await
        .unwrap();
    let events: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["operator.created", "operator.updated"], "{feed}");
    assert_eq!(
        feed["items"][1]["resource"]["contracts"][0]["cycle_ids"],
        json!([c2017, c2018])
    );
    let public: Value = app
        .as_(None)
        .get("/api/v1/changes?types=operator")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["items"], json!([]), "{public}");
}

#[tokio::test]
async fn bad_operators_and_contracts_are_refused_by_field_and_store_nothing() {
    let app = spawn_app().await;
    let region = app
        .region("86", "Ханты-Мансийский автономный округ – Югра")
        .await;
    let other = app.region("72", "Тюменская область").await;
    let authority = app.user_token("ugra-authority", Role::Authority, Some(region), None);
    let other_authority = app.user_token("tyumen-authority", Role::Authority, Some(other), None);
    let council = app.user_token("ugra-council", Role::Council, Some(region), None);
    let operator_token = app.user_token("ugra-operator", Role::Operator, Some(region), None);
    let operator_user = user_id(&app, &operator_token).await;
    let foreign_operator = app.user_token("tyumen-operator", Role::Operator, Some(other), None);
    let foreign_operator = user_id(&app, &foreign_operator).await;
    let council_user = user_id(&app, &council).await;
    let path = format!("/api/v1/regions/{region}/operators");

    for (body, field) in [
        (json!({"name": " "}), "name"),
        (json!({"name": NAME, "inn": "8601012341"}), "inn"),
        (json!({"name": NAME, "inn": "86010123"}), "inn"),
        (
            json!({"name": NAME, "user_ids": [foreign_operator]}),
            "user_ids[0]",
        ),
        (
            json!({"name": NAME, "user_ids": [operator_user, council_user]}),
            "user_ids[1]",
        ),
        (json!({"name": NAME, "user_ids": [999_999]}), "user_ids[0]"),
        (
            json!({"name": NAME, "user_ids": [operator_user, operator_user]}),
            "user_ids[1]",
        ),
    ] {
        let refused = app.as_(Some(&authority)).post_json(&path, &body).await;
        assert_problem(refused, 422, Some(field)).await;
    }
    // Refused roles: the council writing, another region's authority; anonymous reading.
    let body = json!({"name": NAME, "inn": "8601012340", "user_ids": [operator_user]});
    let refused = app.as_(Some(&council)).post_json(&path, &body).await;
    assert_problem(refused, 403, None).await;
    let refused = app
        .as_(Some(&other_authority))
        .post_json(&path, &body)
        .await;
    assert_problem(refused, 403, None).await;
    let listed: Value = app
        .as_(Some(&authority))
        .get(&path)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"], json!([]), "nothing stored: {listed}");

    let created = app.as_(Some(&authority)).post_json(&path, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    // A user acts for one operator only.
    let again = app
        .as_(Some(&authority))
        .post_json(
            &path,
            &json!({"name": "Другой оператор", "user_ids": [operator_user]}),
        )
        .await;
    assert_problem(again, 422, Some("user_ids[0]")).await;

    let own = cycle(&app, &authority, region, 2017).await;
    let covered = cycle(&app, &authority, region, 2018).await;
    let foreign = cycle(&app, &other_authority, other, 2017).await;
    let contracts = format!("/api/v1/operators/{id}/contracts");
    let first = app
        .as_(Some(&authority))
        .post_json(&contracts, &contract(&[covered]))
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);

    let with = |change: Value| {
        let mut body = contract(&[own]);
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    for (body, field) in [
        (with(json!({"number": ""})), "number"),
        (with(json!({"subject": " "})), "subject"),
        (with(json!({"ends_on": "2017-03-26"})), "ends_on"),
        (with(json!({"concluded_on": "2017-02-30"})), "concluded_on"),
        (with(json!({"cycle_ids": [own, foreign]})), "cycle_ids[1]"),
        (with(json!({"cycle_ids": [own, covered]})), "cycle_ids[1]"),
        (with(json!({"cycle_ids": [own, own]})), "cycle_ids[1]"),
    ] {
        let refused = app.as_(Some(&authority)).post_json(&contracts, &body).await;
        assert_problem(refused, 422, Some(field)).await;
    }
    let refused = app
        .as_(Some(&council))
        .post_json(&contracts, &contract(&[own]))
        .await;
    assert_problem(refused, 403, None).await;
    // Another region's operator is not there for its authority.
    let refused = app
        .as_(Some(&other_authority))
        .post_json(&contracts, &contract(&[own]))
        .await;
    assert_problem(refused, 404, None).await;
    let refused = app
        .as_(Some(&other_authority))
        .get(&format!("/api/v1/operators/{id}"))
        .await;
    assert_problem(refused, 404, None).await;
    let missing = app
        .as_(Some(&authority))
        .post_json("/api/v1/operators/999999/contracts", &contract(&[own]))
        .await;
    assert_problem(missing, 404, None).await;

    // Anonymous callers and organizations read nothing.
    let anonymous = app.as_(None).get(&format!("/api/v1/operators/{id}")).await;
    assert_problem(anonymous, 401, None).await;
    let anonymous = app.as_(None).get(&path).await;
    assert_problem(anonymous, 401, None).await;
    let organization = app.organization(&organization_body(region, 861)).await["id"]
        .as_i64()
        .unwrap();
    let organization = app.user_token(
        "ugra-organization",
        Role::Organization,
        None,
        Some(organization),
    );
    let refused = app
        .as_(Some(&organization))
        .get(&format!("/api/v1/operators/{id}"))
        .await;
    assert_problem(refused, 403, None).await;

    let operator: Value = app
        .as_(Some(&authority))
        .get(&format!("/api/v1/operators/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        operator["contracts"].as_array().unwrap().len(),
        1,
        "{operator}"
    );
    assert_eq!(operator["cycle_ids"], json!([covered]));
    assert_eq!(
        audit_actions(&app).await.len(),
        2,
        "only the operator and its one contract were recorded"
    );
}
