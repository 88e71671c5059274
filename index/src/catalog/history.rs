//! Changes staff make to records — edits, withdrawals, restores, undos —
//! each written with its history entries and its index-pending mark in one
//! transaction. The history is append-only: an undo is a new entry that
//! puts the old value back.
//!
//! A history entry names one field: a Dublin Core element (`title`), an
//! extra field (`extra:材质`), `access`, or `withdrawn` (its values are the
//! reason, none when live). Multi-valued fields are stored as JSON arrays.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::pending::mark_index_pending;
use super::rows::{decode_json, encode_json};
use super::{Catalog, unix_now};
use crate::model::{AccessLevel, DcElement, Metadata};
use crate::{Error, Result};

/// One entry of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Its number (stable, increasing).
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// The staff member (or `cli:USER` for the command line).
    pub actor: String,
    /// The item changed.
    pub item_id: String,
    /// `edit`, `sheet`, `withdraw`, `restore` or `undo`.
    pub action: String,
    /// The field changed (see the module documentation).
    pub field: String,
    /// The value before, as stored (JSON array, access name or reason).
    pub old: Option<String>,
    /// The value after.
    pub new: Option<String>,
    /// Why, when given.
    pub reason: Option<String>,
    /// The entry this one undid.
    pub undoes: Option<i64>,
}

impl HistoryEntry {
    /// A stored value for people: multi-values one per line.
    pub fn display(value: Option<&str>) -> String {
        match value {
            None => String::new(),
            Some(text) => serde_json::from_str::<Vec<String>>(text)
                .map(|values| values.join("\n"))
                .unwrap_or_else(|_| text.to_string()),
        }
    }
}

/// The state of an item's record as an edit form or a sheet row gives it
/// (and as the last ingest made it: the `ingested` column).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemEdit {
    /// Every Dublin Core element and extra field.
    pub metadata: Metadata,
    /// Who may see what.
    pub access: AccessLevel,
}

/// The fields of a record that hold something, by the names history
/// gives them, with their stored values.
pub(super) fn fields_of(
    metadata: &Metadata,
    access: AccessLevel,
) -> Result<BTreeMap<String, String>> {
    let mut fields = BTreeMap::new();
    for (element, values) in &metadata.dc {
        if !values.is_empty() {
            fields.insert(element.as_str().to_string(), encode_json(values)?);
        }
    }
    for (name, values) in &metadata.extra {
        if !values.is_empty() {
            fields.insert(format!("extra:{name}"), encode_json(values)?);
        }
    }
    fields.insert("access".to_string(), access.as_str().to_string());
    Ok(fields)
}

/// Sets one field of `metadata`/`access` to a stored value.
pub(super) fn set_field(
    metadata: &mut Metadata,
    access: &mut AccessLevel,
    field: &str,
    value: Option<&str>,
) -> Result<()> {
    let values = || -> Result<Vec<String>> { value.map_or(Ok(Vec::new()), decode_json) };
    if field == "access" {
        *access = value
            .unwrap_or("public")
            .parse()
            .map_err(|error: Error| Error::Corrupt(error.to_string()))?;
    } else if let Some(name) = field.strip_prefix("extra:") {
        let values = values()?;
        if values.is_empty() {
            metadata.extra.remove(name);
        } else {
            metadata.extra.insert(name.to_string(), values);
        }
    } else {
        let element = DcElement::from_header(field)
            .ok_or_else(|| Error::Corrupt(format!("unknown field '{field}' in the history")))?;
        let values = values()?;
        if values.is_empty() {
            metadata.dc.remove(&element);
        } else {
            metadata.dc.insert(element, values);
        }
    }
    Ok(())
}

/// One field that differs between two states of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The field, as history names it (`title`, `extra:材质`, `access`).
    pub field: String,
    /// The value before, as stored (JSON array or access name); `None` when empty.
    pub old: Option<String>,
    /// The value after.
    pub new: Option<String>,
}

