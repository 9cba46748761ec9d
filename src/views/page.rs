//! The page of a list, the one shape every list operation answers with (see `domain::paging`).

use serde::Serialize;
use utoipa::ToSchema;

/// One page of a list, in the list's order; `next_cursor` asks for the next.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
