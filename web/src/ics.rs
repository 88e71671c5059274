//! iCalendar feeds (RFC 5545): `/events.ics`, `/institutions/{id}/events.ics`
//! and `/events/{id}.ics` for one event ("add to calendar").
//!
//! Times are written in UTC (`DTSTART:20261205T063000Z`), which every
//! calendar reads without a VTIMEZONE; all-day events as dates. The UID is
//! the event id at the site's host, so a calendar that subscribed keeps
//! each event as one entry across changes; a cancelled event stays in the
//! feed with `STATUS:CANCELLED`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use wenyuan_index::catalog::{EventQuery, unix_now};
use wenyuan_index::events::{Event, VENUE_ZONE, local};

use crate::state::Venues;
use crate::urls::base_url;
use crate::{AppError, AppState};

/// How far back a feed reaches (days): recent events stay visible.
const FEED_PAST_DAYS: i64 = 90;

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            '\r' => {}
            other if other.is_control() => {}
            other => escaped.push(other),
        }
    }
    escaped
}

/// Appends one content line, folded at 75 octets (never inside a character).
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for character in content.chars() {
        let size = character.len_utf8();
        if width + size > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(character);
        width += size;
    }
    out.push_str("\r\n");
}

fn utc_stamp(unix: i64) -> String {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|moment| moment.format(&format).ok())
        .unwrap_or_else(|| "19700101T000000Z".into())
}

fn local_date(unix: i64) -> String {
    let moment = local(unix);
    format!(
        "{:04}{:02}{:02}",
        moment.year(),
        u8::from(moment.month()),
        moment.day()
    )
}

/// The host part of the site's URL, for UIDs.
fn host(base: &str) -> &str {
    let without_scheme = base.split_once("://").map_or(base, |(_, rest)| rest);
    without_scheme.split(['/', ':']).next().unwrap_or("wenyuan")
}

/// A whole calendar of `events`.
pub fn calendar(events: &[Event], venues: &Venues, name: &str, base: &str) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//wenyuan//events//ZH");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    line(&mut out, &format!("X-WR-TIMEZONE:{VENUE_ZONE}"));
    for event in events {
        write_event(&mut out, event, venues, base);
    }
    line(&mut out, "END:VCALENDAR");
    out
}

fn write_event(out: &mut String, event: &Event, venues: &Venues, base: &str) {
    let stamp = utc_stamp(if event.updated_at > 0 {
        event.updated_at
    } else {
        unix_now()
    });
    line(out, "BEGIN:VEVENT");
    line(out, &format!("UID:{}@{}", event.id, host(base)));
    line(out, &format!("DTSTAMP:{stamp}"));
    line(out, &format!("LAST-MODIFIED:{stamp}"));
    if event.all_day {
        line(
            out,
            &format!("DTSTART;VALUE=DATE:{}", local_date(event.starts_at)),
        );
        let end = event.ends_at.unwrap_or(event.starts_at + 86_400);
        line(out, &format!("DTEND;VALUE=DATE:{}", local_date(end)));
    } else {
        line(out, &format!("DTSTART:{}", utc_stamp(event.starts_at)));
        if let Some(end) = event.ends_at {
            line(out, &format!("DTEND:{}", utc_stamp(end)));
        }
    }
    line(out, &format!("SUMMARY:{}", escape(&event.title)));
    let venue = venues
        .institution_name(&event.institution_id, crate::i18n::Lang::Zh)
        .unwrap_or_else(|| event.institution_id.clone());
    let location = match &event.place {
        Some(place) => format!("{venue} {place}"),
        None => venue,
    };
    line(out, &format!("LOCATION:{}", escape(&location)));
    let mut description = event.description.clone().unwrap_or_default();
    for (label, value) in [
        (
            "对象",
            (!event.audiences.is_empty()).then(|| event.audiences.join("、")),
        ),
        ("费用", event.fee.clone()),
        ("预约", event.booking.clone()),
    ] {
        if let Some(value) = value {
            if !description.is_empty() {
                description.push('\n');
            }
            description.push_str(&format!("{label}：{value}"));
        }
    }
    if !description.is_empty() {
        line(out, &format!("DESCRIPTION:{}", escape(&description)));
    }
    if let Some(category) = &event.category {
        line(out, &format!("CATEGORIES:{}", escape(category)));
    }
    line(out, &format!("URL:{base}/events/{}", event.id));
    line(
        out,
        if event.cancelled {
            "STATUS:CANCELLED"
        } else {
            "STATUS:CONFIRMED"
        },
    );
    line(out, "END:VEVENT");
}

/// An iCalendar response.
fn ics_response(body: String, file_name: &str) -> Response {
    let disposition = HeaderValue::from_str(&format!("inline; filename=\"{file_name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("inline"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}

/// A feed of one venue's events, or every venue's.
async fn feed(state: &AppState, institution_id: Option<String>) -> Result<Response, AppError> {
    let venues = state.venues().await?;
    let name = match &institution_id {
        Some(id) => match venues.institution(id) {
            Some(venue) => format!("{} · 活动", venue.name_zh),
            None => return Err(AppError::NotFound(format!("no venue '{id}'"))),
        },
        None => format!("{} · 活动", state.config().site_name_zh),
    };
    let file_name = match &institution_id {
        Some(id) => format!("{id}-events.ics"),
        None => "events.ics".to_string(),
    };
    let events = state
        .catalog(move |catalog| {
            catalog.events(&EventQuery {
                institution_id,
                from: Some(unix_now() - FEED_PAST_DAYS * 86_400),
                include_cancelled: true,
                ..EventQuery::default()
            })
        })
        .await?;
    let body = calendar(&events, &venues, &name, base_url(state.config()));
    Ok(ics_response(body, &file_name))
}

/// A feed's error as plain text with its status (a calendar client shows no page).
pub fn error_response(error: AppError) -> Response {
    error.log();
    (error.status(), error.public_message()).into_response()
}

/// `GET /events.ics`.
pub async fn all_events(State(state): State<AppState>) -> Response {
    feed(&state, None).await.unwrap_or_else(error_response)
}

/// `GET /institutions/{id}/events.ics`.
pub async fn venue_events(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = path else {
        return error_response(AppError::NotFound("malformed venue id".into()));
    };
    feed(&state, Some(id)).await.unwrap_or_else(error_response)
}

/// One event as a calendar file (`/events/{id}.ics`), for "add to calendar".
pub async fn one_event(state: &AppState, id: String) -> Result<Response, AppError> {
    let lookup = id.clone();
    let Some(event) = state.catalog(move |catalog| catalog.event(&lookup)).await? else {
        return Err(AppError::NotFound(format!("no event '{id}'")));
    };
    let venues = state.venues().await?;
    let body = calendar(
        std::slice::from_ref(&event),
        &venues,
        &event.title,
        base_url(state.config()),
    );
    Ok(ics_response(body, &format!("{id}.ics")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_long_lines_folded_between_characters() {
        assert_eq!(escape("讲座；a,b;c\\d\ne"), "讲座；a\\,b\\;c\\\\d\\ne");
        let mut out = String::new();
        line(&mut out, &format!("SUMMARY:{}", "耀州窑".repeat(20)));
        for physical in out.split("\r\n").filter(|part| !part.is_empty()) {
            assert!(physical.len() <= 75, "{physical}");
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{}\r\n", "耀州窑".repeat(20)));
    }

    #[test]
    fn uids_name_the_site_host() {
        assert_eq!(host("https://wenyuan.example.cn/"), "wenyuan.example.cn");
        assert_eq!(host("http://127.0.0.1:8080"), "127.0.0.1");
    }
}
