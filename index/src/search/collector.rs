//! One pass over the matching documents: total count, facet counts, and
//! the top hits in the requested order after an optional cursor.
//!
//! Every sort order is expressed as a [`SortKey`] where smaller comes first
//! and the item id's hash breaks ties, so "the page after this hit" is a
//! plain comparison: a cursor page costs one pass and a heap of `limit`
//! entries, whatever its depth.

use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::schema::{FACET_NAMES, facet_column};

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Best match first.
    #[default]
    Relevance,
    /// Oldest first; undated items last.
    DateAsc,
    /// Newest first; undated items last.
    DateDesc,
    /// By the pinyin of the title.
    Title,
    /// Most recently catalogued first.
    Recent,
}

impl Sort {
    /// Every order, with its stable name.
    pub const ALL: [Sort; 5] = [
        Sort::Relevance,
        Sort::DateAsc,
        Sort::DateDesc,
        Sort::Title,
        Sort::Recent,
    ];

    /// The stable name used in URLs, the API and the command line (one
    /// table for every face).
    pub fn name(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::DateAsc => "date_asc",
            Sort::DateDesc => "date_desc",
            Sort::Title => "title",
            Sort::Recent => "recent",
        }
    }

    /// Parses a name made by [`Sort::name`] (`-` accepted for `_`, and
    /// `date`, the command line's older name, for `date_asc`).
    pub fn from_name(name: &str) -> Option<Sort> {
        let normalized = name.trim().replace('-', "_");
        if normalized == "date" {
            return Some(Sort::DateAsc);
        }
        Sort::ALL.into_iter().find(|sort| sort.name() == normalized)
    }

    /// One-letter tag used in cursors.
    pub fn tag(self) -> char {
        match self {
            Sort::Relevance => 'r',
            Sort::DateAsc => 'a',
            Sort::DateDesc => 'd',
            Sort::Title => 't',
            Sort::Recent => 'n',
        }
    }
}

/// Position of a document in a sort order; smaller comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SortKey {
    /// Main key (score, year, title, time).
    pub primary: u64,
    /// Second key (end year, rest of the title).
    pub secondary: u64,
    /// Hash of the item id: breaks ties deterministically.
    pub tie: u64,
}

impl SortKey {
    /// Encodes the key as an opaque cursor for `sort`.
    pub fn to_cursor(self, sort: Sort) -> String {
        format!(
            "{}{:016x}{:016x}{:016x}",
            sort.tag(),
            self.primary,
            self.secondary,
            self.tie
        )
    }

    /// Decodes a cursor made by [`SortKey::to_cursor`] for the same sort;
    /// `None` for anything else.
    pub fn from_cursor(cursor: &str, sort: Sort) -> Option<SortKey> {
        let rest = cursor.strip_prefix(sort.tag())?;
        if rest.len() != 48 || !rest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(SortKey {
            primary: u64::from_str_radix(&rest[..16], 16).ok()?,
            secondary: u64::from_str_radix(&rest[16..32], 16).ok()?,
            tie: u64::from_str_radix(&rest[32..], 16).ok()?,
        })
    }
}

/// Maps an i64 onto a u64 with the same order.
fn ordered_i64(value: i64) -> u64 {
    (value as u64) ^ (1 << 63)
}

/// Maps a score onto a u64 with the same order.
fn ordered_score(score: Score) -> u64 {
    let bits = score.to_bits();
    let ordered = if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    };
    u64::from(ordered)
}

/// A hit as collected: its sort key, score and address.
#[derive(Debug, Clone, Copy)]
pub struct Collected {
    /// Where it sorts.
    pub key: SortKey,
    /// Relevance score (0 when not scored).
    pub score: Score,
    /// The document.
    pub address: DocAddress,
}

/// What the collector returns.
#[derive(Debug, Default)]
pub struct Collection {
    /// Number of matching documents.
    pub total: u64,
    /// Number of matching documents after the cursor (= total without one).
    pub after_cursor: u64,
    /// The first `limit` hits after the cursor, in order.
    pub top: Vec<Collected>,
    /// Counts per facet (in [`FACET_NAMES`] order) per value.
    pub facets: Vec<HashMap<String, u64>>,
}

