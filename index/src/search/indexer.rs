//! Feeding the search index from the catalogue: [`Indexer`] turns catalogue
//! records into index documents (looking up venue and collection names), and
//! [`rebuild`] makes a whole new index from the catalogue alone.
//!
//! A rebuild writes into `<data>/index.new` and swaps it in only when it is
//! complete, so interrupting it leaves the old index working.

use std::collections::HashMap;
use std::fs;
use std::ops::ControlFlow;

use crate::model::{Collection, Institution, ItemRecord};
use crate::progress::{CancelFlag, ProgressSink};
use crate::search::{IndexDocument, IndexUpdater, SearchIndex, remove_tree_if_present};
use crate::{Catalog, DataDir, Error, Result};

/// Adds catalogue records to a search index.
pub struct Indexer {
    updater: IndexUpdater,
    institutions: HashMap<String, Institution>,
    collections: HashMap<(String, String), Collection>,
}

impl Indexer {
    /// An indexer writing to `index`, with venue and collection names from `catalog`.
    pub fn new(index: &SearchIndex, catalog: &Catalog) -> Result<Self> {
        Self::with_updater(index.writer()?, catalog)
    }

    /// An indexer for a rebuild into a fresh `index` (see [`SearchIndex::rebuild_writer`]);
    /// end it with [`Indexer::finish_rebuild`].
    pub fn for_rebuild(index: &SearchIndex, catalog: &Catalog) -> Result<Self> {
        Self::with_updater(index.rebuild_writer()?, catalog)
    }

    fn with_updater(updater: IndexUpdater, catalog: &Catalog) -> Result<Self> {
        let mut indexer = Indexer {
            updater,
            institutions: HashMap::new(),
            collections: HashMap::new(),
        };
        indexer.reload_names(catalog)?;
        Ok(indexer)
    }

    /// Reads venue and collection names again, after some were added.
    pub fn reload_names(&mut self, catalog: &Catalog) -> Result<()> {
        self.institutions = catalog
            .institutions()?
            .into_iter()
            .map(|institution| (institution.id.clone(), institution))
            .collect();
        self.collections = catalog
            .collections()?
            .into_iter()
            .map(|collection| {
                (
                    (collection.institution_id.clone(), collection.id.clone()),
                    collection,
                )
            })
            .collect();
        Ok(())
    }

    /// Adds or replaces one record (a tombstone removes it).
    pub fn index(&mut self, record: &ItemRecord) -> Result<()> {
        let item = &record.item;
        let institution = item
            .institution_id
            .as_ref()
            .and_then(|id| self.institutions.get(id));
        let collection_name = match (&item.institution_id, &item.collection_id) {
            (Some(institution_id), Some(collection_id)) => self
                .collections
                .get(&(institution_id.clone(), collection_id.clone()))
                .map(|collection| collection.name_zh.as_str()),
            _ => None,
        };
        let thumbnail = record
            .files
            .iter()
            .flat_map(|file| file.derivatives.first())
            .map(|derivative| derivative.thumbnail.as_str())
            .next();
        self.updater.upsert(&IndexDocument {
            record,
            institution,
            collection_name,
            thumbnail,
        })
    }

    /// Removes an item by id.
    pub fn remove(&mut self, item_id: &str) -> Result<()> {
        self.updater.delete(item_id)
    }

    /// Indexes the items the catalogue marked as pending (left over by a run
    /// killed between its catalogue and index commits), commits, and clears them.
    pub fn catch_up(&mut self, catalog: &mut Catalog) -> Result<usize> {
        let pending = catalog.index_pending()?;
        if pending.is_empty() {
            return Ok(0);
        }
        for id in &pending {
            match catalog.item(id)? {
                Some(record) => self.index(&record)?,
                None => self.remove(id)?,
            }
        }
        self.commit()?;
        catalog.clear_index_pending(Some(&pending))?;
        Ok(pending.len())
    }

    /// Makes the changes visible to searches.
    pub fn commit(&mut self) -> Result<()> {
        self.updater.commit()
    }

