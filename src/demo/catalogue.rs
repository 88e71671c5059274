//! The sample records: one data file per metadata sheet (`data/*.toml`,
//! compiled in), read into [`Sheet`]s, and each sheet written out as the
//! `metadata.csv` a librarian would make.
//!
//! A data file names the sheet's folder under `scans/`, its venue, whether it
//! is saved in GBK, and one `[[row]]` per item: the file or folder, how its
//! pictures are drawn (`art`), and the descriptive columns.

use std::io;

use serde::Deserialize;

use super::books::BookStyle;
use super::ceramics::{Glaze, Shape};
use super::photos::Scene;

/// The sheets, in the order they are drawn: (data file name, its text).
const SHEET_FILES: &[(&str, &str)] = &[
    (
        "children-library.toml",
        include_str!("data/children-library.toml"),
    ),
    (
        "yaozhou-museum.toml",
        include_str!("data/yaozhou-museum.toml"),
    ),
    ("culture-hall.toml", include_str!("data/culture-hall.toml")),
    (
        "culture-hall-heritage.toml",
        include_str!("data/culture-hall-heritage.toml"),
    ),
    (
        "huangbao-station.toml",
        include_str!("data/huangbao-station.toml"),
    ),
    (
        "science-museum.toml",
        include_str!("data/science-museum.toml"),
    ),
];

/// The rights statement of every sample item.
const RIGHTS: &str = "演示数据：图像由程序绘制，并非馆藏原件";

/// How a row's file (or folder of files) is drawn.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum Art {
    /// A folder of PNG page scans.
    Book { style: BookStyle, pages: u32 },
    /// A folder of JPEG views of one object.
    Ceramic {
        shape: Shape,
        glaze: Glaze,
        views: u32,
    },
    /// One JPEG poster; the number picks the palette.
    Poster { palette: u32 },
    /// One JPEG photograph; `old` for an old sepia print.
    Photo { scene: Scene, old: bool },
}

/// One row of a sheet: one item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Row {
    /// The file or folder, relative to the sheet's folder.
    pub(super) file: String,
    pub(super) art: Art,
    collection: String,
    title: String,
    creator: String,
    subject: String,
    description: String,
    date: String,
    kind: String,
    place: String,
    #[serde(default = "chinese")]
    language: String,
    #[serde(default = "public")]
    access: String,
    /// Extra columns (版本, 尺寸 …) in the order they first appear.
    #[serde(default)]
    extras: Vec<(String, String)>,
}

fn chinese() -> String {
    "zh".to_string()
}

fn public() -> String {
    "公开".to_string()
}

/// One `metadata.csv`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Sheet {
    /// Folder under `scans/`.
    pub(super) dir: String,
    institution: String,
    /// Saved in GBK instead of UTF-8.
    pub(super) gbk: bool,
    #[serde(rename = "row")]
    pub(super) rows: Vec<Row>,
}

/// Reads every sheet's data file.
pub(super) fn sheets() -> io::Result<Vec<Sheet>> {
    SHEET_FILES
        .iter()
        .map(|(name, text)| {
            toml::from_str(text).map_err(|error| {
                io::Error::other(format!("the sample sheet {name} is invalid: {error}"))
            })
        })
        .collect()
}

const BASE_HEADERS: &[&str] = &[
    "文件",
    "题名",
    "责任者",
    "主题",
    "描述",
    "日期",
    "类型",
    "地点",
    "语言",
    "权利",
    "机构",
    "藏品集",
    "访问级别",
];

/// The sheet as CSV text: the base columns, then every extra column its rows use.
pub(super) fn sheet_csv(sheet: &Sheet) -> io::Result<String> {
    let mut extra_names: Vec<&str> = Vec::new();
    for row in &sheet.rows {
        for (name, _) in &row.extras {
            if !extra_names.contains(&name.as_str()) {
                extra_names.push(name);
            }
        }
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let header: Vec<&str> = BASE_HEADERS.iter().chain(&extra_names).copied().collect();
    writer.write_record(&header).map_err(io::Error::other)?;
    for row in &sheet.rows {
        let mut record = vec![
            row.file.as_str(),
            &row.title,
            &row.creator,
            &row.subject,
            &row.description,
            &row.date,
            &row.kind,
            &row.place,
            &row.language,
            RIGHTS,
            &sheet.institution,
            &row.collection,
            &row.access,
        ];
        for name in &extra_names {
            let value = row
                .extras
                .iter()
                .find(|(extra, _)| extra == name)
                .map_or("", |(_, value)| value.as_str());
            record.push(value);
        }
        writer.write_record(&record).map_err(io::Error::other)?;
    }
    let bytes = writer.into_inner().map_err(io::Error::other)?;
    String::from_utf8(bytes).map_err(io::Error::other)
}
