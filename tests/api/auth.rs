//! Logging in, the tokens the service accepts and refuses, login throttling, and the regional
//! identity provider.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nok_api::auth::token::Claims;
use nok_api::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, spawn_app, spawn_app_with, spawn_instance_beside, test_config, TestApp,
    PASSWORD,
};

async fn login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.as_(None)
        .post_json(
            "/api/v1/auth/token",
            &json!({"username": username, "password": password}),
        )
        .await
}

#[tokio::test]
async fn a_login_returns_a_working_token() {
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    app.user_token("tula-authority", Role::Authority, Some(region), None);

    let response = login(&app, "Tula-Authority", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["role"], "authority");

    let token = body["access_token"].as_str().unwrap();
    let me: Value = app
        .as_(Some(token))
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "tula-authority");
    assert_eq!(me["role"], "authority");
    assert_eq!(me["region_id"], region);
}

#[tokio::test]
async fn wrong_credentials_get_one_indistinguishable_answer() {
    let app = spawn_app().await;
    let unknown = login(&app, "nobody-here", PASSWORD).await;
    let wrong = login(&app, "admin", "wrong password, quite long").await;
    assert_eq!(unknown.headers()["www-authenticate"], "Bearer");
    // Apart from the request's own id, the answers are the same.
    let without_id = |mut problem: Value| {
        problem.as_object_mut().unwrap().remove("request_id");
        problem
    };
    let unknown = without_id(assert_problem(unknown, 401, None).await);
    let wrong = without_id(assert_problem(wrong, 401, None).await);
    assert_eq!(unknown, wrong);
    // A deactivated user gets the same answer, even with the right password.
    let response = app
        .request(Method::GET, "/api/v1/users?role=admin")
        .send()
        .await
        .unwrap();
    let admin_id = response.json::<Value>().await.unwrap()["items"][0]["id"].clone();
    // Deactivated by another administrator (nobody may deactivate their own account).
    let other = app.user_token("another-admin", Role::Admin, None, None);
    app.as_(Some(&other))
        .request(
            Method::POST,
            &format!("/api/v1/users/{admin_id}/deactivate"),
        )
        .send()
        .await
        .unwrap();
    let deactivated =
        without_id(assert_problem(login(&app, "admin", PASSWORD).await, 401, None).await);
    assert_eq!(deactivated, wrong);
    assert_problem(login(&app, "", "").await, 401, None).await;
    let missing = app
        .as_(None)
        .post_json("/api/v1/auth/token", &json!({"username": "admin"}))
        .await;
    assert_problem(missing, 422, Some("password")).await;
}

