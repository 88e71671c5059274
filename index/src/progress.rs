//! How long operations (ingest, import, export, reindex, verify) tell the
//! outside world how far they are, and how they are asked to stop. The CLI
//! renders progress with a bar and sets the flag on Ctrl-C; tests pass
//! [`NoProgress`] and a flag nobody sets.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Receives progress from a long operation. Calls come from several threads
/// and must be cheap.
pub trait ProgressSink: Send + Sync {
    /// The work is known: this many files and bytes will be processed.
    fn begin(&self, _files: u64, _bytes: u64) {}
    /// This many more files and bytes are done.
    fn advance(&self, _files: u64, _bytes: u64) {}
    /// Something a person may want to see now (a failed file, a phase).
    fn note(&self, _message: &str) {}
    /// The work is over.
    fn finish(&self) {}
}

/// A sink that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl ProgressSink for NoProgress {}

/// A flag another thread sets to ask a long operation to stop at the next
/// safe point (after the batch in flight is committed).
#[derive(Debug, Default, Clone)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        CancelFlag::default()
    }

    /// Asks the operation to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// True once [`CancelFlag::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
