//! What a public reader may see of an item: the one place that decides it.
//!
//! Every face — the pages, the JSON API, OAI-PMH, IIIF, the media routes,
//! the search index and so the CLI's search — renders an item from its
//! [`PublicRecord`], never from the catalogue's record itself:
//!
//! | access          | elements                    | extra fields | files, pages, full text |
//! | --------------- | --------------------------- | ------------ | ----------------------- |
//! | `public`        | all                         | all          | yes                     |
//! | `metadata_only` | all                         | all          | no                      |
//! | `restricted`    | [`CITATION_ELEMENTS`] only  | none         | no                      |
//!
//! A withdrawn item (a tombstone) has no public view at all.

use crate::model::{AccessLevel, DcElement, ItemFile, ItemRecord, Metadata};

/// Dublin Core elements a restricted item still shows: enough to cite it.
pub const CITATION_ELEMENTS: [DcElement; 5] = [
    DcElement::Title,
    DcElement::Type,
    DcElement::Date,
    DcElement::Identifier,
    DcElement::Rights,
];

/// True when the public may see an item's files, pages and their text.
pub fn shows_files(access: AccessLevel) -> bool {
    access == AccessLevel::Public
}

/// True when the public may see an item's description and other elements
/// beyond its citation.
pub fn shows_description(access: AccessLevel) -> bool {
    access != AccessLevel::Restricted
}

/// True when the public may see this element of an item.
pub fn shows_element(access: AccessLevel, element: DcElement) -> bool {
    shows_description(access) || CITATION_ELEMENTS.contains(&element)
}

/// True when bytes held by items of these access levels (the same file
/// can belong to several items) may be served: some public item shows them
/// and no restricted one holds them.
pub fn files_may_be_shown(levels: &[AccessLevel]) -> bool {
    levels.iter().any(|level| shows_files(*level)) && !levels.contains(&AccessLevel::Restricted)
}

/// An item as the public may see it: redacted metadata, and its files only
/// when they may be shown.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicRecord {
    /// The record with everything the public may not see removed.
    record: ItemRecord,
}

impl PublicRecord {
    /// The redacted record (metadata and files already filtered).
    pub fn record(&self) -> &ItemRecord {
        &self.record
    }

    /// The item's id.
    pub fn id(&self) -> &str {
        &self.record.item.id
    }

    /// Who may see what.
    pub fn access(&self) -> AccessLevel {
        self.record.item.access
    }

    /// The metadata the public may see.
    pub fn metadata(&self) -> &Metadata {
        &self.record.item.metadata
    }

    /// The files the public may see (none unless public).
    pub fn files(&self) -> &[ItemFile] {
        &self.record.files
    }

    /// The title shown to people.
    pub fn title(&self) -> &str {
        self.record.item.display_title()
    }

    /// `(file seq, page)` of the first page with images, when the public may see it.
    pub fn first_page(&self) -> Option<(u32, u32)> {
        first_page(&self.record)
    }
}

/// `(file seq, page)` of a record's first page with derivatives.
fn first_page(record: &ItemRecord) -> Option<(u32, u32)> {
    record
        .files
        .iter()
        .find_map(|file| file.derivatives.first().map(|page| (file.seq, page.page)))
}

/// The public view of `record`; `None` for a withdrawn item.
pub fn public_view(record: &ItemRecord) -> Option<PublicRecord> {
    if record.item.deleted_at.is_some() {
        return None;
    }
    let access = record.item.access;
    let mut redacted = ItemRecord {
        item: record.item.clone(),
        files: if shows_files(access) {
            record.files.clone()
        } else {
            Vec::new()
        },
    };
    let metadata = &mut redacted.item.metadata;
    metadata
        .dc
        .retain(|element, _| shows_element(access, *element));
    if !shows_description(access) {
        metadata.extra.clear();
    }
    Some(PublicRecord { record: redacted })
}

/// `(file seq, page)` of the first image page of an item the public may see
/// the files of, for results built without the whole record.
pub fn public_first_page(
    access: AccessLevel,
    deleted: bool,
    first_page: Option<(u32, u32)>,
) -> Option<(u32, u32)> {
    first_page.filter(|_| shows_files(access) && !deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Item, PageDerivative};

    fn record(access: AccessLevel) -> ItemRecord {
        let mut metadata = Metadata::default();
        metadata.push(DcElement::Title, ["题名".to_string()]);
        metadata.push(DcElement::Creator, ["作者".to_string()]);
        metadata.push(DcElement::Description, ["著录".to_string()]);
        metadata.push(DcElement::Date, ["1950".to_string()]);
        metadata.push_extra("材质", ["瓷".to_string()]);
        let file = ItemFile {
            seq: 1,
            digest: "d".into(),
            size: 1,
            media_type: "image/jpeg".into(),
            source_path: "a.jpg".into(),
            source_mtime_ns: 0,
            storage: crate::model::StorageMode::Copy,
            tech: Default::default(),
            derivatives: vec![PageDerivative {
                page: 1,
                thumbnail: "t.jpg".into(),
                web: "w.jpg".into(),
                width: 10,
                height: 10,
            }],
            text: Some("全文".into()),
            ocr_words: Vec::new(),
        };
        ItemRecord {
            item: Item {
                id: "w1".into(),
                source_key: "k".into(),
                institution_id: None,
                collection_id: None,
                access,
                metadata,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            },
            files: vec![file],
        }
    }

    #[test]
    fn each_access_level_shows_what_the_table_says() {
        let public = public_view(&record(AccessLevel::Public)).unwrap();
        assert_eq!(public.files().len(), 1);
        assert_eq!(public.first_page(), Some((1, 1)));
        assert_eq!(
            public.metadata(),
            &record(AccessLevel::Public).item.metadata
        );

        let described = public_view(&record(AccessLevel::MetadataOnly)).unwrap();
        assert!(described.files().is_empty());
        assert_eq!(described.first_page(), None);
        assert_eq!(described.metadata().first(DcElement::Creator), Some("作者"));
        assert!(!described.metadata().extra.is_empty());

        let restricted = public_view(&record(AccessLevel::Restricted)).unwrap();
        assert!(restricted.files().is_empty());
        assert_eq!(restricted.title(), "题名");
        assert_eq!(restricted.metadata().first(DcElement::Date), Some("1950"));
        assert_eq!(restricted.metadata().first(DcElement::Creator), None);
        assert_eq!(restricted.metadata().first(DcElement::Description), None);
        assert!(restricted.metadata().extra.is_empty());

        let mut withdrawn = record(AccessLevel::Public);
        withdrawn.item.deleted_at = Some(1);
        assert!(public_view(&withdrawn).is_none());
        assert_eq!(
            public_first_page(AccessLevel::Public, true, Some((1, 1))),
            None
        );
        assert_eq!(
            public_first_page(AccessLevel::MetadataOnly, false, Some((1, 1))),
            None
        );
    }

    #[test]
    fn restricted_holders_of_shared_bytes_win_over_public_ones() {
        assert!(files_may_be_shown(&[AccessLevel::Public]));
        assert!(!files_may_be_shown(&[AccessLevel::MetadataOnly]));
        assert!(files_may_be_shown(&[
            AccessLevel::Public,
            AccessLevel::MetadataOnly
        ]));
        assert!(!files_may_be_shown(&[
            AccessLevel::Public,
            AccessLevel::Restricted
        ]));
        assert!(!files_may_be_shown(&[]));
    }
}
