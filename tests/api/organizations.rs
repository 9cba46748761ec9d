use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, etag_of, numbers, organization_body, spawn_app, TestApp};

async fn app_with_region() -> (TestApp, i64) {
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    (app, region)
}

#[tokio::test]
async fn create_then_read_returns_the_same_organization() {
    let (app, region) = app_with_region().await;
    let mut body = organization_body(region, 1);
    body["website"] = json!("https://odoev-dipi.tularegion.ru/");
    body["head"] = json!({"full_name": "Петрова Анна Сергеевна", "position": "Директор"});
    body["service_forms"] = json!(["home_based", "stationary"]);
    body["full_name"] =
        json!("  Государственное учреждение Тульской области «Одоевский дом-интернат»  ");

    let response = app.post_json("/api/v1/organizations", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let etag = etag_of(&response);
    let created: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/organizations/{}", created["id"]));
    assert_eq!(
        created["full_name"],
        "Государственное учреждение Тульской области «Одоевский дом-интернат»"
    );
    assert_eq!(
        created["service_forms"],
        json!(["stationary", "home_based"])
    );
    assert_eq!(created["active"], true);
    assert_eq!(created["kpp"], "712801001");
    assert_eq!(created["head"]["position"], "Директор");
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));

    let read = app.get(&location).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(etag_of(&read), etag);
    assert_eq!(read.json::<Value>().await.unwrap(), created);
}

#[tokio::test]
async fn an_individual_entrepreneur_has_a_12_digit_inn_and_no_kpp() {
    let (app, region) = app_with_region().await;
    let mut body = organization_body(region, 2);
    body["inn"] = json!("500100732259");
    body["ogrn"] = json!("304500116000157");
    body["ownership"] = json!("non_state");
    body.as_object_mut().unwrap().remove("kpp");
    let created = app.organization(&body).await;
    assert_eq!(created["kpp"], Value::Null);
    assert_eq!(created["inn"], "500100732259");
}

#[tokio::test]
async fn each_validation_rule_names_its_field() {
    let (app, region) = app_with_region().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("inn", json!("7707083894"), "check_digit"), // Sberbank's INN with its last digit changed
        ("inn", json!("770708389"), "length"),
        ("inn", json!("77070838a3"), "format"),
        ("ogrn", json!("1027700132196"), "check_digit"), // Sberbank's OGRN, last digit changed
        ("ogrn", json!("304500116000157"), "mismatch"),
        ("kpp", json!("77360100"), "format"),
        ("kpp", Value::Null, "required"),
        ("full_name", json!("   "), "required"),
        ("short_name", json!("я".repeat(301)), "too_long"),
        ("address", json!(""), "required"),
        ("website", json!("odoev.ru"), "format"),
        ("bus_gov_id", json!("12 34"), "format"),
        ("service_forms", json!([]), "required"),
        (
            "service_forms[1]",
            json!(["stationary", "stationary"]),
            "duplicate",
        ),
        ("ownership", json!("private"), "unknown_value"),
        ("region_id", json!(999_999), "not_found"),
        ("region_id", json!("2"), "type"),
        (
            "head.position",
            json!({"full_name": "Петрова А. С.", "position": " "}),
            "required",
        ),
        (
            "head.name",
            json!({"name": "Петрова А. С."}),
            "unknown_field",
        ),
        ("role", json!("admin"), "unknown_field"),
    ];
    for (field, value, code) in cases {
        let mut body = organization_body(region, 3);
        let key = field.split(['.', '[']).next().unwrap();
        body[key] = value;
        let response = app.post_json("/api/v1/organizations", &body).await;
        let problem = assert_problem(response, 422, Some(field)).await;
        let error = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field)
            .unwrap();
        assert_eq!(error["code"], code, "{field}: {problem}");
    }
    for missing in [
        "inn",
        "ogrn",
        "full_name",
        "service_forms",
        "ownership",
        "region_id",
    ] {
        let mut body = organization_body(region, 3);
        body.as_object_mut().unwrap().remove(missing);
        let response = app.post_json("/api/v1/organizations", &body).await;
        assert_problem(response, 422, Some(missing)).await;
    }
    // Nothing was written by any of the refused requests.
    let list: Value = app.get("/api/v1/organizations").await.json().await.unwrap();
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn real_published_numbers_are_accepted() {
    let (app, region) = app_with_region().await;
    // Sberbank, Gazprom and Russian Railways: published INN/OGRN pairs.
    for (n, (inn, ogrn)) in [
        ("7707083893", "1027700132195"),
        ("7736050003", "1027700070518"),
        ("7708503727", "1037739877295"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = organization_body(region, 10 + n as u64);
        body["inn"] = json!(inn);
        body["ogrn"] = json!(ogrn);
        app.organization(&body).await;
    }
}

#[tokio::test]
async fn an_inn_belongs_to_one_active_organization() {
    let (app, region) = app_with_region().await;
    let first = app.organization(&organization_body(region, 4)).await;
    let mut twin = organization_body(region, 4);
    twin["ogrn"] = json!(numbers(5).1);
    let problem = assert_problem(
        app.post_json("/api/v1/organizations", &twin).await,
        409,
        None,
    )
    .await;
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains(first["inn"].as_str().unwrap()));

    // Deactivated, the organization leaves its INN free for a successor...
    let path = format!("/api/v1/organizations/{}", first["id"]);
    let deactivated = app
        .request(Method::POST, &format!("{path}/deactivate"))
        .send()
        .await
        .unwrap();
    assert_eq!(deactivated.status(), StatusCode::OK);
    assert_eq!(deactivated.json::<Value>().await.unwrap()["active"], false);
    app.organization(&twin).await;

    // ...and cannot come back while the successor holds it.
    let etag = etag_of(&app.get(&path).await);
    let response = app
        .patch_json(&path, Some(&etag), &json!({"active": true}))
        .await;
    assert_problem(response, 409, None).await;
    let still: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(still["active"], false);
}

