//! OCR sidecars next to an image: plain text `<name>.txt`, hOCR `<name>.hocr`
//! and ALTO `<name>.xml`, read into full text plus word boxes in page pixels.
//!
//! Words on a line are joined with a space, except between two CJK
//! characters (Chinese OCR often yields one "word" per character, and
//! spaces between them would break phrase search); lines are joined with
//! newlines.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use quick_xml::XmlVersion;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;
use wenyuan_index::model::OcrWord;

use super::{MetadataError, decode_text, read_side_file};

/// How much of an `.xml` file [`is_alto`] looks at to find the root element.
const ROOT_SNIFF_BYTES: u64 = 64 * 1024;

/// The text of an OCR sidecar and its word boxes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OcrText {
    /// The full text: words joined on lines, lines joined with newlines.
    pub text: String,
    /// Words with their boxes in page pixels (empty for plain text).
    pub words: Vec<OcrWord>,
}

/// Reads an OCR sidecar, choosing the format by extension: `.txt` (plain
/// text, UTF-8 or GBK), `.hocr` (also `.html`, `.htm`, `.xhtml`) or ALTO `.xml`.
pub fn read_ocr_sidecar(path: &Path) -> Result<OcrText, MetadataError> {
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let parse: fn(&str) -> Result<OcrText, String> = match extension.as_str() {
        "txt" => read_plain_text,
        "hocr" | "html" | "htm" | "xhtml" => read_hocr,
        "xml" => read_alto,
        _ => {
            return Err(MetadataError::unreadable(
                path,
                format!(
                    "'.{extension}' is not an OCR format wenyuan reads (use .txt, .hocr or ALTO .xml)"
                ),
            ));
        }
    };
    let bytes = read_side_file(path)?;
    parse(&decode_text(&bytes)).map_err(|reason| MetadataError::unreadable(path, reason))
}

/// True when an `.xml` file looks like ALTO (its root element is `alto`, in
/// any namespace), so that other XML files are not mistaken for OCR.
pub fn is_alto(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    let mut prefix = Vec::new();
    if file
        .take(ROOT_SNIFF_BYTES)
        .read_to_end(&mut prefix)
        .is_err()
    {
        return false;
    }
    let text = decode_text(&prefix);
    let mut reader = lenient_reader(&text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(element) | Event::Empty(element)) => {
                return element.local_name().as_ref().eq_ignore_ascii_case("alto");
            }
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// Plain text: line endings normalised to `\n`, no word boxes.
pub(super) fn read_plain_text(text: &str) -> Result<OcrText, String> {
    Ok(OcrText {
        text: text.replace("\r\n", "\n").replace('\r', "\n"),
        words: Vec::new(),
    })
}

/// A reader that tolerates what hand-made or HTML-ish files contain.
fn lenient_reader(text: &str) -> Reader<&[u8]> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    reader
}

/// Where a parse error happened, for the message.
fn parse_error(format_name: &str, reader: &Reader<&[u8]>, error: &quick_xml::Error) -> String {
    format!(
        "not valid {format_name} (at byte {}: {error})",
        reader.error_position()
    )
}

/// The text an entity or character reference stands for (`&amp;`, `&#20013;`, `&nbsp;`).
fn resolve_reference(reference: &BytesRef<'_>) -> String {
    if let Ok(Some(character)) = reference.resolve_char_ref() {
        return character.to_string();
    }
    let name = reference.xml10_content();
    if let Some(resolved) = quick_xml::escape::resolve_predefined_entity(&name) {
        return resolved.to_string();
    }
    match name.as_ref() {
        "nbsp" | "ensp" | "emsp" | "thinsp" => " ".to_string(),
        _ => format!("&{name};"),
    }
}

/// An attribute's value with entities resolved; the raw text if that fails.
fn attribute_text(attribute: &Attribute<'_>) -> String {
    match attribute.normalized_value(XmlVersion::Implicit1_0) {
        Ok(value) => value.into_owned(),
        Err(_) => attribute.value.to_string(),
    }
}

/// The value of the attribute with this local name (namespace prefix ignored).
fn find_attribute(element: &BytesStart<'_>, local_name: &str) -> Option<String> {
    element
        .attributes()
        .with_checks(false)
        .flatten()
        .find(|attribute| attribute.key.local_name().as_ref() == local_name)
        .map(|attribute| attribute_text(&attribute))
}

/// A coordinate: a non-negative number, rounded to whole pixels.
fn parse_coordinate(text: &str) -> Option<u32> {
    let number: f64 = text.trim().parse().ok()?;
    if !number.is_finite() || number < 0.0 {
        return None;
    }
    Some(number.round().min(f64::from(u32::MAX)) as u32)
}

/// Characters of scripts written without spaces between words.
fn is_cjk(character: char) -> bool {
    matches!(character,
        '\u{2E80}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FFEF}'
        | '\u{20000}'..='\u{3FFFF}')
}

/// Joins the words of one line: a space between words, none between two CJK characters.
fn join_words(words: &[String]) -> String {
    let mut line = String::new();
    for word in words {
        if let (Some(previous), Some(next)) = (line.chars().last(), word.chars().next())
            && !(is_cjk(previous) && is_cjk(next))
        {
            line.push(' ');
        }
        line.push_str(word);
    }
    line
}

