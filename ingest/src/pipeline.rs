//! The ingest run: walk → plan → (in parallel) identify, hash, extract,
//! derive, store → (one writer) catalogue in batched transactions.
//!
//! Work is spread over `jobs` threads file by file, so one 300-page book
//! keeps both cores busy; a single writer thread assembles items as their
//! files finish and commits them in batches. Every byte is preserved before
//! the row that points at it is committed, so a run killed at any moment
//! leaves a consistent archive and the next run finishes the job.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wenyuan_index::catalog::{BatchReport, ItemWrite, KnownFile, WriteOutcome};
use wenyuan_index::error::io_disk_full;
use wenyuan_index::model::{DcElement, Item, ItemFile, ItemRecord, StorageMode};
use wenyuan_index::search::SearchIndex;
use wenyuan_index::search::indexer::{Indexer, recover_interrupted_rebuild};
use wenyuan_index::store::hash_file;
use wenyuan_index::{Catalog, DataDir, FileStore, WriteLock};

use crate::media::{self, DeriveOptions, MediaKind, MediaType};
use crate::metadata;
use crate::plan::{self, PlanContext, PlannedItem};
use crate::report::{Failure, IngestReport};
use crate::walk::{self, FoundFile};
use crate::{Error, Result};
use wenyuan_index::progress::{CancelFlag, ProgressSink};

/// Largest plain-text file whose content is indexed as full text.
const MAX_TEXT_BYTES: u64 = 10 * 1024 * 1024;

/// Options of an ingest run.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Folders to ingest.
    pub roots: Vec<PathBuf>,
    /// Institution for items that do not name one.
    pub institution_id: Option<String>,
    /// Collection for items that do not name one.
    pub collection_id: Option<String>,
    /// Copy originals into the store, or reference them in place.
    pub storage: StorageMode,
    /// Worker threads for hashing and decoding.
    pub jobs: usize,
    /// Plan and count, write nothing.
    pub dry_run: bool,
    /// Derivative sizes and decoding limits.
    pub derive: DeriveOptions,
    /// Items per catalogue transaction.
    pub batch_size: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            roots: Vec::new(),
            institution_id: None,
            collection_id: None,
            storage: StorageMode::Copy,
            jobs: std::thread::available_parallelism().map_or(2, usize::from),
            dry_run: false,
            derive: DeriveOptions::default(),
            batch_size: 64,
        }
    }
}

