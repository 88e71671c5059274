//! Decoding text of unknown encoding: UTF-8 (with or without BOM), UTF-16
//! with BOM, and otherwise whatever `chardetng` guesses for a Chinese
//! setting — in practice GB18030/GBK as Excel on Chinese Windows writes, or Big5.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::Encoding;

/// Decodes text bytes to a string. Never fails (lossy at worst).
///
/// A byte order mark decides the encoding (and is removed); valid UTF-8 is
/// taken as is; anything else is detected with `chardetng`, hinted with the
/// top-level domain `cn`, and decoded — typically GB18030/GBK, possibly Big5.
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        let without_bom = bytes.get(bom_length..).unwrap_or_default();
        let (text, _had_errors) = encoding.decode_without_bom_handling(without_bom);
        return text.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => return text.to_string(),
        // Valid UTF-8 cut off in the middle of the last character (a truncated file).
        Err(error) if error.error_len().is_none() => {
            return String::from_utf8_lossy(bytes).into_owned();
        }
        Err(_) => {}
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    // The Chinese mainland guess first (GBK); the Taiwan/Hong Kong guess (Big5)
    // wins only if it decodes more cleanly, as short Big5 text decodes as GBK
    // without errors but into private-use characters.
    let mainland_guess = detector.guess(Some(b"cn"), Utf8Detection::Allow);
    let traditional_guess = detector.guess(Some(b"tw"), Utf8Detection::Allow);
    let mainland_text = decode_scored(mainland_guess, bytes);
    if traditional_guess == mainland_guess {
        return mainland_text.0;
    }
    let traditional_text = decode_scored(traditional_guess, bytes);
    if traditional_text.1 < mainland_text.1 {
        traditional_text.0
    } else {
        mainland_text.0
    }
}

/// Decodes and counts the characters that suggest a wrong guess:
/// replacement characters and private-use characters.
fn decode_scored(encoding: &'static Encoding, bytes: &[u8]) -> (String, usize) {
    let (text, _had_errors) = encoding.decode_without_bom_handling(bytes);
    let suspicious = text
        .chars()
        .filter(|character| {
            *character == char::REPLACEMENT_CHARACTER
                || ('\u{E000}'..='\u{F8FF}').contains(character)
        })
        .count();
    (text.into_owned(), suspicious)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode_text("题名,日期".as_bytes()), "题名,日期");
        let mut with_bom = vec![0xEF, 0xBB, 0xBF];
        with_bom.extend_from_slice("题名,日期".as_bytes());
        assert_eq!(decode_text(&with_bom), "题名,日期");
    }

    #[test]
    fn gbk_as_excel_writes_it() {
        let original = "题名,责任者,日期\n西安碑林拓片,佚名,1958\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(original);
        assert!(std::str::from_utf8(&bytes).is_err());
        assert_eq!(decode_text(&bytes), original);
    }

    #[test]
    fn big5_is_detected() {
        let original = "題名,責任者\n臺北市立圖書館藏古籍善本,佚名\n";
        let (bytes, _, _) = encoding_rs::BIG5.encode(original);
        assert_eq!(decode_text(&bytes), original);
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "题名\t日期".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode_text(&bytes), "题名\t日期");
    }

    #[test]
    fn garbage_never_panics() {
        let _ = decode_text(&[0xFF, 0x00, 0x81, 0xFE, 0xC0]);
        assert_eq!(decode_text(b""), "");
    }
}
