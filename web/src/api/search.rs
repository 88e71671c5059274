//! `GET /api/v1/search`: one response with hits, total, facet counts that
//! carry ready drill-down links, the filters applied, and the cursor for the
//! next page; `Link` and `X-Total-Count` headers for clients that page by
//! headers.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use wenyuan_index::search::params::parse_filter;
use wenyuan_index::search::schema::FACET_NAMES;
use wenyuan_index::search::{Leniency, MAX_OFFSET, SearchParams};

use super::Lang;
use super::error::{ApiError, ApiQuery};
use super::limit::Allowance;
use crate::state::Venues;
use crate::urls::{self as ids, encode_into, href};
use crate::{AppError, AppState};

pub use wenyuan_index::search::params::MAX_PER_PAGE;
/// Default values per facet.
const DEFAULT_FACET_LIMIT: usize = 10;
/// Most values per facet (the index counts the top 20 of each).
const MAX_FACET_LIMIT: usize = 20;
/// The fields of a hit that `fields` may select.
pub const ITEM_FIELDS: [&str; 13] = [
    "id",
    "title",
    "creators",
    "snippet",
    "url",
    "thumbnail",
    "iiif_manifest",
    "iiif_image",
    "institution",
    "collection",
    "type",
    "date",
    "access",
];

/// The answer of a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// Number of matching items.
    pub total: u64,
    /// This page (1-based), absent when paging by cursor.
    pub page: Option<usize>,
    /// Hits per page.
    pub per_page: usize,
    /// The hits; with `fields`, only the fields asked for (and `id`).
    #[schema(value_type = Vec<SearchItem>)]
    pub items: Vec<serde_json::Value>,
    /// Counts of each facet asked for over all matching items.
    pub facets: Vec<FacetResponse>,
    /// The filters this search applied, each with a link that removes it.
    pub applied_filters: Vec<AppliedFilter>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// True when the query was malformed and its words were searched plainly.
    pub query_was_fallback: bool,
    /// Present when no item holds every word of the query and the search
    /// was loosened to find some: what was given up.
    pub relaxed: Option<RelaxedResponse>,
    /// When nothing was found: searches that would find something (the
    /// query in simplified characters, in pinyin, or without the filters).
    pub suggestions: Vec<SuggestionResponse>,
}

/// A search that finds something where this one found nothing.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionResponse {
    /// `folded`, `pinyin` or `without_filters`.
    pub kind: String,
    /// Its query.
    pub q: String,
    /// Its filters, as `NAME:VALUE`.
    pub filters: Vec<String>,
    /// How many items it finds.
    pub total: u64,
    /// The search, ready to follow.
    pub url: String,
}

/// How a query that found nothing as typed was loosened.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelaxedResponse {
    /// Words (or phrases, field terms) no longer required, in the order they
    /// were given up: first those no item holds, then the most common ones.
    pub dropped: Vec<String>,
    /// True when the hits hold at least one of the remaining words rather
    /// than all of them (those holding more rank first).
    pub any_word: bool,
    /// The same in words, in the language asked for.
    pub message: String,
}

/// One hit.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchItem {
    /// Item id.
    pub id: String,
    /// Display title.
    pub title: String,
    /// Creators and contributors (责任者), in the record's order; empty for
    /// a restricted item.
    pub creators: Vec<String>,
    /// A passage with the matches, as plain text.
    pub snippet: Option<String>,
    /// The item's page on the public site.
    pub url: String,
    /// A 400-pixel thumbnail (IIIF), for public items with images.
    pub thumbnail: Option<String>,
    /// The IIIF Presentation manifest, for public items with images.
    pub iiif_manifest: Option<String>,
    /// The IIIF Image API service of the first image.
    pub iiif_image: Option<String>,
    /// The holding institution.
    pub institution: Option<Named>,
    /// The collection.
    pub collection: Option<Named>,
    /// Type (first Dublin Core type).
    #[serde(rename = "type")]
    pub item_type: Option<String>,
    /// Date as written.
    pub date: Option<String>,
    /// `public`, `metadata_only` or `restricted`.
    pub access: String,
}

