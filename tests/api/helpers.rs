//! `spawn_app`: the whole service over HTTP on a fresh database of its own — a temporary SQLite
//! file, or a fresh PostgreSQL schema when `TEST_DATABASE_URL` is set — so tests run in parallel.

use std::net::TcpListener;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use nok_api::config::Config;
use nok_api::db::Db;
use nok_api::startup::Application;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

pub struct TestDatabase {
    pub url: String,
    /// PostgreSQL: the base URL and the schema to drop at the end.
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if !base.is_empty() => {
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = diesel::PgConnection::establish(&base)
                    .unwrap_or_else(|e| panic!("TEST_DATABASE_URL={base}: {e}"));
                conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .expect("create test schema");
                let separator = if base.contains('?') { '&' } else { '?' };
                Self {
                    url: format!("{base}{separator}options=-csearch_path%3D{schema}"),
                    postgres: Some((base, schema)),
                    _dir: None,
                }
            }
            _ => {
                let dir = tempfile::tempdir().expect("temporary directory");
                Self {
                    url: dir.path().join("nok.db").to_string_lossy().into_owned(),
                    postgres: None,
                    _dir: Some(dir),
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.postgres {
            if let Ok(mut conn) = diesel::PgConnection::establish(base) {
                let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    _database: TestDatabase,
}

pub fn test_config() -> Config {
    Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        workers: 2,
        pool_size: 8,
        ..Config::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_config()).await
}

pub async fn spawn_app_with(mut config: Config) -> TestApp {
    let database = TestDatabase::new();
    config.database_url = database.url.clone();
    let db = Db::connect(
        &config.database_url,
        config.pool_size,
        Duration::from_secs(5),
    )
    .expect("test database");
    serve(config, db, database)
}

/// The app over a database that cannot be reached.
pub async fn spawn_app_without_database() -> TestApp {
    let mut config = test_config();
    config.database_url = "postgres://nobody@127.0.0.1:1/none".into();
    let db = Db::lazy(&config.database_url, 2, Duration::from_millis(500));
    serve(config, db, TestDatabase::new())
}

fn serve(config: Config, db: Db, database: TestDatabase) -> TestApp {
    let listener = TcpListener::bind(config.bind).expect("bind a free port");
    let app = Application::with_listener(&config, db.clone(), listener).expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        db,
        _database: database,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch_json(&self, path: &str, etag: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.patch(self.url(path)).json(body);
        if let Some(etag) = etag {
            request = request.header("If-Match", etag);
        }
        request.send().await.unwrap()
    }

    /// Creates a region and returns its id.
    pub async fn region(&self, code: &str, name: &str) -> i64 {
        let response = self
            .post_json("/api/v1/regions", &json!({"code": code, "name": name}))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap()
    }

    /// Creates an organization from `body` and returns it.
    pub async fn organization(&self, body: &Value) -> Value {
        let response = self.post_json("/api/v1/organizations", body).await;
        let status = response.status();
        let value = response.json::<Value>().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{value}");
        value
    }
}

/// A valid new organization in `region_id`, a Tula institution of seed 001 with
/// check-digit-valid numbers built from `n`.
pub fn organization_body(region_id: i64, n: u64) -> Value {
    let (inn, ogrn) = numbers(n);
    json!({
        "region_id": region_id,
        "full_name": format!("Государственное учреждение Тульской области «Одоевский дом-интернат для престарелых и инвалидов № {n}»"),
        "short_name": format!("ГУТО «Одоевский дом-интернат № {n}»"),
        "inn": inn,
        "ogrn": ogrn,
        "kpp": "712801001",
        "ownership": "state",
        "founder": "Министерство труда и социальной защиты Тульской области",
        "service_forms": ["stationary"],
        "address": "301440, Тульская область, п. Одоев, ул. Победы, д. 1",
    })
}

/// A 10-digit INN and a 13-digit OGRN with valid check digits, distinct for each `n`.
pub fn numbers(n: u64) -> (String, String) {
    use nok_api::domain::identifiers::{Inn, Ogrn};
    let inn = Inn::legal_entity_from_stem(712_800_000 + n);
    let ogrn = Ogrn::legal_entity_from_stem(102_712_800_000 + n);
    (inn.as_str().to_owned(), ogrn.as_str().to_owned())
}

/// Asserts a problem+json answer with `status`, and that `field` (if given) is named in
/// `errors`; returns the body.
pub async fn assert_problem(response: Response, status: u16, field: Option<&str>) -> Value {
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "status {}",
        response.status()
    );
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(actual, status, "{body}");
    assert_eq!(body["status"], status);
    for key in ["type", "title", "detail"] {
        assert!(body[key].is_string(), "{key} missing in {body}");
    }
    if let Some(field) = field {
        let named = body["errors"]
            .as_array()
            .is_some_and(|errors| errors.iter().any(|e| e["field"] == field));
        assert!(named, "field {field} not named in {body}");
    }
    body
}

pub fn etag_of(response: &Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_owned()
}
