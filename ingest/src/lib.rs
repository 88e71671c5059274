//! `wenyuan-ingest` turns folders of scans into a preserved, catalogued
//! archive: walk → identify → hash → store → extract → derive → catalogue.
//!
//! - [`walk`] finds content files, metadata sheets and sidecars;
//! - [`metadata`] reads sheets (CSV in UTF-8 or GBK, XLSX), JSON sidecars and OCR text;
//! - [`plan`] decides which files make which items, before any byte is hashed;
//! - [`media`] identifies files by content, reads technical metadata and makes thumbnails;
//! - [`pipeline`] runs it all on every core with one catalogue writer, and
//!   returns an [`IngestReport`];
//! - [`bagit`] exports items as BagIt bags for backup and imports them back.
//!
//! No async runtime, no terminal: progress goes to a [`ProgressSink`], and a
//! [`CancelFlag`] asks a run to stop (both from `wenyuan_index::progress`).

pub mod bagit;
pub mod error;
pub mod events;
pub mod media;
pub mod metadata;
pub mod pipeline;
pub mod plan;
pub mod report;
pub mod sheet_edit;
pub mod walk;

pub use error::{Error, Result};
pub use pipeline::{IngestOptions, ingest};
pub use report::{Failure, IngestReport};
pub use wenyuan_index::progress::{CancelFlag, NoProgress, ProgressSink};