/// An id with its display name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    /// Id (slug).
    pub id: String,
    /// Name in the language asked for (Chinese when there is no English name).
    pub name: String,
}

/// The counts of one facet.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetResponse {
    /// Facet name, usable in `filter=NAME:VALUE`.
    pub name: String,
    /// Values, largest count first (`year`: decades in order).
    pub values: Vec<FacetValue>,
}

/// One value of a facet.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetValue {
    /// The value, usable in `filter=NAME:VALUE`.
    pub value: String,
    /// A label for people.
    pub label: String,
    /// Matching items with this value.
    pub count: u64,
    /// True when this value is among the applied filters.
    pub selected: bool,
    /// This search with the value added as a filter (or removed, when selected).
    pub url: String,
}

/// A filter the search applied.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppliedFilter {
    /// Facet name.
    pub name: String,
    /// Value.
    pub value: String,
    /// A label for people.
    pub label: String,
    /// This search without the filter.
    pub remove_url: String,
}

/// The parsed parameters of an API search: the search itself (the one
/// request model every face parses, strictly here) and what only the API
/// asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiSearchParams {
    /// Query, filters, order and paging.
    pub search: SearchParams,
    /// Facets to return.
    pub facets: Vec<String>,
    /// Values per facet: (limit, offset) by facet name.
    pub facet_paging: BTreeMap<String, (usize, usize)>,
    /// Fields of each hit to return (empty: all).
    pub fields: Vec<String>,
    /// Label language.
    pub lang: Lang,
    /// The original pairs, kept to build links.
    pairs: Vec<(String, String)>,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError(AppError::BadRequest(message.into()))
}

fn parse_count(name: &str, value: &str, min: usize, max: usize) -> Result<usize, ApiError> {
    value
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|count| (min..=max).contains(count))
        .ok_or_else(|| bad(format!("{name} must be a whole number from {min} to {max}")))
}