/// The fields that differ from `before` to `after`, in field-name order:
/// what [`Catalog::edit_item`] would write to the history.
pub fn field_changes(
    before: (&Metadata, AccessLevel),
    after: (&Metadata, AccessLevel),
) -> Result<Vec<FieldChange>> {
    let before = fields_of(before.0, before.1)?;
    let after = fields_of(after.0, after.1)?;
    let names: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    Ok(names
        .into_iter()
        .filter(|name| before.get(*name) != after.get(*name))
        .map(|name| FieldChange {
            field: name.clone(),
            old: before.get(name).cloned(),
            new: after.get(name).cloned(),
        })
        .collect())
}

const HISTORY_COLUMNS: &str = "id, at, actor, item_id, action, field, old, new, reason, undoes";

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<HistoryEntry> {
    Ok(HistoryEntry {
        id: row.get(0)?,
        at: row.get(1)?,
        actor: row.get(2)?,
        item_id: row.get(3)?,
        action: row.get(4)?,
        field: row.get(5)?,
        old: row.get(6)?,
        new: row.get(7)?,
        reason: row.get(8)?,
        undoes: row.get(9)?,
    })
}

/// The entry numbered `entry_id`.
fn entry(connection: &Connection, entry_id: i64) -> Result<Option<HistoryEntry>> {
    Ok(connection
        .query_row(
            &format!("SELECT {HISTORY_COLUMNS} FROM history WHERE id = ?1"),
            [entry_id],
            entry_from_row,
        )
        .optional()?)
}

/// One entry to append.
struct NewEntry<'a> {
    at: i64,
    actor: &'a str,
    item_id: &'a str,
    action: &'a str,
    field: &'a str,
    old: Option<&'a str>,
    new: Option<&'a str>,
    reason: Option<&'a str>,
    undoes: Option<i64>,
}

fn append(connection: &Connection, entry: &NewEntry<'_>) -> Result<HistoryEntry> {
    connection.execute(
        "INSERT INTO history (at, actor, item_id, action, field, old, new, reason, undoes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            entry.at,
            entry.actor,
            entry.item_id,
            entry.action,
            entry.field,
            entry.old,
            entry.new,
            entry.reason,
            entry.undoes
        ],
    )?;
    Ok(HistoryEntry {
        id: connection.last_insert_rowid(),
        at: entry.at,
        actor: entry.actor.to_string(),
        item_id: entry.item_id.to_string(),
        action: entry.action.to_string(),
        field: entry.field.to_string(),
        old: entry.old.map(str::to_string),
        new: entry.new.map(str::to_string),
        reason: entry.reason.map(str::to_string),
        undoes: entry.undoes,
    })
}

