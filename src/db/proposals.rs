//! Queries on `proposals`: the public council's proposals on a cycle's results.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::proposals;
use super::{versioned, DbConnection};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = proposals)]
pub struct ProposalRow {
    pub id: i64,
    pub cycle_id: i64,
    pub organization_id: Option<i64>,
    pub criterion: Option<String>,
    pub text: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub meeting_id: Option<i64>,
}

/// What a proposal says and to whom; the rest is bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalValues {
    pub organization_id: Option<i64>,
    /// `None`: a general proposal, on no one criterion.
    pub criterion: Option<String>,
    pub text: String,
    /// The council meeting whose decision sent it.
    pub meeting_id: Option<i64>,
}

impl ProposalRow {
    pub fn values(&self) -> ProposalValues {
        ProposalValues {
            organization_id: self.organization_id,
            criterion: self.criterion.clone(),
            text: self.text.clone(),
            meeting_id: self.meeting_id,
        }
    }
}

pub fn find(conn: &mut DbConnection, cycle_id: i64, id: i64) -> ApiResult<ProposalRow> {
    proposals::table
        .filter(proposals::cycle_id.eq(cycle_id))
        .filter(proposals::id.eq(id))
        .select(ProposalRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// Proposals of the cycle after `after_id`, `limit + 1` at most; with `organization`, those
/// addressed to it and to every organization.
pub fn list(
    conn: &mut DbConnection,
    cycle_id: i64,
    organization: Option<i64>,
    after_id: i64,
    limit: i64,
) -> ApiResult<Vec<ProposalRow>> {
    Ok(filtered(cycle_id, organization)
        .filter(proposals::id.gt(after_id))
        .select(ProposalRow::as_select())
        .order(proposals::id)
        .limit(limit + 1)
        .load(conn)?)
}

/// How many of the cycle's proposals `organization` sees (`None`: all), whatever the page.
pub fn count(conn: &mut DbConnection, cycle_id: i64, organization: Option<i64>) -> ApiResult<i64> {
    Ok(filtered(cycle_id, organization).count().get_result(conn)?)
}

/// The cycle's proposals; with an organization, those addressed to it and to all.
fn filtered(
    cycle_id: i64,
    organization: Option<i64>,
) -> proposals::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend> {
    let mut query = proposals::table
        .filter(proposals::cycle_id.eq(cycle_id))
        .into_boxed();
    if let Some(organization) = organization {
        query = query.filter(
            proposals::organization_id
                .eq(organization)
                .or(proposals::organization_id.is_null()),
        );
    }
    query
}

pub fn insert(
    conn: &mut DbConnection,
    cycle_id: i64,
    values: &ProposalValues,
) -> ApiResult<ProposalRow> {
    versioned::insert!(
        conn,
        proposals,
        (proposals::cycle_id.eq(cycle_id), changes(values))
    )
}

/// The columns a proposal's values set.
type Changes<'a> = (
    diesel::dsl::Eq<proposals::organization_id, Option<i64>>,
    diesel::dsl::Eq<proposals::criterion, Option<&'a String>>,
    diesel::dsl::Eq<proposals::text, &'a String>,
    diesel::dsl::Eq<proposals::meeting_id, Option<i64>>,
);

fn changes(values: &ProposalValues) -> Changes<'_> {
    (
        proposals::organization_id.eq(values.organization_id),
        proposals::criterion.eq(values.criterion.as_ref()),
        proposals::text.eq(&values.text),
        proposals::meeting_id.eq(values.meeting_id),
    )
}

/// Writes new values if the row is still at its version; 412 when another write got there first.
pub fn update(
    conn: &mut DbConnection,
    current: &ProposalRow,
    values: &ProposalValues,
) -> ApiResult<ProposalRow> {
    versioned::update!(
        conn,
        proposals,
        (current.id, current.version),
        changes(values)
    )
}

pub fn delete(conn: &mut DbConnection, current: &ProposalRow) -> ApiResult<()> {
    versioned::delete!(conn, proposals, (current.id, current.version))
}

/// The cycle's proposals addressed to `organization_id` or to every organization.
pub fn addressed_to(
    conn: &mut DbConnection,
    cycle_id: i64,
    organization_id: i64,
) -> ApiResult<Vec<ProposalRow>> {
    list(
        conn,
        cycle_id,
        Some(organization_id),
        0,
        i64::from(i32::MAX),
    )
}
