//! End-to-end tests of the search index.
