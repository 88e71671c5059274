//! `wenyuan-index` owns wenyuan's data: the record model ([`model`]), the
//! catalogue in SQLite that is the source of truth, the content-addressed
//! store of preserved originals, and the data directory that holds them all.
//!
//! Nothing here knows about HTTP, async runtimes or terminals: everything is
//! synchronous and long operations take a progress callback.

pub mod dates;
pub mod error;
pub mod model;
pub mod search;

pub use error::{Error, Result};
