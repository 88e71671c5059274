//! Hostile input for every reader of side files (issue #7, "Hostile input
//! (fuzzed)"): property tests over arbitrary bytes and over generated
//! sheets, workbooks, JSON sidecars, hOCR and ALTO, plus the classic
//! attacks on XML and JSON readers (entity expansion, deep nesting, huge
//! attributes) as plain tests.
//!
//! Properties: nothing panics; every read finishes within a time bound and
//! gives a result or a clear error; a sheet never loses a valid row because
//! a neighbouring row is bad, and numbers rows as Excel shows them; OCR
//! words are whole and found in the text. CI runs the case counts below;
//! `WENYUAN_FUZZ_SCALE=20` runs twenty times as many. Failing inputs
//! proptest finds are kept in `ingest/proptest-regressions/` and replayed
//! first on every run.

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;
use wenyuan_index::model::{AccessLevel, DcElement, split_multi};

use super::ocr::{read_alto, read_hocr, read_plain_text};
use super::sheet::tests::minimal_xlsx;
use super::sheet::{Sheet, sheet_from_bytes};
use super::sidecar::description_from_bytes;
use super::{MetadataError, OcrText};

/// Cases per property in CI, multiplied by `WENYUAN_FUZZ_SCALE`.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: wenyuan_index::testing::fuzz_cases(cases),
        ..ProptestConfig::default()
    }
}

/// Longest one read of a small side file may take in a debug build.
const READ_BUDGET: Duration = Duration::from_secs(5);

/// Runs `read`, failing the case when it takes longer than [`READ_BUDGET`].
fn timed<T>(what: &str, read: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    let started = Instant::now();
    let result = read();
    let elapsed = started.elapsed();
    prop_assert!(elapsed < READ_BUDGET, "{what} took {elapsed:?}");
    Ok(result)
}

/// A sheet's bytes read as the ingest reads them.
fn read(bytes: Vec<u8>) -> Result<Sheet, MetadataError> {
    sheet_from_bytes(Path::new("metadata.csv"), bytes)
}

/// Bytes that are mostly arbitrary, sometimes behind a plausible start.
fn hostile_bytes(starts: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> {
    let raw = prop::collection::vec(any::<u8>(), 0..2048);
    let prefixed =
        (select(starts), prop::collection::vec(any::<u8>(), 0..2048)).prop_map(|(start, rest)| {
            let mut bytes = start.to_vec();
            bytes.extend(rest);
            bytes
        });
    prop_oneof![raw, prefixed]
}

// ---------- sheets: CSV ----------

/// Characters of cells: separators, quotes, line breaks, CJK (all in GBK).
const CELL_CHARS: &[&str] = &[
    "a", "Z", "0", "9", " ", ",", "\"", "\n", "\r\n", ";", "；", "\t", "'", "碑", "林", "拓", "片",
    "西", "安", "·", "—", "（", "）", "、", "。",
];

fn cell_text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::collection::vec(select(CELL_CHARS), 0..12).prop_map(|pieces| pieces.concat()),
        1 => (select(CELL_CHARS), 1000..20_000usize).prop_map(|(piece, count)| piece.repeat(count)),
    ]
}

/// One line of a generated sheet after the header.
#[derive(Debug, Clone)]
enum SheetLine {
    /// A row that must be read: its title and access cells.
    Valid { title: String, access: &'static str },
    /// More non-empty fields than the header has.
    TooManyFields { extra: String },
    /// An access level nobody knows.
    BadAccess,
    /// An empty line.
    Blank,
    /// Separators only.
    EmptyCells,
}

fn sheet_line() -> impl Strategy<Value = SheetLine> {
    let access = select(&["", "public", "公开", "restricted", "仅元数据", " Public "][..]);
    prop_oneof![
        6 => (cell_text(), access).prop_map(|(title, access)| SheetLine::Valid { title, access }),
        1 => "[a-z碑林]{1,6}".prop_map(|extra| SheetLine::TooManyFields { extra }),
        1 => Just(SheetLine::BadAccess),
        1 => Just(SheetLine::Blank),
        1 => Just(SheetLine::EmptyCells),
    ]
}

/// How the CSV file is written.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    Utf8,
    Utf8Bom,
    Gbk,
}

