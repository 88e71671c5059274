//! The search index: Chinese-aware full-text search over items, with facets,
//! highlighted snippets, sorting and cursor paging.
//!
//! [`SearchIndex`] wraps a tantivy index in its own directory, tagged with the
//! analyser version ([`tokenizer::ANALYSER_VERSION`]); [`IndexUpdater`] adds,
//! replaces and removes items; [`SearchIndex::search`] answers a
//! [`SearchRequest`] with hits, facet counts and the next cursor in one pass.
//! The catalogue is the source of truth: the index can always be rebuilt
//! from it ([`SearchIndex::create_fresh`]).
//!
//! Submodules: [`schema`] (fields), [`tokenizer`] (analysis), [`query`]
//! (query language), [`collector`] (counting, facets, sorting, cursors),
//! [`snippet`] (highlighting).

pub mod collector;
pub mod indexer;
pub mod params;
pub mod query;
mod ranked;
pub mod schema;
pub mod snippet;
pub mod suggest;
pub mod tokenizer;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, FieldType, IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

pub use collector::Sort;
pub use params::{Leniency, SearchParams};
pub use snippet::{Fragment, Highlighted};
pub use suggest::{Suggestion, SuggestionKind};

use crate::access;
use crate::dates::normalize_date;
use crate::model::{AccessLevel, DcElement, Institution, ItemRecord};
use crate::{Error, Result};
use collector::{SearchCollector, SegmentColumns, SortKey};
use schema::{FACET_NAMES, Fields, TextKind};
use tokenizer::{ANALYSER_VERSION, PINYIN, PinyinTokenizer, ZH_GRAMS, ZH_WORDS, ZhGrams, ZhWords};

/// File in the index directory naming the analyser version that built it.
const VERSION_FILE: &str = "analyser-version";
/// Memory budget of the index writer.
const WRITER_MEMORY: usize = 100_000_000;
/// Indexing threads of a rebuild's writer.
const REBUILD_THREADS: usize = 2;
/// Memory budget of a rebuild's writer (shared by its threads): large
/// enough that a rebuild of ~100 000 items flushes few segments.
const REBUILD_MEMORY: usize = 512_000_000;
/// Most hits one page may ask for.
pub const MAX_LIMIT: usize = 200;
/// Deepest offset paging allows; go deeper with cursors.
pub const MAX_OFFSET: usize = 10_000;
/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 120;
/// Values per facet returned by default.
const FACET_VALUES: usize = 20;

/// The search index of one data directory.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    dir: PathBuf,
    /// What every search of the current searcher generation reads.
    generation: Mutex<Option<Arc<Generation>>>,
}

/// What is worked out once per generation of searchers (a generation's
/// segments never change) rather than on every search.
struct Generation {
    id: u64,
    /// The text fields that hold terms in some segment: looking a word up in
    /// a field nothing was ever written to (subjects of a poetry collection,
    /// full text of items without files) costs as much as a real lookup.
    fields_in_use: HashSet<Field>,
    /// Each segment's columns, by segment ordinal.
    columns: Arc<Vec<Arc<SegmentColumns>>>,
}

/// Adds, replaces and removes items; changes are visible after [`IndexUpdater::commit`].
pub struct IndexUpdater {
    writer: IndexWriter,
    /// Writing a fresh index from a catalogue (ids unique): no deletes needed.
    fresh: bool,
    reader: IndexReader,
    fields: Fields,
}

/// What the index needs to know about one item.
#[derive(Debug, Clone, Copy)]
pub struct IndexDocument<'a> {
    /// The item and its files.
    pub record: &'a ItemRecord,
    /// Its institution, for the name, kind and facets.
    pub institution: Option<&'a Institution>,
    /// The collection's display name (searchable).
    pub collection_name: Option<&'a str>,
    /// Path of the first thumbnail, relative to the data directory.
    pub thumbnail: Option<&'a str>,
}

