//! `GET /institutions` and `GET /institutions/{id}`: the venues, each with
//! its kind, opening hours, services, accessibility, address, contact and
//! holdings (counted per collection, each linked to a filtered search).

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use wenyuan_index::model::Institution;

use super::{Chrome, Preferences, Section, render_html, respond, truncate_chars};
use crate::i18n::Lang;
use crate::{AppError, AppState};

/// How many upcoming events a venue's page lists.
const VENUE_EVENTS: usize = 10;

/// A venue as listed on the home and venues pages.
#[derive(Debug, Clone)]
pub struct VenueSummary {
    /// Link to the venue's page.
    pub url: String,
    /// Name in the page language (Chinese when no English name is known).
    pub name: String,
    /// Kind of venue, translated.
    pub kind_label: &'static str,
    /// "12 件" / "12 items".
    pub holdings_label: String,
    /// Street address, if known.
    pub address: Option<String>,
    /// Link to a search of its holdings.
    pub search_url: String,
}

/// A venue's name in `lang`.
pub fn venue_name(institution: &Institution, lang: Lang) -> String {
    lang.pick(&institution.name_zh, institution.name_en.as_deref())
}

pub use crate::urls::facet_search_url;

/// Every venue with its holdings count, in catalogue order.
pub async fn venue_summaries(state: &AppState, lang: Lang) -> Result<Vec<VenueSummary>, AppError> {
    let (institutions, counts) = state
        .catalog(|catalog| {
            Ok((
                catalog.institutions()?,
                catalog.item_counts_by_institution()?,
            ))
        })
        .await?;
    Ok(institutions
        .iter()
        .map(|institution| VenueSummary {
            url: format!("/institutions/{}", institution.id),
            name: venue_name(institution, lang),
            kind_label: lang.kind_label(institution.kind),
            holdings_label: lang.item_count(counts.get(&institution.id).copied().unwrap_or(0)),
            address: institution.address.clone(),
            search_url: facet_search_url("institution", &institution.id),
        })
        .collect())
}

#[derive(Template)]
#[template(path = "institutions.html")]
struct InstitutionsPage {
    chrome: Chrome,
    venues: Vec<VenueSummary>,
}

/// `GET /institutions`.
pub async fn institutions_page(
    State(state): State<AppState>,
    preferences: Preferences,
) -> Response {
    let outcome = async {
        let venues = venue_summaries(&state, preferences.lang).await?;
        let chrome = Chrome::new(
            &state,
            &preferences,
            preferences.lang.labels().institutions_title,
            Section::Institutions,
        );
        render_html(&InstitutionsPage { chrome, venues })
    }
    .await;
    respond(&state, &preferences, outcome)
}

/// A collection of a venue with its holdings.
#[derive(Debug, Clone)]
pub struct CollectionSummary {
    /// Name in the page language.
    pub name: String,
    /// Description as catalogued.
    pub description: Option<String>,
    /// "12 件" / "12 items".
    pub holdings_label: String,
    /// Link to a search of the collection.
    pub search_url: String,
}

#[derive(Template)]
#[template(path = "institution.html")]
struct InstitutionPage {
    chrome: Chrome,
    venue: VenueSummary,
    institution: Institution,
    collections: Vec<CollectionSummary>,
    events: Vec<super::events::EventView>,
}

/// `GET /institutions/{id}`.
pub async fn institution_page(
    State(state): State<AppState>,
    preferences: Preferences,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let outcome = build_institution_page(&state, &preferences, path).await;
    respond(&state, &preferences, outcome)
}

async fn build_institution_page(
    state: &AppState,
    preferences: &Preferences,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let lang = preferences.lang;
    let Ok(Path(id)) = path else {
        return Err(AppError::NotFound("malformed venue id".into()));
    };
    let lookup_id = id.clone();
    let found = state
        .catalog(move |catalog| {
            let Some(institution) = catalog.institution(&lookup_id)? else {
                return Ok(None);
            };
            let holdings = catalog
                .item_counts_by_institution()?
                .get(&lookup_id)
                .copied()
                .unwrap_or(0);
            let collection_counts = catalog.item_counts_by_collection()?;
            let collections: Vec<_> = catalog
                .collections()?
                .into_iter()
                .filter(|collection| collection.institution_id == lookup_id)
                .map(|collection| {
                    let count = collection_counts
                        .get(&(collection.institution_id.clone(), collection.id.clone()))
                        .copied()
                        .unwrap_or(0);
                    (collection, count)
                })
                .collect();
            Ok(Some((institution, holdings, collections)))
        })
        .await?;
    let Some((institution, holdings, collections)) = found else {
        return Err(AppError::NotFound(format!("no venue '{id}'")));
    };
    let venue = VenueSummary {
        url: format!("/institutions/{}", institution.id),
        name: venue_name(&institution, lang),
        kind_label: lang.kind_label(institution.kind),
        holdings_label: lang.item_count(holdings),
        address: institution.address.clone(),
        search_url: facet_search_url("institution", &institution.id),
    };
    let collections = collections
        .into_iter()
        .map(|(collection, count)| CollectionSummary {
            name: lang.pick(&collection.name_zh, collection.name_en.as_deref()),
            description: collection.description.clone(),
            holdings_label: lang.item_count(count),
            search_url: facet_search_url(
                "collection",
                &format!("{}/{}", collection.institution_id, collection.id),
            ),
        })
        .collect();
    let mut chrome = Chrome::new(
        state,
        preferences,
        venue.name.clone(),
        Section::Institutions,
    );
    chrome.description = truncate_chars(
        &format!(
            "{} · {} · {}",
            venue.kind_label,
            venue.holdings_label,
            institution.address.as_deref().unwrap_or_default()
        ),
        200,
    );
    let events =
        super::events::upcoming(state, Some(institution.id.clone()), VENUE_EVENTS, lang).await?;
    render_html(&InstitutionPage {
        chrome,
        venue,
        institution,
        collections,
        events,
    })
}
