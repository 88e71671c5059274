//! The JSON API under `/api/v1`: search ([`search`]), item records
//! ([`items`]), venues and collections ([`institutions`]), and the OpenAPI 3
//! document generated from these handlers' annotations ([`openapi`]).
//!
//! Every failure is a JSON error ([`error`]); requests are rate-limited per
//! client address unless they carry an API key ([`limit`]). The routes
//! themselves are listed in [`crate::router`].

pub mod error;
pub mod institutions;
pub mod items;
pub mod limit;
pub mod openapi;
pub mod search;

use wenyuan_index::model::{AccessLevel, ItemRecord};

pub use error::ApiError;
pub use limit::RateLimiter;

use crate::iiif::ids::page_identifier;

/// The language of labels and names in an answer: the pages' own.
pub use crate::i18n::Lang;

/// The IIIF identifier of an item's first image page, when the public may see it.
pub fn first_image(record: &ItemRecord) -> Option<String> {
    let first_page = record
        .files
        .iter()
        .find_map(|file| file.derivatives.first().map(|page| (file.seq, page.page)));
    public_image(
        &record.item.id,
        record.item.access,
        record.item.deleted_at.is_some(),
        first_page,
    )
}

/// The IIIF identifier of page `(file seq, page)` of an item, when the
/// public may see it: public, not deleted.
pub fn public_image(
    item_id: &str,
    access: AccessLevel,
    deleted: bool,
    first_page: Option<(u32, u32)>,
) -> Option<String> {
    if access != AccessLevel::Public || deleted {
        return None;
    }
    first_page.map(|(seq, page)| page_identifier(item_id, seq, page))
}

/// Unix seconds as UTC `YYYY-MM-DDThh:mm:ssZ` (the form OAI-PMH and the API use).
pub fn iso_utc(seconds: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|moment| moment.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}