/// One search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// What the user typed (see [`query`] for the syntax); empty = everything.
    pub query: String,
    /// Facet filters as (facet name, value): values of one facet are OR-ed,
    /// different facets AND-ed. Names are those of [`schema::FACET_NAMES`];
    /// `year` takes a range `1950-1959` (first year of the item in it).
    pub filters: Vec<(String, String)>,
    /// Result order.
    pub sort: Sort,
    /// Hits to skip (ignored with a cursor); at most [`MAX_OFFSET`].
    pub offset: usize,
    /// Hits per page; at most [`MAX_LIMIT`].
    pub limit: usize,
    /// Continue after the last hit of a previous page ([`SearchResults::next_cursor`]).
    pub cursor: Option<String>,
    /// Whether to count facets.
    pub facets: bool,
    /// Whether a search that finds nothing should look for searches that
    /// would ([`SearchResults::suggestions`]).
    pub suggest: bool,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            filters: Vec::new(),
            sort: Sort::Relevance,
            offset: 0,
            limit: 20,
            cursor: None,
            facets: true,
            suggest: false,
        }
    }
}

impl SearchRequest {
    /// A request for `query` with the defaults (20 hits, relevance, facets).
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            ..SearchRequest::default()
        }
    }
}

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// Number of matching items (independent of paging and cursor).
    pub total: usize,
    /// This page's hits.
    pub hits: Vec<Hit>,
    /// Counts per facet over all matching items (when asked for).
    pub facets: Vec<FacetCounts>,
    /// Cursor for the next page, when there are more hits.
    pub next_cursor: Option<String>,
    /// True when the query was malformed (or too long) and a plain search of
    /// its words was run instead.
    pub query_was_fallback: bool,
    /// When no record holds every word of the query: what was given up to
    /// find some (the hits are then those of the looser query).
    pub relaxed: Option<Relaxation>,
    /// When nothing was found and the request asked: searches that would
    /// find something.
    pub suggestions: Vec<Suggestion>,
}

/// How a query that found nothing was loosened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relaxation {
    /// The words (or phrases, field terms) no longer required, in the order
    /// they were given up.
    pub dropped: Vec<String>,
    /// True when the hits hold at least one of the remaining words rather
    /// than all of them.
    pub any_word: bool,
}

/// One result.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Item id.
    pub id: String,
    /// Relevance score (0 for other sort orders).
    pub score: f32,
    /// Display title.
    pub title: String,
    /// The title with query matches marked.
    pub title_highlight: Highlighted,
    /// A passage of the description or full text with matches marked.
    pub snippet: Option<Highlighted>,
    /// Institution name.
    pub institution: Option<String>,
    /// Date as written.
    pub date: Option<String>,
    /// Type (first Dublin Core type).
    pub item_type: Option<String>,
    /// First thumbnail path, relative to the data directory.
    pub thumbnail: Option<String>,
    /// Creators and contributors, in the record's order (none for a
    /// restricted item, whose citation does not name them).
    pub creators: Vec<String>,
    /// The holding venue's id.
    pub institution_id: Option<String>,
    /// The collection's id within the venue.
    pub collection_id: Option<String>,
    /// Who may see what.
    pub access: AccessLevel,
    /// `(file seq, page)` of the first image page, when the public may see it.
    pub first_page: Option<(u32, u32)>,
}

/// Counts of one facet's values, largest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCounts {
    /// Facet name (see [`schema::FACET_NAMES`]).
    pub name: String,
    /// (value, number of matching items); `year` values are decades `1950-1959`, in order.
    pub values: Vec<(String, u64)>,
}

/// Bytes of stored documents read together. Showing a hit reads its whole
/// block; small blocks keep that cheap for the 20 scattered hits of a page
/// (1 KB against 4 KB: a fifth less time fetching and building hits,
/// measured A/B on the poems, at the same index size).
const DOCSTORE_BLOCK: usize = 1_024;

/// Settings of a new index.
///
/// Stored documents are not compressed: what is stored is Chinese text,
/// which LZ4 barely shrinks in blocks this small (the poems' store: 23.1 MB
/// compressed, 26.9 MB not, the whole index 81 against 85 MB), while
/// decompressing every hit cost 6 % of all search time (A/B on the poems).
/// Indexes made before keep their compression.
fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_blocksize: DOCSTORE_BLOCK,
        docstore_compression: tantivy::store::Compressor::None,
        ..IndexSettings::default()
    }
}

/// Registers the analysers on an index.
fn register_tokenizers(index: &Index) {
    let manager = index.tokenizers();
    manager.register(ZH_WORDS, TextAnalyzer::from(ZhWords));
    manager.register(ZH_GRAMS, TextAnalyzer::from(ZhGrams));
    manager.register(PINYIN, TextAnalyzer::from(PinyinTokenizer));
}

