//! Images and downloads: `GET /media/{digest}/{file}` serves a file's
//! derivatives (`p0001-thumb.jpg`, `p0001-web.jpg`) and, as `original`, the
//! preserved original.
//!
//! Every path parameter is validated (a 64-hex digest and a fixed file name
//! pattern) before a path is built, so nothing outside the data directory
//! can be reached. Bytes are shown only when a live *public* item holds
//! them and no *restricted* item does; otherwise the answer is 404, which
//! says nothing about whether the bytes exist. Derivatives never change for
//! a digest, so they are cached for a year (`immutable`) with a
//! digest-based `ETag` and `304 Not Modified`.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;
use wenyuan_index::model::StorageMode;
use wenyuan_index::{Digest, FileStore};

use super::{Preferences, respond};
use crate::{AppError, AppState};

/// The name under which an original is downloaded.
pub const ORIGINAL_FILE_NAME: &str = "original";
/// Cache header of derivatives: a digest's derivatives never change.
const IMMUTABLE_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
/// Cache header of originals (large; revalidated after a day).
const ORIGINAL_CACHE_CONTROL: &str = "public, max-age=86400";

/// True for a lower-case 64-character hex BLAKE3 digest.
pub fn is_digest_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

/// True for a derivative's file name: `p` + 4–6 digits + `-thumb.jpg` or `-web.jpg`.
pub fn is_derivative_file_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('p') else {
        return false;
    };
    let Some((page_digits, kind)) = rest.split_once('-') else {
        return false;
    };
    (4..=6).contains(&page_digits.len())
        && page_digits.bytes().all(|byte| byte.is_ascii_digit())
        && (kind == "thumb.jpg" || kind == "web.jpg")
}

pub use wenyuan_index::access::files_may_be_shown;

/// `GET /media/{digest}/{file}`: a derivative image or the original.
pub async fn media_file(
    State(state): State<AppState>,
    preferences: Preferences,
    path: Result<Path<(String, String)>, PathRejection>,
    request: Request,
) -> Response {
    let outcome = serve_media(&state, path, request).await;
    respond(&state, &preferences, outcome)
}

async fn serve_media(
    state: &AppState,
    path: Result<Path<(String, String)>, PathRejection>,
    request: Request,
) -> Result<Response, AppError> {
    let Ok(Path((digest_hex, file_name))) = path else {
        return Err(AppError::BadRequest("malformed media path".into()));
    };
    if !is_digest_hex(&digest_hex) {
        return Err(AppError::BadRequest("not a digest".into()));
    }
    let is_original = file_name == ORIGINAL_FILE_NAME;
    if !is_original && !is_derivative_file_name(&file_name) {
        return Err(AppError::BadRequest("not a media file name".into()));
    }
    let digest_for_query = digest_hex.clone();
    let levels = state
        .catalog(move |catalog| catalog.access_levels_of_items_holding_digest(&digest_for_query))
        .await?;
    if !files_may_be_shown(&levels) {
        return Err(AppError::NotFound("no public file with this digest".into()));
    }
    if is_original {
        serve_original(state, digest_hex, request).await
    } else {
        serve_derivative(state, &digest_hex, &file_name, request.headers()).await
    }
}

/// A derivative from `<data>/derivatives/<hex>/<name>`, with ETag and 304.
async fn serve_derivative(
    state: &AppState,
    digest_hex: &str,
    file_name: &str,
    request_headers: &HeaderMap,
) -> Result<Response, AppError> {
    let etag = format!("\"{digest_hex}-{}\"", file_name.trim_end_matches(".jpg"));
    let etag_value =
        HeaderValue::from_str(&etag).map_err(|error| AppError::Internal(error.to_string()))?;
    let cache_headers = [
        (header::ETAG, etag_value),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(IMMUTABLE_CACHE_CONTROL),
        ),
    ];
    if if_none_match_matches(request_headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, cache_headers).into_response());
    }
    let path = state.data_dir().derivatives_for(digest_hex).join(file_name);
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(path)).await?;
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(AppError::NotFound("no such derivative".into()));
        }
        Err(error) => return Err(AppError::Internal(format!("reading a derivative: {error}"))),
    };
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"))],
        cache_headers,
        bytes,
    )
        .into_response())
}

/// True when `If-None-Match` lists `etag` (or `*`).
pub fn if_none_match_matches(request_headers: &HeaderMap, etag: &str) -> bool {
    request_headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(','))
        .map(|candidate| candidate.trim().trim_start_matches("W/"))
        .any(|candidate| candidate == etag || candidate == "*")
}

/// The preserved original, streamed (with range support) as a download.
async fn serve_original(
    state: &AppState,
    digest_hex: String,
    request: Request,
) -> Result<Response, AppError> {
    let digest_for_query = digest_hex.clone();
    let file = state
        .catalog(move |catalog| catalog.file_by_digest(&digest_for_query))
        .await?
        .ok_or_else(|| AppError::NotFound("no file with this digest".into()))?;
    let path = match file.storage {
        StorageMode::Copy => {
            let digest = Digest::from_hex(&digest_hex)?;
            FileStore::new(state.data_dir().files_dir()).path_for(&digest)
        }
        StorageMode::Reference => std::path::PathBuf::from(&file.source_path),
    };
    let served = ServeFile::new(path)
        .oneshot(request)
        .await
        .map_err(|error| AppError::Internal(format!("serving an original: {error}")))?;
    let status = served.status();
    if status == StatusCode::NOT_FOUND {
        return Err(AppError::NotFound("original is missing".into()));
    }
    let mut response = served.map(Body::new);
    let headers = response.headers_mut();
    if let Ok(media_type) = HeaderValue::from_str(&file.media_type) {
        headers.insert(header::CONTENT_TYPE, media_type);
    }
    let download_name = format!(
        "{}.{}",
        &digest_hex[..16],
        extension_for_media_type(&file.media_type)
    );
    if let Ok(disposition) =
        HeaderValue::from_str(&format!("attachment; filename=\"{download_name}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(ORIGINAL_CACHE_CONTROL),
    );
    Ok(response)
}

/// A file name extension for a media type (`bin` when unknown).
fn extension_for_media_type(media_type: &str) -> &'static str {
    match media_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/tiff" => "tif",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/bmp" => "bmp",
        "application/pdf" => "pdf",
        "audio/mpeg" => "mp3",
        "audio/wav" | "audio/x-wav" => "wav",
        "video/mp4" => "mp4",
        "text/plain" => "txt",
        _ => "bin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_names_pass() {
        assert!(is_digest_hex(&"0a".repeat(32)));
        assert!(!is_digest_hex(&"0A".repeat(32)));
        assert!(!is_digest_hex("../../catalog.sqlite"));
        assert!(is_derivative_file_name("p0001-thumb.jpg"));
        assert!(is_derivative_file_name("p0012-web.jpg"));
        assert!(!is_derivative_file_name("p01-web.jpg"));
        assert!(!is_derivative_file_name("p0001-web.jpg/../../x"));
        assert!(!is_derivative_file_name("../p0001-web.jpg"));
    }
}
