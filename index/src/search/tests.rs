//! End-to-end tests of the search index over records generated in code.

use std::collections::{BTreeMap, HashSet};

use super::tokenizer::{fold, is_cjk};
use super::*;
use crate::model::{
    AccessLevel, InstitutionKind, Item, ItemFile, Metadata, StorageMode, TechMetadata,
};

mod fuzz;

use crate::testing::{Rng, venue as institution};

fn record(id: &str, dc: &[(DcElement, &str)], text: Option<&str>) -> ItemRecord {
    let mut metadata = Metadata::default();
    for (element, value) in dc {
        metadata.push(*element, [value.to_string()]);
    }
    let files = text
        .map(|text| {
            vec![ItemFile {
                seq: 1,
                digest: "0".repeat(64),
                size: 1,
                media_type: "text/plain".into(),
                source_path: format!("{id}.txt"),
                source_mtime_ns: 0,
                storage: StorageMode::Copy,
                tech: TechMetadata::default(),
                derivatives: Vec::new(),
                text: Some(text.into()),
                ocr_words: Vec::new(),
            }]
        })
        .unwrap_or_default();
    ItemRecord {
        item: Item {
            id: id.into(),
            source_key: id.into(),
            institution_id: None,
            collection_id: None,
            access: AccessLevel::Public,
            metadata,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        },
        files,
    }
}

fn index_of(records: &[ItemRecord]) -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    let mut writer = index.writer().unwrap();
    for record in records {
        writer
            .upsert(&IndexDocument {
                record,
                institution: None,
                collection_name: None,
                thumbnail: None,
            })
            .unwrap();
    }
    writer.commit().unwrap();
    index
}

fn ids(index: &SearchIndex, query: &str) -> Vec<String> {
    let mut request = SearchRequest::new(query);
    request.limit = 100;
    let mut found: Vec<String> = index
        .search(&request)
        .unwrap()
        .hits
        .into_iter()
        .map(|hit| hit.id)
        .collect();
    found.sort();
    found
}

fn small_corpus() -> SearchIndex {
    use DcElement::*;
    index_of(&[
        record(
            "poem",
            &[
                (Title, "靜夜思"),
                (Creator, "李白"),
                (Description, "床前明月光，疑是地上霜。"),
            ],
            None,
        ),
        record(
            "moon",
            &[(Title, "明月几时有"), (Description, "明月照大江，月光如水")],
            None,
        ),
        record(
            "hall",
            &[(Title, "王益区文化館活动照片"), (Subject, "群众文化")],
            None,
        ),
        record(
            "lib",
            &[(Title, "少儿图书馆新馆"), (Description, "區圖書館藏書目录")],
            None,
        ),
        record(
            "kiln",
            &[
                (Title, "耀州窑青瓷刻花碗"),
                (Description, "Yaozhou celadon bowl, Song dynasty"),
                (Coverage, "黄堡镇"),
            ],
            None,
        ),
        record(
            "code",
            &[(Title, "档案 ABC123"), (Description, "Café records")],
            None,
        ),
        record(
            "heritage",
            &[(Title, "文化遗产保护"), (Creator, "王益")],
            None,
        ),
        record("gone", &[(Title, "静夜思 已删除")], None),
    ])
}

#[test]
fn traditional_and_simplified_find_each_other() {
    let index = small_corpus();
    assert_eq!(ids(&index, "静夜思"), vec!["gone", "poem"]);
    assert_eq!(ids(&index, "靜夜思"), vec!["gone", "poem"]);
    assert_eq!(ids(&index, "文化馆"), vec!["hall"]);
    assert_eq!(ids(&index, "文化館"), vec!["hall"]);
    assert_eq!(ids(&index, "圖書館"), vec!["lib"]);
    assert_eq!(ids(&index, "图书馆"), vec!["lib"]);

    let results = index.search(&SearchRequest::new("图书馆")).unwrap();
    let hit = &results.hits[0];
    assert_eq!(hit.title_highlight.marked(), vec!["图书馆"]);
    let snippet = hit.snippet.as_ref().unwrap();
    assert_eq!(snippet.marked(), vec!["圖書館"], "{snippet:?}");
    let results = index.search(&SearchRequest::new("静夜思")).unwrap();
    let poem = results.hits.iter().find(|hit| hit.id == "poem").unwrap();
    assert_eq!(poem.title_highlight.marked(), vec!["靜夜思"]);
}

/// A hit's snippet comes from its description when the match is there,
/// else from the full text of its files, else it is the description's start.
#[test]
fn snippets_come_from_the_description_then_the_full_text() {
    use DcElement::*;
    let index = index_of(&[
        record(
            "both",
            &[(Title, "县志"), (Description, "耀州窑青瓷一件")],
            Some("卷一 耀州窑考"),
        ),
        record(
            "text",
            &[(Title, "县志"), (Description, "清代刻本")],
            Some("卷二 耀州窑沿革"),
        ),
        record(
            "title",
            &[(Title, "耀州窑"), (Description, "清代刻本")],
            None,
        ),
    ]);
    let results = index.search(&SearchRequest::new("耀州窑")).unwrap();
    let snippet = |id: &str| {
        let hit = results.hits.iter().find(|hit| hit.id == id).unwrap();
        let snippet = hit.snippet.as_ref().unwrap();
        (snippet.plain_text(), snippet.marked())
    };
    assert_eq!(snippet("both"), ("耀州窑青瓷一件".into(), vec!["耀州窑"]));
    assert_eq!(snippet("text"), ("卷二 耀州窑沿革".into(), vec!["耀州窑"]));
    assert_eq!(snippet("title"), ("清代刻本".into(), vec![]));
}

