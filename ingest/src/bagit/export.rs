//! `wenyuan export --bagit DIR`: one bag per item (or per collection) with
//! the preserved originals, their sha256 and sha512 manifests and the
//! catalogue record.
//!
//! Every original is re-hashed with BLAKE3 while it is copied into the bag
//! and compared with the catalogue: a file that changed in the store fails
//! its bag instead of being exported as if it were sound. A bag is written
//! under `DIR/.tmp-…` and renamed into place only once complete, so a bag
//! under its final name is always whole. A bag already there with the same
//! records and files is left alone; one whose items changed is replaced.
//!
//! Export only reads the data directory, so it can run while the server
//! serves and while an ingest writes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use wenyuan_index::model::{Collection, Institution, ItemRecord, StorageMode};
use wenyuan_index::{Catalog, DataDir, FileStore};

use super::manifest::{self, Algorithm, CopyError};
use super::names::{UniqueNames, safe_file_name};
use super::record::{self, BagRecord};
use crate::report::Failure;
use crate::{Error, Result};
use wenyuan_index::progress::{CancelFlag, ProgressSink};

/// How items are grouped into bags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BagGrouping {
    /// One bag per item, named by the item id.
    #[default]
    Item,
    /// One bag per collection, named `<institution>.<collection>` (items
    /// without a collection: `<institution>`; without a venue: `_no-institution`).
    Collection,
}

/// What to export, and where.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// The folder the bags are written into (created if needed).
    pub destination: PathBuf,
    /// Only items of this institution.
    pub institution_id: Option<String>,
    /// Only items of this collection (of `institution_id`).
    pub collection_id: Option<String>,
    /// Only these items (all live items when empty).
    pub item_ids: Vec<String>,
    /// One bag per item or per collection.
    pub grouping: BagGrouping,
}

/// What an export did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExportReport {
    /// Bags written where there was none.
    pub bags_written: u64,
    /// Bags rewritten because their items changed since the last export.
    pub bags_replaced: u64,
    /// Bags already complete and identical, left as they were.
    pub bags_unchanged: u64,
    /// Bags not written; each is listed in `failures`.
    pub bags_failed: u64,
    /// Items in the bags written or replaced.
    pub items: u64,
    /// Files copied into bags.
    pub files: u64,
    /// Bytes copied into bags.
    pub bytes: u64,
    /// Wall-clock seconds.
    pub elapsed_s: f64,
    /// True when the run was asked to stop before the end.
    pub cancelled: bool,
    /// Every bag not written, and why.
    pub failures: Vec<Failure>,
}

impl ExportReport {
    /// A short human summary, no trailing newline.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "bags: {} written, {} replaced, {} unchanged, {} failed\n\
             {} items, {} files, {:.1} MB copied in {:.1} s",
            self.bags_written,
            self.bags_replaced,
            self.bags_unchanged,
            self.bags_failed,
            self.items,
            self.files,
            self.bytes as f64 / 1_000_000.0,
            self.elapsed_s
        );
        if self.cancelled {
            text.push_str("\nstopped before the end: run the same command again to finish");
        }
        text
    }
}

/// The name of the lock file in the destination, so two exports never write the same bags.
const LOCK_FILE: &str = ".wenyuan-export.lock";
/// Prefix of bags being written.
const TEMP_PREFIX: &str = ".tmp-";
/// Prefix of a bag being replaced, between the two renames.
const OLD_PREFIX: &str = ".old-";

