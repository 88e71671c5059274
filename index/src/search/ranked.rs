//! Relevance ranking of a query that is one word or phrase, without scoring
//! every match.
//!
//! A word typed alone is looked for in a dozen fields at once (the
//! alternatives of [`super::query::BuiltQuery`]). One character matches tens
//! of thousands of poems; scoring all of them to keep twenty made those the
//! slowest queries there were. Here the first page comes from tantivy's
//! block-max WAND, which skips whole blocks of postings that cannot beat the
//! twentieth score so far; the total comes from a count, and facets from a
//! pass that scores nothing.
//!
//! A cursor page is a full pass (it must skip everything before the cursor),
//! and it has to agree with the pruned first page to the last bit, or the hit
//! at a page boundary could be shown twice or never. tantivy adds the
//! alternatives' scores up in an order that depends on how the matches were
//! visited, which changes the last bits. So every candidate's score is
//! computed again here, by [`Rescorer`]: each alternative's score, added in the
//! alternatives' fixed order. The score of the visit only decides, with a
//! margin far above any rounding, whether a document can be a candidate.
//!
//! An index usually has several segments (ingest commits per batch). The
//! largest is ranked first, and each later segment's pruned pass starts from
//! the score the hits found so far already beat `limit` times, rather than
//! from nothing.
//!
//! A segment where the word is rare (at most [`PRUNE_ABOVE`] matches by the
//! postings' lengths) skips all this: the [`Rescorer`]'s own scorers are
//! walked together once, which counts, scores canonically and pages in one
//! pass, opening a third of the scorers.

use std::cell::OnceCell;
use std::sync::Arc;

use tantivy::query::{
    BooleanQuery, BooleanWeight, EnableScoring, Explanation, Occur, Query, Scorer, SumCombiner,
    Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term};

use super::collector::{
    BLOCK, Collection, FacetCounter, Matches, SegmentColumns, SortKey, Top, key_score, merge,
    relevance_key,
};

/// Relative difference between two sums of the same scores, added in
/// different orders, that is certainly never reached (the rounding of a sum
/// of n f32 terms is below n × 6e-8 of it, and n is at most a few dozen).
const MARGIN: f32 = 1e-4;

/// Up to this many matches (estimated from the postings' lengths) the
/// alternatives are walked together in one pass, which scores every match
/// canonically; beyond it, pruning pays for the extra scorers it opens (a
/// WAND pass, then a count).
const PRUNE_ABOVE: u64 = 2_000;

/// [`Segment::floor_from_fewer_matches`] applies when one alternative has
/// at least this many times the matches of all the others together.
const FEWER_MATCHES_RATIO: u64 = 4;

/// How far the visit's score of a document may be from its [`Rescorer`] score.
fn margin(score: Score) -> Score {
    score.abs() * MARGIN + f32::MIN_POSITIVE
}

/// The canonical relevance of documents of one segment: the scores of the
/// alternatives that match, added in the alternatives' order. Documents must
/// be asked for in increasing order.
struct Rescorer {
    scorers: Vec<Box<dyn Scorer>>,
}

impl Rescorer {
    fn new(weights: &[Arc<dyn Weight>], reader: &SegmentReader) -> tantivy::Result<Self> {
        let scorers = weights
            .iter()
            .map(|weight| weight.scorer(reader, 1.0))
            .collect::<tantivy::Result<_>>()?;
        Ok(Rescorer { scorers })
    }

    /// An upper bound of the number of matches.
    fn estimate(&self) -> u64 {
        self.scorers
            .iter()
            .map(|scorer| u64::from(scorer.size_hint()))
            .sum()
    }

