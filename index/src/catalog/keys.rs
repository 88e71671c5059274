//! API keys: created once with their plaintext shown, stored only as hashes.

use rusqlite::{OptionalExtension, params};

use super::{Catalog, random_bytes, unix_now};
use crate::{Error, Result};

impl Catalog {
    /// Creates an API key called `name` and returns its plaintext, which is
    /// shown this once: only its hash ([`hash_api_key`]) is stored.
    pub fn create_api_key(&mut self, name: &str) -> Result<String> {
        let name = name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(Error::Invalid(
                "an API key needs a name of 1–200 bytes".into(),
            ));
        }
        let random = random_bytes::<32>("a new API key")?;
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
}

/// The BLAKE3 hex hash under which an API key is stored and looked up.
pub fn hash_api_key(key: &str) -> String {
    blake3::hash(key.trim().as_bytes()).to_hex().to_string()
}
