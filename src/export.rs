//! Tables for people: the same sheets rendered as XLSX (one worksheet each) or as one CSV file.
//! Headings keep the official Russian wording; the data layer only fills cells.

mod print;

use crate::domain::text;
use rust_decimal::Decimal;
use rust_xlsxwriter::XlsxError;

/// Exports built at once (`NOK_EXPORT_CONCURRENCY`): a rating or results export of a large
/// region takes tens of MiB while it is built, CPU-bound, so more at once only add memory.
static EXPORTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();

/// `NOK_EXPORT_CONCURRENCY`'s default, for callers that never ran [`limit_concurrency`].
const DEFAULT_CONCURRENCY: usize = 2;

/// Sets how many large exports are built at once (the first call decides; at least one).
pub fn limit_concurrency(count: usize) {
    let _ = EXPORTS.set(tokio::sync::Semaphore::new(count.max(1)));
}

/// Waits for a turn to build a large export; taken before a database connection, so that
/// waiting exports hold none.
pub async fn turn() -> tokio::sync::SemaphorePermit<'static> {
    EXPORTS
        .get_or_init(|| tokio::sync::Semaphore::new(DEFAULT_CONCURRENCY))
        .acquire()
        .await
        // Never closed.
        .expect("the export semaphore is open")
}

/// One value of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Written as a number with as many decimals as its scale ("96.10" stays two: the caller
    /// gives scores at the cycle's precision), to XLSX in a number format of that many places.
    Decimal(Decimal),
    Integer(i64),
    Empty,
}

impl From<Option<Decimal>> for Cell {
    fn from(value: Option<Decimal>) -> Self {
        value.map_or(Cell::Empty, Cell::Decimal)
    }
}

impl From<String> for Cell {
    fn from(value: String) -> Self {
        Cell::Text(value)
    }
}

/// Text that a spreadsheet would run as a formula is led by an apostrophe in CSV, which
/// spreadsheets show as text ([`text::csv_guarded`]; the plan import takes it off again).
fn csv_safe(text: &str) -> String {
    text::csv_guarded(text)
}

impl Cell {
    /// The cell as CSV text of `dialect`: numbers with its decimal separator, text guarded.
    fn text(&self, dialect: CsvDialect) -> String {
        match self {
            Cell::Text(t) => csv_safe(t),
            Cell::Decimal(d) => {
                // As many decimals as the value carries: scores come at the cycle's precision.
                let written = d.to_string();
                match dialect {
                    CsvDialect::Rfc4180 => written,
                    CsvDialect::ExcelRu => written.replace('.', ","),
                }
            }
            Cell::Integer(i) => i.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// A worksheet: a name, what is printed above the table, a heading row and data rows. A row of
/// a single text cell under several headings is a section heading (merged across the table in
/// XLSX, padded in CSV). The columns are whatever `headings` holds: widths follow the contents.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// At most 31 characters, as XLSX requires.
    pub name: String,
    pub preamble: Preamble,
    pub headings: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// What is printed above a table: an approval block at the top right and the title across.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Preamble {
    /// The «УТВЕРЖДАЮ» block, a line each.
    pub approval: Vec<String>,
    /// The title, a line each: what, whose, which year, on what decision.
    pub title: Vec<String>,
    /// The lines are part of the form and go into CSV too, above the headings (the plan import
    /// reads them back); otherwise CSV is the bare table machine readers expect.
    pub in_csv: bool,
}

impl Preamble {
    /// The lines of a form (plans, reports), in CSV too: the approval block, an empty line, the
    /// title.
    pub fn form(approval: Vec<String>, title: Vec<String>) -> Self {
        Self {
            approval,
            title,
            in_csv: true,
        }
    }

    /// A title for the printed table only (ratings, results).
    pub fn caption(title: Vec<String>) -> Self {
        Self {
            approval: Vec::new(),
            title,
            in_csv: false,
        }
    }

    /// The lines as the CSV form writes them, one cell each.
    fn csv_lines(&self) -> Vec<&str> {
        if !self.in_csv {
            return Vec::new();
        }
        let mut lines: Vec<&str> = self.approval.iter().map(String::as_str).collect();
        if !lines.is_empty() {
            lines.push("");
        }
        lines.extend(self.title.iter().map(String::as_str));
        lines
    }
}

/// How a CSV file is written: the separator, the decimal separator, the line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvDialect {
    /// `,` between fields and a decimal point (what the exports always wrote); CRLF line ends,
    /// as RFC 4180 has them.
    #[default]
    Rfc4180,
    /// What Excel and LibreOffice in a Russian locale read as numbers: `;` between fields, a
    /// decimal comma, CRLF line ends.
    ExcelRu,
}

impl CsvDialect {
    pub const NAMES: [&'static str; 2] = ["rfc4180", "excel-ru"];

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "rfc4180" => Some(Self::Rfc4180),
            "excel-ru" => Some(Self::ExcelRu),
            _ => None,
        }
    }

