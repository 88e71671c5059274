//! `wenyuan staff …`, `wenyuan withdraw` and `wenyuan restore`: accounts of
//! the staff workspace, and taking a record down (or back up) from the
//! command line. Changes go through the catalogue's history like the web's,
//! under the name `cli:USER`, and reach the search index before the command
//! returns (or, while an ingest runs, with that ingest).

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use wenyuan_index::catalog::Role;
use wenyuan_index::search::SearchIndex;
use wenyuan_index::search::indexer::{CatchUp, catch_up_now};
use wenyuan_index::{Catalog, DataDir};

/// What `wenyuan staff` can do.
#[derive(Debug, Subcommand)]
pub enum StaffAction {
    /// Add an account.
    Add {
        /// Sign-in name.
        user: String,
        /// admin (everything), editor (one venue's records) or moderator (feedback).
        #[arg(long)]
        role: String,
        /// The venue an editor edits.
        #[arg(long)]
        institution: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, env = "WENYUAN_DATA", default_value = "wenyuan-data")]
        data: PathBuf,
    },
    /// List accounts.
    List {
        #[arg(long, env = "WENYUAN_DATA", default_value = "wenyuan-data")]
        data: PathBuf,
    },
    /// Stop an account signing in; its open sessions end at once.
    Disable {
        user: String,
        #[arg(long, env = "WENYUAN_DATA", default_value = "wenyuan-data")]
        data: PathBuf,
    },
    /// Let a disabled account sign in again.
    Enable {
        user: String,
        #[arg(long, env = "WENYUAN_DATA", default_value = "wenyuan-data")]
        data: PathBuf,
    },
    /// Set a new password (ends the account's sessions, lifts a lock).
    Passwd {
        user: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, env = "WENYUAN_DATA", default_value = "wenyuan-data")]
        data: PathBuf,
    },
}

pub(crate) fn open_catalog(data: &Path) -> anyhow::Result<(DataDir, Catalog)> {
    let data_dir = DataDir::open_existing(data)?;
    let catalog = Catalog::open(&data_dir.catalog_path())
        .with_context(|| format!("opening the catalogue in {}", data.display()))?;
    Ok((data_dir, catalog))
}

/// A password from standard input's first line, or typed at the terminal
/// without echo.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let typed = !from_stdin && stdin.is_terminal();
    if !from_stdin && !typed {
        bail!("give the password on standard input with --password-stdin");
    }
    if typed {
        eprint!("password: ");
        std::io::stderr().flush()?;
        let _ = std::process::Command::new("stty").arg("-echo").status();
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if typed {
        let _ = std::process::Command::new("stty").arg("echo").status();
        eprintln!();
    }
    read.context("reading the password")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Runs a `wenyuan staff` command.
pub fn run(action: StaffAction) -> anyhow::Result<ExitCode> {
    match action {
        StaffAction::Add {
            user,
            role,
            institution,
            password_stdin,
            data,
        } => {
            let role = Role::parse(&role)?;
            let (_, mut catalog) = open_catalog(&data)?;
            let password = read_password(password_stdin)?;
            let member = catalog.add_staff(&user, role, institution.as_deref(), &password)?;
            println!(
                "added {} ({}{})",
                member.username,
                member.role.as_str(),
                member
                    .institution_id
                    .map(|id| format!(" of {id}"))
                    .unwrap_or_default()
            );
        }
        StaffAction::List { data } => {
            let (_, catalog) = open_catalog(&data)?;
            for member in catalog.staff_members()? {
                let state = if member.disabled {
                    "disabled"
                } else if member
                    .locked_until
                    .is_some_and(|until| until > wenyuan_index::catalog::unix_now())
                {
                    "locked"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\t{state}",
                    member.username,
                    member.role.as_str(),
                    member.institution_id.as_deref().unwrap_or("-")
                );
            }
        }
        StaffAction::Disable { user, data } => {
            open_catalog(&data)?.1.set_staff_disabled(&user, true)?;
            println!("disabled {user}; its sessions have ended");
        }
        StaffAction::Enable { user, data } => {
            open_catalog(&data)?.1.set_staff_disabled(&user, false)?;
            println!("enabled {user}");
        }
        StaffAction::Passwd {
            user,
            password_stdin,
            data,
        } => {
            let (_, mut catalog) = open_catalog(&data)?;
            let password = read_password(password_stdin)?;
            catalog.set_staff_password(&user, &password)?;
            println!("new password set for {user}; its sessions have ended");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Who the command line's changes are by.
pub(crate) fn actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

/// `wenyuan withdraw ITEM… --reason` (a reason) or `wenyuan restore ITEM…`
/// (none). Every id is tried; unknown ones are reported and make the exit
/// status 1.
pub fn withdraw_or_restore(
    data: &Path,
    items: &[String],
    reason: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let (data_dir, mut catalog) = open_catalog(data)?;
    let who = actor();
    let mut failed = 0;
    for id in items {
        let outcome = match reason {
            Some(reason) => catalog.withdraw_item(id, reason, &who),
            None => catalog.restore_item(id, &who),
        };
        match (outcome, reason) {
            (Ok(Some(_)), Some(_)) => println!("{id}: withdrawn"),
            (Ok(Some(_)), None) => println!("{id}: restored"),
            (Ok(None), Some(_)) => println!("{id}: already withdrawn"),
            (Ok(None), None) => println!("{id}: was not withdrawn"),
            (Err(error), _) => {
                eprintln!("{id}: {error}");
                failed += 1;
            }
        }
    }
    follow_index(&data_dir)?;
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Brings the search index in step with changes just made to the catalogue
/// (or says that the ingest holding the write lock will).
pub(crate) fn follow_index(data_dir: &DataDir) -> anyhow::Result<()> {
    let index = SearchIndex::open_or_create(&data_dir.index_dir())
        .context("cannot open the search index")?;
    if catch_up_now(data_dir, &index)? == CatchUp::Deferred {
        eprintln!(
            "note: an ingest is writing this archive; search follows when it has indexed the change"
        );
    }
    Ok(())
}
