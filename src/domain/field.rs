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

impl FieldError {
    /// Every rule a `validator` report names, as the API's field errors: JSON paths
    /// (`head.full_name`, `service_forms[1]`), and for the built-in length and range rules the
    /// codes and words of the hand-written checks they replaced (`required`, `too_long`,
    /// `too_many`, `range`, `out_of_range`). A custom rule
    /// brings its own code and message. In path order, so that answers are stable.
    pub fn from_report(report: &validator::ValidationErrors) -> Vec<FieldError> {
        let mut found = Vec::new();
        collect(report, "", &mut found);
        found.sort_by(|a, b| a.field.cmp(&b.field));
        found
    }

    /// Every field rule of `value` it breaks, as the API's field errors (none when it is valid).
    pub fn broken_rules<T: validator::Validate>(value: &T) -> Vec<FieldError> {
        match value.validate() {
            Ok(()) => Vec::new(),
            Err(report) => FieldError::from_report(&report),
        }
    }
}

fn collect(report: &validator::ValidationErrors, prefix: &str, found: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind;
    for (name, kind) in report.errors() {
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        match kind {
            ValidationErrorsKind::Field(errors) => {
                found.extend(errors.iter().map(|error| field_error(&path, error)));
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, found),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{path}[{index}]"), found);
                }
            }
        }
    }
}

fn field_error(path: &str, error: &validator::ValidationError) -> FieldError {
    if let Some(message) = &error.message {
        return FieldError::new(path, &error.code, message.as_ref());
    }
    let param = |name: &str| error.params.get(name).and_then(serde_json::Value::as_u64);
    let empty = match error.params.get("value") {
        Some(serde_json::Value::String(text)) => text.is_empty(),
        Some(serde_json::Value::Array(items)) => items.is_empty(),
        _ => false,
    };
    let list = matches!(error.params.get("value"), Some(serde_json::Value::Array(_)));
    match (error.code.as_ref(), param("max"), param("min")) {
        ("length", _, Some(_)) if empty => FieldError::new(path, "required", "must not be empty"),
        ("length", Some(max), _) if list => {
            FieldError::new(path, "too_long", format!("must have at most {max} items"))
        }
        // Lists whose limit the hand-written checks named `too_many` keep that code.
        ("too_many", Some(max), _) => {
            FieldError::new(path, "too_many", format!("must have at most {max} items"))
        }
        ("length", Some(max), _) => FieldError::new(
            path,
            "too_long",
            format!("must be at most {max} characters"),
        ),
        // Some year ranges were `out_of_range` before `validator` checked them: they keep it.
        (code @ ("range" | "out_of_range"), max, min) => FieldError::new(
            path,
            code,
            match (min, max) {
                (Some(min), Some(max)) => format!("must be {min} to {max}"),
                (Some(min), None) => format!("must be at least {min}"),
                (None, Some(max)) => format!("must be at most {max}"),
                (None, None) => "is out of range".to_owned(),
            },
        ),
        (code, _, _) => FieldError::new(path, code, format!("breaks the rule `{code}`")),
    }
}
