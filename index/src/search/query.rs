//! The user's query language and its translation into a tantivy query.
//!
//! Syntax: plain terms (AND-ed), `"quoted phrases"` (also “…” and 「…」),
//! field syntax `title:` `creator:` `subject:` `place:` `description:`
//! `text:` and `date:`/`year:` (`year:1950-1960`, `date:民国`), the operators
//! `AND`, `OR`, `NOT`, `-term`, `+term`, and parentheses.
//!
//! A plain term matches if any searched field contains it: in the words
//! field (boosted; titles, creators, subjects) or, for exact recall, as a
//! substring via the grams field
//! (a multi-character CJK term is a phrase of its bigrams, so 明月光 never
//! matches 明月 … 月光 apart). ASCII terms also match the pinyin field.
//!
//! Parsing never fails: a malformed query (`title:`, `"`, `((`) falls back
//! to an AND of the words it contains and says so; input longer than
//! [`MAX_QUERY_CHARS`] is cut.

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, EnableScoring, Explanation, Occur, PhraseQuery,
    Query, RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};
use unicode_normalization::UnicodeNormalization;

use super::schema::{Fields, TextKind};
use super::tokenizer::{
    CharToken, is_cjk, is_word_char, normalize, query_gram_tokens, query_word_tokens, word_tokens,
};
use crate::dates::normalize_date;

/// Longest query (in characters) that is parsed; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 256;
/// Most terms a query may have; the rest are ignored.
pub const MAX_TERMS: usize = 32;
/// Weight of a grams-only match relative to a words match.
const GRAMS_FACTOR: f32 = 0.5;
/// Weight of a pinyin match.
const PINYIN_BOOST: f32 = 2.0;
/// Weight of a run of several words found as typed (or with its function
/// words left out), on top of the words' own scores.
const TOGETHER_BOOST: f32 = 1.0;

/// Function words and particles a query does not require (folded to
/// simplified: the query is folded before it is cut into words).
const PARTICLES: &[&str] = &[
    "的", "之", "与", "和", "及", "以及", "及其", "跟", "同", "或", "或者", "在", "于", "有关",
    "关于", "相关", "了", "着", "地", "得", "是", "吗", "呢", "吧", "啊", "呀", "些", "一些",
    "所有", "哪些", "什么", "里", "中的", "不", "没有", "也",
];

/// Which fields a term is searched in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every text field and pinyin.
    All,
    /// One kind of text.
    Kind(TextKind),
    /// The normalised date (`date:` / `year:`).
    Year,
}

/// The parsed form of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A term or phrase in a scope.
    Term {
        /// Where to search.
        scope: Scope,
        /// The text as typed.
        text: String,
        /// True when it was quoted.
        phrase: bool,
    },
    /// Clauses combined with their occurrence (must, must not, should).
    And(Vec<(Occur, Node)>),
    /// Alternatives.
    Or(Vec<Node>),
}

/// A query ready to run, with what the highlighter needs.
pub struct BuiltQuery {
    /// The tantivy query.
    pub query: Box<dyn Query>,
    /// Normalised texts to highlight (the positive terms).
    pub highlight_terms: Vec<String>,
    /// True when the query was malformed or cut and a plain search was run instead.
    pub fallback: bool,
    /// True when the query is empty and every document matches.
    pub match_all: bool,
    /// When the whole query is one word or phrase: the boosted queries for
    /// it in each field, which `query` OR-s. Their scores added up in this
    /// order are the hit's relevance (see `search/ranked.rs`), the same
    /// whichever way the matches are visited.
    pub alternatives: Option<Vec<Box<dyn Query>>>,
    /// When the query requires two or more pieces (words, phrases, field
    /// terms) and nothing else: the pieces, so that a search finding nothing
    /// can drop some (see [`Conjunction`]).
    pub conjunction: Option<Conjunction>,
}

/// Lexical tokens of the query language.
#[derive(Debug, Clone, PartialEq)]
enum Lexeme {
    Open,
    Close,
    And,
    Or,
    Not,
    Minus,
    Plus,
    Field(Scope),
    Word(String),
    Phrase(String),
}

/// Marker for a malformed query.
#[derive(Debug)]
struct Malformed;

