//! The audit log, read by administrators and auditors.

use super::answers::{Answer, Answers, Depends};
use super::Listing;
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::audit::{self as store, AuditFilter};
use crate::db::{Db, DbConnection};
use crate::domain::paging;
use crate::error::ApiResult;
use crate::views::audit::AuditEvent;
use crate::views::Page;

/// [`list`] as its JSON page: kept while no counter of the data versions moved (every audited
/// write, log-ins included, bumps one in its transaction), else read. The log is the same for
/// every caller who may read it, so the key is the parsed query alone.
pub async fn answer(
    db: &Db,
    answers: &Answers,
    caller: Caller,
    listing: ApiResult<Listing<AuditFilter>>,
) -> ApiResult<Answer> {
    policy::authorize(&caller, &policy::AUDIT_LIST, &Target::default())?;
    let listing = listing?;
    let key = format!("audit/{listing:?}");
    answers
        .answer(db, key, move |conn| {
            let page = list(conn, &caller, Ok(listing))?;
            Ok((Answer::page(&page)?, Depends::Everything))
        })
        .await
}

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