#[test]
fn short_queries_and_phrases_match_substrings_exactly() {
    let index = small_corpus();
    assert_eq!(ids(&index, "霜"), vec!["poem"]);
    assert_eq!(ids(&index, "明月"), vec!["moon", "poem"]);
    // "明月光" occurs only in the poem; "moon" has 明月 and 月光 apart.
    assert_eq!(ids(&index, "明月光"), vec!["poem"]);
    assert_eq!(ids(&index, "\"明月光\""), vec!["poem"]);
    assert_eq!(ids(&index, "文化"), vec!["hall", "heritage"]);
}

#[test]
fn pinyin_mixed_and_full_width_queries() {
    let index = small_corpus();
    assert_eq!(ids(&index, "libai"), vec!["poem"]);
    assert_eq!(ids(&index, "wangyi"), vec!["hall", "heritage"]);
    assert_eq!(ids(&index, "耀州窑 celadon"), vec!["kiln"]);
    assert_eq!(ids(&index, "Celadon"), vec!["kiln"]);
    assert_eq!(ids(&index, "ＡＢＣ１２３"), vec!["code"]);
    assert_eq!(ids(&index, "abc123"), vec!["code"]);
    assert_eq!(ids(&index, "cafe"), vec!["code"]);
    assert_eq!(ids(&index, "黄堡"), vec!["kiln"]);
}

#[test]
fn query_syntax() {
    let index = small_corpus();
    assert_eq!(ids(&index, "title:明月"), vec!["moon"]);
    assert_eq!(ids(&index, "明月 -几时"), vec!["poem"]);
    assert_eq!(ids(&index, "明月 NOT 几时"), vec!["poem"]);
    assert_eq!(ids(&index, "霜 OR 青瓷"), vec!["kiln", "poem"]);
    assert_eq!(ids(&index, "(霜 OR 青瓷) 李白"), vec!["poem"]);
    assert_eq!(ids(&index, "creator:王益"), vec!["heritage"]);
    assert_eq!(
        ids(&index, "-文化"),
        vec!["code", "gone", "kiln", "lib", "moon", "poem"]
    );
}

#[test]
fn malformed_queries_never_fail() {
    let index = small_corpus();
    let long = "明".repeat(10_000);
    let mixed = "(\"title: AND OR".repeat(700);
    for query in [
        "title:",
        "\"",
        "((",
        ")",
        "!!!",
        "，。、",
        "AND",
        "-",
        "date:不详",
        &long,
        &mixed,
        "\u{0}\u{feff}",
    ] {
        let results = index.search(&SearchRequest::new(query));
        assert!(results.is_ok(), "{query:?} failed: {results:?}");
    }
    let results = index.search(&SearchRequest::new("title:")).unwrap();
    assert!(results.query_was_fallback);
    let results = index.search(&SearchRequest::new("\"霜")).unwrap();
    assert!(results.query_was_fallback);
    assert_eq!(results.hits[0].id, "poem");
    assert!(
        index
            .search(&SearchRequest::new(long))
            .unwrap()
            .query_was_fallback
    );
}

#[test]
fn upsert_replaces_and_tombstones_disappear() {
    let index = small_corpus();
    let mut record = record("poem", &[(DcElement::Title, "春晓")], None);
    let mut writer = index.writer().unwrap();
    let doc = IndexDocument {
        record: &record,
        institution: None,
        collection_name: None,
        thumbnail: None,
    };
    writer.upsert(&doc).unwrap();
    writer.commit().unwrap();
    assert_eq!(ids(&index, "静夜思"), vec!["gone"]);
    assert_eq!(ids(&index, "春晓"), vec!["poem"]);
    record.item.deleted_at = Some(1);
    let doc = IndexDocument {
        record: &record,
        institution: None,
        collection_name: None,
        thumbnail: None,
    };
    writer.upsert(&doc).unwrap();
    writer.delete("gone").unwrap();
    writer.commit().unwrap();
    assert!(ids(&index, "春晓").is_empty());
    assert!(ids(&index, "静夜思").is_empty());
    assert_eq!(index.num_docs(), 6);
}

#[test]
fn on_disk_index_checks_the_analyser_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open_or_create(&path).unwrap();
        let record = record("a", &[(DcElement::Title, "铜川")], None);
        let mut writer = index.writer().unwrap();
        writer
            .upsert(&IndexDocument {
                record: &record,
                institution: None,
                collection_name: None,
                thumbnail: None,
            })
            .unwrap();
        writer.commit().unwrap();
    }
    let index = SearchIndex::open_or_create(&path).unwrap();
    assert_eq!(index.num_docs(), 1);
    drop(index);
    std::fs::write(path.join(VERSION_FILE), "wenyuan-analyser-0\n").unwrap();
    assert!(matches!(
        SearchIndex::open_or_create(&path),
        Err(Error::NeedsReindex)
    ));
    let index = SearchIndex::create_fresh(&path).unwrap();
    assert_eq!(index.num_docs(), 0);
    drop(index);
    assert!(SearchIndex::open_or_create(&path).is_ok());
}

#[test]
fn an_index_creation_killed_half_way_is_made_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    // What tantivy writes before meta.json, and a staging folder a killed
    // creation left beside it.
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join(".managed.json"), "[]").unwrap();
    std::fs::write(path.join(".tmpAbC123"), "").unwrap();
    std::fs::create_dir_all(dir.path().join(".index.creating")).unwrap();
    std::fs::write(dir.path().join(".index.creating/meta.json"), "{").unwrap();
    let index = SearchIndex::open_or_create(&path).unwrap();
    assert_eq!(index.num_docs(), 0);
    drop(index);
    assert!(!dir.path().join(".index.creating").exists());
    assert!(path.join(VERSION_FILE).is_file());
    assert!(SearchIndex::open_or_create(&path).is_ok());

    // A folder holding anything else is not ours to empty.
    let foreign = dir.path().join("photos");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("kiln.jpg"), "jpeg").unwrap();
    let refused = SearchIndex::open_or_create(&foreign);
    assert!(
        matches!(&refused, Err(Error::Invalid(message)) if message.contains("refusing")),
        "{:?}",
        refused.err()
    );
    assert!(foreign.join("kiln.jpg").is_file());
}