#[tokio::test]
async fn deactivating_twice_is_harmless_and_honours_if_match() {
    let (app, region) = app_with_region().await;
    let org = app.organization(&organization_body(region, 6)).await;
    let path = format!("/api/v1/organizations/{}/deactivate", org["id"]);
    let stale = app
        .request(Method::POST, &path)
        .header("If-Match", "\"99\"")
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, None).await;
    for _ in 0..2 {
        let response = app.request(Method::POST, &path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(etag_of(&response), "\"2\"");
    }
    let missing = app
        .request(Method::POST, "/api/v1/organizations/424242/deactivate")
        .send()
        .await
        .unwrap();
    assert_problem(missing, 404, None).await;
}

#[tokio::test]
async fn patch_merges_and_requires_the_current_etag() {
    let (app, region) = app_with_region().await;
    let mut body = organization_body(region, 7);
    body["website"] = json!("https://odoev.example.ru");
    let org = app.organization(&body).await;
    let path = format!("/api/v1/organizations/{}", org["id"]);
    let etag = etag_of(&app.get(&path).await);
    let change = json!({"short_name": "ГУТО «Одоевский ДИПИ»", "website": null});

    assert_problem(app.patch_json(&path, None, &change).await, 428, None).await;
    assert_problem(
        app.patch_json(&path, Some("\"41\""), &change).await,
        412,
        None,
    )
    .await;
    assert_problem(
        app.patch_json(&path, Some("W/\"1\""), &change).await,
        412,
        None,
    )
    .await;

    let response = app.patch_json(&path, Some(&etag), &change).await;
    assert_eq!(response.status(), StatusCode::OK);
    let new_etag = etag_of(&response);
    assert_ne!(new_etag, etag);
    let patched: Value = response.json().await.unwrap();
    assert_eq!(patched["short_name"], "ГУТО «Одоевский ДИПИ»");
    assert_eq!(patched["website"], Value::Null);
    assert_eq!(patched["full_name"], org["full_name"]);
    assert_eq!(patched["inn"], org["inn"]);

    // The old ETag is stale now.
    assert_problem(
        app.patch_json(&path, Some(&etag), &json!({"address": "г. Тула"}))
            .await,
        412,
        None,
    )
    .await;
    // An empty patch changes nothing, not even the version.
    let same = app.patch_json(&path, Some(&new_etag), &json!({})).await;
    assert_eq!(etag_of(&same), new_etag);
    // Unknown resources are 404 before anything else.
    assert_problem(
        app.patch_json("/api/v1/organizations/9999", Some(&etag), &change)
            .await,
        404,
        None,
    )
    .await;
}

