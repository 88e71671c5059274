//! Walking the folders to ingest: content files, metadata sheets and the
//! sidecars that describe a file (JSON, OCR text).
//!
//! Hidden and system files (`.DS_Store`, `Thumbs.db`, `desktop.ini`, Office
//! lock files `~$…`, `__MACOSX`, `$RECYCLE.BIN` …) are skipped; an unreadable
//! folder becomes a failure line and the walk goes on.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::report::Failure;

/// A content file found on disk, with what `stat` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// Absolute path.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
}

/// Files that describe a content file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sidecars {
    /// `<name>.json`: descriptive metadata.
    pub json: Option<FoundFile>,
    /// `<name>.txt`, `<name>.hocr` or ALTO `<name>.xml`: OCR text.
    pub ocr: Option<FoundFile>,
}

/// Everything found under one ingest root.
#[derive(Debug, Default)]
pub struct Tree {
    /// The root, absolute and canonical.
    pub root: PathBuf,
    /// Content files, in natural path order.
    pub files: Vec<FoundFile>,
    /// Metadata sheets (`metadata.csv`, `.xlsx`, `.xls`), shallowest first.
    pub sheets: Vec<PathBuf>,
    /// Sidecars by the content file they describe.
    pub sidecars: HashMap<PathBuf, Sidecars>,
    /// Folders and files that could not be read.
    pub failures: Vec<Failure>,
}

/// Names never ingested.
fn is_hidden_or_system(name: &str) -> bool {
    let lower = name.to_lowercase();
    name.starts_with('.')
        || name.starts_with("~$")
        || matches!(
            lower.as_str(),
            "thumbs.db"
                | "desktop.ini"
                | "ehthumbs.db"
                | "__macosx"
                | "$recycle.bin"
                | "system volume information"
        )
}

/// True for `metadata.csv`, `metadata.xlsx`, `metadata.xls` (any case).
pub fn is_metadata_sheet(name: &str) -> bool {
    matches!(
        name.to_lowercase().as_str(),
        "metadata.csv" | "metadata.xlsx" | "metadata.xls"
    )
}

/// Compares paths as people expect: `2.tif` before `10.tif`.
///
/// Runs of ASCII digits compare by value (then the shorter spelling first:
/// `2` before `02`); everything else by character. It works on the UTF-8
/// bytes without allocating — the same order as comparing characters, since
/// UTF-8 keeps code-point order and digits never occur inside a multi-byte
/// character — because sorting a big tree calls it a few hundred thousand times.
pub fn natural_cmp(left: &str, right: &str) -> Ordering {
    let (left, right) = (left.as_bytes(), right.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        match (left.get(i), right.get(j)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(a), Some(b)) if a.is_ascii_digit() && b.is_ascii_digit() => {
                let left_number = digit_run(&left[i..]);
                let right_number = digit_run(&right[j..]);
                let left_trimmed = trim_zeros(left_number);
                let right_trimmed = trim_zeros(right_number);
                let by_value = left_trimmed
                    .len()
                    .cmp(&right_trimmed.len())
                    .then_with(|| left_trimmed.cmp(right_trimmed))
                    .then_with(|| left_number.len().cmp(&right_number.len()));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                i += left_number.len();
                j += right_number.len();
            }
            (Some(a), Some(b)) => {
                if a != b {
                    return a.cmp(b);
                }
                i += 1;
                j += 1;
            }
        }
    }
}

fn digit_run(bytes: &[u8]) -> &[u8] {
    let length = bytes
        .iter()
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    &bytes[..length]
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&byte| byte == b'0').count();
    &digits[zeros..]
}

fn mtime_ns(metadata: &fs::Metadata) -> i64 {
    metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |duration| duration.as_nanos() as i64)
}

/// Stats one file.
pub fn found_file(path: &Path) -> std::io::Result<FoundFile> {
    Ok(FoundFile::from_metadata(path, &fs::metadata(path)?))
}

impl FoundFile {
    /// What `stat` said of `path`.
    fn from_metadata(path: &Path, metadata: &fs::Metadata) -> Self {
        FoundFile {
            path: path.to_path_buf(),
            size: metadata.len(),
            mtime_ns: mtime_ns(metadata),
        }
    }
}

