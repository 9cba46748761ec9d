//! Regions: the subjects of the Russian Federation, kept by administrators and public to all.

use super::{etag, Context, IfMatch, Listing};
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::audit::{self, Change};
use crate::db::changes::Exposure;
use crate::db::regions as store;
use crate::db::DbConnection;
use crate::domain::{paging, region};
use crate::error::{ApiError, ApiResult};
use crate::views::patch_required;
use crate::views::regions::{NewRegion, Region, RegionPatch};
use crate::views::Page;

/// The code and name, trimmed and checked.
fn validated(code: String, name: String) -> ApiResult<(String, String)> {
    let fields = region::RegionFields::checked(&code, &name).map_err(ApiError::Validation)?;
    Ok((fields.code, fields.name))
}

/// A page of regions. The query's faults are told only to a caller who may list.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    listing: ApiResult<Listing<()>>,
) -> ApiResult<Page<Region>> {
    policy::authorize(caller, &policy::REGION_LIST, &Target::default())?;
    let Listing {
        after_id,
        limit,
        total,
        ..
    } = listing?;
    let rows = store::list(conn, after_id, limit)?;
    let (rows, next_cursor) = paging::split_page(rows, limit, |r| r.id);
    let items = rows.iter().map(Region::from).collect();
    let total = total.then(|| store::count(conn)).transpose()?;
    Ok(Page {
        items,
        next_cursor,
        total,
    })
}

/// The region with the code people know (`71`), as [`read`] answers it.
pub fn read_by_code(
    conn: &mut DbConnection,
    caller: &Caller,
    code: &str,
) -> ApiResult<(i64, Region)> {
    policy::authorize(caller, &policy::REGION_READ_BY_CODE, &Target::default())?;
    let mut code = code.to_owned();
    let mut errors = Vec::new();
    region::check_code(&mut code, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest {
            detail: "Path parameter `code` must be the two-digit code of a subject of the \
                     Russian Federation, 01–99"
                .into(),
            errors,
        });
    }
    let row = store::find_by_code(conn, &code)?.ok_or(ApiError::NotFound)?;
    Ok((row.version, Region::from(&row)))
}

pub fn create(conn: &mut DbConnection, ctx: &Context, new: NewRegion) -> ApiResult<(i64, Region)> {
    policy::authorize(&ctx.caller, &policy::REGION_CREATE, &Target::default())?;
    let (code, name) = validated(new.code, new.name)?;
    let row = store::insert(conn, &code, &name)?;
    let created = Region::from(&row);
    audit::record(
        conn,
        &ctx.actor(),
        Change::of("region.created", "region", row.id, None, Some(&created))?
            .exposed(Exposure::public(), Exposure::public()),
    )?;
    Ok((row.version, created))
}

pub fn read(conn: &mut DbConnection, caller: &Caller, id: i64) -> ApiResult<(i64, Region)> {
    policy::authorize(caller, &policy::REGION_READ, &Target::default())?;
    let row = store::find(conn, id)?;
    Ok((row.version, Region::from(&row)))
}

/// Applies the merge patch; a patch that changes nothing writes nothing.
pub fn update(
    conn: &mut DbConnection,
    ctx: &Context,
    id: i64,
    if_match: &IfMatch,
    patch: RegionPatch,
) -> ApiResult<(i64, Region)> {
    policy::authorize(&ctx.caller, &policy::REGION_UPDATE, &Target::region(id))?;
    let current = store::find(conn, id)?;
    if_match.require(&etag(current.version))?;
    let (mut code, mut name) = (current.code.clone(), current.name.clone());
    let mut errors = Vec::new();
    patch_required(&mut code, patch.code, "code", &mut errors);
    patch_required(&mut name, patch.name, "name", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let (code, name) = validated(code, name)?;
    let before = Region::from(&current);
    if (code.as_str(), name.as_str()) == (current.code.as_str(), current.name.as_str()) {
        return Ok((current.version, before));
    }
    let row = store::update(conn, id, current.version, &code, &name)?;
    let after = Region::from(&row);
    let change = Change::of("region.updated", "region", id, Some(&before), Some(&after))?
        .exposed(Exposure::public(), Exposure::public());
    audit::record(conn, &ctx.actor(), change)?;
    Ok((row.version, after))
}