// ---------------------------------------------------------------------
// Generated corpus: recall, relevance, facets, sorting, cursors.

const CHARS: &str = "山水河川城乡镇村街巷桥塔寺庙宫殿楼阁亭台园林花草树木鸟兽虫鱼风雨雷电云雾霜雪春夏秋冬日月星辰金木水火土石玉瓷陶铜铁书画诗词歌赋琴棋笔墨纸砚窑碗盘瓶罐壶杯碑帖印章织绣剪纸皮影社火秧歌锣鼓戏曲民俗节庆婚丧农耕工匠商旅学堂医药王益黄堡耀州印台宜君陈炉药孙思邈照金玉华东西南北中上下左右新老古今大小长短高低红黄蓝白黑青紫绿";

const INSTITUTIONS: [(&str, &str, InstitutionKind); 5] = [
    ("shaoer", "王益区少儿图书馆", InstitutionKind::Library),
    ("museum", "王益区博物馆", InstitutionKind::Museum),
    ("hall", "王益区文化馆", InstitutionKind::CultureHall),
    (
        "huangbao",
        "黄堡镇综合文化站",
        InstitutionKind::CulturalStation,
    ),
    ("kiln", "耀州窑博物馆", InstitutionKind::Museum),
];

struct Corpus {
    records: Vec<ItemRecord>,
    institutions: Vec<Institution>,
    /// Per record: every searchable value, folded.
    texts: Vec<Vec<String>>,
}

fn words(rng: &mut Rng, chars: &[char], count: usize) -> Vec<String> {
    (0..count)
        .map(|_| {
            let len = 2 + rng.below(2);
            (0..len).map(|_| *rng.pick(chars)).collect()
        })
        .collect()
}

fn corpus(size: usize) -> Corpus {
    let chars: Vec<char> = CHARS.chars().collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let vocabulary = words(&mut rng, &chars, 3000);
    let institutions: Vec<Institution> = INSTITUTIONS
        .iter()
        .map(|(id, name, kind)| institution(id, name, *kind))
        .collect();
    let types = ["照片", "图书", "器物", "音频", "拓片"];
    let subjects = ["陶瓷", "民俗", "非遗", "地方志", "革命文物", "书画"];
    let places = ["黄堡镇", "王益区", "印台区", "宜君县", "陈炉古镇"];
    let languages = ["zh", "en", "zh-Hant"];
    let dates = [
        "1958",
        "1958-03",
        "民国二十年",
        "清光绪十年",
        "20世纪50年代",
        "唐",
        "1962年5月",
        "1975",
        "1980s",
        "不详",
    ];
    let accesses = [
        AccessLevel::Public,
        AccessLevel::Public,
        AccessLevel::MetadataOnly,
        AccessLevel::Restricted,
    ];
    let mut records = Vec::with_capacity(size);
    let mut texts = Vec::with_capacity(size);
    for n in 0..size {
        let id = format!("item{n:05}");
        let title_words: Vec<&String> = (0..3).map(|_| rng.pick(&vocabulary)).collect();
        let title = format!("{}{}·{}", title_words[0], title_words[1], title_words[2]);
        let description: String = (0..12)
            .map(|_| rng.pick(&vocabulary).as_str())
            .collect::<Vec<_>>()
            .join(if rng.below(2) == 0 { "" } else { "，" });
        let creator: String = (0..3).map(|_| *rng.pick(&chars)).collect();
        let fulltext: String = (0..20).map(|_| rng.pick(&vocabulary).as_str()).collect();
        let subject = *rng.pick(&subjects);
        let place = *rng.pick(&places);
        let mut dc = vec![
            (DcElement::Title, title.as_str()),
            (DcElement::Creator, creator.as_str()),
            (DcElement::Description, description.as_str()),
            (DcElement::Subject, subject),
            (DcElement::Coverage, place),
            (DcElement::Type, *rng.pick(&types)),
            (DcElement::Language, *rng.pick(&languages)),
            (DcElement::Date, *rng.pick(&dates)),
        ];
        if n % 7 == 0 {
            dc.push((DcElement::Subject, *rng.pick(&subjects)));
        }
        let access = *rng.pick(&accesses);
        let mut record = record(&id, &dc, Some(&fulltext));
        let institution = rng.below(institutions.len());
        record.item.institution_id = Some(institutions[institution].id.clone());
        record.item.collection_id = Some(format!("c{}", rng.below(3)));
        record.item.access = access;
        record.item.created_at = rng.below(1_000_000) as i64;
        // What the public may see is what is searchable: a restricted
        // item's citation only, files' text only where files are shown.
        let metadata = &record.item.metadata;
        let mut values: Vec<String> = metadata
            .dc
            .iter()
            .filter(|(element, _)| crate::access::shows_element(access, **element))
            .flat_map(|(_, values)| values)
            .map(|value| fold(value))
            .collect();
        values.push(fold(&institutions[institution].name_zh));
        if crate::access::shows_files(access) {
            values.push(fold(&fulltext));
        }
        texts.push(values);
        records.push(record);
    }
    Corpus {
        records,
        institutions,
        texts,
    }
}

/// Adds one corpus record to the index, with its venue.
fn upsert_record(writer: &mut IndexUpdater, corpus: &Corpus, record: &ItemRecord) {
    let institution = corpus
        .institutions
        .iter()
        .find(|institution| Some(&institution.id) == record.item.institution_id.as_ref());
    writer
        .upsert(&IndexDocument {
            record,
            institution,
            collection_name: None,
            thumbnail: Some("thumbs/x.jpg"),
        })
        .unwrap();
}

fn corpus_index(corpus: &Corpus) -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    let mut writer = index.writer().unwrap();
    for record in &corpus.records {
        upsert_record(&mut writer, corpus, record);
    }
    writer.commit().unwrap();
    index
}

