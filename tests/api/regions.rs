use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, etag_of, spawn_app};

#[tokio::test]
async fn regions_are_created_read_listed_and_renamed() {
    let app = spawn_app().await;
    let response = app
        .post_json(
            "/api/v1/regions",
            &json!({"code": " 86 ", "name": "Ханты-Мансийский автономный округ – Югра"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["code"], "86");

    let read = app.get(&location).await;
    let etag = etag_of(&read);
    assert_eq!(read.json::<Value>().await.unwrap(), created);

    let renamed = app
        .patch_json(&location, Some(&etag), &json!({"name": "ХМАО – Югра"}))
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(
        renamed.json::<Value>().await.unwrap()["name"],
        "ХМАО – Югра"
    );

    let list: Value = app.get("/api/v1/regions").await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["next_cursor"], Value::Null);
}

#[tokio::test]
async fn region_codes_are_two_digits_and_unique() {
    let app = spawn_app().await;
    let tula = app.region("71", "Тульская область").await;
    let vladimir = app.region("33", "Владимирская область").await;
    for (body, field) in [
        (json!({"code": "7", "name": "Тульская область"}), "code"),
        (json!({"code": "00", "name": "Тульская область"}), "code"),
        (json!({"code": "7a", "name": "Тульская область"}), "code"),
        (json!({"code": "72", "name": " "}), "name"),
        (json!({"code": 72, "name": "Тюменская область"}), "code"),
        (json!({"name": "Тюменская область"}), "code"),
        (
            json!({"code": "72", "name": "Тюменская область", "okato": "71"}),
            "okato",
        ),
    ] {
        assert_problem(
            app.post_json("/api/v1/regions", &body).await,
            422,
            Some(field),
        )
        .await;
    }
    let taken = app
        .post_json("/api/v1/regions", &json!({"code": "71", "name": "Тула"}))
        .await;
    assert_problem(taken, 409, None).await;

    let path = format!("/api/v1/regions/{vladimir}");
    let etag = etag_of(&app.get(&path).await);
    assert_problem(
        app.patch_json(&path, Some(&etag), &json!({"code": "71"}))
            .await,
        409,
        None,
    )
    .await;
    assert_problem(
        app.patch_json(&path, Some(&etag), &json!({"name": null}))
            .await,
        422,
        Some("name"),
    )
    .await;
    assert_problem(
        app.patch_json(&path, None, &json!({"name": "Владимир"}))
            .await,
        428,
        None,
    )
    .await;
    assert_problem(
        app.patch_json(&path, Some("\"7\""), &json!({"name": "Владимир"}))
            .await,
        412,
        None,
    )
    .await;
    assert_eq!(etag_of(&app.get(&path).await), etag, "nothing was written");
    assert_problem(
        app.get(&format!("/api/v1/regions/{}", tula + vladimir + 1))
            .await,
        404,
        None,
    )
    .await;
}

#[tokio::test]
async fn region_pages_follow_the_cursor() {
    let app = spawn_app().await;
    for code in ["77", "71", "86", "33", "66"] {
        app.region(code, &format!("Регион {code}")).await;
    }
    let first: Value = app
        .get("/api/v1/regions?limit=2")
        .await
        .json()
        .await
        .unwrap();
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(&format!("/api/v1/regions?limit=2&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    let codes: Vec<_> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes, ["77", "71", "86", "33"]);
    assert_problem(
        app.get("/api/v1/regions?limit=600").await,
        400,
        Some("limit"),
    )
    .await;
}
