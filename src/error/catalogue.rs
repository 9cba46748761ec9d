//! The messages of problem answers in English and Russian, keyed by code: the problem types'
//! titles and generic details, and the field error codes. English answers keep their specific
//! wording; Russian ones are built from this table (officials read Russian).

/// One message in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message {
    pub code: &'static str,
    pub en: &'static str,
    pub ru: &'static str,
}

const fn m(code: &'static str, en: &'static str, ru: &'static str) -> Message {
    Message { code, en, ru }
}

/// The title of each problem type (the slug of its `type` URI).
pub const TITLES: &[Message] = &[
    m("bad-request", "Bad request", "Некорректный запрос"),
    m("validation", "Validation failed", "Ошибка проверки данных"),
    m("unauthorized", "Unauthorized", "Требуется аутентификация"),
    m("forbidden", "Forbidden", "Доступ запрещён"),
    m("not-found", "Not found", "Не найдено"),
    m(
        "method-not-allowed",
        "Method not allowed",
        "Метод не поддерживается",
    ),
    m(
        "not-acceptable",
        "Not acceptable",
        "Формат ответа недоступен",
    ),
    m("conflict", "Conflict", "Конфликт"),
    m(
        "precondition-failed",
        "Precondition failed",
        "Предусловие не выполнено",
    ),
    m(
        "precondition-required",
        "Precondition required",
        "Требуется предусловие",
    ),
    m(
        "payload-too-large",
        "Payload too large",
        "Слишком большой запрос",
    ),
    m(
        "unsupported-media-type",
        "Unsupported media type",
        "Неподдерживаемый тип данных",
    ),
    m(
        "too-many-requests",
        "Too many requests",
        "Слишком много запросов",
    ),
    m("unavailable", "Service unavailable", "Сервис недоступен"),
    m("oauth", "Token request refused", "Запрос токена отклонён"),
    m(
        "internal",
        "Internal server error",
        "Внутренняя ошибка сервера",
    ),
];

/// Details of problems whose English detail is written where they are raised: the Russian
/// answer gives the kind's own. `{…}` are filled in by `ApiError::detail_in`.
pub const DETAILS: &[Message] = &[
    m("bad-request", "The request could not be read", "Запрос не удалось прочитать"),
    m(
        "unauthorized",
        "Credentials are missing, malformed, expired or revoked, or the login failed",
        "Учётные данные отсутствуют, неверны, просрочены или отозваны, либо вход не удался",
    ),
    m(
        "forbidden",
        "Your role or scope does not allow this",
        "Ваша роль или область доступа не позволяет это действие",
    ),
    m("not-found", "The resource does not exist", "Ресурс не существует"),
    m(
        "method-not-allowed",
        "This resource supports: {allow}",
        "Этот ресурс поддерживает: {allow}",
    ),
    m(
        "not-acceptable",
        "The Accept header names no format this resource offers: {offered} (or use ?format=)",
        "Заголовок Accept не называет ни одного формата этого ресурса: {offered} (или укажите ?format=)",
    ),
    m(
        "conflict",
        "The request conflicts with the current state of the resource",
        "Запрос противоречит текущему состоянию ресурса",
    ),
    m(
        "precondition-failed",
        "If-Match does not match the current ETag: the resource changed since it was read; read it again and retry",
        "If-Match не совпадает с текущим ETag: ресурс изменился после чтения; прочитайте его снова и повторите запрос",
    ),
    m(
        "precondition-required",
        "This request changes an existing resource and needs an If-Match header with the ETag from a previous GET",
        "Запрос изменяет существующий ресурс и требует заголовка If-Match с ETag из предыдущего GET",
    ),
    m(
        "payload-too-large",
        "The request body exceeds the limit of {limit} bytes",
        "Тело запроса превышает предел в {limit} байт",
    ),
    m(
        "unsupported-media-type",
        "The request body must be sent as {expected}",
        "Тело запроса должно быть передано как {expected}",
    ),
    m(
        "too-many-requests",
        "Too many attempts; retry in {seconds} s",
        "Слишком много попыток; повторите через {seconds} с",
    ),
    m(
        "unavailable",
        "The service is unavailable for a moment; retry shortly",
        "Сервис временно недоступен; повторите запрос позже",
    ),
    m(
        "internal",
        "An unexpected error occurred; it has been logged",
        "Произошла непредвиденная ошибка; она записана в журнал",
    ),
    m(
        "oauth",
        "The token request was refused",
        "Запрос токена отклонён",
    ),
    m("field", "Field `{field}`: {message}", "Поле `{field}`: {message}"),
];