impl ApiSearchParams {
    /// Parses the query string's pairs; unknown names and bad values are errors.
    pub fn parse(pairs: Vec<(String, String)>) -> Result<ApiSearchParams, ApiError> {
        let (search, rest) = SearchParams::from_pairs(
            pairs
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
            Leniency::Strict,
        )
        .map_err(bad)?;
        let mut params = ApiSearchParams {
            search,
            facets: FACET_NAMES.iter().map(|name| name.to_string()).collect(),
            facet_paging: BTreeMap::new(),
            fields: Vec::new(),
            lang: Lang::Zh,
            pairs: Vec::new(),
        };
        let mut facets_named: Vec<String> = Vec::new();
        let mut default_limit = DEFAULT_FACET_LIMIT;
        let mut per_facet: BTreeMap<String, (Option<usize>, usize)> = BTreeMap::new();
        for (name, value) in rest {
            match name {
                "facet" => {
                    for facet in value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                        if facet != "none" && !FACET_NAMES.contains(&facet) {
                            return Err(bad(format!(
                                "unknown facet '{facet}' (one of {}, or none)",
                                FACET_NAMES.join(", ")
                            )));
                        }
                        facets_named.push(facet.to_string());
                    }
                }
                "facet_limit" => {
                    default_limit = parse_count(name, value, 0, MAX_FACET_LIMIT)?;
                }
                "fields" => {
                    for field in value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                        if !ITEM_FIELDS.contains(&field) {
                            return Err(bad(format!(
                                "unknown field '{field}' (one of {})",
                                ITEM_FIELDS.join(", ")
                            )));
                        }
                        params.fields.push(field.to_string());
                    }
                }
                "lang" => {
                    params.lang = Lang::parse(value).ok_or_else(|| bad("lang must be zh or en"))?;
                }
                other => {
                    // f.NAME.limit / f.NAME.offset
                    let facet_option = other
                        .strip_prefix("f.")
                        .and_then(|rest| rest.rsplit_once('.'))
                        .filter(|(facet, _)| FACET_NAMES.contains(facet));
                    match facet_option {
                        Some((facet, "limit")) => {
                            per_facet.entry(facet.to_string()).or_default().0 =
                                Some(parse_count(name, value, 0, MAX_FACET_LIMIT)?);
                        }
                        Some((facet, "offset")) => {
                            per_facet.entry(facet.to_string()).or_default().1 =
                                parse_count(name, value, 0, MAX_FACET_LIMIT)?;
                        }
                        _ => return Err(bad(format!("unknown parameter '{other}'"))),
                    }
                }
            }
        }
        if !facets_named.is_empty() {
            params.facets = if facets_named.iter().any(|facet| facet == "none") {
                Vec::new()
            } else {
                let mut unique = Vec::new();
                for facet in facets_named {
                    if !unique.contains(&facet) {
                        unique.push(facet);
                    }
                }
                unique
            };
        }
        for facet in &params.facets {
            let (limit, offset) = per_facet.get(facet).copied().unwrap_or_default();
            params
                .facet_paging
                .insert(facet.clone(), (limit.unwrap_or(default_limit), offset));
        }
        params.pairs = pairs;
        Ok(params)
    }

    /// The search URL for another query and filters, the other parameters
    /// kept (paging dropped).
    fn link_to(&self, base: &str, query: &str, filters: &[(String, String)]) -> String {
        let filters: Vec<String> = filters
            .iter()
            .map(|(name, value)| format!("{name}:{value}"))
            .collect();
        let mut pairs: Vec<(&str, &str)> = vec![("q", query)];
        pairs.extend(filters.iter().map(|filter| ("filter", filter.as_str())));
        pairs.extend(
            self.pairs
                .iter()
                .filter(|(name, _)| {
                    !["q", "filter", "f", "page", "cursor"].contains(&name.as_str())
                })
                .map(|(name, value)| (name.as_str(), value.as_str())),
        );
        format!("{base}{}", href("/api/v1/search", &pairs))
    }

    /// The search URL with the given pairs changed: paging dropped, the
    /// filter `add` added and `remove` removed.
    fn link(
        &self,
        base: &str,
        add: Option<(&str, &str)>,
        remove: Option<(&str, &str)>,
        paging: Option<(&str, String)>,
    ) -> String {
        // One string, appended to: a response builds a link per facet value.
        let mut url = format!("{base}/api/v1/search");
        let mut separator = '?';
        let mut push = |name: &str, value: &str| {
            url.push(separator);
            separator = '&';
            encode_into(&mut url, name);
            url.push('=');
            encode_into(&mut url, value);
        };
        for (name, value) in &self.pairs {
            let removed = (name == "filter" || name == "f")
                && remove.is_some_and(|(facet, facet_value)| {
                    parse_filter(value)
                        .is_ok_and(|(name, value)| name == facet && value == facet_value)
                });
            if name != "page" && name != "cursor" && !removed {
                push(name, value);
            }
        }
        if let Some((facet, facet_value)) = add {
            push("filter", &format!("{facet}:{facet_value}"));
        }
        if let Some((name, value)) = paging {
            push(name, &value);
        }
        url
    }
}

