//! `GET /`: the search box, the venues with their kinds and holdings, and
//! the most recent additions with thumbnails.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use wenyuan_index::search::{SearchRequest, Sort};

use super::institution::{VenueSummary, venue_summaries};
use super::search::HitView;
use super::{Chrome, Preferences, Section, render_html, respond};
use crate::{AppError, AppState};

/// How many recent additions the home page shows.
const RECENT_ADDITIONS: usize = 8;
/// How many upcoming events the home page shows.
const NEXT_EVENTS: usize = 4;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    venues: Vec<VenueSummary>,
    events: Vec<super::events::EventView>,
    recent: Vec<HitView>,
}

/// `GET /`.
pub async fn home_page(State(state): State<AppState>, preferences: Preferences) -> Response {
    let outcome = build_home_page(&state, &preferences).await;
    respond(&state, &preferences, outcome)
}

async fn build_home_page(
    state: &AppState,
    preferences: &Preferences,
) -> Result<Response, AppError> {
    let lang = preferences.lang;
    let venues = venue_summaries(state, lang).await?;
    let recent_request = SearchRequest {
        sort: Sort::Recent,
        limit: RECENT_ADDITIONS,
        facets: false,
        ..SearchRequest::default()
    };
    let (results, names) = state.search_with_venues(recent_request).await?;
    let recent = results
        .hits
        .iter()
        .map(|hit| HitView::from_hit(hit, &names, lang))
        .collect();
    let mut chrome = Chrome::new(state, preferences, lang.labels().nav_home, Section::Home);
    chrome.page_title = chrome.site_name.clone();
    let events = super::events::upcoming(state, None, NEXT_EVENTS, lang).await?;
    render_html(&HomePage {
        chrome,
        venues,
        events,
        recent,
    })
}
