//! The catalogue: `<data>/catalog.sqlite`, the source of truth.
//!
//! Institutions, collections, items (Dublin Core as JSON, access, timestamps,
//! tombstones), files (digest, size, media type, order, technical metadata,
//! derivative paths, extracted text) and an event log. The schema is
//! versioned with `PRAGMA user_version` and migrated forward on open.
//! Writes happen in batched transactions: a crash loses at most the batch in
//! flight, never leaves half an item.
//!
//! One `impl Catalog` block per concern: opening here; the schema and its
//! migrations (`schema`); venues and collections (`venues`); the one write
//! path (`writes`); reading items (`items`) and files (`files`); the OAI-PMH
//! change feed (`changes`); staff accounts and sessions (`staff`); staff
//! edits, withdrawals and their undoable history (`history`); API keys (`keys`); index-pending marks
//! (`pending`); decoding rows (`rows`).

mod changes;
mod events;
mod files;
mod history;
mod items;
mod keys;
mod pending;
mod rows;
mod schema;
mod staff;
mod venues;
mod writes;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags};

use crate::{Error, Result};

pub use changes::ChangeQuery;
pub use events::EventQuery;
pub use files::{KnownFile, StoredFile};
pub use history::{FieldChange, HistoryEntry, ItemEdit, StaffHit, field_changes};
pub use items::HitSummary;
pub use keys::hash_api_key;
pub use schema::SCHEMA_VERSION;
pub use staff::{
    Role, SESSION_SECONDS, SignInRefusal, StaffMember, StaffSession, hash_password, random_token,
};
pub use writes::{BatchReport, EditedField, ItemWrite, WriteOutcome};

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs() as i64
}

/// `N` random bytes from the operating system (keys, tokens, salts).
fn random_bytes<const N: usize>(purpose: &str) -> Result<[u8; N]> {
    let mut random = [0u8; N];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut source| std::io::Read::read_exact(&mut source, &mut random))
        .map_err(|source| Error::io(format!("reading /dev/urandom for {purpose}"), source))?;
    Ok(random)
}

/// A connection to the catalogue.
pub struct Catalog {
    connection: Connection,
}

impl Catalog {
    /// Opens (creating if needed) the catalogue for writing and migrates it.
    pub fn open(path: &Path) -> Result<Self> {
        if !path.exists() {
            schema::create_atomically(path)?;
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
}
