//! The server's state: the data directory, a small pool of read-only
//! catalogue connections, the search index and the site configuration, all
//! behind one `Arc` so handlers clone it for free.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use wenyuan_index::model::{Collection, Institution};
use wenyuan_index::search::{SearchIndex, SearchRequest, SearchResults};
use wenyuan_index::{Catalog, DataDir};

use crate::i18n::Lang;
use crate::{AppError, SiteConfig};

/// Idle catalogue connections kept for reuse: enough for every request a
/// loaded server runs at once on the blocking pool (each holds a few hundred KB).
pub const IDLE_CATALOGS: usize = 64;

/// Failed sign-ins from one address that refuse it ...
const MOST_SIGN_IN_FAILURES: u32 = 20;
/// ... for this long after its first failure.
const SIGN_IN_WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Failed staff sign-ins per client address: (failures, since).
type SignInFailures = HashMap<std::net::IpAddr, (u32, std::time::Instant)>;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    sign_in_failures: Mutex<SignInFailures>,
    data_dir: DataDir,
    search_index: SearchIndex,
    idle_catalogs: Mutex<Vec<Catalog>>,
    config: SiteConfig,
    venues: Mutex<(CatalogStamp, Arc<Venues>)>,
    sheet_uploads: crate::staff::sheet::SheetUploads,
}

/// Every venue and collection, by id: what result lines, facets and
/// breadcrumbs name. Read once and again only when the catalogue changed.
#[derive(Debug, Default)]
pub struct Venues {
    institutions: Vec<Institution>,
    institution_index: HashMap<String, usize>,
    collections: HashMap<(String, String), Collection>,
}

impl Venues {
    fn new(institutions: Vec<Institution>, collections: Vec<Collection>) -> Venues {
        Venues {
            institution_index: institutions
                .iter()
                .enumerate()
                .map(|(n, institution)| (institution.id.clone(), n))
                .collect(),
            institutions,
            collections: collections
                .into_iter()
                .map(|collection| {
                    (
                        (collection.institution_id.clone(), collection.id.clone()),
                        collection,
                    )
                })
                .collect(),
        }
    }

    /// Every venue, in the catalogue's order.
    pub fn institutions(&self) -> &[Institution] {
        &self.institutions
    }

    /// One venue.
    pub fn institution(&self, id: &str) -> Option<&Institution> {
        self.institution_index
            .get(id)
            .map(|n| &self.institutions[*n])
    }

    /// One collection of a venue.
    pub fn collection(&self, institution_id: &str, id: &str) -> Option<&Collection> {
        self.collections
            .get(&(institution_id.to_string(), id.to_string()))
    }

    /// A venue's name in `lang` (Chinese when it has no English one).
    pub fn institution_name(&self, id: &str, lang: Lang) -> Option<String> {
        self.institution(id)
            .map(|institution| lang.pick(&institution.name_zh, institution.name_en.as_deref()))
    }

    /// A collection's name in `lang`, by the collection facet's value
    /// `venue/collection`.
    pub fn collection_name(&self, key: &str, lang: Lang) -> Option<String> {
        let (institution_id, id) = key.split_once('/')?;
        self.collection(institution_id, id)
            .map(|collection| lang.pick(&collection.name_zh, collection.name_en.as_deref()))
    }
}

/// When the catalogue last changed, as far as its files tell: their
/// modification times and sizes (a commit in WAL mode grows or rewrites the
/// `-wal` file; a checkpoint rewrites the database).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct CatalogStamp([(Option<SystemTime>, u64); 2]);

