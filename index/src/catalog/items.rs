//! Reading items: one with its files, summaries for a page of search hits,
//! live items, every item in turn, counts and fingerprints.

use std::collections::HashMap;
use std::ops::ControlFlow;

use rusqlite::{OptionalExtension, params};

use super::Catalog;
use super::rows::{ITEM_COLUMNS, encode_json, item_from_row};
use crate::model::{AccessLevel, Item, ItemRecord};
use crate::{Error, Result};

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

impl Catalog {
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

    /// Calls `visit` for every item (tombstones included) with its files, in id order.
    pub fn for_each_item(&self, mut visit: impl FnMut(ItemRecord) -> Result<()>) -> Result<()> {
        self.for_each_item_while(|record| visit(record).map(ControlFlow::Continue))
    }

    /// Like [`Catalog::for_each_item`], until `visit` says to break.
    pub fn for_each_item_while(
        &self,
        mut visit: impl FnMut(ItemRecord) -> Result<ControlFlow<()>>,
    ) -> Result<()> {
        let mut statement = self
            .connection
            .prepare(&format!("SELECT {ITEM_COLUMNS} FROM items ORDER BY id"))?;
        let rows = statement.query_map([], item_from_row)?;
        for row in rows {
            let item = row??;
            let files = self.files_of(&item.id)?;
            if visit(ItemRecord { item, files })?.is_break() {
                break;
            }
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
