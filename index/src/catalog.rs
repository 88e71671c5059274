//! The catalogue: `<data>/catalog.sqlite`, the source of truth.
//!
//! Institutions, collections, items (Dublin Core as JSON, access, timestamps,
//! tombstones), files (digest, size, media type, order, technical metadata,
//! derivative paths, extracted text) and an event log. The schema is
//! versioned with `PRAGMA user_version` and migrated forward on open.
//! Writes happen in batched transactions: a crash loses at most the batch in
//! flight, never leaves half an item.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::model::{
    AccessLevel, Collection, Institution, Item, ItemFile, ItemRecord, Metadata, StorageMode,
    validate_slug,
};
use crate::{Error, Result};

/// Schema migrations, applied in order; the index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE institutions (
    id         TEXT PRIMARY KEY,
    name_zh    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    record     TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE collections (
    institution_id TEXT NOT NULL REFERENCES institutions(id),
    id             TEXT NOT NULL,
    name_zh        TEXT NOT NULL,
    record         TEXT NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (institution_id, id)
);
CREATE TABLE items (
    id             TEXT PRIMARY KEY,
    source_key     TEXT NOT NULL UNIQUE,
    institution_id TEXT,
    collection_id  TEXT,
    access         TEXT NOT NULL,
    title          TEXT,
    metadata       TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    deleted_at     INTEGER
);
CREATE INDEX items_by_update ON items(updated_at, id);
CREATE INDEX items_by_institution ON items(institution_id, collection_id);
CREATE TABLE files (
    item_id         TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    digest          TEXT NOT NULL,
    size            INTEGER NOT NULL,
    media_type      TEXT NOT NULL,
    source_path     TEXT NOT NULL,
    source_mtime_ns INTEGER NOT NULL,
    storage         TEXT NOT NULL,
    tech            TEXT NOT NULL,
    derivatives     TEXT NOT NULL,
    text            TEXT,
    ocr_words       TEXT,
    PRIMARY KEY (item_id, seq)
);
CREATE UNIQUE INDEX files_by_source ON files(source_path);
CREATE INDEX files_by_digest ON files(digest);
CREATE TABLE events (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    item_id TEXT,
    detail  TEXT
);
"#,
    r#"
-- Items written to the catalogue whose search-index update is not yet
-- committed: a run killed between the two commits is caught up by the next.
CREATE TABLE index_pending (
    item_id TEXT PRIMARY KEY
);
"#,
    r#"
CREATE TABLE api_keys (
    key_hash   TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
"#,
];

/// The newest schema version this build understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs() as i64
}

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

/// One item to write, with its files and the fingerprint of its inputs.
#[derive(Debug, Clone)]
pub struct ItemWrite {
    /// The item with its files. `created_at` is kept from an existing row;
    /// a new row takes the record's `created_at` when it is set (above 0: an
    /// item restored from a backup keeps when it was first catalogued), else now.
    /// `updated_at` is always now.
    pub record: ItemRecord,
    /// A hash of everything the item was made from; unchanged inputs give the same fingerprint.
    pub fingerprint: String,
}

/// What writing an item did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// A new item.
    Added,
    /// An existing item whose record changed.
    Updated,
    /// An existing item with the same fingerprint: nothing written.
    Unchanged,
}

/// A connection to the catalogue.
pub struct Catalog {
    connection: Connection,
}

impl Catalog {
    /// Opens (creating if needed) the catalogue for writing and migrates it.
    pub fn open(path: &Path) -> Result<Self> {
        if !path.exists() {
            create_atomically(path)?;
        }
        let connection = Connection::open(path)?;
        connection.busy_timeout(Duration::from_secs(30))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        let mut catalog = Catalog { connection };
        catalog.migrate()?;
        Ok(catalog)
    }

    /// Opens an existing catalogue read-only (for the server and `verify`).
    pub fn open_read_only(path: &Path) -> Result<Self> {
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        connection.busy_timeout(Duration::from_secs(30))?;
        let catalog = Catalog { connection };
        let version = catalog.schema_version()?;
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(catalog)
    }

