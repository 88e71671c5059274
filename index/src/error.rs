//! The one error type of `wenyuan-index`.
//!
//! Every variant says whose fault it is, so callers map it mechanically:
//! [`Error::is_user_error`] is the caller's input (HTTP 4xx, exit code 2),
//! everything else is I/O or our own bug.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in the catalogue, the file store or the search index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller named something that does not exist (an institution, a collection, an item).
    #[error("{kind} '{id}' does not exist")]
    NotFound {
        /// What kind of thing was looked up, e.g. "institution".
        kind: &'static str,
        /// The id that was asked for.
        id: String,
    },
    /// The caller's input is invalid (a bad id, an unknown kind, a malformed file).
    #[error("{0}")]
    Invalid(String),
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing, with the path involved.
        context: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The catalogue database failed.
    #[error("catalogue: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The catalogue was written by a newer wenyuan than this one.
    #[error(
        "the catalogue has schema version {found}, this wenyuan understands up to {supported}; upgrade wenyuan"
    )]
    SchemaTooNew {
        /// Version found in the database.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// Another process holds the data directory's write lock.
    #[error("another wenyuan process is writing to {0}; wait for it to finish")]
    Locked(PathBuf),
    /// A stored record could not be decoded: our bug or a damaged catalogue.
    #[error("damaged catalogue record: {0}")]
    Corrupt(String),
    /// The search index on disk was built by another version of the text
    /// analysis; its terms would not match today's queries.
    #[error("the search index was built by an older analyser; run `wenyuan reindex`")]
    NeedsReindex,
    /// The search engine failed (I/O, a damaged index, or our bug).
    #[error("search index: {0}")]
    Search(#[from] tantivy::TantivyError),
}

impl Error {
    /// True when the error is the caller's fault (bad input), not I/O or a bug.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::NotFound { .. } | Error::Invalid(_) | Error::Locked(_)
        )
    }

    /// True when the disk holding the data directory is full: the catalogue,
    /// the store or the index could not write.
    pub fn is_disk_full(&self) -> bool {
        match self {
            Error::Io { source, .. } => io_disk_full(source),
            Error::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) => {
                failure.code == rusqlite::ErrorCode::DiskFull
            }
            Error::Search(tantivy::TantivyError::IoError(source)) => io_disk_full(source),
            Error::Search(tantivy::TantivyError::OpenWriteError(
                tantivy::directory::error::OpenWriteError::IoError { io_error, .. },
            )) => io_disk_full(io_error),
            _ => false,
        }
    }

    /// Wraps an I/O error with what we were doing.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// True for the operating system's "no space left" and "quota exceeded".
pub fn io_disk_full(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}
