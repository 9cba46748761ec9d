//! A rejected input, as the rules name it: the API shows it in problem details.

use serde::Serialize;
use utoipa::ToSchema;

/// One rejected input: which field, a stable machine code, and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"field": "inn", "code": "check_digit", "message": "INN check digit is wrong"}))]
pub struct FieldError {
    /// JSON path of the offending field (`head.full_name`, `service_forms[1]`) or query parameter.
    pub field: String,
    /// Stable machine-readable code: `required`, `too_long`, `format`, `check_digit`, `unknown_field`, ...
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}
