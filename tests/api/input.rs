//! What bodies and files may contain: control and invisible characters refused with the field
//! named (JSON, CSV, XLSX, NDJSON), survey uploads bounded whatever their size, error details in
//! the service's words, and CSV exports that no spreadsheet runs as formulas.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::cycles::{collecting_cycle, evaluation, upload, HEADER};
use crate::helpers::{assert_problem, organization_body, spawn_app};
use crate::plans::{csv_of, import, new_plan, plan_count, scene, seed_rows, xlsx_of, XLSX};

#[tokio::test]
async fn every_cell_of_a_plan_csv_export_is_guarded_against_formulas() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let mut body = new_plan(s.org);
    body["title"] = json!("=1+1");
    body["approval"]["position"] = json!("+cmd|' /C calc'!A0");
    body["approval"]["full_name"] = json!("@SUM(1)");
    body["sections"][0]["measures"][0]["title"] = json!("-2+3");
    let created = app
        .as_(Some(&s.authority))
        .post_json("/api/v1/plans", &body)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let csv = app
        .as_(Some(&s.authority))
        .get(&format!("/api/v1/plans/{id}/export?format=csv"))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    let first: Vec<&str> = lines.iter().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(first[..3], ["УТВЕРЖДАЮ", "'+cmd|' /C calc'!A0", "'@SUM(1)"]);
    assert!(first.contains(&"'=1+1"), "{text}");
    assert!(lines.iter().any(|l| l.contains(",'-2+3,")), "{text}");
    for line in lines {
        assert!(!line.starts_with(['=', '+', '-', '@']), "{line}");
    }
}

/// `field` must be named by a 422 whose message names the code point.
async fn refused(response: reqwest::Response, field: &str, code_point: &str) -> Value {
    let problem = assert_problem(response, 422, Some(field)).await;
    assert!(problem.to_string().contains(code_point), "{problem}");
    problem
}

#[tokio::test]
async fn json_bodies_refuse_control_and_invisible_characters_naming_the_field() {
    let app = spawn_app().await;
    // PostgreSQL answered 500 here, also without a token.
    let login = app
        .as_(None)
        .post_json(
            "/api/v1/auth/token",
            &json!({"username": "adm\u{0}in", "password": "x"}),
        )
        .await;
    refused(login, "username", "U+0000").await;

    let admin = app.as_(Some(&app.admin));
    for (field, value, code_point) in [
        ("url", "https://example.org/\u{0}hook", "U+0000"),
        ("secret", "a shared\u{0} secret", "U+0000"),
        ("url", "https://example.org/\u{202e}kooh", "U+202E"),
    ] {
        let mut body = json!({"url": "https://example.org/hook", "event_types": ["*"],
            "secret": "a shared secret of the region"});
        body[field] = json!(value);
        refused(
            admin.post_json("/api/v1/webhooks", &body).await,
            field,
            code_point,
        )
        .await;
    }

    let s = scene(&app).await;
    for (value, code_point) in [
        ("ГУ ТО \u{85}Дом", "U+0085"),
        ("ГУ ТО \u{202e}моД", "U+202E"),
        ("ГУ ТО\u{200b}Дом", "U+200B"),
        ("ГУ ТО \u{2028}Дом", "U+2028"),
        ("ГУ ТО\nДом", "U+000A"),
        ("ГУ ТО\tДом", "U+0009"),
        ("ГУ ТО \u{1b}[31mДом", "U+001B"),
        ("ГУ ТО \u{7f}Дом", "U+007F"),
    ] {
        let mut body = organization_body(s.region, 2);
        body["short_name"] = json!(value);
        refused(
            admin.post_json("/api/v1/organizations", &body).await,
            "short_name",
            code_point,
        )
        .await;
    }
    // Nested fields are named by their path; a key with a NUL is named too.
    let authority = app.as_(Some(&s.authority));
    let mut plan = new_plan(s.org);
    plan["sections"][1]["measures"][0]["executors"][0]["name"] = json!("ГУ\u{0}");
    plan["approval"]["full_name"] = json!("А.В.\u{2066}Филиппов");
    let problem =
        assert_problem(authority.post_json("/api/v1/plans", &plan).await, 422, None).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "approval.full_name",
            "sections[1].measures[0].executors[0].name"
        ]
    );
    refused(
        admin
            .post_json(
                "/api/v1/regions",
                &json!({"code": "72", "name": "Тюменская", "x\u{0}": 1}),
            )
            .await,
        "x\u{0}",
        "field name",
    )
    .await;

    // Long texts keep their paragraphs (\n, \r\n, tabs); nothing else hidden is allowed there.
    let mut plan = new_plan(s.org);
    plan["sections"][0]["measures"][0]["title"] = json!("Обновить\r\nинформацию\n\tна стендах");
    let created = authority.post_json("/api/v1/plans", &plan).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        created["sections"][0]["measures"][0]["title"],
        "Обновить\r\nинформацию\n\tна стендах"
    );
    let mut plan = new_plan(s.org);
    plan["sections"][0]["measures"][0]["title"] = json!("Обновить\u{0}");
    plan["basis"] = json!("abc\rdef");
    let problem =
        assert_problem(authority.post_json("/api/v1/plans", &plan).await, 422, None).await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
    assert_eq!(plan_count(&app).await, 1, "nothing half-written");
}