    fn writer(self) -> csv::WriterBuilder {
        let mut builder = csv::WriterBuilder::new();
        builder
            .terminator(csv::Terminator::CRLF)
            .delimiter(match self {
                Self::Rfc4180 => b',',
                Self::ExcelRu => b';',
            });
        builder
    }
}

/// The file formats an export can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv(CsvDialect),
    Xlsx,
}

impl FileFormat {
    pub const XLSX_MEDIA_TYPE: &'static str =
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    pub const CSV_MEDIA_TYPE: &'static str = "text/csv; charset=utf-8";

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "csv" => Some(Self::Csv(CsvDialect::default())),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv(_) => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Csv(_) => Self::CSV_MEDIA_TYPE,
            Self::Xlsx => Self::XLSX_MEDIA_TYPE,
        }
    }

    /// The format an `Accept` header asks for: the first supported media range in order of
    /// preference (`q`), XLSX for `*/*` or no header; `None` if it accepts neither.
    pub fn from_accept(accept: Option<&str>) -> Option<Self> {
        let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
            return Some(Self::Xlsx);
        };
        let mut ranges: Vec<(f32, usize, &str)> = accept
            .split(',')
            .enumerate()
            .filter_map(|(i, range)| {
                let mut parts = range.split(';').map(str::trim);
                let media = parts.next()?;
                let q = parts
                    .filter_map(|p| p.strip_prefix("q="))
                    .find_map(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, i, media))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranges
            .into_iter()
            .find_map(|(_, _, media)| match media.to_ascii_lowercase().as_str() {
                "text/csv" | "text/*" => Some(Self::Csv(CsvDialect::default())),
                "*/*" | "application/*" => Some(Self::Xlsx),
                m if m == Self::XLSX_MEDIA_TYPE => Some(Self::Xlsx),
                _ => None,
            })
    }

    /// This format with CSV written in `dialect` (XLSX has none).
    pub fn with_dialect(self, dialect: CsvDialect) -> Self {
        match self {
            Self::Csv(_) => Self::Csv(dialect),
            Self::Xlsx => Self::Xlsx,
        }
    }

    /// The sheets as a file of this format; CSV puts every sheet in one table, each row led by
    /// its sheet's name under `sheet_heading`.
    pub fn render(self, sheets: &[Sheet], sheet_heading: &str) -> Result<Vec<u8>, XlsxError> {
        match self {
            Self::Csv(dialect) => Ok(csv(sheets, sheet_heading, dialect)),
            Self::Xlsx => xlsx(sheets),
        }
    }
}

/// UTF-8 with a byte-order mark, so that spreadsheet programs read the Cyrillic right. Every
/// row has as many fields as the widest (the headings, as a rule): machine readers expect a
/// rectangle, so the preamble and section rows are padded with empty fields.
fn csv(sheets: &[Sheet], sheet_heading: &str, dialect: CsvDialect) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = dialect.writer().from_writer(&mut out);
        let several = sheets.len() > 1;
        let lead = usize::from(several);
        let width = sheets
            .iter()
            .flat_map(|s| std::iter::once(s.headings.len()).chain(s.rows.iter().map(Vec::len)))
            .max()
            .unwrap_or(0)
            .max(1)
            + lead;
        let mut table = CsvTable {
            writer: &mut writer,
            dialect,
            width,
        };
        let text = |t: &str| Cell::Text(t.to_owned());
        let mut first: Vec<Cell> = Vec::new();
        if several {
            first.push(text(sheet_heading));
        }
        first.extend(
            sheets
                .iter()
                .take(1)
                .flat_map(|s| s.headings.iter().map(|h| text(h))),
        );
        // A preamble (of a single sheet) goes above the headings, a line per row, as in the form.
        if let [sheet] = sheets {
            for line in sheet.preamble.csv_lines() {
                table.write_csv_row(&[text(line)]);
            }
        }
        table.write_csv_row(&first);
        for sheet in sheets {
            for row in &sheet.rows {
                if several {
                    let mut record = Vec::with_capacity(row.len() + 1);
                    record.push(text(&sheet.name));
                    record.extend(row.iter().cloned());
                    table.write_csv_row(&record);
                } else {
                    table.write_csv_row(row);
                }
            }
        }
        let _ = writer.flush();
    }
    out
}