/// Ingests `options.roots` into `data_dir`.
pub fn ingest(
    data_dir: &DataDir,
    options: &IngestOptions,
    progress: &dyn ProgressSink,
    cancel: &CancelFlag,
) -> Result<IngestReport> {
    let started = Instant::now();
    for root in &options.roots {
        if !root.is_dir() {
            return Err(Error::NotAFolder(root.clone()));
        }
    }
    let mut report = IngestReport {
        dry_run: options.dry_run,
        ..IngestReport::default()
    };

    let existing_catalog = data_dir.catalog_path().is_file();
    let (_lock, catalog) = if options.dry_run {
        let catalog = if existing_catalog {
            Some(Catalog::open_read_only(&data_dir.catalog_path())?)
        } else {
            None
        };
        (None, catalog)
    } else {
        let (lock, catalog) = open_for_writing(data_dir)?;
        (Some(lock), Some(catalog))
    };

    let context = plan_context(catalog.as_ref(), options)?;
    let exclude = data_dir.root().canonicalize().ok();
    let mut items: Vec<PlannedItem> = Vec::new();
    let mut planned_ids: HashSet<String> = HashSet::new();
    progress.note("scanning folders");
    for root in &options.roots {
        let tree = walk::walk(root, exclude.as_deref()).map_err(|source| Error::Io {
            context: format!("cannot read {}", root.display()),
            source,
        })?;
        report.seen += tree.files.len() as u64;
        for failure in tree.failures.iter().cloned() {
            report.fail(failure.path, failure.reason);
        }
        let planned = plan::plan(&tree, &context);
        for failure in planned.failures {
            report.fail(failure.path, failure.reason);
        }
        for item in planned.items {
            if planned_ids.insert(item.id.clone()) {
                items.push(item);
            }
        }
    }

    let fingerprints = catalog
        .as_ref()
        .map(Catalog::item_fingerprints)
        .transpose()?
        .unwrap_or_default();
    let (unchanged, work): (Vec<PlannedItem>, Vec<PlannedItem>) = items
        .into_iter()
        .partition(|item| fingerprints.get(&item.id) == Some(&item.fingerprint));
    report.items_unchanged = unchanged.len() as u64;
    report.unchanged += unchanged
        .iter()
        .map(|item| item.files.len() as u64)
        .sum::<u64>();

    if options.dry_run {
        let known = catalog
            .as_ref()
            .map(Catalog::known_files)
            .transpose()?
            .unwrap_or_default();
        count_dry_run(&work, &known, &mut report);
        report.finish_timing(started.elapsed());
        return Ok(report);
    }
    let mut catalog = catalog.expect("a real run opened the catalogue");
    let mut indexer = open_indexer(data_dir, &mut catalog)?;

    let total_files: u64 = work.iter().map(|item| item.files.len() as u64).sum();
    let total_bytes: u64 = work
        .iter()
        .flat_map(|item| &item.files)
        .map(|file| file.size)
        .sum();
    progress.begin(total_files, total_bytes);
    let run = Run {
        data_dir,
        store: FileStore::new(data_dir.files_dir()),
        options,
        progress,
        cancel,
        seen_digests: Mutex::new(HashSet::new()),
    };
    let result = run.process(&work, &mut catalog, &mut report, &mut indexer);
    progress.finish();
    let summary = format!(
        "seen={} added={} updated={} unchanged={} duplicates={} failed={}",
        report.seen,
        report.added,
        report.updated,
        report.unchanged,
        report.duplicates,
        report.failed
    );
    let _ = catalog.record_event("ingest", None, Some(&summary));
    result?;
    report.cancelled = cancel.is_cancelled();
    report.finish_timing(started.elapsed());
    Ok(report)
}

/// Opens `data_dir` for writing, as ingest and import both do: creates its
/// folders, takes its write lock, removes temporaries a killed run left in
/// the store, and opens (migrating) the catalogue.
pub(crate) fn open_for_writing(data_dir: &DataDir) -> Result<(WriteLock, Catalog)> {
    std::fs::create_dir_all(data_dir.root()).map_err(|source| Error::Io {
        context: format!("cannot create {}", data_dir.root().display()),
        source,
    })?;
    let lock = data_dir.lock_for_writing()?;
    let data_dir = DataDir::create(data_dir.root())?;
    FileStore::new(data_dir.files_dir()).remove_stale_temporaries()?;
    data_dir.clear_temporaries()?;
    let catalog = Catalog::open(&data_dir.catalog_path())?;
    Ok((lock, catalog))
}

/// The search index's writer. The index follows the catalogue batch by
/// batch; first it catches up with anything a killed run committed to the
/// catalogue only.
pub(crate) fn open_indexer(data_dir: &DataDir, catalog: &mut Catalog) -> Result<Indexer> {
    recover_interrupted_rebuild(data_dir)?;
    let search_index = SearchIndex::open_or_create(&data_dir.index_dir())?;
    let mut indexer = Indexer::new(&search_index, catalog)?;
    indexer.catch_up(catalog)?;
    Ok(indexer)
}

