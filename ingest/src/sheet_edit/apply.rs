//! `wenyuan apply-sheet FILE`: what an edited sheet changes, then the change.
//!
//! Rows are matched to records by their `id`. A row that cannot be applied
//! (no id, an unknown or deleted item, an item of another venue than the
//! editor's, a venue or collection that is not the item's, a bad access
//! level, an emptied title) is a problem line, and nothing of it is applied;
//! the other rows are. Each record's change is one transaction with one
//! history entry per field (action `sheet`).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use wenyuan_index::catalog::{Catalog, FieldChange, HistoryEntry, ItemEdit, StaffMember};
use wenyuan_index::model::{DcElement, Item, Metadata};

use super::{TOO_LONG, access_text, cell_text, is_id_header};
use crate::metadata::{ColumnRole, Description, FieldValue, RowProblem, read_grid};
use crate::{Error, Result};

/// Most rows one sheet may change.
pub const MAX_ROWS: usize = 100_000;

/// What a sheet would change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SheetPlan {
    /// Records the sheet changes, in sheet order.
    pub changes: Vec<RecordChange>,
    /// Rows whose record the sheet leaves as it is.
    pub unchanged: usize,
    /// Rows that cannot be applied, with the reason (nothing of them is).
    pub problems: Vec<RowProblem>,
    /// Columns that were not understood and are ignored (header as written).
    pub ignored_columns: Vec<String>,
}

/// The change a sheet row makes to one record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordChange {
    /// The row number as Excel shows it.
    pub line: usize,
    /// The item.
    pub item_id: String,
    /// Its title before the change.
    pub title: String,
    /// Each field that changes.
    pub fields: Vec<SheetChange>,
    /// The record's new state.
    pub edit: ItemEdit,
}

/// One field a row changes, for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetChange {
    /// The field as history names it (`title`, `extra:材质`, `access`).
    pub field: String,
    /// Its label (`题名 title`).
    pub label: String,
    /// The value before, values one a line.
    pub old: String,
    /// The value after.
    pub new: String,
}

impl SheetPlan {
    /// A short digest of what the plan would write: the web's apply step
    /// checks that the records did not change between preview and apply.
    pub fn digest(&self) -> String {
        let mut hasher = blake3::Hasher::new();
        for change in &self.changes {
            hasher.update(change.item_id.as_bytes());
            for field in &change.fields {
                for part in [&field.field, &field.old, &field.new] {
                    hasher.update(&(part.len() as u64).to_le_bytes());
                    hasher.update(part.as_bytes());
                }
            }
        }
        hasher.finalize().to_hex().as_str()[..16].to_string()
    }

    /// The plan as text for a terminal: records, fields, old → new, then problems.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        for change in &self.changes {
            text.push_str(&format!(
                "row {} · {} ({})\n",
                change.line, change.item_id, change.title
            ));
            for field in &change.fields {
                text.push_str(&format!(
                    "  {}: {} → {}\n",
                    field.label,
                    one_line(&field.old),
                    one_line(&field.new)
                ));
            }
        }
        for problem in &self.problems {
            text.push_str(&format!("refused: {}\n", problem.reason));
        }
        if !self.ignored_columns.is_empty() {
            text.push_str(&format!(
                "ignored columns (not a field): {}\n",
                self.ignored_columns.join(", ")
            ));
        }
        text.push_str(&format!(
            "{} records change, {} unchanged, {} rows refused",
            self.changes.len(),
            self.unchanged,
            self.problems.len()
        ));
        text
    }
}

/// A value for one line: empty shows as `(empty)`, line breaks as ` | `.
fn one_line(text: &str) -> String {
    if text.is_empty() {
        "(empty)".into()
    } else {
        text.replace('\n', " | ")
    }
}

/// What a column of an edit sheet holds.
enum EditColumn {
    Id,
    Role(ColumnRole),
    Ignored,
}