#[derive(Debug, Clone)]
struct CsvSheet {
    chinese_headers: bool,
    delimiter: char,
    line_end: &'static str,
    encoding: Encoding,
    leading_blank_lines: usize,
    quote_always: bool,
    lines: Vec<SheetLine>,
}

fn csv_sheet() -> impl Strategy<Value = CsvSheet> {
    (
        any::<bool>(),
        select(&[',', '\t', ';'][..]),
        select(&["\n", "\r\n", "\r"][..]),
        select(&[Encoding::Utf8, Encoding::Utf8Bom, Encoding::Gbk][..]),
        0..3usize,
        any::<bool>(),
        prop::collection::vec(sheet_line(), 0..30),
    )
        .prop_map(
            |(chinese_headers, delimiter, line_end, encoding, leading, quote_always, lines)| {
                CsvSheet {
                    chinese_headers,
                    delimiter,
                    line_end,
                    encoding,
                    leading_blank_lines: leading,
                    quote_always,
                    lines,
                }
            },
        )
}

impl CsvSheet {
    /// The file name of line `index` (0 = first line after the header).
    fn file_of(index: usize) -> String {
        format!("scans/f{index:03}.jpg")
    }

    /// Excel's row number of line `index`.
    fn excel_row(&self, index: usize) -> usize {
        self.leading_blank_lines + 2 + index
    }

    fn cell(&self, text: &str) -> String {
        let needs_quotes = text.contains(self.delimiter)
            || text.contains(['"', '\n', '\r'])
            || text.starts_with(' ')
            || text.ends_with(' ');
        if needs_quotes || self.quote_always {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    }

    fn row(&self, cells: &[&str]) -> String {
        let cells: Vec<String> = cells.iter().map(|cell| self.cell(cell)).collect();
        cells.join(&self.delimiter.to_string())
    }

    fn bytes(&self) -> Vec<u8> {
        let header: &[&str] = if self.chinese_headers {
            &["文件", "题名", "访问级别", "备注"]
        } else {
            &["file", "title", "access", "note"]
        };
        let mut text = self.line_end.repeat(self.leading_blank_lines);
        text.push_str(&header.join(&self.delimiter.to_string()));
        for (index, line) in self.lines.iter().enumerate() {
            text.push_str(self.line_end);
            let file = Self::file_of(index);
            let empty = self.delimiter.to_string().repeat(3);
            text.push_str(&match line {
                SheetLine::Valid { title, access } => self.row(&[&file, title, access, "备注"]),
                SheetLine::TooManyFields { extra } => self.row(&[&file, "T", "", "", extra]),
                SheetLine::BadAccess => self.row(&[&file, "T", "maybe", ""]),
                SheetLine::Blank => String::new(),
                SheetLine::EmptyCells => empty,
            });
        }
        text.push_str(self.line_end);
        match self.encoding {
            Encoding::Utf8 => text.into_bytes(),
            Encoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            Encoding::Gbk => encoding_rs::GBK.encode(&text).0.into_owned(),
        }
    }
}

/// Checks a sheet read from generated lines: every valid row there with
/// its values and Excel row number, every bad row a problem on its row.
fn check_sheet_lines(
    sheet: &Sheet,
    lines: &[SheetLine],
    excel_row: impl Fn(usize) -> usize,
) -> Result<(), TestCaseError> {
    let mut rows = sheet.rows.iter();
    let mut problem_lines: Vec<usize> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        match line {
            SheetLine::Valid { title, access } => {
                let row = rows.next();
                prop_assert!(row.is_some(), "row {} is missing", excel_row(index));
                let row = row.unwrap();
                prop_assert_eq!(row.line, excel_row(index));
                prop_assert_eq!(row.file.clone(), Some(CsvSheet::file_of(index)));
                prop_assert_eq!(
                    row.metadata.values(DcElement::Title),
                    &split_multi(title)[..]
                );
                let expected_access = match access.trim() {
                    "" => None,
                    "public" | "Public" | "公开" => Some(AccessLevel::Public),
                    "restricted" => Some(AccessLevel::Restricted),
                    _ => Some(AccessLevel::MetadataOnly),
                };
                prop_assert_eq!(row.access, expected_access);
            }
            SheetLine::TooManyFields { .. } | SheetLine::BadAccess => {
                problem_lines.push(excel_row(index));
            }
            SheetLine::Blank | SheetLine::EmptyCells => {}
        }
    }
    prop_assert!(rows.next().is_none(), "rows nobody wrote: {:?}", sheet.rows);
    let found: Vec<usize> = sheet.problems.iter().map(|problem| problem.line).collect();
    prop_assert_eq!(found, problem_lines, "{:?}", sheet.problems);
    for problem in &sheet.problems {
        let prefix = format!("row {}", problem.line);
        prop_assert!(problem.reason.starts_with(&prefix), "{}", problem.reason);
    }
    Ok(())
}

