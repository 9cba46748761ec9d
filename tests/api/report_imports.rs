//! Execution reports imported from the official form: seed 004 as Russian Excel saves it, on a
//! plan that has neither deadlines nor an «УТВЕРЖДАЮ» block; figures as written and structured;
//! the signatory; the report's export read back; broken files and refused callers that store
//! nothing.

use nok_api::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, etag_of, spawn_app, TestApp};
use crate::imports::excel_csv;
use crate::plans::{csv_of, import, scene, seed_rows, xlsx_of, Scene, XLSX};

async fn import_report(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.as_(token)
        .request(Method::POST, path)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn post(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.as_(Some(token))
        .request(Method::POST, path)
        .send()
        .await
        .unwrap()
}

async fn download(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
    let response = app.as_(Some(token)).get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.bytes().await.unwrap().to_vec()
}

async fn report_count(app: &TestApp, token: &str, plan: i64) -> usize {
    let list: Value = app
        .as_(Some(token))
        .get(&format!("/api/v1/plans/{plan}/reports"))
        .await
        .json()
        .await
        .unwrap();
    list.as_array().unwrap().len()
}

/// Seed 004's plan (its first columns), imported by the authority and approved by reference to
/// its decision: the document has no «УТВЕРЖДАЮ» block. Its id.
async fn seed_004_plan(app: &TestApp, s: &Scene) -> i64 {
    let query = format!("organization_id={}&year=2024", s.org);
    let created = import(
        app,
        &s.authority,
        &query,
        "text/csv",
        csv_of(&seed_rows("004")),
    )
    .await;
    let status = created.status();
    let result: Value = created.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{result}");
    let plan = &result["plan"];
    assert_eq!(plan["approval"], Value::Null);
    let id = plan["id"].as_i64().unwrap();
    let path = format!("/api/v1/plans/{id}");
    assert_eq!(
        post(app, &s.organization, &format!("{path}/submit"))
            .await
            .status(),
        StatusCode::OK
    );
    let refused = assert_problem(
        post(app, &s.authority, &format!("{path}/approve")).await,
        409,
        None,
    )
    .await;
    assert!(refused["detail"]
        .as_str()
        .unwrap()
        .contains("approval_decision"));
    // The plan returns to draft to take the decision, then goes the whole way.
    assert_eq!(
        post(app, &s.authority, &format!("{path}/return"))
            .await
            .status(),
        StatusCode::OK
    );
    let etag = etag_of(&app.as_(Some(&s.authority)).get(&path).await);
    let decision = json!({"title": "Приказ Управления социальной политики № 24 «Об утверждении плана мероприятий»",
        "number": "112", "date": "2024-01-15"});
    let patched = app
        .as_(Some(&s.authority))
        .patch_json(&path, Some(&etag), &json!({"approval_decision": decision}))
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let patched: Value = patched.json().await.unwrap();
    assert_eq!(patched["approval_decision"], decision);
    for step in ["submit", "approve"] {
        let response = post(app, &s.authority, &format!("{path}/{step}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{step}");
    }
    id
}

/// What a report says of each measure, as a reader compares two reports.
fn said(report: &Value) -> Vec<Value> {
    report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            json!([
                e["number"],
                e["measures_taken"],
                e["actual_date"],
                e["execution_info"],
                e["result"],
                e["figures"],
                e["evidence"]
            ])
        })
        .collect()
}

