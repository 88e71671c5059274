//! `GET /events` (upcoming first, then past ones; by venue, category,
//! audience and month) and `GET /events/{id}`; the event lines the venue
//! and home pages show.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use wenyuan_index::catalog::{EventQuery, unix_now};
use wenyuan_index::events::{Event, month_range};

use super::{Chrome, Preferences, Section, render_html, respond, truncate_chars};
use crate::i18n::Lang;
use crate::state::Venues;
use crate::urls::encode;
use crate::{AppError, AppState};

/// Past events shown below the upcoming ones.
const PAST_SHOWN: usize = 50;

/// An event as a line of a list, or the facts of its page.
#[derive(Debug, Clone)]
pub struct EventView {
    /// Its page.
    pub url: String,
    /// 活动名称.
    pub title: String,
    /// When, as people write it.
    pub when: String,
    /// The start as an ISO 8601 instant (for `<time datetime>`).
    pub start_iso: String,
    /// The venue's name in the page language.
    pub venue_name: String,
    /// The venue's page.
    pub venue_url: String,
    /// 地点.
    pub place: Option<String>,
    /// 类别.
    pub category: Option<String>,
    /// 对象, joined.
    pub audiences: Option<String>,
    /// 费用.
    pub fee: Option<String>,
    /// 预约.
    pub booking: Option<String>,
    /// 人数上限.
    pub capacity: Option<u32>,
    /// 简介.
    pub description: Option<String>,
    /// Called off.
    pub cancelled: bool,
    /// This event as an iCalendar file.
    pub ics_url: String,
}

impl EventView {
    /// The view of `event` in `lang`.
    pub fn of(event: &Event, venues: &Venues, lang: Lang) -> EventView {
        EventView {
            url: format!("/events/{}", event.id),
            title: event.title.clone(),
            when: event.when(lang == Lang::En),
            start_iso: crate::dates::iso_utc(event.starts_at),
            venue_name: venues
                .institution_name(&event.institution_id, lang)
                .unwrap_or_else(|| event.institution_id.clone()),
            venue_url: format!("/institutions/{}", event.institution_id),
            place: event.place.clone(),
            category: event.category.clone(),
            audiences: (!event.audiences.is_empty()).then(|| {
                event
                    .audiences
                    .join(if lang == Lang::En { ", " } else { "、" })
            }),
            fee: event.fee.clone(),
            booking: event.booking.clone(),
            capacity: event.capacity,
            description: event.description.clone(),
            cancelled: event.cancelled,
            ics_url: format!("/events/{}.ics", event.id),
        }
    }
}

/// The next `count` events (of one venue when given), for the home and venue pages.
pub async fn upcoming(
    state: &AppState,
    institution_id: Option<String>,
    count: usize,
    lang: Lang,
) -> Result<Vec<EventView>, AppError> {
    let venues = state.venues().await?;
    let events = state
        .catalog(move |catalog| {
            catalog.events(&EventQuery {
                institution_id,
                from: Some(unix_now()),
                ..EventQuery::default()
            })
        })
        .await?;
    Ok(events
        .iter()
        .take(count)
        .map(|event| EventView::of(event, &venues, lang))
        .collect())
}

/// The filters of `/events`.
#[derive(Debug, Default, Deserialize)]
pub struct EventsFilter {
    /// Venue id.
    pub institution: Option<String>,
    /// Category as written.
    pub category: Option<String>,
    /// Audience as written.
    pub audience: Option<String>,
    /// `YYYY-MM`.
    pub month: Option<String>,
}

/// One choice of a filter's select.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// What people read.
    pub label: String,
    /// Currently chosen.
    pub selected: bool,
}

