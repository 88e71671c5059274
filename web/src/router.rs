//! Every route of the server, in one place, and the layers around them:
//! tracing, gzip, timeouts, body limits and security headers.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::routing::{any, get};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::{AppState, api, iiif, oai, pages, staff};

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
        .route("/events", get(pages::events::events_page))
        .route("/events.ics", get(crate::ics::all_events))
        .route("/events/{id}", get(pages::events::event_page))
        .route(
            "/institutions/{id}/events.ics",
            get(crate::ics::venue_events),
        )
        .route("/media/{digest}/{file}", get(pages::media::media_file))
        .route("/static/{file}", get(pages::assets::asset))
        .route("/favicon.ico", get(pages::assets::favicon))
        .layer(axum::middleware::from_fn(pages::remember_preferences))
}

/// The staff workspace: every route behind a session ([`staff::StaffUser`]),
/// every POST behind its CSRF token ([`staff::check_csrf`]).
fn staff_routes(state: &AppState) -> Router<AppState> {
    use axum::routing::post;
    Router::new()
        .route("/staff", get(staff::home::home))
        .route(
            "/staff/login",
            get(staff::login::login_page).post(staff::login::sign_in),
        )
        .route("/staff/logout", post(staff::login::sign_out))
        .route(
            "/staff/items/{id}",
            get(staff::items::edit_page).post(staff::items::save),
        )
        .route("/staff/items/{id}/history", get(staff::items::history))
        .route("/staff/items/{id}/withdraw", post(staff::items::withdraw))
        .route("/staff/items/{id}/restore", post(staff::items::restore))
        .route("/staff/history/{entry}/undo", post(staff::items::undo))
        .route(
            "/staff/sheet",
            get(staff::sheet::page).post(staff::sheet::upload),
        )
        .route("/staff/sheet/export", get(staff::sheet::export))
        .route("/staff/sheet/apply", post(staff::sheet::apply))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            staff::check_csrf,
        ))
        .layer(axum::middleware::from_fn(staff::private_headers))
        // Staff bodies are bounded by check_csrf, which reads them (a sheet
        // upload may be larger than any public form).
        .layer(axum::extract::DefaultBodyLimit::max(
            staff::sheet::SHEET_UPLOAD_LIMIT_BYTES,
        ))
}

/// Partner interfaces: JSON API under `/api/v1`, OAI-PMH at `/oai`, IIIF under `/iiif/3`.
fn partner_routes() -> Router<AppState> {
    use axum::Extension;
    use axum::handler::Handler;
    use axum::routing::MethodRouter;
    use tower_http::cors::{Any, CorsLayer};

    let read_only_cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::IF_NONE_MATCH,
            HeaderName::from_static("x-api-key"),
        ])
        .expose_headers([
            header::LINK,
            header::ETAG,
            header::RETRY_AFTER,
            HeaderName::from_static("x-total-count"),
        ]);
    fn api_get<H: Handler<T, AppState>, T: 'static>(handler: H) -> MethodRouter<AppState> {
        get(handler).fallback(api::error::method_not_allowed)
    }
    let json_api = Router::new()
        .route("/api/v1/search", api_get(api::search::search))
        .route("/api/v1/items/{id}", api_get(api::items::item))
        .route(
            "/api/v1/institutions",
            api_get(api::institutions::institutions),
        )
        .route(
            "/api/v1/institutions/{id}",
            api_get(api::institutions::institution),
        )
        .route(
            "/api/v1/collections",
            api_get(api::institutions::collections),
        )
        .route("/api/v1/events", api_get(api::events::events))
        .route("/api/v1/events/{id}", api_get(api::events::event))
        .route("/api/v1/openapi.json", api_get(api::openapi::openapi_json))
        .route("/api", any(api::error::unknown_route))
        .route("/api/{*rest}", any(api::error::unknown_route))
        .layer(Extension(api::RateLimiter::new(
            api::limit::DEFAULT_BURST,
            api::limit::DEFAULT_PER_SECOND,
        )))
        .layer(read_only_cors.clone());
    let oai = Router::new().route("/oai", get(oai::oai_get).post(oai::oai_post));
    let iiif = Router::new()
        .route(
            "/iiif/3/manifests/{item}",
            get(iiif::presentation::manifest_handler),
        )
        .route(
            "/iiif/3/collections",
            get(iiif::presentation::top_collection),
        )
        .route(
            "/iiif/3/collections/{institution}",
            get(iiif::presentation::institution_collection),
        )
        .route(
            "/iiif/3/collections/{institution}/{collection}",
            get(iiif::presentation::collection_collection),
        )
        .route("/iiif/3/{id}", get(iiif::image::base_redirect))
        .route("/iiif/3/{id}/info.json", get(iiif::image::info))
        .route(
            "/iiif/3/{id}/{region}/{size}/{rotation}/{quality_format}",
            get(iiif::image::image),
        )
        .layer(read_only_cors);
    Router::new().merge(json_api).merge(oai).merge(iiif)
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(
            public_routes()
                .merge(partner_routes())
                .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES)),
        )
        .merge(staff_routes(&state))
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
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http())
}
