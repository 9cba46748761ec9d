//! What regional systems integrate with: idempotent POSTs, the change feed (replayed, it gives
//! the visible state), and webhooks (signed, retried, surviving a restart).

use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nok_api::auth::Role;
use nok_api::startup::Application;
use proptest::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, organization_body, read_request, spawn_app, spawn_app_with, test_config,
    TestApp,
};

async fn post_with_key(
    app: &TestApp,
    token: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.as_(Some(token))
        .request(Method::POST, path)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_post_with_a_key_is_done_once_and_replayed() {
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    let body = organization_body(region, 1);
    let first = post_with_key(&app, &app.admin, "/api/v1/organizations", "create-1", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let location = first.headers()["location"].clone();
    let created: Value = first.json().await.unwrap();
    let again = post_with_key(&app, &app.admin, "/api/v1/organizations", "create-1", &body).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"], location);
    assert_eq!(again.json::<Value>().await.unwrap(), created);
    let list: Value = app.get("/api/v1/organizations").await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "done once");

    let other = organization_body(region, 2);
    let reused = post_with_key(
        &app,
        &app.admin,
        "/api/v1/organizations",
        "create-1",
        &other,
    )
    .await;
    assert_problem(reused, 422, Some("Idempotency-Key")).await;
    let bad = post_with_key(&app, &app.admin, "/api/v1/organizations", "ключ", &other).await;
    assert_problem(bad, 400, Some("Idempotency-Key")).await;
    // Another caller's key of the same name is its own.
    let authority = app.user_token("tula-authority", Role::Authority, Some(region), None);
    let theirs = post_with_key(
        &app,
        &authority,
        "/api/v1/organizations",
        "create-1",
        &other,
    )
    .await;
    assert_eq!(theirs.status(), StatusCode::CREATED);
    assert!(theirs.headers().get("idempotent-replayed").is_none());
    // A refusal is an answer too: replayed, not redone.
    let invalid = json!({"region_id": region});
    let refused = post_with_key(
        &app,
        &app.admin,
        "/api/v1/organizations",
        "invalid-1",
        &invalid,
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let replayed = post_with_key(
        &app,
        &app.admin,
        "/api/v1/organizations",
        "invalid-1",
        &invalid,
    )
    .await;
    assert_eq!(replayed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn keys_expire() {
    let app = spawn_app_with(nok_api::config::Config {
        idempotency_ttl_secs: 0,
        ..test_config()
    })
    .await;
    let region = app.region("71", "Тульская область").await;
    let body = organization_body(region, 1);
    assert_eq!(
        post_with_key(&app, &app.admin, "/api/v1/organizations", "k", &body)
            .await
            .status(),
        StatusCode::CREATED
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Forgotten: the request is done again, and this time the INN is taken.
    let again = post_with_key(&app, &app.admin, "/api/v1/organizations", "k", &body).await;
    assert_problem(again, 409, None).await;
}

/// The state a crash leaves between the work's commit and the stored answer, made directly:
/// the key's answer gone (status 0, as claimed), the claim older than any request. The mark of
/// the work done is left as the work's transaction set it, and returned.
async fn lose_the_answer(app: &TestApp, key: &'static str) -> Option<chrono::NaiveDateTime> {
    use diesel::prelude::*;
    use nok_api::db::schema::idempotency_keys as keys;
    app.db
        .run(move |conn| {
            let long_ago = nok_api::db::now() - chrono::Duration::seconds(600);
            diesel::update(keys::table.filter(keys::key.eq(key)))
                .set((
                    keys::status.eq(0),
                    keys::response_body.eq(""),
                    keys::created_at.eq(long_ago),
                ))
                .execute(conn)?;
            Ok(keys::table
                .filter(keys::key.eq(key))
                .select(keys::work_done_at)
                .first(conn)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retry_after_a_crash_between_commit_and_answer_is_not_done_again() {
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    let count = || async {
        let list: Value = app.get("/api/v1/organizations").await.json().await.unwrap();
        list["items"].as_array().unwrap().len()
    };
    let body = organization_body(region, 1);
    let first = post_with_key(&app, &app.admin, "/api/v1/organizations", "crash-1", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    // The work committed, and with it the mark of its claim; the answer was lost.
    let marked = lose_the_answer(&app, "crash-1").await;
    assert!(marked.is_some(), "the work's transaction marks its claim");
    let retry = post_with_key(&app, &app.admin, "/api/v1/organizations", "crash-1", &body).await;
    let problem = assert_problem(retry, 409, None).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("answer was lost"),
        "{problem}"
    );
    assert_eq!(count().await, 1, "not done twice");

    // A claim whose work never committed (its request cut off before) is given up after a
    // while: the retry does the work.
    app.db
        .run(|conn| {
            use diesel::prelude::*;
            use nok_api::db::schema::idempotency_keys as keys;
            let actor: String = keys::table
                .filter(keys::key.eq("crash-1"))
                .select(keys::actor)
                .first(conn)?;
            diesel::insert_into(keys::table)
                .values((
                    keys::key.eq("crash-2"),
                    keys::actor.eq(actor),
                    keys::route.eq("/api/v1/organizations"),
                    keys::request_hash.eq("cut off"),
                    keys::status.eq(0),
                    keys::response_body.eq(""),
                    keys::created_at.eq(nok_api::db::now() - chrono::Duration::seconds(600)),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let other = organization_body(region, 2);
    let retry = post_with_key(&app, &app.admin, "/api/v1/organizations", "crash-2", &other).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert!(retry.headers().get("idempotent-replayed").is_none());
    assert_eq!(count().await, 2);
}

/// Every change the caller may see, from the beginning, applied in order: (type, id) → state.
async fn replay(
    app: &TestApp,
    token: Option<&str>,
) -> std::collections::BTreeMap<(String, String), Value> {
    let mut state = std::collections::BTreeMap::new();
    let mut since = String::new();
    loop {
        let path = if since.is_empty() {
            "/api/v1/changes?limit=7".to_owned()
        } else {
            format!("/api/v1/changes?limit=7&since={since}")
        };
        let page: Value = app.as_(token).get(&path).await.json().await.unwrap();
        for event in page["items"].as_array().unwrap() {
            let key = (
                event["resource_type"].as_str().unwrap().to_owned(),
                event["resource_id"].as_str().unwrap().to_owned(),
            );
            match event["action"].as_str().unwrap() {
                "deleted" => {
                    state.remove(&key);
                }
                _ => {
                    state.insert(key, event["resource"].clone());
                }
            }
        }
        since = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] == false {
            return state;
        }
    }
}

/// What the caller sees through the API, by the feed's keys.
async fn visible(
    app: &TestApp,
    token: Option<&str>,
) -> std::collections::BTreeMap<(String, String), Value> {
    let mut state = std::collections::BTreeMap::new();
    for (kind, list, single) in [
        ("region", "/api/v1/regions?limit=500", "/api/v1/regions"),
        (
            "organization",
            "/api/v1/organizations?limit=500&active=true",
            "/api/v1/organizations",
        ),
        (
            "organization",
            "/api/v1/organizations?limit=500&active=false",
            "/api/v1/organizations",
        ),
        ("cycle", "/api/v1/cycles?limit=500", "/api/v1/cycles"),
        ("plan", "/api/v1/plans?limit=500", "/api/v1/plans"),
    ] {
        let page: Value = app.as_(token).get(list).await.json().await.unwrap();
        for item in page["items"].as_array().unwrap() {
            let id = item["id"].as_i64().unwrap();
            let full: Value = app
                .as_(token)
                .get(&format!("{single}/{id}"))
                .await
                .json()
                .await
                .unwrap();
            state.insert((kind.to_owned(), id.to_string()), full);
        }
    }
    state
}

#[derive(Debug, Clone)]
enum Op {
    CreateOrganization,
    ChangeWebsite(usize),
    Deactivate(usize),
    CreateCycle,
    CreatePlan(usize),
    PublishPlan(usize),
    RenameRegion,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::CreateOrganization),
        2 => (0usize..8).prop_map(Op::ChangeWebsite),
        1 => (0usize..8).prop_map(Op::Deactivate),
        1 => Just(Op::CreateCycle),
        2 => (0usize..8).prop_map(Op::CreatePlan),
        2 => (0usize..8).prop_map(Op::PublishPlan),
        1 => Just(Op::RenameRegion),
    ]
}

async fn run(app: &TestApp, region: i64, ops: &[Op]) {
    let mut organizations: Vec<i64> = Vec::new();
    let mut plans: Vec<i64> = Vec::new();
    let mut serial = 0u64;
    for op in ops {
        serial += 1;
        let pick = |items: &Vec<i64>, i: usize| (!items.is_empty()).then(|| items[i % items.len()]);
        match op {
            Op::CreateOrganization => {
                let created = app.organization(&organization_body(region, serial)).await;
                organizations.push(created["id"].as_i64().unwrap());
            }
            Op::ChangeWebsite(i) => {
                if let Some(id) = pick(&organizations, *i) {
                    let path = format!("/api/v1/organizations/{id}");
                    app.patch_json(
                        &path,
                        Some("*"),
                        &json!({"website": format!("https://org{serial}.example.ru")}),
                    )
                    .await;
                }
            }
            Op::Deactivate(i) => {
                if let Some(id) = pick(&organizations, *i) {
                    app.request(
                        Method::POST,
                        &format!("/api/v1/organizations/{id}/deactivate"),
                    )
                    .send()
                    .await
                    .unwrap();
                }
            }
            Op::CreateCycle => {
                let body = json!({"region_id": region, "year": 2013 + (serial % 80) as i32});
                app.post_json("/api/v1/cycles", &body).await;
            }
            Op::CreatePlan(i) => {
                if let Some(org) = pick(&organizations, *i) {
                    let body = crate::policy::plan_body(org, 1);
                    let created: Value = app
                        .post_json("/api/v1/plans", &body)
                        .await
                        .json()
                        .await
                        .unwrap();
                    if let Some(id) = created["id"].as_i64() {
                        plans.push(id);
                    }
                }
            }
            Op::PublishPlan(i) => {
                if let Some(id) = pick(&plans, *i) {
                    for step in ["submit", "approve", "publish"] {
                        app.request(Method::POST, &format!("/api/v1/plans/{id}/{step}"))
                            .send()
                            .await
                            .unwrap();
                    }
                }
            }
            Op::RenameRegion => {
                let path = format!("/api/v1/regions/{region}");
                app.patch_json(
                    &path,
                    Some("*"),
                    &json!({"name": format!("Тульская область {serial}")}),
                )
                .await;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Replaying the feed from the beginning gives exactly what the caller sees, for the public
    /// and for a region's authority, whatever writes came before.
    #[test]
    fn replaying_the_feed_gives_the_visible_state(ops in prop::collection::vec(op(), 1..25)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async {
            let app = spawn_app().await;
            let region = app.region("71", "Тульская область").await;
            run(&app, region, &ops).await;
            let authority = app.user_token("tula-authority", Role::Authority, Some(region), None);
            for token in [None, Some(authority.as_str()), Some(app.admin.as_str())] {
                let replayed = replay(&app, token).await;
                let seen = visible(&app, token).await;
                let replayed: std::collections::BTreeMap<_, _> = replayed
                    .into_iter()
                    .filter(|((kind, _), _)| ["region", "organization", "cycle", "plan"].contains(&kind.as_str()))
                    .collect();
                assert_eq!(replayed.keys().collect::<Vec<_>>(), seen.keys().collect::<Vec<_>>(), "{ops:?}");
                for (key, value) in &seen {
                    assert_eq!(&replayed[key], value, "{key:?} after {ops:?}");
                }
            }
            app.server.stop(false).await;
        });
    }
}

#[tokio::test]
async fn the_feed_resumes_filters_and_hides_what_is_not_public() {
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    let org = app.organization(&organization_body(region, 1)).await["id"]
        .as_i64()
        .unwrap();
    let plan: Value = app
        .post_json("/api/v1/plans", &crate::policy::plan_body(org, 1))
        .await
        .json()
        .await
        .unwrap();
    let plan_id = plan["id"].to_string();
    let page: Value = app
        .get("/api/v1/changes?types=plan")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"], json!([]), "a draft plan is not public");
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    for step in ["submit", "approve", "publish"] {
        app.request(Method::POST, &format!("/api/v1/plans/{plan_id}/{step}"))
            .send()
            .await
            .unwrap();
    }
    let page: Value = app
        .get(&format!("/api/v1/changes?types=plan&since={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["event"], "plan.updated");
    assert_eq!(items[0]["resource"]["status"], "published");
    let all: Value = app
        .as_(Some(&app.admin))
        .get("/api/v1/changes?types=plan")
        .await
        .json()
        .await
        .unwrap();
    let events: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "plan.created",
            "plan.updated",
            "plan.updated",
            "plan.updated"
        ]
    );
    assert_problem(
        app.get("/api/v1/changes?types=users").await,
        400,
        Some("types"),
    )
    .await;
    assert_problem(
        app.get("/api/v1/changes?since=xyz").await,
        400,
        Some("since"),
    )
    .await;
}

/// A receiver on 127.0.0.1 that answers with the given statuses in turn (then 200) and keeps
/// what it got: (headers, body).
/// A request as received: its headers (names in lower case) and body.
type Received = (Vec<(String, String)>, String);

struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

fn receiver(statuses: Vec<u16>) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = got.clone();
    std::thread::spawn(move || {
        let mut statuses = statuses.into_iter();
        for stream in listener.incoming().flatten() {
            let (headers, body, mut stream) = read_request(stream);
            seen.lock().unwrap().push((headers, body));
            let status = statuses.next().unwrap_or(200);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    });
    Receiver { url, got }
}

impl Receiver {
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.got.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.got.lock().unwrap().clone()
    }
}

fn fast_webhooks() -> nok_api::config::Config {
    nok_api::config::Config {
        webhook_poll_ms: 25,
        webhook_retry_base_ms: 100,
        ..test_config()
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

async fn subscribe(app: &TestApp, url: &str, events: &[&str]) -> Value {
    let body =
        json!({"url": url, "event_types": events, "secret": "a shared secret of the region"});
    let response = app.post_json("/api/v1/webhooks", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn webhooks_are_signed_retried_after_a_failure_and_logged() {
    let app = spawn_app_with(fast_webhooks()).await;
    let receiver = receiver(vec![500]);
    let subscription = subscribe(&app, &receiver.url, &["organization.created"]).await;
    assert_eq!(subscription["secret"], "a shared secret of the region");
    let region = app.region("71", "Тульская область").await;
    let created = app.organization(&organization_body(region, 1)).await;
    let got = receiver.wait_for(2).await;
    assert_eq!(got.len(), 2, "a 500 is retried");
    let (headers, body) = &got[1];
    assert_eq!(got[0].1, *body, "the retry sends the same event");
    // The receiver checks the signature as the README says: HMAC-SHA256 of "<t>.<body>".
    let signature = header(headers, "x-nok-signature");
    let t: i64 = signature
        .strip_prefix("t=")
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        signature,
        nok_api::delivery::signature("a shared secret of the region", t, body)
    );
    assert_ne!(
        signature,
        nok_api::delivery::signature("another secret, not the region's", t, body)
    );
    let event: Value = serde_json::from_str(body).unwrap();
    assert_eq!(event["event"], "organization.created");
    assert_eq!(event["resource"], created);
    // Only the subscribed event types go out: the region's creation did not.
    assert!(got.iter().all(|(_, b)| b.contains("organization.created")));

    let log = format!("/api/v1/webhooks/{}/deliveries", subscription["id"]);
    let mut deliveries = Value::Null;
    for _ in 0..40 {
        deliveries = app
            .as_(Some(&app.admin))
            .get(&log)
            .await
            .json()
            .await
            .unwrap();
        if deliveries["items"].as_array().unwrap().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let attempts = deliveries["items"].as_array().unwrap();
    assert_eq!(attempts[0]["status_code"], 500);
    assert_eq!(attempts[1]["status_code"], 200);
    assert_eq!(attempts[1]["delivery_status"], "delivered");
    let other = app.user_token("another-authority", Role::Authority, Some(region), None);
    assert_problem(app.as_(Some(&other)).get(&log).await, 403, None).await;
    let metrics = app.scrape_metrics().await.text().await.unwrap();
    assert!(metrics.contains("nok_webhook_queue_depth 0"), "{metrics}");
}

#[tokio::test]
async fn deliveries_survive_a_restart() {
    // The first instance delivers nothing, as if it died before it could.
    let app = spawn_app_with(nok_api::config::Config {
        webhook_delivery: false,
        ..fast_webhooks()
    })
    .await;
    let receiver = receiver(vec![]);
    subscribe(&app, &receiver.url, &["*"]).await;
    let region = app.region("71", "Тульская область").await;
    app.organization(&organization_body(region, 1)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(receiver.got.lock().unwrap().is_empty());
    let metrics = app.scrape_metrics().await.text().await.unwrap();
    assert!(metrics.contains("nok_webhook_queue_depth 2"), "{metrics}");
    app.server.stop(true).await;

    // The next instance on the same database delivers what was queued.
    let config = fast_webhooks();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let next = Application::with_listener(&config, app.db.clone(), listener).unwrap();
    tokio::spawn(next.run_until_stopped());
    let got = receiver.wait_for(2).await;
    let events: Vec<String> = got
        .iter()
        .map(|(_, b)| {
            serde_json::from_str::<Value>(b).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(events, ["region.created", "organization.created"]);
}

#[tokio::test]
async fn webhook_subscriptions_are_checked_and_owned() {
    let app = spawn_app().await;
    for (body, field) in [
        (json!({"url": "ftp://x", "event_types": ["*"]}), "url"),
        (
            json!({"url": "https://x.ru/h", "event_types": []}),
            "event_types",
        ),
        (
            json!({"url": "https://x.ru/h", "event_types": ["user.created"]}),
            "event_types[0]",
        ),
        (
            json!({"url": "https://x.ru/h", "event_types": ["*"], "secret": "short"}),
            "secret",
        ),
    ] {
        assert_problem(
            app.post_json("/api/v1/webhooks", &body).await,
            422,
            Some(field),
        )
        .await;
    }
    let region = app.region("71", "Тульская область").await;
    let authority = app.user_token("tula-authority", Role::Authority, Some(region), None);
    let body = json!({"url": "https://soc71.example.ru/nok", "event_types": ["plan.*"]});
    let created = app
        .as_(Some(&authority))
        .post_json("/api/v1/webhooks", &body)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let etag = created.headers()["etag"].to_str().unwrap().to_owned();
    let subscription: Value = created.json().await.unwrap();
    assert_eq!(
        subscription["secret"].as_str().unwrap().len(),
        64,
        "generated and shown once"
    );
    let path = format!("/api/v1/webhooks/{}", subscription["id"]);
    let read: Value = app
        .as_(Some(&authority))
        .get(&path)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["secret"], Value::Null);
    let mine: Value = app
        .as_(Some(&authority))
        .get("/api/v1/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let colleague = app.user_token("tula-authority-2", Role::Authority, Some(region), None);
    let theirs: Value = app
        .as_(Some(&colleague))
        .get("/api/v1/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["items"], json!([]));
    assert_problem(app.as_(Some(&colleague)).get(&path).await, 404, None).await;
    let council = app.user_token("tula-council", Role::Council, Some(region), None);
    assert_problem(
        app.as_(Some(&council))
            .post_json("/api/v1/webhooks", &body)
            .await,
        403,
        None,
    )
    .await;
    let delete = |etag: Option<&str>| {
        let mut request = app.as_(Some(&authority)).request(Method::DELETE, &path);
        if let Some(etag) = etag {
            request = request.header("If-Match", etag);
        }
        request.send()
    };
    assert_problem(delete(None).await.unwrap(), 428, None).await;
    assert_eq!(
        delete(Some(&etag)).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let read: Value = app
        .as_(Some(&authority))
        .get(&path)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["active"], false);
}

#[tokio::test]
async fn webhooks_may_not_target_internal_addresses_unless_allowed() {
    let app = spawn_app_with(nok_api::config::Config {
        webhook_internal_targets: false,
        ..test_config()
    })
    .await;
    for url in [
        "http://127.0.0.1:9/events",
        "http://169.254.169.254/latest/meta-data",
        "http://localhost/x",
        "http://[::1]/",
    ] {
        let body = json!({"url": url, "event_types": ["*"]});
        assert_problem(
            app.post_json("/api/v1/webhooks", &body).await,
            422,
            Some("url"),
        )
        .await;
    }
    let body = json!({"url": "https://soc71.example.ru/nok", "event_types": ["*"]});
    assert_eq!(
        app.post_json("/api/v1/webhooks", &body).await.status(),
        StatusCode::CREATED
    );
}