/// The scope named by a field prefix.
fn scope_for(name: &str) -> Option<Scope> {
    Some(match name.to_lowercase().as_str() {
        "title" | "题名" | "标题" => Scope::Kind(TextKind::Title),
        "creator" | "author" | "作者" | "责任者" => Scope::Kind(TextKind::Creator),
        "subject" | "主题" => Scope::Kind(TextKind::Subject),
        "place" | "coverage" | "地点" => Scope::Kind(TextKind::Subject),
        "description" | "描述" => Scope::Kind(TextKind::Description),
        "text" | "fulltext" | "全文" => Scope::Kind(TextKind::Fulltext),
        "date" | "year" | "日期" | "年代" => Scope::Year,
        _ => return None,
    })
}

/// Characters that open a quoted phrase, with their closing partners.
fn closing_quote(c: char) -> Option<char> {
    match c {
        '"' => Some('"'),
        '“' => Some('”'),
        '「' => Some('」'),
        '『' => Some('』'),
        _ => None,
    }
}

/// True for characters that end a bare word.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | '“' | '”' | '「' | '」' | '『' | '』')
}

/// Splits the query into lexemes.
fn lex(input: &str) -> Result<Vec<Lexeme>, Malformed> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Lexeme::Open);
            i += 1;
        } else if c == ')' {
            out.push(Lexeme::Close);
            i += 1;
        } else if matches!(c, '”' | '」' | '』') {
            // A closing quote without its opening one: a delimiter, skipped
            // (it is no word, and the word loop below would not move past it).
            i += 1;
        } else if let Some(close) = closing_quote(c) {
            let start = i + 1;
            let end = (start..chars.len())
                .find(|&j| chars[j] == close)
                .ok_or(Malformed)?;
            out.push(Lexeme::Phrase(chars[start..end].iter().collect()));
            i = end + 1;
        } else if (c == '-' || c == '+' || c == '!')
            && chars.get(i + 1).is_some_and(|next| !next.is_whitespace())
            && (i == 0 || chars[i - 1].is_whitespace() || chars[i - 1] == '(')
        {
            out.push(if c == '+' {
                Lexeme::Plus
            } else {
                Lexeme::Minus
            });
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && !is_delimiter(chars[i]) {
                // A known field name followed by ':' ends the word.
                if chars[i] == ':' {
                    let name: String = chars[start..i].iter().collect();
                    if let Some(scope) = scope_for(&name) {
                        out.push(Lexeme::Field(scope));
                        i += 1;
                        break;
                    }
                }
                i += 1;
            }
            if matches!(out.last(), Some(Lexeme::Field(_))) && chars[start..i].last() == Some(&':')
            {
                continue;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(match word.as_str() {
                "AND" | "&&" | "和" => Lexeme::And,
                "OR" | "||" | "或" => Lexeme::Or,
                "NOT" => Lexeme::Not,
                _ => Lexeme::Word(word),
            });
        }
    }
    Ok(out)
}

/// Recursive-descent parser over lexemes.
struct Parser {
    lexemes: Vec<Lexeme>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Lexeme> {
        self.lexemes.get(self.at)
    }

    fn next(&mut self) -> Option<Lexeme> {
        let lexeme = self.lexemes.get(self.at).cloned();
        self.at += 1;
        lexeme
    }

    fn parse_or(&mut self, scope: Scope) -> Result<Node, Malformed> {
        self.depth += 1;
        if self.depth > 16 {
            return Err(Malformed);
        }
        let mut alternatives = vec![self.parse_and(scope)?];
        while self.peek() == Some(&Lexeme::Or) {
            self.next();
            alternatives.push(self.parse_and(scope)?);
        }
        self.depth -= 1;
        Ok(if alternatives.len() == 1 {
            alternatives.pop().ok_or(Malformed)?
        } else {
            Node::Or(alternatives)
        })
    }

    fn parse_and(&mut self, scope: Scope) -> Result<Node, Malformed> {
        let mut clauses = Vec::new();
        loop {
            match self.peek() {
                None | Some(Lexeme::Close) | Some(Lexeme::Or) => break,
                Some(Lexeme::And) => {
                    self.next();
                    let dangling =
                        matches!(self.peek(), None | Some(Lexeme::Close) | Some(Lexeme::Or));
                    if clauses.is_empty() || dangling {
                        return Err(Malformed);
                    }
                    continue;
                }
                _ => {}
            }
            let occur = match self.peek() {
                Some(Lexeme::Not) | Some(Lexeme::Minus) => {
                    self.next();
                    Occur::MustNot
                }
                Some(Lexeme::Plus) => {
                    self.next();
                    Occur::Must
                }
                _ => Occur::Must,
            };
            clauses.push((occur, self.parse_primary(scope)?));
        }
        if clauses.is_empty() {
            return Err(Malformed);
        }
        Ok(if clauses.len() == 1 && clauses[0].0 == Occur::Must {
            clauses.pop().ok_or(Malformed)?.1
        } else {
            Node::And(clauses)
        })
    }