/// Where [`SearchIndex::create_fresh`] builds an index before renaming it
/// into `dir`: a hidden sibling, so nothing reads it half made.
fn staging_dir(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "index".to_owned());
    dir.with_file_name(format!(".{name}.creating"))
}

/// What tantivy writes into a folder before `meta.json` (its file list, its
/// locks, the temporary file of an atomic write): all a process killed while
/// creating an index in place can have left there.
fn is_creation_leftover(path: &Path) -> bool {
    path.is_file()
        && path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| {
                name == ".managed.json" || name.starts_with(".tantivy-") || name.starts_with(".tmp")
            })
}

/// Removes a folder and everything in it; nothing to do when it is not there.
pub(crate) fn remove_tree_if_present(path: &Path) -> Result<()> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(Error::io(format!("removing {}", path.display()), error)),
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when the directory holds none.
    /// Fails with [`Error::NeedsReindex`] when it was built by another analyser version.
    pub fn open_or_create(dir: &Path) -> Result<Self> {
        let meta = dir.join("meta.json");
        if !meta.exists() {
            return Self::create_fresh(dir);
        }
        let version = fs::read_to_string(dir.join(VERSION_FILE)).unwrap_or_default();
        if version.trim() != ANALYSER_VERSION {
            return Err(Error::NeedsReindex);
        }
        let index = Index::open_in_dir(dir)?;
        let (schema, fields) = schema::build_schema();
        if index.schema() != schema {
            return Err(Error::NeedsReindex);
        }
        Self::wrap(index, fields, dir)
    }

    /// Creates an empty index in `dir` (for a rebuild). The directory must be
    /// empty, hold an index (which is removed), or hold what a process killed
    /// while creating one left behind. The index is made in a staging folder
    /// beside `dir` and renamed into place, so a kill at any moment leaves
    /// either no index or a whole one with its analyser version, never a
    /// folder half made.
    pub fn create_fresh(dir: &Path) -> Result<Self> {
        if dir.exists() {
            let entries: Vec<PathBuf> = fs::read_dir(dir)
                .map_err(|e| Error::io(format!("reading {}", dir.display()), e))?
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .collect();
            let is_index = dir.join("meta.json").exists()
                || dir.join(VERSION_FILE).exists()
                || entries.iter().all(|path| is_creation_leftover(path));
            if !is_index {
                return Err(Error::Invalid(format!(
                    "{} is not empty and holds no search index; refusing to overwrite it",
                    dir.display()
                )));
            }
        }
        let staging = staging_dir(dir);
        remove_tree_if_present(&staging)?;
        fs::create_dir_all(&staging)
            .map_err(|e| Error::io(format!("creating {}", staging.display()), e))?;
        {
            let (schema, _) = schema::build_schema();
            let index = Index::builder()
                .schema(schema)
                .settings(index_settings())
                .create_in_dir(&staging)?;
            drop(index);
        }
        let version = staging.join(VERSION_FILE);
        fs::write(&version, format!("{ANALYSER_VERSION}\n"))
            .map_err(|e| Error::io(format!("writing {}", version.display()), e))?;
        remove_tree_if_present(dir)?;
        fs::rename(&staging, dir)
            .map_err(|e| Error::io(format!("moving the new index into {}", dir.display()), e))?;
        if let Some(parent) = dir.parent() {
            // The rename is durable once the folder holding it is.
            if let Ok(folder) = fs::File::open(parent) {
                let _ = folder.sync_all();
            }
        }
        let index = Index::open_in_dir(dir)?;
        let (_, fields) = schema::build_schema();
        Self::wrap(index, fields, dir)
    }

    /// Creates an index in memory (tests, previews).
    pub fn in_memory() -> Result<Self> {
        let (schema, fields) = schema::build_schema();
        let index = Index::builder()
            .schema(schema)
            .settings(index_settings())
            .create_in_ram()?;
        Self::wrap(index, fields, Path::new(""))
    }

    fn wrap(index: Index, fields: Fields, dir: &Path) -> Result<Self> {
        register_tokenizers(&index);
        // An index on disk is also written by other processes (an ingest
        // while the server runs): follow their commits. In memory, only our
        // own writer commits, and it reloads explicitly.
        let reload_policy = if dir.as_os_str().is_empty() {
            ReloadPolicy::Manual
        } else {
            ReloadPolicy::OnCommitWithDelay
        };
        let reader = index
            .reader_builder()
            .reload_policy(reload_policy)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            dir: dir.to_path_buf(),
            generation: Mutex::new(None),
        })
    }

    /// The directory of the index (empty for an in-memory index).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The single writer (fails if another one is open on this index).
    pub fn writer(&self) -> Result<IndexUpdater> {
        self.writer_with(1, WRITER_MEMORY)
    }

    /// The writer of a rebuild into a fresh index: more threads and memory,
    /// no merges while it runs. Commit once, with [`IndexUpdater::finish_rebuild`].
    pub fn rebuild_writer(&self) -> Result<IndexUpdater> {
        let mut updater = self.writer_with(REBUILD_THREADS, REBUILD_MEMORY)?;
        updater.fresh = true;
        updater
            .writer
            .set_merge_policy(Box::new(tantivy::merge_policy::NoMergePolicy));
        Ok(updater)
    }

    /// A writer with `threads` indexing threads sharing `memory` bytes.
    pub fn writer_with(&self, threads: usize, memory: usize) -> Result<IndexUpdater> {
        let writer = self.index.writer_with_num_threads(threads, memory)?;
        Ok(IndexUpdater {
            writer,
            fresh: false,
            reader: self.reader.clone(),
            fields: self.fields.clone(),
        })
    }

    /// Number of items in the index (as of the last commit).
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Re-reads the index after another process committed.
    pub fn reload(&self) -> Result<()> {
        self.reader.reload()?;
        Ok(())
    }

    /// Runs a search: hits of one page, total, facet counts, next cursor.
    /// Malformed queries never fail (see [`SearchResults::query_was_fallback`]);
    /// unknown filter names, bad filter values and foreign cursors are
    /// [`Error::Invalid`].
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let fields = &self.fields;
        let built = query::build_query(&request.query, fields);
        let filters = self.filter_queries(&request.filters)?;

        let after = match &request.cursor {
            Some(cursor) => Some(SortKey::from_cursor(cursor, request.sort).ok_or_else(|| {
                Error::Invalid("the cursor is not valid for this search; start again".into())
            })?),
            None => None,
        };
        let limit = request.limit.min(MAX_LIMIT);
        let offset = if after.is_some() {
            0
        } else {
            request.offset.min(MAX_OFFSET)
        };
        let searcher = self.reader.searcher();
        let generation = self.generation(&searcher)?;
        let mut collection = match &built.alternatives {
            // One word or phrase, by relevance: ranked without scoring every match.
            Some(alternatives) if request.sort == Sort::Relevance && filters.is_empty() => {
                let alternatives: Vec<Box<dyn Query>> = alternatives
                    .iter()
                    .filter(|alternative| {
                        let mut used = false;
                        alternative.query_terms(&mut |term, _| {
                            used |= generation.fields_in_use.contains(&term.field());
                        });
                        used
                    })
                    .map(|alternative| alternative.box_clone())
                    .collect();
                ranked::collect(
                    (&searcher, &generation.columns),
                    &alternatives,
                    offset + limit,
                    after,
                    request.facets,
                )?
            }
            _ => {
                let collector = SearchCollector {
                    sort: request.sort,
                    limit: offset + limit,
                    after,
                    facets: request.facets,
                    columns: generation.columns.clone(),
                };
                searcher.search(&filtered(built.query.box_clone(), &filters), &collector)?
            }
        };
        let mut relaxed = None;
        if collection.total == 0
            && let Some(conjunction) = &built.conjunction
            && let Some((relaxation, query)) = relax(&searcher, fields, conjunction, &filters)?
        {
            let collector = SearchCollector {
                sort: request.sort,
                limit: offset + limit,
                after,
                facets: request.facets,
                columns: generation.columns.clone(),
            };
            collection = searcher.search(&filtered(query, &filters), &collector)?;
            // Only splitting a word into its shorter words gives nothing up.
            relaxed = Some(relaxation)
                .filter(|relaxation| relaxation.any_word || !relaxation.dropped.is_empty());
        }

        let mut hits = Vec::new();
        let page: Vec<_> = collection.top.iter().skip(offset).collect();
        for collected in &page {
            let doc: TantivyDocument = searcher.doc(collected.address)?;
            hits.push(self.hit(&doc, collected.score, &built.highlight_terms, request.sort));
        }
        let next_cursor = match page.last() {
            Some(last) if collection.after_cursor as usize > offset + page.len() => {
                Some(last.key.to_cursor(request.sort))
            }
            _ => None,
        };
        let facets = if request.facets {
            facet_counts(collection.facets)
        } else {
            Vec::new()
        };
        let suggestions = if request.suggest && collection.total == 0 {
            self.suggestions(request)?
        } else {
            Vec::new()
        };
        Ok(SearchResults {
            total: collection.total as usize,
            hits,
            facets,
            next_cursor,
            query_was_fallback: built.fallback,
            relaxed,
            suggestions,
        })
    }

    /// The [`Generation`] of `searcher`, worked out on its first search.
    fn generation(&self, searcher: &Searcher) -> Result<Arc<Generation>> {
        let id = searcher.generation().generation_id();
        let mut cached = self
            .generation
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(generation) = cached.as_ref()
            && generation.id == id
        {
            return Ok(generation.clone());
        }
        let mut fields_in_use = HashSet::new();
        for (field, entry) in searcher.schema().fields() {
            if !entry.is_indexed() || !matches!(entry.field_type(), FieldType::Str(_)) {
                continue;
            }
            for segment in searcher.segment_readers() {
                if segment.inverted_index(field)?.terms().num_terms() > 0 {
                    fields_in_use.insert(field);
                    break;
                }
            }
        }
        // A segment's columns serve every generation it is part of: only
        // new segments (a commit, a merge) are opened.
        let previous = cached.as_ref().map(|generation| generation.columns.clone());
        let columns = searcher
            .segment_readers()
            .iter()
            .map(|segment| {
                let kept = previous
                    .iter()
                    .flat_map(|columns| columns.iter())
                    .find(|columns| columns.segment_id == segment.segment_id());
                Ok(match kept {
                    Some(columns) => columns.clone(),
                    None => Arc::new(SegmentColumns::open(segment)?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let generation = Arc::new(Generation {
            id,
            fields_in_use,
            columns: Arc::new(columns),
        });
        *cached = Some(generation.clone());
        Ok(generation)
    }

    /// Translates facet filters into queries.
    fn filter_queries(&self, filters: &[(String, String)]) -> Result<Vec<Box<dyn Query>>> {
        let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, value) in filters {
            if !FACET_NAMES.contains(&name.as_str()) {
                return Err(Error::Invalid(format!(
                    "unknown facet '{name}' (one of {})",
                    FACET_NAMES.join(", ")
                )));
            }
            by_name
                .entry(name.as_str())
                .or_default()
                .push(value.as_str());
        }
        let mut queries: Vec<Box<dyn Query>> = Vec::new();
        for (name, values) in by_name {
            let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for value in values {
                let query: Box<dyn Query> = if name == "year" {
                    let (start, end) = parse_year_bucket(value).ok_or_else(|| {
                        Error::Invalid(format!(
                            "year filter '{value}' is not a range like 1950-1959"
                        ))
                    })?;
                    query::year_start_query(&self.fields, start, end)
                } else {
                    let field = self
                        .fields
                        .facet(name)
                        .ok_or_else(|| Error::Invalid(format!("unknown facet '{name}'")))?;
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, value),
                        IndexRecordOption::Basic,
                    ))
                };
                alternatives.push((Occur::Should, query));
            }
            queries.push(Box::new(BooleanQuery::new(alternatives)));
        }
        Ok(queries)
    }

    /// Builds a hit from a stored document.
    fn hit(&self, doc: &TantivyDocument, score: f32, terms: &[String], sort: Sort) -> Hit {
        let fields = &self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|value| value.as_str())
                .map(str::to_string)
        };
        let all_text = |field| {
            doc.get_all(field)
                .filter_map(|value| value.as_str())
                .collect::<Vec<&str>>()
                .join("\n")
        };
        let title = text(fields.display_title).unwrap_or_default();
        let description = all_text(fields.grams_of(TextKind::Description));
        // The full text (a book's OCR can be megabytes) only when the
        // description does not show the match.
        let snippet = snippet::snippet(&description, terms, SNIPPET_CHARS)
            .or_else(|| {
                let fulltext = all_text(fields.grams_of(TextKind::Fulltext));
                snippet::snippet(&fulltext, terms, SNIPPET_CHARS)
            })
            .or_else(|| snippet::head(&description, SNIPPET_CHARS));
        Hit {
            id: text(fields.id).unwrap_or_default(),
            score: if sort == Sort::Relevance { score } else { 0.0 },
            title_highlight: snippet::highlight(&title, terms),
            title,
            snippet,
            institution: text(fields.institution_name),
            date: text(fields.date_text),
            item_type: text(fields.item_type),
            thumbnail: text(fields.thumbnail),
            creators: doc
                .get_all(fields.creators)
                .filter_map(|value| value.as_str())
                .map(str::to_string)
                .collect(),
            institution_id: text(fields.institution_id),
            collection_id: text(fields.collection_id),
            access: text(fields.access)
                .and_then(|access| access.parse().ok())
                .unwrap_or(AccessLevel::Restricted),
            first_page: doc
                .get_first(fields.first_page)
                .and_then(|value| value.as_u64())
                .map(|packed| ((packed >> 32) as u32, packed as u32)),
        }
    }
}

