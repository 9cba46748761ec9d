//! Answers of read routes as HTTP responses: the kept answers (`app::answers`) with their
//! headers, and list pages of public collections, kept while their collection is unchanged
//! with an ETag made of its version. A current answer is sent without a database hop.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use super::conditional::{fingerprint, is_not_modified, not_modified};
use crate::app::answers::{Answer, Answers, Depends};
use crate::db::versions::Collection;
use crate::db::{Db, DbConnection};
use crate::error::ApiResult;

/// What a page's headers say besides its ETag (`Link`, `X-Total-Count`; see `api::pages`).
#[derive(Debug, Clone, Default)]
pub struct PageHeaders {
    pub next_cursor: Option<String>,
    pub total: Option<i64>,
}

/// Answers a list request of `collection` whose page is fully determined by `query` (the
/// parsed, validated query string): kept while the collection's version is the one it was
/// built at, else built by `build`. The ETag covers the `Link` too: it is made of the raw query
/// string (part of the key), and the next cursor is a function of the query and the version.
pub async fn list<F>(
    req: &HttpRequest,
    db: &Db,
    answers: &Answers,
    collection: Collection,
    query: String,
    build: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut DbConnection) -> ApiResult<(Vec<u8>, PageHeaders)> + Send + 'static,
{
    let raw = req.query_string().to_owned();
    let key = format!("{}/{query}/{raw}", collection.name());
    let answer = answers
        .answer_at(db, key, |versions| {
            // The page is a function of the query, the data version and the code that renders it.
            let tag = format!(
                "\"{}-{}-{:016x}\"",
                env!("CARGO_PKG_VERSION"),
                versions.collection(collection),
                fingerprint(&raw)
            );
            move |conn: &mut DbConnection| {
                let (body, headers) = build(conn)?;
                let answer = Answer {
                    body: body.into(),
                    tag: Some(tag),
                    next_cursor: headers.next_cursor,
                    total: headers.total,
                };
                Ok((answer, Depends::On(vec![collection.name().to_owned()])))
            }
        })
        .await?;
    Ok(respond(req, answer))
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
    response.content_type("application/json").body(answer.body)
}