    fn parse_primary(&mut self, scope: Scope) -> Result<Node, Malformed> {
        match self.next().ok_or(Malformed)? {
            Lexeme::Open => {
                let node = self.parse_or(scope)?;
                if self.next() != Some(Lexeme::Close) {
                    return Err(Malformed);
                }
                Ok(node)
            }
            Lexeme::Field(inner) => {
                if scope != Scope::All {
                    return Err(Malformed);
                }
                match self.peek() {
                    Some(Lexeme::Word(_)) | Some(Lexeme::Phrase(_)) | Some(Lexeme::Open) => {
                        self.parse_primary(inner)
                    }
                    _ => Err(Malformed),
                }
            }
            Lexeme::Word(text) => Ok(Node::Term {
                scope,
                text,
                phrase: false,
            }),
            Lexeme::Phrase(text) => Ok(Node::Term {
                scope,
                text,
                phrase: true,
            }),
            _ => Err(Malformed),
        }
    }
}

/// Parses a query; `Err` when it is malformed.
fn parse(input: &str) -> Result<Node, Malformed> {
    let lexemes = lex(input)?;
    let mut parser = Parser {
        lexemes,
        at: 0,
        depth: 0,
    };
    let node = parser.parse_or(Scope::All)?;
    if parser.at < parser.lexemes.len() {
        return Err(Malformed);
    }
    Ok(node)
}

/// Splits text into the pieces that are searched as separate terms: runs of
/// CJK and word characters (punctuation separates), normalised.
pub fn term_parts(text: &str) -> Vec<String> {
    let normalized = normalize(text);
    normalized
        .text
        .split(|c: char| !is_cjk(c) && !is_word_char(c))
        .filter(|part| !part.is_empty())
        .map(str::to_string)
        .collect()
}

/// One word of a query run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// The word, normalised.
    pub text: String,
    /// True for a function word or particle ([`PARTICLES`]), which the
    /// query does not require.
    pub particle: bool,
}

/// The words of one run of a query typed without spaces, as jieba cuts it
/// with the index's dictionary after normalisation (黄堡镇的老照片 →
/// 黄堡镇 / 的 / 老照片). Neighbouring single characters that are not
/// particles are joined again: they are a word the dictionary does not know
/// (a name, a line of verse), looked for as the substring they form, not as
/// characters scattered over the record.
pub fn query_words(part: &str) -> Vec<QueryWord> {
    let mut words: Vec<QueryWord> = Vec::new();
    let mut previous_single = false;
    for token in query_word_tokens(part) {
        let particle = PARTICLES.contains(&token.text.as_str());
        let mut chars = token.text.chars();
        let single =
            !particle && matches!((chars.next(), chars.next()), (Some(c), None) if is_cjk(c));
        match words.last_mut() {
            Some(last) if single && previous_single => last.text.push_str(&token.text),
            _ => words.push(QueryWord {
                text: token.text,
                particle,
            }),
        }
        previous_single = single;
    }
    words
}

/// What [`build_query`] works with while translating.
struct Builder<'a> {
    fields: &'a Fields,
    highlight: Vec<String>,
    terms: usize,
}

/// What [`Builder::build`] makes of a parsed query.
struct Built {
    query: Box<dyn Query>,
    alternatives: Option<Vec<Box<dyn Query>>>,
    conjunction: Option<Conjunction>,
}

impl<'a> Builder<'a> {
    fn new(fields: &'a Fields) -> Self {
        Builder {
            fields,
            highlight: Vec::new(),
            terms: 0,
        }
    }

