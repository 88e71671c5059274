//! Images and downloads obey access levels and cache well.

use axum::http::StatusCode;

use crate::fixture::fixture;

#[tokio::test]
async fn derivatives_are_immutable_with_an_etag_and_304() {
    let fixture = fixture();
    let uri = format!("/media/{}/p0001-thumb.jpg", fixture.bowl_digest);
    let image = fixture.get(&uri).await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.header("content-type"), "image/jpeg");
    assert_eq!(
        image.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(&image.bytes[..2], &[0xff, 0xd8], "a JPEG");
    let etag = image.header("etag");
    assert!(etag.contains(&fixture.bowl_digest), "{etag}");

    let revalidated = fixture.get_with(&uri, &[("if-none-match", &etag)]).await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);
    assert!(revalidated.bytes.is_empty());
    let other_etag = fixture
        .get_with(&uri, &[("if-none-match", "\"something-else\"")])
        .await;
    assert_eq!(other_etag.status, StatusCode::OK);
}

#[tokio::test]
async fn public_originals_download() {
    let fixture = fixture();
    let original = fixture
        .get(&format!("/media/{}/original", fixture.bowl_digest))
        .await;
    assert_eq!(original.status, StatusCode::OK);
    assert_eq!(original.bytes, fixture.bowl_original);
    assert_eq!(original.header("content-type"), "image/jpeg");
    assert!(
        original
            .header("content-disposition")
            .starts_with("attachment")
    );
}

#[tokio::test]
async fn restricted_originals_and_images_are_never_served() {
    let fixture = fixture();
    for file in ["original", "p0001-web.jpg", "p0001-thumb.jpg"] {
        let answer = fixture
            .get(&format!("/media/{}/{file}", fixture.secret_digest))
            .await;
        assert!(
            answer.status == StatusCode::NOT_FOUND || answer.status == StatusCode::FORBIDDEN,
            "{file}: {}",
            answer.status
        );
        assert!(!answer.text().contains("secret archive bytes"));
    }
    let page = fixture.page(&format!("/items/{}", fixture.secret_id)).await;
    assert!(
        page.contains("内部档案"),
        "the record's existence is public"
    );
    assert!(page.contains("本件受限"));
    assert!(!page.contains("/media/"), "no image, no download");
    assert!(!page.contains("不应出现的描述文字"), "no description");
}

#[tokio::test]
async fn metadata_only_items_show_their_description_without_images() {
    let fixture = fixture();
    let page = fixture
        .page(&format!("/items/{}", fixture.rubbing_id))
        .await;
    assert!(page.contains("青铜鼎拓片"));
    assert!(page.contains("仅公开目录的拓片"), "description shown");
    assert!(page.contains("本件仅公开著录信息"));
    assert!(!page.contains("/media/"), "no image, no download");
    assert!(!page.contains("data-viewer"));
    assert!(!page.contains("og:image"));
    for file in ["p0001-web.jpg", "original"] {
        let answer = fixture
            .get(&format!("/media/{}/{file}", fixture.rubbing_digest))
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{file}");
    }
    let results = fixture.page("/search?q=%E6%8B%93%E7%89%87").await; // 拓片
    assert!(results.contains("青铜鼎"));
    assert!(
        !results.contains(&fixture.rubbing_digest),
        "no thumbnail in results"
    );
}
