//! `/api/v1/regions/{id}/summary`: the regional dashboard of one year — how much of the
//! region's network was assessed, mean scores, their distribution, who is overdue.

use actix_web::{get, web, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{parse_filter, parse_year, ListFilterErrors};
use crate::app::ratings::RatingCache;
use crate::app::summary as use_case;
use crate::auth::Caller;
use crate::db::Db;
use crate::error::ApiResult;
use crate::views::plans::parse_as_of;
use crate::views::summary::{NationalSummary, RegionSummary};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(summary).service(national);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// The year; defaults to the current one.
    #[param(value_type = Option<i32>, minimum = 2013, maximum = 2100)]
    pub year: Option<String>,
    /// The day plan figures (overdue measures) are computed for; default today.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub as_of: Option<String>,
}

impl SummaryQuery {
    /// The year (the current one by default) and the day of the plan figures (today).
    fn parse(self) -> ApiResult<(i32, NaiveDate)> {
        let mut errors = ListFilterErrors::default();
        let as_of = parse_as_of(&mut errors, self.as_of);
        let year = parse_filter(&mut errors, "year", self.year, parse_year)
            .unwrap_or_else(|| chrono::Datelike::year(&Utc::now()));
        errors.into_result()?;
        Ok((year, as_of))
    }
}

#[utoipa::path(
    operation_id = "get_region_summary",
    summary = "Regional summary of a year",
    tag = "summary",
    params(("id" = i64, Path, description = "Region id"), SummaryQuery),
    responses(
        (status = 200, description = "The region's year: coverage of the assessment, mean scores, distribution, organizations overdue for assessment", body = RegionSummary),
    ),
)]
#[get("/regions/{id}/summary")]
async fn summary(
    caller: Caller,
    db: web::Data<Db>,
    cache: web::Data<RatingCache>,
    summaries: web::Data<use_case::SummaryCache>,
    id: web::Path<i64>,
    query: web::Query<SummaryQuery>,
) -> ApiResult<HttpResponse> {
    let region_id = id.into_inner();
    let (year, as_of) = query.into_inner().parse()?;
    let body = use_case::summary_json(
        &db,
        caller,
        cache.into_inner(),
        summaries.into_inner(),
        (region_id, year),
        as_of,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NationalQuery {
    /// The year; defaults to the current one.
    #[param(value_type = Option<i32>, minimum = 2013, maximum = 2100)]
    pub year: Option<String>,
}

#[utoipa::path(
    operation_id = "get_national_summary",
    summary = "National summary of a year across regions",
    tag = "summary",
    params(NationalQuery),
    responses(
        (status = 200, description = "Per region the coverage of the assessment, published cycles and mean total of the year, and the national totals", body = NationalSummary),
    ),
)]
#[get("/summary")]
async fn national(
    caller: Caller,
    db: web::Data<Db>,
    cache: web::Data<RatingCache>,
    summaries: web::Data<use_case::SummaryCache>,
    query: web::Query<NationalQuery>,
) -> ApiResult<HttpResponse> {
    let mut errors = ListFilterErrors::default();
    let year = parse_filter(&mut errors, "year", query.into_inner().year, parse_year)
        .unwrap_or_else(|| chrono::Datelike::year(&Utc::now()));
    errors.into_result()?;
    let body = use_case::national_json(
        &db,
        caller,
        cache.into_inner(),
        summaries.into_inner(),
        year,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}
