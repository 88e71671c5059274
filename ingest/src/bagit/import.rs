//! `wenyuan import --bagit PATH…`: validate bags and bring their items back.
//!
//! Each bag is validated in full first ([`super::validate`]) and its records
//! checked against its payload (every file's size and BLAKE3); a bag that
//! fails anything is refused and nothing of it is written. A valid bag's
//! originals go into the store, its records into the catalogue with their
//! item ids, and the search index follows batch by batch as in ingest;
//! thumbnails and web images are remade with ingest's media code.
//!
//! An item already in the archive with the same record is left alone; one
//! with a different record (or deleted here) is refused unless `replace`
//! is set. A venue or collection the archive lacks is created from what the
//! bag says.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use wenyuan_index::catalog::{ItemWrite, WriteOutcome};
use wenyuan_index::model::{
    Collection, Institution, InstitutionKind, ItemFile, ItemRecord, StorageMode, validate_slug,
};
use wenyuan_index::search::indexer::Indexer;
use wenyuan_index::store::PutOutcome;
use wenyuan_index::{Catalog, DataDir, Digest, FileStore};

use super::manifest;
use super::record::{self, BagRecord, RECORD_FORMAT, RECORD_VERSION};
use super::validate::{self, Refusal, ValidBag};
use crate::media::{self, DeriveOptions, MediaKind, MediaType};
use crate::pipeline::{commit_batch, open_for_writing, open_indexer};
use crate::report::Failure;
use crate::{Error, Result};
use wenyuan_index::progress::{CancelFlag, ProgressSink};

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Bags, or folders holding bags (one level down).
    pub paths: Vec<PathBuf>,
    /// Validate and report what would be imported; write nothing.
    pub dry_run: bool,
    /// Overwrite items the archive holds with a different record (or deleted) with the bag's version.
    pub replace: bool,
    /// Derivative sizes and decoding limits, as in ingest.
    pub derive: DeriveOptions,
    /// Items per catalogue transaction.
    pub batch_size: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            paths: Vec::new(),
            dry_run: false,
            replace: false,
            derive: DeriveOptions::default(),
            batch_size: 64,
        }
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// Bags found.
    pub bags: u64,
    /// Valid bags with at least one item added or replaced.
    pub bags_imported: u64,
    /// Valid bags all of whose items the archive already held, identical.
    pub bags_unchanged: u64,
    /// Bags refused as invalid: nothing of them was written.
    pub bags_refused: u64,
    /// Items new to the archive.
    pub items_added: u64,
    /// Items overwritten with the bag's version (`--replace`).
    pub items_replaced: u64,
    /// Items the archive already held with the same record.
    pub items_unchanged: u64,
    /// Items not imported because the archive holds something different under their id or file paths.
    pub items_refused: u64,
    /// Originals of unchanged items that were missing from the store and were put back.
    pub files_restored: u64,
    /// Venues created from what the bags say.
    pub institutions_added: u64,
    /// Collections created from what the bags say.
    pub collections_added: u64,
    /// Payload bytes validated.
    pub bytes: u64,
    /// Wall-clock seconds.
    pub elapsed_s: f64,
    /// True for a dry run: nothing was written.
    pub dry_run: bool,
    /// True when the run was asked to stop before the end.
    pub cancelled: bool,
    /// Every refused bag and item, and why.
    pub failures: Vec<Failure>,
    /// Things done differently from what the bag says, or not done (thumbnails that could not be made).
    pub warnings: Vec<Failure>,
}

