//! List pages of public collections, kept serialized while their collection is unchanged. A
//! page is reused only if the collection's version counter in this instance's snapshot of the
//! data versions (`db::versions`: current for this instance's own writes at once, for other
//! instances' within `NOK_FRESHNESS_MS`) is the one the page was built at, and it carries an
//! ETag made of that version. A current page is answered without a database hop.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

use super::conditional::{fingerprint, is_not_modified, not_modified};
use crate::app::answers::Answer;
use crate::bounded::BoundedMap;
use crate::db::versions::Collection;
use crate::db::{Db, DbConnection};
use crate::error::ApiResult;

#[derive(Debug, Clone)]
struct Page {
    version: i64,
    body: Bytes,
    headers: PageHeaders,
}

/// What a page's headers say besides its ETag (`Link`, `X-Total-Count`; see `api::pages`),
/// kept with its body so that a cached page answers with the same headers.
#[derive(Debug, Clone, Default)]
pub struct PageHeaders {
    pub next_cursor: Option<String>,
    pub total: Option<i64>,
}

/// At most `entries` pages of at most `bytes` together (see [`BoundedMap`]); either 0 turns
/// caching off.
pub struct PageCache {
    pages: BoundedMap<(Collection, String), Page>,
}

impl PageCache {
    pub fn new(entries: usize, bytes: usize) -> Self {
        Self {
            pages: BoundedMap::new(entries, bytes),
        }
    }

    fn get(&self, key: &(Collection, String), version: i64) -> Option<Page> {
        self.pages.get(key).filter(|p| p.version == version)
    }

    fn put(&self, key: (Collection, String), page: Page) {
        let bytes = page.body.len()
            + key.1.len()
            + page.headers.next_cursor.as_ref().map_or(0, String::len)
            + ENTRY_OVERHEAD;
        self.pages.insert(key, page, bytes);
    }
}

/// What an entry costs besides its strings and body: the map's slot and the allocations' own
/// headers, roughly.
const ENTRY_OVERHEAD: usize = 128;

/// Answers a list request of `collection` whose page is fully determined by `query` (the
/// parsed, validated query string): from the cache when current, else built by `build`. The
/// ETag covers the `Link` too: it is made of the raw query string, and the next cursor is a
/// function of the query and the data version.
pub async fn list<F>(
    req: &HttpRequest,
    db: &Db,
    cache: Arc<PageCache>,
    collection: Collection,
    query: String,
    build: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut DbConnection) -> ApiResult<(Vec<u8>, PageHeaders)> + Send + 'static,
{
    let key = (collection, query);
    let version = db.versions().await?.collection(collection);
    let page = match cache.get(&key, version) {
        Some(page) => page,
        // Built after the version was read: as current as that version, or more.
        None => {
            db.run(move |conn| {
                let (body, headers) = build(conn)?;
                let page = Page {
                    version,
                    body: Bytes::from(body),
                    headers,
                };
                cache.put(key, page.clone());
                Ok(page)
            })
            .await?
        }
    };
    let version = page.version;
    // The page is a function of the query, the data version and the code that renders it.
    let tag = format!(
        "\"{}-{version}-{:016x}\"",
        env!("CARGO_PKG_VERSION"),
        fingerprint(req.query_string())
    );
    if is_not_modified(req, &tag) {
        return Ok(not_modified(tag));
    }
    let mut response = HttpResponse::Ok();
    super::pages::headers(
        req,
        &mut response,
        page.headers.next_cursor.as_deref(),
        page.headers.total,
    );
    Ok(response
        .insert_header((header::ETAG, tag))
        .content_type("application/json")
        .body(page.body))
}

/// 200 with an answer (kept or just built) and its headers, or 304 when it has an ETag that
/// `If-None-Match` names.
pub fn respond(req: &HttpRequest, answer: Answer) -> HttpResponse {
    if let Some(tag) = &answer.tag {
        if is_not_modified(req, tag) {
            return not_modified(tag.clone());
        }
    }
    let mut response = HttpResponse::Ok();
    super::pages::headers(
        req,
        &mut response,
        answer.next_cursor.as_deref(),
        answer.total,
    );
    if let Some(tag) = answer.tag {
        response.insert_header((header::ETAG, tag));
    }
    response
        .content_type("application/json")
        .body(answer.body)
}
