//! The `wenyuan` binary: glue between the command line and the libraries.
//! It parses flags, sets up logging and progress display, calls
//! `wenyuan-ingest` / `wenyuan-index`, and maps results to exit codes:
//! 0 success, 1 some files failed or were damaged, 2 usage or fatal error,
//! 130 stopped by Ctrl-C.

mod cli;
mod demo;
mod events;
mod institutions;
mod interrupt;
mod keys;
mod progress;
mod search;
mod server;
mod sheets;
mod staff;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: search, the API and indexing
/// allocate many small strings from several threads, where glibc's malloc
/// spent about a third of the server's time (see bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let arguments = cli::Cli::parse();
    progress::init_logging(arguments.verbose);
    match cli::run(arguments) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
