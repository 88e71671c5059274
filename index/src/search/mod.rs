//! The search index (work in progress).
