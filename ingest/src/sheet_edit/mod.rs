//! Batch editing by sheet, as librarians already work: `export --sheet`
//! writes records to an Excel workbook or a CSV file ([`export`]), the
//! librarian edits it in Excel, and `apply-sheet` (or the upload on
//! `/staff/sheet`) shows what would change and applies it ([`apply`]).
//!
//! The sheet has an `id` column first, then the headers ingest reads
//! (Chinese by default: 机构, 藏品集, 访问级别, 题名, 责任者 …); values of a
//! multi-valued field are joined with `；`. A column left out of the sheet
//! leaves that field alone; an emptied cell empties it. A cell still
//! holding exactly what the export wrote keeps the stored values as they
//! are, so a round trip without edits changes nothing.

pub mod apply;
pub mod export;

use wenyuan_index::model::{AccessLevel, DcElement};

pub use apply::{RecordChange, SheetChange, SheetPlan, apply_plan, plan_sheet};
pub use export::{CsvEncoding, ExportFilter, SheetFormat, export_items, write_sheet};

/// The header of the item id column, and the other names it is read under.
pub const ID_HEADER: &str = "id";
const ID_HEADERS: &[&str] = &["id", "item_id", "item id", "条目id", "条目编号", "條目編號"];

/// Values of a multi-valued field are joined with this in a cell.
pub const JOIN: &str = "；";

/// Longest text Excel keeps in one cell (characters).
pub const MAX_CELL_CHARS: usize = 32_767;

/// What a cell holds in place of a value too long for Excel: `apply-sheet`
/// leaves such a field as it is (edit it on the web).
pub const TOO_LONG: &str = "〔内容过长，请在网页上编辑 · too long for a cell: edit it on the web〕";

/// True when a header names the item id column.
fn is_id_header(header: &str) -> bool {
    let normalized = header
        .trim()
        .trim_start_matches('\u{feff}')
        .trim()
        .to_lowercase();
    ID_HEADERS.contains(&normalized.as_str())
}

/// The header an element is exported under (its Chinese label, which
/// ingest reads back as that element).
fn element_header(element: DcElement) -> &'static str {
    element.label_zh()
}

/// An access level as the sheet shows it.
fn access_text(access: AccessLevel) -> &'static str {
    match access {
        AccessLevel::Public => "公开",
        AccessLevel::MetadataOnly => "仅元数据",
        AccessLevel::Restricted => "受限",
    }
}

/// The cell text of a field's values: joined with `；`, a description's
/// paragraphs with line breaks; [`TOO_LONG`] past Excel's limit.
fn cell_text(values: &[String], is_description: bool) -> String {
    let text = values.join(if is_description { "\n" } else { JOIN });
    if text.chars().count() > MAX_CELL_CHARS {
        TOO_LONG.to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests;
