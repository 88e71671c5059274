//! `GET /staff`: the venue's overview — recent changes, and a search of
//! the catalogue that also finds restricted, withdrawn and deleted items.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use wenyuan_index::catalog::{Role, StaffHit, StaffSession};

use super::items::ChangeLine;
use super::{StaffUser, render, staff_error};
use crate::AppState;

/// Lines of the staff search and of recent changes.
const LIST_LENGTH: usize = 50;

#[derive(Template)]
#[template(path = "staff/home.html")]
struct HomePage<'a> {
    signed_in: Option<&'a StaffSession>,
    csrf_token: &'a str,
    query: &'a str,
    hits: Vec<StaffHit>,
    changes: Vec<ChangeLine>,
    scope: String,
}

/// The query of the overview.
#[derive(Debug, Deserialize)]
pub struct HomeQuery {
    q: Option<String>,
}

/// `GET /staff`.
pub async fn home(
    State(state): State<AppState>,
    StaffUser(session): StaffUser,
    Query(query): Query<HomeQuery>,
) -> Response {
    let text = query
        .q
        .unwrap_or_default()
        .trim()
        .chars()
        .take(200)
        .collect::<String>();
    let venue = match session.member.role {
        Role::Admin => None,
        _ => session.member.institution_id.clone(),
    };
    let (search_text, search_venue) = (text.clone(), venue.clone());
    let found = state
        .catalog(move |catalog| {
            let hits = if search_text.is_empty() {
                Vec::new()
            } else {
                catalog.staff_search(&search_text, search_venue.as_deref(), LIST_LENGTH)?
            };
            let changes = catalog.recent_history(search_venue.as_deref(), LIST_LENGTH)?;
            Ok((hits, changes))
        })
        .await;
    let (hits, changes) = match found {
        Ok(found) => found,
        Err(error) => return staff_error(error),
    };
    let scope = match &venue {
        Some(id) => format!("场馆 {id} · venue {id}"),
        None => "全部场馆 · every venue".to_string(),
    };
    render(&HomePage {
        signed_in: Some(&session),
        csrf_token: &session.csrf_token,
        query: &text,
        hits,
        changes: changes.iter().map(ChangeLine::of).collect(),
        scope,
    })
}
