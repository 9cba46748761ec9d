//! Keyset pagination: a page is the rows after a position in a fixed order, and the cursor that
//! names that position is opaque to clients (so the order can change without breaking them).

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;
/// Every string of this form is a cursor (the OpenAPI document states it), so a client can
/// tell a malformed cursor from a stale one; clients still treat cursors as opaque.
pub const CURSOR_PATTERN: &str = "^[0-9a-f]{1,16}$";

/// Position after the last row of a page: rows are ordered by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub after_id: i64,
}

impl Cursor {
    pub fn encode(self) -> String {
        format!("{:x}", self.after_id.max(0))
    }

    /// Any string of [`CURSOR_PATTERN`] is a position: one past every id (an empty page) when
    /// it is beyond the largest id there can be.
    pub fn decode(value: &str) -> Option<Self> {
        let well_formed = (1..=16).contains(&value.len())
            && value
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !well_formed {
            return None;
        }
        let position = u64::from_str_radix(value, 16).ok()?;
        Some(Self {
            after_id: i64::try_from(position).unwrap_or(i64::MAX),
        })
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
        assert_eq!(Cursor::decode(""), None);
        assert_eq!(Cursor::decode("12345678901234567"), None);
        assert_eq!(Cursor::decode("4A"), None);
        assert_eq!(
            Cursor::decode("ffffffffffffffff"),
            Some(Cursor { after_id: i64::MAX })
        );
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
