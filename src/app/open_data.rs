//! The open data set of a year: every published table of that year (ratings, results, plans,
//! reports) as the anonymous API serves it, as CSV files in one ZIP with a data dictionary and a
//! metadata file. Each file is the export an anonymous caller downloads, made by the same use
//! case with an anonymous caller: nothing can be in the set that the API does not show.

use std::io::{Cursor, Write};

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use serde::Serialize;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::ratings::{self, Export, RatingCache, Requested};
use super::{plan_forms, plans, reports};
use crate::auth::Caller;
use crate::db::cycles::CycleFilter;
use crate::db::plans::PlanFilter;
use crate::db::DbConnection;
use crate::domain::open_data::describe;
use crate::domain::paging::MAX_LIMIT;
use crate::error::{ApiError, ApiResult};
use crate::export::{CsvDialect, Download, FileFormat};

/// The licence of the published data.
pub const LICENCE: &str = "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)";

/// The archive of a year and when its newest part changed.
pub struct OpenData {
    pub year: i32,
    pub bytes: Vec<u8>,
    /// The newest update of what it holds; the start of the year if it holds nothing.
    pub modified: DateTime<Utc>,
}

/// A file of the set: where it is in the archive and where the API serves the same.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub path: String,
    pub title: String,
    /// The anonymous request that answers the same bytes.
    pub source: String,
    pub media_type: &'static str,
}

/// `metadata.json`.
#[derive(Debug, Serialize)]
struct Metadata {
    title: Labels,
    description: Labels,
    publisher: Labels,
    period: Period,
    licence: &'static str,
    modified: DateTime<Utc>,
    /// The dialect of every CSV file.
    format: &'static str,
    dictionary: &'static str,
    resources: Vec<Resource>,
}

#[derive(Debug, Serialize)]
struct Labels {
    ru: String,
    en: String,
}

#[derive(Debug, Serialize)]
struct Period {
    start: String,
    end: String,
}

/// The format of every table: RFC 4180 CSV, UTF-8 with BOM, as `?format=csv` answers.
const CSV: FileFormat = FileFormat::Csv(CsvDialect::Rfc4180);

/// Every published table of `year`, as an anonymous caller reads it.
pub fn archive(conn: &mut DbConnection, cache: &RatingCache, year: i32) -> ApiResult<OpenData> {
    let anonymous = Caller::anonymous();
    let mut files: Vec<(Resource, Download)> = Vec::new();
    let mut modified =
        NaiveDateTime::from(chrono::NaiveDate::from_ymd_opt(year, 1, 1).ok_or(ApiError::NotFound)?);

    let filter = CycleFilter {
        year: Some(year),
        ..CycleFilter::default()
    };
    let mut after_id = 0;
    loop {
        let page = super::cycles::list(conn, &anonymous, &filter, after_id, MAX_LIMIT, false)?;
        let (cycles, next) = (page.items, page.next_cursor);
        for cycle in &cycles {
            after_id = cycle.id;
            let kinds = [
                (
                    Export::Ratings {
                        criterion: "total".into(),
                    },
                    "ratings",
                ),
                (Export::Results, "results"),
            ];
            for (export, kind) in kinds {
                let asked = (cycle.id, Some(Requested::Published));
                match ratings::export(conn, &anonymous, cache, asked, &export, CSV) {
                    Ok(download) => {
                        modified = modified.max(cycle.updated_at.naive_utc());
                        let source = format!(
                            "/api/v1/cycles/{}/{kind}/export?format=csv&approval=published",
                            cycle.id
                        );
                        let path = format!("{kind}/cycle-{}-{}.csv", cycle.id, download.name.ascii);
                        files.push((resource(path, &download, source), download));
                    }
                    // Not published: an anonymous caller gets nothing, and so does the set.
                    Err(ApiError::NotFound | ApiError::Unauthorized(_)) => {}
                    Err(other) => return Err(other),
                }
            }
        }
        if next.is_none() {
            break;
        }
    }

    let mut after_id = 0;
    loop {
        let listing = plans::Listing {
            filter: PlanFilter {
                year: Some(year),
                ..PlanFilter::default()
            },
            after_id,
            limit: MAX_LIMIT,
            as_of: plans::today(),
            total: false,
        };
        let page = plans::list(conn, &anonymous, listing)?;
        for plan in &page.items {
            after_id = plan.id;
            modified = modified.max(plan.updated_at.naive_utc());
            let download = plan_forms::export(conn, &anonymous, plan.id, CSV)?;
            let source = format!("/api/v1/plans/{}/export?format=csv", plan.id);
            let path = format!("plans/{}.csv", download.name.ascii);
            files.push((resource(path, &download, source), download));
            for report in reports::list(conn, &anonymous, plan.id)? {
                modified = modified.max(report.updated_at.naive_utc());
                let download = reports::export(conn, &anonymous, (plan.id, report.id), CSV)?;
                let source = format!(
                    "/api/v1/plans/{}/reports/{}/export?format=csv",
                    plan.id, report.id
                );
                let path = format!("reports/plan-{}-{}.csv", plan.id, download.name.ascii);
                files.push((resource(path, &download, source), download));
            }
        }
        if page.next_cursor.is_none() {
            break;
        }
    }

    let modified = modified.and_utc();
    let bytes = zip(year, files, modified)?;
    Ok(OpenData {
        year,
        bytes,
        modified,
    })
}