    /// Commits once and merges the index into one segment (end of a rebuild).
    pub fn finish_rebuild(self) -> Result<()> {
        self.updater.finish_rebuild()
    }
}

/// What a rebuild did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RebuildReport {
    /// Live items indexed.
    pub indexed: u64,
    /// Tombstones skipped.
    pub tombstones: u64,
    /// True when the rebuild was asked to stop: the new index was thrown
    /// away and the one before is still in use.
    pub cancelled: bool,
}

/// Rebuilds the search index of `data_dir` from its catalogue alone, telling
/// `progress` the live items to index and each one done. The new index is
/// built aside and swapped in only when complete, so when `cancel` is set
/// it is thrown away and the index before stays as it was (with its
/// index-pending marks). The caller holds the data directory's write lock.
pub fn rebuild(
    data_dir: &DataDir,
    catalog: &mut Catalog,
    progress: &dyn ProgressSink,
    cancel: &CancelFlag,
) -> Result<RebuildReport> {
    let final_dir = data_dir.index_dir();
    let new_dir = data_dir.root().join("index.new");
    let old_dir = data_dir.root().join("index.old");
    remove_tree_if_present(&new_dir)?;
    let index = SearchIndex::create_fresh(&new_dir)?;
    // Nothing searches the new index before it is swapped in: one commit
    // at the end, then one segment.
    let mut indexer = Indexer::for_rebuild(&index, catalog)?;
    let mut report = RebuildReport::default();
    progress.begin(catalog.count_items()?, 0);
    catalog.for_each_item_while(|record| {
        if cancel.is_cancelled() {
            report.cancelled = true;
            return Ok(ControlFlow::Break(()));
        }
        if record.item.deleted_at.is_some() {
            report.tombstones += 1;
        } else {
            indexer.index(&record)?;
            report.indexed += 1;
            progress.advance(1, 0);
        }
        Ok(ControlFlow::Continue(()))
    })?;
    progress.finish();
    if report.cancelled {
        drop(indexer);
        drop(index);
        remove_tree_if_present(&new_dir)?;
        return Ok(report);
    }
    indexer.finish_rebuild()?;
    drop(index);
    remove_tree_if_present(&old_dir)?;
    if final_dir.exists() {
        fs::rename(&final_dir, &old_dir).map_err(|error| {
            Error::io(format!("cannot move {} aside", final_dir.display()), error)
        })?;
    }
    fs::rename(&new_dir, &final_dir).map_err(|error| {
        Error::io(
            format!("cannot move the new index into {}", final_dir.display()),
            error,
        )
    })?;
    remove_tree_if_present(&old_dir)?;
    catalog.clear_index_pending(None)?;
    Ok(report)
}

/// Puts back an index left aside by a rebuild that was killed between its two renames.
pub fn recover_interrupted_rebuild(data_dir: &DataDir) -> Result<()> {
    let final_dir = data_dir.index_dir();
    let old_dir = data_dir.root().join("index.old");
    if !final_dir.exists() && old_dir.exists() {
        fs::rename(&old_dir, &final_dir)
            .map_err(|error| Error::io(format!("cannot restore {}", final_dir.display()), error))?;
    }
    Ok(())
}

/// What [`catch_up_now`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// The search index follows the catalogue again: this many items indexed.
    Done(usize),
    /// Another process (an ingest) holds the data directory's write lock:
    /// the changes stay marked and it, or the next writer, indexes them.
    Deferred,
}

/// Indexes what the catalogue marked pending, now, if no other process is
/// writing the data directory: the path a staff change takes to search.
pub fn catch_up_now(data_dir: &DataDir, index: &SearchIndex) -> Result<CatchUp> {
    let _lock = match data_dir.lock_for_writing() {
        Ok(lock) => lock,
        Err(Error::Locked(_)) => return Ok(CatchUp::Deferred),
        Err(error) => return Err(error),
    };
    let mut catalog = Catalog::open(&data_dir.catalog_path())?;
    let mut indexer = Indexer::new(index, &catalog)?;
    let done = indexer.catch_up(&mut catalog)?;
    Ok(CatchUp::Done(done))
}