#[tokio::test]
async fn seed_004_imports_as_a_report_on_its_plan_and_survives_its_export() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let plan = seed_004_plan(&app, &s).await;
    let base = format!("/api/v1/plans/{plan}/reports/import");

    // Seed 004 as Russian Excel saves it: Windows-1251, `;`, CRLF.
    let rows = seed_rows("004");
    let refs: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let cells: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
    let file = excel_csv(&cells);

    let dry = import_report(
        &app,
        Some(&s.organization),
        &format!("{base}?dry_run=true"),
        "text/csv",
        file.clone(),
    )
    .await;
    let status = dry.status();
    let dry: Value = dry.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(report_count(&app, &s.organization, plan).await, 0);

    let created = import_report(&app, Some(&s.organization), &base, "text/csv", file).await;
    let status = created.status();
    let location = created
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let created: Value = created.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let report = &created["report"];
    assert_eq!(
        location.as_deref(),
        Some(format!("/api/v1/plans/{plan}/reports/{}", report["id"]).as_str())
    );
    assert_eq!(report["status"], "draft");
    assert_eq!(
        report["period"],
        json!({"kind": "year", "year": 2024, "number": 1})
    );
    assert_eq!(
        report["signatory"],
        json!({"position": "Директор", "full_name": "В.М.Зуева", "date": null})
    );
    assert_eq!(said(report), said(&dry["report"]));
    let entries = report["entries"].as_array().unwrap();
    let first = &entries[0];
    assert_eq!(first["number"], "1.1.");
    assert!(first["execution_info"]
        .as_str()
        .unwrap()
        .contains("распространение информационных листовок и буклетов – 2823"));
    let surveyed = entries.iter().find(|e| e["number"] == "7.1.").unwrap();
    assert!(surveyed["execution_info"]
        .as_str()
        .unwrap()
        .contains("участвовало 719 человек"));
    let audit: Value = app
        .request(
            Method::GET,
            &format!(
                "/api/v1/audit-events?resource_type=report&resource_id={}",
                report["id"]
            ),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(audit.to_string().contains("report.imported"), "{audit}");

    // The export, CSV (both dialects) and XLSX, imports back as the same report.
    let id = report["id"].as_i64().unwrap();
    let export = format!("/api/v1/plans/{plan}/reports/{id}/export");
    for (n, (query, content_type)) in [
        ("format=csv", "text/csv"),
        ("format=csv&dialect=excel-ru", "text/csv"),
        ("format=xlsx", XLSX),
    ]
    .into_iter()
    .enumerate()
    {
        let file = download(&app, &s.organization, &format!("{export}?{query}")).await;
        let again = import_report(
            &app,
            Some(&s.organization),
            &format!("{base}?dry_run=true&kind=quarter&number={}", n + 1),
            content_type,
            file,
        )
        .await;
        let status = again.status();
        let again: Value = again.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{query}: {again}");
        assert_eq!(said(&again["report"]), said(report), "{query}");
        assert_eq!(again["report"]["signatory"], report["signatory"], "{query}");
    }
}

