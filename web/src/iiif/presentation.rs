//! Presentation API 3.0: a Manifest per item (a Canvas per image page, each
//! painted by its Image API service) and Collections of manifests per
//! institution and per collection, plus a top Collection of the venues.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use wenyuan_index::access;
use wenyuan_index::catalog::ChangeQuery;
use wenyuan_index::model::{DcElement, ItemRecord};

use crate::error::JsonError;
use crate::urls::{
    base_url, image_service_url, item_page_url, manifest_url, page_identifier, thumbnail_url,
};
use crate::{AppError, AppState, SiteConfig};

const CONTEXT: &str = "http://iiif.io/api/presentation/3/context.json";
/// Most manifests listed in one Collection.
const MAX_COLLECTION_ITEMS: usize = 10_000;

fn language_map(zh: &str, en: Option<&str>) -> Value {
    match en {
        Some(en) if !en.is_empty() => json!({"zh-Hans": [zh], "en": [en]}),
        _ => json!({"zh-Hans": [zh]}),
    }
}

fn json_response(value: Value) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(
                "application/ld+json;profile=\"http://iiif.io/api/presentation/3/context.json\"",
            ),
        )],
        value.to_string(),
    )
        .into_response()
}

/// The Manifest of an item, or `None` when it has no public image.
pub fn manifest(
    config: &SiteConfig,
    record: &ItemRecord,
    institution_name: Option<&str>,
) -> Option<Value> {
    let view = access::public_view(record)?;
    let record = view.record();
    let item = &record.item;
    let id = manifest_url(config, &item.id);
    let mut canvases = Vec::new();
    for file in view.files() {
        for page in &file.derivatives {
            let identifier = page_identifier(&item.id, file.seq, page.page);
            let service = image_service_url(config, &identifier);
            let canvas_id = format!("{id}/canvas/{}-{}", file.seq, page.page);
            let label = if record.files.len() == 1 && file.derivatives.len() == 1 {
                item.display_title().to_string()
            } else {
                format!("{} {}", file.seq, page.page)
            };
            canvases.push(json!({
                "id": canvas_id,
                "type": "Canvas",
                "label": {"none": [label]},
                "width": page.width,
                "height": page.height,
                "thumbnail": [{
                    "id": thumbnail_url(config, &identifier, 400),
                    "type": "Image",
                    "format": "image/jpeg",
                }],
                "items": [{
                    "id": format!("{canvas_id}/page"),
                    "type": "AnnotationPage",
                    "items": [{
                        "id": format!("{canvas_id}/page/image"),
                        "type": "Annotation",
                        "motivation": "painting",
                        "target": canvas_id,
                        "body": {
                            "id": format!("{service}/full/max/0/default.jpg"),
                            "type": "Image",
                            "format": "image/jpeg",
                            "width": page.width,
                            "height": page.height,
                            "service": [{"id": service, "type": "ImageService3", "profile": "level2"}],
                        },
                    }],
                }],
            }));
        }
    }
    let first = canvases.first()?.clone();
    let mut metadata = Vec::new();
    for (element, values) in &item.metadata.dc {
        if values.is_empty() {
            continue;
        }
        metadata.push(json!({
            "label": {"zh-Hans": [element.label_zh()], "en": [element.label_en()]},
            "value": {"zh-Hans": values},
        }));
    }
    for (name, values) in &item.metadata.extra {
        metadata.push(json!({
            "label": {"zh-Hans": [name]},
            "value": {"zh-Hans": values},
        }));
    }
    let rights_values = item.metadata.values(DcElement::Rights);
    let attribution = match (institution_name, rights_values.first()) {
        (Some(name), Some(rights)) => format!("{name}：{rights}"),
        (Some(name), None) => format!("{name}提供"),
        (None, Some(rights)) => rights.clone(),
        (None, None) => config.site_name_zh.clone(),
    };
    let mut manifest = json!({
        "@context": CONTEXT,
        "id": id,
        "type": "Manifest",
        "label": language_map(item.display_title(), None),
        "metadata": metadata,
        "requiredStatement": {
            "label": {"zh-Hans": ["来源与权利"], "en": ["Attribution"]},
            "value": {"zh-Hans": [attribution]},
        },
        "thumbnail": first["thumbnail"].clone(),
        "homepage": [{
            "id": item_page_url(config, &item.id),
            "type": "Text",
            "label": {"zh-Hans": [item.display_title()]},
            "format": "text/html",
        }],
        "items": canvases,
    });
    if let Some(description) = item.metadata.first(DcElement::Description) {
        manifest["summary"] = json!({"zh-Hans": [description]});
    }
    if let Some(rights) = rights_values.iter().find(|rights| {
        rights.starts_with("http://creativecommons.org/")
            || rights.starts_with("https://creativecommons.org/")
            || rights.starts_with("http://rightsstatements.org/")
            || rights.starts_with("https://rightsstatements.org/")
    }) {
        manifest["rights"] = json!(rights.replace("https://", "http://"));
    }
    Some(manifest)
}

