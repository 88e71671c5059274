//! One request model for a search, as every face receives it: the pairs of
//! a query string (the results page, the JSON API) or the flags of
//! `wenyuan search`, parsed once by [`SearchParams::accept`].
//!
//! The faces differ only in what they do with a bad value: the API and the
//! command line refuse the request with the message ([`Leniency::Strict`]);
//! the results page, where a person edits URLs and follows old links, drops
//! the value and searches with the rest ([`Leniency::Lenient`]).

use super::schema::FACET_NAMES;
use super::{MAX_OFFSET, SearchRequest, Sort, parse_year_bucket};

/// Hits per page unless asked otherwise.
pub const DEFAULT_PER_PAGE: usize = 20;
/// Most hits per page.
pub const MAX_PER_PAGE: usize = 100;
/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most filters in one search.
pub const MAX_FILTERS: usize = 20;

/// Query pairs as (name, value).
pub type Pairs<'a> = Vec<(&'a str, &'a str)>;

/// What to do with a value that is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leniency {
    /// Refuse the request, saying why (API, command line).
    Strict,
    /// Leave the value out, or bring it within bounds (the results page).
    Lenient,
}

/// A search as asked for: query, filters, order and paging.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchParams {
    /// The query as typed, trimmed.
    pub query: String,
    /// Filters as (facet, value) in the order given, without duplicates.
    pub filters: Vec<(String, String)>,
    /// Result order.
    pub sort: Sort,
    /// Page from 1 (page paging).
    pub page: usize,
    /// Hits per page.
    pub per_page: usize,
    /// Cursor paging: `*` for the first page, then a page's next cursor.
    pub cursor: Option<String>,
    page_given: bool,
    leniency: Leniency,
}

impl SearchParams {
    /// Everything, by relevance, the first page.
    pub fn new(leniency: Leniency) -> SearchParams {
        SearchParams {
            query: String::new(),
            filters: Vec::new(),
            sort: Sort::Relevance,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            cursor: None,
            page_given: false,
            leniency,
        }
    }

    /// Takes one parameter: `q`, `filter` (or `f`), `sort`, `page`,
    /// `per_page` or `cursor`. `Ok(false)` for a name that is not a search
    /// parameter (the face's own, or unknown); an invalid value is an error
    /// when strict and left out when lenient.
    pub fn accept(&mut self, name: &str, value: &str) -> Result<bool, String> {
        let outcome = self.take(name, value);
        match (outcome, self.leniency) {
            (Err(_), Leniency::Lenient) => Ok(true),
            (outcome, _) => outcome,
        }
    }

