//! Stored survey responses: one compact answer string per respondent, no personal data.

use diesel::prelude::*;

use super::schema::survey_responses;
use super::DbConnection;
use crate::domain::survey::{Aggregator, CellError, Header, Response};
use crate::error::{ApiError, ApiResult};

/// Rows per INSERT statement: large enough to amortize round trips, small enough to stay far
/// below SQLite's bound-parameter limit (two parameters a row).
pub const BATCH: usize = 1000;

pub fn insert_batch(
    conn: &mut DbConnection,
    evaluation_id: i64,
    answers: &[String],
) -> ApiResult<()> {
    let rows: Vec<_> = answers
        .iter()
        .map(|a| {
            (
                survey_responses::evaluation_id.eq(evaluation_id),
                survey_responses::answers.eq(a.as_str()),
            )
        })
        .collect();
    // Multi-row INSERT is backend-specific in diesel, so each backend gets its own call.
    let insert = diesel::insert_into(survey_responses::table).values(&rows);
    match conn {
        DbConnection::Sqlite(c) => insert.execute(c)?,
        DbConnection::Postgres(c) => insert.execute(c)?,
    };
    Ok(())
}

pub fn count(conn: &mut DbConnection, evaluation_id: i64) -> ApiResult<i64> {
    Ok(survey_responses::table
        .filter(survey_responses::evaluation_id.eq(evaluation_id))
        .count()
        .get_result(conn)?)
}

/// How an upload is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// UTF-8 CSV with a header row of question codes.
    Csv,
    /// One JSON object a line, keyed by question code.
    Ndjson,
}

/// Longest line (NDJSON) or record (CSV) accepted, in bytes: a response is a few hundred bytes.
/// Reading stops at the first longer one, before it is held whole.
pub const MAX_LINE: usize = 64 * 1024;

/// Widest CSV header read: the questionnaire has 15 questions, so a wider one is the wrong file.
pub const MAX_COLUMNS: usize = 100;

/// At most this many problems are listed; the rest are counted.
pub const MAX_ERRORS: usize = 100;

/// The line of an upload that passed [`MAX_LINE`], carried out of the reader as an I/O error.
#[derive(Debug)]
struct LineTooLong {
    line: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} is longer than {MAX_LINE} bytes", self.line)
    }
}

impl std::error::Error for LineTooLong {}

/// A reader that fails as soon as one line (with `quoted`, one CSV record: line breaks inside
/// double quotes do not end it) passes [`MAX_LINE`] bytes, so that no parser above it ever
/// holds more than that of one line, whatever the size of the body.
struct BoundedLines<R> {
    inner: R,
    quoted: bool,
    /// Quoting as the CSV reader sees it: a quote opens a quoted field only at its start, `""`
    /// inside one is a quote, a stray quote inside an unquoted field is text.
    in_quotes: bool,
    field_start: bool,
    just_closed: bool,
    /// Bytes of the current line (record) so far.
    length: usize,
    /// 1-based physical line where the current record started, and the current line.
    record_line: u64,
    line: u64,
}

impl<R> BoundedLines<R> {
    fn new(inner: R, quoted: bool) -> Self {
        Self {
            inner,
            quoted,
            in_quotes: false,
            field_start: true,
            just_closed: false,
            length: 0,
            record_line: 1,
            line: 1,
        }
    }

    fn quote_state(&mut self, b: u8) {
        if !self.quoted {
            return;
        }
        if b == b'"' {
            if self.in_quotes {
                self.in_quotes = false;
                self.just_closed = true;
            } else if self.field_start || self.just_closed {
                self.in_quotes = true;
                self.just_closed = false;
            }
        } else if !self.in_quotes {
            self.just_closed = false;
        }
        self.field_start = !self.in_quotes && matches!(b, b',' | b'\n' | b'\r');
    }
}

impl<R: std::io::Read> std::io::Read for BoundedLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            self.quote_state(b);
            if b == b'\n' {
                self.line += 1;
                if !self.in_quotes {
                    self.length = 0;
                    self.record_line = self.line;
                    continue;
                }
            }
            self.length += 1;
            if self.length > MAX_LINE {
                return Err(std::io::Error::other(LineTooLong {
                    line: self.record_line,
                }));
            }
        }
        Ok(n)
    }
}

/// Collects problems by row, up to [`MAX_ERRORS`].
#[derive(Debug, Default)]
struct Problems {
    listed: Vec<crate::error::FieldError>,
    total: usize,
}

