//! The language switch and the elder-friendly view stick through cookies.

use crate::fixture::fixture;

#[tokio::test]
async fn chinese_by_default_english_by_a_switch_that_sticks() {
    let fixture = fixture();
    let default = fixture.page("/").await;
    assert!(default.contains(r#"<html lang="zh-Hans">"#));
    assert!(default.contains(r#"href="/?lang=en""#), "switch link");

    let switched = fixture.get("/search?q=%E9%9D%92%E7%93%B7&lang=en").await;
    assert!(switched.text().contains(r#"<html lang="en">"#));
    assert!(switched.text().contains("1 result"));
    assert!(switched.text().contains("Refine"));
    assert!(
        switched.text().contains("<span>District Museum</span>"),
        "venue named in English in the hit"
    );
    let cookie = switched.header("set-cookie");
    assert!(cookie.starts_with("lang=en;"), "{cookie}");
    assert!(cookie.contains("Path=/"));

    // Later pages read the cookie.
    let later = fixture
        .get_with("/institutions/city-museum", &[("cookie", "lang=en")])
        .await;
    let html = later.text();
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("District Museum"));
    assert!(html.contains("Opening hours"));
    assert!(html.contains("Museum"));
    assert!(html.contains("2 items"));
    assert!(!html.contains("开放时间"), "labels translated");

    let item = fixture
        .get_with(
            &format!("/items/{}", fixture.bowl_id),
            &[("cookie", "lang=en")],
        )
        .await
        .text();
    for label in [
        "Title",
        "Creator",
        "Description",
        "Rights and access",
        "Cite as",
        "Permalink",
    ] {
        assert!(item.contains(label), "{label}");
    }

    // ?lang=zh switches back and overrides the cookie.
    let back = fixture
        .get_with("/?lang=zh", &[("cookie", "lang=en")])
        .await;
    assert!(back.text().contains(r#"<html lang="zh-Hans">"#));
    assert!(back.header("set-cookie").starts_with("lang=zh;"));
}

#[tokio::test]
async fn elder_friendly_view_is_toggled_and_remembered() {
    let fixture = fixture();
    let normal = fixture.page("/").await;
    assert!(!normal.contains(r#"class="elder""#));
    assert!(normal.contains(r#"href="/?elder=1""#));
    let on = fixture.get("/?elder=1").await;
    assert!(on.text().contains(r#"<body class="elder">"#));
    assert!(on.header("set-cookie").starts_with("elder=1;"));
    let remembered = fixture
        .get_with("/institutions", &[("cookie", "elder=1")])
        .await;
    assert!(remembered.text().contains(r#"<body class="elder">"#));
    assert!(
        remembered
            .text()
            .contains(r#"href="/institutions?elder=0""#)
    );
}
