//! Each page renders with what it promises.

use axum::http::StatusCode;

use crate::fixture::{ICP_NUMBER, OPERATOR, POLICE_NUMBER, fixture};

#[tokio::test]
async fn home_shows_search_venues_with_counts_recent_additions_and_footer() {
    let fixture = fixture();
    let html = fixture.page("/").await;
    assert!(html.contains(r#"<html lang="zh-Hans">"#));
    assert!(html.contains(r#"name="q""#), "search box");
    assert!(html.contains("少儿图书馆") && html.contains("区博物馆"));
    assert!(html.contains("图书馆") && html.contains("博物馆"), "kinds");
    // 2 live museum items; the library has the book, the secret, the script
    // item and the photographs (the withdrawn one does not count).
    assert!(html.contains("2 件"), "museum count");
    assert!(html.contains(&format!("{} 件", 3 + crate::fixture::PHOTO_COUNT)));
    assert!(html.contains("最新入藏"));
    assert!(
        html.contains("/media/") && html.contains("-thumb.jpg"),
        "thumbnails"
    );
    for footer_text in [OPERATOR, ICP_NUMBER, POLICE_NUMBER] {
        assert!(html.contains(footer_text), "{footer_text}");
    }
    for landmark in ["<header", "<nav", "<main", "<footer", r##"href="#main""##] {
        assert!(html.contains(landmark), "{landmark}");
    }
}

#[tokio::test]
async fn item_page_has_viewer_strip_metadata_rights_downloads_citation_and_open_graph() {
    let fixture = fixture();
    let html = fixture.page(&format!("/items/{}", fixture.book_id)).await;
    assert!(html.contains("王益区志"));
    assert!(html.contains("data-viewer"), "zoom viewer");
    assert!(html.contains(r#"<script src="/static/viewer.js" defer></script>"#));
    assert_eq!(html.matches("-thumb.jpg").count(), 3, "three-page strip");
    assert!(html.contains("p0001-web.jpg"));
    for label in ["题名", "类型", "日期", "主题", "描述"] {
        assert!(html.contains(label), "{label}");
    }
    assert!(html.contains("少儿图书馆") && html.contains("地方文献"));
    assert!(html.contains("/original"), "original download");
    assert!(html.contains(&format!(
        "https://wenhua.example.gov.cn/items/{}",
        fixture.book_id
    )));
    assert!(html.contains(&format!("/iiif/3/manifests/{}", fixture.book_id)));
    assert!(html.contains(r#"property="og:title" content="王益区志""#));
    assert!(html.contains(r#"property="og:image" content="https://wenhua.example.gov.cn/media/"#));
    assert!(html.contains("引用格式"));

    let second_page = fixture
        .page(&format!("/items/{}?page=2", fixture.book_id))
        .await;
    assert!(second_page.contains(r#"class="viewer-image" src="/media/"#));
    assert!(
        second_page.contains("p0002-web.jpg\" alt"),
        "page 2 in the viewer"
    );

    let bowl = fixture.page(&format!("/items/{}", fixture.bowl_id)).await;
    for text in [
        "材质",
        "尺寸",
        "口径 18 厘米",
        "区博物馆藏，仅供研究",
        "耀州窑. 耀州窑青瓷碗. 1085",
    ] {
        assert!(bowl.contains(text), "{text}");
    }
    assert!(!bowl.contains("page-strip"), "one page: no strip");
}

#[tokio::test]
async fn venue_pages_show_hours_services_accessibility_and_holdings() {
    let fixture = fixture();
    let list = fixture.page("/institutions").await;
    assert!(list.contains("/institutions/city-museum"));
    assert!(list.contains("/institutions/shaoer-library"));
    let museum = fixture.page("/institutions/city-museum").await;
    for text in [
        "区博物馆",
        "周二至周日 9:00–17:00",
        "借阅",
        "无障碍坡道",
        "区博物馆路 1 号",
        "0919-1234567",
        "陶瓷专题",
        "2 件",
        "/search?f=institution%3Acity-museum",
        "/search?f=collection%3Acity-museum%2Fceramics",
    ] {
        assert!(museum.contains(text), "{text}");
    }
}

#[tokio::test]
async fn unknown_and_withdrawn_things_get_the_html_404_page() {
    let fixture = fixture();
    for uri in [
        "/items/wnosuchitem00".to_string(),
        format!("/items/{}", fixture.withdrawn_id),
        "/items/..%2F..%2Fetc".to_string(),
        "/institutions/nowhere".to_string(),
        "/no/such/page".to_string(),
    ] {
        let answer = fixture.get(&uri).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            answer.header("content-type").starts_with("text/html"),
            "{uri}"
        );
        let html = answer.text();
        assert!(html.contains("页面不存在"), "{uri}");
        assert!(
            !html.contains("no item") && !html.contains("withdrawn"),
            "no internals: {uri}"
        );
    }
    let english = fixture
        .get_with("/items/wnosuchitem00", &[("cookie", "lang=en")])
        .await;
    assert_eq!(english.status, StatusCode::NOT_FOUND);
    assert!(english.text().contains("Page not found"));
    assert!(english.text().contains(r#"<html lang="en">"#));
}

#[tokio::test]
async fn static_assets_are_served_with_validators() {
    let fixture = fixture();
    let css = fixture.get("/static/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").starts_with("text/css"));
    let etag = css.header("etag");
    assert!(!etag.is_empty());
    let again = fixture
        .get_with("/static/style.css", &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let js = fixture.get("/static/viewer.js").await;
    assert!(js.header("content-type").starts_with("text/javascript"));
    assert!(js.text().contains("data-viewer"));
    assert_eq!(
        fixture.get("/static/nothing.js").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_server_error_is_an_html_500_page_without_internal_details() {
    let fixture = fixture();
    let uri: axum::http::Uri = "/items/x?lang=en".parse().unwrap();
    let preferences =
        wenyuan_web::pages::Preferences::from_request_head(&uri, &axum::http::HeaderMap::new());
    let response = wenyuan_web::pages::error_page(
        &fixture.state,
        &preferences,
        wenyuan_web::AppError::Internal(
            "database file /srv/secret/catalog.sqlite is locked".into(),
        ),
    );
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let html = String::from_utf8(body.to_vec()).unwrap();
    assert!(html.contains("Something went wrong"));
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(!html.contains("secret") && !html.contains("locked"));
}
