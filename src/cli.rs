//! Command-line flags and what each command does. Every flag can also be set
//! with an environment variable `WENYUAN_*`; flags win.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use wenyuan_index::model::StorageMode;
use wenyuan_index::verify::{VerifyOptions, verify};
use wenyuan_index::{CancelFlag, Catalog, DataDir};
use wenyuan_ingest::bagit::{BagGrouping, ExportOptions, ImportOptions};
use wenyuan_ingest::sheet_edit::{CsvEncoding, ExportFilter};
use wenyuan_ingest::{Failure, IngestOptions, IngestReport, ingest};

use crate::institutions::InstitutionsFile;
use crate::interrupt::{EXIT_INTERRUPTED, cancel_on_interrupt};
use crate::progress::Progress;

/// wenyuan (文渊): preserve, describe and search a district's digitised cultural heritage.
#[derive(Debug, Parser)]
#[command(name = "wenyuan", version, about, long_about = None)]
pub struct Cli {
    /// Print debug logs.
    #[arg(long, short, global = true, env = "WENYUAN_VERBOSE")]
    pub verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct DataArgs {
    /// The data directory (catalogue, preserved files, derivatives, index).
    #[arg(
        long,
        alias = "data-dir",
        env = "WENYUAN_DATA",
        default_value = "wenyuan-data"
    )]
    data: PathBuf,
}

