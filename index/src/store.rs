//! The content-addressed store of preserved originals.
//!
//! A file with BLAKE3 digest `abcdef…` lives at `files/ab/cd/abcdef…`. Bytes
//! are written to a temporary file in `files/tmp/`, fsynced, and renamed into
//! place, so a crash never leaves a half-written original under a digest; the
//! same bytes ingested twice are stored once.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

/// A BLAKE3 digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        blake3::Hash::from_bytes(self.0).to_hex().to_string()
    }

    /// Parses 64 hex characters.
    pub fn from_hex(hex: &str) -> Result<Self> {
        blake3::Hash::from_hex(hex)
            .map(|hash| Digest(*hash.as_bytes()))
            .map_err(|_| Error::Invalid(format!("'{hex}' is not a BLAKE3 digest")))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.to_hex())
    }
}

/// Hashes a file with BLAKE3 using memory mapping where it helps; returns the digest and byte count.
pub fn hash_file(path: &Path) -> io::Result<(Digest, u64)> {
    let mut hasher = blake3::Hasher::new();
    hasher.update_mmap(path)?;
    let length = hasher.count();
    Ok((Digest(*hasher.finalize().as_bytes()), length))
}

/// What [`FileStore::put`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// The bytes were new and are now stored.
    Stored,
    /// The same bytes were already in the store.
    AlreadyPresent,
}

/// The content-addressed store under `<data>/files`.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    /// A store rooted at `root` (normally `<data>/files`).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FileStore { root: root.into() }
    }

    /// Where a digest's bytes live.
    pub fn path_for(&self, digest: &Digest) -> PathBuf {
        let hex = digest.to_hex();
        self.root.join(&hex[0..2]).join(&hex[2..4]).join(hex)
    }

    /// True when the store holds a file for this digest.
    pub fn contains(&self, digest: &Digest) -> bool {
        self.path_for(digest).is_file()
    }

    fn temp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Removes temporary files left by a run that was killed. Call it while
    /// holding the data directory's write lock.
    pub fn remove_stale_temporaries(&self) -> Result<usize> {
        let temp_dir = self.temp_dir();
        let Ok(entries) = fs::read_dir(&temp_dir) else {
            return Ok(0);
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            if fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Copies `source` into the store under `expected` digest. The copy is
    /// hashed while it is written; if the bytes changed since they were
    /// hashed, the copy is discarded and an error returned.
    pub fn put(&self, source: &Path, expected: &Digest) -> Result<PutOutcome> {
        let final_path = self.path_for(expected);
        if final_path.is_file() {
            return Ok(PutOutcome::AlreadyPresent);
        }
        let temp_dir = self.temp_dir();
        fs::create_dir_all(&temp_dir)
            .map_err(|source| Error::io(format!("cannot create {}", temp_dir.display()), source))?;
        let temp_path = temp_dir.join(unique_temp_name(&expected.to_hex()));
        let result = copy_hashing(source, &temp_path).and_then(|actual| {
            if actual != *expected {
                return Err(Error::Invalid(format!(
                    "{} changed while it was being ingested; run the ingest again",
                    source.display()
                )));
            }
            let parent = final_path.parent().expect("store paths have a parent");
            fs::create_dir_all(parent)
                .map_err(|error| Error::io(format!("cannot create {}", parent.display()), error))?;
            fs::rename(&temp_path, &final_path).map_err(|error| {
                Error::io(format!("cannot move into {}", final_path.display()), error)
            })?;
            sync_directory(parent);
            Ok(PutOutcome::Stored)
        });
        if result.is_err() {
            let _ = fs::remove_file(&temp_path);
        }
        result
    }
}

fn copy_hashing(source: &Path, temp_path: &Path) -> Result<Digest> {
    let mut input = File::open(source)
        .map_err(|error| Error::io(format!("cannot read {}", source.display()), error))?;
    let mut output = File::create(temp_path)
        .map_err(|error| Error::io(format!("cannot write {}", temp_path.display()), error))?;
    let mut hasher = blake3::Hasher::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let read = input
            .read(&mut buffer)
            .map_err(|error| Error::io(format!("cannot read {}", source.display()), error))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        output
            .write_all(&buffer[..read])
            .map_err(|error| Error::io(format!("cannot write {}", temp_path.display()), error))?;
    }
    output
        .sync_all()
        .map_err(|error| Error::io(format!("cannot flush {}", temp_path.display()), error))?;
    Ok(Digest(*hasher.finalize().as_bytes()))
}

/// A temporary file name no other writer uses: process id plus a counter,
/// so two threads storing the same bytes at once never share a temporary.
fn unique_temp_name(base: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{base}.{}.{}.part",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Makes a rename durable. Best effort: not every filesystem supports it.
pub(crate) fn sync_directory(directory: &Path) {
    if let Ok(handle) = File::open(directory) {
        let _ = handle.sync_all();
    }
}

/// Writes `bytes` to `path` atomically: temporary file in the same folder, fsync, rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent)
        .map_err(|error| Error::io(format!("cannot create {}", parent.display()), error))?;
    let file_name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("file");
    let temp_path = parent.join(format!(".{}", unique_temp_name(file_name)));
    let write = || -> io::Result<()> {
        let mut file = File::create(&temp_path)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp_path, path)
    };
    write().map_err(|error| {
        let _ = fs::remove_file(&temp_path);
        Error::io(format!("cannot write {}", path.display()), error)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_once_under_the_digest() {
        let temp = tempfile::tempdir().unwrap();
        let source = temp.path().join("a.bin");
        fs::write(&source, b"hello archive").unwrap();
        let (digest, size) = hash_file(&source).unwrap();
        assert_eq!(size, 13);
        assert_eq!(
            digest.to_hex(),
            blake3::hash(b"hello archive").to_hex().to_string()
        );
        let store = FileStore::new(temp.path().join("files"));
        assert_eq!(store.put(&source, &digest).unwrap(), PutOutcome::Stored);
        assert_eq!(
            store.put(&source, &digest).unwrap(),
            PutOutcome::AlreadyPresent
        );
        assert_eq!(fs::read(store.path_for(&digest)).unwrap(), b"hello archive");
        assert_eq!(
            fs::read_dir(temp.path().join("files/tmp")).unwrap().count(),
            0
        );
    }

    #[test]
    fn refuses_bytes_that_changed_since_hashing() {
        let temp = tempfile::tempdir().unwrap();
        let source = temp.path().join("a.bin");
        fs::write(&source, b"first").unwrap();
        let (digest, _) = hash_file(&source).unwrap();
        fs::write(&source, b"second").unwrap();
        let store = FileStore::new(temp.path().join("files"));
        assert!(store.put(&source, &digest).is_err());
        assert!(!store.contains(&digest));
    }

    #[test]
    fn hashes_empty_files() {
        let temp = tempfile::tempdir().unwrap();
        let source = temp.path().join("empty");
        fs::write(&source, b"").unwrap();
        let (digest, size) = hash_file(&source).unwrap();
        assert_eq!(size, 0);
        assert_eq!(digest.to_hex(), blake3::hash(b"").to_hex().to_string());
    }
}