    /// Visits every match in order with its canonical score: the scorers
    /// walked together, each match's scores added in the alternatives' order.
    fn for_each(&mut self, callback: &mut dyn FnMut(DocId, Score)) {
        // Alternatives without a match here (the word is in no title of
        // this segment) add nothing: leave them out of the walk. The others
        // keep their order; their current documents are kept beside them.
        self.scorers.retain(|scorer| scorer.doc() != TERMINATED);
        let mut docs: Vec<DocId> = self.scorers.iter().map(|scorer| scorer.doc()).collect();
        loop {
            let doc = docs.iter().copied().min().unwrap_or(TERMINATED);
            if doc == TERMINATED {
                return;
            }
            let mut total = 0.0;
            for (scorer, current) in self.scorers.iter_mut().zip(docs.iter_mut()) {
                if *current == doc {
                    total += scorer.score();
                    *current = scorer.advance();
                }
            }
            callback(doc, total);
        }
    }

    fn score(&mut self, doc: DocId) -> Score {
        let mut total = 0.0;
        for scorer in &mut self.scorers {
            if scorer.doc() < doc {
                scorer.seek(doc);
            }
            if scorer.doc() == doc && doc != TERMINATED {
                total += scorer.score();
            }
        }
        total
    }
}

/// Checks, in debug builds, that the visit's score is the canonical one
/// up to rounding (it would not be if tantivy's union did more than add).
fn check_close(visited: Score, canonical: Score) {
    debug_assert!(
        (visited - canonical).abs() <= margin(canonical),
        "the union scored {visited}, its alternatives add up to {canonical}"
    );
}

/// The weight of the alternatives' union without scores, made on first use.
struct LazyWeight<'a> {
    alternatives: &'a [Box<dyn Query>],
    searcher: &'a Searcher,
    weight: OnceCell<Box<dyn Weight>>,
}

impl LazyWeight<'_> {
    fn get(&self) -> tantivy::Result<&dyn Weight> {
        if let Some(weight) = self.weight.get() {
            return Ok(weight.as_ref());
        }
        let union = BooleanQuery::new(
            self.alternatives
                .iter()
                .map(|alternative| (Occur::Should, alternative.box_clone()))
                .collect(),
        );
        let weight = union.weight(EnableScoring::disabled_from_searcher(self.searcher))?;
        Ok(self.weight.get_or_init(|| weight).as_ref())
    }
}

/// A weight used in two places: the union and the [`Rescorer`].
struct Shared(Arc<dyn Weight>);

impl Weight for Shared {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        self.0.scorer(reader, boost)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.0.count(reader)
    }
}

/// The pruning threshold for a list of hits: anything that may still get in.
fn threshold(top: &Top) -> Score {
    match top.worst() {
        Some((_, worst)) => worst - margin(worst),
        None => f32::NEG_INFINITY,
    }
}

/// Collects the matches of `query` — the union of `alternatives` — by
/// relevance: the first `limit` hits after `after`, the total, the number
/// after the cursor and, when asked, the facet counts.
/// `columns`: the searcher's segments' columns, by ordinal.
pub fn collect(
    (searcher, columns): (&Searcher, &[Arc<SegmentColumns>]),
    alternatives: &[Box<dyn Query>],
    limit: usize,
    after: Option<SortKey>,
    facets: bool,
) -> tantivy::Result<Collection> {
    collect_pruning_above(
        (searcher, columns),
        alternatives,
        (limit, after, facets),
        PRUNE_ABOVE,
    )
}

