//! Text analysis for the search index: normalisation and the three tokenizers.
//!
//! Every analysed text first goes through [`normalize`]: NFKC (full-width
//! Ａ１ → A1), traditional → simplified folding with `fast2s`, lower-casing
//! and stripping of Latin diacritics (é → e). The result keeps, for each of
//! its characters, the byte range of the *original* character it came from,
//! so token offsets — and therefore highlights — always point into the text
//! as written (圖書館 stays 圖書館).
//!
//! On top of that:
//! - [`ZhWords`] (`zh_words`): jieba search-mode segmentation with a local
//!   dictionary; a token's position is the index of its first character.
//! - [`ZhGrams`] (`zh_grams`): every CJK character (unigram) and every pair of
//!   neighbouring CJK characters (bigram), both at the position of their first
//!   character, plus Latin/digit words whole. A query of n ≥ 2 CJK characters
//!   becomes a phrase of its bigrams at consecutive positions, which matches
//!   exactly the texts containing it as a substring.
//! - [`PinyinTokenizer`] (`pinyin`): toneless pinyin per character, per word
//!   and per CJK run (王益 → `wang`, `yi`, `wangyi`).
//!
//! Changing anything here changes the index terms: bump
//! [`ANALYSER_VERSION`] so that old indexes are rebuilt.

use std::sync::LazyLock;

use jieba_rs::Jieba;
use pinyin::ToPinyin;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::UnicodeNormalization;

/// Version of the analysis chain and the schema; stored next to the index.
/// Bump on any change to normalisation, tokenizers, dictionary or the
/// fields stored (3: result lines' creators, venue, collection, access and
/// first page stored; items indexed from their public view).
pub const ANALYSER_VERSION: &str = "wenyuan-analyser-3";

/// Name under which [`ZhWords`] is registered.
pub const ZH_WORDS: &str = "zh_words";
/// Name under which [`ZhGrams`] is registered.
pub const ZH_GRAMS: &str = "zh_grams";
/// Name under which [`PinyinTokenizer`] is registered.
pub const PINYIN: &str = "pinyin";

/// Local names jieba must keep whole (with their frequency hint).
const LOCAL_WORDS: &[&str] = &[
    "王益区",
    "王益",
    "黄堡镇",
    "黄堡",
    "铜川",
    "铜川市",
    "耀州窑",
    "耀州",
    "耀州区",
    "印台区",
    "印台",
    "宜君县",
    "宜君",
    "药王山",
    "陈炉古镇",
    "陈炉",
    "玉华宫",
    "孙思邈",
    "照金",
    "新区",
    "综合文化站",
    "文化馆",
    "图书馆",
    "少儿图书馆",
    "博物馆",
    "科技馆",
    "非物质文化遗产",
    "非遗",
    "传承人",
    "青瓷",
    "剪纸",
    "皮影",
];

/// The one jieba instance, built on first use and shared by every tokenizer clone.
static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    for word in LOCAL_WORDS {
        let freq = jieba.suggest_freq(word).max(1000);
        jieba.add_word(word, Some(freq), None);
    }
    jieba
});

/// Builds the jieba dictionary now instead of on the first tokenised text.
pub fn warm_up() {
    LazyLock::force(&JIEBA);
    LazyLock::force(&FOLD);
    LazyLock::force(&BMP_KEEPS);
    LazyLock::force(&SIMPLE);
}

/// A text after normalisation, with a map back to the original's bytes.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// The normalised characters.
    pub chars: Vec<char>,
    /// For each normalised character, the byte range of the original
    /// character(s) it came from.
    pub spans: Vec<(usize, usize)>,
}

impl Normalized {
    /// Byte range in the original text of normalised characters `start..end`.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        if start >= end || end > self.spans.len() {
            return (0, 0);
        }
        (self.spans[start].0, self.spans[end - 1].1)
    }
}

