//! What portal teams and auditors reach for (issue 19): the OAuth2 password grant that Swagger
//! UI's Authorize sends, regions and organizations by the codes people know, `Link` and totals
//! on lists, sorts, the audit log's closed lists and region filter, and Redoc.

use nok_api::auth::Role;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, numbers, organization_body, spawn_app, spawn_app_with, test_config, TestApp,
    PASSWORD,
};

async fn form_login(app: &TestApp, form: &[(&str, &str)]) -> Response {
    app.as_(None)
        .request(Method::POST, "/api/v1/auth/token")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// An RFC 6749 §5.2 refusal: `status`, plain JSON, `error` as expected, never cached.
async fn assert_oauth_error(response: Response, status: u16, error: &str) -> Value {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    body
}

#[tokio::test]
async fn the_password_grant_issues_a_token_that_works() {
    let app = spawn_app().await;
    let response = form_login(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "Admin"),
            ("password", PASSWORD),
            ("scope", ""),
            ("client_id", "swagger-ui"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let issued: Value = response.json().await.unwrap();
    assert_eq!(issued["token_type"], "Bearer");
    assert!(issued["expires_in"].as_u64().unwrap() > 0);
    let me = app
        .as_(issued["access_token"].as_str())
        .get("/api/v1/auth/me")
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.json::<Value>().await.unwrap()["username"], "admin");
}

#[tokio::test]
async fn the_password_grant_refuses_in_the_oauth2_shape() {
    let app = spawn_app().await;
    let wrong = [
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "not the password at all"),
    ];
    assert_oauth_error(form_login(&app, &wrong).await, 400, "invalid_grant").await;
    let unknown = [
        ("grant_type", "password"),
        ("username", "nobody"),
        ("password", PASSWORD),
    ];
    let a = assert_oauth_error(form_login(&app, &unknown).await, 400, "invalid_grant").await;
    let b = assert_oauth_error(form_login(&app, &wrong).await, 400, "invalid_grant").await;
    assert_eq!(a, b, "an unknown user and a wrong password look alike");
    let client_credentials = [("grant_type", "client_credentials"), ("username", "admin")];
    assert_oauth_error(
        form_login(&app, &client_credentials).await,
        400,
        "unsupported_grant_type",
    )
    .await;
    for form in [
        &[("username", "admin"), ("password", PASSWORD)][..],
        &[("grant_type", "password"), ("password", PASSWORD)][..],
        &[("grant_type", "password"), ("username", "admin")][..],
        &[
            ("grant_type", "password"),
            ("username", "admin"),
            ("username", "other"),
            ("password", PASSWORD),
        ][..],
    ] {
        assert_oauth_error(form_login(&app, form).await, 400, "invalid_request").await;
    }
    // Neither JSON nor a form: 415 as before, a problem.
    let text = app
        .as_(None)
        .request(Method::POST, "/api/v1/auth/token")
        .header("Content-Type", "text/plain")
        .body("grant_type=password")
        .send()
        .await
        .unwrap();
    assert_problem(text, 415, None).await;
    // The JSON login still answers problems.
    let json_login = app
        .as_(None)
        .post_json(
            "/api/v1/auth/token",
            &json!({"username": "admin", "password": "not the password at all"}),
        )
        .await;
    assert_problem(json_login, 401, None).await;
}

#[tokio::test]
async fn the_password_grant_is_throttled_like_the_json_login() {
    let mut config = test_config();
    config.login_limit_per_username = 2;
    config.login_limit_per_address = 10;
    let app = spawn_app_with(config).await;
    let wrong = [
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "not the password at all"),
    ];
    for _ in 0..2 {
        assert_oauth_error(form_login(&app, &wrong).await, 400, "invalid_grant").await;
    }
    let right = [
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", PASSWORD),
    ];
    let limited = form_login(&app, &right).await;
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_oauth_error(limited, 429, "invalid_request").await;
    // The JSON login counts the same attempts.
    let json_login = app
        .as_(None)
        .post_json(
            "/api/v1/auth/token",
            &json!({"username": "admin", "password": PASSWORD}),
        )
        .await;
    assert_problem(json_login, 429, None).await;
}

