//! Validating a bag on disk as RFC 8493 asks, before anything of it is
//! used: `bagit.txt` declares a version and UTF-8; no `fetch.txt`; only
//! real files (no links); every manifest path stays inside the bag; every
//! payload file is listed in every payload manifest and every listed file
//! exists; every checksum we can compute matches; `Payload-Oxum` matches.
//!
//! The cheap checks run first, so a malformed bag is refused without
//! reading its payload; then every payload file is read once, computing
//! each manifest's checksum and BLAKE3 together.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::path::Path;

use super::manifest::{self, Algorithm, ManifestEntry};
use wenyuan_index::progress::{CancelFlag, ProgressSink};

/// A payload file of a valid bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadFile {
    /// Size in bytes.
    pub size: u64,
    /// BLAKE3 of its bytes, as read during validation.
    pub blake3: wenyuan_index::Digest,
}

/// A bag that passed validation.
#[derive(Debug, Clone)]
pub struct ValidBag {
    /// `bag-info.txt`, parsed (empty when the bag has none).
    pub info: Vec<(String, String)>,
    /// Payload files by path in the bag (`data/…`).
    pub payload: BTreeMap<String, PayloadFile>,
    /// Every other file (tag files) by path in the bag.
    pub tag_files: BTreeSet<String>,
    /// The tag files whose checksums a tag manifest gave and we checked.
    pub verified_tag_files: BTreeSet<String>,
}

/// Why a bag was not validated.
#[derive(Debug)]
pub enum Refusal {
    /// The bag is not valid: the reason, naming the file concerned.
    Invalid(String),
    /// The run was cancelled while the bag was being read.
    Cancelled,
}

impl From<String> for Refusal {
    fn from(reason: String) -> Self {
        Refusal::Invalid(reason)
    }
}

/// A file found in the bag: path relative to the bag and size.
struct Found {
    path: String,
    size: u64,
}

