//! IIIF identifiers and the links built from them.
//!
//! An image is named `{item_id}~{seq}~{page}`: the item, the file's
//! position in it, and the page of that file (1 for single images). The
//! tilde is unreserved in URLs, and ids never contain it. Any other
//! identifier is tried as an alias: the Dublin Core identifier of a live
//! item, naming its first image (this is how the IIIF validator's fixed test
//! identifier is served). Identifiers are checked against a small alphabet
//! before anything else, so no path tricks reach the disk.

/// Longest identifier accepted.
const MAX_IDENTIFIER: usize = 128;

/// An image identifier, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageId {
    /// `{item_id}~{seq}~{page}`.
    Page {
        /// The item.
        item_id: String,
        /// File position in the item, from 1.
        seq: u32,
        /// Page of the file, from 1.
        page: u32,
    },
    /// Anything else that is well-formed: a Dublin Core identifier.
    Alias(String),
}

impl ImageId {
    /// Parses an identifier from a URL path segment; `None` when it holds
    /// characters outside `A–Z a–z 0–9 - _ . ~` or is too long.
    pub fn parse(identifier: &str) -> Option<ImageId> {
        let well_formed = !identifier.is_empty()
            && identifier.len() <= MAX_IDENTIFIER
            && identifier
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte))
            && !identifier.starts_with('.');
        if !well_formed {
            return None;
        }
        let parts: Vec<&str> = identifier.split('~').collect();
        if let [item_id, seq, page] = parts.as_slice()
            && let (Ok(seq), Ok(page)) = (seq.parse::<u32>(), page.parse::<u32>())
            && !item_id.is_empty()
            && seq > 0
            && page > 0
        {
            return Some(ImageId::Page {
                item_id: item_id.to_string(),
                seq,
                page,
            });
        }
        Some(ImageId::Alias(identifier.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_parse_and_refuse_path_tricks() {
        assert_eq!(
            ImageId::parse("wabc~2~3"),
            Some(ImageId::Page {
                item_id: "wabc".into(),
                seq: 2,
                page: 3
            })
        );
        assert_eq!(
            ImageId::parse("67352ccc-d1b0-11e1-89ae-279075081939"),
            Some(ImageId::Alias(
                "67352ccc-d1b0-11e1-89ae-279075081939".into()
            ))
        );
        assert_eq!(
            ImageId::parse("wabc~0~1"),
            Some(ImageId::Alias("wabc~0~1".into()))
        );
        for bad in ["", "..", "../etc", "a/b", "a%2Fb", "a\\b", ".hidden", "名"] {
            assert_eq!(ImageId::parse(bad), None, "{bad}");
        }
        assert_eq!(ImageId::parse(&"x".repeat(129)), None);
    }
}
