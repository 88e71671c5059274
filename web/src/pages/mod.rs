//! The public HTML pages: the shared page frame ([`Chrome`]), the visitor's
//! display preferences ([`Preferences`], remembered in cookies), HTML error
//! pages in the visitor's language, URL helpers, and one module per resource.
//!
//! Every page is one server-rendered askama template with auto-escaping on;
//! the only markup added to stored text is the `<mark>` of search highlights.
//! Routes are listed in [`crate::router`].

pub mod assets;
pub mod events;
pub mod home;
pub mod institution;
pub mod item;
pub mod media;
pub mod search;

use askama::Template;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::cookies::cookie;
use crate::i18n::{Labels, Lang};
use crate::{AppError, AppState};

/// Name of the cookie that remembers the language.
pub const LANG_COOKIE: &str = "lang";
/// Name of the cookie that remembers the elder-friendly view.
pub const ELDER_COOKIE: &str = "elder";
/// How long the preference cookies last (a year).
const PREFERENCE_COOKIE_MAX_AGE_S: u64 = 365 * 24 * 3600;

/// How the visitor wants pages shown: language and the elder-friendly view
/// (适老化). `?lang=` and `?elder=` in the URL win over the cookies, and
/// [`remember_preferences`] turns them into cookies so the choice sticks.
#[derive(Debug, Clone)]
pub struct Preferences {
    /// Page language.
    pub lang: Lang,
    /// Larger text, higher contrast, one column.
    pub elder: bool,
    /// The path of this request.
    pub path: String,
    /// The query pairs of this request, without `lang` and `elder`.
    pub other_query_pairs: Vec<(String, String)>,
}

impl Preferences {
    /// Reads the preferences from a request's URL and cookies.
    pub fn from_request_head(uri: &Uri, headers: &HeaderMap) -> Preferences {
        let query_pairs = query_pairs_of(uri);
        let query_value = |name: &str| {
            query_pairs
                .iter()
                .rev()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let cookie_lang = cookie(headers, LANG_COOKIE);
        let cookie_elder = cookie(headers, ELDER_COOKIE);
        let lang = query_value("lang")
            .and_then(Lang::parse)
            .or_else(|| cookie_lang.and_then(Lang::parse))
            .unwrap_or_default();
        let elder = query_value("elder")
            .and_then(parse_switch)
            .or_else(|| cookie_elder.and_then(parse_switch))
            .unwrap_or(false);
        let other_query_pairs = query_pairs
            .iter()
            .filter(|(key, _)| key != "lang" && key != "elder")
            .cloned()
            .collect();
        Preferences {
            lang,
            elder,
            path: uri.path().to_string(),
            other_query_pairs,
        }
    }

    /// This page with one preference pair set in the URL.
    fn this_page_with(&self, name: &str, value: &str) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .other_query_pairs
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect();
        pairs.push((name, value));
        href(&self.path, &pairs)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Preferences {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Preferences::from_request_head(&parts.uri, &parts.headers))
    }
}