/// Counts, sorts and pages the matches of a query.
pub struct SearchCollector {
    /// Order of the hits.
    pub sort: Sort,
    /// How many hits to keep.
    pub limit: usize,
    /// Only keep hits strictly after this key.
    pub after: Option<SortKey>,
    /// Whether to count facets.
    pub facets: bool,
    /// Each segment's columns, by segment ordinal.
    pub columns: Arc<Vec<Arc<SegmentColumns>>>,
}

/// The fast-field columns a search reads in one segment. Opening one looks
/// its name up, and a facet's text column also opens its dictionary (≈ 5 %
/// of a one-word query with facets): [`super::SearchIndex`] opens them once
/// per searcher generation.
pub struct SegmentColumns {
    /// The segment they belong to (a segment never changes: its columns
    /// serve every generation it is part of).
    pub segment_id: SegmentId,
    /// The id's hash, the last tie-break of every order.
    pub id_key: Column<u64>,
    year_start: Column<i64>,
    year_end: Column<i64>,
    created_at: Column<i64>,
    title_key1: Column<u64>,
    title_key2: Column<u64>,
    /// Per facet (in [`FACET_NAMES`] order), its column and how a
    /// document's values are read in it; `None` for the year and for a
    /// column without values, which counts nothing.
    facets: Vec<Option<(StrColumn, Values)>>,
    /// The first decade of `year_start` and the number of decades its
    /// years span, when they span at most [`DENSE_DECADES`].
    decades: Option<(i64, usize)>,
    /// The decades of `year_start` as runs, when they come in runs.
    decade_runs: Option<Runs<Option<i64>>>,
}

impl SegmentColumns {
    /// The columns of segment `ordinal` from `opened`, or opened now when
    /// they are not there.
    pub fn get_or_open(
        opened: &[Arc<SegmentColumns>],
        ordinal: usize,
        reader: &SegmentReader,
    ) -> tantivy::Result<Arc<SegmentColumns>> {
        match opened.get(ordinal) {
            Some(columns) => Ok(columns.clone()),
            None => Ok(Arc::new(SegmentColumns::open(reader)?)),
        }
    }

    /// Opens the columns of one segment.
    pub fn open(reader: &SegmentReader) -> tantivy::Result<Self> {
        let fast = reader.fast_fields();
        let mut facets = Vec::new();
        for name in FACET_NAMES {
            let column = match name {
                "year" => None,
                _ => fast.str(&facet_column(name))?,
            };
            facets.push(
                column
                    .filter(|column| column.num_terms() > 0)
                    .map(|column| {
                        let values = match (column.ords().get_cardinality(), column.num_terms()) {
                            (Cardinality::Full, 1) => Values::Constant,
                            (Cardinality::Full, _) => Runs::of(reader.max_doc(), |docs, ords| {
                                column.ords().values.get_vals(docs, ords)
                            })
                            .map_or(Values::Single, Values::Runs),
                            _ => Values::Many,
                        };
                        (column, values)
                    }),
            );
        }
        let year_start = fast.i64("year_start")?;
        let decade_runs = Runs::of(reader.max_doc(), |docs, decades| {
            year_start.first_vals(docs, decades);
            for decade in decades.iter_mut().flatten() {
                *decade = decade.div_euclid(10);
            }
        });
        let (first, last) = (
            year_start.min_value().div_euclid(10),
            year_start.max_value().div_euclid(10),
        );
        let decades = (last - first < DENSE_DECADES)
            .then(|| usize::try_from(last - first + 1).ok())
            .flatten()
            .map(|span| (first, span));
        Ok(SegmentColumns {
            segment_id: reader.segment_id(),
            id_key: fast.u64("id_key")?,
            decades,
            decade_runs,
            year_start,
            year_end: fast.i64("year_end")?,
            created_at: fast.i64("created_at")?,
            title_key1: fast.u64("title_key1")?,
            title_key2: fast.u64("title_key2")?,
            facets,
        })
    }
}

