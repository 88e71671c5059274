//! Starting the web server: configuration, the tokio runtime, the listener
//! and graceful shutdown on Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use wenyuan_index::DataDir;
use wenyuan_web::{AppState, SiteConfig};

/// Reads the site configuration: the TOML file if given, then the public URL.
pub fn site_config(
    addr: &SocketAddr,
    public_url: Option<String>,
    file: Option<&Path>,
) -> anyhow::Result<SiteConfig> {
    let mut config = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            toml::from_str(&text)
                .with_context(|| format!("{} is not a valid site configuration", path.display()))?
        }
        None => SiteConfig::default(),
    };
    config.public_url = public_url
        .unwrap_or_else(|| {
            if file.is_some() && !config.public_url.is_empty() {
                config.public_url.clone()
            } else {
                format!("http://{addr}")
            }
        })
        .trim_end_matches('/')
        .to_string();
    Ok(config)
}

/// Serves `data_dir` on `addr` until Ctrl-C or SIGTERM.
pub fn serve(
    data_dir: DataDir,
    addr: &SocketAddr,
    public_url: Option<String>,
    config_file: Option<&Path>,
) -> anyhow::Result<()> {
    let config = site_config(addr, public_url, config_file)?;
    let state = AppState::open(data_dir, config).context("cannot open the archive for serving")?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        tracing::info!("serving on http://{local}/ (Ctrl-C to stop)");
        wenyuan_web::serve(listener, state, shutdown_signal())
            .await
            .context("the server stopped")
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