#[test]
fn generated_corpus_recall_relevance_facets_and_paging() {
    let corpus = corpus(2000);
    let index = corpus_index(&corpus);
    assert_eq!(index.num_docs(), 2000);
    recall(&corpus, &index);
    relevance(&corpus, &index);
    facets(&corpus, &index);
    paging(&index);
}

/// The words an unquoted query requires, as the query builder cuts it.
fn required_words(query: &str) -> Vec<String> {
    let words = query::query_words(query);
    let content: Vec<String> = words
        .iter()
        .filter(|word| !word.particle)
        .map(|word| word.text.clone())
        .collect();
    if content.is_empty() {
        words.into_iter().map(|word| word.text).collect()
    } else {
        content
    }
}

/// Every document containing a random 1–4 character substring is found by
/// the quoted query, and nothing else; the same text unquoted finds exactly
/// the documents holding each of its words somewhere.
fn recall(corpus: &Corpus, index: &SearchIndex) {
    let mut rng = Rng(42);
    let mut checked = 0;
    let mut total_truth = 0;
    let mut several_words = 0;
    for round in 0..500 {
        let texts = &corpus.texts[rng.below(corpus.texts.len())];
        let value: Vec<char> = texts[rng.below(texts.len())].chars().collect();
        let len = 1 + rng.below(4);
        if value.len() < len {
            continue;
        }
        let start = rng.below(value.len() - len + 1);
        let query: String = value[start..start + len].iter().collect();
        if !query.chars().all(is_cjk) {
            continue;
        }
        let quoted = round % 2 == 0;
        let words = if quoted {
            vec![query.clone()]
        } else {
            required_words(&query)
        };
        let truth: HashSet<&str> = corpus
            .texts
            .iter()
            .zip(&corpus.records)
            .filter(|(values, _)| {
                words
                    .iter()
                    .all(|word| values.iter().any(|value| value.contains(word.as_str())))
            })
            .map(|(_, record)| record.item.id.as_str())
            .collect();
        if !quoted && words.len() > 1 {
            several_words += 1;
        }
        let text = if quoted {
            format!("\"{query}\"")
        } else {
            query.clone()
        };
        let mut request = SearchRequest::new(text);
        request.limit = 0;
        request.facets = false;
        let results = index.search(&request).unwrap();
        assert_eq!(results.total, truth.len(), "query {query}");
        checked += 1;
        total_truth += truth.len();
    }
    println!(
        "recall: {checked} queries ({several_words} cut into several words), \
         {total_truth} expected hits, all found, no extras"
    );
    assert!(checked > 250);
    assert!(
        several_words > 20,
        "only {several_words} queries of several words"
    );
}

/// Known-item queries: the two rarest title words rank their record first.
fn relevance(corpus: &Corpus, index: &SearchIndex) {
    let mut rng = Rng(7);
    let mut first = 0;
    let mut asked = 0;
    for _ in 0..200 {
        let record = &corpus.records[rng.below(corpus.records.len())];
        let title = record.item.display_title();
        let pieces: Vec<String> = title.split('·').map(str::to_string).collect();
        // "distinctive words": the title's last word and the word before the dot.
        let first_half: Vec<char> = pieces[0].chars().collect();
        let tail = &pieces[1];
        let head: String = first_half[first_half.len().saturating_sub(3)..]
            .iter()
            .collect();
        let query = format!("{head} {tail}");
        let results = index.search(&SearchRequest::new(&query)).unwrap();
        asked += 1;
        if results.hits.first().map(|hit| hit.id.as_str()) == Some(record.item.id.as_str()) {
            first += 1;
        }
    }
    let share = first as f64 * 100.0 / asked as f64;
    println!("relevance: {first}/{asked} known-item queries ranked first ({share:.1}%)");
    assert!(share >= 95.0, "known-item ranked first only {share:.1}%");
}

/// Facet counts computed from the records that pass `filter`.
fn expected_facets(
    corpus: &Corpus,
    filter: &dyn Fn(&ItemRecord) -> bool,
) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut counts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for record in corpus.records.iter().filter(|r| filter(r)) {
        let item = &record.item;
        let mut add = |name: &str, value: String| {
            *counts
                .entry(name.into())
                .or_default()
                .entry(value)
                .or_default() += 1;
        };
        let institution = item.institution_id.clone().unwrap();
        let kind = corpus
            .institutions
            .iter()
            .find(|i| i.id == institution)
            .unwrap()
            .kind;
        add("institution_kind", kind.as_str().into());
        add(
            "collection",
            format!("{institution}/{}", item.collection_id.clone().unwrap()),
        );
        add("institution", institution);
        // Facets count what the public may see (a restricted item's
        // subjects, places and languages are not in its citation).
        let distinct = |element| -> HashSet<String> {
            if !crate::access::shows_element(item.access, element) {
                return HashSet::new();
            }
            item.metadata.values(element).iter().cloned().collect()
        };
        for value in distinct(DcElement::Type) {
            add("type", value);
        }
        for value in distinct(DcElement::Subject) {
            add("subject", value);
        }
        for value in distinct(DcElement::Coverage) {
            add("place", value);
        }
        for value in distinct(DcElement::Language) {
            add("language", value);
        }
        add("access", item.access.as_str().into());
        if let Some((start, _)) = item
            .metadata
            .values(DcElement::Date)
            .iter()
            .find_map(|d| crate::dates::normalize_date(d))
        {
            let decade = start.div_euclid(10) * 10;
            add("year", format!("{}-{}", decade, decade + 9));
        }
    }
    counts
}

