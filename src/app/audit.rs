//! The audit log, read by administrators and auditors.

use super::Listing;
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::audit::{self as store, AuditFilter};
use crate::db::DbConnection;
use crate::domain::paging;
use crate::error::ApiResult;
use crate::views::audit::AuditEvent;
use crate::views::Page;

/// A page of audit events, oldest first unless the filter asks for the newest first. The query's faults are told only to a caller who may
/// read the log.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    listing: ApiResult<Listing<AuditFilter>>,
) -> ApiResult<Page<AuditEvent>> {
    policy::authorize(caller, &policy::AUDIT_LIST, &Target::default())?;
    let listing = listing?;
    let rows = store::list(conn, &listing.filter, listing.after_id, listing.limit)?;
    let (rows, next_cursor) = paging::split_page(rows, listing.limit, |r| r.id);
    let items = rows
        .into_iter()
        .map(AuditEvent::of)
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