/// Most documents [`FacetCounter::count_block`] takes at once (tantivy's
/// blocks of unscored matches are 64 long).
pub const BLOCK: usize = 64;

/// A segment's matching documents as bits, one per document: counted by
/// ranges of documents in a few instructions per 64.
pub(crate) struct Matches {
    words: Vec<u64>,
}

impl Matches {
    /// No match among documents `0..max_doc`.
    pub fn new(max_doc: DocId) -> Self {
        Matches {
            words: vec![0; (max_doc as usize).div_ceil(64)],
        }
    }

    /// Adds a matching document.
    pub fn insert(&mut self, doc: DocId) {
        if let Some(word) = self.words.get_mut(doc as usize / 64) {
            *word |= 1 << (doc % 64);
        }
    }

    /// Removes the documents `keep` says no to.
    pub fn retain(&mut self, keep: impl Fn(DocId) -> bool) {
        for (index, word) in self.words.iter_mut().enumerate() {
            let mut bits = *word;
            while bits != 0 {
                let bit = bits.trailing_zeros();
                if !keep(index as DocId * 64 + bit) {
                    *word &= !(1 << bit);
                }
                bits &= bits - 1;
            }
        }
    }

    /// The number of matches.
    pub fn len(&self) -> u64 {
        self.words
            .iter()
            .map(|word| u64::from(word.count_ones()))
            .sum()
    }

    /// The matches among documents `start..end`.
    pub fn count_range(&self, start: DocId, end: DocId) -> u64 {
        if start >= end {
            return 0;
        }
        let (first, last) = (start as usize / 64, (end as usize - 1) / 64);
        let head = u64::MAX << (start % 64);
        let tail = u64::MAX >> (63 - (end - 1) % 64);
        let word = |index: usize| self.words.get(index).copied().unwrap_or(0);
        if first == last {
            return u64::from((word(first) & head & tail).count_ones());
        }
        let inner: u64 = (first + 1..last)
            .map(|index| u64::from(word(index).count_ones()))
            .sum();
        u64::from((word(first) & head).count_ones())
            + inner
            + u64::from((word(last) & tail).count_ones())
    }

    /// The matching documents, in increasing order.
    pub fn docs(&self) -> impl Iterator<Item = DocId> + '_ {
        self.words.iter().enumerate().flat_map(|(index, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let bit = bits.trailing_zeros();
                    bits &= bits - 1;
                    index as DocId * 64 + bit
                })
            })
        })
    }
}

/// How a facet column's values are read for a document.
enum Values {
    /// Every document has the column's one value (a segment of one
    /// venue's or one collection's items): nothing to read.
    Constant,
    /// Every document has exactly one value: its ordinal, read directly.
    Single,
    /// Every document has exactly one value, the same as its neighbours'
    /// for long stretches (items come in batches: a folder of one
    /// collection, one type): a block of matches is counted run by run.
    /// One document alone is read as [`Values::Single`].
    Runs(Runs<u64>),
    /// Any number of values, through the multi-value index.
    Many,
}

/// Shortest average run for which a column is kept as [`Runs`].
const MIN_AVERAGE_RUN: u32 = 16;

/// Documents read at a time while finding a column's runs.
const RUNS_CHUNK: usize = 1024;

/// A column's values as runs of consecutive documents with the same value.
pub struct Runs<T> {
    /// One past the last document of each run, increasing.
    ends: Vec<DocId>,
    /// Each run's value.
    values: Vec<T>,
}

