//! Planning: which files make which items, described by which sheet row or
//! sidecar, before any byte is hashed.
//!
//! - A metadata row names a file or a folder relative to its sheet; a folder
//!   becomes one multi-page item with its files in natural order. The nearest
//!   sheet wins when two name the same file. A path that leaves the ingest
//!   root is refused.
//! - A folder no row names whose files are all page images with numbered
//!   names (`0001.tif`, `0002.tif` …) also becomes one item: that is what a
//!   scanned book looks like on disk.
//! - Every other file becomes an item of its own.
//!
//! An item's id comes from its source path, so re-ingesting the same tree
//! gives the same ids; its fingerprint covers everything it is made from, so
//! an unchanged item is recognised without reading its files.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use wenyuan_index::model::{AccessLevel, DcElement, Metadata, StorageMode, item_id_for};

use crate::metadata::{self, Description};
use crate::report::Failure;
use crate::walk::{FoundFile, Sidecars, Tree, natural_cmp};

/// Bump when planning or processing changes in a way that should redo items.
const PIPELINE_VERSION: &str = "wenyuan-ingest/1";

/// An item to ingest, with its files and description.
#[derive(Debug, Clone)]
pub struct PlannedItem {
    /// Stable item id.
    pub id: String,
    /// What the id is made from (the canonical source path).
    pub source_key: String,
    /// Files in order (pages, views).
    pub files: Vec<FoundFile>,
    /// Sidecars of each file, same order as `files`.
    pub sidecars: Vec<Sidecars>,
    /// Description from the sheet row and/or JSON sidecar (defaults added later).
    pub metadata: Metadata,
    /// Title to use when the description has none (file or folder name).
    pub fallback_title: String,
    /// Holding institution.
    pub institution_id: Option<String>,
    /// Collection within it.
    pub collection_id: Option<String>,
    /// Access level.
    pub access: AccessLevel,
    /// Hash of all inputs; equal fingerprints mean nothing changed.
    pub fingerprint: String,
}

/// Defaults from the command line and what the catalogue knows.
#[derive(Debug, Clone)]
pub struct PlanContext {
    /// `--institution`.
    pub institution_id: Option<String>,
    /// `--collection`.
    pub collection_id: Option<String>,
    /// `--mode`.
    pub storage: StorageMode,
    /// Institutions in the catalogue.
    pub known_institutions: HashSet<String>,
    /// Collections in the catalogue, as (institution, collection).
    pub known_collections: HashSet<(String, String)>,
}

/// The plan for one tree.
#[derive(Debug, Default)]
pub struct Plan {
    /// Items to ingest.
    pub items: Vec<PlannedItem>,
    /// Files that belong to no item because their sheet row was refused.
    pub skipped_files: u64,
    /// Rows, sheets and sidecars that could not be used.
    pub failures: Vec<Failure>,
}

struct Claim {
    description: Description,
    sheet_depth: usize,
    source: PathBuf,
}

