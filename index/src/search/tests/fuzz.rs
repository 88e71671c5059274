//! Hostile input for the query language, the analysers and the highlighter
//! (issue #7, "Hostile input (fuzzed)"): property tests over arbitrary text
//! and over queries drawn from the syntax's own vocabulary, run against the
//! small corpus of the search tests.
//!
//! Properties: nothing panics; every query, however malformed, runs on a
//! real index and returns `Ok` within a time bound; filters and cursors are
//! either used or refused as the caller's mistake; token offsets always map
//! back to whole characters of the original; highlights never change the
//! text. CI runs the case counts below; `WENYUAN_FUZZ_SCALE=20` runs twenty
//! times as many. Failing inputs proptest finds are kept in
//! `index/proptest-regressions/` and replayed first on every run.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::select;

use super::super::query::{MAX_QUERY_CHARS, term_parts};
use super::super::snippet;
use super::super::tokenizer::{
    gram_tokens, normalize, pinyin_tokens, query_gram_tokens, query_word_tokens, title_sort_key,
    word_tokens,
};
use super::*;
use crate::dates::normalize_date;

/// Cases per property in CI, multiplied by `WENYUAN_FUZZ_SCALE`.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: crate::testing::fuzz_cases(cases),
        ..ProptestConfig::default()
    }
}

/// Longest one search may take in a debug build before it counts as a blow-up.
const SEARCH_BUDGET: Duration = Duration::from_secs(5);

/// Pieces of the query language and of the text it meets.
const QUERY_VOCABULARY: &[&str] = &[
    "\"",
    "“",
    "”",
    "「",
    "」",
    "『",
    "』",
    "(",
    ")",
    ":",
    "title:",
    "creator:",
    "subject:",
    "place:",
    "description:",
    "text:",
    "date:",
    "year:",
    "题名:",
    "作者:",
    "日期:",
    "TITLE:",
    "AND",
    "OR",
    "NOT",
    "&&",
    "||",
    "和",
    "或",
    "-",
    "+",
    "!",
    "*",
    "?",
    "~",
    "^",
    "\\",
    "静夜思",
    "明月",
    "光",
    "李白",
    "文化馆",
    "圖書館",
    "耀州窑",
    "𠀀",
    "〇",
    "ＡＢＣ",
    "１９５８",
    "：",
    "（",
    "）",
    "－",
    "ﷺ",
    "㍿",
    "ﬃ",
    "İ",
    "ß",
    "e\u{301}",
    "\u{200b}",
    "\u{feff}",
    "\u{0}",
    "libai",
    "wangyi",
    "Café",
    "abc123",
    "1958",
    "1900..1950",
    "1950-1960",
    "1950s",
    "民国",
    "清光绪十年",
    "公元前221年",
    "20世纪50年代",
    "-2147483648",
    "99999999999",
    "0",
    " ",
    "  ",
    "\t",
    "\n",
    "\u{3000}",
];

/// A query assembled from the vocabulary, sometimes with a long run of one piece.
fn vocabulary_query() -> impl Strategy<Value = String> {
    let pieces =
        prop::collection::vec(select(QUERY_VOCABULARY), 0..40).prop_map(|pieces| pieces.concat());
    let spaced =
        prop::collection::vec(select(QUERY_VOCABULARY), 0..40).prop_map(|pieces| pieces.join(" "));
    let run = (select(QUERY_VOCABULARY), 1..400usize, "[a-z ]{0,8}")
        .prop_map(|(piece, count, tail)| format!("{}{tail}", piece.repeat(count)));
    let nested = (0..300usize, select(QUERY_VOCABULARY))
        .prop_map(|(depth, inner)| format!("{}{inner}{}", "(".repeat(depth), ")".repeat(depth)));
    prop_oneof![4 => pieces, 4 => spaced, 1 => run, 1 => nested]
}

/// Any text: arbitrary characters, or vocabulary pieces.
fn any_query() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "\\PC{0,300}", vocabulary_query()]
}

/// Text of the kind a document may hold, hostile to offset arithmetic.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,200}",
        prop::collection::vec(select(QUERY_VOCABULARY), 0..60).prop_map(|pieces| pieces.concat()),
    ]
}

/// A corpus with the search tests' records and one of awkward Unicode.
fn corpus() -> SearchIndex {
    use DcElement::*;
    let index = small_corpus();
    let mut writer = index.writer().unwrap();
    let awkward = record(
        "awkward",
        &[
            (Title, "ﷺ ㍿ ﬃ İß e\u{301} ＡＢＣ 𠀀〇 \u{200b}\u{feff}"),
            (Description, "静夜思（ⅰ）　１９５８年　明月光 Ǆ ǅ ǆ ﬀ ﬁ ﬂ"),
            (Date, "民国二十年"),
        ],
        Some("明月 光 ﷺﷺﷺ 李白"),
    );
    writer
        .upsert(&IndexDocument {
            record: &awkward,
            institution: None,
            collection_name: None,
            thumbnail: None,
        })
        .unwrap();
    writer.commit().unwrap();
    index
}

/// A filter as a request may carry one: a facet name (or not) and a value.
fn any_filter() -> impl Strategy<Value = (String, String)> {
    let name = prop_oneof![
        4 => select(FACET_NAMES.to_vec()).prop_map(str::to_string),
        1 => "\\PC{0,12}",
    ];
    let value = prop_oneof![
        "-?[0-9]{1,20}-?-?[0-9]{0,20}",
        "\\PC{0,40}",
        Just("1950-1959".to_string()),
        Just("-9223372036854775808".to_string()),
    ];
    (name, value)
}