#[tokio::test]
async fn imported_cells_refuse_control_characters_naming_row_and_column() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let query = format!(
        "region_id={}&methodology_id=pre-2018-five-criteria",
        s.region
    );
    let seed = seed_rows("001");
    // The first measure row of the seed: its title cell gets a control character.
    let (row, column) = seed
        .iter()
        .enumerate()
        .find_map(|(r, cells)| (cells.first().map(|c| c.trim()) == Some("1")).then_some((r, 1)))
        .unwrap();
    for (hidden, as_xlsx) in [
        ('\u{1}', false),
        ('\u{1b}', true),
        ('\u{7f}', false),
        ('\u{0}', true),
    ] {
        let mut rows = seed.clone();
        let at = rows[row][column].char_indices().nth(3).unwrap().0;
        rows[row][column].insert(at, hidden);
        let (content_type, body) = if as_xlsx {
            (XLSX, xlsx_of(&rows))
        } else {
            ("text/csv", csv_of(&rows))
        };
        let field = format!("rows[{}].cells[{}]", row + 1, column + 1);
        let code_point = format!("U+{:04X}", u32::from(hidden));
        refused(
            import(&app, &s.authority, &query, content_type, body).await,
            &field,
            &code_point,
        )
        .await;
    }
    assert_eq!(plan_count(&app).await, 0);
    // The seed itself imports.
    let ok = import(&app, &s.authority, &query, "text/csv", csv_of(&seed)).await;
    assert_eq!(ok.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn survey_lines_with_control_characters_are_refused() {
    let app = spawn_app().await;
    let w = collecting_cycle(&app).await;
    let ndjson = "{\"used_stands\": \"ye\\u0000s\"}\n";
    let problem = assert_problem(
        upload(&app, &w.operator, &w, "application/x-ndjson", ndjson, None).await,
        422,
        Some("rows[1].used_stands"),
    )
    .await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 1, "{problem}");
    let csv = format!("{HEADER}\nyes,yes,no,,ye\u{0}s,no,,yes,yes,no,,yes,yes,yes\n");
    assert_problem(
        upload(&app, &w.operator, &w, "text/csv", csv, None).await,
        422,
        Some("rows[2].satisfied_comfort"),
    )
    .await;
    assert_eq!(
        evaluation(&app, &w.operator, &w).await["survey_responses"],
        0
    );
}

