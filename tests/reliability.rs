//! Nothing lost under faults (issue #7): an ingest killed at twenty random
//! moments, a disk that fills up, and a server that keeps answering while an
//! ingest writes.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wenyuan_index::testing::Rng;

use crate::util::{self, Sandbox};

/// A few hundred files of every shape the pipeline handles: loose photos in
/// folders, numbered page folders, a multi-page TIFF, a sheet row and a sidecar.
/// The photos are named `kiln…`, not `p000…`, so each is an item of its own
/// (numbered names would make each folder one book): 247 items, several
/// 64-item batches, so a run commits more than once however fast it is.
fn mixed_tree(sandbox: &Sandbox) {
    for index in 0..240u32 {
        sandbox.write(
            &format!("scans/photos{}/kiln{index:03}.jpg", index % 6),
            util::jpeg(64, 48, index as u8),
        );
    }
    for book in 0..6u32 {
        for page in 1..=5u32 {
            sandbox.write(
                &format!("scans/books/book{book}/{page:04}.png"),
                util::png(40, 56, (book * 10 + page) as u8),
            );
        }
    }
    sandbox.write("scans/scroll.tif", util::multipage_tiff(48, 36, 4));
    sandbox.write(
        "scans/photos0/kiln000.json",
        r#"{"title": "王益街道老照片", "subject": ["街道"]}"#,
    );
    sandbox.write(
        "scans/metadata.csv",
        "文件,题名,日期\nbooks/book0,同官县志,清光绪十年\n",
    );
}

/// A small generator with a fixed seed, so a failing moment can be replayed.
struct Moments(u64);

impl Moments {
    fn next_below(&mut self, bound: Duration) -> Duration {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let fraction = (self.0 >> 11) as f64 / (1u64 << 53) as f64;
        bound.mul_f64(fraction)
    }
}

/// Temporary files anywhere in the data directory: the store's `files/tmp/`,
/// `<data>/tmp/` where derivatives are written before renaming, and any
/// dot-prefixed temporary left beside the derivatives.
fn temporaries(data: &Path) -> usize {
    util::count_files(&data.join("files/tmp"), &|_| true)
        + util::count_files(&data.join("tmp"), &|_| true)
        + util::count_files(&data.join("derivatives"), &|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with('.') || name.ends_with(".tmp"))
        })
}

fn search_total(sandbox: &Sandbox) -> u64 {
    let run = sandbox.wenyuan(&["search", "", "--json", "--limit", "1"]);
    run.expect_code(0);
    let results: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    results["total"].as_u64().expect("total")
}

/// Files in the catalogue; 0 before there is one.
fn catalogued_files(sandbox: &Sandbox) -> u64 {
    if sandbox.data().join("catalog.sqlite").is_file() {
        sandbox.catalog().count_files().unwrap()
    } else {
        0
    }
}