/// Facet counts equal counts computed from the records, with and without filters.
fn facets(corpus: &Corpus, index: &SearchIndex) {
    let expected = |filter: &dyn Fn(&ItemRecord) -> bool| expected_facets(corpus, filter);
    let actual = |request: &SearchRequest| -> BTreeMap<String, BTreeMap<String, u64>> {
        let results = index.search(request).unwrap();
        results
            .facets
            .into_iter()
            .filter(|facet| !facet.values.is_empty())
            .map(|facet| (facet.name, facet.values.into_iter().collect()))
            .collect()
    };
    let mut request = SearchRequest::new("");
    request.limit = 0;
    assert_eq!(actual(&request), expected(&|_| true));

    let mut request = SearchRequest::new("");
    request.filters = vec![
        ("institution".into(), "museum".into()),
        ("institution".into(), "kiln".into()),
        ("year".into(), "1950-1959".into()),
    ];
    let in_filter = |record: &ItemRecord| {
        let institution = record.item.institution_id.as_deref().unwrap();
        let year = record
            .item
            .metadata
            .values(DcElement::Date)
            .iter()
            .find_map(|d| crate::dates::normalize_date(d));
        matches!(institution, "museum" | "kiln")
            && year.is_some_and(|(start, _)| (1950..=1959).contains(&start))
    };
    let want = expected(&in_filter);
    let got = actual(&request);
    assert_eq!(got, want);
    let results = index.search(&request).unwrap();
    assert_eq!(
        results.total,
        corpus.records.iter().filter(|r| in_filter(r)).count()
    );

    let mut request = SearchRequest::new("");
    request.filters = vec![("no_such_facet".into(), "x".into())];
    assert!(index.search(&request).unwrap_err().is_user_error());
    println!("facets: all 9 facets match direct counts (unfiltered and filtered)");
}

/// Every hit of `request`, following its cursors page by page.
fn walk_cursors(index: &SearchIndex, mut request: SearchRequest) -> Vec<Hit> {
    let mut hits = Vec::new();
    loop {
        let page = index.search(&request).unwrap();
        hits.extend(page.hits);
        match page.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => return hits,
        }
    }
}

/// The ids of one page of `request`: `limit` hits from `offset`, facets off.
fn page_ids(
    index: &SearchIndex,
    request: SearchRequest,
    offset: usize,
    limit: usize,
) -> Vec<String> {
    let request = SearchRequest {
        offset,
        limit,
        facets: false,
        ..request
    };
    index
        .search(&request)
        .unwrap()
        .hits
        .into_iter()
        .map(|hit| hit.id)
        .collect()
}

/// Cursor pages walk every result once, in the same order as offset pages.
fn paging(index: &SearchIndex) {
    for sort in [
        Sort::Relevance,
        Sort::DateAsc,
        Sort::DateDesc,
        Sort::Title,
        Sort::Recent,
    ] {
        let mut request = SearchRequest::new("山");
        request.sort = sort;
        request.facets = false;
        request.limit = 37;
        let total = index.search(&request).unwrap().total;
        let seen: Vec<String> = walk_cursors(index, request.clone())
            .into_iter()
            .map(|hit| hit.id)
            .collect();
        let distinct: HashSet<&String> = seen.iter().collect();
        assert_eq!(seen.len(), total, "{sort:?}");
        assert_eq!(distinct.len(), total, "{sort:?}");
        // Offset paging gives the same order.
        let page = page_ids(index, request, 37, 37);
        assert_eq!(page, seen[37..74], "{sort:?}");
    }
    // Dates ascending really ascend, undated last.
    let mut request = SearchRequest::new("");
    request.sort = Sort::DateAsc;
    request.limit = 200;
    let dates: Vec<Option<i32>> = index
        .search(&request)
        .unwrap()
        .hits
        .iter()
        .map(|hit| {
            hit.date
                .as_deref()
                .and_then(crate::dates::normalize_date)
                .map(|r| r.0)
        })
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by_key(|d| d.unwrap_or(i32::MAX));
    assert_eq!(dates, sorted);
    // A tampered cursor is a user error, not a panic.
    let mut request = SearchRequest::new("山");
    request.cursor = Some("r-garbage".into());
    assert!(index.search(&request).unwrap_err().is_user_error());
    println!("paging: cursors and offsets agree for all five sort orders");
}

/// One word alone is ranked without scoring every match (`ranked.rs`):
/// over several segments with deleted documents, its totals and facets are
/// exact, the pruned first page is the start of the cursor walk, and the
/// walk shows every match once. A segment per venue, as ingesting one
/// venue's folders makes: their venue facets are columns of one value, and
/// their collections come in runs.
#[test]
fn one_word_queries_agree_on_every_path() {
    one_word_queries_agree(&|record| record.item.collection_id.clone().unwrap_or_default());
}

/// [`one_word_queries_agree_on_every_path`] with each venue's items in
/// date order, so that their decades come in runs.
#[test]
fn one_word_queries_agree_with_decades_in_runs() {
    one_word_queries_agree(&|record| {
        let year = record
            .item
            .metadata
            .values(DcElement::Date)
            .iter()
            .find_map(|date| crate::dates::normalize_date(date))
            .map(|(start, _)| start);
        // Undated last; years as text that sorts like the numbers.
        format!("{:07}", year.map_or(9_999_999, |year| year + 1_000_000))
    });
}

