//! `wenyuan export --sheet FILE.xlsx|FILE.csv`: records as a sheet to edit.

use std::collections::BTreeSet;
use std::path::Path;

use wenyuan_index::catalog::Catalog;
use wenyuan_index::model::{DcElement, Item};
use wenyuan_index::search::{SearchIndex, SearchRequest, Sort};

use super::{ID_HEADER, access_text, cell_text, element_header};
use crate::{Error, Result};

/// Which records to export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportFilter {
    /// Only this venue's.
    pub institution: Option<String>,
    /// Only this collection's (of `institution`).
    pub collection: Option<String>,
    /// Only the records the public search finds for this query.
    pub query: Option<String>,
}

/// How a CSV sheet is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvEncoding {
    /// UTF-8 with a byte-order mark, which Excel opens correctly.
    #[default]
    Utf8,
    /// GB18030 (a superset of GBK: every character can be written), what
    /// Excel on Chinese Windows reads and writes by default.
    Gbk,
}

/// The file a sheet is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    /// An Excel workbook: every cell text, so Excel changes no date or number.
    Xlsx,
    /// Comma-separated text.
    Csv(CsvEncoding),
}

impl SheetFormat {
    /// By the file name's extension: `.xlsx` or `.csv`.
    pub fn for_path(path: &Path, encoding: CsvEncoding) -> Result<SheetFormat> {
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("xlsx") => Ok(SheetFormat::Xlsx),
            Some("csv") => Ok(SheetFormat::Csv(encoding)),
            _ => Err(Error::Usage(format!(
                "{}: the sheet's name must end in .xlsx or .csv",
                path.display()
            ))),
        }
    }
}

/// The live items the filter selects, in id order. Withdrawn items are
/// left out (restore them first); an unknown venue or collection is an
/// error.
pub fn export_items(
    catalog: &Catalog,
    index: Option<&SearchIndex>,
    filter: &ExportFilter,
) -> Result<Vec<Item>> {
    if filter.collection.is_some() && filter.institution.is_none() {
        return Err(Error::Usage(
            "--collection needs --institution (collection ids are per venue)".into(),
        ));
    }
    if let Some(institution) = &filter.institution {
        if catalog.institution(institution)?.is_none() {
            return Err(Error::Usage(format!(
                "unknown institution '{institution}' (see `wenyuan institutions list`)"
            )));
        }
        if let Some(collection) = &filter.collection
            && catalog.collection(institution, collection)?.is_none()
        {
            return Err(Error::Usage(format!(
                "unknown collection '{collection}' of '{institution}'"
            )));
        }
    }
    let mut items =
        catalog.live_items(filter.institution.as_deref(), filter.collection.as_deref())?;
    if let Some(query) = filter
        .query
        .as_deref()
        .filter(|query| !query.trim().is_empty())
    {
        let Some(index) = index else {
            return Err(Error::Usage("--query needs the search index".into()));
        };
        let found = matching_ids(index, query)?;
        items.retain(|item| found.contains(&item.id));
    }
    Ok(items)
}

/// Every id the search finds for `query`, all pages. A query no record
/// matches in full (which the public search would loosen) selects nothing.
fn matching_ids(index: &SearchIndex, query: &str) -> Result<BTreeSet<String>> {
    let mut ids = BTreeSet::new();
    let mut request = SearchRequest {
        query: query.to_string(),
        sort: Sort::Relevance,
        limit: wenyuan_index::search::MAX_LIMIT,
        facets: false,
        ..SearchRequest::default()
    };
    loop {
        let results = index.search(&request)?;
        if results.relaxed.is_some() {
            return Ok(BTreeSet::new());
        }
        ids.extend(results.hits.into_iter().map(|hit| hit.id));
        match results.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => return Ok(ids),
        }
    }
}

/// One column of an exported sheet.
enum Column {
    Id,
    Institution,
    Collection,
    Access,
    Element(DcElement),
    Extra(String),
}

