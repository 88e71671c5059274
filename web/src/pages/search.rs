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
use wenyuan_index::search::{
    Fragment, Hit, Leniency, MAX_OFFSET, SearchParams, SearchResults, Sort, SuggestionKind,
};

use super::{Chrome, Preferences, Section, derivative_url, render_html, respond};
use crate::i18n::Lang;
use crate::state::Venues;
use crate::urls::search_page_url;
use crate::{AppError, AppState};

/// Reads a search from the URL's decoded pairs: the one request model of
/// every face, lenient (anything invalid is dropped, never an error page).
pub fn params_from_pairs(pairs: &[(String, String)]) -> SearchParams {
    let pairs = pairs
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()));
    match SearchParams::from_pairs(pairs, Leniency::Lenient) {
        Ok((params, _)) => params,
        // Lenient parsing gives way on every value; nothing reaches here.
        Err(_) => SearchParams::new(Leniency::Lenient),
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
    let params = params_from_pairs(&preferences.other_query_pairs);
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
    let (results, venues) = state.search_with_venues(params.request(true)).await?;

    let facets = facet_views(&params, &results, &venues, lang);
    let applied: Vec<AppliedFilter> = params
        .filters
        .iter()
        .map(|(name, value)| AppliedFilter {
            facet_label: lang.facet_label(name),
            value_label: lang.facet_value_label(&venues, name, value),
            remove_url: search_page_url(&params.with_filter_removed(name, value)),
        })
        .collect();
    let clear_filters_url =
        (!params.filters.is_empty()).then(|| search_page_url(&params.without_filters()));

    let reachable_total = results.total.min(MAX_OFFSET + params.per_page);
    let page_count = reachable_total.div_ceil(params.per_page).max(1);
    let current_page = params.page.min(page_count);
    let previous_url =
        (current_page > 1).then(|| search_page_url(&params.with_page(current_page - 1)));
    let next_url =
        (current_page < page_count).then(|| search_page_url(&params.with_page(current_page + 1)));
    let window_start = current_page.saturating_sub(2).max(1);
    let window_end = (current_page + 2).min(page_count);
    let page_links = (window_start..=window_end)
        .map(|number| PageLink {
            number,
            url: search_page_url(&params.with_page(number)),
            current: number == current_page,
        })
        .collect();

    let suggestions = suggestion_views(&params, &results, lang);

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
    chrome.canonical_url = super::absolute_url(state, &search_page_url(&params));
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
                        search_page_url(&params.with_filter_removed(&facet.name, value))
                    } else {
                        search_page_url(&params.with_filter_added(&facet.name, value))
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

/// The index's suggestions, labelled and linked for the page.
fn suggestion_views(params: &SearchParams, results: &SearchResults, lang: Lang) -> Vec<Suggestion> {
    let remove_filters = lang.labels().no_results_remove_filters;
    results
        .suggestions
        .iter()
        .map(|suggestion| {
            let label = match suggestion.kind {
                SuggestionKind::WithoutFilters if suggestion.query.is_empty() => {
                    remove_filters.to_string()
                }
                SuggestionKind::WithoutFilters => {
                    format!("{}（{remove_filters}）", suggestion.query)
                }
                SuggestionKind::Folded | SuggestionKind::Pinyin => suggestion.query.clone(),
            };
            let mut target = params.with_query(&suggestion.query);
            target.filters = suggestion.filters.clone();
            Suggestion {
                label,
                url: search_page_url(&target),
                count_label: lang.result_count(suggestion.total),
            }
        })
        .collect()
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
        let params = params_from_pairs(&pairs(&[
            ("q", "  耀州窑 "),
            ("f", "type:照片"),
            ("f", "nonsense:1"),
            ("f", "year:abc"),
            ("sort", "sideways"),
            ("page", "-3"),
        ]));
        assert_eq!(params.query, "耀州窑");
        assert_eq!(
            params.filters,
            vec![("type".to_string(), "照片".to_string())]
        );
        assert_eq!(params.sort, Sort::Relevance);
        assert_eq!(params.page, 1);
    }

    #[test]
    fn urls_round_trip() {
        let mut params = SearchParams::new(Leniency::Lenient);
        params.query = "a&b".into();
        params.filters = vec![("institution".into(), "museum".into())];
        params.sort = Sort::DateDesc;
        params.page = 3;
        let url = search_page_url(&params);
        assert_eq!(
            url,
            "/search?q=a%26b&f=institution%3Amuseum&sort=date_desc&page=3"
        );
        let uri: axum::http::Uri = url.parse().unwrap();
        let reparsed = params_from_pairs(&super::super::query_pairs_of(&uri));
        assert_eq!(search_page_url(&reparsed), url);
        assert_eq!(reparsed.query, params.query);
        assert_eq!(reparsed.filters, params.filters);
    }
}