/// A cursor: one the index made, a mutated one, or junk.
fn any_cursor() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        "[rdDtc][0-9a-fA-F]{48}".prop_map(Some),
        "\\PC{0,60}".prop_map(Some),
    ]
}

fn any_sort() -> impl Strategy<Value = Sort> {
    select(Sort::ALL.to_vec())
}

/// Runs a search, asserting the outcome is `Ok` or the caller's mistake, in time.
fn checked_search(index: &SearchIndex, request: &SearchRequest) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let result = index.search(request);
    let elapsed = started.elapsed();
    prop_assert!(
        elapsed < SEARCH_BUDGET,
        "search took {elapsed:?} for {request:?}"
    );
    match result {
        Ok(results) => {
            prop_assert!(results.total as u64 <= index.num_docs());
            prop_assert!(results.hits.len() <= request.limit.min(MAX_LIMIT));
            for hit in &results.hits {
                prop_assert_eq!(hit.title_highlight.plain_text(), hit.title.clone());
            }
        }
        Err(Error::Invalid(_)) => {
            // Only filters and cursors can be refused, never the query.
            prop_assert!(
                !request.filters.is_empty() || request.cursor.is_some(),
                "a plain query was refused: {:?}",
                request.query
            );
        }
        Err(other) => prop_assert!(false, "search failed with {other:?} for {request:?}"),
    }
    Ok(())
}

thread_local! {
    static CORPUS: SearchIndex = corpus();
}

proptest! {
    #![proptest_config(config(3000))]

    /// Any query text runs on a real index and returns `Ok` in time.
    #[test]
    fn any_query_runs(query in any_query(), sort in any_sort()) {
        let mut request = SearchRequest::new(query);
        request.sort = sort;
        CORPUS.with(|index| checked_search(index, &request))?;
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// Whole requests: query, filters, cursor, paging, sort.
    #[test]
    fn any_request_runs_or_is_refused_as_the_callers_mistake(
        query in any_query(),
        filters in prop::collection::vec(any_filter(), 0..4),
        cursor in any_cursor(),
        sort in any_sort(),
        offset in prop_oneof![0..30usize, Just(usize::MAX), Just(MAX_OFFSET + 1)],
        limit in prop_oneof![0..30usize, Just(usize::MAX)],
        facets in any::<bool>(),
        suggest in any::<bool>(),
    ) {
        let request = SearchRequest { query, filters, sort, offset, limit, cursor, facets, suggest };
        CORPUS.with(|index| checked_search(index, &request))?;
    }

    /// The analysers map every token back onto whole characters of the text.
    #[test]
    fn tokens_map_back_to_the_original(text in any_text()) {
        let normalized = normalize(&text);
        prop_assert_eq!(normalized.chars.len(), normalized.spans.len());
        prop_assert_eq!(normalized.text.chars().count(), normalized.chars.len());
        for tokens in [word_tokens(&normalized), gram_tokens(&normalized), pinyin_tokens(&normalized)] {
            for token in tokens {
                prop_assert!(token.start < token.end, "{token:?}");
                prop_assert!(token.end <= normalized.chars.len(), "{token:?}");
                let (from, to) = normalized.original_range(token.start, token.end);
                prop_assert!(from <= to && to <= text.len());
                prop_assert!(text.is_char_boundary(from) && text.is_char_boundary(to));
            }
        }
        let _ = (query_word_tokens(&text), query_gram_tokens(&text), title_sort_key(&text));
    }

    /// Highlighting marks runs of the text as written, and keeps all of it.
    #[test]
    fn highlights_keep_the_text(text in any_text(), query in any_query()) {
        let terms = term_parts(&query);
        let highlighted = snippet::highlight(&text, &terms);
        prop_assert_eq!(highlighted.plain_text(), text.clone());
        if let Some(window) = snippet::snippet(&text, &terms, 120) {
            prop_assert!(window.has_highlights());
            let plain = window.plain_text();
            let inner = plain.trim_start_matches('…').trim_end_matches('…');
            prop_assert!(text.contains(inner), "{inner:?} is not part of {text:?}");
        }
    }

    /// Dates normalise to an ordered pair of years, or to nothing.
    #[test]
    fn dates_are_ordered_or_absent(text in any_query()) {
        if let Some((start, end)) = normalize_date(&text) {
            prop_assert!(start <= end, "{text:?} gave {start}..{end}");
        }
    }
}

/// Queries far above [`MAX_QUERY_CHARS`] are cut, not parsed in full.
#[test]
fn a_megabyte_query_is_cut_and_answered_in_time() {
    let index = corpus();
    for query in [
        "(".repeat(1 << 20),
        "\"".repeat(1 << 20),
        "明月 OR ".repeat(1 << 17),
        format!("title:{}", "静".repeat(1 << 20)),
    ] {
        assert!(query.chars().count() > MAX_QUERY_CHARS);
        let request = SearchRequest::new(query);
        checked_search(&index, &request).unwrap();
    }
}

/// Marking a long text stays quick whatever the terms: a
/// 200 KB full text of one repeated letter against the longest query term.
#[test]
fn marking_a_long_repetitive_text_is_quick() {
    let text = "a".repeat(200_000);
    let terms = vec![format!("{}b", "a".repeat(MAX_QUERY_CHARS - 1))];
    let started = Instant::now();
    assert!(snippet::snippet(&text, &terms, 120).is_none());
    let highlighted = snippet::highlight(&text, &terms);
    assert!(!highlighted.has_highlights());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
