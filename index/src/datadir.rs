//! The data directory: one folder that holds the catalogue, the preserved
//! originals, the derivatives and the search index.

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Paths inside a wenyuan data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Uses `root` as the data directory, creating it and its folders if needed.
    pub fn create(root: impl Into<PathBuf>) -> Result<Self> {
        let data_dir = DataDir { root: root.into() };
        for folder in [
            data_dir.root.clone(),
            data_dir.files_dir(),
            data_dir.derivatives_dir(),
        ] {
            fs::create_dir_all(&folder).map_err(|source| {
                Error::io(format!("cannot create {}", folder.display()), source)
            })?;
        }
        Ok(data_dir)
    }

    /// Opens an existing data directory; an error when it has no catalogue.
    pub fn open_existing(root: impl Into<PathBuf>) -> Result<Self> {
        let data_dir = DataDir { root: root.into() };
        if !data_dir.catalog_path().is_file() {
            return Err(Error::Invalid(format!(
                "{} is not a wenyuan data directory (no catalog.sqlite); ingest something first",
                data_dir.root.display()
            )));
        }
        Ok(data_dir)
    }

    /// Names `root` as the data directory without touching the disk (for a
    /// dry run over a directory that does not exist yet).
    pub fn create_unchecked(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<data>/catalog.sqlite`.
    pub fn catalog_path(&self) -> PathBuf {
        self.root.join("catalog.sqlite")
    }

    /// `<data>/files`, the content-addressed store of originals.
    pub fn files_dir(&self) -> PathBuf {
        self.root.join("files")
    }

    /// `<data>/derivatives`, thumbnails and web images per digest.
    pub fn derivatives_dir(&self) -> PathBuf {
        self.root.join("derivatives")
    }

    /// `<data>/derivatives/<hex>`, the derivatives of one file.
    pub fn derivatives_for(&self, digest_hex: &str) -> PathBuf {
        self.derivatives_dir().join(digest_hex)
    }

    /// `<data>/tmp`, where derivatives are written before they are renamed
    /// into place; emptied by [`DataDir::clear_temporaries`].
    pub fn temporaries_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Empties (and creates) [`DataDir::temporaries_dir`]: whatever is there
    /// was left by a run that was killed. Call it holding the write lock.
    pub fn clear_temporaries(&self) -> Result<()> {
        let folder = self.temporaries_dir();
        if let Ok(entries) = fs::read_dir(&folder) {
            for entry in entries.flatten() {
                let _ = fs::remove_file(entry.path());
            }
        }
        fs::create_dir_all(&folder)
            .map_err(|source| Error::io(format!("cannot create {}", folder.display()), source))
    }

    /// `<data>/index`, the search index (rebuildable).
    pub fn index_dir(&self) -> PathBuf {
        self.root.join("index")
    }

    /// Takes the exclusive write lock of the directory, so that two ingests
    /// never write at once. The lock is released when the guard drops or the
    /// process dies (it is an advisory file lock, not a marker file).
    pub fn lock_for_writing(&self) -> Result<WriteLock> {
        let lock_path = self.root.join(".write.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| Error::io(format!("cannot open {}", lock_path.display()), source))?;
        match file.try_lock() {
            Ok(()) => Ok(WriteLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(Error::Locked(self.root.clone())),
            Err(TryLockError::Error(source)) => Err(Error::io(
                format!("cannot lock {}", lock_path.display()),
                source,
            )),
        }
    }
}

/// Holds the data directory's write lock until dropped.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
}
