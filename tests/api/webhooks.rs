//! Webhook deliveries as issues 18 and 20 asked: each delivery sent and settled on its own (a
//! slow receiver holds back no other subscription, and only as many of its own deliveries as
//! its concurrency), the feed position in every delivery, deactivation emptying the queue,
//! shutdown cutting off deliveries in flight without losing them, and targets checked by the
//! addresses their names resolve to. No timed assertions: receivers that hold requests until
//! released show what goes on while a delivery is in flight.

use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use nok_api::auth::Role;
use nok_api::config::Config;
use nok_api::db::schema::webhook_outbox;
use nok_api::db::webhooks::{self, NewSubscription};
use nok_api::delivery::{DeliverySettings, Sender, NOT_DELIVERED, POSITION_HEADER};
use nok_api::startup::Application;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, etag_of, organization_body, read_request, spawn_app_with, test_config, TestApp,
};

/// A request as the receiver got it: headers (names in lower case) and body.
#[derive(Debug, Clone)]
struct Request {
    headers: Vec<(String, String)>,
    body: String,
}

impl Request {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }

    fn event(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// Closed, it holds the requests it applies to until opened.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

/// A receiver on 127.0.0.1, each request on a thread of its own. The first `held` requests wait
/// at the gate before they are answered (200); the others are answered at once.
struct Receiver {
    url: String,
    /// In the order they came in.
    arrived: Arc<Mutex<Vec<Request>>>,
    /// In the order they were answered: the order a receiver applies them in.
    answered: Arc<Mutex<Vec<Request>>>,
    gate: Arc<Gate>,
}

impl Receiver {
    fn new(held: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/events", listener.local_addr().unwrap());
        let arrived: Arc<Mutex<Vec<Request>>> = Arc::default();
        let answered: Arc<Mutex<Vec<Request>>> = Arc::default();
        let gate = Arc::new(Gate::default());
        let (arrivals, answers, at) = (Arc::clone(&arrived), Arc::clone(&answered), gate.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (arrivals, answers, gate) = (arrivals.clone(), answers.clone(), at.clone());
                std::thread::spawn(move || {
                    let (headers, body, mut stream) = read_request(stream);
                    let request = Request { headers, body };
                    let index = {
                        let mut arrivals = arrivals.lock().unwrap();
                        arrivals.push(request.clone());
                        arrivals.len() - 1
                    };
                    if index < held {
                        gate.wait();
                    }
                    answers.lock().unwrap().push(request);
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                });
            }
        });
        Self {
            url,
            arrived,
            answered,
            gate,
        }
    }

    fn arrived(&self) -> Vec<Request> {
        self.arrived.lock().unwrap().clone()
    }

    fn answered(&self) -> Vec<Request> {
        self.answered.lock().unwrap().clone()
    }
}

/// Waits until `done` holds; fails (instead of hanging) after a minute.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..2400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("never happened: {what}");
}

fn fast_webhooks() -> Config {
    Config {
        webhook_poll_ms: 25,
        webhook_retry_base_ms: 100,
        ..test_config()
    }
}

