//! The record model: venues, collections, items and their files.
//!
//! Descriptive metadata is Dublin Core's fifteen elements, each
//! multi-valued, plus free extra fields kept under the name the librarian
//! gave them (材质, 尺寸, 朝代 …).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How much of an item the public may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AccessLevel {
    /// Metadata, images and downloads for everyone.
    #[default]
    Public,
    /// Metadata is public; files are not shown.
    MetadataOnly,
    /// Nothing beyond the catalogue record's existence; originals never served.
    Restricted,
}

impl AccessLevel {
    /// The stable name used in the catalogue, the API and metadata sheets.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Public => "public",
            AccessLevel::MetadataOnly => "metadata_only",
            AccessLevel::Restricted => "restricted",
        }
    }
}

impl FromStr for AccessLevel {
    type Err = Error;

    /// Accepts the English names and the usual Chinese words (公开, 仅元数据, 受限 …).
    fn from_str(text: &str) -> Result<Self> {
        let normalized = text.trim().to_lowercase().replace(['-', ' '], "_");
        match normalized.as_str() {
            "public" | "open" | "公开" | "开放" | "公開" => Ok(AccessLevel::Public),
            "metadata_only" | "metadata" | "仅元数据" | "僅元數據" | "仅目录" | "元数据" => {
                Ok(AccessLevel::MetadataOnly)
            }
            "restricted" | "closed" | "private" | "受限" | "限制" | "不公开" | "內部" | "内部" => {
                Ok(AccessLevel::Restricted)
            }
            _ => Err(Error::Invalid(format!(
                "unknown access level '{text}' (use public, metadata_only or restricted)"
            ))),
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// What kind of venue an institution is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionKind {
    /// 图书馆, including children's libraries.
    Library,
    /// 博物馆.
    Museum,
    /// 文化馆.
    CultureHall,
    /// 科技馆.
    ScienceMuseum,
    /// 体育场馆.
    SportsVenue,
    /// 综合文化站 (township or street cultural station).
    CulturalStation,
    /// 社区文化服务中心.
    CommunityCentre,
    /// Anything else.
    Other,
}

impl InstitutionKind {
    /// Every kind, in display order.
    pub const ALL: [InstitutionKind; 8] = [
        InstitutionKind::Library,
        InstitutionKind::Museum,
        InstitutionKind::CultureHall,
        InstitutionKind::ScienceMuseum,
        InstitutionKind::SportsVenue,
        InstitutionKind::CulturalStation,
        InstitutionKind::CommunityCentre,
        InstitutionKind::Other,
    ];

    /// The stable name used in the catalogue and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            InstitutionKind::Library => "library",
            InstitutionKind::Museum => "museum",
            InstitutionKind::CultureHall => "culture_hall",
            InstitutionKind::ScienceMuseum => "science_museum",
            InstitutionKind::SportsVenue => "sports_venue",
            InstitutionKind::CulturalStation => "cultural_station",
            InstitutionKind::CommunityCentre => "community_centre",
            InstitutionKind::Other => "other",
        }
    }

    /// The Chinese label shown to the public.
    pub fn label_zh(self) -> &'static str {
        match self {
            InstitutionKind::Library => "图书馆",
            InstitutionKind::Museum => "博物馆",
            InstitutionKind::CultureHall => "文化馆",
            InstitutionKind::ScienceMuseum => "科技馆",
            InstitutionKind::SportsVenue => "体育场馆",
            InstitutionKind::CulturalStation => "综合文化站",
            InstitutionKind::CommunityCentre => "社区文化服务中心",
            InstitutionKind::Other => "其他",
        }
    }
}

impl FromStr for InstitutionKind {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        InstitutionKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text.trim() || kind.label_zh() == text.trim())
            .ok_or_else(|| {
                let known: Vec<&str> = InstitutionKind::ALL
                    .iter()
                    .map(|kind| kind.as_str())
                    .collect();
                Error::Invalid(format!(
                    "unknown institution kind '{text}' (one of {})",
                    known.join(", ")
                ))
            })
    }
}

/// A venue: a library, museum, culture hall …
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Institution {
    /// Short ASCII slug, e.g. `shaoer-library`.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    #[serde(default)]
    pub name_en: Option<String>,
    /// What kind of venue.
    pub kind: InstitutionKind,
    /// Street address.
    #[serde(default)]
    pub address: Option<String>,
    /// Opening hours as the venue writes them.
    #[serde(default)]
    pub opening_hours: Option<String>,
    /// Services offered (借阅, 展览, 培训 …).
    #[serde(default)]
    pub services: Vec<String>,
    /// Accessibility notes (无障碍).
    #[serde(default)]
    pub accessibility: Option<String>,
    /// Telephone or e-mail.
    #[serde(default)]
    pub contact: Option<String>,
    /// Web site.
    #[serde(default)]
    pub website: Option<String>,
}