/// Validates the bag at `root`, calling `progress` for each payload file read.
pub fn validate(
    root: &Path,
    progress: &dyn ProgressSink,
    cancel: &CancelFlag,
) -> Result<ValidBag, Refusal> {
    let declaration = read_text(root, "bagit.txt").map_err(|problem| {
        format!("{problem}; a BagIt bag starts with bagit.txt (is this folder a bag?)")
    })?;
    let declaration = manifest::parse_tag_file(&declaration)
        .map_err(|problem| format!("bagit.txt is malformed: {problem}"))?;
    match manifest::tag_value(&declaration, "BagIt-Version") {
        Some("1.0" | "0.97" | "0.96") => {}
        Some(other) => {
            return Err(format!("bagit.txt declares BagIt-Version {other}, which wenyuan does not read (1.0 or 0.97)").into());
        }
        None => {
            return Err("bagit.txt does not declare a BagIt-Version"
                .to_string()
                .into());
        }
    }
    match manifest::tag_value(&declaration, "Tag-File-Character-Encoding") {
        Some(encoding) if encoding.eq_ignore_ascii_case("UTF-8") => {}
        Some(other) => {
            return Err(format!(
                "bagit.txt declares tag files in {other}; wenyuan reads UTF-8 bags only"
            )
            .into());
        }
        None => {
            return Err("bagit.txt does not declare a Tag-File-Character-Encoding"
                .to_string()
                .into());
        }
    }
    if root.join("fetch.txt").exists() {
        return Err("the bag has a fetch.txt: some of its files must be downloaded first, and wenyuan imports only complete bags".to_string().into());
    }
    let info = if root.join("bag-info.txt").is_file() {
        manifest::parse_tag_file(&read_text(root, "bag-info.txt")?)
            .map_err(|problem| format!("bag-info.txt is malformed: {problem}"))?
    } else {
        Vec::new()
    };

    if !root.join("data").is_dir() {
        return Err("the bag has no data/ folder".to_string().into());
    }
    let mut found = Vec::new();
    list_files(root, "", &mut found)?;
    let sizes: BTreeMap<&str, u64> = found
        .iter()
        .map(|file| (file.path.as_str(), file.size))
        .collect();
    let payload_paths: BTreeSet<&str> = sizes
        .keys()
        .copied()
        .filter(|path| path.starts_with("data/"))
        .collect();

    // Manifests: every path safe; payload manifests complete; tag manifests outside data/.
    let mut payload_manifests: Vec<(String, Option<Algorithm>, Vec<ManifestEntry>)> = Vec::new();
    let mut tag_manifests = Vec::new();
    for path in sizes.keys() {
        let (is_tag_manifest, name) = if let Some(name) = manifest_algorithm(path, "tagmanifest-") {
            (true, name)
        } else if let Some(name) = manifest_algorithm(path, "manifest-") {
            (false, name)
        } else {
            continue;
        };
        let algorithm = Algorithm::from_name(name);
        let entries = manifest::parse_manifest(&read_text(root, path)?, algorithm)
            .map_err(|problem| format!("{path}: {problem}"))?;
        let mut listed = BTreeSet::new();
        for entry in &entries {
            if !listed.insert(entry.path.as_str()) {
                return Err(format!("{path} lists {} twice", entry.path).into());
            }
            if is_tag_manifest == entry.path.starts_with("data/") {
                return Err(if is_tag_manifest {
                    format!(
                        "{path} lists the payload file {}; a tag manifest lists tag files only",
                        entry.path
                    )
                } else {
                    format!("{path} lists {}, which is not under data/", entry.path)
                }
                .into());
            }
            if !sizes.contains_key(entry.path.as_str()) {
                return Err(format!(
                    "{} is listed in {path} but missing from the bag",
                    entry.path
                )
                .into());
            }
        }
        if is_tag_manifest {
            tag_manifests.push((path.to_string(), algorithm, entries));
        } else {
            if let Some(unlisted) = payload_paths.iter().find(|file| !listed.contains(*file)) {
                return Err(format!("{unlisted} is in the bag but not listed in {path}").into());
            }
            payload_manifests.push((path.to_string(), algorithm, entries));
        }
    }
    if payload_manifests.is_empty() {
        return Err(
            "the bag has no payload manifest (manifest-sha256.txt or similar)"
                .to_string()
                .into(),
        );
    }
    if payload_manifests
        .iter()
        .all(|(_, algorithm, _)| algorithm.is_none())
    {
        let names: Vec<&str> = payload_manifests
            .iter()
            .map(|(path, _, _)| path.as_str())
            .collect();
        return Err(format!(
            "the bag's manifests ({}) use checksums wenyuan cannot check; it checks sha256, sha512, sha384 and sha224",
            names.join(", ")
        )
        .into());
    }

    if let Some(oxum) = manifest::tag_value(&info, "Payload-Oxum") {
        let (octets, count) = oxum
            .split_once('.')
            .and_then(|(octets, count)| {
                Some((
                    octets.trim().parse::<u64>().ok()?,
                    count.trim().parse::<u64>().ok()?,
                ))
            })
            .ok_or_else(|| format!("bag-info.txt has a malformed Payload-Oxum '{oxum}'"))?;
        let actual_octets: u64 = payload_paths.iter().map(|path| sizes[path]).sum();
        let actual_count = payload_paths.len() as u64;
        if (octets, count) != (actual_octets, actual_count) {
            return Err(format!(
                "bag-info.txt says Payload-Oxum {octets}.{count} ({}) but data/ holds {}",
                files_and_bytes(count, octets),
                files_and_bytes(actual_count, actual_octets)
            )
            .into());
        }
    }

    // Tag files are small: check their checksums before reading the payload.
    let mut verified_tag_files = BTreeSet::new();
    for (manifest_path, algorithm, entries) in &tag_manifests {
        let Some(algorithm) = algorithm else { continue };
        for entry in entries {
            verified_tag_files.insert(entry.path.clone());
            let checksums = hash_file(root, &entry.path, &[*algorithm])?;
            if checksums.sha[algorithm] != entry.checksum {
                return Err(format!(
                    "{} does not match its {} checksum in {manifest_path} (the tag file was changed or damaged)",
                    entry.path,
                    algorithm.name()
                )
                .into());
            }
        }
    }

    let mut expected: BTreeMap<&str, Vec<(Algorithm, &str, &str)>> = BTreeMap::new();
    for (manifest_path, algorithm, entries) in &payload_manifests {
        let Some(algorithm) = algorithm else { continue };
        for entry in entries {
            expected.entry(entry.path.as_str()).or_default().push((
                *algorithm,
                entry.checksum.as_str(),
                manifest_path.as_str(),
            ));
        }
    }
    let mut payload = BTreeMap::new();
    for path in &payload_paths {
        if cancel.is_cancelled() {
            return Err(Refusal::Cancelled);
        }
        let wanted = expected.get(path).map(Vec::as_slice).unwrap_or(&[]);
        let algorithms: Vec<Algorithm> =
            wanted.iter().map(|(algorithm, _, _)| *algorithm).collect();
        let checksums = hash_file(root, path, &algorithms)?;
        for (algorithm, checksum, manifest_path) in wanted {
            if checksums.sha[algorithm] != *checksum {
                return Err(format!(
                    "{path} does not match its {} checksum in {manifest_path} (the file was changed or damaged)",
                    algorithm.name()
                )
                .into());
            }
        }
        progress.advance(1, checksums.size);
        payload.insert(
            path.to_string(),
            PayloadFile {
                size: checksums.size,
                blake3: checksums.blake3,
            },
        );
    }
    let tag_files = sizes
        .keys()
        .filter(|path| !path.starts_with("data/"))
        .map(|path| path.to_string())
        .collect();
    Ok(ValidBag {
        info,
        payload,
        tag_files,
        verified_tag_files,
    })
}

