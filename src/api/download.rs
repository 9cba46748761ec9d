//! Files for people (XLSX, CSV): the format a request asks for, and the download response.

use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse};

use super::{parse_filter, ListFilterErrors};
use crate::error::{ApiError, ApiResult};
pub use crate::export::workbook_error;
use crate::export::{CsvDialect, Download, FileFormat};

/// The format `?format=` names, else the one `Accept` asks for (406 if neither is offered);
/// CSV in the `?dialect=` asked for (`rfc4180` if none).
pub fn negotiate(
    req: &HttpRequest,
    format: Option<String>,
    dialect: Option<String>,
) -> ApiResult<FileFormat> {
    let mut errors = ListFilterErrors::default();
    let chosen = parse_filter(&mut errors, "format", format, |v| FileFormat::parse(&v));
    let dialect = parse_filter(&mut errors, "dialect", dialect, |v| CsvDialect::parse(&v));
    errors.into_result()?;
    let format = match chosen {
        Some(format) => format,
        None => {
            let accept = req
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok());
            FileFormat::from_accept(accept).ok_or(ApiError::NotAcceptable {
                offered: vec![FileFormat::CSV_MEDIA_TYPE, FileFormat::XLSX_MEDIA_TYPE],
            })?
        }
    };
    Ok(format.with_dialect(dialect.unwrap_or_default()))
}

/// The download as an attachment named by RFC 6266: `filename*` in UTF-8 (percent-encoded)
/// for what it holds, `filename` in ASCII for clients that read only that.
pub fn file(format: FileFormat, download: Download) -> HttpResponse {
    let extension = format.extension();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(format!("{}.{extension}", download.name.ascii)),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: format!("{}.{extension}", download.name.title).into_bytes(),
            }),
        ],
    };
    HttpResponse::Ok()
        .content_type(format.media_type())
        .insert_header(disposition)
        .insert_header((header::VARY, "Accept"))
        .body(download.bytes)
}
