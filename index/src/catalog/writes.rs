//! The one write path: a batch of items and their files in one transaction,
//! each with its history entry and its index-pending mark; tombstones; the
//! event log.

use rusqlite::{Connection, OptionalExtension, params};

use std::collections::BTreeMap;

use super::history::{ItemEdit, current, fields_of, set_field};
use super::pending::mark_index_pending;
use super::rows::{decode_json, encode_json};
use super::{Catalog, unix_now};
use crate::Result;
use crate::model::{AccessLevel, ItemRecord, Metadata};

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

/// What a batch did beyond each item's [`WriteOutcome`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// One outcome per item of the batch, in order.
    pub outcomes: Vec<WriteOutcome>,
    /// Items that became tombstones because their files moved to an item of the batch.
    pub tombstoned: Vec<String>,
    /// Fields staff edited that the folder left as they were: the edit was kept.
    pub edits_kept: Vec<EditedField>,
    /// Fields staff edited whose value the folder (its sheet or sidecar) has
    /// changed since: the folder's new value replaced the edit.
    pub edits_replaced: Vec<EditedField>,
}

/// A field of an item, as history names it (`title`, `extra:材质`, `access`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditedField {
    /// The item.
    pub item_id: String,
    /// The field.
    pub field: String,
}

impl Catalog {
    /// Writes a batch of items and their files in one transaction. Files are
    /// moved from any item that held the same source path before; an item
    /// left without files becomes a tombstone.
    pub fn write_batch(&mut self, batch: &[ItemWrite]) -> Result<Vec<WriteOutcome>> {
        Ok(self.write_batch_reporting(batch)?.outcomes)
    }