#[tokio::test]
async fn a_refused_patch_writes_nothing() {
    let (app, region) = app_with_region().await;
    let org = app.organization(&organization_body(region, 8)).await;
    let path = format!("/api/v1/organizations/{}", org["id"]);
    let etag = etag_of(&app.get(&path).await);
    for (change, field) in [
        (
            json!({"short_name": "Новое имя", "inn": "7707083894"}),
            "inn",
        ),
        (
            json!({"short_name": "Новое имя", "full_name": null}),
            "full_name",
        ),
        (json!({"short_name": "Новое имя", "kpp": null}), "kpp"),
        (
            json!({"short_name": "Новое имя", "region_id": 424242}),
            "region_id",
        ),
        (json!({"short_name": "Новое имя", "id": 5}), "id"),
        (
            json!({"short_name": "Новое имя", "created_at": "2020-01-01T00:00:00Z"}),
            "created_at",
        ),
    ] {
        assert_problem(
            app.patch_json(&path, Some(&etag), &change).await,
            422,
            Some(field),
        )
        .await;
    }
    let after = app.get(&path).await;
    assert_eq!(etag_of(&after), etag);
    assert_eq!(after.json::<Value>().await.unwrap(), org);
}

#[tokio::test]
async fn concurrent_patches_with_one_etag_let_exactly_one_through() {
    let (app, region) = app_with_region().await;
    let org = app.organization(&organization_body(region, 9)).await;
    let path = format!("/api/v1/organizations/{}", org["id"]);
    let etag = etag_of(&app.get(&path).await);
    let app = std::sync::Arc::new(app);
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let (app, path, etag) = (app.clone(), path.clone(), etag.clone());
            tokio::spawn(async move {
                let change = json!({"address": format!("г. Тула, ул. Ленина, д. {i}")});
                app.patch_json(&path, Some(&etag), &change)
                    .await
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 412),
        "{statuses:?}"
    );
    assert_eq!(etag_of(&app.get(&path).await), "\"2\"");
}

