//! Stored text is escaped, path tricks are refused, security headers are set.

use axum::http::StatusCode;

use crate::fixture::fixture;

#[tokio::test]
async fn a_script_title_comes_back_escaped_everywhere() {
    let fixture = fixture();
    for uri in [
        "/search?q=script".to_string(),
        format!("/items/{}", fixture.script_id),
        "/".to_string(),
    ] {
        let html = fixture.page(&uri).await;
        assert!(!html.contains("<script>alert(1)"), "{uri}: raw script");
        assert!(!html.contains("<img src=x"), "{uri}: raw img");
        assert!(!html.contains("<b>bold</b>"), "{uri}: raw b");
    }
    for uri in [
        "/search?q=script".to_string(),
        format!("/items/{}", fixture.script_id),
    ] {
        let html = fixture.page(&uri).await;
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{uri}: escaped title"
        );
    }
    let item = fixture.page(&format!("/items/{}", fixture.script_id)).await;
    assert!(item.contains("&#60;img src=x onerror=alert(2)&#62;"));
    assert!(item.contains("备注&#60;i&#62;"));
    // The only script on any page is our own file.
    assert_eq!(item.matches("<script").count(), 1);
}

#[tokio::test]
async fn a_query_echoed_back_is_escaped() {
    let fixture = fixture();
    let html = fixture
        .page("/search?q=%3Cscript%3Ealert(3)%3C%2Fscript%3E%22%27")
        .await;
    assert!(!html.contains("<script>alert(3)"));
    assert!(!html.contains("\"'"), "quotes escaped in attributes");
}

#[tokio::test]
async fn path_traversal_on_image_routes_is_refused() {
    let fixture = fixture();
    let digest = &fixture.bowl_digest;
    for uri in [
        format!("/media/{digest}/..%2F..%2Fcatalog.sqlite"),
        format!("/media/{digest}/%2E%2E%2F%2E%2E%2Fcatalog.sqlite"),
        format!("/media/{digest}/p0001-web.jpg%00"),
        format!("/media/{digest}/p0001-web.jpg%2F..%2F..%2Fcatalog.sqlite"),
        format!("/media/{digest}/../../catalog.sqlite"),
        "/media/..%2F..%2Fcatalog.sqlite/original".to_string(),
        format!("/media/{}/p0001-web.jpg", digest.to_uppercase()),
        format!("/media/{}/p0001-web.jpg", &digest[..63]),
        "/media/../catalog.sqlite".to_string(),
        "/static/..%2F..%2FCargo.toml".to_string(),
        "/static/%2E%2E/Cargo.toml".to_string(),
    ] {
        let answer = fixture.get(&uri).await;
        assert!(
            answer.status == StatusCode::BAD_REQUEST || answer.status == StatusCode::NOT_FOUND,
            "{uri}: {}",
            answer.status
        );
        assert!(!answer.text().contains("SQLite format"), "{uri}");
        assert!(!answer.text().contains("[package]"), "{uri}");
    }
}

#[tokio::test]
async fn html_pages_carry_the_content_security_policy() {
    let fixture = fixture();
    for uri in ["/", "/search?q=x", "/institutions", "/nowhere"] {
        let answer = fixture.get(uri).await;
        let policy = answer.header("content-security-policy");
        assert!(policy.contains("script-src 'self'"), "{uri}: {policy}");
        assert!(!policy.contains("unsafe-inline"), "{uri}");
        assert_eq!(answer.header("x-content-type-options"), "nosniff");
        assert!(!answer.text().contains("style=\""), "{uri}: inline style");
    }
}
