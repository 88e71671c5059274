//! Metadata sheets: `metadata.csv`, `metadata.xlsx`, `metadata.xls`, one row per item.
//!
//! Every format is first turned into a grid of text cells with the row
//! numbers the librarian sees in Excel; the grid is then described the same
//! way whatever its origin.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xls, Xlsx};
use wenyuan_index::model::{AccessLevel, Metadata};

use super::{ColumnRole, Description, FieldValue, MetadataError, decode_text, read_side_file};

/// A metadata sheet as read: its usable rows and the rows that could not be used.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The sheet file.
    pub path: PathBuf,
    /// The rows that describe something, in sheet order.
    pub rows: Vec<SheetRow>,
    /// The rows that were skipped, each with the reason.
    pub problems: Vec<RowProblem>,
}

/// One row of a metadata sheet: one item.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    /// The row number as the librarian sees it in Excel (header = 1, first data row = 2).
    pub line: usize,
    /// The `file` column: a file or folder relative to the sheet, raw but trimmed.
    pub file: Option<String>,
    /// Dublin Core and extra fields.
    pub metadata: Metadata,
    /// The institution column, trimmed.
    pub institution: Option<String>,
    /// The collection column, trimmed.
    pub collection: Option<String>,
    /// The access column, parsed.
    pub access: Option<AccessLevel>,
}

/// A row that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The row number as the librarian sees it in Excel.
    pub line: usize,
    /// What is wrong, in words for a librarian (starts with "row N").
    pub reason: String,
}

/// Which reader a sheet needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SheetFormat {
    Csv,
    Xlsx,
    Xls,
}

impl SheetFormat {
    /// By content: a zip (`PK\x03\x04`) is xlsx, an OLE compound file
    /// (`D0 CF 11 E0`) is xls, anything else is CSV text. The extension is not
    /// trusted: ".xls" files exported by many systems are really tab-separated
    /// text, and those read correctly as CSV.
    fn detect(bytes: &[u8]) -> SheetFormat {
        if bytes.starts_with(b"PK\x03\x04") {
            SheetFormat::Xlsx
        } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            SheetFormat::Xls
        } else {
            SheetFormat::Csv
        }
    }
}

/// Most columns a row may use: a metadata sheet has one column per field.
const MAX_COLUMNS: usize = 1024;
/// Most cells read from one workbook: a bound on memory whatever the
/// workbook's compressed size.
const MAX_WORKBOOK_CELLS: usize = 10_000_000;

/// One row of cells as text, or a row that could not be read at all.
enum GridRow {
    Cells { line: usize, cells: Vec<String> },
    Problem { line: usize, reason: String },
}

/// Reads a metadata sheet: `metadata.csv`, `metadata.xlsx` or `metadata.xls`.
///
/// The format is sniffed from the content (`PK\x03\x04` is xlsx, `D0 CF 11 E0`
/// is xls, anything else is CSV text in UTF-8 or GBK, also when named `.xls`,
/// as many systems export tab-separated text under that name). The first non-empty row
/// is the header. Rows that cannot be used are listed in
/// [`Sheet::problems`]; the sheet as a whole fails only when it is unreadable,
/// has no header, or none of its columns is recognised.
pub fn read_sheet(path: &Path) -> Result<Sheet, MetadataError> {
    sheet_from_bytes(path, read_side_file(path)?)
}

/// [`read_sheet`] over bytes already read; `path` names the sheet in messages.
pub(super) fn sheet_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Sheet, MetadataError> {
    describe_grid(path, grid_from_bytes(path, bytes)?)
}

fn grid_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Vec<GridRow>, MetadataError> {
    Ok(match SheetFormat::detect(&bytes) {
        SheetFormat::Csv => read_csv_grid(&decode_text(&bytes)),
        SheetFormat::Xlsx => {
            read_xlsx_grid(bytes).map_err(|reason| MetadataError::unreadable(path, reason))?
        }
        SheetFormat::Xls => {
            read_xls_grid(bytes).map_err(|reason| MetadataError::unreadable(path, reason))?
        }
    })
}

