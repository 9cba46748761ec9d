//! The query parameters shared by the downloads (XLSX, CSV).

use serde::Deserialize;
use utoipa::ToSchema;

/// How a CSV download is written: `rfc4180` (default: `,`, decimal point) or `excel-ru`
/// (what Excel and LibreOffice in a Russian locale open with numbers as numbers: `;`, decimal
/// comma). Both are UTF-8 with a byte-order mark and CRLF line ends; XLSX downloads ignore it.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CsvDialectName {
    Rfc4180,
    ExcelRu,
}