    fn take(&mut self, name: &str, value: &str) -> Result<bool, String> {
        let lenient = self.leniency == Leniency::Lenient;
        match name {
            "q" => {
                let query = value.trim();
                if query.chars().count() > MAX_QUERY_CHARS {
                    if !lenient {
                        return Err(format!("q is longer than {MAX_QUERY_CHARS} characters"));
                    }
                    self.query = query.chars().take(MAX_QUERY_CHARS).collect();
                } else {
                    self.query = query.to_string();
                }
            }
            "filter" | "f" => {
                let filter = parse_filter(value)?;
                if !self.filters.contains(&filter) {
                    if self.filters.len() == MAX_FILTERS {
                        return Err(format!("at most {MAX_FILTERS} filters"));
                    }
                    self.filters.push(filter);
                }
            }
            "sort" => {
                self.sort = Sort::from_name(value.trim()).ok_or_else(|| {
                    let names: Vec<&str> = Sort::ALL.iter().map(|sort| sort.name()).collect();
                    format!("sort must be one of {}", names.join(", "))
                })?;
            }
            "page" => {
                // How deep a page may go depends on per_page: `finish` checks.
                let most = MAX_OFFSET + 1;
                self.page = match value.trim().parse::<usize>() {
                    Ok(page) if (1..=most).contains(&page) => page,
                    Ok(page) if lenient => page.clamp(1, most),
                    _ => return Err(format!("page must be a whole number from 1 to {most}")),
                };
                self.page_given = true;
            }
            "per_page" => {
                self.per_page = value
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|count| (1..=MAX_PER_PAGE).contains(count))
                    .ok_or_else(|| {
                        format!("per_page must be a whole number from 1 to {MAX_PER_PAGE}")
                    })?;
            }
            "cursor" => {
                if value.is_empty() {
                    return Err("cursor is empty; use * to start".to_string());
                }
                self.cursor = Some(value.to_string());
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Checks what only the whole request shows: page and cursor together,
    /// a page beyond the deepest reachable. Lenient: the cursor gives way to
    /// the page and the page is brought within reach.
    pub fn finish(&mut self) -> Result<(), String> {
        if self.page_given && self.cursor.is_some() {
            if self.leniency == Leniency::Strict {
                return Err("use either page or cursor, not both".to_string());
            }
            self.cursor = None;
        }
        if (self.page - 1) * self.per_page > MAX_OFFSET {
            if self.leniency == Leniency::Strict {
                return Err(format!(
                    "page × per_page may reach {MAX_OFFSET} at most; page deeper with cursor=*"
                ));
            }
            self.page = MAX_OFFSET / self.per_page + 1;
        }
        Ok(())
    }

    /// Reads every pair; returns those that are not search parameters.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        leniency: Leniency,
    ) -> Result<(SearchParams, Pairs<'a>), String> {
        let mut params = SearchParams::new(leniency);
        let mut rest = Vec::new();
        for (name, value) in pairs {
            if !params.accept(name, value)? {
                rest.push((name, value));
            }
        }
        params.finish()?;
        Ok((params, rest))
    }

    /// True when paging by cursor.
    pub fn cursor_paging(&self) -> bool {
        self.cursor.is_some()
    }

    /// The index request for this search, counting facets or not. A search
    /// that finds nothing comes back with suggestions.
    pub fn request(&self, facets: bool) -> SearchRequest {
        SearchRequest {
            query: self.query.clone(),
            filters: self.filters.clone(),
            sort: self.sort,
            offset: if self.cursor_paging() {
                0
            } else {
                (self.page - 1) * self.per_page
            },
            limit: self.per_page,
            cursor: self.cursor.clone().filter(|cursor| cursor != "*"),
            facets,
            suggest: true,
        }
    }

    /// The same search on another page.
    pub fn with_page(&self, page: usize) -> SearchParams {
        SearchParams {
            page,
            cursor: None,
            ..self.clone()
        }
    }

    /// The same search, first page, with a filter added.
    pub fn with_filter_added(&self, name: &str, value: &str) -> SearchParams {
        let mut params = self.with_page(1);
        let filter = (name.to_string(), value.to_string());
        if !params.filters.contains(&filter) {
            params.filters.push(filter);
        }
        params
    }

    /// The same search, first page, without a filter.
    pub fn with_filter_removed(&self, name: &str, value: &str) -> SearchParams {
        let mut params = self.with_page(1);
        params
            .filters
            .retain(|(filter_name, filter_value)| filter_name != name || filter_value != value);
        params
    }

    /// The same search, first page, for another query.
    pub fn with_query(&self, query: &str) -> SearchParams {
        SearchParams {
            query: query.to_string(),
            ..self.with_page(1)
        }
    }

    /// The same search, first page, without filters.
    pub fn without_filters(&self) -> SearchParams {
        SearchParams {
            filters: Vec::new(),
            ..self.with_page(1)
        }
    }
}

/// A filter `NAME:VALUE` (or `NAME=VALUE`, as the command line writes it)
/// with a known facet name, a value, and for `year` a range of years
/// (`1950-1959`, `1950`, `-200--100`).
pub fn parse_filter(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .find([':', '='])
        .map(|at| (text[..at].trim(), text[at + 1..].trim()))
        .filter(|(name, value)| !name.is_empty() && !value.is_empty())
        .ok_or_else(|| format!("filter '{text}' is not of the form NAME:VALUE"))?;
    if !FACET_NAMES.contains(&name) {
        return Err(format!(
            "unknown filter '{name}' (one of {})",
            FACET_NAMES.join(", ")
        ));
    }
    if name == "year" && parse_year_bucket(value).is_none() {
        return Err(format!(
            "year filter '{value}' is not a range of years like 1950-1959"
        ));
    }
    Ok((name.to_string(), value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)], leniency: Leniency) -> Result<SearchParams, String> {
        SearchParams::from_pairs(pairs.iter().copied(), leniency).map(|(params, _)| params)
    }

