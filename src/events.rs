//! `wenyuan events import FILE` and `wenyuan events list`: the venues'
//! events (the reading is in `wenyuan_ingest::events`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use wenyuan_index::catalog::{EventQuery, unix_now};
use wenyuan_ingest::events::import_events;

use crate::staff::open_catalog;

/// What `wenyuan events` can do.
#[derive(Debug, Subcommand)]
pub enum EventsAction {
    /// Add or update events from FILE.toml, FILE.xlsx or FILE.csv (Chinese
    /// or English headers, UTF-8 or GBK); bad rows are listed (exit status 1),
    /// the others imported. The same row imported again updates its event.
    Import {
        /// The events file.
        file: PathBuf,
        /// The venue of rows that name none.
        #[arg(long)]
        institution: Option<String>,
        /// Write the report as JSON to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// The data directory (catalogue, preserved files, derivatives, index).
        #[arg(long, env = "WENYUAN_DATA", default_value = "wenyuan-data")]
        data: PathBuf,
    },
    /// List events: upcoming ones (and those going on), or with --all past ones too.
    List {
        /// Only this venue's.
        #[arg(long)]
        institution: Option<String>,
        /// Past and cancelled events too.
        #[arg(long)]
        all: bool,
        /// Print them as JSON.
        #[arg(long)]
        json: bool,
        /// The data directory (catalogue, preserved files, derivatives, index).
        #[arg(long, env = "WENYUAN_DATA", default_value = "wenyuan-data")]
        data: PathBuf,
    },
}

/// Runs a `wenyuan events` command.
pub fn run(action: EventsAction) -> anyhow::Result<ExitCode> {
    match action {
        EventsAction::Import {
            file,
            institution,
            report: report_path,
            data,
        } => {
            let (_, mut catalog) = open_catalog(&data)?;
            let report = import_events(&mut catalog, &file, institution.as_deref())?;
            println!(
                "events: {} added, {} updated, {} unchanged, {} rows refused",
                report.added,
                report.updated,
                report.unchanged,
                report.failures.len()
            );
            for failure in &report.failures {
                eprintln!("  {}", failure.reason);
            }
            if let Some(path) = report_path {
                std::fs::write(&path, serde_json::to_vec_pretty(&report)?)?;
            }
            Ok(if report.failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        EventsAction::List {
            institution,
            all,
            json,
            data,
        } => {
            let (_, catalog) = open_catalog(&data)?;
            let events = catalog.events(&EventQuery {
                institution_id: institution,
                from: (!all).then(unix_now),
                include_cancelled: all,
                ..EventQuery::default()
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&events)?);
            } else {
                for event in &events {
                    println!(
                        "{}  {}  {}  {}{}",
                        event.id,
                        event.when(false),
                        event.institution_id,
                        event.title,
                        if event.cancelled {
                            "  (已取消 cancelled)"
                        } else {
                            ""
                        }
                    );
                }
                eprintln!("{} events", events.len());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