    fn schema_version(&self) -> Result<i64> {
        Ok(self
            .connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    fn migrate(&mut self) -> Result<()> {
        let version = self.schema_version()?;
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let transaction = self.connection.transaction()?;
            transaction.execute_batch(migration)?;
            transaction.pragma_update(None, "user_version", index as i64 + 1)?;
            transaction.commit()?;
        }
        Ok(())
    }

    /// Adds or replaces an institution.
    pub fn upsert_institution(&mut self, institution: &Institution) -> Result<()> {
        validate_slug("institution", &institution.id)?;
        let record = serde_json::to_string(institution)
            .map_err(|error| Error::Corrupt(error.to_string()))?;
        self.connection.execute(
            "INSERT INTO institutions (id, name_zh, kind, record, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(id) DO UPDATE SET name_zh = excluded.name_zh, kind = excluded.kind,
                 record = excluded.record, updated_at = excluded.updated_at",
            params![institution.id, institution.name_zh, institution.kind.as_str(), record, unix_now()],
        )?;
        Ok(())
    }

    /// Adds or replaces a collection; its institution must exist.
    pub fn upsert_collection(&mut self, collection: &Collection) -> Result<()> {
        validate_slug("collection", &collection.id)?;
        if self.institution(&collection.institution_id)?.is_none() {
            return Err(Error::NotFound {
                kind: "institution",
                id: collection.institution_id.clone(),
            });
        }
        let record =
            serde_json::to_string(collection).map_err(|error| Error::Corrupt(error.to_string()))?;
        self.connection.execute(
            "INSERT INTO collections (institution_id, id, name_zh, record, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(institution_id, id) DO UPDATE SET name_zh = excluded.name_zh,
                 record = excluded.record, updated_at = excluded.updated_at",
            params![collection.institution_id, collection.id, collection.name_zh, record, unix_now()],
        )?;
        Ok(())
    }

    /// One institution, if it exists.
    pub fn institution(&self, id: &str) -> Result<Option<Institution>> {
        let record: Option<String> = self
            .connection
            .query_row(
                "SELECT record FROM institutions WHERE id = ?1",
                [id],
                |row| row.get(0),
            )
            .optional()?;
        record.map(|json| decode_json(&json)).transpose()
    }

    /// Every institution, by id.
    pub fn institutions(&self) -> Result<Vec<Institution>> {
        let mut statement = self
            .connection
            .prepare("SELECT record FROM institutions ORDER BY id")?;
        let records = statement.query_map([], |row| row.get::<_, String>(0))?;
        records.map(|json| decode_json(&json?)).collect()
    }

    /// One collection, if it exists.
    pub fn collection(&self, institution_id: &str, id: &str) -> Result<Option<Collection>> {
        let record: Option<String> = self
            .connection
            .query_row(
                "SELECT record FROM collections WHERE institution_id = ?1 AND id = ?2",
                [institution_id, id],
                |row| row.get(0),
            )
            .optional()?;
        record.map(|json| decode_json(&json)).transpose()
    }

    /// Every collection, by institution and id.
    pub fn collections(&self) -> Result<Vec<Collection>> {
        let mut statement = self
            .connection
            .prepare("SELECT record FROM collections ORDER BY institution_id, id")?;
        let records = statement.query_map([], |row| row.get::<_, String>(0))?;
        records.map(|json| decode_json(&json?)).collect()
    }

    /// Live (not deleted) items per institution id.
    pub fn item_counts_by_institution(&self) -> Result<HashMap<String, u64>> {
        let mut statement = self.connection.prepare(
            "SELECT COALESCE(institution_id, ''), COUNT(*) FROM items WHERE deleted_at IS NULL GROUP BY 1",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

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

    /// The fingerprint of every live item, by id.
    pub fn item_fingerprints(&self) -> Result<HashMap<String, String>> {
        let mut statement = self
            .connection
            .prepare("SELECT id, fingerprint FROM items WHERE deleted_at IS NULL")?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
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

    /// Writes a batch of items and their files in one transaction. Files are
    /// moved from any item that held the same source path before; an item
    /// left without files becomes a tombstone.
    pub fn write_batch(&mut self, batch: &[ItemWrite]) -> Result<Vec<WriteOutcome>> {
        Ok(self.write_batch_reporting(batch)?.0)
    }

    /// Like [`Catalog::write_batch`], also returning the ids of items that
    /// became tombstones because their files moved to an item of the batch.
    pub fn write_batch_reporting(
        &mut self,
        batch: &[ItemWrite],
    ) -> Result<(Vec<WriteOutcome>, Vec<String>)> {
        let now = unix_now();
        let transaction = self.connection.transaction()?;
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut tombstoned = Vec::new();
        for write in batch {
            outcomes.push(write_item(&transaction, write, now, &mut tombstoned)?);
        }
        transaction.commit()?;
        Ok((outcomes, tombstoned))
    }

    /// Marks an item deleted (a tombstone kept for OAI-PMH) and drops its files' rows.
    pub fn tombstone_item(&mut self, id: &str) -> Result<bool> {
        let now = unix_now();
        let transaction = self.connection.transaction()?;
        let changed = transaction.execute(
            "UPDATE items SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id, now],
        )?;
        transaction.execute("DELETE FROM files WHERE item_id = ?1", [id])?;
        if changed > 0 {
            insert_event(&transaction, now, "deleted", Some(id), None)?;
            mark_index_pending(&transaction, id)?;
        }
        transaction.commit()?;
        Ok(changed > 0)
    }

    /// Items whose search-index update has not been committed yet.
    pub fn index_pending(&self) -> Result<Vec<String>> {
        let mut statement = self
            .connection
            .prepare("SELECT item_id FROM index_pending ORDER BY item_id")?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Forgets pending index updates once the index committed them (all of them when `ids` is `None`).
    pub fn clear_index_pending(&mut self, ids: Option<&[String]>) -> Result<()> {
        let transaction = self.connection.transaction()?;
        match ids {
            None => {
                transaction.execute("DELETE FROM index_pending", [])?;
            }
            Some(ids) => {
                for id in ids {
                    transaction.execute("DELETE FROM index_pending WHERE item_id = ?1", [id])?;
                }
            }
        }
        transaction.commit()?;
        Ok(())
    }

    /// Appends to the event log (ingest runs, verification results).
    pub fn record_event(
        &mut self,
        kind: &str,
        item_id: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        insert_event(&self.connection, unix_now(), kind, item_id, detail)
    }

    /// One item with its files; tombstones included (check `deleted_at`).
    pub fn item(&self, id: &str) -> Result<Option<ItemRecord>> {
        // Prepared once per connection: the server completes every search hit with this.
        let item = self
            .connection
            .prepare_cached(&format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = ?1"))?
            .query_row([id], item_from_row)
            .optional()?;
        let Some(item) = item else {
            return Ok(None);
        };
        let item = item?;
        let files = self.files_of(&item.id)?;
        Ok(Some(ItemRecord { item, files }))
    }

    /// What a page of search hits needs from the catalogue beyond the index,
    /// for all of them in two queries (not the full records: no metadata,
    /// technical data or full text is decoded). Ids not in the catalogue are
    /// missing from the map.
    pub fn hit_summaries(&self, ids: &[String]) -> Result<HashMap<String, HitSummary>> {
        let ids_json = encode_json(&ids)?;
        let mut summaries = HashMap::with_capacity(ids.len());
        let mut items = self.connection.prepare_cached(
            "SELECT id, institution_id, collection_id, access, deleted_at FROM items \
             WHERE id IN (SELECT value FROM json_each(?1))",
        )?;
        let mut rows = items.query([&ids_json])?;
        while let Some(row) = rows.next()? {
            let access: String = row.get(3)?;
            let deleted_at: Option<i64> = row.get(4)?;
            summaries.insert(
                row.get::<_, String>(0)?,
                HitSummary {
                    institution_id: row.get(1)?,
                    collection_id: row.get(2)?,
                    access: access
                        .parse::<AccessLevel>()
                        .map_err(|error| Error::Corrupt(error.to_string()))?,
                    deleted: deleted_at.is_some(),
                    first_page: None,
                },
            );
        }
        // The first page with derivatives: the lowest file seq that has any.
        let mut pages = self.connection.prepare_cached(
            "SELECT item_id, seq, json_extract(derivatives, '$[0].page') FROM files \
             WHERE item_id IN (SELECT value FROM json_each(?1)) \
               AND json_array_length(derivatives) > 0 \
             ORDER BY item_id, seq",
        )?;
        let mut rows = pages.query([&ids_json])?;
        while let Some(row) = rows.next()? {
            let item_id: String = row.get(0)?;
            if let Some(summary) = summaries.get_mut(&item_id)
                && summary.first_page.is_none()
            {
                summary.first_page = Some((row.get(1)?, row.get(2)?));
            }
        }
        Ok(summaries)
    }

    fn files_of(&self, item_id: &str) -> Result<Vec<ItemFile>> {
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

    /// Live items (without their files) in id order, of one institution and
    /// collection when given (`None` does not filter).
    pub fn live_items(
        &self,
        institution_id: Option<&str>,
        collection_id: Option<&str>,
    ) -> Result<Vec<Item>> {
        let mut statement = self.connection.prepare(&format!(
            "SELECT {ITEM_COLUMNS} FROM items WHERE deleted_at IS NULL
               AND (?1 IS NULL OR institution_id = ?1) AND (?2 IS NULL OR collection_id = ?2)
             ORDER BY id"
        ))?;
        let rows = statement.query_map(params![institution_id, collection_id], item_from_row)?;
        let mut items = Vec::new();
        for row in rows {
            items.push(row??);
        }
        Ok(items)
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

    /// Calls `visit` for every item (tombstones included) with its files, in id order.
    pub fn for_each_item(&self, mut visit: impl FnMut(ItemRecord) -> Result<()>) -> Result<()> {
        let mut statement = self
            .connection
            .prepare(&format!("SELECT {ITEM_COLUMNS} FROM items ORDER BY id"))?;
        let rows = statement.query_map([], item_from_row)?;
        for row in rows {
            let item = row??;
            let files = self.files_of(&item.id)?;
            visit(ItemRecord { item, files })?;
        }
        Ok(())
    }

    /// Number of live items.
    pub fn count_items(&self) -> Result<u64> {
        Ok(self.connection.query_row(
            "SELECT COUNT(*) FROM items WHERE deleted_at IS NULL",
            [],
            |row| row.get::<_, i64>(0),
        )? as u64)
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

    /// Creates an API key called `name` and returns its plaintext, which is
    /// shown this once: only its hash ([`hash_api_key`]) is stored.
    pub fn create_api_key(&mut self, name: &str) -> Result<String> {
        let name = name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(Error::Invalid(
                "an API key needs a name of 1–200 bytes".into(),
            ));
        }
        let mut random = [0u8; 32];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut source| std::io::Read::read_exact(&mut source, &mut random))
            .map_err(|source| Error::io("reading /dev/urandom for a new API key", source))?;
        let key = format!("wy_{}", blake3::Hash::from(random).to_hex());
        self.connection.execute(
            "INSERT INTO api_keys (key_hash, name, created_at) VALUES (?1, ?2, ?3)",
            params![hash_api_key(&key), name, unix_now()],
        )?;
        Ok(key)
    }

    /// The name of the API key whose hash is `key_hash`, if there is one.
    /// A catalogue older than the keys table simply has no keys.
    pub fn api_key_name(&self, key_hash: &str) -> Result<Option<String>> {
        if self.schema_version()? < 3 {
            return Ok(None);
        }
        Ok(self
            .connection
            .query_row(
                "SELECT name FROM api_keys WHERE key_hash = ?1",
                [key_hash],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Items (tombstones included) in `(updated_at, id)` order, filtered as
    /// `query` says: the feed that OAI-PMH harvests page by page.
    pub fn items_changed(&self, query: &ChangeQuery) -> Result<Vec<Item>> {
        let (filter, mut values) = query.where_clause();
        let mut sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE {filter}");
        if let Some((updated_at, id)) = &query.after {
            values.push(rusqlite::types::Value::Integer(*updated_at));
            values.push(rusqlite::types::Value::Text(id.clone()));
            let n = values.len();
            sql.push_str(&format!(" AND (updated_at, id) > (?{}, ?{n})", n - 1));
        }
        sql.push_str(&format!(" ORDER BY updated_at, id LIMIT {}", query.limit));
        let mut statement = self.connection.prepare(&sql)?;
        let rows = statement.query_map(rusqlite::params_from_iter(values), item_from_row)?;
        let mut items = Vec::new();
        for row in rows {
            items.push(row??);
        }
        Ok(items)
    }

    /// How many items [`Catalog::items_changed`] would list without paging.
    pub fn count_items_changed(&self, query: &ChangeQuery) -> Result<u64> {
        let (filter, values) = query.where_clause();
        Ok(self.connection.query_row(
            &format!("SELECT COUNT(*) FROM items WHERE {filter}"),
            rusqlite::params_from_iter(values),
            |row| row.get::<_, i64>(0),
        )? as u64)
    }

    /// The oldest `updated_at` of any item (tombstones included).
    pub fn earliest_update(&self) -> Result<Option<i64>> {
        Ok(self
            .connection
            .query_row("SELECT MIN(updated_at) FROM items", [], |row| row.get(0))?)
    }

    /// The first live item whose Dublin Core identifier is exactly `identifier`.
    pub fn item_id_by_identifier(&self, identifier: &str) -> Result<Option<String>> {
        Ok(self
            .connection
            .query_row(
                "SELECT items.id FROM items, json_each(items.metadata, '$.dc.identifier') AS value
                 WHERE value.value = ?1 AND items.deleted_at IS NULL ORDER BY items.id LIMIT 1",
                [identifier],
                |row| row.get(0),
            )
            .optional()?)
    }
}

/// The BLAKE3 hex hash under which an API key is stored and looked up.
pub fn hash_api_key(key: &str) -> String {
    blake3::hash(key.trim().as_bytes()).to_hex().to_string()
}

/// Which items [`Catalog::items_changed`] lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeQuery {
    /// Only items of this institution.
    pub institution_id: Option<String>,
    /// Only items of this collection (of `institution_id`).
    pub collection_id: Option<String>,
    /// Only items updated at or after this time (unix seconds).
    pub from: Option<i64>,
    /// Only items updated at or before this time (unix seconds).
    pub until: Option<i64>,
    /// Continue after this `(updated_at, id)`.
    pub after: Option<(i64, String)>,
    /// Most items to return.
    pub limit: usize,
}

impl Default for ChangeQuery {
    fn default() -> Self {
        ChangeQuery {
            institution_id: None,
            collection_id: None,
            from: None,
            until: None,
            after: None,
            limit: 100,
        }
    }
}

impl ChangeQuery {
    fn where_clause(&self) -> (String, Vec<rusqlite::types::Value>) {
        use rusqlite::types::Value;
        let mut conditions = vec!["1 = 1".to_string()];
        let mut values = Vec::new();
        let mut add = |condition: &str, value: Value| {
            values.push(value);
            conditions.push(condition.replace('?', &format!("?{}", values.len())));
        };
        if let Some(institution) = &self.institution_id {
            add("institution_id = ?", Value::Text(institution.clone()));
        }
        if let Some(collection) = &self.collection_id {
            add("collection_id = ?", Value::Text(collection.clone()));
        }
        if let Some(from) = self.from {
            add("updated_at >= ?", Value::Integer(from));
        }
        if let Some(until) = self.until {
            add("updated_at <= ?", Value::Integer(until));
        }
        (conditions.join(" AND "), values)
    }
}

impl Catalog {
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

    /// Live items per (institution id, collection id), for items in a collection.
    pub fn item_counts_by_collection(&self) -> Result<HashMap<(String, String), u64>> {
        let mut statement = self.connection.prepare(
            "SELECT institution_id, collection_id, COUNT(*) FROM items
             WHERE deleted_at IS NULL AND institution_id IS NOT NULL AND collection_id IS NOT NULL
             GROUP BY 1, 2",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                (row.get::<_, String>(0)?, row.get::<_, String>(1)?),
                row.get::<_, i64>(2)? as u64,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The catalogue's part of a search hit (see [`Catalog::hit_summaries`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitSummary {
    /// The item's venue.
    pub institution_id: Option<String>,
    /// The item's collection within the venue.
    pub collection_id: Option<String>,
    /// Who may see what.
    pub access: AccessLevel,
    /// True for a tombstone.
    pub deleted: bool,
    /// `(file seq, page)` of the first page that has derivatives.
    pub first_page: Option<(u32, u32)>,
}

const ITEM_COLUMNS: &str = "id, source_key, institution_id, collection_id, access, metadata, created_at, updated_at, deleted_at";
const FILE_COLUMNS: &str = "seq, digest, size, media_type, source_path, source_mtime_ns, storage, tech, derivatives, text, ocr_words";

fn decode_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|error| Error::Corrupt(error.to_string()))
}

fn encode_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|error| Error::Corrupt(error.to_string()))
}

fn item_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Item>> {
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

fn file_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<ItemFile>> {
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

fn insert_event(
    connection: &Connection,
    at: i64,
    kind: &str,
    item_id: Option<&str>,
    detail: Option<&str>,
) -> Result<()> {
    connection.execute(
        "INSERT INTO events (at, kind, item_id, detail) VALUES (?1, ?2, ?3, ?4)",
        params![at, kind, item_id, detail],
    )?;
    Ok(())
}

fn mark_index_pending(connection: &Connection, item_id: &str) -> Result<()> {
    connection.execute(
        "INSERT OR IGNORE INTO index_pending (item_id) VALUES (?1)",
        [item_id],
    )?;
    Ok(())
}

/// Creates a catalogue under a temporary name, with every migration applied,
/// and renames it into place: a run killed while creating it leaves either
/// no catalogue or a complete, empty one, never a half-made file that
/// readers would trip over.
fn create_atomically(path: &Path) -> Result<()> {
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!("{file_name}.new"));
    let remove_temporaries = || {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", temporary.display()));
        }
    };
    remove_temporaries();
    {
        let connection = Connection::open(&temporary)?;
        // Rollback journal while it is private; `open` switches to WAL.
        let mut catalog = Catalog { connection };
        catalog.migrate()?;
    }
    std::fs::rename(&temporary, path)
        .map_err(|error| Error::io(format!("cannot create {}", path.display()), error))?;
    remove_temporaries();
    if let Some(parent) = path.parent()
        && let Ok(folder) = std::fs::File::open(parent)
    {
        let _ = folder.sync_all();
    }
    Ok(())
}

fn write_item(
    connection: &Connection,
    write: &ItemWrite,
    now: i64,
    tombstoned: &mut Vec<String>,
) -> Result<WriteOutcome> {
    let item = &write.record.item;
    let existing: Option<(String, i64, Option<i64>)> = connection
        .query_row(
            "SELECT fingerprint, created_at, deleted_at FROM items WHERE id = ?1",
            [&item.id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    if let Some((fingerprint, _, None)) = &existing
        && *fingerprint == write.fingerprint
    {
        return Ok(WriteOutcome::Unchanged);
    }
    let created_at = existing
        .as_ref()
        .map(|(_, created_at, _)| *created_at)
        .or((item.created_at > 0).then_some(item.created_at))
        .unwrap_or(now);
    let metadata = encode_json(&item.metadata)?;
    connection.execute(
        "INSERT INTO items (id, source_key, institution_id, collection_id, access, title, metadata, fingerprint,
                            created_at, updated_at, deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL)
         ON CONFLICT(id) DO UPDATE SET source_key = excluded.source_key, institution_id = excluded.institution_id,
             collection_id = excluded.collection_id, access = excluded.access, title = excluded.title,
             metadata = excluded.metadata, fingerprint = excluded.fingerprint, updated_at = excluded.updated_at,
             deleted_at = NULL",
        params![
            item.id,
            item.source_key,
            item.institution_id,
            item.collection_id,
            item.access.as_str(),
            item.metadata.first(crate::model::DcElement::Title),
            metadata,
            write.fingerprint,
            created_at,
            now,
        ],
    )?;
    // In the same transaction: the search index must follow this write, and a
    // run killed before its index commit leaves the mark for the next run.
    mark_index_pending(connection, &item.id)?;
    connection.execute("DELETE FROM files WHERE item_id = ?1", [&item.id])?;
    for file in &write.record.files {
        // A file that moved here from another item (say, a sheet now groups it
        // into a book) leaves that item; an item left empty becomes a tombstone.
        let previous_owner: Option<String> = connection
            .query_row(
                "SELECT item_id FROM files WHERE source_path = ?1",
                [&file.source_path],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(previous_owner) = previous_owner {
            connection.execute(
                "DELETE FROM files WHERE source_path = ?1",
                [&file.source_path],
            )?;
            let remaining: i64 = connection.query_row(
                "SELECT COUNT(*) FROM files WHERE item_id = ?1",
                [&previous_owner],
                |row| row.get(0),
            )?;
            if remaining == 0 {
                connection.execute(
                    "UPDATE items SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
                    params![previous_owner, now],
                )?;
                insert_event(
                    connection,
                    now,
                    "deleted",
                    Some(&previous_owner),
                    Some("its files moved to another item"),
                )?;
                mark_index_pending(connection, &previous_owner)?;
                tombstoned.push(previous_owner);
            }
        }
        let ocr_words = if file.ocr_words.is_empty() {
            None
        } else {
            Some(encode_json(&file.ocr_words)?)
        };
        connection.execute(
            "INSERT INTO files (item_id, seq, digest, size, media_type, source_path, source_mtime_ns, storage,
                                tech, derivatives, text, ocr_words)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                item.id,
                file.seq,
                file.digest,
                file.size as i64,
                file.media_type,
                file.source_path,
                file.source_mtime_ns,
                file.storage.as_str(),
                encode_json(&file.tech)?,
                encode_json(&file.derivatives)?,
                file.text,
                ocr_words,
            ],
        )?;
    }
    let outcome = match existing {
        Some((_, _, None)) => WriteOutcome::Updated,
        _ => WriteOutcome::Added,
    };
    let kind = if outcome == WriteOutcome::Added {
        "added"
    } else {
        "updated"
    };
    insert_event(connection, now, kind, Some(&item.id), None)?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DcElement, InstitutionKind, TechMetadata, item_id_for};

    fn sample_record(source_key: &str, paths: &[&str]) -> ItemRecord {
        let mut metadata = Metadata::default();
        metadata.push(DcElement::Title, ["耀州窑青瓷".to_string()]);
        ItemRecord {
            item: Item {
                id: item_id_for(source_key),
                source_key: source_key.to_string(),
                institution_id: None,
                collection_id: None,
                access: AccessLevel::Public,
                metadata,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            },
            files: paths
                .iter()
                .enumerate()
                .map(|(index, path)| ItemFile {
                    seq: index as u32 + 1,
                    digest: blake3::hash(path.as_bytes()).to_hex().to_string(),
                    size: 10,
                    media_type: "image/jpeg".into(),
                    source_path: path.to_string(),
                    source_mtime_ns: 1,
                    storage: StorageMode::Copy,
                    tech: TechMetadata::default(),
                    derivatives: vec![],
                    text: Some("正文".into()),
                    ocr_words: vec![],
                })
                .collect(),
        }
    }

    #[test]
    fn writes_reads_and_recognises_unchanged_items() {
        let temp = tempfile::tempdir().unwrap();
        let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
        let record = sample_record("/scans/a.jpg", &["/scans/a.jpg"]);
        let write = ItemWrite {
            record: record.clone(),
            fingerprint: "f1".into(),
        };
        assert_eq!(
            catalog.write_batch(std::slice::from_ref(&write)).unwrap(),
            vec![WriteOutcome::Added]
        );
        assert_eq!(
            catalog.write_batch(std::slice::from_ref(&write)).unwrap(),
            vec![WriteOutcome::Unchanged]
        );
        let changed = ItemWrite {
            record,
            fingerprint: "f2".into(),
        };
        assert_eq!(
            catalog.write_batch(&[changed]).unwrap(),
            vec![WriteOutcome::Updated]
        );
        let read = catalog.item(&item_id_for("/scans/a.jpg")).unwrap().unwrap();
        assert_eq!(
            read.item.metadata.first(DcElement::Title),
            Some("耀州窑青瓷")
        );
        assert_eq!(read.files.len(), 1);
        assert_eq!(read.files[0].text.as_deref(), Some("正文"));
        assert_eq!(catalog.known_files().unwrap()["/scans/a.jpg"].size, 10);
    }

    #[test]
    fn hit_summaries_agree_with_the_full_records() {
        let temp = tempfile::tempdir().unwrap();
        let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
        let page = |page| crate::model::PageDerivative {
            page,
            thumbnail: format!("t{page}.jpg"),
            web: format!("w{page}.jpg"),
            width: 1,
            height: 1,
        };
        let mut writes = Vec::new();
        for n in 0..12 {
            let paths: Vec<String> = (0..n % 4).map(|f| format!("/s/{n}/{f}.jpg")).collect();
            let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
            let mut record = sample_record(&format!("/s/{n}"), &paths);
            record.item.institution_id = (n % 2 == 0).then(|| "museum".to_string());
            record.item.collection_id = (n % 3 == 0).then(|| format!("c{n}"));
            record.item.access = [
                AccessLevel::Public,
                AccessLevel::MetadataOnly,
                AccessLevel::Restricted,
            ][n % 3];
            // Derivatives on some files only, pages from 2 on some.
            for (f, file) in record.files.iter_mut().enumerate() {
                if (n + f) % 2 == 1 {
                    file.derivatives = vec![page(1 + (f as u32 % 2)), page(3)];
                }
            }
            writes.push(ItemWrite {
                record,
                fingerprint: "f".into(),
            });
        }
        catalog.write_batch(&writes).unwrap();
        let mut ids: Vec<String> = writes.iter().map(|w| w.record.item.id.clone()).collect();
        ids.push("not-an-item".into());
        let summaries = catalog.hit_summaries(&ids).unwrap();
        assert_eq!(summaries.len(), 12);
        for write in &writes {
            let record = catalog.item(&write.record.item.id).unwrap().unwrap();
            let summary = &summaries[&record.item.id];
            let first_page = record
                .files
                .iter()
                .find_map(|file| file.derivatives.first().map(|d| (file.seq, d.page)));
            assert_eq!(
                summary,
                &HitSummary {
                    institution_id: record.item.institution_id.clone(),
                    collection_id: record.item.collection_id.clone(),
                    access: record.item.access,
                    deleted: record.item.deleted_at.is_some(),
                    first_page,
                }
            );
        }
        assert!(summaries.values().any(|s| s.first_page.is_some()));
        assert!(summaries.values().any(|s| s.first_page.is_none()));
        assert!(catalog.hit_summaries(&[]).unwrap().is_empty());
    }

    #[test]
    fn a_written_item_stays_pending_for_the_index_until_cleared() {
        // The mark is committed with the item, so a run killed before its
        // index commit leaves it for the next run to catch up.
        let temp = tempfile::tempdir().unwrap();
        let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
        let write = ItemWrite {
            record: sample_record("/scans/a.jpg", &["/scans/a.jpg"]),
            fingerprint: "f1".into(),
        };
        catalog.write_batch(std::slice::from_ref(&write)).unwrap();
        let id = item_id_for("/scans/a.jpg");
        assert_eq!(catalog.index_pending().unwrap(), vec![id.clone()]);
        catalog.clear_index_pending(Some(&[id])).unwrap();
        assert!(catalog.index_pending().unwrap().is_empty());
        // An unchanged write leaves nothing to index.
        catalog.write_batch(&[write]).unwrap();
        assert!(catalog.index_pending().unwrap().is_empty());
    }

    #[test]
    fn a_file_moving_into_a_book_tombstones_its_old_item() {
        let temp = tempfile::tempdir().unwrap();
        let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
        let single = sample_record("/s/book/0001.tif", &["/s/book/0001.tif"]);
        catalog
            .write_batch(&[ItemWrite {
                record: single,
                fingerprint: "a".into(),
            }])
            .unwrap();
        let book = sample_record("/s/book", &["/s/book/0001.tif", "/s/book/0002.tif"]);
        catalog
            .write_batch(&[ItemWrite {
                record: book,
                fingerprint: "b".into(),
            }])
            .unwrap();
        assert_eq!(catalog.count_items().unwrap(), 1);
        assert_eq!(catalog.count_files().unwrap(), 2);
        let old = catalog
            .item(&item_id_for("/s/book/0001.tif"))
            .unwrap()
            .unwrap();
        assert!(old.item.deleted_at.is_some());
    }

    #[test]
    fn a_restored_item_keeps_its_creation_time_and_its_file_paths_have_an_owner() {
        let temp = tempfile::tempdir().unwrap();
        let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
        let mut restored = sample_record("/scans/old.jpg", &["/scans/old.jpg"]);
        restored.item.created_at = 1_000;
        let fresh = sample_record("/scans/new.jpg", &["/scans/new.jpg"]);
        catalog
            .write_batch(&[
                ItemWrite {
                    record: restored.clone(),
                    fingerprint: "a".into(),
                },
                ItemWrite {
                    record: fresh.clone(),
                    fingerprint: "b".into(),
                },
            ])
            .unwrap();
        let read = catalog.item(&restored.item.id).unwrap().unwrap();
        assert_eq!(read.item.created_at, 1_000);
        assert!(read.item.updated_at > 1_000);
        let read = catalog.item(&fresh.item.id).unwrap().unwrap();
        assert!(read.item.created_at > 1_000, "0 means now");
        assert_eq!(
            catalog.item_holding_source_path("/scans/old.jpg").unwrap(),
            Some(restored.item.id.clone())
        );
        assert_eq!(
            catalog.item_holding_source_path("/elsewhere").unwrap(),
            None
        );
        assert_eq!(catalog.live_items(None, None).unwrap().len(), 2);
        assert!(catalog.live_items(Some("museum"), None).unwrap().is_empty());
        assert_eq!(
            catalog.file_totals_by_item().unwrap()[&fresh.item.id],
            (1, 10)
        );
    }

    #[test]
    fn collections_need_their_institution() {
        let temp = tempfile::tempdir().unwrap();
        let mut catalog = Catalog::open(&temp.path().join("c.sqlite")).unwrap();
        let collection = Collection {
            id: "ceramics".into(),
            institution_id: "museum".into(),
            name_zh: "陶瓷".into(),
            name_en: None,
            description: None,
        };
        assert!(
            catalog
                .upsert_collection(&collection)
                .unwrap_err()
                .is_user_error()
        );
        catalog
            .upsert_institution(&Institution {
                id: "museum".into(),
                name_zh: "博物馆".into(),
                name_en: None,
                kind: InstitutionKind::Museum,
                address: None,
                opening_hours: None,
                services: vec![],
                accessibility: None,
                contact: None,
                website: None,
            })
            .unwrap();
        catalog.upsert_collection(&collection).unwrap();
        assert_eq!(catalog.collections().unwrap().len(), 1);
        assert!(
            catalog
                .upsert_institution(&Institution {
                    id: "Bad Id".into(),
                    ..catalog.institution("museum").unwrap().unwrap()
                })
                .is_err()
        );
    }

    #[test]
    fn reopening_keeps_the_schema_version() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("c.sqlite");
        drop(Catalog::open(&path).unwrap());
        let catalog = Catalog::open(&path).unwrap();
        assert_eq!(catalog.schema_version().unwrap(), SCHEMA_VERSION);
    }
}
