//! The JSON shapes of request and response bodies, one module per resource, shared by whoever
//! renders them: the handlers, the change feed, the audit log and the demo loader. They derive
//! the OpenAPI schemas; the use cases (`app`) build them from `db` rows and `domain` values and
//! read them. No HTTP here.

pub mod audit;
pub mod auth;
pub mod changes;
pub mod council_meetings;
pub mod cycles;
pub mod evaluations;
pub mod exports;
pub mod follow_up;
pub mod methodologies;
pub mod operators;
pub mod organizations;
pub mod organizing_plans;
pub mod plans;
pub mod proposals;
pub mod ratings;
pub mod regions;
pub mod reports;
pub mod summary;
pub mod users;
pub mod webhooks;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::domain::paging::{self, Cursor};
use crate::error::{ApiError, ApiResult, FieldError};

/// Stored moments are UTC; the API shows them with their offset.
pub fn timestamp(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// For merge patches: tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Applies a merge-patch value to a field that cannot be empty: `null` is refused.
pub fn patch_required<T>(
    slot: &mut T,
    value: Option<Option<T>>,
    field: &str,
    errors: &mut Vec<FieldError>,
) {
    match value {
        Some(Some(value)) => *slot = value,
        Some(None) => errors.push(FieldError::new(
            field,
            "required",
            "cannot be null: leave the field out to keep its value",
        )),
        None => {}
    }
}

/// One page of a list as asked: the parsed filter, the id to start after and the page size.
#[derive(Debug, Clone)]
pub struct Listing<F> {
    pub filter: F,
    pub after_id: i64,
    pub limit: i64,
    /// The caller asked for the number of matches across all pages (`total=true`).
    pub total: bool,
}

impl<F> Listing<F> {
    pub fn counted(mut self, total: bool) -> Self {
        self.total = total;
        self
    }
}

/// Collects every bad query parameter of a list request before answering 400.
#[derive(Debug, Default)]
pub struct ListFilterErrors(Vec<FieldError>);

impl ListFilterErrors {
    /// `limit` and `cursor`: the id to start after and the page size.
    pub fn paging(&mut self, limit: Option<&str>, cursor: Option<&str>) -> (i64, i64) {
        let limit = paging::parse_limit(limit).unwrap_or_else(|message| {
            self.0.push(FieldError::new("limit", "format", message));
            paging::DEFAULT_LIMIT
        });
        let after_id = match cursor.map(Cursor::decode) {
            None => 0,
            Some(Some(cursor)) => cursor.after_id,
            Some(None) => {
                self.0.push(FieldError::new(
                    "cursor",
                    "format",
                    "is not a cursor this service issued; use `next_cursor` of the previous page",
                ));
                0
            }
        };
        (after_id, limit)
    }

    /// Records a bad parameter.
    pub fn push(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// The page asked for, or every bad parameter.
    pub fn into_listing<F>(
        self,
        filter: F,
        (after_id, limit): (i64, i64),
    ) -> ApiResult<Listing<F>> {
        self.into_result().map(|()| Listing {
            filter,
            after_id,
            limit,
            total: false,
        })
    }

    /// `total`: `true` asks for the number of matches across all pages.
    pub fn total(&mut self, value: Option<String>) -> bool {
        parse_filter(self, "total", value, |v| v.parse::<bool>().ok()).unwrap_or(false)
    }

    pub fn into_result(self) -> ApiResult<()> {
        match self.0.len() {
            0 => Ok(()),
            _ => Err(ApiError::BadRequest {
                detail: match self.0.as_slice() {
                    [one] => format!("Query parameter `{}` {}", one.field, one.message),
                    many => format!("{} query parameters are invalid", many.len()),
                },
                errors: self.0,
            }),
        }
    }
}

/// A year of a query parameter: the years bodies accept too (`domain::cycle`), from the law on
/// independent assessment to 2100.
pub fn parse_year(value: String) -> Option<i32> {
    use crate::domain::cycle::{FIRST_YEAR, LAST_YEAR};
    value
        .parse::<i32>()
        .ok()
        .filter(|year| (FIRST_YEAR..=LAST_YEAR).contains(year))
}

/// Parses one optional filter; a value `parse` rejects is recorded as a format error.
pub fn parse_filter<T>(
    errors: &mut ListFilterErrors,
    field: &str,
    value: Option<String>,
    parse: impl FnOnce(String) -> Option<T>,
) -> Option<T> {
    let value = value?;
    let shown = value.chars().take(50).collect::<String>();
    let parsed = parse(value);
    if parsed.is_none() {
        errors.0.push(FieldError::new(
            field,
            "format",
            format!("has a value this filter does not accept: {shown:?}"),
        ));
    }
    parsed
}

pub mod page;

pub use page::Page;

/// Closed sets that views keep as text (they come from stored rows or methodology data), named
/// for the document only: generators type an `enum` as a union of literals, a string as string.
pub mod closed_sets {
    use utoipa::ToSchema;

    /// Criterion code of a methodology; both methodologies have five.
    #[derive(ToSchema)]
    pub enum CriterionCode {
        K1,
        K2,
        K3,
        K4,
        K5,
    }

    /// What a rating ranks by: the total score or one criterion.
    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum RatedBy {
        Total,
        #[schema(rename = "K1")]
        K1,
        #[schema(rename = "K2")]
        K2,
        #[schema(rename = "K3")]
        K3,
        #[schema(rename = "K4")]
        K4,
        #[schema(rename = "K5")]
        K5,
    }

    /// The forms of service a rating covers: one form, or all of them together.
    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum RatedForm {
        All,
        Stationary,
        SemiStationary,
        HomeBased,
    }

    /// What a rating rests on: an approval (a frozen snapshot) or the current results.
    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum BasisKind {
        Approval,
        Current,
    }
}

/// Schemas of fields whose limits the domain's `validator` rules hold (`#[schema(schema_with =
/// limits::text::<1, SHORT_NAME_MAX>)]` beside `#[validate(length(min = 1, max =
/// SHORT_NAME_MAX))]`): the document takes the same constants, so a limit is written once.
/// utoipa's own `max_length = …` takes only a literal.
pub mod limits {
    use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, SchemaType};
    use utoipa::openapi::Type;
    use utoipa::Number;

    fn builder(types: SchemaType, min: u64, max: u64) -> Object {
        ObjectBuilder::new()
            .schema_type(types)
            .min_length((min > 0).then_some(min as usize))
            .max_length(Some(max as usize))
            .build()
    }

    /// A text of `MIN` to `MAX` characters.
    pub fn text<const MIN: u64, const MAX: u64>() -> Object {
        builder(SchemaType::Type(Type::String), MIN, MAX)
    }

    /// An integer of `format` from `min` to `max`.
    fn integer(
        format: KnownFormat,
        min: impl Into<Number>,
        max: impl Into<Number>,
    ) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(format)))
            .minimum(Some(min))
            .maximum(Some(max))
    }

    /// A whole number from `MIN` to `MAX`.
    pub fn whole_number<const MIN: u32, const MAX: u32>() -> Object {
        integer(KnownFormat::Int32, MIN, MAX).build()
    }

    /// A count (a whole number of 64 bits) from `MIN` to `MAX`, described by `description`
    /// (`schema_with` drops the field's doc).
    pub fn count<const MIN: u64, const MAX: u64>(description: &str) -> Object {
        integer(KnownFormat::Int64, MIN as usize, MAX as usize)
            .description((!description.is_empty()).then(|| description.to_owned()))
            .build()
    }

    /// A year from `MIN` to `MAX`.
    pub fn year<const MIN: i32, const MAX: i32>() -> Object {
        integer(KnownFormat::Int32, MIN, MAX).build()
    }

    /// A text of `MIN` to `MAX` characters, or `null`.
    pub fn nullable_text<const MIN: u64, const MAX: u64>() -> Object {
        builder(SchemaType::Array(vec![Type::String, Type::Null]), MIN, MAX)
    }
}
