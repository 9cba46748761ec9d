//! Turns an uploaded CSV or XLSX file into rows of cell text, as the plan form reader takes
//! them. Row i of the result is row i + 1 of the sheet, so messages about rows point where
//! people look; trailing empty cells and rows are dropped.

use std::fmt;
use std::io::Cursor;

use crate::domain::text;
use calamine::{DataRef, ExcelDateTime, Reader, SheetType, Xlsx, XlsxError};

/// Plans have tens of rows; a sheet this large is the wrong file, and reading it all would only
/// cost memory.
const MAX_ROWS: usize = 20_000;
const MAX_COLUMNS: usize = 100;
const MAX_MERGES: usize = 10_000;

/// An XLSX is a zip archive: a file far under the upload limit can inflate to gigabytes (a zip
/// bomb), and the XML inside can make the reader reserve memory for as many shared strings as it
/// claims. Each archive is checked against these bounds before it is read.
const MAX_INFLATED: u64 = 64 * 1024 * 1024;
const MAX_ENTRIES: usize = 10_000;
const MAX_SHARED_STRINGS: u64 = (MAX_ROWS * MAX_COLUMNS) as u64;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Why an uploaded file cannot be read as a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetError {
    /// 1-based row of the sheet (line of a CSV file), when the problem is in one.
    pub row: Option<usize>,
    /// 1-based column of the sheet, when the problem is in one cell.
    pub column: Option<usize>,
    pub message: String,
}