fn sign_hs256(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn claims(app: &TestApp, user_id: i64) -> Value {
    let now = jsonwebtoken::get_current_timestamp();
    serde_json::to_value(Claims {
        iss: app.config.jwt_issuer.clone(),
        aud: app.config.jwt_audience.clone(),
        sub: user_id.to_string(),
        exp: now + 600,
        iat: now,
        nbf: now,
        name: "admin".into(),
        role: Role::Admin,
        region_id: None,
        organization_id: None,
    })
    .unwrap()
}

#[tokio::test]
async fn forged_stale_and_foreign_tokens_are_refused() {
    let app = spawn_app().await;
    let me: Value = app
        .as_(Some(&app.admin))
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    let admin_id = me["user_id"].as_i64().unwrap();
    let secret = secrecy::ExposeSecret::expose_secret(app.config.token_secret()).to_owned();
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let good = claims(&app, admin_id);
    let with = |key: &str, value: Value| {
        let mut c = good.clone();
        c[key] = value;
        c
    };
    let now = jsonwebtoken::get_current_timestamp();
    let rsa =
        EncodingKey::from_rsa_pem(include_bytes!("../fixtures/idp-test-private.pem")).unwrap();
    let public_pem = include_str!("../fixtures/idp-test-public.pem");

    let attacks: Vec<(&str, Option<String>)> = vec![
        ("garbage", Some("Bearer not-a-token".into())),
        ("basic scheme", Some("Basic YWRtaW46YWRtaW4=".into())),
        ("empty bearer", Some("Bearer ".into())),
        (
            "alg none",
            Some(format!(
                "Bearer {}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT"})),
                b64(&good)
            )),
        ),
        (
            "other secret",
            Some(format!(
                "Bearer {}",
                sign_hs256(&good, "another secret of at least thirty-two bytes")
            )),
        ),
        (
            "RS256 where HS256 is expected",
            Some(format!(
                "Bearer {}",
                jsonwebtoken::encode(&Header::new(Algorithm::RS256), &good, &rsa).unwrap()
            )),
        ),
        (
            "HS256 signed with the public key",
            Some(format!("Bearer {}", sign_hs256(&good, public_pem))),
        ),
        // Past NOK_TOKEN_LEEWAY_SECS (5 s by default; it was a fixed 30 s).
        (
            "expired",
            Some(format!(
                "Bearer {}",
                sign_hs256(&with("exp", json!(now - 10)), &secret)
            )),
        ),
        (
            "not yet valid",
            Some(format!(
                "Bearer {}",
                sign_hs256(&with("nbf", json!(now + 10)), &secret)
            )),
        ),
        (
            "wrong audience",
            Some(format!(
                "Bearer {}",
                sign_hs256(&with("aud", json!("someone-else")), &secret)
            )),
        ),
        (
            "wrong issuer",
            Some(format!(
                "Bearer {}",
                sign_hs256(&with("iss", json!("https://evil.example")), &secret)
            )),
        ),
        (
            "unknown user",
            Some(format!(
                "Bearer {}",
                sign_hs256(&with("sub", json!("987654")), &secret)
            )),
        ),
        (
            "no exp",
            Some(format!(
                "Bearer {}",
                sign_hs256(
                    &{
                        let mut c = good.clone();
                        c.as_object_mut().unwrap().remove("exp");
                        c
                    },
                    &secret
                )
            )),
        ),
        ("missing header", None),
    ];
    for (name, header) in attacks {
        let mut request = app.client.get(app.url("/api/v1/auth/me"));
        if let Some(header) = header {
            request = request.header("Authorization", header);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{name}");
        assert_problem(response, 401, None).await;
    }
    // A bad token is refused even where no token is needed.
    let response = app
        .client
        .get(app.url("/api/v1/regions"))
        .header("Authorization", "Bearer nonsense")
        .send()
        .await
        .unwrap();
    assert_problem(response, 401, None).await;
    // The genuine token still works.
    let response = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header(
            "Authorization",
            format!("Bearer {}", sign_hs256(&good, &secret)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_deactivated_users_tokens_stop_working_at_once() {
    let app = spawn_app().await;
    let token = app.user_token("auditor-1", Role::Auditor, None, None);
    let me: Value = app
        .as_(Some(&token))
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "auditor");
    let path = format!("/api/v1/users/{}/deactivate", me["user_id"]);
    let response = app.request(Method::POST, &path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_problem(
        app.as_(Some(&token)).get("/api/v1/auth/me").await,
        401,
        None,
    )
    .await;
    assert_problem(
        app.as_(Some(&token)).get("/api/v1/audit-events").await,
        401,
        None,
    )
    .await;
}

/// Found by schemathesis: an administrator who deactivated their own account locked out every
/// further request of theirs, and with a single administrator nobody could undo it.
#[tokio::test]
async fn an_administrator_cannot_deactivate_their_own_account() {
    let app = spawn_app().await;
    let me: Value = app
        .request(Method::GET, "/api/v1/auth/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");
    let path = format!("/api/v1/users/{}/deactivate", me["user_id"]);
    let response = app.request(Method::POST, &path).send().await.unwrap();
    assert_problem(response, 409, None).await;
    let still = app
        .request(Method::GET, "/api/v1/auth/me")
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), StatusCode::OK);
}

/// Two `Authorization` headers are refused on every route, whichever of them is valid: the
/// service does not pick one (issue 18.7).
#[tokio::test]
async fn two_authorization_headers_are_refused() {
    let app = spawn_app().await;
    let bearer = format!("Bearer {}", app.admin);
    for (path, headers) in [
        ("/api/v1/auth/me", [bearer.as_str(), "Bearer not-a-token"]),
        ("/api/v1/auth/me", ["Bearer not-a-token", bearer.as_str()]),
        ("/api/v1/auth/me", [bearer.as_str(), bearer.as_str()]),
        ("/api/v1/users", [bearer.as_str(), bearer.as_str()]),
        (
            "/api/v1/regions",
            [bearer.as_str(), "Basic YWRtaW46YWRtaW4="],
        ),
        ("/health", [bearer.as_str(), bearer.as_str()]),
    ] {
        let response = app
            .client
            .get(app.url(path))
            .header("Authorization", headers[0])
            .header("Authorization", headers[1])
            .send()
            .await
            .unwrap();
        assert_problem(response, 400, Some("Authorization")).await;
    }
    let one = app.as_(Some(&app.admin)).get("/api/v1/auth/me").await;
    assert_eq!(one.status(), StatusCode::OK);
}

/// A token expired longer ago than NOK_TOKEN_LEEWAY_SECS is 401; the setting is honoured.
#[tokio::test]
async fn expired_tokens_are_refused_past_the_configured_leeway() {
    let mut config = test_config();
    config.token_leeway_secs = 0;
    config.token_ttl_secs = 60;
    let strict = spawn_app_with(config.clone()).await;
    let me: Value = strict
        .as_(Some(&strict.admin))
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    let admin = nok_api::auth::Principal {
        user_id: me["user_id"].as_i64(),
        username: "admin".into(),
        role: Role::Admin,
        region_id: None,
        organization_id: None,
    };
    let now = jsonwebtoken::get_current_timestamp();
    // Expired 3 s ago.
    let expired = strict.token_for(&admin, me["user_id"].as_i64().unwrap(), now - 63);
    let response = strict.as_(Some(&expired)).get("/api/v1/auth/me").await;
    assert_problem(response, 401, None).await;
    config.token_leeway_secs = 30;
    let lenient = spawn_app_with(config).await;
    let user_id = lenient
        .as_(Some(&lenient.admin))
        .get("/api/v1/auth/me")
        .await
        .json::<Value>()
        .await
        .unwrap()["user_id"]
        .as_i64()
        .unwrap();
    let expired = lenient.token_for(&admin, user_id, now - 63);
    let response = lenient.as_(Some(&expired)).get("/api/v1/auth/me").await;
    assert_eq!(response.status(), StatusCode::OK, "within a 30 s leeway");
}

#[tokio::test]
async fn logins_are_throttled_per_username_and_per_address() {
    let mut config = test_config();
    config.login_limit_per_username = 3;
    config.login_limit_per_address = 5;
    let app = spawn_app_with(config).await;
    for _ in 0..3 {
        assert_problem(
            login(&app, "admin", "wrong password, quite long").await,
            401,
            None,
        )
        .await;
    }
    let limited = login(&app, "admin", PASSWORD).await;
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_problem(limited, 429, None).await;
    // Every attempt counts against the address, the throttled one too: one more username may
    // try, then the address is throttled for all.
    assert_problem(
        login(&app, "someone", "wrong password, quite long").await,
        401,
        None,
    )
    .await;
    assert_problem(login(&app, "someone-else", PASSWORD).await, 429, None).await;
}

/// Two instances on one database count the same attempts (issue 20.5): attempts split across
/// them reach the limits as if sent to one.
#[tokio::test]
async fn two_instances_count_login_attempts_together() {
    let mut config = test_config();
    config.login_limit_per_username = 3;
    config.login_limit_per_address = 5;
    let first = spawn_app_with(config.clone()).await;
    let second = spawn_instance_beside(&first, config).await;
    let wrong = "wrong password, quite long";
    for app in [&first, &second, &first] {
        assert_problem(login(app, "admin", wrong).await, 401, None).await;
    }
    assert_problem(login(&second, "admin", PASSWORD).await, 429, None).await;
    assert_problem(login(&first, "admin", PASSWORD).await, 429, None).await;
    // Five attempts from 127.0.0.1 so far: the address is spent on both instances.
    assert_problem(login(&second, "someone", PASSWORD).await, 429, None).await;
}

/// The per-address limit reads `X-Forwarded-For` only from a trusted proxy, as the rightmost
/// hop that is not one; from anyone else the header is ignored (issue 20.5).
#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let wrong = "wrong password, quite long";
    let from = |app: &TestApp, forwarded_for: &str, username: &str| {
        app.client
            .post(app.url("/api/v1/auth/token"))
            .header("X-Forwarded-For", forwarded_for)
            .json(&json!({"username": username, "password": wrong}))
            .send()
    };
    let mut config = test_config();
    config.login_limit_per_address = 2;
    // Untrusted peer (the default): every client-chosen header is the same address, 127.0.0.1.
    let direct = spawn_app_with(config.clone()).await;
    for (n, hop) in ["198.51.100.1", "198.51.100.2"].iter().enumerate() {
        let response = from(&direct, hop, &format!("user{n}")).await.unwrap();
        assert_problem(response, 401, None).await;
    }
    let response = from(&direct, "198.51.100.3", "user3").await.unwrap();
    assert_problem(response, 429, None).await;

    // Behind a trusted proxy (the test's 127.0.0.1 plays it): each client is counted on its own,
    // and a hop the client forged to the left of the proxy's changes nothing.
    config.trusted_proxies = nok_api::config::parse_networks("127.0.0.1, 10.0.0.0/8").unwrap();
    let proxied = spawn_app_with(config).await;
    for (n, chain) in ["6.6.6.1, 198.51.100.7", "6.6.6.2, 198.51.100.7, 10.0.0.5"]
        .iter()
        .enumerate()
    {
        let response = from(&proxied, chain, &format!("user{n}")).await.unwrap();
        assert_problem(response, 401, None).await;
    }
    let response = from(&proxied, "6.6.6.3, 198.51.100.7", "user3")
        .await
        .unwrap();
    assert_problem(response, 429, None).await;
    let response = from(&proxied, "198.51.100.8", "user4").await.unwrap();
    assert_problem(response, 401, None).await;
}

