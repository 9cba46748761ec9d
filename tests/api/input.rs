//! What bodies and files may contain: control and invisible characters refused with the field
//! named (JSON, CSV, XLSX, NDJSON), survey uploads bounded whatever their size, error details in
//! the service's words, and CSV exports that no spreadsheet runs as formulas.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::spawn_app;
use crate::plans::{new_plan, scene};

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
    let id = created.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let csv = app
        .as_(Some(&s.authority))
        .get(&format!("/api/v1/plans/{id}/export?format=csv"))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[..3],
        ["УТВЕРЖДАЮ", "'+cmd|' /C calc'!A0", "'@SUM(1)"]
    );
    assert!(lines.contains(&"'=1+1"), "{text}");
    assert!(lines.iter().any(|l| l.contains(",'-2+3,")), "{text}");
    for line in lines {
        assert!(!line.starts_with(['=', '+', '-', '@']), "{line}");
    }
}