#[tokio::test]
async fn a_region_is_found_by_its_code() {
    let app = spawn_app().await;
    app.region("66", "Свердловская область").await;
    let tula = app.region("71", "Тульская область").await;
    let by_code = app.as_(None).get("/api/v1/regions/by-code/71").await;
    assert_eq!(by_code.status(), StatusCode::OK);
    let etag = by_code.headers()["etag"].to_str().unwrap().to_owned();
    let by_code: Value = by_code.json().await.unwrap();
    let by_id: Value = app
        .as_(None)
        .get(&format!("/api/v1/regions/{tula}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_code, by_id);
    let head = app
        .as_(None)
        .request(Method::HEAD, "/api/v1/regions/by-code/71")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["etag"].to_str().unwrap(), etag);
    assert_problem(
        app.as_(None).get("/api/v1/regions/by-code/33").await,
        404,
        None,
    )
    .await;
    for bad in ["7", "711", "7a", "00"] {
        let path = format!("/api/v1/regions/by-code/{bad}");
        assert_problem(app.as_(None).get(&path).await, 400, Some("code")).await;
    }
}

async fn items(response: Response) -> Vec<Value> {
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Value>().await.unwrap()["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn organizations_are_found_by_region_code_inn_and_ogrn() {
    let app = spawn_app().await;
    let other = app.region("66", "Свердловская область").await;
    let tula = app.region("71", "Тульская область").await;
    let ours = app.organization(&organization_body(tula, 1)).await;
    app.organization(&organization_body(other, 2)).await;
    let get = |query: String| {
        let app = &app;
        async move {
            items(
                app.as_(None)
                    .get(&format!("/api/v1/organizations?{query}"))
                    .await,
            )
            .await
        }
    };
    let found = get("region_code=71".into()).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], ours["id"]);
    // The complaint: the code given as an id finds no region of that id.
    assert!(get("region_id=71".into()).await.is_empty());
    let (inn, ogrn) = numbers(1);
    assert_eq!(get(format!("inn={inn}")).await[0]["id"], ours["id"]);
    assert_eq!(get(format!("ogrn={ogrn}")).await[0]["id"], ours["id"]);
    assert_eq!(get(format!("q={inn}")).await[0]["id"], ours["id"]);
    assert_eq!(get(format!("q={}", &inn[..6])).await.len(), 2);
    assert!(get(format!("inn={inn}&region_code=66")).await.is_empty());
    let (other_inn, _) = numbers(3);
    assert!(get(format!("inn={other_inn}")).await.is_empty());

    let mut wrong_digit = inn.clone().into_bytes();
    wrong_digit[9] = if wrong_digit[9] == b'0' { b'1' } else { b'0' };
    let wrong_digit = String::from_utf8(wrong_digit).unwrap();
    // An INN of the right form with a wrong check digit is nobody's: an empty list, not a 400
    // (its form is all the document can say of it).
    assert!(get(format!("inn={wrong_digit}")).await.is_empty());
    for (query, field) in [
        ("region_code=7".to_owned(), "region_code"),
        ("region_code=00".to_owned(), "region_code"),
        ("inn=71".to_owned(), "inn"),
        (format!("ogrn={inn}"), "ogrn"),
        ("sort=size".to_owned(), "sort"),
        ("total=yes".to_owned(), "total"),
    ] {
        let path = format!("/api/v1/organizations?{query}");
        assert_problem(app.as_(None).get(&path).await, 400, Some(field)).await;
    }
    for list in ["cycles", "plans"] {
        let path = format!("/api/v1/{list}?region_code=7x");
        assert_problem(
            app.as_(Some(&app.admin)).get(&path).await,
            400,
            Some("region_code"),
        )
        .await;
        let path = format!("/api/v1/{list}?region_code=71");
        assert!(items(app.as_(Some(&app.admin)).get(&path).await)
            .await
            .is_empty());
    }
}

