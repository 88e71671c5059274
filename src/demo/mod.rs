//! `wenyuan demo`: a sample archive of a district's venues, built with the
//! real pipeline (institutions import, ingest, index) so that what you see
//! is what a librarian's own folders would give.
//!
//! [`write_sample_archive`] writes, under one folder:
//!
//! - `institutions.toml`: five public cultural venues of 王益区 (Wangyi
//!   District, Tongchuan, Shaanxi) with their collections, in the format of
//!   `wenyuan institutions import` (`data/venues.toml`, written as it is);
//! - `scans/`: one folder per venue with `metadata.csv` sheets in Chinese
//!   (one of them in GBK, as Excel on Chinese Windows saves it, one nested a
//!   level down; the records are in `data/*.toml`, see [`catalogue`]) and
//!   procedurally drawn images: multi-page local chronicles and old
//!   textbooks as page folders of PNGs (one page with an OCR `.txt`
//!   sidecar, [`books`]), Yaozhou kiln (耀州窑) ceramics photographed from
//!   two or three sides ([`ceramics`]), culture-hall posters ([`posters`]),
//!   intangible-heritage photographs and sepia old photographs as JPEGs
//!   ([`photos`]), all drawn with [`canvas`].
//!
//! The subjects, titles and dates are real local ones written as librarians
//! write them (民国三十三年, 清光绪十年, 1958年3月, 宋 …); the pictures are
//! drawn by this module and the addresses, telephone numbers and web sites
//! are placeholders. Every item's rights statement says so.
//!
//! The output is deterministic: a tiny xorshift generator seeded from each
//! item's path replaces any random source, so two runs give the same bytes.

mod books;
mod canvas;
mod catalogue;
mod ceramics;
mod photos;
mod posters;
#[cfg(test)]
mod tests;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use wenyuan_index::{CancelFlag, Catalog, DataDir, ProgressSink};
use wenyuan_ingest::{IngestOptions, ingest};

use crate::institutions::InstitutionsFile;
use crate::progress::Progress;
use canvas::{Rng, create_parent, seed_of, write_jpeg, write_png};
use catalogue::{Art, Row, Sheet};

/// Marks a sample tree that was written completely.
const COMPLETE_MARKER: &str = ".complete";

/// The sample venues and their collections, as `institutions import` reads them.
const VENUES_TOML: &str = include_str!("data/venues.toml");

/// The OCR text of the first page of the Republican-era chronicle.
const OCR_TEXT: &str = include_str!("data/ocr-page.txt");

/// Writes the sample tree (once), imports its venues and ingests it into `data`.
pub fn build(data: &Path) -> anyhow::Result<DataDir> {
    let data_dir =
        DataDir::create(data).with_context(|| format!("cannot create {}", data.display()))?;
    let source = data.join("demo-source");
    let sample = if source.join(COMPLETE_MARKER).is_file() {
        None
    } else {
        tracing::info!("drawing the sample archive into {}", source.display());
        let sample = write_sample_archive(&source).with_context(|| {
            format!("cannot write the sample archive into {}", source.display())
        })?;
        std::fs::write(source.join(COMPLETE_MARKER), b"")?;
        Some(sample)
    };
    if let Some(sample) = &sample {
        tracing::info!("{} items in {} files drawn", sample.items, sample.files);
    }

    let toml = std::fs::read_to_string(source.join("institutions.toml"))
        .context("cannot read the sample venues")?;
    let venues = InstitutionsFile::parse(&toml).context("the sample venues file is invalid")?;
    {
        let _lock = data_dir.lock_for_writing()?;
        let mut catalog = Catalog::open(&data_dir.catalog_path())?;
        for (institution, collections) in venues.into_records() {
            catalog.upsert_institution(&institution)?;
            for collection in collections {
                catalog.upsert_collection(&collection)?;
            }
        }
    }

    let options = IngestOptions {
        roots: vec![source.join("scans")],
        ..IngestOptions::default()
    };
    let progress = Progress::new("demo");
    let report = ingest(&data_dir, &options, &progress, &CancelFlag::new())
        .context("the sample ingest failed")?;
    progress.finish();
    eprintln!("{}", report.summary());
    for failure in &report.failures {
        eprintln!("  {}: {}", failure.path, failure.reason);
    }

    // The venues' events, through the real import of a sheet.
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_whole_seconds(
            wenyuan_index::events::VENUE_UTC_OFFSET_S,
        )?)
        .date();
    let events_file = source.join("events.csv");
    std::fs::write(&events_file, events_sheet(today)?)?;
    let events = {
        let _lock = data_dir.lock_for_writing()?;
        let mut catalog = Catalog::open(&data_dir.catalog_path())?;
        wenyuan_ingest::events::import_events(&mut catalog, &events_file, None)?
    };
    eprintln!(
        "events: {} added, {} updated, {} unchanged",
        events.added, events.updated, events.unchanged
    );
    for failure in &events.failures {
        eprintln!("  {}", failure.reason);
    }
    Ok(data_dir)
}

