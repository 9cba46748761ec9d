//! Improvement plans: import of the seed plans without loss, the life cycle with each role,
//! overdue measures at chosen dates, reports and their acceptance, export read back, drafting
//! from an evaluation, and broken files that store nothing.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use nok_api::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, etag_of, organization_body, spawn_app, TestApp};

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A seed document (tab-separated text) as sheet rows.
pub(crate) fn seed_rows(prefix: &str) -> Vec<Vec<String>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let path = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap();
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect()
}

pub(crate) fn csv_of(rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.into_inner().unwrap()
}

pub(crate) fn xlsx_of(rows: &[Vec<String>]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

pub(crate) async fn import(
    app: &TestApp,
    token: &str,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.as_(Some(token))
        .request(Method::POST, &format!("/api/v1/plans/import?{query}"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn measures(plan: &Value) -> Vec<Value> {
    plan["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["measures"].as_array().unwrap().clone())
        .collect()
}

pub(crate) async fn plan_count(app: &TestApp) -> usize {
    let page: Value = app
        .as_(Some(&app.admin))
        .get("/api/v1/plans")
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn the_seed_plans_import_without_loss_and_a_dry_run_stores_nothing() {
    let app = spawn_app().await;
    let moscow = app.region("77", "г. Москва").await;
    let tula = app.region("71", "Тульская область").await;
    let authority = app.user_token("moscow-authority", Role::Authority, Some(moscow), None);
    let pre_2018 = "methodology_id=pre-2018-five-criteria";

    let seed_000 = csv_of(&seed_rows("000"));
    let dry = import(
        &app,
        &authority,
        &format!("region_id={moscow}&{pre_2018}&dry_run=true"),
        "text/csv",
        seed_000.clone(),
    )
    .await;
    assert_eq!(dry.status(), StatusCode::OK);
    let dry: Value = dry.json().await.unwrap();
    assert_eq!(dry["dry_run"], true);
    assert_eq!(plan_count(&app).await, 0, "a dry run stores nothing");
    let created = import(
        &app,
        &authority,
        &format!("region_id={moscow}&{pre_2018}"),
        "text/csv",
        seed_000,
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert!(created.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/api/v1/plans/"));
    let result: Value = created.json().await.unwrap();
    let plan = &result["plan"];
    assert_eq!(plan["status"], "draft");
    assert_eq!(plan["organization_id"], Value::Null);
    assert_eq!(plan["year"], 2017);
    assert_eq!(plan["approval"]["full_name"], "П.А.Келлер");
    assert_eq!(plan["approval"]["date"], "2017-11-30");
    assert!(plan["approval"]["position"]
        .as_str()
        .unwrap()
        .starts_with("Заместитель руководителя"));
    assert!(plan["title"]
        .as_str()
        .unwrap()
        .starts_with("План мероприятий по улучшению качества работы"));
    let sections = plan["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 5);
    let criteria: Vec<&str> = sections
        .iter()
        .map(|s| s["criterion"].as_str().unwrap())
        .collect();
    assert_eq!(criteria, ["K1", "K2", "K4", "K3", "K5"]);
    let all = measures(plan);
    assert_eq!(all.len(), 22);
    for m in &all {
        let parts = m["deadline"]["parts"].as_array().unwrap();
        assert!(!parts.is_empty(), "{m}");
        assert!(
            parts.iter().all(|p| p["kind"] != "unstructured"),
            "unstructured deadline: {}",
            m["deadline"]
        );
        assert!(!m["title"].as_str().unwrap().is_empty());
    }
    assert_eq!(all[0]["deadline"]["parts"][0]["kind"], "continuous");
    assert!(all
        .iter()
        .any(|m| m["title"].as_str().unwrap().contains("обслуживания")));
    assert_eq!(dry["plan"]["sections"].as_array().unwrap().len(), 5);
    assert_eq!(measures(&dry["plan"]).len(), 22);

    // Seed 001 as XLSX: many institutions per measure, the source of information.
    let tula_authority = app.user_token("tula-authority", Role::Authority, Some(tula), None);
    let response = import(
        &app,
        &tula_authority,
        &format!("region_id={tula}&{pre_2018}"),
        XLSX,
        xlsx_of(&seed_rows("001")),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let result: Value = response.json().await.unwrap();
    let plan = &result["plan"];
    assert_eq!(plan["approval"]["full_name"], "А.В. Филиппов");
    assert_eq!(plan["approval"]["date"], "2017-03-29");
    let all = measures(plan);
    assert_eq!(all.len(), 12);
    assert!(
        all[0]["executors"].as_array().unwrap().len() > 5,
        "{}",
        all[0]["executors"]
    );
    assert!(all[0]["executors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["kind"] == "institution"));
    assert!(all.iter().all(|m| m["information_source"].is_string()));
    assert!(result["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w["row"].is_u64()));

    // Another region's authority may not import into Moscow.
    let refused = import(
        &app,
        &tula_authority,
        &format!("region_id={moscow}&{pre_2018}"),
        "text/csv",
        csv_of(&seed_rows("000")),
    )
    .await;
    assert_problem(refused, 403, None).await;
}

#[tokio::test]
async fn broken_files_are_refused_naming_the_row_and_store_nothing() {
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    let token = app.user_token("tula-authority", Role::Authority, Some(region), None);
    let query = format!("region_id={region}&year=2019");
    let wrong = b"a,b,c\n1,2,3\n".to_vec();
    let body = assert_problem(
        import(&app, &token, &query, "text/csv", wrong).await,
        422,
        None,
    )
    .await;
    assert!(
        body["errors"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("file")
            || body["errors"][0]["field"]
                .as_str()
                .unwrap()
                .starts_with("rows["),
        "{body}"
    );
    assert_problem(
        import(&app, &token, &query, "text/csv", Vec::new()).await,
        422,
        None,
    )
    .await;
    assert_problem(
        import(
            &app,
            &token,
            &query,
            XLSX,
            b"PK\x03\x04 not a workbook".to_vec(),
        )
        .await,
        422,
        Some("file"),
    )
    .await;
    let empty_sheet = xlsx_of(&[]);
    assert_problem(
        import(&app, &token, &query, XLSX, empty_sheet).await,
        422,
        None,
    )
    .await;
    // A measure may have no deadline (kept, with a warning), but not without a title.
    let no_title = "№ п/п,Наименование мероприятия,Срок реализации\nРаздел,,\n1,,\n2,Обновить стенды,до 31.12.2019\n";
    let body = assert_problem(
        import(
            &app,
            &token,
            &query,
            "text/csv",
            no_title.as_bytes().to_vec(),
        )
        .await,
        422,
        None,
    )
    .await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.iter().all(|f| f.starts_with("rows[")), "{fields:?}");
    let huge = vec![b'a'; 50 * 1024 * 1024];
    assert_problem(
        import(&app, &token, &query, "text/csv", huge).await,
        413,
        None,
    )
    .await;
    assert_problem(
        import(&app, &token, &query, "application/json", b"{}".to_vec()).await,
        415,
        None,
    )
    .await;
    assert_problem(
        import(&app, &token, "region_id=x", "text/csv", Vec::new()).await,
        400,
        Some("region_id"),
    )
    .await;
    let anonymous = app
        .as_(None)
        .request(Method::POST, &format!("/api/v1/plans/import?{query}"))
        .header("content-type", "text/csv")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, 401, None).await;
    assert_eq!(plan_count(&app).await, 0);
}

pub(crate) struct Scene {
    pub region: i64,
    pub org: i64,
    pub organization: String,
    pub authority: String,
}

pub(crate) async fn scene(app: &TestApp) -> Scene {
    let region = app.region("71", "Тульская область").await;
    let org = app.organization(&organization_body(region, 1)).await["id"]
        .as_i64()
        .unwrap();
    Scene {
        region,
        org,
        organization: app.user_token("org", Role::Organization, None, Some(org)),
        authority: app.user_token("tula-authority", Role::Authority, Some(region), None),
    }
}

pub(crate) fn new_plan(org: i64) -> Value {
    json!({"organization_id": org, "year": 2019, "title": "План мероприятий по улучшению качества работы на 2019 год",
    "basis": "Предложения Общественного совета от 14.12.2018", "due_date": "2019-02-10",
    "approval": {"position": "Министр труда и социальной защиты Тульской области", "full_name": "А.В. Филиппов", "date": "2019-02-20", "document_number": "12-р"},
    "sections": [
        {"criterion": "K1", "measures": [
            {"number": "1", "shortcoming": "Информация на стендах неполная", "title": "Обновить информацию на стендах",
             "deadline": "до 31.12.2019", "executors": [{"kind": "person", "full_name": "Иванова М.П.", "position": "директор"}]},
            {"number": "2", "title": "Поддерживать сайт в актуальном состоянии", "deadline": "постоянно"}]},
        {"criterion": "K3", "measures": [
            {"number": "1", "title": "Обустроить пандус", "deadline": "2 квартал 2019 года",
             "executors": [{"kind": "institution", "name": "ГУ ТО «Управление капитального строительства»"}]}]}
    ]})
}

async fn post(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.as_(Some(token))
        .request(Method::POST, path)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_plan_goes_from_draft_to_closed_with_overdue_measures_at_chosen_dates() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let other_region = app.region("66", "Свердловская область").await;
    let outsider = app.user_token(
        "sverdlovsk-authority",
        Role::Authority,
        Some(other_region),
        None,
    );
    assert_problem(
        app.as_(Some(&outsider))
            .post_json("/api/v1/plans", &new_plan(s.org))
            .await,
        403,
        None,
    )
    .await;
    let council = app.user_token("tula-council", Role::Council, Some(s.region), None);
    assert_problem(
        app.as_(Some(&council))
            .post_json("/api/v1/plans", &new_plan(s.org))
            .await,
        403,
        None,
    )
    .await;
    let created = app
        .as_(Some(&s.organization))
        .post_json("/api/v1/plans", &new_plan(s.org))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let plan: Value = created.json().await.unwrap();
    let id = plan["id"].as_i64().unwrap();
    let path = format!("/api/v1/plans/{id}");
    let first = measures(&plan)[0].clone();
    assert_eq!(
        first["deadline"]["parts"][0],
        json!({"kind": "date", "date": "2019-12-31"})
    );
    assert_eq!(
        measures(&plan)[2]["deadline"]["parts"][0]["kind"],
        "quarter"
    );
    assert_eq!(plan["completion"]["measures"], 3);

    // Drafts are the organization's and the region's; nobody else sees them.
    assert_problem(app.get(&path).await, 404, None).await;
    assert_problem(app.as_(Some(&outsider)).get(&path).await, 404, None).await;
    let etag = etag_of(&app.as_(Some(&s.organization)).get(&path).await);
    let patched = app
        .as_(Some(&s.organization))
        .patch_json(&path, Some(&etag), &json!({"basis": "Рекомендации совета"}))
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    assert_problem(
        app.as_(Some(&s.organization))
            .patch_json(&path, Some(&etag), &json!({"basis": "x"}))
            .await,
        412,
        None,
    )
    .await;
    assert_problem(
        app.as_(Some(&s.organization))
            .patch_json(&path, None, &json!({"basis": "x"}))
            .await,
        428,
        None,
    )
    .await;
    assert_problem(
        app.as_(Some(&s.organization))
            .patch_json(&path, Some("*"), &json!({"title": " "}))
            .await,
        422,
        Some("title"),
    )
    .await;

    assert_eq!(
        post(&app, &s.organization, &format!("{path}/submit"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(
        post(&app, &s.organization, &format!("{path}/approve")).await,
        403,
        None,
    )
    .await;
    assert_problem(
        post(&app, &s.organization, &format!("{path}/submit")).await,
        409,
        None,
    )
    .await;
    let measure_path = format!("{path}/measures/{}", first["id"]);
    assert_problem(
        app.as_(Some(&s.organization))
            .patch_json(&measure_path, Some("*"), &json!({"title": "Другое"}))
            .await,
        409,
        None,
    )
    .await;
    assert_eq!(
        post(&app, &s.authority, &format!("{path}/approve"))
            .await
            .status(),
        StatusCode::OK
    );

    // Overdue is derived for the day asked.
    let on = |day: &str| {
        let app = &app;
        let token = s.organization.clone();
        let path = format!("{measure_path}?as_of={day}");
        async move {
            app.as_(Some(&token))
                .get(&path)
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(on("2019-12-31").await["overdue"], false);
    assert_eq!(on("2020-01-01").await["overdue"], true);
    assert_eq!(on("2019-06-01").await["next_due"], "2019-12-31");
    let later: Value = app
        .as_(Some(&s.authority))
        .get(&format!("{path}?as_of=2019-07-01"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        later["completion"]["overdue"], 1,
        "the 2nd quarter's ramp is overdue: {}",
        later["completion"]
    );
    assert_problem(
        app.as_(Some(&s.authority))
            .get(&format!("{path}?as_of=01.07.2019"))
            .await,
        400,
        Some("as_of"),
    )
    .await;
    let done = app
        .as_(Some(&s.organization))
        .patch_json(&measure_path, Some("*"), &json!({"status": "done"}))
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(on("2020-01-01").await["overdue"], false);
    assert_problem(
        app.as_(Some(&s.organization))
            .patch_json(&measure_path, Some("*"), &json!({"status": "finished"}))
            .await,
        422,
        Some("status"),
    )
    .await;

    assert_problem(app.get(&path).await, 404, None).await;
    assert_eq!(
        post(&app, &s.authority, &format!("{path}/publish"))
            .await
            .status(),
        StatusCode::OK
    );
    let public: Value = app
        .get(&format!("{path}?as_of=2019-12-31"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["status"], "published");
    assert_eq!(public["completion"]["done"], 1);
    assert_eq!(public["completion"]["percent"], "33.33");
    let listed: Value = app.get("/api/v1/plans").await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        post(&app, &s.authority, &format!("{path}/close"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&path).await.status(),
        StatusCode::OK,
        "a closed plan stays public"
    );
}

#[tokio::test]
async fn reports_record_execution_with_figures_and_are_accepted_by_the_authority() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let plan: Value = app
        .as_(Some(&s.organization))
        .post_json("/api/v1/plans", &new_plan(s.org))
        .await
        .json()
        .await
        .unwrap();
    let id = plan["id"].as_i64().unwrap();
    let reports = format!("/api/v1/plans/{id}/reports");
    let period = json!({"period": {"kind": "year", "year": 2019}});
    assert_problem(
        app.as_(Some(&s.organization))
            .post_json(&reports, &period)
            .await,
        409,
        None,
    )
    .await;
    assert_eq!(
        post(&app, &s.organization, &format!("/api/v1/plans/{id}/submit"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        post(&app, &s.authority, &format!("/api/v1/plans/{id}/approve"))
            .await
            .status(),
        StatusCode::OK
    );
    for (body, field) in [
        (
            json!({"period": {"kind": "quarter", "year": 2019, "number": 5}}),
            "period.number",
        ),
        (
            json!({"period": {"kind": "year", "year": 1900}}),
            "period.year",
        ),
        (
            json!({"period": {"kind": "month", "year": 2019}}),
            "period.kind",
        ),
    ] {
        assert_problem(
            app.as_(Some(&s.organization))
                .post_json(&reports, &body)
                .await,
            422,
            Some(field),
        )
        .await;
    }
    let created = app
        .as_(Some(&s.organization))
        .post_json(&reports, &period)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let etag = etag_of(&created);
    let report: Value = created.json().await.unwrap();
    assert_eq!(report["entries"].as_array().unwrap().len(), 3);
    assert!(report["title"].as_str().unwrap().ends_with("за 2019 год"));
    assert_problem(
        app.as_(Some(&s.organization))
            .post_json(&reports, &period)
            .await,
        409,
        None,
    )
    .await;
    let report_path = format!("{reports}/{}", report["id"]);
    let read = app.as_(Some(&s.organization)).get(&report_path).await;
    assert_eq!(
        etag_of(&read),
        etag,
        "the GET's ETag is the one writes take"
    );
    let first = measures(&plan)[0]["id"].as_i64().unwrap();
    let entry_path = format!("{report_path}/entries/{first}");
    // Seed 004: 719 surveyed, 716 of them would recommend, 2694 applications, no complaints.
    let entry = json!({"execution_info": "в течение 2019 года: публикации в СМИ – 19; сайт и социальные сети – 696",
        "measures_taken": "Информация на стендах обновлена", "actual_date": "2019-11-20",
        "result": "Повышение удовлетворенности граждан информированностью",
        "figures": [{"name": "Опрошено получателей услуг", "value": "719", "unit": "чел."},
                    {"name": "Готовы рекомендовать организацию", "value": "716", "unit": "чел."},
                    {"name": "Зарегистрировано обращений", "value": "2694", "unit": null},
                    {"name": "Жалобы", "value": "0", "unit": null}],
        "evidence": ["https://zabota034.msp.midural.ru"]});
    let put = |etag: Option<String>, body: Value| {
        let mut request = app
            .as_(Some(&s.organization))
            .request(Method::PUT, &entry_path)
            .json(&body);
        if let Some(etag) = etag {
            request = request.header("If-Match", etag);
        }
        request.send()
    };
    assert_problem(put(None, entry.clone()).await.unwrap(), 428, None).await;
    let mut bad = entry.clone();
    bad["evidence"] = json!(["javascript:alert(1)"]);
    bad["figures"][0]["name"] = json!(" ");
    let body = assert_problem(put(Some(etag.clone()), bad).await.unwrap(), 422, None).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["figures[0].name", "evidence[0]"]);
    let saved = put(Some(etag), entry).await.unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let saved: Value = saved.json().await.unwrap();
    assert_eq!(saved["entries"][0]["figures"][1]["value"], "716");
    assert_eq!(saved["entries"][0]["actual_date"], "2019-11-20");

    assert_problem(
        post(&app, &s.organization, &format!("{report_path}/accept")).await,
        403,
        None,
    )
    .await;
    assert_eq!(
        post(&app, &s.organization, &format!("{report_path}/submit"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(put(Some("*".into()), json!({})).await.unwrap(), 409, None).await;
    assert_eq!(
        post(&app, &s.authority, &format!("{report_path}/accept"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(app.get(&report_path).await, 404, None).await;
    assert_eq!(
        post(&app, &s.authority, &format!("/api/v1/plans/{id}/publish"))
            .await
            .status(),
        StatusCode::OK
    );
    let public: Value = app.get(&report_path).await.json().await.unwrap();
    assert_eq!(public["status"], "accepted");
    let listed: Value = app.get(&reports).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let exported = app.get(&format!("{report_path}/export?format=xlsx")).await;
    assert_eq!(exported.status(), StatusCode::OK);
    let rows = sheet(&exported.bytes().await.unwrap());
    assert!(rows[0][0]
        .to_string()
        .starts_with("Отчёт о выполнении плана мероприятий"));
    // The title, an empty row, the headings.
    assert_eq!(
        rows[2][6].to_string(),
        "Реализованные меры по устранению выявленных недостатков"
    );
    let line = rows
        .iter()
        .find(|r| matches!(&r[2], Data::String(t) if t == "Обновить информацию на стендах"))
        .unwrap();
    assert_eq!(line[6].to_string(), "Информация на стендах обновлена");
    assert_eq!(line[7].to_string(), "20.11.2019");
    // The figures have a column of their own, as written.
    assert!(line[9]
        .to_string()
        .contains("Опрошено получателей услуг: 719 чел."));
    let (title, ascii) = file_names(&app.get(&format!("{report_path}/export?format=xlsx")).await);
    let year = plan["year"].as_i64().unwrap();
    assert_eq!(
        title,
        format!("Отчёт_ГУТО_Одоевский_дом-интернат_№_1_{year}.xlsx")
    );
    assert_eq!(ascii, format!("report-{}-{year}.xlsx", report["id"]));
    let csv = app
        .get(&format!("{report_path}/export?format=csv&dialect=excel-ru"))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(file_names(&csv).0.ends_with(".csv"));
    let bytes = csv.bytes().await.unwrap().to_vec();
    let records = csv_records(&bytes, b';');
    // Every record ends with CRLF; line breaks inside a cell (the figures, a line each) stay LF,
    // as Excel writes them.
    assert_eq!(
        bytes.windows(2).filter(|w| w == b"\r\n").count(),
        records.len()
    );
    assert_eq!(
        records.len(),
        rows.len() - 1,
        "no empty row under the title"
    );
    assert!(
        records.iter().all(|r| r.len() == rows[2].len()),
        "{records:?}"
    );
    assert!(records[0][0].starts_with("Отчёт о выполнении плана мероприятий"));
    assert_eq!(
        records[1][6],
        "Реализованные меры по устранению выявленных недостатков"
    );

    // The summary counts the plan's measures.
    let summary: Value = app
        .as_(Some(&s.authority))
        .get(&format!(
            "/api/v1/regions/{}/summary?year=2019&as_of=2020-01-01",
            s.region
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["plans"]["plans"], 1);
    assert_eq!(summary["plans"]["completion"]["measures"], 3);
    assert_eq!(summary["plans"]["completion"]["overdue"], 2);
    assert_eq!(
        summary["plans"]["organizations"][0]["organization_id"],
        s.org
    );
}

fn sheet(bytes: &[u8]) -> Vec<Vec<Data>> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let range = workbook.worksheet_range_at(0).unwrap().unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

#[tokio::test]
async fn a_plan_exports_in_the_official_form_and_imports_back_the_same() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let plan: Value = app
        .as_(Some(&s.organization))
        .post_json("/api/v1/plans", &new_plan(s.org))
        .await
        .json()
        .await
        .unwrap();
    let id = plan["id"].as_i64().unwrap();
    let exported = app
        .as_(Some(&s.organization))
        .get(&format!("/api/v1/plans/{id}/export"))
        .await;
    assert_eq!(exported.status(), StatusCode::OK);
    assert_eq!(exported.headers()["content-type"], XLSX);
    let bytes = exported.bytes().await.unwrap().to_vec();
    let rows = sheet(&bytes);
    let text: Vec<String> = rows
        .iter()
        .map(|r| r.first().map(|c| c.to_string()).unwrap_or_default())
        .collect();
    // «УТВЕРЖДАЮ» at the top right, merged over the last columns; the title merged across.
    let right = rows[0]
        .iter()
        .position(|c| *c == Data::String("УТВЕРЖДАЮ".into()))
        .unwrap();
    assert!(right >= 6, "{:?}", rows[0]);
    let block: Vec<String> = rows[..4].iter().map(|r| r[right].to_string()).collect();
    assert_eq!(
        block,
        [
            "УТВЕРЖДАЮ",
            "Министр труда и социальной защиты Тульской области",
            "А.В. Филиппов",
            "20.02.2019"
        ]
    );
    let title = text
        .iter()
        .position(|t| t == plan["title"].as_str().unwrap())
        .unwrap();
    let heading = text.iter().position(|t| t == "№ п/п").unwrap();
    let merges = crate::ratings::merged(&bytes, "План мероприятий");
    let last = 10;
    assert!(
        merges.contains(&((0, right as u32), (0, last))),
        "{merges:?}"
    );
    assert!(merges.contains(&((title as u32, 0), (title as u32, last))));
    assert!(merges.contains(&(((heading + 1) as u32, 0), ((heading + 1) as u32, last))));
    assert_eq!(rows[heading].len(), 11);
    assert_eq!(
        rows[heading][2].to_string(),
        "Наименование мероприятия по устранению недостатков, выявленных в ходе независимой оценки качества условий оказания услуг организацией"
    );
    assert!(text[heading + 1].starts_with("Показатели, характеризующие открытость"));
    assert_eq!(
        rows[heading + 2][2].to_string(),
        "Обновить информацию на стендах"
    );
    assert_eq!(rows[heading + 2][3].to_string(), "до 31.12.2019");
    assert_eq!(rows[heading + 2][4].to_string(), "директор Иванова М.П.");

    let again = import(
        &app,
        &s.authority,
        &format!("organization_id={}&dry_run=true", s.org),
        XLSX,
        bytes,
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    let before: Vec<(Value, Value, Value)> = measures(&plan)
        .iter()
        .map(|m| {
            (
                m["title"].clone(),
                m["deadline"].clone(),
                m["number"].clone(),
            )
        })
        .collect();
    let after: Vec<(Value, Value, Value)> = measures(&again["plan"])
        .iter()
        .map(|m| {
            (
                m["title"].clone(),
                m["deadline"].clone(),
                m["number"].clone(),
            )
        })
        .collect();
    assert_eq!(before, after);
    assert_eq!(again["plan"]["approval"], plan["approval"]);
    let criteria: Vec<&Value> = again["plan"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["criterion"])
        .collect();
    assert_eq!(criteria, [&json!("K1"), &json!("K3")]);

    let csv = app
        .as_(Some(&s.organization))
        .get(&format!("/api/v1/plans/{id}/export?format=csv"))
        .await;
    let text = csv.text().await.unwrap();
    assert!(text
        .trim_start_matches('\u{feff}')
        .starts_with("УТВЕРЖДАЮ,,"));
    assert_problem(
        app.as_(Some(&s.organization))
            .get(&format!("/api/v1/plans/{id}/export?format=doc"))
            .await,
        400,
        Some("format"),
    )
    .await;
}

#[tokio::test]
async fn a_draft_plan_from_an_evaluation_holds_a_stub_per_shortcoming_with_the_council_proposal() {
    let app = spawn_app().await;
    let w = crate::cycles::collecting_cycle(&app).await;
    let path = format!("/api/v1/cycles/{}/evaluations/{}", w.cycle, w.org);
    let etag = etag_of(&app.as_(Some(&w.operator)).get(&path).await);
    let response = app
        .as_(Some(&w.operator))
        .request(Method::PUT, &format!("{path}/inputs"))
        .header("If-Match", etag)
        .json(&crate::cycles::worked_example())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let evaluation: Value = app
        .as_(Some(&w.operator))
        .get(&path)
        .await
        .json()
        .await
        .unwrap();
    let shortcomings: usize = evaluation["scores"]["shortcomings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["items"].as_array().unwrap().len())
        .sum();
    assert!(shortcomings > 0);
    let council = app.user_token("tula-council", Role::Council, Some(w.region), None);
    let proposal = json!({"organization_id": w.org, "criterion": "K1", "text": "Дополнить стенды сведениями о тарифах"});
    let created = app
        .as_(Some(&council))
        .post_json(&format!("/api/v1/cycles/{}/proposals", w.cycle), &proposal)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);

    let draft_path = format!("/api/v1/evaluations/{}/plan-draft", evaluation["id"]);
    // Operators never draft plans: 403 before the evaluation is looked up (nothing leaks).
    assert_problem(
        app.as_(Some(&w.operator))
            .post_json(&draft_path, &json!({}))
            .await,
        403,
        None,
    )
    .await;
    let other = app.region("66", "Свердловская область").await;
    let outsider = app.user_token("sverdlovsk-authority", Role::Authority, Some(other), None);
    assert_problem(
        app.as_(Some(&outsider))
            .post_json(&draft_path, &json!({}))
            .await,
        404,
        None,
    )
    .await;
    let organization = app.user_token("org", Role::Organization, None, Some(w.org));
    let drafted = app
        .as_(Some(&organization))
        .request(Method::POST, &draft_path)
        .send()
        .await
        .unwrap();
    assert_eq!(drafted.status(), StatusCode::CREATED);
    let plan: Value = drafted.json().await.unwrap();
    assert_eq!(plan["status"], "draft");
    assert_eq!(plan["organization_id"], w.org);
    assert_eq!(plan["cycle_id"], w.cycle);
    assert_eq!(plan["year"], 2019);
    assert_eq!(plan["sections"].as_array().unwrap().len(), 5);
    let stubs = measures(&plan);
    assert_eq!(stubs.len(), shortcomings);
    assert!(stubs
        .iter()
        .all(|m| m["evaluation_id"] == evaluation["id"] && m["indicator"].is_string()));
    let k1 = &plan["sections"][0]["measures"][0];
    assert!(
        k1["basis"]
            .as_str()
            .unwrap()
            .contains("Дополнить стенды сведениями о тарифах"),
        "{k1}"
    );
    assert_eq!(k1["deadline"]["text"], "до 31.12.2019");
    assert_eq!(k1["number"], "1.1");
    // The export of a drafted plan imports again: every measure has its «№ п/п».
    let csv = app
        .as_(Some(&organization))
        .get(&format!("/api/v1/plans/{}/export?format=csv", plan["id"]))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let authority = app.user_token(
        "tula-authority-draft",
        Role::Authority,
        Some(w.region),
        None,
    );
    let query = format!(
        "region_id={}&organization_id={}&year=2019&dry_run=true",
        w.region, w.org
    );
    let csv = csv.bytes().await.unwrap().to_vec();
    let again = import(&app, &authority, &query, "text/csv", csv).await;
    assert_eq!(again.status(), StatusCode::OK);
    let read: Value = again.json().await.unwrap();
    assert_eq!(measures(&read["plan"]).len(), shortcomings, "{read}");
    let k3 = &plan["sections"][2]["measures"];
    if let Some(m) = k3.as_array().unwrap().first() {
        assert!(
            !m["basis"].as_str().unwrap().contains("Дополнить"),
            "a K1 proposal is no basis for K3"
        );
    }
    let bad = app
        .as_(Some(&organization))
        .post_json(&draft_path, &json!({"year": 1990}))
        .await;
    assert_problem(bad, 422, Some("year")).await;
    assert_problem(
        app.as_(Some(&organization))
            .post_json("/api/v1/evaluations/999999/plan-draft", &json!({}))
            .await,
        404,
        None,
    )
    .await;
}

/// The fields of a CSV export read with the csv crate in `delimiter`, after the byte-order mark.
pub(crate) fn csv_records(bytes: &[u8], delimiter: u8) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).expect("a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The RFC 6266 `filename*` of a download, percent-decoded, and its ASCII `filename`.
pub(crate) fn file_names(response: &reqwest::Response) -> (String, String) {
    let header = response.headers()["content-disposition"].to_str().unwrap();
    assert!(header.starts_with("attachment;"), "{header}");
    let ascii = header
        .split(';')
        .find_map(|p| p.trim().strip_prefix("filename="))
        .unwrap()
        .trim_matches('"')
        .to_owned();
    let encoded = header
        .split(';')
        .find_map(|p| p.trim().strip_prefix("filename*=UTF-8''"))
        .unwrap();
    assert!(encoded.is_ascii(), "{header}");
    let title = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .unwrap()
        .into_owned();
    (title, ascii)
}

#[tokio::test]
async fn plan_csv_exports_in_both_dialects_are_rectangles_and_import_back_the_same() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let plan: Value = app
        .as_(Some(&s.authority))
        .post_json("/api/v1/plans", &new_plan(s.org))
        .await
        .json()
        .await
        .unwrap();
    let id = plan["id"].as_i64().unwrap();
    let year = plan["year"].as_i64().unwrap();
    for (dialect, delimiter) in [("rfc4180", b','), ("excel-ru", b';')] {
        let exported = app
            .as_(Some(&s.organization))
            .get(&format!(
                "/api/v1/plans/{id}/export?format=csv&dialect={dialect}"
            ))
            .await;
        assert_eq!(exported.status(), StatusCode::OK);
        let (title, ascii) = file_names(&exported);
        assert_eq!(
            title,
            format!("План_ГУТО_Одоевский_дом-интернат_№_1_{year}.csv")
        );
        assert_eq!(ascii, format!("plan-{id}-{year}.csv"));
        let bytes = exported.bytes().await.unwrap().to_vec();
        let crlf = bytes.windows(2).filter(|w| w == b"\r\n").count();
        let lf = bytes.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(crlf, lf, "{crlf} CRLF of {lf} line ends");
        let rows = csv_records(&bytes, delimiter);
        // «УТВЕРЖДАЮ» block, title, headings, a section, its measures: 11 fields on each.
        assert!(rows.len() > 6, "{rows:?}");
        assert!(rows.iter().all(|r| r.len() == 11), "{rows:?}");
        assert_eq!(rows[0][0], "УТВЕРЖДАЮ");
        assert!(rows.iter().any(|r| r[0] == "№ п/п"));

        let again = import(
            &app,
            &s.authority,
            &format!("organization_id={}&dry_run=true", s.org),
            "text/csv",
            bytes,
        )
        .await;
        assert_eq!(again.status(), StatusCode::OK, "{dialect}");
        let again: Value = again.json().await.unwrap();
        let key = |m: &Value| {
            (
                m["title"].clone(),
                m["deadline"].clone(),
                m["number"].clone(),
            )
        };
        assert_eq!(
            measures(&plan).iter().map(key).collect::<Vec<_>>(),
            measures(&again["plan"]).iter().map(key).collect::<Vec<_>>(),
            "{dialect}"
        );
        assert_eq!(again["plan"]["approval"], plan["approval"], "{dialect}");
        assert_eq!(again["plan"]["title"], plan["title"], "{dialect}");
    }
    assert_problem(
        app.as_(Some(&s.organization))
            .get(&format!(
                "/api/v1/plans/{id}/export?format=csv&dialect=excel"
            ))
            .await,
        400,
        Some("dialect"),
    )
    .await;
}
