//! Search benchmark over a corpus of classical poems (see `bench/README.md`;
//! run through `bench/run`, which also runs the SQLite FTS5 reference).
//!
//! Two subcommands, both printing one JSON object on stdout:
//!
//! - `prepare <corpus-jsonl-dir> <out-dir>`: reads `tang.jsonl`,
//!   `songci.jsonl` and `yuanqu.jsonl` (decompressed by the script), writes
//!   the exact documents both engines index (`docs.jsonl`) and the query set
//!   (`queries.jsonl`: 1–4 CJK characters sampled deterministically from the
//!   poems, with the brute-force substring truth, raw and folded).
//!   It also mixes in generated local holdings (photos, ceramics, posters,
//!   chronicles, recordings: `wenyuan_index::testing::holdings`, as the
//!   exploratory-query test does), flattened into `docs.jsonl` for the
//!   reference, and writes their exploratory queries (`explore.jsonl`: 2–4
//!   words typed without spaces, with the ids of the relevant records).
//! - `run <out-dir> <index-dir>`: builds the index from `docs.jsonl` (the
//!   rebuild writer, one commit, one segment, as `wenyuan reindex` does;
//!   the holdings as their full records), measures its size, its wall and
//!   CPU time (all threads) and the writer's indexing threads, then times every
//!   query at limit 20 with facets off and on, and the exploratory queries
//!   with facets on, keeping the first 20 ids of each.
//!
//! A poem becomes an item without files: title (rhythmic for ci), creator
//! (author) and the joined paragraphs as description (a catalogue record
//! whose text was typed in, not extracted from a file).

use std::fs;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};
use wenyuan_index::model::{AccessLevel, DcElement, Item, ItemRecord, Metadata, item_id_for};
use wenyuan_index::search::tokenizer::{fold, warm_up};
use wenyuan_index::search::{IndexDocument, SearchIndex, SearchRequest};
use wenyuan_index::testing::cut_queries;
use wenyuan_index::testing::holdings::{Holding, exploratory_queries, holdings, venues};

/// The allocator of the `wenyuan` binary (src/main.rs), so the code measured
/// here allocates as `wenyuan reindex` and `wenyuan serve` allocate.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Queries per length (lengths 1–4).
const QUERIES_PER_LENGTH: usize = 60;
/// Timed passes over the query list (after one untimed warm-up pass).
const PASSES: usize = 3;
/// Hits per query, as on the site.
const LIMIT: usize = 20;

/// Generated local holdings mixed into the poems, and their queries.
const HOLDINGS: usize = 600;
const HOLDINGS_SEED: u64 = 0x5eed_0014;
const EXPLORATORY: usize = 80;
const EXPLORATORY_SEED: u64 = 7;
/// The collection the holdings are given in `docs.jsonl`.
const HOLDINGS_COLLECTION: &str = "holdings";

/// The corpus files: (file, collection, title key, dynasty years).
const SOURCES: [(&str, &str, &str, &str); 3] = [
    ("tang.jsonl", "tang", "title", "618-907"),
    ("songci.jsonl", "songci", "rhythmic", "960-1279"),
    ("yuanqu.jsonl", "yuanqu", "title", "1271-1368"),
];

type Fail = Box<dyn std::error::Error>;

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
        ["prepare", corpus, out] => prepare(Path::new(corpus), Path::new(out)),
        ["run", out, index] => run(Path::new(out), Path::new(index)),
        _ => {
            eprintln!(
                "usage: search prepare <corpus-jsonl-dir> <out-dir> | search run <out-dir> <index-dir>\n\
                 (normally run through bench/run)"
            );
            Ok(())
        }
    }
}

/// One document as both engines see it.
struct Doc {
    id: String,
    collection: String,
    title: String,
    creator: String,
    text: String,
    date: String,
}