/// Field errors by code: what a Russian answer says of the field.
pub const FIELDS: &[Message] = &[
    m("required", "is required", "обязательное поле"),
    m("format", "has the wrong format", "неверный формат"),
    m("type", "has the wrong type", "неверный тип значения"),
    m(
        "out_of_range",
        "is outside the range allowed",
        "вне допустимого диапазона",
    ),
    m(
        "before_start",
        "is before the start of the term",
        "раньше начала срока",
    ),
    m(
        "not_in_region",
        "does not belong to the region",
        "не относится к этому региону",
    ),
    m(
        "not_operator_of_region",
        "is not an operator user of the region",
        "не является пользователем-оператором этого региона",
    ),
    m(
        "already_member",
        "already belongs to another operator",
        "уже относится к другому оператору",
    ),
    m(
        "already_covered",
        "is already covered by another contract",
        "уже охвачен другим контрактом",
    ),
    m(
        "conflict",
        "disagrees with another value of the request or with the record it refers to",
        "противоречит другому значению запроса или записи, на которую ссылается",
    ),
    m(
        "range",
        "is out of range",
        "значение вне допустимого диапазона",
    ),
    m("length", "has the wrong length", "недопустимая длина"),
    m("too_long", "is too long", "слишком длинное значение"),
    m("too_large", "is too large", "слишком большое значение"),
    m("too_many", "has too many items", "слишком много элементов"),
    m(
        "too_many_columns",
        "has too many columns",
        "слишком много столбцов",
    ),
    m("duplicate", "is repeated", "значение повторяется"),
    m(
        "repeated",
        "is given more than once",
        "параметр указан более одного раза",
    ),
    m("reused", "is already in use", "значение уже используется"),
    m("mismatch", "does not match", "значения не согласуются"),
    m(
        "not_allowed",
        "may not be set here",
        "значение здесь не допускается",
    ),
    m(
        "not_found",
        "names nothing that exists",
        "указанный объект не существует",
    ),
    m(
        "not_in_cycle",
        "is not assessed in this cycle",
        "организация не участвует в этом цикле оценки",
    ),
    m(
        "not_computable",
        "cannot be computed",
        "значение невозможно вычислить",
    ),
    m(
        "unknown_value",
        "is not one of the allowed values",
        "недопустимое значение из закрытого списка",
    ),
    m("unknown_code", "names an unknown code", "неизвестный код"),
    m(
        "unknown_field",
        "is not a field of this body",
        "неизвестное поле",
    ),
    m(
        "unknown_parameter",
        "is not a parameter of this request",
        "неизвестный параметр запроса",
    ),
    m(
        "control_character",
        "contains a control character",
        "содержит управляющий символ",
    ),
    m(
        "encoding",
        "is not in a readable encoding",
        "неподдерживаемая кодировка",
    ),
    m(
        "check_digit",
        "has a wrong check digit",
        "неверное контрольное число",
    ),
    m(
        "internal_address",
        "names a non-public address",
        "адрес указывает на этот сервер или внутреннюю сеть",
    ),
    m(
        "more_errors",
        "has more errors than are listed",
        "ошибок больше, чем перечислено",
    ),
    // Survey uploads.
    m(
        "unknown_column",
        "is not a column of the form",
        "неизвестный столбец",
    ),
    m(
        "missing_column",
        "is a required column that is missing",
        "отсутствует обязательный столбец",
    ),
    m(
        "duplicate_column",
        "is a column given twice",
        "столбец указан дважды",
    ),
    m(
        "duplicate_key",
        "is a key given twice in one line",
        "ключ повторяется в одной строке",
    ),
    m(
        "not_applicable",
        "does not apply to this answer",
        "вопрос не относится к этому ответу",
    ),
    m(
        "cell_count",
        "has another number of cells than the header",
        "число ячеек не совпадает с заголовком",
    ),
];

/// What a field error of an unknown code says in Russian.
pub const FIELD_FALLBACK: Message = m("invalid", "is invalid", "недопустимое значение");

/// The entry of `code` in `table`.
pub fn find(table: &'static [Message], code: &str) -> Option<&'static Message> {
    table.iter().find(|message| message.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cyrillic(text: &str) -> bool {
        text.chars()
            .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap_or(c)))
    }

    #[test]
    fn every_message_has_both_languages_and_each_code_one_entry() {
        for table in [TITLES, DETAILS, FIELDS, &[FIELD_FALLBACK]] {
            let mut codes: Vec<&str> = table.iter().map(|m| m.code).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), table.len(), "a code twice");
            for message in table {
                assert!(!message.en.trim().is_empty(), "{}", message.code);
                assert!(cyrillic(message.ru), "{}: {}", message.code, message.ru);
                assert!(!cyrillic(message.en), "{}: {}", message.code, message.en);
                // Placeholders are the same in both.
                let holes = |text: &str| {
                    let mut found: Vec<String> = text
                        .split('{')
                        .skip(1)
                        .filter_map(|p| p.split_once('}').map(|(h, _)| h.to_owned()))
                        .collect();
                    found.sort();
                    found
                };
                assert_eq!(holes(message.en), holes(message.ru), "{}", message.code);
            }
        }
    }

    /// Every field code written in the source (the code argument of `FieldError::new`,
    /// `ApiError::validation`, `bad_field` and the survey's `CellError`) has its entry, so that
    /// no Russian answer falls back to the generic message.
    #[test]
    fn every_field_code_of_the_source_is_in_the_catalogue() {
        let calls = regex::Regex::new(
            r#"(?:FieldError::new|validation|bad_field|CellError::column)\(\s*(?:[^,()]|\([^()]*\))*,\s*"([a-z_]+)""#,
        )
        .unwrap();
        let rows = regex::Regex::new(r#"CellError::row\(\s*"([a-z_]+)""#).unwrap();
        let mut pending = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        let mut found = 0;
        while let Some(path) = pending.pop() {
            if path.is_dir() {
                pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // Tests make up codes of their own.
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for code in calls.captures_iter(text).chain(rows.captures_iter(text)) {
                found += 1;
                assert!(
                    find(FIELDS, &code[1]).is_some(),
                    "{}: field code `{}` has no entry in FIELDS",
                    path.display(),
                    &code[1]
                );
            }
        }
        assert!(
            found > 50,
            "only {found} field codes found: is the pattern still right?"
        );
    }

    #[test]
    fn every_detail_kind_has_a_title() {
        for detail in DETAILS.iter().filter(|d| d.code != "field") {
            assert!(find(TITLES, detail.code).is_some(), "{}", detail.code);
        }
        assert_eq!(find(FIELDS, "required").unwrap().ru, "обязательное поле");
        assert_eq!(find(FIELDS, "bad-request"), None);
    }
}
