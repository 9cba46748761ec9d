//! Plan imports of files as the real tools write them: Russian Excel's CSV (Windows-1251, `;`,
//! CRLF), the service's own CSV export read back, and a Word table pasted into Excel.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::spawn_app;
use crate::plans::{csv_of, import, new_plan, scene, seed_rows, XLSX};
use nok_api::auth::Role;

/// Rows as Russian Excel saves «CSV (разделители — запятые)»: `;`, CRLF, Windows-1251.
pub(crate) fn excel_csv(rows: &[&[&str]]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        writer.write_record(*row).unwrap();
    }
    let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&text);
    assert!(!unmappable);
    bytes.into_owned()
}

const HEADER: &[&str] = &[
    "№ п/п",
    "Наименование мероприятия",
    "Срок реализации",
    "Ответственный исполнитель",
];

#[tokio::test]
async fn excel_csv_with_crlf_names_the_sheet_rows() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let query = format!("organization_id={}&year=2019&dry_run=true", s.org);
    let file = excel_csv(&[
        HEADER,
        &["Открытость и доступность информации об организации"],
        &["1", "Обновить стенды", "когда-нибудь", "Иванов И.И."],
        &["", "", "", ""],
        &["2", "Обновить сайт", "постоянно", "Петров П.П."],
    ]);
    assert!(file.windows(2).filter(|w| w == b"\r\n").count() == 5);
    let response = import(&app, &s.authority, &query, "text/csv", file).await;
    let status = response.status();
    let result: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{result}");
    let deadline_rows: Vec<&Value> = result["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["column"] == "deadline")
        .map(|w| &w["row"])
        .collect();
    assert_eq!(deadline_rows, [&json!(3)], "{result}");

    // A measure without a deadline on sheet row 5, after a blank row 4: kept, with a warning.
    let file = excel_csv(&[
        HEADER,
        &["Открытость и доступность информации об организации"],
        &["1", "Обновить стенды", "постоянно", "Иванов И.И."],
        &["", "", "", ""],
        &["2", "Обновить сайт", "", "Петров П.П."],
    ]);
    let response = import(&app, &s.authority, &query, "text/csv", file).await;
    assert_eq!(response.status(), StatusCode::OK);
    let result: Value = response.json().await.unwrap();
    let warned: Vec<&Value> = result["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["column"] == "deadline")
        .map(|w| &w["row"])
        .collect();
    assert_eq!(warned, [&json!(5)], "{result}");
    let kept = &result["plan"]["sections"][0]["measures"][1]["deadline"];
    assert_eq!(kept["text"], "", "{result}");
    assert_eq!(kept["parts"], json!([]));
}

/// Every text the CSV export guards, and numbers with their trailing marks.
#[tokio::test]
async fn a_csv_export_imports_back_exactly_as_written() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let mut body = new_plan(s.org);
    let written = [
        ("1.1.", "- обработка персональных данных получателей услуг"),
        ("1.2.", "=обновить сайт"),
        ("1.3)", "+ информация на стендах"),
        ("2", "@ электронная почта для обращений"),
        ("3.", "＠ полноширинное начало"),
    ];
    body["sections"][0]["measures"] = written
        .iter()
        .map(|(number, title)| json!({"number": number, "title": title, "deadline": "постоянно"}))
        .collect();
    body["sections"][1]["measures"][0]["executors"][0]["name"] = json!("－ ГУ ТО «Центр»");
    let created = app
        .as_(Some(&s.organization))
        .post_json("/api/v1/plans", &body)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let plan: Value = created.json().await.unwrap();
    let id = plan["id"].as_i64().unwrap();
    let csv = app
        .as_(Some(&s.organization))
        .get(&format!("/api/v1/plans/{id}/export?format=csv"))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(text.contains("'- обработка"), "the export guards the cell");
    let again = import(
        &app,
        &s.authority,
        &format!("organization_id={}&dry_run=true", s.org),
        "text/csv",
        csv,
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    let read: Vec<(String, String)> = again["plan"]["sections"][0]["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["number"].as_str().unwrap().to_owned(),
                m["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let stored: Vec<(String, String)> = plan["sections"][0]["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["number"].as_str().unwrap().to_owned(),
                m["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(stored.len(), written.len());
    assert_eq!(read, stored);
    assert_eq!(
        again["plan"]["sections"][1]["measures"][0]["executors"],
        plan["sections"][1]["measures"][0]["executors"]
    );
    assert_eq!(again["plan"]["approval"], plan["approval"]);
}

/// A Word table pasted into Excel: each paragraph of a cell lands on a row of its own, a cell
/// with fewer paragraphs is merged down over the rest of its table row (its last paragraph
/// when it has several), and a measure broken over a page in Word leaves its second part
/// without a number.
fn pasted_word_table() -> Vec<u8> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let cell = Format::new().set_text_wrap();
    for (c, heading) in HEADER.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *heading, &cell)
            .unwrap();
    }
    sheet
        .merge_range(
            1,
            0,
            1,
            3,
            "Открытость и доступность информации об организации",
            &cell,
        )
        .unwrap();
    // Measure 1: a two-paragraph title and four executors over rows 3–6.
    sheet.merge_range(2, 0, 5, 0, "1.1.", &cell).unwrap();
    sheet
        .write_string_with_format(2, 1, "Обновить информацию на стендах", &cell)
        .unwrap();
    sheet
        .merge_range(3, 1, 5, 1, "в холле и на этажах", &cell)
        .unwrap();
    sheet.merge_range(2, 2, 5, 2, "постоянно", &cell).unwrap();
    for (r, person) in [
        "Иванов И.И.",
        "Петрова А.А.",
        "Сидоров С.С.",
        "Смирнова О.О.",
    ]
    .iter()
    .enumerate()
    {
        sheet
            .write_string_with_format(2 + r as u32, 3, *person, &cell)
            .unwrap();
    }
    // Measure 2 on rows 7–8, its second part (after a page break in Word) on rows 9–10.
    sheet.merge_range(6, 0, 7, 0, "1.2.", &cell).unwrap();
    sheet
        .merge_range(6, 1, 7, 1, "Обновить сайт организации", &cell)
        .unwrap();
    sheet
        .write_string_with_format(6, 2, "до 31.12.2019", &cell)
        .unwrap();
    sheet
        .write_string_with_format(7, 2, "и далее ежегодно", &cell)
        .unwrap();
    sheet.merge_range(6, 3, 9, 3, "ГБУ «Центр»", &cell).unwrap();
    sheet
        .merge_range(8, 2, 9, 2, "по мере изменения", &cell)
        .unwrap();
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_word_table_pasted_into_excel_reads_each_paragraph_once() {
    let app = spawn_app().await;
    let s = scene(&app).await;
    let response = import(
        &app,
        &s.authority,
        &format!("organization_id={}&year=2019&dry_run=true", s.org),
        XLSX,
        pasted_word_table(),
    )
    .await;
    let status = response.status();
    let result: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{result}");
    let measures = result["plan"]["sections"][0]["measures"]
        .as_array()
        .unwrap();
    assert_eq!(measures.len(), 2, "{result}");
    assert_eq!(measures[0]["number"], "1.1.");
    assert_eq!(
        measures[0]["title"],
        "Обновить информацию на стендах\nв холле и на этажах"
    );
    assert_eq!(measures[0]["deadline"]["text"], "постоянно");
    let executors: Vec<&Value> = measures[0]["executors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["full_name"])
        .collect();
    assert_eq!(
        executors,
        [
            "Иванов И.И.",
            "Петрова А.А.",
            "Сидоров С.С.",
            "Смирнова О.О."
        ]
    );
    assert_eq!(measures[1]["number"], "1.2.");
    assert_eq!(measures[1]["title"], "Обновить сайт организации");
    assert_eq!(
        measures[1]["deadline"]["text"],
        "до 31.12.2019\nи далее ежегодно по мере изменения"
    );
    assert_eq!(
        measures[1]["executors"],
        json!([{"kind": "institution", "name": "ГБУ «Центр»"}])
    );
}

/// What a reader of the plan sees of each measure.
fn measure_texts(plan: &Value) -> Vec<Value> {
    plan["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["measures"].as_array().unwrap().clone())
        .map(|m| {
            json!([
                m["number"],
                m["shortcoming"],
                m["title"],
                m["deadline"]["text"],
                m["executors"],
                m["expected_result"],
                m["information_source"]
            ])
        })
        .collect()
}

/// Seeds 000, 001 and 004's plan (list-style cells starting with «-» among them; 004 without
/// deadlines or an approval date): import, CSV export, import again gives the same plan.
#[tokio::test]
async fn seed_plans_survive_a_csv_round_trip() {
    let app = spawn_app().await;
    let region = app.region("71", "Тульская область").await;
    let authority = app.user_token("tula-authority", Role::Authority, Some(region), None);
    let query = format!("region_id={region}&methodology_id=pre-2018-five-criteria");
    for seed in ["000", "001", "004"] {
        // Seed 004 has no approval date to take the year from.
        let query = match seed {
            "004" => format!("{query}&year=2024"),
            _ => query.clone(),
        };
        let created = import(
            &app,
            &authority,
            &query,
            "text/csv",
            csv_of(&seed_rows(seed)),
        )
        .await;
        assert_eq!(created.status(), StatusCode::CREATED, "seed {seed}");
        let plan: Value = created.json().await.unwrap();
        let plan = &plan["plan"];
        let csv = app
            .as_(Some(&authority))
            .get(&format!("/api/v1/plans/{}/export?format=csv", plan["id"]))
            .await
            .bytes()
            .await
            .unwrap()
            .to_vec();
        let again = import(
            &app,
            &authority,
            &format!("{query}&dry_run=true"),
            "text/csv",
            csv,
        )
        .await;
        let status = again.status();
        let again: Value = again.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "seed {seed}: {again}");
        let again = &again["plan"];
        assert_eq!(measure_texts(again), measure_texts(plan), "seed {seed}");
        assert_eq!(again["title"], plan["title"], "seed {seed}");
        assert_eq!(again["approval"], plan["approval"], "seed {seed}");
        assert_eq!(again["year"], plan["year"], "seed {seed}");
    }
}