fn plan_context(catalog: Option<&Catalog>, options: &IngestOptions) -> Result<PlanContext> {
    let (institutions, collections) = match catalog {
        Some(catalog) => (catalog.institutions()?, catalog.collections()?),
        None => (Vec::new(), Vec::new()),
    };
    let context = PlanContext {
        institution_id: options.institution_id.clone(),
        collection_id: options.collection_id.clone(),
        storage: options.storage,
        known_institutions: institutions
            .into_iter()
            .map(|institution| institution.id)
            .collect(),
        known_collections: collections
            .into_iter()
            .map(|collection| (collection.institution_id, collection.id))
            .collect(),
    };
    if let Some(institution) = &options.institution_id
        && !context.known_institutions.contains(institution)
    {
        return Err(Error::Usage(format!(
            "unknown institution '{institution}'; add it first with `wenyuan institutions import FILE.toml`"
        )));
    }
    if let Some(collection) = &options.collection_id {
        let Some(institution) = &options.institution_id else {
            return Err(Error::Usage("--collection needs --institution".into()));
        };
        if !context
            .known_collections
            .contains(&(institution.clone(), collection.clone()))
        {
            return Err(Error::Usage(format!(
                "unknown collection '{collection}' of institution '{institution}'; add it first with `wenyuan institutions import FILE.toml`"
            )));
        }
    }
    Ok(context)
}

fn count_dry_run(
    work: &[PlannedItem],
    known: &HashMap<String, KnownFile>,
    report: &mut IngestReport,
) {
    let known_items: HashSet<&str> = known.values().map(|file| file.item_id.as_str()).collect();
    for item in work {
        if known_items.contains(item.id.as_str()) {
            report.items_updated += 1;
        } else {
            report.items_added += 1;
        }
        for file in &item.files {
            report.bytes += file.size;
            match known.get(&file.path.to_string_lossy().into_owned()) {
                Some(old) if old.size == file.size && old.mtime_ns == file.mtime_ns => {
                    report.unchanged += 1
                }
                Some(_) => report.updated += 1,
                None => report.added += 1,
            }
        }
    }
}

/// How a processed file counts in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileClass {
    Added,
    Updated,
    Unchanged,
    Duplicate,
}

enum FileOutcome {
    Done(Box<ItemFile>, FileClass, MediaKind),
    Failed(Failure),
    /// The data directory cannot be written (disk full): stop the run.
    Fatal(Error),
}

struct Run<'a> {
    data_dir: &'a DataDir,
    store: FileStore,
    options: &'a IngestOptions,
    progress: &'a dyn ProgressSink,
    cancel: &'a CancelFlag,
    seen_digests: Mutex<HashSet<String>>,
}

struct PendingItem {
    outcomes: Vec<Option<FileOutcome>>,
    remaining: usize,
}

