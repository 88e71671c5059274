//! Searches that would find something when one found nothing: the query
//! folded to simplified characters, its pinyin, or the same query without
//! its filters; each kept only when it finds something. Computed beside the
//! search that found nothing, so the results page, the API and the command
//! line offer the same ones.

use super::tokenizer::{char_pinyin, fold, is_cjk};
use super::{SearchIndex, SearchRequest, Sort};
use crate::Result;

/// How a suggested search differs from the one that found nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionKind {
    /// The query in simplified characters (`耀州窯` → `耀州窑`).
    Folded,
    /// The query's Chinese characters in pinyin (`耀州` → `yaozhou`).
    Pinyin,
    /// The same query with no filters.
    WithoutFilters,
}

impl SuggestionKind {
    /// The name the API and `--json` use.
    pub fn name(self) -> &'static str {
        match self {
            SuggestionKind::Folded => "folded",
            SuggestionKind::Pinyin => "pinyin",
            SuggestionKind::WithoutFilters => "without_filters",
        }
    }
}

/// A search that finds something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// How it differs.
    pub kind: SuggestionKind,
    /// Its query.
    pub query: String,
    /// Its filters.
    pub filters: Vec<(String, String)>,
    /// How many items it finds.
    pub total: usize,
}

/// The pinyin of a query's Chinese characters (`耀州` → `yaozhou`), if it has any.
pub fn pinyin_form(query: &str) -> Option<String> {
    if !query.chars().any(is_cjk) {
        return None;
    }
    let mut pinyin = String::new();
    for c in query.chars() {
        match char_pinyin(c) {
            Some(syllables) => pinyin.push_str(syllables),
            None if c.is_whitespace() => pinyin.push(' '),
            None if is_cjk(c) => {}
            None => pinyin.push(c),
        }
    }
    let pinyin = pinyin.split_whitespace().collect::<Vec<_>>().join(" ");
    (!pinyin.is_empty()).then_some(pinyin)
}

impl SearchIndex {
    /// The searches that would find something in place of `request`.
    pub(super) fn suggestions(&self, request: &SearchRequest) -> Result<Vec<Suggestion>> {
        let query = request.query.trim();
        let mut candidates = Vec::new();
        if !query.is_empty() {
            let folded = fold(query);
            if !folded.is_empty() && folded != query {
                candidates.push((SuggestionKind::Folded, folded, request.filters.clone()));
            }
            if let Some(pinyin) = pinyin_form(query) {
                candidates.push((SuggestionKind::Pinyin, pinyin, request.filters.clone()));
            }
        }
        if !request.filters.is_empty() {
            candidates.push((
                SuggestionKind::WithoutFilters,
                query.to_string(),
                Vec::new(),
            ));
        }
        let mut suggestions = Vec::new();
        for (kind, query, filters) in candidates {
            let count = SearchRequest {
                query: query.clone(),
                filters: filters.clone(),
                sort: Sort::Relevance,
                offset: 0,
                limit: 0,
                cursor: None,
                facets: false,
                suggest: false,
            };
            let total = self.search(&count)?.total;
            if total > 0 {
                suggestions.push(Suggestion {
                    kind,
                    query,
                    filters,
                    total,
                });
            }
        }
        Ok(suggestions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_form_of_chinese_queries() {
        assert_eq!(pinyin_form("耀州").as_deref(), Some("yaozhou"));
        assert_eq!(pinyin_form("耀州 窑址").as_deref(), Some("yaozhou yaozhi"));
        assert_eq!(pinyin_form("yaozhou"), None);
    }
}
