//! The server side of the HTTP rows of the benchmark suite (see
//! `bench/README.md`; run through `bench/run`, which drives `wrk`).
//!
//! Two subcommands:
//!
//! - `prepare <data-dir> <queries-out> [<docs.jsonl>]` catalogues the
//!   corpus the HTTP rows search into an archive that already exists (the
//!   demo archive): the poems of `docs.jsonl` (written by the search
//!   benchmark's `prepare` when the poem corpus is present) or, without it,
//!   generated pseudo-poems (`wenyuan_index::testing::holdings::poems`), and
//!   in both cases the generated local holdings as their full records.
//!   Every record goes through the catalogue's one write path
//!   (`Catalog::write_batch`), so `wenyuan reindex` indexes them as it
//!   would any item. It writes the queries the wrk script cycles through to
//!   `<queries-out>` (one JSON object a line, `{"q", "chars"}`): 1–4
//!   consecutive CJK characters cut from the catalogued texts by a
//!   fixed-seed generator, every third one folded to simplified, as the
//!   search benchmark makes its queries. Prints a JSON summary.
//! - `serve <data-dir>` opens the archive exactly as `wenyuan serve` does
//!   (`AppState::open`, the real `router` through `wenyuan_web::serve`) on
//!   one port, and a hello-world axum route (`async fn() -> &'static str`)
//!   on a second port, both on one tokio multi-threaded runtime with
//!   default settings (one worker per core, as `wenyuan serve` builds it).
//!   Prints `{"ours": PORT, "hello": PORT}` and serves until it is killed.

use std::fs;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use wenyuan_index::DataDir;
use wenyuan_index::catalog::{Catalog, ItemWrite};
use wenyuan_index::model::{
    AccessLevel, Collection, DcElement, InstitutionKind, Item, ItemRecord, Metadata,
};
use wenyuan_index::testing::holdings::{holdings, poems, venues};
use wenyuan_index::testing::{cut_queries, venue};
use wenyuan_web::{AppState, SiteConfig};

type Fail = Box<dyn std::error::Error>;

/// The allocator of the `wenyuan` binary (src/main.rs), so the server
/// measured here allocates as `wenyuan serve` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Generated local holdings catalogued beside the poems (the search
/// benchmark's seed and count, so they are the same records).
const HOLDINGS: usize = 600;
const HOLDINGS_SEED: u64 = 0x5eed_0014;
/// Pseudo-poems generated when the poem corpus is absent.
const GENERATED_POEMS: usize = 5000;
const GENERATED_POEMS_SEED: u64 = 0x5eed_0015;
/// Queries per length (lengths 1–4) for the wrk script.
const QUERIES_PER_LENGTH: usize = 75;
/// Records written per catalogue transaction.
const BATCH: usize = 1000;
/// The venue of the corpus poems. Its names are ASCII, as the search
/// benchmark's facet values are, so that no query matches them.
const POEM_VENUE: &str = "bench-library";
/// The collections of `docs.jsonl` that are poems.
const POEM_COLLECTIONS: [&str; 3] = ["tang", "songci", "yuanqu"];

async fn hello() -> &'static str {
    "Hello, world!"
}

fn main() -> Result<(), Fail> {
    // `cargo bench` passes `--bench`; ignore flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["prepare", data, queries] => prepare(Path::new(data), Path::new(queries), None),
        ["prepare", data, queries, docs] => {
            prepare(Path::new(data), Path::new(queries), Some(Path::new(docs)))
        }
        ["serve", data] => serve(PathBuf::from(data)),
        _ => {
            eprintln!(
                "usage: http prepare <data-dir> <queries-out> [<docs.jsonl>] | http serve <data-dir>\n\
                 (normally run through bench/run)"
            );
            Ok(())
        }
    }
}