impl Run<'_> {
    fn process(
        &self,
        work: &[PlannedItem],
        catalog: &mut Catalog,
        report: &mut IngestReport,
        indexer: &mut Indexer,
    ) -> Result<()> {
        let jobs = self.options.jobs.max(1);
        let (task_sender, task_receiver) = crossbeam_channel::bounded::<(usize, usize)>(jobs * 4);
        let (result_sender, result_receiver) =
            crossbeam_channel::bounded::<(usize, usize, FileOutcome)>(jobs * 8);
        let stop = CancelFlag::new();
        std::thread::scope(|scope| -> Result<()> {
            let stop_feeding = stop.clone();
            scope.spawn(move || {
                for (item_index, item) in work.iter().enumerate() {
                    for file_index in 0..item.files.len() {
                        if self.cancel.is_cancelled() || stop_feeding.is_cancelled() {
                            return;
                        }
                        if task_sender.send((item_index, file_index)).is_err() {
                            return;
                        }
                    }
                }
            });
            for _ in 0..jobs {
                let task_receiver = task_receiver.clone();
                let result_sender = result_sender.clone();
                scope.spawn(move || {
                    let reader = Catalog::open_read_only(&self.data_dir.catalog_path()).ok();
                    for (item_index, file_index) in task_receiver {
                        let outcome =
                            self.process_file(reader.as_ref(), &work[item_index], file_index);
                        if result_sender
                            .send((item_index, file_index, outcome))
                            .is_err()
                        {
                            return;
                        }
                    }
                });
            }
            drop(task_receiver);
            drop(result_sender);
            let written = self.write_results(work, &result_receiver, catalog, report, indexer);
            if written.is_err() {
                stop.cancel();
                // Drain so workers blocked on sending can finish.
                for _ in result_receiver.iter() {}
            }
            written
        })
    }

    fn write_results(
        &self,
        work: &[PlannedItem],
        results: &crossbeam_channel::Receiver<(usize, usize, FileOutcome)>,
        catalog: &mut Catalog,
        report: &mut IngestReport,
        indexer: &mut Indexer,
    ) -> Result<()> {
        let mut pending: HashMap<usize, PendingItem> = HashMap::new();
        let mut batch: Vec<ItemWrite> = Vec::new();
        let mut last_flush = Instant::now();
        for (item_index, file_index, outcome) in results.iter() {
            let item = &work[item_index];
            if let FileOutcome::Fatal(error) = outcome {
                self.flush(&mut batch, catalog, report, indexer)?;
                return Err(error);
            }
            let file_size = item.files[file_index].size;
            self.progress.advance(1, file_size);
            if let FileOutcome::Failed(failure) = &outcome {
                self.progress
                    .note(&format!("failed: {}: {}", failure.path, failure.reason));
            }
            let entry = pending.entry(item_index).or_insert_with(|| PendingItem {
                outcomes: (0..item.files.len()).map(|_| None).collect(),
                remaining: item.files.len(),
            });
            entry.outcomes[file_index] = Some(outcome);
            entry.remaining -= 1;
            if entry.remaining == 0 {
                let finished = pending.remove(&item_index).expect("pending item");
                if let Some(write) = self.finish_item(item, finished, report) {
                    batch.push(write);
                }
            }
            if batch.len() >= self.options.batch_size.max(1)
                || (!batch.is_empty() && last_flush.elapsed() > Duration::from_secs(2))
            {
                self.flush(&mut batch, catalog, report, indexer)?;
                last_flush = Instant::now();
            }
        }
        self.flush(&mut batch, catalog, report, indexer)
    }

    fn flush(
        &self,
        batch: &mut Vec<ItemWrite>,
        catalog: &mut Catalog,
        report: &mut IngestReport,
        indexer: &mut Indexer,
    ) -> Result<()> {
        let written = commit_batch(batch, catalog, indexer)?;
        for outcome in &written.outcomes {
            match outcome {
                WriteOutcome::Added => report.items_added += 1,
                WriteOutcome::Updated => report.items_updated += 1,
                WriteOutcome::Unchanged => report.items_unchanged += 1,
            }
        }
        report.edits_kept += written.edits_kept.len() as u64;
        for replaced in written.edits_replaced {
            report.edits_replaced.push(Failure {
                path: replaced.item_id,
                reason: format!(
                    "the sheet changes a value edited on the web ({}): the folder's new value replaced the edit",
                    replaced.field
                ),
            });
        }
        Ok(())
    }

    /// Turns an item's finished files into a catalogue write, counting files.
    fn finish_item(
        &self,
        planned: &PlannedItem,
        finished: PendingItem,
        report: &mut IngestReport,
    ) -> Option<ItemWrite> {
        let mut files = Vec::new();
        let mut kinds = Vec::new();
        let mut had_failure = false;
        for outcome in finished.outcomes.into_iter().flatten() {
            match outcome {
                FileOutcome::Done(file, class, kind) => {
                    match class {
                        FileClass::Added => report.added += 1,
                        FileClass::Updated => report.updated += 1,
                        FileClass::Unchanged => report.unchanged += 1,
                        FileClass::Duplicate => report.duplicates += 1,
                    }
                    if class != FileClass::Unchanged {
                        report.bytes += file.size;
                    }
                    kinds.push(kind);
                    files.push(*file);
                }
                FileOutcome::Failed(failure) => {
                    had_failure = true;
                    report.fail(failure.path, failure.reason);
                }
                FileOutcome::Fatal(_) => had_failure = true,
            }
        }
        if files.is_empty() {
            // Nothing usable: keep whatever the catalogue had, try again next run.
            return None;
        }
        for (seq, file) in files.iter_mut().enumerate() {
            file.seq = seq as u32 + 1;
        }
        let mut metadata = planned.metadata.clone();
        if metadata.values(DcElement::Title).is_empty() {
            metadata.push(DcElement::Title, [planned.fallback_title.clone()]);
        }
        if metadata.values(DcElement::Date).is_empty()
            && let Some(exif_date) = files
                .iter()
                .find_map(|file| file.tech.exif_datetime.as_deref())
        {
            metadata.push(DcElement::Date, [exif_date_to_iso(exif_date)]);
        }
        if metadata.values(DcElement::Type).is_empty()
            && let Some(kind) = kinds.first()
            && let Some(dcmi_type) = dcmi_type(*kind)
        {
            metadata.push(DcElement::Type, [dcmi_type.to_string()]);
        }
        if metadata.values(DcElement::Format).is_empty() {
            let mut formats: Vec<String> =
                files.iter().map(|file| file.media_type.clone()).collect();
            formats.dedup();
            metadata.push(DcElement::Format, formats);
        }
        let item = Item {
            id: planned.id.clone(),
            source_key: planned.source_key.clone(),
            institution_id: planned.institution_id.clone(),
            collection_id: planned.collection_id.clone(),
            access: planned.access,
            metadata,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        };
        // An item with a failed file is retried by the next run, which
        // reports the failure again rather than silently accepting a gap.
        let fingerprint = if had_failure {
            format!("partial:{}", planned.fingerprint)
        } else {
            planned.fingerprint.clone()
        };
        Some(ItemWrite {
            record: ItemRecord { item, files },
            fingerprint,
        })
    }

    fn process_file(
        &self,
        reader: Option<&Catalog>,
        item: &PlannedItem,
        file_index: usize,
    ) -> FileOutcome {
        let planned_file = &item.files[file_index];
        match self.process_file_inner(reader, item, file_index) {
            Ok((file, class, kind)) => FileOutcome::Done(Box::new(file), class, kind),
            Err(FileError::Fatal(error)) => FileOutcome::Fatal(error),
            Err(FileError::Failed(reason)) => FileOutcome::Failed(Failure {
                path: planned_file.path.display().to_string(),
                reason,
            }),
        }
    }

    fn process_file_inner(
        &self,
        reader: Option<&Catalog>,
        item: &PlannedItem,
        file_index: usize,
    ) -> Result<(ItemFile, FileClass, MediaKind), FileError> {
        let planned_file = &item.files[file_index];
        let path = &planned_file.path;
        let source_path = path.to_string_lossy().into_owned();
        let current = walk::found_file(path).map_err(read_error)?;
        let ocr = item.sidecars[file_index].ocr.as_ref();

        // Quick path: same path, size and modification time as catalogued.
        let known =
            reader.and_then(|catalog| catalog.file_by_source_path(&source_path).ok().flatten());
        if let Some(known_file) = &known
            && known_file.size == current.size
            && known_file.source_mtime_ns == current.mtime_ns
            && known_file.storage == self.options.storage
            && self.preserved(known_file)
            && self.derivatives_present(known_file)
        {
            let kind = MediaKind::of_mime(&known_file.media_type);
            let mut file = known_file.clone();
            self.apply_ocr(&mut file, kind, ocr)?;
            return Ok((file, FileClass::Unchanged, kind));
        }

        if current.size == 0 {
            return Err(FileError::Failed("the file is empty (0 bytes)".into()));
        }
        let (digest, hashed_size) = hash_file(path).map_err(read_error)?;
        let digest_hex = digest.to_hex();
        let head = read_head(path).map_err(read_error)?;
        let media_type = media::identify(path, &head);
        let kind = media_type.kind;

        let class = match &known {
            Some(known_file) if known_file.digest == digest_hex => FileClass::Unchanged,
            Some(_) => FileClass::Updated,
            None => {
                let first_this_run = self
                    .seen_digests
                    .lock()
                    .expect("digest set")
                    .insert(digest_hex.clone());
                let in_catalogue = reader
                    .and_then(|catalog| catalog.digest_in_use(&digest_hex, &source_path).ok())
                    .unwrap_or(false);
                if first_this_run && !in_catalogue {
                    FileClass::Added
                } else {
                    FileClass::Duplicate
                }
            }
        };

        // Reuse what earlier runs derived from the same bytes.
        let reusable = reader
            .and_then(|catalog| catalog.file_by_digest(&digest_hex).ok().flatten())
            .filter(|other| self.derivatives_present(other));
        let (tech, derivatives, own_text) = match reusable {
            Some(other) => (
                other.tech,
                other.derivatives,
                if kind == MediaKind::Image {
                    None
                } else {
                    other.text
                },
            ),
            None => self.extract(path, &media_type, &digest_hex)?,
        };

        // Preserve the bytes only once they proved readable; the row comes later.
        if self.options.storage == StorageMode::Copy {
            self.store.put(path, &digest).map_err(store_error)?;
        }

        let mut file = ItemFile {
            seq: file_index as u32 + 1,
            digest: digest_hex,
            size: hashed_size,
            media_type: media_type.mime.clone(),
            source_path,
            source_mtime_ns: current.mtime_ns,
            storage: self.options.storage,
            tech,
            derivatives,
            text: own_text,
            ocr_words: Vec::new(),
        };
        self.apply_ocr(&mut file, kind, ocr)?;
        Ok((file, class, kind))
    }

    /// Technical metadata, derivatives and own text of new bytes.
    fn extract(
        &self,
        path: &Path,
        media_type: &MediaType,
        digest_hex: &str,
    ) -> Result<
        (
            wenyuan_index::model::TechMetadata,
            Vec<wenyuan_index::model::PageDerivative>,
            Option<String>,
        ),
        FileError,
    > {
        let kind = media_type.kind;
        let tech = match media::technical(path, media_type) {
            Ok(tech) => tech,
            Err(error) if matches!(kind, MediaKind::Image | MediaKind::Pdf) => {
                return Err(FileError::Failed(error.to_string()));
            }
            Err(_) => Default::default(),
        };
        let mut derivatives = Vec::new();
        if kind == MediaKind::Image {
            derivatives = match media::derive_into_data_dir(
                self.data_dir,
                path,
                media_type,
                &tech,
                digest_hex,
                &self.options.derive,
            ) {
                Ok(derivatives) => derivatives,
                // A kind of image no linked decoder reads is still preserved and catalogued.
                Err(media::MediaError::UnsupportedImage(_)) => Vec::new(),
                Err(error) => {
                    return Err(media_failure(
                        error,
                        &self.data_dir.derivatives_for(digest_hex),
                    ));
                }
            };
        }
        let own_text = match kind {
            MediaKind::Pdf => media::pdf_text(path).ok().flatten(),
            MediaKind::Text => read_text(path),
            _ => None,
        };
        Ok((tech, derivatives, own_text))
    }

    fn apply_ocr(
        &self,
        file: &mut ItemFile,
        kind: MediaKind,
        ocr: Option<&FoundFile>,
    ) -> Result<(), FileError> {
        let Some(ocr) = ocr else {
            if kind == MediaKind::Image {
                file.text = None;
                file.ocr_words.clear();
            }
            return Ok(());
        };
        let ocr_text = metadata::read_ocr_sidecar(&ocr.path).map_err(|error| {
            FileError::Failed(format!(
                "its OCR file {} cannot be read: {error}",
                ocr.path.display()
            ))
        })?;
        file.text = Some(ocr_text.text);
        file.ocr_words = ocr_text.words;
        Ok(())
    }

    fn preserved(&self, file: &ItemFile) -> bool {
        match file.storage {
            StorageMode::Reference => true,
            StorageMode::Copy => wenyuan_index::Digest::from_hex(&file.digest)
                .is_ok_and(|digest| self.store.contains(&digest)),
        }
    }

    fn derivatives_present(&self, file: &ItemFile) -> bool {
        let wants_derivatives = MediaKind::of_mime(&file.media_type) == MediaKind::Image;
        if wants_derivatives && file.derivatives.is_empty() {
            return false;
        }
        file.derivatives.iter().all(|derivative| {
            self.data_dir.root().join(&derivative.thumbnail).is_file()
                && self.data_dir.root().join(&derivative.web).is_file()
        })
    }
}

