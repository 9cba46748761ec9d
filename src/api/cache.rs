//! List pages of public collections, kept serialized while their collection is unchanged. A
//! page is reused only if the collection's version counter in this instance's snapshot of the
//! data versions (`db::versions`: current for this instance's own writes at once, for other
//! instances' within `NOK_FRESHNESS_MS`) is the one the page was built at, and it carries an
//! ETag made of that version. A current page is answered without a database hop.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

use super::conditional::{fingerprint, is_not_modified, not_modified};
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

/// At most `capacity` pages; when full it starts over, which keeps it bounded without
/// bookkeeping (the hot pages come back at once). Capacity 0 turns caching off.
pub struct PageCache {
    capacity: usize,
    pages: Mutex<HashMap<(Collection, String), Page>>,
}

impl PageCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            pages: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, key: &(Collection, String), version: i64) -> Option<Page> {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.get(key).filter(|p| p.version == version).cloned()
    }

    fn put(&self, key: (Collection, String), page: Page) {
        if self.capacity == 0 {
            return;
        }
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        if pages.len() >= self.capacity {
            pages.clear();
        }
        pages.insert(key, page);
    }
}

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