/// Middleware: when the URL sets `lang` or `elder`, answers with cookies
/// that remember the choice for later pages.
pub async fn remember_preferences(request: Request, next: Next) -> Response {
    let query_pairs = query_pairs_of(request.uri());
    let chosen_lang = query_pairs
        .iter()
        .rev()
        .find(|(key, _)| key == "lang")
        .and_then(|(_, value)| Lang::parse(value));
    let chosen_elder = query_pairs
        .iter()
        .rev()
        .find(|(key, _)| key == "elder")
        .and_then(|(_, value)| parse_switch(value));
    let mut response = next.run(request).await;
    let mut cookies = Vec::new();
    if let Some(lang) = chosen_lang {
        cookies.push(preference_cookie(LANG_COOKIE, lang.code()));
    }
    if let Some(elder) = chosen_elder {
        cookies.push(preference_cookie(
            ELDER_COOKIE,
            if elder { "1" } else { "0" },
        ));
    }
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn preference_cookie(name: &str, value: &str) -> String {
    format!("{name}={value}; Path=/; Max-Age={PREFERENCE_COOKIE_MAX_AGE_S}; SameSite=Lax; HttpOnly")
}

/// `1`/`on`/`true` or `0`/`off`/`false`.
fn parse_switch(value: &str) -> Option<bool> {
    match value.trim() {
        "1" | "on" | "true" | "yes" => Some(true),
        "0" | "off" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// The decoded query pairs of a URL; a malformed query counts as empty.
pub fn query_pairs_of(uri: &Uri) -> Vec<(String, String)> {
    Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|Query(pairs)| pairs)
        .unwrap_or_default()
}

/// The value of one cookie of the request.
pub use crate::urls::{encode as encode_component, href};

/// The public URL of a derivative given its catalogue path
/// (`derivatives/<hex>/p0001-thumb.jpg` → `/media/<hex>/p0001-thumb.jpg`);
/// `None` when the path is not of that shape.
pub fn derivative_url(relative_path: &str) -> Option<String> {
    let rest = relative_path.strip_prefix("derivatives/")?;
    let (digest_hex, file_name) = rest.split_once('/')?;
    if !media::is_digest_hex(digest_hex) || !media::is_derivative_file_name(file_name) {
        return None;
    }
    Some(format!("/media/{digest_hex}/{file_name}"))
}

/// Cuts `text` to at most `max_chars` characters, adding an ellipsis.
pub fn truncate_chars(text: &str, max_chars: usize) -> String {
    let trimmed = text.trim();
    if trimmed.chars().count() <= max_chars {
        return trimmed.to_string();
    }
    let mut cut: String = trimmed.chars().take(max_chars).collect();
    cut.push('…');
    cut
}

/// Which navigation entry a page belongs to (for `aria-current`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The home page.
    Home,
    /// Search and items.
    Search,
    /// Venues.
    Institutions,
    /// Events.
    Events,
    /// Error pages.
    None,
}

/// The frame every page shares: language, labels, header links, footer
/// from the site configuration, and the page's title and Open Graph data.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// Page language.
    pub lang: Lang,
    /// Labels in that language.
    pub t: &'static Labels,
    /// Elder-friendly view.
    pub elder: bool,
    /// The site's name in the page language.
    pub site_name: String,
    /// Footer: operator.
    pub operator: String,
    /// Footer: contact.
    pub contact: String,
    /// Footer: ICP filing number.
    pub icp_number: String,
    /// Footer: public-security filing number.
    pub police_number: String,
    /// This page in the other language.
    pub switch_language_href: String,
    /// This page with the elder-friendly view toggled.
    pub elder_toggle_href: String,
    /// The page's own title (before the site name).
    pub page_title: String,
    /// Description for `<meta name=description>` and Open Graph.
    pub description: String,
    /// Absolute URL of the page's preview image.
    pub og_image: Option<String>,
    /// Open Graph type (`website`, `article`).
    pub og_type: &'static str,
    /// Absolute URL of this page.
    pub canonical_url: String,
    /// The navigation entry to mark current.
    pub section: Section,
    /// The query shown in the header's search box.
    pub header_query: String,
}

impl Chrome {
    /// The frame of a page titled `page_title` in `section`.
    pub fn new(
        state: &AppState,
        preferences: &Preferences,
        page_title: impl Into<String>,
        section: Section,
    ) -> Chrome {
        let config = state.config();
        let lang = preferences.lang;
        let site_name = match lang {
            Lang::Zh => config.site_name_zh.clone(),
            Lang::En => config.site_name_en.clone(),
        };
        Chrome {
            lang,
            t: lang.labels(),
            elder: preferences.elder,
            description: lang.labels().home_intro.to_string(),
            site_name,
            operator: config.operator.clone(),
            contact: config.contact.clone(),
            icp_number: config.icp_number.clone(),
            police_number: config.police_number.clone(),
            switch_language_href: preferences.this_page_with("lang", lang.other().code()),
            elder_toggle_href: preferences
                .this_page_with("elder", if preferences.elder { "0" } else { "1" }),
            page_title: page_title.into(),
            og_image: None,
            og_type: "website",
            canonical_url: absolute_url(state, &preferences.path),
            section,
            header_query: String::new(),
        }
    }

