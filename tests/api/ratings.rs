//! Ratings from results through the council's approval, publication and reopening; changes
//! against the previous cycle; exports read back; the regional summary; council proposals.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use nok_api::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::cycles::worked_example;
use crate::helpers::{assert_problem, etag_of, organization_body, spawn_app, TestApp};

/// A region with organizations, its authority, council and operator.
struct Region {
    id: i64,
    orgs: Vec<i64>,
    authority: String,
    council: String,
    operator: String,
    operator_id: i64,
}

/// Tula with `forms.len()` organizations providing those forms of service.
async fn region(app: &TestApp, forms: &[&[&str]]) -> Region {
    region_in(app, ("71", "Тульская область", "tula"), 1, forms).await
}

/// The region (code, name, user name prefix) with organizations numbered from `first`.
async fn region_in(
    app: &TestApp,
    (code, name, prefix): (&str, &str, &str),
    first: u64,
    forms: &[&[&str]],
) -> Region {
    let id = app.region(code, name).await;
    let mut orgs = Vec::new();
    for (n, forms) in forms.iter().enumerate() {
        let mut body = organization_body(id, first + n as u64);
        body["service_forms"] = json!(forms);
        orgs.push(app.organization(&body).await["id"].as_i64().unwrap());
    }
    let operator = app.user_token(
        &format!("{prefix}-operator"),
        Role::Operator,
        Some(id),
        None,
    );
    let me: Value = app
        .as_(Some(&operator))
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    Region {
        id,
        orgs,
        authority: app.user_token(
            &format!("{prefix}-authority"),
            Role::Authority,
            Some(id),
            None,
        ),
        council: app.user_token(&format!("{prefix}-council"), Role::Council, Some(id), None),
        operator,
        operator_id: me["user_id"].as_i64().unwrap(),
    }
}

/// The worked example with `found` of 10 stand items: found 9 gives 90.72, each item ±0.3.
fn inputs(found: u64) -> Value {
    let mut inputs = worked_example();
    inputs["stand_information"]["found"] = json!(found);
    inputs
}

async fn put_inputs(app: &TestApp, r: &Region, cycle: i64, org: i64, found: u64) {
    let path = format!("/api/v1/cycles/{cycle}/evaluations/{org}");
    let etag = etag_of(&app.as_(Some(&r.operator)).get(&path).await);
    let response = app
        .as_(Some(&r.operator))
        .request(Method::PUT, &format!("{path}/inputs"))
        .header("If-Match", etag)
        .json(&inputs(found))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
}

async fn post(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.as_(Some(token))
        .request(Method::POST, path)
        .send()
        .await
        .unwrap()
}