impl<T: Copy + Default + PartialEq> Runs<T> {
    /// The runs of the values `read` gives documents `0..max_doc`, or
    /// `None` when they average fewer than [`MIN_AVERAGE_RUN`] documents.
    fn of(max_doc: DocId, read: impl Fn(&[DocId], &mut [T])) -> Option<Self> {
        let most = (max_doc / MIN_AVERAGE_RUN).max(1) as usize;
        let mut runs = Runs {
            ends: Vec::new(),
            values: Vec::new(),
        };
        let mut values = [T::default(); RUNS_CHUNK];
        let mut docs = Vec::with_capacity(RUNS_CHUNK);
        for start in (0..max_doc).step_by(RUNS_CHUNK) {
            docs.clear();
            docs.extend(start..max_doc.min(start + RUNS_CHUNK as DocId));
            let values = &mut values[..docs.len()];
            values.fill(T::default());
            read(&docs, values);
            for (&doc, &value) in docs.iter().zip(values.iter()) {
                if runs.values.last() == Some(&value) {
                    continue;
                }
                if runs.values.len() == most {
                    return None;
                }
                if !runs.values.is_empty() {
                    runs.ends.push(doc);
                }
                runs.values.push(value);
            }
        }
        if !runs.values.is_empty() {
            runs.ends.push(max_doc);
        }
        Some(runs)
    }

    /// Calls `add(value, n)` for each run holding `n` > 0 of `matches`.
    fn count_ranges(&self, matches: &Matches, mut add: impl FnMut(T, u64)) {
        let mut start = 0;
        for (&end, &value) in self.ends.iter().zip(&self.values) {
            let n = matches.count_range(start, end);
            if n > 0 {
                add(value, n);
            }
            start = end;
        }
    }

    /// Calls `add(value, n)` for each run holding `n` of `docs` (increasing).
    fn count(&self, docs: &[DocId], mut add: impl FnMut(T, u64)) {
        let mut rest = docs;
        while let Some(&first) = rest.first() {
            let run = self.ends.partition_point(|&end| end <= first);
            let (Some(&end), Some(&value)) = (self.ends.get(run), self.values.get(run)) else {
                return;
            };
            let n = rest.partition_point(|&doc| doc < end);
            add(value, n as u64);
            rest = &rest[n..];
        }
    }
}

/// Most decades a segment's years may span for [`Decades::Dense`]
/// (10 240 years: any real archive's).
const DENSE_DECADES: i64 = 1024;

/// Matches per decade of `year_start`.
enum Decades {
    /// A counter for each decade from the segment's first.
    Dense { first: i64, counts: Vec<u64> },
    /// Counters by decade, for a segment whose years span more.
    Sparse(HashMap<i64, u64>),
}

impl Decades {
    /// Counts one match in the decade of `year`.
    fn count(&mut self, year: i64) {
        self.add(year.div_euclid(10), 1);
    }

    /// Counts the `n` matches of a run of decades (`None`: undated).
    fn add_run(&mut self, decade: Option<i64>, n: u64) {
        if let Some(decade) = decade {
            self.add(decade, n);
        }
    }

    /// Counts `n` matches in `decade` (a year divided by 10, rounded down).
    fn add(&mut self, decade: i64, n: u64) {
        match self {
            Decades::Dense { first, counts } => {
                if let Some(count) = usize::try_from(decade - *first)
                    .ok()
                    .and_then(|i| counts.get_mut(i))
                {
                    *count += n;
                }
            }
            Decades::Sparse(counts) => *counts.entry(decade).or_default() += n,
        }
    }

    /// (first year of the decade, matches) for each decade with matches.
    fn counts(&self) -> Vec<(i64, u64)> {
        match self {
            Decades::Dense { first, counts } => (*first..)
                .zip(counts.iter().copied())
                .filter(|(_, count)| *count > 0)
                .map(|(decade, count)| (decade * 10, count))
                .collect(),
            Decades::Sparse(counts) => counts
                .iter()
                .map(|(decade, count)| (decade * 10, *count))
                .collect(),
        }
    }
}

/// Per-segment facet counts: a counter per value of each facet column,
/// and per decade of `year_start`.
pub struct FacetCounter {
    columns: Arc<SegmentColumns>,
    /// Per facet, a counter per value ordinal.
    ords: Vec<Vec<u64>>,
    /// Matches per decade.
    decades: Decades,
}

