//! `GET /items/{id}`: one item — the page image viewer (a 1600 px web image
//! that `static/viewer.js` makes zoomable), a thumbnail strip for
//! multi-page items, the full metadata table, rights and access, downloads
//! where access allows, permalink, citation, the IIIF manifest link and
//! Open Graph data for link previews.
//!
//! Access decides what is shown: `public` items show images and downloads;
//! `metadata_only` items show their description without files; `restricted`
//! items show only that they exist (title, venue, rights). Tombstoned and
//! unknown items are 404.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use wenyuan_index::access;
use wenyuan_index::model::{AccessLevel, DcElement, ItemRecord};

use super::institution::{facet_search_url, venue_name};
use super::media::ORIGINAL_FILE_NAME;
use super::{
    Chrome, Preferences, Section, absolute_url, derivative_url, href, render_html, respond,
    truncate_chars,
};
use crate::i18n::Lang;
use crate::{AppError, AppState};

/// Longest item id looked up (ids are 13 characters; anything much longer is not one).
const MAX_ITEM_ID_LEN: usize = 64;
/// Longest Open Graph description, in characters.
const OG_DESCRIPTION_CHARS: usize = 200;

/// One page image of the item.
#[derive(Debug, Clone)]
pub struct PageView {
    /// Page number within the item, from 1.
    pub number: usize,
    /// Thumbnail URL.
    pub thumbnail_url: String,
    /// Web image URL (1600 px).
    pub web_url: String,
    /// Pixel width of the page.
    pub width: u32,
    /// Pixel height of the page.
    pub height: u32,
    /// This item page showing this page.
    pub url: String,
    /// "第 3 页" / "Page 3".
    pub label: String,
    /// The page shown.
    pub current: bool,
}

/// A row of the metadata table.
#[derive(Debug, Clone)]
pub struct MetadataRow {
    /// Field label in the page language (extra fields keep their own name).
    pub label: String,
    /// Values, in catalogue order.
    pub values: Vec<String>,
}

/// A file offered for download.
#[derive(Debug, Clone)]
pub struct FileDownload {
    /// Link text.
    pub label: String,
    /// Its URL.
    pub url: String,
    /// Media type.
    pub media_type: String,
    /// Human-readable size.
    pub size_label: String,
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    chrome: Chrome,
    title: String,
    access_label: &'static str,
    access_note: Option<&'static str>,
    show_description: bool,
    institution_name: Option<String>,
    institution_url: Option<String>,
    collection_name: Option<String>,
    collection_search_url: Option<String>,
    pages: Vec<PageView>,
    current_page: Option<PageView>,
    metadata_rows: Vec<MetadataRow>,
    rights: Vec<String>,
    downloads: Vec<FileDownload>,
    permalink: String,
    citation: String,
    manifest_url: String,
}

/// `GET /items/{id}`.
pub async fn item_page(
    State(state): State<AppState>,
    preferences: Preferences,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let outcome = build_item_page(&state, &preferences, path).await;
    respond(&state, &preferences, outcome)
}

async fn build_item_page(
    state: &AppState,
    preferences: &Preferences,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let lang = preferences.lang;
    let labels = lang.labels();
    let Ok(Path(id)) = path else {
        return Err(AppError::NotFound("malformed item id".into()));
    };
    if id.is_empty() || id.len() > MAX_ITEM_ID_LEN || !id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(AppError::NotFound("not an item id".into()));
    }
    let lookup_id = id.clone();
    let found = state
        .catalog(move |catalog| {
            let Some(record) = catalog.item(&lookup_id)? else {
                return Ok(None);
            };
            if let Some((_, reason)) = catalog.withdrawal(&lookup_id)? {
                return Ok(Some(Err(reason)));
            }
            let institution = match &record.item.institution_id {
                Some(institution_id) => catalog.institution(institution_id)?,
                None => None,
            };
            let collection = match (&record.item.institution_id, &record.item.collection_id) {
                (Some(institution_id), Some(collection_id)) => {
                    catalog.collection(institution_id, collection_id)?
                }
                _ => None,
            };
            Ok(Some(Ok((record, institution, collection))))
        })
        .await?;
    let (record, institution, collection) = match found {
        None => return Err(AppError::NotFound(format!("no item '{id}'"))),
        Some(Err(reason)) => return Err(AppError::Gone(reason)),
        Some(Ok(found)) => found,
    };
    // Everything below renders from what the public may see.
    let Some(view) = access::public_view(&record) else {
        return Err(AppError::NotFound(format!("item '{id}' was withdrawn")));
    };
    let record = view.record();
    let item = &record.item;
    let access = item.access;
    let title = item.display_title().to_string();
    let item_path = format!("/items/{}", item.id);

    let requested_page = preferences
        .other_query_pairs
        .iter()
        .rev()
        .find(|(key, _)| key == "page")
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(1);
    let pages = if access::shows_files(access) {
        page_views(record, &item_path, requested_page, lang)
    } else {
        Vec::new()
    };
    let current_page = pages.iter().find(|page| page.current).cloned();
    let downloads = if access::shows_files(access) {
        downloads(record, current_page.as_ref(), lang)
    } else {
        Vec::new()
    };

    let institution_name = institution
        .as_ref()
        .map(|institution| venue_name(institution, lang));
    let collection_name = collection
        .as_ref()
        .map(|collection| lang.pick(&collection.name_zh, collection.name_en.as_deref()));
    let collection_search_url = collection.as_ref().map(|collection| {
        facet_search_url(
            "collection",
            &format!("{}/{}", collection.institution_id, collection.id),
        )
    });
    let show_description = access::shows_description(access);
    let metadata_rows = if show_description {
        metadata_rows(record, lang)
    } else {
        Vec::new()
    };
    let rights = match item.metadata.values(DcElement::Rights) {
        [] => vec![labels.rights_default.to_string()],
        values => values.to_vec(),
    };
    let permalink = absolute_url(state, &item_path);
    let citation = citation(record, institution_name.as_deref(), &permalink);

    let mut chrome = Chrome::new(state, preferences, title.clone(), Section::Search);
    chrome.canonical_url = permalink.clone();
    chrome.og_type = "article";
    let description = item
        .metadata
        .first(DcElement::Description)
        .filter(|_| show_description)
        .map(str::to_string)
        .or_else(|| institution_name.clone())
        .unwrap_or_else(|| title.clone());
    chrome.description = truncate_chars(&description, OG_DESCRIPTION_CHARS);
    chrome.og_image = pages.first().map(|page| absolute_url(state, &page.web_url));

    render_html(&ItemPage {
        chrome,
        title,
        access_label: lang.access_label(access),
        access_note: match access {
            AccessLevel::Public => None,
            AccessLevel::MetadataOnly => Some(labels.metadata_only_note),
            AccessLevel::Restricted => Some(labels.restricted_note),
        },
        show_description,
        institution_url: item
            .institution_id
            .as_ref()
            .filter(|_| institution.is_some())
            .map(|institution_id| format!("/institutions/{institution_id}")),
        institution_name,
        collection_name,
        collection_search_url,
        pages,
        current_page,
        metadata_rows,
        rights,
        downloads,
        permalink,
        citation,
        manifest_url: format!("/iiif/3/manifests/{}", item.id),
    })
}

