//! End-to-end tests: the real `wenyuan` binary over generated data, one
//! module per feature, helpers in `util`.

mod util;

mod bagit;
mod ingest;
mod institutions;
mod search;
mod verify;