/// True for CJK ideographs (unified, extensions, compatibility) and 〇.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3007
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2EBEF
        | 0x30000..=0x3134F)
}

/// True for characters that make up a Latin (non-CJK) word: letters and digits.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

/// Normalises `text`: NFKC, traditional → simplified, lower case, no Latin
/// diacritics. Characters map back to the original through `spans`.
///
/// Nearly every character of real text becomes one character whatever its
/// neighbours: those are looked up, one table lookup each, in a single pass
/// ([`normalize_simple`]). A text with any other character goes through the
/// steps one by one ([`normalize_by_steps`]); the result is the same (tests
/// compare both with the plain definition, character by character and in
/// random mixtures).
pub fn normalize(text: &str) -> Normalized {
    normalize_simple(text).unwrap_or_else(|| normalize_by_steps(text))
}

/// [`SIMPLE`]: the character needs the step-by-step path (a surrogate
/// code, which no character has).
const NOT_SIMPLE: u16 = 0xD800;
/// [`SIMPLE`]: `fast2s` folds the character according to its neighbours.
const FOLDED_IN_CONTEXT: u16 = 0xD801;

/// What [`normalize_by_steps`] makes of each Basic Multilingual Plane
/// character when that is one character, decided by the character alone
/// (NFKC keeps it or maps a full-width form to ASCII; folding is context
/// free; lower-casing and NFD give one character): that character's code,
/// in the BMP too. Otherwise [`FOLDED_IN_CONTEXT`] or [`NOT_SIMPLE`].
/// Two bytes a character (128 KB), built on first use.
static SIMPLE: LazyLock<Vec<u16>> = LazyLock::new(|| {
    let fold = &*FOLD;
    (0..=0xFFFFu32)
        .map(|code| {
            let Some(c) = char::from_u32(code) else {
                return NOT_SIMPLE;
            };
            let kept = if nfkc_keeps(c) {
                c
            } else if let Some(ascii) = full_width_ascii(c) {
                ascii
            } else {
                return NOT_SIMPLE;
            };
            let folded = match kept.len_utf8() {
                3 => fold[kept as usize - 0x800],
                _ => kept,
            };
            if folded == '\0' {
                return FOLDED_IN_CONTEXT;
            }
            simple_case_fold(folded)
                .and_then(|c| u16::try_from(u32::from(c)).ok())
                .unwrap_or(NOT_SIMPLE)
        })
        .collect()
});

/// The last step (lower case, no diacritics) of a character it leaves as
/// one character; `None` for the others.
fn simple_case_fold(c: char) -> Option<char> {
    if c.is_ascii() {
        Some(c.to_ascii_lowercase())
    } else if is_cjk(c) || (fold_keeps(c) && !is_combining_mark(c)) {
        Some(c)
    } else {
        None
    }
}

/// The single pass of [`normalize`], or `None` when `text` has a character
/// it cannot take alone (then nothing of its work is used).
fn normalize_simple(text: &str) -> Option<Normalized> {
    let table = &*SIMPLE;
    let mut normalized_text = String::with_capacity(text.len());
    let mut chars = Vec::with_capacity(text.len() / 2 + 1);
    let mut spans = Vec::with_capacity(text.len() / 2 + 1);
    let mut in_context = false;
    for (start, c) in text.char_indices() {
        let normalized = match table.get(c as usize) {
            Some(&NOT_SIMPLE) => return None,
            Some(&FOLDED_IN_CONTEXT) => {
                in_context = true;
                c
            }
            Some(&code) => char::from_u32(u32::from(code))?,
            // Ideographs beyond the BMP: NFKC, folding and case keep them.
            None if nfkc_keeps(c) && is_cjk(c) => c,
            None => return None,
        };
        normalized_text.push(normalized);
        chars.push(normalized);
        spans.push((start, start + c.len_utf8()));
    }
    let mut out = Normalized {
        text: normalized_text,
        chars,
        spans,
    };
    if in_context {
        // One output character per original one here, so the neighbours
        // fast2s looks at are the originals (after NFKC) either side.
        let before_folding = |i: usize| -> char {
            let (start, end) = out.spans[i];
            let c = text[start..end].chars().next().unwrap_or('0');
            full_width_ascii(c).unwrap_or(c)
        };
        for i in 0..out.chars.len() {
            let original = before_folding(i);
            if table.get(original as usize) != Some(&FOLDED_IN_CONTEXT) {
                continue;
            }
            let prev = if i == 0 { '0' } else { before_folding(i - 1) };
            let next = if i + 1 == out.chars.len() {
                '0'
            } else {
                before_folding(i + 1)
            };
            out.chars[i] = simple_case_fold(fold_in_context(prev, original, next))?;
        }
        out.text = out.chars.iter().collect();
    }
    Some(out)
}

