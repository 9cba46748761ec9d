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

/// Longest NDJSON line accepted: a response is a few hundred bytes.
pub const MAX_LINE: usize = 64 * 1024;

/// At most this many problems are listed; the rest are counted.
pub const MAX_ERRORS: usize = 100;

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
                .from_reader(body);
            let mut record = csv::StringRecord::new();
            let header = match reader.read_record(&mut record) {
                Ok(true) => Header::parse(&record.iter().collect::<Vec<_>>(), require_waiting_time)
                    .map_err(|errors| {
                        ApiError::Validation(
                            errors.iter().map(|e| e.to_field_error("header")).collect(),
                        )
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
            let mut reader = std::io::BufReader::new(body);
            // A line is read whole: cap what one line may take (it still reads past the cap,
            // only up to the next newline, from the spooled file).
            let mut line = Vec::new();
            let mut row = 0u64;
            loop {
                line.clear();
                let read = reader.read_until(b'\n', &mut line).map_err(body_broken)?;
                if read == 0 {
                    break;
                }
                row += 1;
                if line.len() > MAX_LINE {
                    problems.row(
                        row,
                        "too_long",
                        format!("a line may hold at most {MAX_LINE} bytes"),
                    );
                    continue;
                }
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
    if problems.total > 0 {
        if problems.total > problems.listed.len() {
            let more = problems.total - problems.listed.len();
            problems.listed.push(crate::error::FieldError::new(
                "rows",
                "more_errors",
                format!("{more} more problems are not listed"),
            ));
        }
        return Err(ApiError::Validation(problems.listed));
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

fn body_broken(error: std::io::Error) -> ApiError {
    ApiError::bad_request(format!(
        "The upload broke off before its end ({error}); nothing was stored"
    ))
}

fn csv_error(error: csv::Error, row: u64) -> ApiError {
    match error.into_kind() {
        csv::ErrorKind::Io(io) => body_broken(io),
        csv::ErrorKind::Utf8 { .. } => ApiError::validation(
            format!("rows[{row}]"),
            "encoding",
            "the row is not valid UTF-8",
        ),
        other => ApiError::bad_request(format!("The CSV cannot be read: {other:?}")),
    }
}

/// One NDJSON line: an object of question code → `"yes"`/`"no"`/`""`/`true`/`false`/`null`.
fn parse_json_response(text: &str) -> Result<Response, Vec<CellError>> {
    use crate::domain::survey::{Answer, Question, QUESTION_COUNT};
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| vec![CellError::row("format", format!("not a JSON object: {e}"))])?;
    let mut answers = [Answer::Blank; QUESTION_COUNT];
    let mut errors = Vec::new();
    for (key, value) in &object {
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