async fn subscribe(app: &TestApp, url: &str, events: &[&str]) -> i64 {
    let body =
        json!({"url": url, "event_types": events, "secret": "a shared secret of the region"});
    let response = app.post_json("/api/v1/webhooks", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn deliveries(app: &TestApp, subscription: i64) -> Vec<Value> {
    let path = format!("/api/v1/webhooks/{subscription}/deliveries");
    let page: Value = app
        .as_(Some(&app.admin))
        .get(&path)
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn queue_depth(app: &TestApp) -> String {
    let metrics = app.scrape_metrics().await.text().await.unwrap();
    metrics
        .lines()
        .find(|l| l.starts_with("nok_webhook_queue_depth "))
        .unwrap()
        .to_owned()
}

/// Another instance of the service on the test app's database, with its server's handle and
/// the task that runs it (it ends when the instance has stopped, deliveries included).
fn instance(
    app: &TestApp,
    config: Config,
) -> (
    actix_web::dev::ServerHandle,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let instance = Application::with_listener(&config, app.db.clone(), listener).unwrap();
    (
        instance.handle(),
        tokio::spawn(instance.run_until_stopped()),
    )
}

#[tokio::test]
async fn a_slow_receiver_holds_back_no_other_subscription() {
    let app = spawn_app_with(Config {
        webhook_concurrency: 2,
        ..fast_webhooks()
    })
    .await;
    let slow = Receiver::new(usize::MAX);
    let fast = Receiver::new(0);
    let slow_subscription = subscribe(&app, &slow.url, &["organization.*"]).await;
    let fast_subscription = subscribe(&app, &fast.url, &["organization.*"]).await;
    let region = app.region("71", "Тульская область").await;
    for n in 1..=3 {
        app.organization(&organization_body(region, n)).await;
    }
    until("the fast receiver has all three", || {
        fast.arrived().len() == 3
    })
    .await;
    // Settled one by one as their answers came, while the slow receiver holds its own.
    let mut settled = Vec::new();
    for _ in 0..2400 {
        settled = deliveries(&app, fast_subscription).await;
        if settled.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(settled.len(), 3, "{settled:?}");
    assert!(settled.iter().all(|d| d["delivery_status"] == "delivered"));
    until("the slow receiver holds two", || slow.arrived().len() == 2).await;
    assert!(slow.answered().is_empty());
    assert!(deliveries(&app, slow_subscription).await.is_empty());
    // Its concurrency (2) bounds what is in flight; the third waits for a free place.
    let in_flight = app
        .db
        .blocking()
        .unwrap()
        .transaction(|conn| webhooks::in_flight(conn, slow_subscription, nok_api::db::now()))
        .unwrap();
    assert_eq!(in_flight, 2);
    assert_eq!(slow.arrived().len(), 2);

    slow.gate.open();
    until("the slow receiver has all three", || {
        slow.answered().len() == 3
    })
    .await;
    let mut ids: Vec<String> = slow
        .answered()
        .iter()
        .map(|r| r.header("x-nok-delivery").to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each delivery once");
}

#[tokio::test]
async fn deliveries_carry_their_feed_position_to_order_by() {
    let app = spawn_app_with(Config {
        webhook_concurrency: 2,
        ..fast_webhooks()
    })
    .await;
    // The first delivery (the creation) is held: the two updates overtake it.
    let receiver = Receiver::new(1);
    subscribe(&app, &receiver.url, &["organization.*"]).await;
    let region = app.region("71", "Тульская область").await;
    let created = app.organization(&organization_body(region, 1)).await;
    let path = format!("/api/v1/organizations/{}", created["id"]);
    until("the creation is in flight", || {
        receiver.arrived().len() == 1
    })
    .await;
    for name in ["ГУТО «Первое»", "ГУТО «Второе»"] {
        let etag = etag_of(&app.get(&path).await);
        let response = app
            .patch_json(&path, Some(&etag), &json!({"short_name": name}))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    until("both updates are answered", || {
        receiver.answered().len() == 2
    })
    .await;
    receiver.gate.open();
    until("all three are answered", || receiver.answered().len() == 3).await;

    let answered = receiver.answered();
    let positions: Vec<i64> = answered
        .iter()
        .map(|r| {
            let position: i64 = r.header(POSITION_HEADER).parse().unwrap();
            assert_eq!(r.event()["id"], position, "header and body agree");
            position
        })
        .collect();
    let events: Vec<Value> = answered
        .iter()
        .map(|r| r.event()["event"].clone())
        .collect();
    assert_eq!(
        events,
        [
            "organization.updated",
            "organization.updated",
            "organization.created"
        ],
        "answered out of the order of the changes"
    );
    // The positions are the feed's own ids of the organization's changes.
    let feed: Value = app
        .get("/api/v1/changes?types=organization")
        .await
        .json()
        .await
        .unwrap();
    let mut in_feed: Vec<i64> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    let mut sorted = positions.clone();
    sorted.sort();
    in_feed.sort();
    assert_eq!(sorted, in_feed);
    // A receiver that keeps the highest position of each resource ends with the newest state.
    let newest = answered
        .iter()
        .max_by_key(|r| r.header(POSITION_HEADER).parse::<i64>().unwrap())
        .unwrap();
    let current: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(newest.event()["resource"]["short_name"], "ГУТО «Второе»");
    assert_eq!(newest.event()["resource"], current);
}

#[tokio::test]
async fn deactivating_a_subscription_empties_its_queue() {
    let app = spawn_app_with(Config {
        webhook_delivery: false,
        ..fast_webhooks()
    })
    .await;
    let subscription = subscribe(&app, "https://soc71.example.ru/nok", &["*"]).await;
    let region = app.region("71", "Тульская область").await;
    app.organization(&organization_body(region, 1)).await;
    assert_eq!(queue_depth(&app).await, "nok_webhook_queue_depth 2");
    let path = format!("/api/v1/webhooks/{subscription}");
    let etag = etag_of(&app.as_(Some(&app.admin)).get(&path).await);
    let removed = app
        .as_(Some(&app.admin))
        .request(Method::DELETE, &path)
        .header("If-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(queue_depth(&app).await, "nok_webhook_queue_depth 0");
    let statuses: Vec<(String, Option<String>)> = webhook_outbox::table
        .filter(webhook_outbox::subscription_id.eq(subscription))
        .select((webhook_outbox::status, webhook_outbox::last_error))
        .load(&mut **app.db.blocking().unwrap())
        .unwrap();
    assert_eq!(statuses.len(), 2);
    assert!(statuses
        .iter()
        .all(|(s, e)| s == "failed" && e.as_deref() == Some(webhooks::CANCELLED)));
}

#[tokio::test]
async fn shutdown_cuts_off_deliveries_in_flight_and_they_are_sent_again() {
    // The test app delivers nothing; the instances below do.
    let app = spawn_app_with(Config {
        webhook_delivery: false,
        ..fast_webhooks()
    })
    .await;
    let receiver = Receiver::new(usize::MAX);
    let subscription = subscribe(&app, &receiver.url, &["*"]).await;
    let region = app.region("71", "Тульская область").await;
    for n in 1..=5 {
        app.organization(&organization_body(region, n)).await;
    }
    let delivering = Config {
        webhook_concurrency: 2,
        // Far longer than the shutdown may take: the cut-off, not the timeout, ends them.
        webhook_timeout_secs: 600,
        shutdown_timeout_secs: 1,
        ..fast_webhooks()
    };
    let (server, running) = instance(&app, delivering.clone());
    until("two deliveries are in flight", || {
        receiver.arrived().len() == 2
    })
    .await;
    server.stop(true).await;
    // Stops in its shutdown timeout with 6 deliveries due and 2 receivers that never answer;
    // the bound here only keeps a failure from hanging.
    tokio::time::timeout(Duration::from_secs(300), running)
        .await
        .expect("the instance stopped")
        .unwrap()
        .unwrap();
    assert!(receiver.answered().is_empty());
    assert!(
        deliveries(&app, subscription).await.is_empty(),
        "no attempt settled"
    );
    let outbox = |app: &TestApp| {
        webhook_outbox::table
            .order(webhook_outbox::id)
            .select((
                webhook_outbox::id,
                webhook_outbox::status,
                webhook_outbox::attempts,
                webhook_outbox::leased_until,
            ))
            .load::<(i64, String, i32, Option<chrono::NaiveDateTime>)>(
                &mut **app.db.blocking().unwrap(),
            )
            .unwrap()
    };
    let rows = outbox(&app);
    assert_eq!(rows.len(), 6);
    let leased: Vec<i64> = rows
        .iter()
        .filter(|(_, status, attempts, lease)| {
            status == "pending" && *attempts == 0 && lease.is_some()
        })
        .map(|(id, ..)| *id)
        .collect();
    let mut cut_off: Vec<i64> = receiver
        .arrived()
        .iter()
        .map(|r| r.header("x-nok-delivery").parse().unwrap())
        .collect();
    cut_off.sort();
    assert_eq!(leased, cut_off, "the cut-off deliveries stay leased");

    // Their lease runs out (here at once); the next instance sends everything, none lost.
    app.db
        .blocking()
        .unwrap()
        .transaction(|conn| {
            let past = nok_api::db::now() - chrono::Duration::seconds(1);
            diesel::update(webhook_outbox::table)
                .set((
                    webhook_outbox::next_attempt_at.eq(past),
                    webhook_outbox::leased_until.eq(Some(past)),
                ))
                .execute(conn)
        })
        .unwrap();
    receiver.gate.open();
    let (_server, _running) = instance(&app, delivering);
    until("everything is delivered", || {
        outbox(&app)
            .iter()
            .all(|(_, status, ..)| status == "delivered")
    })
    .await;
    let mut ids: Vec<i64> = receiver
        .answered()
        .iter()
        .map(|r| r.header("x-nok-delivery").parse().unwrap())
        .collect();
    ids.sort();
    let mut once = ids.clone();
    once.dedup();
    assert_eq!(once, rows.iter().map(|(id, ..)| *id).collect::<Vec<_>>());
    // The cut-off ones were answered too when the gate opened, to a sender long gone.
    assert_eq!(
        ids.len(),
        6 + cut_off.len(),
        "duplicates: only the cut-off ones"
    );
}

/// A delivery that goes nowhere.
fn due(url: String) -> webhooks::Due {
    webhooks::Due {
        outbox_id: 1,
        subscription_id: 1,
        change_id: Some(1),
        event_type: "plan.updated".into(),
        url,
        secret: "a shared secret of the region".into(),
        body: "{}".into(),
        attempts: 0,
    }
}

#[tokio::test]
async fn failures_to_deliver_all_look_the_same_to_the_owner() {
    let receiver = Receiver::new(0);
    let port = receiver
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let public_only = Sender::new(&DeliverySettings::default()).unwrap();
    let anywhere = Sender::new(&DeliverySettings {
        internal_targets: true,
        ..DeliverySettings::default()
    })
    .unwrap();
    let attempts = [
        // A name that resolves to 127.0.0.1 where a receiver listens: refused when resolved.
        public_only
            .send(&due(format!("http://localhost:{port}/events")))
            .await,
        public_only
            .send(&due(format!("http://localhost.:{port}/events")))
            .await,
        // An address of a special-purpose range in the URL itself.
        public_only
            .send(&due(format!("http://127.0.0.1:{port}/events")))
            .await,
        public_only
            .send(&due(format!("http://[::ffff:127.0.0.1]:{port}/")))
            .await,
        // A closed port, and a name that does not resolve (.invalid never does).
        anywhere
            .send(&due(format!("http://127.0.0.1:{closed}/")))
            .await,
        anywhere
            .send(&due("http://no-such-host.invalid/".into()))
            .await,
    ];
    for attempt in &attempts {
        assert_eq!(attempt.status_code, None);
        assert_eq!(attempt.error.as_deref(), Some(NOT_DELIVERED));
        assert_eq!(attempt.duration_ms, 0);
    }
    assert!(receiver.arrived().is_empty(), "nothing reached 127.0.0.1");
    // Allowed, the same receiver is reached.
    let reached = anywhere.send(&due(receiver.url.clone())).await;
    assert_eq!((reached.status_code, reached.error), (Some(200), None));
    assert_eq!(receiver.arrived().len(), 1);
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_when_delivering() {
    let app = spawn_app_with(Config {
        webhook_internal_targets: false,
        ..fast_webhooks()
    })
    .await;
    let receiver = Receiver::new(0);
    let port = receiver
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    // As if registered while the name resolved to a public address (creation refuses
    // `localhost` by name): at delivery it resolves to 127.0.0.1.
    let subscription = app
        .db
        .blocking()
        .unwrap()
        .transaction(|conn| {
            webhooks::insert(
                conn,
                &NewSubscription {
                    owner_id: None,
                    owner: "admin",
                    owner_role: "admin",
                    owner_region_id: None,
                    owner_organization_id: None,
                    url: &format!("http://localhost:{port}/events"),
                    event_types: &["*".to_owned()],
                    secret: "a shared secret of the region",
                },
            )
        })
        .unwrap()
        .id;
    app.region("71", "Тульская область").await;
    let mut log = Vec::new();
    for _ in 0..2400 {
        log = deliveries(&app, subscription).await;
        if !log.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(log[0]["status_code"], Value::Null);
    assert_eq!(log[0]["error"], NOT_DELIVERED);
    assert_eq!(log[0]["duration_ms"], 0);
    assert!(receiver.arrived().is_empty());
}

#[tokio::test]
async fn special_purpose_addresses_and_local_names_are_refused_at_creation() {
    let app = spawn_app_with(Config {
        webhook_internal_targets: false,
        ..test_config()
    })
    .await;
    for url in [
        "http://198.18.0.1/",
        "http://192.0.0.1/",
        "http://240.0.0.1/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
        "http://192.0.2.1/",
        "http://[ff02::1]/",
        "http://[::ffff:0:127.0.0.1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::127.0.0.1]/",
        "http://[2002:7f00:1::]/",
        "http://[64:ff9b::a00:1]/",
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
        "http://[2001:db8::1]/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://metadata/",
        "http://printer.local/",
    ] {
        let body = json!({"url": url, "event_types": ["*"]});
        assert_problem(
            app.post_json("/api/v1/webhooks", &body).await,
            422,
            Some("url"),
        )
        .await;
    }
    // NUL (which PostgreSQL cannot store) and other control characters: 422, on both backends.
    for (body, field) in [
        (
            json!({"url": "https://soc71.example.ru/\u{0}", "event_types": ["*"]}),
            "url",
        ),
        (
            json!({"url": "https://soc71.example.ru/a\u{1b}b", "event_types": ["*"]}),
            "url",
        ),
        (
            json!({"url": "https://soc71.example.ru/", "event_types": ["*"], "secret": "a shared secret\u{0} of the region"}),
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
    let body = json!({"url": "https://[2606:4700:4700::1111]/nok", "event_types": ["*"]});
    assert_eq!(
        app.post_json("/api/v1/webhooks", &body).await.status(),
        StatusCode::CREATED
    );
}

/// The receiver tells deliveries apart by `X-Nok-Event` and the sender by `User-Agent`; a ping
/// tests the receiver and a past delivery goes again under a new delivery id, the same event.
#[tokio::test]
async fn pings_and_redeliveries_carry_the_event_type_and_the_user_agent() {
    let app = spawn_app_with(fast_webhooks()).await;
    let receiver = Receiver::new(0);
    let subscription = subscribe(&app, &receiver.url, &["organization.*"]).await;
    let ping_path = format!("/api/v1/webhooks/{subscription}/ping");
    let pinged = app.request(Method::POST, &ping_path).send().await.unwrap();
    assert_eq!(pinged.status(), StatusCode::ACCEPTED);
    let pinged: Value = pinged.json().await.unwrap();
    assert_eq!(pinged["event"], "ping");
    assert_eq!(pinged["delivery_status"], "pending");
    until("the ping arrives", || receiver.arrived().len() == 1).await;
    let ping = &receiver.arrived()[0];
    assert_eq!(ping.header("x-nok-event"), "ping");
    assert_eq!(
        ping.header("user-agent"),
        format!("nok-api/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        ping.header("x-nok-delivery"),
        pinged["delivery_id"].to_string()
    );
    assert_eq!(
        ping.header(POSITION_HEADER),
        "",
        "a ping has no feed position"
    );
    assert_eq!(ping.event()["event"], "ping");
    assert_eq!(ping.event()["subscription_id"], subscription);
    assert_eq!(ping.event()["event_types"], json!(["organization.*"]));

    let region = app.region("71", "Тульская область").await;
    app.organization(&organization_body(region, 1)).await;
    until("the change arrives", || receiver.arrived().len() == 2).await;
    let first = receiver.arrived()[1].clone();
    assert_eq!(first.header("x-nok-event"), "organization.created");
    let delivery: i64 = first.header("x-nok-delivery").parse().unwrap();
    let redeliver = format!("/api/v1/webhooks/{subscription}/deliveries/{delivery}/redeliver");
    let again = app.request(Method::POST, &redeliver).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["event"], "organization.created");
    assert_ne!(again["delivery_id"], delivery);
    until("the redelivery arrives", || receiver.arrived().len() == 3).await;
    let second = receiver.arrived()[2].clone();
    assert_eq!(second.body, first.body, "the same event");
    assert_eq!(second.header("x-nok-event"), "organization.created");
    assert_eq!(
        second.header(POSITION_HEADER),
        first.header(POSITION_HEADER)
    );
    assert_eq!(
        second.header("x-nok-delivery"),
        again["delivery_id"].to_string()
    );
    // Every attempt is listed, the ping and the redelivery among them.
    let mut listed = Vec::new();
    for _ in 0..2400 {
        listed = deliveries(&app, subscription).await;
        if listed.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let events: Vec<&Value> = listed.iter().map(|d| &d["event"]).collect();
    assert_eq!(
        events,
        ["ping", "organization.created", "organization.created"]
    );
    // This instance counted them, and /metrics shows the process's own figures beside.
    let metrics = app.scrape_metrics().await.text().await.unwrap();
    let sample = |name: &str| -> f64 {
        let line = metrics
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in\n{metrics}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert_eq!(
        sample("nok_webhook_deliveries_total{outcome=\"delivered\"}"),
        3.0
    );
    assert_eq!(
        sample("nok_webhook_deliveries_total{outcome=\"failed\"}"),
        0.0
    );
    assert!(sample("process_resident_memory_bytes") > 1e6);
    assert!(sample("process_open_fds") > 0.0);
    assert!(sample("process_threads") >= 1.0);
    assert!(sample("process_cpu_seconds_total") >= 0.0);
}

#[tokio::test]
async fn pings_and_redeliveries_refuse_bad_input_and_other_callers() {
    let app = spawn_app_with(fast_webhooks()).await;
    let region = app.region("71", "Тульская область").await;
    let away = app.region("66", "Свердловская область").await;
    let authority = app.user_token("ping-authority", Role::Authority, Some(region), None);
    let other = app.user_token("ping-other", Role::Authority, Some(away), None);
    let operator = app.user_token("ping-operator", Role::Operator, Some(region), None);
    let body = json!({"url": "http://127.0.0.1:9/events", "event_types": ["*"]});
    let mine: Value = app
        .as_(Some(&authority))
        .post_json("/api/v1/webhooks", &body)
        .await
        .json()
        .await
        .unwrap();
    let theirs: Value = app
        .as_(Some(&other))
        .post_json("/api/v1/webhooks", &body)
        .await
        .json()
        .await
        .unwrap();
    let (mine, theirs) = (mine["id"].as_i64().unwrap(), theirs["id"].as_i64().unwrap());
    let post =
        |token: Option<&str>, path: String| app.as_(token).request(Method::POST, &path).send();
    let ping = |id: i64| format!("/api/v1/webhooks/{id}/ping");
    let their_ping: Value = post(Some(&other), ping(theirs))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let their_delivery = their_ping["delivery_id"].as_i64().unwrap();
    let redeliver =
        |id: i64, delivery: &str| format!("/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver");

    // Ids that are no numbers name nothing, as everywhere (404); so do an unknown subscription
    // or delivery, and another subscription's delivery.
    assert_problem(
        post(Some(&authority), "/api/v1/webhooks/x/ping".into())
            .await
            .unwrap(),
        404,
        None,
    )
    .await;
    assert_problem(
        post(Some(&authority), redeliver(mine, "x")).await.unwrap(),
        404,
        None,
    )
    .await;
    assert_problem(
        post(Some(&authority), ping(i64::MAX)).await.unwrap(),
        404,
        None,
    )
    .await;
    assert_problem(
        post(Some(&authority), redeliver(mine, "999999"))
            .await
            .unwrap(),
        404,
        None,
    )
    .await;
    let delivery = their_delivery.to_string();
    assert_problem(
        post(Some(&authority), redeliver(mine, &delivery))
            .await
            .unwrap(),
        404,
        None,
    )
    .await;
    // Refused callers: anonymous 401, a role without webhooks 403, an authority of another
    // region 403, another owner of the same region 404 (its subscriptions are out of sight).
    assert_problem(post(None, ping(mine)).await.unwrap(), 401, None).await;
    assert_problem(post(Some(&operator), ping(mine)).await.unwrap(), 403, None).await;
    assert_problem(
        post(Some(&operator), redeliver(theirs, &delivery))
            .await
            .unwrap(),
        403,
        None,
    )
    .await;
    assert_problem(
        post(Some(&authority), ping(theirs)).await.unwrap(),
        403,
        None,
    )
    .await;
    assert_problem(
        post(Some(&authority), redeliver(theirs, &delivery))
            .await
            .unwrap(),
        403,
        None,
    )
    .await;
    let colleague = app.user_token("ping-colleague", Role::Authority, Some(region), None);
    assert_problem(post(Some(&colleague), ping(mine)).await.unwrap(), 404, None).await;
    // The owner and an administrator may; a deactivated subscription takes nothing more (409).
    let ok = post(Some(&other), redeliver(theirs, &delivery))
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::ACCEPTED);
    let ok = post(Some(&app.admin), ping(theirs)).await.unwrap();
    assert_eq!(ok.status(), StatusCode::ACCEPTED);
    let path = format!("/api/v1/webhooks/{theirs}");
    let etag = etag_of(&app.as_(Some(&app.admin)).get(&path).await);
    let removed = app
        .request(Method::DELETE, &path)
        .header("If-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_problem(post(Some(&other), ping(theirs)).await.unwrap(), 409, None).await;
    assert_problem(
        post(Some(&other), redeliver(theirs, &delivery))
            .await
            .unwrap(),
        409,
        None,
    )
    .await;
}
