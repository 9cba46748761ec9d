//! Organizations of social services: the public registry, kept by administrators and regional
//! authorities; an organization corrects its own contact data.

use super::{etag, Context, IfMatch, Listing};
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::audit::{self, Change};
use crate::db::changes::Exposure;
use crate::db::organizations::{self as store, OrganizationFilter, OrganizationRow};
use crate::db::DbConnection;
use crate::domain::organization::OrganizationDraft;
use crate::domain::paging;
use crate::error::{ApiError, ApiResult};
use crate::views::organizations::{NewOrganization, Organization, OrganizationPatch};
use crate::views::Page;

/// The registry is public: every change goes to the feed for everyone.
fn recorded(
    conn: &mut DbConnection,
    ctx: &Context,
    action: &str,
    id: i64,
    before: Option<&Organization>,
    after: &Organization,
) -> ApiResult<()> {
    let change = Change::of(action, "organization", id, before, Some(after))?
        .exposed(Exposure::public(), Exposure::public());
    audit::record(conn, &ctx.actor(), change)
}

/// The listing, if `caller` may list. Checked before the page cache answers: a page is the same
/// for every caller who may see it.
pub fn may_list(
    caller: &Caller,
    listing: ApiResult<Listing<OrganizationFilter>>,
) -> ApiResult<Listing<OrganizationFilter>> {
    policy::authorize(caller, &policy::ORGANIZATION_LIST, &Target::default())?;
    listing
}

/// A page of organizations, in the order asked for (see [`may_list`]).
pub fn list(
    conn: &mut DbConnection,
    listing: &Listing<OrganizationFilter>,
) -> ApiResult<Page<Organization>> {
    let rows = store::list(conn, &listing.filter, listing.after_id, listing.limit)?;
    let (rows, next_cursor) = paging::split_page(rows, listing.limit, |r| r.id);
    let items = rows
        .iter()
        .map(Organization::of)
        .collect::<ApiResult<_>>()?;
    let total = listing
        .total
        .then(|| store::count(conn, &listing.filter))
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
    new: NewOrganization,
) -> ApiResult<(i64, Organization)> {
    let target = Target::region(new.region_id);
    policy::authorize(&ctx.caller, &policy::ORGANIZATION_CREATE, &target)?;
    let draft = OrganizationDraft::from(new)
        .validate()
        .map_err(ApiError::Validation)?;
    let row = store::insert(conn, &draft)?;
    let created = Organization::of(&row)?;
    recorded(conn, ctx, "organization.created", row.id, None, &created)?;
    Ok((row.version, created))
}

pub fn read(conn: &mut DbConnection, caller: &Caller, id: i64) -> ApiResult<(i64, Organization)> {
    policy::authorize(caller, &policy::ORGANIZATION_READ, &Target::default())?;
    let row = store::find(conn, id)?;
    Ok((row.version, Organization::of(&row)?))
}

/// The organization, if `caller` may act on it under `rule`.
fn authorized(
    conn: &mut DbConnection,
    caller: &Caller,
    rule: &policy::Rule,
    id: i64,
) -> ApiResult<OrganizationRow> {
    let current = store::find(conn, id)?;
    policy::authorize(caller, rule, &Target::organization(current.region_id, id))?;
    Ok(current)
}

/// Applies the merge patch: an organization user may change only its contact data, and moving
/// an organization needs the right over its new region too. A patch that changes nothing
/// writes nothing.
pub fn update(
    conn: &mut DbConnection,
    ctx: &Context,
    id: i64,
    if_match: &IfMatch,
    patch: OrganizationPatch,
) -> ApiResult<(i64, Organization)> {
    let current = authorized(conn, &ctx.caller, &policy::ORGANIZATION_UPDATE, id)?;
    if_match.require(&etag(current.version))?;
    let before = current.draft()?;
    let mut draft = before.clone();
    patch.apply(&mut draft).map_err(ApiError::Validation)?;
    let draft = draft.validate().map_err(ApiError::Validation)?;
    let changed = before.changed_fields(&draft);
    policy::check_organization_fields(ctx.caller.principal(), &changed)?;
    let moved_to = Target::organization(draft.region_id, id);
    policy::authorize(&ctx.caller, &policy::ORGANIZATION_UPDATE, &moved_to)?;
    let shown_before = Organization::of(&current)?;
    if changed.is_empty() {
        return Ok((current.version, shown_before));
    }
    let row = store::update(conn, id, current.version, &draft)?;
    let after = Organization::of(&row)?;
    recorded(
        conn,
        ctx,
        "organization.updated",
        id,
        Some(&shown_before),
        &after,
    )?;
    Ok((row.version, after))
}

/// Deactivates the organization; deactivating twice is harmless.
pub fn deactivate(
    conn: &mut DbConnection,
    ctx: &Context,
    id: i64,
    if_match: &IfMatch,
) -> ApiResult<(i64, Organization)> {
    let current = authorized(conn, &ctx.caller, &policy::ORGANIZATION_DEACTIVATE, id)?;
    if_match.check_if_present(&etag(current.version))?;
    let before = Organization::of(&current)?;
    if !current.active {
        return Ok((current.version, before));
    }
    let mut draft = current.draft()?;
    draft.active = false;
    let row = store::update(conn, id, current.version, &draft)?;
    let after = Organization::of(&row)?;
    recorded(
        conn,
        ctx,
        "organization.deactivated",
        id,
        Some(&before),
        &after,
    )?;
    Ok((row.version, after))
}
