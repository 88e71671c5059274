//! `GET /search?q=…&f=facet:value…&sort=…&page=…`: one server-rendered page
//! of results with thumbnails and highlighted snippets, facets that narrow
//! (add a filter) and un-narrow (remove one), the applied filters, a sort
//! control, pagination and the result count. A search that finds nothing
//! suggests what would: the folded (simplified) or pinyin form of the
//! query, or the same query without its filters. An empty or malformed
//! query, unknown facets and bad parameters never fail: they are ignored.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use wenyuan_index::search::schema::FACET_NAMES;
use wenyuan_index::search::tokenizer::{char_pinyin, fold, is_cjk};
use wenyuan_index::search::{Fragment, Hit, MAX_OFFSET, SearchRequest, SearchResults, Sort};

use super::{Chrome, Preferences, Section, derivative_url, href, render_html, respond};
use crate::i18n::Lang;
use crate::state::Venues;
use crate::{AppError, AppState};

/// Results per page.
pub const PAGE_SIZE: usize = 20;
/// Longest query kept from the URL (characters); the index cuts further.
const MAX_QUERY_CHARS: usize = 512;
/// Most filters kept from the URL.
const MAX_FILTERS: usize = 20;

/// A search as read from the URL, cleaned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchParams {
    /// The query as typed.
    pub query: String,
    /// Valid filters as (facet, value), without duplicates.
    pub filters: Vec<(String, String)>,
    /// Result order.
    pub sort: Sort,
    /// Page number, from 1.
    pub page: usize,
}

impl SearchParams {
    /// Reads the parameters from decoded query pairs; anything invalid is dropped.
    pub fn from_query_pairs(pairs: &[(String, String)]) -> SearchParams {
        let mut params = SearchParams {
            page: 1,
            ..SearchParams::default()
        };
        for (key, value) in pairs {
            match key.as_str() {
                "q" => params.query = value.trim().chars().take(MAX_QUERY_CHARS).collect(),
                "f" => {
                    if let Some(filter) = parse_filter(value)
                        && !params.filters.contains(&filter)
                        && params.filters.len() < MAX_FILTERS
                    {
                        params.filters.push(filter);
                    }
                }
                "sort" => {
                    if let Some(sort) = Sort::from_name(value) {
                        params.sort = sort;
                    }
                }
                "page" => {
                    if let Ok(page) = value.trim().parse::<usize>() {
                        params.page = page.clamp(1, MAX_OFFSET / PAGE_SIZE + 1);
                    }
                }
                _ => {}
            }
        }
        params
    }

    /// The URL of this search (page 1 is left out).
    pub fn url(&self) -> String {
        let filter_values: Vec<String> = self
            .filters
            .iter()
            .map(|(name, value)| format!("{name}:{value}"))
            .collect();
        let page = self.page.to_string();
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if !self.query.is_empty() {
            pairs.push(("q", &self.query));
        }
        for filter in &filter_values {
            pairs.push(("f", filter));
        }
        if self.sort != Sort::Relevance {
            pairs.push(("sort", self.sort.name()));
        }
        if self.page > 1 {
            pairs.push(("page", &page));
        }
        href("/search", &pairs)
    }

    fn with_page(&self, page: usize) -> SearchParams {
        SearchParams {
            page,
            ..self.clone()
        }
    }

    fn with_filter_added(&self, name: &str, value: &str) -> SearchParams {
        let mut params = self.with_page(1);
        let filter = (name.to_string(), value.to_string());
        if !params.filters.contains(&filter) {
            params.filters.push(filter);
        }
        params
    }

    fn with_filter_removed(&self, name: &str, value: &str) -> SearchParams {
        let mut params = self.with_page(1);
        params
            .filters
            .retain(|(filter_name, filter_value)| filter_name != name || filter_value != value);
        params
    }

    fn with_query(&self, query: &str) -> SearchParams {
        SearchParams {
            query: query.to_string(),
            page: 1,
            ..self.clone()
        }
    }

    fn without_filters(&self) -> SearchParams {
        SearchParams {
            filters: Vec::new(),
            page: 1,
            ..self.clone()
        }
    }

