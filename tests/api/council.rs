//! Council meetings: public records of the region's public council, kept by the council and
//! the authority, cited by approvals and proposals.

use nok_api::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, etag_of, spawn_app};

#[tokio::test]
async fn the_council_records_a_meeting_without_a_number_that_anyone_reads() {
    let app = spawn_app().await;
    let region = app.region("33", "Владимирская область").await;
    let council = app.user_token("council-33", Role::Council, Some(region), None);
    let path = format!("/api/v1/regions/{region}/council-meetings");
    let body = json!({
        "held_on": "2019-01-24",
        "number": " б/н ",
        "title": "  Заседание Общественного совета по проведению независимой оценки качества  ",
        "agenda": [{"number": "1", "text": "Об утверждении результатов независимой оценки качества"}],
        "decisions": [{"number": "1", "text": "Утвердить результаты независимой оценки качества"},
                      {"text": "Направить предложения в департамент"}],
    });
    let created = app.as_(Some(&council)).post_json(&path, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let meeting: Value = created.json().await.unwrap();
    assert_eq!(meeting["number"], Value::Null);
    assert_eq!(meeting["cited_number"], "б/н");
    assert_eq!(
        meeting["title"],
        "Заседание Общественного совета по проведению независимой оценки качества"
    );
    assert_eq!(meeting["decisions"].as_array().unwrap().len(), 2);
    assert_eq!(meeting["decisions"][1]["number"], Value::Null);

    // Public: an anonymous reader sees it, in the list and alone.
    let read = app.get(&location).await;
    assert_eq!(read.status(), StatusCode::OK);
    let etag = etag_of(&read);
    let page: Value = app
        .get(&format!("{path}?year=2019"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let none: Value = app
        .get(&format!("{path}?year=2018"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["items"].as_array().unwrap().len(), 0);

    // The authority, as the council's secretariat, numbers the minutes afterwards.
    let authority = app.user_token("authority-33", Role::Authority, Some(region), None);
    let patched = app
        .as_(Some(&authority))
        .patch_json(&location, Some(&etag), &json!({"number": "1"}))
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let patched: Value = patched.json().await.unwrap();
    assert_eq!(patched["cited_number"], "1");
    assert_eq!(patched["agenda"], meeting["agenda"]);

    // A stale ETag loses.
    let stale = app
        .as_(Some(&authority))
        .patch_json(&location, Some(&etag), &json!({"number": "2"}))
        .await;
    assert_problem(stale, 412, None).await;

    let audit: Value = app
        .as_(Some(&app.admin))
        .get("/api/v1/audit-events?resource_type=council_meeting")
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"council_meeting.created")
            && actions.contains(&"council_meeting.updated")
    );

    let feed = app
        .as_(Some(&app.admin))
        .get("/api/v1/changes?types=council_meeting")
        .await;
    let status = feed.status();
    let feed: Value = feed.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{feed}");
    assert_eq!(feed["items"].as_array().unwrap().len(), 2, "{feed}");

    // Webhooks take the new resources' events.
    let subscription = app
        .as_(Some(&authority))
        .post_json(
            "/api/v1/webhooks",
            &json!({"url": "http://127.0.0.1:9/nok-events",
                "event_types": ["council_meeting.*", "cycle_deadlines.updated"]}),
        )
        .await;
    assert_eq!(subscription.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_meeting_is_refused_bad_values_and_other_regions_writers() {
    let app = spawn_app().await;
    let region = app.region("33", "Владимирская область").await;
    let other = app.region("71", "Тульская область").await;
    let path = format!("/api/v1/regions/{region}/council-meetings");

    let blank = app
        .post_json(
            &path,
            &json!({"held_on": "2019-01-24", "title": " ", "agenda": [{"text": ""}]}),
        )
        .await;
    let body = assert_problem(blank, 422, Some("title")).await;
    assert!(body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["field"] == "agenda[0].text"));
    let bad_date = app
        .post_json(
            &path,
            &json!({"held_on": "2019-02-30", "title": "Заседание"}),
        )
        .await;
    assert_problem(bad_date, 422, Some("held_on")).await;
    let missing = app
        .post_json(
            "/api/v1/regions/999999/council-meetings",
            &json!({"held_on": "2019-01-24", "title": "Заседание"}),
        )
        .await;
    assert_problem(missing, 404, None).await;

    let away_council = app.user_token("council-71", Role::Council, Some(other), None);
    let refused = app
        .as_(Some(&away_council))
        .post_json(
            &path,
            &json!({"held_on": "2019-01-24", "title": "Заседание"}),
        )
        .await;
    assert_problem(refused, 403, None).await;
    let operator = app.user_token("operator-33", Role::Operator, None, None);
    let refused = app
        .as_(Some(&operator))
        .post_json(
            &path,
            &json!({"held_on": "2019-01-24", "title": "Заседание"}),
        )
        .await;
    assert_problem(refused, 403, None).await;
    let anonymous = app
        .as_(None)
        .post_json(
            &path,
            &json!({"held_on": "2019-01-24", "title": "Заседание"}),
        )
        .await;
    assert_problem(anonymous, 401, None).await;

    let created: Value = app
        .post_json(
            &path,
            &json!({"held_on": "2019-01-24", "title": "Заседание"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let one = format!("{path}/{}", created["id"]);
    let etag = etag_of(&app.get(&one).await);
    let nulled = app
        .patch_json(&one, Some(&etag), &json!({"title": null}))
        .await;
    assert_problem(nulled, 422, Some("title")).await;
    // Another region's path does not reach it.
    let elsewhere = app
        .get(&format!(
            "/api/v1/regions/{other}/council-meetings/{}",
            created["id"]
        ))
        .await;
    assert_problem(elsewhere, 404, None).await;
}