/// Every derivative page of every file, numbered through the item.
fn page_views(
    record: &ItemRecord,
    item_path: &str,
    requested_page: usize,
    lang: Lang,
) -> Vec<PageView> {
    let mut pages: Vec<PageView> = record
        .files
        .iter()
        .flat_map(|file| file.derivatives.iter())
        .filter_map(|derivative| {
            Some((
                derivative_url(&derivative.thumbnail)?,
                derivative_url(&derivative.web)?,
                derivative.width,
                derivative.height,
            ))
        })
        .enumerate()
        .map(|(index, (thumbnail_url, web_url, width, height))| {
            let number = index + 1;
            let page_number = number.to_string();
            PageView {
                number,
                thumbnail_url,
                web_url,
                width,
                height,
                url: if number == 1 {
                    item_path.to_string()
                } else {
                    href(item_path, &[("page", &page_number)])
                },
                label: lang.page_number(number),
                current: false,
            }
        })
        .collect();
    let current = requested_page.clamp(1, pages.len().max(1));
    if let Some(page) = pages.get_mut(current - 1) {
        page.current = true;
    }
    pages
}

/// The web image of the shown page and every original (public items only).
fn downloads(
    record: &ItemRecord,
    current_page: Option<&PageView>,
    lang: Lang,
) -> Vec<FileDownload> {
    let labels = lang.labels();
    let mut downloads = Vec::new();
    if let Some(page) = current_page {
        downloads.push(FileDownload {
            label: labels.download_web_image.to_string(),
            url: page.web_url.clone(),
            media_type: "image/jpeg".into(),
            size_label: format!("{} × {}", page.width, page.height),
        });
    }
    let several = record.files.len() > 1;
    for file in &record.files {
        let label = if several {
            format!("{} ({})", labels.download_original, file.seq)
        } else {
            labels.download_original.to_string()
        };
        downloads.push(FileDownload {
            label,
            url: format!("/media/{}/{ORIGINAL_FILE_NAME}", file.digest),
            media_type: file.media_type.clone(),
            size_label: human_size(file.size),
        });
    }
    downloads
}

/// "2.4 MB".
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}

/// Dublin Core rows in Dublin Core order, then the extra fields.
fn metadata_rows(record: &ItemRecord, lang: Lang) -> Vec<MetadataRow> {
    let metadata = &record.item.metadata;
    let mut rows: Vec<MetadataRow> = DcElement::ALL
        .iter()
        .filter(|element| !metadata.values(**element).is_empty())
        .map(|element| MetadataRow {
            label: lang.dc_label(*element).to_string(),
            values: metadata.values(*element).to_vec(),
        })
        .collect();
    rows.extend(metadata.extra.iter().map(|(name, values)| MetadataRow {
        label: name.clone(),
        values: values.clone(),
    }));
    rows
}

/// "Creator. Title. Date. Venue. Permalink".
fn citation(record: &ItemRecord, institution_name: Option<&str>, permalink: &str) -> String {
    let metadata = &record.item.metadata;
    let creators = metadata.values(DcElement::Creator).join("; ");
    let parts = [
        creators.as_str(),
        record.item.display_title(),
        metadata.first(DcElement::Date).unwrap_or_default(),
        institution_name.unwrap_or_default(),
        permalink,
    ];
    parts
        .iter()
        .map(|part| part.trim().trim_end_matches('.'))
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(". ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(2 * 1024 * 1024 + 100_000), "2.1 MB");
    }
}
