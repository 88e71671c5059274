//! IIIF under `/iiif/3`: the Image API 3.0 at compliance level 2
//! ([`image`], with [`params`] for the request arithmetic and [`levels`] for
//! the cache of decoded images) and the Presentation API 3.0
//! ([`presentation`]). Identifiers and links are in [`ids`].

pub mod ids;
pub mod image;
pub mod levels;
pub mod params;
pub mod presentation;