/// Walks `root`, skipping `exclude` (the data directory, when it lies inside).
pub fn walk(root: &Path, exclude: Option<&Path>) -> std::io::Result<Tree> {
    let root = fs::canonicalize(root)?;
    let mut tree = Tree {
        root: root.clone(),
        ..Tree::default()
    };
    // Files per folder, so sidecars can be matched with their content file.
    let mut folders: BTreeMap<PathBuf, Vec<FoundFile>> = BTreeMap::new();
    let walker = walkdir::WalkDir::new(&root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|entry| {
            let hidden =
                entry.depth() > 0 && is_hidden_or_system(&entry.file_name().to_string_lossy());
            let excluded = exclude.is_some_and(|excluded| entry.path() == excluded);
            !hidden && !excluded
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error
                    .path()
                    .map(|path| path.display().to_string())
                    .unwrap_or_default();
                let reason = match error.io_error().map(std::io::Error::kind) {
                    Some(std::io::ErrorKind::PermissionDenied) => {
                        "the folder cannot be read (permission denied)".to_string()
                    }
                    _ => format!("cannot be read: {error}"),
                };
                tree.failures.push(Failure { path, reason });
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let metadata = match entry.metadata() {
            Ok(metadata) => metadata,
            Err(error) => {
                tree.failures.push(Failure {
                    path: entry.path().display().to_string(),
                    reason: format!("cannot be read: {error}"),
                });
                continue;
            }
        };
        let found = FoundFile::from_metadata(entry.path(), &metadata);
        let folder = entry.path().parent().unwrap_or(&root).to_path_buf();
        folders.entry(folder).or_default().push(found);
    }
    for (_, files) in folders {
        classify_folder(files, &mut tree);
    }
    // Each path's text made once, not at every comparison (a re-ingest of
    // 20 000 files spent a sixth of its time re-checking UTF-8 here).
    let mut keyed: Vec<(String, FoundFile)> = std::mem::take(&mut tree.files)
        .into_iter()
        .map(|file| (file.path.to_string_lossy().into_owned(), file))
        .collect();
    keyed.sort_by(|left, right| natural_cmp(&left.0, &right.0));
    tree.files = keyed.into_iter().map(|(_, file)| file).collect();
    tree.sheets.sort_by_key(|path| path.components().count());
    Ok(tree)
}

/// Splits one folder's files into sheets, sidecars and content files.
fn classify_folder(files: Vec<FoundFile>, tree: &mut Tree) {
    let names: HashMap<String, usize> = files
        .iter()
        .enumerate()
        .filter_map(|(index, file)| {
            Some((
                file.path.file_name()?.to_string_lossy().to_lowercase(),
                index,
            ))
        })
        .collect();
    let mut is_sidecar = vec![false; files.len()];
    // For every file, look for `<name>.json` / `<stem>.json` and OCR sidecars.
    for (index, file) in files.iter().enumerate() {
        let Some(name) = file
            .path
            .file_name()
            .map(|name| name.to_string_lossy().to_lowercase())
        else {
            continue;
        };
        if is_metadata_sheet(&name) {
            continue;
        }
        let stem = file
            .path
            .file_stem()
            .map(|stem| stem.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let extension = file
            .path
            .extension()
            .map(|ext| ext.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if extension == "json" {
            continue; // a sidecar cannot itself have sidecars
        }
        let mut sidecars = Sidecars::default();
        for candidate in [format!("{name}.json"), format!("{stem}.json")] {
            if let Some(&sidecar) = names.get(&candidate)
                && sidecar != index
            {
                sidecars.json = Some(files[sidecar].clone());
                is_sidecar[sidecar] = true;
                break;
            }
        }
        let may_have_ocr = !matches!(extension.as_str(), "txt" | "hocr" | "xml" | "html" | "htm");
        for candidate in [
            format!("{stem}.hocr"),
            format!("{stem}.xml"),
            format!("{stem}.txt"),
            format!("{name}.txt"),
        ] {
            if !may_have_ocr {
                break;
            }
            if let Some(&sidecar) = names.get(&candidate)
                && sidecar != index
            {
                if candidate.ends_with(".xml") && !crate::metadata::is_alto(&files[sidecar].path) {
                    continue;
                }
                sidecars.ocr = Some(files[sidecar].clone());
                is_sidecar[sidecar] = true;
                break;
            }
        }
        if sidecars != Sidecars::default() {
            tree.sidecars.insert(file.path.clone(), sidecars);
        }
    }
    for (index, file) in files.into_iter().enumerate() {
        let name = file
            .path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if is_metadata_sheet(&name) {
            tree.sheets.push(file.path);
        } else if !is_sidecar[index] {
            tree.files.push(file);
        }
    }
}

#[cfg(test)]
mod tests;
