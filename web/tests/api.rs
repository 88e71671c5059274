//! End-to-end tests of the partner interfaces — JSON API, OAI-PMH and IIIF —
//! against a small archive built in a temporary directory with the library
//! itself, through `tower::ServiceExt::oneshot` on the real router.
//! Snapshots (insta) have timestamps redacted.

use std::collections::HashSet;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;
use wenyuan_index::catalog::ItemWrite;
use wenyuan_index::model::{
    AccessLevel, Collection, DcElement, Institution, InstitutionKind, Item, ItemFile, ItemRecord,
    Metadata, PageDerivative, StorageMode, TechMetadata, item_id_for,
};
use wenyuan_index::search::{IndexDocument, SearchIndex};
use wenyuan_index::{Catalog, DataDir, Digest, FileStore};
use wenyuan_web::{AppState, SiteConfig, router};

const BASE: &str = "http://archive.test";
/// Items in the library's set, enough for several OAI-PMH pages.
const LIBRARY_ITEMS: usize = 120;

struct Fixture {
    _temp: tempfile::TempDir,
    data_dir: DataDir,
    app: Router,
}

fn institution(id: &str, name_zh: &str, name_en: &str, kind: InstitutionKind) -> Institution {
    Institution {
        id: id.into(),
        name_zh: name_zh.into(),
        name_en: Some(name_en.into()),
        kind,
        address: None,
        opening_hours: None,
        services: vec![],
        accessibility: None,
        contact: None,
        website: None,
    }
}

/// A picture whose colour changes every 10 pixels.
fn picture(width: u32, height: u32) -> image::RgbImage {
    image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            ((x / 10 * 20) % 256) as u8,
            ((y / 10 * 20) % 256) as u8,
            128,
        ])
    })
}

/// Writes an original into the store and its two derivatives; returns the file.
fn image_file(data_dir: &DataDir, seq: u32, width: u32, height: u32, salt: &str) -> ItemFile {
    let original = image::DynamicImage::ImageRgb8(picture(width, height));
    let mut bytes = std::io::Cursor::new(Vec::new());
    original
        .write_to(&mut bytes, image::ImageFormat::Png)
        .unwrap();
    let mut bytes = bytes.into_inner();
    bytes.extend_from_slice(salt.as_bytes()); // distinct digests; PNG ignores trailing bytes
    let digest_hex = blake3::hash(&bytes).to_hex().to_string();
    let digest = Digest::from_hex(&digest_hex).unwrap();
    let stored = FileStore::new(data_dir.files_dir()).path_for(&digest);
    std::fs::create_dir_all(stored.parent().unwrap()).unwrap();
    std::fs::write(&stored, &bytes).unwrap();
    let folder = data_dir.derivatives_for(&digest_hex);
    std::fs::create_dir_all(&folder).unwrap();
    original
        .resize(1600, 1600, image::imageops::FilterType::Triangle)
        .to_rgb8()
        .save(folder.join("p0001-web.jpg"))
        .unwrap();
    original
        .resize(400, 400, image::imageops::FilterType::Triangle)
        .to_rgb8()
        .save(folder.join("p0001-thumb.jpg"))
        .unwrap();
    ItemFile {
        seq,
        digest: digest_hex.clone(),
        size: bytes.len() as u64,
        media_type: "image/png".into(),
        source_path: format!("/scans/{salt}.png"),
        source_mtime_ns: 1,
        storage: StorageMode::Copy,
        tech: TechMetadata {
            width: Some(width),
            height: Some(height),
            ..TechMetadata::default()
        },
        derivatives: vec![PageDerivative {
            page: 1,
            thumbnail: format!("derivatives/{digest_hex}/p0001-thumb.jpg"),
            web: format!("derivatives/{digest_hex}/p0001-web.jpg"),
            width,
            height,
        }],
        text: None,
        ocr_words: vec![],
    }
}

fn record(
    key: &str,
    institution: &str,
    collection: Option<&str>,
    access: AccessLevel,
    dc: &[(DcElement, &str)],
    files: Vec<ItemFile>,
) -> ItemRecord {
    let mut metadata = Metadata::default();
    for (element, value) in dc {
        metadata.push(*element, [value.to_string()]);
    }
    ItemRecord {
        item: Item {
            id: item_id_for(key),
            source_key: key.into(),
            institution_id: Some(institution.into()),
            collection_id: collection.map(str::to_string),
            access,
            metadata,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        },
        files,
    }
}

