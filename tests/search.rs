//! Search from the command line, kept in step with ingest, rebuilt by
//! `reindex` (issue #3).

use crate::util::{self, Sandbox, hit_ids};

fn poems_tree(sandbox: &Sandbox) {
    let sheet = "file,题名,责任者,主题,描述,日期\n\
                 a.png,靜夜思,李白,唐诗,床前明月光 疑是地上霜,唐\n\
                 b.png,春晓,孟浩然,唐诗,春眠不觉晓 处处闻啼鸟,唐\n\
                 c.png,王益区文化館藏品,王益区文化馆,文化馆,Yaozhou celadon bowl,1958年3月\n\
                 d.png,圖書館年鉴,区图书馆,图书馆,馆藏统计,民国二十年\n";
    sandbox.write("scans/metadata.csv", sheet);
    for (index, name) in ["a", "b", "c", "d"].iter().enumerate() {
        sandbox.write(&format!("scans/{name}.png"), util::png(40, 30, index as u8));
    }
}

#[test]
fn ingest_keeps_the_index_in_step_and_folds_scripts() {
    let sandbox = Sandbox::new();
    poems_tree(&sandbox);
    sandbox.ingest(&[]).0.expect_code(0);
    let title_of = |query: &str| -> Vec<String> {
        sandbox.search_json(&[query])["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|hit| hit["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(title_of("静夜思"), ["靜夜思"]);
    // A result line names its author, in --json and in text.
    let hit = &sandbox.search_json(&["静夜思"])["hits"][0];
    assert_eq!(hit["creators"], serde_json::json!(["李白"]), "{hit:#}");
    let text = sandbox.wenyuan(&["search", "静夜思"]);
    text.expect_code(0);
    assert!(text.stdout().contains("李白"), "{}", text.stdout());
    assert_eq!(title_of("文化馆"), ["王益区文化館藏品"]);
    assert_eq!(title_of("图书馆")[0], "圖書館年鉴");
    assert_eq!(title_of("libai"), ["靜夜思"]);
    assert_eq!(title_of("明月"), ["靜夜思"]);
    assert_eq!(title_of("celadon"), ["王益区文化館藏品"]);
    assert_eq!(sandbox.search_json(&["唐诗"])["total"], 2);
    let narrowed = sandbox.search_json(&["", "--filter", "year=1950-1959"]);
    assert_eq!(hit_ids(&narrowed).len(), 1, "{narrowed:#}");
    // A malformed query is never an error.
    for query in ["title:", "\"", "((", &"字".repeat(10_000)] {
        sandbox.search_json(&[query]);
    }
    // An unknown filter is a usage error, stated plainly.
    let run = sandbox.wenyuan(&["search", "x", "--filter", "colour=red"]);
    run.expect_code(2);
}

#[test]
fn reindex_from_the_catalogue_gives_the_same_results() {
    let sandbox = Sandbox::new();
    poems_tree(&sandbox);
    sandbox.ingest(&[]).0.expect_code(0);
    let queries = ["唐诗", "明月", "文化", "", "libai"];
    let before: Vec<Vec<String>> = queries
        .iter()
        .map(|query| hit_ids(&sandbox.search_json(&[query])))
        .collect();
    std::fs::remove_dir_all(sandbox.data().join("index")).unwrap();
    let run = sandbox.wenyuan(&["reindex"]);
    run.expect_code(0);
    assert!(run.stderr().contains("indexed 4 items"), "{}", run.stderr());
    let after: Vec<Vec<String>> = queries
        .iter()
        .map(|query| hit_ids(&sandbox.search_json(&[query])))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn a_changed_analyser_asks_for_a_reindex() {
    let sandbox = Sandbox::new();
    poems_tree(&sandbox);
    sandbox.ingest(&[]).0.expect_code(0);
    let version_file = std::fs::read_dir(sandbox.data().join("index"))
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .find(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .contains("version")
        })
        .expect("the index records its analyser version");
    std::fs::write(&version_file, "an older analyser\n").unwrap();
    let run = sandbox.wenyuan(&["search", "唐诗"]);
    run.expect_code(2);
    assert!(run.stderr().contains("wenyuan reindex"), "{}", run.stderr());
    sandbox.wenyuan(&["reindex"]).expect_code(0);
    assert_eq!(sandbox.search_json(&["唐诗"])["total"], 2);
}

/// Issue #14: on the demo archive, the queries the issue names find what
/// they find with spaces (each was 0 results as one phrase), in one call
/// of `wenyuan search` as on the site.
#[test]
fn demo_queries_typed_without_spaces_find_what_they_name() {
    let sandbox = Sandbox::new();
    sandbox.demo();
    for (typed, spaced) in [
        ("黄堡镇的老照片", "黄堡镇 老照片"),
        ("耀州窑的碗", "耀州窑 碗"),
        ("秦腔演出海报", "秦腔 演出 海报"),
        ("同官县志乾隆", "同官县志 乾隆"),
        ("黃堡鎮的老照片", "黄堡镇 老照片"),
    ] {
        let found = sandbox.search_json(&[typed]);
        let expected = sandbox.search_json(&[spaced]);
        assert!(expected["total"].as_u64().unwrap() > 0, "{spaced}");
        assert_eq!(found["total"], expected["total"], "{typed}");
        let mut found_ids = hit_ids(&found);
        let mut expected_ids = hit_ids(&expected);
        found_ids.sort();
        expected_ids.sort();
        assert_eq!(found_ids, expected_ids, "{typed}");
        assert!(found["relaxed"].is_null(), "{typed}: {found:#}");
        let phrase = sandbox.search_json(&[&format!("\"{typed}\"")]);
        assert_eq!(phrase["total"], 0, "{typed} as one phrase");
    }
    // A word the archive lacks is given up, and the answer says so.
    let relaxed = sandbox.search_json(&["耀州窑的碗飞机"]);
    assert_eq!(relaxed["relaxed"]["dropped"], serde_json::json!(["飞机"]));
    assert!(relaxed["total"].as_u64().unwrap() > 0);
    let printed = sandbox.wenyuan(&["search", "耀州窑的碗飞机"]);
    printed.expect_code(0);
    assert!(
        printed.stdout().contains("leave out: 飞机"),
        "{}",
        printed.stdout()
    );
}

/// Percent-decodes a URL's query component.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'%' if at + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[at + 1..at + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                at += 3;
            }
            b'+' => {
                out.push(b' ');
                at += 1;
            }
            byte => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// The pairs of a site-relative link's query, decoded.
fn link_pairs(link: &str) -> Vec<(String, String)> {
    let query = link.replace("&amp;", "&").replace("&#38;", "&");
    let query = query.split_once('?').map(|(_, query)| query).unwrap_or("");
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// Every `attribute="…"` value inside the elements of `html` that start
/// with `opening`.
fn attribute_values(html: &str, opening: &str, attribute: &str) -> Vec<String> {
    html.match_indices(opening)
        .filter_map(|(at, _)| {
            let rest = &html[at..];
            let end = rest.find('>')?;
            let tag = &rest[..end];
            let start = tag.find(&format!("{attribute}=\""))? + attribute.len() + 2;
            let length = tag[start..].find('"')?;
            Some(tag[start..start + length].to_string())
        })
        .collect()
}

/// A facet value and its count: (facet, value, count).
type FacetCount = (String, String, u64);

/// What the results page shows of a search.
struct PageAnswer {
    ids: Vec<String>,
    total: u64,
    facets: Vec<FacetCount>,
    /// The query of each suggested search.
    suggestions: Vec<String>,
}

/// Reads a results page.
fn page_answer(html: &str) -> PageAnswer {
    let ids = attribute_values(html, "<a class=\"hit-title\"", "href")
        .iter()
        .map(|href| href.trim_start_matches("/items/").to_string())
        .collect();
    let count = html
        .split("<p class=\"result-count\" role=\"status\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the page says how many");
    let total = count
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(0);
    // A facet value is a link adding `f=NAME:VALUE`, then its count.
    let mut facets = Vec::new();
    if let Some(aside) = html.split("<aside class=\"facets\"").nth(1) {
        for entry in aside.split("<li><a ").skip(1) {
            let href = attribute_values(&format!("<a {entry}"), "<a ", "href")[0].clone();
            let count: u64 = entry
                .split("<span class=\"count\">")
                .nth(1)
                .and_then(|rest| rest.split('<').next())
                .unwrap()
                .parse()
                .unwrap();
            if entry.starts_with("class=\"facet-selected\"") {
                continue;
            }
            let added = link_pairs(&href)
                .into_iter()
                .rfind(|(name, _)| name == "f")
                .expect("a facet link adds a filter")
                .1;
            let (name, value) = added.split_once(':').unwrap();
            facets.push((name.to_string(), value.to_string(), count));
        }
    }
    let suggestions = html
        .split("<ul class=\"suggestions\">")
        .nth(1)
        .map(|list| {
            attribute_values(list.split("</ul>").next().unwrap(), "<a ", "href")
                .iter()
                .map(|href| {
                    link_pairs(href)
                        .into_iter()
                        .find(|(name, _)| name == "q")
                        .map(|(_, value)| value)
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    PageAnswer {
        ids,
        total,
        facets,
        suggestions,
    }
}

/// One request model behind every face (issue #15): the same search asked of
/// `wenyuan search`, `/api/v1/search` and `/search` gives the same hits,
/// total, facet counts and suggestions.
#[test]
fn the_page_the_api_and_the_command_line_answer_alike() {
    let sandbox = Sandbox::new();
    sandbox.demo();
    let server = crate::http::Server::start(&sandbox);
    type Filters<'a> = &'a [(&'a str, &'a str)];
    let searches: [(&str, Filters, &str); 6] = [
        ("耀州窑", &[], "relevance"),
        ("黄堡镇的老照片", &[], "relevance"),
        ("", &[("type", "照片")], "date_desc"),
        ("耀州窑", &[("place", "火星")], "relevance"),
        ("腰州", &[], "relevance"),
        ("瓷", &[("year", "1950-1959")], "title"),
    ];
    let mut with_suggestions = 0;
    for (query, filters, sort) in searches {
        let context = format!("q={query} filters={filters:?} sort={sort}");
        let mut args = vec![query.to_string(), "--sort".into(), sort.into()];
        args.extend(["--limit".to_string(), "20".to_string()]);
        for (name, value) in filters {
            args.extend(["--filter".to_string(), format!("{name}={value}")]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let cli = sandbox.search_json(&args);

        let mut api_path = format!(
            "/api/v1/search?q={}&sort={sort}&facet_limit=20",
            crate::http::encode(query)
        );
        let mut page_path = format!("/search?q={}&sort={sort}", crate::http::encode(query));
        for (name, value) in filters {
            let filter = crate::http::encode(&format!("{name}:{value}"));
            api_path.push_str(&format!("&filter={filter}"));
            page_path.push_str(&format!("&f={filter}"));
        }
        let api = server.get(&api_path);
        assert_eq!(api.status, 200, "{context}: {}", api.text());
        let api = api.json();
        let page = server.get(&page_path);
        assert_eq!(page.status, 200, "{context}");
        let PageAnswer {
            ids: page_ids,
            total: page_total,
            facets: page_facets,
            suggestions: page_suggestions,
        } = page_answer(&page.text());

        // Hits and totals.
        let api_ids: Vec<String> = api["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(api_ids, hit_ids(&cli), "{context}: API and CLI hits");
        assert_eq!(page_ids, api_ids, "{context}: page and API hits");
        assert_eq!(api["total"], cli["total"], "{context}: totals");
        assert_eq!(
            page_total,
            cli["total"].as_u64().unwrap(),
            "{context}: page total"
        );

        // Facets: the API's and the CLI's counts are one table; the page
        // shows the same values with the same counts.
        let mut api_facets = Vec::new();
        for facet in api["facets"].as_array().unwrap() {
            for value in facet["values"].as_array().unwrap() {
                api_facets.push((
                    facet["name"].as_str().unwrap().to_string(),
                    value["value"].as_str().unwrap().to_string(),
                    value["count"].as_u64().unwrap(),
                ));
            }
        }
        let mut cli_facets = Vec::new();
        for (name, values) in cli["facets"].as_object().unwrap() {
            for pair in values.as_array().unwrap() {
                cli_facets.push((
                    name.clone(),
                    pair[0].as_str().unwrap().to_string(),
                    pair[1].as_u64().unwrap(),
                ));
            }
        }
        api_facets.sort();
        cli_facets.sort();
        assert_eq!(api_facets, cli_facets, "{context}: facet counts");
        assert!(
            page_facets.len() > 1 || page_total == 0,
            "{context}: the page shows facets"
        );
        for shown in &page_facets {
            assert!(
                api_facets.contains(shown),
                "{context}: the page shows {shown:?}, which the API does not count"
            );
        }
        let shown_values = api_facets
            .iter()
            .filter(|(name, value, _)| {
                !filters.contains(&(name.as_str(), value.as_str()))
                    && page_facets
                        .iter()
                        .any(|(page_name, _, _)| page_name == name)
            })
            .count();
        assert_eq!(
            page_facets.len(),
            shown_values,
            "{context}: facet values shown"
        );

        // Suggestions.
        let suggested = |list: &serde_json::Value| -> Vec<String> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|suggestion| suggestion["q"].as_str().unwrap().to_string())
                .collect()
        };
        let cli_suggestions = suggested(&cli["suggestions"]);
        assert_eq!(suggested(&api["suggestions"]), cli_suggestions, "{context}");
        assert_eq!(
            page_suggestions, cli_suggestions,
            "{context}: page suggestions"
        );
        with_suggestions += usize::from(!cli_suggestions.is_empty());
    }
    // The table holds searches with and without a suggestion.
    assert_eq!(
        with_suggestions, 2,
        "耀州窑 without 火星, and 腰州 → yaozhou"
    );
}
