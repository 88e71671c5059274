//! Search from the command line, kept in step with ingest, rebuilt by
//! `reindex` (issue #3).

use crate::util::{self, Sandbox};

fn search_json(sandbox: &Sandbox, args: &[&str]) -> serde_json::Value {
    let mut full = vec!["search"];
    full.extend_from_slice(args);
    full.push("--json");
    let run = sandbox.wenyuan(&full);
    run.expect_code(0);
    serde_json::from_str(&run.stdout()).expect("search --json prints JSON")
}

fn hit_ids(results: &serde_json::Value) -> Vec<String> {
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["id"].as_str().unwrap().to_string())
        .collect()
}

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
        search_json(&sandbox, &[query])["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|hit| hit["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(title_of("静夜思"), ["靜夜思"]);
    // A result line names its author, in --json and in text.
    let hit = &search_json(&sandbox, &["静夜思"])["hits"][0];
    assert_eq!(hit["creators"], serde_json::json!(["李白"]), "{hit:#}");
    let text = sandbox.wenyuan(&["search", "静夜思"]);
    text.expect_code(0);
    assert!(text.stdout().contains("李白"), "{}", text.stdout());
    assert_eq!(title_of("文化馆"), ["王益区文化館藏品"]);
    assert_eq!(title_of("图书馆")[0], "圖書館年鉴");
    assert_eq!(title_of("libai"), ["靜夜思"]);
    assert_eq!(title_of("明月"), ["靜夜思"]);
    assert_eq!(title_of("celadon"), ["王益区文化館藏品"]);
    assert_eq!(search_json(&sandbox, &["唐诗"])["total"], 2);
    let narrowed = search_json(&sandbox, &["", "--filter", "year=1950-1959"]);
    assert_eq!(hit_ids(&narrowed).len(), 1, "{narrowed:#}");
    // A malformed query is never an error.
    for query in ["title:", "\"", "((", &"字".repeat(10_000)] {
        search_json(&sandbox, &[query]);
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
        .map(|query| hit_ids(&search_json(&sandbox, &[query])))
        .collect();
    std::fs::remove_dir_all(sandbox.data().join("index")).unwrap();
    let run = sandbox.wenyuan(&["reindex"]);
    run.expect_code(0);
    assert!(run.stderr().contains("indexed 4 items"), "{}", run.stderr());
    let after: Vec<Vec<String>> = queries
        .iter()
        .map(|query| hit_ids(&search_json(&sandbox, &[query])))
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
    assert_eq!(search_json(&sandbox, &["唐诗"])["total"], 2);
}

/// Issue #14: on the demo archive, the queries the issue names find what
/// they find with spaces (each was 0 results as one phrase), in one call
/// of `wenyuan search` as on the site.
#[test]
fn demo_queries_typed_without_spaces_find_what_they_name() {
    let sandbox = Sandbox::new();
    // The demo's own default folder is ./wenyuan-demo: name the sandbox's.
    let data = sandbox.data();
    sandbox
        .wenyuan(&["demo", "--no-serve", "--data", data.to_str().unwrap()])
        .expect_code(0);
    for (typed, spaced) in [
        ("黄堡镇的老照片", "黄堡镇 老照片"),
        ("耀州窑的碗", "耀州窑 碗"),
        ("秦腔演出海报", "秦腔 演出 海报"),
        ("同官县志乾隆", "同官县志 乾隆"),
        ("黃堡鎮的老照片", "黄堡镇 老照片"),
    ] {
        let found = search_json(&sandbox, &[typed]);
        let expected = search_json(&sandbox, &[spaced]);
        assert!(expected["total"].as_u64().unwrap() > 0, "{spaced}");
        assert_eq!(found["total"], expected["total"], "{typed}");
        let mut found_ids = hit_ids(&found);
        let mut expected_ids = hit_ids(&expected);
        found_ids.sort();
        expected_ids.sort();
        assert_eq!(found_ids, expected_ids, "{typed}");
        assert!(found["relaxed"].is_null(), "{typed}: {found:#}");
        let phrase = search_json(&sandbox, &[&format!("\"{typed}\"")]);
        assert_eq!(phrase["total"], 0, "{typed} as one phrase");
    }
    // A word the archive lacks is given up, and the answer says so.
    let relaxed = search_json(&sandbox, &["耀州窑的碗飞机"]);
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