/// Follows `Link: <…>; rel="next"` from `path` to the last page; the pages' items.
async fn follow_links(app: &TestApp, path: &str) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut next = Some(path.to_owned());
    while let Some(path) = next.take() {
        let response = app.as_(Some(&app.admin)).get(&path).await;
        assert_eq!(response.status(), StatusCode::OK);
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_owned());
        let body: Value = response.json().await.unwrap();
        match (&link, body["next_cursor"].as_str()) {
            (Some(link), Some(cursor)) => {
                let target = link
                    .strip_prefix('<')
                    .and_then(|l| l.strip_suffix(">; rel=\"next\""))
                    .unwrap_or_else(|| panic!("not a next link: {link}"));
                assert!(target.ends_with(&format!("cursor={cursor}")), "{target}");
                next = Some(target.to_owned());
            }
            (None, None) => {}
            other => panic!("Link and next_cursor disagree: {other:?}"),
        }
        pages.push(body["items"].as_array().unwrap().clone());
        assert!(pages.len() < 20);
    }
    pages
}

#[tokio::test]
async fn lists_link_to_their_next_page_and_count_on_request() {
    let app = spawn_app().await;
    let tula = app.region("71", "Тульская область").await;
    for n in 1..=5 {
        app.organization(&organization_body(tula, n)).await;
    }
    let pages = follow_links(&app, "/api/v1/organizations?limit=2&region_code=71").await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    let regions = follow_links(&app, "/api/v1/regions?limit=1").await;
    assert_eq!(regions.len(), 1);
    let audit = follow_links(
        &app,
        "/api/v1/audit-events?limit=2&resource_type=organization",
    )
    .await;
    assert_eq!(audit.concat().len(), 5);

    // The total, in the body and the header; the cached page keeps both, and its ETag differs
    // from the page without the total.
    for _ in 0..2 {
        let counted = app
            .as_(Some(&app.admin))
            .get("/api/v1/organizations?limit=2&total=true")
            .await;
        assert_eq!(counted.status(), StatusCode::OK);
        assert_eq!(counted.headers()["x-total-count"], "5");
        assert!(counted.headers()["link"]
            .to_str()
            .unwrap()
            .contains("total=true"));
        let body: Value = counted.json().await.unwrap();
        assert_eq!(body["total"], 5);
    }
    let plain = app
        .as_(Some(&app.admin))
        .get("/api/v1/organizations?limit=2")
        .await;
    assert!(plain.headers().get("x-total-count").is_none());
    let plain_tag = plain.headers()["etag"].to_str().unwrap().to_owned();
    assert!(plain.json::<Value>().await.unwrap().get("total").is_none());
    let counted = app
        .as_(Some(&app.admin))
        .get("/api/v1/organizations?limit=2&total=true")
        .await;
    assert_ne!(counted.headers()["etag"].to_str().unwrap(), plain_tag);
    let regions: Value = app
        .as_(Some(&app.admin))
        .get("/api/v1/regions?total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(regions["total"], 1);
    assert_problem(
        app.as_(Some(&app.admin))
            .get("/api/v1/regions?total=1")
            .await,
        400,
        Some("total"),
    )
    .await;
}

#[tokio::test]
async fn organizations_sort_by_name_and_update_time_across_pages() {
    let app = spawn_app().await;
    let tula = app.region("71", "Тульская область").await;
    let mut ids = Vec::new();
    for (n, name) in [
        (1, "Ясная поляна"),
        (2, "алексинский центр"),
        (3, "Ёлочка"),
        (4, "Богородицкий дом"),
    ] {
        let mut body = organization_body(tula, n);
        body["full_name"] = json!(format!("{name} № {n}"));
        ids.push(app.organization(&body).await["id"].as_i64().unwrap());
    }
    let ids_of = |pages: Vec<Vec<Value>>| -> Vec<i64> {
        pages
            .concat()
            .iter()
            .map(|o| o["id"].as_i64().unwrap())
            .collect()
    };
    // Case and ё folded: алексинский, богородицкий, ёлочка (= елочка), ясная.
    let by_name = ids_of(follow_links(&app, "/api/v1/organizations?sort=name&limit=3").await);
    assert_eq!(by_name, [ids[1], ids[3], ids[2], ids[0]]);
    let by_name_desc = ids_of(follow_links(&app, "/api/v1/organizations?sort=-name&limit=1").await);
    assert_eq!(by_name_desc, [ids[0], ids[2], ids[3], ids[1]]);
    // The latest change first.
    let path = format!("/api/v1/organizations/{}", ids[1]);
    let current = app.as_(Some(&app.admin)).get(&path).await;
    let etag = current.headers()["etag"].to_str().unwrap().to_owned();
    let changed = app
        .patch_json(
            &path,
            Some(&etag),
            &json!({"address": "301440, Тульская область, п. Одоев, ул. Победы, д. 2"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let latest = ids_of(follow_links(&app, "/api/v1/organizations?sort=-updated_at&limit=2").await);
    assert_eq!(latest.len(), 4);
    assert_eq!(latest[0], ids[1]);
    let oldest = ids_of(follow_links(&app, "/api/v1/organizations?sort=updated_at&limit=2").await);
    assert_eq!(oldest.last(), Some(&ids[1]));
}

#[tokio::test]
async fn the_audit_log_has_closed_lists_a_region_filter_and_newest_first() {
    let app = spawn_app().await;
    let other = app.region("66", "Свердловская область").await;
    let tula = app.region("71", "Тульская область").await;
    let ours = app.organization(&organization_body(tula, 1)).await;
    app.organization(&organization_body(other, 2)).await;
    let get = |query: &'static str| {
        let app = &app;
        async move {
            items(
                app.as_(Some(&app.admin))
                    .get(&format!("/api/v1/audit-events?{query}"))
                    .await,
            )
            .await
        }
    };
    let created = get("action=organization.created").await;
    assert_eq!(created.len(), 2);
    let tula_events = get("region_code=71").await;
    assert_eq!(
        tula_events
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["region.created", "organization.created"]
    );
    assert!(tula_events.iter().all(|e| e["region_id"] == tula));
    assert_eq!(tula_events[1]["resource_id"], ours["id"].to_string());
    let by_id = items(
        app.as_(Some(&app.admin))
            .get(&format!("/api/v1/audit-events?region_id={tula}"))
            .await,
    )
    .await;
    assert_eq!(by_id, tula_events);
    // Newest first, page by page.
    let all = get("limit=500").await;
    let mut newest: Vec<i64> = all.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    newest.reverse();
    let pages = follow_links(&app, "/api/v1/audit-events?sort=-at&limit=2").await;
    let paged: Vec<i64> = pages
        .concat()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(paged, newest);
    let counted: Value = app
        .as_(Some(&app.admin))
        .get("/api/v1/audit-events?resource_type=region&total=true&limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counted["total"], 2, "{counted}");
    for (query, field) in [
        ("action=nonsense.x", "action"),
        ("action=organization.create", "action"),
        ("resource_type=nonsense", "resource_type"),
        ("region_code=7", "region_code"),
        ("region_id=x", "region_id"),
        ("sort=at-", "sort"),
        ("total=sometimes", "total"),
    ] {
        let path = format!("/api/v1/audit-events?{query}");
        assert_problem(app.as_(Some(&app.admin)).get(&path).await, 400, Some(field)).await;
    }
}

#[tokio::test]
async fn redoc_is_served_from_the_binary() {
    let app = spawn_app().await;
    let page = app.as_(None).get("/redoc").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("spec-url=\"/api-docs/openapi.json\""));
    assert!(html.contains("src=\"/redoc/redoc.standalone.js\""));
    assert!(
        !html.contains("https://"),
        "the page refers to no other host"
    );
    let head = app
        .as_(None)
        .request(Method::HEAD, "/redoc")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    let script = app.as_(None).get("/redoc/redoc.standalone.js").await;
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.bytes().await.unwrap().len() > 500_000);
}

/// The total of `path` (which asks `total=true`) as `token` sees it, with the number of items
/// on all its pages; body and header agree.
async fn counted(app: &TestApp, token: Option<&str>, path: &str) -> (i64, usize) {
    let mut items = 0;
    let mut total = None;
    let mut next = Some(path.to_owned());
    while let Some(page) = next.take() {
        let response = app.as_(token).get(&page).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        let header: i64 = response.headers()["x-total-count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["total"], header, "{path}");
        assert_eq!(*total.get_or_insert(header), header, "{path}");
        items += body["items"].as_array().unwrap().len();
        next = body["next_cursor"]
            .as_str()
            .map(|cursor| format!("{path}&cursor={cursor}"));
        assert!(items < 1000);
    }
    (total.unwrap(), items)
}

#[tokio::test]
async fn every_paged_list_counts_what_its_caller_sees_on_request() {
    let app = spawn_app().await;
    let w = crate::cycles::collecting_cycle(&app).await;
    let away = app.region("66", "Свердловская область").await;
    let away_authority = app.user_token("ural-authority", Role::Authority, Some(away), None);
    let auditor = app.user_token("auditor", Role::Auditor, None, None);
    let admin = Some(app.admin.as_str());
    let cycle = w.cycle;
    let region = w.region;
    // Every list, paged by one so that the total spans pages: the total is what all pages hold.
    for path in [
        "/api/v1/users?limit=1&total=true".to_owned(),
        "/api/v1/users?limit=1&total=true&role=authority".to_owned(),
        "/api/v1/cycles?limit=1&total=true".to_owned(),
        format!("/api/v1/cycles/{cycle}/evaluations?limit=1&total=true"),
        format!("/api/v1/cycles/{cycle}/proposals?limit=1&total=true"),
        format!("/api/v1/regions/{region}/operators?limit=1&total=true"),
        format!("/api/v1/regions/{region}/council-meetings?limit=1&total=true"),
        "/api/v1/webhooks?limit=1&total=true".to_owned(),
    ] {
        let (total, items) = counted(&app, admin, &path).await;
        assert_eq!(total as usize, items, "{path}");
    }
    assert_eq!(counted(&app, admin, "/api/v1/users?total=true").await.0, 5);
    assert_eq!(
        counted(&app, admin, "/api/v1/users?total=true&role=authority")
            .await
            .0,
        2
    );
    // Filters and visibility: the collecting cycle is the Tula authority's and the
    // auditor's, nobody else's, and none is of 2019.
    for (token, expected) in [
        (None, 0),
        (Some(away_authority.as_str()), 0),
        (Some(w.authority.as_str()), 1),
        (Some(auditor.as_str()), 1),
    ] {
        assert_eq!(
            counted(&app, token, "/api/v1/cycles?total=true").await,
            (expected, expected as usize)
        );
    }
    assert_eq!(
        counted(&app, admin, "/api/v1/cycles?total=true&year=2019").await,
        (0, 0)
    );
    assert_problem(
        app.as_(admin)
            .get(&format!("/api/v1/cycles/{cycle}/proposals?total=yes"))
            .await,
        400,
        Some("total"),
    )
    .await;
}

/// POSTs with no body as `token`; the status must be 200.
async fn acted(app: &TestApp, token: &str, path: &str) {
    let response = app
        .as_(Some(token))
        .request(Method::POST, path)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
}

#[tokio::test]
async fn plans_follow_up_and_organizing_plans_count_what_their_caller_sees_on_request() {
    let app = spawn_app().await;
    let s = crate::plans::scene(&app).await;
    let second = app.organization(&organization_body(s.region, 2)).await["id"]
        .as_i64()
        .unwrap();
    let away = app.region("66", "Свердловская область").await;
    let away_authority = app.user_token("ural-authority", Role::Authority, Some(away), None);
    let organization = Some(s.organization.as_str());
    let authority = Some(s.authority.as_str());

    // Plans: the organization's draft, its published plan, and the authority's draft for the
    // second institution.
    let mut ids = Vec::new();
    for (token, org) in [
        (organization, s.org),
        (organization, s.org),
        (authority, second),
    ] {
        let created = app
            .as_(token)
            .post_json("/api/v1/plans", &crate::plans::new_plan(org))
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        ids.push(
            created.json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let published = format!("/api/v1/plans/{}", ids[1]);
    acted(&app, &s.organization, &format!("{published}/submit")).await;
    acted(&app, &s.authority, &format!("{published}/approve")).await;
    acted(&app, &s.authority, &format!("{published}/publish")).await;
    for (token, expected) in [
        (None, 1),
        (Some(away_authority.as_str()), 1),
        (organization, 2),
        (authority, 3),
    ] {
        assert_eq!(
            counted(&app, token, "/api/v1/plans?limit=1&total=true").await,
            (expected, expected as usize)
        );
    }
    assert_eq!(
        counted(
            &app,
            authority,
            &format!("/api/v1/plans?limit=1&total=true&organization_id={second}")
        )
        .await,
        (1, 1)
    );
    assert_problem(app.get("/api/v1/plans?total=yes").await, 400, Some("total")).await;

    // Follow-up: the authority sees both assessed institutions, the organization its own line.
    let body = json!({
        "region_id": s.region, "year": 2018,
        "operator": {"name": "ООО «Центр социологических исследований»", "contract_number": "0366200035618000123", "contract_date": "2018-04-02"},
        "organization_ids": [s.org, second]
    });
    let cycle = app.as_(authority).post_json("/api/v1/cycles", &body).await;
    assert_eq!(cycle.status(), StatusCode::CREATED);
    let cycle = cycle.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let follow_up = format!("/api/v1/cycles/{cycle}/follow-up?limit=1&total=true");
    assert_eq!(counted(&app, authority, &follow_up).await, (2, 2));
    assert_eq!(counted(&app, organization, &follow_up).await, (1, 1));
    assert_eq!(
        counted(
            &app,
            authority,
            &format!("{follow_up}&late=true&as_of=2018-01-01")
        )
        .await,
        (0, 0)
    );
    let first = app.as_(authority).get(&follow_up).await;
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    let body: Value = first.json().await.unwrap();
    assert!(
        link.contains(&format!("cursor={}", body["next_cursor"].as_str().unwrap())),
        "{link}"
    );
    let plain: Value = app
        .as_(authority)
        .get(&format!("/api/v1/cycles/{cycle}/follow-up"))
        .await
        .json()
        .await
        .unwrap();
    assert!(plain.get("total").is_none(), "{plain}");
    assert_problem(
        app.as_(authority)
            .get(&format!("/api/v1/cycles/{cycle}/follow-up?total=1"))
            .await,
        400,
        Some("total"),
    )
    .await;

    // Organizing plans: the region's, whoever asks.
    let organizing = format!("/api/v1/regions/{}/organizing-plans", s.region);
    for (from, to) in [(2016, 2018), (2019, 2021)] {
        let plan = json!({"year_from": from, "year_to": to, "title": format!("План мероприятий на {from}-{to} годы"),
            "targets": [{"name": "Доля организаций, в отношении которых проведена независимая оценка, в %",
                         "values": [{"year": from, "planned": "50"}]}],
            "measures": [{"number": "1", "title": "Заседания совета", "deadline": "ежеквартально"}]});
        let created = app.as_(authority).post_json(&organizing, &plan).await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let counted_path = format!("{organizing}?limit=1&total=true");
    for token in [None, authority, organization] {
        assert_eq!(counted(&app, token, &counted_path).await, (2, 2));
    }
    let away_path = format!("/api/v1/regions/{away}/organizing-plans?limit=1&total=true");
    assert_eq!(counted(&app, None, &away_path).await, (0, 0));
}
