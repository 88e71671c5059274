//! The search index schema: the one place naming every field.
//!
//! Every searchable text (title, creator, subject, description, extra
//! fields, full text) is indexed in a `*_g` field analysed by `zh_grams`
//! (unigrams and bigrams): exact substring recall and BM25 for all of them.
//! The short, high-boost texts (titles, creators, subjects) also get a `*_w`
//! field analysed by `zh_words` (jieba words, for ranking whole-word
//! matches); long texts do not, as words there would double the postings
//! for little ranking gain. Descriptions and full text are stored (on their
//! grams field) for snippets. Titles, creators and places also feed the
//! `pinyin` field. Facet values are raw `f_*` string fields (indexed for
//! filtering, fast for counting); numbers used for sorting and year ranges
//! are fast fields.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::tokenizer::{PINYIN, ZH_GRAMS, ZH_WORDS};

/// A searchable text kind, each with a grams field and, for short texts, a words field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextKind {
    /// Titles.
    Title,
    /// Creators and contributors.
    Creator,
    /// Subjects (and places, for searching).
    Subject,
    /// Descriptions.
    Description,
    /// Free extra fields and the remaining Dublin Core elements.
    Extra,
    /// Extracted full text of the files.
    Fulltext,
}

impl TextKind {
    /// All kinds, most important first.
    pub const ALL: [TextKind; 6] = [
        TextKind::Title,
        TextKind::Creator,
        TextKind::Subject,
        TextKind::Description,
        TextKind::Extra,
        TextKind::Fulltext,
    ];

    /// True when this kind also has a words field (short, high-boost texts).
    pub fn has_words(self) -> bool {
        matches!(
            self,
            TextKind::Title | TextKind::Creator | TextKind::Subject
        )
    }

    /// True when the text is stored (for snippets), on its grams field.
    pub fn is_stored(self) -> bool {
        matches!(self, TextKind::Description | TextKind::Fulltext)
    }

    /// Relevance boost of a match in this kind of text.
    pub fn boost(self) -> f32 {
        match self {
            TextKind::Title => 5.0,
            TextKind::Creator => 3.0,
            TextKind::Subject => 3.0,
            TextKind::Description => 2.0,
            TextKind::Extra => 1.5,
            TextKind::Fulltext => 1.0,
        }
    }
}

/// The facets the index counts, by their public name.
pub const FACET_NAMES: [&str; 9] = [
    "institution",
    "institution_kind",
    "collection",
    "type",
    "year",
    "subject",
    "place",
    "language",
    "access",
];

/// Handles of every field of the schema.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Item id (raw, stored): the key for upsert and delete.
    pub id: Field,
    /// 64-bit hash of the id (fast): the tie-breaker of every sort order.
    pub id_key: Field,
    /// Words fields per [`TextKind`], in [`TextKind::ALL`] order (only
    /// for kinds where [`TextKind::has_words`]).
    pub words: [Option<Field>; 6],
    /// Grams fields per [`TextKind`], in [`TextKind::ALL`] order.
    pub grams: [Field; 6],
    /// Pinyin of titles, creators and places.
    pub pinyin: Field,
    /// Facet fields, in [`FACET_NAMES`] order; `year` has none (it is
    /// computed from `year_start`), its slot holds `year_start`.
    pub facets: [Field; 9],
    /// First year of the normalised date (fast, indexed).
    pub year_start: Field,
    /// Last year of the normalised date (fast, indexed).
    pub year_end: Field,
    /// When the item was first catalogued, Unix seconds (fast).
    pub created_at: Field,
    /// Title sort key, first 10 characters packed (fast).
    pub title_key1: Field,
    /// Title sort key, characters 11–20 packed (fast).
    pub title_key2: Field,
    /// Display title (stored).
    pub display_title: Field,
    /// Institution name for display (stored).
    pub institution_name: Field,
    /// Date as written (stored).
    pub date_text: Field,
    /// Type for display (stored).
    pub item_type: Field,
    /// Thumbnail path relative to the data directory (stored).
    pub thumbnail: Field,
    /// Creators and contributors for display (stored, one value each).
    pub creators: Field,
    /// The venue's id (stored).
    pub institution_id: Field,
    /// The collection's id within the venue (stored).
    pub collection_id: Field,
    /// Access level name (stored).
    pub access: Field,
    /// First image page the public may see, `seq << 32 | page` (stored).
    pub first_page: Field,
}

impl Fields {
    /// The words field of a text kind, if it has one.
    pub fn words_of(&self, kind: TextKind) -> Option<Field> {
        self.words[kind_index(kind)]
    }

    /// The grams field of a text kind.
    pub fn grams_of(&self, kind: TextKind) -> Field {
        self.grams[kind_index(kind)]
    }