/// A sheet as a grid of text: its header and the rows below it, numbered
/// as Excel shows them, before any column is interpreted (the batch-edit
/// sheet reads its own `id` column, then each other column by
/// [`ColumnRole`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// The header's cells.
    pub header: Vec<String>,
    /// Non-blank rows below the header: (row number, cells).
    pub rows: Vec<(usize, Vec<String>)>,
    /// Rows that could not be read, each with the reason.
    pub problems: Vec<RowProblem>,
}

/// Reads a sheet held in memory (CSV in UTF-8 or GBK, xlsx or xls, sniffed
/// from the content) as a [`Grid`]; `path` names it in messages. Fails when
/// it is unreadable or has no header.
pub fn read_grid(path: &Path, bytes: Vec<u8>) -> Result<Grid, MetadataError> {
    let mut problems = Vec::new();
    let mut header = None;
    let mut rows = Vec::new();
    for row in grid_from_bytes(path, bytes)? {
        match row {
            GridRow::Problem { line, reason } => problems.push(RowProblem { line, reason }),
            GridRow::Cells { cells, .. } if is_blank_row(&cells) => {}
            GridRow::Cells { cells, .. } if header.is_none() => header = Some(cells),
            GridRow::Cells { line, cells } => rows.push((line, cells)),
        }
    }
    let Some(header) = header else {
        return Err(MetadataError::unreadable(
            path,
            "the sheet is empty; its first row must name the columns",
        ));
    };
    Ok(Grid {
        header,
        rows,
        problems,
    })
}

fn is_blank_row(cells: &[String]) -> bool {
    cells.iter().all(|cell| cell.trim().is_empty())
}

/// Picks the CSV delimiter: a comma unless the header line has none but has tabs
/// (a TSV saved as .csv) or semicolons (Excel in some locales).
fn detect_delimiter(text: &str) -> u8 {
    let header_line = text
        .split(['\r', '\n'])
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default();
    if header_line.contains(',') {
        b','
    } else if header_line.contains('\t') {
        b'\t'
    } else if header_line.contains(';') {
        b';'
    } else {
        b','
    }
}

/// Splits CSV text into rows, numbering them as Excel would show them
/// (blank lines count as rows; a quoted cell with line breaks is one row).
fn read_csv_grid(text: &str) -> Vec<GridRow> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(text))
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut excel_row: usize = 0;
    // Line breaks seen up to the start of the last record, and those inside cells (not rows).
    let mut counted_up_to: usize = 0;
    let mut newlines_before: usize = 0;
    let mut newlines_inside_cells: usize = 0;
    loop {
        let byte_before = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let reported_start = record
                    .position()
                    .map(csv::Position::byte)
                    .unwrap_or(byte_before);
                let start = skip_line_breaks(text, usize::try_from(reported_start).unwrap_or(0));
                newlines_before += count_line_breaks(text, counted_up_to, start);
                counted_up_to = counted_up_to.max(start);
                excel_row = (1 + newlines_before)
                    .saturating_sub(newlines_inside_cells)
                    .max(excel_row + 1);
                newlines_inside_cells += record
                    .iter()
                    .map(|cell| count_line_breaks(cell, 0, cell.len()))
                    .sum::<usize>();
                grid.push(csv_grid_row(excel_row, &record));
            }
            Err(error) => {
                excel_row += 1;
                grid.push(GridRow::Problem {
                    line: excel_row,
                    reason: format!("row {excel_row} cannot be read ({error})"),
                });
                if reader.position().byte() <= byte_before {
                    break;
                }
            }
        }
    }
    grid
}

/// A CSV record as a grid row; one with values beyond [`MAX_COLUMNS`] is a
/// problem (only the columns up to the limit are kept as text).
fn csv_grid_row(line: usize, record: &csv::StringRecord) -> GridRow {
    if record.len() > MAX_COLUMNS
        && record
            .iter()
            .skip(MAX_COLUMNS)
            .any(|cell| !cell.trim().is_empty())
    {
        return GridRow::Problem {
            line,
            reason: too_many_columns(line, record.len()),
        };
    }
    GridRow::Cells {
        line,
        cells: record
            .iter()
            .take(MAX_COLUMNS)
            .map(str::to_string)
            .collect(),
    }
}