/// Writes a batch of items to the catalogue in one transaction, then brings
/// the search index in step and clears the items' *index pending* marks.
/// Empties `batch`; returns what happened to each item.
pub(crate) fn commit_batch(
    batch: &mut Vec<ItemWrite>,
    catalog: &mut Catalog,
    indexer: &mut Indexer,
) -> Result<BatchReport> {
    if batch.is_empty() {
        return Ok(BatchReport::default());
    }
    let written = catalog.write_batch_reporting(batch)?;
    let mut indexed = Vec::new();
    for (write, outcome) in batch.drain(..).zip(&written.outcomes) {
        if *outcome != WriteOutcome::Unchanged {
            // Index the record as stored, with its real timestamps.
            if let Some(stored) = catalog.item(&write.record.item.id)? {
                indexer.index(&stored)?;
            }
            indexed.push(write.record.item.id);
        }
    }
    for id in &written.tombstoned {
        indexer.remove(id)?;
    }
    indexer.commit()?;
    indexed.extend(written.tombstoned.iter().cloned());
    catalog.clear_index_pending(Some(&indexed))?;
    Ok(written)
}

enum FileError {
    Failed(String),
    Fatal(Error),
}

fn read_error(error: std::io::Error) -> FileError {
    match error.kind() {
        ErrorKind::NotFound => FileError::Failed("the file disappeared during the ingest".into()),
        ErrorKind::PermissionDenied => {
            FileError::Failed("the file cannot be read (permission denied)".into())
        }
        _ => FileError::Failed(format!("the file cannot be read: {error}")),
    }
}

