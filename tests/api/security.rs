//! What quality/security.sh found: webhook URLs that spell internal addresses otherwise, XLSX
//! files that inflate or claim too much, and Idempotency-Key answers replayed to callers other
//! than the one who made them.

use std::io::{Read, Write};
use std::time::Duration;

use nok_api::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, organization_body, spawn_app, spawn_app_with, test_config};

#[tokio::test]
async fn webhook_urls_spelling_internal_addresses_otherwise_are_refused() {
    let app = spawn_app_with(nok_api::config::Config {
        webhook_internal_targets: false,
        ..test_config()
    })
    .await;
    // Each is loopback, link-local or private as the delivering HTTP client (WHATWG URL
    // parsing) reads it.
    for url in [
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0x7f.0.0.1/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://0/",
        "http://127.0.0.1./",
        "http://localhost./",
        "http://2852039166/latest/meta-data/",
        "http://0251.0376.0251.0376/",
        "http://169.254.169.254.:80/",
        "http://%31%32%37.0.0.1/",
        "http://127.0.0.1\\@example.com/",
        "http://\u{2460}\u{2461}\u{2466}.0.0.1/",
        "http://[::ffff:169.254.169.254]/",
        "http://100.100.100.200/latest/meta-data/",
    ] {
        let body = json!({"url": url, "event_types": ["*"]});
        let response = app.post_json("/api/v1/webhooks", &body).await;
        assert_problem(response, 422, Some("url")).await;
    }
    let list: Value = app
        .as_(Some(&app.admin))
        .get("/api/v1/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]), "nothing was registered");
}

/// A zip archive of `parts`, deflated.
fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in parts {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A one-cell workbook whose shared strings are `sst`.
fn workbook(sst: &[u8]) -> Vec<u8> {
    let types = br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
    let rels = br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let book = br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let book_rels = br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
    let sheet = br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#;
    zip_of(&[
        ("[Content_Types].xml", types),
        ("_rels/.rels", rels),
        ("xl/workbook.xml", book),
        ("xl/_rels/workbook.xml.rels", book_rels),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", sst),
    ])
}

#[tokio::test]
async fn xlsx_files_that_claim_or_inflate_too_much_are_refused() {
    // Compressing the bomb takes seconds in a debug build: done first, so that the client's
    // pooled connection does not idle past the server's keep-alive while it is made.
    let mut sst = br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#.to_vec();
    sst.resize(sst.len() + (65 << 20), b'A');
    sst.extend_from_slice(b"</t></si></sst>");
    let bomb = workbook(&sst);
    assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    let organization = app.organization(&organization_body(region, 1)).await["id"].clone();
    let import = |body: Vec<u8>| {
        app.as_(Some(&app.admin))
            .request(
                Method::POST,
                &format!(
                    "/api/v1/plans/import?organization_id={organization}&year=2019&dry_run=true"
                ),
            )
            .header(
                "content-type",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            .body(body)
            .send()
    };
    // The reader reserved room for as many strings as claimed: a file of a few hundred bytes
    // took the whole process down.
    for count in ["1000000000000", "9223372036854775807"] {
        let sst = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="{count}"><si><t>a</t></si></sst>"#
        );
        let response = import(workbook(sst.as_bytes())).await.unwrap();
        assert_problem(response, 422, Some("file")).await;
        assert_eq!(app.get("/health").await.status(), StatusCode::OK);
    }
    // 65 MiB of text in a file of a few hundred KiB: refused before it is read into memory.
    let response = import(bomb).await.unwrap();
    let problem = assert_problem(response, 422, Some("file")).await;
    assert!(problem.to_string().contains("inflates"), "{problem}");
}

async fn post_webhook(
    app: &crate::helpers::TestApp,
    authorization: Option<String>,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/webhooks"))
        .header("Idempotency-Key", key)
        .json(body);
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn stored_answers_are_replayed_to_their_own_caller_only() {
    let app = spawn_app().await;
    let body = json!({"url": "https://soc71.example.ru/nok", "event_types": ["*"]});
    // The scheme is case-insensitive; the route takes `bearer`, and so does the key's owner.
    let first = post_webhook(&app, Some(format!("bearer {}", app.admin)), "k1", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let created: Value = first.json().await.unwrap();
    assert!(created["secret"].is_string(), "{created}");
    let again = post_webhook(&app, Some(format!("Bearer {}", app.admin)), "k1", &body).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), created);
    // Nobody else gets the stored answer (with its signing secret, shown once).
    for authorization in [None, Some("Bearer not-a-token".to_owned())] {
        let response = post_webhook(&app, authorization, "k1", &body).await;
        assert!(response.headers().get("idempotent-replayed").is_none());
        let problem = assert_problem(response, 401, None).await;
        assert!(!problem
            .to_string()
            .contains(created["secret"].as_str().unwrap()));
    }
    let other = app.user_token("second-admin", Role::Admin, None, None);
    let theirs = post_webhook(&app, Some(format!("bearer {other}")), "k1", &body).await;
    assert_eq!(theirs.status(), StatusCode::CREATED);
    assert!(theirs.headers().get("idempotent-replayed").is_none());
    assert_ne!(theirs.json::<Value>().await.unwrap()["id"], created["id"]);

    // A deactivated user's token gets nothing, not even the answers stored for it.
    let region = app.region("71", "Тульская область").await;
    let authority = app.user_token("tula-authority", Role::Authority, Some(region), None);
    let me: Value = app
        .as_(Some(&authority))
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    let made = post_webhook(&app, Some(format!("Bearer {authority}")), "k2", &body).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let deactivated = app
        .post_json(
            &format!("/api/v1/users/{}/deactivate", me["user_id"]),
            &json!({}),
        )
        .await;
    assert_eq!(deactivated.status(), StatusCode::OK);
    let replayed = post_webhook(&app, Some(format!("Bearer {authority}")), "k2", &body).await;
    assert!(replayed.headers().get("idempotent-replayed").is_none());
    assert_problem(replayed, 401, None).await;
}

/// Sends `head` and then `body` on a connection of its own and reads what comes back within
/// 10 s (the server may answer before the body is complete).
async fn raw(address: &str, head: String, body: Vec<u8>) -> String {
    let address = address.trim_start_matches("http://").to_owned();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .write_all(format!("{head}Host: {address}\r\n\r\n").as_bytes())
            .unwrap();
        let _ = stream.write_all(&body);
        let mut answer = vec![0; 4096];
        let read = stream.read(&mut answer).unwrap_or(0);
        String::from_utf8_lossy(&answer[..read]).into_owned()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_key_does_not_raise_the_body_limit() {
    let app = spawn_app_with(nok_api::config::Config {
        body_limit: 4096,
        ..test_config()
    })
    .await;
    let head = |framing: &str| {
        format!(
            "POST /api/v1/organizations HTTP/1.1\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nIdempotency-Key: big\r\n{framing}\r\n",
            app.admin
        )
    };
    // 8 KiB declared, 100 bytes sent: the answer comes at once, without waiting for the rest.
    let answer = raw(&app.address, head("Content-Length: 8192"), vec![b' '; 100]).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    assert!(answer.contains("application/problem+json"), "{answer:?}");
    // Sent in full without a length, it is refused too.
    let json = format!("[{}0]", "0,".repeat(4096));
    let chunked = format!("{:x}\r\n{json}\r\n0\r\n\r\n", json.len()).into_bytes();
    let answer = raw(&app.address, head("Transfer-Encoding: chunked"), chunked).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
}