#[derive(Debug, clap::Args)]
struct ServerArgs {
    /// Address to listen on.
    #[arg(long, env = "WENYUAN_ADDR", default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// Public address of the site, for links partners follow (default: http://ADDR).
    #[arg(long, env = "WENYUAN_PUBLIC_URL")]
    public_url: Option<String>,
    /// Site configuration (names, operator, filing numbers) as TOML.
    #[arg(long, env = "WENYUAN_SITE_CONFIG")]
    site_config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ModeArg {
    /// Copy originals into the content-addressed store.
    Copy,
    /// Leave originals where they are; record path and digest.
    Reference,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EncodingArg {
    /// UTF-8 with a byte-order mark.
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// GB18030, a superset of GBK.
    #[value(alias = "gb18030")]
    Gbk,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PerArg {
    /// One bag per item, named by its id.
    Item,
    /// One bag per collection, named INSTITUTION.COLLECTION.
    Collection,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ingest folders of scans, photos, PDFs and recordings.
    Ingest {
        /// Folders to ingest.
        #[arg(required = true)]
        folders: Vec<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
        /// Institution (venue) id for items that do not name one.
        #[arg(long, env = "WENYUAN_INSTITUTION")]
        institution: Option<String>,
        /// Collection id (of --institution) for items that do not name one.
        #[arg(long, env = "WENYUAN_COLLECTION")]
        collection: Option<String>,
        /// Copy originals into the archive, or reference them in place.
        #[arg(long, value_enum, default_value = "copy", env = "WENYUAN_MODE")]
        mode: ModeArg,
        /// Worker threads (default: one per core).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Write the report as JSON to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Show what would be ingested; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Re-hash every preserved file and report missing, changed or unreadable ones.
    Verify {
        #[command(flatten)]
        data: DataArgs,
        /// Check only a sample, e.g. `5%`.
        #[arg(long)]
        sample: Option<String>,
        /// Write the report as JSON to this file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Back up items as BagIt bags (RFC 8493): originals, sha256/sha512 manifests, catalogue record.
    ///
    /// Every original is checked against its BLAKE3 digest while it is copied;
    /// a changed or missing one fails its bag (exit status 1). Bags are written
    /// under a temporary name and renamed when complete; a bag already there
    /// with the same content is left alone, one whose items changed is
    /// replaced. Thumbnails are not exported: import remakes them.
    ///
    /// With `--sheet FILE.xlsx|FILE.csv` instead: the records as a sheet to
    /// edit in Excel and give back to `apply-sheet` (an `id` column, then the
    /// headers ingest reads; multi-values joined with `；`).
    Export {
        /// The folder to write the bags into (created if needed).
        #[arg(
            long,
            value_name = "DIR",
            required_unless_present = "sheet",
            conflicts_with = "sheet"
        )]
        bagit: Option<PathBuf>,
        /// Write the records as a sheet to edit: FILE.xlsx, or FILE.csv.
        #[arg(long, value_name = "FILE")]
        sheet: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
        /// Only items of this institution (venue).
        #[arg(long)]
        institution: Option<String>,
        /// Only items of this collection (needs --institution).
        #[arg(long)]
        collection: Option<String>,
        /// With --sheet: only the records the public search finds for this query.
        #[arg(long, requires = "sheet")]
        query: Option<String>,
        /// With --sheet FILE.csv: utf-8 (with a byte-order mark, which Excel
        /// opens correctly) or gbk (GB18030, what Excel on Chinese Windows writes).
        #[arg(long, value_enum, default_value = "utf-8", requires = "sheet")]
        encoding: EncodingArg,
        /// With --sheet: English headers (title, creator …) instead of Chinese ones.
        #[arg(long, requires = "sheet")]
        english_headers: bool,
        /// Only this item; repeatable (bags only).
        #[arg(long = "item", value_name = "ID", conflicts_with = "sheet")]
        items: Vec<String>,
        /// One bag per item, or one per collection.
        #[arg(long, value_enum, default_value = "item")]
        per: PerArg,
        /// Write the report as JSON to this file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Import BagIt bags made by `wenyuan export`, keeping item ids.
    ///
    /// Each bag is validated in full first (declaration, every checksum, no
    /// unlisted or missing file, Payload-Oxum, no path leading outside it);
    /// an invalid bag is refused and nothing of it is written. Items already
    /// here with the same record are skipped; thumbnails are remade.
    Import {
        /// Bags, or folders of bags (as `export` writes them).
        #[arg(long, value_name = "PATH", required = true, num_args = 1..)]
        bagit: Vec<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
        /// Overwrite items this archive holds with a different record (or deleted) with the bag's version.
        #[arg(long)]
        replace: bool,
        /// Validate the bags and say what would be imported; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the report as JSON to this file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Rebuild the search index from the catalogue (safe to interrupt).
    Reindex {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Search the archive, as the web site does.
    Search {
        /// The query: words, "phrases", title:…, creator:…, subject:…, date:1950-1960, AND/OR/NOT.
        query: String,
        #[command(flatten)]
        data: DataArgs,
        /// Narrow by a facet, e.g. `institution=district-library`, `year=1950-1959`; repeatable.
        #[arg(long = "filter", value_name = "FACET=VALUE")]
        filters: Vec<String>,
        /// Order: relevance, date_asc (or date), date_desc, title, recent.
        #[arg(long, default_value = "relevance")]
        sort: String,
        /// Hits to show.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Print the results (with facets) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Build a sample archive of a district's venues (through the real ingest) and serve it.
    Demo {
        /// Where to build the sample archive.
        #[arg(long, env = "WENYUAN_DEMO_DATA", default_value = "wenyuan-demo")]
        data: PathBuf,
        #[command(flatten)]
        server: ServerArgs,
        /// Build the archive, then exit instead of serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Serve the public site, the JSON API, OAI-PMH and IIIF.
    Serve {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Add or list venues and their collections.
    Institutions {
        #[command(subcommand)]
        action: InstitutionsAction,
    },
    /// The venues' events: import them from a sheet or TOML, list them.
    Events {
        #[command(subcommand)]
        action: crate::events::EventsAction,
    },
    /// Create API keys for partners.
    Keys {
        #[command(subcommand)]
        action: crate::keys::KeysAction,
    },
    /// Accounts of the staff workspace (/staff).
    Staff {
        #[command(subcommand)]
        action: crate::staff::StaffAction,
    },
    /// Take items down (a copyright complaint, a wrong upload): the public
    /// sees 410 Gone with the reason, OAI-PMH reports them deleted; their
    /// files stay preserved.
    Withdraw {
        /// Item ids.
        #[arg(required = true)]
        items: Vec<String>,
        /// Why (shown to the public).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Apply a sheet edited in Excel (made by `export --sheet`): rows are
    /// matched by id; shows every change (record, field, old → new) and
    /// applies it, one change per record in the history. Rows that cannot
    /// be applied are listed; nothing of them is applied (exit status 1).
    ApplySheet {
        /// The sheet: .xlsx, .xls or .csv (UTF-8 or GBK).
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
        /// Show what would change; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write what changed (or would) as JSON to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Why, kept in the history with each change.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Bring withdrawn items back.
    Restore {
        /// Item ids.
        #[arg(required = true)]
        items: Vec<String>,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
enum InstitutionsAction {
    /// Add or update venues and collections from a TOML file.
    Import {
        /// The TOML file (see the README for its format).
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List venues and their collections.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Runs the command; `Err` means exit code 2.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Ingest {
            folders,
            data,
            institution,
            collection,
            mode,
            jobs,
            report,
            dry_run,
        } => {
            let mut options = IngestOptions {
                roots: folders,
                institution_id: institution,
                collection_id: collection,
                storage: match mode {
                    ModeArg::Copy => StorageMode::Copy,
                    ModeArg::Reference => StorageMode::Reference,
                },
                dry_run,
                ..IngestOptions::default()
            };
            if let Some(jobs) = jobs {
                options.jobs = jobs.max(1);
            }
            run_ingest(&data.data, &options, report.as_deref())
        }
        Command::Verify {
            data,
            sample,
            report,
        } => run_verify(&data.data, sample.as_deref(), report.as_deref()),
        Command::Export {
            bagit,
            sheet,
            data,
            institution,
            collection,
            query,
            encoding,
            english_headers,
            items,
            per,
            report,
        } => {
            let Some(bagit) = bagit else {
                let sheet = sheet.expect("clap requires --bagit or --sheet");
                let encoding = match encoding {
                    EncodingArg::Utf8 => CsvEncoding::Utf8,
                    EncodingArg::Gbk => CsvEncoding::Gbk,
                };
                let filter = ExportFilter {
                    institution,
                    collection,
                    query,
                };
                return crate::sheets::export(
                    &data.data,
                    &sheet,
                    &filter,
                    encoding,
                    english_headers,
                );
            };
            let options = ExportOptions {
                destination: bagit,
                institution_id: institution,
                collection_id: collection,
                item_ids: items,
                grouping: match per {
                    PerArg::Item => BagGrouping::Item,
                    PerArg::Collection => BagGrouping::Collection,
                },
            };
            run_export(&data.data, &options, report.as_deref())
        }
        Command::Import {
            bagit,
            data,
            replace,
            dry_run,
            report,
        } => {
            let options = ImportOptions {
                paths: bagit,
                replace,
                dry_run,
                ..ImportOptions::default()
            };
            run_import(&data.data, &options, report.as_deref())
        }
        Command::Reindex { data } => run_reindex(&data.data),
        Command::Search {
            query,
            data,
            filters,
            sort,
            limit,
            json,
        } => crate::search::run_search(&data.data, &query, &filters, &sort, limit, json),
        Command::Demo {
            data,
            server,
            no_serve,
        } => {
            let data_dir = crate::demo::build(&data)?;
            if !no_serve {
                crate::server::serve(
                    data_dir,
                    &server.addr,
                    server.public_url,
                    server.site_config.as_deref(),
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { data, server } => {
            let data_dir = DataDir::open_existing(&data.data)?;
            crate::server::serve(
                data_dir,
                &server.addr,
                server.public_url,
                server.site_config.as_deref(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Institutions {
            action: InstitutionsAction::Import { file, data },
        } => import_institutions(&data.data, &file),
        Command::Institutions {
            action: InstitutionsAction::List { data },
        } => list_institutions(&data.data),
        Command::Events { action } => crate::events::run(action),
        Command::Keys { action } => crate::keys::run(action),
        Command::Staff { action } => crate::staff::run(action),
        Command::Withdraw {
            items,
            reason,
            data,
        } => crate::staff::withdraw_or_restore(&data.data, &items, Some(&reason)),
        Command::ApplySheet {
            file,
            data,
            dry_run,
            report,
            reason,
        } => crate::sheets::apply(
            &data.data,
            &file,
            dry_run,
            report.as_deref(),
            reason.as_deref(),
        ),
        Command::Restore { items, data } => {
            crate::staff::withdraw_or_restore(&data.data, &items, None)
        }
    }
}

fn run_ingest(
    data: &Path,
    options: &IngestOptions,
    report_path: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let data_dir = if options.dry_run {
        // A dry run must not create anything, not even the data directory.
        DataDir::create_unchecked(data)
    } else {
        DataDir::create(data)
            .with_context(|| format!("cannot use {} as the data directory", data.display()))?
    };
    let cancel = cancel_on_interrupt("ingest")?;
    let progress = Progress::new("ingest");
    let report = ingest(&data_dir, options, &progress, &cancel)
        .map_err(|error| library_error(error, "ingest"))?;
    print_ingest_report(&report);
    if let Some(path) = report_path {
        write_json(path, &report)?;
    }
    Ok(if report.cancelled {
        ExitCode::from(EXIT_INTERRUPTED)
    } else if report.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Maps a library error to the binary's: the caller's fault prints plainly
/// (exit status 2 either way), anything else with what stopped.
fn library_error(error: wenyuan_ingest::Error, what: &str) -> anyhow::Error {
    if error.is_user_error() {
        anyhow::anyhow!("{error}")
    } else if error.is_disk_full() {
        anyhow::anyhow!(
            "{what} stopped: the disk holding the data directory is full ({error}). \
             Everything done before this point is safe; free some space and run \
             the same command again to finish."
        )
    } else {
        anyhow::Error::new(error).context(format!("{what} stopped"))
    }
}

fn print_failures(heading: &str, failures: &[Failure]) {
    if !failures.is_empty() {
        eprintln!("{heading}:");
        for failure in failures {
            eprintln!("  {}: {}", failure.path, failure.reason);
        }
    }
}

fn run_export(
    data: &Path,
    options: &ExportOptions,
    report_path: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let data_dir = DataDir::open_existing(data)?;
    let progress = Progress::new("export");
    let report = wenyuan_ingest::bagit::export(&data_dir, options, &progress, &CancelFlag::new())
        .map_err(|error| library_error(error, "export"))?;
    eprintln!("{}", report.summary());
    print_failures("failures", &report.failures);
    if let Some(path) = report_path {
        write_json(path, &report)?;
    }
    Ok(if report.bags_failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_import(
    data: &Path,
    options: &ImportOptions,
    report_path: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let data_dir = DataDir::create_unchecked(data);
    let progress = Progress::new("import");
    let report = wenyuan_ingest::bagit::import(&data_dir, options, &progress, &CancelFlag::new())
        .map_err(|error| library_error(error, "import"))?;
    eprintln!("{}", report.summary());
    print_failures("refused", &report.failures);
    print_failures("warnings", &report.warnings);
    if let Some(path) = report_path {
        write_json(path, &report)?;
    }
    Ok(if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints the ingest summary and every failure.
fn print_ingest_report(report: &IngestReport) {
    eprintln!("{}", report.summary());
    print_failures("staff edits replaced", &report.edits_replaced);
    print_failures("failures", &report.failures);
}

fn write_json(path: &Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    let json = serde_json::to_vec_pretty(value)?;
    std::fs::write(path, json)
        .with_context(|| format!("cannot write the report to {}", path.display()))
}

fn parse_sample(sample: &str) -> anyhow::Result<f64> {
    let number = sample.trim().trim_end_matches('%');
    let percent: f64 = number
        .parse()
        .with_context(|| format!("--sample '{sample}' is not a percentage like 5%"))?;
    if !(percent > 0.0 && percent <= 100.0) {
        bail!("--sample must be between 0% and 100%, not {sample}");
    }
    Ok(percent / 100.0)
}

fn run_verify(
    data: &Path,
    sample: Option<&str>,
    report_path: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let data_dir = DataDir::open_existing(data)?;
    let catalog = Catalog::open_read_only(&data_dir.catalog_path())?;
    let mut options = VerifyOptions::default();
    if let Some(sample) = sample {
        options.sample_fraction = parse_sample(sample)?;
    }
    let cancel = cancel_on_interrupt("verify")?;
    let progress = Progress::new("verify");
    let report = verify(&data_dir, &catalog, &options, &progress, &cancel)?;
    eprintln!(
        "{} files checked: {} intact, {} damaged ({:.1} MB re-hashed)",
        report.checked,
        report.intact,
        report.damaged.len(),
        report.bytes as f64 / 1_000_000.0
    );
    if report.cancelled {
        eprintln!(
            "cancelled after {} files: the others were not checked",
            report.checked
        );
    }
    for damaged in &report.damaged {
        let problem = match &damaged.damage {
            wenyuan_index::verify::Damage::Missing => "missing".to_string(),
            wenyuan_index::verify::Damage::Changed { actual_digest } => {
                format!(
                    "changed (expected {}, found {actual_digest})",
                    damaged.expected_digest
                )
            }
            wenyuan_index::verify::Damage::Unreadable { reason } => format!("unreadable: {reason}"),
        };
        eprintln!("  {}: {problem}", damaged.path.display());
    }
    if let Some(path) = report_path {
        write_json(path, &report)?;
    }
    Ok(if report.cancelled {
        ExitCode::from(EXIT_INTERRUPTED)
    } else if report.damaged.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn import_institutions(data: &Path, file: &Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = InstitutionsFile::parse(&text)
        .with_context(|| format!("{} is not a valid institutions file", file.display()))?;
    let data_dir = DataDir::create(data)?;
    let _lock = data_dir.lock_for_writing()?;
    let mut catalog = Catalog::open(&data_dir.catalog_path())?;
    let (mut institutions, mut collections) = (0, 0);
    for (institution, institution_collections) in parsed.into_records() {
        catalog.upsert_institution(&institution)?;
        institutions += 1;
        for collection in institution_collections {
            catalog.upsert_collection(&collection)?;
            collections += 1;
        }
    }
    eprintln!("imported {institutions} institutions and {collections} collections");
    Ok(ExitCode::SUCCESS)
}

fn list_institutions(data: &Path) -> anyhow::Result<ExitCode> {
    let data_dir = DataDir::open_existing(data)?;
    let catalog = Catalog::open_read_only(&data_dir.catalog_path())?;
    let counts = catalog.item_counts_by_institution()?;
    let collections = catalog.collections()?;
    for institution in catalog.institutions()? {
        println!(
            "{}\t{}\t{}\t{} items",
            institution.id,
            institution.name_zh,
            institution.kind.as_str(),
            counts.get(&institution.id).copied().unwrap_or(0)
        );
        for collection in collections
            .iter()
            .filter(|collection| collection.institution_id == institution.id)
        {
            println!("  {}\t{}", collection.id, collection.name_zh);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_reindex(data: &Path) -> anyhow::Result<ExitCode> {
    let data_dir = DataDir::open_existing(data)?;
    let _lock = data_dir.lock_for_writing()?;
    let mut catalog = Catalog::open(&data_dir.catalog_path())?;
    let cancel = cancel_on_interrupt("reindex")?;
    let progress = Progress::new("reindex");
    let report =
        wenyuan_index::search::indexer::rebuild(&data_dir, &mut catalog, &progress, &cancel)?;
    if report.cancelled {
        eprintln!(
            "reindex cancelled after {} items: the new index was thrown away, the one before is still in use",
            report.indexed
        );
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }
    eprintln!(
        "indexed {} items ({} deleted records skipped)",
        report.indexed, report.tombstones
    );
    Ok(ExitCode::SUCCESS)
}
