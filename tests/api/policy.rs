//! The route × role matrix, generated from `auth::policy::RULES`: every rule is called by an
//! anonymous caller and by each role, on a resource inside the role's scope and on one outside
//! it, and must answer as the table says. A rule without a sample request fails the test.

use std::sync::atomic::{AtomicU64, Ordering};

use nok_api::auth::policy::{self, Access, Rule, Scope};
use nok_api::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{organization_body, spawn_app, TestApp, PASSWORD};

struct Fixture {
    /// Region of the scoped users, and another one.
    home: i64,
    away: i64,
    /// An organization of each region; the organization user belongs to `home_org`.
    home_org: i64,
    away_org: i64,
    /// Users that may be deactivated or get a new password.
    victim: i64,
    /// A collecting cycle of each region; the operator user is assigned to `home_cycle`, which
    /// assesses `home_org`.
    home_cycle: i64,
    away_cycle: i64,
    /// Council proposals of each cycle; the first is read and patched, the others deleted.
    home_proposals: Vec<i64>,
    away_proposals: Vec<i64>,
    home_plans: Plans,
    away_plans: Plans,
    /// A webhook subscription of each region's authority (the home one is the matrix's).
    home_webhook: i64,
    away_webhook: i64,
    /// A ping of each subscription: the delivery redelivered.
    home_delivery: i64,
    away_delivery: i64,
    /// A council meeting of each region.
    home_meeting: i64,
    away_meeting: i64,
    /// An organizing plan of each region: (plan, its target, its measure).
    home_organizing: (i64, i64, i64),
    away_organizing: (i64, i64, i64),
    /// An operator (organization) of each region.
    home_operator_org: i64,
    away_operator_org: i64,
    tokens: Vec<(Role, String)>,
    /// The next proposal to delete (index into a cycle's proposals), and measure (into a
    /// draft plan's): each test's own, as are its fixture's resources.
    deleted: AtomicU64,
    deleted_measures: AtomicU64,
}

/// Plans of an organization: a draft with a section and measures (the first is read and
/// patched, the others deleted), an approved one with a draft report, and the evaluation of
/// the organization in the fixture's cycle.
struct Plans {
    draft: i64,
    section: i64,
    measures: Vec<i64>,
    approved: i64,
    approved_measure: i64,
    report: i64,
    evaluation: i64,
}

static SERIAL: AtomicU64 = AtomicU64::new(100);

