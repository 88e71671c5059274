//! `wenyuan-web` serves the archive over HTTP: the public HTML pages
//! ([`pages`]), the JSON API ([`api`]), OAI-PMH ([`oai`]), IIIF ([`iiif`])
//! and the staff workspace ([`staff`]).
//!
//! Every route is listed in [`router`]. State is one cheap-to-clone
//! [`AppState`]; catalogue reads and searches run on tokio's blocking pool,
//! because SQLite and tantivy are synchronous. Only this crate turns errors
//! into HTTP statuses ([`error`]).

pub mod api;
pub mod config;
pub mod cookies;
pub mod dates;
pub mod error;
pub mod i18n;
pub mod ics;
pub mod iiif;
pub mod oai;
pub mod pages;
pub mod router;
pub mod serve;
pub mod staff;
pub mod state;
pub mod urls;

pub use config::SiteConfig;
pub use error::AppError;
pub use router::router;
pub use state::AppState;

/// Serves `state` on `listener` until `shutdown` resolves, then finishes the
/// requests in flight (timeouts and limits: [`serve::serve_router`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve::serve_router(listener, router(state), shutdown).await
}
