//! The server's state: the data directory, a small pool of read-only
//! catalogue connections, the search index and the site configuration, all
//! behind one `Arc` so handlers clone it for free.

use std::sync::{Arc, Mutex};

use wenyuan_index::search::{SearchIndex, SearchRequest, SearchResults};
use wenyuan_index::{Catalog, DataDir};

use crate::{AppError, SiteConfig};

/// Idle catalogue connections kept for reuse: enough for every request a
/// loaded server runs at once on the blocking pool (each holds a few hundred KB).
pub const IDLE_CATALOGS: usize = 64;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    data_dir: DataDir,
    search_index: SearchIndex,
    idle_catalogs: Mutex<Vec<Catalog>>,
    config: SiteConfig,
}

impl AppState {
    /// Opens the data directory's catalogue and search index for serving.
    pub fn open(data_dir: DataDir, config: SiteConfig) -> wenyuan_index::Result<Self> {
        let first_catalog = Catalog::open_read_only(&data_dir.catalog_path())?;
        let search_index = SearchIndex::open_or_create(&data_dir.index_dir())?;
        // Load the word dictionary now rather than on the first visitor's search.
        search_index.search(&SearchRequest::new("文渊"))?;
        Ok(AppState {
            inner: Arc::new(Inner {
                data_dir,
                search_index,
                idle_catalogs: Mutex::new(vec![first_catalog]),
                config,
            }),
        })
    }

    /// The data directory.
    pub fn data_dir(&self) -> &DataDir {
        &self.inner.data_dir
    }

    /// The site configuration.
    pub fn config(&self) -> &SiteConfig {
        &self.inner.config
    }

    /// The search index (for synchronous use inside a blocking task).
    pub fn search_index(&self) -> &SearchIndex {
        &self.inner.search_index
    }

    /// Runs `read` with a catalogue connection on the blocking pool.
    /// Connections are reused (with their prepared statements) up to
    /// [`IDLE_CATALOGS`]; opening one per request cost more than the search.
    pub async fn catalog<T, F>(&self, read: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Catalog) -> wenyuan_index::Result<T> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = state
                .inner
                .idle_catalogs
                .lock()
                .expect("catalogue pool")
                .pop();
            let catalog = match pooled {
                Some(catalog) => catalog,
                None => Catalog::open_read_only(&state.inner.data_dir.catalog_path())?,
            };
            let result = read(&catalog);
            let mut idle = state.inner.idle_catalogs.lock().expect("catalogue pool");
            if idle.len() < IDLE_CATALOGS {
                idle.push(catalog);
            }
            result
        })
        .await?
        .map_err(AppError::from)
    }

    /// Runs a search on the blocking pool.
    pub async fn search(&self, request: SearchRequest) -> Result<SearchResults, AppError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || state.inner.search_index.search(&request))
            .await?
            .map_err(AppError::from)
    }
}
