//! The region's organizing plan (seed 002, KhMAO order 819-р): imported whole from its table,
//! every target and measure kept with structured deadlines; targets compared with the actuals
//! of 2016–2018 that cycles and council meetings created here give; exported and read back;
//! bad input and refused roles store nothing.

use nok_api::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, etag_of, organization_body, spawn_app, TestApp};
use crate::plans::{csv_of, seed_rows, xlsx_of, XLSX};

async fn import(
    app: &TestApp,
    token: &str,
    region: i64,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.as_(Some(token))
        .request(
            Method::POST,
            &format!("/api/v1/regions/{region}/organizing-plans/import?{query}"),
        )
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// A collecting cycle of `region` in `year` assessing `orgs`.
async fn started_cycle(app: &TestApp, authority: &str, region: i64, year: i32, orgs: &[i64]) {
    let operator = app.user_token(
        &format!("ugra-operator-{year}"),
        Role::Operator,
        Some(region),
        None,
    );
    let me: Value = app
        .as_(Some(&operator))
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    let body = json!({
        "region_id": region, "year": year,
        "operator": {"name": "АУ «Региональный центр мониторинга»", "contract_number": format!("{year}-01"), "contract_date": format!("{year}-03-31")},
        "organization_ids": orgs, "operator_user_ids": [me["user_id"]]
    });
    let created = app
        .as_(Some(authority))
        .post_json("/api/v1/cycles", &body)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let started = app
        .as_(Some(authority))
        .request(
            Method::POST,
            &format!("/api/v1/cycles/{id}/start-collecting"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::OK);
}

async fn meeting(app: &TestApp, council: &str, region: i64, held_on: &str) {
    let body = json!({"held_on": held_on, "title": "Заседание Общественного совета при Депсоцразвития Югры"});
    let response = app
        .as_(Some(council))
        .post_json(&format!("/api/v1/regions/{region}/council-meetings"), &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

fn year(target: &Value, year: i64) -> &Value {
    target["years"]
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == year)
        .unwrap()
}

fn measure<'a>(plan: &'a Value, number: &str) -> &'a Value {
    plan["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["number"] == number)
        .unwrap_or_else(|| panic!("no measure {number}"))
}

/// (planned, actual, source, met) of a year of a target.
fn compared(target: &Value, y: i64) -> (Value, Value, Value, Value) {
    let shown = year(target, y);
    (
        shown["planned"].clone(),
        shown["actual"].clone(),
        shown["source"].clone(),
        shown["met"].clone(),
    )
}

#[tokio::test]
async fn seed_002_is_imported_whole_and_its_targets_are_compared_with_what_happened() {
    let app = spawn_app().await;
    let region = app
        .region("86", "Ханты-Мансийский автономный округ – Югра")
        .await;
    let authority = app.user_token("ugra-authority", Role::Authority, Some(region), None);
    let council = app.user_token("ugra-council", Role::Council, Some(region), None);
    let rows = seed_rows("002");

    // A dry run reads everything and stores nothing.
    let dry = import(
        &app,
        &authority,
        region,
        "dry_run=true",
        "text/csv",
        csv_of(&rows),
    )
    .await;
    assert_eq!(dry.status(), StatusCode::OK);
    let dry: Value = dry.json().await.unwrap();
    assert_eq!(dry["dry_run"], true);
    let list_path = format!("/api/v1/regions/{region}/organizing-plans");
    let listed: Value = app.get(&list_path).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);

    let response = import(&app, &authority, region, "", XLSX, xlsx_of(&rows)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let imported: Value = response.json().await.unwrap();
    let plan = &imported["plan"];
    assert_eq!(plan["order_number"], "819-р");
    assert_eq!(plan["order_date"], "2016-11-30");
    assert_eq!(
        (plan["year_from"].clone(), plan["year_to"].clone()),
        (json!(2016), json!(2018))
    );
    assert!(plan["title"]
        .as_str()
        .unwrap()
        .starts_with("План мероприятий по организации и проведению независимой оценки"));
    let titles = |plan: &Value| -> Vec<Value> {
        plan["measures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["title"].clone())
            .collect()
    };
    assert_eq!(titles(&dry["plan"]), titles(plan));

    // Every target with its values: 2015 reported, 2016–2018 planned.
    let targets = plan["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    assert_eq!(targets[0]["computed_from"], "assessed_share");
    assert_eq!(targets[1]["computed_from"], "council_meetings");
    assert!(targets[1]["name"]
        .as_str()
        .unwrap()
        .contains("с заслушиванием отчетов не менее трех руководителей"));
    for (target, planned) in targets
        .iter()
        .zip([["50.0", "50.0", "50.0"], ["2", "4", "4"]])
    {
        assert_eq!(year(target, 2015)["entered"], "0");
        assert_eq!(year(target, 2015)["planned"], Value::Null);
        for (y, value) in (2016..=2018).zip(planned) {
            assert_eq!(year(target, y)["planned"], value, "{target}");
        }
    }

    // Every measure: 1–24 and the council meeting topics 1.1–1.8 under measure 1.
    let measures = plan["measures"].as_array().unwrap();
    assert_eq!(measures.len(), 32);
    let mut numbers: Vec<String> = (1..=24).map(|n| n.to_string()).collect();
    numbers.extend((1..=8).map(|n| format!("1.{n}")));
    for number in &numbers {
        let m = measure(plan, number);
        assert!(!m["title"].as_str().unwrap().is_empty());
        assert!(!m["deadline"]["text"].as_str().unwrap().is_empty());
        assert_eq!(m["status"], "planned");
    }
    for n in 1..=8 {
        assert_eq!(measure(plan, &format!("1.{n}"))["parent_number"], "1");
    }
    // Deadlines structured as written.
    let kinds = |number: &str| -> Vec<Value> {
        measure(plan, number)["deadline"]["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["kind"].clone())
            .collect()
    };
    assert_eq!(kinds("1.3"), [json!("day_month")]);
    assert_eq!(measure(plan, "1.3")["deadline"]["parts"][0]["month"], 3);
    assert_eq!(kinds("2"), [json!("continuous")]);
    assert_eq!(kinds("3"), [json!("recurring")]);
    assert!(kinds("1.2").contains(&json!("date")));
    assert!(kinds("15").contains(&json!("continuous")));
    let structured = measures
        .iter()
        .filter(|m| m["deadline"]["warnings"].as_array().unwrap().is_empty())
        .count();
    eprintln!("seed 002: {structured} of 32 deadlines structured whole");
    assert!(structured >= 16, "{structured} of 32 deadlines structured");
    // Page-break fragments are joined to their rows.
    assert_eq!(measure(plan, "3")["form"], "Информационная справка");
    assert!(measure(plan, "3")["title"]
        .as_str()
        .unwrap()
        .contains("по удовлетворенности качеством"));
    assert!(measure(plan, "1.3")["title"]
        .as_str()
        .unwrap()
        .contains("итоги мониторинга"));
    assert_eq!(measure(plan, "5")["executors"], "Бодак А.В.");

    // What happened: four organizations; cycles assess 2 of them in 2016, 1 in 2017, all in
    // 2018; the council meets 2, 3 and 4 times.
    let mut orgs = Vec::new();
    for n in 1..=4 {
        orgs.push(
            app.organization(&organization_body(region, 860 + n)).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    started_cycle(&app, &authority, region, 2016, &orgs[..2]).await;
    started_cycle(&app, &authority, region, 2017, &orgs[..1]).await;
    started_cycle(&app, &authority, region, 2018, &orgs).await;
    for held_on in [
        "2016-06-15",
        "2016-11-29",
        "2017-03-30",
        "2017-06-29",
        "2017-12-20",
        "2018-03-29",
        "2018-06-28",
        "2018-09-27",
        "2018-12-20",
    ] {
        meeting(&app, &council, region, held_on).await;
    }

    let read = app.as_(Some(&authority)).get(&location).await;
    assert_eq!(read.status(), StatusCode::OK);
    let etag = etag_of(&read);
    let plan: Value = read.json().await.unwrap();
    assert_eq!(plan["actuals_basis"], "started");
    let (share, meetings) = (&plan["targets"][0], &plan["targets"][1]);
    assert_eq!(
        compared(share, 2015),
        (Value::Null, json!("0"), json!("entered"), Value::Null)
    );
    assert_eq!(
        compared(share, 2016),
        (json!("50.0"), json!("50"), json!("computed"), json!(true))
    );
    assert_eq!(
        compared(share, 2017),
        (json!("50.0"), json!("25"), json!("computed"), json!(false))
    );
    assert_eq!(
        compared(share, 2018),
        (json!("50.0"), json!("100"), json!("computed"), json!(true))
    );
    assert_eq!(
        compared(meetings, 2016),
        (json!("2"), json!("2"), json!("computed"), json!(true))
    );
    assert_eq!(
        compared(meetings, 2017),
        (json!("4"), json!("3"), json!("computed"), json!(false))
    );
    assert_eq!(
        compared(meetings, 2018),
        (json!("4"), json!("4"), json!("computed"), json!(true))
    );

    // Anyone reads the order; unpublished cycles count only for the region's insiders, the
    // meetings are public.
    let public: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(public["actuals_basis"], "published");
    assert_eq!(
        compared(&public["targets"][0], 2016),
        (json!("50.0"), Value::Null, Value::Null, Value::Null)
    );
    assert_eq!(compared(&public["targets"][1], 2017).1, json!("3"));

    // An entered actual: shown where the service has no figure of its own.
    let share_id = share["id"].as_i64().unwrap();
    let put = app
        .as_(Some(&authority))
        .request(
            Method::PUT,
            &format!("{location}/targets/{share_id}/years/2017"),
        )
        .header("If-Match", &etag)
        .json(&json!({"planned": "50.0", "actual": "30"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let public: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(
        compared(&public["targets"][0], 2017),
        (json!("50.0"), json!("30"), json!("entered"), json!(false))
    );
    let inside: Value = app
        .as_(Some(&authority))
        .get(&location)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(year(&inside["targets"][0], 2017)["source"], "computed");
    assert_eq!(year(&inside["targets"][0], 2017)["entered"], "30");

    // A measure done; the stale ETag is refused.
    let measure_id = measure(&inside, "1.1")["id"].as_i64().unwrap();
    let done = app
        .as_(Some(&authority))
        .patch_json(
            &format!("{location}/measures/{measure_id}"),
            Some("*"),
            &json!({"status": "done"}),
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let done: Value = done.json().await.unwrap();
    assert_eq!(measure(&done, "1.1")["status"], "done");
    assert_eq!(measure(&done, "1.1")["overdue"], false);
    let stale = app
        .as_(Some(&authority))
        .patch_json(
            &format!("{location}/measures/{measure_id}"),
            Some(&etag),
            &json!({"status": "in_progress"}),
        )
        .await;
    assert_problem(stale, 412, None).await;

    // Audit and feed of every write.
    let audit: Value = app
        .as_(Some(&app.admin))
        .get("/api/v1/audit-events?limit=500&resource_type=organizing_plan")
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "organizing_plan.imported",
        "organizing_plan.target_updated",
        "organizing_plan.measure_updated",
    ] {
        assert!(actions.contains(&action), "{actions:?}");
    }
    let feed: Value = app
        .get("/api/v1/changes?types=organizing_plan")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(feed["items"].as_array().unwrap().len(), 3);
    // The feed reaches everyone, so it carries the plan as everyone sees it.
    assert_eq!(feed["items"][2]["resource"]["actuals_basis"], "published");

    // Exported in the same table, and read back as it was.
    for (format, content_type) in [("csv", "text/csv"), ("xlsx", XLSX)] {
        let export = app.get(&format!("{location}/export?format={format}")).await;
        assert_eq!(export.status(), StatusCode::OK);
        let bytes = export.bytes().await.unwrap().to_vec();
        let again = import(
            &app,
            &authority,
            region,
            "dry_run=true",
            content_type,
            bytes,
        )
        .await;
        assert_eq!(again.status(), StatusCode::OK, "{format}");
        let again: Value = again.json().await.unwrap();
        let back = &again["plan"];
        assert_eq!(back["order_number"], "819-р", "{format}");
        assert_eq!(back["order_date"], "2016-11-30", "{format}");
        assert_eq!(back["measures"].as_array().unwrap().len(), 32, "{format}");
        assert_eq!(measure(back, "1.1")["status"], "done", "{format}");
        assert_eq!(
            measure(back, "17")["deadline"],
            measure(&done, "17")["deadline"],
            "{format}"
        );
        assert_eq!(
            year(&back["targets"][0], 2016)["planned"]
                .as_str()
                .map(|s| s.trim_end_matches(".0")),
            Some("50"),
            "{format}"
        );
        assert_eq!(year(&back["targets"][1], 2015)["entered"], "0", "{format}");
    }
}

#[tokio::test]
async fn bad_plans_are_refused_by_field_or_row_and_only_the_regions_authority_writes() {
    let app = spawn_app().await;
    let region = app
        .region("86", "Ханты-Мансийский автономный округ – Югра")
        .await;
    let other = app.region("72", "Тюменская область").await;
    let authority = app.user_token("ugra-authority", Role::Authority, Some(region), None);
    let path = format!("/api/v1/regions/{region}/organizing-plans");
    let good = json!({"year_from": 2016, "year_to": 2018, "title": "План мероприятий на 2016-2018 годы",
        "targets": [{"name": "Доля организаций, в отношении которых проведена независимая оценка, в %",
                     "values": [{"year": 2016, "planned": "50"}]}],
        "measures": [{"number": "1", "title": "Заседания совета", "deadline": "ежеквартально"}]});

    let mut backwards = good.clone();
    backwards["year_to"] = json!(2015);
    let refused = app.as_(Some(&authority)).post_json(&path, &backwards).await;
    assert_problem(refused, 422, Some("year_to")).await;
    let mut share = good.clone();
    share["targets"][0]["values"][0]["planned"] = json!("150");
    let refused = app.as_(Some(&authority)).post_json(&path, &share).await;
    assert_problem(refused, 422, Some("targets[0].values[0].planned")).await;
    let mut blank = good.clone();
    blank["measures"][0]["deadline"] = json!(" ");
    let refused = app.as_(Some(&authority)).post_json(&path, &blank).await;
    assert_problem(refused, 422, Some("measures[0].deadline")).await;

    // A bad figure in the file names its row; nothing is stored.
    let rows: Vec<Vec<String>> = [
        "План мероприятий на 2016-2018 годы",
        "№\tЦелевые показатели\t2016 г.\t2017 г.",
        "1.\tДоля организаций, охваченных независимой оценкой\t50\tполовина",
    ]
    .iter()
    .map(|l| l.split('\t').map(str::to_owned).collect())
    .collect();
    let refused = import(&app, &authority, region, "", "text/csv", csv_of(&rows)).await;
    assert_problem(refused, 422, Some("rows[3].2017")).await;

    // Roles: the other region's authority, the council, an organization; anonymous callers.
    for (role, home) in [
        (Role::Authority, other),
        (Role::Council, region),
        (Role::Auditor, region),
    ] {
        let token = app.user_token(&format!("{}-{home}", role.as_str()), role, Some(home), None);
        let refused = app.as_(Some(&token)).post_json(&path, &good).await;
        assert_problem(refused, 403, None).await;
    }
    let refused = app.as_(None).post_json(&path, &good).await;
    assert_problem(refused, 401, None).await;
    let listed: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);

    let created = app.as_(Some(&authority)).post_json(&path, &good).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let plan: Value = created.json().await.unwrap();
    let id = plan["id"].as_i64().unwrap();
    let target = plan["targets"][0]["id"].as_i64().unwrap();
    let put = app
        .as_(Some(&authority))
        .request(
            Method::PUT,
            &format!("/api/v1/organizing-plans/{id}/targets/{target}/years/2016"),
        )
        .header("If-Match", "*")
        .json(&json!({"actual": "-1"}))
        .send()
        .await
        .unwrap();
    assert_problem(put, 422, Some("actual")).await;
    let unguarded = app
        .as_(Some(&authority))
        .request(
            Method::PUT,
            &format!("/api/v1/organizing-plans/{id}/targets/{target}/years/2016"),
        )
        .json(&json!({"actual": "40"}))
        .send()
        .await
        .unwrap();
    assert_problem(unguarded, 428, None).await;
    let measure = plan["measures"][0]["id"].as_i64().unwrap();
    let council = app.user_token("ugra-council", Role::Council, Some(region), None);
    let refused = app
        .as_(Some(&council))
        .patch_json(
            &format!("/api/v1/organizing-plans/{id}/measures/{measure}"),
            Some("*"),
            &json!({"status": "done"}),
        )
        .await;
    assert_problem(refused, 403, None).await;
    let refused = app
        .as_(Some(&authority))
        .patch_json(
            &format!("/api/v1/organizing-plans/{id}/measures/{measure}"),
            Some("*"),
            &json!({"status": null}),
        )
        .await;
    assert_problem(refused, 422, Some("status")).await;
    let missing = app.get("/api/v1/organizing-plans/987654").await;
    assert_problem(missing, 404, None).await;
}
