//! Headers of a page of a list: the RFC 8288 `Link` to the next page (the request's own URL with
//! the next cursor), and `X-Total-Count` when the caller asked for the total.

use actix_web::http::header::HeaderValue;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;

use crate::views::Page;

pub const TOTAL_COUNT: &str = "X-Total-Count";

/// The `Link` value naming the next page: the request's path and query, its `cursor` replaced
/// by `next_cursor`. A reference relative to the request, so it never trusts a `Host` header.
pub fn next_link(req: &HttpRequest, next_cursor: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if name != "cursor" {
            query.append_pair(&name, &value);
        }
    }
    query.append_pair("cursor", next_cursor);
    format!("<{}?{}>; rel=\"next\"", req.path(), query.finish())
}

/// Sets `Link` (when a next page exists) and `X-Total-Count` (when counted) on `response`.
pub fn headers(
    req: &HttpRequest,
    response: &mut HttpResponseBuilder,
    next_cursor: Option<&str>,
    total: Option<i64>,
) {
    if let Some(cursor) = next_cursor {
        if let Ok(link) = HeaderValue::try_from(next_link(req, cursor)) {
            response.insert_header((actix_web::http::header::LINK, link));
        }
    }
    if let Some(total) = total {
        response.insert_header((TOTAL_COUNT, total.to_string()));
    }
}

/// 200 with the page as JSON and its headers.
pub fn respond<T: Serialize>(req: &HttpRequest, page: &Page<T>) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    headers(req, &mut response, page.next_cursor.as_deref(), page.total);
    response.json(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_next_link_keeps_the_query_and_replaces_the_cursor() {
        let req = TestRequest::get()
            .uri("/api/v1/organizations?q=%D0%B1%D0%B5&cursor=5&limit=2")
            .to_http_request();
        assert_eq!(
            next_link(&req, "7"),
            "</api/v1/organizations?q=%D0%B1%D0%B5&limit=2&cursor=7>; rel=\"next\""
        );
        let req = TestRequest::get().uri("/api/v1/regions").to_http_request();
        assert_eq!(
            next_link(&req, "a"),
            "</api/v1/regions?cursor=a>; rel=\"next\""
        );
    }
}