/// [`normalize`] step by step: NFKC, folding, case.
fn normalize_by_steps(text: &str) -> Normalized {
    // NFKC per original character, so each output char knows its source.
    let mut chars = Vec::with_capacity(text.len() / 2 + 1);
    let mut spans = Vec::with_capacity(text.len() / 2 + 1);
    for (start, c) in text.char_indices() {
        let span = (start, start + c.len_utf8());
        if c.is_ascii() || nfkc_keeps(c) {
            chars.push(c);
            spans.push(span);
            continue;
        }
        if let Some(ascii) = full_width_ascii(c) {
            chars.push(ascii);
            spans.push(span);
            continue;
        }
        for n in std::iter::once(c).nfkc() {
            chars.push(n);
            spans.push(span);
        }
    }
    // Traditional → simplified, one character for one.
    fold_to_simplified(&mut chars);
    // Lower case and strip diacritics (combining marks after NFD).
    let mut out = Normalized {
        text: String::with_capacity(text.len()),
        chars: Vec::with_capacity(spans.len()),
        spans: Vec::with_capacity(spans.len()),
    };
    let mut push = |c: char, span: (usize, usize)| {
        out.text.push(c);
        out.chars.push(c);
        out.spans.push(span);
    };
    for (c, span) in chars.into_iter().zip(spans) {
        if let Some(one) = simple_case_fold(c) {
            push(one, span);
        } else {
            for lower in c.to_lowercase() {
                for d in std::iter::once(lower).nfd() {
                    if !is_combining_mark(d) {
                        push(d, span);
                    }
                }
            }
        }
    }
    out
}

/// Characters `fast2s` converts according to their neighbours (its word
/// lists: 乾隆 keeps 乾, 看著 gives 着 …). Check this list when upgrading
/// fast2s: the test `folding_equals_fast2s` compares with it.
const FOLD_IN_CONTEXT: &str = "兒覆夥藉瞭麽幺於乾著苧闔鍾讎畫";

/// `fast2s`'s conversion of every character it converts (the 3-byte UTF-8
/// ones, U+0800–U+FFFF) standing alone; `'\0'` marks those that depend on
/// their neighbours. Built on first use (about 64 000 lookups).
static FOLD: LazyLock<Vec<char>> = LazyLock::new(|| {
    (0x800u32..=0xFFFF)
        .map(|code| match char::from_u32(code) {
            Some(c) if FOLD_IN_CONTEXT.contains(c) => '\0',
            Some(c) => {
                let folded = fast2s::convert(c.encode_utf8(&mut [0; 4]));
                let mut folded = folded.chars();
                match (folded.next(), folded.next()) {
                    (Some(one), None) => one,
                    _ => c,
                }
            }
            None => '\0', // surrogates are never chars
        })
        .collect()
});