/// The checks of [`one_word_queries_agree_on_every_path`], each venue's
/// items indexed in the order of `order`.
fn one_word_queries_agree(order: &dyn Fn(&ItemRecord) -> String) {
    let corpus = corpus(2000);
    let index = SearchIndex::in_memory().unwrap();
    let mut writer = index.writer().unwrap();
    let upsert = |writer: &mut IndexUpdater, record| upsert_record(writer, &corpus, record);
    let mut by_venue: Vec<&ItemRecord> = corpus.records.iter().collect();
    by_venue.sort_by_key(|record| (record.item.institution_id.clone(), order(record)));
    for (n, record) in by_venue.iter().enumerate() {
        upsert(&mut writer, record);
        let venue = |record: &ItemRecord| record.item.institution_id.clone();
        if by_venue
            .get(n + 1)
            .is_none_or(|next| venue(next) != venue(record))
        {
            writer.commit().unwrap();
        }
    }
    // Every tenth item again: its old copy is deleted in an older segment.
    for record in corpus.records.iter().step_by(10) {
        upsert(&mut writer, record);
    }
    writer.commit().unwrap();
    assert_eq!(index.num_docs(), 2000);
    let segments = index.reader.searcher().segment_readers().len();
    let deleted: u32 = index
        .reader
        .searcher()
        .segment_readers()
        .iter()
        .map(|segment| segment.num_deleted_docs())
        .sum();
    assert!(
        segments > 1 && deleted > 0,
        "{segments} segments, {deleted} deleted"
    );

    let chars: Vec<char> = CHARS.chars().collect();
    let mut rng = Rng(99);
    for round in 0..24 {
        let len = 1 + round % 2;
        let query: String = (0..len).map(|_| *rng.pick(&chars)).collect();
        let matching: HashSet<&str> = corpus
            .texts
            .iter()
            .zip(&corpus.records)
            .filter(|(values, _)| values.iter().any(|value| value.contains(&fold(&query))))
            .map(|(_, record)| record.item.id.as_str())
            .collect();

        let mut request = SearchRequest::new(&query);
        request.limit = 25;
        let first = index.search(&request).unwrap();
        assert_eq!(first.total, matching.len(), "{query}");
        let facets: BTreeMap<String, BTreeMap<String, u64>> = first
            .facets
            .iter()
            .filter(|facet| !facet.values.is_empty())
            .map(|facet| (facet.name.clone(), facet.values.iter().cloned().collect()))
            .collect();
        let mut want = expected_facets(&corpus, &|record| {
            matching.contains(record.item.id.as_str())
        });
        // The index returns the 20 largest values per facet (years: all).
        for (name, values) in want.iter_mut() {
            if name != "year" && values.len() > 20 {
                let mut sorted: Vec<(String, u64)> = values.clone().into_iter().collect();
                sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                *values = sorted.into_iter().take(20).collect();
            }
        }
        assert_eq!(facets, want, "{query}");

        // Walk with cursors, 25 at a time.
        request.facets = false;
        let walked: Vec<(String, f32)> = walk_cursors(&index, request)
            .into_iter()
            .map(|hit| (hit.id, hit.score))
            .collect();
        let ids: Vec<&str> = walked.iter().map(|(id, _)| id.as_str()).collect();
        let distinct: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(distinct, matching, "{query}: the walk shows every match");
        assert_eq!(ids.len(), matching.len(), "{query}: and each once");
        assert!(
            walked.windows(2).all(|pair| pair[0].1 >= pair[1].1),
            "{query}: scores never rise along the walk"
        );
        let first_ids: Vec<&str> = first.hits.iter().map(|hit| hit.id.as_str()).collect();
        assert_eq!(first_ids, ids[..first_ids.len()], "{query}");
        // An offset page is the same stretch of the walk.
        let page = page_ids(&index, SearchRequest::new(&query), 10, 30);
        let end = ids.len().min(40);
        assert_eq!(page, ids[10.min(end)..end], "{query}");

        // The pruned passes and the single walk agree to the last bit.
        pruned_and_walked_agree(&index, &query);
    }
}

/// The pruned passes of a one-word query and the single walk of its
/// matches agree to the last bit: totals, hits and scores, facets, at
/// several page sizes, with and without a cursor.
fn pruned_and_walked_agree(index: &SearchIndex, query: &str) {
    let fields = &index.fields;
    let built = query::build_query(query, fields);
    let alternatives = built.alternatives.as_deref().unwrap();
    let searcher = index.reader.searcher();
    // First pages of several sizes, then pages after a cursor.
    let first_pages =
        [(1, false), (20, true), (25, false)].map(|(limit, facets)| (limit, facets, false));
    let with_cursor =
        [(7, true), (25, false), (3000, false)].map(|(limit, facets)| (limit, facets, true));
    let mut cursor = None;
    for (limit, facets, follow) in first_pages.into_iter().chain(with_cursor) {
        let run = |prune_above| {
            // No columns given: each segment opens its own.
            let collection = ranked::collect_pruning_above(
                (&searcher, &[]),
                alternatives,
                (limit, cursor, facets),
                prune_above,
            )
            .unwrap();
            let top: Vec<(u64, u64, u32)> = collection
                .top
                .iter()
                .map(|hit| (hit.key.primary, hit.key.tie, hit.score.to_bits()))
                .collect();
            let facets: Vec<BTreeMap<String, u64>> = collection
                .facets
                .into_iter()
                .map(|counts| counts.into_iter().collect())
                .collect();
            (
                collection.total,
                collection.after_cursor,
                top,
                facets,
                collection.top,
            )
        };
        let (pruned, walked) = (run(0), run(u64::MAX));
        assert_eq!(pruned.0, walked.0, "{query}: totals");
        assert_eq!(pruned.1, walked.1, "{query}: after the cursor");
        assert_eq!(pruned.2, walked.2, "{query}: hits and scores");
        assert_eq!(pruned.3, walked.3, "{query}: facets");
        if follow {
            cursor = walked.4.get(limit / 2).map(|hit| hit.key);
        }
    }
}