    fn request(&self, limit: usize, facets: bool) -> SearchRequest {
        SearchRequest {
            query: self.query.clone(),
            filters: self.filters.clone(),
            sort: self.sort,
            offset: (self.page - 1) * PAGE_SIZE,
            limit,
            cursor: None,
            facets,
        }
    }
}

/// `facet:value` with a known facet (and, for `year`, a range of years).
fn parse_filter(text: &str) -> Option<(String, String)> {
    let (name, value) = text.split_once(':')?;
    let value = value.trim();
    if !FACET_NAMES.contains(&name) || value.is_empty() {
        return None;
    }
    if name == "year" && !is_year_range(value) {
        return None;
    }
    Some((name.to_string(), value.to_string()))
}

/// `1950-1959` or `1950` (a leading minus for years BCE).
fn is_year_range(value: &str) -> bool {
    let is_year = |text: &str| {
        let digits = text.strip_prefix('-').unwrap_or(text);
        (1..=5).contains(&digits.len()) && digits.bytes().all(|byte| byte.is_ascii_digit())
    };
    let split = value
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '-')
        .map(|(at, _)| at);
    match split {
        Some(at) => is_year(&value[..at]) && is_year(&value[at + 1..]),
        None => is_year(value),
    }
}

/// A hit as shown in a result list.
#[derive(Debug, Clone)]
pub struct HitView {
    /// Link to the item page.
    pub url: String,
    /// The title as plain text (alt text of the thumbnail).
    pub title: String,
    /// The title with query matches highlighted.
    pub title_fragments: Vec<Fragment>,
    /// A passage with query matches highlighted.
    pub snippet_fragments: Vec<Fragment>,
    /// Thumbnail URL (public items only).
    pub thumbnail_url: Option<String>,
    /// Holding venue's name.
    pub institution: Option<String>,
    /// Creators and contributors, joined with 、 (empty when none may be shown).
    pub creators: String,
    /// Date as written.
    pub date: Option<String>,
    /// Type as written.
    pub item_type: Option<String>,
}

impl HitView {
    /// The view of a search hit, its venue named in `lang`.
    pub fn from_hit(hit: &Hit, venues: &Venues, lang: Lang) -> HitView {
        let title_fragments = if hit.title_highlight.fragments.is_empty() {
            vec![Fragment {
                text: hit.title.clone(),
                highlighted: false,
            }]
        } else {
            hit.title_highlight.fragments.clone()
        };
        HitView {
            url: format!("/items/{}", hit.id),
            title: hit.title.clone(),
            title_fragments,
            snippet_fragments: hit
                .snippet
                .as_ref()
                .map(|snippet| snippet.fragments.clone())
                .unwrap_or_default(),
            thumbnail_url: hit.thumbnail.as_deref().and_then(derivative_url),
            institution: hit
                .institution_id
                .as_deref()
                .and_then(|id| venues.institution_name(id, lang))
                .or_else(|| hit.institution.clone()),
            creators: hit.creators.join("、"),
            date: hit.date.clone(),
            item_type: hit.item_type.clone(),
        }
    }
}

/// One value of a facet.
#[derive(Debug, Clone)]
pub struct FacetValueView {
    /// Display name (venue and collection names instead of ids).
    pub label: String,
    /// Matching items.
    pub count: u64,
    /// True when this value is an applied filter.
    pub selected: bool,
    /// Adds the filter, or removes it when selected.
    pub url: String,
}

/// One facet with its values.
#[derive(Debug, Clone)]
pub struct FacetView {
    /// Heading in the page language.
    pub label: &'static str,
    /// Values, largest first (years in order).
    pub values: Vec<FacetValueView>,
}

/// An applied filter, removable.
#[derive(Debug, Clone)]
pub struct AppliedFilter {
    /// The facet's label.
    pub facet_label: &'static str,
    /// The value's display name.
    pub value_label: String,
    /// This search without the filter.
    pub remove_url: String,
}

/// An entry of the sort control.
#[derive(Debug, Clone)]
pub struct SortOption {
    /// URL name.
    pub value: &'static str,
    /// Label.
    pub label: &'static str,
    /// The current order.
    pub selected: bool,
}

/// A link of the pagination.
#[derive(Debug, Clone)]
pub struct PageLink {
    /// Page number.
    pub number: usize,
    /// Its URL.
    pub url: String,
    /// The page shown.
    pub current: bool,
}

