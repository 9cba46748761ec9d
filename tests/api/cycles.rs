//! Cycles from creation through inputs, survey upload and computed results; the status
//! machine; uploads that fail leaving nothing behind.

use nok_api::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::io::{Read, Write};

use crate::helpers::{assert_problem, etag_of, organization_body, spawn_app, TestApp};

pub struct World {
    pub region: i64,
    pub org: i64,
    pub authority: String,
    pub operator: String,
    pub operator_id: i64,
    pub cycle: i64,
}

/// A Tula cycle of 2018 assessing one organization, with an assigned operator, collecting.
pub async fn collecting_cycle(app: &TestApp) -> World {
    let region = app.region("71", "Тульская область").await;
    let org = app.organization(&organization_body(region, 1)).await["id"]
        .as_i64()
        .unwrap();
    let authority = app.user_token("tula-authority", Role::Authority, Some(region), None);
    let operator = app.user_token("tula-operator", Role::Operator, Some(region), None);
    let me: Value = app
        .as_(Some(&operator))
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    let operator_id = me["user_id"].as_i64().unwrap();
    let body = json!({
        "region_id": region, "year": 2018,
        "operator": {"name": "ООО «Центр социологических исследований»", "contract_number": "0366200035618000123", "contract_date": "2018-04-02"},
        "organization_ids": [org], "operator_user_ids": [operator_id]
    });
    let response = app
        .as_(Some(&authority))
        .post_json("/api/v1/cycles", &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let cycle: Value = response.json().await.unwrap();
    assert_eq!(cycle["status"], "draft");
    assert_eq!(cycle["methodology_id"], "mintrud-344n-2018");
    let cycle = cycle["id"].as_i64().unwrap();
    let started = app
        .as_(Some(&authority))
        .request(
            Method::POST,
            &format!("/api/v1/cycles/{cycle}/start-collecting"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::OK);
    World {
        region,
        org,
        authority,
        operator,
        operator_id,
        cycle,
    }
}

/// The worked example of METHODOLOGY.md.
pub fn worked_example() -> Value {
    let sc = |answered: u64, satisfied: u64| json!({"answered": answered, "satisfied": satisfied});
    json!({
        "stand_information": {"found": 9, "required": 10},
        "site_information": {"found": 18, "required": 20},
        "remote_methods": ["telephone", "email", "faq"],
        "comfort_conditions": ["rest_area", "navigation", "drinking_water", "sanitary_rooms"],
        "premises_conditions": ["ramps", "disabled_parking", "adapted_sanitary_rooms"],
        "service_conditions": ["sound_visual_duplication", "braille", "sign_language",
            "site_for_visually_impaired", "trained_escort", "remote_or_home_service"],
        "survey": {
            "respondents": 50,
            "satisfied_stand_info": sc(40, 38),
            "satisfied_site_info": sc(20, 19),
            "satisfied_comfort": sc(50, 45),
            "satisfied_accessibility": sc(10, 8),
            "satisfied_first_contact": sc(50, 49),
            "satisfied_staff": sc(50, 50),
            "satisfied_remote": sc(20, 19),
            "would_recommend": sc(50, 47),
            "satisfied_organizational": sc(50, 48),
            "satisfied_overall": sc(50, 49)
        },
        "waiting_time": {"served_on_time": 48, "served": 50}
    })
}

pub const HEADER: &str = "used_stands,satisfied_stand_info,used_site,satisfied_site_info,satisfied_comfort,has_disability,satisfied_accessibility,satisfied_first_contact,satisfied_staff,used_remote,satisfied_remote,would_recommend,satisfied_organizational,satisfied_overall";

/// Fifty respondents whose answers add up to the worked example's survey.
pub fn worked_example_csv() -> String {
    let yn = |b: bool| if b { "yes" } else { "no" };
    let gated = |gate: bool, b: bool| if gate { yn(b) } else { "" };
    let mut csv = format!("{HEADER}\n");
    for i in 0..50 {
        let row = [
            yn(i < 40),
            gated(i < 40, i < 38),
            yn(i < 20),
            gated(i < 20, i < 19),
            yn(i < 45),
            yn(i < 10),
            gated(i < 10, i < 8),
            yn(i < 49),
            "да",
            yn(i < 20),
            gated(i < 20, i < 19),
            yn(i < 47),
            yn(i < 48),
            yn(i < 49),
        ];
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    csv
}

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    w: &World,
    content_type: &str,
    body: impl Into<reqwest::Body>,
    key: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .as_(Some(token))
        .request(
            Method::POST,
            &format!(
                "/api/v1/cycles/{}/evaluations/{}/survey-responses",
                w.cycle, w.org
            ),
        )
        .header("content-type", content_type)
        .body(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

pub(crate) async fn evaluation(app: &TestApp, token: &str, w: &World) -> Value {
    let path = format!("/api/v1/cycles/{}/evaluations/{}", w.cycle, w.org);
    let response = app.as_(Some(token)).get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

pub(crate) async fn put_inputs(
    app: &TestApp,
    token: &str,
    w: &World,
    inputs: &Value,
) -> reqwest::Response {
    let path = format!("/api/v1/cycles/{}/evaluations/{}", w.cycle, w.org);
    let etag = etag_of(&app.as_(Some(token)).get(&path).await);
    app.as_(Some(token))
        .request(Method::PUT, &format!("{path}/inputs"))
        .header("If-Match", etag)
        .json(inputs)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn from_cycle_to_computed_results_as_in_the_methodology() {
    let app = spawn_app().await;
    let w = collecting_cycle(&app).await;

    let before = evaluation(&app, &w.operator, &w).await;
    assert_eq!(before["complete"], false);
    assert_eq!(before["scores"], Value::Null);

    let response = put_inputs(&app, &w.operator, &w, &worked_example()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let scored: Value = response.json().await.unwrap();
    assert_eq!(scored["scores"]["total"]["value"], "90.72");
    // Exact values as they come; the rounded ones at the cycle's precision.
    assert_eq!(scored["scores"]["total"]["rounded"], "90.72");
    assert_eq!(scored["scores"]["criteria"][0]["rounded"], "92.00");
    assert_eq!(scored["scores"]["criteria"][3]["rounded"], "98.20");
    let criteria: Vec<_> = scored["scores"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].clone())
        .collect();
    assert_eq!(
        criteria,
        [
            json!("92"),
            json!("85"),
            json!("82"),
            json!("98.2"),
            json!("96.4")
        ]
    );
    assert!(!scored["scores"]["shortcomings"]
        .as_array()
        .unwrap()
        .is_empty());

    // The respondents themselves give the same aggregates and the same result.
    let response = upload(
        &app,
        &w.operator,
        &w,
        "text/csv",
        worked_example_csv(),
        None,
    )
    .await;
    let status = response.status();
    let uploaded: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    assert_eq!(uploaded["stored"], 50);
    assert_eq!(uploaded["survey"], worked_example()["survey"]);
    assert_eq!(
        evaluation(&app, &w.operator, &w).await["scores"]["total"]["value"],
        "90.72"
    );

    // Applying waiting time (2.2) recomputes the cycle: 91.6.
    let path = format!("/api/v1/cycles/{}", w.cycle);
    let etag = etag_of(&app.as_(Some(&w.authority)).get(&path).await);
    let mut settings = app
        .as_(Some(&w.authority))
        .get(&path)
        .await
        .json::<Value>()
        .await
        .unwrap()["settings"]
        .clone();
    settings["waiting_time_applied"] = json!(true);
    let patched = app
        .as_(Some(&w.authority))
        .patch_json(&path, Some(&etag), &json!({"settings": settings}))
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let after = evaluation(&app, &w.operator, &w).await;
    assert_eq!(after["scores"]["total"]["value"], "91.6");
    assert_eq!(after["scores"]["total"]["rounded"], "91.60");
    let k2 = &after["scores"]["criteria"][1];
    assert_eq!(k2["value"], "89.4");

    // Submitted, the inputs and the methodology are fixed.
    let submitted = app
        .as_(Some(&w.operator))
        .request(Method::POST, &format!("{path}/submit-results"))
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), StatusCode::OK);
    let refused = put_inputs(&app, &w.operator, &w, &worked_example()).await;
    let problem = assert_problem(refused, 409, None).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("results_submitted"),
        "{problem}"
    );
    let etag = etag_of(&app.as_(Some(&w.authority)).get(&path).await);
    assert_problem(
        app.as_(Some(&w.authority))
            .patch_json(
                &path,
                Some(&etag),
                &json!({"settings": {"waiting_time_applied": false}}),
            )
            .await,
        409,
        None,
    )
    .await;
    assert_problem(
        upload(
            &app,
            &w.operator,
            &w,
            "text/csv",
            worked_example_csv(),
            None,
        )
        .await,
        409,
        None,
    )
    .await;
}

/// Where the cycle applies waiting time, the respondents' `served_on_time` answers make 2.2
/// (48 of 50 on time: 96, the worked example's 91.6) without the operator's records, and their
/// aggregate is shown with the others.
#[tokio::test]
async fn served_on_time_answers_count_into_waiting_time() {
    let app = spawn_app().await;
    let w = collecting_cycle(&app).await;
    let path = format!("/api/v1/cycles/{}", w.cycle);
    let cycle: Value = app
        .as_(Some(&w.authority))
        .get(&path)
        .await
        .json()
        .await
        .unwrap();
    let etag = etag_of(&app.as_(Some(&w.authority)).get(&path).await);
    let mut settings = cycle["settings"].clone();
    settings["waiting_time_applied"] = json!(true);
    let patched = app
        .as_(Some(&w.authority))
        .patch_json(&path, Some(&etag), &json!({"settings": settings}))
        .await;
    assert_eq!(patched.status(), StatusCode::OK);

    // The question is required where waiting time is applied.
    let refused = assert_problem(
        upload(
            &app,
            &w.operator,
            &w,
            "text/csv",
            worked_example_csv(),
            None,
        )
        .await,
        422,
        None,
    )
    .await;
    assert!(refused.to_string().contains("served_on_time"), "{refused}");
    let mut csv = String::new();
    for (i, line) in worked_example_csv().lines().enumerate() {
        let answer = match i {
            0 => "served_on_time",
            n if n <= 48 => "yes",
            _ => "no",
        };
        csv.push_str(&format!("{line},{answer}\n"));
    }
    let response = upload(&app, &w.operator, &w, "text/csv", csv, None).await;
    let status = response.status();
    let uploaded: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    assert_eq!(
        uploaded["survey"]["served_on_time"],
        json!({"answered": 50, "satisfied": 48})
    );

    // The operator's inputs without waiting-time records: the answers stand in.
    let mut inputs = worked_example();
    inputs.as_object_mut().unwrap().remove("waiting_time");
    let response = put_inputs(&app, &w.operator, &w, &inputs).await;
    let status = response.status();
    let scored: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{scored}");
    let k2 = &scored["scores"]["criteria"][1];
    let waiting = k2["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "2.2")
        .unwrap();
    assert_eq!(waiting["value"], "96");
    assert_eq!(waiting["rounded"], "96.00");
    assert_eq!(
        waiting["trace"]["terms"][0]["label"],
        "survey.served_on_time"
    );
    assert_eq!(k2["value"], "89.4");
    assert_eq!(scored["scores"]["total"]["value"], "91.6");
    assert_eq!(scored["scores"]["total"]["rounded"], "91.60");
    let read = evaluation(&app, &w.operator, &w).await;
    assert_eq!(
        read["uploaded_survey"]["served_on_time"],
        json!({"answered": 50, "satisfied": 48})
    );
    // The operator may not claim more answers than respondents either.
    let mut wrong = worked_example();
    wrong["survey"]["served_on_time"] = json!({"answered": 51, "satisfied": 1});
    assert_problem(
        put_inputs(&app, &w.operator, &w, &wrong).await,
        422,
        Some("survey.served_on_time.answered"),
    )
    .await;
}

#[tokio::test]
async fn illegal_transitions_name_the_current_status() {
    let app = spawn_app().await;
    let w = collecting_cycle(&app).await;
    let path = format!("/api/v1/cycles/{}", w.cycle);
    let again = app
        .as_(Some(&w.authority))
        .request(Method::POST, &format!("{path}/start-collecting"))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(again, 409, None).await;
    assert!(problem["detail"].as_str().unwrap().contains("collecting"));
    // Nothing computed yet: submission names the incomplete organization.
    let early = app
        .as_(Some(&w.operator))
        .request(Method::POST, &format!("{path}/submit-results"))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(early, 409, None).await;
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains(&w.org.to_string()));
    // The authority cannot submit for the operator.
    let wrong_role = app
        .as_(Some(&w.authority))
        .request(Method::POST, &format!("{path}/submit-results"))
        .send()
        .await
        .unwrap();
    assert_problem(wrong_role, 403, None).await;
    // A cycle without organizations or operator cannot start collecting.
    let bare = app
        .as_(Some(&w.authority))
        .post_json(
            "/api/v1/cycles",
            &json!({"region_id": w.region, "year": 2019}),
        )
        .await;
    let bare: Value = bare.json().await.unwrap();
    let start = app
        .as_(Some(&w.authority))
        .request(
            Method::POST,
            &format!("/api/v1/cycles/{}/start-collecting", bare["id"]),
        )
        .send()
        .await
        .unwrap();
    let problem = assert_problem(start, 409, None).await;
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("organization_ids"));
    // Reopening is for results: a draft is not sent to collecting past its own checks.
    let reopen = app
        .as_(Some(&w.authority))
        .request(
            Method::POST,
            &format!("/api/v1/cycles/{}/reopen", bare["id"]),
        )
        .send()
        .await
        .unwrap();
    let problem = assert_problem(reopen, 409, None).await;
    assert!(problem["detail"].as_str().unwrap().contains("draft"));
    let still: Value = app
        .as_(Some(&w.authority))
        .get(&format!("/api/v1/cycles/{}", bare["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["status"], "draft");
}

#[tokio::test]
async fn an_organization_is_assessed_once_a_year_and_reported_after_three() {
    let app = spawn_app().await;
    let w = collecting_cycle(&app).await;
    let twin = json!({"region_id": w.region, "year": 2018, "organization_ids": [w.org]});
    assert_problem(
        app.as_(Some(&w.authority))
            .post_json("/api/v1/cycles", &twin)
            .await,
        409,
        None,
    )
    .await;
    let client = app.as_(Some(&w.authority));
    let plans_only =
        json!({"region_id": w.region, "year": 2019, "methodology_id": "pre-2018-five-criteria"});
    assert_problem(
        client.post_json("/api/v1/cycles", &plans_only).await,
        422,
        Some("methodology_id"),
    )
    .await;
    let bad = json!({"region_id": w.region, "year": 2012, "sector": "health"});
    let problem = assert_problem(
        client.post_json("/api/v1/cycles", &bad).await,
        422,
        Some("year"),
    )
    .await;
    let fields: Vec<&Value> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["field"])
        .collect();
    assert_eq!(fields, ["sector", "year"]);
    let twice = json!({"region_id": w.region, "year": 2019, "organization_ids": [w.org, w.org]});
    assert_problem(
        client.post_json("/api/v1/cycles", &twice).await,
        422,
        Some("organization_ids[1]"),
    )
    .await;
    let settings =
        json!({"region_id": w.region, "year": 2019, "settings": {"rounding": {"precision": 9}}});
    assert_problem(
        client.post_json("/api/v1/cycles", &settings).await,
        422,
        Some("settings.rounding.precision"),
    )
    .await;
    let other = app.organization(&organization_body(w.region, 2)).await["id"]
        .as_i64()
        .unwrap();

    let report = |year: i32| {
        let app = &app;
        let w = &w;
        async move {
            let path = format!(
                "/api/v1/regions/{}/unassessed-organizations?year={year}",
                w.region
            );
            app.as_(Some(&w.authority))
                .get(&path)
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let in_2019 = report(2019).await;
    let ids: Vec<_> = in_2019
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["organization_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [other]);
    let in_2021 = report(2021).await;
    assert_eq!(in_2021.as_array().unwrap().len(), 2);
    assert_eq!(in_2021[0]["last_assessed"], 2018);
    assert_problem(
        app.as_(Some(&w.authority))
            .get(&format!(
                "/api/v1/regions/{}/unassessed-organizations?year=abc",
                w.region
            ))
            .await,
        400,
        Some("year"),
    )
    .await;
}

#[tokio::test]
async fn drafts_stay_hidden_outside_their_scope() {
    let app = spawn_app().await;
    let w = collecting_cycle(&app).await;
    let away = app.region("66", "Свердловская область").await;
    let away_authority = app.user_token("ural-authority", Role::Authority, Some(away), None);
    let auditor = app.user_token("auditor", Role::Auditor, None, None);
    let path = format!("/api/v1/cycles/{}", w.cycle);
    assert_problem(app.as_(None).get(&path).await, 404, None).await;
    assert_problem(app.as_(Some(&away_authority)).get(&path).await, 404, None).await;
    assert_eq!(
        app.as_(Some(&auditor)).get(&path).await.status(),
        StatusCode::OK
    );
    let listed = |token: Option<String>| {
        let app = &app;
        async move {
            app.as_(token.as_deref())
                .get("/api/v1/cycles")
                .await
                .json::<Value>()
                .await
                .unwrap()["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(listed(None).await, 0);
    assert_eq!(listed(Some(away_authority.clone())).await, 0);
    assert_eq!(listed(Some(w.authority.clone())).await, 1);
    assert_eq!(listed(Some(w.operator.clone())).await, 1);
    assert_eq!(listed(Some(auditor)).await, 1);
}

#[tokio::test]
async fn inputs_are_validated_field_by_field() {
    let app = spawn_app().await;
    let w = collecting_cycle(&app).await;
    for (change, field) in [
        (
            json!({"remote_methods": ["telephone", "pigeon"]}),
            "remote_methods[1]",
        ),
        (
            json!({"stand_information": {"found": 11, "required": 10}}),
            "stand_information",
        ),
        (
            json!({"survey": {"respondents": 50, "satisfied_stand_info": {"answered": 40, "satisfied": 41}}}),
            "survey.satisfied_stand_info",
        ),
        (
            json!({"remote_methods": ["telephone", "email", "faq", "other_remote", "telephone", "email", "faq"]}),
            "remote_methods",
        ),
        (
            json!({"survey": {"respondents": 2_000_000_000u64}}),
            "survey.respondents",
        ),
        (
            json!({"waiting_time": {"served_on_time": 1, "served": 4_000_000_000u64}}),
            "waiting_time.served",
        ),
    ] {
        let mut inputs = worked_example();
        for (k, v) in change.as_object().unwrap() {
            if k == "survey" {
                for (q, c) in v.as_object().unwrap() {
                    inputs["survey"][q] = c.clone();
                }
            } else {
                inputs[k] = v.clone();
            }
        }
        let problem =
            assert_problem(put_inputs(&app, &w.operator, &w, &inputs).await, 422, None).await;
        let named = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"].as_str().unwrap().starts_with(field));
        assert!(named, "{field}: {problem}");
    }
    assert_eq!(
        evaluation(&app, &w.operator, &w).await["inputs"],
        Value::Null,
        "nothing was written"
    );
}

#[tokio::test]
async fn failed_uploads_leave_nothing_behind() {
    let app = spawn_app().await;
    let w = collecting_cycle(&app).await;
    let count = || async {
        evaluation(&app, &w.operator, &w).await["survey_responses"]
            .as_i64()
            .unwrap()
    };

    let wrong_header = format!("{}\nyes\n", HEADER.replace("satisfied_comfort", "happy"));
    let problem = assert_problem(
        upload(&app, &w.operator, &w, "text/csv", wrong_header, None).await,
        422,
        None,
    )
    .await;
    assert!(problem.to_string().contains("happy"), "{problem}");

    // A bad cell on row 50,000 of a long file: named by row and column, nothing stored.
    let good = "yes,yes,no,,yes,no,,yes,yes,no,,yes,yes,yes\n";
    let mut long = format!("{HEADER}\n");
    for row in 2..=50_001 {
        long.push_str(if row == 50_000 {
            "yes,yes,no,,maybe,no,,yes,yes,no,,yes,yes,yes\n"
        } else {
            good
        });
    }
    let problem = assert_problem(
        upload(&app, &w.operator, &w, "text/csv", long, None).await,
        422,
        Some("rows[50000].satisfied_comfort"),
    )
    .await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 1);
    assert_eq!(count().await, 0);

    let mut bytes = format!("{HEADER}\n{good}").into_bytes();
    bytes.extend_from_slice(b"yes,yes,no,,\xff,no,,yes,yes,no,,yes,yes,yes\n");
    assert_problem(
        upload(&app, &w.operator, &w, "text/csv", bytes, None).await,
        422,
        Some("rows[3]"),
    )
    .await;
    assert_eq!(count().await, 0);

    // The body breaks off: the server sees fewer bytes than announced.
    let url = app.url(&format!(
        "/api/v1/cycles/{}/evaluations/{}/survey-responses",
        w.cycle, w.org
    ));
    let address = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let path = format!(
        "/api/v1/cycles/{}/evaluations/{}/survey-responses",
        w.cycle, w.org
    );
    let token = w.operator.clone();
    let good_rows = good.repeat(2000);
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        let body = format!("{HEADER}\n{good_rows}");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\nContent-Type: text/csv\r\nContent-Length: {}\r\n\r\n",
            body.len() * 2
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body.as_bytes()).unwrap();
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
    })
    .await
    .unwrap();
    assert_eq!(count().await, 0);

    assert_problem(
        upload(&app, &w.operator, &w, "application/pdf", "x", None).await,
        415,
        None,
    )
    .await;
    assert_problem(
        upload(&app, &w.operator, &w, "text/csv", "", None).await,
        422,
        None,
    )
    .await;
}

#[tokio::test]
async fn uploads_are_idempotent_with_a_key() {
    let app = spawn_app().await;
    let w = collecting_cycle(&app).await;
    let ndjson = "{\"used_stands\": \"yes\", \"satisfied_stand_info\": true, \"satisfied_comfort\": \"да\", \"would_recommend\": \"no\"}\n{\"satisfied_overall\": \"yes\"}\n";
    let first = upload(
        &app,
        &w.operator,
        &w,
        "application/x-ndjson",
        ndjson,
        Some("upload-1"),
    )
    .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["stored"], 2);
    let again = upload(
        &app,
        &w.operator,
        &w,
        "application/x-ndjson",
        ndjson,
        Some("upload-1"),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    let other = upload(
        &app,
        &w.operator,
        &w,
        "application/x-ndjson",
        "{\"satisfied_overall\": \"no\"}\n",
        Some("upload-1"),
    )
    .await;
    assert_problem(other, 422, Some("Idempotency-Key")).await;
    assert_eq!(
        evaluation(&app, &w.operator, &w).await["survey_responses"],
        2
    );
    // A further upload adds to what is stored.
    let more = upload(
        &app,
        &w.operator,
        &w,
        "application/x-ndjson",
        "{\"satisfied_overall\": \"no\"}\n",
        Some("upload-2"),
    )
    .await;
    let more: Value = more.json().await.unwrap();
    assert_eq!(more["total_responses"], 3);
    assert_eq!(more["survey"]["respondents"], 3);
    assert_eq!(
        more["survey"]["satisfied_overall"],
        json!({"answered": 2, "satisfied": 1})
    );
    assert_eq!(
        more["survey"]["satisfied_comfort"],
        json!({"answered": 1, "satisfied": 1})
    );
    let bad_json = upload(
        &app,
        &w.operator,
        &w,
        "application/x-ndjson",
        "{\"pigeon\": \"yes\"}\nnot json\n",
        None,
    )
    .await;
    let problem = assert_problem(bad_json, 422, Some("rows[1].pigeon")).await;
    assert!(problem.to_string().contains("rows[2]"));
}

#[tokio::test]
async fn methodologies_are_served_with_their_official_names() {
    let app = spawn_app().await;
    let all: Value = app.get("/api/v1/methodologies").await.json().await.unwrap();
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["id"], "mintrud-344n-2018");
    assert_eq!(all[0]["computable"], true);
    assert_eq!(all[1]["computable"], false);
    let response = app.get("/api/v1/methodologies/mintrud-344n-2018").await;
    let etag = etag_of(&response);
    let current: Value = response.json().await.unwrap();
    let cached = app
        .as_(None)
        .request(Method::GET, "/api/v1/methodologies/mintrud-344n-2018")
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    let criteria = current["criteria"].as_array().unwrap();
    assert_eq!(criteria.len(), 5);
    assert!(
        criteria[0]["name"]
            .as_str()
            .unwrap()
            .starts_with("Открытость"),
        "{}",
        criteria[0]["name"]
    );
    let k2: Vec<_> = criteria[1]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["code"].clone(),
                i["weight"].clone(),
                i["weight_without_waiting_time"].clone(),
            )
        })
        .collect();
    assert_eq!(k2[0], (json!("2.1"), json!("0.3"), json!("0.5")));
    let remote = current["lists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "remote_methods")
        .unwrap();
    assert!(remote["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["code"] == "telephone"));
    let old: Value = app
        .get("/api/v1/methodologies/pre-2018-five-criteria")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(old["criteria"].as_array().unwrap().len(), 5);
    assert_problem(
        app.get("/api/v1/methodologies/mintrud-1999").await,
        404,
        None,
    )
    .await;
}

#[tokio::test]
async fn cycle_queries_and_patches_refuse_bad_input() {
    let app = spawn_app().await;
    let w = collecting_cycle(&app).await;
    let client = app.as_(Some(&w.authority));
    for (query, field) in [
        ("status=finished", "status"),
        ("year=soon", "year"),
        ("region_id=x", "region_id"),
        ("limit=0", "limit"),
        ("colour=red", "colour"),
    ] {
        assert_problem(
            client.get(&format!("/api/v1/cycles?{query}")).await,
            400,
            Some(field),
        )
        .await;
    }
    let path = format!("/api/v1/cycles/{}", w.cycle);
    let etag = etag_of(&client.get(&path).await);
    for (body, field) in [
        (json!({"year": 2020}), "year"),
        (json!({"methodology_id": null}), "methodology_id"),
        (
            json!({"operator": {"name": " ", "contract_number": "1", "contract_date": "2018-04-02"}}),
            "operator.name",
        ),
        (
            json!({"council_decision": {"number": "1", "date": "14.12.2018"}}),
            "council_decision.date",
        ),
        (json!({"organization_ids": [424242]}), "organization_ids[0]"),
        (
            json!({"operator_user_ids": [w.operator_id + 1000]}),
            "operator_user_ids[0]",
        ),
    ] {
        assert_problem(
            client.patch_json(&path, Some(&etag), &body).await,
            422,
            Some(field),
        )
        .await;
    }
    assert_problem(client.patch_json(&path, None, &json!({})).await, 428, None).await;
    assert_problem(
        client.patch_json(&path, Some("\"0\""), &json!({})).await,
        412,
        None,
    )
    .await;
    assert_eq!(
        etag_of(&client.get(&path).await),
        etag,
        "nothing was written"
    );
    // A patch that changes nothing makes no new version.
    let same = client
        .patch_json(
            &path,
            Some(&etag),
            &json!({"methodology_id": "mintrud-344n-2018"}),
        )
        .await;
    assert_eq!(same.status(), StatusCode::OK);
    assert_eq!(etag_of(&same), etag);
}
