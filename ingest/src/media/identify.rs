//! Identification of a file's media type from its first bytes.

use std::path::Path;

use super::{MediaKind, MediaType};

/// MIME type used for content nothing recognises.
const UNKNOWN_MIME: &str = "application/octet-stream";

/// File extensions (lower-case) whose content is accepted as plain text when it decodes.
const TEXT_EXTENSIONS: [&str; 4] = ["txt", "text", "md", "csv"];

/// Identifies a file by its content (magic bytes via `infer`), not by its extension alone.
///
/// `head` is the first up-to-8 KiB of the file. Plain text (valid UTF-8 or
/// GB18030 without NUL bytes, with extension `.txt`, `.md` or `.csv`) is
/// `text/plain`; content nothing recognises is `application/octet-stream`
/// with kind [`MediaKind::Other`] (the caller still preserves it).
pub fn identify(path: &Path, head: &[u8]) -> MediaType {
    if let Some(matched) = infer::get(head) {
        let mime = matched.mime_type();
        return MediaType::new(mime, kind_of_mime(mime));
    }
    if has_text_extension(path) && looks_like_text(head) {
        return MediaType::new("text/plain", MediaKind::Text);
    }
    MediaType::new(UNKNOWN_MIME, MediaKind::Other)
}

/// The broad kind a MIME type belongs to.
fn kind_of_mime(mime: &str) -> MediaKind {
    if mime == "application/pdf" {
        MediaKind::Pdf
    } else if mime.starts_with("image/") {
        MediaKind::Image
    } else if mime.starts_with("audio/") {
        MediaKind::Audio
    } else if mime.starts_with("video/") {
        MediaKind::Video
    } else if mime.starts_with("text/") {
        MediaKind::Text
    } else {
        MediaKind::Other
    }
}

/// Whether the path ends in one of [`TEXT_EXTENSIONS`], in any case.
fn has_text_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            TEXT_EXTENSIONS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(extension))
        })
}

/// Whether `head` reads as UTF-8 or GB18030 text without NUL bytes or other
/// binary control bytes.
///
/// The head may end in the middle of a multi-byte character; up to three
/// trailing bytes are allowed to be incomplete.
fn looks_like_text(head: &[u8]) -> bool {
    let has_binary_control_bytes = head
        .iter()
        .any(|&byte| byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b));
    if has_binary_control_bytes {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => return true,
        // `error_len() == None` means the input merely ends mid-character.
        Err(error) if error.error_len().is_none() => return true,
        Err(_) => {}
    }
    let longest_cut = head.len().min(3);
    (0..=longest_cut).any(|cut| {
        encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(&head[..head.len() - cut])
            .is_some()
    })
}