/// `GET /iiif/3/manifests/{item}`.
pub async fn manifest_handler(
    State(state): State<AppState>,
    Path(item_id): Path<String>,
) -> Result<Response, JsonError> {
    let lookup = item_id.clone();
    let found = state
        .catalog(move |catalog| {
            let Some(record) = catalog.item(&lookup)? else {
                return Ok(None);
            };
            let institution = match &record.item.institution_id {
                Some(id) => catalog.institution(id)?,
                None => None,
            };
            Ok(Some((record, institution)))
        })
        .await?;
    let manifest = found.and_then(|(record, institution)| {
        manifest(
            state.config(),
            &record,
            institution.as_ref().map(|i| i.name_zh.as_str()),
        )
    });
    match manifest {
        Some(manifest) => Ok(json_response(manifest)),
        None => Err(JsonError(AppError::NotFound(format!(
            "item '{item_id}' has no public images"
        )))),
    }
}

/// The public items with images of an institution or collection, as manifest references.
async fn manifest_references(
    state: &AppState,
    institution_id: String,
    collection_id: Option<String>,
) -> Result<Vec<Value>, AppError> {
    let config = state.config().clone();
    state
        .catalog(move |catalog| {
            let query = ChangeQuery {
                institution_id: Some(institution_id),
                collection_id,
                limit: MAX_COLLECTION_ITEMS,
                ..ChangeQuery::default()
            };
            let mut by_id = BTreeMap::new();
            for item in catalog.items_changed(&query)? {
                if !access::shows_files(item.access) || item.deleted_at.is_some() {
                    continue;
                }
                let Some(record) = catalog.item(&item.id)? else {
                    continue;
                };
                if access::public_view(&record)
                    .and_then(|view| view.first_page())
                    .is_none()
                {
                    continue;
                }
                by_id.insert(
                    item.id.clone(),
                    json!({
                        "id": manifest_url(&config, &item.id),
                        "type": "Manifest",
                        "label": language_map(item.display_title(), None),
                    }),
                );
            }
            Ok(by_id.into_values().collect())
        })
        .await
}

/// `GET /iiif/3/collections`: a Collection of the venues' Collections.
pub async fn top_collection(State(state): State<AppState>) -> Result<Response, JsonError> {
    let institutions = state.catalog(|catalog| catalog.institutions()).await?;
    let base = base_url(state.config());
    let items: Vec<Value> = institutions
        .iter()
        .map(|institution| {
            json!({
                "id": format!("{base}/iiif/3/collections/{}", institution.id),
                "type": "Collection",
                "label": language_map(&institution.name_zh, institution.name_en.as_deref()),
            })
        })
        .collect();
    Ok(json_response(json!({
        "@context": CONTEXT,
        "id": format!("{base}/iiif/3/collections"),
        "type": "Collection",
        "label": language_map(&state.config().site_name_zh, Some(&state.config().site_name_en)),
        "items": items,
    })))
}

/// `GET /iiif/3/collections/{institution}`: its collections and its manifests.
pub async fn institution_collection(
    State(state): State<AppState>,
    Path(institution_id): Path<String>,
) -> Result<Response, JsonError> {
    let lookup = institution_id.clone();
    let found = state
        .catalog(move |catalog| {
            let Some(institution) = catalog.institution(&lookup)? else {
                return Ok(None);
            };
            let collections: Vec<_> = catalog
                .collections()?
                .into_iter()
                .filter(|collection| collection.institution_id == lookup)
                .collect();
            Ok(Some((institution, collections)))
        })
        .await?;
    let Some((institution, collections)) = found else {
        return Err(JsonError(AppError::NotFound(format!(
            "institution '{institution_id}' does not exist"
        ))));
    };
    let base = base_url(state.config());
    let mut items: Vec<Value> = collections
        .iter()
        .map(|collection| {
            json!({
                "id": format!("{base}/iiif/3/collections/{}/{}", institution.id, collection.id),
                "type": "Collection",
                "label": language_map(&collection.name_zh, collection.name_en.as_deref()),
            })
        })
        .collect();
    items.extend(manifest_references(&state, institution.id.clone(), None).await?);
    Ok(json_response(json!({
        "@context": CONTEXT,
        "id": format!("{base}/iiif/3/collections/{}", institution.id),
        "type": "Collection",
        "label": language_map(&institution.name_zh, institution.name_en.as_deref()),
        "items": items,
    })))
}

/// `GET /iiif/3/collections/{institution}/{collection}`: its manifests.
pub async fn collection_collection(
    State(state): State<AppState>,
    Path((institution_id, collection_id)): Path<(String, String)>,
) -> Result<Response, JsonError> {
    let (lookup_institution, lookup_collection) = (institution_id.clone(), collection_id.clone());
    let collection = state
        .catalog(move |catalog| catalog.collection(&lookup_institution, &lookup_collection))
        .await?
        .ok_or_else(|| {
            JsonError(AppError::NotFound(format!(
                "collection '{institution_id}/{collection_id}' does not exist"
            )))
        })?;
    let items =
        manifest_references(&state, institution_id.clone(), Some(collection_id.clone())).await?;
    let base = base_url(state.config());
    Ok(json_response(json!({
        "@context": CONTEXT,
        "id": format!("{base}/iiif/3/collections/{institution_id}/{collection_id}"),
        "type": "Collection",
        "label": language_map(&collection.name_zh, collection.name_en.as_deref()),
        "items": items,
    })))
}