#[tokio::test]
async fn survey_uploads_are_bounded_whatever_their_size() {
    let app = spawn_app().await;
    let w = collecting_cycle(&app).await;
    let count = || async {
        evaluation(&app, &w.operator, &w).await["survey_responses"]
            .as_i64()
            .unwrap()
    };

    // A header of 1,000,000 columns (6.9 MB): one problem, a small answer.
    let wide: String = (0..1_000_000).map(|i| format!("c{i},")).collect();
    let response = upload(
        &app,
        &w.operator,
        &w,
        "text/csv",
        format!("{wide}\nyes\n"),
        None,
    )
    .await;
    let bytes = response.content_length();
    let problem = assert_problem(response, 422, Some("rows[1]")).await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 1, "{problem}");
    assert!(bytes.unwrap_or(0) < 2_000, "{bytes:?}");

    // Wider than the questionnaire but within a line: one problem naming the header.
    let header: String = (0..500).map(|i| format!("c{i},")).collect();
    let problem = assert_problem(
        upload(
            &app,
            &w.operator,
            &w,
            "text/csv",
            format!("{header}\n"),
            None,
        )
        .await,
        422,
        Some("header"),
    )
    .await;
    assert_eq!(
        problem["errors"][0]["code"], "too_many_columns",
        "{problem}"
    );

    // 90 unknown columns and the 14 required ones missing: 100 listed, the rest counted.
    let header: String = (0..90).map(|i| format!("c{i},")).collect();
    let problem = assert_problem(
        upload(
            &app,
            &w.operator,
            &w,
            "text/csv",
            format!("{header}\n"),
            None,
        )
        .await,
        422,
        Some("rows"),
    )
    .await;
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 101, "{problem}");
    assert_eq!(errors[100]["code"], "more_errors");

    // One line of 100 MB (CSV, and NDJSON), also one record inside quotes: refused at its
    // first 64 KiB, named by its line.
    let huge = "y".repeat(100 * 1024 * 1024);
    for (content_type, body, row) in [
        ("text/csv", format!("{HEADER}\n{huge}\n"), "rows[2]"),
        (
            "text/csv",
            format!("{HEADER}\n\"yes\n{huge}\"\n"),
            "rows[2]",
        ),
        ("application/x-ndjson", format!("{{}}\n{huge}\n"), "rows[2]"),
    ] {
        let problem = assert_problem(
            upload(&app, &w.operator, &w, content_type, body, None).await,
            422,
            Some(row),
        )
        .await;
        assert_eq!(problem["errors"][0]["code"], "too_long", "{problem}");
    }
    assert_eq!(count().await, 0);
}

#[tokio::test]
async fn survey_lines_with_a_repeated_key_are_refused_naming_line_and_key() {
    let app = spawn_app().await;
    let w = collecting_cycle(&app).await;
    let ndjson = "{\"used_stands\": \"yes\"}\n{\"used_stands\": \"yes\", \"used_stands\": \"no\"}\n[1]\n{\"used_stands\": \n";
    let problem = assert_problem(
        upload(&app, &w.operator, &w, "application/x-ndjson", ndjson, None).await,
        422,
        Some("rows[2].used_stands"),
    )
    .await;
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors[0]["code"], "duplicate_key", "{problem}");
    assert_eq!(errors[1]["field"], "rows[3]", "{problem}");
    assert_eq!(errors[2]["field"], "rows[4]", "{problem}");
    for error in errors {
        let message = error["message"].as_str().unwrap();
        assert!(
            !message.contains('`') && !message.contains("at line"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn body_errors_say_what_the_field_must_be_in_the_service_words() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let authority = app.as_(Some(&s.authority));
    let mut plan = new_plan(s.org);
    plan["sections"][1]["measures"][0]["executors"][0]["kind"] = json!("none");
    let problem = assert_problem(
        authority.post_json("/api/v1/plans", &plan).await,
        422,
        Some("sections[1].measures[0].executors[0].kind"),
    )
    .await;
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("must be one of: person, institution"),
        "{message}"
    );
    let mut plan = new_plan(s.org);
    plan["year"] = json!("2019");
    let problem = assert_problem(
        authority.post_json("/api/v1/plans", &plan).await,
        422,
        Some("year"),
    )
    .await;
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("must be a whole number from"),
        "{message}"
    );
    for body in [
        json!({"code": "72", "name": "Тюменская", "extra": 1}),
        json!({"code": 72, "name": "Тюменская"}),
    ] {
        let problem = assert_problem(
            app.as_(Some(&app.admin))
                .post_json("/api/v1/regions", &body)
                .await,
            422,
            None,
        )
        .await;
        let errors = problem["errors"].to_string();
        for internal in ["`", "variant", "invalid type", "expected"] {
            assert!(!errors.contains(internal), "{problem}");
        }
    }
}