/// Folds traditional characters to simplified in place: the same as
/// `fast2s::convert`, one table lookup per character instead of three
/// hash lookups.
fn fold_to_simplified(chars: &mut [char]) {
    let table = &*FOLD;
    let mut prev = '0'; // fast2s's own "no neighbour"
    for i in 0..chars.len() {
        let cur = chars[i];
        if cur.len_utf8() == 3 {
            let folded = table[cur as usize - 0x800];
            chars[i] = if folded != '\0' {
                folded
            } else {
                let next = chars.get(i + 1).copied().unwrap_or('0');
                fold_in_context(prev, cur, next)
            };
        }
        prev = cur;
    }
}

/// `fast2s`'s folding of `cur` between `prev` and `next` (for the
/// characters it folds by context).
fn fold_in_context(prev: char, cur: char, next: char) -> char {
    let window: String = [prev, cur, next].iter().collect();
    fast2s::convert(&window).chars().nth(1).unwrap_or(cur)
}

/// The ASCII character NFKC makes of a full-width form (，！？：；Ａ１ …,
/// U+FF01–U+FF5E, each the `<wide>` form of U+0021–U+007E): common in
/// Chinese text, and slow through the normaliser's iterator.
fn full_width_ascii(c: char) -> Option<char> {
    matches!(c as u32, 0xFF01..=0xFF5E)
        .then(|| char::from_u32(c as u32 - 0xFEE0))
        .flatten()
}

/// True when NFKC leaves `c`, standing alone, as it is.
fn nfkc_keeps(c: char) -> bool {
    // Unified ideographs have no decomposition; the compatibility block does.
    if is_cjk(c) && !matches!(c as u32, 0xF900..=0xFAFF) {
        return true;
    }
    match BMP_KEEPS.get(c as usize) {
        Some(keeps) => keeps & NFKC_KEEPS != 0,
        None => nfkc_keeps_by_tables(c),
    }
}

/// True when lower-casing and NFD leave `c` as it is.
fn fold_keeps(c: char) -> bool {
    match BMP_KEEPS.get(c as usize) {
        Some(keeps) => keeps & FOLD_KEEPS != 0,
        None => fold_keeps_by_tables(c),
    }
}

/// [`nfkc_keeps`] from the normaliser's tables (binary searches).
fn nfkc_keeps_by_tables(c: char) -> bool {
    unicode_normalization::is_nfkc_quick(std::iter::once(c))
        == unicode_normalization::IsNormalized::Yes
}

/// [`fold_keeps`] from the case and normalisation tables (binary searches).
fn fold_keeps_by_tables(c: char) -> bool {
    let mut lower = c.to_lowercase();
    lower.len() == 1
        && lower.next() == Some(c)
        && unicode_normalization::is_nfd_quick(std::iter::once(c))
            == unicode_normalization::IsNormalized::Yes
}

const NFKC_KEEPS: u8 = 1;
const FOLD_KEEPS: u8 = 2;

/// [`nfkc_keeps`] and [`fold_keeps`] of every Basic Multilingual Plane
/// character, one byte each: Chinese punctuation (，。、「」) is in no fast
/// range, and the binary searches cost more than the rest of normalising it.
static BMP_KEEPS: LazyLock<Vec<u8>> = LazyLock::new(|| {
    (0..=0xFFFFu32)
        .map(|code| match char::from_u32(code) {
            Some(c) => {
                let mut keeps = 0;
                if nfkc_keeps_by_tables(c) {
                    keeps |= NFKC_KEEPS;
                }
                if fold_keeps_by_tables(c) {
                    keeps |= FOLD_KEEPS;
                }
                keeps
            }
            None => 0,
        })
        .collect()
});

/// The normalised form of `text`, without the offset map.
pub fn fold(text: &str) -> String {
    normalize(text).text
}

/// Combining diacritical marks dropped by the folding.
fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// A token before it is handed to tantivy: character range and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharToken {
    /// Normalised text of the token.
    pub text: String,
    /// First character (index into the normalised characters); also the position.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
}