/// `1 file of 12 bytes`, `3 files of 40 bytes`.
fn files_and_bytes(files: u64, bytes: u64) -> String {
    let plural = if files == 1 { "" } else { "s" };
    format!("{files} file{plural} of {bytes} bytes")
}

/// `sha256` for `manifest-sha256.txt` at the top of the bag, with `prefix` `manifest-`.
fn manifest_algorithm<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    path.strip_prefix(prefix)?
        .strip_suffix(".txt")
        .filter(|name| !name.contains('/'))
}

/// Reads a tag file as UTF-8 text.
fn read_text(root: &Path, relative: &str) -> Result<String, String> {
    let bytes = fs::read(root.join(relative)).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => format!("{relative} is missing"),
        _ => format!("{relative} cannot be read: {error}"),
    })?;
    String::from_utf8(bytes).map_err(|_| format!("{relative} is not UTF-8 text"))
}

fn hash_file(
    root: &Path,
    relative: &str,
    algorithms: &[Algorithm],
) -> Result<manifest::Checksums, String> {
    let unreadable = |error: std::io::Error| format!("{relative} cannot be read: {error}");
    let mut file = File::open(root.join(relative)).map_err(unreadable)?;
    manifest::hash_copy(&mut file, None, algorithms).map_err(|error| match error {
        manifest::CopyError::Read(error) | manifest::CopyError::Write(error) => unreadable(error),
    })
}

/// Lists every file under `root/prefix` with `/`-separated relative paths.
/// A link, a device or a name that is not UTF-8 makes the bag invalid: a
/// bag holds real files only, and a link could point anywhere.
fn list_files(root: &Path, prefix: &str, found: &mut Vec<Found>) -> Result<(), String> {
    let folder = root.join(prefix);
    let shown = if prefix.is_empty() {
        "the bag".to_string()
    } else {
        format!("{prefix}/")
    };
    let entries =
        fs::read_dir(&folder).map_err(|error| format!("{shown} cannot be read: {error}"))?;
    for entry in entries {
        let entry = entry.map_err(|error| format!("{shown} cannot be read: {error}"))?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Err(format!(
                "{shown} holds a file whose name is not UTF-8 ({:?})",
                entry.file_name()
            ));
        };
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let metadata = fs::symlink_metadata(entry.path())
            .map_err(|error| format!("{relative} cannot be read: {error}"))?;
        let kind = metadata.file_type();
        if kind.is_symlink() {
            return Err(format!(
                "{relative} is a symbolic link; a bag must hold the files themselves"
            ));
        } else if kind.is_dir() {
            list_files(root, &relative, found)?;
        } else if kind.is_file() {
            found.push(Found {
                path: relative,
                size: metadata.len(),
            });
        } else {
            return Err(format!("{relative} is not a regular file"));
        }
    }
    Ok(())
}