/// The one way a row reaches a CSV file, whatever part of the table it is (preamble, headings,
/// sheet names, data): every text cell is guarded by [`csv_safe`], numbers are written in the
/// dialect, and the row is padded with empty fields to the table's width.
struct CsvTable<'a, 'b> {
    writer: &'a mut csv::Writer<&'b mut Vec<u8>>,
    dialect: CsvDialect,
    width: usize,
}

impl CsvTable<'_, '_> {
    fn write_csv_row(&mut self, cells: &[Cell]) {
        let padding = self.width.saturating_sub(cells.len());
        let fields = cells
            .iter()
            .map(|c| c.text(self.dialect))
            .chain(std::iter::repeat_n(String::new(), padding));
        // Writing to a Vec cannot fail.
        let _ = self.writer.write_record(fields);
    }
}

fn xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    print::workbook(sheets)
}

/// What a download is called, without the extension: the name people read (any script, as
/// `filename*` of RFC 6266) and an ASCII one for clients that read only `filename`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    pub title: String,
    pub ascii: String,
}

impl FileName {
    /// The words joined by `_`, spaces inside them too; quotes are left out and the characters
    /// file systems refuse part words, so that the name is saved as it is shown.
    pub fn new(words: &[&str], ascii: String) -> Self {
        let cleaned: String = words
            .join(" ")
            .chars()
            .filter(|c| !matches!(c, '"' | '«' | '»' | '“' | '”' | '„' | '\''))
            .map(|c| match c {
                '/' | '\\' | ':' | '*' | '?' | '<' | '>' | '|' => ' ',
                c if c.is_control() => ' ',
                c => c,
            })
            .collect();
        let title = cleaned.split_whitespace().collect::<Vec<_>>().join("_");
        Self { title, ascii }
    }
}

/// A rendered export and what to call it.
#[derive(Debug)]
pub struct Download {
    pub name: FileName,
    pub bytes: Vec<u8>,
}