#[tokio::test]
async fn tokens_of_the_regional_identity_provider_map_to_roles() {
    let keys =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/idp-test-public.pem");
    let mut config = test_config();
    config.idp_keys = Some(keys);
    config.idp_issuer = Some("https://idp.tularegion.example".into());
    config.idp_audience = Some("nok-api".into());
    config.idp_role_map = "soc-authority=authority, soc-audit=auditor".into();
    let app = spawn_app_with(config).await;
    let region = app.region("71", "Тульская область").await;
    let key =
        EncodingKey::from_rsa_pem(include_bytes!("../fixtures/idp-test-private.pem")).unwrap();
    let now = jsonwebtoken::get_current_timestamp();
    let token = |role: &str, iss: &str| {
        let claims = json!({"sub": "ivanova@tularegion", "iss": iss, "aud": "nok-api", "exp": now + 600,
            "nbf": now, "iat": now, "role": role, "region_code": "71"});
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap()
    };
    let me: Value = app
        .as_(Some(&token(
            "soc-authority",
            "https://idp.tularegion.example",
        )))
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "authority");
    assert_eq!(me["region_id"], region);
    assert_eq!(me["user_id"], Value::Null);
    assert_eq!(me["username"], "ivanova@tularegion");

    let unmapped = app
        .as_(Some(&token("janitor", "https://idp.tularegion.example")))
        .get("/api/v1/auth/me")
        .await;
    assert_problem(unmapped, 401, None).await;
    let foreign = app
        .as_(Some(&token("soc-authority", "https://idp.evil.example")))
        .get("/api/v1/auth/me")
        .await;
    assert_problem(foreign, 401, None).await;
}

