//! `wenyuan search`: the web site's search, printed.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use wenyuan_index::DataDir;
use wenyuan_index::search::snippet::Highlighted;
use wenyuan_index::search::{
    Leniency, MAX_LIMIT, Relaxation, SearchIndex, SearchParams, Suggestion, SuggestionKind,
};

/// Runs one search and prints it.
pub fn run_search(
    data: &Path,
    query: &str,
    filters: &[String],
    sort: &str,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let data_dir = DataDir::open_existing(data)?;
    let index = SearchIndex::open_or_create(&data_dir.index_dir())
        .context("cannot open the search index")?;
    // The one request model of every face, strict as the API is.
    let mut params = SearchParams::new(Leniency::Strict);
    // Any query runs, however long: the index cuts an overlong one and
    // says so (`query_was_fallback`), as it always has here.
    params.query = query.trim().to_string();
    params
        .accept("sort", sort)
        .map_err(|message| anyhow::anyhow!("--sort: {message}"))?;
    for filter in filters {
        params
            .accept("filter", filter)
            .map_err(|message| anyhow::anyhow!("--filter: {message} (facet=value)"))?;
    }
    let mut request = params.request(true);
    request.limit = limit.clamp(1, MAX_LIMIT);
    if limit > MAX_LIMIT {
        eprintln!("note: showing the first {MAX_LIMIT} hits, the most one search returns");
    }
    let results = index.search(&request)?;
    if json {
        let hits: Vec<serde_json::Value> = results
            .hits
            .iter()
            .map(|hit| {
                serde_json::json!({
                    "id": hit.id,
                    "title": hit.title,
                    "title_marked": hit.title_highlight.marked(),
                    "creators": hit.creators,
                    "snippet": hit.snippet.as_ref().map(Highlighted::plain_text),
                    "institution": hit.institution,
                    "institution_id": hit.institution_id,
                    "collection_id": hit.collection_id,
                    "access": hit.access.as_str(),
                    "date": hit.date,
                    "type": hit.item_type,
                    "score": hit.score,
                })
            })
            .collect();
        let facets: serde_json::Map<String, serde_json::Value> = results
            .facets
            .iter()
            .map(|facet| (facet.name.clone(), serde_json::json!(facet.values)))
            .collect();
        let output = serde_json::json!({
            "total": results.total,
            "query_was_fallback": results.query_was_fallback,
            "relaxed": results.relaxed.as_ref().map(|relaxation| serde_json::json!({
                "dropped": relaxation.dropped,
                "any_word": relaxation.any_word,
            })),
            "hits": hits,
            "facets": facets,
            "suggestions": results.suggestions.iter().map(|suggestion| serde_json::json!({
                "kind": suggestion.kind.name(),
                "q": suggestion.query,
                "filters": suggestion.filters.iter()
                    .map(|(name, value)| format!("{name}={value}"))
                    .collect::<Vec<_>>(),
                "total": suggestion.total,
            })).collect::<Vec<_>>(),
            "next_cursor": results.next_cursor,
        });
        println!("{}", serde_json::to_string_pretty(&output)?);
        return Ok(ExitCode::SUCCESS);
    }
    let emphasis = std::io::stdout().is_terminal();
    println!("{} results", results.total);
    if let Some(relaxation) = &results.relaxed {
        println!("{}", relaxation_note(relaxation));
    }
    for suggestion in &results.suggestions {
        println!("{}", suggestion_line(suggestion));
    }
    for (rank, hit) in results.hits.iter().enumerate() {
        println!(
            "{:>3}. {}  [{}]",
            rank + 1,
            render(&hit.title_highlight, emphasis),
            hit.id
        );
        let creators = hit.creators.join("、");
        let details: Vec<&str> = [
            Some(creators.as_str()).filter(|creators| !creators.is_empty()),
            hit.institution.as_deref(),
            hit.date.as_deref(),
            hit.item_type.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !details.is_empty() {
            println!("     {}", details.join(" · "));
        }
        if let Some(snippet) = &hit.snippet {
            println!("     {}", render(snippet, emphasis));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Marks highlighted fragments with bold on a terminal, 【】 otherwise.
fn render(highlighted: &Highlighted, emphasis: bool) -> String {
    highlighted
        .fragments
        .iter()
        .map(|fragment| match (fragment.highlighted, emphasis) {
            (false, _) => fragment.text.clone(),
            (true, true) => format!("\u{1b}[1m{}\u{1b}[0m", fragment.text),
            (true, false) => format!("【{}】", fragment.text),
        })
        .collect()
}

/// A search that would find something (the site offers the same).
fn suggestion_line(suggestion: &Suggestion) -> String {
    let filters: Vec<String> = suggestion
        .filters
        .iter()
        .map(|(name, value)| format!("--filter {name}={value}"))
        .collect();
    let how = match suggestion.kind {
        SuggestionKind::Folded => "in simplified characters",
        SuggestionKind::Pinyin => "in pinyin",
        SuggestionKind::WithoutFilters => "without the filters",
    };
    let search = [format!("'{}'", suggestion.query)]
        .into_iter()
        .chain(filters)
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "did you mean {search} ({how}): {} results",
        suggestion.total
    )
}

/// What the search gave up to find something (the site says the same).
fn relaxation_note(relaxation: &Relaxation) -> String {
    let dropped = relaxation.dropped.join(", ");
    match (relaxation.dropped.is_empty(), relaxation.any_word) {
        (false, false) => format!("no record holds every word; these leave out: {dropped}"),
        (true, _) => {
            "no record holds every word; these hold some of them, those holding more first"
                .to_string()
        }
        (false, true) => format!(
            "no record holds every word; these leave out {dropped} and hold some of the other words"
        ),
    }
}
