//! The one error type of `wenyuan-ingest`: what stops a whole run.
//!
//! Problems with single files or sheet rows never become an `Error`; they go
//! into the report as [`crate::report::Failure`] lines and the run goes on.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can stop an ingest run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller's options are wrong (unknown institution, missing folder …).
    #[error("{0}")]
    Usage(String),
    /// A folder to ingest does not exist or is not a folder.
    #[error("{0} is not a folder that can be read")]
    NotAFolder(PathBuf),
    /// The catalogue, the store or the data directory failed.
    #[error(transparent)]
    Index(#[from] wenyuan_index::Error),
    /// Writing to the data directory failed (disk full, permissions): the run
    /// stops, and what was committed before stays consistent.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// True when the error is the caller's fault (exit code 2 in the CLI).
    pub fn is_user_error(&self) -> bool {
        match self {
            Error::Usage(_) | Error::NotAFolder(_) => true,
            Error::Index(error) => error.is_user_error(),
            Error::Io { .. } => false,
        }
    }

    /// True when the run stopped because the data directory's disk is full.
    pub fn is_disk_full(&self) -> bool {
        match self {
            Error::Index(error) => error.is_disk_full(),
            Error::Io { source, .. } => wenyuan_index::error::io_disk_full(source),
            Error::Usage(_) | Error::NotAFolder(_) => false,
        }
    }
}