fn too_many_columns(line: usize, columns: usize) -> String {
    format!(
        "row {line} has values in {columns} columns, more than the {MAX_COLUMNS} a metadata sheet may have"
    )
}

/// The first byte at or after `offset` that is not a line break.
fn skip_line_breaks(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    let mut position = offset.min(bytes.len());
    while let Some(b'\r' | b'\n') = bytes.get(position) {
        position += 1;
    }
    position
}

/// How many line breaks lie between two byte offsets: `\n`, `\r\n`, or a
/// lone `\r` (the line end of CSV saved by Excel for old Macs).
fn count_line_breaks(text: &str, from: usize, to: usize) -> usize {
    text.as_bytes().get(from..to).map_or(0, |bytes| {
        bytes
            .iter()
            .enumerate()
            .filter(|(at, byte)| {
                **byte == b'\n' || (**byte == b'\r' && bytes.get(at + 1) != Some(&b'\n'))
            })
            .count()
    })
}

/// The used cells of a worksheet, row by row, kept sparse: a workbook whose
/// few cells lie far apart (A1 and XFD1048576) must not become the dense
/// grid between them, which would need hundreds of gigabytes.
#[derive(Default)]
struct SparseRows {
    rows: BTreeMap<u32, SparseRow>,
    cells: usize,
}

/// One worksheet row as collected.
#[derive(Default)]
struct SparseRow {
    /// Text by column (0 = A), up to [`MAX_COLUMNS`].
    texts: Vec<String>,
    /// What the first cell showing an Excel error shows.
    error: Option<String>,
    /// The number of columns when a value lies beyond [`MAX_COLUMNS`].
    too_wide: Option<usize>,
}

impl SparseRows {
    /// Adds the cell at 0-based (`row`, `column`); fails past [`MAX_WORKBOOK_CELLS`].
    fn add(&mut self, row: u32, column: u32, cell: &Data) -> Result<(), String> {
        if matches!(cell, Data::Empty) {
            return Ok(());
        }
        self.cells += 1;
        if self.cells > MAX_WORKBOOK_CELLS {
            return Err(format!(
                "the worksheet has more than {MAX_WORKBOOK_CELLS} cells; a metadata sheet has one row per item"
            ));
        }
        let entry = self.rows.entry(row).or_default();
        let column = usize::try_from(column).unwrap_or(usize::MAX);
        let text = match cell_text(cell) {
            Ok(text) => text,
            Err(shown) => {
                entry.error.get_or_insert(shown);
                return Ok(());
            }
        };
        if column >= MAX_COLUMNS {
            if !text.trim().is_empty() {
                let columns = column.saturating_add(1);
                entry.too_wide = Some(entry.too_wide.unwrap_or(0).max(columns));
            }
            return Ok(());
        }
        if entry.texts.len() <= column {
            entry.texts.resize(column + 1, String::new());
        }
        entry.texts[column] = text;
        Ok(())
    }

    /// The grid, rows numbered as Excel shows them.
    fn into_grid(self) -> Vec<GridRow> {
        self.rows
            .into_iter()
            .map(|(row, cells)| {
                let line = usize::try_from(row).unwrap_or(usize::MAX).saturating_add(1);
                if let Some(shown) = cells.error {
                    return GridRow::Problem {
                        line,
                        reason: format!(
                            "row {line} has a cell showing the Excel error {shown}; fix the formula or type the value"
                        ),
                    };
                }
                if let Some(columns) = cells.too_wide {
                    return GridRow::Problem {
                        line,
                        reason: too_many_columns(line, columns),
                    };
                }
                GridRow::Cells {
                    line,
                    cells: cells.texts,
                }
            })
            .collect()
    }
}

/// Reads the first worksheet of an .xlsx workbook held in memory, one cell
/// at a time.
fn read_xlsx_grid(bytes: Vec<u8>) -> Result<Vec<GridRow>, String> {
    let unreadable =
        |error: calamine::XlsxError| format!("the first worksheet cannot be read ({error})");
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|error| format!("not a readable Excel xlsx workbook ({error})"))?;
    let Some(first) = workbook.sheet_names().into_iter().next() else {
        return Err("the workbook has no worksheet".to_string());
    };
    let mut reader = workbook
        .worksheet_cells_reader(&first)
        .map_err(unreadable)?;
    let mut rows = SparseRows::default();
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        rows.add(row, column, &Data::from(cell.get_value().clone()))?;
    }
    Ok(rows.into_grid())
}

