use serde_json::Value;

use std::time::Duration;

use nok_api::db::Db;

use crate::helpers::{spawn_app, TestDatabase};

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

    // The demo's history is in the audit log, by the service itself, in its region.
    let history: Value = app
        .as_(Some(&app.admin))
        .get(&format!(
            "/api/v1/audit-events?resource_type=cycle&resource_id={cycle}&region_code=71"
        ))
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["cycle.created", "cycle.approved", "cycle.published"]
    );
    assert!(history["items"][0]["actor"].is_null());
    let entered: Value = app
        .as_(Some(&app.admin))
        .get("/api/v1/audit-events?action=evaluation.inputs_entered&region_code=71&total=true&limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entered["total"], 2 * n);
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

/// Two instances started at once on a fresh database (issue 20.1): migrations and the demo load
/// take turns under the database-wide lock, both succeed, and the data is there once.
#[tokio::test]
async fn two_instances_starting_at_once_migrate_and_load_the_demo_once() {
    let database = TestDatabase::new();
    let start = std::sync::Arc::new(std::sync::Barrier::new(2));
    let instances: Vec<_> = (0..2)
        .map(|_| {
            let (url, start) = (database.url.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                let db = Db::connect(&url, 4, Duration::from_secs(30))?;
                let set_up = nok_api::demo::set_up(&db, |_| "demo password of both".into())?;
                Ok::<_, String>((db, set_up))
            })
        })
        .collect();
    let started: Vec<_> = instances
        .into_iter()
        .map(|instance| instance.join().unwrap().expect("both instances start"))
        .collect();
    let added: Vec<_> = started
        .iter()
        .map(|(_, set_up)| set_up.loaded.organizations)
        .collect();
    let first = added.iter().position(|&n| n > 0).expect("one loads");
    assert_eq!(added[first], nok_api::demo::ORGANIZATIONS.len());
    assert_eq!(added[1 - first], 0, "the second finds the data loaded");
    let cycles_made = started
        .iter()
        .flat_map(|(_, set_up)| &set_up.cycles)
        .filter(|(_, made)| made.is_some())
        .count();
    assert_eq!(cycles_made, nok_api::demo::DEMO_CYCLE_YEARS.len());
    let db = started[0].0.clone();
    let (organizations, users) = tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use nok_api::db::schema::{organizations, users};
        let mut conn = db.blocking().unwrap();
        let organizations: i64 = organizations::table
            .count()
            .get_result(&mut **conn)
            .unwrap();
        let users: i64 = users::table.count().get_result(&mut **conn).unwrap();
        (organizations, users)
    })
    .await
    .unwrap();
    assert_eq!(organizations as usize, nok_api::demo::ORGANIZATIONS.len());
    assert_eq!(users as usize, nok_api::auth::Role::ALL.len());
}

#[tokio::test]
async fn the_national_data_set_spreads_organizations_over_85_regions_once() {
    let app = spawn_app().await;
    let db = app.db.clone();
    let (first, second) = tokio::task::spawn_blocking(move || {
        let mut conn = db.blocking().unwrap();
        let first = nok_api::demo::national::load(&mut conn, 300).unwrap();
        let second = nok_api::demo::national::load(&mut conn, 300).unwrap();
        (first, second)
    })
    .await
    .unwrap();
    assert_eq!(first.regions, 85);
    assert_eq!(
        first.organizations,
        nok_api::demo::ORGANIZATIONS.len() + 300
    );
    assert_eq!(
        second.regions + second.organizations,
        0,
        "loading twice adds nothing"
    );
    let regions: Value = app
        .get("/api/v1/regions?limit=500")
        .await
        .json()
        .await
        .unwrap();
    let items = regions["items"].as_array().unwrap();
    assert_eq!(items.len(), 85, "{regions}");
    let name_of = |code: &str| {
        items
            .iter()
            .find(|r| r["code"] == code)
            .map(|r| r["name"].clone())
    };
    // The seed regions keep their seed names beside the other subjects.
    assert_eq!(
        name_of("86"),
        Some("Ханты-Мансийский автономный округ – Югра".into())
    );
    assert_eq!(name_of("92"), Some("г. Севастополь".into()));
    // Moscow, the largest share, gets the most of the generated ones.
    let moscow = items.iter().find(|r| r["code"] == "77").unwrap()["id"].clone();
    let page: Value = app
        .get(&format!(
            "/api/v1/organizations?region_id={moscow}&limit=100"
        ))
        .await
        .json()
        .await
        .unwrap();
    let at = nok_api::demo::national::NATIONAL_REGIONS
        .iter()
        .position(|(r, _)| r.code == "77")
        .unwrap();
    // Its share of the generated ones and the two seed institutions.
    let expected = nok_api::demo::national::spread(300)[at] + 2;
    assert_eq!(page["items"].as_array().unwrap().len(), expected, "{page}");
}

#[tokio::test]
async fn bulk_records_span_several_statements_in_order() {
    use nok_api::db::audit::{self, Actor, AuditFilter, Change};
    use nok_api::db::changes::{self, Exposure};
    use nok_api::domain::access::Visibility;
    // More than one multi-row INSERT of audit events (2,727 a statement) and of feed entries
    // (3,333).
    const N: i64 = 7_000;
    let app = spawn_app().await;
    let db = app.db.clone();
    let (events, fed) = tokio::task::spawn_blocking(move || {
        use diesel::Connection;
        let mut conn = db.blocking().unwrap();
        let after = changes::head(&mut conn).unwrap();
        let all = (1..=N)
            .map(|id| {
                let shown = serde_json::json!({"id": id, "region_id": 1, "n": id});
                Change::of(
                    "organization.created",
                    "organization",
                    id,
                    None,
                    Some(&shown),
                )
                .map(|c| c.exposed(Exposure::public(), Exposure::public()))
            })
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        conn.transaction(|conn| audit::record_all(conn, &Actor::of(None, "bulk"), all))
            .unwrap();
        let filter = AuditFilter {
            action: Some("organization.created".into()),
            ..AuditFilter::default()
        };
        let events = audit::list(&mut conn, &filter, 0, N + 100).unwrap();
        let fed = changes::list(&mut conn, after, &[], Visibility::Everything, N + 100).unwrap();
        (events, fed)
    })
    .await
    .unwrap();
    let ids: Vec<String> = (1..=N).map(|id| id.to_string()).collect();
    let bulk: Vec<_> = events.iter().filter(|e| e.request_id == "bulk").collect();
    assert_eq!(
        bulk.iter().map(|e| &e.resource_id).collect::<Vec<_>>(),
        ids.iter().collect::<Vec<_>>(),
        "every event once, in order"
    );
    assert!(bulk
        .iter()
        .all(|e| e.region_id == Some(1) && e.actor.is_none()));
    let last = bulk.last().unwrap().after_json.clone().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&last).unwrap()["n"],
        N,
        "{last}"
    );
    assert_eq!(
        fed.iter().map(|c| &c.resource_id).collect::<Vec<_>>(),
        ids.iter().collect::<Vec<_>>(),
        "every feed entry once, in order"
    );
    assert!(fed
        .iter()
        .all(|c| c.action == "created" && c.public && c.payload_json.is_some()));
}