impl SheetError {
    fn new(row: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            row,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.row, self.column) {
            (Some(row), Some(column)) => write!(f, "row {row}, column {column}: {}", self.message),
            (Some(row), None) => write!(f, "row {row}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SheetError {}

/// Reads an XLSX or a CSV file, told apart by content rather than by the name it was sent with.
/// Every cell of either is held to [`text::forbidden_in_cell`].
pub fn rows_from_file(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let rows = if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE_MAGIC) {
        rows_from_xlsx(bytes)?
    } else {
        rows_from_csv(bytes)?
    };
    check_cells(&rows)?;
    Ok(rows)
}

/// The first cell that holds a character no cell may hold, by row and column. Refused, not
/// cleaned away: a control character in a cell is a broken or forged file.
fn check_cells(rows: &[Vec<String>]) -> Result<(), SheetError> {
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if let Some((at, found)) = text::forbidden_in_cell(cell) {
                return Err(SheetError {
                    row: Some(r + 1),
                    column: Some(c + 1),
                    message: format!(
                        "the cell holds a control character (U+{:04X} at character {})",
                        u32::from(found),
                        at + 1
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Reads CSV text in UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text") or
/// Windows-1251 (Excel's CSV in Russian locales); the delimiter (`,`, `;` or tab) is the one
/// that splits the most rows into the same number of cells.
pub fn rows_from_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE_MAGIC) {
        return Err(SheetError::new(
            None,
            "this is an Excel workbook, not CSV text; upload it as XLSX",
        ));
    }
    let text = decode(bytes)?;
    // On a tie (a one-column file) the delimiter seen most often wins, then tab, then ';'.
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| {
            let seen = text.bytes().filter(|&b| b == d).count();
            (delimiter_score(&text, d), seen)
        })
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    // The reader skips blank lines, which are rows of the sheet: put them back. A record's
    // position is where the reader started, before the blank lines it skipped.
    for record in reader.records() {
        let record = record.map_err(|e| {
            let row = e.position().map(|p| p.line() as usize);
            // The text is decoded already: only a broken record is left to fail on.
            SheetError::new(row, "the CSV file cannot be read at this row")
        })?;
        let skipped = record.position().map_or(0, |position| {
            let start = usize::try_from(position.byte()).unwrap_or(usize::MAX);
            blank_lines_at(text.as_bytes(), start)
        });
        let row = rows.len() + skipped + 1;
        if row > MAX_ROWS {
            return Err(too_many_rows(row));
        }
        // Exports pad rows with empty cells far to the right; only text counts.
        let width = (0..record.len())
            .rev()
            .find(|&i| !record[i].trim().is_empty())
            .map_or(0, |last| last + 1);
        if width > MAX_COLUMNS {
            return Err(too_many_columns(row));
        }
        rows.resize(row - 1, Vec::new());
        // The apostrophe the CSV export puts before text that would run as a formula is no
        // part of the cell.
        rows.push(
            record
                .iter()
                .take(width)
                .map(|cell| text::csv_unguarded(cell).to_owned())
                .collect(),
        );
    }
    finish(rows)
}

/// How many blank lines the CSV reader skipped before the record it started at `start`. The
/// reader ends a record at the `\r` of a `\r\n` (what Excel writes) and starts the next one at
/// its `\n`: that `\n` ends the previous line, not a blank one. `\r\n`, `\n` and a lone `\r`
/// each end one line.
fn blank_lines_at(bytes: &[u8], start: usize) -> usize {
    let mut run = bytes
        .get(start..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .copied()
        .peekable();
    let ends_previous = start > 0 && bytes.get(start - 1) == Some(&b'\r');
    if ends_previous && run.peek() == Some(&b'\n') {
        run.next();
    }
    let mut lines = 0;
    while let Some(b) = run.next() {
        if b == b'\r' && run.peek() == Some(&b'\n') {
            run.next();
        }
        lines += 1;
    }
    lines
}

/// Reads the first worksheet that has any text. Numbers are written as Excel shows them without
/// formatting ("1", "2.5"), dates as dd.mm.yyyy; a merged cell's text is copied down the rows
/// it spans, so each row of a measure carries its number and title.
pub fn rows_from_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    if bytes.starts_with(OLE_MAGIC) {
        return Err(SheetError::new(
            None,
            "this is an old Excel 97–2003 (.xls) workbook; save it as .xlsx or CSV",
        ));
    }
    if !bytes.starts_with(ZIP_MAGIC) {
        return Err(SheetError::new(None, "this is not an XLSX file"));
    }
    check_archive(bytes)?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(xlsx_error)?;
    let names: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|sheet| sheet.typ == SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .collect();
    for name in names {
        let rows = read_worksheet(&mut book, &name)?;
        if !rows.is_empty() {
            return Ok(rows);
        }
    }
    Err(SheetError::new(None, "the workbook has no sheet with data"))
}

fn read_worksheet(
    book: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
) -> Result<Vec<Vec<String>>, SheetError> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    {
        let mut cells = book.worksheet_cells_reader(name).map_err(xlsx_error)?;
        while let Some(cell) = cells.next_cell().map_err(xlsx_error)? {
            let text = render(cell.get_value());
            if text.trim().is_empty() {
                continue;
            }
            let (row, col) = cell.get_position();
            let (row, col) = (row as usize, col as usize);
            if row >= MAX_ROWS {
                return Err(too_many_rows(row + 1));
            }
            if col >= MAX_COLUMNS {
                return Err(too_many_columns(row + 1));
            }
            if rows.len() <= row {
                rows.resize(row + 1, Vec::new());
            }
            if rows[row].len() <= col {
                rows[row].resize(col + 1, String::new());
            }
            rows[row][col] = text;
        }
    }
    // Without merge information the rows still read; the copies are a convenience.
    let merges = book.merge_cells_by_sheet_name(name).unwrap_or_default();
    for merge in merges.into_iter().take(MAX_MERGES) {
        let (top, col) = (merge.start.0 as usize, merge.start.1 as usize);
        let bottom = (merge.end.0 as usize).min(rows.len().saturating_sub(1));
        let Some(text) = rows
            .get(top)
            .and_then(|row| row.get(col))
            .filter(|text| !text.is_empty())
            .cloned()
        else {
            continue;
        };
        for row in rows.iter_mut().take(bottom + 1).skip(top + 1) {
            if row.len() <= col {
                row.resize(col + 1, String::new());
            }
            if row[col].is_empty() {
                row[col].clone_from(&text);
            }
        }
    }
    Ok(rows)
}

/// Inflates every entry of the archive (without keeping it) to hold it to [`MAX_INFLATED`] in
/// all, whatever sizes its headers declare, and looks in each for a `uniqueCount` attribute
/// beyond [`MAX_SHARED_STRINGS`]: the XLSX reader reserves room for that many strings up front.
fn check_archive(bytes: &[u8]) -> Result<(), SheetError> {
    use std::io::Read;
    // The zip reader's own words name its internals; the caller needs to know the file is broken.
    let unreadable = |_: zip::result::ZipError| {
        SheetError::new(
            None,
            "the XLSX file is damaged: it is not a readable zip archive",
        )
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if archive.len() > MAX_ENTRIES {
        return Err(SheetError::new(
            None,
            format!("the XLSX file has more than {MAX_ENTRIES} parts; this is not a plan"),
        ));
    }
    let mut left = MAX_INFLATED;
    let mut buffer = vec![0u8; 64 * 1024];
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(unreadable)?;
        let mut counts = UniqueCountScan::default();
        loop {
            let read = entry.read(&mut buffer).map_err(|_| {
                SheetError::new(
                    None,
                    "the XLSX file is damaged: a part of it cannot be unpacked",
                )
            })?;
            if read == 0 {
                break;
            }
            left = left.checked_sub(read as u64).ok_or_else(|| {
                SheetError::new(
                    None,
                    format!(
                        "the XLSX file inflates to more than {} MiB; this is not a plan",
                        MAX_INFLATED >> 20
                    ),
                )
            })?;
            if counts.feed(&buffer[..read]) > MAX_SHARED_STRINGS {
                return Err(SheetError::new(
                    None,
                    format!(
                        "the XLSX file claims more than {MAX_SHARED_STRINGS} shared strings; \
                         this is not a plan"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Finds `uniqueCount = "digits"` (either quote, any blanks) in text fed in pieces, and keeps the
/// largest number found (saturating; a value of more than 20 digits counts as `u64::MAX`).
#[derive(Debug, Default)]
struct UniqueCountScan {
    /// 0..=10: that many bytes of the name matched; 11: `=` expected; 12: a quote expected;
    /// 13: in the value.
    state: usize,
    quote: u8,
    digits: u32,
    value: u64,
    largest: u64,
}

impl UniqueCountScan {
    const NAME: &'static [u8] = b"uniqueCount";
    /// The longest proper prefix of the name that is a suffix of its first i + 1 bytes.
    const FALLBACK: [usize; 11] = [0, 0, 0, 0, 1, 0, 0, 0, 1, 2, 0];

    fn feed(&mut self, bytes: &[u8]) -> u64 {
        for &byte in bytes {
            match self.state {
                11 | 12 if byte.is_ascii_whitespace() => {}
                11 if byte == b'=' => self.state = 12,
                12 if byte == b'"' || byte == b'\'' => {
                    (self.state, self.quote, self.digits, self.value) = (13, byte, 0, 0);
                }
                13 if byte.is_ascii_digit() => {
                    self.digits += 1;
                    self.value = if self.digits > 20 {
                        u64::MAX
                    } else {
                        self.value
                            .saturating_mul(10)
                            .saturating_add(u64::from(byte - b'0'))
                    };
                }
                // A sign or blanks around the digits: the number is what the digits say.
                13 if byte != self.quote && (byte == b'+' || byte.is_ascii_whitespace()) => {}
                13 => {
                    self.largest = self.largest.max(self.value);
                    self.state = self.next(0, byte);
                }
                11 | 12 => self.state = self.next(0, byte),
                matched => self.state = self.next(matched, byte),
            }
        }
        self.largest
            .max(if self.state == 13 { self.value } else { 0 })
    }

    /// The state after `byte` with `matched` bytes of the name matched (Knuth–Morris–Pratt).
    fn next(&self, mut matched: usize, byte: u8) -> usize {
        while matched > 0 && byte != Self::NAME[matched] {
            matched = Self::FALLBACK[matched - 1];
        }
        if byte == Self::NAME[matched] {
            matched + 1
        } else {
            0
        }
    }
}

fn xlsx_error(error: XlsxError) -> SheetError {
    let message = match error {
        XlsxError::Password => "the workbook is password-protected; remove the password".to_owned(),
        // The workbook reader's own words name its internals (XML events, zip entries).
        _ => "the XLSX file is damaged or is not a workbook: save it again from the spreadsheet"
            .to_owned(),
    };
    SheetError::new(None, message)
}

/// Cell text as a person reads it in the sheet.
fn render(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(text) | DataRef::DurationIso(text) => text.clone(),
        DataRef::SharedString(text) => (*text).to_owned(),
        DataRef::DateTimeIso(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_or_else(|_| text.clone(), |date| date.format("%d.%m.%Y").to_string()),
        DataRef::Int(number) => number.to_string(),
        DataRef::Float(number) => render_number(*number),
        DataRef::Bool(value) => value.to_string(),
        DataRef::DateTime(moment) => render_moment(moment),
        DataRef::Error(error) => error.to_string(),
    }
}

/// Whole numbers without ".0"; others at Excel's 15 significant digits, so binary noise
/// (0.30000000000000004) does not show.
fn render_number(number: f64) -> String {
    if number.is_finite() && number.fract() == 0.0 && number.abs() < 1e15 {
        return format!("{}", number as i64);
    }
    format!("{number:.14e}")
        .parse::<f64>()
        .unwrap_or(number)
        .to_string()
}

fn render_moment(moment: &ExcelDateTime) -> String {
    let value = moment.as_f64();
    if moment.is_duration() {
        let seconds = (value * 86_400.0).round() as i64;
        return format!(
            "{}:{:02}:{:02}",
            seconds / 3600,
            seconds % 3600 / 60,
            seconds % 60
        );
    }
    let (year, month, day, hour, minute, second, _) = moment.to_ymd_hms_milli();
    let time = if second == 0 {
        format!("{hour:02}:{minute:02}")
    } else {
        format!("{hour:02}:{minute:02}:{second:02}")
    };
    if value < 1.0 {
        time
    } else if (hour, minute, second) == (0, 0, 0) {
        format!("{day:02}.{month:02}.{year}")
    } else {
        format!("{day:02}.{month:02}.{year} {time}")
    }
}

fn too_many_rows(row: usize) -> SheetError {
    SheetError::new(
        Some(row),
        format!("the sheet has more than {MAX_ROWS} rows; a plan is much shorter — is this the right file?"),
    )
}

fn too_many_columns(row: usize) -> SheetError {
    SheetError::new(
        Some(row),
        format!("the row has text beyond column {MAX_COLUMNS}; a plan has about ten columns"),
    )
}

/// Drops trailing empty cells and rows; an empty result is an error.
fn finish(mut rows: Vec<Vec<String>>) -> Result<Vec<Vec<String>>, SheetError> {
    for row in &mut rows {
        while row.last().is_some_and(|cell| cell.trim().is_empty()) {
            row.pop();
        }
    }
    while rows.last().is_some_and(Vec::is_empty) {
        rows.pop();
    }
    if rows.is_empty() {
        return Err(SheetError::new(None, "the file has no data"));
    }
    Ok(rows)
}

/// How many of the first records split into the most common number of cells (above one).
fn delimiter_score(text: &str, delimiter: u8) -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut counts: Vec<usize> = Vec::new();
    for record in reader.records().take(200).flatten() {
        let fields = record.iter().filter(|f| !f.trim().is_empty()).count();
        if fields > 1 {
            counts.push(record.len());
        }
    }
    counts
        .iter()
        .map(|&n| counts.iter().filter(|&&m| m == n).count())
        .max()
        .unwrap_or(0)
}

fn decode(bytes: &[u8]) -> Result<String, SheetError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(str::to_owned)
            .map_err(|e| invalid_utf8(rest, e.valid_up_to()));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return decode_utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return decode_utf16(rest, u16::from_be_bytes);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(text.to_owned()),
        Ok(_) => Err(SheetError::new(
            None,
            "the file holds binary data, not text",
        )),
        Err(_) if looks_like_cp1251(bytes) => Ok(decode_cp1251(bytes)),
        Err(e) => Err(invalid_utf8(bytes, e.valid_up_to())),
    }
}

fn invalid_utf8(bytes: &[u8], valid_up_to: usize) -> SheetError {
    let line = bytes[..valid_up_to].iter().filter(|&&b| b == b'\n').count() + 1;
    SheetError::new(
        Some(line),
        "the text is neither UTF-8 nor Windows-1251; save the file as «CSV UTF-8»",
    )
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, SheetError> {
    let pairs = bytes.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return Err(SheetError::new(
            None,
            "the UTF-16 text has an odd number of bytes",
        ));
    }
    char::decode_utf16(pairs.map(|pair| unit([pair[0], pair[1]])))
        .collect::<Result<String, _>>()
        .map_err(|_| SheetError::new(None, "the UTF-16 text is malformed"))
}

/// Windows-1251 bytes 0x80..=0xBF; 0xC0..=0xFF are А..я in order. 0x98 is unassigned.
const CP1251_HIGH: &str =
    "ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—\u{fffd}™љ›њќћџ\u{a0}ЎўЈ¤Ґ¦§Ё©Є«¬\u{ad}®Ї°±Ііґµ¶·ё№є»јЅѕї";

/// Text that is not UTF-8 is taken for Windows-1251 when most of its non-ASCII bytes are
/// Cyrillic letters and it has no control bytes a text file would not.
fn looks_like_cp1251(bytes: &[u8]) -> bool {
    let mut high = 0usize;
    let mut letters = 0usize;
    for &b in bytes {
        match b {
            0x00..=0x08 | 0x0e..=0x1f | 0x98 => return false,
            0xc0..=0xff | 0xa8 | 0xb8 => {
                high += 1;
                letters += 1;
            }
            0x80..=0xbf => high += 1,
            _ => {}
        }
    }
    high > 0 && letters * 10 >= high * 7
}

fn decode_cp1251(bytes: &[u8]) -> String {
    let high: Vec<char> = CP1251_HIGH.chars().collect();
    bytes
        .iter()
        .map(|&b| match b {
            0x00..=0x7f => char::from(b),
            0x80..=0xbf => high[usize::from(b - 0x80)],
            _ => char::from_u32(0x0410 + u32::from(b - 0xc0)).unwrap_or('\u{fffd}'),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::plan_form::{read_plan_table, test_seeds, CriteriaSet, PlanTable};
    use super::*;

    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        for (name, bytes) in parts {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn unique_counts_are_found_in_pieces_and_spellings() {
        let text = br#"<sst uniquniqueCount="7" count="3" uniqueCount = '12' uniqueCount="+99"/>"#;
        for size in [1, 2, 3, 5, 7, 64] {
            let mut scan = UniqueCountScan::default();
            let largest = text.chunks(size).map(|c| scan.feed(c)).max().unwrap();
            assert_eq!(largest, 99, "pieces of {size}");
        }
        let mut scan = UniqueCountScan::default();
        assert_eq!(
            scan.feed(b"uniqueCount=\"123456789012345678901234\""),
            u64::MAX
        );
        assert_eq!(
            UniqueCountScan::default().feed(b"count=\"5\" unique=\"9\""),
            0
        );
    }

    #[test]
    fn archives_that_inflate_or_claim_too_much_are_refused() {
        let big = vec![b'A'; (MAX_INFLATED + 1) as usize];
        let error = rows_from_xlsx(&zip_of(&[("xl/sharedStrings.xml", &big)])).unwrap_err();
        assert!(error.message.contains("inflates"), "{error}");
        let sst = br#"<?xml version="1.0"?><sst count="1" uniqueCount="1000000000000"><si><t>a</t></si></sst>"#;
        let error = rows_from_xlsx(&zip_of(&[("xl/sharedStrings.xml", sst)])).unwrap_err();
        assert!(error.message.contains("shared strings"), "{error}");
        let fine =
            br#"<?xml version="1.0"?><sst count="1" uniqueCount="1"><si><t>a</t></si></sst>"#;
        assert_eq!(
            check_archive(&zip_of(&[("xl/sharedStrings.xml", fine)])),
            Ok(())
        );
    }

    const SEEDS: [&str; 2] = ["000", "001"];

    fn plan(rows: &[Vec<String>]) -> PlanTable {
        read_plan_table(rows, CriteriaSet::Pre2018).expect("the seed reads as a plan")
    }

    fn to_csv(rows: &[Vec<String>], delimiter: u8) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .delimiter(delimiter)
            .from_writer(Vec::new());
        for row in rows {
            writer.write_record(row).unwrap();
        }
        writer.into_inner().unwrap()
    }

    fn to_xlsx(sheets: &[&[Vec<String>]]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        for rows in sheets {
            let sheet = book.add_worksheet();
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    if !cell.is_empty() {
                        sheet.write_string(r as u32, c as u16, cell).unwrap();
                    }
                }
            }
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn seeds_read_the_same_from_csv_tsv_and_xlsx() {
        for seed in SEEDS {
            let rows = test_seeds::rows(seed);
            let expected = plan(&rows);
            for delimiter in [b',', b';', b'\t'] {
                let read = rows_from_csv(&to_csv(&rows, delimiter)).unwrap();
                assert_eq!(plan(&read), expected, "seed {seed}, delimiter {delimiter}");
            }
            let raw = test_seeds::text(seed);
            assert_eq!(plan(&rows_from_csv(raw.as_bytes()).unwrap()), expected);
            let with_bom = [b"\xEF\xBB\xBF".as_slice(), raw.as_bytes()].concat();
            assert_eq!(plan(&rows_from_file(&with_bom).unwrap()), expected);

            let xlsx = to_xlsx(&[&rows]);
            assert_eq!(
                plan(&rows_from_xlsx(&xlsx).unwrap()),
                expected,
                "seed {seed}"
            );
            assert_eq!(plan(&rows_from_file(&xlsx).unwrap()), expected);
        }
    }

    #[test]
    fn rows_keep_sheet_numbering() {
        let rows = rows_from_csv(b"\n\na;b;;\n\nc;;\n\n\n").unwrap();
        assert_eq!(
            rows,
            [vec![], vec![], vec!["a", "b"], vec![], vec!["c"]]
                .map(|row| row.into_iter().map(str::to_owned).collect::<Vec<_>>())
        );
        let xlsx = {
            let mut book = rust_xlsxwriter::Workbook::new();
            book.add_worksheet().write_string(2, 1, "B3").unwrap();
            book.save_to_buffer().unwrap()
        };
        assert_eq!(
            rows_from_xlsx(&xlsx).unwrap(),
            [vec![], vec![], vec!["".to_owned(), "B3".to_owned()]]
        );
    }

    #[test]
    fn crlf_lines_keep_sheet_numbering() {
        for (text, lines) in [
            (
                "a;b\r\nc;d\r\ne;f\r\n",
                vec![vec!["a", "b"], vec!["c", "d"], vec!["e", "f"]],
            ),
            (
                "\r\na;b\r\n\r\n\r\nc;d\r\ne\r\n",
                vec![
                    vec![],
                    vec!["a", "b"],
                    vec![],
                    vec![],
                    vec!["c", "d"],
                    vec!["e"],
                ],
            ),
            (
                "a;b\rc;d\r\re",
                vec![vec!["a", "b"], vec!["c", "d"], vec![], vec!["e"]],
            ),
            (
                "\"a\r\nb\";c\r\nd\r\n",
                vec![vec!["a\r\nb", "c"], vec!["d"]],
            ),
        ] {
            let expected: Vec<Vec<String>> = lines
                .into_iter()
                .map(|row| row.into_iter().map(str::to_owned).collect())
                .collect();
            assert_eq!(
                rows_from_csv(text.as_bytes()).unwrap(),
                expected,
                "{text:?}"
            );
        }
    }

    #[test]
    fn the_export_formula_guard_is_taken_off() {
        let written = [
            "- обработка персональных данных",
            "=1+1",
            "  +7 (495) 123-45-67",
            "@home",
            "＝x",
            "'quoted' as written",
            "'",
            "'plain",
        ];
        let guarded: Vec<String> = written.iter().map(|t| text::csv_guarded(t)).collect();
        assert_eq!(guarded[0], "'- обработка персональных данных");
        assert_eq!(guarded[5], "'quoted' as written");
        let read = rows_from_csv(&to_csv(&[guarded], b';')).unwrap();
        assert_eq!(read, [written.map(str::to_owned).to_vec()]);
    }

    #[test]
    fn encodings() {
        // "№ п/п;Наименование «ё»\r\n" as Windows-1251 (checked against Python's codec).
        let cp1251: &[u8] = &[
            185, 32, 239, 47, 239, 59, 205, 224, 232, 236, 229, 237, 238, 226, 224, 237, 232, 229,
            32, 171, 184, 187, 13, 10,
        ];
        assert_eq!(
            rows_from_csv(cp1251).unwrap(),
            [vec!["№ п/п".to_owned(), "Наименование «ё»".to_owned()]]
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("№\tСрок\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(
            rows_from_csv(&utf16).unwrap(),
            [vec!["№".to_owned(), "Срок".to_owned()]]
        );
        let garbage = rows_from_csv(b"ok\nok\n\x81\x82\x83\x84 binary \x01").unwrap_err();
        assert_eq!(garbage.row, Some(3));
        assert!(rows_from_csv(b"a,b\0c").is_err());
    }

    #[test]
    fn empty_and_foreign_files_are_errors() {
        for empty in [&b""[..], b"\xEF\xBB\xBF", b" ; ;\n\t\n"] {
            let error = rows_from_csv(empty).unwrap_err();
            assert_eq!(error.to_string(), "the file has no data");
        }
        let xlsx = to_xlsx(&[&[], &[]]);
        assert!(rows_from_xlsx(&xlsx)
            .unwrap_err()
            .message
            .contains("no sheet"));

        assert!(rows_from_xlsx(b"garbage, not a workbook").is_err());
        assert!(rows_from_xlsx(b"PK\x03\x04 but then garbage").is_err());
        let mut truncated = to_xlsx(&[&test_seeds::rows("000")]);
        truncated.truncate(truncated.len() / 2);
        assert!(rows_from_xlsx(&truncated).is_err());
        let xls = rows_from_file(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 old").unwrap_err();
        assert!(xls.message.contains(".xls"));
        assert!(rows_from_csv(&to_xlsx(&[&[vec!["a".to_owned()]]]))
            .unwrap_err()
            .message
            .contains("XLSX"));

        let wide = vec![String::from("x"); MAX_COLUMNS + 1].join(",");
        let error = rows_from_csv(format!("a\n{wide}\n").as_bytes()).unwrap_err();
        assert_eq!(error.row, Some(2));
        assert!(error.to_string().starts_with("row 2: "));
    }

    #[test]
    fn first_sheet_with_data_numbers_dates_and_merges() {
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet();
        let sheet = book.add_worksheet();
        let date = rust_xlsxwriter::Format::new().set_num_format("dd.mm.yyyy");
        let merged = rust_xlsxwriter::Format::new();
        sheet.write_number(0, 0, 1.0).unwrap();
        sheet.write_number(0, 1, 2.5).unwrap();
        sheet.write_number(0, 2, 0.1 + 0.2).unwrap();
        let deadline = rust_xlsxwriter::ExcelDateTime::from_ymd(2018, 12, 31).unwrap();
        sheet
            .write_datetime_with_format(0, 3, &deadline, &date)
            .unwrap();
        sheet.write_boolean(0, 4, true).unwrap();
        sheet
            .merge_range(1, 0, 3, 0, "Обновить стенды", &merged)
            .unwrap();
        sheet.write_string(3, 1, "Петров П.П.").unwrap();
        let rows = rows_from_xlsx(&book.save_to_buffer().unwrap()).unwrap();
        assert_eq!(rows[0], ["1", "2.5", "0.3", "31.12.2018", "true"]);
        assert_eq!(rows[1], ["Обновить стенды"]);
        assert_eq!(rows[2], ["Обновить стенды"]);
        assert_eq!(rows[3], ["Обновить стенды", "Петров П.П."]);
    }

    #[test]
    fn merged_plan_rows_read_as_one_measure() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let plain = rust_xlsxwriter::Format::new();
        let header = [
            "№ п/п",
            "Наименование мероприятия",
            "Срок реализации",
            "Ответственный исполнитель",
        ];
        for (c, heading) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, *heading).unwrap();
        }
        sheet
            .merge_range(1, 0, 1, 3, "Открытость и доступность информации", &plain)
            .unwrap();
        sheet.merge_range(2, 0, 3, 0, "1", &plain).unwrap();
        sheet
            .merge_range(2, 1, 3, 1, "Обновить стенды", &plain)
            .unwrap();
        sheet.merge_range(2, 2, 3, 2, "постоянно", &plain).unwrap();
        sheet.write_string(2, 3, "Иванов И.И., директор").unwrap();
        sheet
            .write_string(3, 3, "Петрова А.А., заместитель директора")
            .unwrap();
        let rows = rows_from_xlsx(&book.save_to_buffer().unwrap()).unwrap();
        let plan = read_plan_table(&rows, CriteriaSet::Mintrud2018).unwrap();
        assert!(plan.warnings.is_empty(), "{:#?}", plan.warnings);
        let measures = &plan.sections[0].measures;
        assert_eq!(measures.len(), 1);
        assert_eq!(measures[0].title, "Обновить стенды");
        assert_eq!(measures[0].deadline, "постоянно");
        assert_eq!(measures[0].executors.len(), 2);
    }
}