    #[test]
    fn one_parser_strict_for_the_api_lenient_for_the_pages() {
        let pairs = [
            ("q", "  耀州窑 "),
            ("f", "type:照片"),
            ("filter", "type:照片"),
            ("f", "nonsense:1"),
            ("f", "year:abc"),
            ("filter", "year:1950-1959"),
            ("f", "no-colon"),
            ("sort", "sideways"),
            ("page", "-3"),
        ];
        let lenient = parse(&pairs, Leniency::Lenient).unwrap();
        assert_eq!(lenient.query, "耀州窑");
        assert_eq!(
            lenient.filters,
            vec![
                ("type".to_string(), "照片".to_string()),
                ("year".to_string(), "1950-1959".to_string())
            ]
        );
        assert_eq!(lenient.sort, Sort::Relevance);
        assert_eq!(lenient.page, 1);
        for bad in [
            ("f", "nonsense:1"),
            ("f", "year:abc"),
            ("f", "year:1960-1950"),
            ("filter", "no-colon"),
            ("sort", "sideways"),
            ("page", "-3"),
            ("page", "0"),
            ("per_page", "101"),
            ("cursor", ""),
        ] {
            assert!(parse(&[bad], Leniency::Strict).is_err(), "{bad:?}");
            assert!(parse(&[bad], Leniency::Lenient).is_ok(), "{bad:?}");
        }
        assert!(parse(&[("page", "2"), ("cursor", "*")], Leniency::Strict).is_err());
        let cursor_dropped = parse(&[("page", "2"), ("cursor", "*")], Leniency::Lenient).unwrap();
        assert_eq!((cursor_dropped.page, cursor_dropped.cursor), (2, None));
        assert!(parse(&[("per_page", "100"), ("page", "600")], Leniency::Strict).is_err());
        let deep = parse(&[("page", "99999")], Leniency::Lenient).unwrap();
        assert_eq!(deep.page, MAX_OFFSET / DEFAULT_PER_PAGE + 1);
    }

    #[test]
    fn names_that_are_not_search_parameters_are_handed_back() {
        let (params, rest) = SearchParams::from_pairs(
            [("q", "瓷"), ("facet", "type"), ("lang", "en")],
            Leniency::Strict,
        )
        .unwrap();
        assert_eq!(params.query, "瓷");
        assert_eq!(rest, vec![("facet", "type"), ("lang", "en")]);
    }

    #[test]
    fn filters_as_the_command_line_writes_them() {
        assert_eq!(
            parse_filter("place=黄堡镇").unwrap(),
            ("place".to_string(), "黄堡镇".to_string())
        );
        assert_eq!(
            parse_filter("year:-200--100").unwrap(),
            ("year".to_string(), "-200--100".to_string())
        );
        assert!(parse_filter("colour=red").is_err());
    }

    #[test]
    fn the_request_pages_by_offset_or_by_cursor() {
        let mut params = SearchParams::new(Leniency::Strict);
        params.accept("page", "3").unwrap();
        params.accept("per_page", "10").unwrap();
        let request = params.request(true);
        assert_eq!(
            (request.offset, request.limit, request.cursor),
            (20, 10, None)
        );
        let mut by_cursor = SearchParams::new(Leniency::Strict);
        by_cursor.accept("cursor", "*").unwrap();
        assert_eq!(by_cursor.request(false).cursor, None);
        by_cursor.accept("cursor", "abc").unwrap();
        assert_eq!(by_cursor.request(false).cursor.as_deref(), Some("abc"));
    }
}