impl FacetCounter {
    /// A counter over the facet columns of one segment.
    pub fn new(columns: Arc<SegmentColumns>) -> Self {
        let ords = columns
            .facets
            .iter()
            .map(|facet| {
                facet
                    .as_ref()
                    .map(|(column, _)| vec![0; column.num_terms()])
                    .unwrap_or_default()
            })
            .collect();
        let decades = match columns.decades {
            Some((first, count)) => Decades::Dense {
                first,
                counts: vec![0; count],
            },
            None => Decades::Sparse(HashMap::new()),
        };
        FacetCounter {
            columns,
            ords,
            decades,
        }
    }

    /// Each facet column with values, its counters and how it is read.
    fn counters(&mut self) -> impl Iterator<Item = (&StrColumn, &mut Vec<u64>, &Values)> {
        self.columns
            .facets
            .iter()
            .zip(self.ords.iter_mut())
            .filter_map(|(facet, counts)| {
                let (column, values) = facet.as_ref()?;
                Some((column, counts, values))
            })
    }

    /// Counts the values of one matching document.
    pub fn count(&mut self, doc: DocId) {
        for (column, counts, values) in self.counters() {
            match values {
                Values::Constant => tally(counts, [0]),
                Values::Single | Values::Runs(_) => {
                    tally(counts, [column.ords().values.get_val(doc)]);
                }
                Values::Many => tally(counts, column.term_ords(doc)),
            }
        }
        if let Some(year) = self.columns.year_start.first(doc) {
            self.decades.count(year);
        }
    }

    /// Counts the values of a block of matching documents (in increasing
    /// order, at most [`BLOCK`]): the same as [`FacetCounter::count`] for
    /// each, with one column read per block where columns allow it.
    pub fn count_block(&mut self, docs: &[DocId]) {
        self.count_block_with(docs, false);
    }

    /// [`FacetCounter::count_block`], leaving out the columns
    /// [`FacetCounter::count_matches`] counts by ranges when `ranged_counted`.
    fn count_block_with(&mut self, docs: &[DocId], ranged_counted: bool) {
        debug_assert!(docs.len() <= BLOCK);
        let mut ords = [0u64; BLOCK];
        let ords = &mut ords[..docs.len()];
        for (column, counts, values) in self.counters() {
            match values {
                Values::Constant | Values::Runs(_) if ranged_counted => {}
                Values::Constant => counts[0] += docs.len() as u64,
                Values::Single => {
                    column.ords().values.get_vals(docs, ords);
                    tally(counts, ords.iter().copied());
                }
                Values::Runs(runs) => runs.count(docs, |ord, n| add(counts, ord, n)),
                Values::Many => {
                    for &doc in docs {
                        tally(counts, column.term_ords(doc));
                    }
                }
            }
        }
        match &self.columns.decade_runs {
            Some(_) if ranged_counted => {}
            Some(runs) => runs.count(docs, |decade, n| self.decades.add_run(decade, n)),
            None => {
                let mut years = [None; BLOCK];
                let years = &mut years[..docs.len()];
                self.columns.year_start.first_vals(docs, years);
                for &year in years.iter().flatten() {
                    self.decades.count(year);
                }
            }
        }
    }

    /// Counts every document of `matches`: a column of one value by the
    /// number of matches, a column of runs by the matches in each run's
    /// range of documents, the others document by document.
    pub(crate) fn count_matches(&mut self, matches: &Matches) {
        let total = matches.len();
        let mut by_document = false;
        for (_, counts, values) in self.counters() {
            match values {
                Values::Constant => counts[0] += total,
                Values::Runs(runs) => runs.count_ranges(matches, |ord, n| add(counts, ord, n)),
                Values::Single | Values::Many => by_document = true,
            }
        }
        match &self.columns.decade_runs {
            Some(runs) => runs.count_ranges(matches, |decade, n| self.decades.add_run(decade, n)),
            None => by_document = true,
        }
        if by_document {
            let mut block = Vec::with_capacity(BLOCK);
            for doc in matches.docs() {
                block.push(doc);
                if block.len() == BLOCK {
                    self.count_block_with(&block, true);
                    block.clear();
                }
            }
            self.count_block_with(&block, true);
        }
    }