/// A collection held by one institution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collection {
    /// Slug, unique within its institution.
    pub id: String,
    /// The institution that holds it.
    pub institution_id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    #[serde(default)]
    pub name_en: Option<String>,
    /// Free description.
    #[serde(default)]
    pub description: Option<String>,
}

/// Checks that an institution or collection id is a short ASCII slug.
pub fn validate_slug(kind: &str, id: &str) -> Result<()> {
    let valid = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|byte| {
            byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' || byte == b'_'
        })
        && id.as_bytes()[0].is_ascii_alphanumeric();
    if valid {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{kind} id '{id}' must be 1–64 lower-case ASCII letters, digits, '-' or '_'"
        )))
    }
}

/// One of Dublin Core's fifteen elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DcElement {
    /// 题名.
    Title,
    /// 责任者 / 创建者.
    Creator,
    /// 主题.
    Subject,
    /// 描述.
    Description,
    /// 出版者.
    Publisher,
    /// 其他责任者.
    Contributor,
    /// 日期, kept as written.
    Date,
    /// 类型.
    Type,
    /// 格式.
    Format,
    /// 标识符.
    Identifier,
    /// 来源.
    Source,
    /// 语言.
    Language,
    /// 关联.
    Relation,
    /// 覆盖范围 / 地点.
    Coverage,
    /// 权利.
    Rights,
}

impl DcElement {
    /// All fifteen, in Dublin Core's order.
    pub const ALL: [DcElement; 15] = [
        DcElement::Title,
        DcElement::Creator,
        DcElement::Subject,
        DcElement::Description,
        DcElement::Publisher,
        DcElement::Contributor,
        DcElement::Date,
        DcElement::Type,
        DcElement::Format,
        DcElement::Identifier,
        DcElement::Source,
        DcElement::Language,
        DcElement::Relation,
        DcElement::Coverage,
        DcElement::Rights,
    ];

    /// Dublin Core's own name, e.g. `title`.
    pub fn as_str(self) -> &'static str {
        match self {
            DcElement::Title => "title",
            DcElement::Creator => "creator",
            DcElement::Subject => "subject",
            DcElement::Description => "description",
            DcElement::Publisher => "publisher",
            DcElement::Contributor => "contributor",
            DcElement::Date => "date",
            DcElement::Type => "type",
            DcElement::Format => "format",
            DcElement::Identifier => "identifier",
            DcElement::Source => "source",
            DcElement::Language => "language",
            DcElement::Relation => "relation",
            DcElement::Coverage => "coverage",
            DcElement::Rights => "rights",
        }
    }

    /// The Chinese label shown to the public.
    pub fn label_zh(self) -> &'static str {
        match self {
            DcElement::Title => "题名",
            DcElement::Creator => "责任者",
            DcElement::Subject => "主题",
            DcElement::Description => "描述",
            DcElement::Publisher => "出版者",
            DcElement::Contributor => "其他责任者",
            DcElement::Date => "日期",
            DcElement::Type => "类型",
            DcElement::Format => "格式",
            DcElement::Identifier => "标识符",
            DcElement::Source => "来源",
            DcElement::Language => "语言",
            DcElement::Relation => "关联",
            DcElement::Coverage => "地点",
            DcElement::Rights => "权利",
        }
    }

    /// The English label shown to the public.
    pub fn label_en(self) -> &'static str {
        match self {
            DcElement::Title => "Title",
            DcElement::Creator => "Creator",
            DcElement::Subject => "Subject",
            DcElement::Description => "Description",
            DcElement::Publisher => "Publisher",
            DcElement::Contributor => "Contributor",
            DcElement::Date => "Date",
            DcElement::Type => "Type",
            DcElement::Format => "Format",
            DcElement::Identifier => "Identifier",
            DcElement::Source => "Source",
            DcElement::Language => "Language",
            DcElement::Relation => "Relation",
            DcElement::Coverage => "Place",
            DcElement::Rights => "Rights",
        }
    }

    /// Maps a sheet header (English DC name, `dc:title`, `dc.title`, or a usual
    /// Chinese header in simplified or traditional form) to its element.
    pub fn from_header(header: &str) -> Option<DcElement> {
        let trimmed = header.trim().trim_start_matches('\u{feff}').trim();
        let lower = trimmed.to_lowercase();
        let name = lower
            .strip_prefix("dc:")
            .or_else(|| lower.strip_prefix("dc."))
            .or_else(|| lower.strip_prefix("dcterms:"))
            .unwrap_or(&lower);
        let element = match name {
            "title" | "题名" | "題名" | "标题" | "標題" | "名称" | "名稱" | "书名" | "書名" => {
                DcElement::Title
            }
            "creator" | "author" | "责任者" | "責任者" | "创建者" | "創建者" | "作者" | "著者"
            | "创作者" | "創作者" => DcElement::Creator,
            "subject" | "subjects" | "keywords" | "主题" | "主題" | "主题词" | "主題詞"
            | "关键词" | "關鍵詞" => DcElement::Subject,
            "description" | "描述" | "简介" | "簡介" | "摘要" | "说明" | "說明" => {
                DcElement::Description
            }
            "publisher" | "出版者" | "出版社" | "出版单位" | "出版單位" => {
                DcElement::Publisher
            }
            "contributor" | "其他责任者" | "其他責任者" | "贡献者" | "貢獻者" => {
                DcElement::Contributor
            }
            "date" | "日期" | "时间" | "時間" | "年代" => DcElement::Date,
            "type" | "类型" | "類型" | "资源类型" | "資源類型" => DcElement::Type,
            "format" | "格式" => DcElement::Format,
            "identifier" | "id" | "标识符" | "標識符" | "编号" | "編號" | "索书号" | "索書號" => {
                DcElement::Identifier
            }
            "source" | "来源" | "來源" => DcElement::Source,
            "language" | "语言" | "語言" | "语种" | "語種" => DcElement::Language,
            "relation" | "关联" | "關聯" => DcElement::Relation,
            "coverage" | "place" | "spatial" | "覆盖范围" | "覆蓋範圍" | "地点" | "地點"
            | "地区" | "地區" => DcElement::Coverage,
            "rights" | "权利" | "權利" | "版权" | "版權" | "权限" | "權限" => {
                DcElement::Rights
            }
            _ => return None,
        };
        Some(element)
    }
}

