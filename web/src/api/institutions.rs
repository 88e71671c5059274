//! `GET /api/v1/institutions`, `institutions/{id}` and `collections`: the
//! venues, with their item counts and IIIF collections, and their collections.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wenyuan_index::model::{Collection, Institution};

use super::error::{ApiError, ApiPath, ApiQuery};
use super::items::{LangParam, lang_of};
use super::limit::Allowance;
use crate::urls::base_url;
use crate::urls::encode;
use crate::{AppError, AppState};

/// A venue.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionResponse {
    /// Id (slug).
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// Kind: library, museum, culture_hall, science_museum, sports_venue,
    /// cultural_station, community_centre or other.
    pub kind: String,
    /// The kind in Chinese.
    pub kind_label: String,
    /// Street address.
    pub address: Option<String>,
    /// Opening hours as the venue writes them.
    pub opening_hours: Option<String>,
    /// Services offered.
    pub services: Vec<String>,
    /// Accessibility notes.
    pub accessibility: Option<String>,
    /// Telephone or e-mail.
    pub contact: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Live items held.
    pub item_count: u64,
    /// Its items in the search API.
    pub search_url: String,
    /// Its IIIF Presentation collection.
    pub iiif_collection: String,
    /// Its collections (only in `institutions/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collections: Option<Vec<CollectionResponse>>,
}

/// A collection of a venue.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionResponse {
    /// Id (slug), unique within its venue.
    pub id: String,
    /// The venue's id.
    pub institution_id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// Free description.
    pub description: Option<String>,
    /// Its items in the search API.
    pub search_url: String,
    /// Its IIIF Presentation collection.
    pub iiif_collection: String,
}

/// The venues.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionList {
    /// Every venue, by id.
    pub institutions: Vec<InstitutionResponse>,
}

/// The collections.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionList {
    /// Every collection (of the venue asked for), by venue and id.
    pub collections: Vec<CollectionResponse>,
}

/// Filter of `collections`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionsParams {
    /// Only this venue's collections.
    pub institution: Option<String>,
}

fn institution_response(
    base: &str,
    institution: Institution,
    item_count: u64,
    collections: Option<Vec<CollectionResponse>>,
) -> InstitutionResponse {
    InstitutionResponse {
        search_url: format!(
            "{base}/api/v1/search?filter={}",
            encode(&format!("institution:{}", institution.id))
        ),
        iiif_collection: format!("{base}/iiif/3/collections/{}", institution.id),
        kind: institution.kind.as_str().to_string(),
        kind_label: institution.kind.label_zh().to_string(),
        id: institution.id,
        name_zh: institution.name_zh,
        name_en: institution.name_en,
        address: institution.address,
        opening_hours: institution.opening_hours,
        services: institution.services,
        accessibility: institution.accessibility,
        contact: institution.contact,
        website: institution.website,
        item_count,
        collections,
    }
}

fn collection_response(base: &str, collection: Collection) -> CollectionResponse {
    CollectionResponse {
        search_url: format!(
            "{base}/api/v1/search?filter={}",
            encode(&format!(
                "collection:{}/{}",
                collection.institution_id, collection.id
            ))
        ),
        iiif_collection: format!(
            "{base}/iiif/3/collections/{}/{}",
            collection.institution_id, collection.id
        ),
        id: collection.id,
        institution_id: collection.institution_id,
        name_zh: collection.name_zh,
        name_en: collection.name_en,
        description: collection.description,
    }
}

/// Every venue.
#[utoipa::path(
    get,
    path = "/api/v1/institutions",
    tag = "records",
    params(("lang" = Option<String>, Query, description = "zh (default) or en.")),
    responses(
        (status = 200, description = "The venues.", body = InstitutionList),
        (status = 400, description = "A bad parameter.", body = super::error::ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After.", body = super::error::ErrorBody),
    )
)]
pub async fn institutions(
    _allowance: Allowance,
    State(state): State<AppState>,
    ApiQuery(lang): ApiQuery<LangParam>,
) -> Result<Json<InstitutionList>, ApiError> {
    lang_of(&lang)?;
    let (institutions, counts) = state
        .catalog(|catalog| {
            Ok((
                catalog.institutions()?,
                catalog.item_counts_by_institution()?,
            ))
        })
        .await?;
    let base = base_url(state.config());
    Ok(Json(InstitutionList {
        institutions: institutions
            .into_iter()
            .map(|institution| {
                let count = counts.get(&institution.id).copied().unwrap_or(0);
                institution_response(base, institution, count, None)
            })
            .collect(),
    }))
}

/// One venue with its collections.
#[utoipa::path(
    get,
    path = "/api/v1/institutions/{id}",
    tag = "records",
    params(
        ("id" = String, Path, description = "Venue id."),
        ("lang" = Option<String>, Query, description = "zh (default) or en."),
    ),
    responses(
        (status = 200, description = "The venue.", body = InstitutionResponse),
        (status = 400, description = "A bad parameter.", body = super::error::ErrorBody),
        (status = 404, description = "No such venue.", body = super::error::ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After.", body = super::error::ErrorBody),
    )
)]
pub async fn institution(
    _allowance: Allowance,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(lang): ApiQuery<LangParam>,
) -> Result<Json<InstitutionResponse>, ApiError> {
    lang_of(&lang)?;
    let lookup = id.clone();
    let found = state
        .catalog(move |catalog| {
            let Some(institution) = catalog.institution(&lookup)? else {
                return Ok(None);
            };
            let collections: Vec<Collection> = catalog
                .collections()?
                .into_iter()
                .filter(|collection| collection.institution_id == lookup)
                .collect();
            let count = catalog
                .item_counts_by_institution()?
                .get(&lookup)
                .copied()
                .unwrap_or(0);
            Ok(Some((institution, collections, count)))
        })
        .await?;
    let Some((institution, collections, count)) = found else {
        return Err(ApiError(AppError::NotFound(format!(
            "institution '{id}' does not exist"
        ))));
    };
    let base = base_url(state.config());
    let collections = collections
        .into_iter()
        .map(|collection| collection_response(base, collection))
        .collect();
    Ok(Json(institution_response(
        base,
        institution,
        count,
        Some(collections),
    )))
}

/// Every collection, optionally of one venue.
#[utoipa::path(
    get,
    path = "/api/v1/collections",
    tag = "records",
    params(("institution" = Option<String>, Query, description = "Only this venue's collections.")),
    responses(
        (status = 200, description = "The collections.", body = CollectionList),
        (status = 400, description = "A bad parameter.", body = super::error::ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After.", body = super::error::ErrorBody),
    )
)]
pub async fn collections(
    _allowance: Allowance,
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<CollectionsParams>,
) -> Result<Json<CollectionList>, ApiError> {
    let collections = state.catalog(|catalog| catalog.collections()).await?;
    let base = base_url(state.config());
    Ok(Json(CollectionList {
        collections: collections
            .into_iter()
            .filter(|collection| {
                params
                    .institution
                    .as_ref()
                    .is_none_or(|id| *id == collection.institution_id)
            })
            .map(|collection| collection_response(base, collection))
            .collect(),
    }))
}
