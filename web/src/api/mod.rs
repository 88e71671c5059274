//! The JSON API under `/api/v1`: search ([`search`]), item records
//! ([`items`]), venues and collections ([`institutions`]), and the OpenAPI 3
//! document generated from these handlers' annotations ([`openapi`]).
//!
//! Every failure is a JSON error ([`error`]); requests are rate-limited per
//! client address unless they carry an API key ([`limit`]). The routes
//! themselves are listed in [`crate::router`].

pub mod error;
pub mod events;
pub mod institutions;
pub mod items;
pub mod limit;
pub mod openapi;
pub mod search;

pub use crate::dates::iso_utc;
pub use error::ApiError;
pub use limit::RateLimiter;

/// The language of labels and names in an answer: the pages' own.
pub use crate::i18n::Lang;