/// Joins lines of words into the full text, dropping empty lines.
fn join_lines(lines: &[Vec<String>]) -> String {
    lines
        .iter()
        .filter(|words| !words.is_empty())
        .map(|words| join_words(words))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whitespace inside a word collapsed, ends trimmed.
fn clean_word(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// hOCR classes that start a new line of text.
const HOCR_LINE_CLASSES: &[&str] = &[
    "ocr_line",
    "ocrx_line",
    "ocr_caption",
    "ocr_header",
    "ocr_textfloat",
];

/// The `bbox x0 y0 x1 y1` property of an hOCR `title` attribute, as x, y, width, height.
fn hocr_bbox(title: &str) -> Option<(u32, u32, u32, u32)> {
    let properties = title
        .split(';')
        .map(str::trim)
        .find_map(|property| property.strip_prefix("bbox"))?;
    let numbers: Vec<u32> = properties
        .split_whitespace()
        .map(parse_coordinate)
        .collect::<Option<Vec<u32>>>()?;
    let [x0, y0, x1, y1] = numbers.as_slice() else {
        return None;
    };
    Some((*x0, *y0, x1.saturating_sub(*x0), y1.saturating_sub(*y0)))
}

/// A word being read: its text so far, its box, and how deep inside its span we are.
struct WordInProgress {
    text: String,
    bbox: Option<(u32, u32, u32, u32)>,
    depth: usize,
}

/// hOCR: words are elements of class `ocrx_word` with `title="bbox x0 y0 x1 y1; …"`.
pub(super) fn read_hocr(text: &str) -> Result<OcrText, String> {
    let mut reader = lenient_reader(text);
    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut words = Vec::new();
    let mut current_word: Option<WordInProgress> = None;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => return Err(parse_error("hOCR", &reader, &error)),
        };
        match event {
            Event::Start(element) => {
                if let Some(word) = current_word.as_mut() {
                    word.depth += 1;
                    continue;
                }
                let classes = find_attribute(&element, "class").unwrap_or_default();
                if classes
                    .split_whitespace()
                    .any(|class| HOCR_LINE_CLASSES.contains(&class))
                {
                    lines.push(Vec::new());
                }
                if classes.split_whitespace().any(|class| class == "ocrx_word") {
                    current_word = Some(WordInProgress {
                        text: String::new(),
                        bbox: find_attribute(&element, "title").and_then(|title| hocr_bbox(&title)),
                        depth: 1,
                    });
                }
            }
            Event::Empty(element) => {
                if current_word.is_none() {
                    let classes = find_attribute(&element, "class").unwrap_or_default();
                    if classes
                        .split_whitespace()
                        .any(|class| HOCR_LINE_CLASSES.contains(&class))
                    {
                        lines.push(Vec::new());
                    }
                }
            }
            Event::End(_) => {
                let finished = match current_word.as_mut() {
                    Some(word) => {
                        word.depth -= 1;
                        word.depth == 0
                    }
                    None => false,
                };
                if finished && let Some(word) = current_word.take() {
                    let word_text = clean_word(&word.text);
                    if word_text.is_empty() {
                        continue;
                    }
                    if let Some((x, y, w, h)) = word.bbox {
                        words.push(OcrWord {
                            text: word_text.clone(),
                            x,
                            y,
                            w,
                            h,
                        });
                    }
                    match lines.last_mut() {
                        Some(line) => line.push(word_text),
                        None => lines.push(vec![word_text]),
                    }
                }
            }
            Event::Text(content) => {
                if let Some(word) = current_word.as_mut() {
                    word.text.push_str(&content.xml10_content());
                }
            }
            Event::CData(content) => {
                if let Some(word) = current_word.as_mut() {
                    word.text.push_str(&content.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(word) = current_word.as_mut() {
                    word.text.push_str(&resolve_reference(&reference));
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    Ok(OcrText {
        text: join_lines(&lines),
        words,
    })
}

/// ALTO (v2, v3, v4 — namespaces ignored): `String` elements with `CONTENT`,
/// `HPOS`, `VPOS`, `WIDTH`, `HEIGHT`, grouped in `TextLine`s.
pub(super) fn read_alto(text: &str) -> Result<OcrText, String> {
    let mut reader = lenient_reader(text);
    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut words = Vec::new();
    let mut seen_root = false;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => return Err(parse_error("ALTO XML", &reader, &error)),
        };
        let element = match event {
            Event::Start(element) | Event::Empty(element) => element,
            Event::Eof => break,
            _ => continue,
        };
        let local_name = element.local_name();
        if !seen_root {
            if !local_name.as_ref().eq_ignore_ascii_case("alto") {
                return Err(format!(
                    "this XML file is not ALTO OCR (its root element is <{}>)",
                    local_name.as_ref()
                ));
            }
            seen_root = true;
            continue;
        }
        match local_name.as_ref() {
            "TextLine" => lines.push(Vec::new()),
            "String" => {
                let content = clean_word(&find_attribute(&element, "CONTENT").unwrap_or_default());
                if content.is_empty() {
                    continue;
                }
                let coordinate = |name: &str| {
                    find_attribute(&element, name).and_then(|value| parse_coordinate(&value))
                };
                if let (Some(x), Some(y), Some(w), Some(h)) = (
                    coordinate("HPOS"),
                    coordinate("VPOS"),
                    coordinate("WIDTH"),
                    coordinate("HEIGHT"),
                ) {
                    words.push(OcrWord {
                        text: content.clone(),
                        x,
                        y,
                        w,
                        h,
                    });
                }
                match lines.last_mut() {
                    Some(line) => line.push(content),
                    None => lines.push(vec![content]),
                }
            }
            _ => {}
        }
    }
    if !seen_root {
        return Err("the XML file is empty, not ALTO OCR".to_string());
    }
    Ok(OcrText {
        text: join_lines(&lines),
        words,
    })
}

#[cfg(test)]
mod tests;