/// A search that would find something.
#[derive(Debug, Clone)]
pub struct Suggestion {
    /// What to show ("耀州窑", "yaozhou", "去掉筛选条件").
    pub label: String,
    /// Its URL.
    pub url: String,
    /// "3 results".
    pub count_label: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    query: String,
    total_label: String,
    total: usize,
    hits: Vec<HitView>,
    facets: Vec<FacetView>,
    applied: Vec<AppliedFilter>,
    clear_filters_url: Option<String>,
    sort_options: Vec<SortOption>,
    hidden_filters: Vec<String>,
    previous_url: Option<String>,
    next_url: Option<String>,
    page_links: Vec<PageLink>,
    page_label: String,
    suggestions: Vec<Suggestion>,
    query_was_fallback: bool,
    /// What the search gave up to find something, when it did.
    relaxation_note: Option<String>,
}

/// `GET /search`.
pub async fn search_page(State(state): State<AppState>, preferences: Preferences) -> Response {
    let params = SearchParams::from_query_pairs(&preferences.other_query_pairs);
    let outcome = build_search_page(&state, &preferences, params).await;
    respond(&state, &preferences, outcome)
}

async fn build_search_page(
    state: &AppState,
    preferences: &Preferences,
    params: SearchParams,
) -> Result<Response, AppError> {
    let lang = preferences.lang;
    let labels = lang.labels();
    let (results, venues) = state
        .search_with_venues(params.request(PAGE_SIZE, true))
        .await?;

    let facets = facet_views(&params, &results, &venues, lang);
    let applied: Vec<AppliedFilter> = params
        .filters
        .iter()
        .map(|(name, value)| AppliedFilter {
            facet_label: lang.facet_label(name),
            value_label: lang.facet_value_label(&venues, name, value),
            remove_url: params.with_filter_removed(name, value).url(),
        })
        .collect();
    let clear_filters_url = (!params.filters.is_empty()).then(|| params.without_filters().url());

    let reachable_total = results.total.min(MAX_OFFSET + PAGE_SIZE);
    let page_count = reachable_total.div_ceil(PAGE_SIZE).max(1);
    let current_page = params.page.min(page_count);
    let previous_url = (current_page > 1).then(|| params.with_page(current_page - 1).url());
    let next_url = (current_page < page_count).then(|| params.with_page(current_page + 1).url());
    let window_start = current_page.saturating_sub(2).max(1);
    let window_end = (current_page + 2).min(page_count);
    let page_links = (window_start..=window_end)
        .map(|number| PageLink {
            number,
            url: params.with_page(number).url(),
            current: number == current_page,
        })
        .collect();

    let suggestions = if results.total == 0 {
        suggestions_for(state, &params, lang).await?
    } else {
        Vec::new()
    };

    let sort_options = Sort::ALL
        .iter()
        .map(|sort| SortOption {
            value: sort.name(),
            label: match sort {
                Sort::Relevance => labels.sort_relevance,
                Sort::DateAsc => labels.sort_date_asc,
                Sort::DateDesc => labels.sort_date_desc,
                Sort::Title => labels.sort_title,
                Sort::Recent => labels.sort_recent,
            },
            selected: *sort == params.sort,
        })
        .collect();
    let hidden_filters = params
        .filters
        .iter()
        .map(|(name, value)| format!("{name}:{value}"))
        .collect();

    let page_title = if params.query.is_empty() {
        labels.search_title.to_string()
    } else {
        format!("{} · {}", params.query, labels.search_title)
    };
    let mut chrome = Chrome::new(state, preferences, page_title, Section::Search);
    chrome.header_query = params.query.clone();
    chrome.canonical_url = super::absolute_url(state, &params.url());
    chrome.description = lang.result_count(results.total);
    let page = SearchPage {
        chrome,
        query: params.query.clone(),
        total_label: lang.result_count(results.total),
        total: results.total,
        hits: results
            .hits
            .iter()
            .map(|hit| HitView::from_hit(hit, &venues, lang))
            .collect(),
        facets,
        applied,
        clear_filters_url,
        sort_options,
        hidden_filters,
        previous_url,
        next_url,
        page_links,
        page_label: lang.page_of(current_page, page_count),
        suggestions,
        query_was_fallback: results.query_was_fallback,
        relaxation_note: results
            .relaxed
            .as_ref()
            .map(|relaxation| lang.relaxation_note(relaxation)),
    };
    render_html(&page)
}

