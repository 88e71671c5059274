//! Search: facets narrow and un-narrow, pagination, zero results, bad input.

use crate::fixture::{Fixture, PHOTO_COUNT, fixture};

/// Live items in the index: bowl, book, rubbing, secret, script item, photographs.
const LIVE_ITEMS: usize = 5 + PHOTO_COUNT;

/// The total a results page reports ("共 N 条结果").
async fn total(fixture: &Fixture, uri: &str) -> usize {
    let html = fixture.page(uri).await;
    let start = html
        .find("共 ")
        .unwrap_or_else(|| panic!("no count in {uri}"))
        + "共 ".len();
    let rest = &html[start..];
    rest[..rest.find(' ').unwrap()].parse().unwrap()
}

fn hits_on_page(html: &str) -> usize {
    html.matches(r#"<li class="hit">"#).count()
}

#[tokio::test]
async fn an_empty_search_lists_everything_with_facets_named_from_the_catalogue() {
    let fixture = fixture();
    assert_eq!(total(&fixture, "/search").await, LIVE_ITEMS);
    let html = fixture.page("/search").await;
    // Facet values that are ids show names, and link to a narrowed search.
    assert!(html.contains("区博物馆"));
    assert!(html.contains("陶瓷专题"));
    assert!(html.contains("f=institution%3Acity-museum"));
    assert!(html.contains("f=collection%3Acity-museum%2Fceramics"));
    assert!(html.contains(r#"<select id="sort-select" name="sort">"#));
    assert!(html.contains(r#"<label for="sort-select">"#));
}

#[tokio::test]
async fn each_facet_narrows_the_results() {
    let fixture = fixture();
    let expectations = [
        ("institution:city-museum", 2),
        ("institution:shaoer-library", 3 + PHOTO_COUNT),
        ("institution_kind:museum", 2),
        ("collection:city-museum/ceramics", 1),
        ("collection:shaoer-library/local-records", 1 + PHOTO_COUNT),
        ("type:照片", PHOTO_COUNT),
        ("type:器物", 1),
        ("subject:陶瓷", 1),
        ("place:黄堡镇", 1),
        ("access:metadata_only", 1),
        ("access:restricted", 1),
        ("year:1950-1959", 10),
    ];
    for (filter, expected) in expectations {
        let uri = format!("/search?f={}", pages_encode(filter));
        assert_eq!(total(&fixture, &uri).await, expected, "{filter}");
    }
    // Two facets AND; two values of one facet OR.
    let both = format!(
        "/search?f={}&f={}",
        pages_encode("institution:shaoer-library"),
        pages_encode("type:图书")
    );
    assert_eq!(total(&fixture, &both).await, 1);
    let either = format!(
        "/search?f={}&f={}",
        pages_encode("type:器物"),
        pages_encode("type:图书")
    );
    assert_eq!(total(&fixture, &either).await, 2);
}

#[tokio::test]
async fn applied_filters_are_shown_and_removable() {
    let fixture = fixture();
    let uri = format!(
        "/search?q=%E8%80%81%E7%85%A7%E7%89%87&f={}",
        pages_encode("institution:shaoer-library")
    );
    let html = fixture.page(&uri).await;
    assert!(html.contains("已选条件"));
    assert!(
        html.contains("场馆: 少儿图书馆"),
        "applied filter with its name"
    );
    // The remove link keeps the query and drops the filter.
    assert!(html.contains(r#"href="/search?q=%E8%80%81%E7%85%A7%E7%89%87""#));
    assert!(html.contains("清除全部条件"));
}

#[tokio::test]
async fn results_page_through_with_highlights_and_thumbnails() {
    let fixture = fixture();
    let first = fixture
        .page(&format!("/search?f={}", pages_encode("type:照片")))
        .await;
    assert_eq!(hits_on_page(&first), 20);
    assert!(first.contains("第 1 / 2 页"));
    assert!(first.contains("page=2"), "next link");
    let second = fixture
        .page(&format!("/search?f={}&page=2", pages_encode("type:照片")))
        .await;
    assert_eq!(hits_on_page(&second), PHOTO_COUNT - 20);
    assert!(second.contains(r#"rel="prev""#));

    let bowl = fixture.page("/search?q=%E9%9D%92%E7%93%B7").await; // 青瓷
    assert!(bowl.contains("<mark>青瓷</mark>"), "highlighted");
    assert!(
        bowl.contains(r#"class="hit-thumb" src="/media/"#),
        "thumbnail"
    );
}

#[tokio::test]
async fn zero_results_suggest_what_would_find_something() {
    let fixture = fixture();
    let nothing = fixture
        .page("/search?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E8%AF%8D%E8%AF%AD")
        .await;
    assert!(nothing.contains("没有找到符合条件的结果"));
    assert!(nothing.contains("共 0 条结果"));

    // 耀州 with a filter that excludes it: suggest dropping the filter.
    let filtered = format!(
        "/search?q=%E8%80%80%E5%B7%9E&f={}",
        pages_encode("institution:shaoer-library")
    );
    let html = fixture.page(&filtered).await;
    assert!(html.contains("去掉筛选条件"));
    assert!(html.contains(r#"href="/search?q=%E8%80%80%E5%B7%9E""#));
}

/// Issue #14: a query no record answers whole says what it left out.
#[tokio::test]
async fn a_relaxed_search_says_what_it_left_out() {
    let fixture = fixture();
    let html = fixture
        .page("/search?q=%E8%80%80%E5%B7%9E%E7%AA%91%E7%9A%84%E9%9D%92%E7%93%B7%E9%A3%9E%E6%9C%BA")
        .await;
    assert!(html.contains("以下结果不含：飞机"), "{html}");
    assert!(html.contains("耀州窑青瓷碗"));
    let html = fixture
        .page("/search?q=%E8%80%80%E5%B7%9E%E7%AA%91%E7%9A%84%E7%A2%97")
        .await;
    assert!(!html.contains("以下结果不含"));
    assert!(html.contains("<mark>耀州窑</mark>"));
}

#[tokio::test]
async fn malformed_and_hostile_parameters_never_fail() {
    let fixture = fixture();
    for uri in [
        "/search?q=",
        "/search?q=title%3A",
        "/search?q=%22((%20AND",
        "/search?q=%ZZ",
        "/search?page=abc&sort=sideways&f=nonsense&f=year%3Axyz&f=bogus%3A1",
        "/search?page=999999",
        "/search?q=a&q=b&&&=",
    ] {
        let answer = fixture.get(uri).await;
        assert_eq!(answer.status, axum::http::StatusCode::OK, "{uri}");
    }
    assert_eq!(total(&fixture, "/search?f=bogus%3A1").await, LIVE_ITEMS);
}

#[tokio::test]
async fn sorting_changes_the_order() {
    let fixture = fixture();
    let filter = pages_encode("type:照片");
    let ascending = fixture
        .page(&format!("/search?f={filter}&sort=date_asc"))
        .await;
    let descending = fixture
        .page(&format!("/search?f={filter}&sort=date_desc"))
        .await;
    assert!(ascending.contains(r#"<option value="date_asc" selected>"#));
    let first_title = |html: &str| {
        let start = html.find(r#"class="hit-title""#).unwrap();
        html[start..].chars().take(80).collect::<String>()
    };
    assert!(first_title(&ascending).contains("第0张"));
    assert!(first_title(&descending).contains(&format!("第{}张", PHOTO_COUNT - 1)));
}

/// Percent-encodes a filter value the way the pages do.
fn pages_encode(text: &str) -> String {
    wenyuan_web::pages::encode_component(text)
}

#[tokio::test]
async fn a_result_line_names_the_creator_but_not_a_restricted_one() {
    let fixture = fixture();
    let bowl = fixture.page("/search?q=%E9%9D%92%E7%93%B7").await; // 青瓷
    assert!(
        bowl.contains(r#"<span class="hit-creators">耀州窑</span>"#),
        "{bowl}"
    );
    // The restricted item is found by its title; its creator is not shown.
    let secret = fixture
        .page("/search?q=%E5%86%85%E9%83%A8%E6%A1%A3%E6%A1%88") // 内部档案
        .await;
    assert_eq!(hits_on_page(&secret), 1);
    assert!(!secret.contains("hit-creators"), "{secret}");
}