/// jieba search-mode tokens of a normalised text (overlapping, positioned by first char).
pub fn word_tokens(normalized: &Normalized) -> Vec<CharToken> {
    let mut tokens: Vec<CharToken> = JIEBA
        .cut_for_search(&normalized.text, true)
        .into_iter()
        .filter(|token| token.word.chars().any(char::is_alphanumeric))
        .map(|token| CharToken {
            text: token.word.to_string(),
            start: token.start,
            end: token.end,
        })
        .collect();
    tokens.sort_by_key(|token| (token.start, token.end));
    tokens.dedup();
    tokens
}

/// jieba tokens of a query term (plain mode, no overlaps), positioned by first char.
pub fn query_word_tokens(term: &str) -> Vec<CharToken> {
    let normalized = normalize(term);
    JIEBA
        .cut(&normalized.text, true)
        .into_iter()
        .filter(|token| token.word.chars().any(char::is_alphanumeric))
        .map(|token| CharToken {
            text: token.word.to_string(),
            start: token.start,
            end: token.end,
        })
        .collect()
}

/// Runs of CJK characters and of Latin word characters: `(start, end, is_cjk)`.
fn runs(chars: &[char]) -> Vec<(usize, usize, bool)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let cjk = is_cjk(chars[i]);
        if !cjk && !is_word_char(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (if cjk {
                is_cjk(chars[i])
            } else {
                is_word_char(chars[i])
            })
        {
            i += 1;
        }
        runs.push((start, i, cjk));
    }
    runs
}

/// Unigrams and bigrams of CJK runs plus whole Latin words, in position order.
pub fn gram_tokens(normalized: &Normalized) -> Vec<CharToken> {
    let chars = &normalized.chars;
    let mut tokens = Vec::with_capacity(chars.len() * 2);
    for (start, end, cjk) in runs(chars) {
        if !cjk {
            tokens.push(CharToken {
                text: chars[start..end].iter().collect(),
                start,
                end,
            });
            continue;
        }
        for i in start..end {
            tokens.push(CharToken {
                text: chars[i].to_string(),
                start: i,
                end: i + 1,
            });
            if i + 1 < end {
                tokens.push(CharToken {
                    text: chars[i..i + 2].iter().collect(),
                    start: i,
                    end: i + 2,
                });
            }
        }
    }
    tokens
}

/// The grams a query term must match, at their relative positions: bigrams
/// for CJK runs of two or more characters, the unigram for a lone CJK
/// character, Latin words whole. Consecutive positions make a phrase that
/// matches exactly the substring.
pub fn query_gram_tokens(term: &str) -> Vec<CharToken> {
    let normalized = normalize(term);
    let chars = &normalized.chars;
    let mut tokens = Vec::new();
    for (start, end, cjk) in runs(chars) {
        if !cjk || end - start == 1 {
            tokens.push(CharToken {
                text: chars[start..end].iter().collect(),
                start,
                end,
            });
            continue;
        }
        for i in start..end - 1 {
            tokens.push(CharToken {
                text: chars[i..i + 2].iter().collect(),
                start: i,
                end: i + 2,
            });
        }
    }
    tokens
}

/// Toneless pinyin of one character, if it has one.
pub fn char_pinyin(c: char) -> Option<&'static str> {
    c.to_pinyin().map(|p| p.plain())
}

