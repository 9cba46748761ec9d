//! `/api/v1/open-data/{year}`: the published data of a year as one ZIP of CSV files, with a
//! data dictionary and metadata — what the anonymous API shows, for bulk download.

use actix_web::http::header::{self, HttpDate};
use actix_web::{get, web, HttpResponse};

use super::parse_year;
use crate::app;
use crate::app::ratings::RatingCache;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(open_data);
}

/// The media type of the archive.
pub const ZIP: &str = "application/zip";

#[utoipa::path(
    operation_id = "download_open_data",
    summary = "Download the open data of a year (ZIP of CSV files)",
    tag = "open-data",
    params(("year" = i32, Path, minimum = 2013, maximum = 2100, description = "The year of the cycles and plans")),
    responses(
        (status = 200, description = "Everything published for the year, exactly as the anonymous API serves it: \
`ratings/…csv` and `results/…csv` of each published cycle, `plans/…csv` of each published plan, \
`reports/…csv` of each published report (RFC 4180 CSV, UTF-8 with BOM, official Russian headings); \
`data-dictionary.csv` (file, column, label_ru, label_en, meaning_ru, meaning_en, type, unit) and \
`metadata.json` (title, description, publisher, period, licence, modified, and each file's `source`: \
the anonymous request that answers the same bytes). The same for every caller; empty of tables when \
nothing of the year is published",
            content((Vec<u8> = "application/zip")),
            headers(("Content-Disposition" = String, description = "attachment; filename=nok-open-data-<year>.zip"),
                    ("Last-Modified" = String, description = "The newest change of what the archive holds"))),
    ),
)]
#[get("/open-data/{year}")]
async fn open_data(
    db: web::Data<Db>,
    cache: web::Data<RatingCache>,
    year: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let year = parse_year(year.into_inner())
        .ok_or_else(|| ApiError::bad_field("year", "format", "must be a year from 2013 to 2100"))?;
    let cache = cache.into_inner();
    let data = db
        .run(move |conn| app::open_data::archive(conn, &cache, year))
        .await?;
    let modified = std::time::SystemTime::from(data.modified);
    Ok(HttpResponse::Ok()
        .content_type(ZIP)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"nok-open-data-{}.zip\"", data.year),
        ))
        .insert_header((header::LAST_MODIFIED, HttpDate::from(modified)))
        .body(data.bytes))
}
