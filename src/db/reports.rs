//! Queries on `reports` and their `report_entries`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{report_entries, reports};
use super::{now, versioned, DbConnection};
use crate::domain::plan::{PeriodKind, ReportStatus, Signatory};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: i64,
    pub plan_id: i64,
    pub period_kind: String,
    pub period_year: i32,
    pub period_number: i32,
    pub status: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub signatory_position: Option<String>,
    pub signatory_name: Option<String>,
    pub signed_on: Option<NaiveDate>,
}

impl ReportRow {
    pub fn status(&self) -> ApiResult<ReportStatus> {
        ReportStatus::parse(&self.status).ok_or_else(|| {
            ApiError::internal(format!("report {} has status {}", self.id, self.status))
        })
    }

    pub fn kind(&self) -> ApiResult<PeriodKind> {
        PeriodKind::parse(&self.period_kind).ok_or_else(|| {
            ApiError::internal(format!(
                "report {} has period {}",
                self.id, self.period_kind
            ))
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = report_entries)]
pub struct EntryRow {
    pub id: i64,
    pub report_id: i64,
    pub measure_id: i64,
    pub execution_info: Option<String>,
    pub measures_taken: Option<String>,
    pub actual_date: Option<NaiveDate>,
    pub result: Option<String>,
    pub figures_json: String,
    pub evidence_json: String,
    pub updated_at: NaiveDateTime,
}

/// What an entry says, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryValues {
    pub execution_info: Option<String>,
    pub measures_taken: Option<String>,
    pub actual_date: Option<NaiveDate>,
    pub result: Option<String>,
    pub figures_json: String,
    pub evidence_json: String,
}

pub fn find(conn: &mut DbConnection, plan_id: i64, id: i64) -> ApiResult<ReportRow> {
    reports::table
        .filter(reports::plan_id.eq(plan_id))
        .filter(reports::id.eq(id))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// The plan's reports by period; only accepted ones with `accepted_only`.
pub fn list(
    conn: &mut DbConnection,
    plan_id: i64,
    accepted_only: bool,
) -> ApiResult<Vec<ReportRow>> {
    let mut query = reports::table
        .filter(reports::plan_id.eq(plan_id))
        .select(ReportRow::as_select())
        .into_boxed();
    if accepted_only {
        query = query.filter(reports::status.eq(ReportStatus::Accepted.as_str()));
    }
    Ok(query
        .order((
            reports::period_year,
            reports::period_kind,
            reports::period_number,
            reports::id,
        ))
        .load(conn)?)
}

pub fn insert(
    conn: &mut DbConnection,
    plan_id: i64,
    (kind, year, number): (PeriodKind, i32, i32),
    signatory: Option<&Signatory>,
) -> ApiResult<ReportRow> {
    let taken = reports::table
        .filter(reports::plan_id.eq(plan_id))
        .filter(reports::period_kind.eq(kind.as_str()))
        .filter(reports::period_year.eq(year))
        .filter(reports::period_number.eq(number))
        .select(reports::id)
        .first::<i64>(conn)
        .optional()?;
    if let Some(id) = taken {
        return Err(ApiError::Conflict(format!(
            "Report {id} already covers this period of the plan"
        )));
    }
    let values = (
        reports::plan_id.eq(plan_id),
        reports::period_kind.eq(kind.as_str()),
        reports::period_year.eq(year),
        reports::period_number.eq(number),
        reports::status.eq(ReportStatus::Draft.as_str()),
        reports::signatory_position.eq(signatory.map(|s| s.position.clone())),
        reports::signatory_name.eq(signatory.map(|s| s.full_name.clone())),
        reports::signed_on.eq(signatory.and_then(|s| s.date)),
    );
    versioned::insert!(conn, reports, values)
}

/// Moves the report's version (and status, if given) if it is still at its version.
pub fn bump(
    conn: &mut DbConnection,
    current: &ReportRow,
    status: Option<ReportStatus>,
) -> ApiResult<ReportRow> {
    let status = status.map_or(current.status.clone(), |s| s.as_str().to_owned());
    versioned::update!(
        conn,
        reports,
        (current.id, current.version),
        reports::status.eq(status)
    )
}

pub fn entries(conn: &mut DbConnection, report_id: i64) -> ApiResult<Vec<EntryRow>> {
    Ok(report_entries::table
        .filter(report_entries::report_id.eq(report_id))
        .select(EntryRow::as_select())
        .load(conn)?)
}

/// Writes the entry of `measure_id` in the report, replacing what it said.
pub fn put_entry(
    conn: &mut DbConnection,
    report_id: i64,
    measure_id: i64,
    values: &EntryValues,
) -> ApiResult<()> {
    diesel::delete(report_entries::table)
        .filter(report_entries::report_id.eq(report_id))
        .filter(report_entries::measure_id.eq(measure_id))
        .execute(conn)?;
    diesel::insert_into(report_entries::table)
        .values((
            report_entries::report_id.eq(report_id),
            report_entries::measure_id.eq(measure_id),
            report_entries::execution_info.eq(&values.execution_info),
            report_entries::measures_taken.eq(&values.measures_taken),
            report_entries::actual_date.eq(values.actual_date),
            report_entries::result.eq(&values.result),
            report_entries::figures_json.eq(&values.figures_json),
            report_entries::evidence_json.eq(&values.evidence_json),
            report_entries::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Entries of the plan's latest report (the latest period, accepted or not), for the
/// implementation columns of the plan's export.
pub fn latest_entries(conn: &mut DbConnection, plan_id: i64) -> ApiResult<Vec<EntryRow>> {
    let latest = list(conn, plan_id, false)?.into_iter().max_by_key(|r| {
        (
            r.period_year,
            period_end_month(&r.period_kind, r.period_number),
            r.id,
        )
    });
    match latest {
        Some(report) => entries(conn, report.id),
        None => Ok(Vec::new()),
    }
}

fn period_end_month(kind: &str, number: i32) -> i32 {
    match PeriodKind::parse(kind) {
        Some(PeriodKind::Year) | None => 12,
        Some(PeriodKind::HalfYear) => 6 * number,
        Some(PeriodKind::Quarter) => 3 * number,
    }
}
