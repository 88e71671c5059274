//! `wenyuan-index` owns wenyuan's data: the record model ([`model`]), what
//! the public may see of it ([`access`]), the
//! catalogue in SQLite that is the source of truth ([`catalog`]), the
//! content-addressed store of preserved originals ([`store`]), fixity audits
//! ([`verify`]), the Chinese-aware search index ([`search`], [`dates`]) and the data directory that holds them all ([`DataDir`]).
//!
//! Nothing here knows about HTTP, async runtimes or terminals: everything is
//! synchronous and long operations take a [`ProgressSink`] and a [`CancelFlag`].

pub mod access;
pub mod catalog;
pub mod dates;
pub mod error;
pub mod events;
pub mod model;
pub mod progress;
pub mod search;
pub mod store;
#[doc(hidden)]
pub mod testing;
pub mod verify;

mod datadir;

pub use catalog::Catalog;
pub use datadir::{DataDir, WriteLock};
pub use error::{Error, Result};
pub use progress::{CancelFlag, NoProgress, ProgressSink};
pub use store::{Digest, FileStore};
