//! The open data set of a year: one ZIP whose every table is byte for byte what the anonymous
//! API serves at the `source` its metadata names, with a dictionary entry for every column, and
//! nothing that is not published.

use std::io::{Cursor, Read};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, etag_of, spawn_app, TestApp};
use crate::plans::new_plan;

/// The demo's published cycle of Tula for 2018, and a published plan of 2018 of one of its
/// organizations with an accepted report; a draft plan beside it.
async fn published_year(app: &TestApp) -> (i64, i64, i64, i64) {
    let db = app.db.clone();
    let cycle = tokio::task::spawn_blocking(move || {
        let mut conn = db.blocking().unwrap();
        nok_api::demo::load(&mut conn, 0, None).unwrap();
        nok_api::demo::published_cycle(&mut conn, "71", 2017).unwrap();
        nok_api::demo::published_cycle(&mut conn, "71", 2018)
            .unwrap()
            .unwrap()
            .0
    })
    .await
    .unwrap();
    let read: Value = app
        .get(&format!("/api/v1/cycles/{cycle}"))
        .await
        .json()
        .await
        .unwrap();
    let org = read["organization_ids"][0].as_i64().unwrap();
    let mut body = new_plan(org);
    body["year"] = json!(2018);
    let create = |body: Value| async move {
        let created = app.post_json("/api/v1/plans", &body).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        created.json::<Value>().await.unwrap()
    };
    let plan = create(body.clone()).await;
    let draft = create(body).await["id"].as_i64().unwrap();
    let id = plan["id"].as_i64().unwrap();
    let step = |path: String| async move {
        let response = app.request(Method::POST, &path).send().await.unwrap();
        let status = response.status();
        assert_eq!(
            status,
            StatusCode::OK,
            "{path}: {}",
            response.text().await.unwrap()
        );
    };
    step(format!("/api/v1/plans/{id}/submit")).await;
    step(format!("/api/v1/plans/{id}/approve")).await;
    let created = app
        .post_json(
            &format!("/api/v1/plans/{id}/reports"),
            &json!({"period": {"kind": "year", "year": 2018}}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let etag = etag_of(&created);
    let report: Value = created.json().await.unwrap();
    let report_id = report["id"].as_i64().unwrap();
    let measure = plan["sections"][0]["measures"][0]["id"].as_i64().unwrap();
    let entry = app
        .request(
            Method::PUT,
            &format!("/api/v1/plans/{id}/reports/{report_id}/entries/{measure}"),
        )
        .header("If-Match", etag)
        .json(
            &json!({"execution_info": "Стенды обновлены", "actual_date": "2018-11-20",
            "figures": [{"name": "Опрошено получателей услуг", "value": "719", "unit": "чел."}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(entry.status(), StatusCode::OK);
    step(format!("/api/v1/plans/{id}/reports/{report_id}/submit")).await;
    step(format!("/api/v1/plans/{id}/reports/{report_id}/accept")).await;
    step(format!("/api/v1/plans/{id}/publish")).await;
    (cycle, id, report_id, draft)
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            assert_eq!(file.compression(), zip::CompressionMethod::Deflated);
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().unwrap().to_string(), content)
        })
        .collect()
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn the_open_data_of_a_year_is_what_the_anonymous_api_serves() {
    let app = spawn_app().await;
    let (cycle, plan, report, draft) = published_year(&app).await;
    let response = app.get("/api/v1/open-data/2018").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("nok-open-data-2018.zip"));
    assert!(response.headers().contains_key("last-modified"));
    let etag = etag_of(&response);
    let bytes = response.bytes().await.unwrap();
    let files = unzip(&bytes);
    let file = |name: &str| {
        files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let metadata: Value = serde_json::from_slice(&file("metadata.json")).unwrap();
    for key in ["title", "publisher"] {
        assert!(metadata[key]["ru"].is_string() && metadata[key]["en"].is_string());
    }
    assert_eq!(
        metadata["period"],
        json!({"start": "2018-01-01", "end": "2018-12-31"})
    );
    assert!(metadata["licence"]
        .as_str()
        .unwrap()
        .starts_with("CC BY 4.0"));
    assert!(metadata["modified"].is_string());

    // Every table is the anonymous API's answer at its source, byte for byte.
    let resources = metadata["resources"].as_array().unwrap();
    let sources: Vec<&str> = resources
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    for expected in [
        format!("/api/v1/cycles/{cycle}/ratings/export?format=csv&approval=published"),
        format!("/api/v1/cycles/{cycle}/results/export?format=csv&approval=published"),
        format!("/api/v1/plans/{plan}/export?format=csv"),
        format!("/api/v1/plans/{plan}/reports/{report}/export?format=csv"),
    ] {
        assert!(
            sources.contains(&expected.as_str()),
            "{expected} in {sources:?}"
        );
    }
    assert!(
        sources
            .iter()
            .all(|s| !s.contains(&format!("/plans/{draft}/"))),
        "the draft plan is not published"
    );
    assert_eq!(
        files.len(),
        resources.len() + 2,
        "tables, dictionary, metadata"
    );
    let dictionary = csv_rows(&file("data-dictionary.csv"));
    assert_eq!(
        dictionary[0],
        [
            "file",
            "column",
            "label_ru",
            "label_en",
            "meaning_ru",
            "meaning_en",
            "type",
            "unit"
        ]
    );
    for resource in resources {
        let path = resource["path"].as_str().unwrap();
        let served = app.get(resource["source"].as_str().unwrap()).await;
        assert_eq!(served.status(), StatusCode::OK, "{path}");
        let served = served.bytes().await.unwrap();
        let packed = file(path);
        assert_eq!(packed, served.to_vec(), "{path}");
        // Each of its columns is in the dictionary, with a type.
        let columns: Vec<&Vec<String>> = dictionary.iter().filter(|r| r[0] == path).collect();
        assert!(!columns.is_empty(), "{path}");
        let rows = csv_rows(&packed);
        let heading = rows
            .iter()
            .find(|r| r.iter().all(|f| !f.is_empty()))
            .unwrap();
        let described: Vec<&str> = columns.iter().map(|r| r[1].as_str()).collect();
        assert_eq!(
            described,
            heading.iter().map(String::as_str).collect::<Vec<_>>()
        );
        assert!(columns.iter().all(|r| !r[3].is_empty() && !r[6].is_empty()));
    }
    let total = dictionary.iter().find(|r| r[1] == "Итоговый балл").unwrap();
    assert_eq!(
        (total[3].as_str(), total[6].as_str()),
        ("Total score", "decimal")
    );

    // The same for every caller, and cached like every anonymous read.
    let again = app
        .as_(Some(&app.admin))
        .get("/api/v1/open-data/2018")
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(again, bytes);
    let cached = app
        .as_(None)
        .request(Method::GET, "/api/v1/open-data/2018")
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    // A year with nothing published: the dictionary and metadata only.
    let empty = app.get("/api/v1/open-data/2030").await;
    assert_eq!(empty.status(), StatusCode::OK);
    let files = unzip(&empty.bytes().await.unwrap());
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["metadata.json", "data-dictionary.csv"]);
}

#[tokio::test]
async fn open_data_refuses_bad_years_and_bad_credentials() {
    let app = spawn_app().await;
    for year in ["abc", "1999", "2101", "-2018", "20180"] {
        let body = assert_problem(
            app.get(&format!("/api/v1/open-data/{year}")).await,
            400,
            Some("year"),
        )
        .await;
        assert_eq!(body["errors"][0]["code"], "format", "{year}");
    }
    assert_problem(
        app.as_(Some("not-a-token"))
            .get("/api/v1/open-data/2018")
            .await,
        401,
        None,
    )
    .await;
    assert_problem(
        app.as_(None)
            .request(Method::POST, "/api/v1/open-data/2018")
            .send()
            .await
            .unwrap(),
        405,
        None,
    )
    .await;
}
