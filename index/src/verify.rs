//! Fixity audit: re-hash every preserved (or referenced) file and compare
//! with the digest the catalogue recorded at ingest.

use std::io::ErrorKind;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::catalog::StoredFile;
use crate::model::StorageMode;
use crate::progress::{CancelFlag, ProgressSink};
use crate::store::hash_file;
use crate::{Catalog, DataDir, FileStore, Result};

/// What is wrong with one preserved file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum Damage {
    /// The file is gone.
    Missing,
    /// The bytes differ from what was ingested.
    Changed {
        /// The digest the bytes have now.
        actual_digest: String,
    },
    /// The file exists but cannot be read (permissions, I/O error).
    Unreadable {
        /// The operating system's reason.
        reason: String,
    },
}

/// One damaged file in a verification report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DamagedFile {
    /// Where the file should be.
    pub path: PathBuf,
    /// The digest recorded at ingest.
    pub expected_digest: String,
    /// What is wrong.
    #[serde(flatten)]
    pub damage: Damage,
}

/// The result of a fixity audit.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    /// Files checked.
    pub checked: u64,
    /// Files whose bytes match.
    pub intact: u64,
    /// Bytes re-hashed.
    pub bytes: u64,
    /// Files missing, changed or unreadable.
    pub damaged: Vec<DamagedFile>,
    /// True when the audit was asked to stop before every file was checked;
    /// `checked` says how many were.
    pub cancelled: bool,
}

/// Options for [`verify`].
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Check only this fraction of files (0 < f ≤ 1), chosen evenly by digest; `1.0` checks all.
    pub sample_fraction: f64,
    /// Threads hashing in parallel.
    pub threads: usize,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            sample_fraction: 1.0,
            threads: std::thread::available_parallelism().map_or(2, usize::from),
        }
    }
}

/// Re-hashes the preserved files, telling `progress` the files and bytes to
/// check, then each file as it is done. When `cancel` is set the threads
/// stop after the file each has in hand, and the report says so.
pub fn verify(
    data_dir: &DataDir,
    catalog: &Catalog,
    options: &VerifyOptions,
    progress: &dyn ProgressSink,
    cancel: &CancelFlag,
) -> Result<VerifyReport> {
    let store = FileStore::new(data_dir.files_dir());
    let mut files = catalog.stored_files()?;
    if options.sample_fraction < 1.0 {
        // Digests are uniformly distributed, so a threshold on their first
        // bytes is an even, repeatable sample.
        let threshold = (options.sample_fraction.max(0.0) * f64::from(u32::MAX)) as u32;
        files.retain(|file| {
            u32::from_str_radix(file.digest.get(..8).unwrap_or("0"), 16).unwrap_or(0) <= threshold
        });
    }
    progress.begin(files.len() as u64, files.iter().map(|file| file.size).sum());
    let next = AtomicUsize::new(0);
    let report = Mutex::new(VerifyReport::default());
    std::thread::scope(|scope| {
        for _ in 0..options.threads.max(1) {
            scope.spawn(|| {
                loop {
                    if cancel.is_cancelled() {
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(index) else { break };
                    let (path, outcome) = check_one(&store, file);
                    let mut report = report.lock().expect("verify report lock");
                    report.checked += 1;
                    match outcome {
                        Ok(size) => {
                            report.intact += 1;
                            report.bytes += size;
                        }
                        Err(damage) => report.damaged.push(DamagedFile {
                            path,
                            expected_digest: file.digest.clone(),
                            damage,
                        }),
                    }
                    drop(report);
                    progress.advance(1, file.size);
                }
            });
        }
    });
    progress.finish();
    let mut report = report.into_inner().expect("verify report lock");
    report.cancelled = report.checked < files.len() as u64;
    report
        .damaged
        .sort_by(|left, right| left.path.cmp(&right.path));
    Ok(report)
}

fn check_one(store: &FileStore, file: &StoredFile) -> (PathBuf, std::result::Result<u64, Damage>) {
    let path = match file.storage {
        StorageMode::Reference => PathBuf::from(&file.source_path),
        StorageMode::Copy => match crate::Digest::from_hex(&file.digest) {
            Ok(digest) => store.path_for(&digest),
            Err(_) => {
                return (
                    PathBuf::from(&file.source_path),
                    Err(Damage::Unreadable {
                        reason: "the catalogue holds an invalid digest".into(),
                    }),
                );
            }
        },
    };
    let outcome = match hash_file(&path) {
        Ok((digest, size)) if digest.to_hex() == file.digest => Ok(size),
        Ok((digest, _)) => Err(Damage::Changed {
            actual_digest: digest.to_hex(),
        }),
        Err(error) if error.kind() == ErrorKind::NotFound => Err(Damage::Missing),
        Err(error) => Err(Damage::Unreadable {
            reason: error.to_string(),
        }),
    };
    (path, outcome)
}
