//! Every route of every face — pages, media, JSON API, OAI-PMH, IIIF — with
//! a public, a metadata-only and a restricted item: nothing the public may
//! not see (`wenyuan_index::access`) comes back, however it is asked for.

use axum::http::StatusCode;
use wenyuan_web::oai::oai_identifier;

use crate::fixture::{
    Answer, Fixture, METADATA_ONLY_TEXT, RESTRICTED_CREATOR, RESTRICTED_DESCRIPTION,
    RESTRICTED_EXTRA, RESTRICTED_TEXT, fixture,
};

/// Text that must never appear in any answer.
const SECRETS: [&str; 5] = [
    RESTRICTED_CREATOR,
    RESTRICTED_EXTRA,
    RESTRICTED_TEXT,
    RESTRICTED_DESCRIPTION,
    METADATA_ONLY_TEXT,
];

/// Every URL a reader or a partner could ask for about the fixture's items.
fn every_route(fixture: &Fixture) -> Vec<String> {
    let config = fixture.state.config();
    let mut uris: Vec<String> = [
        "/",
        "/search",
        "/search?q=",
        "/search?f=access:restricted",
        "/search?f=access:metadata_only",
        "/search?q=%E5%86%85%E9%83%A8%E6%A1%A3%E6%A1%88", // 内部档案, the restricted title
        "/search?q=%E6%8B%93%E7%89%87",                   // 拓片
        "/institutions",
        "/institutions/shaoer-library",
        "/institutions/city-museum",
        "/api/v1/search",
        "/api/v1/search?filter=access:restricted",
        "/api/v1/search?filter=access:metadata_only",
        "/api/v1/search?q=%E5%86%85%E9%83%A8%E6%A1%A3%E6%A1%88",
        "/api/v1/search?q=%E6%8B%93%E7%89%87&lang=en",
        "/api/v1/institutions",
        "/api/v1/institutions/shaoer-library",
        "/api/v1/institutions/city-museum",
        "/api/v1/collections",
        "/oai?verb=ListRecords&metadataPrefix=oai_dc",
        "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc",
        "/iiif/3/collections",
        "/iiif/3/collections/shaoer-library",
        "/iiif/3/collections/city-museum",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    for id in [&fixture.rubbing_id, &fixture.secret_id, &fixture.bowl_id] {
        uris.push(format!("/items/{id}"));
        uris.push(format!("/items/{id}?page=1&lang=en"));
        uris.push(format!("/api/v1/items/{id}"));
        uris.push(format!("/iiif/3/manifests/{id}"));
        let oai_id = wenyuan_web::urls::encode(&oai_identifier(config, id));
        uris.push(format!(
            "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={oai_id}"
        ));
        for identifier in [format!("{id}~1~1"), id.to_string()] {
            uris.push(format!("/iiif/3/{identifier}/info.json"));
            uris.push(format!("/iiif/3/{identifier}/full/max/0/default.jpg"));
            uris.push(format!("/iiif/3/{identifier}/full/200,/0/default.jpg"));
        }
    }
    uris
}

/// Media URLs of the items whose files are not shown.
fn hidden_media(fixture: &Fixture) -> Vec<String> {
    let mut uris = Vec::new();
    for digest in [&fixture.rubbing_digest, &fixture.secret_digest] {
        for file in ["p0001-thumb.jpg", "p0001-web.jpg", "original"] {
            uris.push(format!("/media/{digest}/{file}"));
        }
    }
    uris
}

fn leaks(answer: &Answer, fixture: &Fixture) -> Vec<String> {
    let text = answer.text();
    let mut found: Vec<String> = SECRETS
        .iter()
        .filter(|secret| text.contains(*secret))
        .map(|secret| secret.to_string())
        .collect();
    if !answer.status.is_success() {
        // An error names what was asked for; only the secrets count.
        return found;
    }
    // A link to a hidden item's files or images names its digest or page.
    for hidden in [&fixture.rubbing_digest, &fixture.secret_digest] {
        if text.contains(hidden.as_str()) {
            found.push(format!("digest {hidden}"));
        }
    }
    for id in [&fixture.rubbing_id, &fixture.secret_id] {
        if text.contains(&format!("{id}~")) {
            found.push(format!("an image of {id}"));
        }
    }
    found
}

#[tokio::test]
async fn no_route_of_any_face_shows_what_the_public_may_not_see() {
    let fixture = fixture();
    let mut walked = 0;
    let mut answered = 0;
    let mut failures = Vec::new();
    for uri in every_route(&fixture) {
        let answer = fixture.get(&uri).await;
        walked += 1;
        answered += usize::from(answer.status == StatusCode::OK);
        for leak in leaks(&answer, &fixture) {
            failures.push(format!("{uri} ({}): {leak}", answer.status));
        }
    }
    for uri in hidden_media(&fixture) {
        let answer = fixture.get(&uri).await;
        walked += 1;
        if answer.status.is_success() {
            failures.push(format!("{uri}: served ({})", answer.status));
        }
    }
    // Searching for a secret: the page echoes the query (search box, title,
    // links), as it echoes any query of that length that finds nothing;
    // anything more is a leak.
    const NOTHING: [&str; 2] = ["无此字符", "无此字符串无此字"];
    for secret in SECRETS {
        let control = NOTHING[usize::from(secret.chars().count() > 4)];
        let control = &control
            .chars()
            .take(secret.chars().count())
            .collect::<String>();
        for route in ["/search?q=", "/api/v1/search?q=", "/search?lang=en&q="] {
            let asked = fixture
                .get(&format!("{route}{}", wenyuan_web::urls::encode(secret)))
                .await;
            let baseline = fixture
                .get(&format!("{route}{}", wenyuan_web::urls::encode(control)))
                .await;
            walked += 2;
            let echoes = |answer: &Answer, text: &str| answer.text().matches(text).count();
            if echoes(&asked, secret) > echoes(&baseline, control) {
                failures.push(format!(
                    "{route}{secret}: shown {} times, a query finding nothing {} times",
                    echoes(&asked, secret),
                    echoes(&baseline, control)
                ));
            }
            for leak in leaks(&asked, &fixture) {
                if leak != secret {
                    failures.push(format!("{route}{secret}: {leak}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "leaks:\n{}", failures.join("\n"));
    // The walk really reached the faces: most routes answer.
    println!("leak walk: {walked} requests, {answered} answered 200");
    assert!(walked >= 80, "{walked}");
    assert!(answered >= 35, "only {answered} of {walked} answered 200");
    // Each item's record is really served by every face that shows records.
    for id in [&fixture.rubbing_id, &fixture.secret_id, &fixture.bowl_id] {
        let oai_id = wenyuan_web::urls::encode(&oai_identifier(fixture.state.config(), id));
        for uri in [
            format!("/items/{id}"),
            format!("/api/v1/items/{id}"),
            format!("/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={oai_id}"),
        ] {
            let answer = fixture.get(&uri).await;
            assert_eq!(answer.status, StatusCode::OK, "{uri}");
            assert!(!answer.text().contains("idDoesNotExist"), "{uri}");
        }
    }
    // The public item's image is served, the hidden ones' are not.
    let bowl = format!("/iiif/3/{}~1~1/info.json", fixture.bowl_id);
    assert_eq!(fixture.get(&bowl).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_walk_would_see_a_leak() {
    // The public item's own description is visible; the same check finds it,
    // so the walk above is not blind.
    let fixture = fixture();
    let answer = fixture
        .get(&format!("/api/v1/items/{}", fixture.bowl_id))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let rubbing = fixture
        .get(&format!("/api/v1/items/{}", fixture.rubbing_id))
        .await;
    assert!(
        rubbing.text().contains("仅公开目录的拓片"),
        "{}",
        rubbing.text()
    );
    let secret = fixture.page(&format!("/items/{}", fixture.secret_id)).await;
    assert!(secret.contains("内部档案"));
}
