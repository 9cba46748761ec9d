//! Meetings of a region's public council: public records kept by the council and the authority.

use super::{etag, Context, IfMatch, Listing};
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::audit::{self, Change};
use crate::db::changes::Exposure;
use crate::db::council_meetings::{self as store, MeetingRow, MeetingValues};
use crate::db::regions as region_store;
use crate::db::DbConnection;
use crate::domain::council::{self, CouncilItem};
use crate::domain::paging;
use crate::error::{ApiError, ApiResult};
use crate::views::council_meetings::{CouncilMeeting, CouncilMeetingPatch, NewCouncilMeeting};
use crate::views::patch_required;
use crate::views::Page;

/// Who sees a meeting in the feed: everyone, filed under its region.
pub fn exposure(row: &MeetingRow) -> Exposure {
    Exposure {
        region_id: Some(row.region_id),
        organization_id: None,
        public: true,
    }
}

/// The region, or 404.
fn existing_region(conn: &mut DbConnection, region_id: i64) -> ApiResult<()> {
    if region_store::exists(conn, region_id)? {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// The values as stored, checked and trimmed: a number «б/н» is no number.
fn values(
    held_on: chrono::NaiveDate,
    number: Option<String>,
    mut title: String,
    mut agenda: Vec<CouncilItem>,
    mut decisions: Vec<CouncilItem>,
) -> ApiResult<MeetingValues> {
    let mut number = council::number_of(number);
    let errors = council::check(&mut number, &mut title, &mut agenda, &mut decisions);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let json = |items: &[CouncilItem]| serde_json::to_string(items).map_err(ApiError::internal);
    Ok(MeetingValues {
        held_on,
        number,
        title,
        agenda_json: json(&agenda)?,
        decisions_json: json(&decisions)?,
    })
}

/// The region's meetings in id order, a page; with a year, those held in it. The query's
/// faults are told only to a caller who may list.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    region_id: i64,
    listing: ApiResult<Listing<Option<i32>>>,
) -> ApiResult<Page<CouncilMeeting>> {
    policy::authorize(caller, &policy::MEETING_LIST, &Target::region(region_id))?;
    let Listing {
        filter: year,
        after_id,
        limit,
        total,
    } = listing?;
    existing_region(conn, region_id)?;
    let rows = store::list(conn, region_id, year, after_id, limit)?;
    let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
    let items = rows
        .iter()
        .map(CouncilMeeting::of)
        .collect::<ApiResult<_>>()?;
    let total = total
        .then(|| store::count(conn, region_id, year))
        .transpose()?;
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    region_id: i64,
    new: NewCouncilMeeting,
) -> ApiResult<(i64, CouncilMeeting)> {
    policy::authorize(
        &ctx.caller,
        &policy::MEETING_CREATE,
        &Target::region(region_id),
    )?;
    existing_region(conn, region_id)?;
    let values = values(
        new.held_on,
        new.number,
        new.title,
        new.agenda,
        new.decisions,
    )?;
    let row = store::insert(conn, region_id, &values)?;
    let meeting = CouncilMeeting::of(&row)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of(
            "council_meeting.created",
            "council_meeting",
            row.id,
            None,
            Some(&meeting),
        )?
        .exposed(exposure(&row), exposure(&row)),
    )?;
    Ok((row.version, meeting))
}

pub fn read(
    conn: &mut DbConnection,
    caller: &Caller,
    (region_id, id): (i64, i64),
) -> ApiResult<(i64, CouncilMeeting)> {
    policy::authorize(caller, &policy::MEETING_READ, &Target::region(region_id))?;
    let row = store::find(conn, region_id, id)?;
    Ok((row.version, CouncilMeeting::of(&row)?))
}

/// Applies the merge patch; a patch that changes nothing writes nothing.
pub fn update(
    conn: &mut DbConnection,
    ctx: &Context,
    (region_id, id): (i64, i64),
    if_match: &IfMatch,
    patch: CouncilMeetingPatch,
) -> ApiResult<(i64, CouncilMeeting)> {
    policy::authorize(
        &ctx.caller,
        &policy::MEETING_UPDATE,
        &Target::region(region_id),
    )?;
    let current = store::find(conn, region_id, id)?;
    if_match.require(&etag(current.version))?;
    let before = CouncilMeeting::of(&current)?;
    let mut held_on = before.held_on;
    let mut title = before.title.clone();
    let mut errors = Vec::new();
    patch_required(&mut held_on, patch.held_on, "held_on", &mut errors);
    patch_required(&mut title, patch.title, "title", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let number = patch.number.unwrap_or_else(|| before.number.clone());
    let agenda = patch
        .agenda
        .map_or_else(|| before.agenda.clone(), Option::unwrap_or_default);
    let decisions = patch
        .decisions
        .map_or_else(|| before.decisions.clone(), Option::unwrap_or_default);
    let values = values(held_on, number, title, agenda, decisions)?;
    if values == current.values() {
        return Ok((current.version, before));
    }
    let row = store::update(conn, &current, &values)?;
    let after = CouncilMeeting::of(&row)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of(
            "council_meeting.updated",
            "council_meeting",
            id,
            Some(&before),
            Some(&after),
        )?
        .exposed(exposure(&current), exposure(&row)),
    )?;
    Ok((row.version, after))
}