/// Reads the first worksheet of an .xls workbook held in memory (the old
/// format's own limits, 65 536 rows of 256 columns, bound its grid).
fn read_xls_grid(bytes: Vec<u8>) -> Result<Vec<GridRow>, String> {
    let mut workbook: Xls<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|error| format!("not a readable Excel xls workbook ({error})"))?;
    let range = match workbook.worksheet_range_at(0) {
        None => return Err("the workbook has no worksheet".to_string()),
        Some(Err(error)) => {
            return Err(format!("the first worksheet cannot be read ({error})"));
        }
        Some(Ok(range)) => range,
    };
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let mut rows = SparseRows::default();
    for (row, column, cell) in range.used_cells() {
        let row = first_row.saturating_add(u32::try_from(row).unwrap_or(u32::MAX));
        let column = first_column.saturating_add(u32::try_from(column).unwrap_or(u32::MAX));
        rows.add(row, column, cell)?;
    }
    Ok(rows.into_grid())
}

/// The text of a workbook cell as a librarian would expect to see it:
/// whole numbers without `.0`, dates as `YYYY-MM-DD`. An Excel error
/// (`#REF!` …) is returned as `Err` with what the cell shows.
fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::Int(number) => number.to_string(),
        Data::Float(number) => format_number(*number),
        Data::Bool(value) => value.to_string(),
        Data::DateTime(date_time) => {
            let (year, month, day, hour, minute, second, _milli) = date_time.to_ymd_hms_milli();
            let serial = date_time.as_f64();
            if date_time.is_duration() {
                let total_seconds = (serial * 86_400.0).round() as i64;
                format!(
                    "{}:{:02}:{:02}",
                    total_seconds / 3600,
                    (total_seconds / 60) % 60,
                    total_seconds % 60
                )
            } else if serial.fract() == 0.0 {
                format!("{year:04}-{month:02}-{day:02}")
            } else if serial.abs() < 1.0 {
                format!("{hour:02}:{minute:02}:{second:02}")
            } else {
                format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
            }
        }
        Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Error(error) => return Err(error.to_string()),
    })
}

/// Whole numbers without a decimal point (1958, not 1958.0); others as Rust prints them.
fn format_number(number: f64) -> String {
    if number.is_finite() && number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        number.to_string()
    }
}

/// Turns a grid into a sheet: finds the header, maps columns, describes rows.
fn describe_grid(path: &Path, grid: Vec<GridRow>) -> Result<Sheet, MetadataError> {
    let mut rows = grid.into_iter();
    let mut problems = Vec::new();
    let header = loop {
        match rows.next() {
            None => {
                return Err(MetadataError::unreadable(
                    path,
                    "the sheet is empty; its first row must name the columns, e.g. file, 题名, 日期",
                ));
            }
            Some(GridRow::Problem { line, reason }) => problems.push(RowProblem { line, reason }),
            Some(GridRow::Cells { cells, .. }) if is_blank_row(&cells) => {}
            Some(GridRow::Cells { cells, .. }) => break cells,
        }
    };
    let roles: Vec<Option<ColumnRole>> = header
        .iter()
        .map(|text| ColumnRole::from_header(text))
        .collect();
    if !roles.iter().flatten().any(ColumnRole::is_recognised) {
        let shown: Vec<&str> = header
            .iter()
            .map(|text| text.trim())
            .filter(|text| !text.is_empty())
            .take(8)
            .collect();
        return Err(MetadataError::unreadable(
            path,
            format!(
                "no column header is recognised (the first row reads: {}); name the columns, e.g. file/文件, title/题名, date/日期",
                shown.join(", ")
            ),
        ));
    }
    let mut described = Vec::new();
    for row in rows {
        let (line, cells) = match row {
            GridRow::Problem { line, reason } => {
                problems.push(RowProblem { line, reason });
                continue;
            }
            GridRow::Cells { line, cells } => (line, cells),
        };
        if is_blank_row(&cells) {
            continue;
        }
        if cells.len() > header.len() && !is_blank_row(&cells[header.len()..]) {
            problems.push(RowProblem {
                line,
                reason: format!(
                    "row {line} has {} fields, the header has {}; a value probably contains the separator without quotes",
                    cells.len(),
                    header.len()
                ),
            });
            continue;
        }
        match describe_row(line, &roles, cells) {
            Ok(sheet_row) => described.push(sheet_row),
            Err(reason) => problems.push(RowProblem { line, reason }),
        }
    }
    problems.sort_by_key(|problem| problem.line);
    Ok(Sheet {
        path: path.to_path_buf(),
        rows: described,
        problems,
    })
}