/// The item's stored metadata, access, deletion time and withdrawal reason.
pub(super) fn current(
    connection: &Connection,
    id: &str,
) -> Result<(Metadata, AccessLevel, Option<i64>, Option<String>)> {
    let row: Option<(String, String, Option<i64>, Option<String>)> = connection
        .query_row(
            "SELECT metadata, access, deleted_at, withdrawn_reason FROM items WHERE id = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()?;
    let Some((metadata, access, deleted_at, reason)) = row else {
        return Err(Error::NotFound {
            kind: "item",
            id: id.to_string(),
        });
    };
    let metadata: Metadata = decode_json(&metadata)?;
    let access = access
        .parse()
        .map_err(|error: Error| Error::Corrupt(error.to_string()))?;
    Ok((metadata, access, deleted_at, reason))
}

fn write_record(
    connection: &Connection,
    id: &str,
    metadata: &Metadata,
    access: AccessLevel,
    now: i64,
) -> Result<()> {
    connection.execute(
        "UPDATE items SET metadata = ?2, title = ?3, access = ?4, updated_at = ?5 WHERE id = ?1",
        params![
            id,
            encode_json(metadata)?,
            metadata.first(DcElement::Title),
            access.as_str(),
            now
        ],
    )?;
    mark_index_pending(connection, id)?;
    Ok(())
}

/// Withdraws (a reason) or restores (none) an item, with its history entry.
fn set_withdrawn(
    connection: &Connection,
    id: &str,
    reason: Option<&str>,
    entry: (&str, &str, Option<i64>),
    now: i64,
) -> Result<Option<HistoryEntry>> {
    let (actor, action, undoes) = entry;
    let (_, _, deleted_at, old_reason) = current(connection, id)?;
    if deleted_at.is_some() && old_reason.is_none() {
        return Err(Error::Invalid(format!(
            "item '{id}' was deleted by ingest (its files are gone), not withdrawn"
        )));
    }
    if old_reason.as_deref() == reason {
        return Ok(None);
    }
    connection.execute(
        "UPDATE items SET deleted_at = ?2, withdrawn_reason = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, reason.map(|_| now), reason, now],
    )?;
    mark_index_pending(connection, id)?;
    Ok(Some(append(
        connection,
        &NewEntry {
            at: now,
            actor,
            item_id: id,
            action,
            field: "withdrawn",
            old: old_reason.as_deref(),
            new: reason,
            reason,
            undoes,
        },
    )?))
}

impl Catalog {
    /// Saves a record's new state: one history entry per field that
    /// changed (none and nothing written when nothing did), the datestamp
    /// moved, the item marked for the search index.
    pub fn edit_item(
        &mut self,
        id: &str,
        edit: &ItemEdit,
        actor: &str,
        action: &str,
        reason: Option<&str>,
    ) -> Result<Vec<HistoryEntry>> {
        let now = unix_now();
        let transaction = self.connection.transaction()?;
        let (metadata, access, _, _) = current(&transaction, id)?;
        let mut entries = Vec::new();
        for change in field_changes((&metadata, access), (&edit.metadata, edit.access))? {
            entries.push(append(
                &transaction,
                &NewEntry {
                    at: now,
                    actor,
                    item_id: id,
                    action,
                    field: &change.field,
                    old: change.old.as_deref(),
                    new: change.new.as_deref(),
                    reason,
                    undoes: None,
                },
            )?);
        }
        if !entries.is_empty() {
            write_record(&transaction, id, &edit.metadata, edit.access, now)?;
        }
        transaction.commit()?;
        Ok(entries)
    }

    /// Withdraws an item: search, the pages and IIIF stop showing it, OAI-PMH
    /// reports it deleted; its files stay preserved. `None` when it already
    /// was, for the same reason.
    pub fn withdraw_item(
        &mut self,
        id: &str,
        reason: &str,
        actor: &str,
    ) -> Result<Option<HistoryEntry>> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::Invalid("a withdrawal needs a reason".into()));
        }
        let transaction = self.connection.transaction()?;
        let entry = set_withdrawn(
            &transaction,
            id,
            Some(reason),
            (actor, "withdraw", None),
            unix_now(),
        )?;
        transaction.commit()?;
        Ok(entry)
    }

    /// Brings a withdrawn item back; `None` when it was not withdrawn.
    pub fn restore_item(&mut self, id: &str, actor: &str) -> Result<Option<HistoryEntry>> {
        let transaction = self.connection.transaction()?;
        let entry = set_withdrawn(&transaction, id, None, (actor, "restore", None), unix_now())?;
        transaction.commit()?;
        Ok(entry)
    }

    /// When and why an item was withdrawn, if it is.
    pub fn withdrawal(&self, id: &str) -> Result<Option<(i64, String)>> {
        if self.schema_version()? < 4 {
            return Ok(None);
        }
        Ok(self
            .connection
            .query_row(
                "SELECT deleted_at, withdrawn_reason FROM items
                 WHERE id = ?1 AND withdrawn_reason IS NOT NULL AND deleted_at IS NOT NULL",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?)
    }

    /// Puts back the value an entry replaced — a new entry, itself undoable.
    pub fn undo(&mut self, entry_id: i64, actor: &str) -> Result<Vec<HistoryEntry>> {
        let now = unix_now();
        let transaction = self.connection.transaction()?;
        let entry = entry(&transaction, entry_id)?.ok_or_else(|| Error::NotFound {
            kind: "history entry",
            id: entry_id.to_string(),
        })?;
        let mut entries = Vec::new();
        if entry.field == "withdrawn" {
            entries.extend(set_withdrawn(
                &transaction,
                &entry.item_id,
                entry.old.as_deref(),
                (actor, "undo", Some(entry.id)),
                now,
            )?);
        } else {
            let (mut metadata, mut access, _, _) = current(&transaction, &entry.item_id)?;
            let present = fields_of(&metadata, access)?.remove(&entry.field);
            set_field(
                &mut metadata,
                &mut access,
                &entry.field,
                entry.old.as_deref(),
            )?;
            if present != entry.old {
                write_record(&transaction, &entry.item_id, &metadata, access, now)?;
                entries.push(append(
                    &transaction,
                    &NewEntry {
                        at: now,
                        actor,
                        item_id: &entry.item_id,
                        action: "undo",
                        field: &entry.field,
                        old: present.as_deref(),
                        new: entry.old.as_deref(),
                        reason: None,
                        undoes: Some(entry.id),
                    },
                )?);
            }
        }
        transaction.commit()?;
        Ok(entries)
    }

    /// One entry.
    pub fn history_entry(&self, entry_id: i64) -> Result<Option<HistoryEntry>> {
        entry(&self.connection, entry_id)
    }

    /// An item's history, newest first.
    pub fn history_of(&self, item_id: &str) -> Result<Vec<HistoryEntry>> {
        let mut statement = self.connection.prepare(&format!(
            "SELECT {HISTORY_COLUMNS} FROM history WHERE item_id = ?1 ORDER BY id DESC"
        ))?;
        let rows = statement.query_map([item_id], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The latest entries, newest first; of one venue's items when given.
    pub fn recent_history(
        &self,
        institution_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>> {
        let mut statement = self.connection.prepare(
            "SELECT history.id, history.at, history.actor, history.item_id, history.action,
                    history.field, history.old, history.new, history.reason, history.undoes
             FROM history LEFT JOIN items ON items.id = history.item_id
             WHERE ?1 IS NULL OR items.institution_id = ?1
             ORDER BY history.id DESC LIMIT ?2",
        )?;
        let rows = statement.query_map(params![institution_id, limit as i64], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// A line of the staff search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffHit {
    /// Item id.
    pub id: String,
    /// Title (or the id).
    pub title: String,
    /// Holding venue.
    pub institution_id: Option<String>,
    /// Access level.
    pub access: String,
    /// The reason, when withdrawn.
    pub withdrawn: Option<String>,
    /// True when ingest deleted it.
    pub deleted: bool,
}

impl Catalog {
    /// Items whose id is `text` or whose record contains it, restricted,
    /// withdrawn and deleted ones included; of one venue when given;
    /// the latest changed first.
    pub fn staff_search(
        &self,
        text: &str,
        institution_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StaffHit>> {
        let text = text.trim();
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let mut statement = self.connection.prepare(
            "SELECT id, COALESCE(title, id), institution_id, access, withdrawn_reason, deleted_at IS NOT NULL
             FROM items
             WHERE (?1 = '' OR id = ?1 OR metadata LIKE ?2 ESCAPE '\\')
               AND (?3 IS NULL OR institution_id = ?3)
             ORDER BY updated_at DESC, id LIMIT ?4",
        )?;
        let rows = statement.query_map(
            params![text, pattern, institution_id, limit as i64],
            |row| {
                Ok(StaffHit {
                    id: row.get(0)?,
                    title: row.get(1)?,
                    institution_id: row.get(2)?,
                    access: row.get(3)?,
                    withdrawn: row.get(4)?,
                    deleted: row.get(5)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
