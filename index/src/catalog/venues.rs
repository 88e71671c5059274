//! Institutions (venues) and their collections, and how many live items each holds.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::rows::decode_json;
use super::{Catalog, unix_now};
use crate::model::{Collection, Institution, validate_slug};
use crate::{Error, Result};

impl Catalog {
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