fn event_id() -> String {
    "emuseumlecture".to_string()
}
fn bowl_id() -> String {
    item_id_for("museum/bowl")
}
fn restricted_id() -> String {
    item_id_for("museum/secret")
}
fn deleted_id() -> String {
    item_id_for("museum/gone")
}

fn fixture() -> Fixture {
    let temp = tempfile::tempdir().unwrap();
    let data_dir = DataDir::create(temp.path().join("data")).unwrap();
    let mut catalog = Catalog::open(&data_dir.catalog_path()).unwrap();
    let museum = institution(
        "museum",
        "区博物馆",
        "District Museum",
        InstitutionKind::Museum,
    );
    let library = institution(
        "library",
        "区图书馆",
        "District Library",
        InstitutionKind::Library,
    );
    catalog.upsert_institution(&museum).unwrap();
    catalog.upsert_institution(&library).unwrap();
    catalog
        .upsert_collection(&Collection {
            id: "ceramics".into(),
            institution_id: "museum".into(),
            name_zh: "陶瓷".into(),
            name_en: Some("Ceramics".into()),
            description: Some("耀州窑 & 黄堡 <瓷器>".into()),
        })
        .unwrap();

    let mut records = vec![
        record(
            "museum/bowl",
            "museum",
            Some("ceramics"),
            AccessLevel::Public,
            &[
                (DcElement::Title, "耀州窑青瓷碗"),
                (DcElement::Creator, "黄堡窑"),
                (DcElement::Date, "1956"),
                (DcElement::Type, "器物"),
                (DcElement::Description, "青瓷碗，刻花 <精品> & 完整"),
                (DcElement::Identifier, "M-001"),
                (
                    DcElement::Rights,
                    "https://creativecommons.org/licenses/by/4.0/",
                ),
            ],
            vec![image_file(&data_dir, 1, 640, 480, "bowl")],
        ),
        record(
            "museum/grid",
            "museum",
            None,
            AccessLevel::Public,
            &[
                (DcElement::Title, "测试网格"),
                (DcElement::Type, "照片"),
                (
                    DcElement::Identifier,
                    "67352ccc-d1b0-11e1-89ae-279075081939",
                ),
            ],
            vec![image_file(&data_dir, 1, 300, 200, "grid")],
        ),
        record(
            "museum/secret",
            "museum",
            Some("ceramics"),
            AccessLevel::Restricted,
            &[
                (DcElement::Title, "受限青瓷"),
                (DcElement::Description, "不应公开的描述"),
                (DcElement::Type, "器物"),
            ],
            vec![image_file(&data_dir, 1, 100, 100, "secret")],
        ),
        record(
            "museum/gone",
            "museum",
            Some("ceramics"),
            AccessLevel::Public,
            &[(DcElement::Title, "已删除的瓷器")],
            vec![],
        ),
    ];
    for index in 0..LIBRARY_ITEMS {
        records.push(record(
            &format!("library/book-{index:03}"),
            "library",
            None,
            AccessLevel::MetadataOnly,
            &[
                (DcElement::Title, &format!("地方志 第{index}册")),
                (DcElement::Type, "图书"),
                (DcElement::Date, &format!("{}", 1800 + index)),
            ],
            vec![],
        ));
    }
    let writes: Vec<ItemWrite> = records
        .iter()
        .map(|record| ItemWrite {
            record: record.clone(),
            fingerprint: record.item.id.clone(),
        })
        .collect();
    catalog.write_batch(&writes).unwrap();
    catalog.tombstone_item(&deleted_id()).unwrap();
    catalog
        .upsert_events(&[wenyuan_index::events::Event {
            id: event_id(),
            institution_id: "museum".into(),
            source_id: Some("E-1".into()),
            title: "耀州窑讲座".into(),
            starts_at: 4_102_444_800, // 2100-01-01: always upcoming
            ends_at: Some(4_102_444_800 + 5400),
            all_day: false,
            place: Some("报告厅".into()),
            category: Some("讲座".into()),
            audiences: vec!["少儿".into()],
            fee: None,
            booking: None,
            capacity: Some(40),
            description: None,
            image: None,
            cancelled: false,
            created_at: 0,
            updated_at: 0,
        }])
        .unwrap();

    let index = SearchIndex::open_or_create(&data_dir.index_dir()).unwrap();
    let mut writer = index.writer().unwrap();
    for record in &records {
        let record = catalog.item(&record.item.id).unwrap().unwrap();
        let institution = catalog
            .institution(record.item.institution_id.as_deref().unwrap())
            .unwrap();
        let thumbnail = record
            .files
            .first()
            .and_then(|file| file.derivatives.first())
            .map(|page| page.thumbnail.clone());
        writer
            .upsert(&IndexDocument {
                record: &record,
                institution: institution.as_ref(),
                collection_name: None,
                thumbnail: thumbnail.as_deref(),
            })
            .unwrap();
    }
    writer.commit().unwrap();
    drop(writer);
    drop(index);
    drop(catalog);

    let config = SiteConfig {
        public_url: BASE.into(),
        contact: "电话 0919-1234567，archive@wenhua.example.cn".into(),
        ..SiteConfig::default()
    };
    let state = AppState::open(data_dir.clone(), config).unwrap();
    Fixture {
        _temp: temp,
        data_dir,
        app: router(state),
    }
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|value| value.to_str().unwrap().to_string())
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(app: &Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// Pretty JSON with timestamps replaced, for snapshots.
fn redacted(value: &serde_json::Value) -> String {
    redact_times(&serde_json::to_string_pretty(value).unwrap())
}

/// Replaces every `YYYY-MM-DDThh:mm:ssZ` with `[time]`.
fn redact_times(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while index < text.len() {
        let candidate = &bytes[index..];
        let is_time = candidate.len() >= 20
            && candidate[..20]
                .iter()
                .enumerate()
                .all(|(at, byte)| match at {
                    4 | 7 => *byte == b'-',
                    10 => *byte == b'T',
                    13 | 16 => *byte == b':',
                    19 => *byte == b'Z',
                    _ => byte.is_ascii_digit(),
                });
        if is_time {
            out.push_str("[time]");
            index += 20;
        } else {
            let character = text[index..].chars().next().unwrap();
            out.push(character);
            index += character.len_utf8();
        }
    }
    out
}

fn assert_json_error(answer: &Answer, status: StatusCode, code: &str) {
    assert_eq!(
        answer.status,
        status,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let body = answer.json();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

mod api {
    use super::*;

    #[tokio::test]
    async fn search_answers_with_hits_facets_links_and_echoed_filters() {
        let fixture = fixture();
        let answer = get(
            &fixture.app,
            "/api/v1/search?q=%E9%9D%92%E7%93%B7&filter=institution:museum&facet=type,institution&lang=en",
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert_eq!(answer.header("x-total-count").as_deref(), Some("2"));
        assert!(
            !answer.text().contains("不应公开"),
            "restricted passages stay hidden"
        );
        insta::assert_snapshot!("search_qingci_museum", redacted(&answer.json()));
    }

    /// Issue #14: words typed without spaces are searched as words; a query
    /// no item answers whole is loosened, and the answer says how.
    #[tokio::test]
    async fn a_run_of_words_is_searched_as_words_and_relaxed_when_it_must_be() {
        let fixture = fixture();
        let answer = get(
            &fixture.app,
            "/api/v1/search?q=%E8%80%80%E5%B7%9E%E7%AA%91%E7%9A%84%E7%A2%97",
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        let body = answer.json();
        assert!(body["total"].as_u64().unwrap() >= 1, "{body:#}");
        assert_eq!(body["items"][0]["title"], "耀州窑青瓷碗");
        assert!(body["relaxed"].is_null());

        let answer = get(&fixture.app, "/api/v1/search?q=%E8%80%80%E5%B7%9E%E7%AA%91%E7%9A%84%E9%9D%92%E7%93%B7%E9%A3%9E%E6%9C%BA&lang=en").await;
        let body = answer.json();
        assert_eq!(body["items"][0]["title"], "耀州窑青瓷碗", "{body:#}");
        assert_eq!(body["relaxed"]["dropped"], serde_json::json!(["飞机"]));
        assert_eq!(body["relaxed"]["any_word"], false);
        assert!(
            body["relaxed"]["message"]
                .as_str()
                .unwrap()
                .contains("leave out: 飞机"),
            "{body:#}"
        );
    }

    #[tokio::test]
    async fn paging_by_page_and_by_cursor_reaches_every_hit() {
        let fixture = fixture();
        let first = get(
            &fixture.app,
            "/api/v1/search?filter=institution:library&per_page=50&sort=title&facet=none",
        )
        .await;
        assert_eq!(first.status, StatusCode::OK);
        let body = first.json();
        assert_eq!(body["total"], LIBRARY_ITEMS);
        assert_eq!(body["items"].as_array().unwrap().len(), 50);
        let link = first.header("link").unwrap();
        assert!(link.contains("page=2>; rel=\"next\""), "{link}");
        assert!(!link.contains("rel=\"prev\""));

        let mut seen = HashSet::new();
        let mut uri = "/api/v1/search?filter=institution:library&per_page=50&sort=title&facet=none&fields=title&cursor=*".to_string();
        for _ in 0..10 {
            let answer = get(&fixture.app, &uri).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
            let body = answer.json();
            for item in body["items"].as_array().unwrap() {
                assert_eq!(item.as_object().unwrap().len(), 2, "projection: {item}");
                assert!(seen.insert(item["id"].as_str().unwrap().to_string()));
            }
            match answer.header("link") {
                Some(link) => {
                    let next = link.split('>').next().unwrap().trim_start_matches('<');
                    uri = next.strip_prefix(BASE).unwrap().to_string();
                }
                None => break,
            }
        }
        assert_eq!(seen.len(), LIBRARY_ITEMS);
    }

    #[tokio::test]
    async fn facet_values_carry_drill_down_links_that_work() {
        let fixture = fixture();
        let body = get(&fixture.app, "/api/v1/search?facet=institution")
            .await
            .json();
        let values = body["facets"][0]["values"].as_array().unwrap();
        let museum = values
            .iter()
            .find(|value| value["value"] == "museum")
            .unwrap();
        assert_eq!(museum["label"], "区博物馆");
        let url = museum["url"].as_str().unwrap().strip_prefix(BASE).unwrap();
        let drilled = get(&fixture.app, url).await.json();
        assert_eq!(drilled["total"], museum["count"]);
        assert_eq!(drilled["applied_filters"][0]["value"], "museum");
        let remove = drilled["applied_filters"][0]["remove_url"]
            .as_str()
            .unwrap();
        assert_eq!(remove, format!("{BASE}/api/v1/search?facet=institution"));
    }

    #[tokio::test]
    async fn every_failure_is_a_json_error_with_its_status() {
        let fixture = fixture();
        for uri in [
            "/api/v1/search?per_page=0",
            "/api/v1/search?per_page=1000",
            "/api/v1/search?filter=colour:red",
            "/api/v1/search?colour=red",
            "/api/v1/search?page=2&cursor=*",
            "/api/v1/search?cursor=garbage",
            "/api/v1/search?sort=random",
            "/api/v1/items/x?lang=fr",
            "/api/v1/collections?colour=red",
        ] {
            assert_json_error(
                &get(&fixture.app, uri).await,
                StatusCode::BAD_REQUEST,
                "bad_request",
            );
        }
        for uri in [
            "/api",
            "/api/v2/search",
            "/api/v1/nothing",
            "/api/v1/items/wnothing",
            "/api/v1/institutions/nowhere",
        ] {
            assert_json_error(
                &get(&fixture.app, uri).await,
                StatusCode::NOT_FOUND,
                "not_found",
            );
        }
        let deleted = get(&fixture.app, &format!("/api/v1/items/{}", deleted_id())).await;
        assert_json_error(&deleted, StatusCode::NOT_FOUND, "not_found");
        let post = send(
            &fixture.app,
            Request::post("/api/v1/search").body(Body::empty()).unwrap(),
        )
        .await;
        assert_json_error(&post, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    }

    #[tokio::test]
    async fn item_records_have_etags_and_hide_what_access_forbids() {
        let fixture = fixture();
        let uri = format!("/api/v1/items/{}", bowl_id());
        let answer = get(&fixture.app, &uri).await;
        assert_eq!(answer.status, StatusCode::OK);
        insta::assert_snapshot!("item_bowl", redacted(&answer.json()));
        let etag = answer.header("etag").unwrap();
        let again = send(
            &fixture.app,
            Request::get(&uri)
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert!(again.body.is_empty());

        let restricted = get(&fixture.app, &format!("/api/v1/items/{}", restricted_id()))
            .await
            .json();
        assert_eq!(restricted["access"], "restricted");
        assert!(restricted["files"].as_array().unwrap().is_empty());
        assert!(restricted["dc"].get("description").is_none());
        assert!(restricted["iiif_manifest"].is_null());
    }

    #[tokio::test]
    async fn institutions_and_collections() {
        let fixture = fixture();
        let list = get(&fixture.app, "/api/v1/institutions").await.json();
        insta::assert_snapshot!("institutions", redacted(&list));
        let museum = get(&fixture.app, "/api/v1/institutions/museum")
            .await
            .json();
        assert_eq!(museum["collections"][0]["id"], "ceramics");
        let collections = get(&fixture.app, "/api/v1/collections?institution=library")
            .await
            .json();
        assert!(collections["collections"].as_array().unwrap().is_empty());
    }

    #[tokio::test]
    async fn cors_is_open_for_reads() {
        let fixture = fixture();
        let preflight = send(
            &fixture.app,
            Request::builder()
                .method(Method::OPTIONS)
                .uri("/api/v1/search")
                .header(header::ORIGIN, "https://partner.example")
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(
            preflight.header("access-control-allow-origin").as_deref(),
            Some("*")
        );
        let answer = send(
            &fixture.app,
            Request::get("/api/v1/institutions")
                .header(header::ORIGIN, "https://partner.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(
            answer.header("access-control-allow-origin").as_deref(),
            Some("*")
        );
    }

    #[tokio::test]
    async fn the_rate_limit_answers_429_and_a_key_lifts_it() {
        let fixture = fixture();
        let key = Catalog::open(&fixture.data_dir.catalog_path())
            .unwrap()
            .create_api_key("partner")
            .unwrap();
        let mut limited = None;
        for _ in 0..(wenyuan_web::api::limit::DEFAULT_BURST + 5) {
            let answer = get(&fixture.app, "/api/v1/collections").await;
            if answer.status == StatusCode::TOO_MANY_REQUESTS {
                limited = Some(answer);
                break;
            }
            assert_eq!(answer.status, StatusCode::OK);
        }
        let limited = limited.expect("the limit was reached");
        assert_json_error(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        assert!(
            limited
                .header("retry-after")
                .unwrap()
                .parse::<u64>()
                .unwrap()
                >= 1
        );
        for (name, value) in [
            (header::AUTHORIZATION.as_str(), format!("Bearer {key}")),
            ("x-api-key", key.clone()),
        ] {
            let answer = send(
                &fixture.app,
                Request::get("/api/v1/collections")
                    .header(name, &value)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(answer.status, StatusCode::OK);
        }
        let wrong = send(
            &fixture.app,
            Request::get("/api/v1/collections")
                .header("x-api-key", "wy_wrong")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_json_error(&wrong, StatusCode::UNAUTHORIZED, "unauthorized");
    }

    #[tokio::test]
    async fn the_openapi_document_is_valid_and_true_to_the_server() {
        let fixture = fixture();
        let document = get(&fixture.app, "/api/v1/openapi.json").await.json();
        assert!(document["openapi"].as_str().unwrap().starts_with("3."));
        assert_eq!(document["servers"][0]["url"], BASE);
        let paths = document["paths"].as_object().unwrap();
        assert_eq!(paths.len(), 8, "{:?}", paths.keys().collect::<Vec<_>>());
        for (path, operations) in paths {
            let operation = &operations["get"];
            let documented: Vec<String> = operation["responses"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            let id = if path.contains("items") {
                bowl_id()
            } else if path.contains("events") {
                event_id()
            } else {
                "museum".to_string()
            };
            let concrete = path.replace("{id}", &id);
            let answer = get(&fixture.app, &concrete).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}");
            assert!(documented.contains(&"200".to_string()), "{path}");
            if path != "/api/v1/openapi.json" {
                let bad = get(&fixture.app, &format!("{concrete}?bogus=1")).await;
                assert!(
                    documented.contains(&bad.status.as_str().to_string()),
                    "{path} answered {} not among {documented:?}",
                    bad.status
                );
            }
            let text = operation.to_string();
            for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
                let name = reference.split('"').next().unwrap();
                assert!(
                    document["components"]["schemas"].get(name).is_some(),
                    "missing schema {name}"
                );
            }
        }
    }
}

mod oai {
    use super::*;

    /// Panics unless `xml` is well-formed.
    fn well_formed(xml: &str) {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut depth = 0i32;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Start(_)) => depth += 1,
                Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(error) => panic!("not well-formed: {error}\n{xml}"),
            }
        }
        assert_eq!(depth, 0, "unbalanced: {xml}");
    }

    async fn oai(app: &Router, query: &str) -> String {
        let answer = get(app, &format!("/oai?{query}")).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(
            answer
                .header("content-type")
                .unwrap()
                .starts_with("text/xml")
        );
        let text = answer.text();
        well_formed(&text);
        text
    }

    fn error_code(xml: &str) -> Option<String> {
        let start = xml.find("<error code=\"")? + "<error code=\"".len();
        Some(xml[start..].split('"').next()?.to_string())
    }

    #[tokio::test]
    async fn identify_sets_and_formats() {
        let fixture = fixture();
        let identify = oai(&fixture.app, "verb=Identify").await;
        insta::assert_snapshot!("oai_identify", redact_times(&identify));
        let sets = oai(&fixture.app, "verb=ListSets").await;
        insta::assert_snapshot!("oai_list_sets", redact_times(&sets));
        let formats = oai(
            &fixture.app,
            &format!(
                "verb=ListMetadataFormats&identifier=oai:archive.test:{}",
                bowl_id()
            ),
        )
        .await;
        assert!(formats.contains("<metadataPrefix>oai_dc</metadataPrefix>"));
    }

    #[tokio::test]
    async fn records_are_oai_dc_and_deleted_ones_headers() {
        let fixture = fixture();
        let xml = oai(
            &fixture.app,
            "verb=ListRecords&metadataPrefix=oai_dc&set=inst:museum:coll:ceramics",
        )
        .await;
        insta::assert_snapshot!("oai_list_records_ceramics", redact_times(&xml));
        assert!(xml.contains("status=\"deleted\""));
        assert!(
            !xml.contains("不应公开"),
            "restricted descriptions stay hidden"
        );
        let post = send(
            &fixture.app,
            Request::post("/oai")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai%3Aarchive.test%3A{}",
                    bowl_id()
                )))
                .unwrap(),
        )
        .await;
        let record = post.text();
        well_formed(&record);
        assert!(
            record.contains("<dc:title>耀州窑青瓷碗</dc:title>"),
            "{record}"
        );
        assert!(record.contains("刻花 &lt;精品&gt; &amp; 完整"));
    }

    #[tokio::test]
    async fn resumption_tokens_reach_every_record_once() {
        let fixture = fixture();
        let page_size = wenyuan_web::oai::PAGE_SIZE;
        let total = 4 + LIBRARY_ITEMS;
        let mut identifiers = HashSet::new();
        let mut query = "verb=ListIdentifiers&metadataPrefix=oai_dc".to_string();
        let mut pages = 0;
        loop {
            let xml = oai(&fixture.app, &query).await;
            assert_eq!(error_code(&xml), None, "{xml}");
            for chunk in xml.split("<identifier>").skip(1) {
                assert!(identifiers.insert(chunk.split('<').next().unwrap().to_string()));
            }
            let element = &xml[xml.find("<resumptionToken").expect("a token element")..];
            assert!(
                element.contains(&format!("completeListSize=\"{total}\"")),
                "{element}"
            );
            assert!(element.contains(&format!("cursor=\"{}\"", pages * page_size)));
            pages += 1;
            if element.starts_with("<resumptionToken completeListSize")
                && element.contains("\"/>")
                && !element.contains("</resumptionToken>")
            {
                break;
            }
            let token = element
                .split('>')
                .nth(1)
                .unwrap()
                .trim_end_matches("</resumptionToken");
            if token.is_empty() {
                break;
            }
            query = format!("verb=ListIdentifiers&resumptionToken={token}");
        }
        assert_eq!(identifiers.len(), total);
        assert_eq!(pages, total.div_ceil(page_size));
    }

    #[tokio::test]
    async fn every_protocol_error_code() {
        let fixture = fixture();
        let bowl = format!("oai:archive.test:{}", bowl_id());
        let deleted = format!("oai:archive.test:{}", deleted_id());
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "badVerb"),
            ("verb=Sing".into(), "badVerb"),
            ("verb=Identify&verb=Identify".into(), "badVerb"),
            ("verb=Identify&extra=1".into(), "badArgument"),
            ("verb=ListRecords".into(), "badArgument"),
            (
                "verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01&until=2020-01-02T00:00:00Z"
                    .into(),
                "badArgument",
            ),
            (
                "verb=ListRecords&metadataPrefix=oai_dc&from=yesterday".into(),
                "badArgument",
            ),
            (
                "verb=ListRecords&metadataPrefix=oai_dc&set=nonsense".into(),
                "badArgument",
            ),
            ("verb=GetRecord&metadataPrefix=oai_dc".into(), "badArgument"),
            (
                "verb=ListRecords&resumptionToken=bogus".into(),
                "badResumptionToken",
            ),
            (
                "verb=ListSets&resumptionToken=bogus".into(),
                "badResumptionToken",
            ),
            (
                "verb=ListRecords&metadataPrefix=marc21".into(),
                "cannotDisseminateFormat",
            ),
            (
                format!("verb=GetRecord&metadataPrefix=mods&identifier={bowl}"),
                "cannotDisseminateFormat",
            ),
            (
                "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:archive.test:wnothing".into(),
                "idDoesNotExist",
            ),
            (
                "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:elsewhere:x".into(),
                "idDoesNotExist",
            ),
            (
                "verb=ListMetadataFormats&identifier=nothing".into(),
                "idDoesNotExist",
            ),
            (
                "verb=ListRecords&metadataPrefix=oai_dc&from=2999-01-01".into(),
                "noRecordsMatch",
            ),
            (
                "verb=ListIdentifiers&metadataPrefix=oai_dc&set=inst:nowhere".into(),
                "noRecordsMatch",
            ),
            (
                format!("verb=ListMetadataFormats&identifier={deleted}"),
                "noMetadataFormats",
            ),
        ];
        for (query, code) in &cases {
            let xml = oai(&fixture.app, query).await;
            assert_eq!(error_code(&xml).as_deref(), Some(*code), "{query}: {xml}");
            if *code == "badVerb" || *code == "badArgument" {
                assert!(
                    xml.contains("<request>http://archive.test/oai</request>"),
                    "{xml}"
                );
            }
        }
        let bad_verb = oai(&fixture.app, "verb=Sing").await;
        insta::assert_snapshot!("oai_bad_verb", redact_times(&bad_verb));

        // A repository without venues has no sets.
        let temp = tempfile::tempdir().unwrap();
        let data_dir = DataDir::create(temp.path()).unwrap();
        drop(Catalog::open(&data_dir.catalog_path()).unwrap());
        let empty = router(AppState::open(data_dir, SiteConfig::default()).unwrap());
        let xml = oai(&empty, "verb=ListSets").await;
        assert_eq!(error_code(&xml).as_deref(), Some("noSetHierarchy"));
        let xml = oai(&empty, "verb=ListRecords&metadataPrefix=oai_dc&set=inst:a").await;
        assert_eq!(error_code(&xml).as_deref(), Some("noSetHierarchy"));
    }

    #[tokio::test]
    async fn from_and_until_bound_datestamps() {
        let fixture = fixture();
        let all = oai(
            &fixture.app,
            "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2000-01-01&until=2999-12-31",
        )
        .await;
        assert_eq!(error_code(&all), None);
        let none = oai(
            &fixture.app,
            "verb=ListIdentifiers&metadataPrefix=oai_dc&until=2000-01-01T00:00:00Z",
        )
        .await;
        assert_eq!(error_code(&none).as_deref(), Some("noRecordsMatch"));
    }
}

mod iiif {
    use super::*;

    fn bowl_image() -> String {
        format!("{}~1~1", bowl_id())
    }

    async fn picture_of(app: &Router, uri: &str) -> image::DynamicImage {
        let answer = get(app, uri).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{uri}: {}",
            String::from_utf8_lossy(&answer.body)
        );
        image::load_from_memory(&answer.body).unwrap()
    }

    #[tokio::test]
    async fn info_json_describes_sizes_and_tiles() {
        let fixture = fixture();
        let answer = get(&fixture.app, &format!("/iiif/3/{}/info.json", bowl_image())).await;
        assert_eq!(answer.status, StatusCode::OK);
        insta::assert_snapshot!("iiif_info", redacted(&answer.json()));
        let redirect = get(&fixture.app, &format!("/iiif/3/{}", bowl_image())).await;
        assert_eq!(redirect.status, StatusCode::SEE_OTHER);
        assert_eq!(
            redirect.header("location").unwrap(),
            format!("{BASE}/iiif/3/{}/info.json", bowl_image())
        );
    }

    #[tokio::test]
    async fn regions_sizes_rotations_and_formats() {
        let fixture = fixture();
        let base = format!("/iiif/3/{}", bowl_image());
        let full = picture_of(&fixture.app, &format!("{base}/full/max/0/default.jpg")).await;
        assert_eq!((full.width(), full.height()), (640, 480));
        let tile = picture_of(
            &fixture.app,
            &format!("{base}/0,0,320,240/160,/0/default.png"),
        )
        .await;
        assert_eq!((tile.width(), tile.height()), (160, 120));
        let rotated = picture_of(
            &fixture.app,
            &format!("{base}/square/!100,100/!90/gray.png"),
        )
        .await;
        assert_eq!((rotated.width(), rotated.height()), (100, 100));
        assert!(matches!(rotated, image::DynamicImage::ImageLuma8(_)));
        let webp = picture_of(
            &fixture.app,
            &format!("{base}/pct:50,50,50,50/pct:50/180/color.webp"),
        )
        .await;
        assert_eq!((webp.width(), webp.height()), (160, 120));
        let bowl = Catalog::open_read_only(&fixture.data_dir.catalog_path())
            .unwrap()
            .item(&bowl_id())
            .unwrap()
            .unwrap();
        let cached = fixture
            .data_dir
            .derivatives_for(&bowl.files[0].digest)
            .join("iiif/p0001/0_0_320_240-160_120-0-color.png");
        assert!(cached.is_file(), "the tile is cached on disk");
        let again = get(
            &fixture.app,
            &format!("{base}/0,0,320,240/160,/0/default.png"),
        )
        .await;
        assert_eq!(again.body, std::fs::read(&cached).unwrap());
        for bad in [
            "full/max/45/default.jpg",
            "full/max/0/sepia.jpg",
            "full/max/0/default.tif",
            "full/700,/0/default.jpg",
            "9999,0,10,10/max/0/default.jpg",
            "full/0,/0/default.jpg",
        ] {
            let answer = get(&fixture.app, &format!("{base}/{bad}")).await;
            assert_json_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
        }
        let upscaled = picture_of(&fixture.app, &format!("{base}/full/^700,/0/default.jpg")).await;
        assert_eq!(upscaled.width(), 700);
    }

    #[tokio::test]
    async fn restricted_missing_and_tricky_identifiers_are_refused() {
        let fixture = fixture();
        for identifier in [
            format!("{}~1~1", restricted_id()),
            format!("{}~1~2", bowl_id()),
            "..%2F..%2Fcatalog.sqlite".to_string(),
            "nothing-here".to_string(),
        ] {
            let answer = get(&fixture.app, &format!("/iiif/3/{identifier}/info.json")).await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{identifier}");
        }
        let answer = get(
            &fixture.app,
            "/iiif/3/..%2F..%2Fcatalog.sqlite/full/max/0/default.jpg",
        )
        .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn a_dublin_core_identifier_is_an_alias() {
        let fixture = fixture();
        let info = get(
            &fixture.app,
            "/iiif/3/67352ccc-d1b0-11e1-89ae-279075081939/info.json",
        )
        .await
        .json();
        assert_eq!(info["width"], 300);
        assert_eq!(
            info["id"],
            format!("{BASE}/iiif/3/67352ccc-d1b0-11e1-89ae-279075081939")
        );
    }

    #[tokio::test]
    async fn manifests_and_collections() {
        let fixture = fixture();
        let manifest = get(&fixture.app, &format!("/iiif/3/manifests/{}", bowl_id())).await;
        assert_eq!(manifest.status, StatusCode::OK);
        insta::assert_snapshot!("iiif_manifest_bowl", redacted(&manifest.json()));
        let restricted = get(
            &fixture.app,
            &format!("/iiif/3/manifests/{}", restricted_id()),
        )
        .await;
        assert_eq!(restricted.status, StatusCode::NOT_FOUND);
        let collection = get(&fixture.app, "/iiif/3/collections/museum").await.json();
        insta::assert_snapshot!("iiif_collection_museum", redacted(&collection));
        let ceramics = get(&fixture.app, "/iiif/3/collections/museum/ceramics")
            .await
            .json();
        assert_eq!(ceramics["items"].as_array().unwrap().len(), 1);
        let top = get(&fixture.app, "/iiif/3/collections").await.json();
        assert_eq!(top["items"].as_array().unwrap().len(), 2);
    }
}

#[path = "api/hostile.rs"]
mod hostile;

#[path = "api/limits.rs"]
mod limits;