    /// The counts per facet (in [`FACET_NAMES`] order) per value.
    pub fn harvest(self) -> Vec<HashMap<String, u64>> {
        let mut facets = Vec::with_capacity(FACET_NAMES.len());
        for (index, name) in FACET_NAMES.iter().enumerate() {
            let mut values = HashMap::new();
            if *name == "year" {
                for (decade, count) in self.decades.counts() {
                    values.insert(format!("{}-{}", decade, decade + 9), count);
                }
            } else if let Some((column, _)) = &self.columns.facets[index] {
                let mut text = String::new();
                for (ord, count) in self.ords[index].iter().enumerate() {
                    if *count > 0 && column.ord_to_str(ord as u64, &mut text).unwrap_or(false) {
                        values.insert(text.clone(), *count);
                    }
                }
            }
            facets.push(values);
        }
        facets
    }
}

/// Adds one to the counter of each value ordinal.
fn tally(counts: &mut [u64], ords: impl IntoIterator<Item = u64>) {
    for ord in ords {
        add(counts, ord, 1);
    }
}

/// Adds `n` to the counter of value ordinal `ord` (an ordinal past the
/// counters, which a column never gives, is ignored).
fn add(counts: &mut [u64], ord: u64, n: u64) {
    if let Some(count) = counts.get_mut(ord as usize) {
        *count += n;
    }
}

/// The first `limit` hits of one segment by [`SortKey`].
pub struct Top {
    limit: usize,
    heap: BinaryHeap<(SortKey, DocId, u32)>,
}

impl Top {
    /// An empty list keeping at most `limit` hits.
    pub fn new(limit: usize) -> Self {
        Top {
            limit,
            heap: BinaryHeap::new(),
        }
    }

    /// The most hits kept.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// True when `limit` hits are kept: a new one must beat [`Top::worst`].
    pub fn is_full(&self) -> bool {
        self.heap.len() >= self.limit
    }

    /// The last kept hit's key and score, once the list is full.
    pub fn worst(&self) -> Option<(SortKey, Score)> {
        if !self.is_full() {
            return None;
        }
        self.heap
            .peek()
            .map(|(key, _, bits)| (*key, f32::from_bits(*bits)))
    }

    /// Keeps a hit by relevance if it is among the first `limit` so far;
    /// `tie` (the id hash, a column read) is only asked for when the score
    /// alone does not decide.
    pub fn offer_scored(&mut self, score: Score, doc: DocId, tie: impl FnOnce() -> u64) {
        if let Some((worst, _)) = self.worst()
            && worst.primary < relevance_key(score, 0).primary
        {
            return;
        }
        self.offer(relevance_key(score, tie()), doc, score);
    }

    /// Keeps the hit if it is among the first `limit` so far.
    pub fn offer(&mut self, key: SortKey, doc: DocId, score: Score) {
        if self.limit == 0 {
            return;
        }
        if self.heap.len() < self.limit {
            self.heap.push((key, doc, score.to_bits()));
        } else if self.heap.peek().is_some_and(|worst| key < worst.0) {
            self.heap.pop();
            self.heap.push((key, doc, score.to_bits()));
        }
    }

    /// The kept hits, addressed in `segment` (unordered).
    pub fn into_collected(self, segment: SegmentOrdinal) -> Vec<Collected> {
        self.heap
            .into_iter()
            .map(|(key, doc, bits)| Collected {
                key,
                score: f32::from_bits(bits),
                address: DocAddress::new(segment, doc),
            })
            .collect()
    }
}

/// The sort key of a hit by relevance: higher scores first, then the id hash.
pub fn relevance_key(score: Score, tie: u64) -> SortKey {
    SortKey {
        primary: u64::MAX - ordered_score(score),
        secondary: 0,
        tie,
    }
}

/// The score a relevance key was made from ([`relevance_key`]); NaN for a
/// key no score makes (a tampered cursor).
pub fn key_score(key: SortKey) -> Score {
    let Ok(ordered) = u32::try_from(u64::MAX - key.primary) else {
        return f32::NAN;
    };
    let bits = if ordered & 0x8000_0000 != 0 {
        ordered & 0x7FFF_FFFF
    } else {
        !ordered
    };
    f32::from_bits(bits)
}

