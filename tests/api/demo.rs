use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn demo_data_loads_once_and_serves_the_seed_institutions() {
    let app = spawn_app().await;
    let db = app.db.clone();
    let (first, second) = tokio::task::spawn_blocking(move || {
        let mut conn = db.blocking().unwrap();
        let first = nok_api::demo::load(&mut conn, 40, None).unwrap();
        let second = nok_api::demo::load(&mut conn, 40, None).unwrap();
        (first, second)
    })
    .await
    .unwrap();
    assert_eq!(first.regions, 5);
    assert_eq!(first.organizations, nok_api::demo::ORGANIZATIONS.len() + 40);
    assert_eq!(
        second.regions + second.organizations,
        0,
        "loading twice adds nothing"
    );

    // ГАУСО СО «КЦСОН города Берёзовского» of seed 004, found by a lower-case search.
    let found: Value = app
        .get("/api/v1/organizations?q=%D0%BA%D1%86%D1%81%D0%BE%D0%BD%20%D0%B3%D0%BE%D1%80%D0%BE%D0%B4%D0%B0%20%D0%B1%D0%B5%D1%80%D1%91%D0%B7%D0%BE%D0%B2%D1%81%D0%BA%D0%BE%D0%B3%D0%BE")
        .await
        .json()
        .await
        .unwrap();
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{found}");
    assert_eq!(
        items[0]["short_name"],
        "ГАУСО СО «КЦСОН города Берёзовского»"
    );
    assert_eq!(
        items[0]["service_forms"],
        serde_json::json!(["semi_stationary", "home_based"])
    );

    let regions: Value = app.get("/api/v1/regions").await.json().await.unwrap();
    let names: Vec<_> = regions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["77", "71", "86", "33", "66"]);
}

#[tokio::test]
async fn demo_cycles_are_published_once_with_ratings_and_changes() {
    let app = spawn_app().await;
    let db = app.db.clone();
    let (first, second, again) = tokio::task::spawn_blocking(move || {
        let mut conn = db.blocking().unwrap();
        nok_api::demo::load(&mut conn, 0, None).unwrap();
        let first = nok_api::demo::published_cycle(&mut conn, "71", 2017).unwrap();
        let second = nok_api::demo::published_cycle(&mut conn, "71", 2018).unwrap();
        let again = nok_api::demo::published_cycle(&mut conn, "71", 2018).unwrap();
        (first, second, again)
    })
    .await
    .unwrap();
    let (_, n) = first.unwrap();
    let (cycle, _) = second.unwrap();
    assert!(again.is_none(), "a second run adds nothing");
    let rating: Value = app
        .get(&format!("/api/v1/cycles/{cycle}/ratings?limit=500"))
        .await
        .json()
        .await
        .unwrap();
    let items = rating["items"].as_array().unwrap();
    assert_eq!(items.len(), n);
    assert_eq!(items[0]["place"], 1);
    assert!(items.iter().all(|i| i["previous"]["year"] == 2017));
}

#[tokio::test]
async fn demo_data_is_in_the_change_feed() {
    let app = spawn_app().await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.blocking().unwrap();
        nok_api::demo::load(&mut conn, 3, None).unwrap();
    })
    .await
    .unwrap();
    let page: Value = app
        .get("/api/v1/changes?types=organization&limit=500")
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), nok_api::demo::ORGANIZATIONS.len() + 3);
    assert!(items.iter().all(|e| e["event"] == "organization.created"));
    let first = &items[0];
    let path = format!(
        "/api/v1/organizations/{}",
        first["resource_id"].as_str().unwrap()
    );
    let shown: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(first["resource"], shown);
}
