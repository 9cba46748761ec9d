//! What operators and portal teams rely on besides the resources: Prometheus metrics, ETags and
//! 304 on every read, Cache-Control by audience, CORS for configured origins, graceful stops.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, etag_of, spawn_app, spawn_app_with, test_config, TestApp, METRICS_TOKEN,
};

/// One sample of the text exposition: `name{labels} value`.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses every line that is not a comment, and fails on any that is malformed.
fn parse_exposition(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| parse_sample(line).unwrap_or_else(|| panic!("malformed sample: {line}")))
        .collect()
}

fn parse_sample(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' '])?;
    let name = &line[..name_end];
    let valid_name = name
        .bytes()
        .enumerate()
        .all(|(i, b)| b.is_ascii_alphabetic() || b == b'_' || (i > 0 && b.is_ascii_digit()));
    if name.is_empty() || !valid_name {
        return None;
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(inner) = rest.strip_prefix('{') {
        rest = inner;
        while !rest.starts_with('}') {
            let eq = rest.find("=\"")?;
            let key = rest[..eq].to_owned();
            let mut value = String::new();
            let mut chars = rest[eq + 2..].char_indices();
            let end = loop {
                match chars.next()? {
                    (i, '"') => break eq + 2 + i,
                    (_, '\\') => value.push(match chars.next()?.1 {
                        'n' => '\n',
                        c => c,
                    }),
                    (_, c) => value.push(c),
                }
            };
            labels.insert(key, value);
            rest = &rest[end + 1..];
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
        rest = &rest[1..];
    }
    let value = match rest.strip_prefix(' ')? {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        number => number.parse().ok()?,
    };
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

async fn scrape(app: &TestApp) -> Vec<Sample> {
    let response = app.scrape_metrics().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    parse_exposition(&response.text().await.unwrap())
}

/// The value of the sample named `name` whose labels include `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
}

/// /metrics is the scraper's: 404 unless NOK_METRICS_TOKEN is set, then 401 for anything but
/// that bearer token, a user's included (issue 18.10).
#[tokio::test]
async fn metrics_need_the_metrics_token() {
    let app = spawn_app().await;
    let refused = [
        None,
        Some(app.admin.as_str()),
        Some("another metrics token"),
        Some(""),
    ];
    for token in refused {
        let response = app.as_(token).get("/metrics").await;
        let body = assert_problem(response, 401, None).await;
        assert!(!body.to_string().contains("nok_http"), "{body}");
    }
    let basic = app
        .client
        .get(app.url("/metrics"))
        .header("Authorization", format!("Basic {METRICS_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_problem(basic, 401, None).await;
    assert_eq!(app.scrape_metrics().await.status(), StatusCode::OK);

    let mut config = test_config();
    config.metrics_token = None;
    let unset = spawn_app_with(config).await;
    for token in [None, Some(unset.admin.as_str()), Some(METRICS_TOKEN)] {
        let response = unset.as_(token).get("/metrics").await;
        assert_problem(response, 404, None).await;
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_status() {
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    let read = [
        ("method", "GET"),
        ("route", "/api/v1/regions/{id}"),
        ("status", "200"),
    ];
    let before = scrape(&app).await;
    let counted = |samples: &[Sample]| value(samples, "nok_http_requests_total", &read);
    for _ in 0..3 {
        let response = app.get(&format!("/api/v1/regions/{region}")).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(
        app.get("/api/v1/regions/999999").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/no/such/path").await.status(),
        StatusCode::NOT_FOUND
    );
    let after = scrape(&app).await;

    assert_eq!(
        counted(&after).unwrap() - counted(&before).unwrap_or(0.0),
        3.0
    );
    let missing = [
        ("method", "GET"),
        ("route", "/api/v1/regions/{id}"),
        ("status", "404"),
    ];
    assert_eq!(
        value(&after, "nok_http_requests_total", &missing),
        Some(1.0)
    );
    // Raw paths never become labels: unknown ones share one series.
    let unmatched = [("route", "unmatched"), ("status", "404")];
    assert_eq!(
        value(&after, "nok_http_requests_total", &unmatched),
        Some(1.0)
    );
    assert!(after
        .iter()
        .all(|s| !s.labels.get("route").is_some_and(|r| r.contains("999999"))));
    let created = [
        ("method", "POST"),
        ("route", "/api/v1/regions"),
        ("status", "201"),
    ];
    assert_eq!(
        value(&after, "nok_http_requests_total", &created),
        Some(1.0)
    );

    // Each histogram: buckets in increasing bounds with non-decreasing counts, `+Inf` equal
    // to `_count`, and as many requests as the counter.
    let mut series = 0;
    for counter in after.iter().filter(|s| s.name == "nok_http_requests_total") {
        let same = |s: &&Sample| {
            s.labels
                .iter()
                .filter(|(k, _)| k.as_str() != "le")
                .eq(counter.labels.iter())
        };
        let buckets: Vec<(f64, f64)> = after
            .iter()
            .filter(|s| s.name == "nok_http_request_duration_seconds_bucket")
            .filter(same)
            .map(|s| {
                (
                    s.labels["le"].replace("+Inf", "inf").parse().unwrap(),
                    s.value,
                )
            })
            .collect();
        assert_eq!(buckets.len(), 14, "{:?}", counter.labels);
        assert_eq!(buckets[0].0, 0.001);
        assert_eq!(buckets[12].0, 10.0);
        assert!(buckets
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
        let count = after
            .iter()
            .filter(|s| s.name == "nok_http_request_duration_seconds_count")
            .find(same)
            .unwrap()
            .value;
        assert_eq!(buckets[13], (f64::INFINITY, count));
        assert_eq!(count, counter.value);
        let sum = after
            .iter()
            .filter(|s| s.name == "nok_http_request_duration_seconds_sum")
            .find(same)
            .unwrap()
            .value;
        assert!(sum >= 0.0);
        series += 1;
    }
    assert!(series >= 4, "{series} series");

    let idle = value(&after, "nok_db_pool_connections", &[("state", "idle")]).unwrap();
    let in_use = value(&after, "nok_db_pool_connections", &[("state", "in_use")]).unwrap();
    let max = value(&after, "nok_db_pool_max_connections", &[]).unwrap();
    assert_eq!(max, f64::from(app.config.pool_size));
    assert!(idle + in_use >= 1.0 && idle + in_use <= max);
    let version = [("version", env!("CARGO_PKG_VERSION"))];
    assert_eq!(value(&after, "nok_build_info", &version), Some(1.0));
}

/// GETs `path` (as `token`, or anonymously), checks the ETag, and that `If-None-Match` with it
/// answers 304 with no body and the same ETag; returns the ETag.
async fn assert_revalidates(app: &TestApp, token: Option<&str>, path: &str) -> String {
    let client = app.as_(token);
    let response = client.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let etag = etag_of(&response);
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2,
        "{path}: {etag}"
    );
    let cached = client
        .request(Method::GET, path)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED, "{path}");
    assert_eq!(etag_of(&cached), etag);
    assert!(cached.bytes().await.unwrap().is_empty());
    let other = client
        .request(Method::GET, path)
        .header("If-None-Match", "\"something else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK, "{path}");
    etag
}

#[tokio::test]
async fn list_pages_and_single_resources_revalidate_with_etags() {
    let app = spawn_app().await;
    let admin = Some(app.admin.as_str());
    let region = app.region("71", "Тульская область").await;
    let users = assert_revalidates(&app, admin, "/api/v1/users").await;
    for path in [
        "/api/v1/cycles".to_owned(),
        "/api/v1/regions".to_owned(),
        format!("/api/v1/regions/{region}"),
        "/api/v1/methodologies".to_owned(),
        "/api/v1/auth/me".to_owned(),
    ] {
        assert_revalidates(&app, admin, &path).await;
    }
    assert_revalidates(&app, None, "/api/v1/cycles").await;
    let me: Value = app
        .as_(admin)
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    let user = me["user_id"].as_i64().unwrap();
    assert_revalidates(&app, admin, &format!("/api/v1/users/{user}")).await;

    // A change makes the old tag stale: the page comes again, with a new tag.
    let body =
        json!({"username": "reader", "password": crate::helpers::PASSWORD, "role": "auditor"});
    assert_eq!(
        app.post_json("/api/v1/users", &body).await.status(),
        StatusCode::CREATED
    );
    let changed = app
        .request(Method::GET, "/api/v1/users")
        .header("If-None-Match", &users)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(etag_of(&changed), users);
}

#[tokio::test]
async fn cache_control_follows_the_audience() {
    let mut config = test_config();
    config.public_max_age_secs = 120;
    let app = spawn_app_with(config).await;
    let region = app.region("71", "Тульская область").await;
    let path = format!("/api/v1/regions/{region}");

    let anonymous = app.get(&path).await;
    assert_eq!(anonymous.headers()["cache-control"], "public, max-age=120");
    let vary = anonymous.headers()["vary"].to_str().unwrap().to_owned();
    assert!(
        vary.contains("Authorization") && vary.contains("Accept"),
        "{vary}"
    );
    let revalidated = app
        .as_(None)
        .request(Method::GET, &path)
        .header("If-None-Match", etag_of(&anonymous))
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(
        revalidated.headers()["cache-control"],
        "public, max-age=120"
    );

    let authenticated = app.as_(Some(&app.admin)).get(&path).await;
    assert_eq!(
        authenticated.headers()["cache-control"],
        "private, no-cache"
    );
    assert!(authenticated.headers()["vary"]
        .to_str()
        .unwrap()
        .contains("Authorization"));

    let missing = app.get("/api/v1/regions/999999").await;
    assert_eq!(missing.headers()["cache-control"], "no-store");
    assert_problem(missing, 404, None).await;
    let refused = app.get("/api/v1/users").await;
    assert_eq!(refused.headers()["cache-control"], "no-store");
    let created = app
        .post_json(
            "/api/v1/regions",
            &json!({"code": "66", "name": "Свердловская область"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["cache-control"], "no-store");
}

fn preflight(app: &TestApp, origin: &str) -> reqwest::RequestBuilder {
    app.client
        .request(Method::OPTIONS, app.url("/api/v1/regions/1"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "PATCH")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type, if-match",
        )
}

/// A portal's preflight that passes tracing and conditional headers along.
fn preflight_tracing(app: &TestApp, origin: &str) -> reqwest::RequestBuilder {
    app.client
        .request(Method::OPTIONS, app.url("/api/v1/organizations"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "x-request-id, traceparent, tracestate, idempotency-key, if-match, accept-language",
        )
}

const PORTAL: &str = "https://portal.example.ru";

#[tokio::test]
async fn cors_answers_configured_origins_only() {
    let mut config = test_config();
    config.cors_origins = vec![PORTAL.to_owned(), "http://localhost:3000".to_owned()];
    let app = spawn_app_with(config).await;

    let allowed = preflight(&app, PORTAL).send().await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    let headers = allowed.headers();
    assert_eq!(headers["access-control-allow-origin"], PORTAL);
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        assert!(methods.contains(method), "{methods}");
    }
    let allowed_headers = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in [
        "authorization",
        "content-type",
        "if-match",
        "if-none-match",
        "idempotency-key",
    ] {
        assert!(allowed_headers.contains(header), "{allowed_headers}");
    }
    assert_eq!(headers["access-control-max-age"], "3600");

    let tracing = preflight_tracing(&app, PORTAL).send().await.unwrap();
    assert_eq!(tracing.status(), StatusCode::OK);
    assert_eq!(tracing.headers()["access-control-allow-origin"], PORTAL);
    let allowed_headers = tracing.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in [
        "x-request-id",
        "traceparent",
        "tracestate",
        "idempotency-key",
        "if-match",
        "accept-language",
    ] {
        assert!(allowed_headers.contains(header), "{allowed_headers}");
    }

    let read = app
        .as_(None)
        .request(Method::GET, "/api/v1/regions")
        .header("Origin", PORTAL)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.headers()["access-control-allow-origin"], PORTAL);
    let exposed = read.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in [
        "etag",
        "location",
        "x-request-id",
        "retry-after",
        "content-disposition",
        "link",
        "x-total-count",
    ] {
        assert!(exposed.contains(header), "{exposed}");
    }

    // Another origin: its preflight is refused as a problem, its requests are served without
    // CORS headers (the browser keeps the page from reading them).
    let refused = preflight(&app, "https://elsewhere.example.com")
        .send()
        .await
        .unwrap();
    assert!(!refused
        .headers()
        .contains_key("access-control-allow-origin"));
    assert_problem(refused, 403, None).await;
    let other = app
        .as_(None)
        .request(Method::GET, "/api/v1/regions")
        .header("Origin", "https://elsewhere.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    assert!(!other.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn no_cors_headers_without_configured_origins() {
    let app = spawn_app().await;
    let answer = preflight(&app, PORTAL).send().await.unwrap();
    assert!(answer
        .headers()
        .keys()
        .all(|name| !name.as_str().starts_with("access-control-")));
    let read = app
        .as_(None)
        .request(Method::GET, "/api/v1/regions")
        .header("Origin", PORTAL)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert!(read
        .headers()
        .keys()
        .all(|name| !name.as_str().starts_with("access-control-")));
}

/// A request whose body is still arriving when the server is told to stop (as by SIGTERM) is
/// finished and answered; only then does the server stop, and it takes no new connections.
#[tokio::test]
async fn a_graceful_stop_finishes_requests_in_flight() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let body = json!({"code": "71", "name": "Тульская область"}).to_string();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let head = format!(
        "POST /api/v1/regions HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\
         Expect: 100-continue\r\n\r\n",
        app.admin,
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // The interim 100 says a worker has the request: the stop comes after it, however busy
    // the machine (a fixed wait lost that race under load).
    // Read off the test's runtime, which also runs the server.
    let mut reader = stream.try_clone().unwrap();
    let interim = tokio::task::spawn_blocking(move || {
        let mut interim = Vec::new();
        let mut byte = [0u8; 1];
        while !interim.ends_with(b"\r\n\r\n") {
            reader.read_exact(&mut byte).unwrap();
            interim.push(byte[0]);
        }
        interim
    })
    .await
    .unwrap();
    assert!(
        interim.starts_with(b"HTTP/1.1 100"),
        "{:?}",
        String::from_utf8_lossy(&interim)
    );
    stream.write_all(first).unwrap();

    let stopping = tokio::spawn(app.server.stop(true));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !stopping.is_finished(),
        "the server stopped with a request in flight"
    );
    stream.write_all(rest).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(answer.contains("Тульская область"), "{answer}");

    tokio::time::timeout(Duration::from_secs(10), stopping)
        .await
        .expect("the server stops once its requests are done")
        .unwrap();
    assert!(std::net::TcpStream::connect(&address).is_err());
}