    /// The query for a parsed query; `None` when it has nothing to search for.
    ///
    /// A term, or an AND of terms and exclusions (what nearly everyone
    /// types), becomes a [`Conjunction`] of its pieces, which the search can
    /// relax when the whole finds nothing; anything else (OR, groups) is
    /// translated as it stands.
    fn build(&mut self, node: &Node) -> Result<Option<Built>, Malformed> {
        let items: Vec<(Occur, &Node)> = match node {
            Node::Term { .. } => vec![(Occur::Must, node)],
            Node::And(items) => items.iter().map(|(occur, item)| (*occur, item)).collect(),
            Node::Or(_) => Vec::new(),
        };
        let is_conjunction = items.iter().any(|(occur, _)| *occur != Occur::MustNot)
            && items
                .iter()
                .all(|(occur, item)| *occur == Occur::MustNot || matches!(item, Node::Term { .. }));
        if !is_conjunction {
            return Ok(self.node(node, false)?.map(|query| Built {
                query,
                alternatives: None,
                conjunction: None,
            }));
        }
        let mut conjunction = Conjunction {
            required: Vec::new(),
            rest: Vec::new(),
        };
        for (occur, item) in items {
            match item {
                Node::Term {
                    scope,
                    text,
                    phrase,
                } if occur != Occur::MustNot => {
                    let clauses = self.term_clauses(*scope, text, *phrase, false)?;
                    conjunction.required.extend(clauses.required);
                    conjunction.rest.extend(
                        clauses
                            .optional
                            .into_iter()
                            .map(|query| (Occur::Should, query)),
                    );
                }
                _ => {
                    if let Some(query) = self.node(item, true)? {
                        conjunction
                            .rest
                            .push((Occur::MustNot, Box::new(Excluded(query))));
                    }
                }
            }
        }
        if conjunction.required.is_empty() {
            // Only exclusions and pieces with nothing to search (`!!! -词`):
            // the generic translation knows what to make of them.
            return Ok(self.node(node, false)?.map(|query| Built {
                query,
                alternatives: None,
                conjunction: None,
            }));
        }
        let query = conjunction.query(&conjunction.required, false);
        let alternatives = match conjunction.required.as_slice() {
            [only] if conjunction.rest.is_empty() => only.clone().alternatives,
            _ => None,
        };
        Ok(Some(Built {
            query,
            alternatives,
            conjunction: (conjunction.required.len() > 1).then_some(conjunction),
        }))
    }

