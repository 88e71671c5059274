//! The Image API 3.0 (level 2) endpoints: `{id}/info.json`, the base URI
//! redirect, and `{id}/{region}/{size}/{rotation}/{quality}.{format}`.
//!
//! Only pages of public, live items are served. Each answer is rendered
//! from the smallest decoded source with enough pixels ([`super::levels`])
//! and written to a disk cache under
//! `<data>/derivatives/<digest>/iiif/p<page>/`, named by the effective crop,
//! output size, rotation and quality (numbers only, so nothing from the URL
//! reaches a path); a repeated request is a file read.

use std::io::Cursor;
use std::path::PathBuf;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use image::DynamicImage;
use image::imageops::FilterType;
use serde_json::json;
use wenyuan_index::access;
use wenyuan_index::model::{DcElement, StorageMode};
use wenyuan_index::{Digest, FileStore};

use super::ids::ImageId;
use super::levels::LEVELS;
use super::params::{
    Format, MAX_AREA, MAX_HEIGHT, MAX_WIDTH, Quality, Region, Rotation, Size, parse_quality_format,
};
use crate::error::JsonError;
use crate::urls::image_service_url;
use crate::{AppError, AppState};

/// Tile edge advertised in `info.json`.
pub const TILE_SIZE: u32 = 512;
/// The profile link sent with every image.
const PROFILE_LINK: &str = "<http://iiif.io/api/image/3/level2.json>;rel=\"profile\"";

/// Everything needed to render one page.
#[derive(Debug, Clone)]
pub struct PageSource {
    /// The identifier as asked.
    pub identifier: String,
    /// BLAKE3 hex of the file.
    pub digest: String,
    /// Page number.
    pub page: u32,
    /// Full width served.
    pub width: u32,
    /// Full height served.
    pub height: u32,
    /// Decodable sources, smallest first, with their widths.
    pub sources: Vec<(PathBuf, u32)>,
    /// Rights statement, if any.
    pub rights: Option<String>,
}

/// Media types whose originals we decode for full resolution.
fn decodable(media_type: &str, page: u32) -> bool {
    matches!(
        media_type,
        "image/jpeg" | "image/png" | "image/webp" | "image/gif" | "image/bmp"
    ) || (media_type == "image/tiff" && page == 1)
}

/// Looks a page up and checks the public may see it.
pub async fn resolve(state: &AppState, identifier: &str) -> Result<PageSource, AppError> {
    let parsed = ImageId::parse(identifier)
        .ok_or_else(|| AppError::NotFound(format!("'{identifier}' is not an image identifier")))?;
    let data_dir = state.data_dir().clone();
    let asked = identifier.to_string();
    let found = state
        .catalog(move |catalog| {
            let (item_id, seq, page) = match parsed {
                ImageId::Page { item_id, seq, page } => (item_id, Some(seq), page),
                ImageId::Alias(alias) => match catalog.item_id_by_identifier(&alias)? {
                    Some(item_id) => (item_id, None, 1),
                    None => return Ok(None),
                },
            };
            let Some(view) = catalog
                .item(&item_id)?
                .as_ref()
                .and_then(access::public_view)
            else {
                return Ok(None);
            };
            let file = match seq {
                Some(seq) => view.files().iter().find(|file| file.seq == seq),
                None => view
                    .files()
                    .iter()
                    .find(|file| !file.derivatives.is_empty()),
            };
            let Some(file) = file else { return Ok(None) };
            let Some(derivative) = file.derivatives.iter().find(|d| d.page == page) else {
                return Ok(None);
            };
            let mut sources = vec![
                (data_dir.root().join(&derivative.thumbnail), 0),
                (data_dir.root().join(&derivative.web), 0),
            ];
            let mut full = None;
            if decodable(&file.media_type, page) {
                let original = match file.storage {
                    StorageMode::Copy => FileStore::new(data_dir.files_dir())
                        .path_for(&Digest::from_hex(&file.digest)?),
                    StorageMode::Reference => PathBuf::from(&file.source_path),
                };
                if original.is_file() {
                    sources.push((original, derivative.width));
                    full = Some((derivative.width, derivative.height));
                }
            }
            Ok(Some((
                file.digest.clone(),
                page,
                sources,
                full,
                view.metadata().first(DcElement::Rights).map(str::to_string),
            )))
        })
        .await?;
    let Some((digest, page, mut sources, full, rights)) = found else {
        return Err(AppError::NotFound(format!("no public image '{asked}'")));
    };
    // Widths of the derivatives come from their headers; a missing one is skipped.
    let sources_task = tokio::task::spawn_blocking(move || {
        let mut known = Vec::new();
        for (path, width) in sources.drain(..) {
            if width > 0 {
                known.push((path, width, full.map(|(_, h)| h).unwrap_or(0)));
            } else if let Ok((w, h)) = image::image_dimensions(&path)
                && full.is_none_or(|(full_width, _)| w < full_width)
            {
                // A derivative as large as the original is a lossy copy of it.
                known.push((path, w, h));
            }
        }
        known
    });
    let mut known = sources_task.await?;
    known.sort_by_key(|(_, width, _)| *width);
    let Some((_, width, height)) = known.last().cloned() else {
        return Err(AppError::NotFound(format!(
            "image '{asked}' has no readable pixels"
        )));
    };
    let (width, height) = full.unwrap_or((width, height));
    Ok(PageSource {
        identifier: asked,
        digest,
        page,
        width,
        height,
        sources: known.into_iter().map(|(path, w, _)| (path, w)).collect(),
        rights,
    })
}