    /// True when `section` is this page's navigation entry.
    pub fn is_section(&self, section: Section) -> bool {
        self.section == section
    }
}

/// `public_url` + a site-relative path.
pub fn absolute_url(state: &AppState, path: &str) -> String {
    format!(
        "{}{}",
        state.config().public_url.trim_end_matches('/'),
        path
    )
}

/// Renders a template as an HTML response (pages vary with the preference cookies).
pub fn render_html(template: &impl Template) -> Result<Response, AppError> {
    let body = template
        .render()
        .map_err(|error| AppError::Internal(format!("rendering a page: {error}")))?;
    let mut response = Html(body).into_response();
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Cookie"));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: &'static str,
    explanation: &'static str,
    /// What the archive said (the reason an item was withdrawn).
    detail: Option<String>,
}

/// Turns a page's outcome into a response: errors become an HTML error
/// page in the visitor's language, with no internal detail; a 500's cause is logged.
pub fn respond(
    state: &AppState,
    preferences: &Preferences,
    outcome: Result<Response, AppError>,
) -> Response {
    match outcome {
        Ok(response) => response,
        Err(error) => error_page(state, preferences, error),
    }
}

/// The HTML page for an error.
pub fn error_page(state: &AppState, preferences: &Preferences, error: AppError) -> Response {
    error.log();
    let labels = preferences.lang.labels();
    let status = error.status();
    let (heading, explanation) = match &error {
        AppError::NotFound(_) => (labels.not_found_title, labels.not_found_text),
        AppError::Gone(_) => (labels.gone_title, labels.gone_text),
        AppError::Internal(_) => (labels.server_error_title, labels.server_error_text),
        _ => (labels.bad_request_title, labels.bad_request_text),
    };
    let mut chrome = Chrome::new(state, preferences, heading, Section::None);
    chrome.description = explanation.to_string();
    let detail = match &error {
        AppError::Gone(reason) => Some(reason.clone()),
        _ => None,
    };
    let page = ErrorPage {
        chrome,
        heading,
        explanation,
        detail,
    };
    match render_html(&page) {
        Ok(mut response) => {
            *response.status_mut() = status;
            if let AppError::TooManyRequests { retry_after_s } = error
                && let Ok(value) = HeaderValue::from_str(&retry_after_s.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Err(render_error) => {
            render_error.log();
            (status, heading).into_response()
        }
    }
}

/// The answer for any unknown path: the 404 page.
pub async fn not_found(State(state): State<AppState>, preferences: Preferences) -> Response {
    let error = AppError::NotFound("no such page".into());
    let mut response = error_page(&state, &preferences, error);
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_percent_encoded() {
        assert_eq!(encode_component("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(
            href("/search", &[("q", "耀州"), ("f", "type:照片")]),
            "/search?q=%E8%80%80%E5%B7%9E&f=type%3A%E7%85%A7%E7%89%87"
        );
        assert_eq!(href("/", &[]), "/");
    }

    #[test]
    fn derivative_paths_map_to_media_urls_only_when_well_formed() {
        let hex = "ab".repeat(32);
        assert_eq!(
            derivative_url(&format!("derivatives/{hex}/p0001-thumb.jpg")),
            Some(format!("/media/{hex}/p0001-thumb.jpg"))
        );
        assert_eq!(derivative_url(&format!("derivatives/{hex}/../x.jpg")), None);
        assert_eq!(derivative_url("files/ab/cd"), None);
    }

    #[test]
    fn preferences_come_from_the_query_before_the_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("x=1; lang=en; elder=1"),
        );
        let from_cookie = Preferences::from_request_head(&"/search?q=a".parse().unwrap(), &headers);
        assert_eq!(from_cookie.lang, Lang::En);
        assert!(from_cookie.elder);
        let from_query =
            Preferences::from_request_head(&"/search?q=a&lang=zh".parse().unwrap(), &headers);
        assert_eq!(from_query.lang, Lang::Zh);
        assert_eq!(from_query.other_query_pairs, vec![("q".into(), "a".into())]);
        assert_eq!(
            from_query.this_page_with("lang", "en"),
            "/search?q=a&lang=en"
        );
    }
}
