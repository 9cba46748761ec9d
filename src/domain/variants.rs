//! Enums of unit variants whose names are fixed strings: the names their serde form, the
//! database and the query parameters use.

/// `ALL`, `as_str` and `parse` of an enum of unit variants, from its variants and their names
/// (the same names as its `#[serde(rename_all = "snake_case")]`).
macro_rules! variant_names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: [Self; [$($name),+].len()] = [$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),+
                }
            }

            pub fn parse(value: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == value)
            }
        }
    };
}

pub(crate) use variant_names;

#[cfg(test)]
mod tests {
    use serde::Serialize;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Shape {
        Circle,
        RoundedSquare,
    }

    variant_names!(Shape {
        Circle => "circle",
        RoundedSquare => "rounded_square",
    });

    #[test]
    fn names_round_trip_and_match_serde() {
        assert_eq!(Shape::ALL, [Shape::Circle, Shape::RoundedSquare]);
        for shape in Shape::ALL {
            assert_eq!(Shape::parse(shape.as_str()), Some(shape));
            assert_eq!(
                serde_json::to_value(shape).unwrap(),
                serde_json::json!(shape.as_str())
            );
        }
        assert_eq!(Shape::parse("Circle"), None);
    }
}