impl Column {
    fn header(&self, english: bool) -> String {
        match (self, english) {
            (Column::Id, _) => ID_HEADER.to_string(),
            (Column::Institution, false) => "机构".into(),
            (Column::Institution, true) => "institution".into(),
            (Column::Collection, false) => "藏品集".into(),
            (Column::Collection, true) => "collection".into(),
            (Column::Access, false) => "访问级别".into(),
            (Column::Access, true) => "access".into(),
            (Column::Element(element), false) => element_header(*element).into(),
            (Column::Element(element), true) => element.as_str().into(),
            (Column::Extra(name), _) => name.clone(),
        }
    }

    fn cell(&self, item: &Item) -> String {
        match self {
            Column::Id => item.id.clone(),
            Column::Institution => item.institution_id.clone().unwrap_or_default(),
            Column::Collection => item.collection_id.clone().unwrap_or_default(),
            Column::Access => access_text(item.access).to_string(),
            Column::Element(element) => cell_text(
                item.metadata.values(*element),
                *element == DcElement::Description,
            ),
            Column::Extra(name) => item
                .metadata
                .extra
                .get(name)
                .map(|values| cell_text(values, false))
                .unwrap_or_default(),
        }
    }
}

/// The columns for these items: id, venue, collection, access, then every
/// Dublin Core element one of them uses (title always), in Dublin Core's
/// order, then their extra fields by name.
fn columns_for(items: &[Item]) -> Vec<Column> {
    let mut columns = vec![
        Column::Id,
        Column::Institution,
        Column::Collection,
        Column::Access,
    ];
    for element in DcElement::ALL {
        if element == DcElement::Title
            || items
                .iter()
                .any(|item| !item.metadata.values(element).is_empty())
        {
            columns.push(Column::Element(element));
        }
    }
    let extras: BTreeSet<&String> = items
        .iter()
        .flat_map(|item| item.metadata.extra.keys())
        .collect();
    columns.extend(extras.into_iter().cloned().map(Column::Extra));
    columns
}

/// The sheet's bytes: a header row, then one row per item.
pub fn write_sheet(items: &[Item], format: SheetFormat, english_headers: bool) -> Result<Vec<u8>> {
    let columns = columns_for(items);
    let header: Vec<String> = columns
        .iter()
        .map(|column| column.header(english_headers))
        .collect();
    let rows = items
        .iter()
        .map(|item| columns.iter().map(|column| column.cell(item)).collect());
    match format {
        SheetFormat::Xlsx => write_xlsx(&header, rows),
        SheetFormat::Csv(encoding) => write_csv(&header, rows, encoding),
    }
}

fn sheet_error(error: impl std::fmt::Display) -> Error {
    Error::Usage(format!("the sheet cannot be written: {error}"))
}

fn write_xlsx(header: &[String], rows: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (column, text) in header.iter().enumerate() {
        let column = u16::try_from(column).map_err(sheet_error)?;
        sheet
            .write_string_with_format(0, column, text, &bold)
            .map_err(sheet_error)?;
        sheet
            .set_column_width(column, if column == 0 { 14 } else { 24 })
            .map_err(sheet_error)?;
    }
    for (row, cells) in rows.enumerate() {
        let row = u32::try_from(row + 1).map_err(sheet_error)?;
        for (column, text) in cells.iter().enumerate() {
            if !text.is_empty() {
                let column = u16::try_from(column).map_err(sheet_error)?;
                sheet.write_string(row, column, text).map_err(sheet_error)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 1).map_err(sheet_error)?;
    workbook.save_to_buffer().map_err(sheet_error)
}

fn write_csv(
    header: &[String],
    rows: impl Iterator<Item = Vec<String>>,
    encoding: CsvEncoding,
) -> Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(header).map_err(sheet_error)?;
    for cells in rows {
        writer.write_record(&cells).map_err(sheet_error)?;
    }
    let text = String::from_utf8(writer.into_inner().map_err(sheet_error)?).map_err(sheet_error)?;
    Ok(match encoding {
        CsvEncoding::Utf8 => {
            let mut bytes = "\u{feff}".as_bytes().to_vec();
            bytes.extend_from_slice(text.as_bytes());
            bytes
        }
        CsvEncoding::Gbk => encoding_rs::GB18030.encode(&text).0.into_owned(),
    })
}