/// Search the holdings of every venue.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "search",
    params(
        ("q" = Option<String>, Query, description = "Search text (empty: everything). Words are AND-ed; \"phrases\", OR, -exclusion, field:value work."),
        ("filter" = Option<Vec<String>>, Query, description = "Repeatable facet filter NAME:VALUE, e.g. type:照片 or year:1950-1959. Values of one facet are OR-ed, facets AND-ed.", explode = true),
        ("facet" = Option<Vec<String>>, Query, description = "Repeatable (or comma-separated) facet names to count; `none` for no facets. Default: all.", explode = true),
        ("facet_limit" = Option<usize>, Query, description = "Values per facet (0–20, default 10)."),
        ("f.{name}.limit" = Option<usize>, Query, description = "Values of facet NAME (0–20)."),
        ("f.{name}.offset" = Option<usize>, Query, description = "Values of facet NAME to skip (0–20)."),
        ("sort" = Option<String>, Query, description = "relevance (default), date_asc, date_desc, title or recent."),
        ("page" = Option<usize>, Query, description = "Page from 1; page × per_page at most 10000."),
        ("per_page" = Option<usize>, Query, description = "Hits per page, 1–100 (default 20)."),
        ("cursor" = Option<String>, Query, description = "`*` to start cursor paging, then the previous response's next_cursor. Not with page."),
        ("fields" = Option<String>, Query, description = "Comma-separated fields of each hit to return (id always)."),
        ("lang" = Option<String>, Query, description = "Label language: zh (default) or en."),
    ),
    responses(
        (status = 200, description = "Hits, facets and paging. Headers: X-Total-Count, Link (next, prev).", body = SearchResponse),
        (status = 400, description = "A bad parameter.", body = super::error::ErrorBody),
        (status = 401, description = "An API key that is not valid.", body = super::error::ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After.", body = super::error::ErrorBody),
    )
)]
pub async fn search(
    _allowance: Allowance,
    State(state): State<AppState>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let params = ApiSearchParams::parse(pairs)?;
    let search = &params.search;
    let cursor_paging = search.cursor_paging();
    let request = search.request(!params.facets.is_empty());
    let (results, venues) = state.search_with_venues(request).await?;
    let config = state.config();
    let base = ids::base_url(config);
    let lang = params.lang;
    let label = |facet: &str, value: &str| lang.facet_value_label(&venues, facet, value);

    let mut items = Vec::with_capacity(results.hits.len());
    for hit in &results.hits {
        let item = search_item(&state, hit, &venues, lang);
        let mut value = serde_json::to_value(item)
            .map_err(|error| ApiError(AppError::Internal(error.to_string())))?;
        if !params.fields.is_empty()
            && let Some(object) = value.as_object_mut()
        {
            object.retain(|key, _| key == "id" || params.fields.iter().any(|field| field == key));
        }
        items.push(value);
    }

    let selected = |facet: &str, value: &str| {
        search
            .filters
            .iter()
            .any(|(name, filter_value)| name == facet && filter_value == value)
    };
    let mut facets = Vec::new();
    for counts in &results.facets {
        let Some((limit, offset)) = params.facet_paging.get(&counts.name).copied() else {
            continue;
        };
        let values = counts
            .values
            .iter()
            .skip(offset)
            .take(limit)
            .map(|(value, count)| {
                let is_selected = selected(&counts.name, value);
                FacetValue {
                    value: value.clone(),
                    label: label(&counts.name, value),
                    count: *count,
                    selected: is_selected,
                    url: if is_selected {
                        params.link(base, None, Some((&counts.name, value)), None)
                    } else {
                        params.link(base, Some((&counts.name, value)), None, None)
                    },
                }
            })
            .collect();
        facets.push(FacetResponse {
            name: counts.name.clone(),
            values,
        });
    }
    let applied_filters = search
        .filters
        .iter()
        .map(|(name, value)| AppliedFilter {
            name: name.clone(),
            value: value.clone(),
            label: label(name, value),
            remove_url: params.link(base, None, Some((name, value)), None),
        })
        .collect();

    let mut links = Vec::new();
    if cursor_paging {
        if let Some(next) = &results.next_cursor {
            links.push((
                params.link(base, None, None, Some(("cursor", next.clone()))),
                "next",
            ));
        }
    } else {
        let shown = search.page * search.per_page;
        if shown < results.total && shown <= MAX_OFFSET {
            let next = (search.page + 1).to_string();
            links.push((params.link(base, None, None, Some(("page", next))), "next"));
        }
        if search.page > 1 {
            let prev = (search.page - 1).to_string();
            links.push((params.link(base, None, None, Some(("page", prev))), "prev"));
        }
    }
    let body = SearchResponse {
        total: results.total as u64,
        page: (!cursor_paging).then_some(search.page),
        per_page: search.per_page,
        items,
        facets,
        applied_filters,
        next_cursor: results.next_cursor.clone(),
        query_was_fallback: results.query_was_fallback,
        relaxed: results.relaxed.as_ref().map(|relaxation| RelaxedResponse {
            dropped: relaxation.dropped.clone(),
            any_word: relaxation.any_word,
            message: params.lang.relaxation_note(relaxation),
        }),
        suggestions: results
            .suggestions
            .iter()
            .map(|suggestion| SuggestionResponse {
                kind: suggestion.kind.name().to_string(),
                q: suggestion.query.clone(),
                filters: suggestion
                    .filters
                    .iter()
                    .map(|(name, value)| format!("{name}:{value}"))
                    .collect(),
                total: suggestion.total as u64,
                url: params.link_to(base, &suggestion.query, &suggestion.filters),
            })
            .collect(),
    };
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", HeaderValue::from(results.total as u64));
    if !links.is_empty() {
        let link = links
            .iter()
            .map(|(url, rel)| format!("<{url}>; rel=\"{rel}\""))
            .collect::<Vec<_>>()
            .join(", ");
        if let Ok(value) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, value);
        }
    }
    Ok((headers, Json(body)).into_response())
}