fn choices(
    values: impl IntoIterator<Item = (String, String)>,
    chosen: Option<&str>,
) -> Vec<Choice> {
    values
        .into_iter()
        .map(|(value, label)| Choice {
            selected: chosen == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "events.html")]
struct EventsPage {
    chrome: Chrome,
    upcoming: Vec<EventView>,
    past: Vec<EventView>,
    venues: Vec<Choice>,
    categories: Vec<Choice>,
    audiences: Vec<Choice>,
    month: String,
    feed_url: String,
}

/// `GET /events`.
pub async fn events_page(
    State(state): State<AppState>,
    preferences: Preferences,
    filter: Result<Query<EventsFilter>, axum::extract::rejection::QueryRejection>,
) -> Response {
    // A filter that cannot be read filters nothing.
    let Query(filter) = filter.unwrap_or_default();
    let outcome = build_events_page(&state, &preferences, filter).await;
    respond(&state, &preferences, outcome)
}

async fn build_events_page(
    state: &AppState,
    preferences: &Preferences,
    filter: EventsFilter,
) -> Result<Response, AppError> {
    let lang = preferences.lang;
    let nonempty = |value: &Option<String>| value.clone().filter(|value| !value.trim().is_empty());
    let (institution, category, audience) = (
        nonempty(&filter.institution),
        nonempty(&filter.category),
        nonempty(&filter.audience),
    );
    let month = nonempty(&filter.month);
    // A month that cannot be read filters nothing (the page says which month it shows).
    let range = month.as_deref().and_then(month_range);
    let venues = state.venues().await?;
    let query = EventQuery {
        institution_id: institution.clone(),
        from: range.map(|(from, _)| from),
        until: range.map(|(_, until)| until),
        category: category.clone(),
        audience: audience.clone(),
        include_cancelled: true,
    };
    // One read: the filter's choices come from every event, the lists from those it selects.
    let all = state
        .catalog(|catalog| {
            catalog.events(&EventQuery {
                include_cancelled: true,
                ..EventQuery::default()
            })
        })
        .await?;
    let events: Vec<&Event> = all.iter().filter(|event| query.matches(event)).collect();
    let now = unix_now();
    let (past, upcoming): (Vec<&Event>, Vec<&Event>) =
        events.into_iter().partition(|event| event.is_past(now));
    let categories: BTreeSet<String> = all
        .iter()
        .filter_map(|event| event.category.clone())
        .collect();
    let audiences: BTreeSet<String> = all
        .iter()
        .flat_map(|event| event.audiences.clone())
        .collect();
    let venue_choices = venues.institutions().iter().map(|venue| {
        (
            venue.id.clone(),
            lang.pick(&venue.name_zh, venue.name_en.as_deref()),
        )
    });
    let mut chrome = Chrome::new(
        state,
        preferences,
        lang.labels().events_title,
        Section::Events,
    );
    chrome.description = truncate_chars(
        &upcoming
            .iter()
            .take(3)
            .map(|event| event.title.as_str())
            .collect::<Vec<_>>()
            .join(" · "),
        200,
    );
    render_html(&EventsPage {
        chrome,
        upcoming: upcoming
            .iter()
            .map(|event| EventView::of(event, &venues, lang))
            .collect(),
        past: past
            .iter()
            .rev()
            .take(PAST_SHOWN)
            .map(|event| EventView::of(event, &venues, lang))
            .collect(),
        venues: choices(venue_choices, institution.as_deref()),
        categories: choices(
            categories.into_iter().map(|value| (value.clone(), value)),
            category.as_deref(),
        ),
        audiences: choices(
            audiences.into_iter().map(|value| (value.clone(), value)),
            audience.as_deref(),
        ),
        month: month.filter(|_| range.is_some()).unwrap_or_default(),
        feed_url: match &institution {
            Some(id) => format!("/institutions/{}/events.ics", encode(id)),
            None => "/events.ics".to_string(),
        },
    })
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    chrome: Chrome,
    event: EventView,
}

/// `GET /events/{id}`.
pub async fn event_page(
    State(state): State<AppState>,
    preferences: Preferences,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = path else {
        return respond(
            &state,
            &preferences,
            Err(AppError::NotFound("malformed event id".into())),
        );
    };
    if let Some(id) = id.strip_suffix(".ics") {
        return crate::ics::one_event(&state, id.to_string())
            .await
            .unwrap_or_else(crate::ics::error_response);
    }
    let outcome = async {
        let lookup = id.clone();
        let Some(event) = state.catalog(move |catalog| catalog.event(&lookup)).await? else {
            return Err(AppError::NotFound(format!("no event '{id}'")));
        };
        let venues = state.venues().await?;
        let view = EventView::of(&event, &venues, preferences.lang);
        let mut chrome = Chrome::new(&state, &preferences, view.title.clone(), Section::Events);
        chrome.og_type = "article";
        chrome.description = truncate_chars(
            &format!(
                "{} · {} · {}",
                view.when,
                view.venue_name,
                view.description.as_deref().unwrap_or_default()
            ),
            200,
        );
        render_html(&EventPage {
            chrome,
            event: view,
        })
    }
    .await;
    respond(&state, &preferences, outcome)
}
