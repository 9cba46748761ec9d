//! The change feed: what changed, in commit order, as far as each reader may see it.

use super::answers::{Answer, Answers, Depends};
use super::Listing;
use crate::auth::policy::{self, Target};
use crate::auth::Caller;
use crate::db::changes::{self as store, event_for};
use crate::db::{Db, DbConnection};
use crate::domain::paging::{self, Cursor};
use crate::error::ApiResult;
use crate::views::changes::ChangePage;

/// The resource types the feed carries.
pub const TYPES: &[&str] = &[
    "region",
    "organization",
    "cycle",
    "evaluation",
    "proposal",
    "council_meeting",
    "cycle_deadlines",
    "plan",
    "report",
    "organizing_plan",
    "operator",
];

/// [`list`] as its JSON: kept while no counter of the data versions moved (every change of the
/// feed is recorded with an audited write, which bumps one in its transaction), else read. A
/// kept page is what the query gave at one moment: on PostgreSQL writers of the feed take ids
/// in commit order, so what it saw is a prefix of the feed, and a reader resuming after its
/// cursor misses nothing. Keyed by the parsed query and what the caller may see of the feed.
pub async fn answer(
    db: &Db,
    answers: &Answers,
    caller: Caller,
    listing: ApiResult<Listing<Vec<String>>>,
) -> ApiResult<Answer> {
    policy::authorize(&caller, &policy::CHANGE_LIST, &Target::default())?;
    let listing = listing?;
    let key = format!("changes/{listing:?}/{:?}", policy::feed_visibility(&caller));
    answers
        .answer(db, key, move |conn| {
            let page = list(conn, &caller, Ok(listing))?;
            Ok((Answer::json(&page)?, Depends::Everything))
        })
        .await
}

/// The changes of the listed types after the cursor. A change the caller no longer sees comes
/// as a deletion if it saw the resource before, and not at all otherwise. The query's faults
/// are told only to a caller who may read the feed.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    listing: ApiResult<Listing<Vec<String>>>,
) -> ApiResult<ChangePage> {
    policy::authorize(caller, &policy::CHANGE_LIST, &Target::default())?;
    let Listing {
        filter: types,
        after_id,
        limit,
        ..
    } = listing?;
    let visibility = policy::feed_visibility(caller);
    let rows = store::list(conn, after_id, &types, visibility, limit)?;
    let (rows, next) = paging::split_page(rows, limit, |r| r.id);
    let last = rows.last().map_or(after_id, |r| r.id);
    let items = rows
        .iter()
        .filter_map(|r| event_for(r, visibility).transpose())
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(ChangePage {
        items,
        next_cursor: Cursor { after_id: last }.encode(),
        has_more: next.is_some(),
    })
}