    /// The query for one node; `None` when it has nothing to search for.
    fn node(&mut self, node: &Node, negated: bool) -> Result<Option<Box<dyn Query>>, Malformed> {
        match node {
            Node::Term {
                scope,
                text,
                phrase,
            } => self.term(*scope, text, *phrase, negated),
            Node::Or(alternatives) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for alternative in alternatives {
                    if let Some(query) = self.node(alternative, negated)? {
                        clauses.push((Occur::Should, query));
                    }
                }
                Ok((!clauses.is_empty())
                    .then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>))
            }
            Node::And(items) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (occur, item) in items {
                    let inner_negated = negated ^ (*occur == Occur::MustNot);
                    if let Some(query) = self.node(item, inner_negated)? {
                        let query = if *occur == Occur::MustNot {
                            Box::new(Excluded(query)) as Box<dyn Query>
                        } else {
                            query
                        };
                        clauses.push((*occur, query));
                    }
                }
                if clauses.is_empty() {
                    return Ok(None);
                }
                if clauses.iter().all(|(occur, _)| *occur == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Ok(Some(Box::new(BooleanQuery::new(clauses))))
            }
        }
    }

    /// The query for a term or phrase: its clauses in one query.
    fn term(
        &mut self,
        scope: Scope,
        text: &str,
        phrase: bool,
        negated: bool,
    ) -> Result<Option<Box<dyn Query>>, Malformed> {
        let mut clauses = self.term_clauses(scope, text, phrase, negated)?;
        if clauses.required.len() == 1 && clauses.optional.is_empty() {
            return Ok(clauses.required.pop().map(|required| required.query));
        }
        Ok(clauses.into_query())
    }

    /// What a term or phrase requires and what it prefers.
    ///
    /// A quoted phrase, a negated term and each run of one word are required
    /// whole (as a substring, or as a word). A run of several words typed
    /// without spaces (黄堡镇的老照片) requires each content word
    /// ([`query_words`]) on its own, anywhere in the record, and prefers
    /// records where the run stands as written (and, when function words were
    /// left out, where the content words stand together).
    fn term_clauses(
        &mut self,
        scope: Scope,
        text: &str,
        phrase: bool,
        negated: bool,
    ) -> Result<TermClauses, Malformed> {
        let mut clauses = TermClauses::default();
        if scope == Scope::Year {
            let (start, end) = normalize_date(text).ok_or(Malformed)?;
            clauses.required.push(Required {
                label: text.to_string(),
                query: year_overlap_query(self.fields, start, end),
                alternatives: None,
                splittable: None,
            });
            return Ok(clauses);
        }
        let parts = term_parts(text);
        if parts.is_empty() {
            return Ok(clauses);
        }
        if phrase {
            self.highlight.extend(parts.iter().cloned());
            self.require(&mut clauses, scope, text);
            return Ok(clauses);
        }
        if negated {
            for part in &parts {
                self.require(&mut clauses, scope, part);
            }
            return Ok(clauses);
        }
        for part in &parts {
            let words = query_words(part);
            let content: Vec<&QueryWord> = words.iter().filter(|word| !word.particle).collect();
            if content.len() <= 1 {
                let word = content
                    .first()
                    .map_or(part.as_str(), |word| word.text.as_str());
                self.highlight.push(word.to_string());
                self.require_word(&mut clauses, scope, word);
                continue;
            }
            for word in &content {
                self.highlight.push(word.text.clone());
                self.require_word(&mut clauses, scope, &word.text);
            }
            // Records where the words stand together come first.
            let together: String = content.iter().map(|word| word.text.as_str()).collect();
            for adjacent in [part.as_str(), together.as_str()] {
                let alternatives = term_alternatives(self.fields, scope, adjacent);
                if !alternatives.is_empty() {
                    clauses.optional.push(Box::new(BoostQuery::new(
                        union_of(&alternatives),
                        TOGETHER_BOOST,
                    )));
                }
                if together == *part {
                    break;
                }
            }
        }
        Ok(clauses)
    }

    /// Adds `text` as a required piece (within the query's term budget).
    fn require(&mut self, clauses: &mut TermClauses, scope: Scope, text: &str) {
        if self.terms >= MAX_TERMS {
            return;
        }
        self.terms += 1;
        let alternatives = term_alternatives(self.fields, scope, text);
        if alternatives.is_empty() {
            return;
        }
        clauses.required.push(Required {
            label: text.to_string(),
            query: union_of(&alternatives),
            alternatives: Some(alternatives),
            splittable: None,
        });
    }

    /// Adds a word cut from a run typed without spaces: required like any
    /// piece, and split into shorter words if it matches nothing.
    fn require_word(&mut self, clauses: &mut TermClauses, scope: Scope, word: &str) {
        let before = clauses.required.len();
        self.require(clauses, scope, word);
        if let Some(required) = clauses.required.get_mut(before) {
            required.splittable = Some(scope);
        }
    }
}

/// One piece a query requires.
pub struct Required {
    /// The piece as the user can be told about it (a word, a phrase, a date).
    pub label: String,
    /// Its query.
    pub query: Box<dyn Query>,
    /// Its boosted query per field, OR-ed in `query` (see [`BuiltQuery::alternatives`]).
    alternatives: Option<Vec<Box<dyn Query>>>,
    /// For a word cut from a run (not a quoted phrase, not a date): the
    /// scope its shorter words are looked for in.
    splittable: Option<Scope>,
}

impl Required {
    /// The shorter words this word is made of, each a piece of its own
    /// (jieba's search mode, overlaps left out: 乾隆年间 → 乾隆 / 年间,
    /// 非物质文化遗产 → 非物质 / 文化遗产); empty for a phrase, a date or a
    /// word of no shorter words. A search tries them when the whole word
    /// matches nothing.
    pub fn shorter_words(&self, fields: &Fields) -> Vec<Required> {
        let Some(scope) = self.splittable else {
            return Vec::new();
        };
        let normalized = normalize(&self.label);
        let length = normalized.chars.len();
        let tokens: Vec<CharToken> = word_tokens(&normalized)
            .into_iter()
            .filter(|token| token.end - token.start < length)
            .collect();
        tokens
            .iter()
            .filter(|token| {
                !tokens.iter().any(|other| {
                    other != *token && other.start <= token.start && token.end <= other.end
                })
            })
            .filter_map(|token| {
                let alternatives = term_alternatives(fields, scope, &token.text);
                (!alternatives.is_empty()).then(|| Required {
                    label: token.text.clone(),
                    query: union_of(&alternatives),
                    alternatives: Some(alternatives),
                    splittable: None,
                })
            })
            .collect()
    }
}

