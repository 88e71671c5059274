//! Every URL the faces link to, built in one place: percent-encoding of
//! query components, site-relative links with query pairs, and the absolute
//! URLs partners follow (item pages, IIIF image services, thumbnails and
//! manifests). The faces (pages, API, OAI-PMH, IIIF) import these, never
//! each other's modules.

use wenyuan_index::search::params::DEFAULT_PER_PAGE;
use wenyuan_index::search::{SearchParams, Sort};

use crate::SiteConfig;

/// Percent-encodes a query component (everything but unreserved characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    encode_into(&mut out, text);
    out
}

/// [`encode`], appending to `out`.
pub fn encode_into(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0xF)] as char);
        }
    }
}

/// A site-relative link: `path` with the query pairs encoded.
pub fn href(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut url = path.to_string();
    for (n, (key, value)) in pairs.iter().enumerate() {
        url.push(if n == 0 { '?' } else { '&' });
        encode_into(&mut url, key);
        url.push('=');
        encode_into(&mut url, value);
    }
    url
}

/// The site-relative search link of one facet value (`/search?f=NAME:VALUE`).
pub fn facet_search_url(facet: &str, value: &str) -> String {
    href("/search", &[("f", &format!("{facet}:{value}"))])
}

/// The results page of a search (`/search?q=…&f=NAME:VALUE…`); defaults
/// (relevance, page 1, 20 a page) are left out.
pub fn search_page_url(params: &SearchParams) -> String {
    let filters: Vec<String> = params
        .filters
        .iter()
        .map(|(name, value)| format!("{name}:{value}"))
        .collect();
    let page = params.page.to_string();
    let per_page = params.per_page.to_string();
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    if !params.query.is_empty() {
        pairs.push(("q", &params.query));
    }
    for filter in &filters {
        pairs.push(("f", filter));
    }
    if params.sort != Sort::Relevance {
        pairs.push(("sort", params.sort.name()));
    }
    if params.per_page != DEFAULT_PER_PAGE {
        pairs.push(("per_page", &per_page));
    }
    if params.page > 1 {
        pairs.push(("page", &page));
    }
    href("/search", &pairs)
}

/// An item's site-relative page.
pub fn item_path(item_id: &str) -> String {
    format!("/items/{item_id}")
}

/// The identifier of one page.
pub fn page_identifier(item_id: &str, seq: u32, page: u32) -> String {
    format!("{item_id}~{seq}~{page}")
}

/// The public base URL of the site, without a trailing slash.
pub fn base_url(config: &SiteConfig) -> &str {
    config.public_url.trim_end_matches('/')
}

/// The Image API service of one page: `{base}/iiif/3/{id}`.
pub fn image_service_url(config: &SiteConfig, identifier: &str) -> String {
    format!("{}/iiif/3/{identifier}", base_url(config))
}

/// A thumbnail of one page through the Image API, `width` pixels wide at most.
pub fn thumbnail_url(config: &SiteConfig, identifier: &str, width: u32) -> String {
    format!(
        "{}/full/!{width},{width}/0/default.jpg",
        image_service_url(config, identifier)
    )
}

/// An item's Presentation API manifest.
pub fn manifest_url(config: &SiteConfig, item_id: &str) -> String {
    format!("{}/iiif/3/manifests/{item_id}", base_url(config))
}

/// An item's page on the public site.
pub fn item_page_url(config: &SiteConfig, item_id: &str) -> String {
    format!("{}/items/{item_id}", base_url(config))
}
