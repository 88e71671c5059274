//! `wenyuan-ingest`: walk → identify → hash → store → extract → derive → catalogue.
pub mod media;
