//! HTTP tests of the public site, one module per feature, over the small
//! archive of [`fixture`]: pages render, search narrows and pages, the
//! language and elder-friendly switches stick, stored text is escaped,
//! access levels hold for images and downloads, and image routes cache and
//! refuse path tricks.

mod fixture;
mod leaks;
mod media;
mod pages;
mod preferences;
mod search;
mod security;