/// `query` restricted by the facet filters.
fn filtered(query: Box<dyn Query>, filters: &[Box<dyn Query>]) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query)];
    clauses.extend(
        filters
            .iter()
            .map(|filter| (Occur::Must, filter.box_clone())),
    );
    BooleanQuery::new(clauses)
}

/// A looser form of a conjunction that found nothing, and what was given up.
///
/// A word that matches nothing (within the filters) is replaced by the
/// shorter words it is made of (乾隆年间 → 乾隆 / 年间), and the pieces that
/// still match nothing are given up; then, while more than two remain, the
/// least informative one (the one most records hold: the lowest IDF); when
/// two or more are left that no record holds together, any record holding
/// one of them, those holding more ranked first. `None` when no piece
/// matches anything.
fn relax(
    searcher: &Searcher,
    fields: &Fields,
    conjunction: &query::Conjunction,
    filters: &[Box<dyn Query>],
) -> Result<Option<(Relaxation, Box<dyn Query>)>> {
    let count = |query: Box<dyn Query>| searcher.search(&filtered(query, filters), &Count);
    // Every piece with the records it matches, words that match nothing
    // replaced by their shorter words.
    let mut pieces: Vec<(query::Required, usize)> = Vec::new();
    let mut split = false;
    for required in &conjunction.required {
        let matches = count(required.query.box_clone())?;
        let shorter = if matches == 0 {
            required.shorter_words(fields)
        } else {
            Vec::new()
        };
        split |= !shorter.is_empty();
        if shorter.is_empty() {
            pieces.push((required.clone(), matches));
        }
        for word in shorter {
            let matches = count(word.query.box_clone())?;
            pieces.push((word, matches));
        }
    }
    let unmatched: Vec<String> = pieces
        .iter()
        .filter(|(_, matches)| *matches == 0)
        .map(|(piece, _)| piece.label.clone())
        .collect();
    let found: Vec<&(query::Required, usize)> =
        pieces.iter().filter(|(_, matches)| *matches > 0).collect();
    if found.is_empty() {
        return Ok(None);
    }
    let mut kept = found.clone();
    let mut dropped = unmatched.clone();
    let mut loosened = split || !unmatched.is_empty();
    loop {
        if loosened {
            let query = conjunction.query(kept.iter().map(|(piece, _)| piece), false);
            if count(query.box_clone())? > 0 {
                let relaxation = Relaxation {
                    dropped,
                    any_word: false,
                };
                return Ok(Some((relaxation, query)));
            }
        }
        if kept.len() <= 2 {
            break;
        }
        // The most common piece; of equals, the one typed last.
        let (position, _) = kept
            .iter()
            .enumerate()
            .max_by_key(|(position, (_, matches))| (*matches, *position))
            .expect("more than two pieces are kept");
        dropped.push(kept.remove(position).0.label.clone());
        loosened = true;
    }
    let relaxation = Relaxation {
        dropped: unmatched,
        any_word: true,
    };
    let query = conjunction.query(found.iter().map(|(piece, _)| piece), true);
    Ok(Some((relaxation, query)))
}

