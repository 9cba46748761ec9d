//! Seed 003 (Vladimir region, 2019) re-entered end to end: 55 institutions over three forms of
//! service, the ratings approved at the council's meeting of 24 January 2019 (minutes without
//! a number), three general proposals, plans due 10 February and reports due 1 December 2019,
//! and the follow-up at chosen dates showing who is late.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use nok_api::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::cycles::worked_example;
use crate::helpers::{assert_problem, etag_of, organization_body, spawn_app, TestApp};
use crate::plans::new_plan;

async fn post(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.as_(Some(token))
        .request(Method::POST, path)
        .send()
        .await
        .unwrap()
}

async fn ok(response: reqwest::Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    body
}

/// Ids of the follow-up page's organizations, and the page.
async fn follow_up(app: &TestApp, token: &str, path: &str) -> (Vec<i64>, Value) {
    let page = ok(app.as_(Some(token)).get(path).await, StatusCode::OK).await;
    let ids = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["organization_id"].as_i64().unwrap())
        .collect();
    (ids, page)
}

#[tokio::test]
async fn seed_003_the_council_decision_and_its_follow_up_show_who_is_late() {
    let app = spawn_app().await;
    let region = app.region("33", "Владимирская область").await;
    // 55 institutions: 20 stationary, 15 semi-stationary, 20 home-based.
    let mut orgs = Vec::new();
    for n in 0..55u64 {
        let form = match n {
            0..=19 => "stationary",
            20..=34 => "semi_stationary",
            _ => "home_based",
        };
        let mut body = organization_body(region, 300 + n);
        body["service_forms"] = json!([form]);
        body["address"] =
            json!("600000, Владимирская область, г. Владимир, ул. Большая Московская, д. 1");
        orgs.push(app.organization(&body).await["id"].as_i64().unwrap());
    }
    let authority = app.user_token("vladimir-authority", Role::Authority, Some(region), None);
    let council = app.user_token("vladimir-council", Role::Council, Some(region), None);
    let operator = app.user_token("vladimir-operator", Role::Operator, Some(region), None);
    let me = ok(
        app.as_(Some(&operator)).get("/api/v1/auth/me").await,
        StatusCode::OK,
    )
    .await;

    let cycle = ok(
        app.as_(Some(&authority))
            .post_json(
                "/api/v1/cycles",
                &json!({"region_id": region, "year": 2018, "organization_ids": orgs,
                    "operator_user_ids": [me["user_id"]],
                    "operator": {"name": "ООО «Социологический центр»", "contract_number": "0128200000118001234",
                        "contract_date": "2018-06-01"}}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let cycle_path = format!("/api/v1/cycles/{cycle}");
    ok(
        post(&app, &authority, &format!("{cycle_path}/start-collecting")).await,
        StatusCode::OK,
    )
    .await;
    for (n, org) in orgs.iter().enumerate() {
        let path = format!("{cycle_path}/evaluations/{org}");
        let etag = etag_of(&app.as_(Some(&operator)).get(&path).await);
        let mut inputs = worked_example();
        inputs["stand_information"]["found"] = json!(5 + n % 6);
        let response = app
            .as_(Some(&operator))
            .request(Method::PUT, &format!("{path}/inputs"))
            .header("If-Match", etag)
            .json(&inputs)
            .send()
            .await
            .unwrap();
        ok(response, StatusCode::OK).await;
    }
    ok(
        post(&app, &operator, &format!("{cycle_path}/submit-results")).await,
        StatusCode::OK,
    )
    .await;

    // The meeting of 24 January 2019, its minutes without a number.
    let meetings = format!("/api/v1/regions/{region}/council-meetings");
    let meeting = ok(
        app.as_(Some(&council))
            .post_json(
                &meetings,
                &json!({"held_on": "2019-01-24", "number": "б/н",
                    "title": "Заседание общественного совета по проведению независимой оценки качества условий оказания услуг организациями социального обслуживания населения Владимирской области",
                    "agenda": [{"number": "1", "text": "О результатах независимой оценки качества условий оказания услуг в 2018 году (оценено 55 учреждений – 100 %)"}],
                    "decisions": [{"number": "1", "text": "Утвердить рейтинги учреждений по формам предоставления услуг: стационарная, полустационарная, надомная"},
                                  {"number": "2", "text": "Направить в департамент предложения по улучшению качества деятельности учреждений"}]}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let meeting_id = meeting["id"].as_i64().unwrap();
    assert_eq!(meeting["cited_number"], "б/н");

    // The approval names the meeting: no number is asked for.
    let approve = format!("{cycle_path}/ratings/approve");
    let other_region = app.region("71", "Тульская область").await;
    let elsewhere = ok(
        app.post_json(
            &format!("/api/v1/regions/{other_region}/council-meetings"),
            &json!({"held_on": "2019-01-24", "title": "Заседание"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    for (body, field) in [
        (json!({"meeting_id": elsewhere["id"]}), "meeting_id"),
        (
            json!({"meeting_id": meeting_id, "date": "2019-01-25"}),
            "date",
        ),
        (json!({"date": "2019-01-24"}), "number"),
    ] {
        assert_problem(
            app.as_(Some(&council)).post_json(&approve, &body).await,
            422,
            Some(field),
        )
        .await;
    }
    let approval = ok(
        app.as_(Some(&council))
            .post_json(&approve, &json!({"meeting_id": meeting_id}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(approval["council_decision"]["number"], "б/н");
    assert_eq!(approval["council_decision"]["date"], "2019-01-24");
    assert_eq!(approval["meeting_id"], meeting_id);
    for form in ["stationary", "semi_stationary", "home_based"] {
        let rating = ok(
            app.as_(Some(&council))
                .get(&format!(
                    "{cycle_path}/ratings?service_form={form}&limit=100"
                ))
                .await,
            StatusCode::OK,
        )
        .await;
        let expected = match form {
            "semi_stationary" => 15,
            _ => 20,
        };
        assert_eq!(rating["organizations"], expected, "{form}");
    }

    // Three general proposals (annex 3): no criterion, no organization, the meeting's decision.
    let proposals = format!("{cycle_path}/proposals");
    for text in [
        "Шире применять инновационные формы просветительской работы с населением с учетом положений национальных проектов",
        "Систематически проводить мониторинг размещаемой в общедоступных местах информации о деятельности учреждений и осуществлять актуализацию информации",
        "Продолжить работу по созданию максимально доступных условий для получения услуг, а также совершенствованию комфортного общения",
    ] {
        let proposal = ok(
            app.as_(Some(&council))
                .post_json(&proposals, &json!({"text": text, "meeting_id": meeting_id}))
                .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(proposal["criterion"], Value::Null);
        assert_eq!(proposal["organization_id"], Value::Null);
        assert_eq!(proposal["meeting_id"], meeting_id);
    }
    let listed = ok(
        app.as_(Some(&authority)).get(&proposals).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);

    // Plans by 10 February 2019, reports by 1 December 2019.
    let deadlines = format!("{cycle_path}/deadlines");
    let etag = etag_of(&app.as_(Some(&authority)).get(&deadlines).await);
    let body = json!({"deadlines": [
        {"kind": "plans_due", "due_on": "2019-02-10",
         "title": "Разработать планы мероприятий по улучшению качества работы и представить их в курирующие отделы департамента"},
        {"kind": "other", "due_on": "2019-02-10", "title": "Разместить разработанные планы на официальных сайтах"},
        {"kind": "reports_due", "due_on": "2019-12-01"}]});
    assert_problem(
        app.as_(Some(&council))
            .request(Method::PUT, &deadlines)
            .header("If-Match", &etag)
            .json(&body)
            .send()
            .await
            .unwrap(),
        403,
        None,
    )
    .await;
    let set = app
        .as_(Some(&authority))
        .request(Method::PUT, &deadlines)
        .header("If-Match", &etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    let set = ok(set, StatusCode::OK).await;
    assert_eq!(
        set["deadlines"][2]["title"],
        "Представить информацию о выполнении планов"
    );

    // Plans: 40 institutions draw one up; 30 hand it in; 10 of those are approved, 5 of them
    // published. Reports on the 10 approved plans: 6 handed in, 3 of them accepted.
    let mut plans = Vec::new();
    for org in &orgs[..40] {
        let mut body = new_plan(*org);
        body["cycle_id"] = json!(cycle);
        let plan = ok(
            app.as_(Some(&authority))
                .post_json("/api/v1/plans", &body)
                .await,
            StatusCode::CREATED,
        )
        .await;
        plans.push(plan["id"].as_i64().unwrap());
    }
    for (i, plan) in plans.iter().enumerate().take(30) {
        ok(
            post(&app, &authority, &format!("/api/v1/plans/{plan}/submit")).await,
            StatusCode::OK,
        )
        .await;
        if i < 10 {
            ok(
                post(&app, &authority, &format!("/api/v1/plans/{plan}/approve")).await,
                StatusCode::OK,
            )
            .await;
            let report = ok(
                app.as_(Some(&authority))
                    .post_json(
                        &format!("/api/v1/plans/{plan}/reports"),
                        &json!({"period": {"kind": "year", "year": 2019}}),
                    )
                    .await,
                StatusCode::CREATED,
            )
            .await;
            let report_path = format!("/api/v1/plans/{plan}/reports/{}", report["id"]);
            if i < 6 {
                ok(
                    post(&app, &authority, &format!("{report_path}/submit")).await,
                    StatusCode::OK,
                )
                .await;
            }
            if i < 3 {
                ok(
                    post(&app, &authority, &format!("{report_path}/accept")).await,
                    StatusCode::OK,
                )
                .await;
            }
        }
        if i < 5 {
            ok(
                post(&app, &authority, &format!("/api/v1/plans/{plan}/publish")).await,
                StatusCode::OK,
            )
            .await;
        }
    }

    let at =
        |day: &str, filter: &str| format!("{cycle_path}/follow-up?as_of={day}&limit=100{filter}");
    // On the deadline's day nobody is late yet.
    let (ids, page) = follow_up(&app, &authority, &at("2019-02-10", "")).await;
    assert_eq!(ids.len(), 55);
    assert_eq!(page["plans_due_on"], "2019-02-10");
    assert_eq!(page["reports_due_on"], "2019-12-01");
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["plan_late"] == false));
    // The day after: 15 without a plan and 10 with a draft are late.
    let (late, _) = follow_up(&app, &authority, &at("2019-02-11", "&late=true")).await;
    assert_eq!(late.len(), 25);
    assert_eq!(late, orgs[30..].to_vec());
    let (none, _) = follow_up(&app, &authority, &at("2019-02-11", "&plan_status=none")).await;
    assert_eq!(none.len(), 15);
    let (drafts, _) = follow_up(&app, &authority, &at("2019-02-11", "&plan_status=draft")).await;
    assert_eq!(drafts.len(), 10);
    let (submitted, _) = follow_up(
        &app,
        &authority,
        &at("2019-02-11", "&plan_status=submitted"),
    )
    .await;
    assert_eq!(submitted.len(), 20);
    let (approved, _) =
        follow_up(&app, &authority, &at("2019-02-11", "&plan_status=approved")).await;
    assert_eq!(approved.len(), 5);
    let (published, _) = follow_up(
        &app,
        &authority,
        &at("2019-02-11", "&plan_status=published"),
    )
    .await;
    assert_eq!(published.len(), 5);
    // Reports: none late on 1 December; on 2 December all but the 6 handed in.
    let (late, _) = follow_up(&app, &authority, &at("2019-12-01", "&late=true")).await;
    assert_eq!(late.len(), 25, "only the plans are late on 1 December");
    let (late, page) = follow_up(&app, &authority, &at("2019-12-02", "&late=true")).await;
    assert_eq!(late.len(), 49);
    let report_late = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["report_late"] == true)
        .count();
    assert_eq!(report_late, 49);
    let (on_time, _) = follow_up(&app, &authority, &at("2019-12-02", "&late=false")).await;
    assert_eq!(on_time, orgs[..6].to_vec());
    let (accepted, _) = follow_up(
        &app,
        &authority,
        &at("2019-12-02", "&report_status=accepted"),
    )
    .await;
    assert_eq!(accepted, orgs[..3].to_vec());
    let (drafts, _) = follow_up(&app, &authority, &at("2019-12-02", "&report_status=draft")).await;
    assert_eq!(drafts.len(), 4);

    // Paging: 20, 20 and 15 lines.
    let mut seen = Vec::new();
    let mut path = format!("{cycle_path}/follow-up?as_of=2019-02-11&limit=20");
    loop {
        let (ids, page) = follow_up(&app, &council, &path).await;
        seen.extend(ids);
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("{cycle_path}/follow-up?as_of=2019-02-11&limit=20&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(seen, orgs);

    // An institution reads its own line only; bad filters are named.
    let institution = app.user_token(
        "vladimir-org",
        Role::Organization,
        Some(region),
        Some(orgs[45]),
    );
    let (own, page) = follow_up(&app, &institution, &at("2019-02-11", "")).await;
    assert_eq!(own, vec![orgs[45]]);
    assert_eq!(page["items"][0]["plan_status"], "none");
    assert_eq!(page["items"][0]["plan_late"], true);
    assert_problem(
        app.as_(Some(&institution))
            .get(&format!("{cycle_path}/follow-up/export?format=csv"))
            .await,
        403,
        None,
    )
    .await;
    for (query, field) in [
        ("as_of=2019-02-30", "as_of"),
        ("plan_status=late", "plan_status"),
        ("report_status=overdue", "report_status"),
        ("late=yes", "late"),
    ] {
        assert_problem(
            app.as_(Some(&authority))
                .get(&format!("{cycle_path}/follow-up?{query}"))
                .await,
            400,
            Some(field),
        )
        .await;
    }
    assert_problem(app.get(&format!("{cycle_path}/follow-up")).await, 401, None).await;

    // The export: the department's table of those late on 2 December.
    let csv = app
        .as_(Some(&authority))
        .get(&format!(
            "{cycle_path}/follow-up/export?format=csv&as_of=2019-12-02&late=true"
        ))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(text.contains("Наименование учреждения"));
    assert!(text.contains("по состоянию на 02.12.2019"));
    // Rows of the table lead with their number.
    let data_rows = text
        .lines()
        .filter(|l| {
            l.split(',')
                .next()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .count();
    assert_eq!(data_rows, 49);
    let xlsx = app
        .as_(Some(&council))
        .get(&format!(
            "{cycle_path}/follow-up/export?format=xlsx&as_of=2019-02-11"
        ))
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap();
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let range = workbook.worksheet_range("Контроль исполнения").unwrap();
    let late_cells = range
        .rows()
        .filter(|row| row.get(3) == Some(&Data::String("да".into())))
        .count();
    assert_eq!(late_cells, 25);

    // The region summary counts them, and the meeting of the year.
    let summary = ok(
        app.as_(Some(&authority))
            .get(&format!(
                "/api/v1/regions/{region}/summary?year=2018&as_of=2019-02-11"
            ))
            .await,
        StatusCode::OK,
    )
    .await;
    let counts = &summary["follow_up"][0];
    assert_eq!(counts["organizations"], 55);
    assert_eq!(counts["plans_handed_in"], 30);
    assert_eq!(counts["plans_late"], 25);
    assert_eq!(counts["reports_handed_in"], 6);
    assert_eq!(counts["reports_late"], 0);
    let next_year = ok(
        app.get(&format!("/api/v1/regions/{region}/summary?year=2019"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(next_year["council_meetings_held"], 1);
    assert_eq!(next_year["follow_up"], json!([]));

    // The deadlines' change is in the audit log and the feed.
    let audit = ok(
        app.as_(Some(&app.admin))
            .get("/api/v1/audit-events?resource_type=cycle_deadlines")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(audit["items"][0]["action"], "cycle_deadlines.updated");
    let feed = ok(
        app.as_(Some(&authority))
            .get("/api/v1/changes?types=cycle_deadlines")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(feed["items"].as_array().unwrap().len(), 1, "{feed}");
}

#[tokio::test]
async fn deadlines_and_general_proposals_refuse_bad_input_and_stale_writes() {
    let app = spawn_app().await;
    let region = app.region("33", "Владимирская область").await;
    let other = app.region("71", "Тульская область").await;
    let authority = app.user_token("vladimir-authority", Role::Authority, Some(region), None);
    let cycle = ok(
        app.as_(Some(&authority))
            .post_json(
                "/api/v1/cycles",
                &json!({"region_id": region, "year": 2018}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let deadlines = format!("/api/v1/cycles/{cycle}/deadlines");
    let read = app.as_(Some(&authority)).get(&deadlines).await;
    let etag = etag_of(&read);
    assert_eq!(ok(read, StatusCode::OK).await["deadlines"], json!([]));
    let put = |body: Value, tag: Option<String>| {
        let mut request = app
            .as_(Some(&authority))
            .request(Method::PUT, &deadlines)
            .json(&body);
        if let Some(tag) = tag {
            request = request.header("If-Match", tag);
        }
        request.send()
    };
    for (body, field) in [
        (
            json!({"deadlines": [{"kind": "plans_due", "due_on": "2019-02-10"},
                                 {"kind": "plans_due", "due_on": "2019-02-11"}]}),
            "deadlines",
        ),
        (
            json!({"deadlines": [{"kind": "other", "due_on": "2019-02-10"}]}),
            "deadlines[0].title",
        ),
        (
            json!({"deadlines": [{"kind": "late", "due_on": "2019-02-10"}]}),
            "deadlines[0].kind",
        ),
    ] {
        assert_problem(
            put(body, Some(etag.clone())).await.unwrap(),
            422,
            Some(field),
        )
        .await;
    }
    let body = json!({"deadlines": [{"kind": "plans_due", "due_on": "2019-02-10"}]});
    assert_problem(put(body.clone(), None).await.unwrap(), 428, None).await;
    let set = put(body.clone(), Some(etag.clone())).await.unwrap();
    let new_tag = etag_of(&set);
    assert_eq!(
        ok(set, StatusCode::OK).await["deadlines"][0]["title"],
        "Представить планы мероприятий по улучшению качества работы"
    );
    assert_problem(put(body, Some(etag)).await.unwrap(), 412, None).await;
    let audit = ok(
        app.as_(Some(&app.admin))
            .get("/api/v1/audit-events?resource_type=cycle_deadlines")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        audit["items"].as_array().unwrap().len(),
        1,
        "nothing half-written by the refused ones"
    );
    assert_ne!(new_tag, "");

    // Proposals name a meeting of the cycle's region only.
    let council = app.user_token("vladimir-council", Role::Council, Some(region), None);
    let elsewhere = ok(
        app.post_json(
            &format!("/api/v1/regions/{other}/council-meetings"),
            &json!({"held_on": "2019-01-24", "title": "Заседание"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let proposals = format!("/api/v1/cycles/{cycle}/proposals");
    assert_problem(
        app.as_(Some(&council))
            .post_json(
                &proposals,
                &json!({"text": "Общее предложение", "meeting_id": elsewhere["id"]}),
            )
            .await,
        422,
        Some("meeting_id"),
    )
    .await;
    let general = ok(
        app.as_(Some(&council))
            .post_json(
                &proposals,
                &json!({"criterion": "K1", "text": "Предложение"}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    // A proposal on a criterion may become general.
    let one = format!("{proposals}/{}", general["id"]);
    let etag = etag_of(&app.as_(Some(&council)).get(&one).await);
    let patched = ok(
        app.as_(Some(&council))
            .patch_json(&one, Some(&etag), &json!({"criterion": null}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(patched["criterion"], Value::Null);
    assert_eq!(patched["criterion_name"], Value::Null);
}
