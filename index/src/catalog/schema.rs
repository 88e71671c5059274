//! The catalogue's schema: versioned migrations (`PRAGMA user_version`),
//! applied in order on open, and the atomic creation of a new catalogue.

use std::path::Path;

use rusqlite::Connection;

use super::Catalog;
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
    r#"
-- Staff accounts (Argon2id hashes), their sessions (only token hashes are
-- stored), and the append-only history of every change staff make.
CREATE TABLE staff (
    username       TEXT PRIMARY KEY,
    role           TEXT NOT NULL,
    institution_id TEXT,
    password_hash  TEXT NOT NULL,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    failed_signins INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER
);
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES staff(username),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX staff_sessions_by_user ON staff_sessions(username);
CREATE TABLE history (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    item_id  TEXT NOT NULL,
    action   TEXT NOT NULL,
    field    TEXT NOT NULL,
    old      TEXT,
    new      TEXT,
    reason   TEXT,
    undoes   INTEGER REFERENCES history(id)
);
CREATE INDEX history_by_item ON history(item_id, id);
CREATE INDEX history_by_time ON history(at, id);
ALTER TABLE items ADD COLUMN withdrawn_reason TEXT;
"#,
    // 5: what the last ingest made of an item's record (its metadata and
    // access as the folder gives them, JSON), beside what is stored after
    // staff edits: a re-ingest keeps a web edit unless the folder's own
    // value for that field changed since.
    r#"
ALTER TABLE items ADD COLUMN ingested TEXT;
"#,
    // 6: the venues' events (活动; the record as JSON, the columns lists
    // need). `events` is the event log.
    r#"
CREATE TABLE venue_events (
    id             TEXT PRIMARY KEY,
    institution_id TEXT NOT NULL REFERENCES institutions(id),
    starts_at      INTEGER NOT NULL,
    ends_at        INTEGER,
    cancelled      INTEGER NOT NULL DEFAULT 0,
    record         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX venue_events_by_start ON venue_events(starts_at, id);
CREATE INDEX venue_events_by_institution ON venue_events(institution_id, starts_at);
"#,
];

/// The newest schema version this build understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

impl Catalog {
    pub(super) fn schema_version(&self) -> Result<i64> {
        Ok(self
            .connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    pub(super) fn migrate(&mut self) -> Result<()> {
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
}

/// Creates a catalogue under a temporary name, with every migration applied,
/// and renames it into place: a run killed while creating it leaves either
/// no catalogue or a complete, empty one, never a half-made file that
/// readers would trip over.
pub(super) fn create_atomically(path: &Path) -> Result<()> {
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
