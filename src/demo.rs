//! `wenyuan demo`: a sample archive of a district's venues, built with the
//! real pipeline (institutions import, ingest, index) so that what you see
//! is what a librarian's own folders would give.

use std::path::Path;

use anyhow::Context;
use wenyuan_index::{Catalog, DataDir};
use wenyuan_ingest::{CancelFlag, IngestOptions, ProgressSink, ingest};

use crate::institutions::InstitutionsFile;
use crate::progress::Progress;

/// Marks a sample tree that was written completely.
const COMPLETE_MARKER: &str = ".complete";

/// Writes the sample tree (once), imports its venues and ingests it into `data`.
pub fn build(data: &Path) -> anyhow::Result<DataDir> {
    let data_dir =
        DataDir::create(data).with_context(|| format!("cannot create {}", data.display()))?;
    let source = data.join("demo-source");
    let sample = if source.join(COMPLETE_MARKER).is_file() {
        None
    } else {
        tracing::info!("drawing the sample archive into {}", source.display());
        let sample = wenyuan_ingest::demo::write_sample_archive(&source).with_context(|| {
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
    Ok(data_dir)
}
