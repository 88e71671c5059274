//! Reading files: what is known at a source path (the quick unchanged
//! check), files by digest, the preserved files `verify` checks, totals, and
//! who may see a digest's bytes.

use std::collections::HashMap;

use rusqlite::OptionalExtension;

use super::Catalog;
use super::rows::{FILE_COLUMNS, file_from_row};
use crate::model::{AccessLevel, ItemFile, StorageMode};
use crate::{Error, Result};

/// What the catalogue knows of a file at a source path, for the quick
/// "unchanged?" check that avoids re-hashing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownFile {
    /// The item the file belongs to.
    pub item_id: String,
    /// Size in bytes when ingested.
    pub size: u64,
    /// Modification time in nanoseconds when ingested.
    pub mtime_ns: i64,
    /// BLAKE3 hex digest.
    pub digest: String,
}

/// A preserved file to check in `verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// BLAKE3 hex digest.
    pub digest: String,
    /// Expected size.
    pub size: u64,
    /// Copy or reference.
    pub storage: StorageMode,
    /// The source path (the location of a referenced file).
    pub source_path: String,
}

impl Catalog {
    /// Every catalogued file by source path, for the quick unchanged check.
    pub fn known_files(&self) -> Result<HashMap<String, KnownFile>> {
        let mut statement = self
            .connection
            .prepare("SELECT source_path, item_id, size, source_mtime_ns, digest FROM files")?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                KnownFile {
                    item_id: row.get(1)?,
                    size: row.get::<_, i64>(2)? as u64,
                    mtime_ns: row.get(3)?,
                    digest: row.get(4)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// True when a file other than `except_source_path` already has these bytes.
    pub fn digest_in_use(&self, digest: &str, except_source_path: &str) -> Result<bool> {
        Ok(self
            .connection
            .query_row(
                "SELECT 1 FROM files WHERE digest = ?1 AND source_path != ?2 LIMIT 1",
                [digest, except_source_path],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    pub(super) fn files_of(&self, item_id: &str) -> Result<Vec<ItemFile>> {
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {FILE_COLUMNS} FROM files WHERE item_id = ?1 ORDER BY seq"
        ))?;
        let rows = statement.query_map([item_id], file_from_row)?;
        let mut files = Vec::new();
        for row in rows {
            files.push(row??);
        }
        Ok(files)
    }

    /// The catalogued file ingested from `source_path`, if any.
    pub fn file_by_source_path(&self, source_path: &str) -> Result<Option<ItemFile>> {
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {FILE_COLUMNS} FROM files WHERE source_path = ?1"
        ))?;
        statement
            .query_row([source_path], file_from_row)
            .optional()?
            .transpose()
    }

    /// The item that holds the file ingested from `source_path`, if any.
    pub fn item_holding_source_path(&self, source_path: &str) -> Result<Option<String>> {
        Ok(self
            .connection
            .query_row(
                "SELECT item_id FROM files WHERE source_path = ?1",
                [source_path],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Some catalogued file with these bytes, if any (to reuse its derivatives and text).
    pub fn file_by_digest(&self, digest: &str) -> Result<Option<ItemFile>> {
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {FILE_COLUMNS} FROM files WHERE digest = ?1 LIMIT 1"
        ))?;
        statement
            .query_row([digest], file_from_row)
            .optional()?
            .transpose()
    }

    /// Number of file rows.
    pub fn count_files(&self) -> Result<u64> {
        Ok(self
            .connection
            .query_row("SELECT COUNT(*) FROM files", [], |row| row.get::<_, i64>(0))?
            as u64)
    }

    /// Number of files and their bytes per item id.
    pub fn file_totals_by_item(&self) -> Result<HashMap<String, (u64, u64)>> {
        let mut statement = self
            .connection
            .prepare("SELECT item_id, COUNT(*), SUM(size) FROM files GROUP BY item_id")?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                (row.get::<_, i64>(1)? as u64, row.get::<_, i64>(2)? as u64),
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every distinct preserved file: one row per stored digest, one per referenced path.
    pub fn stored_files(&self) -> Result<Vec<StoredFile>> {
        let mut statement = self.connection.prepare(
            "SELECT digest, MAX(size), storage, MIN(source_path) FROM files WHERE storage = 'copy' GROUP BY digest
             UNION ALL
             SELECT digest, size, storage, source_path FROM files WHERE storage = 'reference'
             ORDER BY 1, 4",
        )?;
        let rows = statement.query_map([], |row| {
            let storage: String = row.get(2)?;
            Ok(StoredFile {
                digest: row.get(0)?,
                size: row.get::<_, i64>(1)? as u64,
                storage: if storage == "reference" {
                    StorageMode::Reference
                } else {
                    StorageMode::Copy
                },
                source_path: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The access levels of the live items holding a file with this digest
    /// (one entry per item), so a server can decide whether the bytes may be shown.
    pub fn access_levels_of_items_holding_digest(&self, digest: &str) -> Result<Vec<AccessLevel>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT DISTINCT items.id, items.access FROM files JOIN items ON items.id = files.item_id
             WHERE files.digest = ?1 AND items.deleted_at IS NULL",
        )?;
        let rows = statement.query_map([digest], |row| row.get::<_, String>(1))?;
        let mut levels = Vec::new();
        for access in rows {
            levels.push(
                access?
                    .parse::<AccessLevel>()
                    .map_err(|error| Error::Corrupt(error.to_string()))?,
            );
        }
        Ok(levels)
    }
}