/// A character in nearly every text and in few titles: the first page is
/// pruned from a floor the titles set (`ranked`), and still agrees with
/// the walk of every match, with deleted documents in the older segment.
#[test]
fn a_floor_from_the_titles_keeps_every_hit() {
    let chars: Vec<char> = "山水云月风花雪夜春秋江河湖海天地人心古今书画诗酒茶琴棋鸟林"
        .chars()
        .collect();
    let mut rng = Rng(7);
    let records: Vec<ItemRecord> = (0..1500)
        .map(|n| {
            let title: String = (0..1 + rng.below(2)).map(|_| *rng.pick(&chars)).collect();
            let text: String = (0..10 + rng.below(40)).map(|_| *rng.pick(&chars)).collect();
            record(
                &format!("i{n}"),
                &[(DcElement::Title, &title), (DcElement::Description, &text)],
                None,
            )
        })
        .collect();
    let index = index_of(&records);
    let mut writer = index.writer().unwrap();
    for record in records.iter().step_by(7) {
        let doc = IndexDocument {
            record,
            institution: None,
            collection_name: None,
            thumbnail: None,
        };
        writer.upsert(&doc).unwrap();
    }
    writer.commit().unwrap();
    assert_eq!(index.num_docs(), 1500);
    for c in &chars[..8] {
        pruned_and_walked_agree(&index, &c.to_string());
    }
}

/// Issue #14: queries typed as people type them — several words without
/// spaces, some with 的, some in traditional characters — find the records
/// they name among a few thousand poems holding the same characters.
#[test]
fn exploratory_queries_find_what_they_name() {
    use crate::testing::holdings::{exploratory_queries, holdings, poems, to_traditional, venues};
    let local = holdings(0x5eed_0014, 600);
    let background = poems(0x0001_40e5, 3000);
    let venues = venues();
    let index = SearchIndex::in_memory().unwrap();
    let mut writer = index.writer().unwrap();
    for holding in local.iter().chain(&background) {
        let institution = venues
            .iter()
            .find(|venue| Some(&venue.id) == holding.record.item.institution_id.as_ref());
        writer
            .upsert(&IndexDocument {
                record: &holding.record,
                institution,
                collection_name: None,
                thumbnail: None,
            })
            .unwrap();
    }
    writer.commit().unwrap();

    let queries = exploratory_queries(&local, 7, 80);
    assert!(queries.len() >= 60, "only {} queries", queries.len());
    let (mut first, mut top3, mut zero, mut traditional, mut relaxed) = (0, 0, 0, 0, 0);
    let mut zero_as_phrase = 0;
    for query in &queries {
        if query.text != fold(&query.text) {
            traditional += 1;
            // The traditional spelling folds back to what the template wrote.
            assert_eq!(to_traditional(&fold(&query.text)), query.text);
        }
        let results = index.search(&SearchRequest::new(&query.text)).unwrap();
        relaxed += usize::from(results.relaxed.is_some());
        let rank = results
            .hits
            .iter()
            .position(|hit| query.relevant.contains(&hit.id));
        if std::env::var_os("WENYUAN_SHOW_QUERIES").is_some() {
            println!(
                "{} -> {} hits, relevant at {rank:?}, relaxed {:?}: {:?}",
                query.text,
                results.total,
                results.relaxed,
                results
                    .hits
                    .iter()
                    .take(3)
                    .map(|hit| &hit.title)
                    .collect::<Vec<_>>()
            );
        }
        match rank {
            Some(0) => first += 1,
            Some(_) => {}
            None => println!(
                "no relevant record in the first 20 for {} ({}): {} hits, first {:?}",
                query.text,
                query.template,
                results.total,
                results.hits.first().map(|hit| &hit.title)
            ),
        }
        top3 += usize::from(rank.is_some_and(|rank| rank < 3));
        zero += usize::from(results.total == 0);
        // What the query found before it was cut into words: the run as one phrase.
        let as_phrase = index
            .search(&SearchRequest::new(format!("\"{}\"", query.text)))
            .unwrap();
        zero_as_phrase += usize::from(as_phrase.total == 0);
    }
    let share = |n: usize| n as f64 * 100.0 / queries.len() as f64;
    println!(
        "exploratory: {} queries ({traditional} traditional, {relaxed} relaxed): \
         relevant first {:.1}%, in the top 3 {:.1}%, zero results {zero} \
         (as one phrase, as before issue #14: {zero_as_phrase})",
        queries.len(),
        share(first),
        share(top3)
    );
    assert_eq!(zero, 0, "queries with no result");
    assert!(traditional >= 15, "only {traditional} traditional queries");

    // Known items still come first: a line of a poem, a record's full title,
    // typed without quotes (reciprocal rank of the first hit with that text).
    let mut rng = Rng(0x14);
    let mut reciprocal = 0.0;
    let asked = 100;
    for n in 0..asked {
        let (holding, query) = if n % 2 == 0 {
            let poem = rng.pick(&background);
            let text = poem
                .record
                .item
                .metadata
                .first(DcElement::Description)
                .unwrap();
            let lines: Vec<&str> = text.split('，').collect();
            (poem, rng.pick(&lines).to_string())
        } else {
            let holding = rng.pick(&local);
            (holding, holding.record.item.display_title().to_string())
        };
        let results = index.search(&SearchRequest::new(&query)).unwrap();
        // A record with the same title is as good (titles repeat: 耀州志).
        let rank = results.hits.iter().position(|hit| {
            hit.id == holding.record.item.id
                || (n % 2 == 1 && hit.title == holding.record.item.display_title())
        });
        reciprocal += rank.map_or(0.0, |rank| 1.0 / (rank + 1) as f64);
    }
    let mrr = reciprocal / asked as f64;
    println!("known items: {asked} lines and titles typed without quotes, MRR {mrr:.3}");
    assert!(mrr >= 0.98, "known-item MRR {mrr:.3}");
    assert!(
        share(first) >= 90.0,
        "relevant first only {:.1}%",
        share(first)
    );
    assert!(
        share(top3) >= 95.0,
        "relevant in the top 3 only {:.1}%",
        share(top3)
    );
}

