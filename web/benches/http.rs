//! The server side of the HTTP row of the benchmark suite (see
//! `bench/README.md`; run through `bench/run`, which drives `wrk`).
//!
//! `http <data-dir>` opens the archive exactly as `wenyuan serve` does
//! (`AppState::open`, the real `router` through `wenyuan_web::serve`) on one
//! port, and a hello-world axum route (`async fn() -> &'static str`) on a
//! second port, both on one tokio multi-threaded runtime with default
//! settings (one worker per core, as `wenyuan serve` builds it). Prints
//! `{"ours": PORT, "hello": PORT}` and serves until it is killed.

use std::path::PathBuf;

use axum::Router;
use axum::routing::get;
use serde_json::json;
use wenyuan_index::DataDir;
use wenyuan_web::{AppState, SiteConfig};

type Fail = Box<dyn std::error::Error>;

/// The allocator of the `wenyuan` binary (src/main.rs), so the server
/// measured here allocates as `wenyuan serve` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

async fn hello() -> &'static str {
    "Hello, world!"
}

fn main() -> Result<(), Fail> {
    // `cargo bench` passes `--bench`; ignore flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let [data] = args.as_slice() else {
        eprintln!("usage: http <data-dir>   (normally run through bench/run)");
        return Ok(());
    };
    let data_dir = DataDir::open_existing(PathBuf::from(data))?;
    let config = SiteConfig {
        public_url: "http://127.0.0.1".to_string(),
        ..SiteConfig::default()
    };
    let state = AppState::open(data_dir, config)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let ours = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let hello_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!(
            "{}",
            json!({"ours": ours.local_addr()?.port(), "hello": hello_listener.local_addr()?.port()})
        );
        let hello_app = Router::new().route("/hello", get(hello));
        let hello_server =
            tokio::spawn(async move { axum::serve(hello_listener, hello_app).await });
        wenyuan_web::serve(ours, state, std::future::pending()).await?;
        hello_server.await??;
        Ok(())
    })
}