fn next() -> u64 {
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

async fn fixture(app: &TestApp) -> Fixture {
    let home = app.region("71", "Тульская область").await;
    let away = app.region("66", "Свердловская область").await;
    let home_org = app.organization(&organization_body(home, 1)).await["id"]
        .as_i64()
        .unwrap();
    let away_org = app.organization(&organization_body(away, 2)).await["id"]
        .as_i64()
        .unwrap();
    let victim_body = json!({"username": "victim", "password": PASSWORD, "role": "auditor"});
    let victim = app
        .post_json("/api/v1/users", &victim_body)
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let tokens: Vec<(Role, String)> = Role::ALL
        .into_iter()
        .map(|role| {
            let region = role.is_regional().then_some(home);
            let organization = (role == Role::Organization).then_some(home_org);
            (
                role,
                app.user_token(
                    &format!("matrix-{}", role.as_str()),
                    role,
                    region,
                    organization,
                ),
            )
        })
        .collect();
    let operator_id = |token: String| async move {
        app.as_(Some(&token))
            .get("/api/v1/auth/me")
            .await
            .json::<Value>()
            .await
            .unwrap()["user_id"]
            .as_i64()
            .unwrap()
    };
    let home_token = tokens
        .iter()
        .find(|(r, _)| *r == Role::Operator)
        .unwrap()
        .1
        .clone();
    let home_operator = operator_id(home_token).await;
    let away_token = app.user_token("matrix-away-operator", Role::Operator, Some(away), None);
    let away_operator = operator_id(away_token).await;
    let home_cycle = cycle(app, home, home_org, home_operator).await;
    let away_cycle = cycle(app, away, away_org, away_operator).await;
    let home_proposals = proposals(app, home_cycle).await;
    let away_proposals = proposals(app, away_cycle).await;
    let home_plans = plans(app, home_org, home_cycle).await;
    let away_plans = plans(app, away_org, away_cycle).await;
    let home_authority = tokens
        .iter()
        .find(|(r, _)| *r == Role::Authority)
        .unwrap()
        .1
        .clone();
    let away_authority = app.user_token("matrix-away-authority", Role::Authority, Some(away), None);
    let home_webhook = webhook(app, &home_authority).await;
    let away_webhook = webhook(app, &away_authority).await;
    let home_delivery = ping(app, &home_authority, home_webhook).await;
    let away_delivery = ping(app, &away_authority, away_webhook).await;
    let home_meeting = meeting(app, home).await;
    let away_meeting = meeting(app, away).await;
    let home_organizing = organizing_plan(app, home).await;
    let away_organizing = organizing_plan(app, away).await;
    let home_operator_org = operator_org(app, home).await;
    let away_operator_org = operator_org(app, away).await;
    Fixture {
        home,
        away,
        home_org,
        away_org,
        victim,
        home_cycle,
        away_cycle,
        home_proposals,
        away_proposals,
        home_plans,
        away_plans,
        home_webhook,
        away_webhook,
        home_delivery,
        away_delivery,
        home_meeting,
        away_meeting,
        home_organizing,
        away_organizing,
        home_operator_org,
        away_operator_org,
        tokens,
        deleted: AtomicU64::new(1),
        deleted_measures: AtomicU64::new(1),
    }
}

fn webhook_body() -> Value {
    json!({"url": "http://127.0.0.1:9/nok-events", "event_types": ["plan.*"]})
}

async fn webhook(app: &TestApp, token: &str) -> i64 {
    let response = app
        .as_(Some(token))
        .post_json("/api/v1/webhooks", &webhook_body())
        .await;
    created(response).await["id"].as_i64().unwrap()
}

/// Pings the subscription: the id of the queued delivery.
async fn ping(app: &TestApp, token: &str, webhook: i64) -> i64 {
    let response = app
        .as_(Some(token))
        .request(Method::POST, &format!("/api/v1/webhooks/{webhook}/ping"))
        .send()
        .await
        .unwrap();
    created(response).await["delivery_id"].as_i64().unwrap()
}

async fn created(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

pub fn plan_body(org: i64, measures: usize) -> Value {
    let measures: Vec<Value> = (0..measures)
        .map(|n| json!({"title": format!("Мероприятие {n}"), "deadline": "до 31.12.2019"}))
        .collect();
    json!({"organization_id": org, "year": 2019, "title": "План мероприятий на 2019 год",
        "approval": {"position": "Министр", "full_name": "А.В. Филиппов", "date": "2019-03-29", "document_number": null},
        "sections": [{"criterion": "K1", "measures": measures}]})
}

async fn plans(app: &TestApp, org: i64, cycle: i64) -> Plans {
    let draft = created(app.post_json("/api/v1/plans", &plan_body(org, 16)).await).await;
    let approved = created(app.post_json("/api/v1/plans", &plan_body(org, 1)).await).await;
    let approved_id = approved["id"].as_i64().unwrap();
    for step in ["submit", "approve"] {
        let path = format!("/api/v1/plans/{approved_id}/{step}");
        created(app.request(Method::POST, &path).send().await.unwrap()).await;
    }
    let report = created(
        app.post_json(
            &format!("/api/v1/plans/{approved_id}/reports"),
            &json!({"period": {"kind": "year", "year": 2019}}),
        )
        .await,
    )
    .await;
    let evaluation = created(
        app.request(
            Method::GET,
            &format!("/api/v1/cycles/{cycle}/evaluations/{org}"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    let section = &draft["sections"][0];
    Plans {
        draft: draft["id"].as_i64().unwrap(),
        section: section["id"].as_i64().unwrap(),
        measures: section["measures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect(),
        approved: approved_id,
        approved_measure: approved["sections"][0]["measures"][0]["id"]
            .as_i64()
            .unwrap(),
        report: report["id"].as_i64().unwrap(),
        evaluation: evaluation["id"].as_i64().unwrap(),
    }
}

fn organizing_plan_body(n: u64) -> Value {
    json!({"year_from": 2016, "year_to": 2018, "title": format!("План мероприятий {n}"),
        "targets": [{"name": "Доля организаций, в отношении которых проведена независимая оценка, в %",
                     "values": [{"year": 2016, "planned": "50"}]}],
        "measures": [{"number": "1", "title": "Заседания общественного совета", "deadline": "до 31 марта"}]})
}

/// An organizing plan of `region`: its id, its target's and its measure's.
async fn organizing_plan(app: &TestApp, region: i64) -> (i64, i64, i64) {
    let response = app
        .post_json(
            &format!("/api/v1/regions/{region}/organizing-plans"),
            &organizing_plan_body(0),
        )
        .await;
    let plan = created(response).await;
    (
        plan["id"].as_i64().unwrap(),
        plan["targets"][0]["id"].as_i64().unwrap(),
        plan["measures"][0]["id"].as_i64().unwrap(),
    )
}

fn operator_body(n: u64) -> Value {
    json!({"name": format!("Оператор {n}"), "inn": "7707083893"})
}

fn operator_contract_body(n: u64) -> Value {
    json!({"number": format!("0187200001716000{n}"), "concluded_on": "2017-03-27",
        "subject": "Сбор, обобщение и анализ информации о качестве оказания услуг",
        "starts_on": "2017-03-27", "ends_on": "2017-12-15"})
}

/// An operator (organization) of `region`.
async fn operator_org(app: &TestApp, region: i64) -> i64 {
    let response = app
        .post_json(
            &format!("/api/v1/regions/{region}/operators"),
            &operator_body(0),
        )
        .await;
    created(response).await["id"].as_i64().unwrap()
}

/// A council meeting of `region`.
async fn meeting(app: &TestApp, region: i64) -> i64 {
    let body = json!({"held_on": "2019-01-24", "title": "Заседание общественного совета"});
    let response = app
        .post_json(&format!("/api/v1/regions/{region}/council-meetings"), &body)
        .await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// Enough proposals of `cycle` for every DELETE of the matrix.
async fn proposals(app: &TestApp, cycle: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    for n in 0..16 {
        let body = json!({"criterion": "K1", "text": format!("Предложение {n}")});
        let response = app
            .post_json(&format!("/api/v1/cycles/{cycle}/proposals"), &body)
            .await;
        assert_eq!(response.status(), 201);
        ids.push(
            response.json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    ids
}

/// A collecting cycle of `region` for 2018 assessing `org`, with `operator` assigned.
async fn cycle(app: &TestApp, region: i64, org: i64, operator: i64) -> i64 {
    let body = json!({"region_id": region, "year": 2018, "organization_ids": [org], "operator_user_ids": [operator],
        "operator": {"name": "ООО «Оператор»", "contract_number": "1", "contract_date": "2018-04-02"}});
    let created: Value = app
        .post_json("/api/v1/cycles", &body)
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let started = app
        .request(
            Method::POST,
            &format!("/api/v1/cycles/{id}/start-collecting"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200);
    id
}

enum Body {
    Json(Value),
    Csv(String),
}

/// A request that the rule's route would accept from an allowed caller, on the home or the
/// away resource: method, path, body, and whether to send `If-Match: *`.
fn sample(rule: &Rule, f: &Fixture, away: bool) -> (Method, String, Option<Body>) {
    let (region, org, cycle, proposals, plans) = if away {
        (
            f.away,
            f.away_org,
            f.away_cycle,
            &f.away_proposals,
            &f.away_plans,
        )
    } else {
        (
            f.home,
            f.home_org,
            f.home_cycle,
            &f.home_proposals,
            &f.home_plans,
        )
    };
    let (plan, measure, approved, report) =
        (plans.draft, plans.measures[0], plans.approved, plans.report);
    let proposal = proposals[0];
    let webhook = if away { f.away_webhook } else { f.home_webhook };
    let delivery = if away {
        f.away_delivery
    } else {
        f.home_delivery
    };
    let meeting = if away { f.away_meeting } else { f.home_meeting };
    let (organizing, organizing_target, organizing_measure) = if away {
        f.away_organizing
    } else {
        f.home_organizing
    };
    let operator_org = if away {
        f.away_operator_org
    } else {
        f.home_operator_org
    };
    let n = next();
    let method = Method::from_bytes(rule.method.as_bytes()).unwrap();
    let (path, body) = match (rule.method, rule.path) {
        ("GET", "/health")
        | ("GET", "/ready")
        | ("GET", "/metrics")
        | ("GET", "/api/v1/regions")
        | ("GET", "/api/v1/organizations")
        | ("GET", "/api/v1/users")
        | ("GET", "/api/v1/audit-events")
        | ("GET", "/api/v1/auth/me") => (rule.path.to_owned(), None),
        ("POST", "/api/v1/auth/token") => (
            rule.path.to_owned(),
            Some(json!({"username": "matrix-auditor", "password": PASSWORD})),
        ),
        ("GET", "/api/v1/regions/{id}") => (format!("/api/v1/regions/{region}"), None),
        ("GET", "/api/v1/regions/by-code/{code}") => (
            format!("/api/v1/regions/by-code/{}", if away { "66" } else { "71" }),
            None,
        ),
        ("POST", "/api/v1/regions") => (
            rule.path.to_owned(),
            Some(json!({"code": format!("{}", 10 + n % 50), "name": format!("Регион {n}")})),
        ),
        ("PATCH", "/api/v1/regions/{id}") => (
            format!("/api/v1/regions/{region}"),
            Some(json!({"name": format!("Регион {n}")})),
        ),
        ("GET", "/api/v1/organizations/{id}") => (format!("/api/v1/organizations/{org}"), None),
        ("POST", "/api/v1/organizations") => {
            (rule.path.to_owned(), Some(organization_body(region, n)))
        }
        ("PATCH", "/api/v1/organizations/{id}") => (
            format!("/api/v1/organizations/{org}"),
            Some(json!({"website": format!("https://org{n}.example.ru")})),
        ),
        ("POST", "/api/v1/organizations/{id}/deactivate") => {
            (format!("/api/v1/organizations/{org}/deactivate"), None)
        }
        ("POST", "/api/v1/users") => (
            rule.path.to_owned(),
            Some(json!({"username": format!("user-{n}"), "password": PASSWORD, "role": "auditor"})),
        ),
        ("GET", "/api/v1/users/{id}") => (format!("/api/v1/users/{}", f.victim), None),
        ("POST", "/api/v1/users/{id}/deactivate") => {
            (format!("/api/v1/users/{}/deactivate", f.victim), None)
        }
        ("POST", "/api/v1/users/{id}/password") => (
            format!("/api/v1/users/{}/password", f.victim),
            Some(json!({"password": PASSWORD})),
        ),
        ("GET", "/api/v1/methodologies") | ("GET", "/api/v1/cycles") => {
            (rule.path.to_owned(), None)
        }
        ("GET", "/api/v1/methodologies/{id}") => {
            ("/api/v1/methodologies/mintrud-344n-2018".into(), None)
        }
        ("GET", "/api/v1/cycles/{id}") => (format!("/api/v1/cycles/{cycle}"), None),
        ("POST", "/api/v1/cycles") => (
            rule.path.to_owned(),
            Some(json!({"region_id": region, "year": 2019})),
        ),
        ("PATCH", "/api/v1/cycles/{id}") => (
            format!("/api/v1/cycles/{cycle}"),
            Some(json!({"council_decision": {"number": format!("{n}"), "date": "2018-12-14"}})),
        ),
        // The cycles already collect: an allowed caller gets 409 from the status machine.
        ("POST", "/api/v1/cycles/{id}/start-collecting") => {
            (format!("/api/v1/cycles/{cycle}/start-collecting"), None)
        }
        ("POST", "/api/v1/cycles/{id}/submit-results") => {
            (format!("/api/v1/cycles/{cycle}/submit-results"), None)
        }
        ("GET", "/api/v1/regions/{id}/unassessed-organizations") => (
            format!("/api/v1/regions/{region}/unassessed-organizations?year=2018"),
            None,
        ),
        ("GET", "/api/v1/cycles/{id}/evaluations") => {
            (format!("/api/v1/cycles/{cycle}/evaluations"), None)
        }
        ("GET", "/api/v1/cycles/{id}/evaluations/{organization_id}") => {
            (format!("/api/v1/cycles/{cycle}/evaluations/{org}"), None)
        }
        ("PUT", "/api/v1/cycles/{id}/evaluations/{organization_id}/inputs") => (
            format!("/api/v1/cycles/{cycle}/evaluations/{org}/inputs"),
            Some(crate::cycles::worked_example()),
        ),
        ("POST", "/api/v1/cycles/{id}/evaluations/{organization_id}/survey-responses") => {
            let path = format!("/api/v1/cycles/{cycle}/evaluations/{org}/survey-responses");
            return (
                method,
                path,
                Some(Body::Csv(crate::cycles::worked_example_csv())),
            );
        }
        ("GET", "/api/v1/cycles/{id}/ratings") => (
            format!("/api/v1/cycles/{cycle}/ratings?service_form=stationary"),
            None,
        ),
        ("GET", "/api/v1/cycles/{id}/ratings/export") => (
            format!("/api/v1/cycles/{cycle}/ratings/export?format=csv"),
            None,
        ),
        ("GET", "/api/v1/cycles/{id}/results/export") => (
            format!("/api/v1/cycles/{cycle}/results/export?format=xlsx"),
            None,
        ),
        ("GET", "/api/v1/cycles/{id}/approvals") => {
            (format!("/api/v1/cycles/{cycle}/approvals"), None)
        }
        // Collecting cycles: approval, publication and reopening get 409 from the machine.
        ("POST", "/api/v1/cycles/{id}/ratings/approve") => (
            format!("/api/v1/cycles/{cycle}/ratings/approve"),
            Some(json!({"number": format!("{n}"), "date": "2018-12-14"})),
        ),
        ("POST", "/api/v1/cycles/{id}/publish") => {
            (format!("/api/v1/cycles/{cycle}/publish"), None)
        }
        ("POST", "/api/v1/cycles/{id}/reopen") => (format!("/api/v1/cycles/{cycle}/reopen"), None),
        ("GET", "/api/v1/regions/{id}/council-meetings") => {
            (format!("/api/v1/regions/{region}/council-meetings"), None)
        }
        ("POST", "/api/v1/regions/{id}/council-meetings") => (
            format!("/api/v1/regions/{region}/council-meetings"),
            Some(json!({"held_on": "2019-03-01", "number": format!("{n}"), "title": "Заседание"})),
        ),
        ("GET", "/api/v1/regions/{id}/council-meetings/{meeting_id}") => (
            format!("/api/v1/regions/{region}/council-meetings/{meeting}"),
            None,
        ),
        ("PATCH", "/api/v1/regions/{id}/council-meetings/{meeting_id}") => (
            format!("/api/v1/regions/{region}/council-meetings/{meeting}"),
            Some(json!({"title": format!("Заседание {n}")})),
        ),
        ("GET", "/api/v1/cycles/{id}/deadlines") => {
            (format!("/api/v1/cycles/{cycle}/deadlines"), None)
        }
        ("PUT", "/api/v1/cycles/{id}/deadlines") => (
            format!("/api/v1/cycles/{cycle}/deadlines"),
            Some(
                json!({"deadlines": [{"kind": "plans_due", "due_on": format!("2019-02-{:02}", 1 + n % 28)}]}),
            ),
        ),
        ("GET", "/api/v1/cycles/{id}/follow-up") => (
            format!("/api/v1/cycles/{cycle}/follow-up?as_of=2019-02-11"),
            None,
        ),
        ("GET", "/api/v1/cycles/{id}/follow-up/export") => (
            format!("/api/v1/cycles/{cycle}/follow-up/export?format=csv&as_of=2019-02-11"),
            None,
        ),
        ("GET", "/api/v1/cycles/{id}/proposals") => {
            (format!("/api/v1/cycles/{cycle}/proposals"), None)
        }
        ("POST", "/api/v1/cycles/{id}/proposals") => (
            format!("/api/v1/cycles/{cycle}/proposals"),
            Some(
                json!({"organization_id": org, "criterion": "K2", "text": format!("Предложение {n}")}),
            ),
        ),
        ("GET", "/api/v1/cycles/{id}/proposals/{proposal_id}") => {
            (format!("/api/v1/cycles/{cycle}/proposals/{proposal}"), None)
        }
        ("PATCH", "/api/v1/cycles/{id}/proposals/{proposal_id}") => (
            format!("/api/v1/cycles/{cycle}/proposals/{proposal}"),
            Some(json!({"text": format!("Предложение {n}")})),
        ),
        ("DELETE", "/api/v1/cycles/{id}/proposals/{proposal_id}") => {
            let next = f.deleted.fetch_add(1, Ordering::Relaxed) as usize;
            (
                format!("/api/v1/cycles/{cycle}/proposals/{}", proposals[next]),
                None,
            )
        }
        ("GET", "/api/v1/summary") => ("/api/v1/summary?year=2018".to_owned(), None),
        ("GET", "/api/v1/regions/{id}/summary") => {
            (format!("/api/v1/regions/{region}/summary?year=2018"), None)
        }
        ("GET", "/api/v1/plans") | ("GET", "/api/v1/changes") | ("GET", "/api/v1/webhooks") => {
            (rule.path.to_owned(), None)
        }
        ("POST", "/api/v1/webhooks") => (rule.path.to_owned(), Some(webhook_body())),
        ("GET", "/api/v1/webhooks/{id}") | ("DELETE", "/api/v1/webhooks/{id}") => {
            (format!("/api/v1/webhooks/{webhook}"), None)
        }
        ("GET", "/api/v1/webhooks/{id}/deliveries") => {
            (format!("/api/v1/webhooks/{webhook}/deliveries"), None)
        }
        ("GET", "/api/v1/open-data/{year}") => ("/api/v1/open-data/2018".to_owned(), None),
        ("POST", "/api/v1/webhooks/{id}/ping") => {
            (format!("/api/v1/webhooks/{webhook}/ping"), None)
        }
        ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver") => (
            format!("/api/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver"),
            None,
        ),
        ("POST", "/api/v1/plans") => (rule.path.to_owned(), Some(plan_body(org, 1))),
        ("POST", "/api/v1/plans/import") => {
            let path = format!("/api/v1/plans/import?dry_run=true&organization_id={org}&year=2019");
            let csv = "№ п/п,Наименование мероприятия,Срок реализации\nОткрытость и доступность информации об организации социальной сферы,,\n1,Обновить стенды,до 31.12.2019\n";
            return (method, path, Some(Body::Csv(csv.into())));
        }
        ("GET", "/api/v1/plans/{id}") => (format!("/api/v1/plans/{plan}?as_of=2019-06-01"), None),
        ("PATCH", "/api/v1/plans/{id}") => (
            format!("/api/v1/plans/{plan}"),
            Some(json!({"title": format!("План {n}")})),
        ),
        // Steps: 200 where the machine allows it, 409 where it does not.
        ("POST", "/api/v1/plans/{id}/submit")
        | ("POST", "/api/v1/plans/{id}/return")
        | ("POST", "/api/v1/plans/{id}/approve")
        | ("POST", "/api/v1/plans/{id}/publish")
        | ("POST", "/api/v1/plans/{id}/close") => {
            (rule.path.replace("{id}", &plan.to_string()), None)
        }
        ("GET", "/api/v1/plans/{id}/export") => {
            (format!("/api/v1/plans/{plan}/export?format=xlsx"), None)
        }
        ("POST", "/api/v1/plans/{id}/measures") => (
            format!("/api/v1/plans/{plan}/measures"),
            Some(
                json!({"section_id": plans.section, "title": format!("Мероприятие {n}"), "deadline": "ежеквартально"}),
            ),
        ),
        ("GET", "/api/v1/plans/{id}/measures/{measure_id}") => {
            (format!("/api/v1/plans/{plan}/measures/{measure}"), None)
        }
        ("PATCH", "/api/v1/plans/{id}/measures/{measure_id}") => (
            format!("/api/v1/plans/{plan}/measures/{measure}"),
            Some(json!({"expected_result": format!("Результат {n}")})),
        ),
        ("DELETE", "/api/v1/plans/{id}/measures/{measure_id}") => {
            let next = f.deleted_measures.fetch_add(1, Ordering::Relaxed) as usize;
            (
                format!("/api/v1/plans/{plan}/measures/{}", plans.measures[next]),
                None,
            )
        }
        ("POST", "/api/v1/evaluations/{id}/plan-draft") => (
            format!("/api/v1/evaluations/{}/plan-draft", plans.evaluation),
            None,
        ),
        ("GET", "/api/v1/plans/{id}/reports") => {
            (format!("/api/v1/plans/{approved}/reports"), None)
        }
        ("POST", "/api/v1/plans/{id}/reports") => (
            format!("/api/v1/plans/{approved}/reports"),
            Some(json!({"period": {"kind": "quarter", "year": 2019, "number": 1 + n % 4}})),
        ),
        ("POST", "/api/v1/plans/{id}/reports/import") => {
            // A half-year: no other sample makes one, and the dry run stores nothing.
            let path = format!(
                "/api/v1/plans/{approved}/reports/import?dry_run=true&kind=half_year&year=2019&number=2"
            );
            let csv = "Наименование мероприятия,Срок реализации,Информация о выполнении\nОткрытость и доступность информации об организации социальной сферы,,\nМероприятие 0,до 31.12.2019,Выполнено\n";
            return (method, path, Some(Body::Csv(csv.into())));
        }
        ("GET", "/api/v1/plans/{id}/reports/{report_id}") => {
            (format!("/api/v1/plans/{approved}/reports/{report}"), None)
        }
        ("PUT", "/api/v1/plans/{id}/reports/{report_id}/entries/{measure_id}") => {
            let measure = plans.approved_measure;
            (
                format!("/api/v1/plans/{approved}/reports/{report}/entries/{measure}"),
                Some(json!({"execution_info": format!("Выполнено {n}")})),
            )
        }
        ("POST", "/api/v1/plans/{id}/reports/{report_id}/submit")
        | ("POST", "/api/v1/plans/{id}/reports/{report_id}/accept") => (
            rule.path
                .replace("{id}", &approved.to_string())
                .replace("{report_id}", &report.to_string()),
            None,
        ),
        ("GET", "/api/v1/plans/{id}/reports/{report_id}/export") => (
            format!("/api/v1/plans/{approved}/reports/{report}/export?format=csv"),
            None,
        ),
        ("GET", "/api/v1/regions/{id}/organizing-plans") => {
            (format!("/api/v1/regions/{region}/organizing-plans"), None)
        }
        ("POST", "/api/v1/regions/{id}/organizing-plans") => (
            format!("/api/v1/regions/{region}/organizing-plans"),
            Some(organizing_plan_body(n)),
        ),
        ("POST", "/api/v1/regions/{id}/organizing-plans/import") => {
            let path = format!("/api/v1/regions/{region}/organizing-plans/import?dry_run=true");
            let csv = "План мероприятий на 2016-2018 годы\n№,Целевые показатели,2016 г.\n1.,Доля организаций,50\n";
            return (method, path, Some(Body::Csv(csv.into())));
        }
        ("GET", "/api/v1/organizing-plans/{id}") => {
            (format!("/api/v1/organizing-plans/{organizing}"), None)
        }
        ("GET", "/api/v1/organizing-plans/{id}/export") => (
            format!("/api/v1/organizing-plans/{organizing}/export?format=csv"),
            None,
        ),
        ("PUT", "/api/v1/organizing-plans/{id}/targets/{target_id}/years/{year}") => (
            format!("/api/v1/organizing-plans/{organizing}/targets/{organizing_target}/years/2017"),
            Some(json!({"planned": "50", "actual": format!("{}", n % 100)})),
        ),
        ("PATCH", "/api/v1/organizing-plans/{id}/measures/{measure_id}") => (
            format!("/api/v1/organizing-plans/{organizing}/measures/{organizing_measure}"),
            Some(json!({"executors": format!("Исполнитель {n}")})),
        ),
        ("GET", "/api/v1/regions/{id}/operators") => {
            (format!("/api/v1/regions/{region}/operators"), None)
        }
        ("POST", "/api/v1/regions/{id}/operators") => (
            format!("/api/v1/regions/{region}/operators"),
            Some(operator_body(n)),
        ),
        ("GET", "/api/v1/operators/{id}") => (format!("/api/v1/operators/{operator_org}"), None),
        ("POST", "/api/v1/operators/{id}/contracts") => (
            format!("/api/v1/operators/{operator_org}/contracts"),
            Some(operator_contract_body(n)),
        ),
        (method, path) => {
            panic!("no sample request for {method} {path}: add one to tests/api/policy.rs")
        }
    };
    (method, path, body.map(Body::Json))
}

/// What the table says a caller gets: `None` for success (2xx, or 409 where the status
/// machine, not the policy, refuses), or the refusal's status. No sample resource is published.
fn expected(rule: &Rule, role: Option<Role>, away: bool) -> Option<u16> {
    // Only the scraper's NOK_METRICS_TOKEN opens /metrics; no user's token does.
    if rule.path == "/metrics" {
        return Some(401);
    }
    // The gate (auth::gate), before anything is looked up: a token where the rule needs one, and
    // a role the rule grants at all (under `PublishedOr` every role reads what is published).
    match role {
        None if !rule.allows_anonymous() => return Some(401),
        Some(role)
            if rule.grant(role).is_none() && !matches!(rule.access, Access::PublishedOr(_)) =>
        {
            return Some(403)
        }
        _ => {}
    }
    // Writes to a cycle (or a plan) first ask whether the caller may see it at all: 404 if not.
    if rule.hide_out_of_scope && !matches!(rule.access, Access::PublishedOr(_)) {
        let read = if rule.path.starts_with("/api/v1/operators") {
            &policy::OPERATOR_READ
        } else if rule.path.starts_with("/api/v1/plans") || rule.path.ends_with("/plan-draft") {
            &policy::PLAN_READ
        } else {
            &policy::CYCLE_READ
        };
        // The read rule itself answers below.
        let refused = if read == rule {
            None
        } else {
            expected(read, role, away)
        };
        if let Some(refusal) = refused {
            return Some(refusal);
        }
    }
    if let Access::PublishedOr(_) = rule.access {
        if !rule.hide_out_of_scope {
            return None; // a list: it shows each caller what it may see
        }
        let reaches = match role.and_then(|r| rule.grant(r)) {
            None => false,
            Some(Scope::All) => true,
            Some(_) => !away,
        };
        return (!reaches).then_some(404);
    }
    let Some(role) = role else {
        return (!rule.allows_anonymous()).then_some(401);
    };
    match rule.grant(role) {
        None => Some(403),
        Some(Scope::All) => None,
        Some(Scope::OwnRegion | Scope::OwnOrganization | Scope::AssignedCycle) if away => {
            Some(if rule.hide_out_of_scope { 404 } else { 403 })
        }
        Some(_) => None,
    }
}

fn is_scoped(rule: &Rule) -> bool {
    match rule.access {
        Access::Roles(grants) | Access::PublishedOr(grants) => {
            grants.iter().any(|g| g.scope != Scope::All)
        }
        _ => false,
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_policy_says() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let mut callers: Vec<(Option<Role>, Option<String>)> = vec![(None, None)];
    callers.extend(
        f.tokens
            .iter()
            .map(|(role, token)| (Some(*role), Some(token.clone()))),
    );
    let mut checked = 0;
    for rule in policy::RULES {
        let sides: &[bool] = if is_scoped(rule) {
            &[false, true]
        } else {
            &[false]
        };
        for &away in sides {
            for (role, token) in &callers {
                let (method, path, body) = sample(rule, &f, away);
                let mut request = app
                    .as_(token.as_deref())
                    .request(method, &path)
                    .header("If-Match", "*");
                request = match body {
                    Some(Body::Json(body)) => request.json(&body),
                    Some(Body::Csv(csv)) => request.header("content-type", "text/csv").body(csv),
                    None => request,
                };
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let text = response.text().await.unwrap();
                let who = role.map_or("anonymous", |r| r.as_str());
                let side = if away { "out of scope" } else { "in scope" };
                match expected(rule, *role, away) {
                    None => assert!(
                        (200..300).contains(&status) || status == 409,
                        "{} {path} as {who} ({side}): expected success, got {status}: {text}",
                        rule.method
                    ),
                    Some(refusal) => assert_eq!(
                        status, refusal,
                        "{} {path} as {who} ({side}): {text}",
                        rule.method
                    ),
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= policy::RULES.len() * 7, "{checked} combinations");
}

#[tokio::test]
async fn every_documented_route_has_a_rule_and_every_rule_a_route() {
    let document = serde_json::to_value(nok_api::startup::openapi_document()).unwrap();
    let mut documented = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            documented.push((method.to_uppercase(), path.clone()));
            let description = operation["description"].as_str().unwrap_or_default();
            assert!(
                description.contains("**Roles:**"),
                "{method} {path} does not list its roles"
            );
        }
    }
    for rule in policy::RULES {
        assert!(
            documented.contains(&(rule.method.to_owned(), rule.path.to_owned())),
            "rule {} {} has no route",
            rule.method,
            rule.path
        );
    }
    assert_eq!(documented.len(), policy::RULES.len());
}

#[tokio::test]
async fn an_organization_changes_only_its_own_contact_data() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let token = &f
        .tokens
        .iter()
        .find(|(r, _)| *r == Role::Organization)
        .unwrap()
        .1;
    let path = format!("/api/v1/organizations/{}", f.home_org);
    let client = app.as_(Some(token));
    for change in [
        json!({"inn": "7707083893", "ogrn": "1027700132195"}),
        json!({"active": false}),
        json!({"region_id": f.away}),
    ] {
        let response = client.patch_json(&path, Some("*"), &change).await;
        let body = crate::helpers::assert_problem(response, 403, None).await;
        assert!(body["errors"][0]["code"] == "not_allowed", "{body}");
    }
    let ok = client
        .patch_json(
            &path,
            Some("*"),
            &json!({"head": {"full_name": "Сидорова Е. В.", "position": "Директор"}}),
        )
        .await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn an_authority_cannot_move_an_organization_out_of_its_region() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let token = &f
        .tokens
        .iter()
        .find(|(r, _)| *r == Role::Authority)
        .unwrap()
        .1;
    let path = format!("/api/v1/organizations/{}", f.home_org);
    let response = app
        .as_(Some(token))
        .patch_json(&path, Some("*"), &json!({"region_id": f.away}))
        .await;
    crate::helpers::assert_problem(response, 403, None).await;
    let org: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(org["region_id"], f.home);
}

#[tokio::test]
async fn a_bad_token_is_refused_on_every_route_that_reads_one() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    for rule in policy::RULES.iter().filter(|r| r.access != Access::Open) {
        let (method, path, _) = sample(rule, &f, false);
        let response = app
            .client
            .request(method, app.url(&path))
            .header("Authorization", "Bearer not-a-token")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{} {path}", rule.method);
    }
}

/// The problem body without what names the request (`instance`, `request_id`), and the headers
/// without those of the moment and the length. `Connection: close` is left out too: an upload
/// refused before its body is read closes the connection or not as the body happened to
/// arrive (with the headers or after), for hidden and missing resources alike.
async fn refusal_shape(response: reqwest::Response) -> (u16, Value, Vec<(String, String)>) {
    let status = response.status().as_u16();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "date" | "x-request-id" | "content-length" | "connection"
            )
        })
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    let mut body: Value = response.json().await.unwrap();
    let problem = body.as_object_mut().unwrap();
    problem.remove("instance");
    problem.remove("request_id");
    (status, body, headers)
}

/// `path` with its last id, or all of them, naming nothing that exists; none for a path
/// without ids.
fn missing_variants(path: &str) -> Vec<String> {
    let segments: Vec<&str> = path.split('/').collect();
    let ids: Vec<usize> = (0..segments.len())
        .filter(|&i| !segments[i].is_empty() && segments[i].bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let replace = |which: &[usize]| {
        segments
            .iter()
            .enumerate()
            .map(|(i, s)| if which.contains(&i) { "987654321" } else { s })
            .collect::<Vec<_>>()
            .join("/")
    };
    match ids.last() {
        Some(last) => vec![replace(&[*last]), replace(&ids)],
        None => vec![],
    }
}

/// Found by an outside probe: an unpublished cycle answered "The resource does not exist" and a
/// missing one "Cycle 999 does not exist" (so plans, proposals, reports, ratings). For every rule
/// and caller that the policy answers 404 on the other region's resource, the same request on
/// ids that do not exist gets the same status, problem body and headers.
#[tokio::test]
async fn a_hidden_resource_answers_exactly_as_a_missing_one() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let mut callers: Vec<(Option<Role>, Option<String>)> = vec![(None, None)];
    callers.extend(
        f.tokens
            .iter()
            .map(|(role, token)| (Some(*role), Some(token.clone()))),
    );
    let mut compared = 0;
    let mut resources = std::collections::BTreeSet::new();
    for rule in policy::RULES {
        for (role, token) in &callers {
            if expected(rule, *role, true) != Some(404) {
                continue;
            }
            let (method, hidden, body) = sample(rule, &f, true);
            let send = |path: String| {
                let mut request = app
                    .as_(token.as_deref())
                    .request(method.clone(), &path)
                    .header("If-Match", "*");
                request = match &body {
                    Some(Body::Json(body)) => request.json(body),
                    Some(Body::Csv(csv)) => {
                        request.header("content-type", "text/csv").body(csv.clone())
                    }
                    None => request,
                };
                request.send()
            };
            let who = role.map_or("anonymous", |r| r.as_str());
            let seen = refusal_shape(send(hidden.clone()).await.unwrap()).await;
            assert_eq!(
                seen.0, 404,
                "{} {hidden} as {who}: {:?}",
                rule.method, seen.1
            );
            for missing in missing_variants(&hidden) {
                let other = refusal_shape(send(missing.clone()).await.unwrap()).await;
                assert_eq!(
                    seen, other,
                    "{} as {who}: hidden {hidden} and missing {missing} differ",
                    rule.method
                );
                compared += 1;
            }
            resources.insert(rule.path);
        }
    }
    assert!(resources.len() >= 20, "{resources:?}");
    assert!(compared >= 60, "{compared} comparisons");
}
