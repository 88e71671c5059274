//! The ingest report: counts, bytes, time and every failure with a reason a
//! librarian understands. `--report FILE` writes it as JSON.

use serde::Serialize;

/// One thing that could not be ingested, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The file, folder or sheet (with row) concerned.
    pub path: String,
    /// Why, in words a librarian understands.
    pub reason: String,
}

/// What an ingest run did. File counts: every content file seen is exactly one
/// of added, updated, unchanged, duplicates or failed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestReport {
    /// Content files seen (metadata sheets and sidecars not counted).
    pub seen: u64,
    /// Files new to the archive.
    pub added: u64,
    /// Files at a known path whose bytes changed.
    pub updated: u64,
    /// Files recognised as unchanged (path, size and modification time).
    pub unchanged: u64,
    /// Files whose bytes the archive already held under another path (stored once).
    pub duplicates: u64,
    /// Files, rows or folders that failed; each is listed in `failures`.
    pub failed: u64,
    /// Bytes of the files processed (hashed) in this run.
    pub bytes: u64,
    /// Wall-clock seconds.
    pub elapsed_s: f64,
    /// Bytes processed per second, in MB/s.
    pub throughput_mb_s: f64,
    /// Files processed per second.
    pub files_per_s: f64,
    /// Items created.
    pub items_added: u64,
    /// Items whose record changed.
    pub items_updated: u64,
    /// Items left as they were.
    pub items_unchanged: u64,
    /// True for `--dry-run`: nothing was written.
    pub dry_run: bool,
    /// True when the run was asked to stop before the end; run again to finish.
    pub cancelled: bool,
    /// Every failure, with its path and reason.
    pub failures: Vec<Failure>,
    /// Fields staff edited (on the web or by sheet) that this run kept,
    /// because the folder's value for them had not changed since.
    pub edits_kept: u64,
    /// Fields staff edited whose value the folder has changed since: the
    /// folder's value replaced the edit. Path = the item id.
    pub edits_replaced: Vec<Failure>,
}

impl IngestReport {
    /// Records a failure.
    pub fn fail(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.failed += 1;
        self.failures.push(Failure {
            path: path.into(),
            reason: reason.into(),
        });
    }

    /// Fills in the derived rates from `elapsed_s` and `bytes`.
    pub fn finish_timing(&mut self, elapsed: std::time::Duration) {
        self.elapsed_s = elapsed.as_secs_f64();
        if self.elapsed_s > 0.0 {
            self.throughput_mb_s = self.bytes as f64 / 1_000_000.0 / self.elapsed_s;
            self.files_per_s =
                (self.added + self.updated + self.duplicates) as f64 / self.elapsed_s;
        }
    }

    /// A short human summary, several lines, no trailing newline.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} files seen: {} added, {} updated, {} unchanged, {} duplicates, {} failed\n\
             items: {} added, {} updated, {} unchanged\n\
             {:.1} MB processed in {:.1} s ({:.1} MB/s, {:.1} files/s)",
            self.seen,
            self.added,
            self.updated,
            self.unchanged,
            self.duplicates,
            self.failed,
            self.items_added,
            self.items_updated,
            self.items_unchanged,
            self.bytes as f64 / 1_000_000.0,
            self.elapsed_s,
            self.throughput_mb_s,
            self.files_per_s,
        );
        if self.edits_kept > 0 {
            text.push_str(&format!(
                "\n{} values edited by staff were kept (the folder's values for them are unchanged)",
                self.edits_kept
            ));
        }
        if self.dry_run {
            text.push_str("\ndry run: nothing was written");
        }
        if self.cancelled {
            text.push_str("\nstopped before the end: run the same command again to finish");
        }
        text
    }
}