fn store_error(error: wenyuan_index::Error) -> FileError {
    match error {
        wenyuan_index::Error::Io { source, context } if io_disk_full(&source) => {
            FileError::Fatal(Error::Io {
                context: format!("the data directory's disk is full ({context})"),
                source,
            })
        }
        wenyuan_index::Error::Io { source, context } => {
            FileError::Fatal(Error::Io { context, source })
        }
        other => FileError::Failed(other.to_string()),
    }
}

fn media_failure(error: media::MediaError, out_dir: &Path) -> FileError {
    if let media::MediaError::WriteDerivative { source, .. } = &error
        && io_disk_full(source)
    {
        return FileError::Fatal(Error::Io {
            context: format!(
                "the data directory's disk is full (writing {})",
                out_dir.display()
            ),
            source: std::io::Error::from(source.kind()),
        });
    }
    FileError::Failed(error.to_string())
}

fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(8192);
    File::open(path)?.take(8192).read_to_end(&mut head)?;
    Ok(head)
}

fn read_text(path: &Path) -> Option<String> {
    let mut bytes = Vec::new();
    File::open(path)
        .ok()?
        .take(MAX_TEXT_BYTES)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(metadata::decode_text(&bytes))
}

/// The DCMI Type vocabulary term for a kind of file.
fn dcmi_type(kind: MediaKind) -> Option<&'static str> {
    match kind {
        MediaKind::Image => Some("StillImage"),
        MediaKind::Pdf | MediaKind::Text => Some("Text"),
        MediaKind::Audio => Some("Sound"),
        MediaKind::Video => Some("MovingImage"),
        MediaKind::Other => None,
    }
}

/// `2019:05:04 10:11:12` → `2019-05-04`.
fn exif_date_to_iso(exif: &str) -> String {
    let date = exif.split_whitespace().next().unwrap_or(exif);
    date.replace(':', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exif_dates_become_iso() {
        assert_eq!(exif_date_to_iso("2019:05:04 10:11:12"), "2019-05-04");
    }

    #[test]
    fn mime_types_map_to_kinds() {
        assert_eq!(MediaKind::of_mime("image/tiff"), MediaKind::Image);
        assert_eq!(MediaKind::of_mime("application/pdf"), MediaKind::Pdf);
        assert_eq!(
            MediaKind::of_mime("application/octet-stream"),
            MediaKind::Other
        );
    }
}