#[tokio::test]
async fn get_answers_304_to_a_current_if_none_match() {
    let (app, region) = app_with_region().await;
    let org = app.organization(&organization_body(region, 11)).await;
    let path = format!("/api/v1/organizations/{}", org["id"]);
    let etag = etag_of(&app.get(&path).await);
    for header in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"0\", {etag}"),
        "*".into(),
    ] {
        let response = app
            .request(Method::GET, &path)
            .header("If-None-Match", header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(etag_of(&response), etag);
    }
    let stale = app
        .request(Method::GET, &path)
        .header("If-None-Match", "\"0\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
    assert_problem(app.get("/api/v1/organizations/4711").await, 404, None).await;
    assert_problem(app.get("/api/v1/organizations/abc").await, 404, None).await;
}

async fn ids(app: &TestApp, query: &str) -> Vec<i64> {
    let response = app.get(&format!("/api/v1/organizations?{query}")).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn list_filters_combine() {
    let app = spawn_app().await;
    let tula = app.region("71", "Тульская область").await;
    let sverdlovsk = app.region("66", "Свердловская область").await;
    let mut a = organization_body(tula, 20);
    a["short_name"] = json!("ГУТО «Дубенский дом-интернат»");
    let a = app.organization(&a).await["id"].as_i64().unwrap();
    let mut b = organization_body(sverdlovsk, 21);
    b["short_name"] = json!("ГАУСО СО «КЦСОН города Берёзовского»");
    b["service_forms"] = json!(["semi_stationary", "home_based"]);
    let b = app.organization(&b).await["id"].as_i64().unwrap();
    let c = app.organization(&organization_body(tula, 22)).await["id"]
        .as_i64()
        .unwrap();
    app.request(
        Method::POST,
        &format!("/api/v1/organizations/{c}/deactivate"),
    )
    .send()
    .await
    .unwrap();

    assert_eq!(ids(&app, "").await, vec![a, b, c]);
    assert_eq!(ids(&app, &format!("region_id={tula}")).await, vec![a, c]);
    assert_eq!(ids(&app, "service_form=home_based").await, vec![b]);
    assert_eq!(
        ids(&app, "service_form=stationary&active=true").await,
        vec![a]
    );
    assert_eq!(ids(&app, "active=false").await, vec![c]);
    // Case-insensitive, Cyrillic, ё = е, percent-encoded by the client.
    assert_eq!(
        ids(&app, "q=%D0%91%D0%95%D0%A0%D0%95%D0%97%D0%9E%D0%92").await,
        vec![b]
    ); // "БЕРЕЗОВ"
    assert_eq!(ids(&app, "q=%D0%B4%D1%83%D0%B1%D0%B5%D0%BD").await, vec![a]); // "дубен"
    assert_eq!(ids(&app, "q=100%25").await, Vec::<i64>::new()); // a literal %, not a wildcard
    assert_eq!(
        ids(&app, "updated_since=2000-01-01T00:00:00%2B03:00").await,
        vec![a, b, c]
    );
    assert_eq!(
        ids(&app, "updated_since=2999-01-01T00:00:00Z").await,
        Vec::<i64>::new()
    );

    for (query, field) in [
        ("region_id=tula", "region_id"),
        ("service_form=hospital", "service_form"),
        ("active=yes", "active"),
        ("updated_since=yesterday", "updated_since"),
        ("limit=501", "limit"),
        ("limit=0", "limit"),
        ("cursor=garbage", "cursor"),
        ("sort=size", "sort"),
    ] {
        let response = app.get(&format!("/api/v1/organizations?{query}")).await;
        assert_problem(response, 400, Some(field)).await;
    }
}

#[tokio::test]
async fn pages_walk_every_organization_once_in_order() {
    let (app, region) = app_with_region().await;
    let mut created = Vec::new();
    for n in 0..7 {
        created.push(
            app.organization(&organization_body(region, 30 + n)).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let mut seen = Vec::new();
    let mut query = "limit=3".to_owned();
    loop {
        let page: Value = app
            .get(&format!("/api/v1/organizations?{query}"))
            .await
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|o| o["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, created);
}

#[tokio::test]
async fn list_pages_carry_an_etag_and_never_go_stale() {
    let (app, region) = app_with_region().await;
    let first = app.organization(&organization_body(region, 40)).await;
    let page = app.get("/api/v1/organizations?limit=10").await;
    let etag = etag_of(&page);
    assert_eq!(
        page.json::<Value>().await.unwrap()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let cached = app
        .request(Method::GET, "/api/v1/organizations?limit=10")
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    // Any write to the collection makes the page (and its ETag) new.
    let path = format!("/api/v1/organizations/{}", first["id"]);
    let current = etag_of(&app.get(&path).await);
    let renamed = app
        .patch_json(
            &path,
            Some(&current),
            &json!({"short_name": "ГУТО «Новое имя»"}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let page = app
        .request(Method::GET, "/api/v1/organizations?limit=10")
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_ne!(etag_of(&page), etag);
    let body: Value = page.json().await.unwrap();
    assert_eq!(body["items"][0]["short_name"], "ГУТО «Новое имя»");
    app.organization(&organization_body(region, 41)).await;
    let body: Value = app
        .get("/api/v1/organizations?limit=10")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
}