/// A workbook that could not be written is the service's fault.
pub fn workbook_error(e: XlsxError) -> crate::error::ApiError {
    crate::error::ApiError::internal(format!("writing the workbook failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn sheet(name: &str) -> Sheet {
        Sheet {
            name: name.into(),
            preamble: Preamble::default(),
            headings: vec![
                "Место в рейтинге".into(),
                "Организация".into(),
                "Итоговый балл".into(),
            ],
            rows: vec![vec![
                Cell::Integer(1),
                Cell::Text("ГУТО «Дом, \"А\"»".into()),
                Cell::Decimal(dec!(91.60)),
            ]],
        }
    }

    #[test]
    fn csv_joins_sheets_under_a_leading_column() {
        let bytes = FileFormat::Csv(CsvDialect::Rfc4180)
            .render(&[sheet("Все"), sheet("Стационарная")], "Форма")
            .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[0], "Форма,Место в рейтинге,Организация,Итоговый балл");
        assert_eq!(lines[1], "Все,1,\"ГУТО «Дом, \"\"А\"\"»\",91.60");
        assert_eq!(lines.len(), 3);
        assert_eq!(text.matches("\r\n").count(), 3, "RFC 4180 line ends");
        let single = String::from_utf8(
            FileFormat::Csv(CsvDialect::Rfc4180)
                .render(&[sheet("Все")], "Форма")
                .unwrap(),
        )
        .unwrap();
        assert!(single.starts_with("\u{feff}Место в рейтинге,"));
    }

    #[test]
    fn cells_are_safe_in_spreadsheets() {
        let text = |c: Cell| c.text(CsvDialect::Rfc4180);
        assert_eq!(
            text(Cell::Text("=HYPERLINK(\"x\")".into())),
            "'=HYPERLINK(\"x\")"
        );
        assert_eq!(text(Cell::Text("-1".into())), "'-1");
        assert_eq!(text(Cell::Text("ГУТО «Дом»".into())), "ГУТО «Дом»");
        let long = "я".repeat(40_000);
        let cut = print::xlsx_text(&long);
        assert_eq!(cut.chars().count(), print::XLSX_CELL_CHARS);
        assert!(cut.ends_with('…'));
        let sheet = Sheet {
            name: "Длинный".into(),
            preamble: Preamble::default(),
            headings: vec!["Ответственный исполнитель".into()],
            rows: vec![vec![Cell::Text(long)]],
        };
        assert!(FileFormat::Xlsx.render(&[sheet], "Лист").is_ok());
    }

    /// The plan's title and «УТВЕРЖДАЮ» block, headings and sheet names are cells like any other.
    #[test]
    fn every_csv_cell_is_guarded() {
        let hostile = Sheet {
            name: "=SUM(1)".into(),
            preamble: Preamble::form(
                vec!["=1+1".into(), "+cmd|' /C calc'!A0".into()],
                vec![" @x".into()],
            ),
            headings: vec!["-2+3".into(), "＝1".into()],
            rows: vec![vec![Cell::Text("=1+1".into()), Cell::Decimal(dec!(-5))]],
        };
        let single = String::from_utf8(
            FileFormat::Csv(CsvDialect::Rfc4180)
                .render(std::slice::from_ref(&hostile), "=x")
                .unwrap(),
        )
        .unwrap();
        let lines: Vec<&str> = single.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines,
            [
                "'=1+1,",
                "'+cmd|' /C calc'!A0,",
                ",",
                "' @x,",
                "'-2+3,'＝1",
                "'=1+1,-5"
            ]
        );
        let several = String::from_utf8(
            FileFormat::Csv(CsvDialect::Rfc4180)
                .render(&[hostile.clone(), hostile], "=x")
                .unwrap(),
        )
        .unwrap();
        let lines: Vec<&str> = several.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[0], "'=x,'-2+3,'＝1");
        assert_eq!(lines[1], "'=SUM(1),'=1+1,-5");
    }

    /// Russian Excel's dialect: `;`, decimal comma, CRLF, BOM; the padded rows read back as a
    /// rectangle with the csv crate set to the dialect.
    #[test]
    fn excel_ru_csv_has_decimal_commas_and_equal_rows() {
        let mut form = sheet("План");
        form.preamble = Preamble::form(vec!["УТВЕРЖДАЮ".into()], vec!["ПЛАН".into()]);
        form.rows
            .insert(0, vec![Cell::Text("I. Открытость".into())]);
        form.rows.push(vec![
            Cell::Integer(2),
            Cell::Text("Дом; сад".into()),
            Cell::Decimal(dec!(-97.40)),
        ]);
        let bytes = FileFormat::Csv(CsvDialect::ExcelRu)
            .render(&[form], "Форма")
            .unwrap();
        assert!(bytes.starts_with("\u{feff}".as_bytes()));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(text.matches("\r\n").count(), 7);
        assert_eq!(text.matches('\n').count(), 7);
        let records: Vec<Vec<String>> = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(b';')
            .from_reader(&bytes[3..])
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        assert_eq!(records.len(), 7);
        assert!(records.iter().all(|r| r.len() == 3));
        assert_eq!(records[0], ["УТВЕРЖДАЮ", "", ""]);
        assert_eq!(records[1], ["", "", ""]);
        assert_eq!(records[4], ["I. Открытость", "", ""]);
        assert_eq!(records[5], ["1", "ГУТО «Дом, \"А\"»", "91,60"]);
        assert_eq!(records[6], ["2", "Дом; сад", "-97,40"]);
    }

    #[test]
    fn file_names_keep_words_and_drop_what_file_systems_refuse() {
        let name = FileName::new(
            &["План", "ГБУ ТО «Дом: \"Ветеран\"/Тула»", "2019"],
            "plan-7-2019".into(),
        );
        assert_eq!(name.title, "План_ГБУ_ТО_Дом_Ветеран_Тула_2019");
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = FileFormat::Xlsx
            .render(&[sheet("Все"), sheet("На дому")], "Форма")
            .unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }

    #[test]
    fn accept_headers_choose_the_format() {
        assert_eq!(FileFormat::from_accept(None), Some(FileFormat::Xlsx));
        assert_eq!(
            FileFormat::from_accept(Some("text/csv")),
            Some(FileFormat::Csv(CsvDialect::Rfc4180))
        );
        assert_eq!(
            FileFormat::from_accept(Some("application/json, text/csv;q=0.5")),
            Some(FileFormat::Csv(CsvDialect::Rfc4180))
        );
        assert_eq!(
            FileFormat::from_accept(Some(
                "text/csv;q=0.2, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )),
            Some(FileFormat::Xlsx)
        );
        assert_eq!(FileFormat::from_accept(Some("application/json")), None);
        assert_eq!(FileFormat::from_accept(Some("text/csv;q=0")), None);
    }
}