/// [`collect`], pruning segments with more than `prune_above` estimated matches.
pub(crate) fn collect_pruning_above(
    (searcher, columns): (&Searcher, &[Arc<SegmentColumns>]),
    alternatives: &[Box<dyn Query>],
    (limit, after, facets): (usize, Option<SortKey>, bool),
    prune_above: u64,
) -> tantivy::Result<Collection> {
    let scoring = EnableScoring::enabled_from_searcher(searcher);
    let weights = alternatives
        .iter()
        .map(|alternative| Ok(Arc::from(alternative.weight(scoring)?)))
        .collect::<tantivy::Result<Vec<Arc<dyn Weight>>>>()?;
    let weight = union_of(weights.iter());
    // A word of one or two characters: counted from its postings' blocks.
    let terms = single_terms(alternatives);
    // Counting needs neither scores nor term frequencies; made when a
    // segment is pruned.
    let counting = LazyWeight {
        alternatives,
        searcher,
        weight: OnceCell::new(),
    };
    // The largest segment first: the hits it finds set the bar the others'
    // first pages must clear.
    let readers = searcher.segment_readers();
    let mut order: Vec<usize> = (0..readers.len()).collect();
    order.sort_by_key(|&ordinal| std::cmp::Reverse(readers[ordinal].num_docs()));
    let mut fruits = Vec::new();
    let mut floor = f32::NEG_INFINITY;
    for ordinal in order {
        let reader = &readers[ordinal];
        let columns = SegmentColumns::get_or_open(columns, ordinal, reader)?;
        let segment = Segment {
            weight: &weight,
            weights: &weights,
            terms: terms.as_deref(),
            counting: &counting,
            reader,
            rescorer: Rescorer::new(&weights, reader)?,
            id_key: columns.id_key.clone(),
            top: Top::new(limit),
            facets: facets.then(|| FacetCounter::new(columns)),
        };
        fruits.push(segment.collect(ordinal as u32, after, prune_above, floor)?);
        if after.is_none() {
            floor = floor_of(&fruits, limit);
        }
    }
    Ok(merge(fruits, limit))
}

/// The scored union of `weights`, sharing them (what BooleanQuery::weight
/// builds for should-only clauses, without computing each BM25 weight again).
fn union_of<'a>(weights: impl Iterator<Item = &'a Arc<dyn Weight>>) -> BooleanWeight<SumCombiner> {
    BooleanWeight::with_minimum_number_should_match(
        weights
            .map(|weight| {
                (
                    Occur::Should,
                    Box::new(Shared(weight.clone())) as Box<dyn Weight>,
                )
            })
            .collect(),
        1,
        true,
        Box::new(SumCombiner::default),
    )
}

/// The live documents holding any of `terms`, read a block of
/// postings at a time (no merging of the lists, no scores).
fn matches_of(reader: &SegmentReader, terms: &[Term]) -> tantivy::Result<Matches> {
    let mut matches = Matches::new(reader.max_doc());
    for term in terms {
        let inverted = reader.inverted_index(term.field())?;
        let Some(mut postings) = inverted.read_block_postings(term, IndexRecordOption::Basic)?
        else {
            continue;
        };
        loop {
            let docs = postings.docs();
            if docs.is_empty() {
                break;
            }
            for &doc in docs {
                matches.insert(doc);
            }
            postings.advance();
        }
    }
    if let Some(alive) = reader.alive_bitset() {
        matches.retain(|doc| alive.is_alive(doc));
    }
    Ok(matches)
}

/// The terms of `alternatives` when each is one term looked up without
/// positions (a word of one or two characters): their matches are then
/// the documents of their postings.
fn single_terms(alternatives: &[Box<dyn Query>]) -> Option<Vec<Term>> {
    let mut terms = Vec::with_capacity(alternatives.len());
    for alternative in alternatives {
        let mut found = Vec::new();
        let mut positions = false;
        alternative.query_terms(&mut |term, needs_positions| {
            found.push(term.clone());
            positions |= needs_positions;
        });
        if found.len() != 1 || positions {
            return None;
        }
        terms.extend(found);
    }
    Some(terms)
}

/// The score below which a document cannot make the first `limit` hits, given
/// the segments collected so far (none while they hold fewer hits).
fn floor_of(fruits: &[Collection], limit: usize) -> Score {
    let mut scores: Vec<Score> = fruits
        .iter()
        .flat_map(|fruit| fruit.top.iter().map(|hit| hit.score))
        .collect();
    if limit == 0 || scores.len() < limit {
        return f32::NEG_INFINITY;
    }
    let (_, &mut worst, _) = scores.select_nth_unstable_by(limit - 1, |a, b| b.total_cmp(a));
    worst - margin(worst)
}

