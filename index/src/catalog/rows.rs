//! Decoding rows into the record model, and the JSON columns.

use crate::model::{AccessLevel, Item, ItemFile, Metadata};
use crate::{Error, Result};

pub(super) const ITEM_COLUMNS: &str = "id, source_key, institution_id, collection_id, access, metadata, created_at, updated_at, deleted_at";

pub(super) const FILE_COLUMNS: &str = "seq, digest, size, media_type, source_path, source_mtime_ns, storage, tech, derivatives, text, ocr_words";

pub(super) fn decode_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|error| Error::Corrupt(error.to_string()))
}

pub(super) fn encode_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|error| Error::Corrupt(error.to_string()))
}

pub(super) fn item_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Item>> {
    let access: String = row.get(4)?;
    let metadata: String = row.get(5)?;
    let parsed = (|| -> Result<Item> {
        Ok(Item {
            id: row.get(0)?,
            source_key: row.get(1)?,
            institution_id: row.get(2)?,
            collection_id: row.get(3)?,
            access: access
                .parse::<AccessLevel>()
                .map_err(|error| Error::Corrupt(error.to_string()))?,
            metadata: decode_json::<Metadata>(&metadata)?,
            created_at: row.get(6)?,
            updated_at: row.get(7)?,
            deleted_at: row.get(8)?,
        })
    })();
    Ok(parsed)
}

pub(super) fn file_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<ItemFile>> {
    let parsed = (|| -> Result<ItemFile> {
        let storage: String = row.get(6)?;
        let ocr_words: Option<String> = row.get(10)?;
        Ok(ItemFile {
            seq: row.get(0)?,
            digest: row.get(1)?,
            size: row.get::<_, i64>(2)? as u64,
            media_type: row.get(3)?,
            source_path: row.get(4)?,
            source_mtime_ns: row.get(5)?,
            storage: storage
                .parse()
                .map_err(|error: Error| Error::Corrupt(error.to_string()))?,
            tech: decode_json(&row.get::<_, String>(7)?)?,
            derivatives: decode_json(&row.get::<_, String>(8)?)?,
            text: row.get(9)?,
            ocr_words: ocr_words
                .map(|json| decode_json(&json))
                .transpose()?
                .unwrap_or_default(),
        })
    })();
    Ok(parsed)
}