impl Problems {
    fn add(&mut self, row: u64, errors: Vec<crate::domain::survey::CellError>) {
        for error in errors {
            self.total += 1;
            if self.listed.len() < MAX_ERRORS {
                self.listed
                    .push(error.to_field_error(&format!("rows[{row}]")));
            }
        }
    }

    fn row(&mut self, row: u64, code: &str, message: impl Into<String>) {
        self.total += 1;
        if self.listed.len() < MAX_ERRORS {
            self.listed.push(crate::error::FieldError::new(
                format!("rows[{row}]"),
                code,
                message,
            ));
        }
    }

    /// The listed problems, and how many more there were; `None` if there were none.
    fn into_error(mut self) -> Option<ApiError> {
        if self.total == 0 {
            return None;
        }
        if self.total > self.listed.len() {
            let more = self.total - self.listed.len();
            self.listed.push(crate::error::FieldError::new(
                "rows",
                "more_errors",
                format!("{more} more problems are not listed"),
            ));
        }
        Some(ApiError::Validation(self.listed))
    }
}

/// Reads responses from `body` and stores them in batches, in the caller's transaction, adding
/// them up as they pass. Rows are numbered as lines of the file (the CSV header is row 1). Any
/// problem fails the whole upload, listing up to 100 of them by row and column; a body that
/// breaks off fails it too.
pub fn ingest(
    conn: &mut DbConnection,
    evaluation_id: i64,
    body: impl std::io::Read,
    format: Format,
    require_waiting_time: bool,
) -> ApiResult<(u64, Aggregator)> {
    let mut problems = Problems::default();
    let mut batch: Vec<String> = Vec::with_capacity(BATCH);
    let mut stored = 0u64;
    let mut aggregator = Aggregator::new();
    let mut accept =
        |conn: &mut DbConnection, response: Response, problems: &Problems| -> ApiResult<()> {
            if problems.total > 0 {
                return Ok(()); // the upload fails anyway; keep reading only to list problems
            }
            aggregator.add(&response);
            batch.push(response.to_compact_string());
            if batch.len() == BATCH {
                insert_batch(conn, evaluation_id, &batch)?;
                stored += batch.len() as u64;
                batch.clear();
            }
            Ok(())
        };
    match format {
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(BoundedLines::new(body, true));
            let mut record = csv::StringRecord::new();
            let header = match reader.read_record(&mut record) {
                Ok(true) if record.len() > MAX_COLUMNS => {
                    return Err(ApiError::validation(
                        "header",
                        "too_many_columns",
                        format!(
                            "the header has {} columns; a survey file has at most {MAX_COLUMNS}",
                            record.len()
                        ),
                    ))
                }
                Ok(true) => Header::parse(&record.iter().collect::<Vec<_>>(), require_waiting_time)
                    .map_err(|errors| {
                        let mut header = Problems::default();
                        for error in errors {
                            header.total += 1;
                            if header.listed.len() < MAX_ERRORS {
                                header.listed.push(error.to_field_error("header"));
                            }
                        }
                        header.into_error().unwrap_or_else(empty)
                    })?,
                Ok(false) => return Err(empty()),
                Err(error) => return Err(csv_error(error, 1)),
            };
            loop {
                match reader.read_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {
                        let row = record.position().map_or(0, |p| p.line());
                        let cells: Vec<&str> = record.iter().collect();
                        match header.parse_row(&cells) {
                            Ok(response) => accept(conn, response, &problems)?,
                            Err(errors) => problems.add(row, errors),
                        }
                    }
                    Err(error) => match error.kind() {
                        csv::ErrorKind::Utf8 { pos, .. } => {
                            let row = pos.as_ref().map_or(0, |p| p.line());
                            problems.row(row, "encoding", "the row is not valid UTF-8");
                        }
                        _ => return Err(csv_error(error, 0)),
                    },
                }
            }
        }
        Format::Ndjson => {
            use std::io::BufRead;
            let mut reader = std::io::BufReader::new(BoundedLines::new(body, false));
            let mut line = Vec::new();
            let mut row = 0u64;
            loop {
                line.clear();
                let read = reader.read_until(b'\n', &mut line).map_err(read_error)?;
                if read == 0 {
                    break;
                }
                row += 1;
                let text = match std::str::from_utf8(&line) {
                    Ok(text) => text.trim(),
                    Err(_) => {
                        problems.row(row, "encoding", "the line is not valid UTF-8");
                        continue;
                    }
                };
                if text.is_empty() {
                    continue;
                }
                match parse_json_response(text) {
                    Ok(response) => accept(conn, response, &problems)?,
                    Err(errors) => problems.add(row, errors),
                }
            }
        }
    }
    if let Some(error) = problems.into_error() {
        return Err(error);
    }
    if !batch.is_empty() {
        insert_batch(conn, evaluation_id, &batch)?;
        stored += batch.len() as u64;
    }
    if stored == 0 {
        return Err(empty());
    }
    Ok((stored, aggregator))
}