/// Records of a culture hall for the tests of runs of several words.
fn hall_records() -> SearchIndex {
    use DcElement::*;
    let mut records = vec![
        record(
            "opera-poster",
            &[
                (Title, "1958年秦腔演出海报"),
                (Subject, "秦腔"),
                (Type, "海报"),
            ],
            None,
        ),
        record(
            "opera-recording",
            &[(Title, "秦腔《三滴血》唱段录音"), (Subject, "秦腔")],
            None,
        ),
        record(
            "scattered",
            &[
                (Title, "文化馆旧藏"),
                (Description, "内有演出节目单，另附秦腔剧照"),
            ],
            None,
        ),
        record(
            "photo",
            &[
                (Title, "黄堡镇集市"),
                (Subject, "老照片"),
                (Coverage, "黄堡镇"),
            ],
            None,
        ),
        record(
            "bowl",
            &[(Title, "青釉刻花牡丹纹碗"), (Subject, "耀州窑")],
            None,
        ),
        record("vase", &[(Title, "黑釉梅瓶"), (Subject, "耀州窑")], None),
        record("poster", &[(Title, "社火表演海报")], None),
    ];
    records[4]
        .item
        .metadata
        .push_extra("朝代", ["宋代".to_string()]);
    index_of(&records)
}

/// Issue #14: a run of several words requires each word anywhere in the
/// record, and ranks the records where they stand together first.
#[test]
fn a_run_of_words_requires_each_word_and_prefers_them_together() {
    let index = hall_records();
    // The words stand apart in the records found.
    assert_eq!(ids(&index, "黄堡镇的老照片"), ["photo"]);
    assert_eq!(ids(&index, "黃堡鎮的老照片"), ["photo"]);
    assert_eq!(ids(&index, "耀州窑的碗"), ["bowl"]);
    // 宋代 only in an extra field, 耀州窑 in the subject, 碗 in the title.
    assert_eq!(ids(&index, "宋代耀州窑碗"), ["bowl"]);
    let results = index.search(&SearchRequest::new("秦腔演出")).unwrap();
    let found: Vec<&str> = results.hits.iter().map(|hit| hit.id.as_str()).collect();
    assert_eq!(found, ["opera-poster", "scattered"], "together first");
    assert!(results.relaxed.is_none());
    // The title's words are all highlighted, apart or together.
    assert_eq!(results.hits[0].title_highlight.marked(), ["秦腔演出"]);
    // Quoted, the run is one phrase again.
    assert_eq!(ids(&index, "\"秦腔演出\""), ["opera-poster"]);
    assert!(ids(&index, "\"黄堡镇的老照片\"").is_empty());
}

/// Issue #14: function words are not required, and a query of nothing but
/// function words still runs.
#[test]
fn particles_are_not_required_and_alone_still_work() {
    let index = hall_records();
    assert_eq!(ids(&index, "关于黄堡镇的老照片"), ["photo"]);
    assert_eq!(ids(&index, "黄堡镇和老照片"), ["photo"]);
    for query in ["的", "之", "的和与", "关于"] {
        let results = index.search(&SearchRequest::new(query)).unwrap();
        assert!(!results.query_was_fallback, "{query}");
    }
    let words = query::query_words("黄堡镇的老照片");
    let particles: Vec<bool> = words.iter().map(|word| word.particle).collect();
    assert_eq!(particles, [false, true, false]);
    // Single characters the dictionary does not join are one word again.
    let words: Vec<String> = query::query_words("月光")
        .into_iter()
        .map(|word| word.text)
        .collect();
    assert_eq!(words, ["月光"]);
}

/// Issue #14: when no record holds every word, the search gives up words —
/// those nothing holds, then the commonest — and says which; with two left
/// that never meet, any record holding one of them.
#[test]
fn a_query_no_record_answers_whole_is_relaxed_and_says_so() {
    let index = hall_records();
    let search = |query: &str| index.search(&SearchRequest::new(query)).unwrap();

    // 飞机 is nowhere: dropped first.
    let results = search("耀州窑的碗飞机");
    assert_eq!(results.hits[0].id, "bowl");
    assert_eq!(results.total, 1);
    let relaxation = results.relaxed.expect("relaxed");
    assert_eq!(relaxation.dropped, ["飞机"]);
    assert!(!relaxation.any_word);

    // Three words found apart, never all together: the commonest (秦腔, in
    // three records; 海报 in two, 社火 in one) goes.
    let results = search("秦腔社火海报");
    let relaxation = results.relaxed.clone().expect("relaxed");
    assert_eq!(relaxation.dropped, ["秦腔"], "{results:?}");
    let found: Vec<&str> = results.hits.iter().map(|hit| hit.id.as_str()).collect();
    assert_eq!(found, ["poster"]);

    // Two words never in one record: any of them, the best first.
    let results = search("黑釉老照片");
    let relaxation = results.relaxed.expect("relaxed");
    assert!(relaxation.any_word && relaxation.dropped.is_empty());
    let mut found: Vec<&str> = results.hits.iter().map(|hit| hit.id.as_str()).collect();
    found.sort();
    assert_eq!(found, ["photo", "vase"]);

    // A word of shorter words that matches nothing whole: 乾隆年间 → 乾隆 / 年间.
    let results = search("秦腔乾隆年间");
    let relaxation = results.relaxed.expect("relaxed");
    assert_eq!(relaxation.dropped, ["乾隆", "年间"]);

    // Within the filters: among posters no record holds 唱段, which goes.
    let mut request = SearchRequest::new("秦腔唱段");
    assert!(index.search(&request).unwrap().relaxed.is_none());
    request.filters = vec![("type".into(), "海报".into())];
    let results = index.search(&request).unwrap();
    assert_eq!(results.relaxed.expect("relaxed").dropped, ["唱段"]);
    let found: Vec<&str> = results.hits.iter().map(|hit| hit.id.as_str()).collect();
    assert_eq!(found, ["opera-poster"]);

    // Nothing matches any word: no relaxation, no hits, no error.
    let results = search("飞机火箭");
    assert_eq!(results.total, 0);
    assert!(results.relaxed.is_none());
    // A query that finds something as typed is not relaxed.
    assert!(search("秦腔海报").relaxed.is_none());
}
