//! End-to-end tests: the real `wenyuan` binary over generated data, one
//! module per feature, helpers in `util`.

mod http;
mod util;

mod bagit;
mod events;
mod ingest;
mod institutions;
mod interrupt;
mod limits;
mod reliability;
mod search;
mod server;
mod staff;
mod verify;