/// Reads an edited sheet (`path` names it in messages) and works out what
/// it changes, against the catalogue as it is now. `editor`: the account
/// uploading it (an editor may change only its venue's records); `None` for
/// the command line, which may change any.
pub fn plan_sheet(
    catalog: &Catalog,
    path: &Path,
    bytes: Vec<u8>,
    editor: Option<&StaffMember>,
) -> Result<SheetPlan> {
    let grid = read_grid(path, bytes).map_err(|error| Error::Usage(error.to_string()))?;
    let mut plan = SheetPlan {
        problems: grid.problems,
        ..SheetPlan::default()
    };
    let columns: Vec<EditColumn> = grid
        .header
        .iter()
        .map(|header| {
            if header.trim().is_empty() {
                EditColumn::Ignored
            } else if is_id_header(header) {
                EditColumn::Id
            } else {
                match ColumnRole::from_header(header) {
                    Some(ColumnRole::File) | None => EditColumn::Ignored,
                    Some(role) => EditColumn::Role(role),
                }
            }
        })
        .collect();
    if !columns
        .iter()
        .any(|column| matches!(column, EditColumn::Id))
    {
        return Err(Error::Usage(format!(
            "{}: the sheet has no id column; export one with `wenyuan export --sheet`, \
             edit it, and keep its first column (id)",
            path.display()
        )));
    }
    if grid.rows.len() > MAX_ROWS {
        return Err(Error::Usage(format!(
            "{}: {} rows, more than the {MAX_ROWS} one sheet may change; split it",
            path.display(),
            grid.rows.len()
        )));
    }
    plan.ignored_columns = grid
        .header
        .iter()
        .zip(&columns)
        .filter(|(header, column)| {
            matches!(column, EditColumn::Ignored) && !header.trim().is_empty()
        })
        .map(|(header, _)| header.trim().to_string())
        .collect();
    let mut seen = HashSet::new();
    for (line, cells) in grid.rows {
        match plan_row(catalog, &columns, line, &cells, editor, &mut seen) {
            Ok(Some(change)) => plan.changes.push(change),
            Ok(None) => plan.unchanged += 1,
            Err(reason) => plan.problems.push(RowProblem { line, reason }),
        }
    }
    plan.problems.sort_by_key(|problem| problem.line);
    Ok(plan)
}

/// One row's change; `Ok(None)` when it changes nothing, `Err` with the
/// reason when it cannot be applied.
fn plan_row(
    catalog: &Catalog,
    columns: &[EditColumn],
    line: usize,
    cells: &[String],
    editor: Option<&StaffMember>,
    seen: &mut HashSet<String>,
) -> std::result::Result<Option<RecordChange>, String> {
    let internal = |error: wenyuan_index::Error| format!("row {line}: {error}");
    let cell = |index: usize| cells.get(index).map(String::as_str).unwrap_or("");
    let id = columns
        .iter()
        .position(|column| matches!(column, EditColumn::Id))
        .map(|index| cell(index).trim().to_string())
        .unwrap_or_default();
    if id.is_empty() {
        return Err(format!("row {line} has no id"));
    }
    if !seen.insert(id.clone()) {
        return Err(format!(
            "row {line}: item {id} is on an earlier row too; each record may be on one row"
        ));
    }
    let Some(record) = catalog.item(&id).map_err(internal)? else {
        return Err(format!("row {line}: unknown id {id}"));
    };
    let item = record.item;
    if item.deleted_at.is_some() && catalog.withdrawal(&id).map_err(internal)?.is_none() {
        return Err(format!(
            "row {line}: item {id} was deleted (its files are gone from the folder)"
        ));
    }
    if let Some(editor) = editor
        && !editor.may_edit(item.institution_id.as_deref())
    {
        return Err(format!(
            "row {line}: item {id} belongs to {}, which your account may not edit",
            item.institution_id.as_deref().unwrap_or("no venue")
        ));
    }
    let mut metadata = item.metadata.clone();
    let mut access = item.access;
    for (column, text) in columns.iter().zip(
        cells
            .iter()
            .map(String::as_str)
            .chain(std::iter::repeat("")),
    ) {
        let EditColumn::Role(role) = column else {
            continue;
        };
        apply_cell(catalog, &item, role, text, &mut metadata, &mut access)
            .map_err(|reason| format!("row {line}: {reason}"))?;
    }
    if metadata.values(DcElement::Title).is_empty() {
        return Err(format!(
            "row {line}: item {id} would have no title (题名 is empty); a record needs one"
        ));
    }
    let changes =
        wenyuan_index::catalog::field_changes((&item.metadata, item.access), (&metadata, access))
            .map_err(internal)?;
    if changes.is_empty() {
        return Ok(None);
    }
    Ok(Some(RecordChange {
        line,
        item_id: id,
        title: item.display_title().to_string(),
        fields: changes.iter().map(describe_change).collect(),
        edit: ItemEdit { metadata, access },
    }))
}

