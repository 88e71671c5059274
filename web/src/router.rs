//! Every route of the server, in one place, and the layers around them:
//! tracing, gzip, timeouts, body limits and security headers.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::{AppState, api, iiif, oai, pages};

/// Largest request body accepted (OAI-PMH POST forms are small).
const BODY_LIMIT_BYTES: usize = 64 * 1024;
/// Longest a request may take before it is answered with 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Scripts and styles only from this site; no framing; no plugins.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; script-src 'self'; \
     style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The public site: HTML pages, images, static assets.
fn public_routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home::home_page))
        .route("/search", get(pages::search::search_page))
        .route("/items/{id}", get(pages::item::item_page))
        .route("/institutions", get(pages::institution::institutions_page))
        .route(
            "/institutions/{id}",
            get(pages::institution::institution_page),
        )
        .route("/media/{digest}/{file}", get(pages::media::media_file))
        .route("/static/{file}", get(pages::assets::asset))
        .layer(axum::middleware::from_fn(pages::remember_preferences))
}

/// Partner interfaces: JSON API under `/api/v1`, OAI-PMH at `/oai`, IIIF under `/iiif/3`.
fn partner_routes() -> Router<AppState> {
    Router::new()
        .merge(api::routes())
        .merge(oai::routes())
        .merge(iiif::routes())
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(public_routes())
        .merge(partner_routes())
        .fallback(pages::not_found)
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(CompressionLayer::new())
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http())
}