/// Makes the plan for one walked tree.
pub fn plan(tree: &Tree, context: &PlanContext) -> Plan {
    let mut result = Plan::default();
    let files_by_path: HashMap<&Path, &FoundFile> = tree
        .files
        .iter()
        .map(|file| (file.path.as_path(), file))
        .collect();
    // Claims by row: the deepest sheet wins, so process shallow first and overwrite.
    let mut claims: Vec<Claim> = Vec::new();
    let mut claimed_by: HashMap<PathBuf, usize> = HashMap::new();
    let mut refused_files: HashSet<PathBuf> = HashSet::new();
    for sheet_path in &tree.sheets {
        let sheet_label = display_relative(&tree.root, sheet_path);
        let sheet = match metadata::read_sheet(sheet_path) {
            Ok(sheet) => sheet,
            Err(error) => {
                result.failures.push(Failure {
                    path: sheet_label,
                    reason: error.to_string(),
                });
                continue;
            }
        };
        for problem in &sheet.problems {
            result.failures.push(Failure {
                path: format!("{sheet_label} row {}", problem.line),
                reason: problem.reason.clone(),
            });
        }
        let sheet_dir = sheet_path.parent().unwrap_or(&tree.root);
        let sheet_depth = sheet_path.components().count();
        for row in sheet.rows {
            let row_label = format!("{sheet_label} row {}", row.line);
            let Some(file_cell) = row.file.as_deref().filter(|cell| !cell.trim().is_empty()) else {
                result.failures.push(Failure {
                    path: row_label,
                    reason: "the row names no file (fill in the 'file' / '文件' column)".into(),
                });
                continue;
            };
            let target = match resolve_inside(&tree.root, sheet_dir, file_cell) {
                Ok(target) => target,
                Err(reason) => {
                    result.failures.push(Failure {
                        path: row_label,
                        reason,
                    });
                    continue;
                }
            };
            let files: Vec<PathBuf> = if target.is_dir() {
                tree.files
                    .iter()
                    .filter(|file| file.path.starts_with(&target))
                    .map(|file| file.path.clone())
                    .collect()
            } else if files_by_path.contains_key(target.as_path()) {
                vec![target.clone()]
            } else if target.exists() {
                result.failures.push(Failure {
                    path: row_label,
                    reason: format!(
                        "'{file_cell}' is a metadata sheet, sidecar or hidden file, not content"
                    ),
                });
                continue;
            } else {
                result.failures.push(Failure {
                    path: row_label,
                    reason: format!("the file '{file_cell}' does not exist"),
                });
                continue;
            };
            if files.is_empty() {
                result.failures.push(Failure {
                    path: row_label,
                    reason: format!("the folder '{file_cell}' holds no files"),
                });
                continue;
            }
            let description = Description {
                metadata: row.metadata,
                institution: row.institution,
                collection: row.collection,
                access: row.access,
            };
            if let Err(reason) = check_placement(&description, context) {
                result.failures.push(Failure {
                    path: row_label,
                    reason,
                });
                refused_files.extend(files);
                continue;
            }
            let claim_index = claims.len();
            for file in &files {
                let keep_existing = claimed_by
                    .get(file)
                    .is_some_and(|&existing| claims[existing].sheet_depth > sheet_depth);
                if !keep_existing {
                    claimed_by.insert(file.clone(), claim_index);
                }
            }
            claims.push(Claim {
                description,
                sheet_depth,
                source: target,
            });
        }
    }

    let mut used_claims: BTreeMap<usize, Vec<&FoundFile>> = BTreeMap::new();
    let mut unclaimed: Vec<&FoundFile> = Vec::new();
    for file in &tree.files {
        match claimed_by.get(&file.path) {
            Some(&claim_index) => used_claims.entry(claim_index).or_default().push(file),
            None if refused_files.contains(&file.path) => result.skipped_files += 1,
            None => unclaimed.push(file),
        }
    }
    for (claim_index, files) in used_claims {
        let claim = &claims[claim_index];
        let fallback_title = file_title(&claim.source, claim.source.is_dir());
        result.items.push(build_item(
            tree,
            context,
            &claim.source,
            files,
            claim.description.clone(),
            fallback_title,
        ));
    }

    // Unclaimed files: numbered page folders become books, the rest stand alone.
    // Grouped through a hash map, then the folders put in path order once
    // (a BTreeMap compared paths component by component at every insert).
    let mut folder_of: HashMap<&Path, usize> = HashMap::new();
    let mut by_folder: Vec<(&Path, Vec<&FoundFile>)> = Vec::new();
    for file in unclaimed {
        let folder = file.path.parent().unwrap_or(&tree.root);
        let index = *folder_of.entry(folder).or_insert_with(|| {
            by_folder.push((folder, Vec::new()));
            by_folder.len() - 1
        });
        by_folder[index].1.push(file);
    }
    by_folder.sort_by(|left, right| left.0.cmp(right.0));
    for (folder, files) in by_folder {
        if folder != tree.root && is_page_folder(&files) {
            let title = file_title(folder, true);
            result.items.push(build_item(
                tree,
                context,
                folder,
                files,
                Description::default(),
                title,
            ));
            continue;
        }
        for file in files {
            let mut description = Description::default();
            if let Some(json) = tree
                .sidecars
                .get(&file.path)
                .and_then(|sidecars| sidecars.json.as_ref())
            {
                match metadata::read_json_sidecar(&json.path) {
                    Ok(sidecar) => description = sidecar,
                    Err(error) => {
                        result.failures.push(Failure {
                            path: display_relative(&tree.root, &json.path),
                            reason: format!("{error}; the file was ingested without it"),
                        });
                    }
                }
                if let Err(reason) = check_placement(&description, context) {
                    result.failures.push(Failure {
                        path: display_relative(&tree.root, &json.path),
                        reason,
                    });
                    result.skipped_files += 1;
                    continue;
                }
            }
            let title = file_title(&file.path, false);
            result.items.push(build_item(
                tree,
                context,
                &file.path,
                vec![file],
                description,
                title,
            ));
        }
    }
    result
}

