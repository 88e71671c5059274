//! Escaping text for XML: the five special characters become entities and
//! characters XML 1.0 forbids (most control characters, unpaired
//! surrogates cannot occur in Rust strings, U+FFFE and U+FFFF) are dropped,
//! so every document we write is well-formed whatever a catalogue holds.

/// `text` made safe for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(character),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specials_are_escaped_and_forbidden_characters_dropped() {
        assert_eq!(
            escape("a<b>&\"c\"'\u{1}\u{b}\u{fffe}\t瓷"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;\t瓷"
        );
    }
}