/// `info.json` of a page.
pub fn info_json(state: &AppState, source: &PageSource) -> serde_json::Value {
    let mut sizes = Vec::new();
    let mut scale_factors = Vec::new();
    let mut factor = 1u32;
    loop {
        let (w, h) = (
            source.width.div_ceil(factor),
            source.height.div_ceil(factor),
        );
        if w <= MAX_WIDTH && h <= MAX_HEIGHT && u64::from(w) * u64::from(h) <= MAX_AREA {
            sizes.push(json!({"width": w, "height": h}));
        }
        scale_factors.push(factor);
        if w <= TILE_SIZE && h <= TILE_SIZE || factor >= 1 << 16 {
            break;
        }
        factor *= 2;
    }
    sizes.reverse();
    let mut info = json!({
        "@context": "http://iiif.io/api/image/3/context.json",
        "id": image_service_url(state.config(), &source.identifier),
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level2",
        "width": source.width,
        "height": source.height,
        "maxWidth": MAX_WIDTH,
        "maxHeight": MAX_HEIGHT,
        "maxArea": MAX_AREA,
        "sizes": sizes,
        "tiles": [{"width": TILE_SIZE, "height": TILE_SIZE, "scaleFactors": scale_factors}],
        "extraQualities": ["color", "gray", "bitonal"],
        "extraFormats": ["webp"],
        "extraFeatures": ["mirroring", "sizeUpscaling", "canonicalLinkHeader", "profileLinkHeader"],
    });
    if let Some(rights) = source
        .rights
        .as_deref()
        .filter(|rights| rights.starts_with("http://") || rights.starts_with("https://"))
    {
        info["rights"] = json!(rights);
    }
    info
}

/// `GET /iiif/3/{id}/info.json`.
pub async fn info(
    State(state): State<AppState>,
    Path(identifier): Path<String>,
    request_headers: HeaderMap,
) -> Result<Response, JsonError> {
    let source = resolve(&state, &identifier).await?;
    let wants_ld = request_headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("application/ld+json"));
    let content_type = if wants_ld {
        "application/ld+json;profile=\"http://iiif.io/api/image/3/context.json\""
    } else {
        "application/json"
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::LINK, HeaderValue::from_static(PROFILE_LINK)),
        ],
        Json(info_json(&state, &source)),
    )
        .into_response())
}

/// `GET /iiif/3/{id}`: redirect to its `info.json`.
pub async fn base_redirect(
    State(state): State<AppState>,
    Path(identifier): Path<String>,
) -> Result<Response, JsonError> {
    resolve(&state, &identifier).await?;
    let location = format!(
        "{}/info.json",
        image_service_url(state.config(), &identifier)
    );
    let location = HeaderValue::from_str(&location)
        .map_err(|error| JsonError(AppError::Internal(error.to_string())))?;
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

/// A fully computed image request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Crop in full-image pixels.
    pub crop: (u32, u32, u32, u32),
    /// Output size before rotation.
    pub size: (u32, u32),
    /// Rotation.
    pub rotation: Rotation,
    /// Quality.
    pub quality: Quality,
    /// Format.
    pub format: Format,
}

