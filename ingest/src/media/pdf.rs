//! PDF page counting and text-layer extraction (lopdf).

use std::path::Path;

use super::{MediaError, guard_against_panics};

/// Stop collecting a PDF's text beyond this many bytes.
const MAX_PDF_TEXT_BYTES: usize = 10 * 1024 * 1024;

/// Bound on the decompressed content of one page while extracting its text.
const MAX_PAGE_CONTENT_BYTES: usize = 64 * 1024 * 1024;

/// Separator between the text of two pages.
const PAGE_SEPARATOR: &str = "\n\x0c\n";

/// Loads a PDF, mapping failures to [`MediaError::InvalidPdf`].
fn load_pdf(path: &Path) -> Result<lopdf::Document, MediaError> {
    if std::fs::metadata(path)?.len() == 0 {
        return Err(MediaError::Empty);
    }
    lopdf::Document::load(path).map_err(|error| match error {
        lopdf::Error::IO(io_error) => MediaError::Read(io_error),
        other => MediaError::InvalidPdf(other.to_string()),
    })
}

/// Number of pages in a PDF.
pub(super) fn pdf_page_count(path: &Path) -> Result<u32, MediaError> {
    let document = load_pdf(path)?;
    let page_count = u32::try_from(document.get_pages().len()).unwrap_or(u32::MAX);
    Ok(page_count)
}

/// The text layer of a PDF: all pages, separated by `"\n\f\n"`.
///
/// Returns `None` when no page has any text (a scan without OCR). Collection
/// stops after 10 MB of text. A page whose text cannot be decoded counts as
/// empty; a file that is not a readable PDF is an error.
pub fn pdf_text(path: &Path) -> Result<Option<String>, MediaError> {
    guard_against_panics(|| pdf_text_unguarded(path))
}

fn pdf_text_unguarded(path: &Path) -> Result<Option<String>, MediaError> {
    let document = load_pdf(path)?;
    let mut text = String::new();
    let mut found_any_text = false;
    for (index, page_number) in document.get_pages().keys().enumerate() {
        if index > 0 {
            text.push_str(PAGE_SEPARATOR);
        }
        let page_text = document
            .extract_text_with_limit(&[*page_number], MAX_PAGE_CONTENT_BYTES)
            .unwrap_or_else(|error| {
                tracing::debug!(page = page_number, %error, "no text from PDF page");
                String::new()
            });
        let page_text = page_text.trim_end();
        found_any_text |= !page_text.trim().is_empty();
        text.push_str(page_text);
        if text.len() >= MAX_PDF_TEXT_BYTES {
            let mut cut = MAX_PDF_TEXT_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            tracing::warn!(path = %path.display(), "PDF text cut at 10 MB");
            break;
        }
    }
    Ok(found_any_text.then_some(text))
}
