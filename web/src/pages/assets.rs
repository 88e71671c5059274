//! Our own static assets, compiled into the binary: the stylesheet and the
//! zoom viewer's script. Nothing is fetched from elsewhere. Served at
//! `/static/{file}` with an `ETag` of their content and a day of caching.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::media::if_none_match_matches;

/// The stylesheet.
const STYLE_CSS: &str = include_str!("../../static/style.css");
/// The zoom viewer (progressive enhancement of the item page).
const VIEWER_JS: &str = include_str!("../../static/viewer.js");
/// The site's icon.
const FAVICON_SVG: &str = include_str!("../../static/favicon.svg");
/// Cache header of assets: a day, then revalidated with the ETag.
const ASSET_CACHE_CONTROL: &str = "public, max-age=86400";

/// One static asset.
struct Asset {
    name: &'static str,
    media_type: &'static str,
    body: &'static str,
}

const ASSETS: [Asset; 3] = [
    Asset {
        name: "style.css",
        media_type: "text/css; charset=utf-8",
        body: STYLE_CSS,
    },
    Asset {
        name: "viewer.js",
        media_type: "text/javascript; charset=utf-8",
        body: VIEWER_JS,
    },
    Asset {
        name: "favicon.svg",
        media_type: "image/svg+xml",
        body: FAVICON_SVG,
    },
];

/// A quoted ETag per asset, from an FNV-1a hash of its content (computed once).
fn asset_etags() -> &'static [String; 3] {
    static ETAGS: OnceLock<[String; 3]> = OnceLock::new();
    ETAGS.get_or_init(|| {
        ASSETS
            .each_ref()
            .map(|asset| format!("\"{:016x}\"", fnv1a(asset.body)))
    })
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `GET /static/{file}`.
pub async fn asset(Path(file_name): Path<String>, request_headers: HeaderMap) -> Response {
    let Some(index) = ASSETS.iter().position(|asset| asset.name == file_name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let asset = &ASSETS[index];
    let etag = &asset_etags()[index];
    let headers = [
        (
            header::ETAG,
            HeaderValue::from_str(etag).expect("hex etag is a header value"),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(ASSET_CACHE_CONTROL),
        ),
    ];
    if if_none_match_matches(&request_headers, etag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.media_type),
        )],
        headers,
        asset.body,
    )
        .into_response()
}

/// `GET /favicon.ico`: browsers ask for it whatever the page says; send them the icon.
pub async fn favicon() -> Response {
    (
        StatusCode::MOVED_PERMANENTLY,
        [(
            header::LOCATION,
            HeaderValue::from_static("/static/favicon.svg"),
        )],
    )
        .into_response()
}