impl Plan {
    /// Parses and computes a request against an image of `width` × `height`.
    pub fn new(
        width: u32,
        height: u32,
        region: &str,
        size: &str,
        rotation: &str,
        quality_format: &str,
    ) -> Result<Plan, String> {
        let region = Region::parse(region)?;
        let size = Size::parse(size)?;
        let rotation = Rotation::parse(rotation)?;
        let (quality, format) = parse_quality_format(quality_format)?;
        let crop = region.rectangle(width, height)?;
        let size = size.dimensions(crop.2, crop.3)?;
        Ok(Plan {
            crop,
            size,
            rotation,
            quality,
            format,
        })
    }

    /// The cache file name: numbers and fixed words only.
    fn cache_name(&self) -> String {
        let (x, y, w, h) = self.crop;
        let quality = match self.quality {
            Quality::Default | Quality::Color => "color",
            Quality::Gray => "gray",
            Quality::Bitonal => "bitonal",
        };
        format!(
            "{x}_{y}_{w}_{h}-{}_{}-{}{}-{quality}.{}",
            self.size.0,
            self.size.1,
            if self.rotation.mirror { "m" } else { "" },
            self.rotation.degrees,
            self.format.extension()
        )
    }

    /// Renders the plan from `full` pixels, `image` being a source `scale` times the full size.
    pub fn render(&self, image: &DynamicImage, full_width: u32) -> Result<Vec<u8>, String> {
        let scale = f64::from(image.width()) / f64::from(full_width);
        let (x, y, w, h) = self.crop;
        let to_source = |value: u32| (f64::from(value) * scale).round() as u32;
        let sx = to_source(x).min(image.width().saturating_sub(1));
        let sy = to_source(y).min(image.height().saturating_sub(1));
        let sw = to_source(w).clamp(1, image.width() - sx);
        let sh = to_source(h).clamp(1, image.height() - sy);
        let mut out = image.crop_imm(sx, sy, sw, sh);
        if (sw, sh) != self.size {
            out = out.resize_exact(self.size.0, self.size.1, FilterType::Triangle);
        }
        if self.rotation.mirror {
            out = out.fliph();
        }
        out = match self.rotation.degrees {
            90 => out.rotate90(),
            180 => out.rotate180(),
            270 => out.rotate270(),
            _ => out,
        };
        out = match self.quality {
            Quality::Default | Quality::Color => DynamicImage::ImageRgb8(out.to_rgb8()),
            Quality::Gray => DynamicImage::ImageLuma8(out.to_luma8()),
            Quality::Bitonal => {
                let mut luma = out.to_luma8();
                for pixel in luma.pixels_mut() {
                    pixel.0[0] = if pixel.0[0] >= 128 { 255 } else { 0 };
                }
                DynamicImage::ImageLuma8(luma)
            }
        };
        let mut bytes = Cursor::new(Vec::new());
        match self.format {
            Format::Jpg => {
                let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 88);
                out.write_with_encoder(encoder)
            }
            Format::Png => out.write_to(&mut bytes, image::ImageFormat::Png),
            Format::Webp => DynamicImage::ImageRgb8(out.to_rgb8())
                .write_to(&mut bytes, image::ImageFormat::WebP),
        }
        .map_err(|error| format!("encoding: {error}"))?;
        Ok(bytes.into_inner())
    }

    /// The smallest source with enough pixels for this plan.
    fn pick_source<'a>(&self, sources: &'a [(PathBuf, u32)], full_width: u32) -> &'a PathBuf {
        let needed = (f64::from(self.size.0) / f64::from(self.crop.2))
            .max(f64::from(self.size.1) / f64::from(self.crop.3));
        sources
            .iter()
            .find(|(_, width)| f64::from(*width) / f64::from(full_width) >= needed * 0.999)
            .map(|(path, _)| path)
            .unwrap_or_else(|| &sources.last().expect("at least one source").0)
    }
}