fn resource(path: String, download: &Download, source: String) -> Resource {
    Resource {
        path,
        title: download.name.title.clone(),
        source,
        media_type: CSV.media_type(),
    }
}

/// The heading row of an export's CSV: the first whose every field is filled (the preamble
/// and section rows above it are padded with empty fields).
fn headings(csv: &[u8]) -> ApiResult<Vec<String>> {
    let text = csv.strip_prefix("\u{feff}".as_bytes()).unwrap_or(csv);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    for record in reader.records() {
        let record = record.map_err(ApiError::internal)?;
        if !record.is_empty() && record.iter().all(|f| !f.is_empty()) {
            return Ok(record.iter().map(str::to_owned).collect());
        }
    }
    Ok(Vec::new())
}

/// `data-dictionary.csv`: a row per column of every file.
fn dictionary(files: &[(Resource, Download)]) -> ApiResult<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        let write = |w: &mut csv::Writer<&mut Vec<u8>>, row: &[&str]| {
            w.write_record(row).map_err(ApiError::internal)
        };
        write(
            &mut writer,
            &[
                "file",
                "column",
                "label_ru",
                "label_en",
                "meaning_ru",
                "meaning_en",
                "type",
                "unit",
            ],
        )?;
        for (resource, download) in files {
            for heading in headings(&download.bytes)? {
                let column = describe(&heading).ok_or_else(|| {
                    ApiError::internal(format!("no dictionary entry for the column «{heading}»"))
                })?;
                write(
                    &mut writer,
                    &[
                        &resource.path,
                        &heading,
                        &heading,
                        &column.label_en,
                        &column.meaning_ru,
                        &column.meaning_en,
                        column.kind,
                        column.unit,
                    ],
                )?;
            }
        }
        writer.flush().map_err(ApiError::internal)?;
    }
    Ok(out)
}

/// The archive: the tables, the dictionary and the metadata, each dated `modified`, so that the
/// same data makes the same bytes (and ETag).
fn zip(year: i32, files: Vec<(Resource, Download)>, modified: DateTime<Utc>) -> ApiResult<Vec<u8>> {
    let dictionary = dictionary(&files)?;
    let metadata = Metadata {
        title: Labels {
            ru: format!(
                "Независимая оценка качества условий оказания услуг организациями социального обслуживания: открытые данные за {year} год"
            ),
            en: format!(
                "Independent quality assessment of social service organizations: open data for {year}"
            ),
        },
        description: Labels {
            ru: "Опубликованные рейтинги, результаты, планы по устранению недостатков и отчёты об их выполнении, как их показывает открытый API".into(),
            en: "The published ratings, results, improvement plans and reports on them, as the public API shows them".into(),
        },
        publisher: Labels {
            ru: "Уполномоченные органы исполнительной власти субъектов Российской Федерации в сфере социального обслуживания".into(),
            en: "The regional social service authorities of the Russian Federation".into(),
        },
        period: Period {
            start: format!("{year}-01-01"),
            end: format!("{year}-12-31"),
        },
        licence: LICENCE,
        modified,
        format: "CSV (RFC 4180), UTF-8 with BOM; decimals with a point",
        dictionary: "data-dictionary.csv",
        resources: files.iter().map(|(r, _)| r.clone()).collect(),
    };
    let stamp = zip::DateTime::from_date_and_time(
        u16::try_from(modified.year()).unwrap_or(1980),
        modified.month() as u8,
        modified.day() as u8,
        modified.hour() as u8,
        modified.minute() as u8,
        modified.second() as u8,
    )
    .unwrap_or_default();
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(stamp)
        .unix_permissions(0o644);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let mut add = |name: &str, bytes: &[u8]| -> ApiResult<()> {
        writer
            .start_file(name, options)
            .map_err(ApiError::internal)?;
        writer.write_all(bytes).map_err(ApiError::internal)
    };
    let json = serde_json::to_vec_pretty(&metadata).map_err(ApiError::internal)?;
    add("metadata.json", &json)?;
    add("data-dictionary.csv", &dictionary)?;
    for (resource, download) in &files {
        add(&resource.path, &download.bytes)?;
    }
    let cursor = writer.finish().map_err(ApiError::internal)?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_heading_of_the_plan_and_report_forms_is_in_the_dictionary() {
        for heading in plan_forms::PLAN_HEADINGS
            .iter()
            .chain(reports::REPORT_HEADINGS.iter())
        {
            assert!(describe(heading).is_some(), "{heading}");
        }
    }

    #[test]
    fn the_heading_row_is_found_below_a_preamble() {
        let csv = "\u{feff}УТВЕРЖДАЮ,,\n,,\n№ п/п,Результат,ИНН\n1,,7107470989\n";
        assert_eq!(
            headings(csv.as_bytes()).unwrap(),
            ["№ п/п", "Результат", "ИНН"]
        );
    }
}