    /// The facet field behind a public facet name (`year` → `year_start`).
    pub fn facet(&self, name: &str) -> Option<Field> {
        FACET_NAMES
            .iter()
            .position(|facet| *facet == name)
            .map(|index| self.facets[index])
    }
}

/// Index of a kind in [`TextKind::ALL`].
fn kind_index(kind: TextKind) -> usize {
    TextKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default()
}

/// Base name of the fields of a kind (`<name>_w`, `<name>_g`).
fn kind_name(kind: TextKind) -> &'static str {
    match kind {
        TextKind::Title => "title",
        TextKind::Creator => "creator",
        TextKind::Subject => "subject",
        TextKind::Description => "description",
        TextKind::Extra => "extra",
        TextKind::Fulltext => "fulltext",
    }
}

/// Fast-field name of a facet (public name → column name).
pub fn facet_column(name: &str) -> String {
    if name == "year" {
        "year_start".to_string()
    } else {
        format!("f_{name}")
    }
}

/// Builds the schema and the handles of its fields.
pub fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |tokenizer: &str, stored: bool| {
        let options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let id = builder.add_text_field("id", STRING | STORED);
    let id_key = builder.add_u64_field("id_key", FAST);
    let words = TextKind::ALL.map(|kind| {
        kind.has_words().then(|| {
            builder.add_text_field(&format!("{}_w", kind_name(kind)), text(ZH_WORDS, false))
        })
    });
    let grams = TextKind::ALL.map(|kind| {
        builder.add_text_field(
            &format!("{}_g", kind_name(kind)),
            text(ZH_GRAMS, kind.is_stored()),
        )
    });
    let pinyin = builder.add_text_field(
        "pinyin",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(PINYIN)
                .set_index_option(IndexRecordOption::WithFreqs),
        ),
    );
    let year_start = builder.add_i64_field("year_start", INDEXED | FAST);
    let year_end = builder.add_i64_field("year_end", INDEXED | FAST);
    let facets = FACET_NAMES.map(|name| {
        if name == "year" {
            year_start
        } else {
            builder.add_text_field(&facet_column(name), STRING | FAST)
        }
    });
    let created_at = builder.add_i64_field("created_at", FAST);
    let title_key1 = builder.add_u64_field("title_key1", FAST);
    let title_key2 = builder.add_u64_field("title_key2", FAST);
    let display_title = builder.add_text_field("display_title", STORED);
    let institution_name = builder.add_text_field("institution_name", STORED);
    let date_text = builder.add_text_field("date_text", STORED);
    let item_type = builder.add_text_field("item_type", STORED);
    let thumbnail = builder.add_text_field("thumbnail", STORED);
    let creators = builder.add_text_field("creators", STORED);
    let institution_id = builder.add_text_field("institution_id", STORED);
    let collection_id = builder.add_text_field("collection_id", STORED);
    let access = builder.add_text_field("access_level", STORED);
    let first_page = builder.add_u64_field("first_page", STORED);
    let fields = Fields {
        id,
        id_key,
        words,
        grams,
        pinyin,
        facets,
        year_start,
        year_end,
        created_at,
        title_key1,
        title_key2,
        display_title,
        institution_name,
        date_text,
        item_type,
        thumbnail,
        creators,
        institution_id,
        collection_id,
        access,
        first_page,
    };
    (builder.build(), fields)
}

/// Packs up to 10 characters of a sort key (`0-9a-z`, 6 bits each) into a
/// u64 that sorts like the text; `chunk` 0 is characters 1–10, 1 is 11–20.
pub fn pack_sort_key(key: &str, chunk: usize) -> u64 {
    let mut packed: u64 = 0;
    let bytes: Vec<u8> = key
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .skip(chunk * 10)
        .take(10)
        .collect();
    for i in 0..10 {
        let code = match bytes.get(i) {
            None => 0,
            Some(b) if b.is_ascii_digit() => u64::from(b - b'0') + 1,
            Some(b) => u64::from(b.to_ascii_lowercase() - b'a') + 11,
        };
        packed = (packed << 6) | code;
    }
    packed
}

/// 64-bit key of an item id, used to break ties in sorting and cursors.
pub fn id_key(id: &str) -> u64 {
    let hash = blake3::hash(id.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&hash.as_bytes()[..8]);
    u64::from_be_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_keys_sort_like_text() {
        let keys = [
            "", "0", "9", "a", "ab", "b", "libai", "wangyi", "wangyiqu", "z",
        ];
        for pair in keys.windows(2) {
            assert!(
                pack_sort_key(pair[0], 0) < pack_sort_key(pair[1], 0),
                "{pair:?}"
            );
        }
        assert_eq!(pack_sort_key("abcdefghijklm", 1), pack_sort_key("klm", 0));
    }
}
