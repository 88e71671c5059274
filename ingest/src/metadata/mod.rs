//! Reading the descriptions librarians write next to their files.
//!
//! This module owns every reader of descriptive and textual side files:
//!
//! - metadata sheets (`metadata.csv`, `metadata.xlsx`, `metadata.xls`), one row
//!   per item, in UTF-8 or the GB18030/GBK that Excel on Chinese Windows
//!   writes ([`read_sheet`]);
//! - per-file JSON sidecars describing one item ([`read_json_sidecar`]);
//! - OCR sidecars: plain text, hOCR and ALTO, with word boxes where present
//!   ([`read_ocr_sidecar`], [`is_alto`]);
//! - decoding text of unknown encoding ([`decode_text`]).
//!
//! Column headers are mapped here too ([`ColumnRole`]): Dublin Core names in
//! English or Chinese, the special columns (file, institution, collection,
//! access) and everything else as extra fields under the librarian's own name.
//!
//! Nothing here panics on bad input: a broken sheet row becomes a
//! [`RowProblem`], a broken file a [`MetadataError`], each with a reason a
//! librarian understands.

#[cfg(test)]
mod fuzz;
mod ocr;
mod sheet;
mod sidecar;
mod text;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use wenyuan_index::model::{AccessLevel, DcElement, Metadata, split_multi};

pub use ocr::{OcrText, is_alto, read_ocr_sidecar};
pub use sheet::{Grid, RowProblem, Sheet, SheetRow, read_grid, read_sheet};
pub use sidecar::read_json_sidecar;
pub use text::decode_text;

/// The largest side file (sheet, sidecar, OCR text) read into memory: 256 MiB.
pub const MAX_SIDE_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Errors of this module; each message is something a librarian understands.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {}", .path.display(), describe_io_error(.source))]
    Io {
        /// The file that was being read.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but its content cannot be used as a whole.
    #[error("{}: {reason}", .path.display())]
    Unreadable {
        /// The file that was being read.
        path: PathBuf,
        /// What is wrong, in words for a librarian.
        reason: String,
    },
}