/// `GET /iiif/3/{id}/{region}/{size}/{rotation}/{quality}.{format}`.
pub async fn image(
    State(state): State<AppState>,
    Path((identifier, region, size, rotation, quality_format)): Path<(
        String,
        String,
        String,
        String,
        String,
    )>,
) -> Result<Response, JsonError> {
    let source = resolve(&state, &identifier).await?;
    let plan = Plan::new(
        source.width,
        source.height,
        &region,
        &size,
        &rotation,
        &quality_format,
    )
    .map_err(|message| JsonError(AppError::BadRequest(message)))?;
    let cache_path = state
        .data_dir()
        .derivatives_for(&source.digest)
        .join("iiif")
        .join(format!("p{:04}", source.page))
        .join(plan.cache_name());
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        if let Ok(bytes) = std::fs::read(&cache_path) {
            return Ok(bytes);
        }
        let path = plan.pick_source(&source.sources, source.width);
        let decoded = LEVELS.get(path)?;
        let bytes = plan.render(&decoded, source.width)?;
        if let Some(parent) = cache_path.parent()
            && std::fs::create_dir_all(parent).is_ok()
            && let Err(error) = wenyuan_index::store::write_atomically(&cache_path, &bytes)
        {
            tracing::debug!(%error, "could not cache an IIIF image");
        }
        Ok(bytes)
    })
    .await
    .map_err(AppError::from)?
    .map_err(|cause| JsonError(AppError::Internal(cause)))?;
    let canonical = format!(
        "<{}/{},{},{},{}/{},{}/{}{}/{}.{}>;rel=\"canonical\"",
        image_service_url(state.config(), &identifier),
        plan.crop.0,
        plan.crop.1,
        plan.crop.2,
        plan.crop.3,
        plan.size.0,
        plan.size.1,
        if plan.rotation.mirror { "!" } else { "" },
        plan.rotation.degrees,
        match plan.quality {
            Quality::Default => "default",
            Quality::Color => "color",
            Quality::Gray => "gray",
            Quality::Bitonal => "bitonal",
        },
        plan.format.extension()
    );
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(plan.format.media_type()),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    let link = format!("{PROFILE_LINK}, {canonical}");
    if let Ok(value) = HeaderValue::from_str(&link) {
        headers.insert(header::LINK, value);
    }
    Ok((headers, bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_render_the_right_pixels() {
        // Left half red, right half blue.
        let mut picture = image::RgbImage::new(200, 100);
        for (x, _, pixel) in picture.enumerate_pixels_mut() {
            *pixel = if x < 100 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            };
        }
        let picture = DynamicImage::ImageRgb8(picture);
        let plan = Plan::new(200, 100, "100,0,100,100", "50,", "0", "default.png").unwrap();
        let out = image::load_from_memory(&plan.render(&picture, 200).unwrap()).unwrap();
        assert_eq!((out.width(), out.height()), (50, 50));
        assert_eq!(out.to_rgb8().get_pixel(25, 25).0, [0, 0, 255]);
        let mirrored = Plan::new(200, 100, "full", "max", "!0", "default.png").unwrap();
        let out = image::load_from_memory(&mirrored.render(&picture, 200).unwrap()).unwrap();
        assert_eq!(out.to_rgb8().get_pixel(10, 50).0, [0, 0, 255]);
        let rotated = Plan::new(200, 100, "full", "max", "90", "gray.png").unwrap();
        let out = image::load_from_memory(&rotated.render(&picture, 200).unwrap()).unwrap();
        assert_eq!((out.width(), out.height()), (100, 200));
        assert!(matches!(out, DynamicImage::ImageLuma8(_)));
        // From a half-size source, the same crop.
        let half = picture.resize_exact(100, 50, FilterType::Nearest);
        let out = image::load_from_memory(&plan.render(&half, 200).unwrap()).unwrap();
        assert_eq!(out.to_rgb8().get_pixel(25, 25).0, [0, 0, 255]);
        let webp = Plan::new(200, 100, "full", "max", "0", "default.webp").unwrap();
        assert!(!webp.render(&picture, 200).unwrap().is_empty());
    }

    #[test]
    fn the_smallest_sufficient_source_is_used() {
        let sources = vec![
            (PathBuf::from("thumb"), 400),
            (PathBuf::from("web"), 1600),
            (PathBuf::from("original"), 8000),
        ];
        let overview = Plan::new(8000, 6000, "full", "400,", "0", "default.jpg").unwrap();
        assert_eq!(
            overview.pick_source(&sources, 8000),
            &PathBuf::from("thumb")
        );
        let tile = Plan::new(8000, 6000, "0,0,4096,4096", "512,", "0", "default.jpg").unwrap();
        assert_eq!(tile.pick_source(&sources, 8000), &PathBuf::from("web"));
        let detail = Plan::new(8000, 6000, "0,0,512,512", "512,", "0", "default.jpg").unwrap();
        assert_eq!(
            detail.pick_source(&sources, 8000),
            &PathBuf::from("original")
        );
    }
}