// ---------- sheets: XLSX ----------

/// One cell of a generated worksheet.
#[derive(Debug, Clone)]
enum XlsxCell {
    Text(String),
    Number(f64),
    Bool(bool),
    Error(&'static str),
    Empty,
}

/// A generated worksheet row after the header: its row number gap and cells.
#[derive(Debug, Clone)]
struct XlsxRow {
    gap: u32,
    title: XlsxCell,
    note: XlsxCell,
    /// A value far to the right (column XFD, the last Excel has), or none.
    far: bool,
}

fn xlsx_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        select(
            &[
                "a", "Z", "7", " ", ";", "；", "&", "<", ">", "\"", "'", "碑", "林", "ß",
            ][..],
        ),
        1..12,
    )
    .prop_map(|pieces| pieces.concat())
}

fn xlsx_cell() -> impl Strategy<Value = XlsxCell> {
    prop_oneof![
        6 => xlsx_text().prop_map(XlsxCell::Text),
        2 => prop_oneof![
            any::<f64>().prop_filter("finite", |n| n.is_finite()),
            Just(1958.0),
            Just(-0.0),
            Just(1e300),
            Just(45943.5),
        ].prop_map(XlsxCell::Number),
        1 => any::<bool>().prop_map(XlsxCell::Bool),
        1 => select(&["#REF!", "#DIV/0!", "#N/A", "#VALUE!"][..]).prop_map(XlsxCell::Error),
        1 => Just(XlsxCell::Empty),
    ]
}