/// A hit as the API shows it: everything from the index's stored fields
/// (what the public may see of the item) and the cached venue names.
fn search_item(
    state: &AppState,
    hit: &wenyuan_index::search::Hit,
    venues: &Venues,
    lang: Lang,
) -> SearchItem {
    let config = state.config();
    let image = hit
        .first_page
        .map(|(seq, page)| ids::page_identifier(&hit.id, seq, page));
    let institution = hit.institution_id.clone().map(|id| Named {
        name: venues
            .institution_name(&id, lang)
            .or_else(|| hit.institution.clone())
            .unwrap_or_else(|| id.clone()),
        id,
    });
    let collection = hit.collection_id.clone().map(|id| {
        let name = hit
            .institution_id
            .as_deref()
            .and_then(|institution_id| venues.collection(institution_id, &id))
            .map(|collection| lang.pick(&collection.name_zh, collection.name_en.as_deref()))
            .unwrap_or_else(|| id.clone());
        Named { id, name }
    });
    SearchItem {
        id: hit.id.clone(),
        title: hit.title.clone(),
        creators: hit.creators.clone(),
        snippet: hit.snippet.as_ref().map(|snippet| snippet.plain_text()),
        url: ids::item_page_url(config, &hit.id),
        thumbnail: image
            .as_ref()
            .map(|identifier| ids::thumbnail_url(config, identifier, 400)),
        iiif_manifest: image.as_ref().map(|_| ids::manifest_url(config, &hit.id)),
        iiif_image: image
            .as_ref()
            .map(|identifier| ids::image_service_url(config, identifier)),
        institution,
        collection,
        item_type: hit.item_type.clone(),
        date: hit.date.clone(),
        access: hit.access.as_str().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn parameters_parse_and_bad_ones_are_refused() {
        let params = ApiSearchParams::parse(pairs(&[
            ("q", "瓷"),
            ("filter", "type:照片"),
            ("filter", "year:1950-1959"),
            ("facet", "type,year"),
            ("f.type.limit", "3"),
            ("per_page", "5"),
            ("page", "2"),
        ]))
        .unwrap();
        assert_eq!(params.search.filters.len(), 2);
        assert_eq!(params.facets, vec!["type", "year"]);
        assert_eq!(params.facet_paging["type"], (3, 0));
        assert_eq!(params.facet_paging["year"], (DEFAULT_FACET_LIMIT, 0));
        for bad_pairs in [
            vec![("per_page", "0")],
            vec![("per_page", "101")],
            vec![("page", "x")],
            vec![("filter", "nocolon")],
            vec![("filter", "colour:red")],
            vec![("facet", "colour")],
            vec![("sort", "random")],
            vec![("fields", "secret")],
            vec![("page", "2"), ("cursor", "*")],
            vec![("page", "600"), ("per_page", "100")],
            vec![("colour", "red")],
        ] {
            assert!(
                ApiSearchParams::parse(pairs(&bad_pairs)).is_err(),
                "{bad_pairs:?}"
            );
        }
    }

    #[test]
    fn drill_down_links_add_and_remove_filters() {
        let params =
            ApiSearchParams::parse(pairs(&[("q", "a b"), ("filter", "type:x"), ("page", "2")]))
                .unwrap();
        assert_eq!(
            params.link("http://h", Some(("place", "王益")), None, None),
            "http://h/api/v1/search?q=a%20b&filter=type%3Ax&filter=place%3A%E7%8E%8B%E7%9B%8A"
        );
        assert_eq!(
            params.link("http://h", None, Some(("type", "x")), None),
            "http://h/api/v1/search?q=a%20b"
        );
    }
}