/// Parses a year facet value: `1950-1959`, or a single year.
pub(crate) fn parse_year_bucket(value: &str) -> Option<(i64, i64)> {
    let value = value.trim();
    // A leading minus belongs to the first year.
    let split = value
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '-')
        .map(|(i, _)| i);
    match split {
        Some(at) => {
            let start = value[..at].trim().parse().ok()?;
            let end = value[at + 1..].trim().parse().ok()?;
            (start <= end).then_some((start, end))
        }
        None => {
            let year = value.parse().ok()?;
            Some((year, year))
        }
    }
}

/// Orders facet counts for display: years chronologically, the rest by count.
fn facet_counts(raw: Vec<std::collections::HashMap<String, u64>>) -> Vec<FacetCounts> {
    FACET_NAMES
        .iter()
        .zip(raw)
        .map(|(name, counts)| {
            let mut values: Vec<(String, u64)> = counts.into_iter().collect();
            if *name == "year" {
                values.sort_by_key(|(value, _)| parse_year_bucket(value).map(|(start, _)| start));
            } else {
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                values.truncate(FACET_VALUES);
            }
            FacetCounts {
                name: name.to_string(),
                values,
            }
        })
        .collect()
}

impl IndexUpdater {
    /// Adds or replaces an item; a tombstoned item is removed instead.
    /// A rebuild's writer only adds: its index starts empty and each item
    /// comes once.
    pub fn upsert(&mut self, doc: &IndexDocument) -> Result<()> {
        let item = &doc.record.item;
        if item.deleted_at.is_some() {
            return self.delete(&item.id);
        }
        if !self.fresh {
            self.delete(&item.id)?;
        }
        let Some(view) = access::public_view(doc.record) else {
            return Ok(());
        };
        let document = build_document(&self.fields, doc, &view);
        self.writer.add_document(document)?;
        Ok(())
    }

