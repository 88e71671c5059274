//! The venues' events: written in batches by `wenyuan events import` (and
//! staff), read by the pages, the feeds and the API.

use rusqlite::{OptionalExtension, params};

use super::rows::{decode_json, encode_json};
use super::writes::WriteOutcome;
use super::{Catalog, unix_now};
use crate::Result;
use crate::events::Event;

/// Which events to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Only this venue's.
    pub institution_id: Option<String>,
    /// Only those still going on or starting at or after this instant (Unix seconds).
    pub from: Option<i64>,
    /// Only those starting before this instant.
    pub until: Option<i64>,
    /// Only this category.
    pub category: Option<String>,
    /// Only those for this audience.
    pub audience: Option<String>,
    /// Cancelled ones too.
    pub include_cancelled: bool,
}

impl EventQuery {
    /// True when `event` is one this query selects.
    pub fn matches(&self, event: &Event) -> bool {
        self.institution_id
            .as_ref()
            .is_none_or(|id| *id == event.institution_id)
            && self
                .from
                .is_none_or(|from| event.ends_at.unwrap_or(event.starts_at) >= from)
            && self.until.is_none_or(|until| event.starts_at < until)
            && (self.include_cancelled || !event.cancelled)
            && self
                .category
                .as_ref()
                .is_none_or(|category| event.category.as_ref() == Some(category))
            && self
                .audience
                .as_ref()
                .is_none_or(|audience| event.audiences.contains(audience))
    }
}

/// The record as compared between imports: without its timestamps.
fn content_of(event: &Event) -> Result<String> {
    encode_json(&Event {
        created_at: 0,
        updated_at: 0,
        ..event.clone()
    })
}

impl Catalog {
    /// Adds or updates events by id, in one transaction; an event whose
    /// record is the same is left alone (its timestamps too).
    pub fn upsert_events(&mut self, events: &[Event]) -> Result<Vec<WriteOutcome>> {
        let now = unix_now();
        let transaction = self.connection.transaction()?;
        let mut outcomes = Vec::with_capacity(events.len());
        for event in events {
            let existing: Option<(String, i64)> = transaction
                .query_row(
                    "SELECT record, created_at FROM venue_events WHERE id = ?1",
                    [&event.id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let created_at = match &existing {
                Some((record, created_at)) => {
                    let stored: Event = decode_json(record)?;
                    if content_of(&stored)? == content_of(event)? {
                        outcomes.push(WriteOutcome::Unchanged);
                        continue;
                    }
                    *created_at
                }
                None => now,
            };
            let record = encode_json(&Event {
                created_at,
                updated_at: now,
                ..event.clone()
            })?;
            transaction.execute(
                "INSERT INTO venue_events (id, institution_id, starts_at, ends_at, cancelled, record, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(id) DO UPDATE SET institution_id = excluded.institution_id,
                     starts_at = excluded.starts_at, ends_at = excluded.ends_at,
                     cancelled = excluded.cancelled, record = excluded.record,
                     updated_at = excluded.updated_at",
                params![
                    event.id,
                    event.institution_id,
                    event.starts_at,
                    event.ends_at,
                    event.cancelled,
                    record,
                    created_at,
                    now
                ],
            )?;
            outcomes.push(if existing.is_some() {
                WriteOutcome::Updated
            } else {
                WriteOutcome::Added
            });
        }
        transaction.commit()?;
        Ok(outcomes)
    }

    /// One event, if it exists.
    pub fn event(&self, id: &str) -> Result<Option<Event>> {
        let record: Option<String> = self
            .connection
            .prepare_cached("SELECT record FROM venue_events WHERE id = ?1")?
            .query_row([id], |row| row.get(0))
            .optional()?;
        record.map(|json| decode_json(&json)).transpose()
    }

    /// The events `query` selects, earliest first. An event still going on
    /// at `from` counts as from then on.
    pub fn events(&self, query: &EventQuery) -> Result<Vec<Event>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT record FROM venue_events
             WHERE (?1 IS NULL OR institution_id = ?1)
               AND (?2 IS NULL OR COALESCE(ends_at, starts_at) >= ?2)
               AND (?3 IS NULL OR starts_at < ?3)
               AND (?4 OR cancelled = 0)
             ORDER BY starts_at, id",
        )?;
        let rows = statement.query_map(
            params![
                query.institution_id,
                query.from,
                query.until,
                query.include_cancelled
            ],
            |row| row.get::<_, String>(0),
        )?;
        let mut events = Vec::new();
        for row in rows {
            // The indexed columns narrowed the rows; category and audience live in the record.
            let event: Event = decode_json(&row?)?;
            if query.matches(&event) {
                events.push(event);
            }
        }
        Ok(events)
    }

    /// Calls an event off (or back on); false when there is no such event.
    pub fn set_event_cancelled(&mut self, id: &str, cancelled: bool) -> Result<bool> {
        let Some(mut event) = self.event(id)? else {
            return Ok(false);
        };
        event.cancelled = cancelled;
        self.upsert_events(&[event])?;
        Ok(true)
    }
}