/// A cycle of `year` assessing `orgs` with the stand items found, collecting.
async fn collecting(app: &TestApp, r: &Region, year: i32, orgs: &[(i64, u64)]) -> i64 {
    let ids: Vec<i64> = orgs.iter().map(|(o, _)| *o).collect();
    let body = json!({"region_id": r.id, "year": year, "organization_ids": ids, "operator_user_ids": [r.operator_id],
        "operator": {"name": "ООО «Оператор»", "contract_number": "1", "contract_date": format!("{year}-04-02")}});
    let response = app
        .as_(Some(&r.authority))
        .post_json("/api/v1/cycles", &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let cycle = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let started = post(
        app,
        &r.authority,
        &format!("/api/v1/cycles/{cycle}/start-collecting"),
    )
    .await;
    assert_eq!(started.status(), StatusCode::OK);
    for (org, found) in orgs {
        put_inputs(app, r, cycle, *org, *found).await;
    }
    cycle
}

async fn submit(app: &TestApp, r: &Region, cycle: i64) {
    let response = post(
        app,
        &r.operator,
        &format!("/api/v1/cycles/{cycle}/submit-results"),
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
}

async fn approve(app: &TestApp, r: &Region, cycle: i64, number: &str) -> reqwest::Response {
    app.as_(Some(&r.council))
        .post_json(
            &format!("/api/v1/cycles/{cycle}/ratings/approve"),
            &json!({"number": number, "date": "2018-12-14"}),
        )
        .await
}

async fn rating(
    app: &TestApp,
    token: Option<&str>,
    cycle: i64,
    query: &str,
) -> (StatusCode, Value) {
    let response = app
        .as_(token)
        .get(&format!("/api/v1/cycles/{cycle}/ratings{query}"))
        .await;
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// (organization, place, score) of each item.
fn lines(rating: &Value) -> Vec<(i64, Option<u64>, String)> {
    rating["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["organization_id"].as_i64().unwrap(),
                i["place"].as_u64(),
                i["score"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn ratings_rank_ties_per_form_and_approval_freezes_them_until_published_again() {
    let app = spawn_app().await;
    let r = region(
        &app,
        &[
            &["stationary"],
            &["stationary", "home_based"],
            &["home_based"],
            &["stationary"],
        ],
    )
    .await;
    let [o1, o2, o3, o4] = r.orgs[..] else {
        unreachable!()
    };
    let cycle = collecting(&app, &r, 2018, &[(o1, 9), (o2, 10), (o3, 9), (o4, 8)]).await;

    // Before approval the region's readers see the current results; nobody else sees anything.
    let (status, all) = rating(&app, Some(&r.authority), cycle, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["basis"]["kind"], "current");
    assert_eq!(
        lines(&all),
        [
            (o2, Some(1), "91.02".into()),
            (o1, Some(2), "90.72".into()),
            (o3, Some(2), "90.72".into()),
            (o4, Some(4), "90.42".into()),
        ]
    );
    assert_eq!(all["organizations"], 4);
    assert_eq!(all["region_score"], "90.72"); // (91.02 + 90.72 + 90.72 + 90.42) / 4
    assert_eq!(
        all["items"][0]["criteria"][0],
        json!({"code": "K1", "score": "93.50"}),
        "scores at the cycle's precision, as official tables show them"
    );
    let (_, stationary) = rating(&app, Some(&r.authority), cycle, "?service_form=stationary").await;
    assert_eq!(
        lines(&stationary)
            .iter()
            .map(|l| (l.0, l.1))
            .collect::<Vec<_>>(),
        [(o2, Some(1)), (o1, Some(2)), (o4, Some(3))]
    );
    let (_, home) = rating(&app, Some(&r.authority), cycle, "?service_form=home_based").await;
    assert_eq!(
        lines(&home).iter().map(|l| (l.0, l.1)).collect::<Vec<_>>(),
        [(o2, Some(1)), (o3, Some(2))]
    );
    let (_, semi) = rating(
        &app,
        Some(&r.authority),
        cycle,
        "?service_form=semi_stationary",
    )
    .await;
    assert_eq!(semi["organizations"], 0);
    assert_eq!(semi["items"], json!([]));
    assert_eq!(semi["region_score"], Value::Null);
    let (_, by_k2) = rating(&app, Some(&r.authority), cycle, "?criterion=K2").await;
    assert!(by_k2["criterion_name"]
        .as_str()
        .unwrap()
        .starts_with("Комфортность"));
    assert!(
        lines(&by_k2).iter().all(|l| l.1 == Some(1)),
        "K2 is the same for all: {by_k2}"
    );
    let (_, paged) = rating(&app, Some(&r.authority), cycle, "?limit=3").await;
    assert_eq!(lines(&paged).len(), 3);
    let cursor = paged["next_cursor"].as_str().unwrap();
    let (_, rest) = rating(
        &app,
        Some(&r.authority),
        cycle,
        &format!("?limit=3&cursor={cursor}"),
    )
    .await;
    assert_eq!(lines(&rest), [(o4, Some(4), "90.42".into())]);
    assert_eq!(rest["next_cursor"], Value::Null);
    assert_eq!(rating(&app, None, cycle, "").await.0, StatusCode::NOT_FOUND);
    // An assessed organization sees its own evaluation, not the others' results, until published.
    let organization = app.user_token("o1", Role::Organization, None, Some(o1));
    assert_eq!(
        rating(&app, Some(&organization), cycle, "").await.0,
        StatusCode::NOT_FOUND
    );
    let current = rating(&app, Some(&organization), cycle, "?approval=current").await;
    assert_eq!(current.0, StatusCode::NOT_FOUND);
    let export = app
        .as_(Some(&organization))
        .get(&format!("/api/v1/cycles/{cycle}/results/export?format=csv"))
        .await;
    assert_eq!(export.status(), StatusCode::NOT_FOUND);

    // Approval needs submitted results, and names what is missing.
    let early = approve(&app, &r, cycle, "3").await;
    assert_problem(early, 409, None).await;
    submit(&app, &r, cycle).await;
    let authority_approves = app
        .as_(Some(&r.authority))
        .post_json(
            &format!("/api/v1/cycles/{cycle}/ratings/approve"),
            &json!({"number": "3", "date": "2018-12-14"}),
        )
        .await;
    assert_problem(authority_approves, 403, None).await;
    let approved = approve(&app, &r, cycle, "3").await;
    assert_eq!(approved.status(), StatusCode::CREATED);
    assert_eq!(
        approved.headers()["location"],
        format!("/api/v1/cycles/{cycle}/ratings?approval=1").as_str()
    );
    let approval: Value = approved.json().await.unwrap();
    assert_eq!(approval["number"], 1);
    assert_eq!(
        approval["council_decision"],
        json!({"number": "3", "date": "2018-12-14"})
    );
    assert_eq!(approval["published"], false);
    assert_problem(approve(&app, &r, cycle, "4").await, 409, None).await;
    let cycle_now: Value = app
        .as_(Some(&r.authority))
        .get(&format!("/api/v1/cycles/{cycle}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cycle_now["status"], "approved");
    assert_eq!(cycle_now["council_decision"]["number"], "3");
    assert_eq!(rating(&app, None, cycle, "").await.0, StatusCode::NOT_FOUND);

    // Published: anonymous readers see the approved snapshot, cacheable by its ETag.
    let published = post(
        &app,
        &r.authority,
        &format!("/api/v1/cycles/{cycle}/publish"),
    )
    .await;
    assert_eq!(published.status(), StatusCode::OK);
    let (status, public) = rating(&app, None, cycle, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(public["basis"]["kind"], "approval");
    assert_eq!(public["basis"]["approval_number"], 1);
    assert_eq!(lines(&public), lines(&all));
    let first = app.get(&format!("/api/v1/cycles/{cycle}/ratings")).await;
    let tag = etag_of(&first);
    let again = app
        .as_(None)
        .request(Method::GET, &format!("/api/v1/cycles/{cycle}/ratings"))
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let evaluations = format!("/api/v1/cycles/{cycle}/evaluations/{o4}");
    assert_eq!(app.get(&evaluations).await.status(), StatusCode::OK);

    // Reopened and corrected: the approval and the publication stay as they were.
    let reopened = post(
        &app,
        &r.authority,
        &format!("/api/v1/cycles/{cycle}/reopen"),
    )
    .await;
    assert_eq!(reopened.status(), StatusCode::OK);
    put_inputs(&app, &r, cycle, o4, 10).await;
    let (status, still) = rating(&app, None, cycle, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(still, public, "the published snapshot must not move");
    assert_eq!(
        app.get(&evaluations).await.status(),
        StatusCode::NOT_FOUND,
        "live data of a reopened cycle is not public"
    );
    let (_, latest) = rating(&app, Some(&r.council), cycle, "").await;
    assert_eq!(lines(&latest), lines(&all), "the latest approval is frozen");
    let (_, current) = rating(&app, Some(&r.council), cycle, "?approval=current").await;
    assert_eq!(
        lines(&current)[..2],
        [(o2, Some(1), "91.02".into()), (o4, Some(1), "91.02".into())]
    );
    assert_eq!(
        rating(&app, None, cycle, "?approval=current").await.0,
        StatusCode::UNAUTHORIZED
    );

    // A new approval is a new snapshot; the public sees it once it is published.
    submit(&app, &r, cycle).await;
    assert_eq!(
        approve(&app, &r, cycle, "5").await.status(),
        StatusCode::CREATED
    );
    let (_, second) = rating(&app, Some(&r.council), cycle, "").await;
    assert_eq!(second["basis"]["approval_number"], 2);
    assert_eq!(lines(&second), lines(&current));
    assert_eq!(rating(&app, None, cycle, "").await.1, public);
    let (_, first_again) = rating(&app, Some(&r.council), cycle, "?approval=1").await;
    assert_eq!(lines(&first_again), lines(&all));
    assert_eq!(
        rating(&app, None, cycle, "?approval=2").await.0,
        StatusCode::UNAUTHORIZED
    );
    let approvals: Value = app
        .get(&format!("/api/v1/cycles/{cycle}/approvals"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approvals.as_array().unwrap().len(), 1);
    assert_eq!(approvals[0]["number"], 1);
    assert_eq!(approvals[0]["published"], true);
    let approvals: Value = app
        .as_(Some(&r.authority))
        .get(&format!("/api/v1/cycles/{cycle}/approvals"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approvals.as_array().unwrap().len(), 2);
    assert_eq!(approvals[1]["latest"], true);
    assert_eq!(
        post(
            &app,
            &r.authority,
            &format!("/api/v1/cycles/{cycle}/publish")
        )
        .await
        .status(),
        StatusCode::OK
    );
    let (_, public) = rating(&app, None, cycle, "").await;
    assert_eq!(public["basis"]["approval_number"], 2);
    assert_eq!(lines(&public), lines(&current));
}

#[tokio::test]
async fn ratings_show_changes_against_the_previous_approved_cycle() {
    let app = spawn_app().await;
    let r = region(&app, &[&["stationary"], &["stationary"], &["stationary"]]).await;
    let [o1, o2, o3] = r.orgs[..] else {
        unreachable!()
    };
    let first = collecting(&app, &r, 2018, &[(o1, 10), (o2, 8)]).await;
    submit(&app, &r, first).await;
    assert_eq!(
        approve(&app, &r, first, "1").await.status(),
        StatusCode::CREATED
    );
    let published = post(
        &app,
        &r.authority,
        &format!("/api/v1/cycles/{first}/publish"),
    )
    .await;
    assert_eq!(published.status(), StatusCode::OK);
    // A single organization: first place, nothing to compare with.
    let single = collecting(&app, &r, 2018, &[(o3, 5)]).await;
    submit(&app, &r, single).await;
    let (_, alone) = rating(&app, Some(&r.authority), single, "").await;
    assert_eq!(lines(&alone), [(o3, Some(1), "89.52".into())]);
    assert_eq!(alone["items"][0]["previous"], Value::Null);

    let second = collecting(&app, &r, 2019, &[(o1, 7), (o2, 10), (o3, 9)]).await;
    submit(&app, &r, second).await;
    let (_, now) = rating(&app, Some(&r.authority), second, "").await;
    assert_eq!(
        lines(&now),
        [
            (o2, Some(1), "91.02".into()),
            (o3, Some(2), "90.72".into()),
            (o1, Some(3), "90.12".into())
        ]
    );
    assert_eq!(
        now["items"][0]["previous"],
        json!({"cycle_id": first, "year": 2018, "place": 2, "score": "90.42", "score_change": "0.60", "place_change": 1})
    );
    assert_eq!(now["items"][2]["previous"]["place_change"], -2);
    // Changes at the cycle's precision, as the official tables show them.
    assert_eq!(now["items"][2]["previous"]["score_change"], "-0.90");
    // o3's 2018 cycle is not approved: no previous result.
    assert_eq!(now["items"][1]["previous"], Value::Null);
    // Approving freezes the references too.
    assert_eq!(
        approve(&app, &r, second, "2").await.status(),
        StatusCode::CREATED
    );
    let (_, frozen) = rating(&app, Some(&r.authority), second, "").await;
    assert_eq!(frozen["items"], now["items"]);
    // The printed title names the council's decision the export shows.
    for export in ["ratings", "results"] {
        let bytes = app
            .as_(Some(&r.authority))
            .get(&format!(
                "/api/v1/cycles/{second}/{export}/export?format=xlsx"
            ))
            .await
            .bytes()
            .await
            .unwrap();
        let name = if export == "ratings" {
            "Все формы обслуживания"
        } else {
            "Результаты"
        };
        let rows = sheet(&bytes, name);
        assert!(
            rows.iter().any(|r| r[0]
                == Data::String(
                    "Утверждено решением общественного совета № 2 от 14.12.2018".into()
                )),
            "{export}: {:?}",
            &rows[..4]
        );
    }
}

/// The merged ranges of a sheet, ((first row, first column), (last row, last column)).
pub(crate) fn merged(bytes: &[u8], name: &str) -> Vec<((u32, u32), (u32, u32))> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    workbook
        .merge_cells_by_sheet_name(name)
        .unwrap()
        .into_iter()
        .map(|d| (d.start, d.end))
        .collect()
}

fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let range = workbook.worksheet_range(name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

#[tokio::test]
async fn exports_carry_official_headings_and_read_back_as_served() {
    let app = spawn_app().await;
    let r = region(&app, &[&["stationary"], &["home_based"]]).await;
    let [o1, o2] = r.orgs[..] else { unreachable!() };
    let cycle = collecting(&app, &r, 2018, &[(o1, 9), (o2, 10)]).await;
    let export = |query: &'static str, accept: Option<&'static str>| {
        let mut request = app.as_(Some(&r.authority)).request(
            Method::GET,
            &format!("/api/v1/cycles/{cycle}/ratings/export{query}"),
        );
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        request.send()
    };
    let xlsx = export("", None).await.unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(xlsx.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".xlsx"));
    let bytes = xlsx.bytes().await.unwrap();
    let names = Xlsx::new(Cursor::new(bytes.to_vec()))
        .map(|w: Xlsx<_>| w.sheet_names())
        .unwrap();
    assert_eq!(
        names,
        [
            "Все формы обслуживания",
            "Стационарная форма",
            "Полустационарная форма",
            "Форма на дому"
        ]
    );
    let all = sheet(&bytes, "Все формы обслуживания");
    // The printed title: what, region and year, the form, the council's decision (none yet).
    let title: Vec<String> = all[..4].iter().map(|r| r[0].to_string()).collect();
    assert_eq!(
        title,
        [
            "Рейтинг организаций социального обслуживания по результатам независимой оценки качества условий оказания услуг",
            "Тульская область, 2018 год",
            "Все формы обслуживания",
            "Предварительные результаты: общественным советом не утверждены",
        ]
    );
    let width = all[5].len();
    let merges = merged(&bytes, "Все формы обслуживания");
    assert!(
        (0..4).all(|r| merges.contains(&((r, 0), (r, width as u32 - 1)))),
        "{merges:?}"
    );
    // The headings after an empty row; the rows below them.
    let all = all[5..].to_vec();
    let heading: Vec<String> = all[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(heading[..3], ["Место в рейтинге", "Организация", "ИНН"]);
    assert!(
        heading[3].starts_with("K1. Открытость и доступность информации"),
        "{}",
        heading[3]
    );
    assert!(heading.contains(&"Итоговый балл".to_owned()));
    let total = heading.iter().position(|h| h == "Итоговый балл").unwrap();
    assert_eq!(all[1][0], Data::Float(1.0));
    assert!(all[1][1].to_string().contains("№ 2»"), "{:?}", all[1][1]);
    assert_eq!(all[1][total], Data::Float(91.02));
    assert_eq!(all[2][total], Data::Float(90.72));
    assert_eq!(
        sheet(&bytes, "Полустационарная форма").len(),
        6,
        "an empty form has its title and headings only"
    );
    assert_eq!(sheet(&bytes, "Форма на дому").len(), 7);

    let csv = export("", Some("text/csv")).await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "Форма социального обслуживания");
    assert_eq!(&headers[1], "Место в рейтинге");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4); // two in all forms, one stationary, one home-based
    assert_eq!(&rows[0][0], "Все формы обслуживания");
    assert_eq!(&rows[0][total + 1], "91.02");
    assert_eq!(
        export("?format=csv", Some("application/json"))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_problem(
        export("", Some("application/pdf")).await.unwrap(),
        406,
        None,
    )
    .await;
    assert_problem(
        export("?format=pdf", None).await.unwrap(),
        400,
        Some("format"),
    )
    .await;
    let (title, ascii) = crate::plans::file_names(&export("", None).await.unwrap());
    assert_eq!(title, "Рейтинг_Тульская_область_2018.xlsx");
    assert_eq!(ascii, "rating-71-2018.xlsx");

    // Russian Excel's dialect: `;`, decimal comma, CRLF, BOM, one width for every row.
    let ru = export("?format=csv&dialect=excel-ru", None).await.unwrap();
    assert_eq!(ru.status(), StatusCode::OK);
    let (title, ascii) = crate::plans::file_names(&ru);
    assert_eq!(title, "Рейтинг_Тульская_область_2018.csv");
    assert_eq!(ascii, "rating-71-2018.csv");
    let bytes = ru.bytes().await.unwrap().to_vec();
    let lines = bytes.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(bytes.windows(2).filter(|w| w == b"\r\n").count(), lines);
    let records = crate::plans::csv_records(&bytes, b';');
    assert_eq!(records.len(), 5);
    assert!(
        records.iter().all(|r| r.len() == headers.len()),
        "{records:?}"
    );
    assert_eq!(
        records[0][..2],
        ["Форма социального обслуживания", "Место в рейтинге"]
    );
    assert_eq!(records[1][total + 1], "91,02");
    assert_eq!(records[2][total + 1], "90,72");
    assert_problem(
        export("?format=csv&dialect=ru", None).await.unwrap(),
        400,
        Some("dialect"),
    )
    .await;

    // The results export: the same dialect and a name of its own.
    let results = app
        .as_(Some(&r.authority))
        .get(&format!(
            "/api/v1/cycles/{cycle}/results/export?format=csv&dialect=excel-ru"
        ))
        .await;
    assert_eq!(results.status(), StatusCode::OK);
    let (title, ascii) = crate::plans::file_names(&results);
    assert_eq!(title, "Результаты_Тульская_область_2018.csv");
    assert_eq!(ascii, "results-71-2018.csv");
    let records = crate::plans::csv_records(&results.bytes().await.unwrap(), b';');
    assert_eq!(records.len(), 3);
    let width = records[0].len();
    assert!(records.iter().all(|r| r.len() == width), "{records:?}");
    let result_total = records[0]
        .iter()
        .position(|h| h == "Итоговый балл")
        .unwrap();
    let mut totals: Vec<&str> = records[1..]
        .iter()
        .map(|r| r[result_total].as_str())
        .collect();
    totals.sort_unstable();
    assert_eq!(totals, ["90,72", "91,02"]);
    assert_problem(
        export("?criterion=K9", None).await.unwrap(),
        400,
        Some("criterion"),
    )
    .await;

    let results = app
        .as_(Some(&r.authority))
        .get(&format!(
            "/api/v1/cycles/{cycle}/results/export?format=xlsx"
        ))
        .await;
    assert_eq!(results.status(), StatusCode::OK);
    let bytes = results.bytes().await.unwrap();
    let rows = sheet(&bytes, "Результаты");
    assert_eq!(
        rows[0][0].to_string(),
        "Результаты независимой оценки качества условий оказания услуг организациями социального обслуживания"
    );
    assert_eq!(rows[1][0].to_string(), "Тульская область, 2018 год");
    // Heading row 4 prints the indicators by code; their names follow the table in full.
    let heading: Vec<String> = rows[4].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        heading[..4],
        [
            "№ п/п",
            "Организация",
            "ИНН",
            "Формы социального обслуживания"
        ]
    );
    let indicator = heading.iter().position(|h| h == "1.1").unwrap();
    assert_eq!(heading[heading.len() - 1], "Итоговый балл");
    let data = &rows[5..7];
    let mut numbers: Vec<&Data> = data.iter().map(|r| &r[0]).collect();
    numbers.sort_by_key(|d| d.to_string());
    assert_eq!(
        numbers,
        [&Data::Float(1.0), &Data::Float(2.0)],
        "«№ п/п» filled"
    );
    let stationary = data
        .iter()
        .find(|r| r[3] == Data::String("стационарная форма".into()))
        .unwrap();
    assert_eq!(stationary[indicator], Data::Float(90.0));
    assert_eq!(stationary[heading.len() - 1], Data::Float(90.72));
    assert!(rows[8][0].to_string().starts_with("1.1. "), "{:?}", rows[8]);
    assert!(merged(&bytes, "Результаты").contains(&((0, 0), (0, heading.len() as u32 - 1))));
    assert_eq!(
        app.get(&format!("/api/v1/cycles/{cycle}/results/export"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn rating_requests_with_bad_parameters_name_them() {
    let app = spawn_app().await;
    let r = region(&app, &[&["stationary"]]).await;
    let cycle = collecting(&app, &r, 2018, &[(r.orgs[0], 9)]).await;
    for (query, field) in [
        ("?service_form=mobile", "service_form"),
        ("?criterion=K9", "criterion"),
        ("?approval=0", "approval"),
        ("?approval=newest", "approval"),
        ("?limit=0", "limit"),
        ("?cursor=zzz", "cursor"),
    ] {
        let response = app
            .as_(Some(&r.authority))
            .get(&format!("/api/v1/cycles/{cycle}/ratings{query}"))
            .await;
        assert_problem(response, 400, Some(field)).await;
    }
    let unknown = app
        .as_(Some(&r.authority))
        .get(&format!("/api/v1/cycles/{cycle}/ratings?sort=asc"))
        .await;
    assert_problem(unknown, 400, None).await;
    let missing = app
        .as_(Some(&r.authority))
        .get(&format!("/api/v1/cycles/{cycle}/ratings?approval=7"))
        .await;
    assert_problem(missing, 404, None).await;
    let unpublished = app
        .as_(Some(&r.authority))
        .get(&format!(
            "/api/v1/cycles/{cycle}/ratings?approval=published"
        ))
        .await;
    assert_problem(unpublished, 404, None).await;
    let path = format!("/api/v1/cycles/{cycle}/ratings/approve");
    for (body, status, field) in [
        (
            json!({"number": " ", "date": "2018-12-14"}),
            422,
            Some("number"),
        ),
        (
            json!({"number": "1", "date": "1990-01-01"}),
            422,
            Some("date"),
        ),
        (json!({"number": "1"}), 422, Some("date")),
        (
            json!({"number": "1", "date": "14.12.2018"}),
            422,
            Some("date"),
        ),
        (
            json!({"number": "1", "date": "2018-12-14", "status": "approved"}),
            422,
            Some("status"),
        ),
    ] {
        let response = app.as_(Some(&r.council)).post_json(&path, &body).await;
        assert_problem(response, status, field).await;
    }
    // Nothing was approved by any of them.
    let approvals: Value = app
        .as_(Some(&r.council))
        .get(&format!("/api/v1/cycles/{cycle}/approvals"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approvals, json!([]));
    let summary = app
        .get(&format!("/api/v1/regions/{}/summary?year=1900", r.id))
        .await;
    assert_problem(summary, 400, Some("year")).await;
    assert_problem(app.get("/api/v1/regions/999/summary").await, 404, None).await;
}

#[tokio::test]
async fn the_region_summary_counts_coverage_and_means_of_what_the_caller_may_see() {
    let app = spawn_app().await;
    let r = region(
        &app,
        &[
            &["stationary"],
            &["stationary"],
            &["home_based"],
            &["stationary"],
            &["stationary"],
        ],
    )
    .await;
    let [o1, o2, o3, o4, o5] = r.orgs[..] else {
        unreachable!()
    };
    // o5 was assessed in 2016, o4 never.
    let old = collecting(&app, &r, 2016, &[(o5, 9)]).await;
    submit(&app, &r, old).await;
    let cycle = collecting(&app, &r, 2018, &[(o1, 10), (o2, 9), (o3, 8)]).await;
    submit(&app, &r, cycle).await;
    assert_eq!(
        approve(&app, &r, cycle, "7").await.status(),
        StatusCode::CREATED
    );

    let summary = |token: Option<String>| {
        let app = &app;
        let path = format!("/api/v1/regions/{}/summary?year=2018", r.id);
        async move {
            app.as_(token.as_deref())
                .get(&path)
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let inside = summary(Some(r.council.clone())).await;
    assert_eq!(inside["basis"], "approved");
    assert_eq!(inside["organizations_active"], 5);
    assert_eq!(inside["assessed_in_year"], 3);
    assert_eq!(inside["assessed_in_year_percent"], "60");
    assert_eq!(inside["assessed_in_three_years"], 4);
    assert_eq!(inside["assessed_in_three_years_percent"], "80");
    let results = &inside["results"];
    assert_eq!(results["organizations"], 3);
    assert_eq!(results["total_mean"], "90.72");
    assert_eq!(results["region_total"], "90.72");
    assert_eq!(results["criteria"][0]["code"], "K1");
    assert_eq!(results["criteria"][0]["mean"], "92.00");
    assert_eq!(
        results["distribution"][5],
        json!({"from": "90", "to": "100", "organizations": 3})
    );
    assert_eq!(
        inside["not_assessed_in_three_years"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        inside["not_assessed_in_three_years"][0]["organization_id"],
        o4
    );

    // The public sees published results only; nothing is published yet.
    let outside = summary(None).await;
    assert_eq!(outside["basis"], "published");
    assert_eq!(outside["assessed_in_year"], 0);
    assert_eq!(outside["results"]["organizations"], 0);
    assert_eq!(outside["results"]["total_mean"], Value::Null);
    let sverdlovsk = app.region("66", "Свердловская область").await;
    let elsewhere = app.user_token(
        "sverdlovsk-authority",
        Role::Authority,
        Some(sverdlovsk),
        None,
    );
    assert_eq!(summary(Some(elsewhere.clone())).await["basis"], "published");
    assert_eq!(
        post(
            &app,
            &r.authority,
            &format!("/api/v1/cycles/{cycle}/publish")
        )
        .await
        .status(),
        StatusCode::OK
    );
    let outside = summary(Some(elsewhere)).await;
    assert_eq!(outside["assessed_in_year"], 3);
    assert_eq!(outside["results"]["total_mean"], "90.72");
    assert_eq!(
        outside["not_assessed_in_three_years"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "unpublished 2016 does not count outside"
    );
}

#[tokio::test]
async fn the_council_records_proposals_that_organizations_see_when_addressed() {
    let app = spawn_app().await;
    let r = region(&app, &[&["stationary"], &["stationary"], &["stationary"]]).await;
    let [o1, o2, o3] = r.orgs[..] else {
        unreachable!()
    };
    let cycle = collecting(&app, &r, 2018, &[(o1, 9), (o2, 9)]).await;
    let path = format!("/api/v1/cycles/{cycle}/proposals");
    let council = app.as_(Some(&r.council));
    let created = council
        .post_json(&path, &json!({"organization_id": o1, "criterion": "K1", "text": "  Привести сайт в соответствие с приказом № 886н "}))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let etag = etag_of(&created);
    let proposal: Value = created.json().await.unwrap();
    assert_eq!(
        proposal["text"],
        "Привести сайт в соответствие с приказом № 886н"
    );
    assert!(proposal["criterion_name"]
        .as_str()
        .unwrap()
        .starts_with("Открытость"));
    let general = council
        .post_json(
            &path,
            &json!({"criterion": "K3", "text": "Обустроить пандусы"}),
        )
        .await;
    assert_eq!(general.status(), StatusCode::CREATED);
    let to_o2 = council
        .post_json(
            &path,
            &json!({"organization_id": o2, "criterion": "K4", "text": "Обучить персонал"}),
        )
        .await;
    let to_o2: Value = to_o2.json().await.unwrap();

    for (body, status, field) in [
        (
            json!({"criterion": "K9", "text": "x"}),
            422,
            Some("criterion"),
        ),
        (json!({"criterion": "K1", "text": "  "}), 422, Some("text")),
        (
            json!({"organization_id": o3, "criterion": "K1", "text": "x"}),
            422,
            Some("organization_id"),
        ),
        (json!({"criterion": "K1"}), 422, Some("text")),
        (
            json!({"criterion": "K1", "text": "x", "approved": true}),
            422,
            Some("approved"),
        ),
    ] {
        assert_problem(council.post_json(&path, &body).await, status, field).await;
    }
    assert_problem(
        app.as_(Some(&r.authority))
            .post_json(&path, &json!({"criterion": "K1", "text": "x"}))
            .await,
        403,
        None,
    )
    .await;

    let one = format!("{path}/{}", proposal["id"]);
    assert_problem(
        council
            .patch_json(&one, None, &json!({"text": "Новый текст"}))
            .await,
        428,
        None,
    )
    .await;
    assert_problem(
        council
            .patch_json(&one, Some("\"99\""), &json!({"text": "Новый текст"}))
            .await,
        412,
        None,
    )
    .await;
    assert_problem(
        council
            .patch_json(&one, Some(&etag), &json!({"text": null}))
            .await,
        422,
        Some("text"),
    )
    .await;
    let patched = council
        .patch_json(
            &one,
            Some(&etag),
            &json!({"text": "Новый текст", "criterion": "K2"}),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let etag = etag_of(&patched);
    assert_eq!(patched.json::<Value>().await.unwrap()["criterion"], "K2");

    // The organization sees what is addressed to it and to all.
    let organization = app.user_token("o1", Role::Organization, None, Some(o1));
    let seen: Value = app
        .as_(Some(&organization))
        .get(&path)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["items"].as_array().unwrap().len(), 2);
    let other = format!("{path}/{}", to_o2["id"]);
    assert_problem(app.as_(Some(&organization)).get(&other).await, 404, None).await;
    assert_eq!(
        app.as_(Some(&organization)).get(&one).await.status(),
        StatusCode::OK
    );
    assert_problem(app.get(&path).await, 404, None).await;

    let delete = |etag: Option<String>| {
        let mut request = council.request(Method::DELETE, &one);
        if let Some(etag) = etag {
            request = request.header("If-Match", etag);
        }
        request.send()
    };
    assert_problem(delete(None).await.unwrap(), 428, None).await;
    assert_eq!(
        delete(Some(etag)).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(council.get(&one).await, 404, None).await;
    let events: Value = app
        .as_(Some(&app.admin))
        .get("/api/v1/audit-events?resource_type=proposal")
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"proposal.deleted") && actions.contains(&"proposal.updated"),
        "{actions:?}"
    );
}

/// The national summary (issue 17): a published cycle in Tula, an approved unpublished one in
/// Sverdlovsk; the public sees the first only, admin and auditor both; a publication shows at
/// the next read of the same instance although the summary was cached.
#[tokio::test]
async fn the_national_summary_adds_up_the_regions_the_caller_may_see() {
    let app = spawn_app().await;
    let tula = region_in(
        &app,
        ("71", "Тульская область", "tula"),
        1,
        &[&["stationary"] as &[&str]; 3],
    )
    .await;
    let ural = region_in(
        &app,
        ("66", "Свердловская область", "ural"),
        101,
        &[&["stationary"] as &[&str]; 2],
    )
    .await;
    let published = collecting(&app, &tula, 2018, &[(tula.orgs[0], 10), (tula.orgs[1], 9)]).await;
    publish(&app, &tula, published, "1").await;
    let approved = collecting(&app, &ural, 2018, &[(ural.orgs[0], 8)]).await;
    submit(&app, &ural, approved).await;
    assert_eq!(
        approve(&app, &ural, approved, "1").await.status(),
        StatusCode::CREATED
    );

    let summary = |token: Option<String>| {
        let app = &app;
        async move {
            let response = app
                .as_(token.as_deref())
                .get("/api/v1/summary?year=2018")
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()
        }
    };
    let public = summary(None).await;
    assert_eq!(public["year"], 2018);
    assert_eq!(public["basis"], "published");
    let by_code = |summary: &Value, code: &str| {
        summary["regions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        by_code(&public, "71"),
        json!({"region_id": tula.id, "code": "71", "name": "Тульская область",
            "organizations_active": 3, "assessed_in_year": 2, "assessed_in_year_percent": "66.67",
            "assessed_in_three_years": 2, "assessed_in_three_years_percent": "66.67",
            "cycles": 1, "organizations_with_results": 2, "total_mean": "90.87"})
    );
    let ural_public = by_code(&public, "66");
    assert_eq!(ural_public["organizations_active"], 2);
    assert_eq!(ural_public["assessed_in_year"], 0);
    assert_eq!(ural_public["cycles"], 0);
    assert_eq!(ural_public["total_mean"], Value::Null);
    assert_eq!(
        public["totals"],
        json!({"regions": 2, "organizations_active": 5, "assessed_in_year": 2,
            "assessed_in_year_percent": "40", "assessed_in_three_years": 2,
            "assessed_in_three_years_percent": "40", "cycles": 1,
            "organizations_with_results": 2, "total_mean": "90.87"})
    );
    // A region's council sees the country as the public does.
    assert_eq!(summary(Some(tula.council.clone())).await, public);

    let auditor = app.user_token("auditor", Role::Auditor, None, None);
    for insider in [app.admin.clone(), auditor] {
        let inside = summary(Some(insider)).await;
        assert_eq!(inside["basis"], "approved");
        let ural_inside = by_code(&inside, "66");
        assert_eq!(ural_inside["assessed_in_year"], 1);
        assert_eq!(ural_inside["assessed_in_year_percent"], "50");
        assert_eq!(ural_inside["cycles"], 1);
        assert_eq!(ural_inside["total_mean"], "90.42");
        assert_eq!(inside["totals"]["assessed_in_year"], 3);
        assert_eq!(inside["totals"]["assessed_in_year_percent"], "60");
        assert_eq!(inside["totals"]["cycles"], 2);
        assert_eq!(inside["totals"]["organizations_with_results"], 3);
        assert_eq!(inside["totals"]["total_mean"], "90.72");
    }

    // Published in Sverdlovsk: the cached public summary is not answered again.
    let path = format!("/api/v1/cycles/{approved}/publish");
    assert_eq!(
        post(&app, &ural.authority, &path).await.status(),
        StatusCode::OK
    );
    let public = summary(None).await;
    assert_eq!(by_code(&public, "66")["cycles"], 1);
    assert_eq!(public["totals"]["assessed_in_year"], 3);
    assert_eq!(public["totals"]["total_mean"], "90.72");
    assert_eq!(summary(None).await, public, "answered again from the cache");
    // Another year has nothing assessed; a bad year is a problem naming it.
    let other: Value = app
        .get("/api/v1/summary?year=2019")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(other["totals"]["cycles"], 0);
    assert_eq!(other["totals"]["assessed_in_three_years"], 3);
    assert_problem(
        app.get("/api/v1/summary?year=1900").await,
        400,
        Some("year"),
    )
    .await;
    assert_problem(app.get("/api/v1/summary?year=x").await, 400, Some("year")).await;
}

/// Two instances on one database (issue 17): a summary cached on the second is recomputed once
/// the first publishes, within the second's `NOK_FRESHNESS_MS`; the first sees it at once.
#[tokio::test]
async fn a_publication_on_one_instance_reaches_the_summary_cached_on_another() {
    let first = spawn_app().await;
    let second = crate::helpers::spawn_instance_beside(&first, crate::helpers::test_config()).await;
    let r = region(&first, &[&["stationary"], &["stationary"]]).await;
    let cycle = collecting(&first, &r, 2018, &[(r.orgs[0], 10), (r.orgs[1], 9)]).await;
    submit(&first, &r, cycle).await;
    approve(&first, &r, cycle, "7").await;
    async fn assessed(app: &TestApp, region_id: i64) -> Value {
        let path = format!("/api/v1/regions/{region_id}/summary?year=2018");
        app.get(&path).await.json::<Value>().await.unwrap()["assessed_in_year"].clone()
    }
    let assessed = |app| assessed(app, r.id);
    assert_eq!(
        assessed(&second).await,
        0,
        "nothing published: cached so on the second"
    );
    assert_eq!(assessed(&first).await, 0);
    let publish = post(
        &first,
        &r.authority,
        &format!("/api/v1/cycles/{cycle}/publish"),
    )
    .await;
    assert_eq!(publish.status(), StatusCode::OK);
    assert_eq!(
        assessed(&first).await,
        2,
        "the instance that wrote sees it at once"
    );
    // The second polls the versions every 200 ms: a bounded wait, no assertion on its speed.
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = assessed(&second).await;
        if seen == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(seen, 2);
}

/// Reopens the published `cycle`, sets `org`'s stand items found, and approves and publishes
/// the corrected results as approval `number`.
async fn republish(app: &TestApp, r: &Region, cycle: i64, (org, found): (i64, u64), number: &str) {
    let reopen = format!("/api/v1/cycles/{cycle}/reopen");
    assert_eq!(
        post(app, &r.authority, &reopen).await.status(),
        StatusCode::OK
    );
    put_inputs(app, r, cycle, org, found).await;
    publish(app, r, cycle, number).await;
}

/// Submits the results of `cycle`, approves them as approval `number` and publishes them.
async fn publish(app: &TestApp, r: &Region, cycle: i64, number: &str) {
    submit(app, r, cycle).await;
    assert_eq!(
        approve(app, r, cycle, number).await.status(),
        StatusCode::CREATED
    );
    let path = format!("/api/v1/cycles/{cycle}/publish");
    assert_eq!(
        post(app, &r.authority, &path).await.status(),
        StatusCode::OK
    );
}

/// Read routes answered from kept answers (issue 17): each answer read twice (the second from
/// memory), then a write it must show, then read again on the same instance at once: one
/// evaluation (and its 304), the evaluation list, the current rating with a token, the audit
/// log, the change feed, and the anonymous published rating.
#[tokio::test]
async fn a_write_shows_in_the_next_read_of_every_kept_answer() {
    let app = spawn_app().await;
    let r = region(&app, &[&["stationary"], &["stationary"]]).await;
    let (o1, o2) = (r.orgs[0], r.orgs[1]);
    let cycle = collecting(&app, &r, 2018, &[(o1, 10), (o2, 9)]).await;
    let auditor = app.user_token("auditor", Role::Auditor, None, None);
    let get = |path: String| {
        let app = &app;
        let auditor = auditor.clone();
        async move {
            let response = app.as_(Some(&auditor)).get(&path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let total = response
                .headers()
                .get("X-Total-Count")
                .map(|v| v.to_str().unwrap().to_owned());
            let tag = response
                .headers()
                .get("ETag")
                .map(|v| v.to_str().unwrap().to_owned());
            (tag, total, response.json::<Value>().await.unwrap())
        }
    };
    let read_twice = |path: String| {
        let get = &get;
        async move {
            let first = get(path.clone()).await;
            let second = get(path).await;
            assert_eq!(first.2, second.2, "kept: answered the same");
            assert_eq!((&first.0, &first.1), (&second.0, &second.1));
            first
        }
    };
    let evaluation = format!("/api/v1/cycles/{cycle}/evaluations/{o2}");
    let list = format!("/api/v1/cycles/{cycle}/evaluations?limit=50&total=true");
    let current = format!("/api/v1/cycles/{cycle}/ratings?approval=current");
    let audit = "/api/v1/audit-events?sort=-at&limit=1".to_owned();
    let feed = "/api/v1/changes?types=evaluation&limit=500".to_owned();
    let (tag, _, before) = read_twice(evaluation.clone()).await;
    let tag = tag.expect("an evaluation has an ETag");
    let not_modified = app
        .as_(Some(&auditor))
        .request(Method::GET, &evaluation)
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(etag_of(&not_modified), tag);
    let (_, total, list_before) = read_twice(list.clone()).await;
    assert_eq!(total.as_deref(), Some("2"));
    let (_, _, rating_before) = read_twice(current.clone()).await;
    let (_, _, audit_before) = read_twice(audit.clone()).await;
    let (_, _, feed_before) = read_twice(feed.clone()).await;

    put_inputs(&app, &r, cycle, o2, 10).await;

    let (new_tag, _, after) = get(evaluation.clone()).await;
    assert_ne!(new_tag.as_deref(), Some(tag.as_str()));
    assert_ne!(after["scores"], before["scores"]);
    let modified = app
        .as_(Some(&auditor))
        .request(Method::GET, &evaluation)
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(modified.status(), StatusCode::OK, "the old ETag is stale");
    let total_of = |page: &Value| page["items"][1]["total"].clone();
    let (_, total, list_after) = get(list).await;
    assert_eq!(total.as_deref(), Some("2"));
    assert_ne!(total_of(&list_after), total_of(&list_before));
    let (_, _, rating_after) = get(current).await;
    assert_ne!(lines(&rating_after), lines(&rating_before));
    assert_eq!(
        lines(&rating_after)[..2],
        [(o1, Some(1), "91.02".into()), (o2, Some(1), "91.02".into())]
    );
    let (_, _, audit_after) = get(audit).await;
    assert_eq!(
        audit_after["items"][0]["action"],
        "evaluation.inputs_entered"
    );
    assert!(
        audit_after["items"][0]["id"].as_i64() > audit_before["items"][0]["id"].as_i64(),
        "{audit_before} then {audit_after}"
    );
    let (_, _, feed_after) = get(feed).await;
    let count = |feed: &Value| feed["items"].as_array().unwrap().len();
    assert_eq!(count(&feed_after), count(&feed_before) + 1);
    assert_ne!(feed_after["next_cursor"], feed_before["next_cursor"]);

    // Published, read anonymously (kept), then republished: the next read shows the new one.
    publish(&app, &r, cycle, "1").await;
    for _ in 0..2 {
        let (status, public) = rating(&app, None, cycle, "").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(public["basis"]["approval_number"], 1);
    }
    republish(&app, &r, cycle, (o2, 8), "2").await;
    let (_, public) = rating(&app, None, cycle, "").await;
    assert_eq!(public["basis"]["approval_number"], 2);
}

/// Two instances on one database (issue 17): the anonymous rating kept on the second shows a
/// publication made on the first within the second's `NOK_FRESHNESS_MS`; so does the audit log
/// kept there for an auditor.
#[tokio::test]
async fn a_publication_on_one_instance_reaches_the_rating_kept_on_another() {
    let first = spawn_app().await;
    let second = crate::helpers::spawn_instance_beside(&first, crate::helpers::test_config()).await;
    let auditor = first.user_token("auditor", Role::Auditor, None, None);
    let r = region(&first, &[&["stationary"], &["stationary"]]).await;
    let cycle = collecting(&first, &r, 2018, &[(r.orgs[0], 10), (r.orgs[1], 9)]).await;
    publish(&first, &r, cycle, "1").await;
    async fn number(app: &TestApp, cycle: i64) -> Value {
        rating(app, None, cycle, "").await.1["basis"]["approval_number"].clone()
    }
    /// The newest audit event's id and action, as an auditor reads the log.
    async fn newest(app: &TestApp, auditor: &str) -> (i64, Value) {
        let page: Value = app
            .as_(Some(auditor))
            .get("/api/v1/audit-events?sort=-at&limit=1")
            .await
            .json()
            .await
            .unwrap();
        let item = &page["items"][0];
        (item["id"].as_i64().unwrap(), item["action"].clone())
    }
    // The number `app` shows once it shows `expected`, polling every 50 ms for at most 5 s.
    async fn number_within(app: &TestApp, cycle: i64, expected: i64) -> Value {
        let mut seen = Value::Null;
        for _ in 0..100 {
            seen = number(app, cycle).await;
            if seen == expected {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        seen
    }
    // Seen on the second once its poller read the publication, then kept there.
    assert_eq!(number_within(&second, cycle, 1).await, 1);
    assert_eq!(number(&second, cycle).await, 1);
    let (published_first, action) = newest(&second, &auditor).await;
    assert_eq!(action, "cycle.published");
    assert_eq!(newest(&second, &auditor).await.0, published_first);

    republish(&first, &r, cycle, (r.orgs[1], 8), "2").await;
    assert_eq!(
        number(&first, cycle).await,
        2,
        "the instance that wrote sees it at once"
    );
    // The second polls the versions every 200 ms: a bounded wait, no assertion on its speed.
    assert_eq!(number_within(&second, cycle, 2).await, 2);
    let (published_again, action) = newest(&second, &auditor).await;
    assert_eq!(action, "cycle.published");
    assert!(published_again > published_first);
}