/// The work on one segment.
struct Segment<'a> {
    weight: &'a dyn Weight,
    /// The alternatives' weights, in order (the union's clauses).
    weights: &'a [Arc<dyn Weight>],
    /// The alternatives' terms, when each is one term without positions.
    terms: Option<&'a [Term]>,
    counting: &'a LazyWeight<'a>,
    reader: &'a SegmentReader,
    rescorer: Rescorer,
    id_key: tantivy::columnar::Column<u64>,
    top: Top,
    facets: Option<FacetCounter>,
}

impl Segment<'_> {
    /// `floor`: the score earlier segments' hits already beat `limit` times.
    fn collect(
        self,
        ordinal: u32,
        after: Option<SortKey>,
        prune_above: u64,
        floor: Score,
    ) -> tantivy::Result<Collection> {
        if self.rescorer.estimate() <= prune_above {
            return Ok(self.walk(ordinal, after));
        }
        match after {
            None => self.first_pages(ordinal, floor),
            Some(after) => self.after_cursor(ordinal, after),
        }
    }

    /// Few matches: one pass of the alternatives' own scorers.
    fn walk(mut self, ordinal: u32, after: Option<SortKey>) -> Collection {
        let alive = self.reader.alive_bitset();
        let (mut total, mut after_cursor) = (0u64, 0u64);
        let Segment {
            rescorer,
            id_key,
            top,
            facets,
            ..
        } = &mut self;
        // Facets are counted a block of matches at a time.
        let mut block: Vec<DocId> = Vec::with_capacity(BLOCK);
        rescorer.for_each(&mut |doc, score| {
            if alive.is_some_and(|alive| !alive.is_alive(doc)) {
                return;
            }
            total += 1;
            if let Some(facets) = facets {
                block.push(doc);
                if block.len() == BLOCK {
                    facets.count_block(&block);
                    block.clear();
                }
            }
            match after {
                None => {
                    after_cursor += 1;
                    top.offer_scored(score, doc, || id_key.first(doc).unwrap_or_default());
                }
                Some(after) => {
                    let key = relevance_key(score, id_key.first(doc).unwrap_or_default());
                    if key > after {
                        after_cursor += 1;
                        top.offer(key, doc, score);
                    }
                }
            }
        });
        if let Some(facets) = facets {
            facets.count_block(&block);
        }
        Collection {
            total,
            after_cursor,
            top: self.top.into_collected(ordinal),
            facets: self.facets.map(FacetCounter::harvest).unwrap_or_default(),
        }
    }

    /// No cursor: pruned top hits (only those scoring above `floor`), then a
    /// count (or a facet pass): from the postings' blocks for a word of one
    /// or two characters, else over the union without scores.
    fn first_pages(mut self, ordinal: u32, floor: Score) -> tantivy::Result<Collection> {
        let alive = self.reader.alive_bitset();
        if !self.top.is_full() {
            let floor = floor.max(self.floor_from_fewer_matches()?);
            let Segment {
                weight,
                reader,
                rescorer,
                id_key,
                top,
                ..
            } = &mut self;
            weight.for_each_pruning(floor, reader, &mut |doc, visited| {
                if alive.is_none_or(|alive| alive.is_alive(doc)) {
                    let score = rescorer.score(doc);
                    check_close(visited, score);
                    top.offer_scored(score, doc, || id_key.first(doc).unwrap_or_default());
                }
                threshold(top).max(floor)
            })?;
        }
        let total = match (self.terms, &mut self.facets) {
            (Some(terms), facets) => {
                let matches = matches_of(self.reader, terms)?;
                if let Some(facets) = facets {
                    facets.count_matches(&matches);
                }
                matches.len()
            }
            (None, Some(facets)) => {
                let mut total = 0u64;
                let mut kept = Vec::with_capacity(BLOCK);
                self.counting
                    .get()?
                    .for_each_no_score(self.reader, &mut |docs| {
                        for block in docs.chunks(BLOCK) {
                            kept.clear();
                            kept.extend(
                                block
                                    .iter()
                                    .filter(|doc| alive.is_none_or(|alive| alive.is_alive(**doc))),
                            );
                            total += kept.len() as u64;
                            facets.count_block(&kept);
                        }
                    })?;
                total
            }
            (None, None) => u64::from(self.counting.get()?.count(self.reader)?),
        };
        Ok(Collection {
            total,
            after_cursor: total,
            top: self.top.into_collected(ordinal),
            facets: self.facets.map(FacetCounter::harvest).unwrap_or_default(),
        })
    }

    /// When one alternative holds most of the matches (a character in
    /// the texts of thousands of poems, and in the titles of a few
    /// hundred): the score the others' best `limit` documents reach
    /// through them alone. Each of those documents scores at least that in
    /// the union, so no hit scores less, and the union's pruned pass can
    /// skip from the start what it would otherwise only learn to skip
    /// after many documents. Minus infinity when it does not apply.
    fn floor_from_fewer_matches(&self) -> tantivy::Result<Score> {
        let limit = self.top.limit();
        let sizes: Vec<u64> = self
            .rescorer
            .scorers
            .iter()
            .map(|scorer| u64::from(scorer.size_hint()))
            .collect();
        let Some(largest) = (0..sizes.len()).max_by_key(|&i| sizes[i]) else {
            return Ok(f32::NEG_INFINITY);
        };
        let rest: u64 = sizes.iter().sum::<u64>() - sizes[largest];
        if limit == 0 || rest < limit as u64 || sizes[largest] < FEWER_MATCHES_RATIO * rest {
            return Ok(f32::NEG_INFINITY);
        }
        let others = union_of(
            self.weights
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != largest)
                .map(|(_, weight)| weight),
        );
        let alive = self.reader.alive_bitset();
        let mut best = Top::new(limit);
        others.for_each_pruning(f32::NEG_INFINITY, self.reader, &mut |doc, score| {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                // Which of equal scores is kept does not change the floor.
                best.offer_scored(score, doc, || 0);
            }
            threshold(&best)
        })?;
        Ok(threshold(&best))
    }

    /// A cursor: one pass over every match; canonical scores only for the
    /// documents near the cursor or good enough for the list.
    fn after_cursor(mut self, ordinal: u32, after: SortKey) -> tantivy::Result<Collection> {
        let alive = self.reader.alive_bitset();
        let after_score = key_score(after);
        // A cursor no score makes (tampered) compares every document exactly.
        let known = after_score.is_finite();
        let (mut total, mut after_cursor) = (0u64, 0u64);
        let Segment {
            weight,
            reader,
            rescorer,
            id_key,
            top,
            facets,
            ..
        } = &mut self;
        weight.for_each(reader, &mut |doc, visited| {
            if alive.is_some_and(|alive| !alive.is_alive(doc)) {
                return;
            }
            total += 1;
            if let Some(facets) = facets {
                facets.count(doc);
            }
            if known && visited > after_score + margin(after_score) {
                return; // certainly before the cursor
            }
            if !known || visited >= after_score - margin(after_score) {
                let score = rescorer.score(doc);
                check_close(visited, score);
                let key = relevance_key(score, id_key.first(doc).unwrap_or_default());
                if key > after {
                    after_cursor += 1;
                    top.offer(key, doc, score);
                }
                return;
            }
            after_cursor += 1; // certainly after the cursor
            if top
                .worst()
                .is_some_and(|(_, worst)| visited < worst - margin(worst))
            {
                return;
            }
            let score = rescorer.score(doc);
            check_close(visited, score);
            top.offer_scored(score, doc, || id_key.first(doc).unwrap_or_default());
        })?;
        Ok(Collection {
            total,
            after_cursor,
            top: self.top.into_collected(ordinal),
            facets: self.facets.map(FacetCounter::harvest).unwrap_or_default(),
        })
    }
}