#[tokio::test]
async fn figures_keep_their_written_form_beside_the_structured_one() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let plan = seed_004_plan(&app, &s).await;
    let created = app
        .as_(Some(&s.organization))
        .post_json(
            &format!("/api/v1/plans/{plan}/reports"),
            &json!({"period": {"kind": "year", "year": 2024},
                "signatory": {"position": "Директор", "full_name": "В.М.Зуева", "date": "2025-01-20"}}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let etag = etag_of(&created);
    let report: Value = created.json().await.unwrap();
    let id = report["id"].as_i64().unwrap();
    let measure = report["entries"][0]["measure_id"].as_i64().unwrap();
    let entry = format!("/api/v1/plans/{plan}/reports/{id}/entries/{measure}");
    let figures = json!([
        {"name": "Готовы рекомендовать организацию", "written": "716 из 719"},
        {"name": "Доля", "written": "716/719"},
        {"name": "Привлечено благотворительных средств", "written": "6325765,69 рублей"},
        {"name": "Жалобы", "written": "не зарегистрировано"},
        {"name": "Опрошено", "value": "719", "unit": "чел."}
    ]);

    let mismatch = app
        .as_(Some(&s.organization))
        .request(Method::PUT, &entry)
        .header("if-match", &etag)
        .json(&json!({"figures": [{"name": "Опрошено", "written": "719", "value": "720"}]}))
        .send()
        .await
        .unwrap();
    assert_problem(mismatch, 422, Some("figures[0].value")).await;
    let empty = app
        .as_(Some(&s.organization))
        .request(Method::PUT, &entry)
        .header("if-match", &etag)
        .json(&json!({"figures": [{"name": "Опрошено"}]}))
        .send()
        .await
        .unwrap();
    assert_problem(empty, 422, Some("figures[0].written")).await;

    let put = app
        .as_(Some(&s.organization))
        .request(Method::PUT, &entry)
        .header("if-match", &etag)
        .json(
            &json!({"execution_info": "в течение 2024 года", "actual_date": "2024-12-20",
            "figures": figures, "evidence": ["https://zabota034.msp.midural.ru"]}),
        )
        .send()
        .await
        .unwrap();
    let status = put.status();
    let report: Value = put.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{report}");
    let shown = &report["entries"][0]["figures"];
    assert_eq!(
        shown[0],
        json!({"name": "Готовы рекомендовать организацию", "written": "716 из 719", "kind": "ratio",
            "value": null, "numerator": "716", "denominator": "719", "text": null, "unit": null})
    );
    assert_eq!(shown[1]["numerator"], "716");
    assert_eq!(shown[1]["written"], "716/719");
    assert_eq!(shown[2]["kind"], "value");
    assert_eq!(shown[2]["value"], "6325765.69");
    assert_eq!(shown[2]["unit"], "рублей");
    assert_eq!(shown[3]["kind"], "text");
    assert_eq!(shown[3]["text"], "не зарегистрировано");
    assert_eq!(shown[4]["written"], "719 чел.");
    assert_eq!(report["signatory"]["date"], "2025-01-20");

    // The export has the figures, the basis and the evidence in columns of their own.
    let csv = download(
        &app,
        &s.organization,
        &format!("/api/v1/plans/{plan}/reports/{id}/export?format=csv"),
    )
    .await;
    let text = String::from_utf8(csv.clone()).unwrap();
    for expected in [
        "Значения показателей",
        "Основание реализации",
        "Подтверждающие материалы (ссылки)",
        "Готовы рекомендовать организацию: 716 из 719",
        "Привлечено благотворительных средств: 6325765,69 рублей",
        "https://zabota034.msp.midural.ru",
        "открытость и прозрачность государственных и муниципальных учреждений",
        "В.М.Зуева",
        "20.01.2025",
    ] {
        assert!(text.contains(expected), "{expected}");
    }
    let again = import_report(
        &app,
        Some(&s.organization),
        &format!("/api/v1/plans/{plan}/reports/import?dry_run=true&kind=half_year&number=1"),
        "text/csv",
        csv,
    )
    .await;
    let status = again.status();
    let again: Value = again.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["report"]["entries"][0]["figures"], *shown);
    assert_eq!(again["report"]["entries"][0]["actual_date"], "2024-12-20");
    assert_eq!(again["report"]["signatory"], report["signatory"]);

    // A measure added without a deadline is kept, never overdue.
    let plan_body: Value = app
        .as_(Some(&s.organization))
        .get(&format!("/api/v1/plans/{plan}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(plan_body["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["measures"].as_array().unwrap())
        .all(|m| m["deadline"]["text"] == "" && m["overdue"] == false));
}