impl Clone for Required {
    fn clone(&self) -> Self {
        Required {
            label: self.label.clone(),
            query: self.query.box_clone(),
            alternatives: self
                .alternatives
                .as_ref()
                .map(|alternatives| alternatives.iter().map(|query| query.box_clone()).collect()),
            splittable: self.splittable,
        }
    }
}

/// The clauses of one term: what it requires, and what ranks a match higher.
#[derive(Default)]
struct TermClauses {
    required: Vec<Required>,
    optional: Vec<Box<dyn Query>>,
}

impl TermClauses {
    /// The clauses as one query; `None` when nothing is required.
    fn into_query(self) -> Option<Box<dyn Query>> {
        if self.required.is_empty() {
            return None;
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = self
            .required
            .into_iter()
            .map(|required| (Occur::Must, required.query))
            .chain(
                self.optional
                    .into_iter()
                    .map(|query| (Occur::Should, query)),
            )
            .collect();
        Some(Box::new(BooleanQuery::new(clauses)))
    }
}

/// A query that is a conjunction of pieces (words, phrases, field terms):
/// what relaxing it needs when the whole finds nothing.
pub struct Conjunction {
    /// Each required piece, in the order typed.
    pub required: Vec<Required>,
    /// What every variant keeps: preferences (should) and exclusions (must not).
    pub rest: Vec<(Occur, Box<dyn Query>)>,
}

impl Conjunction {
    /// The query requiring every one of `pieces` (the conjunction's own, or
    /// some of them and their shorter words), or, with `any`, at least one.
    pub fn query<'a>(
        &self,
        pieces: impl IntoIterator<Item = &'a Required>,
        any: bool,
    ) -> Box<dyn Query> {
        let occur = if any { Occur::Should } else { Occur::Must };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = pieces
            .into_iter()
            .map(|piece| (occur, piece.query.box_clone()))
            .collect();
        if any {
            // A preference alone must not match: one of the pieces is needed.
            let one_of = BooleanQuery::new(clauses);
            clauses = vec![(Occur::Must, Box::new(one_of))];
        }
        clauses.extend(
            self.rest
                .iter()
                .map(|(occur, query)| (*occur, query.box_clone())),
        );
        Box::new(BooleanQuery::new(clauses))
    }
}

/// A query used as a `MustNot` clause. tantivy 0.27 asks an excluded
/// scorer whether it holds a document with `seek_danger`, also for a
/// document before the one it stands on; a phrase scorer answers that with a
/// failed assertion (tantivy issue #2811), so `-静夜思明月` panicked. This
/// wrapper's scorer uses `DocSet`'s own `seek_danger`, which looks at the
/// current document first.
#[derive(Debug)]
struct Excluded(Box<dyn Query>);

impl Clone for Excluded {
    fn clone(&self) -> Self {
        Excluded(self.0.box_clone())
    }
}

impl Query for Excluded {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ExcludedWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct ExcludedWeight(Box<dyn Weight>);

impl Weight for ExcludedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ExcludedScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct ExcludedScorer(Box<dyn Scorer>);

impl DocSet for ExcludedScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.0.doc() >= target {
            return self.0.doc();
        }
        self.0.seek(target)
    }

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
}

impl Scorer for ExcludedScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

/// Items whose year range overlaps `start..=end`.
pub fn year_overlap_query(fields: &Fields, start: i32, end: i32) -> Box<dyn Query> {
    let starts_before_end = RangeQuery::new(
        Bound::Unbounded,
        Bound::Included(Term::from_field_i64(fields.year_start, i64::from(end))),
    );
    let ends_after_start = RangeQuery::new(
        Bound::Included(Term::from_field_i64(fields.year_end, i64::from(start))),
        Bound::Unbounded,
    );
    Box::new(BooleanQuery::new(vec![
        (Occur::Must, Box::new(starts_before_end)),
        (Occur::Must, Box::new(ends_after_start)),
    ]))
}

