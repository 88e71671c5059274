//! Ctrl-C for long commands: the first SIGINT sets a [`CancelFlag`] so the
//! run stops at its next safe point and reports what it did; a second one
//! exits at once with status 130, as a shell does for SIGINT.

use anyhow::Context;
use tokio::signal::unix::{SignalKind, signal};
use wenyuan_index::CancelFlag;

/// The exit status of a run stopped by Ctrl-C (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

/// A flag that the first Ctrl-C sets. The handler is installed before this
/// returns, so a SIGINT from now on never kills the process half-way.
pub fn cancel_on_interrupt(what: &'static str) -> anyhow::Result<CancelFlag> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .context("cannot start the Ctrl-C handler")?;
    let mut interrupts = {
        let _entered = runtime.enter();
        signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?
    };
    let cancel = CancelFlag::new();
    let flag = cancel.clone();
    std::thread::Builder::new()
        .name("ctrl-c".into())
        .spawn(move || {
            runtime.block_on(async {
                interrupts.recv().await;
                flag.cancel();
                eprintln!("{what}: stopping after the work in hand (Ctrl-C again to stop at once)");
                interrupts.recv().await;
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            });
        })
        .context("cannot start the Ctrl-C handler")?;
    Ok(cancel)
}