    /// Removes an item.
    pub fn delete(&mut self, item_id: &str) -> Result<()> {
        self.writer
            .delete_term(Term::from_field_text(self.fields.id, item_id));
        Ok(())
    }

    /// Removes every item (for a rebuild in place).
    pub fn delete_all(&mut self) -> Result<()> {
        self.writer.delete_all_documents()?;
        Ok(())
    }

    /// Makes the changes durable and visible to searches.
    pub fn commit(&mut self) -> Result<()> {
        self.writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Ends a rebuild: commits, merges every segment into one (a search
    /// looks each term up once per segment) and waits for the merge.
    pub fn finish_rebuild(mut self) -> Result<()> {
        self.writer.commit()?;
        let segments = self.writer.index().searchable_segment_ids()?;
        if segments.len() > 1 {
            self.writer.merge(&segments).wait()?;
        }
        self.writer.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(())
    }
}

/// Trimmed, non-empty values.
fn clean<'a>(values: impl IntoIterator<Item = &'a String>) -> impl Iterator<Item = &'a str> {
    values
        .into_iter()
        .map(|value| value.trim())
        .filter(|value| !value.is_empty())
}

/// Longest facet value kept (bytes).
const MAX_FACET_VALUE: usize = 200;

/// The tantivy document of an item, from what the public may see of it
/// ([`access::public_view`]): a restricted item is found by its citation
/// only, and files' full text and thumbnails are indexed only where the
/// files are shown. Everything a result line shows is stored, so that a
/// page of hits needs no catalogue read.
fn build_document(
    fields: &Fields,
    doc: &IndexDocument,
    view: &access::PublicRecord,
) -> TantivyDocument {
    let item = &view.record().item;
    let metadata = view.metadata();
    let mut out = TantivyDocument::default();
    out.add_text(fields.id, &item.id);
    out.add_u64(fields.id_key, schema::id_key(&item.id));

    let add_kind = |kind: TextKind, value: &str, out: &mut TantivyDocument| {
        if let Some(words) = fields.words_of(kind) {
            out.add_text(words, value);
        }
        out.add_text(fields.grams_of(kind), value);
    };
    for value in clean(metadata.values(DcElement::Title)) {
        add_kind(TextKind::Title, value, &mut out);
        out.add_text(fields.pinyin, value);
    }
    for element in [DcElement::Creator, DcElement::Contributor] {
        for value in clean(metadata.values(element)) {
            add_kind(TextKind::Creator, value, &mut out);
            out.add_text(fields.pinyin, value);
        }
    }
    for value in clean(metadata.values(DcElement::Subject)) {
        add_kind(TextKind::Subject, value, &mut out);
    }
    for value in clean(metadata.values(DcElement::Coverage)) {
        add_kind(TextKind::Subject, value, &mut out);
        out.add_text(fields.pinyin, value);
    }
    for value in clean(metadata.values(DcElement::Description)) {
        add_kind(TextKind::Description, value, &mut out);
    }
    for element in [
        DcElement::Publisher,
        DcElement::Date,
        DcElement::Type,
        DcElement::Format,
        DcElement::Identifier,
        DcElement::Source,
        DcElement::Language,
        DcElement::Relation,
        DcElement::Rights,
    ] {
        for value in clean(metadata.values(element)) {
            add_kind(TextKind::Extra, value, &mut out);
        }
    }
    for values in metadata.extra.values() {
        for value in clean(values) {
            add_kind(TextKind::Extra, value, &mut out);
        }
    }
    if let Some(institution) = doc.institution {
        add_kind(TextKind::Extra, &institution.name_zh, &mut out);
    }
    if let Some(name) = doc.collection_name.map(str::trim).filter(|n| !n.is_empty()) {
        add_kind(TextKind::Extra, name, &mut out);
    }
    let public = access::shows_files(item.access);
    if public {
        for file in view.files() {
            if let Some(text) = file
                .text
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                add_kind(TextKind::Fulltext, text, &mut out);
            }
        }
    }

    // Facets.
    let add_facet = |name: &str, value: &str, out: &mut TantivyDocument| {
        let value = value.trim();
        if let Some(field) = fields.facet(name)
            && !value.is_empty()
            && value.len() <= MAX_FACET_VALUE
        {
            out.add_text(field, value);
        }
    };
    if let Some(id) = &item.institution_id {
        add_facet("institution", id, &mut out);
    }
    if let Some(institution) = doc.institution {
        add_facet("institution_kind", institution.kind.as_str(), &mut out);
    }
    if let Some(collection) = &item.collection_id {
        let value = match &item.institution_id {
            Some(institution) => format!("{institution}/{collection}"),
            None => collection.clone(),
        };
        add_facet("collection", &value, &mut out);
    }
    for (name, element) in [
        ("type", DcElement::Type),
        ("subject", DcElement::Subject),
        ("place", DcElement::Coverage),
        ("language", DcElement::Language),
    ] {
        // A value counts once per item, however often it is repeated.
        let mut seen = std::collections::HashSet::new();
        for value in clean(metadata.values(element)) {
            if seen.insert(value) {
                add_facet(name, value, &mut out);
            }
        }
    }
    add_facet("access", item.access.as_str(), &mut out);

    // Dates, sorting, display.
    let dates = metadata.values(DcElement::Date);
    if let Some((start, end)) = dates.iter().find_map(|date| normalize_date(date)) {
        out.add_i64(fields.year_start, i64::from(start));
        out.add_i64(fields.year_end, i64::from(end));
    }
    out.add_i64(fields.created_at, item.created_at);
    let title = item.display_title();
    let sort_key = tokenizer::title_sort_key(title);
    out.add_u64(fields.title_key1, schema::pack_sort_key(&sort_key, 0));
    out.add_u64(fields.title_key2, schema::pack_sort_key(&sort_key, 1));
    out.add_text(fields.display_title, title);
    if let Some(institution) = doc.institution {
        out.add_text(fields.institution_name, &institution.name_zh);
    }
    if let Some(date) = clean(dates).next() {
        out.add_text(fields.date_text, date);
    }
    if let Some(item_type) = clean(metadata.values(DcElement::Type)).next() {
        out.add_text(fields.item_type, item_type);
    }
    if public && let Some(thumbnail) = doc.thumbnail {
        out.add_text(fields.thumbnail, thumbnail);
    }
    for element in [DcElement::Creator, DcElement::Contributor] {
        for value in clean(metadata.values(element)) {
            out.add_text(fields.creators, value);
        }
    }
    if let Some(id) = &item.institution_id {
        out.add_text(fields.institution_id, id);
    }
    if let Some(id) = &item.collection_id {
        out.add_text(fields.collection_id, id);
    }
    out.add_text(fields.access, item.access.as_str());
    if let Some((seq, page)) = view.first_page() {
        out.add_u64(fields.first_page, (u64::from(seq) << 32) | u64::from(page));
    }
    out
}
