//! Files for people (XLSX, CSV): the format a request asks for, and the download response.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use super::{parse_filter, ListFilterErrors};
use crate::error::{ApiError, ApiResult};
pub use crate::export::workbook_error;
use crate::export::FileFormat;

/// The format `?format=` names, else the one `Accept` asks for; 406 if neither is offered.
pub fn negotiate(req: &HttpRequest, format: Option<String>) -> ApiResult<FileFormat> {
    let mut errors = ListFilterErrors::default();
    let chosen = parse_filter(&mut errors, "format", format, |v| FileFormat::parse(&v));
    errors.into_result()?;
    if let Some(format) = chosen {
        return Ok(format);
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    FileFormat::from_accept(accept).ok_or(ApiError::NotAcceptable {
        offered: vec![FileFormat::CSV_MEDIA_TYPE, FileFormat::XLSX_MEDIA_TYPE],
    })
}

/// A download named `name` with the format's extension.
pub fn file(format: FileFormat, name: String, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(format.media_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.{}\"", format.extension()),
        ))
        .insert_header((header::VARY, "Accept"))
        .body(bytes)
}