fn build_item(
    tree: &Tree,
    context: &PlanContext,
    source: &Path,
    mut files: Vec<&FoundFile>,
    description: Description,
    fallback_title: String,
) -> PlannedItem {
    files.sort_by(|left, right| {
        natural_cmp(&left.path.to_string_lossy(), &right.path.to_string_lossy())
    });
    let source_key = source.to_string_lossy().into_owned();
    let institution_id = description
        .institution
        .clone()
        .or_else(|| context.institution_id.clone());
    let collection_id = description
        .collection
        .clone()
        .or_else(|| context.collection_id.clone());
    let access = description.access.unwrap_or_default();
    let sidecars: Vec<Sidecars> = files
        .iter()
        .map(|file| tree.sidecars.get(&file.path).cloned().unwrap_or_default())
        .collect();

    let mut hasher = blake3::Hasher::new();
    let mut feed = |text: &str| {
        hasher.update(text.as_bytes());
        hasher.update(b"\0");
    };
    feed(PIPELINE_VERSION);
    feed(&source_key);
    feed(&serde_json::to_string(&description.metadata).unwrap_or_default());
    feed(institution_id.as_deref().unwrap_or(""));
    feed(collection_id.as_deref().unwrap_or(""));
    feed(access.as_str());
    feed(context.storage.as_str());
    for (file, file_sidecars) in files.iter().zip(&sidecars) {
        for found in std::iter::once(*file)
            .chain(file_sidecars.json.iter())
            .chain(file_sidecars.ocr.iter())
        {
            feed(&format!(
                "{}|{}|{}",
                found.path.display(),
                found.size,
                found.mtime_ns
            ));
        }
    }
    let fingerprint = hasher.finalize().to_hex().to_string();

    PlannedItem {
        id: item_id_for(&source_key),
        source_key,
        files: files.into_iter().cloned().collect(),
        sidecars,
        metadata: description.metadata,
        fallback_title,
        institution_id,
        collection_id,
        access,
        fingerprint,
    }
}

/// Checks a row's or sidecar's institution and collection against the catalogue.
fn check_placement(description: &Description, context: &PlanContext) -> Result<(), String> {
    let institution = description
        .institution
        .as_ref()
        .or(context.institution_id.as_ref());
    if let Some(institution) = &description.institution
        && !context.known_institutions.contains(institution)
    {
        return Err(format!(
            "unknown institution '{institution}'; add it with `wenyuan institutions import` first"
        ));
    }
    if let Some(collection) = &description.collection {
        let Some(institution) = institution else {
            return Err(format!(
                "collection '{collection}' is given without an institution"
            ));
        };
        if !context
            .known_collections
            .contains(&(institution.clone(), collection.clone()))
        {
            return Err(format!(
                "unknown collection '{collection}' of institution '{institution}'; add it with `wenyuan institutions import` first"
            ));
        }
    }
    Ok(())
}

