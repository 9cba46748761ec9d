//! `spawn_app`: the whole service over HTTP on a fresh database of its own — a temporary SQLite
//! file, or a fresh PostgreSQL schema when `TEST_DATABASE_URL` is set — so tests run in parallel.

use std::net::TcpListener;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use nok_api::auth::token::TokenSettings;
use nok_api::auth::{Principal, Role};
use nok_api::config::Config;
use nok_api::db::audit::Actor;
use nok_api::db::users::{self, NewUser};
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
    pub config: Config,
    /// Token of an administrator created with the app; the request helpers send it.
    pub admin: String,
    /// Stops the server, as SIGTERM would with `stop(true)`.
    pub server: actix_web::dev::ServerHandle,
    /// The database this app made and drops at the end; `None` for a second instance on it.
    _database: Option<TestDatabase>,
}

pub fn test_config() -> Config {
    Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        workers: 2,
        pool_size: 8,
        // Webhook tests receive on 127.0.0.1.
        webhook_internal_targets: true,
        metrics_token: Some(METRICS_TOKEN.into()),
        ..Config::for_tests()
    }
}

/// NOK_METRICS_TOKEN of the test apps: what the Prometheus scraper sends.
pub const METRICS_TOKEN: &str = "test metrics token";

/// Password of every user the tests create; hashed once per test binary.
pub const PASSWORD: &str = "correct horse battery staple";

fn password_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| nok_api::auth::password::hash(PASSWORD).unwrap())
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_config()).await
}

pub async fn spawn_app_with(mut config: Config) -> TestApp {
    let database = TestDatabase::new();
    config.database_url = database.url.clone().into();
    let db = Db::connect(
        &config.database_url,
        config.pool_size,
        Duration::from_secs(5),
    )
    .expect("test database");
    serve(config, db, Some(database))
}

/// Another instance of `app`'s service on the same database, with `config` (its
/// `database_url` is taken from `app`), as a second instance behind a load balancer would be.
/// Its `admin` token is `app`'s, which it accepts (the same secret).
pub async fn spawn_instance_beside(app: &TestApp, mut config: Config) -> TestApp {
    config.database_url = app.config.database_url.clone();
    let db = Db::connect(
        &config.database_url,
        config.pool_size,
        Duration::from_secs(5),
    )
    .expect("test database");
    let mut instance = serve(config, db, None);
    instance.admin = app.admin.clone();
    instance
}

/// The app over a database that cannot be reached.
pub async fn spawn_app_without_database() -> TestApp {
    let mut config = test_config();
    config.database_url = "postgres://nobody@127.0.0.1:1/none".into();
    let db = Db::lazy(&config.database_url, 2, Duration::from_millis(500));
    serve(config, db, Some(TestDatabase::new()))
}

fn serve(config: Config, db: Db, database: Option<TestDatabase>) -> TestApp {
    let listener = TcpListener::bind(config.bind).expect("bind a free port");
    let app = Application::with_listener(&config, db.clone(), listener).expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let server = app.handle();
    tokio::spawn(app.run_until_stopped());
    let mut app = TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        db,
        config,
        admin: String::new(),
        server,
        _database: database,
    };
    if app.config.database_url.starts_with("postgres://nobody") || app._database.is_none() {
        return app;
    }
    app.admin = app.user_token("admin", Role::Admin, None, None);
    app
}

impl TestApp {
    /// Creates a user straight in the database and returns a token for it.
    pub fn user_token(
        &self,
        username: &str,
        role: Role,
        region_id: Option<i64>,
        organization_id: Option<i64>,
    ) -> String {
        let mut conn = self.db.blocking().unwrap();
        let actor = Actor {
            user_id: None,
            username: None,
            role: None,
            request_id: "test".into(),
        };
        let new = NewUser {
            username,
            password_hash: password_hash(),
            role,
            region_id,
            organization_id,
        };
        // A writer's transaction (BEGIN IMMEDIATE on SQLite), as the app's: a deferred one would
        // fail at once, not wait, when the app's webhook worker writes at the same moment.
        let row =
            nok_api::db::write_transaction(&mut conn, |conn| users::register(conn, &actor, &new))
                .unwrap();
        self.token_for(
            &row.principal().unwrap(),
            row.id,
            jsonwebtoken::get_current_timestamp(),
        )
    }

    /// A token as the service would issue it at `now`.
    pub fn token_for(&self, principal: &Principal, user_id: i64, now: u64) -> String {
        TokenSettings::from_config(&self.config)
            .unwrap()
            .issue(principal, user_id, now)
            .unwrap()
    }

    /// Requests with `token`, or anonymous ones with `None`.
    pub fn as_(&self, token: Option<&str>) -> Client<'_> {
        Client {
            app: self,
            token: token.map(str::to_owned),
        }
    }

    fn admin_client(&self) -> Client<'_> {
        self.as_(Some(&self.admin))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// An anonymous GET.
    pub async fn get(&self, path: &str) -> Response {
        self.as_(None).get(path).await
    }

    /// `GET /metrics` as the scraper, with NOK_METRICS_TOKEN.
    pub async fn scrape_metrics(&self) -> Response {
        self.as_(Some(METRICS_TOKEN)).get("/metrics").await
    }

    /// A request as the administrator.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.admin_client().request(method, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.admin_client().post_json(path, body).await
    }

    pub async fn patch_json(&self, path: &str, etag: Option<&str>, body: &Value) -> Response {
        self.admin_client().patch_json(path, etag, body).await
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

pub struct Client<'a> {
    app: &'a TestApp,
    token: Option<String>,
}

impl Client<'_> {
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.app.client.request(method, self.app.url(path));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch_json(&self, path: &str, etag: Option<&str>, body: &Value) -> Response {
        let mut request = self.request(Method::PATCH, path).json(body);
        if let Some(etag) = etag {
            request = request.header("If-Match", etag);
        }
        request.send().await.unwrap()
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

/// What a webhook receiver of the tests reads from one connection: the request's headers
/// (names lower-cased) and body; the stream is handed back for the answer.
pub fn read_request(
    stream: std::net::TcpStream,
) -> (Vec<(String, String)>, String, std::net::TcpStream) {
    use std::io::{BufRead, BufReader, Read};
    let mut reader = BufReader::new(stream);
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.trim_end().split_once(": ") {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            }
            headers.push((name.to_ascii_lowercase(), value.to_owned()));
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let body = String::from_utf8_lossy(&body).into_owned();
    (headers, body, reader.into_inner())
}
