//! Media handling for ingest: identifying a file by its content ([`identify`]),
//! reading its technical metadata from headers only ([`technical`]), pulling the
//! text layer out of a PDF ([`pdf_text`]) and making the thumbnail and web
//! derivatives of every image page ([`make_derivatives`]).
//!
//! Everything here is defensive against bad input: decoders run with size and
//! memory limits, image sizes are checked from the header before any pixel is
//! decoded, and third-party decoders run inside `catch_unwind` so a panic in
//! one of them becomes a [`MediaError`] instead of ending the run.

mod derive;
mod identify;
mod pdf;
mod technical;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

pub use derive::{DeriveOptions, make_derivatives};
pub use identify::identify;
pub use pdf::pdf_text;
pub use technical::technical;

/// Why a file's media could not be read or its derivatives made.
///
/// Messages are written for a librarian reading the ingest report.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The file could not be read from disk.
    #[error("cannot read the file: {0}")]
    Read(#[from] std::io::Error),
    /// The file has no bytes at all.
    #[error("the file is empty")]
    Empty,
    /// The image data is cut short or corrupt.
    #[error("the image is truncated or damaged: {0}")]
    DamagedImage(String),
    /// The image header claims more pixels than the configured limit.
    #[error(
        "the image claims {width} × {height} px, more than the {limit_megapixels} megapixel limit"
    )]
    ImageTooLarge {
        /// Width claimed by the header.
        width: u64,
        /// Height claimed by the header.
        height: u64,
        /// The limit, in millions of pixels.
        limit_megapixels: u64,
    },
    /// Decoding would need more memory than the configured limit.
    #[error("decoding the image would need more than {limit_mib} MiB of memory")]
    MemoryLimit {
        /// The limit, in MiB.
        limit_mib: u64,
    },
    /// A format or variant (colour type, compression …) no linked decoder handles.
    #[error("this kind of image is not supported: {0}")]
    UnsupportedImage(String),
    /// The file is not a PDF that can be parsed.
    #[error("not a valid PDF: {0}")]
    InvalidPdf(String),
    /// A derivative could not be written to the data directory.
    #[error("cannot write the derivative {path}: {source}")]
    WriteDerivative {
        /// The file that could not be written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A third-party decoder panicked on this file.
    #[error("the decoder failed unexpectedly on this file (it is probably damaged): {0}")]
    DecoderCrashed(String),
}

/// What broad kind of media a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// A raster image (JPEG, PNG, TIFF, WebP, GIF, BMP …).
    Image,
    /// A PDF document.
    Pdf,
    /// Plain text (UTF-8 or GB18030).
    Text,
    /// Audio.
    Audio,
    /// Video.
    Video,
    /// Anything else; still preserved and catalogued.
    Other,
}

impl MediaKind {
    /// The kind of a catalogued MIME type.
    pub fn of_mime(mime: &str) -> MediaKind {
        match mime.split('/').next().unwrap_or("") {
            "image" => MediaKind::Image,
            "audio" => MediaKind::Audio,
            "video" => MediaKind::Video,
            "text" => MediaKind::Text,
            _ if mime == "application/pdf" => MediaKind::Pdf,
            _ => MediaKind::Other,
        }
    }
}

/// A file's identified media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    /// The MIME type, e.g. `image/jpeg`; `application/octet-stream` when unknown.
    pub mime: String,
    /// The broad kind.
    pub kind: MediaKind,
}

impl MediaType {
    /// Builds a media type from a MIME string and kind.
    pub fn new(mime: impl Into<String>, kind: MediaKind) -> Self {
        MediaType {
            mime: mime.into(),
            kind,
        }
    }
}

/// Makes the derivatives of the file at `path` (whose bytes have BLAKE3
/// `digest_hex`) into `<data>/derivatives/<digest>/`, as ingest and import
/// both do; the returned paths are relative to the data directory, as the
/// catalogue keeps them.
pub fn derive_into_data_dir(
    data_dir: &wenyuan_index::DataDir,
    path: &std::path::Path,
    media: &MediaType,
    tech: &wenyuan_index::model::TechMetadata,
    digest_hex: &str,
    options: &DeriveOptions,
) -> Result<Vec<wenyuan_index::model::PageDerivative>, MediaError> {
    let out_dir = data_dir.derivatives_for(digest_hex);
    // Temporaries go where the next run clears them (a kill mid-write).
    let options = DeriveOptions {
        temporary_dir: Some(data_dir.temporaries_dir()),
        ..options.clone()
    };
    let mut derivatives = make_derivatives(path, media, tech, &out_dir, &options)?;
    let relative_dir = format!("derivatives/{digest_hex}");
    for derivative in &mut derivatives {
        derivative.thumbnail = format!("{relative_dir}/{}", derivative.thumbnail);
        derivative.web = format!("{relative_dir}/{}", derivative.web);
    }
    Ok(derivatives)
}

/// Runs `work`, turning a panic inside it (from a third-party decoder) into
/// [`MediaError::DecoderCrashed`].
fn guard_against_panics<T>(work: impl FnOnce() -> Result<T, MediaError>) -> Result<T, MediaError> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => {
            let message = if let Some(text) = payload.downcast_ref::<&str>() {
                (*text).to_string()
            } else if let Some(text) = payload.downcast_ref::<String>() {
                text.clone()
            } else {
                "unknown panic".to_string()
            };
            Err(MediaError::DecoderCrashed(message))
        }
    }
}

#[cfg(test)]
mod tests;