/// Items whose first year lies in `start..=end` (the year facet's buckets).
pub fn year_start_query(fields: &Fields, start: i64, end: i64) -> Box<dyn Query> {
    Box::new(RangeQuery::new(
        Bound::Included(Term::from_field_i64(fields.year_start, start)),
        Bound::Included(Term::from_field_i64(fields.year_start, end)),
    ))
}

/// A term or phrase query over positioned tokens; `None` without tokens.
fn positioned_query(field: Field, tokens: &[CharToken]) -> Option<Box<dyn Query>> {
    match tokens {
        [] => None,
        [token] => Some(Box::new(TermQuery::new(
            Term::from_field_text(field, &token.text),
            IndexRecordOption::WithFreqs,
        ))),
        _ => {
            let base = tokens[0].start;
            let terms = tokens
                .iter()
                .map(|token| {
                    (
                        token.start - base,
                        Term::from_field_text(field, &token.text),
                    )
                })
                .collect();
            Some(Box::new(PhraseQuery::new_with_offset(terms)))
        }
    }
}

/// The queries OR-ed into one.
fn union_of(alternatives: &[Box<dyn Query>]) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        alternatives
            .iter()
            .map(|query| (Occur::Should, query.box_clone()))
            .collect(),
    ))
}

/// The queries for one piece of text in a scope, one per field it is
/// looked for in: words and grams fields of every kind in scope with their
/// boosts, and pinyin for ASCII letters.
fn term_alternatives(fields: &Fields, scope: Scope, text: &str) -> Vec<Box<dyn Query>> {
    let kinds: Vec<TextKind> = match scope {
        Scope::All => TextKind::ALL.to_vec(),
        Scope::Kind(kind) => vec![kind],
        Scope::Year => return Vec::new(),
    };
    let word_tokens = query_word_tokens(text);
    let gram_tokens = query_gram_tokens(text);
    let mut clauses: Vec<Box<dyn Query>> = Vec::new();
    for kind in &kinds {
        let words = fields.words_of(*kind);
        if let Some(query) = words.and_then(|field| positioned_query(field, &word_tokens)) {
            clauses.push(Box::new(BoostQuery::new(query, kind.boost())));
        }
        // Without a words field, the grams carry the kind's whole weight.
        let factor = if words.is_some() { GRAMS_FACTOR } else { 1.0 };
        if let Some(query) = positioned_query(fields.grams_of(*kind), &gram_tokens) {
            clauses.push(Box::new(BoostQuery::new(query, kind.boost() * factor)));
        }
    }
    let pinyin_scope = matches!(
        scope,
        Scope::All | Scope::Kind(TextKind::Title) | Scope::Kind(TextKind::Creator)
    );
    let lower = text.trim().to_ascii_lowercase();
    if pinyin_scope && lower.len() >= 2 && lower.bytes().all(|b| b.is_ascii_lowercase()) {
        let query = TermQuery::new(
            Term::from_field_text(fields.pinyin, &lower),
            IndexRecordOption::WithFreqs,
        );
        clauses.push(Box::new(BoostQuery::new(Box::new(query), PINYIN_BOOST)));
    }
    clauses
}

/// The words of a malformed query, as plain terms.
fn fallback_node(input: &str) -> Option<Node> {
    let clauses: Vec<(Occur, Node)> = input
        .split(|c: char| c.is_whitespace() || "()\"“”「」『』:+".contains(c))
        .filter(|word| !matches!(*word, "AND" | "OR" | "NOT" | "&&" | "||" | "-" | ""))
        .map(|word| word.trim_start_matches(['-', '!']))
        .filter(|word| !term_parts(word).is_empty())
        .take(MAX_TERMS)
        .map(|word| {
            (
                Occur::Must,
                Node::Term {
                    scope: Scope::All,
                    text: word.to_string(),
                    phrase: false,
                },
            )
        })
        .collect();
    (!clauses.is_empty()).then_some(Node::And(clauses))
}