/// What `write_sample_archive` produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleArchive {
    /// The folder to ingest: `<dir>/scans`.
    pub scans_dir: PathBuf,
    /// The venues and collections to import first: `<dir>/institutions.toml`.
    pub institutions_toml: PathBuf,
    /// Items described by the metadata sheets (one row each).
    pub items: usize,
    /// Content files written (page images, views, photographs, posters);
    /// sheets and the OCR sidecar are not counted.
    pub files: usize,
}

/// Writes a small but believable sample archive under `dir`: an institutions TOML and a `scans/` tree
/// with metadata sheets and procedurally drawn images. Deterministic (same bytes every time).
///
/// Existing files of the same names are overwritten; nothing else under `dir` is touched.
pub fn write_sample_archive(dir: &Path) -> io::Result<SampleArchive> {
    let scans_dir = dir.join("scans");
    fs::create_dir_all(&scans_dir)?;
    let institutions_toml = dir.join("institutions.toml");
    fs::write(&institutions_toml, VENUES_TOML)?;

    let sheets = catalogue::sheets()?;
    let files = draw_all(&scans_dir, &sheets)?;
    let mut items = 0;
    for sheet in sheets {
        let sheet_dir = scans_dir.join(&sheet.dir);
        fs::create_dir_all(&sheet_dir)?;
        items += sheet.rows.len();
        let csv = catalogue::sheet_csv(&sheet)?;
        let bytes = if sheet.gbk {
            let (encoded, _, had_errors) = encoding_rs::GBK.encode(&csv);
            if had_errors {
                return Err(io::Error::other(format!(
                    "sample sheet {} has characters GBK cannot hold",
                    sheet.dir
                )));
            }
            encoded.into_owned()
        } else {
            csv.into_bytes()
        };
        fs::write(sheet_dir.join("metadata.csv"), bytes)?;
    }
    let ocr_page = scans_dir.join("少儿图书馆/地方志/同官县志_民国本/0001.txt");
    fs::write(ocr_page, OCR_TEXT)?;

    Ok(SampleArchive {
        scans_dir,
        institutions_toml,
        items,
        files,
    })
}

/// Draws every row's pictures, items spread over the available cores
/// (each item's bytes depend only on its own seed, so the order does not matter).
fn draw_all(scans_dir: &Path, sheets: &[Sheet]) -> io::Result<usize> {
    let jobs: Vec<(PathBuf, &Row)> = sheets
        .iter()
        .flat_map(|sheet| {
            sheet
                .rows
                .iter()
                .map(move |row| (scans_dir.join(&sheet.dir).join(&row.file), row))
        })
        .collect();
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(8);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> io::Result<usize> {
                    let mut written = 0;
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some((path, row)) = jobs.get(index) else {
                            return Ok(written);
                        };
                        written += write_art(path, &row.art, &row.file)?;
                    }
                })
            })
            .collect();
        let mut total = 0;
        for handle in handles {
            total += handle
                .join()
                .map_err(|_| io::Error::other("a drawing thread panicked"))??;
        }
        Ok(total)
    })
}