/// Resolves a sheet's `file` cell against the sheet's folder, refusing
/// anything that leaves the ingest root (`..`, absolute paths, symlinks out).
fn resolve_inside(root: &Path, sheet_dir: &Path, cell: &str) -> Result<PathBuf, String> {
    let cleaned = cell.trim().replace('\\', "/");
    let relative = Path::new(&cleaned);
    if relative.is_absolute() || cleaned.contains(':') {
        return Err(format!(
            "'{cell}' is an absolute path; name files relative to the sheet"
        ));
    }
    let mut resolved = sheet_dir.to_path_buf();
    for component in relative.components() {
        match component {
            Component::Normal(part) => resolved.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                resolved.pop();
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "'{cell}' is an absolute path; name files relative to the sheet"
                ));
            }
        }
    }
    if !resolved.starts_with(root) {
        return Err(format!(
            "'{cell}' points outside the folder being ingested; refused"
        ));
    }
    if let Ok(canonical) = resolved.canonicalize()
        && !canonical.starts_with(root)
    {
        return Err(format!(
            "'{cell}' leads outside the folder being ingested (through a link); refused"
        ));
    }
    Ok(resolved)
}

const PAGE_IMAGE_EXTENSIONS: &[&str] = &[
    "tif", "tiff", "jpg", "jpeg", "png", "jp2", "webp", "gif", "bmp",
];

/// Two or more images named only by numbers (`0001.tif`, `p0002.jpg`, `page_3.png`).
fn is_page_folder(files: &[&FoundFile]) -> bool {
    files.len() >= 2
        && files.iter().all(|file| {
            let extension = file
                .path
                .extension()
                .map(|ext| ext.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            let stem = file
                .path
                .file_stem()
                .map(|stem| stem.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            let digits = stem
                .trim_start_matches("page")
                .trim_start_matches('p')
                .trim_start_matches(['_', '-']);
            PAGE_IMAGE_EXTENSIONS.contains(&extension.as_str())
                && !digits.is_empty()
                && digits.bytes().all(|byte| byte.is_ascii_digit())
        })
}

/// A title from a file or folder name: the stem, with `_` as spaces.
fn file_title(path: &Path, is_dir: bool) -> String {
    let stem = if is_dir {
        path.file_name()
    } else {
        path.file_stem()
    };
    stem.map(|stem| stem.to_string_lossy().replace('_', " ").trim().to_string())
        .filter(|title| !title.is_empty())
        .unwrap_or_else(|| path.display().to_string())
}

/// A path relative to the ingest root's parent, for report lines.
pub fn display_relative(root: &Path, path: &Path) -> String {
    let base = root.parent().unwrap_or(root);
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Title a planned item will show (its description's, else the fallback).
pub fn planned_title(item: &PlannedItem) -> &str {
    item.metadata
        .first(DcElement::Title)
        .unwrap_or(&item.fallback_title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_leave_the_root() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        assert!(resolve_inside(&root, &root.join("sub"), "../../etc/passwd").is_err());
        assert!(resolve_inside(&root, &root, "/etc/passwd").is_err());
        assert!(resolve_inside(&root, &root, "C:\\Windows\\win.ini").is_err());
        assert_eq!(
            resolve_inside(&root, &root.join("sub"), "..\\a.jpg").unwrap(),
            root.join("a.jpg")
        );
        assert_eq!(
            resolve_inside(&root, &root, "./sub/b.jpg").unwrap(),
            root.join("sub/b.jpg")
        );
    }

    #[test]
    fn numbered_images_are_pages() {
        let file = |name: &str| FoundFile {
            path: PathBuf::from(format!("/b/{name}")),
            size: 1,
            mtime_ns: 1,
        };
        let pages = [file("0001.tif"), file("0002.tif")];
        assert!(is_page_folder(&pages.iter().collect::<Vec<_>>()));
        let mixed = [file("0001.tif"), file("cover.jpg")];
        assert!(!is_page_folder(&mixed.iter().collect::<Vec<_>>()));
    }
}
