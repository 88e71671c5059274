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

pub use error::ApiError;
pub use limit::RateLimiter;

/// The language of labels and names in an answer: the pages' own.
pub use crate::i18n::Lang;

/// Unix seconds as UTC `YYYY-MM-DDThh:mm:ssZ` (the form OAI-PMH and the API use).
pub fn iso_utc(seconds: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|moment| moment.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}
