//! Progress display: an indicatif bar on a terminal, plain log lines
//! otherwise (cron jobs, CI, `| tee`).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use wenyuan_index::ProgressSink;

/// Sets up `tracing` to print to stderr; `RUST_LOG` overrides the level.
pub fn init_logging(verbose: bool) {
    let default_level = if verbose { "debug" } else { "info" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

/// Shows progress of files and bytes: a bar on a terminal, a log line every
/// five seconds otherwise.
pub struct Progress {
    label: &'static str,
    bar: Option<ProgressBar>,
    total_files: AtomicU64,
    total_bytes: AtomicU64,
    files: AtomicU64,
    bytes: AtomicU64,
    started: Instant,
    last_line: Mutex<Instant>,
}

impl Progress {
    /// A bar when stderr is a terminal, log lines otherwise.
    pub fn new(label: &'static str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {pos}/{len} files  {msg}  {elapsed} (ETA {eta})",
                )
                .expect("valid progress template")
                .progress_chars("=> "),
            );
            bar.set_prefix(label);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            label,
            bar,
            total_files: AtomicU64::new(0),
            total_bytes: AtomicU64::new(0),
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            started: Instant::now(),
            last_line: Mutex::new(Instant::now()),
        }
    }
}

fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

impl ProgressSink for Progress {
    fn begin(&self, files: u64, bytes: u64) {
        self.total_files.store(files, Ordering::Relaxed);
        self.total_bytes.store(bytes, Ordering::Relaxed);
        match &self.bar {
            Some(bar) => bar.set_length(files),
            None => tracing::info!(
                "{}: {files} files, {:.1} MB to process",
                self.label,
                megabytes(bytes)
            ),
        }
    }

    fn advance(&self, files: u64, bytes: u64) {
        let files_done = self.files.fetch_add(files, Ordering::Relaxed) + files;
        let bytes_done = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let rate = megabytes(bytes_done) / self.started.elapsed().as_secs_f64().max(0.001);
        let total_megabytes = megabytes(self.total_bytes.load(Ordering::Relaxed));
        if let Some(bar) = &self.bar {
            bar.set_position(files_done);
            bar.set_message(format!(
                "{:.0}/{total_megabytes:.0} MB, {rate:.1} MB/s",
                megabytes(bytes_done)
            ));
            return;
        }
        let mut last_line = self.last_line.lock().expect("progress lock");
        if last_line.elapsed() >= Duration::from_secs(5) {
            *last_line = Instant::now();
            tracing::info!(
                "{}: {files_done}/{} files, {:.1}/{total_megabytes:.1} MB, {rate:.1} MB/s",
                self.label,
                self.total_files.load(Ordering::Relaxed),
                megabytes(bytes_done),
            );
        }
    }

    fn note(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.println(message),
            None => tracing::info!("{message}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