impl FromStr for DcElement {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        DcElement::from_header(text)
            .ok_or_else(|| Error::Invalid(format!("'{text}' is not a Dublin Core element")))
    }
}

/// Descriptive metadata of an item: Dublin Core plus free extra fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Dublin Core elements, each multi-valued, values in the order given.
    #[serde(default)]
    pub dc: BTreeMap<DcElement, Vec<String>>,
    /// Other fields under the name the librarian used (材质, 尺寸 …).
    #[serde(default)]
    pub extra: BTreeMap<String, Vec<String>>,
}

impl Metadata {
    /// The values of one element (empty when absent).
    pub fn values(&self, element: DcElement) -> &[String] {
        self.dc.get(&element).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first value of one element.
    pub fn first(&self, element: DcElement) -> Option<&str> {
        self.values(element).first().map(String::as_str)
    }

    /// Appends values to an element, skipping blanks.
    pub fn push(&mut self, element: DcElement, values: impl IntoIterator<Item = String>) {
        let cleaned: Vec<String> = values
            .into_iter()
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
            .collect();
        if !cleaned.is_empty() {
            self.dc.entry(element).or_default().extend(cleaned);
        }
    }

    /// Appends values to an extra field, skipping blanks.
    pub fn push_extra(&mut self, name: &str, values: impl IntoIterator<Item = String>) {
        let cleaned: Vec<String> = values
            .into_iter()
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
            .collect();
        if !cleaned.is_empty() {
            self.extra
                .entry(name.trim().to_string())
                .or_default()
                .extend(cleaned);
        }
    }

    /// Fills every element and extra field this one lacks from `other`.
    pub fn fill_from(&mut self, other: &Metadata) {
        for (element, values) in &other.dc {
            self.dc.entry(*element).or_insert_with(|| values.clone());
        }
        for (name, values) in &other.extra {
            self.extra
                .entry(name.clone())
                .or_insert_with(|| values.clone());
        }
    }

    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.dc.is_empty() && self.extra.is_empty()
    }
}

/// Splits a sheet cell into values on `;` and the full-width `；`.
pub fn split_multi(cell: &str) -> Vec<String> {
    cell.split([';', '；'])
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_string)
        .collect()
}

/// An item: the unit a person finds and cites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Stable id, survives re-ingest (see [`item_id_for`]).
    pub id: String,
    /// What the id was made from: the source path or `institution + identifier`.
    pub source_key: String,
    /// Holding institution.
    pub institution_id: Option<String>,
    /// Collection within the institution.
    pub collection_id: Option<String>,
    /// Who may see what.
    pub access: AccessLevel,
    /// Descriptive metadata.
    pub metadata: Metadata,
    /// Unix seconds when first catalogued.
    pub created_at: i64,
    /// Unix seconds of the last change.
    pub updated_at: i64,
    /// Unix seconds of deletion (a tombstone, kept for OAI-PMH), or `None`.
    pub deleted_at: Option<i64>,
}

impl Item {
    /// The title shown to people: the first title, or the id.
    pub fn display_title(&self) -> &str {
        self.metadata.first(DcElement::Title).unwrap_or(&self.id)
    }
}