/// Adds up the collections of the segments, keeping the first `limit` hits.
pub fn merge(fruits: Vec<Collection>, limit: usize) -> Collection {
    let mut merged = Collection {
        facets: vec![HashMap::new(); FACET_NAMES.len()],
        ..Collection::default()
    };
    for fruit in fruits {
        merged.total += fruit.total;
        merged.after_cursor += fruit.after_cursor;
        merged.top.extend(fruit.top);
        for (into, from) in merged.facets.iter_mut().zip(fruit.facets) {
            for (value, count) in from {
                *into.entry(value).or_default() += count;
            }
        }
    }
    merged.top.sort_by_key(|hit| hit.key);
    merged.top.truncate(limit);
    merged
}

/// Per-segment state of [`SearchCollector`].
pub struct SearchSegmentCollector {
    segment: SegmentOrdinal,
    sort: Sort,
    after: Option<SortKey>,
    columns: Arc<SegmentColumns>,
    facets: Option<FacetCounter>,
    top: Top,
    total: u64,
    after_cursor: u64,
}

impl Collector for SearchCollector {
    type Fruit = Collection;
    type Child = SearchSegmentCollector;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SearchSegmentCollector> {
        let columns = SegmentColumns::get_or_open(&self.columns, segment as usize, reader)?;
        Ok(SearchSegmentCollector {
            segment,
            sort: self.sort,
            after: self.after,
            facets: self.facets.then(|| FacetCounter::new(columns.clone())),
            columns,
            top: Top::new(self.limit),
            total: 0,
            after_cursor: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.sort == Sort::Relevance
    }

    fn merge_fruits(&self, fruits: Vec<Collection>) -> tantivy::Result<Collection> {
        Ok(merge(fruits, self.limit))
    }
}

impl SearchSegmentCollector {
    /// The sort key of a document.
    fn key(&self, doc: DocId, score: Score) -> SortKey {
        let tie = self.columns.id_key.first(doc).unwrap_or_default();
        let (primary, secondary) = match self.sort {
            Sort::Relevance => return relevance_key(score, tie),
            Sort::DateAsc => match self.columns.year_start.first(doc) {
                Some(year) => (
                    ordered_i64(year),
                    ordered_i64(self.columns.year_end.first(doc).unwrap_or(year)),
                ),
                None => (u64::MAX, 0),
            },
            Sort::DateDesc => match self.columns.year_start.first(doc) {
                Some(year) => (
                    u64::MAX - 1 - ordered_i64(year),
                    u64::MAX - ordered_i64(self.columns.year_end.first(doc).unwrap_or(year)),
                ),
                None => (u64::MAX, 0),
            },
            Sort::Title => (
                self.columns.title_key1.first(doc).unwrap_or_default(),
                self.columns.title_key2.first(doc).unwrap_or_default(),
            ),
            Sort::Recent => (
                u64::MAX - ordered_i64(self.columns.created_at.first(doc).unwrap_or_default()),
                0,
            ),
        };
        SortKey {
            primary,
            secondary,
            tie,
        }
    }
}

impl SegmentCollector for SearchSegmentCollector {
    type Fruit = Collection;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        if let Some(facets) = &mut self.facets {
            facets.count(doc);
        }
        if self.after.is_none() {
            self.after_cursor += 1;
            // By relevance, a full list whose worst hit scores better than
            // this one needs no sort key (the id hash only breaks ties).
            if self.top.is_full()
                && (self.top.limit == 0
                    || self.sort == Sort::Relevance
                        && self.top.worst().is_some_and(|(worst, _)| {
                            worst.primary < relevance_key(score, 0).primary
                        }))
            {
                return;
            }
        }
        let key = self.key(doc, score);
        if let Some(after) = self.after {
            if key <= after {
                return;
            }
            self.after_cursor += 1;
        }
        self.top.offer(key, doc, score);
    }

    fn harvest(self) -> Collection {
        Collection {
            total: self.total,
            after_cursor: self.after_cursor,
            top: self.top.into_collected(self.segment),
            facets: self.facets.map(FacetCounter::harvest).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests;