impl ImportReport {
    /// A short human summary, no trailing newline.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} bags: {} imported, {} already here, {} refused\n\
             items: {} added, {} replaced, {} already here and identical (skipped), {} refused\n\
             {:.1} MB validated in {:.1} s",
            self.bags,
            self.bags_imported,
            self.bags_unchanged,
            self.bags_refused,
            self.items_added,
            self.items_replaced,
            self.items_unchanged,
            self.items_refused,
            self.bytes as f64 / 1_000_000.0,
            self.elapsed_s
        );
        if self.institutions_added + self.collections_added > 0 {
            text.push_str(&format!(
                "\nvenues added: {}, collections added: {}",
                self.institutions_added, self.collections_added
            ));
        }
        if self.files_restored > 0 {
            text.push_str(&format!(
                "\n{} missing originals put back into the store",
                self.files_restored
            ));
        }
        if self.dry_run {
            text.push_str("\ndry run: nothing was written");
        }
        if self.cancelled {
            text.push_str("\nstopped before the end: run the same command again to finish");
        }
        text
    }
}

/// Imports the bags `options.paths` name into `data_dir`.
pub fn import(
    data_dir: &DataDir,
    options: &ImportOptions,
    progress: &dyn ProgressSink,
    cancel: &CancelFlag,
) -> Result<ImportReport> {
    let started = Instant::now();
    let bags = find_bags(&options.paths)?;
    let report = ImportReport {
        bags: bags.len() as u64,
        dry_run: options.dry_run,
        ..ImportReport::default()
    };
    let (_lock, catalog, indexer) = if options.dry_run {
        let catalog = if data_dir.catalog_path().is_file() {
            Some(Catalog::open_read_only(&data_dir.catalog_path())?)
        } else {
            None
        };
        (None, catalog, None)
    } else {
        let (lock, mut catalog) = open_for_writing(data_dir)?;
        let indexer = open_indexer(data_dir, &mut catalog)?;
        (Some(lock), Some(catalog), Some(indexer))
    };
    let (files, bytes) = bags
        .iter()
        .map(|bag| payload_oxum(bag))
        .fold((0, 0), |(files, bytes), (bag_files, bag_bytes)| {
            (files + bag_files, bytes + bag_bytes)
        });
    progress.begin(files, bytes);
    let mut run = ImportRun {
        data_dir,
        options,
        progress,
        cancel,
        store: FileStore::new(data_dir.files_dir()),
        catalog,
        indexer,
        batch: Vec::new(),
        seen_items: HashMap::new(),
        seen_source_paths: HashMap::new(),
        seen_institutions: HashSet::new(),
        seen_collections: HashSet::new(),
        report,
    };
    let result = run.import_all(&bags);
    progress.finish();
    let mut report = run.report;
    if let Some(catalog) = run.catalog.as_mut()
        && !options.dry_run
    {
        let summary = format!(
            "bags={} imported={} refused={} items_added={} items_replaced={}",
            report.bags,
            report.bags_imported,
            report.bags_refused,
            report.items_added,
            report.items_replaced
        );
        let _ = catalog.record_event("import", None, Some(&summary));
    }
    result?;
    report.elapsed_s = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Expands the paths into bag folders. A path that is a bag is one bag; a
/// folder that is not is searched one level down (a folder `export` wrote).
/// A path with no bag is a usage error, before any work.
fn find_bags(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut bags = Vec::new();
    for path in paths {
        if !path.is_dir() {
            return Err(Error::Usage(format!(
                "{} is not a folder; give a bag or a folder of bags",
                path.display()
            )));
        }
        if looks_like_a_bag(path) {
            bags.push(path.clone());
            continue;
        }
        let entries = fs::read_dir(path).map_err(|source| Error::Io {
            context: format!("cannot read {}", path.display()),
            source,
        })?;
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
            .map(|entry| entry.path())
            .filter(|child| child.is_dir() && looks_like_a_bag(child))
            .collect();
        if found.is_empty() {
            return Err(Error::Usage(format!(
                "{} is not a BagIt bag and holds none (no bagit.txt in it or in its folders)",
                path.display()
            )));
        }
        found.sort();
        bags.extend(found);
    }
    Ok(bags)
}

/// A folder with `bagit.txt`, or one that has lost it but still looks like
/// a bag (`data/` beside a manifest): validation then says what is wrong.
fn looks_like_a_bag(path: &Path) -> bool {
    path.join("bagit.txt").is_file()
        || (path.join("data").is_dir()
            && (path.join("manifest-sha256.txt").is_file()
                || path.join("manifest-sha512.txt").is_file()))
}

/// Files and bytes a bag says it holds, for the progress bar.
fn payload_oxum(bag: &Path) -> (u64, u64) {
    let Ok(text) = fs::read_to_string(bag.join("bag-info.txt")) else {
        return (0, 0);
    };
    let Ok(info) = manifest::parse_tag_file(&text) else {
        return (0, 0);
    };
    manifest::tag_value(&info, "Payload-Oxum")
        .and_then(|oxum| oxum.split_once('.'))
        .and_then(|(octets, count)| Some((count.parse().ok()?, octets.parse().ok()?)))
        .unwrap_or((0, 0))
}

/// What a valid bag holds, checked against its payload.
struct BagContents {
    records: Vec<BagRecord>,
    institution: Option<Institution>,
    collection: Option<Collection>,
    /// `Source-Organization` of bag-info.txt.
    source_organization: Option<String>,
}

/// What to do with one item of a bag.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    Add,
    Replace,
    Unchanged,
    Refuse(String),
}