#[tokio::test]
async fn users_are_managed_by_administrators_and_never_show_a_hash() {
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    let body = json!({"username": "tula-council", "password": "council password 2026", "role": "council", "region_id": region});
    let response = app.post_json("/api/v1/users", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let text = response.text().await.unwrap();
    assert!(
        !text.contains("argon2") && !text.contains("password"),
        "{text}"
    );
    let user: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(user["role"], "council");

    assert_problem(app.post_json("/api/v1/users", &body).await, 409, None).await;
    for (change, field) in [
        (json!({"username": "Tula Council"}), "username"),
        (json!({"password": "short"}), "password"),
        (json!({"region_id": null}), "region_id"),
        (json!({"role": "organization"}), "organization_id"),
        (json!({"role": "auditor"}), "region_id"),
        (
            json!({"region_id": 999999, "username": "other-council"}),
            "region_id",
        ),
        (json!({"role": "king"}), "role"),
        (json!({"password_hash": "$argon2id$..."}), "password_hash"),
    ] {
        let mut attempt = body.clone();
        for (k, v) in change.as_object().unwrap() {
            attempt[k] = v.clone();
        }
        assert_problem(
            app.post_json("/api/v1/users", &attempt).await,
            422,
            Some(field),
        )
        .await;
    }

    let list: Value = app
        .as_(Some(&app.admin))
        .get("/api/v1/users?role=council")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains("argon2"));

    let path = format!("/api/v1/users/{}", user["id"]);
    let read = app.as_(Some(&app.admin)).get(&path).await;
    assert_eq!(read.status(), StatusCode::OK);
    let response = app
        .request(Method::POST, &format!("{path}/password"))
        .json(&json!({"password": "a new council password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_problem(
        login(&app, "tula-council", "council password 2026").await,
        401,
        None,
    )
    .await;
    // A token issued before the reset no longer works.
    let principal = nok_api::auth::Principal {
        user_id: user["id"].as_i64(),
        username: "tula-council".into(),
        role: Role::Council,
        region_id: Some(region),
        organization_id: None,
    };
    let issued = jsonwebtoken::get_current_timestamp() - 5;
    let old = app.token_for(&principal, user["id"].as_i64().unwrap(), issued);
    assert_problem(app.as_(Some(&old)).get("/api/v1/auth/me").await, 401, None).await;
    assert_eq!(
        login(&app, "tula-council", "a new council password")
            .await
            .status(),
        StatusCode::OK
    );
    let short = app
        .request(Method::POST, &format!("{path}/password"))
        .json(&json!({"password": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(short, 422, Some("password")).await;
    assert_problem(
        app.as_(Some(&app.admin)).get("/api/v1/users/424242").await,
        404,
        None,
    )
    .await;
}

/// Tokens resolve from memory once their user was read (`PrincipalCache`): a password change
/// must still refuse the older tokens at the next request, even after they were used.
#[tokio::test]
async fn a_password_change_refuses_older_tokens_already_in_use() {
    let app = spawn_app().await;
    let token = app.user_token("auditor-1", Role::Auditor, None, None);
    let me: Value = app
        .as_(Some(&token))
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    let user_id = me["user_id"].as_i64().unwrap();
    let principal = nok_api::auth::Principal {
        user_id: Some(user_id),
        username: "auditor-1".into(),
        role: Role::Auditor,
        region_id: None,
        organization_id: None,
    };
    let old = app.token_for(
        &principal,
        user_id,
        jsonwebtoken::get_current_timestamp() - 5,
    );
    for token in [&token, &old] {
        let response = app.as_(Some(token)).get("/api/v1/auth/me").await;
        assert_eq!(response.status(), StatusCode::OK, "used once: kept");
    }
    let response = app
        .request(Method::POST, &format!("/api/v1/users/{user_id}/password"))
        .json(&json!({"password": "a new auditor password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_problem(app.as_(Some(&old)).get("/api/v1/auth/me").await, 401, None).await;
}

/// A deactivation on one instance reaches the tokens another instance has resolved and kept,
/// once its poller reads the data versions (`NOK_FRESHNESS_MS`): a bounded wait, no assertion
/// on its speed.
#[tokio::test]
async fn a_deactivation_on_one_instance_refuses_the_token_on_another() {
    let first = spawn_app().await;
    let second = spawn_instance_beside(&first, test_config()).await;
    let token = first.user_token("auditor-1", Role::Auditor, None, None);
    let me: Value = second
        .as_(Some(&token))
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "auditor");
    for _ in 0..3 {
        let response = second.as_(Some(&token)).get("/api/v1/auth/me").await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let path = format!("/api/v1/users/{}/deactivate", me["user_id"]);
    let response = first.request(Method::POST, &path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_problem(
        first.as_(Some(&token)).get("/api/v1/auth/me").await,
        401,
        None,
    )
    .await;
    let mut status = StatusCode::OK;
    for _ in 0..100 {
        status = second
            .as_(Some(&token))
            .get("/api/v1/auth/me")
            .await
            .status();
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
