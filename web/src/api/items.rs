//! `GET /api/v1/items/{id}`: an item's full record — Dublin Core and the
//! librarian's extra fields, its venue and collection, rights, and (for
//! public items) its files with their IIIF links. Answers carry an `ETag`
//! and honour `If-None-Match` with `304`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use wenyuan_index::access;
use wenyuan_index::model::DcElement;

use super::error::{ApiError, ApiPath, ApiQuery};
use super::limit::Allowance;
use super::search::Named;
use super::{Lang, iso_utc};
use crate::urls as ids;
use crate::{AppError, AppState};

/// An item's record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemResponse {
    /// Item id.
    pub id: String,
    /// Display title.
    pub title: String,
    /// The item's page on the public site.
    pub url: String,
    /// `public`, `metadata_only` (no files shown) or `restricted` (a minimal record).
    pub access: String,
    /// The holding institution.
    pub institution: Option<Named>,
    /// The collection.
    pub collection: Option<Named>,
    /// Dublin Core elements by name (`title`, `creator` …), values in order.
    pub dc: BTreeMap<String, Vec<String>>,
    /// Other fields under the librarian's names (材质, 尺寸 …).
    pub extra: BTreeMap<String, Vec<String>>,
    /// Rights statements (Dublin Core rights).
    pub rights: Vec<String>,
    /// When first catalogued (UTC).
    pub created_at: String,
    /// When last changed (UTC).
    pub updated_at: String,
    /// The IIIF Presentation manifest, for public items with images.
    pub iiif_manifest: Option<String>,
    /// Files, in order (public items only).
    pub files: Vec<FileResponse>,
}

/// A file of an item.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileResponse {
    /// Position in the item, from 1.
    pub seq: u32,
    /// Media type, e.g. `image/jpeg`.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// BLAKE3 digest of the preserved bytes (hex), for fixity checks.
    pub digest: String,
    /// Image pages with their IIIF links.
    pub pages: Vec<PageResponse>,
}

/// A page of a file.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageResponse {
    /// Page number, from 1.
    pub page: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The IIIF Image API service.
    pub iiif_image: String,
    /// A 400-pixel thumbnail.
    pub thumbnail: String,
}

/// Language of names, for `items/{id}`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LangParam {
    /// `zh` (default) or `en`.
    pub lang: Option<String>,
}

/// Parses `lang`.
pub fn lang_of(param: &LangParam) -> Result<Lang, ApiError> {
    match &param.lang {
        None => Ok(Lang::Zh),
        Some(value) => Lang::parse(value)
            .ok_or_else(|| ApiError(AppError::BadRequest("lang must be zh or en".into()))),
    }
}

/// One item's full record.
#[utoipa::path(
    get,
    path = "/api/v1/items/{id}",
    tag = "records",
    params(
        ("id" = String, Path, description = "Item id, e.g. wabcdefghijkm."),
        ("lang" = Option<String>, Query, description = "Names in zh (default) or en."),
        ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer."),
    ),
    responses(
        (status = 200, description = "The record, with an ETag header.", body = ItemResponse),
        (status = 304, description = "Unchanged since the ETag given."),
        (status = 400, description = "A bad parameter.", body = super::error::ErrorBody),
        (status = 404, description = "No such item, or it was deleted.", body = super::error::ErrorBody),
        (status = 410, description = "The item was withdrawn (code `gone`); the message gives the reason.", body = super::error::ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After.", body = super::error::ErrorBody),
    )
)]
pub async fn item(
    _allowance: Allowance,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(lang): ApiQuery<LangParam>,
    request_headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = lang_of(&lang)?;
    let lookup = id.clone();
    let (record, institution, collection, withdrawal) = state
        .catalog(move |catalog| {
            let Some(record) = catalog.item(&lookup)? else {
                return Ok((None, None, None, None));
            };
            if let Some((_, reason)) = catalog.withdrawal(&lookup)? {
                return Ok((None, None, None, Some(reason)));
            }
            let institution = match &record.item.institution_id {
                Some(id) => catalog.institution(id)?,
                None => None,
            };
            let collection = match (&record.item.institution_id, &record.item.collection_id) {
                (Some(institution_id), Some(id)) => catalog.collection(institution_id, id)?,
                _ => None,
            };
            Ok((Some(record), institution, collection, None))
        })
        .await?;
    if let Some(reason) = withdrawal {
        return Err(ApiError(AppError::Gone(format!(
            "item '{id}' was withdrawn: {reason}"
        ))));
    }
    let Some(record) = record else {
        return Err(ApiError(AppError::NotFound(format!(
            "item '{id}' does not exist"
        ))));
    };
    let Some(view) = access::public_view(&record) else {
        return Err(ApiError(AppError::NotFound(format!(
            "item '{id}' was deleted"
        ))));
    };
    let config = state.config();
    let item = &view.record().item;
    let dc = view
        .metadata()
        .dc
        .iter()
        .map(|(element, values)| (element.as_str().to_string(), values.clone()))
        .collect();
    let extra = view.metadata().extra.clone();
    let files: Vec<FileResponse> = view
        .files()
        .iter()
        .map(|file| FileResponse {
            seq: file.seq,
            media_type: file.media_type.clone(),
            size: file.size,
            digest: file.digest.clone(),
            pages: file
                .derivatives
                .iter()
                .map(|page| {
                    let identifier = ids::page_identifier(&item.id, file.seq, page.page);
                    PageResponse {
                        page: page.page,
                        width: page.width,
                        height: page.height,
                        iiif_image: ids::image_service_url(config, &identifier),
                        thumbnail: ids::thumbnail_url(config, &identifier, 400),
                    }
                })
                .collect(),
        })
        .collect();
    let pick = |zh: &str, en: &Option<String>| lang.pick(zh, en.as_deref());
    let body = ItemResponse {
        id: item.id.clone(),
        title: item.display_title().to_string(),
        url: ids::item_page_url(config, &item.id),
        access: item.access.as_str().to_string(),
        institution: institution.map(|institution| Named {
            name: pick(&institution.name_zh, &institution.name_en),
            id: institution.id,
        }),
        collection: collection.map(|collection| Named {
            name: pick(&collection.name_zh, &collection.name_en),
            id: collection.id,
        }),
        dc,
        extra,
        rights: view.metadata().values(DcElement::Rights).to_vec(),
        created_at: iso_utc(item.created_at),
        updated_at: iso_utc(item.updated_at),
        iiif_manifest: view
            .first_page()
            .map(|_| ids::manifest_url(config, &item.id)),
        files,
    };
    let bytes = serde_json::to_vec(&body)
        .map_err(|error| ApiError(AppError::Internal(error.to_string())))?;
    let etag = format!("\"{}\"", &blake3::hash(&bytes).to_hex()[..32]);
    let etag_value = HeaderValue::from_str(&etag)
        .map_err(|error| ApiError(AppError::Internal(error.to_string())))?;
    let matches = request_headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*");
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response());
    }
    Ok((
        [
            (header::ETAG, etag_value),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        Json(
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .map_err(|error| ApiError(AppError::Internal(error.to_string())))?,
        ),
    )
        .into_response())
}