fn empty() -> ApiError {
    ApiError::validation("rows", "required", "the upload holds no responses")
}

/// A line past [`MAX_LINE`] (422 naming it) or a body that broke off (400).
fn read_error(error: std::io::Error) -> ApiError {
    if let Some(long) = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<LineTooLong>())
    {
        return ApiError::validation(
            format!("rows[{}]", long.line),
            "too_long",
            format!(
                "a line (a CSV record) may hold at most {MAX_LINE} bytes; the upload was not read further"
            ),
        );
    }
    ApiError::bad_request("The upload broke off before its end; nothing was stored")
}

fn csv_error(error: csv::Error, row: u64) -> ApiError {
    match error.into_kind() {
        csv::ErrorKind::Io(io) => read_error(io),
        csv::ErrorKind::Utf8 { .. } => ApiError::validation(
            format!("rows[{row}]"),
            "encoding",
            "the row is not valid UTF-8",
        ),
        _ => ApiError::bad_request("The CSV cannot be read"),
    }
}

/// The members of one NDJSON object in their order, a repeated key kept twice (a map keeps one
/// of them silently).
struct Members(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, serde_json::Value>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// One NDJSON line: an object of question code → `"yes"`/`"no"`/`""`/`true`/`false`/`null`,
/// each code at most once.
fn parse_json_response(text: &str) -> Result<Response, Vec<CellError>> {
    use crate::domain::survey::{Answer, Question, QUESTION_COUNT};
    let Members(members) = serde_json::from_str(text).map_err(|e| {
        let message = if e.is_data() {
            "the line must be a JSON object of question codes and answers".to_owned()
        } else {
            format!("the line is not valid JSON (see column {})", e.column())
        };
        vec![CellError::row("format", message)]
    })?;
    let mut answers = [Answer::Blank; QUESTION_COUNT];
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (key, value) in &members {
        if !seen.insert(key.as_str()) {
            errors.push(CellError::column(
                key,
                "duplicate_key",
                format!("{key} appears more than once in the line"),
            ));
            continue;
        }
        let Some(question) = Question::parse(key) else {
            errors.push(CellError::column(
                key,
                "unknown_column",
                format!("{key} is not a question of the questionnaire"),
            ));
            continue;
        };
        let answer = match value {
            serde_json::Value::Bool(true) => Ok(Answer::Yes),
            serde_json::Value::Bool(false) => Ok(Answer::No),
            serde_json::Value::Null => Ok(Answer::Blank),
            serde_json::Value::String(s) => Answer::parse(s),
            other => Err(format!("{other} is not an answer")),
        };
        match answer {
            Ok(answer) => answers[question.index()] = answer,
            Err(message) => errors.push(CellError::column(key, "format", message)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Response::new(answers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read_all(text: &[u8], quoted: bool) -> Result<usize, u64> {
        let mut reader = BoundedLines::new(text, quoted);
        let mut sink = Vec::new();
        reader.read_to_end(&mut sink).map_err(|e| {
            e.get_ref()
                .and_then(|e| e.downcast_ref::<LineTooLong>())
                .map(|long| long.line)
                .unwrap()
        })
    }

    #[test]
    fn lines_and_records_are_bounded_but_not_files() {
        let row = "yes,no,\"a \"\"quoted\"\" cell\",\n";
        let many = row.repeat(MAX_LINE);
        assert_eq!(read_all(many.as_bytes(), true), Ok(many.len()));
        assert_eq!(read_all(many.as_bytes(), false), Ok(many.len()));
        let long = format!("a\nb\n{}\n", "y".repeat(MAX_LINE + 1));
        assert_eq!(read_all(long.as_bytes(), false), Err(3));
        assert_eq!(read_all(long.as_bytes(), true), Err(3));
        // Line breaks inside quotes do not end a record.
        let record = format!("h\n\"{}\"\n", "y\n".repeat(MAX_LINE));
        assert_eq!(read_all(record.as_bytes(), true), Err(2));
        assert_eq!(read_all(record.as_bytes(), false), Ok(record.len()));
        // A stray quote inside an unquoted field is text, as the CSV reader takes it.
        let stray = format!("ab\"c,d\n{}", "yes,no\n".repeat(MAX_LINE));
        assert_eq!(read_all(stray.as_bytes(), true), Ok(stray.len()));
    }
}