impl CatalogStamp {
    fn of(catalog_path: &Path) -> CatalogStamp {
        let stat = |path: &Path| {
            std::fs::metadata(path)
                .map(|meta| (meta.modified().ok(), meta.len()))
                .unwrap_or_default()
        };
        let mut wal = catalog_path.as_os_str().to_owned();
        wal.push("-wal");
        CatalogStamp([stat(catalog_path), stat(Path::new(&wal))])
    }
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
                sign_in_failures: Mutex::new(HashMap::new()),
                data_dir,
                search_index,
                idle_catalogs: Mutex::new(vec![first_catalog]),
                config,
                venues: Mutex::new((CatalogStamp::default(), Arc::default())),
                sheet_uploads: Default::default(),
            }),
        })
    }

    /// Every venue and collection, read again when the catalogue has
    /// changed since the last call (synchronous: a `stat` of the catalogue's
    /// files, and two small reads after a change; call it inside a blocking
    /// task, or through [`AppState::venues`]).
    pub fn venues_blocking(&self) -> wenyuan_index::Result<Arc<Venues>> {
        let path = self.inner.data_dir.catalog_path();
        let stamp = CatalogStamp::of(&path);
        {
            let cached = self.inner.venues.lock().expect("venue cache");
            if cached.0 == stamp && stamp != CatalogStamp::default() {
                return Ok(cached.1.clone());
            }
        }
        let venues = self.with_catalog(|catalog| {
            Ok(Arc::new(Venues::new(
                catalog.institutions()?,
                catalog.collections()?,
            )))
        })?;
        *self.inner.venues.lock().expect("venue cache") = (stamp, venues.clone());
        Ok(venues)
    }

    /// [`AppState::venues_blocking`] on the blocking pool.
    pub async fn venues(&self) -> Result<Arc<Venues>, AppError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || state.venues_blocking())
            .await?
            .map_err(AppError::from)
    }

    /// A search and the venues that name its hits, in one trip to the
    /// blocking pool.
    pub async fn search_with_venues(
        &self,
        request: SearchRequest,
    ) -> Result<(SearchResults, Arc<Venues>), AppError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let results = state.inner.search_index.search(&request)?;
            Ok::<_, wenyuan_index::Error>((results, state.venues_blocking()?))
        })
        .await?
        .map_err(AppError::from)
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
        tokio::task::spawn_blocking(move || state.with_catalog(read))
            .await?
            .map_err(AppError::from)
    }

    /// Runs `read` with a pooled catalogue connection, synchronously.
    fn with_catalog<T>(
        &self,
        read: impl FnOnce(&Catalog) -> wenyuan_index::Result<T>,
    ) -> wenyuan_index::Result<T> {
        let pooled = self
            .inner
            .idle_catalogs
            .lock()
            .expect("catalogue pool")
            .pop();
        let catalog = match pooled {
            Some(catalog) => catalog,
            None => Catalog::open_read_only(&self.inner.data_dir.catalog_path())?,
        };
        let result = read(&catalog);
        let mut idle = self.inner.idle_catalogs.lock().expect("catalogue pool");
        if idle.len() < IDLE_CATALOGS {
            idle.push(catalog);
        }
        result
    }

    /// Runs `write` with a writable catalogue connection (opened for it:
    /// staff changes are rare) on the blocking pool.
    pub async fn write_catalog<T, F>(&self, write: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Catalog) -> wenyuan_index::Result<T> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut catalog = Catalog::open(&state.inner.data_dir.catalog_path())?;
            write(&mut catalog)
        })
        .await?
        .map_err(AppError::from)
    }

    /// Sheets staff uploaded for a preview (`/staff/sheet`).
    pub fn sheet_uploads(&self) -> &crate::staff::sheet::SheetUploads {
        &self.inner.sheet_uploads
    }

    /// Brings the search index up to the catalogue's staff changes now,
    /// unless an ingest is writing (it will then). True when done now.
    pub async fn index_follow(&self) -> Result<bool, AppError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            wenyuan_index::search::indexer::catch_up_now(
                &state.inner.data_dir,
                &state.inner.search_index,
            )
        })
        .await?
        .map(|outcome| outcome != wenyuan_index::search::indexer::CatchUp::Deferred)
        .map_err(AppError::from)
    }

    /// True when `address` has failed to sign in too often in the last
    /// quarter hour ([`AppState::count_failed_sign_in`]).
    pub fn sign_ins_refused(&self, address: std::net::IpAddr) -> bool {
        self.sign_in_failures()
            .get(&address)
            .is_some_and(|(failures, _)| *failures >= MOST_SIGN_IN_FAILURES)
    }

    /// Counts a failed sign-in from `address`.
    pub fn count_failed_sign_in(&self, address: std::net::IpAddr) {
        let now = std::time::Instant::now();
        self.sign_in_failures().entry(address).or_insert((0, now)).0 += 1;
    }

    /// The failed sign-ins of the last quarter hour, by address.
    fn sign_in_failures(&self) -> std::sync::MutexGuard<'_, SignInFailures> {
        let now = std::time::Instant::now();
        let mut failures = self
            .inner
            .sign_in_failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        failures.retain(|_, (_, since)| now.duration_since(*since) < SIGN_IN_WINDOW);
        failures
    }

    /// Runs a search on the blocking pool.
    pub async fn search(&self, request: SearchRequest) -> Result<SearchResults, AppError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || state.inner.search_index.search(&request))
            .await?
            .map_err(AppError::from)
    }
}
