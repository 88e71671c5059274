//! `GET /api/v1/events` and `GET /api/v1/events/{id}`: the venues' events.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wenyuan_index::catalog::{EventQuery, unix_now};
use wenyuan_index::events::{Event, VENUE_ZONE, month_range};

use super::error::{ApiError, ApiPath, ApiQuery};
use super::limit::Allowance;
use crate::dates::iso_utc;
use crate::urls::base_url;
use crate::{AppError, AppState};

/// Most events a page.
pub const MAX_EVENTS_PER_PAGE: usize = 200;

/// One event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventResponse {
    /// Stable id.
    pub id: String,
    /// The venue's id.
    pub institution: String,
    /// 活动名称.
    pub title: String,
    /// Start, UTC (ISO 8601).
    pub start: String,
    /// End, UTC, when known (an all-day event: the midnight after its last day).
    pub end: Option<String>,
    /// True when only dates are known.
    pub all_day: bool,
    /// The zone the venue writes times in.
    pub timezone: String,
    /// When, as people write it (Chinese).
    pub when: String,
    /// 地点.
    pub place: Option<String>,
    /// 类别.
    pub category: Option<String>,
    /// 对象: who it is for.
    pub audiences: Vec<String>,
    /// 费用 as written.
    pub fee: Option<String>,
    /// 预约: how to book.
    pub booking: Option<String>,
    /// 人数上限.
    pub capacity: Option<u32>,
    /// 简介.
    pub description: Option<String>,
    /// `scheduled` or `cancelled`.
    pub status: String,
    /// The event's page.
    pub url: String,
    /// The event as an iCalendar file.
    pub ics: String,
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    /// Matching events.
    pub total: usize,
    /// This page (1-based).
    pub page: usize,
    /// Events per page.
    pub per_page: usize,
    /// The events, earliest first.
    pub events: Vec<EventResponse>,
}

/// Filters of `events`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsParams {
    /// Only this venue's.
    pub institution: Option<String>,
    /// Only this category.
    pub category: Option<String>,
    /// Only those for this audience.
    pub audience: Option<String>,
    /// Only those of this month, `YYYY-MM` (in the venues' zone).
    pub month: Option<String>,
    /// Past events too (default: those not yet over).
    #[serde(default)]
    pub past: bool,
    /// Page, from 1.
    pub page: Option<usize>,
    /// Events per page (default 50, at most 200).
    pub per_page: Option<usize>,
}

fn event_response(base: &str, event: Event) -> EventResponse {
    EventResponse {
        url: format!("{base}/events/{}", event.id),
        ics: format!("{base}/events/{}.ics", event.id),
        start: iso_utc(event.starts_at),
        end: event.ends_at.map(iso_utc),
        timezone: VENUE_ZONE.to_string(),
        when: event.when(false),
        status: if event.cancelled {
            "cancelled"
        } else {
            "scheduled"
        }
        .to_string(),
        id: event.id,
        institution: event.institution_id,
        title: event.title,
        all_day: event.all_day,
        place: event.place,
        category: event.category,
        audiences: event.audiences,
        fee: event.fee,
        booking: event.booking,
        capacity: event.capacity,
        description: event.description,
    }
}

/// The venues' events.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "events",
    params(
        ("institution" = Option<String>, Query, description = "Only this venue's events."),
        ("category" = Option<String>, Query, description = "Only this category (讲座, 展览 …)."),
        ("audience" = Option<String>, Query, description = "Only events for this audience (少儿, 老年 …)."),
        ("month" = Option<String>, Query, description = "Only this month, YYYY-MM, in the venues' zone (Asia/Shanghai)."),
        ("past" = Option<bool>, Query, description = "Past events too (default false: only those not yet over; with month: the whole month)."),
        ("page" = Option<usize>, Query, description = "Page, from 1."),
        ("per_page" = Option<usize>, Query, description = "Events per page, default 50, at most 200."),
    ),
    responses(
        (status = 200, description = "A page of events, earliest first; cancelled ones carry status cancelled.", body = EventList),
        (status = 400, description = "A bad parameter.", body = super::error::ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After.", body = super::error::ErrorBody),
    )
)]
pub async fn events(
    _allowance: Allowance,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<EventsParams>,
) -> Result<Json<EventList>, ApiError> {
    let bad = |message: String| ApiError(AppError::BadRequest(message));
    let per_page = params.per_page.unwrap_or(50);
    if per_page == 0 || per_page > MAX_EVENTS_PER_PAGE {
        return Err(bad(format!(
            "per_page must be between 1 and {MAX_EVENTS_PER_PAGE}"
        )));
    }
    let page = params.page.unwrap_or(1);
    if page == 0 {
        return Err(bad("page starts at 1".into()));
    }
    let range = match params.month.as_deref() {
        None => None,
        Some(month) => {
            Some(month_range(month).ok_or_else(|| bad(format!("month '{month}' is not YYYY-MM")))?)
        }
    };
    let query = EventQuery {
        institution_id: params.institution,
        from: match range {
            Some((from, _)) => Some(from),
            None if params.past => None,
            None => Some(unix_now()),
        },
        until: range.map(|(_, until)| until),
        category: params.category,
        audience: params.audience,
        include_cancelled: true,
    };
    let events = state.catalog(move |catalog| catalog.events(&query)).await?;
    let base = base_url(state.config());
    let total = events.len();
    Ok(Json(EventList {
        total,
        page,
        per_page,
        events: events
            .into_iter()
            .skip((page - 1).saturating_mul(per_page))
            .take(per_page)
            .map(|event| event_response(base, event))
            .collect(),
    }))
}

/// One event.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}",
    tag = "events",
    params(("id" = String, Path, description = "Event id.")),
    responses(
        (status = 200, description = "The event.", body = EventResponse),
        (status = 404, description = "No such event.", body = super::error::ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After.", body = super::error::ErrorBody),
    )
)]
pub async fn event(
    _allowance: Allowance,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EventResponse>, ApiError> {
    let lookup = id.clone();
    let Some(event) = state.catalog(move |catalog| catalog.event(&lookup)).await? else {
        return Err(ApiError(AppError::NotFound(format!(
            "event '{id}' does not exist"
        ))));
    };
    Ok(Json(event_response(base_url(state.config()), event)))
}
