//! `wenyuan keys`: API keys for partners. A key lifts the JSON API's
//! per-address rate limit; the catalogue keeps only its hash, so the
//! plaintext is printed once, when it is created.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use wenyuan_index::{Catalog, DataDir};

/// What `wenyuan keys` can do.
#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Create an API key and print it (it is shown only this once).
    Create {
        /// Who the key is for, e.g. `city-culture-cloud`.
        name: String,
        /// The data directory (catalogue, preserved files, derivatives, index).
        #[arg(long, env = "WENYUAN_DATA", default_value = "wenyuan-data")]
        data: PathBuf,
    },
}

/// Runs a `wenyuan keys` command.
pub fn run(action: KeysAction) -> anyhow::Result<ExitCode> {
    match action {
        KeysAction::Create { name, data } => {
            let data_dir = DataDir::open_existing(&data)?;
            let mut catalog = Catalog::open(&data_dir.catalog_path())
                .with_context(|| format!("opening the catalogue in {}", data.display()))?;
            let key = catalog
                .create_api_key(&name)
                .context("creating the API key")?;
            eprintln!("API key for '{name}' (store it now; it cannot be shown again):");
            println!("{key}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
