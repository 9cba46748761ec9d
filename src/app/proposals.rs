//! Council proposals of a cycle: by criterion, for one organization or for all.

use crate::app::{Context, IfMatch};
use crate::auth::policy::{self, Rule};
use crate::auth::{Caller, Role};
use crate::db::audit::{self, Change};
use crate::db::changes::{self, Action, FeedChange};
use crate::db::council_meetings as meeting_store;
use crate::db::cycles::{self as cycle_store, CycleRow};
use crate::db::proposals::{self as store, ProposalRow, ProposalValues};
use crate::db::DbConnection;
use crate::domain::{methodology, paging, proposal};
use crate::error::{ApiError, ApiResult};
use crate::views::proposals::{NewProposal, Proposal, ProposalPatch};
use crate::views::Page;

use super::{etag, visibility};
use crate::views::patch_required;

fn shown(row: &ProposalRow, cycle: &CycleRow) -> Proposal {
    Proposal::of(row, &cycle.methodology_id)
}

/// After a publication or reopening of the cycle: its proposals, if who sees them changed.
pub fn feed_cycle(conn: &mut DbConnection, before: &CycleRow, after: &CycleRow) -> ApiResult<()> {
    if before.published_approval_id.is_some() == after.published_approval_id.is_some() {
        return Ok(());
    }
    let fed = store::list(conn, after.id, None, 0, i64::from(i32::MAX))?
        .iter()
        .map(|row| {
            Ok(FeedChange {
                resource_type: "proposal",
                resource_id: row.id.to_string(),
                action: Action::Updated,
                before: visibility::proposal_exposure(before, row),
                after: visibility::proposal_exposure(after, row),
                payload: Some(
                    serde_json::to_value(Proposal::of(row, &after.methodology_id))
                        .map_err(ApiError::internal)?,
                ),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    changes::record_all(conn, &fed)
}

/// Checks the values against the cycle: a criterion of its methodology, an organization it
/// assesses, a text.
fn check(conn: &mut DbConnection, cycle: &CycleRow, values: &mut ProposalValues) -> ApiResult<()> {
    let methodology = methodology::find(&cycle.methodology_id).ok_or_else(|| {
        ApiError::internal(format!("unknown methodology {}", cycle.methodology_id))
    })?;
    let mut errors = proposal::check(methodology, values.criterion.as_deref(), &mut values.text);
    if let Some(meeting) = values.meeting_id {
        let of_region =
            meeting_store::find_any(conn, meeting)?.is_some_and(|m| m.region_id == cycle.region_id);
        if !of_region {
            errors.push(crate::error::FieldError::new(
                "meeting_id",
                "not_found",
                format!(
                    "no council meeting {meeting} in the cycle's region {}",
                    cycle.region_id
                ),
            ));
        }
    }
    if let Some(organization) = values.organization_id {
        if !cycle_store::assesses(conn, cycle.id, Some(organization))? {
            errors.push(crate::error::FieldError::new(
                "organization_id",
                "not_in_cycle",
                format!(
                    "cycle {} does not assess organization {organization}",
                    cycle.id
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// The cycle and the proposal, if `caller` may act under `rule`.
fn authorized(
    conn: &mut DbConnection,
    cycle_id: i64,
    id: i64,
    caller: &Caller,
    rule: &Rule,
) -> ApiResult<(CycleRow, ProposalRow)> {
    let cycle = visibility::authorized_cycle(conn, cycle_id, caller, rule)?;
    let row = store::find(conn, cycle_id, id)?;
    Ok((cycle, row))
}

/// The cycle's proposals in id order, a page after `after`; an organization sees those
/// addressed to it and to all.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    cycle_id: i64,
    after: i64,
    limit: i64,
    total: bool,
) -> ApiResult<Page<Proposal>> {
    let cycle = visibility::authorized_cycle(conn, cycle_id, caller, &policy::PROPOSAL_LIST)?;
    let only = caller
        .principal()
        .filter(|p| p.role == Role::Organization)
        .map(|p| p.organization_id.unwrap_or(-1));
    let rows = store::list(conn, cycle_id, only, after, limit)?;
    let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
    let total = total
        .then(|| store::count(conn, cycle_id, only))
        .transpose()?;
    Ok(Page {
        items: rows.iter().map(|r| shown(r, &cycle)).collect(),
        next_cursor,
        total,
    })
}

pub fn create(
    conn: &mut DbConnection,
    ctx: &Context,
    cycle_id: i64,
    new: NewProposal,
) -> ApiResult<(i64, Proposal)> {
    let cycle =
        visibility::authorized_cycle(conn, cycle_id, &ctx.caller, &policy::PROPOSAL_CREATE)?;
    let mut values = ProposalValues {
        organization_id: new.organization_id,
        criterion: new.criterion,
        text: new.text,
        meeting_id: new.meeting_id,
    };
    check(conn, &cycle, &mut values)?;
    let row = store::insert(conn, cycle_id, &values)?;
    let proposal = shown(&row, &cycle);
    audit::record(
        conn,
        &ctx.actor(),
        Change::of(
            "proposal.created",
            "proposal",
            row.id,
            None,
            Some(&proposal),
        )?
        .in_region(cycle.region_id)
        .exposed(
            visibility::proposal_exposure(&cycle, &row),
            visibility::proposal_exposure(&cycle, &row),
        ),
    )?;
    Ok((row.version, proposal))
}

/// The proposal; an organization reads only those addressed to it or to all.
pub fn read(
    conn: &mut DbConnection,
    caller: &Caller,
    (cycle_id, id): (i64, i64),
) -> ApiResult<(i64, Proposal)> {
    let (cycle, row) = authorized(conn, cycle_id, id, caller, &policy::PROPOSAL_READ)?;
    let addressed_elsewhere = caller.principal().is_some_and(|p| {
        p.role == Role::Organization
            && row.organization_id.is_some()
            && row.organization_id != p.organization_id
    });
    if addressed_elsewhere {
        return Err(ApiError::NotFound);
    }
    Ok((row.version, shown(&row, &cycle)))
}

/// The proposal's values after `patch`; 422 naming each field set to `null` that cannot be.
fn apply_patch(current: &ProposalRow, patch: ProposalPatch) -> ApiResult<ProposalValues> {
    let mut values = current.values();
    let mut errors = Vec::new();
    if let Some(organization_id) = patch.organization_id {
        values.organization_id = organization_id;
    }
    if let Some(criterion) = patch.criterion {
        values.criterion = criterion;
    }
    if let Some(meeting_id) = patch.meeting_id {
        values.meeting_id = meeting_id;
    }
    patch_required(&mut values.text, patch.text, "text", &mut errors);
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(ApiError::Validation(errors))
    }
}

pub fn update(
    conn: &mut DbConnection,
    ctx: &Context,
    (cycle_id, id): (i64, i64),
    if_match: &IfMatch,
    patch: ProposalPatch,
) -> ApiResult<(i64, Proposal)> {
    let (cycle, current) = authorized(conn, cycle_id, id, &ctx.caller, &policy::PROPOSAL_UPDATE)?;
    if_match.require(&etag(current.version))?;
    let mut values = apply_patch(&current, patch)?;
    check(conn, &cycle, &mut values)?;
    let before = shown(&current, &cycle);
    if values == current.values() {
        return Ok((current.version, before));
    }
    let row = store::update(conn, &current, &values)?;
    if row.organization_id != current.organization_id {
        // Addressed elsewhere now: whoever saw it only as the former addressee loses it.
        changes::record(
            conn,
            &FeedChange {
                resource_type: "proposal",
                resource_id: id.to_string(),
                action: Action::Deleted,
                before: visibility::proposal_exposure(&cycle, &current),
                after: visibility::proposal_exposure(&cycle, &current),
                payload: None,
            },
        )?;
    }
    let after = shown(&row, &cycle);
    audit::record(
        conn,
        &ctx.actor(),
        Change::of(
            "proposal.updated",
            "proposal",
            id,
            Some(&before),
            Some(&after),
        )?
        .in_region(cycle.region_id)
        .exposed(
            visibility::proposal_exposure(&cycle, &current),
            visibility::proposal_exposure(&cycle, &row),
        ),
    )?;
    Ok((row.version, after))
}

pub fn delete(
    conn: &mut DbConnection,
    ctx: &Context,
    (cycle_id, id): (i64, i64),
    if_match: &IfMatch,
) -> ApiResult<()> {
    let (cycle, current) = authorized(conn, cycle_id, id, &ctx.caller, &policy::PROPOSAL_DELETE)?;
    if_match.require(&etag(current.version))?;
    store::delete(conn, &current)?;
    audit::record(
        conn,
        &ctx.actor(),
        Change::of(
            "proposal.deleted",
            "proposal",
            id,
            Some(&shown(&current, &cycle)),
            None::<&Proposal>,
        )?
        .in_region(cycle.region_id)
        .exposed(
            visibility::proposal_exposure(&cycle, &current),
            visibility::proposal_exposure(&cycle, &current),
        ),
    )
}
