//! Conditional requests (RFC 9110 §13): ETags on reads, `If-None-Match` → 304, and `If-Match`
//! required on writes to an existing resource so that no update is silently lost.

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;
use std::future::{ready, Ready};

pub use crate::app::{etag, fingerprint, hashed_etag, IfMatch};
use crate::error::ApiError;

fn tags(headers: &HeaderMap, name: header::HeaderName) -> Option<Vec<String>> {
    let values: Vec<String> = headers
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    (!values.is_empty()).then_some(values)
}

/// `If-Match` as RFC 9110 §13.1.1 writes it: `*` or a list of entity tags, each quoted,
/// optionally weak. The OpenAPI document states it; anything else, an empty value included, is
/// a 400 naming the header.
pub const IF_MATCH_PATTERN: &str =
    r#"^[ \t]*(\*|(W/)?"[!#-~]*"([ \t]*,[ \t]*(W/)?"[!#-~]*")*)[ \t]*$"#;

/// The entity tags of an `If-Match` value (`*` included as such), or `None` when it does not
/// match [`IF_MATCH_PATTERN`].
fn parse_if_match(value: &str) -> Option<Vec<String>> {
    let value = value.trim_matches([' ', '\t']);
    if value == "*" {
        return Some(vec!["*".into()]);
    }
    let mut tags = Vec::new();
    let mut rest = value;
    loop {
        let start = rest;
        rest = rest.strip_prefix("W/").unwrap_or(rest);
        let quoted = rest.strip_prefix('"')?;
        let end = quoted.find('"')?;
        if !quoted[..end]
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x7e).contains(&b))
        {
            return None;
        }
        let tag_len = start.len() - quoted.len() + end + 1;
        tags.push(start[..tag_len].to_owned());
        rest = quoted[end + 1..].trim_start_matches([' ', '\t']);
        if rest.is_empty() {
            return Some(tags);
        }
        rest = rest.strip_prefix(',')?.trim_start_matches([' ', '\t']);
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Present means well-formed: an empty value is not taken for no header.
        let mut tags: Option<Vec<String>> = None;
        for value in req.headers().get_all(header::IF_MATCH) {
            match value.to_str().ok().and_then(parse_if_match) {
                Some(more) => tags.get_or_insert_with(Vec::new).extend(more),
                None => {
                    return ready(Err(ApiError::bad_field(
                        "If-Match",
                        "format",
                        "must be `*` or entity tags as an ETag header gives them (\"3\", W/\"3\")",
                    )))
                }
            }
        }
        ready(Ok(IfMatch(tags)))
    }
}

/// `If-None-Match` names the current ETag (weak comparison) or `*`.
pub fn is_not_modified(req: &HttpRequest, current: &str) -> bool {
    tags(req.headers(), header::IF_NONE_MATCH).is_some_and(|tags| {
        tags.iter()
            .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == current)
    })
}

/// 304: the client's copy, named by `tag`, is current.
pub fn not_modified(tag: String) -> HttpResponse {
    HttpResponse::NotModified()
        .insert_header((header::ETAG, tag))
        .finish()
}

/// ETag of a stored resource shown with figures derived for a day (overdue measures): the row
/// version and the day.
pub fn dated_etag(version: i64, day: chrono::NaiveDate) -> String {
    format!("\"{version}-{day}\"")
}

/// [`respond`] with a [`dated_etag`].
pub fn respond_dated<T: Serialize>(
    req: &HttpRequest,
    version: i64,
    day: chrono::NaiveDate,
    body: &T,
) -> HttpResponse {
    let tag = dated_etag(version, day);
    if is_not_modified(req, &tag) {
        return not_modified(tag);
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .json(body)
}

/// 200 with the body and its ETag, or 304 when the client's copy is current.
pub fn respond<T: Serialize>(req: &HttpRequest, version: i64, body: &T) -> HttpResponse {
    let tag = etag(version);
    if is_not_modified(req, &tag) {
        return not_modified(tag);
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .json(body)
}

/// 200 with the body and an ETag computed from its bytes, for representations without a
/// stored version (static data, list pages); 304 when the client's copy is current.
pub fn respond_hashed<T: Serialize>(
    req: &HttpRequest,
    body: &T,
) -> Result<HttpResponse, crate::error::ApiError> {
    let bytes = serde_json::to_vec(body).map_err(crate::error::ApiError::internal)?;
    let tag = hashed_etag(&bytes);
    if is_not_modified(req, &tag) {
        return Ok(not_modified(tag));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .content_type("application/json")
        .body(bytes))
}

/// 201 with the new resource, its location and its ETag.
pub fn created<T: Serialize>(location: String, version: i64, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// 200 after a write, with the ETag given.
pub fn updated_with<T: Serialize>(tag: String, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .json(body)
}

/// 200 after a write, with the new ETag.
pub fn updated<T: Serialize>(version: i64, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

#[cfg(test)]
mod tests {
    use super::parse_if_match;

    #[test]
    fn if_match_takes_exactly_entity_tag_lists() {
        let tags = |v: &str| parse_if_match(v).unwrap_or_else(|| panic!("{v}"));
        assert_eq!(tags("*"), ["*"]);
        assert_eq!(tags("\"3\""), ["\"3\""]);
        assert_eq!(tags(" W/\"3\" "), ["W/\"3\""]);
        assert_eq!(
            tags("\"3\",W/\"4-2018-01-01\""),
            ["\"3\"", "W/\"4-2018-01-01\""]
        );
        assert_eq!(tags("\"\""), ["\"\""]);
        // A comma inside the quotes belongs to the tag.
        assert_eq!(tags("\"a,b\" ,\t\"c\""), ["\"a,b\"", "\"c\""]);
        for bad in [
            "",
            " ",
            "3",
            "\"3",
            "\"3\" \"4\"",
            "\"3\",",
            "**",
            "W/3",
            "\"a b\"",
            ",\"3\"",
        ] {
            assert_eq!(parse_if_match(bad), None, "{bad}");
        }
    }
}