fn xlsx_rows() -> impl Strategy<Value = Vec<XlsxRow>> {
    prop::collection::vec(
        (
            1..4u32,
            xlsx_cell(),
            xlsx_cell(),
            prop::bool::weighted(0.05),
        )
            .prop_map(|(gap, title, note, far)| XlsxRow {
                gap,
                title,
                note,
                far,
            }),
        0..25,
    )
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn xlsx_cell_xml(reference: &str, cell: &XlsxCell) -> String {
    match cell {
        XlsxCell::Text(text) => format!(
            r#"<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
            escape_xml(text)
        ),
        XlsxCell::Number(number) => format!(r#"<c r="{reference}"><v>{number:?}</v></c>"#),
        XlsxCell::Bool(value) => {
            format!(
                r#"<c r="{reference}" t="b"><v>{}</v></c>"#,
                u8::from(*value)
            )
        }
        XlsxCell::Error(shown) => format!(r#"<c r="{reference}" t="e"><v>{shown}</v></c>"#),
        XlsxCell::Empty => String::new(),
    }
}

/// The Excel row number of each generated row.
fn xlsx_row_numbers(rows: &[XlsxRow]) -> Vec<usize> {
    let mut number = 1;
    rows.iter()
        .map(|row| {
            number += row.gap as usize;
            number
        })
        .collect()
}

fn xlsx_sheet_xml(rows: &[XlsxRow]) -> String {
    let mut xml = String::from(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>file</t></is></c><c r="B1" t="inlineStr"><is><t>title</t></is></c><c r="C1" t="inlineStr"><is><t>note</t></is></c></row>"#,
    );
    for (index, (row, number)) in rows.iter().zip(xlsx_row_numbers(rows)).enumerate() {
        xml.push_str(&format!(
            r#"<row r="{number}">{}{}{}</row>"#,
            xlsx_cell_xml(
                &format!("A{number}"),
                &XlsxCell::Text(CsvSheet::file_of(index))
            ),
            xlsx_cell_xml(&format!("B{number}"), &row.title),
            xlsx_cell_xml(&format!("C{number}"), &row.note),
        ));
        if row.far {
            let far = xlsx_cell_xml(&format!("XFD{number}"), &XlsxCell::Text("far".into()));
            xml.insert_str(xml.len() - "</row>".len(), &far);
        }
    }
    xml
}

/// A change to a file's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(prop::sample::Index),
    Flip(prop::sample::Index, u8),
    Overwrite(prop::sample::Index, Vec<u8>),
    Insert(prop::sample::Index, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        (any::<prop::sample::Index>(), 1..=255u8).prop_map(|(at, bits)| Mutation::Flip(at, bits)),
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(at, bytes)| Mutation::Overwrite(at, bytes)),
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for change in mutations {
        if bytes.is_empty() {
            break;
        }
        match change {
            Mutation::Truncate(at) => bytes.truncate(at.index(bytes.len())),
            Mutation::Flip(at, bits) => {
                let at = at.index(bytes.len());
                bytes[at] ^= bits;
            }
            Mutation::Overwrite(at, new) => {
                let at = at.index(bytes.len());
                let end = (at + new.len()).min(bytes.len());
                bytes[at..end].copy_from_slice(&new[..end - at]);
            }
            Mutation::Insert(at, new) => {
                let at = at.index(bytes.len());
                bytes.splice(at..at, new.iter().copied());
            }
        }
    }
    bytes
}

// ---------- JSON sidecars ----------

const SIDECAR_KEYS: &[&str] = &[
    "title",
    "题名",
    "creator",
    "subject",
    "date",
    "file",
    "access",
    "开放级别",
    "机构",
    "collection",
    "材质",
    "",
    " ",
    "\u{feff}title",
];

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(SIDECAR_KEYS).prop_map(str::to_string),
        1 => "\\PC{0,10}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::String),
        select(&["public", "公开", "受限", "半公开", ""][..]).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(json_key(), inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn json_object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(json_key(), json_value(), 0..10)
        .prop_map(|map| Value::Object(map.into_iter().collect()))
}

// ---------- OCR ----------

/// Numbers as OCR files write them, and as they should not.
const COORDINATES: &[&str] = &[
    "0",
    "1",
    "100",
    "2480",
    "1.5",
    "-1",
    "-0",
    "4294967295",
    "4294967296",
    "1e400",
    "1e-400",
    "NaN",
    "inf",
    "-inf",
    "",
    "x",
    "99999999999999999999999",
    "0x10",
    " 7 ",
];

/// A node of a generated hOCR or ALTO tree.
#[derive(Debug, Clone)]
enum XmlNode {
    Element {
        name: &'static str,
        attributes: Vec<(&'static str, String)>,
        children: Vec<XmlNode>,
    },
    Text(String),
    Entity(&'static str),
    CData(String),
}

impl XmlNode {
    fn write(&self, out: &mut String) {
        match self {
            XmlNode::Element {
                name,
                attributes,
                children,
            } => {
                out.push('<');
                out.push_str(name);
                for (key, value) in attributes {
                    out.push_str(&format!(" {key}=\"{}\"", escape_xml(value)));
                }
                if children.is_empty() {
                    out.push_str("/>");
                    return;
                }
                out.push('>');
                for child in children {
                    child.write(out);
                }
                out.push_str(&format!("</{name}>"));
            }
            XmlNode::Text(text) => out.push_str(&escape_xml(text)),
            XmlNode::Entity(entity) => out.push_str(entity),
            XmlNode::CData(text) => {
                out.push_str(&format!("<![CDATA[{}]]>", text.replace("]]>", "")))
            }
        }
    }
}

const ENTITIES: &[&str] = &[
    "&amp;",
    "&lt;",
    "&#20013;",
    "&#x4E2D;",
    "&nbsp;",
    "&unknown;",
    "&#0;",
    "&#xFFFFFFFF;",
    "&#99999999999;",
    "&",
    "&;",
    "&#;",
];

fn ocr_text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z 中国碑林\t\n]{0,12}", "\\PC{0,12}",]
}

fn hocr_tree() -> impl Strategy<Value = XmlNode> {
    let class = select(
        &[
            "ocr_page",
            "ocr_par",
            "ocr_line",
            "ocrx_line",
            "ocr_caption",
            "ocrx_word",
            "ocrx_word ocr_line",
            "",
            "OCRX_WORD",
        ][..],
    );
    let title = prop_oneof![
        (
            select(COORDINATES),
            select(COORDINATES),
            select(COORDINATES),
            select(COORDINATES)
        )
            .prop_map(|(a, b, c, d)| format!("bbox {a} {b} {c} {d}; x_wconf 95")),
        "\\PC{0,30}",
    ];
    let leaf = prop_oneof![
        4 => ocr_text().prop_map(XmlNode::Text),
        1 => select(ENTITIES).prop_map(XmlNode::Entity),
        1 => ocr_text().prop_map(XmlNode::CData),
    ];
    leaf.prop_recursive(6, 80, 6, move |inner| {
        (
            select(&["span", "div", "p", "strong", "br"][..]),
            class.clone(),
            title.clone(),
            prop::collection::vec(inner, 0..6),
        )
            .prop_map(|(name, class, title, children)| XmlNode::Element {
                name,
                attributes: vec![("class", class.to_string()), ("title", title)],
                children,
            })
    })
}

fn alto_tree() -> impl Strategy<Value = XmlNode> {
    let string = (
        ocr_text(),
        prop::collection::vec(
            (
                select(&["HPOS", "VPOS", "WIDTH", "HEIGHT"][..]),
                select(COORDINATES).prop_map(str::to_string),
            ),
            0..5,
        ),
    )
        .prop_map(|(content, mut coordinates)| {
            coordinates.push(("CONTENT", content));
            XmlNode::Element {
                name: "String",
                attributes: coordinates,
                children: Vec::new(),
            }
        });
    let leaf = prop_oneof![
        4 => string,
        1 => ocr_text().prop_map(XmlNode::Text),
        1 => select(ENTITIES).prop_map(XmlNode::Entity),
    ];
    let tree = leaf.prop_recursive(6, 80, 6, |inner| {
        (
            select(
                &[
                    "TextLine",
                    "TextBlock",
                    "PrintSpace",
                    "Page",
                    "SP",
                    "Layout",
                ][..],
            ),
            prop::collection::vec(inner, 0..6),
        )
            .prop_map(|(name, children)| XmlNode::Element {
                name,
                attributes: Vec::new(),
                children,
            })
    });
    prop::collection::vec(tree, 0..4).prop_map(|children| XmlNode::Element {
        name: "alto",
        attributes: vec![("xmlns", "http://www.loc.gov/standards/alto/ns-v3#".into())],
        children,
    })
}

/// OCR output is whole words, each of them in the text.
fn check_ocr(ocr: &OcrText) -> Result<(), TestCaseError> {
    for word in &ocr.words {
        prop_assert!(!word.text.is_empty());
        prop_assert_eq!(word.text.trim(), word.text.as_str());
        prop_assert!(!word.text.contains('\n'), "{:?}", word.text);
        prop_assert!(
            ocr.text.contains(&word.text),
            "{:?} not in {:?}",
            word.text,
            ocr.text
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(1000))]

    /// Any bytes, as CSV or behind a workbook's magic number: rows or a clear error.
    #[test]
    fn any_bytes_are_a_sheet_or_an_error(
        bytes in hostile_bytes(&[
            b"file,title\n",
            b"\xEF\xBB\xBF\xE6\x96\x87\xE4\xBB\xB6,\"",
            b"\xCE\xC4\xBC\xFE,\xCC\xE2\xC3\xFB\r\n",
            b"PK\x03\x04",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            b"\xFF\xFE",
        ]),
    ) {
        let result = timed("reading a sheet", || read(bytes))?;
        if let Err(error) = result {
            prop_assert!(matches!(error, MetadataError::Unreadable { .. }), "{error:?}");
            prop_assert!(!error.to_string().is_empty());
        }
    }

    /// A generated CSV in UTF-8, UTF-8 with BOM or GBK, with any quoting,
    /// separators, ragged and bad rows: each valid row read on its Excel row.
    #[test]
    fn csv_rows_survive_their_neighbours(sheet in csv_sheet()) {
        let bytes = sheet.bytes();
        let result = timed("reading a CSV sheet", || read(bytes))?;
        let read_sheet = result.map_err(|error| TestCaseError::fail(error.to_string()))?;
        check_sheet_lines(&read_sheet, &sheet.lines, |index| sheet.excel_row(index))?;
    }
}

proptest! {
    #![proptest_config(config(300))]

    /// A real workbook with random cells and sparse rows: each row without
    /// an error cell read on its Excel row, the others problems.
    #[test]
    fn xlsx_rows_survive_their_neighbours(rows in xlsx_rows(), compressed in any::<bool>()) {
        let bytes = minimal_xlsx(&xlsx_sheet_xml(&rows), compressed);
        let sheet = timed("reading a workbook", || read(bytes))?
            .map_err(|error| TestCaseError::fail(error.to_string()))?;
        let numbers = xlsx_row_numbers(&rows);
        let lines: Vec<SheetLine> = rows
            .iter()
            .map(|row| match (&row.title, &row.note) {
                _ if row.far => SheetLine::BadAccess,
                (XlsxCell::Error(_), _) | (_, XlsxCell::Error(_)) => SheetLine::BadAccess,
                (title, _) => SheetLine::Valid {
                    title: match title {
                        XlsxCell::Text(text) => text.clone(),
                        XlsxCell::Bool(value) => value.to_string(),
                        XlsxCell::Number(_) | XlsxCell::Empty | XlsxCell::Error(_) => String::new(),
                    },
                    access: "",
                },
            })
            .collect();
        // Numbers are written as Excel shows them; only their presence is checked here.
        let numeric_titles: Vec<bool> = rows
            .iter()
            .map(|row| matches!(row.title, XlsxCell::Number(_)))
            .collect();
        let mut rows_read = sheet.rows.iter();
        for (index, line) in lines.iter().enumerate() {
            if let SheetLine::Valid { title, .. } = line {
                let row = rows_read.next();
                prop_assert!(row.is_some(), "row {} is missing", numbers[index]);
                let row = row.unwrap();
                prop_assert_eq!(row.line, numbers[index]);
                prop_assert_eq!(row.file.clone(), Some(CsvSheet::file_of(index)));
                if numeric_titles[index] {
                    prop_assert_eq!(row.metadata.values(DcElement::Title).len(), 1);
                } else {
                    prop_assert_eq!(row.metadata.values(DcElement::Title), &split_multi(title)[..]);
                }
            }
        }
        prop_assert!(rows_read.next().is_none());
        let problem_lines: Vec<usize> = lines
            .iter()
            .zip(&numbers)
            .filter(|(line, _)| matches!(line, SheetLine::BadAccess))
            .map(|(_, number)| *number)
            .collect();
        let found: Vec<usize> = sheet.problems.iter().map(|problem| problem.line).collect();
        prop_assert_eq!(found, problem_lines);
    }

    /// A real workbook, damaged: truncated, bytes flipped, overwritten, inserted.
    #[test]
    fn damaged_workbooks_are_an_error_or_rows(
        rows in xlsx_rows(),
        compressed in any::<bool>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let bytes = mutate(minimal_xlsx(&xlsx_sheet_xml(&rows), compressed), &mutations);
        let result = timed("reading a damaged workbook", || read(bytes))?;
        if let Err(error) = result {
            prop_assert!(matches!(error, MetadataError::Unreadable { .. }), "{error:?}");
        }
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// Any bytes as a JSON sidecar: a description or a clear error.
    #[test]
    fn any_bytes_are_a_sidecar_or_an_error(
        bytes in hostile_bytes(&[b"{\"title\": \"", b"{\"\xE9\xA2\x98\xE5\x90\x8D\": [", b"[", b"\xEF\xBB\xBF{"]),
    ) {
        let result = timed("reading a sidecar", || {
            description_from_bytes(Path::new("a.json"), &bytes)
        })?;
        if let Err(error) = result {
            prop_assert!(matches!(error, MetadataError::Unreadable { .. }), "{error:?}");
        }
    }

    /// Any JSON value: objects of text are descriptions, the rest a clear error.
    #[test]
    fn any_json_is_a_sidecar_or_an_error(value in prop_oneof![json_object(), json_value()]) {
        let text = value.to_string();
        let result = timed("reading a sidecar", || {
            description_from_bytes(Path::new("a.json"), text.as_bytes())
        })?;
        let all_text = value.as_object().is_some_and(|fields| {
            fields.iter().all(|(key, value)| {
                value.is_string() && !matches!(key.trim(), "access" | "开放级别")
            })
        });
        match result {
            Ok(description) => {
                prop_assert!(value.is_object());
                if let Some(title) = value.get("title").and_then(Value::as_str)
                    && value.get("\u{feff}title").is_none()
                    && value.get("题名").is_none()
                {
                    prop_assert_eq!(description.metadata.values(DcElement::Title), &split_multi(title)[..]);
                }
            }
            Err(error) => prop_assert!(!all_text, "{error}"),
        }
    }

    /// Valid JSON cut anywhere: a description or a clear error.
    #[test]
    fn truncated_json_is_a_sidecar_or_an_error(value in json_object(), cut in any::<prop::sample::Index>()) {
        let text = value.to_string();
        let mut end = cut.index(text.len() + 1);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let cut_text = &text.as_bytes()[..end];
        let result = timed("reading a sidecar", || {
            description_from_bytes(Path::new("a.json"), cut_text)
        })?;
        let whole = description_from_bytes(Path::new("a.json"), text.as_bytes());
        if end == text.len() {
            prop_assert_eq!(result.is_ok(), whole.is_ok());
        }
    }

    /// Any text as hOCR, ALTO and plain OCR text.
    #[test]
    fn any_text_is_ocr_or_an_error(
        bytes in hostile_bytes(&[b"<alto>", b"<?xml version=\"1.0\"?><alto xmlns=\"x\"><String CONTENT=\"", b"<html><span class='ocrx_word' title='bbox 1 2 3 4'>", b"<!DOCTYPE x [<!ENTITY a \"b\">]>"]),
    ) {
        let text = super::decode_text(&bytes);
        for (format_name, parse) in [
            ("hOCR", read_hocr as fn(&str) -> Result<OcrText, String>),
            ("ALTO", read_alto),
            ("text", read_plain_text),
        ] {
            if let Ok(ocr) = timed(format_name, || parse(&text))? {
                check_ocr(&ocr)?;
            }
        }
    }

    /// Generated hOCR: nested spans, any classes, boxes with any numbers.
    #[test]
    fn generated_hocr_gives_whole_words(tree in hocr_tree()) {
        let mut html = String::from("<html><body>");
        tree.write(&mut html);
        html.push_str("</body></html>");
        let ocr = timed("reading hOCR", || read_hocr(&html))?
            .map_err(TestCaseError::fail)?;
        check_ocr(&ocr)?;
    }

    /// Generated ALTO: lines and strings with any coordinates.
    #[test]
    fn generated_alto_gives_whole_words(tree in alto_tree()) {
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        tree.write(&mut xml);
        let ocr = timed("reading ALTO", || read_alto(&xml))?
            .map_err(TestCaseError::fail)?;
        check_ocr(&ocr)?;
    }
}

/// Entity expansion ("billion laughs"): entities a DTD declares are never
/// expanded, so ten levels of tenfold references stay a few hundred bytes.
#[test]
fn billion_laughs_are_not_expanded() {
    let mut doctype = String::from("<!DOCTYPE alto [<!ENTITY lol0 \"lol\">");
    for level in 1..10 {
        let previous = format!("&lol{};", level - 1);
        doctype.push_str(&format!("<!ENTITY lol{level} \"{}\">", previous.repeat(10)));
    }
    doctype.push_str("]>");
    let alto = format!(
        "{doctype}<alto><TextLine><String CONTENT=\"&lol9;\" HPOS=\"1\" VPOS=\"1\" WIDTH=\"1\" HEIGHT=\"1\"/></TextLine></alto>"
    );
    let hocr = format!(
        "{doctype}<html><span class='ocr_line'><span class='ocrx_word' title='bbox 1 1 2 2'>&lol9;</span></span></html>"
    );
    let started = Instant::now();
    let from_alto = read_alto(&alto).expect("ALTO reads");
    let from_hocr = read_hocr(&hocr).expect("hOCR reads");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(from_alto.text, "&lol9;");
    assert_eq!(from_hocr.text, "&lol9;");
}

/// Deep nesting costs no stack: the readers stream events.
#[test]
fn deeply_nested_xml_is_read_without_recursion() {
    let depth = 200_000;
    let hocr = format!(
        "<html>{}<span class='ocrx_word' title='bbox 1 2 3 4'>深</span>{}</html>",
        "<span class='ocr_line'>".repeat(depth),
        "</span>".repeat(depth)
    );
    let ocr = read_hocr(&hocr).expect("hOCR reads");
    assert_eq!(ocr.text, "深");
    let alto = format!(
        "<alto>{}<String CONTENT=\"深\"/>{}</alto>",
        "<TextBlock>".repeat(depth),
        "</TextBlock>".repeat(depth)
    );
    assert_eq!(read_alto(&alto).expect("ALTO reads").text, "深");
    let json = "[".repeat(depth);
    let error =
        description_from_bytes(Path::new("a.json"), json.as_bytes()).expect_err("deep JSON fails");
    assert!(error.to_string().contains("not valid JSON"), "{error}");
}

/// A huge attribute or cell costs time in proportion to its size.
#[test]
fn huge_attributes_and_cells_are_read_in_time() {
    let started = Instant::now();
    let content = "碑".repeat(2_000_000);
    let alto = format!(
        "<alto><String CONTENT=\"{content}\" HPOS=\"{}\"/></alto>",
        "9".repeat(1_000_000)
    );
    assert_eq!(
        read_alto(&alto).expect("ALTO reads").text.len(),
        content.len()
    );
    let csv = format!("file,title\na.jpg,\"{}\"\n", "\"\"".repeat(1_000_000));
    let sheet = read(csv.into_bytes()).expect("sheet reads");
    assert_eq!(sheet.rows.len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}
