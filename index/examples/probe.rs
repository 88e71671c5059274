use std::time::Instant;
use tantivy::collector::{Count, TopDocs};
use tantivy::{Index, TantivyDocument};
use wenyuan_index::search::{SearchIndex, SearchRequest, query::build_query, schema::build_schema};

fn main() {
    let idx = std::env::var("IDX").unwrap_or("/var/tmp/sb/index".into());
    let dir = std::path::Path::new(&idx);
    let ours = SearchIndex::open_or_create(dir).unwrap();
    let index = Index::open_in_dir(dir).unwrap();
    wenyuan_index::search::tokenizer::warm_up();
    for (name, a) in [
        (
            "zh_words",
            tantivy::tokenizer::TextAnalyzer::from(wenyuan_index::search::tokenizer::ZhWords),
        ),
        (
            "zh_grams",
            tantivy::tokenizer::TextAnalyzer::from(wenyuan_index::search::tokenizer::ZhGrams),
        ),
        (
            "pinyin",
            tantivy::tokenizer::TextAnalyzer::from(
                wenyuan_index::search::tokenizer::PinyinTokenizer,
            ),
        ),
    ] {
        index.tokenizers().register(name, a);
    }
    let reader = index.reader().unwrap();
    let searcher = reader.searcher();
    let (_, fields) = build_schema();
    let queries: Vec<String> = std::fs::read_to_string("/var/tmp/sb/queries.jsonl")
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["q"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    if std::env::var("PROFILE").is_ok() {
        let n: usize = std::env::var("PROFILE").unwrap().parse().unwrap();
        let facets = std::env::var("FACETS").is_ok();
        for _ in 0..200 {
            for q in queries.iter().filter(|q| q.chars().count() == n) {
                std::hint::black_box(
                    ours.search(&SearchRequest {
                        facets,
                        ..SearchRequest::new(q.clone())
                    })
                    .unwrap(),
                );
            }
        }
        return;
    }
    let mut rows = vec![];
    for q in &queries {
        let mut t = [u64::MAX; 5];
        for _ in 0..4 {
            let s = Instant::now();
            let r = ours
                .search(&SearchRequest {
                    facets: false,
                    ..SearchRequest::new(q.clone())
                })
                .unwrap();
            t[0] = t[0].min(s.elapsed().as_nanos() as u64);
            std::hint::black_box(r);
            let s = Instant::now();
            let r = ours
                .search(&SearchRequest {
                    facets: false,
                    limit: 0,
                    ..SearchRequest::new(q.clone())
                })
                .unwrap();
            t[4] = t[4].min(s.elapsed().as_nanos() as u64);
            std::hint::black_box(r);
            let built = build_query(q, &fields);
            let s = Instant::now();
            let top = searcher
                .search(&*built.query, &TopDocs::with_limit(20).order_by_score())
                .unwrap();
            t[1] = t[1].min(s.elapsed().as_nanos() as u64);
            let s = Instant::now();
            let c = searcher.search(&*built.query, &Count).unwrap();
            t[2] = t[2].min(s.elapsed().as_nanos() as u64);
            let s = Instant::now();
            for (_, addr) in &top {
                let d: TantivyDocument = searcher.doc(*addr).unwrap();
                std::hint::black_box(d);
            }
            t[3] = t[3].min(s.elapsed().as_nanos() as u64);
            std::hint::black_box(c);
        }
        rows.push((q.clone(), t));
    }
    for n in 1..=4 {
        let sel: Vec<_> = rows
            .iter()
            .filter(|(q, _)| q.chars().count() == n)
            .collect();
        let mut line = format!("len {n}:");
        for (k, name) in ["ours", "topdocs", "count", "docs", "limit0"]
            .iter()
            .enumerate()
        {
            let mut v: Vec<u64> = sel.iter().map(|(_, t)| t[k]).collect();
            v.sort();
            line += &format!(
                " {name} p50 {:.3} p95 {:.3} |",
                v[v.len() / 2] as f64 / 1e6,
                v[v.len() * 95 / 100] as f64 / 1e6
            );
        }
        println!("{line}");
    }
}