fn str_field(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn read_docs(path: &Path) -> Result<Vec<Doc>, Fail> {
    let mut docs = Vec::new();
    for line in BufReader::new(fs::File::open(path)?).lines() {
        let value: Value = serde_json::from_str(&line?)?;
        docs.push(Doc {
            id: str_field(&value, "id"),
            collection: str_field(&value, "collection"),
            title: str_field(&value, "title"),
            creator: str_field(&value, "creator"),
            text: str_field(&value, "text"),
            date: str_field(&value, "date"),
        });
    }
    Ok(docs)
}

fn prepare(corpus: &Path, out: &Path) -> Result<(), Fail> {
    fs::create_dir_all(out)?;
    let mut docs = Vec::new();
    for (file, collection, title_key, date) in SOURCES {
        let path = corpus.join(file);
        for (n, line) in BufReader::new(fs::File::open(&path)?).lines().enumerate() {
            let value: Value = serde_json::from_str(&line?)?;
            let paragraphs: Vec<&str> = value
                .get("paragraphs")
                .and_then(Value::as_array)
                .map(|array| array.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            docs.push(Doc {
                id: item_id_for(&format!("{collection}/{n}")),
                collection: collection.to_string(),
                title: str_field(&value, title_key),
                creator: str_field(&value, "author"),
                text: paragraphs.join("\n").trim().to_string(),
                date: date.to_string(),
            });
        }
    }
    let local = holdings(HOLDINGS_SEED, HOLDINGS);
    docs.extend(local.iter().map(flattened));
    let mut writer = BufWriter::new(fs::File::create(out.join("docs.jsonl"))?);
    for doc in &docs {
        let line = json!({
            "id": doc.id, "collection": doc.collection, "title": doc.title,
            "creator": doc.creator, "text": doc.text, "date": doc.date,
        });
        writeln!(writer, "{line}")?;
    }
    writer.flush()?;

    let explore = exploratory_queries(&local, EXPLORATORY_SEED, EXPLORATORY);
    let mut writer = BufWriter::new(fs::File::create(out.join("explore.jsonl"))?);
    for query in &explore {
        let mut relevant: Vec<&String> = query.relevant.iter().collect();
        relevant.sort();
        let line = json!({"q": query.text, "template": query.template, "relevant": relevant});
        writeln!(writer, "{line}")?;
    }
    writer.flush()?;

    // Queries: 1–4 consecutive CJK characters from a random poem's text, as
    // written (traditional for Tang poems, simplified for the others); every
    // third one folded to simplified, so traditional poems are also looked
    // for in simplified script.
    let texts: Vec<Vec<char>> = docs.iter().map(|doc| doc.text.chars().collect()).collect();
    let queries = cut_queries(&texts, QUERIES_PER_LENGTH, 0x5745_4e59_5541_4e31);

    // Truth by brute force: documents whose text (title, creator, poem)
    // contains the query, as written (what an engine without folding can
    // find) and after folding both sides (what a reader expects).
    let raw: Vec<String> = docs
        .iter()
        .map(|d| format!("{}\n{}\n{}", d.title, d.creator, d.text))
        .collect();
    let folded: Vec<String> = raw.iter().map(|text| fold(text)).collect();
    let mut writer = BufWriter::new(fs::File::create(out.join("queries.jsonl"))?);
    let mut traditional = 0;
    for query in &queries {
        let folded_query = fold(query);
        let is_traditional = folded_query != *query;
        traditional += usize::from(is_traditional);
        let truth_raw = raw.iter().filter(|t| t.contains(query.as_str())).count();
        let truth_folded = folded
            .iter()
            .filter(|t| t.contains(folded_query.as_str()))
            .count();
        let line = json!({
            "q": query, "chars": query.chars().count(), "traditional": is_traditional,
            "truth_raw": truth_raw, "truth_folded": truth_folded,
        });
        writeln!(writer, "{line}")?;
    }
    writer.flush()?;
    println!(
        "{}",
        json!({
            "docs": docs.len(), "holdings": local.len(), "queries": queries.len(),
            "traditional_queries": traditional, "exploratory_queries": explore.len(),
        })
    );
    Ok(())
}

/// A generated holding as the reference sees it: title, creators, and every
/// other value (subjects, places, dates, description, extra fields) as text.
fn flattened(holding: &Holding) -> Doc {
    let metadata = &holding.record.item.metadata;
    let mut text = Vec::new();
    for (element, values) in &metadata.dc {
        if !matches!(element, DcElement::Title | DcElement::Creator) {
            text.extend(values.iter().map(String::as_str));
        }
    }
    for values in metadata.extra.values() {
        text.extend(values.iter().map(String::as_str));
    }
    Doc {
        id: holding.record.item.id.clone(),
        collection: HOLDINGS_COLLECTION.to_string(),
        title: metadata.values(DcElement::Title).join("\n"),
        creator: metadata.values(DcElement::Creator).join("\n"),
        text: text.join("\n"),
        date: metadata.values(DcElement::Date).join("\n"),
    }
}

fn record_of(doc: &Doc) -> ItemRecord {
    let mut metadata = Metadata::default();
    metadata.push(DcElement::Title, [doc.title.clone()]);
    metadata.push(DcElement::Creator, [doc.creator.clone()]);
    metadata.push(DcElement::Description, [doc.text.clone()]);
    metadata.push(DcElement::Date, [doc.date.clone()]);
    // ASCII values only, so that no query matches them.
    metadata.push(DcElement::Type, ["Text".to_string()]);
    metadata.push(DcElement::Language, ["zh".to_string()]);
    ItemRecord {
        item: Item {
            id: doc.id.clone(),
            source_key: format!("corpus/{}", doc.id),
            institution_id: Some("bench-library".to_string()),
            collection_id: Some(doc.collection.clone()),
            access: AccessLevel::Public,
            metadata,
            created_at: 1_700_000_000,
            updated_at: 1_700_000_000,
            deleted_at: None,
        },
        files: Vec::new(),
    }
}

fn dir_bytes(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_bytes(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

/// CPU time (user + sys) of this process so far, all its threads, from
/// `/proc/self/stat` (fields 14 and 15, in clock ticks of 1/100 s: the
/// kernel's USER_HZ).
fn process_cpu_seconds() -> Result<f64, Fail> {
    let stat = fs::read_to_string("/proc/self/stat")?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after_name = stat.rsplit_once(')').ok_or("no ')' in /proc/self/stat")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |n: usize| -> Result<f64, Fail> {
        Ok(fields
            .get(n)
            .ok_or("short /proc/self/stat")?
            .parse::<f64>()?)
    };
    // fields[0] is field 3 (state), so utime (14) and stime (15) are 11 and 12.
    Ok((ticks(11)? + ticks(12)?) / 100.0)
}

/// The names of this process's threads (`/proc/self/task/*/comm`).
fn thread_names() -> Result<Vec<String>, Fail> {
    let mut names = Vec::new();
    for task in fs::read_dir("/proc/self/task")? {
        let comm = fs::read_to_string(task?.path().join("comm"))?;
        names.push(comm.trim().to_string());
    }
    Ok(names)
}

fn run(out: &Path, index_dir: &Path) -> Result<(), Fail> {
    let docs = read_docs(&out.join("docs.jsonl"))?;
    let queries: Vec<String> = BufReader::new(fs::File::open(out.join("queries.jsonl"))?)
        .lines()
        .map(|line| -> Result<String, Fail> {
            let value: Value = serde_json::from_str(&line?)?;
            Ok(str_field(&value, "q"))
        })
        .collect::<Result<_, _>>()?;
    // The holdings as their full records (subjects, places, extra fields),
    // drawn again from the same seed; the poems from their documents.
    let local = holdings(HOLDINGS_SEED, HOLDINGS);
    let venues = venues();
    let mut records: Vec<ItemRecord> = Vec::with_capacity(docs.len());
    let mut next_holding = local.iter();
    for doc in &docs {
        if doc.collection == HOLDINGS_COLLECTION {
            let holding = next_holding
                .next()
                .ok_or("docs.jsonl has more holdings than drawn")?;
            if holding.record.item.id != doc.id {
                return Err(format!(
                    "holding {} is not the one prepared ({})",
                    holding.record.item.id, doc.id
                )
                .into());
            }
            records.push(holding.record.clone());
        } else {
            records.push(record_of(doc));
        }
    }
    let explore: Vec<String> = BufReader::new(fs::File::open(out.join("explore.jsonl"))?)
        .lines()
        .map(|line| -> Result<String, Fail> {
            let value: Value = serde_json::from_str(&line?)?;
            Ok(str_field(&value, "q"))
        })
        .collect::<Result<_, _>>()?;
    if fs::exists(index_dir)? {
        fs::remove_dir_all(index_dir)?;
    }
    // The jieba dictionary is loaded once per process; not part of the build.
    warm_up();

    let started = Instant::now();
    let started_cpu = process_cpu_seconds()?;
    let index = SearchIndex::create_fresh(index_dir)?;
    let mut writer = index.rebuild_writer()?;
    for record in &records {
        let institution = venues
            .iter()
            .find(|venue| Some(&venue.id) == record.item.institution_id.as_ref());
        writer.upsert(&IndexDocument {
            record,
            institution,
            collection_name: None,
            thumbnail: None,
        })?;
    }
    let added_s = started.elapsed().as_secs_f64();
    // The writer's indexing threads, as tantivy names them (comm is cut to
    // 15 bytes: "thrd-tantivy-in"), for the table's note; counted once they
    // have all run, before the commit ends them.
    let indexing_threads = thread_names()?
        .iter()
        .filter(|name| name.starts_with("thrd-tantivy-in"))
        .count();
    writer.finish_rebuild()?;
    eprintln!(
        "phases: adds {added_s:.2}s, commit+merge {:.2}s",
        started.elapsed().as_secs_f64() - added_s
    );
    let build_s = started.elapsed().as_secs_f64();
    let build_cpu_s = process_cpu_seconds()? - started_cpu;
    let size_bytes = dir_bytes(index_dir)?;
    let num_docs = index.num_docs();

    let search = |query: &str, facets: bool| -> Result<(u64, usize), Fail> {
        let request = SearchRequest {
            limit: LIMIT,
            facets,
            ..SearchRequest::new(query)
        };
        let started = Instant::now();
        let results = index.search(&request)?;
        let nanos = started.elapsed().as_nanos() as u64;
        std::hint::black_box(&results);
        Ok((nanos, results.total))
    };
    // Warm-up pass, then timed passes over all the queries, facets off and
    // on in turn (which first alternates), so that each search follows a
    // different query, as on the reference's side: timing on right after
    // off with the same query ran on caches off had just filled.
    let mut hits = Vec::new();
    for query in &queries {
        hits.push(search(query, true)?.1);
    }
    let mut off: Vec<Vec<u64>> = vec![Vec::new(); queries.len()];
    let mut on: Vec<Vec<u64>> = vec![Vec::new(); queries.len()];
    for pass in 0..PASSES {
        let modes = if pass % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for facets in modes {
            for (i, query) in queries.iter().enumerate() {
                let samples = if facets { &mut on } else { &mut off };
                samples[i].push(search(query, facets)?.0);
            }
        }
    }
    // The exploratory queries, facets on as on the site: a warm-up pass
    // that keeps each query's first ids and whether it was relaxed, then
    // timed passes.
    let mut explore_hits = Vec::new();
    let mut explore_ids = Vec::new();
    let mut explore_relaxed = 0;
    for query in &explore {
        let results = index.search(&SearchRequest {
            limit: LIMIT,
            facets: true,
            ..SearchRequest::new(query)
        })?;
        explore_relaxed += usize::from(results.relaxed.is_some());
        explore_hits.push(results.total);
        explore_ids.push(
            results
                .hits
                .into_iter()
                .map(|hit| hit.id)
                .collect::<Vec<_>>(),
        );
    }
    let mut explore_lat: Vec<Vec<u64>> = vec![Vec::new(); explore.len()];
    for _ in 0..PASSES {
        for (i, query) in explore.iter().enumerate() {
            explore_lat[i].push(search(query, true)?.0);
        }
    }
    let result = json!({
        "engine": "ours",
        "docs": num_docs,
        "build_s": build_s,
        "docs_per_s": records.len() as f64 / build_s,
        "build_cpu_s": build_cpu_s,
        "docs_per_cpu_s": records.len() as f64 / build_cpu_s,
        "indexing_threads": indexing_threads,
        "size_bytes": size_bytes,
        "hits": hits,
        "lat_ns": off,
        "lat_facets_ns": on,
        "holdings": local.len(),
        "explore_hits": explore_hits,
        "explore_ids": explore_ids,
        "explore_relaxed": explore_relaxed,
        "explore_lat_ns": explore_lat,
    });
    println!("{result}");
    Ok(())
}
