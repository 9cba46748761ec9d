//! Keyset pagination: a page is the rows after a position in a fixed order, and the cursor that
//! names that position is opaque to clients (so the order can change without breaking them).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// Position after the last row of a page: rows are ordered by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub after_id: i64,
}

impl Cursor {
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("v1:{}", self.after_id))
    }

    pub fn decode(value: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        let after_id = text
            .strip_prefix("v1:")?
            .parse()
            .ok()
            .filter(|id: &i64| *id >= 0)?;
        Some(Self { after_id })
    }
}

/// Cuts the `limit + 1` rows a query returned to one page, with the cursor of the next page
/// when the extra row shows there is one.
pub fn split_page<R>(
    mut rows: Vec<R>,
    limit: i64,
    id: impl Fn(&R) -> i64,
) -> (Vec<R>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(|row| Cursor { after_id: id(row) }.encode());
    (rows, next)
}

/// Parses `limit`: 1..=MAX_LIMIT, DEFAULT_LIMIT when absent.
pub fn parse_limit(value: Option<&str>) -> Result<i64, String> {
    match value {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(format!("must be an integer from 1 to {MAX_LIMIT}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor { after_id: 4711 };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(Cursor::decode(&URL_SAFE_NO_PAD.encode("v1:x")), None);
    }

    #[test]
    fn a_full_page_names_the_next() {
        let (rows, next) = split_page(vec![3, 5, 9], 2, |r| *r);
        assert_eq!(rows, vec![3, 5]);
        assert_eq!(
            next.as_deref().and_then(Cursor::decode),
            Some(Cursor { after_id: 5 })
        );
        assert_eq!(split_page(vec![3, 5], 2, |r| *r), (vec![3, 5], None));
    }

    #[test]
    fn limit_is_bounded() {
        assert_eq!(parse_limit(None), Ok(50));
        assert_eq!(parse_limit(Some("500")), Ok(500));
        assert!(parse_limit(Some("501")).is_err());
        assert!(parse_limit(Some("0")).is_err());
        assert!(parse_limit(Some("ten")).is_err());
    }
}