fn facet_views(
    params: &SearchParams,
    results: &SearchResults,
    venues: &Venues,
    lang: Lang,
) -> Vec<FacetView> {
    results
        .facets
        .iter()
        .filter(|facet| facet.name != "access" || facet.values.len() > 1)
        .map(|facet| FacetView {
            label: lang.facet_label(&facet.name),
            values: facet
                .values
                .iter()
                .map(|(value, count)| {
                    let selected = params
                        .filters
                        .iter()
                        .any(|(name, filter_value)| *name == facet.name && filter_value == value);
                    let url = if selected {
                        params.with_filter_removed(&facet.name, value).url()
                    } else {
                        params.with_filter_added(&facet.name, value).url()
                    };
                    FacetValueView {
                        label: lang.facet_value_label(venues, &facet.name, value),
                        count: *count,
                        selected,
                        url,
                    }
                })
                .collect(),
        })
        .filter(|facet| !facet.values.is_empty())
        .collect()
}

/// The pinyin of a query's Chinese characters (`耀州` → `yaozhou`), if it has any.
fn pinyin_form(query: &str) -> Option<String> {
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

/// Searches that would find something when this one found nothing.
async fn suggestions_for(
    state: &AppState,
    params: &SearchParams,
    lang: Lang,
) -> Result<Vec<Suggestion>, AppError> {
    let mut candidates: Vec<(String, SearchParams)> = Vec::new();
    if !params.query.is_empty() {
        let folded = fold(&params.query);
        if !folded.is_empty() && folded != params.query {
            candidates.push((folded.clone(), params.with_query(&folded)));
        }
        if let Some(pinyin) = pinyin_form(&params.query) {
            candidates.push((pinyin.clone(), params.with_query(&pinyin)));
        }
    }
    if !params.filters.is_empty() {
        let label = if params.query.is_empty() {
            lang.labels().no_results_remove_filters.to_string()
        } else {
            format!(
                "{}（{}）",
                params.query,
                lang.labels().no_results_remove_filters
            )
        };
        candidates.push((label, params.without_filters()));
    }
    let mut suggestions = Vec::new();
    for (label, candidate) in candidates {
        let found = state.search(candidate.request(0, false)).await;
        // A suggestion is a nicety: one that cannot be run is left out.
        let Ok(found) = found else { continue };
        if found.total > 0 {
            suggestions.push(Suggestion {
                label,
                url: candidate.url(),
                count_label: lang.result_count(found.total),
            });
        }
    }
    Ok(suggestions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn bad_parameters_are_dropped_not_fatal() {
        let params = SearchParams::from_query_pairs(&pairs(&[
            ("q", "  耀州窑 "),
            ("f", "type:照片"),
            ("f", "type:照片"),
            ("f", "nonsense:1"),
            ("f", "year:abc"),
            ("f", "year:1950-1959"),
            ("f", "no-colon"),
            ("sort", "sideways"),
            ("page", "-3"),
        ]));
        assert_eq!(params.query, "耀州窑");
        assert_eq!(
            params.filters,
            vec![
                ("type".to_string(), "照片".to_string()),
                ("year".to_string(), "1950-1959".to_string())
            ]
        );
        assert_eq!(params.sort, Sort::Relevance);
        assert_eq!(params.page, 1);
    }

    #[test]
    fn urls_round_trip() {
        let params = SearchParams {
            query: "a&b".into(),
            filters: vec![("institution".into(), "museum".into())],
            sort: Sort::DateDesc,
            page: 3,
        };
        let url = params.url();
        assert_eq!(
            url,
            "/search?q=a%26b&f=institution%3Amuseum&sort=date_desc&page=3"
        );
        let uri: axum::http::Uri = url.parse().unwrap();
        let reparsed = SearchParams::from_query_pairs(&super::super::query_pairs_of(&uri));
        assert_eq!(reparsed, params);
    }

    #[test]
    fn pinyin_form_of_chinese_queries() {
        assert_eq!(pinyin_form("耀州").as_deref(), Some("yaozhou"));
        assert_eq!(pinyin_form("yaozhou"), None);
    }
}