impl MetadataError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            MetadataError::Io { path, .. } | MetadataError::Unreadable { path, .. } => path,
        }
    }

    fn unreadable(path: &Path, reason: impl Into<String>) -> MetadataError {
        MetadataError::Unreadable {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// Words for the usual I/O failures instead of the operating system's jargon.
fn describe_io_error(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "the file does not exist".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a folder, not a file".to_string(),
        _ => error.to_string(),
    }
}

/// Reads a whole side file (a sheet, sidecar or OCR text), refusing files
/// above [`MAX_SIDE_FILE_BYTES`].
pub fn read_side_file(path: &Path) -> Result<Vec<u8>, MetadataError> {
    let io_error = |source| MetadataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_SIDE_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > MAX_SIDE_FILE_BYTES {
        return Err(MetadataError::unreadable(
            path,
            format!(
                "the file is larger than {} MiB, too large for a metadata or OCR file",
                MAX_SIDE_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(bytes)
}

/// What a column of a sheet (or a key of a JSON sidecar) holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRole {
    /// The file or folder the row describes, relative to the sheet.
    File,
    /// The holding institution (venue).
    Institution,
    /// The collection within the institution.
    Collection,
    /// The access level.
    Access,
    /// A Dublin Core element.
    Element(DcElement),
    /// Any other field, under the header text as written (trimmed).
    Extra(String),
}

const FILE_HEADERS: &[&str] = &[
    "file",
    "files",
    "filename",
    "file_name",
    "filepath",
    "file_path",
    "path",
    "文件",
    "文件名",
    "文件名称",
    "路径",
    "文件路径",
    "檔案",
    "檔名",
    "檔案名",
    "檔案名稱",
    "文件名稱",
    "路徑",
    "文件路徑",
    "檔案路徑",
];

const INSTITUTION_HEADERS: &[&str] = &[
    "institution",
    "institution_id",
    "venue",
    "机构",
    "機構",
    "馆",
    "館",
    "场馆",
    "場館",
    "收藏机构",
    "收藏機構",
    "收藏单位",
    "收藏單位",
    "馆藏单位",
    "館藏單位",
];

const COLLECTION_HEADERS: &[&str] = &[
    "collection",
    "collection_id",
    "藏品集",
    "专题库",
    "專題庫",
    "馆藏集",
    "館藏集",
    "合集",
];

const ACCESS_HEADERS: &[&str] = &[
    "access",
    "access_level",
    "访问级别",
    "訪問級別",
    "开放级别",
    "開放級別",
    "公开级别",
    "公開級別",
    "开放程度",
    "開放程度",
];

impl ColumnRole {
    /// Maps a header to its role; `None` for an empty header (the column is ignored).
    ///
    /// Special columns are matched case-insensitively, with spaces and `-`
    /// treated as `_`; Dublin Core through [`DcElement::from_header`].
    pub fn from_header(header: &str) -> Option<ColumnRole> {
        let trimmed = header.trim().trim_start_matches('\u{feff}').trim();
        if trimmed.is_empty() {
            return None;
        }
        let normalized = trimmed.to_lowercase().replace([' ', '-'], "_");
        let special = [
            (FILE_HEADERS, ColumnRole::File),
            (INSTITUTION_HEADERS, ColumnRole::Institution),
            (COLLECTION_HEADERS, ColumnRole::Collection),
            (ACCESS_HEADERS, ColumnRole::Access),
        ];
        for (aliases, role) in special {
            if aliases.contains(&normalized.as_str()) {
                return Some(role);
            }
        }
        Some(match DcElement::from_header(trimmed) {
            Some(element) => ColumnRole::Element(element),
            None => ColumnRole::Extra(trimmed.to_string()),
        })
    }

    /// True for every role but [`ColumnRole::Extra`]: the column was understood.
    pub fn is_recognised(&self) -> bool {
        !matches!(self, ColumnRole::Extra(_))
    }
}

/// A description of one item, from a JSON sidecar (or one sheet row without its file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Description {
    /// Dublin Core and extra fields.
    pub metadata: Metadata,
    /// The holding institution as written, if given.
    pub institution: Option<String>,
    /// The collection as written, if given.
    pub collection: Option<String>,
    /// The access level, if given.
    pub access: Option<AccessLevel>,
}

/// A value as found in a cell or a JSON field, before splitting.
pub(crate) enum FieldValue {
    /// One piece of text, to be split on `;` and `；` where multi-valued.
    Text(String),
    /// Values already separate (a JSON array); not split further.
    List(Vec<String>),
}

impl FieldValue {
    /// The values of a multi-valued field.
    fn into_values(self) -> Vec<String> {
        match self {
            FieldValue::Text(text) => split_multi(&text),
            FieldValue::List(values) => values,
        }
    }

    /// The single value of a one-valued field (first non-blank of a list), trimmed.
    fn into_single(self) -> Option<String> {
        let candidates = match self {
            FieldValue::Text(text) => vec![text],
            FieldValue::List(values) => values,
        };
        candidates
            .into_iter()
            .map(|value| value.trim().to_string())
            .find(|value| !value.is_empty())
    }
}

/// Parses an access level, with a message that lists the accepted words.
fn parse_access_level(text: &str) -> Result<AccessLevel, String> {
    text.parse::<AccessLevel>().map_err(|_| {
        format!(
            "access level '{}' is not known (use public, metadata_only or restricted, or 公开, 仅元数据, 受限)",
            text.trim()
        )
    })
}

impl Description {
    /// Adds one field; `File` is left to the caller. Fails only on a bad access level.
    pub(crate) fn apply(&mut self, role: &ColumnRole, value: FieldValue) -> Result<(), String> {
        match role {
            ColumnRole::File => {}
            // A description is prose, where `；` ends a clause rather than separating values.
            ColumnRole::Element(DcElement::Description) => match value {
                FieldValue::Text(text) => self.metadata.push(DcElement::Description, [text]),
                FieldValue::List(values) => self.metadata.push(DcElement::Description, values),
            },
            ColumnRole::Element(element) => self.metadata.push(*element, value.into_values()),
            ColumnRole::Extra(name) => self.metadata.push_extra(name, value.into_values()),
            ColumnRole::Institution => {
                if self.institution.is_none() {
                    self.institution = value.into_single();
                }
            }
            ColumnRole::Collection => {
                if self.collection.is_none() {
                    self.collection = value.into_single();
                }
            }
            ColumnRole::Access => {
                if let Some(text) = value.into_single() {
                    self.access = Some(parse_access_level(&text)?);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_map_to_roles_in_both_scripts() {
        assert_eq!(ColumnRole::from_header(" 文件名 "), Some(ColumnRole::File));
        assert_eq!(ColumnRole::from_header("File Name"), Some(ColumnRole::File));
        assert_eq!(ColumnRole::from_header("檔案路徑"), Some(ColumnRole::File));
        assert_eq!(
            ColumnRole::from_header("機構"),
            Some(ColumnRole::Institution)
        );
        assert_eq!(
            ColumnRole::from_header("专题库"),
            Some(ColumnRole::Collection)
        );
        assert_eq!(
            ColumnRole::from_header("Access-Level"),
            Some(ColumnRole::Access)
        );
        assert_eq!(
            ColumnRole::from_header("dc:title"),
            Some(ColumnRole::Element(DcElement::Title))
        );
        assert_eq!(
            ColumnRole::from_header(" 材质 "),
            Some(ColumnRole::Extra("材质".to_string()))
        );
        assert_eq!(ColumnRole::from_header("  "), None);
    }

    #[test]
    fn errors_read_like_sentences_for_people() {
        let error = MetadataError::Io {
            path: PathBuf::from("a/metadata.csv"),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        assert_eq!(
            error.to_string(),
            "cannot read a/metadata.csv: the file does not exist"
        );
        assert_eq!(error.path(), Path::new("a/metadata.csv"));
    }

    #[test]
    fn missing_side_file_is_an_io_error() {
        let directory = tempfile::tempdir().expect("temporary directory");
        let result = read_side_file(&directory.path().join("missing.json"));
        assert!(matches!(result, Err(MetadataError::Io { .. })));
    }
}