/// Describes one non-blank row; fails with a reason (e.g. an unknown access level).
fn describe_row(
    line: usize,
    roles: &[Option<ColumnRole>],
    cells: Vec<String>,
) -> Result<SheetRow, String> {
    let mut description = Description::default();
    let mut file = None;
    for (role, cell) in roles.iter().zip(cells) {
        let Some(role) = role else { continue };
        if *role == ColumnRole::File {
            let trimmed = cell.trim();
            if file.is_none() && !trimmed.is_empty() {
                file = Some(trimmed.to_string());
            }
            continue;
        }
        description
            .apply(role, FieldValue::Text(cell))
            .map_err(|reason| format!("row {line}: {reason}"))?;
    }
    Ok(SheetRow {
        line,
        file,
        metadata: description.metadata,
        institution: description.institution,
        collection: description.collection,
        access: description.access,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use std::io::Write;

    use calamine::{ExcelDateTime, ExcelDateTimeType};
    use wenyuan_index::model::DcElement;

    use super::*;

    fn write_file(directory: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = directory.join(name);
        std::fs::write(&path, bytes).expect("write test file");
        path
    }

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|value| value.to_string()).collect()
    }

    #[test]
    fn utf8_csv_with_bom_and_english_headers() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(
            "file,title,subject,Access\nscans/0001.tif,\"Map of Xi'an, 1958\",maps; city,public\n"
                .as_bytes(),
        );
        let path = write_file(directory.path(), "metadata.csv", &bytes);
        let sheet = read_sheet(&path).expect("sheet reads");
        assert_eq!(sheet.problems, vec![]);
        assert_eq!(sheet.rows.len(), 1);
        let row = &sheet.rows[0];
        assert_eq!(row.line, 2);
        assert_eq!(row.file.as_deref(), Some("scans/0001.tif"));
        assert_eq!(
            row.metadata.values(DcElement::Title),
            strings(&["Map of Xi'an, 1958"])
        );
        assert_eq!(
            row.metadata.values(DcElement::Subject),
            strings(&["maps", "city"])
        );
        assert_eq!(row.access, Some(AccessLevel::Public));
        assert!(
            row.metadata.extra.is_empty(),
            "access is not an extra field"
        );
    }

    #[test]
    fn utf8_csv_without_bom_with_multiline_cell_and_blank_lines() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let text = "文件,题名,描述\r\na.jpg,甲,\"第一行\r\n第二行\"\r\n\r\n,,\r\nb.jpg,乙,\r\n";
        let path = write_file(directory.path(), "metadata.csv", text.as_bytes());
        let sheet = read_sheet(&path).expect("sheet reads");
        assert_eq!(sheet.problems, vec![]);
        let lines: Vec<usize> = sheet.rows.iter().map(|row| row.line).collect();
        // Excel shows: 1 header, 2 a.jpg (two-line cell), 3 blank, 4 empty cells, 5 b.jpg.
        assert_eq!(lines, vec![2, 5]);
        assert_eq!(
            sheet.rows[0].metadata.first(DcElement::Description),
            Some("第一行\r\n第二行")
        );
        assert_eq!(sheet.rows[1].file.as_deref(), Some("b.jpg"));
    }

    #[test]
    fn gbk_csv_with_chinese_headers() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let text = "文件,题名,责任者,主题,日期,材质,机构,藏品集,访问级别\r\n\
                    碑林/0001.jpg,西安碑林拓片,佚名；碑林博物馆,碑刻；拓片；书法,1958,宣纸,beilin,rubbings,仅元数据\r\n";
        let (bytes, _, had_errors) = encoding_rs::GBK.encode(text);
        assert!(!had_errors);
        let path = write_file(directory.path(), "metadata.csv", &bytes);
        let sheet = read_sheet(&path).expect("sheet reads");
        assert_eq!(sheet.problems, vec![]);
        assert_eq!(sheet.rows.len(), 1);
        let row = &sheet.rows[0];
        assert_eq!(row.file.as_deref(), Some("碑林/0001.jpg"));
        assert_eq!(
            row.metadata.values(DcElement::Title),
            strings(&["西安碑林拓片"])
        );
        assert_eq!(
            row.metadata.values(DcElement::Creator),
            strings(&["佚名", "碑林博物馆"])
        );
        assert_eq!(
            row.metadata.values(DcElement::Subject),
            strings(&["碑刻", "拓片", "书法"])
        );
        assert_eq!(row.metadata.first(DcElement::Date), Some("1958"));
        assert_eq!(row.metadata.extra.get("材质"), Some(&strings(&["宣纸"])));
        assert_eq!(row.institution.as_deref(), Some("beilin"));
        assert_eq!(row.collection.as_deref(), Some("rubbings"));
        assert_eq!(row.access, Some(AccessLevel::MetadataOnly));
    }

    #[test]
    fn broken_rows_are_problems_and_the_rest_is_read() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let text = "file,title,date,access,材质\n\
                    a.jpg,A,1950,public,纸\n\
                    b.jpg,B,1951,maybe,纸\n\
                    c.jpg,C, 1952, public,纸,extra,more\n\
                    d.jpg,D\n\
                    e.jpg,E,1953,,,,\n";
        let path = write_file(directory.path(), "metadata.csv", text.as_bytes());
        let sheet = read_sheet(&path).expect("sheet reads");
        let files: Vec<&str> = sheet
            .rows
            .iter()
            .filter_map(|row| row.file.as_deref())
            .collect();
        assert_eq!(files, vec!["a.jpg", "d.jpg", "e.jpg"]);
        assert_eq!(sheet.problems.len(), 2);
        assert_eq!(sheet.problems[0].line, 3);
        assert!(
            sheet.problems[0]
                .reason
                .starts_with("row 3: access level 'maybe' is not known"),
            "{}",
            sheet.problems[0].reason
        );
        assert_eq!(sheet.problems[1].line, 4);
        assert!(
            sheet.problems[1]
                .reason
                .starts_with("row 4 has 7 fields, the header has 5"),
            "{}",
            sheet.problems[1].reason
        );
        assert_eq!(sheet.rows[1].line, 5);
        assert_eq!(sheet.rows[1].metadata.first(DcElement::Title), Some("D"));
        assert_eq!(sheet.rows[1].metadata.first(DcElement::Date), None);
    }

    /// Issue #7 (fuzzed): with the lone `\r` line ends of Excel's
    /// "CSV (Macintosh)", blank lines did not count, so later rows were
    /// reported a row too early, and the separator was guessed from the
    /// whole file instead of its first line.
    #[test]
    fn classic_mac_line_ends_number_rows_as_excel_does() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let text = "file\ttitle\r\ra.jpg\tA, B\r\"b\r.jpg\"\tB\rc.jpg\tC\r";
        let path = write_file(directory.path(), "metadata.csv", text.as_bytes());
        let sheet = read_sheet(&path).expect("sheet reads");
        assert_eq!(sheet.problems, vec![]);
        let lines: Vec<usize> = sheet.rows.iter().map(|row| row.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert_eq!(sheet.rows[0].metadata.first(DcElement::Title), Some("A, B"));
    }

    #[test]
    fn tab_separated_text_saved_as_csv() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let text = "文件\t题名\t主题\na.jpg\t甲, 乙\t书法；碑刻\n";
        let path = write_file(directory.path(), "metadata.xls", text.as_bytes());
        let sheet = read_sheet(&path).expect("sheet reads");
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(
            sheet.rows[0].metadata.first(DcElement::Title),
            Some("甲, 乙")
        );
        assert_eq!(
            sheet.rows[0].metadata.values(DcElement::Subject),
            strings(&["书法", "碑刻"])
        );
    }

    #[test]
    fn empty_header_cells_are_ignored_columns() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let text = "file,,title\na.jpg,ignored,A\n";
        let path = write_file(directory.path(), "metadata.csv", text.as_bytes());
        let sheet = read_sheet(&path).expect("sheet reads");
        assert_eq!(sheet.rows[0].metadata.first(DcElement::Title), Some("A"));
        assert!(sheet.rows[0].metadata.extra.is_empty());
    }

    #[test]
    fn empty_sheet_and_unrecognised_headers_fail_as_a_whole() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let empty = write_file(directory.path(), "empty.csv", b"\n\n,,\n");
        let error = read_sheet(&empty).expect_err("an empty sheet fails");
        assert!(error.to_string().contains("the sheet is empty"), "{error}");

        let headerless = write_file(
            directory.path(),
            "metadata.csv",
            "IMG_0001.jpg,西湖春景,1985\nIMG_0002.jpg,断桥,1986\n".as_bytes(),
        );
        let error = read_sheet(&headerless).expect_err("a sheet without headers fails");
        let message = error.to_string();
        assert!(
            message.contains("no column header is recognised"),
            "{message}"
        );
        assert!(message.contains("IMG_0001.jpg"), "{message}");
    }

    #[test]
    fn a_fake_xlsx_is_an_error_not_a_panic() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let path = write_file(
            directory.path(),
            "metadata.xlsx",
            b"PK\x03\x04 this is not really a zip file",
        );
        let error = read_sheet(&path).expect_err("a broken workbook fails");
        assert!(
            error
                .to_string()
                .contains("not a readable Excel xlsx workbook"),
            "{error}"
        );
    }

    /// A minimal .xlsx: one sheet of inline strings and numbers, no shared
    /// strings, no styles; its parts deflated or stored (the fuzz tests use both).
    pub(in crate::metadata) fn minimal_xlsx(sheet_rows: &str, compressed: bool) -> Vec<u8> {
        let parts = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"#
                    .to_string(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"#
                    .to_string(),
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="目录" sheetId="1" r:id="rId1"/></sheets>
</workbook>"#
                    .to_string(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"#
                    .to_string(),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_rows}</sheetData></worksheet>"#
                ),
            ),
        ];
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let method = if compressed {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, content) in parts {
            writer.start_file(name, options).expect("zip entry");
            writer.write_all(content.as_bytes()).expect("zip write");
        }
        writer.finish().expect("zip finish").into_inner()
    }

    fn inline(reference: &str, text: &str) -> String {
        format!(r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    #[test]
    fn xlsx_first_sheet_with_inline_strings_and_numbers() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let rows = format!(
            r#"<row r="1">{}{}{}{}{}</row><row r="2">{}{}<c r="C2"><v>1958</v></c>{}<c r="E2"><v>12.5</v></c></row><row r="4">{}{}</row>"#,
            inline("A1", "文件"),
            inline("B1", "题名"),
            inline("C1", "日期"),
            inline("D1", "主题"),
            inline("E1", "尺寸"),
            inline("A2", "拓片/0001.tif"),
            inline("B2", "西安碑林拓片"),
            inline("D2", "碑刻；拓片"),
            inline("A4", "拓片/0002.tif"),
            inline("B4", "昭陵六骏"),
        );
        let path = write_file(
            directory.path(),
            "metadata.xlsx",
            &minimal_xlsx(&rows, false),
        );
        let sheet = read_sheet(&path).expect("xlsx reads");
        assert_eq!(sheet.problems, vec![]);
        assert_eq!(sheet.rows.len(), 2);
        let first = &sheet.rows[0];
        assert_eq!(first.line, 2);
        assert_eq!(first.file.as_deref(), Some("拓片/0001.tif"));
        assert_eq!(first.metadata.first(DcElement::Date), Some("1958"));
        assert_eq!(
            first.metadata.values(DcElement::Subject),
            strings(&["碑刻", "拓片"])
        );
        assert_eq!(first.metadata.extra.get("尺寸"), Some(&strings(&["12.5"])));
        assert_eq!(sheet.rows[1].line, 4, "row numbers as Excel shows them");
        assert_eq!(
            sheet.rows[1].metadata.first(DcElement::Title),
            Some("昭陵六骏")
        );
    }

    #[test]
    fn xlsx_error_cells_make_a_row_problem() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let rows = format!(
            r##"<row r="1">{}{}</row><row r="2">{}<c r="B2" t="e"><v>#REF!</v></c></row><row r="3">{}{}</row>"##,
            inline("A1", "file"),
            inline("B1", "title"),
            inline("A2", "a.jpg"),
            inline("A3", "b.jpg"),
            inline("B3", "B"),
        );
        let path = write_file(
            directory.path(),
            "metadata.xlsx",
            &minimal_xlsx(&rows, false),
        );
        let sheet = read_sheet(&path).expect("xlsx reads");
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(sheet.rows[0].file.as_deref(), Some("b.jpg"));
        assert_eq!(sheet.problems.len(), 1);
        assert_eq!(sheet.problems[0].line, 2);
        assert!(sheet.problems[0].reason.contains("#REF!"));
    }

    /// Issue #7 (fuzzed): a 2 KB workbook with a cell in A1 and one in
    /// XFD1048576, the last cell Excel has, made the reader allocate the
    /// dense grid between them (512 GiB) and abort the whole ingest.
    #[test]
    fn far_apart_cells_are_not_a_memory_bomb() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let rows = format!(
            r#"<row r="1">{}{}</row><row r="2">{}{}</row><row r="1048576">{}</row>"#,
            inline("A1", "file"),
            inline("B1", "title"),
            inline("A2", "a.jpg"),
            inline("B2", "A"),
            inline("XFD1048576", "far"),
        );
        let path = write_file(
            directory.path(),
            "metadata.xlsx",
            &minimal_xlsx(&rows, false),
        );
        let sheet = read_sheet(&path).expect("xlsx reads");
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(sheet.rows[0].file.as_deref(), Some("a.jpg"));
        assert_eq!(sheet.problems.len(), 1);
        assert_eq!(sheet.problems[0].line, 1_048_576);
        assert!(
            sheet.problems[0]
                .reason
                .starts_with("row 1048576 has values in 16384 columns"),
            "{}",
            sheet.problems[0].reason
        );
    }

    /// A CSV row of a million separators keeps only the columns a sheet may have.
    #[test]
    fn a_row_wider_than_any_sheet_is_a_problem() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let text = format!(
            "file,title\na.jpg,A{}\nb.jpg,B{}x\n",
            ",".repeat(1_000_000),
            ",".repeat(1_000_000)
        );
        let path = write_file(directory.path(), "metadata.csv", text.as_bytes());
        let sheet = read_sheet(&path).expect("sheet reads");
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(sheet.rows[0].file.as_deref(), Some("a.jpg"));
        assert_eq!(sheet.problems.len(), 1);
        assert!(
            sheet.problems[0]
                .reason
                .starts_with("row 3 has values in 1000002 columns"),
            "{}",
            sheet.problems[0].reason
        );
    }

    #[test]
    fn workbook_cells_read_as_a_librarian_expects() {
        assert_eq!(cell_text(&Data::Float(1958.0)), Ok("1958".to_string()));
        assert_eq!(cell_text(&Data::Float(0.25)), Ok("0.25".to_string()));
        assert_eq!(cell_text(&Data::Int(-3)), Ok("-3".to_string()));
        let date = ExcelDateTime::new(25569.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(
            cell_text(&Data::DateTime(date)),
            Ok("1970-01-01".to_string())
        );
        let date_time = ExcelDateTime::new(45943.5, ExcelDateTimeType::DateTime, false);
        assert_eq!(
            cell_text(&Data::DateTime(date_time)),
            Ok("2025-10-13 12:00:00".to_string())
        );
        assert!(cell_text(&Data::Error(calamine::CellErrorType::Div0)).is_err());
    }
}
