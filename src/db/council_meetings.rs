//! Queries on `council_meetings`: the meetings of a region's public council.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::council_meetings;
use super::{versioned, DbConnection};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = council_meetings)]
pub struct MeetingRow {
    pub id: i64,
    pub region_id: i64,
    pub held_on: NaiveDate,
    pub number: Option<String>,
    pub title: String,
    pub agenda_json: String,
    pub decisions_json: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a meeting records; agenda and decisions as their JSON (`domain::council::CouncilItem` lists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingValues {
    pub held_on: NaiveDate,
    pub number: Option<String>,
    pub title: String,
    pub agenda_json: String,
    pub decisions_json: String,
}

impl MeetingRow {
    pub fn values(&self) -> MeetingValues {
        MeetingValues {
            held_on: self.held_on,
            number: self.number.clone(),
            title: self.title.clone(),
            agenda_json: self.agenda_json.clone(),
            decisions_json: self.decisions_json.clone(),
        }
    }
}

/// The meeting `id` of the region `region_id`.
pub fn find(conn: &mut DbConnection, region_id: i64, id: i64) -> ApiResult<MeetingRow> {
    find_any(conn, id)?
        .filter(|row| row.region_id == region_id)
        .ok_or(ApiError::NotFound)
}

/// The meeting `id` of whichever region.
pub fn find_any(conn: &mut DbConnection, id: i64) -> ApiResult<Option<MeetingRow>> {
    Ok(council_meetings::table
        .find(id)
        .select(MeetingRow::as_select())
        .first(conn)
        .optional()?)
}

/// The region's meetings after `after_id` in id order, `limit + 1` at most; with `year`, those
/// held in that year.
pub fn list(
    conn: &mut DbConnection,
    region_id: i64,
    year: Option<i32>,
    after_id: i64,
    limit: i64,
) -> ApiResult<Vec<MeetingRow>> {
    Ok(filtered(region_id, year)
        .filter(council_meetings::id.gt(after_id))
        .select(MeetingRow::as_select())
        .order(council_meetings::id)
        .limit(limit + 1)
        .load(conn)?)
}

/// How many of the region's meetings (held in `year`, if given) there are, whatever the page.
pub fn count(conn: &mut DbConnection, region_id: i64, year: Option<i32>) -> ApiResult<i64> {
    Ok(filtered(region_id, year).count().get_result(conn)?)
}

fn filtered(
    region_id: i64,
    year: Option<i32>,
) -> council_meetings::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend> {
    let mut query = council_meetings::table
        .filter(council_meetings::region_id.eq(region_id))
        .into_boxed();
    if let Some((first, last)) = year.and_then(year_bounds) {
        query = query
            .filter(council_meetings::held_on.ge(first))
            .filter(council_meetings::held_on.le(last));
    }
    query
}

fn year_bounds(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year, 12, 31)?,
    ))
}

/// How many meetings of the region's council were held in the calendar year `year`.
pub fn count_held(conn: &mut DbConnection, region_id: i64, year: i32) -> ApiResult<i64> {
    let Some((first, last)) = year_bounds(year) else {
        return Ok(0);
    };
    Ok(council_meetings::table
        .filter(council_meetings::region_id.eq(region_id))
        .filter(council_meetings::held_on.ge(first))
        .filter(council_meetings::held_on.le(last))
        .count()
        .get_result(conn)?)
}

pub fn insert(
    conn: &mut DbConnection,
    region_id: i64,
    values: &MeetingValues,
) -> ApiResult<MeetingRow> {
    versioned::insert!(
        conn,
        council_meetings,
        (council_meetings::region_id.eq(region_id), changes(values))
    )
}

/// The columns a meeting's values set.
type Changes<'a> = (
    diesel::dsl::Eq<council_meetings::held_on, NaiveDate>,
    diesel::dsl::Eq<council_meetings::number, Option<&'a String>>,
    diesel::dsl::Eq<council_meetings::title, &'a String>,
    diesel::dsl::Eq<council_meetings::agenda_json, &'a String>,
    diesel::dsl::Eq<council_meetings::decisions_json, &'a String>,
);

fn changes(values: &MeetingValues) -> Changes<'_> {
    (
        council_meetings::held_on.eq(values.held_on),
        council_meetings::number.eq(values.number.as_ref()),
        council_meetings::title.eq(&values.title),
        council_meetings::agenda_json.eq(&values.agenda_json),
        council_meetings::decisions_json.eq(&values.decisions_json),
    )
}

/// Writes new values if the row is still at its version; 412 when another write got there first.
pub fn update(
    conn: &mut DbConnection,
    current: &MeetingRow,
    values: &MeetingValues,
) -> ApiResult<MeetingRow> {
    versioned::update!(
        conn,
        council_meetings,
        (current.id, current.version),
        changes(values)
    )
}