fn str_field(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// A poem of `docs.jsonl` as the search benchmark catalogues it: title,
/// creator, the text as description, the dynasty's years; type and
/// language in ASCII.
fn poem_record(doc: &Value) -> ItemRecord {
    let id = str_field(doc, "id");
    let mut metadata = Metadata::default();
    metadata.push(DcElement::Title, [str_field(doc, "title")]);
    metadata.push(DcElement::Creator, [str_field(doc, "creator")]);
    metadata.push(DcElement::Description, [str_field(doc, "text")]);
    metadata.push(DcElement::Date, [str_field(doc, "date")]);
    metadata.push(DcElement::Type, ["Text".to_string()]);
    metadata.push(DcElement::Language, ["zh".to_string()]);
    ItemRecord {
        item: Item {
            source_key: format!("corpus/{id}"),
            id,
            institution_id: Some(POEM_VENUE.to_string()),
            collection_id: Some(str_field(doc, "collection")),
            access: AccessLevel::Public,
            metadata,
            created_at: 1_700_000_000,
            updated_at: 1_700_000_000,
            deleted_at: None,
        },
        files: Vec::new(),
    }
}

/// The records to catalogue: the corpus poems (or generated ones) and the
/// generated holdings.
fn corpus_records(docs: Option<&Path>) -> Result<Vec<ItemRecord>, Fail> {
    let mut records = Vec::new();
    match docs {
        Some(path) => {
            for line in BufReader::new(fs::File::open(path)?).lines() {
                let doc: Value = serde_json::from_str(&line?)?;
                if POEM_COLLECTIONS.contains(&str_field(&doc, "collection").as_str()) {
                    records.push(poem_record(&doc));
                }
            }
        }
        None => records.extend(
            poems(GENERATED_POEMS_SEED, GENERATED_POEMS)
                .into_iter()
                .map(|poem| poem.record),
        ),
    }
    records.extend(
        holdings(HOLDINGS_SEED, HOLDINGS)
            .into_iter()
            .map(|holding| holding.record),
    );
    Ok(records)
}

/// The searchable text of a record: its title, creators and description.
fn searchable_text(record: &ItemRecord) -> Vec<char> {
    let metadata = &record.item.metadata;
    [DcElement::Title, DcElement::Creator, DcElement::Description]
        .into_iter()
        .flat_map(|element| metadata.values(element).to_vec())
        .collect::<Vec<_>>()
        .join("\n")
        .chars()
        .collect()
}

/// 1–4 consecutive CJK characters cut from the records' texts, every third
/// one folded to simplified; no query twice.
fn queries_from(records: &[ItemRecord]) -> Vec<String> {
    let texts: Vec<Vec<char>> = records.iter().map(searchable_text).collect();
    cut_queries(&texts, QUERIES_PER_LENGTH, 0x4854_5450_5155_4552)
}

fn prepare(data: &Path, queries_out: &Path, docs: Option<&Path>) -> Result<(), Fail> {
    let data_dir = DataDir::open_existing(data)?;
    let _lock = data_dir.lock_for_writing()?;
    let mut catalog = Catalog::open(&data_dir.catalog_path())?;
    let mut poem_venue = venue(POEM_VENUE, "Bench Library", InstitutionKind::Library);
    poem_venue.name_en = Some("Bench Library".to_string());
    for institution in venues().iter().chain([&poem_venue]) {
        catalog.upsert_institution(institution)?;
    }
    for id in POEM_COLLECTIONS {
        catalog.upsert_collection(&Collection {
            id: id.to_string(),
            institution_id: POEM_VENUE.to_string(),
            name_zh: id.to_string(),
            name_en: Some(id.to_string()),
            description: None,
        })?;
    }

    let records = corpus_records(docs)?;
    for batch in records.chunks(BATCH) {
        let writes: Vec<ItemWrite> = batch
            .iter()
            .map(|record| ItemWrite {
                fingerprint: format!("bench-http/{}", record.item.id),
                record: record.clone(),
            })
            .collect();
        catalog.write_batch(&writes)?;
    }

    let queries = queries_from(&records);
    let mut writer = BufWriter::new(fs::File::create(queries_out)?);
    for query in &queries {
        writeln!(
            writer,
            "{}",
            json!({"q": query, "chars": query.chars().count()})
        )?;
    }
    writer.flush()?;
    println!(
        "{}",
        json!({
            "records": records.len(),
            "poems_from": if docs.is_some() { "corpus" } else { "generated" },
            "holdings": HOLDINGS,
            "queries": queries.len(),
        })
    );
    Ok(())
}

fn serve(data: PathBuf) -> Result<(), Fail> {
    let data_dir = DataDir::open_existing(data)?;
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