/// Sets the field of one cell on `metadata`/`access`. A cell that still
/// holds what the export wrote (or [`TOO_LONG`]) leaves the field as it is.
fn apply_cell(
    catalog: &Catalog,
    item: &Item,
    role: &ColumnRole,
    text: &str,
    metadata: &mut Metadata,
    access: &mut wenyuan_index::model::AccessLevel,
) -> std::result::Result<(), String> {
    let trimmed = text.trim();
    match role {
        ColumnRole::Institution => {
            if !trimmed.is_empty() && Some(trimmed) != item.institution_id.as_deref() {
                let known = catalog
                    .institution(trimmed)
                    .map_err(|error| error.to_string())?
                    .is_some();
                return Err(if known {
                    format!(
                        "the sheet moves item {} to venue {trimmed}; moving records between venues is not done by sheet (leave 机构 as exported)",
                        item.id
                    )
                } else {
                    format!("unknown venue {trimmed}")
                });
            }
        }
        ColumnRole::Collection => {
            if !trimmed.is_empty() && Some(trimmed) != item.collection_id.as_deref() {
                return Err(format!(
                    "the sheet moves item {} to collection {trimmed}; moving records between collections is not done by sheet (leave 藏品集 as exported)",
                    item.id
                ));
            }
        }
        ColumnRole::Access => {
            if !trimmed.is_empty() && trimmed != access_text(item.access) {
                let mut description = Description::default();
                description.apply(role, FieldValue::Text(trimmed.to_string()))?;
                if let Some(level) = description.access {
                    *access = level;
                }
            }
        }
        ColumnRole::Element(element) => {
            let is_description = *element == DcElement::Description;
            let current = item.metadata.values(*element);
            if trimmed == TOO_LONG || text == cell_text(current, is_description) {
                return Ok(());
            }
            let mut description = Description::default();
            description.apply(role, FieldValue::Text(text.to_string()))?;
            let values: Vec<String> = description
                .metadata
                .values(*element)
                .iter()
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
                .collect();
            metadata.dc.remove(element);
            metadata.push(*element, values);
        }
        ColumnRole::Extra(name) => {
            let current = item
                .metadata
                .extra
                .get(name)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if trimmed == TOO_LONG || text == cell_text(current, false) {
                return Ok(());
            }
            let mut description = Description::default();
            description.apply(role, FieldValue::Text(text.to_string()))?;
            match description.metadata.extra.remove(name) {
                Some(values) if !values.is_empty() => {
                    metadata.extra.insert(name.clone(), values);
                }
                _ => {
                    metadata.extra.remove(name);
                }
            }
        }
        ColumnRole::File => {}
    }
    Ok(())
}

/// A stored field change as people read it.
fn describe_change(change: &FieldChange) -> SheetChange {
    let label = if let Some(name) = change.field.strip_prefix("extra:") {
        name.to_string()
    } else if change.field == "access" {
        "访问级别 access".to_string()
    } else {
        DcElement::from_header(&change.field).map_or_else(
            || change.field.clone(),
            |element| format!("{} {}", element.label_zh(), element.as_str()),
        )
    };
    SheetChange {
        field: change.field.clone(),
        label,
        old: HistoryEntry::display(change.old.as_deref()),
        new: HistoryEntry::display(change.new.as_deref()),
    }
}

/// Applies a plan: each record's change in its own transaction, as history
/// entries of action `sheet` by `actor`. Returns the history entries made
/// per item. A record that fails stops the run with the records before it
/// applied (each is whole); run the sheet again to finish — it shows only
/// what is still to change.
pub fn apply_plan(
    catalog: &mut Catalog,
    plan: &SheetPlan,
    actor: &str,
    reason: Option<&str>,
) -> Result<BTreeMap<String, Vec<HistoryEntry>>> {
    let mut applied = BTreeMap::new();
    for change in &plan.changes {
        let entries = catalog.edit_item(&change.item_id, &change.edit, actor, "sheet", reason)?;
        applied.insert(change.item_id.clone(), entries);
    }
    Ok(applied)
}