#[tokio::test]
async fn report_imports_refuse_broken_files_and_callers_and_store_nothing() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let plan = seed_004_plan(&app, &s).await;
    let base = format!("/api/v1/plans/{plan}/reports/import");
    let header: &[&str] = &[
        "№ п/п",
        "Основание реализации (независимая оценка качества)",
        "Мероприятия",
        "Фактический срок реализации",
        "Информация о выполнении",
    ];
    let section: &[&str] = &["I. Показатели, характеризующие открытость и доступность информации об организации социального обслуживания"];
    let title = seed_rows("004")
        .iter()
        .find(|r| r.first().map(String::as_str) == Some("1.1."))
        .unwrap()[2]
        .clone();

    // Row 3 names no measure of the plan; row 4 has no date in the date column.
    let file = excel_csv(&[
        header,
        section,
        &["9.9.", "", "Посадить сад", "", "выполнено"],
        &["1.1.", "", title.as_str(), "к новому году", "выполнено"],
    ]);
    let found = assert_problem(
        import_report(&app, Some(&s.organization), &base, "text/csv", file).await,
        422,
        Some("rows[4].actual_date"),
    )
    .await;
    assert!(found.to_string().contains("к новому году"), "{found}");
    let file = excel_csv(&[
        header,
        section,
        &["9.9.", "", "Посадить сад", "", "выполнено"],
        &["1.1.", "", title.as_str(), "20.12.2024", "выполнено"],
    ]);
    let found = assert_problem(
        import_report(&app, Some(&s.organization), &base, "text/csv", file).await,
        422,
        Some("rows[3].number"),
    )
    .await;
    assert!(found.to_string().contains("9.9."), "{found}");
    assert_eq!(report_count(&app, &s.organization, plan).await, 0);

    let good = excel_csv(&[
        header,
        section,
        &["1.1.", "", title.as_str(), "20.12.2024", "выполнено"],
    ]);
    let xlsx = xlsx_of(
        &[
            header,
            section,
            &["1.1.", "", title.as_str(), "", "выполнено"],
        ]
        .iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect::<Vec<Vec<String>>>(),
    );
    assert_problem(
        import_report(
            &app,
            Some(&s.organization),
            &base,
            "application/json",
            good.clone(),
        )
        .await,
        415,
        None,
    )
    .await;
    assert_problem(
        import_report(
            &app,
            Some(&s.organization),
            &format!("{base}?kind=month"),
            "text/csv",
            good.clone(),
        )
        .await,
        400,
        Some("kind"),
    )
    .await;
    assert_problem(
        import_report(&app, None, &base, "text/csv", good.clone()).await,
        401,
        None,
    )
    .await;
    let auditor = app.user_token("auditor", Role::Auditor, None, None);
    assert_problem(
        import_report(&app, Some(&auditor), &base, "text/csv", good.clone()).await,
        403,
        None,
    )
    .await;
    let other_org = app
        .organization(&crate::helpers::organization_body(s.region, 2))
        .await["id"]
        .as_i64()
        .unwrap();
    let stranger = app.user_token("other-org", Role::Organization, None, Some(other_org));
    assert_problem(
        import_report(&app, Some(&stranger), &base, "text/csv", good.clone()).await,
        404,
        None,
    )
    .await;
    assert_eq!(report_count(&app, &s.organization, plan).await, 0);

    let created = import_report(&app, Some(&s.organization), &base, XLSX, xlsx).await;
    let status = created.status();
    let created: Value = created.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["report"]["entries"][0]["execution_info"],
        "выполнено"
    );
    assert_eq!(created["report"]["signatory"], Value::Null);
    // The same period again is a conflict.
    assert_problem(
        import_report(&app, Some(&s.organization), &base, "text/csv", good).await,
        409,
        None,
    )
    .await;
    assert_eq!(report_count(&app, &s.organization, plan).await, 1);

    // A draft plan takes no report.
    let draft = import(
        &app,
        &s.authority,
        &format!("organization_id={}&year=2024", s.org),
        "text/csv",
        csv_of(&seed_rows("004")),
    )
    .await;
    let draft: Value = draft.json().await.unwrap();
    let draft = draft["plan"]["id"].as_i64().unwrap();
    let file = excel_csv(&[header, section, &["1.1.", "", title.as_str(), "", "x"]]);
    assert_problem(
        import_report(
            &app,
            Some(&s.organization),
            &format!("/api/v1/plans/{draft}/reports/import"),
            "text/csv",
            file,
        )
        .await,
        409,
        None,
    )
    .await;
}

#[tokio::test]
async fn a_plan_approved_by_an_order_imports_exports_and_approves_by_that_decision() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let query = format!("organization_id={}&year=2017", s.org);
    let file = excel_csv(&[
        &["УТВЕРЖДЕН приказом от 30.11.2016 № 819-р"],
        &["План мероприятий"],
        &["№ п/п", "Наименование мероприятия", "Срок реализации"],
        &["Открытость и доступность информации об организации"],
        &["1", "Обновить стенды", ""],
    ]);
    let created = import(&app, &s.authority, &query, "text/csv", file).await;
    let status = created.status();
    let created: Value = created.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let plan = &created["plan"];
    let decision =
        json!({"title": "приказом от 30.11.2016 № 819-р", "number": "819-р", "date": "2016-11-30"});
    assert_eq!(plan["approval_decision"], decision);
    assert_eq!(plan["approval"], Value::Null);
    let id = plan["id"].as_i64().unwrap();

    let csv = download(
        &app,
        &s.authority,
        &format!("/api/v1/plans/{id}/export?format=csv"),
    )
    .await;
    let again = import(
        &app,
        &s.authority,
        &format!("{query}&dry_run=true"),
        "text/csv",
        csv,
    )
    .await;
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["plan"]["approval_decision"], decision, "{again}");
    assert_eq!(again["plan"]["title"], "План мероприятий");

    for step in ["submit", "approve"] {
        let response = post(&app, &s.authority, &format!("/api/v1/plans/{id}/{step}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{step}");
    }
}