/// Derives an item's stable id from its source key: `w` and 12 base32
/// characters of the key's BLAKE3 hash. The same key always gives the same id.
pub fn item_id_for(source_key: &str) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let hash = blake3::hash(source_key.as_bytes());
    let mut bits: u64 = u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("8 bytes"));
    let mut id = String::with_capacity(13);
    id.push('w');
    for _ in 0..12 {
        id.push(ALPHABET[(bits & 31) as usize] as char);
        bits >>= 5;
    }
    id
}

/// Where a file's preserved bytes live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageMode {
    /// Copied into the content-addressed store.
    Copy,
    /// Left in place; the catalogue records path and digest.
    Reference,
}

impl StorageMode {
    /// The stable name used in the catalogue and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageMode::Copy => "copy",
            StorageMode::Reference => "reference",
        }
    }
}

impl FromStr for StorageMode {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text {
            "copy" => Ok(StorageMode::Copy),
            "reference" => Ok(StorageMode::Reference),
            _ => Err(Error::Invalid(format!(
                "unknown storage mode '{text}' (copy or reference)"
            ))),
        }
    }
}

/// Technical metadata extracted from a file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TechMetadata {
    /// Pixel width of the (first) image, before orientation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Pixel height of the (first) image, before orientation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Pages of a multi-page TIFF or a PDF; frames of an animated GIF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_count: Option<u32>,
    /// EXIF DateTimeOriginal as written, e.g. `2019:05:04 10:11:12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exif_datetime: Option<String>,
    /// EXIF camera maker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_make: Option<String>,
    /// EXIF camera model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_model: Option<String>,
    /// EXIF orientation 1–8, when not 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<u16>,
    /// Duration of audio or video in seconds, where a decoder knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
}

/// The derivatives made for one page of a file, paths relative to the data directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageDerivative {
    /// Page number, from 1.
    pub page: u32,
    /// 400 px thumbnail (JPEG).
    pub thumbnail: String,
    /// 1600 px web image (JPEG).
    pub web: String,
    /// Pixel width of the page after EXIF orientation.
    pub width: u32,
    /// Pixel height of the page after EXIF orientation.
    pub height: u32,
}

/// A word of OCR text with its box on the page, in page pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OcrWord {
    /// The word as recognised.
    pub text: String,
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

/// A file of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemFile {
    /// Position within the item, from 1 (page or view number).
    pub seq: u32,
    /// BLAKE3 digest, lower-case hex.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
    /// Media type identified from content, e.g. `image/jpeg`.
    pub media_type: String,
    /// The path the file was ingested from.
    pub source_path: String,
    /// Modification time of the source, nanoseconds since the epoch.
    pub source_mtime_ns: i64,
    /// Copied into the store, or referenced in place.
    pub storage: StorageMode,
    /// Technical metadata.
    pub tech: TechMetadata,
    /// Derivatives per image page.
    pub derivatives: Vec<PageDerivative>,
    /// Extracted full text (PDF text layer, OCR sidecar, plain text).
    pub text: Option<String>,
    /// OCR words with coordinates, where the sidecar had them.
    pub ocr_words: Vec<OcrWord>,
}

/// An item with its files, as read from the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemRecord {
    /// The item.
    pub item: Item,
    /// Its files in order.
    pub files: Vec<ItemFile>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_map_in_both_scripts() {
        assert_eq!(DcElement::from_header("题名"), Some(DcElement::Title));
        assert_eq!(DcElement::from_header("題名"), Some(DcElement::Title));
        assert_eq!(
            DcElement::from_header(" dc:Creator "),
            Some(DcElement::Creator)
        );
        assert_eq!(
            DcElement::from_header("\u{feff}title"),
            Some(DcElement::Title)
        );
        assert_eq!(DcElement::from_header("地点"), Some(DcElement::Coverage));
        assert_eq!(DcElement::from_header("材质"), None);
    }

    #[test]
    fn multi_values_split_on_both_semicolons() {
        assert_eq!(
            split_multi("陶瓷；耀州窑; 黄堡 ;"),
            vec!["陶瓷", "耀州窑", "黄堡"]
        );
    }

    #[test]
    fn item_ids_are_stable_and_distinct() {
        assert_eq!(item_id_for("a/b.jpg"), item_id_for("a/b.jpg"));
        assert_ne!(item_id_for("a/b.jpg"), item_id_for("a/c.jpg"));
        assert_eq!(item_id_for("x").len(), 13);
    }

    #[test]
    fn access_levels_parse_in_chinese() {
        assert_eq!("公开".parse::<AccessLevel>().unwrap(), AccessLevel::Public);
        assert_eq!(
            "metadata-only".parse::<AccessLevel>().unwrap(),
            AccessLevel::MetadataOnly
        );
        assert!("maybe".parse::<AccessLevel>().is_err());
    }
}