/// Pinyin tokens: each CJK character's syllable, each pair of neighbouring
/// characters' syllables joined, each multi-character jieba
/// word's syllables joined, and each CJK run's syllables joined (runs of up
/// to 16 characters).
pub fn pinyin_tokens(normalized: &Normalized) -> Vec<CharToken> {
    let chars = &normalized.chars;
    let mut tokens = Vec::new();
    let syllables = |start: usize, end: usize| -> String {
        chars[start..end]
            .iter()
            .filter_map(|c| char_pinyin(*c))
            .collect()
    };
    for (start, end, cjk) in runs(chars) {
        if !cjk {
            continue;
        }
        for (i, c) in chars.iter().enumerate().take(end).skip(start) {
            if let Some(p) = char_pinyin(*c) {
                tokens.push(CharToken {
                    text: p.to_string(),
                    start: i,
                    end: i + 1,
                });
            }
        }
        for i in start..end.saturating_sub(1) {
            tokens.push(CharToken {
                text: syllables(i, i + 2),
                start: i,
                end: i + 2,
            });
        }
        if end - start >= 2 {
            let run: String = chars[start..end].iter().collect();
            for word in JIEBA.cut(&run, false) {
                if word.end - word.start >= 2 && word.end - word.start < end - start {
                    tokens.push(CharToken {
                        text: syllables(start + word.start, start + word.end),
                        start: start + word.start,
                        end: start + word.end,
                    });
                }
            }
            if end - start <= 16 {
                tokens.push(CharToken {
                    text: syllables(start, end),
                    start,
                    end,
                });
            }
        }
    }
    tokens.retain(|token| !token.text.is_empty());
    tokens.sort_by_key(|token| (token.start, token.end));
    tokens.dedup();
    tokens
}

/// A sort key for titles: pinyin of CJK characters, letters and digits, lower case.
pub fn title_sort_key(title: &str) -> String {
    let normalized = normalize(title);
    let mut key = String::new();
    for c in normalized.chars {
        if is_cjk(c) {
            if let Some(p) = char_pinyin(c) {
                key.push_str(p);
            }
        } else if c.is_ascii_alphanumeric() {
            key.push(c);
        }
        if key.len() >= 64 {
            break;
        }
    }
    key
}

/// Which of the three analyses a tokenizer runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Analysis {
    Words,
    Grams,
    Pinyin,
}

/// Turns normalised tokens into tantivy tokens with original byte offsets.
fn to_token_stream(text: &str, analysis: Analysis) -> VecTokenStream {
    let normalized = normalize(text);
    let char_tokens = match analysis {
        Analysis::Words => word_tokens(&normalized),
        Analysis::Grams => gram_tokens(&normalized),
        Analysis::Pinyin => pinyin_tokens(&normalized),
    };
    let tokens = char_tokens
        .into_iter()
        .map(|token| {
            let (offset_from, offset_to) = normalized.original_range(token.start, token.end);
            Token {
                offset_from,
                offset_to,
                position: token.start,
                text: token.text,
                position_length: token.end - token.start,
            }
        })
        .collect();
    VecTokenStream {
        tokens,
        index: None,
    }
}

/// A token stream over a precomputed list of tokens.
#[derive(Debug)]
pub struct VecTokenStream {
    tokens: Vec<Token>,
    index: Option<usize>,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        let next = self.index.map_or(0, |index| index + 1);
        self.index = Some(next);
        next < self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self
            .index
            .unwrap_or(0)
            .min(self.tokens.len().saturating_sub(1))]
    }

    fn token_mut(&mut self) -> &mut Token {
        let index = self
            .index
            .unwrap_or(0)
            .min(self.tokens.len().saturating_sub(1));
        &mut self.tokens[index]
    }
}

/// The `zh_words` tokenizer: jieba search-mode words over normalised text.
#[derive(Debug, Clone, Default)]
pub struct ZhWords;

impl Tokenizer for ZhWords {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        to_token_stream(text, Analysis::Words)
    }
}

/// The `zh_grams` tokenizer: CJK unigrams and bigrams, Latin words whole.
#[derive(Debug, Clone, Default)]
pub struct ZhGrams;

impl Tokenizer for ZhGrams {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        to_token_stream(text, Analysis::Grams)
    }
}

/// The `pinyin` tokenizer: toneless pinyin per character, word and run.
#[derive(Debug, Clone, Default)]
pub struct PinyinTokenizer;

impl Tokenizer for PinyinTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        to_token_stream(text, Analysis::Pinyin)
    }
}

#[cfg(test)]
mod tests;
