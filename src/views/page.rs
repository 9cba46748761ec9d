//! The page of a list, the one shape every list operation answers with (see `domain::paging`).

use serde::Serialize;
use utoipa::ToSchema;

/// One page of a list, in the list's order; `next_cursor` asks for the next.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Cursor of the next page; `null` on the last page. The `Link` header (`rel="next"`) names
    /// the same page as a URL.
    pub next_cursor: Option<String>,
    /// How many items match the filters across all pages; sent only when asked for with
    /// `total=true` (and then also in `X-Total-Count`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, nullable = false, minimum = 0, example = 16)]
    pub total: Option<i64>,
}