/// Waits until the running ingest `child` has committed files beyond
/// `files_before`; returns how long that took from now.
fn first_commit(sandbox: &Sandbox, child: &mut std::process::Child, files_before: u64) -> Duration {
    let started = Instant::now();
    while catalogued_files(sandbox) <= files_before {
        if child.try_wait().unwrap().is_some() {
            break; // finished before the poll saw a commit: counted as a late kill
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the ingest committed nothing in 300 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    started.elapsed()
}

fn spawn_ingest(sandbox: &Sandbox) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_wenyuan"))
        .arg("ingest")
        .arg(sandbox.scans())
        .arg("--data")
        .arg(sandbox.data())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start wenyuan ingest")
}

#[test]
fn twenty_kills_at_random_moments_lose_nothing() {
    let sandbox = Sandbox::new();
    mixed_tree(&sandbox);

    // A clean run gives the expected counts and how long a whole run takes.
    let started = Instant::now();
    let (run, report) = sandbox.ingest(&[]);
    let clean_duration = started.elapsed();
    run.expect_code(0);
    assert_eq!(report["failed"], 0, "{report:#}");
    let (clean_items, clean_files) = (
        sandbox.catalog().count_items().unwrap(),
        sandbox.catalog().count_files().unwrap(),
    );
    assert!(clean_files >= 250, "a few hundred files: {clean_files}");
    assert!(
        clean_items > 2 * 64,
        "more items than two 64-item batches, so a run commits several times: {clean_items}"
    );

    let seed = 0x5eed_2026_u64;
    let mut moments = Moments(seed);
    // Where each kill landed: before the catalogue held a file, with files
    // still to do, or after the run had finished its files.
    let (mut before_any_file, mut mid_run, mut after_all_files) = (0, 0, 0);
    for round in 0..20 {
        std::fs::remove_dir_all(sandbox.data()).unwrap();
        // Every fourth round is killed twice before it may finish.
        let kills = if round % 4 == 3 { 2 } else { 1 };
        let mut killed_at = Vec::new();
        for kill in 0..kills {
            let files_before = catalogued_files(&sandbox);
            let mut child = spawn_ingest(&sandbox);
            // Half the kills at a moment drawn over a whole run, which lands
            // before the first commit now and then (a batch is committed
            // every 64 items or 2 s); the others a moment drawn after the
            // run's first commit, while it has files left to do.
            let delay = if (round + kill) % 2 == 0 {
                let delay = moments.next_below(clean_duration);
                std::thread::sleep(delay);
                delay
            } else {
                let committed_at = first_commit(&sandbox, &mut child, files_before);
                let extra = moments.next_below(clean_duration / 4);
                std::thread::sleep(extra);
                committed_at + extra
            };
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            killed_at.push(delay.as_millis());
            let files_after_kill = catalogued_files(&sandbox);
            match files_after_kill {
                0 => before_any_file += 1,
                files if files < clean_files => mid_run += 1,
                _ => after_all_files += 1,
            }
            // Whatever the catalogue holds after a kill is really in the store.
            if sandbox.data().join("catalog.sqlite").is_file() {
                let verify = sandbox.wenyuan(&["verify"]);
                assert_eq!(
                    verify.code(),
                    0,
                    "round {round} (seed {seed:#x}, killed at {killed_at:?} ms): verify after the kill\n{}",
                    verify.stdout()
                );
            }
        }
        let (run, report) = sandbox.ingest(&[]);
        let context = format!("round {round} (seed {seed:#x}, killed at {killed_at:?} ms)");
        assert_eq!(run.code(), 0, "{context}: {}", run.stderr());
        assert_eq!(report["failed"], 0, "{context}: {report:#}");
        let catalog = sandbox.catalog();
        assert_eq!(catalog.count_items().unwrap(), clean_items, "{context}");
        assert_eq!(catalog.count_files().unwrap(), clean_files, "{context}");
        sandbox.wenyuan(&["verify"]).expect_code(0);
        assert_eq!(
            search_total(&sandbox),
            clean_items,
            "{context}: the search index agrees with the catalogue"
        );
        assert_eq!(
            temporaries(&sandbox.data()),
            0,
            "{context}: no orphan temporaries"
        );
    }
    util::tell(&format!(
        "kills: {before_any_file} before any file was catalogued, {mid_run} with files \
         still to do, {after_all_files} after every file (seed {seed:#x})"
    ));
    // A kill that lands before the work or after it proves nothing about
    // resuming from a half-written catalogue: the 10 kills timed after a
    // first commit must nearly all land while files were left.
    assert!(
        mid_run >= 8,
        "only {mid_run} of 25 kills landed while files were left \
         ({before_any_file} before any, {after_all_files} after all)"
    );
}

/// A tmpfs mounted on a folder for the length of a test; unmounted on drop.
struct TinyDisk {
    mount_point: std::path::PathBuf,
}

impl TinyDisk {
    /// An error saying why when this process may not mount (not root, no
    /// `mount`, no tmpfs).
    fn mount(mount_point: &Path, size: &str) -> Result<TinyDisk, String> {
        std::fs::create_dir_all(mount_point).unwrap();
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(mount_point)
            .output()
            .map_err(|error| format!("cannot run mount: {error}"))?;
        if !output.status.success() {
            return Err(format!(
                "mount -t tmpfs failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(TinyDisk {
            mount_point: mount_point.to_path_buf(),
        })
    }

    fn grow(&self, size: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.mount_point)
            .status()
            .unwrap();
        assert!(status.success(), "remount {size}");
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(&self.mount_point)
            .status();
    }
}

/// Bytes that do not compress, so a small disk really fills up.
fn noise(length: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    (0..length).map(|_| rng.next() as u8).collect()
}

#[test]
fn a_full_disk_stops_the_run_cleanly_and_a_later_run_finishes() {
    let sandbox = Sandbox::new();
    for index in 0..24u64 {
        sandbox.write(
            &format!("scans/recordings/tape{index:02}.wav"),
            noise(250_000, index + 1),
        );
    }
    for index in 0..12u32 {
        sandbox.write(
            &format!("scans/photos/p{index:02}.jpg"),
            util::jpeg(300, 200, index as u8),
        );
    }
    let clean = Sandbox::new();
    std::fs::create_dir_all(clean.path()).unwrap();
    Command::new("cp")
        .arg("-a")
        .arg(sandbox.scans())
        .arg(clean.path())
        .status()
        .unwrap();
    clean.ingest(&[]).0.expect_code(0);
    let clean_items = clean.catalog().count_items().unwrap();
    let clean_files = clean.catalog().count_files().unwrap();

    // 6 MB of originals onto a 3 MB disk. Only a run that may not mount
    // skips; as root (CI) a disk that cannot be set up is a failure.
    let disk = match TinyDisk::mount(&sandbox.data(), "3m") {
        Ok(disk) => disk,
        Err(why) if !util::running_as_root() => {
            util::tell(&format!(
                "NOT RUN: a_full_disk_stops_the_run_cleanly_and_a_later_run_finishes \
                 needs root to mount a small tmpfs ({why}); CI runs it as root"
            ));
            return;
        }
        Err(why) => panic!("running as root, yet the small disk could not be set up: {why}"),
    };
    let (run, _) = sandbox.ingest(&[]);
    assert_eq!(
        run.code(),
        2,
        "a full disk is a fatal error, exit status 2 (README, \"Exit status\"); stderr:\n{}",
        run.stderr()
    );
    let message = run.stderr();
    assert!(
        message.contains("disk is full") || message.contains("No space left"),
        "a clear message: {message}"
    );
    assert!(
        !message.contains("panicked") && !message.contains("RUST_BACKTRACE"),
        "no crash: {message}"
    );
    // What the catalogue holds is intact and complete.
    if sandbox.data().join("catalog.sqlite").is_file() {
        let verify = sandbox.wenyuan(&["verify"]);
        assert_eq!(
            verify.code(),
            0,
            "verify on the full disk: {}",
            verify.stdout()
        );
        assert!(sandbox.catalog().count_files().unwrap() < clean_files);
    }
    assert_eq!(
        temporaries(&sandbox.data()),
        0,
        "no temporaries left on the full disk"
    );

    disk.grow("64m");
    let (run, report) = sandbox.ingest(&[]);
    run.expect_code(0);
    assert_eq!(report["failed"], 0, "{report:#}");
    assert_eq!(sandbox.catalog().count_items().unwrap(), clean_items);
    assert_eq!(sandbox.catalog().count_files().unwrap(), clean_files);
    sandbox.wenyuan(&["verify"]).expect_code(0);
    assert_eq!(search_total(&sandbox), clean_items);
    drop(disk);
}