    /// Like [`Catalog::write_batch`], also saying which items became
    /// tombstones and which staff edits were kept or replaced.
    ///
    /// A field staff edited (on the web or by sheet) keeps its edited value
    /// when the folder's value for it is the same as at the last ingest;
    /// when the folder's value changed since, the folder wins and the field
    /// is listed in [`BatchReport::edits_replaced`].
    pub fn write_batch_reporting(&mut self, batch: &[ItemWrite]) -> Result<BatchReport> {
        let now = unix_now();
        let transaction = self.connection.transaction()?;
        let mut report = BatchReport {
            outcomes: Vec::with_capacity(batch.len()),
            ..BatchReport::default()
        };
        for write in batch {
            let outcome = write_item(&transaction, write, now, &mut report)?;
            report.outcomes.push(outcome);
        }
        transaction.commit()?;
        Ok(report)
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

    /// Appends to the event log (ingest runs, verification results).
    pub fn record_event(
        &mut self,
        kind: &str,
        item_id: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        insert_event(&self.connection, unix_now(), kind, item_id, detail)
    }
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

/// The record to store for an existing item the folder now describes as
/// `metadata`/`access`: `None` to store the folder's record as it is, or
/// the folder's record with the fields staff edited whose folder value is
/// the same as at the last ingest kept at their stored, edited value.
fn merge_staff_edits(
    connection: &Connection,
    id: &str,
    metadata: &Metadata,
    access: AccessLevel,
    report: &mut BatchReport,
) -> Result<Option<ItemEdit>> {
    let mut statement = connection.prepare_cached(
        "SELECT DISTINCT field FROM history
         WHERE item_id = ?1 AND action IN ('edit', 'sheet', 'undo') AND field <> 'withdrawn'",
    )?;
    let edited: Vec<String> = statement
        .query_map([id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if edited.is_empty() {
        return Ok(None);
    }
    let (stored, stored_access, _, _) = current(connection, id)?;
    let current = fields_of(&stored, stored_access)?;
    let incoming = fields_of(metadata, access)?;
    let ingested: Option<String> =
        connection.query_row("SELECT ingested FROM items WHERE id = ?1", [id], |row| {
            row.get(0)
        })?;
    let before: Option<BTreeMap<String, String>> = match ingested {
        Some(text) => {
            let ingested: ItemEdit = decode_json(&text)?;
            Some(fields_of(&ingested.metadata, ingested.access)?)
        }
        None => None,
    };
    let mut merged = ItemEdit {
        metadata: metadata.clone(),
        access,
    };
    for field in edited {
        // What the folder said last time: the `ingested` column, or for a
        // row written before it existed, the value the first edit replaced.
        let previous = match &before {
            Some(fields) => fields.get(&field).cloned(),
            None => connection
                .query_row(
                    "SELECT old FROM history WHERE item_id = ?1 AND field = ?2 ORDER BY id LIMIT 1",
                    [id, field.as_str()],
                    |row| row.get::<_, Option<String>>(0),
                )
                .optional()?
                .flatten(),
        };
        let (now, folder) = (current.get(&field), incoming.get(&field));
        if folder == previous.as_ref() {
            set_field(
                &mut merged.metadata,
                &mut merged.access,
                &field,
                now.map(String::as_str),
            )?;
        }
        if now != folder {
            let edited_field = EditedField {
                item_id: id.to_string(),
                field,
            };
            if folder == previous.as_ref() {
                report.edits_kept.push(edited_field);
            } else {
                report.edits_replaced.push(edited_field);
            }
        }
    }
    Ok(Some(merged))
}

fn write_item(
    connection: &Connection,
    write: &ItemWrite,
    now: i64,
    report: &mut BatchReport,
) -> Result<WriteOutcome> {
    let item = &write.record.item;
    let existing: Option<(String, i64, Option<i64>, bool)> = connection
        .query_row(
            "SELECT fingerprint, created_at, deleted_at, withdrawn_reason IS NOT NULL FROM items WHERE id = ?1",
            [&item.id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()?;
    // A withdrawn item stays withdrawn whatever the folder holds: only
    // `restore` brings it back.
    let withdrawn = existing
        .as_ref()
        .is_some_and(|(_, _, _, withdrawn)| *withdrawn);
    if let Some((fingerprint, _, deleted_at, _)) = &existing
        && (deleted_at.is_none() || withdrawn)
        && *fingerprint == write.fingerprint
    {
        return Ok(WriteOutcome::Unchanged);
    }
    let created_at = existing
        .as_ref()
        .map(|(_, created_at, _, _)| *created_at)
        .or((item.created_at > 0).then_some(item.created_at))
        .unwrap_or(now);
    let merged = if existing.is_some() {
        merge_staff_edits(connection, &item.id, &item.metadata, item.access, report)?
    } else {
        None
    };
    let (metadata, access) = merged
        .as_ref()
        .map_or((&item.metadata, item.access), |edit| {
            (&edit.metadata, edit.access)
        });
    // What the folder said, for the next ingest's merge: an `ItemEdit` as JSON.
    let ingested = encode_json(&serde_json::json!({
        "metadata": &item.metadata,
        "access": item.access,
    }))?;
    connection.execute(
        "INSERT INTO items (id, source_key, institution_id, collection_id, access, title, metadata, fingerprint,
                            created_at, updated_at, deleted_at, ingested)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, ?11)
         ON CONFLICT(id) DO UPDATE SET source_key = excluded.source_key, institution_id = excluded.institution_id,
             collection_id = excluded.collection_id, access = excluded.access, title = excluded.title,
             metadata = excluded.metadata, fingerprint = excluded.fingerprint, updated_at = excluded.updated_at,
             deleted_at = CASE WHEN items.withdrawn_reason IS NULL THEN NULL ELSE items.deleted_at END,
             ingested = excluded.ingested",
        params![
            item.id,
            item.source_key,
            item.institution_id,
            item.collection_id,
            access.as_str(),
            metadata.first(crate::model::DcElement::Title),
            encode_json(metadata)?,
            write.fingerprint,
            created_at,
            now,
            ingested,
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
                report.tombstoned.push(previous_owner);
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
        Some((_, _, None, _)) => WriteOutcome::Updated,
        Some((_, _, Some(_), true)) => WriteOutcome::Updated,
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