struct ImportRun<'a> {
    data_dir: &'a DataDir,
    options: &'a ImportOptions,
    progress: &'a dyn ProgressSink,
    cancel: &'a CancelFlag,
    store: FileStore,
    /// `None` in a dry run over a data directory that does not exist yet.
    catalog: Option<Catalog>,
    /// `None` in a dry run.
    indexer: Option<Indexer>,
    batch: Vec<ItemWrite>,
    /// Items taken from bags in this run: the bag and the comparable record.
    seen_items: HashMap<String, (PathBuf, ItemRecord)>,
    /// Original paths of files taken in this run, and their item.
    seen_source_paths: HashMap<String, String>,
    /// Venues and collections created (or, in a dry run, that would be).
    seen_institutions: HashSet<String>,
    seen_collections: HashSet<(String, String)>,
    report: ImportReport,
}

impl ImportRun<'_> {
    fn import_all(&mut self, bags: &[PathBuf]) -> Result<()> {
        for bag in bags {
            if self.cancel.is_cancelled() {
                self.report.cancelled = true;
                break;
            }
            self.import_bag(bag)?;
            if self.batch.len() >= self.options.batch_size.max(1) {
                self.flush()?;
            }
        }
        self.flush()
    }

    fn refuse_bag(&mut self, bag: &Path, reason: String) {
        self.progress
            .note(&format!("refused: {}: {reason}", bag.display()));
        self.report.bags_refused += 1;
        self.report.failures.push(Failure {
            path: bag.display().to_string(),
            reason: format!("{reason}; nothing of this bag was imported"),
        });
    }

    fn import_bag(&mut self, bag: &Path) -> Result<()> {
        let valid = match validate::validate(bag, self.progress, self.cancel) {
            Ok(valid) => valid,
            Err(Refusal::Invalid(reason)) => {
                self.refuse_bag(bag, reason);
                return Ok(());
            }
            Err(Refusal::Cancelled) => {
                self.report.cancelled = true;
                return Ok(());
            }
        };
        self.report.bytes += valid.payload.values().map(|file| file.size).sum::<u64>();
        let contents = match read_contents(bag, &valid) {
            Ok(contents) => contents,
            Err(reason) => {
                self.refuse_bag(bag, reason);
                return Ok(());
            }
        };
        let mut decisions = Vec::new();
        for record in &contents.records {
            decisions.push(self.decide(record)?);
        }
        let mut imported_any = false;
        for (record, decision) in contents.records.iter().zip(decisions) {
            match decision {
                Decision::Refuse(reason) => {
                    self.report.items_refused += 1;
                    self.report.failures.push(Failure {
                        path: format!("{} (item {})", bag.display(), record.item.id),
                        reason,
                    });
                }
                Decision::Unchanged => {
                    self.report.items_unchanged += 1;
                    self.remember(bag, record);
                    if !self.options.dry_run {
                        self.restore_missing_originals(bag, record)?;
                    }
                }
                Decision::Add | Decision::Replace => {
                    imported_any = true;
                    self.remember(bag, record);
                    if self.options.dry_run {
                        if decision == Decision::Add {
                            self.report.items_added += 1;
                        } else {
                            self.report.items_replaced += 1;
                        }
                        self.ensure_venue(&contents, record)?;
                        continue;
                    }
                    self.ensure_venue(&contents, record)?;
                    if let Some(write) = self.prepare_write(bag, record)? {
                        self.batch.push(write);
                    }
                }
            }
        }
        if imported_any {
            self.report.bags_imported += 1;
        } else if contents.records.iter().all(|record| {
            self.seen_items
                .get(&record.item.id)
                .is_some_and(|(_, seen)| *seen == record.comparable())
        }) {
            self.report.bags_unchanged += 1;
        }
        Ok(())
    }

    fn remember(&mut self, bag: &Path, record: &BagRecord) {
        self.seen_items.insert(
            record.item.id.clone(),
            (bag.to_path_buf(), record.comparable()),
        );
        for file in &record.files {
            self.seen_source_paths
                .insert(file.file.source_path.clone(), record.item.id.clone());
        }
    }

    /// Add, replace, leave or refuse one item of a valid bag.
    fn decide(&self, record: &BagRecord) -> Result<Decision> {
        let id = &record.item.id;
        let comparable = record.comparable();
        if let Some((earlier_bag, earlier)) = self.seen_items.get(id) {
            return Ok(if *earlier == comparable {
                Decision::Unchanged
            } else {
                Decision::Refuse(format!(
                    "the bag {} of this same run holds a different record of item {id}",
                    earlier_bag.display()
                ))
            });
        }
        let existing = match &self.catalog {
            Some(catalog) => catalog.item(id)?,
            None => None,
        };
        let decision = match existing {
            None => Decision::Add,
            Some(existing) if existing.item.deleted_at.is_some() => {
                if self.options.replace {
                    Decision::Replace
                } else {
                    Decision::Refuse(format!(
                        "item {id} was deleted from this archive; it was not brought back (use --replace to restore it)"
                    ))
                }
            }
            Some(existing) if record::comparable(&existing) == comparable => Decision::Unchanged,
            Some(_) if self.options.replace => Decision::Replace,
            Some(_) => Decision::Refuse(format!(
                "item {id} is already in the archive with a different record (changed since the bag was made?); \
                 it was left as it is (use --replace to overwrite it with the bag's version)"
            )),
        };
        if decision == Decision::Unchanged {
            return Ok(decision);
        }
        // The catalogue keeps one item per original path: taking a path
        // another item holds would move that file out of it.
        for file in &record.files {
            let source_path = &file.file.source_path;
            let holder = match self.seen_source_paths.get(source_path) {
                Some(holder) => Some(holder.clone()),
                None => match &self.catalog {
                    Some(catalog) => catalog.item_holding_source_path(source_path)?,
                    None => None,
                },
            };
            if let Some(holder) = holder
                && holder != *id
            {
                return Ok(Decision::Refuse(format!(
                    "its file {source_path} is already catalogued here as part of item {holder}"
                )));
            }
        }
        Ok(decision)
    }

    /// Creates the item's venue and collection when the archive lacks them,
    /// from the bag's `metadata/institution.json` and `collection.json`
    /// (or, failing those, its `Source-Organization` and the ids).
    fn ensure_venue(&mut self, contents: &BagContents, record: &BagRecord) -> Result<()> {
        let Some(institution_id) = &record.item.institution_id else {
            return Ok(());
        };
        let known = |catalog: &Option<Catalog>, id: &str| -> Result<bool> {
            Ok(match catalog {
                Some(catalog) => catalog.institution(id)?.is_some(),
                None => false,
            })
        };
        let mut names_changed = false;
        if !self.seen_institutions.contains(institution_id)
            && !known(&self.catalog, institution_id)?
        {
            let institution = contents
                .institution
                .clone()
                .filter(|institution| institution.id == *institution_id)
                .unwrap_or_else(|| Institution {
                    id: institution_id.clone(),
                    name_zh: contents
                        .source_organization
                        .clone()
                        .unwrap_or_else(|| institution_id.clone()),
                    name_en: None,
                    kind: InstitutionKind::Other,
                    address: None,
                    opening_hours: None,
                    services: Vec::new(),
                    accessibility: None,
                    contact: None,
                    website: None,
                });
            if let Some(catalog) = self.catalog.as_mut().filter(|_| !self.options.dry_run) {
                catalog.upsert_institution(&institution)?;
                names_changed = true;
            }
            self.report.institutions_added += 1;
            self.seen_institutions.insert(institution_id.clone());
        }
        if let Some(collection_id) = &record.item.collection_id {
            let key = (institution_id.clone(), collection_id.clone());
            let exists = match &self.catalog {
                Some(catalog) => catalog.collection(institution_id, collection_id)?.is_some(),
                None => false,
            };
            if !exists && !self.seen_collections.contains(&key) {
                let collection = contents
                    .collection
                    .clone()
                    .filter(|collection| {
                        collection.institution_id == *institution_id
                            && collection.id == *collection_id
                    })
                    .unwrap_or_else(|| Collection {
                        id: collection_id.clone(),
                        institution_id: institution_id.clone(),
                        name_zh: collection_id.clone(),
                        name_en: None,
                        description: None,
                    });
                if let Some(catalog) = self.catalog.as_mut().filter(|_| !self.options.dry_run) {
                    catalog.upsert_collection(&collection)?;
                    names_changed = true;
                }
                self.report.collections_added += 1;
                self.seen_collections.insert(key);
            }
        }
        if names_changed
            && let (Some(indexer), Some(catalog)) = (self.indexer.as_mut(), self.catalog.as_ref())
        {
            indexer.reload_names(catalog)?;
        }
        Ok(())
    }

    /// Stores the item's originals, remakes its derivatives and returns the
    /// catalogue write; `None` when the bag changed since it was validated.
    fn prepare_write(&mut self, bag: &Path, record: &BagRecord) -> Result<Option<ItemWrite>> {
        let mut files = Vec::with_capacity(record.files.len());
        for bag_file in &record.files {
            let digest = Digest::from_hex(&bag_file.file.digest)?;
            let source = bag.join(&bag_file.payload);
            match self.store.put(&source, &digest) {
                Ok(_) => {}
                Err(wenyuan_index::Error::Invalid(_)) => {
                    self.report.items_refused += 1;
                    self.report.failures.push(Failure {
                        path: source.display().to_string(),
                        reason: format!(
                            "the file changed while it was being imported; item {} was not imported — run the import again",
                            record.item.id
                        ),
                    });
                    return Ok(None);
                }
                Err(error) => return Err(error.into()),
            }
            let mut file = ItemFile {
                storage: StorageMode::Copy,
                derivatives: Vec::new(),
                ..bag_file.file.clone()
            };
            file.derivatives = self.derivatives_for(&file, &record.item.id)?;
            files.push(file);
        }
        let mut item = record.item.clone();
        item.updated_at = 0;
        item.deleted_at = None;
        let fingerprint = format!("bagit:{}", blake3::hash(&record.to_json()).to_hex());
        Ok(Some(ItemWrite {
            record: ItemRecord { item, files },
            fingerprint,
        }))
    }

    /// Thumbnails and web images of an image file: reused when the archive
    /// already has them for these bytes, otherwise made from the stored copy.
    fn derivatives_for(
        &mut self,
        file: &ItemFile,
        item_id: &str,
    ) -> Result<Vec<wenyuan_index::model::PageDerivative>> {
        let kind = MediaKind::of_mime(&file.media_type);
        if kind != MediaKind::Image {
            return Ok(Vec::new());
        }
        let root = self.data_dir.root();
        let present = |derivatives: &[wenyuan_index::model::PageDerivative]| {
            !derivatives.is_empty()
                && derivatives.iter().all(|derivative| {
                    root.join(&derivative.thumbnail).is_file()
                        && root.join(&derivative.web).is_file()
                })
        };
        if let Some(catalog) = &self.catalog
            && let Some(other) = catalog.file_by_digest(&file.digest)?
            && present(&other.derivatives)
        {
            return Ok(other.derivatives);
        }
        let digest = Digest::from_hex(&file.digest)?;
        let media_type = MediaType::new(file.media_type.clone(), kind);
        match media::derive_into_data_dir(
            self.data_dir,
            &self.store.path_for(&digest),
            &media_type,
            &file.tech,
            &file.digest,
            &self.options.derive,
        ) {
            Ok(derivatives) => Ok(derivatives),
            Err(media::MediaError::UnsupportedImage(_)) => Ok(Vec::new()),
            Err(media::MediaError::WriteDerivative { path, source }) => Err(Error::Io {
                context: format!("cannot write {}", path.display()),
                source,
            }),
            Err(error) => {
                self.report.warnings.push(Failure {
                    path: file.source_path.clone(),
                    reason: format!(
                        "item {item_id}: no thumbnail or web image could be made ({error}); the original is preserved"
                    ),
                });
                Ok(Vec::new())
            }
        }
    }

    /// An item the archive already holds identically may still have lost
    /// an original from the store: put it back from the bag.
    fn restore_missing_originals(&mut self, bag: &Path, record: &BagRecord) -> Result<()> {
        let Some(catalog) = &self.catalog else {
            return Ok(());
        };
        let Some(existing) = catalog.item(&record.item.id)? else {
            return Ok(());
        };
        for (bag_file, file) in record.files.iter().zip(&existing.files) {
            if file.storage != StorageMode::Copy {
                continue;
            }
            let digest = Digest::from_hex(&file.digest)?;
            if let Ok(PutOutcome::Stored) = self.store.put(&bag.join(&bag_file.payload), &digest) {
                self.report.files_restored += 1;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let (Some(catalog), Some(indexer)) = (self.catalog.as_mut(), self.indexer.as_mut()) else {
            return Ok(());
        };
        for outcome in commit_batch(&mut self.batch, catalog, indexer)?.outcomes {
            match outcome {
                WriteOutcome::Added => self.report.items_added += 1,
                WriteOutcome::Updated => self.report.items_replaced += 1,
                WriteOutcome::Unchanged => self.report.items_unchanged += 1,
            }
        }
        Ok(())
    }
}

/// Reads a valid bag's records and checks them against its payload: every
/// record file lies in the bag with the size and BLAKE3 the record gives,
/// and every payload file belongs to a record.
fn read_contents(bag: &Path, valid: &ValidBag) -> std::result::Result<BagContents, String> {
    let record_paths: Vec<&String> = valid
        .tag_files
        .iter()
        .filter(|path| {
            path.strip_prefix(record::ITEMS_DIR)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|name| name.ends_with(".json") && !name.contains('/'))
        })
        .collect();
    if record_paths.is_empty() {
        return Err(format!(
            "this is a valid bag, but not one wenyuan made: it has no {}/*.json catalogue record; \
             to catalogue its files, ingest its data/ folder with `wenyuan ingest`",
            record::ITEMS_DIR
        ));
    }
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut ids = HashSet::new();
    let mut records = Vec::new();
    for path in record_paths {
        let record: BagRecord = read_json(bag, valid, path)?;
        if record.format != RECORD_FORMAT {
            return Err(format!(
                "{path} is not a wenyuan item record (format '{}')",
                record.format
            ));
        }
        if record.version > RECORD_VERSION {
            return Err(format!(
                "{path} is a record of version {}, made by a newer wenyuan; upgrade wenyuan to import it",
                record.version
            ));
        }
        let id = &record.item.id;
        validate_slug("item", id).map_err(|error| format!("{path}: {error}"))?;
        if path.as_str() != format!("{}/{id}.json", record::ITEMS_DIR) {
            return Err(format!(
                "{path} holds the record of item {id}, not of the item its name says"
            ));
        }
        for (kind, slug) in [
            ("institution", &record.item.institution_id),
            ("collection", &record.item.collection_id),
        ] {
            if let Some(slug) = slug {
                validate_slug(kind, slug).map_err(|error| format!("{path}: {error}"))?;
            }
        }
        if record.item.collection_id.is_some() && record.item.institution_id.is_none() {
            return Err(format!("{path} names a collection but no institution"));
        }
        if !ids.insert(id.clone()) {
            return Err(format!("item {id} has two records in the bag"));
        }
        if record.item.deleted_at.is_some() {
            return Err(format!("{path} is the record of a deleted item"));
        }
        for file in &record.files {
            let Some(payload) = valid.payload.get(&file.payload) else {
                return Err(format!(
                    "{path} names the file {}, which is not in the bag's payload",
                    file.payload
                ));
            };
            if Digest::from_hex(&file.file.digest).ok() != Some(payload.blake3)
                || payload.size != file.file.size
            {
                return Err(format!(
                    "{} is not the file {path} describes (its size or BLAKE3 digest differs from the record's)",
                    file.payload
                ));
            }
            used.insert(file.payload.clone());
        }
        records.push(record);
    }
    if let Some(unused) = valid.payload.keys().find(|path| !used.contains(*path)) {
        return Err(format!(
            "{unused} is in the bag's payload but belongs to no item record"
        ));
    }
    let institution = match valid.tag_files.contains(record::INSTITUTION_FILE) {
        true => Some(read_json::<Institution>(
            bag,
            valid,
            record::INSTITUTION_FILE,
        )?),
        false => None,
    };
    if let Some(institution) = &institution {
        validate_slug("institution", &institution.id)
            .map_err(|error| format!("{}: {error}", record::INSTITUTION_FILE))?;
    }
    let collection = match valid.tag_files.contains(record::COLLECTION_FILE) {
        true => Some(read_json::<Collection>(
            bag,
            valid,
            record::COLLECTION_FILE,
        )?),
        false => None,
    };
    if let Some(collection) = &collection {
        validate_slug("collection", &collection.id)
            .and_then(|()| validate_slug("institution", &collection.institution_id))
            .map_err(|error| format!("{}: {error}", record::COLLECTION_FILE))?;
    }
    Ok(BagContents {
        records,
        institution,
        collection,
        source_organization: manifest::tag_value(&valid.info, "Source-Organization")
            .filter(|name| !name.is_empty())
            .map(str::to_string),
    })
}

/// Reads a JSON tag file that a tag manifest vouches for.
fn read_json<T: serde::de::DeserializeOwned>(
    bag: &Path,
    valid: &ValidBag,
    path: &str,
) -> std::result::Result<T, String> {
    if !valid.verified_tag_files.contains(path) {
        return Err(format!(
            "{path} is not listed in a tag manifest (tagmanifest-sha256.txt), so whether it is intact cannot be checked"
        ));
    }
    let bytes =
        fs::read(bag.join(path)).map_err(|error| format!("{path} cannot be read: {error}"))?;
    serde_json::from_slice(&bytes).map_err(|error| format!("{path} is not a valid record: {error}"))
}