/// Exports the items `options` selects from `data_dir` as bags.
pub fn export(
    data_dir: &DataDir,
    options: &ExportOptions,
    progress: &dyn ProgressSink,
    cancel: &CancelFlag,
) -> Result<ExportReport> {
    let started = Instant::now();
    let catalog = Catalog::open_read_only(&data_dir.catalog_path())?;
    let bags = select(&catalog, options)?;
    let destination = &options.destination;
    fs::create_dir_all(destination).map_err(|source| Error::Io {
        context: format!("cannot create {}", destination.display()),
        source,
    })?;
    let _lock = lock_destination(destination)?;
    clean_up_interrupted(destination)?;

    let totals = catalog.file_totals_by_item()?;
    let (files, bytes) = bags
        .values()
        .flatten()
        .filter_map(|id| totals.get(id))
        .fold((0, 0), |(files, bytes), (item_files, item_bytes)| {
            (files + item_files, bytes + item_bytes)
        });
    progress.begin(files, bytes);
    let writer = BagWriter {
        catalog: &catalog,
        store: FileStore::new(data_dir.files_dir()),
        destination,
        progress,
        bagging_date: today(),
        institutions: catalog
            .institutions()?
            .into_iter()
            .map(|institution| (institution.id.clone(), institution))
            .collect(),
        collections: catalog
            .collections()?
            .into_iter()
            .map(|collection| {
                (
                    (collection.institution_id.clone(), collection.id.clone()),
                    collection,
                )
            })
            .collect(),
        grouping: options.grouping,
    };
    let mut report = ExportReport::default();
    for (name, item_ids) in &bags {
        if cancel.is_cancelled() {
            report.cancelled = true;
            break;
        }
        let outcome = writer.write_bag(name, item_ids, &mut report);
        match outcome {
            Ok(BagOutcome::Written) => report.bags_written += 1,
            Ok(BagOutcome::Replaced) => report.bags_replaced += 1,
            Ok(BagOutcome::Unchanged) => report.bags_unchanged += 1,
            Err(BagError::Failed(reason)) => {
                progress.note(&format!("failed: {name}: {reason}"));
                report.bags_failed += 1;
                report.failures.push(Failure {
                    path: destination.join(name).display().to_string(),
                    reason,
                });
            }
            Err(BagError::Fatal(error)) => {
                progress.finish();
                return Err(error);
            }
        }
    }
    progress.finish();
    report.elapsed_s = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Checks the options against the catalogue and groups the chosen items
/// into bags, by bag name.
fn select(catalog: &Catalog, options: &ExportOptions) -> Result<BTreeMap<String, Vec<String>>> {
    if let Some(institution) = &options.institution_id
        && catalog.institution(institution)?.is_none()
    {
        return Err(Error::Usage(format!("unknown institution '{institution}'")));
    }
    if let Some(collection) = &options.collection_id {
        let Some(institution) = &options.institution_id else {
            return Err(Error::Usage("--collection needs --institution".into()));
        };
        if catalog.collection(institution, collection)?.is_none() {
            return Err(Error::Usage(format!(
                "unknown collection '{collection}' of institution '{institution}'"
            )));
        }
    }
    let mut items = catalog.live_items(
        options.institution_id.as_deref(),
        options.collection_id.as_deref(),
    )?;
    if !options.item_ids.is_empty() {
        for id in &options.item_ids {
            match catalog.item(id)? {
                Some(record) if record.item.deleted_at.is_none() => {}
                Some(_) => {
                    return Err(Error::Usage(format!(
                        "item '{id}' was deleted; there is nothing to export"
                    )));
                }
                None => return Err(Error::Usage(format!("no item '{id}' in the catalogue"))),
            }
        }
        let wanted: BTreeSet<&str> = options.item_ids.iter().map(String::as_str).collect();
        items.retain(|item| wanted.contains(item.id.as_str()));
    }
    let mut bags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for item in items {
        let name = match options.grouping {
            BagGrouping::Item => item.id.clone(),
            BagGrouping::Collection => collection_bag_name(
                item.institution_id.as_deref(),
                item.collection_id.as_deref(),
            ),
        };
        bags.entry(name).or_default().push(item.id);
    }
    Ok(bags)
}

/// The bag of a collection's items. Institution and collection ids are
/// slugs (no `.`), so `<institution>.<collection>` is unambiguous.
fn collection_bag_name(institution: Option<&str>, collection: Option<&str>) -> String {
    match (institution, collection) {
        (Some(institution), Some(collection)) => format!("{institution}.{collection}"),
        (Some(institution), None) => institution.to_string(),
        (None, _) => "_no-institution".to_string(),
    }
}

fn lock_destination(destination: &Path) -> Result<File> {
    let path = destination.join(LOCK_FILE);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| Error::Io {
            context: format!("cannot open {}", path.display()),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(Error::Usage(format!(
            "another wenyuan export is writing to {}; wait for it to finish",
            destination.display()
        ))),
        Err(fs::TryLockError::Error(source)) => Err(Error::Io {
            context: format!("cannot lock {}", path.display()),
            source,
        }),
    }
}

/// Removes half-written bags of a run that was killed, and puts back a bag
/// that was being replaced when its replacement never arrived.
fn clean_up_interrupted(destination: &Path) -> Result<()> {
    let entries = fs::read_dir(destination).map_err(|source| Error::Io {
        context: format!("cannot read {}", destination.display()),
        source,
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with(TEMP_PREFIX) {
            remove_dir(&path)?;
        } else if let Some(rest) = name.strip_prefix(OLD_PREFIX) {
            // `.old-<bag>-<pid>`
            let bag = rest.rsplit_once('-').map_or(rest, |(bag, _)| bag);
            let final_path = destination.join(bag);
            if final_path.exists() {
                remove_dir(&path)?;
            } else {
                fs::rename(&path, &final_path).map_err(|source| Error::Io {
                    context: format!("cannot restore {}", final_path.display()),
                    source,
                })?;
            }
        }
    }
    Ok(())
}

fn remove_dir(path: &Path) -> Result<()> {
    fs::remove_dir_all(path).map_err(|source| Error::Io {
        context: format!("cannot remove {}", path.display()),
        source,
    })
}

/// Today's date in UTC, as `Bagging-Date` wants it.
fn today() -> String {
    let date = time::OffsetDateTime::now_utc().date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

enum BagOutcome {
    Written,
    Replaced,
    Unchanged,
}

enum BagError {
    /// This bag cannot be written (a damaged or missing original); the run goes on.
    Failed(String),
    /// The destination cannot be written (disk full): the run stops.
    Fatal(Error),
}

/// A payload file to copy.
struct PlannedFile {
    /// Path in the bag, `data/…`.
    path: String,
    /// Where the bytes are read from.
    source: PathBuf,
    /// The digest the catalogue recorded.
    digest: String,
    /// For messages: the item and the file's original path.
    item_id: String,
    source_path: String,
}

/// Everything a bag will hold, before any byte is copied.
struct PlannedBag {
    records: Vec<ItemRecord>,
    files: Vec<PlannedFile>,
    /// `metadata/…` tag files and their bytes.
    metadata: BTreeMap<String, Vec<u8>>,
    institution: Option<Institution>,
    collection: Option<Collection>,
}

struct BagWriter<'a> {
    catalog: &'a Catalog,
    store: FileStore,
    destination: &'a Path,
    progress: &'a dyn ProgressSink,
    bagging_date: String,
    institutions: HashMap<String, Institution>,
    collections: HashMap<(String, String), Collection>,
    grouping: BagGrouping,
}

impl BagWriter<'_> {
    fn write_bag(
        &self,
        name: &str,
        item_ids: &[String],
        report: &mut ExportReport,
    ) -> Result<BagOutcome, BagError> {
        let plan = self.plan(item_ids).map_err(BagError::Fatal)?;
        let final_path = self.destination.join(name);
        let existing = final_path.exists();
        if existing {
            if is_current(&final_path, &plan) {
                let skipped: u64 = plan
                    .records
                    .iter()
                    .map(|record| record.files.len() as u64)
                    .sum();
                let bytes = plan
                    .records
                    .iter()
                    .flat_map(|record| &record.files)
                    .map(|file| file.size)
                    .sum();
                self.progress.advance(skipped, bytes);
                return Ok(BagOutcome::Unchanged);
            }
            if !final_path.join("bagit.txt").is_file() {
                return Err(BagError::Failed(format!(
                    "{} exists and is not a bag; move it away to export this bag",
                    final_path.display()
                )));
            }
        }
        let temp_path = self
            .destination
            .join(format!("{TEMP_PREFIX}{name}-{}", std::process::id()));
        let written = self
            .write_into(&temp_path, name, &plan)
            .map_err(|error| match error {
                BagError::Failed(reason) if existing => BagError::Failed(format!(
                    "{reason} (the bag from an earlier export was left as it was)"
                )),
                other => other,
            });
        let outcome = written.and_then(|(files, bytes)| {
            install(&temp_path, &final_path, self.destination, name).map_err(BagError::Fatal)?;
            report.items += plan.records.len() as u64;
            report.files += files;
            report.bytes += bytes;
            Ok(if existing {
                BagOutcome::Replaced
            } else {
                BagOutcome::Written
            })
        });
        if outcome.is_err() {
            let _ = fs::remove_dir_all(&temp_path);
        }
        outcome
    }

    /// Reads the records, chooses payload names and renders the metadata files.
    fn plan(&self, item_ids: &[String]) -> Result<PlannedBag> {
        let mut records = Vec::new();
        for id in item_ids {
            if let Some(record) = self.catalog.item(id)?
                && record.item.deleted_at.is_none()
            {
                records.push(record);
            }
        }
        let mut files = Vec::new();
        let mut metadata = BTreeMap::new();
        for record in &records {
            let item = &record.item;
            let folder = match self.grouping {
                BagGrouping::Item => "data".to_string(),
                BagGrouping::Collection => format!("data/{}", item.id),
            };
            let mut names = UniqueNames::default();
            let mut payload_paths = Vec::new();
            for file in &record.files {
                let name = names.claim(&safe_file_name(&file.source_path));
                let path = format!("{folder}/{name}");
                let source = match file.storage {
                    StorageMode::Copy => match wenyuan_index::Digest::from_hex(&file.digest) {
                        Ok(digest) => self.store.path_for(&digest),
                        Err(_) => PathBuf::new(),
                    },
                    StorageMode::Reference => PathBuf::from(&file.source_path),
                };
                files.push(PlannedFile {
                    path: path.clone(),
                    source,
                    digest: file.digest.clone(),
                    item_id: item.id.clone(),
                    source_path: file.source_path.clone(),
                });
                payload_paths.push(path);
            }
            let bag_record = BagRecord::new(record, payload_paths);
            metadata.insert(
                format!("{}/{}.json", record::ITEMS_DIR, item.id),
                bag_record.to_json(),
            );
            metadata.insert(
                format!("{}/{}.dc.xml", record::ITEMS_DIR, item.id),
                record::dublin_core_xml(item),
            );
        }
        // A bag holds items of one venue and collection (per collection) or one item.
        let first = records.first().map(|record| &record.item);
        let institution = first
            .and_then(|item| item.institution_id.as_ref())
            .and_then(|id| self.institutions.get(id))
            .cloned();
        let collection = first
            .and_then(|item| Some((item.institution_id.clone()?, item.collection_id.clone()?)))
            .and_then(|key| self.collections.get(&key))
            .cloned();
        if let Some(institution) = &institution {
            metadata.insert(
                record::INSTITUTION_FILE.to_string(),
                pretty_json(institution),
            );
        }
        if let Some(collection) = &collection {
            metadata.insert(record::COLLECTION_FILE.to_string(), pretty_json(collection));
        }
        Ok(PlannedBag {
            records,
            files,
            metadata,
            institution,
            collection,
        })
    }

    /// Writes the whole bag into `root`; returns files and bytes copied.
    fn write_into(
        &self,
        root: &Path,
        name: &str,
        plan: &PlannedBag,
    ) -> Result<(u64, u64), BagError> {
        let _ = fs::remove_dir_all(root);
        let mut manifests: BTreeMap<Algorithm, BTreeMap<String, String>> = BTreeMap::new();
        let mut octets = 0u64;
        for file in &plan.files {
            let destination = root.join(&file.path);
            create_parent(&destination)?;
            let checksums = self.copy_checked(file, &destination)?;
            for (algorithm, checksum) in checksums.sha {
                manifests
                    .entry(algorithm)
                    .or_default()
                    .insert(file.path.clone(), checksum);
            }
            octets += checksums.size;
            self.progress.advance(1, checksums.size);
        }
        if plan.files.is_empty() {
            create_dir(&root.join("data"))?;
        }
        for algorithm in Algorithm::WRITTEN {
            manifests.entry(algorithm).or_default();
        }

        let mut tag_files: Vec<(String, Vec<u8>)> = plan
            .metadata
            .iter()
            .map(|(path, bytes)| (path.clone(), bytes.clone()))
            .collect();
        tag_files.push((
            "bagit.txt".into(),
            manifest::format_tag_file(&[
                ("BagIt-Version", "1.0".into()),
                ("Tag-File-Character-Encoding", "UTF-8".into()),
            ])
            .into_bytes(),
        ));
        tag_files.push((
            "bag-info.txt".into(),
            self.bag_info(name, plan, octets).into_bytes(),
        ));
        for (algorithm, entries) in &manifests {
            tag_files.push((
                format!("manifest-{}.txt", algorithm.name()),
                manifest::format_manifest(entries).into_bytes(),
            ));
        }
        let mut tag_manifests: BTreeMap<Algorithm, BTreeMap<String, String>> = BTreeMap::new();
        for (path, bytes) in &tag_files {
            write_synced(&root.join(path), bytes)?;
            let checksums =
                manifest::hash_copy(&mut bytes.as_slice(), None, &Algorithm::WRITTEN)
                    .map_err(|_| BagError::Failed("cannot hash a tag file in memory".into()))?;
            for (algorithm, checksum) in checksums.sha {
                tag_manifests
                    .entry(algorithm)
                    .or_default()
                    .insert(path.clone(), checksum);
            }
        }
        for (algorithm, entries) in &tag_manifests {
            write_synced(
                &root.join(format!("tagmanifest-{}.txt", algorithm.name())),
                manifest::format_manifest(entries).as_bytes(),
            )?;
        }
        Ok((plan.files.len() as u64, octets))
    }

    /// Copies one original into the bag, checking its BLAKE3 against the catalogue.
    fn copy_checked(
        &self,
        file: &PlannedFile,
        destination: &Path,
    ) -> Result<manifest::Checksums, BagError> {
        let what = format!("item {} file {}", file.item_id, file.source_path);
        let mut input = File::open(&file.source).map_err(|error| {
            BagError::Failed(match error.kind() {
                io::ErrorKind::NotFound => format!(
                    "{what}: the preserved original {} is missing; run `wenyuan verify`",
                    file.source.display()
                ),
                _ => format!("{what}: cannot read {}: {error}", file.source.display()),
            })
        })?;
        let mut output =
            File::create(destination).map_err(|error| write_failure(destination, error))?;
        let checksums = manifest::hash_copy(&mut input, Some(&mut output), &Algorithm::WRITTEN)
            .map_err(|error| match error {
                CopyError::Read(error) => BagError::Failed(format!(
                    "{what}: cannot read {}: {error}",
                    file.source.display()
                )),
                CopyError::Write(error) => write_failure(destination, error),
            })?;
        if checksums.blake3.to_hex() != file.digest {
            return Err(BagError::Failed(format!(
                "{what}: the preserved original {} has changed since it was ingested (BLAKE3 {} expected, {} found); \
                 it was not exported — run `wenyuan verify` and restore it from a backup",
                file.source.display(),
                file.digest,
                checksums.blake3.to_hex()
            )));
        }
        output
            .sync_all()
            .map_err(|error| write_failure(destination, error))?;
        Ok(checksums)
    }

    fn bag_info(&self, name: &str, plan: &PlannedBag, octets: u64) -> String {
        let mut entries: Vec<(&str, String)> = Vec::new();
        if let Some(institution) = &plan.institution {
            entries.push(("Source-Organization", institution.name_zh.clone()));
            if let Some(address) = &institution.address {
                entries.push(("Organization-Address", address.clone()));
            }
        }
        let group = match (&plan.institution, &plan.collection) {
            (Some(institution), Some(collection)) => {
                Some(format!("{}/{}", institution.id, collection.id))
            }
            (Some(institution), None) => Some(institution.id.clone()),
            _ => None,
        };
        match (self.grouping, plan.records.as_slice()) {
            (BagGrouping::Item, [record]) => {
                entries.push(("External-Identifier", record.item.id.clone()));
                entries.push((
                    "External-Description",
                    record.item.display_title().to_string(),
                ));
                if let Some(group) = group {
                    entries.push(("Bag-Group-Identifier", group));
                }
            }
            _ => {
                entries.push((
                    "External-Identifier",
                    group.unwrap_or_else(|| name.to_string()),
                ));
                let description = match &plan.collection {
                    Some(collection) => {
                        format!("{} ({} items)", collection.name_zh, plan.records.len())
                    }
                    None => format!("{} items", plan.records.len()),
                };
                entries.push(("External-Description", description));
            }
        }
        entries.push(("Bagging-Date", self.bagging_date.clone()));
        entries.push(("Payload-Oxum", format!("{octets}.{}", plan.files.len())));
        entries.push(("Bag-Size", human_size(octets)));
        entries.push((
            "Bag-Software-Agent",
            format!("wenyuan {}", env!("CARGO_PKG_VERSION")),
        ));
        manifest::format_tag_file(&entries)
    }
}

/// True when the bag at `path` already holds exactly what `plan` would
/// write: same metadata files, same payload paths and sizes, tag files
/// matching their tag manifest. Payload checksums are not recomputed (a bag
/// is only ever renamed into place complete); `wenyuan import --bagit DIR
/// --dry-run` checks them all.
fn is_current(path: &Path, plan: &PlannedBag) -> bool {
    let Ok(tag_manifest) = fs::read_to_string(path.join("tagmanifest-sha256.txt")) else {
        return false;
    };
    let Ok(tag_entries) = manifest::parse_manifest(&tag_manifest, Some(Algorithm::Sha256)) else {
        return false;
    };
    let mut listed_metadata = BTreeSet::new();
    for entry in &tag_entries {
        let Ok(bytes) = fs::read(path.join(&entry.path)) else {
            return false;
        };
        let Ok(checksums) = manifest::hash_copy(&mut bytes.as_slice(), None, &[Algorithm::Sha256])
        else {
            return false;
        };
        if checksums.sha[&Algorithm::Sha256] != entry.checksum {
            return false;
        }
        if entry.path.starts_with("metadata/") {
            if plan.metadata.get(&entry.path) != Some(&bytes) {
                return false;
            }
            listed_metadata.insert(entry.path.as_str());
        }
    }
    if listed_metadata.len() != plan.metadata.len()
        || !tag_entries.iter().any(|entry| entry.path == "bagit.txt")
    {
        return false;
    }
    let Ok(payload_manifest) = fs::read_to_string(path.join("manifest-sha256.txt")) else {
        return false;
    };
    let Ok(payload_entries) = manifest::parse_manifest(&payload_manifest, Some(Algorithm::Sha256))
    else {
        return false;
    };
    let listed: BTreeSet<&str> = payload_entries
        .iter()
        .map(|entry| entry.path.as_str())
        .collect();
    let planned: BTreeSet<&str> = plan.files.iter().map(|file| file.path.as_str()).collect();
    if listed != planned {
        return false;
    }
    let sizes: HashMap<&str, u64> = plan
        .records
        .iter()
        .flat_map(|record| &record.files)
        .zip(&plan.files)
        .map(|(file, planned)| (planned.path.as_str(), file.size))
        .collect();
    plan.files.iter().all(|file| {
        fs::symlink_metadata(path.join(&file.path)).is_ok_and(|metadata| {
            metadata.is_file() && Some(&metadata.len()) == sizes.get(file.path.as_str())
        })
    }) && count_files(&path.join("data")) == Some(plan.files.len())
}

fn count_files(folder: &Path) -> Option<usize> {
    let mut count = 0;
    for entry in fs::read_dir(folder).ok()? {
        let entry = entry.ok()?;
        let kind = entry.file_type().ok()?;
        if kind.is_dir() {
            count += count_files(&entry.path())?;
        } else {
            count += 1;
        }
    }
    Some(count)
}

/// Renames the finished bag into place, replacing an older one.
fn install(temp_path: &Path, final_path: &Path, destination: &Path, name: &str) -> Result<()> {
    let rename = |from: &Path, to: &Path| {
        fs::rename(from, to).map_err(|source| Error::Io {
            context: format!("cannot rename {} to {}", from.display(), to.display()),
            source,
        })
    };
    if final_path.exists() {
        let old_path = destination.join(format!("{OLD_PREFIX}{name}-{}", std::process::id()));
        rename(final_path, &old_path)?;
        rename(temp_path, final_path)?;
        remove_dir(&old_path)?;
    } else {
        rename(temp_path, final_path)?;
    }
    if let Ok(handle) = File::open(destination) {
        let _ = handle.sync_all();
    }
    Ok(())
}

fn write_failure(path: &Path, error: io::Error) -> BagError {
    BagError::Fatal(Error::Io {
        context: format!("cannot write {}", path.display()),
        source: error,
    })
}

fn create_dir(path: &Path) -> Result<(), BagError> {
    fs::create_dir_all(path).map_err(|error| write_failure(path, error))
}

fn create_parent(path: &Path) -> Result<(), BagError> {
    create_dir(path.parent().expect("bag files have a parent"))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), BagError> {
    create_parent(path)?;
    let write = || -> io::Result<()> {
        let mut file = File::create(path)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    write().map_err(|error| write_failure(path, error))
}

fn pretty_json(value: &impl Serialize) -> Vec<u8> {
    let mut json = serde_json::to_vec_pretty(value).expect("a record serialises");
    json.push(b'\n');
    json
}

/// `12.3 MB`, as `Bag-Size` is usually written.
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_bags_are_named_without_ambiguity() {
        assert_eq!(
            collection_bag_name(Some("museum"), Some("ceramics")),
            "museum.ceramics"
        );
        assert_eq!(collection_bag_name(Some("museum"), None), "museum");
        assert_eq!(collection_bag_name(None, Some("x")), "_no-institution");
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(999), "999 bytes");
        assert_eq!(human_size(12_345_678), "12.3 MB");
    }
}