/// Draws a row's file or folder; returns how many content files were written.
fn write_art(path: &Path, art: &Art, key: &str) -> io::Result<usize> {
    let seed = seed_of(key);
    match *art {
        Art::Book { style, pages } => {
            fs::create_dir_all(path)?;
            for page in 1..=pages {
                let mut rng = Rng::new(seed ^ u64::from(page).wrapping_mul(0x9E37_79B9));
                let canvas = books::draw_page(style, page, &mut rng);
                write_png(&path.join(format!("{page:04}.png")), &canvas)?;
            }
            Ok(pages as usize)
        }
        Art::Ceramic {
            shape,
            glaze,
            views,
        } => {
            fs::create_dir_all(path)?;
            let names = ["01_正面.jpg", "02_侧面.jpg", "03_底足.jpg"];
            for (view, name) in names.iter().enumerate().take(views as usize) {
                let mut rng = Rng::new(seed ^ (view as u64 + 1).wrapping_mul(0x51_7CC1));
                // The last view of three is always the foot, seen from below.
                let is_foot = views == 3 && view == 2;
                let canvas = ceramics::draw_ceramic(shape, glaze, view as u32, is_foot, &mut rng);
                write_jpeg(&path.join(name), &canvas)?;
            }
            Ok(views as usize)
        }
        Art::Poster { palette } => {
            create_parent(path)?;
            let mut rng = Rng::new(seed);
            write_jpeg(path, &posters::draw_poster(palette, &mut rng))?;
            Ok(1)
        }
        Art::Photo { scene, old } => {
            create_parent(path)?;
            let mut rng = Rng::new(seed);
            let mut canvas = photos::draw_scene(scene, &mut rng);
            if old {
                canvas = photos::age_photograph(&canvas, &mut rng);
            }
            write_jpeg(path, &canvas)?;
            Ok(1)
        }
    }
}

/// The sample events (`data/events.toml`), days counted from today.
const EVENTS_TOML: &str = include_str!("data/events.toml");

/// One sample event as `data/events.toml` has it.
#[derive(Debug, serde::Deserialize)]
struct SampleEvent {
    id: String,
    institution: String,
    title: String,
    in_days: i64,
    #[serde(default)]
    end_in_days: Option<i64>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    place: Option<String>,
    category: String,
    audience: String,
    #[serde(default)]
    fee: Option<String>,
    #[serde(default)]
    booking: Option<String>,
    #[serde(default)]
    capacity: Option<u32>,
    #[serde(default)]
    status: Option<String>,
    description: String,
}

/// The sample events as a venue writes them: a GBK sheet with Chinese
/// headers and real dates (today in Shanghai plus `in_days`).
pub fn events_sheet(today: time::Date) -> anyhow::Result<Vec<u8>> {
    #[derive(serde::Deserialize)]
    struct File {
        event: Vec<SampleEvent>,
    }
    let file: File = toml::from_str(EVENTS_TOML).context("the sample events are invalid")?;
    let day = |offset: i64| {
        let date = today + time::Duration::days(offset);
        format!(
            "{}年{}月{}日",
            date.year(),
            u8::from(date.month()),
            date.day()
        )
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "编号",
        "场馆",
        "活动名称",
        "开始时间",
        "结束时间",
        "地点",
        "类别",
        "面向人群",
        "费用",
        "预约",
        "人数上限",
        "简介",
        "状态",
    ])?;
    for event in file.event {
        let start = match &event.start {
            Some(time) => format!("{} {time}", day(event.in_days)),
            None => day(event.in_days),
        };
        let end = match (&event.end, event.end_in_days) {
            (_, Some(days)) => day(days),
            (Some(time), None) => time.clone(),
            (None, None) => String::new(),
        };
        writer.write_record([
            event.id,
            event.institution,
            event.title,
            start,
            end,
            event.place.unwrap_or_default(),
            event.category,
            event.audience,
            event.fee.unwrap_or_default(),
            event.booking.unwrap_or_default(),
            event
                .capacity
                .map(|capacity| capacity.to_string())
                .unwrap_or_default(),
            event.description,
            event.status.unwrap_or_default(),
        ])?;
    }
    let text = String::from_utf8(writer.into_inner()?)?;
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    anyhow::ensure!(
        !unmappable,
        "the sample events have characters GBK cannot hold"
    );
    Ok(bytes.into_owned())
}
