//! The catalogue record as a bag carries it: `metadata/items/<id>.json`
//! (everything the catalogue knows of the item, each file with the path of
//! its bytes in the bag) and `metadata/items/<id>.dc.xml` (the Dublin Core
//! elements as `oai_dc`, for tools that know nothing of wenyuan).

use serde::{Deserialize, Serialize};
use wenyuan_index::model::{DcElement, Item, ItemFile, ItemRecord, StorageMode};

/// The `format` of a record file.
pub const RECORD_FORMAT: &str = "wenyuan-item-record";
/// The newest record version this build reads and the one it writes.
pub const RECORD_VERSION: u32 = 1;

/// Folder of the records inside a bag.
pub const ITEMS_DIR: &str = "metadata/items";
/// The venue of the bag's items.
pub const INSTITUTION_FILE: &str = "metadata/institution.json";
/// The collection of the bag's items.
pub const COLLECTION_FILE: &str = "metadata/collection.json";

/// One item's catalogue record in a bag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BagRecord {
    /// Always [`RECORD_FORMAT`].
    pub format: String,
    /// [`RECORD_VERSION`] when written.
    pub version: u32,
    /// The item: id, source key, venue, collection, access, Dublin Core and
    /// extra fields, when it was catalogued.
    pub item: Item,
    /// Its files in order.
    pub files: Vec<BagFile>,
}

/// A file of the record and where its bytes lie in the bag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BagFile {
    /// The path in the bag, e.g. `data/kiln.jpg`.
    pub payload: String,
    /// What the catalogue records of the file: BLAKE3 digest, size, media
    /// type, original path, technical metadata, full text. Derivatives are
    /// left out: they are not in the bag and are remade on import.
    #[serde(flatten)]
    pub file: ItemFile,
}

impl BagRecord {
    /// The record of `record`, its files at `payload_paths` (same order).
    pub fn new(record: &ItemRecord, payload_paths: Vec<String>) -> Self {
        debug_assert_eq!(record.files.len(), payload_paths.len());
        BagRecord {
            format: RECORD_FORMAT.to_string(),
            version: RECORD_VERSION,
            item: record.item.clone(),
            files: record
                .files
                .iter()
                .zip(payload_paths)
                .map(|(file, payload)| BagFile {
                    payload,
                    file: ItemFile {
                        derivatives: Vec::new(),
                        ..file.clone()
                    },
                })
                .collect(),
        }
    }

    /// The record as written in the bag: pretty JSON, a final newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut json = serde_json::to_vec_pretty(self).expect("a record serialises");
        json.push(b'\n');
        json
    }

    /// What must match for an item here to be "the same" as this record:
    /// the item without its timestamps, the files without derivatives
    /// (remade), storage (an import copies) and payload paths.
    pub fn comparable(&self) -> ItemRecord {
        comparable(&ItemRecord {
            item: self.item.clone(),
            files: self.files.iter().map(|file| file.file.clone()).collect(),
        })
    }
}

/// See [`BagRecord::comparable`].
pub fn comparable(record: &ItemRecord) -> ItemRecord {
    let mut record = record.clone();
    record.item.created_at = 0;
    record.item.updated_at = 0;
    record.item.deleted_at = None;
    for file in &mut record.files {
        file.derivatives.clear();
        file.storage = StorageMode::Copy;
    }
    record
}

/// The item's Dublin Core elements as an `oai_dc` document.
pub fn dublin_core_xml(item: &Item) -> Vec<u8> {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">\n",
    );
    for element in DcElement::ALL {
        for value in item.metadata.values(element) {
            let name = element.as_str();
            xml.push_str(&format!("  <dc:{name}>{}</dc:{name}>\n", escape_xml(value)));
        }
    }
    xml.push_str("</oai_dc:dc>\n");
    xml.into_bytes()
}

/// Escapes text for XML and drops the characters XML 1.0 cannot hold.
fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\t' | '\n' | '\r' => escaped.push(character),
            control if (control as u32) < 0x20 => {}
            '\u{fffe}' | '\u{ffff}' => {}
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use wenyuan_index::model::{AccessLevel, Metadata, PageDerivative, TechMetadata};

    fn sample() -> ItemRecord {
        let mut metadata = Metadata::default();
        metadata.push(DcElement::Title, ["碗 <宋> & \"青\"\u{1}".to_string()]);
        metadata.push(
            DcElement::Subject,
            ["陶瓷".to_string(), "耀州窑".to_string()],
        );
        metadata.push_extra("材质", ["瓷".to_string()]);
        ItemRecord {
            item: Item {
                id: "wabc".into(),
                source_key: "/s/bowl.jpg".into(),
                institution_id: Some("museum".into()),
                collection_id: None,
                access: AccessLevel::Restricted,
                metadata,
                created_at: 5,
                updated_at: 6,
                deleted_at: None,
            },
            files: vec![ItemFile {
                seq: 1,
                digest: "d".repeat(64),
                size: 3,
                media_type: "image/jpeg".into(),
                source_path: "/s/bowl.jpg".into(),
                source_mtime_ns: 7,
                storage: StorageMode::Reference,
                tech: TechMetadata {
                    width: Some(10),
                    duration_s: Some(1.5),
                    ..TechMetadata::default()
                },
                derivatives: vec![PageDerivative {
                    page: 1,
                    thumbnail: "derivatives/x/p0001-thumb.jpg".into(),
                    web: "derivatives/x/p0001-web.jpg".into(),
                    width: 10,
                    height: 10,
                }],
                text: Some("正文".into()),
                ocr_words: vec![],
            }],
        }
    }

    #[test]
    fn records_read_back_without_derivatives() {
        let record = BagRecord::new(&sample(), vec!["data/bowl.jpg".into()]);
        let json = record.to_json();
        let read: BagRecord = serde_json::from_slice(&json).unwrap();
        assert_eq!(read, record);
        assert!(read.files[0].file.derivatives.is_empty());
        assert_eq!(read.files[0].payload, "data/bowl.jpg");
        assert_eq!(read.item.metadata.extra["材质"], ["瓷"]);
        assert_eq!(read.comparable(), comparable(&sample()));
    }

    #[test]
    fn dublin_core_is_escaped() {
        let xml = String::from_utf8(dublin_core_xml(&sample().item)).unwrap();
        assert!(
            xml.contains("<dc:title>碗 &lt;宋&gt; &amp; &quot;青&quot;</dc:title>"),
            "{xml}"
        );
        assert!(xml.contains("<dc:subject>耀州窑</dc:subject>"));
        assert!(!xml.contains("材质"));
    }
}