/// Translates the user's query into a tantivy query. Never fails.
pub fn build_query(input: &str, fields: &Fields) -> BuiltQuery {
    let normalized: String = input.nfkc().collect();
    let truncated = normalized.chars().count() > MAX_QUERY_CHARS;
    let text: String = normalized.chars().take(MAX_QUERY_CHARS).collect();
    if text.trim().is_empty() {
        return BuiltQuery {
            query: Box::new(AllQuery),
            highlight_terms: Vec::new(),
            fallback: truncated,
            match_all: true,
            alternatives: None,
            conjunction: None,
        };
    }
    let mut builder = Builder::new(fields);
    if let Ok(node) = parse(&text)
        && let Ok(Some(built)) = builder.build(&node)
    {
        return BuiltQuery {
            query: built.query,
            highlight_terms: builder.highlight,
            fallback: truncated,
            match_all: false,
            alternatives: built.alternatives,
            conjunction: built.conjunction,
        };
    }
    let mut builder = Builder::new(fields);
    let built = fallback_node(&text).and_then(|node| builder.build(&node).ok().flatten());
    let (query, conjunction) = match built {
        Some(built) => (built.query, built.conjunction),
        None => (Box::new(EmptyQuery) as Box<dyn Query>, None),
    };
    BuiltQuery {
        query,
        highlight_terms: builder.highlight,
        fallback: true,
        match_all: false,
        alternatives: None,
        conjunction,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_syntax() {
        let node = parse("title:静夜思 李白 -月亮 (a OR b) \"明月 光\" year:1950-1960").unwrap();
        let Node::And(clauses) = node else {
            panic!("expected an AND")
        };
        assert_eq!(clauses.len(), 6);
        assert_eq!(
            clauses[0].1,
            Node::Term {
                scope: Scope::Kind(TextKind::Title),
                text: "静夜思".into(),
                phrase: false
            }
        );
        assert_eq!(clauses[2].0, Occur::MustNot);
        assert!(matches!(clauses[3].1, Node::Or(_)));
        assert!(matches!(&clauses[4].1, Node::Term { phrase: true, .. }));
        assert!(matches!(
            &clauses[5].1,
            Node::Term {
                scope: Scope::Year,
                ..
            }
        ));
    }

    #[test]
    fn malformed_queries_are_detected() {
        for bad in ["title:", "\"", "((", "a AND", "OR", ")", "title:(", "()"] {
            assert!(parse(bad).is_err(), "{bad} should be malformed");
        }
        assert!(parse("http://example.org").is_ok());
    }

    /// Issue #7 (fuzzed): a closing quote without an opening one made the
    /// lexer push empty words forever, until memory ran out (a query of `”`
    /// took the server down).
    #[test]
    fn a_stray_closing_quote_is_skipped() {
        for query in ["”", "」", "』", "a ” b", "”(", "title:」"] {
            assert!(lex(query).is_ok(), "{query}");
        }
        assert_eq!(
            lex("静夜思” 李白").unwrap(),
            vec![Lexeme::Word("静夜思".into()), Lexeme::Word("李白".into())]
        );
    }

    /// Issue #7 (fuzzed): excluding a phrase no document holds panicked in
    /// tantivy (`target (0) should be greater than or equal to doc`).
    #[test]
    fn excluding_an_absent_phrase_runs() {
        use crate::search::{SearchIndex, SearchRequest};
        let index = SearchIndex::in_memory().unwrap();
        let mut writer = index.writer().unwrap();
        let mut metadata = crate::model::Metadata::default();
        metadata.push(crate::model::DcElement::Title, ["静夜思 明月".to_string()]);
        let record = crate::model::ItemRecord {
            item: crate::model::Item {
                id: "poem".into(),
                source_key: "poem".into(),
                institution_id: None,
                collection_id: None,
                access: crate::model::AccessLevel::Public,
                metadata,
                created_at: 0,
                updated_at: 0,
                deleted_at: None,
            },
            files: Vec::new(),
        };
        writer
            .upsert(&crate::search::IndexDocument {
                record: &record,
                institution: None,
                collection_name: None,
                thumbnail: None,
            })
            .unwrap();
        writer.commit().unwrap();
        for query in ["-静夜思明月", "明月 -静夜思明月", "NOT \"思明\""] {
            let results = index.search(&SearchRequest::new(query)).unwrap();
            assert_eq!(results.total, 1, "{query}");
        }
        assert_eq!(
            index.search(&SearchRequest::new("-静夜思")).unwrap().total,
            0
        );
    }

    #[test]
    fn term_parts_split_on_punctuation() {
        assert_eq!(term_parts("静夜思，李白"), vec!["静夜思", "李白"]);
        assert_eq!(term_parts("ＡＢＣ１２３"), vec!["abc123"]);
        assert!(term_parts("!!!").is_empty());
    }
}
